"""
The Tryton adapter's read of changes (`TrytonAccountingSystem.changes_since`): the parties
changed since a cursor, by Tryton's own create and write dates of a party and its addresses,
contact mechanisms and identifiers, edited the way Tryton users edit them.

Most tests read with no overlap (``overlap=timedelta(0)``), so a read lists exactly what
changed since the cursor; the tests of the overlap use the default one.
"""

from __future__ import annotations

import pytest

# Collected without the extra too: skipped, with the reason, when trytond is missing.
pytest.importorskip("trytond", reason="needs trytond: pip install 'accountcore[tryton]'")
pytestmark = pytest.mark.tryton

import contextlib
import itertools
import re
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs
from _tryton import fresh_database, fresh_system

from accountcore import Account, AccountType, Address, ValidationError
from accountcore.entities import Summary
from accountcore.sync import (
    Change,
    ChangeKind,
    ChangePage,
    CustomerClass,
    Incoming,
    OutcomeStatus,
    PushItem,
    PushOperation,
    RemoteAccount,
    RemoteChanges,
    Schedule,
    SyncDriver,
)
from accountcore.sync.memory import InMemoryOutbox
from accountcore.sync.tryton import TrytonAccountingSystem

ON = date(2024, 3, 1)
SAVED = datetime(2024, 3, 1, 9, tzinfo=timezone.utc)
DAMRAK = Address(line1="Damrak 1", postcode="1012 LG", city="Amsterdam", country="NL")
NO_OVERLAP = timedelta(0)
#: A cursor as the adapter gives it: ``<time>/<party id>``, ``/<time>`` while a read pages on.
_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"
CURSOR = re.compile(rf"{_TIME}/\d+(/{_TIME})?")
_KEYS = itertools.count(1)


# --- builders ----------------------------------------------------------------------------------


def unique(prefix: str) -> str:
    """Return a key (and code) no other test of the module uses."""
    return f"{prefix}-{next(_KEYS)}"


def account(key: str, *, email: str | None = "info@acme.nl") -> Account:
    """Return a valid Customer with id ``key`` and code ``key`` upper-cased."""
    return Account.new(
        id=key,
        code=key.upper(),
        name="Acme B.V.",
        type=AccountType.CUSTOMER,
        address=DAMRAK,
        summary=Summary(address=DAMRAK, email=email),
        on=ON,
    )


def create(snapshot: Account) -> PushItem:
    key = snapshot.id or ""
    change = Change(
        change_id=f"{key}-create",
        account_key=key,
        seq=1,
        kind=ChangeKind.CREATE,
        saved_at=SAVED,
        snapshot=snapshot,
        customer_class=CustomerClass(code="ACCOUNT"),
    )
    return PushItem(operation=PushOperation.CREATE, change=change, idempotency_key=key)


def pushed(system: TrytonAccountingSystem, *accounts: Account) -> list[str]:
    """Create the accounts in one batch (one Tryton transaction); return their party ids."""
    ids = []
    for outcome in system.push([create(a) for a in accounts]):
        assert outcome.status is OutcomeStatus.APPLIED, outcome
        assert outcome.external_id is not None
        ids.append(outcome.external_id)
    return ids


# --- Tryton, as its users see it -----------------------------------------------------------


@contextlib.contextmanager
def tryton(database: str) -> Iterator[Any]:
    """Give a pool in a Tryton transaction of its own, inactive records included; commit it."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(database, 0, context={"active_test": False}) as transaction:
        yield Pool(database)
        transaction.commit()


def make_party(database: str, *, address: bool = True, **values: object) -> str:
    """Create a party through Tryton's ORM, as a Tryton user would; return its id."""
    with tryton(database) as pool:
        if address:
            (nl,) = pool.get("country.country").search([("code", "=", "NL")])
            street = {"street": "Damrak 1", "postal_code": "1012 LG", "city": "Amsterdam"}
            values["addresses"] = [("create", [{**street, "country": nl.id}])]
        (party,) = pool.get("party.party").create([values])
        return str(party.id)


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


def add_phone(database: str, external_id: str) -> str:
    """Add a phone to the party; return the number as Tryton stored it."""
    with tryton(database) as pool:
        mechanism = pool.get("party.contact_mechanism")
        (phone,) = mechanism.create(
            [{"party": int(external_id), "type": "phone", "value": "+31 20 555 0100"}]
        )
        return str(phone.value)


def stamp_back(database: str, external_id: str, to: datetime, **values: object) -> None:
    """
    Write ``values`` on the party with the write date ``to``: the write of a transaction
    that began at ``to`` and commits only now.
    """
    with tryton(database) as pool:
        party = pool.get("party.party")
        party.write([party(int(external_id))], values)
        table = party.__table__()
        from trytond.transaction import Transaction

        naive = to.astimezone(timezone.utc).replace(tzinfo=None)
        Transaction().connection.cursor().execute(
            *table.update([table.write_date], [naive], where=table.id == int(external_id))
        )


# --- reading ---------------------------------------------------------------------------------


def read_to_end(
    system: TrytonAccountingSystem, cursor: str | None = None
) -> tuple[list[ChangePage], str]:
    """Read pages from ``cursor`` until ``more`` is false; return them and the last cursor."""
    pages: list[ChangePage] = []
    while True:
        page = system.changes_since(cursor)
        assert CURSOR.fullmatch(page.cursor), page.cursor
        pages.append(page)
        cursor = page.cursor
        if not page.more:
            return pages, cursor
        assert len(pages) < 100, "the read never ends"


def listed(pages: Sequence[ChangePage]) -> list[RemoteAccount]:
    return [record for page in pages for record in page.records]


def ids_of(records: Collection[RemoteAccount]) -> list[str]:
    return [record.external_id for record in records]


def settled(system: TrytonAccountingSystem) -> str:
    """Read every change to the end; return the cursor after it."""
    return read_to_end(system)[1]


def fetched(system: TrytonAccountingSystem, external_id: str) -> RemoteAccount:
    return system.fetch([external_id])[external_id]


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def system() -> TrytonAccountingSystem:
    """The adapter on one database, with no overlap, for tests that count their own parties."""
    return fresh_system(overlap=NO_OVERLAP, page_size=3)


# --- the first read ----------------------------------------------------------------------------


class TestFirstRead:
    def test_pages_chain_until_every_party_is_listed_once(self) -> None:
        """
        From no cursor, pages of two chain through ``more`` and their cursors until every
        party is listed once, oldest change first (a batch shares one time: by id), each as
        fetch reads it; parties made in Tryton carry no account key.
        """
        system = fresh_system(overlap=NO_OVERLAP, page_size=2)
        database = system.database
        accounts = [account(unique("first")) for _ in range(3)]
        batch = pushed(system, *accounts)
        made = [make_party(database, name=f"Shop {n}", code=unique("SHOP")) for n in range(2)]
        pages, cursor = read_to_end(system)
        assert [(len(p.records), p.more) for p in pages] == [(2, True), (2, True), (1, False)]
        records = listed(pages)
        assert ids_of(records) == [*sorted(batch, key=int), *made]
        assert records == list(system.fetch(ids_of(records)).values())
        assert [r.account_key for r in records] == [a.id for a in accounts] + [None, None]
        assert [r.snapshot for r in records[:3]] == accounts
        # Cursors of pages that page on hold the time the read began; the last one does not.
        assert [p.cursor.count("/") for p in pages] == [2, 2, 1]
        assert system.changes_since(cursor) == ChangePage(records=(), cursor=cursor)

    def test_an_empty_database_gives_an_empty_page_and_a_cursor(self) -> None:
        """With no party at all, the first read lists nothing and gives a cursor to go on."""
        system = fresh_system(overlap=NO_OVERLAP)
        page = system.changes_since(None)
        assert (page.records, page.more) == ((), False)
        (party,) = pushed(system, account(unique("empty")))
        assert ids_of(system.changes_since(page.cursor).records) == [party]


# --- edits made in Tryton -----------------------------------------------------------------------


def _rename(database: str, external_id: str) -> Callable[[Account], Account]:
    edit_party(database, external_id, name="Acme Holding B.V.")
    return lambda a: attrs.evolve(a, name="Acme Holding B.V.")


def _move(database: str, external_id: str) -> Callable[[Account], Account]:
    edit_children(
        database, external_id, "party.address", lambda cls, rows: cls.write(rows, {"city": "Delft"})
    )
    return lambda a: _summary(a, address=attrs.evolve(a.summary.address, city="Delft"))


def _add_phone(database: str, external_id: str) -> Callable[[Account], Account]:
    phone = add_phone(database, external_id)
    return lambda a: _summary(a, phone=phone)


def _change_email(database: str, external_id: str) -> Callable[[Account], Account]:
    edit_children(
        database,
        external_id,
        "party.contact_mechanism",
        lambda cls, rows: cls.write(rows, {"value": "sales@acme.nl"}),
    )
    return lambda a: _summary(a, email="sales@acme.nl")


def _summary(pushed: Account, **values: Any) -> Account:
    return attrs.evolve(pushed, summary=attrs.evolve(pushed.summary, **values))


class TestHandEdits:
    @pytest.mark.parametrize(
        "edit",
        [
            pytest.param(_rename, id="party-name"),
            pytest.param(_move, id="address-city"),
            pytest.param(_add_phone, id="add-phone"),
            pytest.param(_change_email, id="email-value"),
        ],
    )
    def test_an_edit_lists_exactly_that_party_as_edited(
        self, system: TrytonAccountingSystem, edit: Callable[[str, str], Any]
    ) -> None:
        """
        After a read to the end, an edit in Tryton of the party or of one of its addresses
        or contact mechanisms lists that party, and only it, with the edit and a new version.
        """
        edited, untouched = account(unique("edited")), account(unique("untouched"))
        target, other = pushed(system, edited, untouched)
        cursor = settled(system)
        before = fetched(system, target)
        expected = edit(system.database, target)(edited)
        pages, _ = read_to_end(system, cursor)
        (record,) = listed(pages)
        assert (record.external_id, record.account_key) == (target, edited.id)
        assert record.snapshot == expected
        assert record.version != before.version
        assert record == fetched(system, target)
        assert fetched(system, other).snapshot == untouched

    def test_an_untouched_party_is_not_listed_again(self, system: TrytonAccountingSystem) -> None:
        """Reading on from the cursor after the last page lists nothing when nothing changed."""
        pushed(system, account(unique("quiet")))
        cursor = settled(system)
        assert system.changes_since(cursor) == ChangePage(records=(), cursor=cursor)

    def test_the_oldest_change_comes_first(self, system: TrytonAccountingSystem) -> None:
        """Two parties edited one after the other are listed in the order of the edits."""
        first, second = pushed(system, account(unique("order")), account(unique("order")))
        cursor = settled(system)
        edit_party(system.database, second, name="Edited First")
        edit_party(system.database, first, name="Edited Second")
        pages, _ = read_to_end(system, cursor)
        assert ids_of(listed(pages)) == [second, first]

    def test_a_party_edited_again_is_listed_again(self, system: TrytonAccountingSystem) -> None:
        """Each edit after a read lists the party on the next read, as it is then."""
        (party,) = pushed(system, account(unique("again")))
        cursor = settled(system)
        for name in ("Acme One", "Acme Two"):
            edit_party(system.database, party, name=name)
            pages, cursor = read_to_end(system, cursor)
            (record,) = listed(pages)
            assert record.snapshot.name == name

    def test_archiving_a_contact_mechanism_lists_the_party(
        self, system: TrytonAccountingSystem
    ) -> None:
        """An archived email is a write of the mechanism: the party comes without its email."""
        (party,) = pushed(system, account(unique("archive")))
        cursor = settled(system)
        edit_children(
            system.database,
            party,
            "party.contact_mechanism",
            lambda cls, rows: cls.write(rows, {"active": False}),
        )
        (record,) = listed(read_to_end(system, cursor)[0])
        assert (record.external_id, record.snapshot.summary.email) == (party, None)


# --- what is listed ---------------------------------------------------------------------------


class TestWhatIsListed:
    def test_a_party_made_in_tryton_is_listed_without_a_key(
        self, system: TrytonAccountingSystem
    ) -> None:
        """A party a Tryton user made reads as an account with no key, as an import reads it."""
        cursor = settled(system)
        code = unique("T")
        party = make_party(system.database, name="Bakkerij de Vries", code=code)
        (record,) = listed(read_to_end(system, cursor)[0])
        assert (record.external_id, record.account_key) == (party, None)
        snapshot = record.snapshot
        assert (snapshot.id, snapshot.code, snapshot.name) == (None, code, "Bakkerij de Vries")
        assert snapshot.summary.address == DAMRAK

    def test_a_party_without_a_key_that_is_no_account_waits_for_its_fix(
        self, system: TrytonAccountingSystem
    ) -> None:
        """
        A party without a key or an address makes no valid account: it is left out, and
        listed once a Tryton user gives it an address.
        """
        cursor = settled(system)
        party = make_party(system.database, address=False, name="Stall", code=unique("T"))
        pages, cursor = read_to_end(system, cursor)
        assert listed(pages) == []
        with tryton(system.database) as pool:
            (nl,) = pool.get("country.country").search([("code", "=", "NL")])
            pool.get("party.address").create(
                [{"party": int(party), "street": "Markt 1", "city": "Delft", "country": nl.id}]
            )
        (record,) = listed(read_to_end(system, cursor)[0])
        assert (record.external_id, record.account_key) == (party, None)

    def test_a_party_with_a_key_is_listed_even_when_it_breaks_a_rule(
        self, system: TrytonAccountingSystem
    ) -> None:
        """
        Deleting the address of a party accountcore wrote, in the party's form, leaves a
        blank address, which no account may have: the party is listed all the same, as fetch
        reads it, for the engine to report.
        """
        key = unique("blank")
        (party,) = pushed(system, account(key))
        cursor = settled(system)
        with tryton(system.database) as pool:
            model = pool.get("party.party")
            found = model(int(party))
            model.write([found], {"addresses": [("delete", [a.id for a in found.addresses])]})
        (record,) = listed(read_to_end(system, cursor)[0])
        assert (record.external_id, record.account_key) == (party, key)
        assert record.snapshot.summary.address.line1 == ""
        assert record == fetched(system, party)

    def test_a_child_deleted_on_its_own_comes_with_the_next_edit(
        self, system: TrytonAccountingSystem
    ) -> None:
        """
        A contact mechanism deleted on its own (not through its party) leaves no date
        behind: the party is listed with its next edit, without the email.
        """
        (party,) = pushed(system, account(unique("deleted")))
        cursor = settled(system)
        edit_children(
            system.database, party, "party.contact_mechanism", lambda cls, rows: cls.delete(rows)
        )
        pages, cursor = read_to_end(system, cursor)
        assert listed(pages) == []
        edit_party(system.database, party, name="Acme Later B.V.")
        (record,) = listed(read_to_end(system, cursor)[0])
        assert (record.snapshot.name, record.snapshot.summary.email) == ("Acme Later B.V.", None)


# --- the overlap ------------------------------------------------------------------------------


class TestOverlap:
    def test_a_write_committed_late_with_an_earlier_time_is_listed(self) -> None:
        """
        A transaction that began before a change the last read listed, and committed after
        that read, stamps its write earlier than that change. The default overlap lists it;
        with no overlap it would be lost.
        """
        database = fresh_database()
        safe = TrytonAccountingSystem(database, page_size=2)
        bare = TrytonAccountingSystem(database, overlap=NO_OVERLAP, page_size=2)
        early, late = pushed(safe, account(unique("early")), account(unique("late")))
        safe_cursor, bare_cursor = settled(safe), settled(bare)
        edit_party(database, early, name="Listed B.V.")
        listed_at = fetched(safe, early).modified_at
        safe_cursor = read_to_end(safe, safe_cursor)[1]
        pages, bare_cursor = read_to_end(bare, bare_cursor)
        assert ids_of(listed(pages)) == [early]
        stamp_back(
            database, late, listed_at - timedelta(milliseconds=1), name="Committed Late B.V."
        )
        assert listed(read_to_end(bare, bare_cursor)[0]) == []  # lost without the overlap
        found = {r.external_id: r for r in listed(read_to_end(safe, safe_cursor)[0])}
        assert found[late].snapshot.name == "Committed Late B.V."
        assert found[late] == fetched(safe, late)

    def test_a_recent_change_is_listed_again_and_reading_still_ends(self) -> None:
        """
        With the overlap, the read after the last page lists the recent changes again, as
        they are (echoes), over as many pages as they take, and ends.
        """
        system = fresh_system(page_size=2)
        parties = pushed(system, *(account(unique("echo")) for _ in range(5)))
        first, cursor = read_to_end(system)
        again, _ = read_to_end(system, cursor)
        assert [(len(p.records), p.more) for p in again] == [(2, True), (2, True), (1, False)]
        assert listed(again) == listed(first)
        assert ids_of(listed(again)) == sorted(parties, key=int)

    def test_a_settled_change_is_not_listed_again(self) -> None:
        """Once a change is older than the overlap at the time of a read, it stays behind."""
        system = fresh_system(overlap=timedelta(seconds=1))
        pushed(system, account(unique("settle")))
        time.sleep(1.2)
        cursor = settled(system)
        assert system.changes_since(cursor).records == ()


# --- cursors and set-up -----------------------------------------------------------------------


class TestCursor:
    @pytest.mark.parametrize(
        "cursor",
        [
            "",
            "abc",
            "12",  # an import_parties cursor
            "2024-03-01T09:00:00Z/1",
            "2024-03-01T09:00:00.000000/1",
            "2024-03-01 09:00:00.000000Z/1",
            "2024-03-01T09:00:00.000000Z/-1",
            "2024-03-01T09:00:00.000000Z/",
            "2024-13-01T09:00:00.000000Z/1",
            "2024-03-01T09:00:00.000000Z/1/",
            "2024-03-01T09:00:00.000000Z/1/x",
            "2024-03-01T09:00:00.000000Z/\u0661",
            " 2024-03-01T09:00:00.000000Z/1",
            "2024-03-01T09:00:00.000000Z/1\n",
            "2024-03-01T09:00:00.000000Z/" + "9" * 19,
            12,
        ],
    )
    def test_a_cursor_the_adapter_never_gave_is_refused(
        self, system: TrytonAccountingSystem, cursor: Any
    ) -> None:
        """A made-up cursor raises ValidationError at ("cursor",), code invalid_format."""
        with pytest.raises(ValidationError) as info:
            system.changes_since(cursor)
        assert [(p.path, p.code) for p in info.value.problems] == [(("cursor",), "invalid_format")]

    def test_a_cursor_of_the_right_form_reads_on_from_there(
        self, system: TrytonAccountingSystem
    ) -> None:
        """A cursor is a time and a party id: one from before a party's change lists it."""
        (party,) = pushed(system, account(unique("form")))
        before = fetched(system, party).modified_at - timedelta(microseconds=1)
        cursor = before.strftime("%Y-%m-%dT%H:%M:%S.%fZ") + "/0"
        assert party in ids_of(listed(read_to_end(system, cursor)[0]))


class TestSetUp:
    def test_the_adapter_declares_and_implements_the_read(
        self, system: TrytonAccountingSystem
    ) -> None:
        assert system.capabilities.changes_since is True
        assert isinstance(system, RemoteChanges)

    @pytest.mark.parametrize(
        ("options", "path", "code"),
        [
            ({"page_size": 0}, "page_size", "out_of_range"),
            ({"page_size": 1001}, "page_size", "out_of_range"),
            ({"page_size": True}, "page_size", "invalid_type"),
            ({"page_size": "5"}, "page_size", "invalid_type"),
            ({"overlap": timedelta(seconds=-1)}, "overlap", "out_of_range"),
            ({"overlap": timedelta(days=1, seconds=1)}, "overlap", "out_of_range"),
            ({"overlap": 60}, "overlap", "invalid_type"),
        ],
    )
    def test_page_size_and_overlap_out_of_range_are_refused(
        self, options: dict[str, Any], path: str, code: str
    ) -> None:
        """Both are checked before the database is opened."""
        with pytest.raises(ValidationError) as info:
            TrytonAccountingSystem("no-such-database", **options)
        assert [(p.path, p.code) for p in info.value.problems] == [((path,), code)]

    def test_page_size_and_overlap_at_the_bounds_are_accepted(self) -> None:
        database = fresh_database()
        for page_size, overlap in ((1, timedelta(0)), (1000, timedelta(days=1))):
            system = TrytonAccountingSystem(database, page_size=page_size, overlap=overlap)
            assert system.changes_since(None).more is False


# --- with the engine --------------------------------------------------------------------------


class Host:
    """The host's accounts, saved with their changes (the driver's `LocalAccounts`)."""

    def __init__(self, outbox: InMemoryOutbox) -> None:
        self.outbox = outbox
        self.saved: dict[str, Account] = {}
        self.seqs: dict[str, int] = {}

    def save(self, account: Account) -> None:
        key = account.id
        assert key is not None
        seq = self.seqs[key] = self.seqs.get(key, 0) + 1
        kind = ChangeKind.CREATE if seq == 1 else ChangeKind.UPDATE
        change = Change(
            change_id=f"{key}-{seq}",
            account_key=key,
            seq=seq,
            kind=kind,
            saved_at=datetime.now(timezone.utc),
            snapshot=account,
        )
        self.outbox.append([change])
        self.saved[key] = account

    def accounts(self, account_keys: Collection[str]) -> dict[str, Account]:
        return {key: self.saved[key] for key in account_keys if key in self.saved}

    def take(self, incoming: Sequence[Incoming]) -> None:
        for item in incoming:
            self.save(item.account)


class TestWithTheEngine:
    def test_a_pull_merges_a_tryton_edit_and_echoes_merge_nothing(self) -> None:
        """
        With the default overlap, pulls list our own writes and the last edit again; the
        engine merges the Tryton edit once and takes the echoes for nothing new.
        """
        system = fresh_system()
        outbox = InMemoryOutbox()
        host = Host(outbox)
        driver = SyncDriver(
            system, outbox, schedule=Schedule.every(timedelta(hours=1), anchor=SAVED), accounts=host
        )
        key = unique("engine")
        host.save(account(key))
        assert driver.push_now([key]).applied == 1
        echo = driver.pull()
        assert echo.records >= 1 and echo.incoming == ()
        party = outbox.links([key])[key].external_id
        edit_party(system.database, party, name="Renamed in Tryton B.V.")
        merged = driver.pull()
        (incoming,) = merged.incoming
        assert (incoming.account_key, incoming.save, incoming.push) == (key, True, False)
        assert host.saved[key].name == "Renamed in Tryton B.V."
        again = driver.pull()
        assert again.records >= 1 and again.incoming == ()
