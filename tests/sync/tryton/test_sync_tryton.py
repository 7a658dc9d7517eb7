"""
The Tryton adapter's own behaviour, beyond the conformance kit: the field mapping as Tryton
stores it, edits made in Tryton read back, codes, generic classes, imports and set-up errors.

Most tests share one database and write accounts under keys and codes of their own; the
tests that count every party get a database of their own.
"""

from __future__ import annotations

import pytest

# Collected without the extra too: skipped, with the reason, when trytond is missing.
pytest.importorskip("trytond", reason="needs trytond: pip install 'accountcore[tryton]'")
pytestmark = pytest.mark.tryton

import contextlib
import itertools
import os
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import attrs
from _tryton import CACHE, FOLDER, fresh_database, fresh_system
from stdnum.no import mva

from accountcore import (
    Account,
    AccountStatus,
    AccountType,
    Address,
    ChamberOfCommerceNumber,
    ValidationError,
    VATNumber,
)
from accountcore.entities import Contact, Financial, Marketing, Summary
from accountcore.errors import AdapterError, UnsupportedOperationError
from accountcore.sync import (
    Change,
    ChangeKind,
    CustomerClass,
    OutcomeStatus,
    Posting,
    PushItem,
    PushOperation,
    PushOutcome,
    RemoteAccount,
)
from accountcore.sync.tryton import ImportPage, TrytonAccountingSystem, create_database
from accountcore.sync.tryton._store import PartyStore

ON = date(2024, 3, 1)
SAVED = datetime(2024, 3, 1, 9, tzinfo=timezone.utc)
DAMRAK = Address(line1="Damrak 1", postcode="1012 LG", city="Amsterdam", country="NL")
APPLIED, REJECTED = OutcomeStatus.APPLIED, OutcomeStatus.REJECTED
CONFLICT, DUPLICATE = OutcomeStatus.CONFLICT, OutcomeStatus.DUPLICATE
_KEYS = itertools.count(1)


# --- builders ----------------------------------------------------------------------------------


def unique(prefix: str) -> str:
    """Return a key no other test of the module uses."""
    return f"{prefix}-{next(_KEYS)}"


def account(
    key: str,
    *,
    name: str = "Acme B.V.",
    code: str | None = None,
    address: Address = DAMRAK,
    email: str | None = None,
    phone: str | None = None,
    fax: str | None = None,
    website: str | None = None,
    mobile: str | None = None,
    vat: str | None = None,
    coc: str | None = None,
    inactive: bool = False,
) -> Account:
    """Return a valid Customer with id ``key`` (code ``key`` upper-cased unless given)."""
    built = Account.new(
        id=key,
        code=code or key.upper(),
        name=name,
        type=AccountType.CUSTOMER,
        address=address,
        summary=Summary(address=address, email=email, phone=phone, fax=fax, website=website),
        contact=Contact(mobile=mobile) if mobile else None,
        financial=Financial(vat_number=VATNumber.parse(vat) if vat else None),
        marketing=Marketing(
            coc_number=ChamberOfCommerceNumber.parse(coc, address.country) if coc else None
        ),
        on=ON,
    )
    return attrs.evolve(built, status=AccountStatus.INACTIVE) if inactive else built


def _change(
    kind: ChangeKind,
    key: str,
    change_id: str,
    snapshot: Account | None = None,
    *,
    external_id: str | None = None,
    customer_class: CustomerClass | None = None,
) -> Change:
    return Change(
        change_id=change_id,
        account_key=key,
        seq=1,
        kind=kind,
        saved_at=SAVED,
        snapshot=snapshot,
        external_id=external_id,
        customer_class=customer_class or CustomerClass(code="ACCOUNT"),
    )


def create(
    snapshot: Account,
    idempotency_key: str | None = None,
    customer_class: CustomerClass | None = None,
) -> PushItem:
    """Return a create of ``snapshot``; the idempotency key defaults to ``<key>-create``."""
    key = snapshot.id or ""
    change_id = idempotency_key or f"{key}-create"
    change = _change(ChangeKind.CREATE, key, change_id, snapshot, customer_class=customer_class)
    return PushItem(operation=PushOperation.CREATE, change=change, idempotency_key=change_id)


def update(snapshot: Account, external_id: str, base_version: str | None) -> PushItem:
    """Return an update of party ``external_id`` to ``snapshot``, based on ``base_version``."""
    key = snapshot.id or ""
    change_id = unique(f"{key}-update")
    return PushItem(
        operation=PushOperation.UPDATE,
        change=_change(ChangeKind.UPDATE, key, change_id, snapshot),
        idempotency_key=change_id,
        external_id=external_id,
        base_version=base_version,
    )


def relink(operation: PushOperation, key: str, external_id: str) -> PushItem:
    """Return a link or an unlink of account ``key`` and party ``external_id``."""
    change_id = unique(f"{key}-{operation.value}")
    kind = ChangeKind.LINK if operation is PushOperation.LINK else ChangeKind.UNLINK
    linked = external_id if kind is ChangeKind.LINK else None
    return PushItem(
        operation=operation,
        change=_change(kind, key, change_id, external_id=linked),
        idempotency_key=change_id,
        external_id=external_id,
    )


# --- Tryton, as another user sees it ---------------------------------------------------------


@contextlib.contextmanager
def tryton(database: str) -> Iterator[Any]:
    """Give a pool in a Tryton transaction of its own, inactive records included; commit it."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(database, 0, context={"active_test": False}) as transaction:
        yield Pool(database)
        transaction.commit()


def party_view(database: str, external_id: str) -> dict[str, object]:
    """Return the party's fields as Tryton holds them, with its first address."""
    with tryton(database) as pool:
        party = pool.get("party.party")(int(external_id))
        address = party.addresses[0]
        return {
            "name": party.name,
            "code": party.code,
            "active": party.active,
            "accountcore_key": party.accountcore_key,
            "street": address.street,
            "postal_code": address.postal_code,
            "city": address.city,
            "country": address.country.code if address.country else None,
            "subdivision": address.subdivision,
            "mechanisms": sorted((m.type, m.value) for m in party.contact_mechanisms),
            "identifiers": sorted((i.type, i.code) for i in party.identifiers),
        }


def parties_with(database: str, **values: object) -> int:
    """Return how many parties, archived ones included, hold all of ``values``."""
    with tryton(database) as pool:
        domain = [(name, "=", value) for name, value in values.items()]
        return int(pool.get("party.party").search_count(domain))


def edit_party(database: str, external_id: str, **values: object) -> None:
    """Write ``values`` on the party, as a Tryton user would."""
    with tryton(database) as pool:
        party = pool.get("party.party")
        party.write([party(int(external_id))], values)


def edit_children(
    database: str, external_id: str, model: str, edit: Callable[[Any, list[Any]], None]
) -> None:
    """Run ``edit(model class, the party's records of that model)`` as a Tryton user."""
    with tryton(database) as pool:
        cls = pool.get(model)
        edit(cls, cls.search([("party", "=", int(external_id))], order=[("id", "ASC")]))


def make_party(database: str, **values: object) -> str:
    """Create a party through Tryton's ORM, as a Tryton user would; return its id."""
    with tryton(database) as pool:
        (party,) = pool.get("party.party").create([values])
        return str(party.id)


def country(database: str, code: str) -> int:
    """Return the id of the country ``code``."""
    with tryton(database) as pool:
        (found,) = pool.get("country.country").search([("code", "=", code)])
        return int(found.id)


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def system() -> TrytonAccountingSystem:
    """The adapter on one database for the module's tests that do not count parties."""
    return fresh_system()


def push_one(system: TrytonAccountingSystem, item: PushItem) -> PushOutcome:
    (outcome,) = system.push([item])
    return outcome


def created(system: TrytonAccountingSystem, snapshot: Account) -> PushOutcome:
    """Push a create of ``snapshot`` and return its outcome, which must be APPLIED."""
    outcome = push_one(system, create(snapshot))
    assert outcome.status is APPLIED, outcome
    assert outcome.external_id is not None
    return outcome


def fetched(system: TrytonAccountingSystem, external_id: str) -> RemoteAccount:
    return system.fetch([external_id])[external_id]


# --- the mapping ------------------------------------------------------------------------------


@attrs.frozen
class OnParty:
    """What the party and its first address hold, beyond name, code, status and key."""

    street: str
    postal_code: str | None
    city: str
    country: str
    mechanisms: tuple[tuple[str, str], ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()


_ALL_MECHANISMS = (
    ("email", "sales@acme.co.uk"),
    ("fax", "+44 20 7946 0001"),
    ("mobile", "+44 7400 123456"),
    ("phone", "+44 20 7946 0000"),
    ("website", "https://acme.co.uk"),
)

MAPPING = [
    pytest.param(
        account("map-nl", email="info@acme.nl", vat="NL004495445B01", coc="34334259"),
        # Tryton has no KvK type: the KvK number stays in the stored account only.
        OnParty(
            "Damrak 1",
            "1012 LG",
            "Amsterdam",
            "NL",
            mechanisms=(("email", "info@acme.nl"),),
            identifiers=(("eu_vat", "NL004495445B01"),),
        ),
        id="nl-vat-kvk",
    ),
    pytest.param(
        account(
            "map-de",
            name="Acme GmbH",
            address=Address(
                line1="Unter den Linden 5",
                line2="Hinterhaus",
                postcode="10117",
                city="Berlin",
                country="DE",
            ),
            phone="+49 30 1234567",
            fax="+49 30 1234568",
            vat="DE136695976",
            coc="Aachen HRA 11223",
        ),
        OnParty(
            "Unter den Linden 5\nHinterhaus",
            "10117",
            "Berlin",
            "DE",
            mechanisms=(("fax", "+49 30 1234568"), ("phone", "+49 30 1234567")),
            identifiers=(
                ("de_handelsregisternummer", "Aachen HRA 11223"),
                ("eu_vat", "DE136695976"),
            ),
        ),
        id="de-vat-handelsregister-two-lines",
    ),
    pytest.param(
        account(
            "map-be",
            name="Acme NV",
            address=Address(
                line1="Rue de la Loi 16",
                line2="Boîte 3",
                line3="Bâtiment B",
                postcode="1000",
                city="Brussel",
                country="BE",
            ),
            website="https://acme.be",
            vat="BE0428759497",
        ),
        OnParty(
            "Rue de la Loi 16\nBoîte 3\nBâtiment B",
            "1000",
            "Brussel",
            "BE",
            mechanisms=(("website", "https://acme.be"),),
            identifiers=(("eu_vat", "BE0428759497"),),
        ),
        id="be-vat-three-lines",
    ),
    pytest.param(
        account(
            "map-gr",
            name="Acme AE",
            address=Address(
                line1="Leoforos Vasilissis Sofias 2", postcode="106 74", city="Athina", country="GR"
            ),
            vat="EL094259216",
        ),
        OnParty(
            "Leoforos Vasilissis Sofias 2",
            "106 74",
            "Athina",
            "GR",
            identifiers=(("eu_vat", "EL094259216"),),
        ),
        id="gr-vat-as-el",
    ),
    pytest.param(
        account(
            "map-gb",
            name="Acme Ltd",
            address=Address(
                line1="10 Downing Street", postcode="SW1A 2AA", city="London", country="GB"
            ),
            email="sales@acme.co.uk",
            phone="+44 20 7946 0000",
            fax="+44 20 7946 0001",
            website="https://acme.co.uk",
            mobile="+44 7400 123456",
            vat="GB980780684",
        ),
        OnParty(
            "10 Downing Street",
            "SW1A 2AA",
            "London",
            "GB",
            mechanisms=_ALL_MECHANISMS,
            # Tryton keeps the number in the form its type displays.
            identifiers=(("gb_vat", "980 7806 84"),),
        ),
        id="gb-vat-every-mechanism",
    ),
    pytest.param(
        account(
            "map-ch",
            name="Acme AG",
            address=Address(line1="Bahnhofstrasse 1", postcode="8001", city="Zürich", country="CH"),
            vat="CHE-107.787.577 IVA",
            coc="CHE-100.155.212",
        ),
        OnParty(
            "Bahnhofstrasse 1",
            "8001",
            "Zürich",
            "CH",
            identifiers=(("ch_uid", "CHE-100.155.212"), ("ch_vat", "CHE-107.787.577 IVA")),
        ),
        id="ch-vat-uid",
    ),
    pytest.param(
        account(
            "map-fr",
            name="Acme SA",
            address=Address(line1="1 Rue de Rivoli", postcode="75001", city="Paris", country="FR"),
            vat="FR40303265045",
            coc="303 265 045",
        ),
        OnParty(
            "1 Rue de Rivoli",
            "75001",
            "Paris",
            "FR",
            identifiers=(("eu_vat", "FR40303265045"), ("fr_siren", "303 265 045")),
        ),
        id="fr-vat-siren",
    ),
    pytest.param(
        account(
            "map-no",
            name="Acme AS",
            address=Address(line1="Karl Johans gate 1", postcode="0154", city="Oslo", country="NO"),
            coc="988 077 917",
        ),
        OnParty(
            "Karl Johans gate 1",
            "0154",
            "Oslo",
            "NO",
            identifiers=(("no_orgnr", "988 077 917"),),
        ),
        id="no-orgnr",
    ),
    pytest.param(
        account(
            "map-us",
            name="Acme Inc.",
            address=Address(
                line1="350 Fifth Avenue",
                line2="Suite 3000",
                line3="Floor 30",
                postcode="10118",
                city="New York",
                state="NY",
                country="US",
            ),
            email="sales@acme.com",
            website="https://acme.com",
            inactive=True,
        ),
        # The database has no subdivisions: the state stays in the stored account only.
        OnParty(
            "350 Fifth Avenue\nSuite 3000\nFloor 30",
            "10118",
            "New York",
            "US",
            mechanisms=(("email", "sales@acme.com"), ("website", "https://acme.com")),
        ),
        id="us-state-inactive",
    ),
]


class TestMapping:
    @pytest.mark.parametrize(("pushed", "expected"), MAPPING)
    def test_create_writes_the_party_and_reads_back_equal(
        self, system: TrytonAccountingSystem, pushed: Account, expected: OnParty
    ) -> None:
        """
        A create writes the account onto the party, its address and its child records, and
        fetch and find_by_account_keys read the account back as pushed, at its version.
        """
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        view = party_view(system.database, outcome.external_id)
        assert view == {
            "name": pushed.name,
            "code": pushed.code,
            "active": pushed.status is not AccountStatus.INACTIVE,
            "accountcore_key": pushed.id,
            "street": expected.street,
            "postal_code": expected.postal_code,
            "city": expected.city,
            "country": expected.country,
            "subdivision": None,
            "mechanisms": list(expected.mechanisms),
            "identifiers": list(expected.identifiers),
        }
        by_id = fetched(system, outcome.external_id)
        by_key = system.find_by_account_keys([pushed.id or ""])[pushed.id or ""]
        for remote in (by_id, by_key):
            assert remote.snapshot == pushed
            assert (remote.external_id, remote.account_key) == (outcome.external_id, pushed.id)
            assert remote.version == outcome.version

    @pytest.mark.parametrize(
        ("where", "raw", "identifier"),
        [
            pytest.param(
                Address(line1="Theaterplatz 1", city="Aachen", country="DE"),
                "Aachen HRA 11223",
                ("de_handelsregisternummer", "Aachen HRA 11223"),
                id="DE",
            ),
            pytest.param(
                Address(line1="1 Rue de Rivoli", city="Paris", country="FR"),
                "404833048",
                ("fr_siren", "404 833 048"),
                id="FR",
            ),
            pytest.param(
                Address(line1="Stephansplatz 1", city="Wien", country="AT"),
                "FN 122119m",
                ("at_businessid", "122119m"),
                id="AT",
            ),
            pytest.param(
                Address(line1="Bahnhofstrasse 1", city="Zürich", country="CH"),
                "CHE-100.155.212",
                ("ch_uid", "CHE-100.155.212"),
                id="CH",
            ),
            pytest.param(
                Address(line1="Mannerheimintie 1", city="Helsinki", country="FI"),
                "2077474-0",
                ("fi_ytunnus", "2077474-0"),
                id="FI",
            ),
            pytest.param(
                Address(line1="Raekoja plats 1", city="Tallinn", country="EE"),
                "12345678",
                ("ee_registrikood", "12345678"),
                id="EE",
            ),
            pytest.param(
                Address(line1="Karl Johans gate 1", city="Oslo", country="NO"),
                "988 077 917",
                ("no_orgnr", "988 077 917"),
                id="NO",
            ),
            pytest.param(
                Address(line1="Drottninggatan 1", city="Stockholm", country="SE"),
                "1234567897",
                ("se_orgnr", "123456-7897"),
                id="SE",
            ),
        ],
    )
    def test_register_number_of_each_listed_country_is_an_identifier(
        self,
        system: TrytonAccountingSystem,
        where: Address,
        raw: str,
        identifier: tuple[str, str],
    ) -> None:
        """
        A register number of each country in the documented table becomes an identifier of
        the table's type (in the form Tryton shows it), and reads back unchanged.
        """
        pushed = account(unique(f"coc-{where.country.lower()}"), address=where, coc=raw)
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        view = party_view(system.database, outcome.external_id)
        assert view["identifiers"] == [identifier]
        assert fetched(system, outcome.external_id).snapshot == pushed

    def test_danish_register_number_stays_in_the_stored_account(
        self, system: TrytonAccountingSystem
    ) -> None:
        """Tryton 8.2 has no Danish register type (CVR is its VAT type): no identifier."""
        copenhagen = Address(line1="Strøget 1", city="København", country="DK")
        pushed = account(unique("coc-dk"), address=copenhagen, coc="DK 13585628")
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        assert party_view(system.database, outcome.external_id)["identifiers"] == []
        assert fetched(system, outcome.external_id).snapshot == pushed

    def test_norwegian_vat_number_is_an_identifier(self, system: TrytonAccountingSystem) -> None:
        """A Norwegian VAT number becomes Tryton's Norwegian VAT identifier (no_vat in 8.2)."""
        oslo = Address(line1="Karl Johans gate 1", postcode="0154", city="Oslo", country="NO")
        pushed = account(unique("vat-no"), address=oslo, vat="NO 995 525 828 MVA")
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        view = party_view(system.database, outcome.external_id)
        identifiers = view["identifiers"]
        assert isinstance(identifiers, list)
        assert [(kind, mva.compact(code)) for kind, code in identifiers] == [
            ("no_vat", "995525828MVA")
        ]
        assert fetched(system, outcome.external_id).snapshot == pushed

    def test_reading_does_not_move_the_version(self, system: TrytonAccountingSystem) -> None:
        """Reads leave the version and modified_at where the write put them."""
        pushed = account(unique("reads"), email="info@acme.nl", vat="NL004495445B01")
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        first = fetched(system, outcome.external_id)
        system.find_by_account_keys([pushed.id or ""])
        second = fetched(system, outcome.external_id)
        assert (first.version, first.modified_at) == (second.version, second.modified_at)
        assert first.version == outcome.version


# --- edits made in Tryton ---------------------------------------------------------------------


def _summary(pushed: Account, **values: Any) -> Account:
    return attrs.evolve(pushed, summary=attrs.evolve(pushed.summary, **values))


def _address(pushed: Account, **values: Any) -> Account:
    return _summary(pushed, address=attrs.evolve(pushed.summary.address, **values))


def _rename(database: str, external_id: str) -> None:
    edit_party(database, external_id, name="Acme Holding B.V.")


def _recode(database: str, external_id: str) -> None:
    with tryton(database) as pool:
        party = pool.get("party.party")(int(external_id))
        party.code = f"{party.code}-T"
        party.save()


def _move(database: str, external_id: str) -> None:
    edit_children(
        database, external_id, "party.address", lambda cls, rows: cls.write(rows, {"city": "Delft"})
    )


def _email_mechanisms(rows: list[Any]) -> list[Any]:
    return [row for row in rows if row.type == "email"]


def _delete_email(database: str, external_id: str) -> None:
    edit_children(
        database,
        external_id,
        "party.contact_mechanism",
        lambda cls, rows: cls.delete(_email_mechanisms(rows)),
    )


def _archive_email(database: str, external_id: str) -> None:
    edit_children(
        database,
        external_id,
        "party.contact_mechanism",
        lambda cls, rows: cls.write(_email_mechanisms(rows), {"active": False}),
    )


def _archive_party(database: str, external_id: str) -> None:
    edit_party(database, external_id, active=False)


def _change_vat(database: str, external_id: str) -> None:
    edit_children(
        database,
        external_id,
        "party.identifier",
        lambda cls, rows: cls.write(rows, {"code": "NL002455799B11"}),
    )


EDITS = [
    pytest.param(_rename, lambda a: attrs.evolve(a, name="Acme Holding B.V."), id="rename"),
    pytest.param(_recode, lambda a: attrs.evolve(a, code=f"{a.code}-T"), id="code"),
    pytest.param(_move, lambda a: _address(a, city="Delft"), id="address-city"),
    pytest.param(_delete_email, lambda a: _summary(a, email=None), id="delete-email"),
    pytest.param(_archive_email, lambda a: _summary(a, email=None), id="archive-email"),
    pytest.param(
        _archive_party,
        lambda a: attrs.evolve(a, status=AccountStatus.INACTIVE),
        id="archive-party",
    ),
    pytest.param(
        _change_vat,
        lambda a: attrs.evolve(
            a, financial=attrs.evolve(a.financial, vat_number=VATNumber.parse("NL002455799B11"))
        ),
        id="vat-code",
    ),
]


class TestRemoteEdits:
    @pytest.mark.parametrize(("edit", "expected"), EDITS)
    def test_edit_in_tryton_reads_back_alone(
        self,
        system: TrytonAccountingSystem,
        edit: Callable[[str, str], None],
        expected: Callable[[Account], Account],
    ) -> None:
        """An edit made in Tryton shows in the account, which keeps everything else."""
        pushed = account(
            unique("edit"), email="info@acme.nl", phone="+31 20 555 0100", vat="NL004495445B01"
        )
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        edit(system.database, outcome.external_id)
        remote = fetched(system, outcome.external_id)
        assert remote.snapshot == expected(pushed)
        assert remote.version != outcome.version
        assert system.find_by_account_keys([pushed.id or ""])[pushed.id or ""] == remote

    def test_unarchiving_an_inactive_account_makes_it_active(
        self, system: TrytonAccountingSystem
    ) -> None:
        """An Inactive account whose party a Tryton user unarchives reads back Active."""
        pushed = account(unique("unarchive"), inactive=True)
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        edit_party(system.database, outcome.external_id, active=True)
        remote = fetched(system, outcome.external_id)
        assert remote.snapshot == attrs.evolve(pushed, status=AccountStatus.ACTIVE)

    def test_email_a_tryton_user_adds_reads_back(self, system: TrytonAccountingSystem) -> None:
        """An email mechanism a Tryton user adds to a party without one becomes the email."""
        pushed = account(unique("add-email"))
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        mechanism = [("create", [{"type": "email", "value": "orders@acme.nl"}])]
        edit_party(system.database, outcome.external_id, contact_mechanisms=mechanism)
        remote = fetched(system, outcome.external_id)
        assert remote.snapshot == _summary(pushed, email="orders@acme.nl")

    def test_update_manages_the_mechanism_a_tryton_user_added_and_leaves_a_second(
        self, system: TrytonAccountingSystem
    ) -> None:
        """
        A phone a Tryton user adds where accountcore wrote none reads back on the account,
        and the next update without it removes it; a second phone the user adds stays.
        """
        pushed = account(unique("user-phone"), email="info@acme.nl")
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        phones = [
            {"type": "phone", "value": "+31 20 555 0199"},
            {"type": "phone", "value": "+31 20 555 0100"},
        ]
        edit_party(system.database, outcome.external_id, contact_mechanisms=[("create", phones)])
        remote = fetched(system, outcome.external_id)
        assert remote.snapshot == _summary(pushed, phone="+31 20 555 0199")
        renamed = attrs.evolve(pushed, name="Acme Retail B.V.")
        result = push_one(system, update(renamed, outcome.external_id, remote.version))
        assert result.status is APPLIED
        assert party_view(system.database, outcome.external_id)["mechanisms"] == [
            ("email", "info@acme.nl"),
            ("phone", "+31 20 555 0100"),
        ]

    def test_hand_edited_snapshot_reads_as_a_party_accountcore_never_wrote(
        self, system: TrytonAccountingSystem
    ) -> None:
        """A party whose stored account no longer reads is read from its fields alone."""
        pushed = account(unique("hand"), email="info@acme.nl", vat="NL004495445B01", coc="34334259")
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        edit_party(system.database, outcome.external_id, accountcore_snapshot="{not json")
        with tryton(system.database) as pool:
            party = pool.get("party.party")(int(outcome.external_id))
            since = party.create_date.date()
        remote = fetched(system, outcome.external_id)
        assert remote.snapshot == Account(
            id=pushed.id,
            code=pushed.code,
            name=pushed.name,
            type=AccountType.CUSTOMER,
            type_since=since,
            status_since=since,
            summary=Summary(address=DAMRAK, email="info@acme.nl"),
            financial=pushed.financial,
        )

    def test_archived_address_reads_blank_and_next_update_writes_a_new_one(
        self, system: TrytonAccountingSystem
    ) -> None:
        """An archived address reads as blank; the next update writes a fresh address."""
        pushed = account(unique("no-address"))
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        edit_children(
            system.database,
            outcome.external_id,
            "party.address",
            lambda cls, rows: cls.write(rows, {"active": False}),
        )
        remote = fetched(system, outcome.external_id)
        blank = Address(line1="", city="", country="")
        assert remote.snapshot == _summary(pushed, address=blank)
        renamed = attrs.evolve(pushed, name="Acme Retail B.V.")
        result = push_one(system, update(renamed, outcome.external_id, remote.version))
        assert result.status is APPLIED
        assert fetched(system, outcome.external_id).snapshot == renamed
        with tryton(system.database) as pool:
            rows = pool.get("party.address").search(
                [("party", "=", int(outcome.external_id))], order=[("id", "ASC")]
            )
            assert [(row.active, row.street, row.city) for row in rows] == [
                (False, "Damrak 1", "Amsterdam"),
                (True, "Damrak 1", "Amsterdam"),
            ]


# --- conditional updates, replays and codes ----------------------------------------------------


class TestConditionalUpdate:
    def test_update_on_the_current_version_applies(self, system: TrytonAccountingSystem) -> None:
        """An update based on the create's version writes the party and returns its version."""
        pushed = account(unique("cond"))
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        renamed = attrs.evolve(pushed, name="Acme Retail B.V.", summary=pushed.summary)
        result = push_one(system, update(renamed, outcome.external_id, outcome.version))
        assert (result.status, result.external_id) == (APPLIED, outcome.external_id)
        remote = fetched(system, outcome.external_id)
        assert (remote.snapshot, remote.version) == (renamed, result.version)
        assert result.version != outcome.version
        assert party_view(system.database, outcome.external_id)["name"] == "Acme Retail B.V."

    def test_stale_version_is_a_conflict_that_writes_nothing(
        self, system: TrytonAccountingSystem
    ) -> None:
        """An update on a version the party has moved past is CONFLICT with the current one."""
        pushed = account(unique("stale"))
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        first = attrs.evolve(pushed, name="Acme Retail B.V.")
        applied = push_one(system, update(first, outcome.external_id, outcome.version))
        late = attrs.evolve(pushed, name="Acme Wholesale B.V.")
        result = push_one(system, update(late, outcome.external_id, outcome.version))
        assert (result.status, result.version) == (CONFLICT, applied.version)
        remote = fetched(system, outcome.external_id)
        assert (remote.snapshot, remote.version) == (first, applied.version)
        assert party_view(system.database, outcome.external_id)["name"] == "Acme Retail B.V."

    def test_update_after_an_edit_in_tryton_is_a_conflict(
        self, system: TrytonAccountingSystem
    ) -> None:
        """An update based on the version before a Tryton user's edit is CONFLICT."""
        pushed = account(unique("edited"))
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        _move(system.database, outcome.external_id)
        moved = fetched(system, outcome.external_id)
        late = attrs.evolve(pushed, name="Acme Wholesale B.V.")
        result = push_one(system, update(late, outcome.external_id, outcome.version))
        assert (result.status, result.version) == (CONFLICT, moved.version)
        assert fetched(system, outcome.external_id) == moved

    def test_invalid_update_is_rejected_and_writes_nothing(
        self, system: TrytonAccountingSystem
    ) -> None:
        """An update to an account that breaks a rule is REJECTED and leaves the party."""
        pushed = account(unique("bad-update"))
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        broken = attrs.evolve(pushed, name="")
        result = push_one(system, update(broken, outcome.external_id, outcome.version))
        assert (result.status, result.code) == (REJECTED, "invalid_account")
        remote = fetched(system, outcome.external_id)
        assert (remote.snapshot, remote.version) == (pushed, outcome.version)


class TestReplaysAndCodes:
    def test_replayed_create_is_a_duplicate_of_the_same_party(
        self, system: TrytonAccountingSystem
    ) -> None:
        """A create sent again with its idempotency key names the party it made, once."""
        pushed = account(unique("replay"))
        outcome = created(system, pushed)
        again = push_one(system, create(pushed))
        assert (again.status, again.external_id, again.version) == (
            DUPLICATE,
            outcome.external_id,
            outcome.version,
        )
        assert parties_with(system.database, accountcore_key=pushed.id) == 1

    def test_create_of_a_taken_account_key_is_rejected(
        self, system: TrytonAccountingSystem
    ) -> None:
        """A create under another idempotency key for a held account key is refused."""
        pushed = account(unique("taken"))
        outcome = created(system, pushed)
        other = attrs.evolve(pushed, name="Acme Two B.V.")
        result = push_one(system, create(other, idempotency_key=unique("other")))
        assert (result.status, result.code) == (REJECTED, "account_key_taken")
        assert parties_with(system.database, accountcore_key=pushed.id) == 1
        assert outcome.external_id is not None
        assert fetched(system, outcome.external_id).snapshot == pushed

    def test_create_with_a_taken_code_is_rejected(self, system: TrytonAccountingSystem) -> None:
        """A create whose code another party holds is REJECTED code_taken, writing nothing."""
        holder = account(unique("holder"))
        created(system, holder)
        clash = account(unique("clash"), code=holder.code)
        result = push_one(system, create(clash))
        assert (result.status, result.code) == (REJECTED, "code_taken")
        assert system.find_by_account_keys([clash.id or ""]) == {}
        assert parties_with(system.database, code=holder.code) == 1

    def test_code_held_by_a_party_made_in_tryton_is_taken(
        self, system: TrytonAccountingSystem
    ) -> None:
        """A code a Tryton user gave a party is taken for a create too."""
        code = unique("TRYTON")
        make_party(system.database, name="Walk-in Customer", code=code)
        result = push_one(system, create(account(unique("walk-in"), code=code)))
        assert (result.status, result.code) == (REJECTED, "code_taken")

    def test_update_to_a_taken_code_is_rejected(self, system: TrytonAccountingSystem) -> None:
        """An update that would give the party another party's code is refused."""
        holder, mover = account(unique("holder")), account(unique("mover"))
        created(system, holder)
        outcome = created(system, mover)
        assert outcome.external_id is not None
        moved = attrs.evolve(mover, code=holder.code)
        result = push_one(system, update(moved, outcome.external_id, outcome.version))
        assert (result.status, result.code) == (REJECTED, "code_taken")
        assert party_view(system.database, outcome.external_id)["code"] == mover.code
        assert fetched(system, outcome.external_id).snapshot == mover

    def test_update_keeping_its_own_code_applies(self, system: TrytonAccountingSystem) -> None:
        """An update that keeps the party's code is not refused for holding it."""
        pushed = account(unique("own-code"))
        outcome = created(system, pushed)
        assert outcome.external_id is not None
        renamed = attrs.evolve(pushed, name="Acme Retail B.V.")
        result = push_one(system, update(renamed, outcome.external_id, outcome.version))
        assert result.status is APPLIED

    def test_two_creates_of_one_code_in_a_batch(self, system: TrytonAccountingSystem) -> None:
        """Of two creates in one batch with one code, the first applies, the second is refused."""
        first = account(unique("twin"))
        second = account(unique("twin"), code=first.code)
        third = account(unique("single"))
        outcomes = system.push([create(first), create(second), create(third)])
        assert [(o.status, o.code) for o in outcomes] == [
            (APPLIED, None),
            (REJECTED, "code_taken"),
            (APPLIED, None),
        ]
        found = system.find_by_account_keys([first.id or "", second.id or "", third.id or ""])
        assert {key: remote.snapshot for key, remote in found.items()} == {
            first.id: first,
            third.id: third,
        }


class TestBatches:
    def test_a_clean_batch_is_one_create(
        self, system: TrytonAccountingSystem, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A batch of creates makes its parties in one Tryton create call."""
        calls: list[int] = []
        real = PartyStore.create_many

        def counting(store: PartyStore, parties: Any) -> list[int]:
            calls.append(len(parties))
            return real(store, parties)

        monkeypatch.setattr(PartyStore, "create_many", counting)
        accounts = [account(unique("batch")) for _ in range(4)]
        outcomes = system.push([create(a) for a in accounts])
        assert [o.status for o in outcomes] == [APPLIED] * 4
        assert calls == [4]

    def test_items_apply_in_order_when_an_earlier_one_frees_a_code(
        self, system: TrytonAccountingSystem
    ) -> None:
        """An update that gives up a code, then a create taking it, in one batch: both apply."""
        old = account(unique("recode"))
        outcome = created(system, old)
        assert outcome.external_id is not None
        recoded = attrs.evolve(old, code=f"{old.code}-new")
        newcomer = account(unique("newcomer"), code=old.code)
        outcomes = system.push(
            [update(recoded, outcome.external_id, outcome.version), create(newcomer)]
        )
        assert [o.status for o in outcomes] == [APPLIED, APPLIED]
        assert parties_with(system.database, code=old.code) == 1
        assert parties_with(system.database, code=recoded.code) == 1

    def test_an_item_tryton_refuses_leaves_its_neighbours_applied(
        self, system: TrytonAccountingSystem, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """
        When Tryton refuses one item of a batch, the batch is rolled back and written item by
        item: the refused one is REJECTED tryton_user_error, the others applied once each.
        """
        from trytond.exceptions import UserError

        poison = account(unique("poison"))
        real = PartyStore.create_many

        def refusing(store: PartyStore, parties: Any) -> list[int]:
            if any(fields.code == poison.code for _, fields in parties):
                raise UserError("The party is refused.")
            return real(store, parties)

        monkeypatch.setattr(PartyStore, "create_many", refusing)
        before, after = account(unique("before")), account(unique("after"))
        outcomes = system.push([create(before), create(poison), create(after)])
        assert [(o.status, o.code) for o in outcomes] == [
            (APPLIED, None),
            (REJECTED, "tryton_user_error"),
            (APPLIED, None),
        ]
        assert "The party is refused." in outcomes[1].message
        for pushed in (before, poison, after):
            assert parties_with(system.database, code=pushed.code) == (pushed is not poison)


def _blank_name(a: Account) -> Account:
    return attrs.evolve(a, name="")


def _unknown_country(a: Account) -> Account:
    return _address(a, country="XX")


def _reserved_email(a: Account) -> Account:
    return _summary(a, email="info@shop.test")


def _foreign_state(a: Account) -> Account:
    return _address(a, state="ZZ")


class TestInvalidAccounts:
    @pytest.mark.parametrize(
        ("breaks", "location"),
        [
            pytest.param(_blank_name, "$.name", id="blank-name"),
            pytest.param(_unknown_country, "$.summary.address.country", id="unknown-country"),
            pytest.param(_reserved_email, "$.summary.email", id="reserved-email"),
            pytest.param(_foreign_state, "$.summary.address.state", id="foreign-state"),
        ],
    )
    def test_invalid_account_is_rejected_and_nothing_is_written(
        self,
        system: TrytonAccountingSystem,
        breaks: Callable[[Account], Account],
        location: str,
    ) -> None:
        """A create of an account that breaks a rule is REJECTED invalid_account, naming it."""
        broken = breaks(account(unique("invalid")))
        result = push_one(system, create(broken))
        assert (result.status, result.code) == (REJECTED, "invalid_account")
        assert location in result.message
        assert system.find_by_account_keys([broken.id or ""]) == {}
        assert parties_with(system.database, code=broken.code) == 0


# --- generic customer classes -----------------------------------------------------------------


class TestGenericClass:
    def test_missing_generic_party_is_an_adapter_error(
        self, system: TrytonAccountingSystem
    ) -> None:
        """Naming a generic party code that no party holds fails at construction."""
        with pytest.raises(AdapterError, match="NO-SUCH-PARTY"):
            TrytonAccountingSystem(system.database, generic_party="NO-SUCH-PARTY")

    def test_generic_class_without_a_generic_party_is_an_adapter_error(
        self, system: TrytonAccountingSystem
    ) -> None:
        """generic_class needs a configured generic party."""
        with pytest.raises(AdapterError):
            system.generic_class("SHOP")

    def test_generic_class_posts_to_the_generic_party(self, system: TrytonAccountingSystem) -> None:
        """A generic class names the party with the configured code; its creates make nothing."""
        code = unique("GEN")
        with pytest.raises(AdapterError):
            TrytonAccountingSystem(system.database, generic_party=code)
        generic_id = make_party(system.database, name="Cash Sales", code=code)
        adapter = TrytonAccountingSystem(system.database, generic_party=code)
        shop = adapter.generic_class("SHOP", trade_terms_days=14)
        assert shop == CustomerClass(
            code="SHOP",
            posting=Posting.GENERIC,
            generic_external_id=generic_id,
            trade_terms_days=14,
        )
        walk_in = account(unique("walk-in"))
        before = parties_with(adapter.database)
        result = push_one(adapter, create(walk_in, customer_class=shop))
        assert (result.status, result.external_id) == (APPLIED, generic_id)
        assert parties_with(adapter.database) == before
        assert adapter.find_by_account_keys([walk_in.id or ""]) == {}
        with tryton(adapter.database) as pool:
            assert pool.get("party.party")(int(generic_id)).name == "Cash Sales"

    def test_generic_party_gone_is_not_found(self, system: TrytonAccountingSystem) -> None:
        """A generic create whose shared party was deleted since is REJECTED not_found."""
        code = unique("GEN")
        generic_id = make_party(system.database, name="Cash Sales", code=code)
        adapter = TrytonAccountingSystem(system.database, generic_party=code)
        shop = adapter.generic_class("SHOP")
        with tryton(system.database) as pool:
            party = pool.get("party.party")
            party.delete([party(int(generic_id))])
        result = push_one(adapter, create(account(unique("walk-in")), customer_class=shop))
        assert (result.status, result.code) == (REJECTED, "not_found")


# --- importing parties ------------------------------------------------------------------------


def _import_all(system: TrytonAccountingSystem, limit: int) -> list[ImportPage]:
    """Page through every party; return the pages."""
    pages: list[ImportPage] = []
    cursor: str | None = None
    while True:
        page = system.import_parties(cursor=cursor, limit=limit)
        pages.append(page)
        cursor = page.cursor
        if cursor is None:
            return pages


@attrs.frozen(kw_only=True)
class Populated:
    """A database of its own with parties made in Tryton and pushed ones."""

    system: TrytonAccountingSystem
    made: dict[str, str]  #: party ids made in Tryton, by what they are
    pushed: dict[str, Account]  #: accounts pushed, by party id


@pytest.fixture(scope="module")
def populated() -> Populated:
    """A database with parties made in Tryton (by name) and pushed ones (by id)."""
    system = fresh_system()
    database = system.database
    nl = country(database, "NL")
    damrak = {"street": "Damrak 1", "postal_code": "1012 LG", "city": "Amsterdam"}
    made = {
        "valid": make_party(
            database,
            name="Bakkerij de Vries",
            code="T-1",
            addresses=[("create", [{**damrak, "country": nl}])],
            contact_mechanisms=[("create", [{"type": "email", "value": "info@devries.nl"}])],
            identifiers=[("create", [{"type": "eu_vat", "code": "NL004495445B01"}])],
        ),
        "no-address": make_party(database, name="Nameless Stall", code="T-2"),
        "archived": make_party(
            database,
            name="Closed Shop",
            code="T-3",
            active=False,
            addresses=[("create", [{**damrak, "country": nl}])],
        ),
        "linked": make_party(
            database,
            name="Linked Retail",
            code="T-4",
            addresses=[("create", [{**damrak, "country": nl}])],
        ),
    }
    pushed = {}
    for key in ("imp-a", "imp-b", "imp-c"):
        snapshot = account(key, vat="NL004495445B01", email="info@acme.nl")
        outcome = created(system, snapshot)
        assert outcome.external_id is not None
        pushed[outcome.external_id] = snapshot
    linked = push_one(system, relink(PushOperation.LINK, "imp-linked", made["linked"]))
    assert linked.status is APPLIED
    return Populated(system=system, made=made, pushed=pushed)


class TestImport:
    def test_pages_cover_every_party_once(self, populated: Populated) -> None:
        """Paging with the cursor meets every party once, as an account or as a problem."""
        system, made, pushed = populated.system, populated.made, populated.pushed
        pages = _import_all(system, limit=2)
        assert [len(p.accounts) + len(p.problems) for p in pages] == [2, 2, 2, 1]
        seen = [r.external_id for p in pages for r in p.accounts]
        seen += [problem.external_id for p in pages for problem in p.problems]
        assert sorted(seen, key=int) == sorted([*made.values(), *pushed], key=int)
        refused = [problem.external_id for p in pages for problem in p.problems]
        assert refused == [made["no-address"]]

    def test_full_last_page_is_followed_by_an_empty_one(self, populated: Populated) -> None:
        """When the parties fill the last page exactly, one more call returns an empty page."""
        system = populated.system
        pages = _import_all(system, limit=7)
        assert [len(p.accounts) + len(p.problems) for p in pages] == [7, 0]
        ids = [r.external_id for r in pages[0].accounts]
        ids += [problem.external_id for problem in pages[0].problems]
        assert (pages[0].cursor, pages[1].cursor) == (max(ids, key=int), None)

    def test_pushed_parties_read_back_as_pushed(self, populated: Populated) -> None:
        """A party accountcore wrote imports as the account it wrote, under its key."""
        system, pushed = populated.system, populated.pushed
        (page,) = _import_all(system, limit=1000)
        found = {r.external_id: r for r in page.accounts if r.external_id in pushed}
        assert {i: (r.account_key, r.snapshot) for i, r in found.items()} == {
            i: (a.id, a) for i, a in pushed.items()
        }

    def test_party_made_in_tryton_is_a_customer(self, populated: Populated) -> None:
        """A party made in Tryton imports as a Customer since its creation, from its fields."""
        system, made = populated.system, populated.made
        (page,) = _import_all(system, limit=1000)
        found = {r.external_id: r for r in page.accounts}
        with tryton(system.database) as pool:
            party = pool.get("party.party")
            since = {i: party(int(i)).create_date.date() for i in made.values()}
        valid = found[made["valid"]]
        assert valid.account_key is None
        assert valid.snapshot == Account(
            id=None,
            code="T-1",
            name="Bakkerij de Vries",
            type=AccountType.CUSTOMER,
            type_since=since[made["valid"]],
            status_since=since[made["valid"]],
            summary=Summary(address=DAMRAK, email="info@devries.nl"),
            financial=Financial(vat_number=VATNumber.parse("NL004495445B01")),
        )
        archived = found[made["archived"]].snapshot
        assert (archived.id, archived.code, archived.name, archived.status) == (
            None,
            "T-3",
            "Closed Shop",
            AccountStatus.INACTIVE,
        )
        linked = found[made["linked"]]
        assert (linked.account_key, linked.snapshot.id, linked.snapshot.status) == (
            "imp-linked",
            "imp-linked",
            AccountStatus.ACTIVE,
        )

    def test_party_without_address_is_a_problem(self, populated: Populated) -> None:
        """A party without an address comes back as a problem under summary.address."""
        system, made = populated.system, populated.made
        (page,) = _import_all(system, limit=1000)
        (problem,) = page.problems
        assert problem.external_id == made["no-address"]
        assert problem.problems
        assert all(p.path[:2] == ("summary", "address") for p in problem.problems)
        assert {p.path[2] for p in problem.problems} >= {"line1", "city", "country"}

    @pytest.mark.parametrize(
        ("cursor", "limit", "paths"),
        [
            ("abc", 10, [("cursor",)]),
            ("-1", 10, [("cursor",)]),
            ("", 10, [("cursor",)]),
            (None, 0, [("limit",)]),
            (None, 1001, [("limit",)]),
            ("abc", 0, [("cursor",), ("limit",)]),
        ],
    )
    def test_bad_cursor_or_limit_is_a_validation_error(
        self, system: TrytonAccountingSystem, cursor: str | None, limit: int, paths: list[Any]
    ) -> None:
        """A cursor the method did not return, or a limit outside 1 to 1,000, is refused."""
        with pytest.raises(ValidationError) as info:
            system.import_parties(cursor=cursor, limit=limit)
        assert [p.path for p in info.value.problems] == paths

    def test_limits_at_the_bounds_are_accepted(self, populated: Populated) -> None:
        """A limit of 1 reads one party and a cursor; 1,000 reads them all and no cursor."""
        system = populated.system
        one = system.import_parties(limit=1)
        (first,) = one.accounts
        assert (one.problems, one.cursor) == ((), first.external_id)
        everything = system.import_parties(limit=1000)
        assert len(everything.accounts) + len(everything.problems) == 7
        assert everything.cursor is None


# --- set-up and errors ------------------------------------------------------------------------


UNKNOWN_IDS = ["0", "-5", "abc", "99999999", "1e3", "", "9" * 20, "\u0661"]


class TestErrors:
    def test_missing_database_is_an_adapter_error(self) -> None:
        """A database that does not exist fails at construction."""
        with pytest.raises(AdapterError, match="cannot be opened"):
            TrytonAccountingSystem(unique("missing"))

    def test_database_created_after_a_failed_open_opens(self) -> None:
        """A failed open is not remembered: once the database exists, the adapter opens it."""
        name = unique("late")
        with pytest.raises(AdapterError):
            TrytonAccountingSystem(name)
        create_database(name, directory=FOLDER, cache_dir=CACHE)
        adapter = TrytonAccountingSystem(name)
        outcome = created(adapter, account(unique("late")))
        assert outcome.status is APPLIED

    def test_database_without_the_module_is_an_adapter_error(self) -> None:
        """A database that has not activated accountcore_sync fails at construction."""
        name = fresh_database()
        with contextlib.closing(sqlite3.connect(Path(FOLDER) / f"{name}.sqlite")) as db:
            db.execute(
                "UPDATE ir_module SET state = 'not activated' WHERE name = ?", ["accountcore_sync"]
            )
            db.commit()
        with pytest.raises(AdapterError, match="accountcore_sync"):
            TrytonAccountingSystem(name)

    @pytest.mark.parametrize("max_batch", [0, -1, 101])
    def test_max_batch_out_of_range_is_a_validation_error(
        self, system: TrytonAccountingSystem, max_batch: int
    ) -> None:
        """max_batch is 1 to 100."""
        with pytest.raises(ValidationError) as info:
            TrytonAccountingSystem(system.database, max_batch=max_batch)
        assert [p.path for p in info.value.problems] == [("max_batch",)]

    @pytest.mark.parametrize("max_batch", [1, 100])
    def test_max_batch_at_the_bounds_is_declared(
        self, system: TrytonAccountingSystem, max_batch: int
    ) -> None:
        """max_batch 1 and 100 are accepted and declared in the capabilities."""
        adapter = TrytonAccountingSystem(system.database, max_batch=max_batch)
        assert adapter.capabilities.max_batch == max_batch
        assert adapter.capabilities.conditional_update
        assert not adapter.capabilities.idempotency_keys

    def test_batch_above_max_batch_raises_and_writes_nothing(
        self, system: TrytonAccountingSystem
    ) -> None:
        """A batch longer than max_batch raises UnsupportedOperationError before writing."""
        adapter = TrytonAccountingSystem(system.database, max_batch=2)
        accounts = [account(unique("over")) for _ in range(3)]
        with pytest.raises(UnsupportedOperationError):
            adapter.push([create(a) for a in accounts])
        assert adapter.find_by_account_keys([a.id or "" for a in accounts]) == {}
        assert [o.status for o in adapter.push([create(a) for a in accounts[:2]])] == [
            APPLIED,
            APPLIED,
        ]

    @pytest.mark.parametrize("external_id", UNKNOWN_IDS)
    @pytest.mark.parametrize(
        "operation", [PushOperation.UPDATE, PushOperation.LINK, PushOperation.UNLINK]
    )
    def test_unknown_external_id_is_not_found(
        self, system: TrytonAccountingSystem, operation: PushOperation, external_id: str
    ) -> None:
        """An update, link or unlink of an id that names no party is REJECTED not_found."""
        key = unique("ghost")
        if operation is PushOperation.UPDATE:
            item = update(account(key), external_id, "0" * 16)
        else:
            item = relink(operation, key, external_id)
        result = push_one(system, item)
        assert (result.status, result.code) == (REJECTED, "not_found")
        assert system.find_by_account_keys([key]) == {}

    def test_fetch_omits_unknown_ids(self, system: TrytonAccountingSystem) -> None:
        """fetch answers only for the ids that name a party."""
        outcome = created(system, account(unique("known")))
        assert outcome.external_id is not None
        found = system.fetch([*UNKNOWN_IDS, outcome.external_id])
        assert list(found) == [outcome.external_id]


class TestCreateDatabase:
    def test_second_create_of_a_name_is_an_adapter_error(self) -> None:
        """create_database refuses a name that exists and leaves that database as it was."""
        name = fresh_database()
        adapter = TrytonAccountingSystem(name)
        outcome = created(adapter, account(unique("kept")))
        assert outcome.external_id is not None
        with pytest.raises(AdapterError, match="already exists"):
            create_database(name, directory=FOLDER, cache_dir=CACHE)
        assert outcome.external_id in adapter.fetch([outcome.external_id])

    def test_relative_directories_are_resolved(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """Relative directories name folders from the working directory, kept as absolute."""
        from trytond import config

        monkeypatch.chdir(tmp_path)
        name = create_database(
            unique("relative"),
            directory=os.path.relpath(FOLDER),
            cache_dir=os.path.relpath(CACHE),
        )
        assert config.get("database", "path") == str(Path(FOLDER).resolve())
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        monkeypatch.chdir(elsewhere)
        adapter = TrytonAccountingSystem(name)
        pushed = account(unique("relative"))
        outcome = created(adapter, pushed)
        assert outcome.external_id is not None
        assert fetched(adapter, outcome.external_id).snapshot == pushed
