"""Writing accounts as eExact XML: valid against Exact's schema, and read back to equal accounts."""

from __future__ import annotations

import functools
import io
import re
import tracemalloc
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest
from _paths import DATA as TEST_DATA
from _paths import DOCS
from hypothesis import given, settings
from hypothesis import strategies as st

from accountcore import (
    Account,
    AccountStatus,
    AccountType,
    BankAccount,
    FreeField,
    FreeFieldKind,
    GroupInvoice,
    from_dict,
    to_dict,
)
from accountcore.errors import ValidationError
from accountcore.exchange._common import ReadOptions, open_input
from accountcore.exchange._exact_xml import read_exact_xml
from accountcore.exchange._exact_xml_write import write_exact_xml
from accountcore.testing import accounts

xmlschema = pytest.importorskip("xmlschema")

DATA = TEST_DATA / "exact"
SINCE = date(2024, 1, 2)


@functools.cache
def schema() -> Any:
    """Exact's public schema, loaded once per session: loading takes a second or two."""
    return xmlschema.XMLSchema(str(DATA / "eExact-Schema.xsd"))


def written(*accounts: Account) -> bytes:
    stream = io.BytesIO()
    assert write_exact_xml(accounts, stream) == len(accounts)
    return stream.getvalue()


def schema_errors(document: bytes) -> list[str]:
    """What the schema finds wrong with ``document``: [] when it is valid."""
    return [str(error.reason) for error in schema().iter_errors(io.BytesIO(document))]


def read_back(document: bytes) -> list[Account]:
    """Read ``document`` as a file and check every record; warnings and errors fail."""
    with open_input(io.BytesIO(document), name="written.xml") as source:
        found = list(read_exact_xml(source, ReadOptions(since=SINCE)))
    assert [p for record in found for p in record.problems] == []
    return [from_dict(record.data) for record in found]


#: The fields eExact cannot carry: written nowhere, read back as their defaults. The same list
#: is in docs/exact-xml.md ("Not carried"), which `test_the_docs_list_the_same_fields` checks.
NOT_CARRIED = {
    "type_since": "the date the type took effect",
    "status_since": "the date the status took effect",
    "replaced_by": "the account merged into",
    "general.phone_queue": "the phone queue",
    "contact.valid_email": "follows the email",
    "contact.email_permission": "follows the email",
    "marketing.document": "the document reference",
    "marketing.exclude_from_merging": "exclude from merging",
    "relations.cost_centre": "the cost centre",
    "financial.division": "the division",
    "financial.extra_description": "the extra description",
    "financial.extra_duty": "extra duty",
}

_WHOLE = re.compile(r"\s*[+-]?[0-9]+\s*")
_FREE_ORDER = {"text": 0, "date": 1, "number": 2, "amount": 2, "yes_no": 3}


def as_carried(account: Account) -> dict[str, Any]:
    """
    The record of ``account`` as eExact carries it: the documented fields at their defaults,
    one-line text trimmed (the reader trims it; the note and free texts are kept as written),
    an account manager only as a resource number, free fields grouped by kind as the schema
    groups them, an amount as a number, and an empty number or yes/no field left out.
    """
    record: dict[str, Any] = _trimmed(to_dict(account))
    record.update(type_since=SINCE.isoformat(), status_since=SINCE.isoformat(), replaced_by=None)
    record["general"]["phone_queue"] = None
    if (contact := record["contact"]) is not None:
        contact["valid_email"] = contact["email_permission"] = contact["email"] is not None
    record["marketing"].update(document=None, exclude_from_merging=False)
    relations = record["relations"]
    manager = relations["account_manager"]
    relations.update(
        cost_centre=None, account_manager=manager if manager and _WHOLE.fullmatch(manager) else None
    )
    record["financial"].update(division=None, extra_description=None, extra_duty=False)
    fields = [_free(field) for field in record["free_fields"]]
    kept = [field for field in fields if field is not None]
    record["free_fields"] = sorted(kept, key=lambda field: _FREE_ORDER[field["kind"]])
    return record


def _trimmed(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        free = {"name", "kind", "value"} == set(value)
        return {k: v if free and k == "value" else _trimmed(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_trimmed(item, key) for item in value]
    if isinstance(value, str) and key != "remarks":
        return value.strip()
    return value


def _free(field: dict[str, Any]) -> dict[str, Any] | None:
    kind, value = field["kind"], field["value"]
    if kind == "text" and isinstance(value, str) and (not value or value.isspace()):
        return {**field, "value": None}
    if kind in ("number", "amount", "yes_no") and value is None:
        return None  # the schema's number and yes/no take no empty value
    if kind == "amount":
        return {**field, "kind": "number", "value": float(Decimal(value))}
    return field


def writable(account: Account) -> bool:
    """Tell whether every text of ``account`` is XML 1.0 text."""
    try:
        written(account)
    except ValidationError:
        return False
    return True


# --- a rich account, every field the schema carries set ------------------------------------------

RICH = from_dict(
    {
        "id": "{6F1D1A3C-8C52-4C2B-9E1A-0A4C2D6B1001}",
        "code": "1001",
        "name": "Van Dijk & Zonen <Installatie> B.V.",
        "type": "C",
        "type_since": "2024-01-02",
        "status": "R",
        "status_since": "2024-01-02",
        "summary": {
            "address": {
                "line1": "Damrak",
                "house_number": "12",
                "house_number_suffix": "A",
                "line2": "3e etage",
                "line3": "achterom",
                "postcode": "1012 LG",
                "city": "Amsterdam",
                "state": "NH",
                "country": "NL",
            },
            "website": "https://vandijk.example",
            "email": "info@vandijk.example",
            "phone": "+31 20 555 0101",
            "phone_extension": "12",
            "fax": "+31 20 555 0199",
            "picture": "logo.png",
        },
        "general": {"country_name": "Nederland"},
        "remarks": 'Klant sinds 2009.\r\nBelt "na" <b>10</b> uur &\tniet eerder.\n',
        "free_fields": [
            {"name": "Rating", "kind": "yes_no", "value": True},
            {"name": "Region", "kind": "text", "value": "Noord-Holland\nwest"},
            {"name": "Since", "kind": "date", "value": "2009-05-01"},
            {"name": "Count", "kind": "number", "value": 42},
            {"name": "Share", "kind": "number", "value": 2.5},
            {"name": "Empty date", "kind": "date", "value": None},
        ],
        "contact": {
            "title": "DHR",
            "initials": "J.",
            "first_name": "Jan",
            "middle_name": "de",
            "last_name": "Vries",
            "job_description": "Directeur",
            "job_title": "DIR",
            "email": "jan@vandijk.example",
            "phone": "+31 20 555 0102",
            "mobile": "+31 6 1234 5678",
        },
        "marketing": {
            "security_level": 10,
            "classification": "A",
            "rating": 2,
            "source": "BEURS",
            "sector": "BOUW",
            "subsector": "INST",
            "size": "M",
            "coc_number": "34174562",
            "duns_number": "012345678",
            "gln": "8712345678906",
        },
        "relations": {"account_manager": "12", "reseller": "3001", "parent": "9000"},
        "financial": {
            "debtor_code": "1001",
            "creditor_code": "2001",
            "customer_code_at_supplier": "K-778",
            "check_date": "2024-03-01",
            "debtor_account": "1300",
            "creditor_account": "1600",
            "bank_accounts": [
                {
                    "number": "417164300",
                    "type": "BNK",
                    "iban": "NL91ABNA0417164300",
                    "bic": "ABNANL2A",
                    "holder_name": "Van Dijk Holding",
                    "main": True,
                },
                {"number": "NL20 INGB 0001 2345 67", "type": "IBAN", "iban": "NL20INGB0001234567"},
                {"number": "99-1234", "type": "K"},
            ],
            "offset_account": "8000",
            "partial_delivery_allowed": True,
            "back_order": True,
            "invoice_copies": 3,
            "group_invoice": "order_debtor",
            "payee_name": "Van Dijk Holding B.V.",
            "vat_number": "NL004495445B01",
        },
    }
)


class TestDocument:
    def test_a_file_of_exacts_shape(self) -> None:
        """UTF-8 with a declaration, eExact naming its schema, one Account per account."""
        document = written(RICH, RICH)
        assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<eExact ')
        root = document.split(b"\n")[1].decode()
        assert 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' in root
        assert 'xsi:noNamespaceSchemaLocation="eExact-Schema.xsd"' in root
        assert document.count(b"<Account ") == 2
        assert document.endswith(b"</Accounts>\n</eExact>\n")

    def test_no_accounts_is_an_empty_file_of_accounts(self) -> None:
        """Writing nothing writes the frame and returns 0; it validates."""
        stream = io.BytesIO()
        assert write_exact_xml([], stream) == 0
        assert schema_errors(stream.getvalue()) == []

    def test_the_rich_account_validates(self) -> None:
        """Every field set, text to escape, three bank accounts: valid against the schema."""
        assert schema_errors(written(RICH)) == []

    def test_the_rich_account_reads_back(self) -> None:
        """Read back, the account equals the written one as eExact carries it."""
        (back,) = read_back(written(RICH))
        assert to_dict(back) == as_carried(RICH)
        assert back.remarks == RICH.remarks
        assert back.summary.address.house_number == "12"

    def test_exacts_letters(self) -> None:
        """Type and status are Exact's letters; a Not validated account is status N."""
        accounts = [
            attrs.evolve(RICH, type=AccountType.NOT_VALIDATED, status=AccountStatus.ACTIVE),
            attrs.evolve(RICH, type=AccountType.SUPPLIER, status=AccountStatus.BLOCKED),
            attrs.evolve(RICH, type=AccountType.SUSPECT, status=AccountStatus.PASSIVE),
        ]
        document = written(*accounts).decode()
        assert re.findall(r'<Account code="1001" type="(\w)" status="(\w)"', document) == [
            ("N", "N"),
            ("S", "B"),
            ("T", "S"),
        ]
        assert [(a.type, a.status) for a in read_back(document.encode())] == [
            (a.type, a.status) for a in accounts
        ]

    def test_group_invoice_letters(self) -> None:
        """No, on invoice debtor, on order debtor: N, I, O."""
        letters = []
        for value in GroupInvoice:
            account = attrs.evolve(
                RICH, financial=attrs.evolve(RICH.financial, group_invoice=value)
            )
            found = re.search(r"<GroupInvoice>(\w)</GroupInvoice>", written(account).decode())
            assert found is not None
            letters.append(found[1])
        assert letters == ["N", "I", "O"]

    def test_the_iban_type_is_exacts(self) -> None:
        """The IBAN bank account type is written as Exact's IBA with check type M."""
        assert b'<BankAccountType code="IBA" checktype="M">' in written(RICH)

    def test_the_holders_country_is_the_ibans(self) -> None:
        """The schema wants a country with the holder's name: the IBAN's, else the account's."""
        bank = BankAccount(number="12", holder_name="Holder", main=True)
        financial = attrs.evolve(RICH.financial, bank_accounts=(bank,))
        text = written(attrs.evolve(RICH, financial=financial)).decode()
        assert re.search(r"<Name>Holder</Name>\s*</Addressee>\s*<Country code=\"NL\"/>", text)


def only_supplier(**financial: Any) -> Account:
    """A supplier with nothing but the given financial fields."""
    return attrs.evolve(
        RICH,
        type=AccountType.SUPPLIER,
        marketing=attrs.evolve(RICH.marketing, security_level=7),
        financial=attrs.evolve(
            RICH.financial.__class__(), bank_accounts=RICH.financial.bank_accounts[:1], **financial
        ),
    )


class TestParties:
    def test_a_supplier_keeps_its_bank_under_the_creditor(self) -> None:
        """A supplier without a debtor code writes no Debtor: its bank accounts, offset account
        and security level go under the Creditor."""
        account = only_supplier(creditor_code="2001", offset_account="8000")
        text = written(account).decode()
        assert "<Debtor" not in text and "<Creditor" in text
        assert schema_errors(text.encode()) == []
        (back,) = read_back(text.encode())
        assert to_dict(back) == as_carried(account)

    def test_a_supplier_without_codes(self) -> None:
        """Without any code, a supplier's bank accounts still go under its Creditor."""
        text = written(only_supplier()).decode()
        assert '<Creditor code="">' in text and "<Debtor" not in text
        (back,) = read_back(text.encode())
        assert to_dict(back) == as_carried(only_supplier())

    def test_an_account_without_financial_data_has_no_parties(self) -> None:
        """No codes, no bank accounts, the defaults: neither Debtor nor Creditor."""
        account = attrs.evolve(
            RICH,
            marketing=attrs.evolve(RICH.marketing, security_level=0),
            financial=RICH.financial.__class__(),
        )
        text = written(account).decode()
        assert "<Debtor" not in text and "<Creditor" not in text


class TestWhatCannotBeWritten:
    @pytest.mark.parametrize(
        ("change", "path"),
        [
            ({"remarks": "ring \x07 bell"}, ("remarks",)),
            ({"name": "Acme \ufffe"}, ("name",)),
        ],
    )
    def test_a_character_xml_cannot_hold_is_refused(
        self, change: dict[str, str], path: tuple[str, ...]
    ) -> None:
        """XML 1.0 has no way to hold a control character (but tab and line ends) or U+FFFE:
        the account is refused, naming the field, after the accounts before it."""
        bad = attrs.evolve(RICH, **change)
        stream = io.BytesIO()
        with pytest.raises(ValidationError) as caught:
            write_exact_xml([RICH, bad, RICH], stream)
        (problem,) = caught.value.problems
        assert (problem.path, problem.code) == (path, "control_character")
        assert stream.getvalue().count(b"<Account ") == 1

    def test_an_account_manager_that_is_not_a_number(self) -> None:
        """Exact's account manager is a resource number; other text is not written."""
        account = attrs.evolve(
            RICH, relations=attrs.evolve(RICH.relations, account_manager="AVERMEER")
        )
        assert b"<Manager" not in written(account)

    def test_empty_number_and_yes_no_fields(self) -> None:
        """The schema's numbers and yes/no take no empty value: such free fields are left out."""
        fields = (
            FreeField(name="n", kind=FreeFieldKind.NUMBER),
            FreeField(name="y", kind=FreeFieldKind.YES_NO),
            FreeField(name="t", kind=FreeFieldKind.TEXT),
        )
        (back,) = read_back(written(attrs.evolve(RICH, free_fields=fields)))
        assert [(f.name, f.value) for f in back.free_fields] == [("t", None)]


class TestStreaming:
    def test_accounts_are_written_as_they_come(self) -> None:
        """The writer asks for the next account only after writing the ones before it (in
        chunks): it never holds the whole input or output."""
        stream = io.BytesIO()
        seen: list[int] = []

        def many() -> Iterator[Account]:
            for number in range(2_000):
                seen.append(len(stream.getbuffer()))
                yield attrs.evolve(RICH, code=str(number))

        assert write_exact_xml(many(), stream) == 2_000
        assert seen[-1] > len(stream.getvalue()) // 2

    def test_memory_stays_flat(self) -> None:
        """Writing 5,000 accounts to a file takes memory for a chunk, not for the file."""

        class Sink(io.RawIOBase):
            size = 0

            def writable(self) -> bool:
                return True

            def write(self, data: Any) -> int:
                self.size += len(data)
                return len(data)

        sink = Sink()
        accounts = (attrs.evolve(RICH, code=str(number)) for number in range(5_000))
        tracemalloc.start()
        try:
            write_exact_xml(accounts, sink)  # type: ignore[arg-type]
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert sink.size > 10_000_000
        assert peak < 2_000_000


class TestProperties:
    @settings(max_examples=25)
    @given(st.lists(accounts(), max_size=4))
    def test_what_is_written_validates_against_exacts_schema(self, drawn: list[Account]) -> None:
        """Any accounts the strategies draw (and XML can hold) make a file the schema accepts."""
        accounts = [account for account in drawn if writable(account)]
        assert schema_errors(written(*accounts)) == []

    @given(accounts())
    def test_what_is_written_reads_back(self, account: Account) -> None:
        """read(write(account)) equals the account, but for the fields eExact cannot carry."""
        if not writable(account):
            return  # see test_a_character_xml_cannot_hold_is_refused
        (back,) = read_back(written(account))
        assert to_dict(back) == as_carried(account)

    @given(accounts())
    def test_only_control_characters_stop_an_account(self, account: Account) -> None:
        """An account is refused only for a character XML cannot hold, named at its path."""
        try:
            written(account)
        except ValidationError as error:
            for problem in error.problems:
                value: Any = to_dict(account)
                for step in problem.path:
                    value = value[step]
                assert re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", value)


def fixture_accounts(name: str) -> list[Account]:
    """The valid accounts of a test file (the warnings aside)."""
    with open_input(DATA / name) as source:
        found = list(read_exact_xml(source, ReadOptions(since=SINCE)))
    return [from_dict(r.data) for r in found if r.data is not None and "code" in r.data]


class TestFixtures:
    @pytest.mark.parametrize(
        "name",
        [
            "accounts.xml",
            "contact_addresses.xml",
            "customer_supplier.xml",
            "addresses.xml",
            "not_validated.xml",
            "online.xml",
            "latin1.xml",
        ],
    )
    def test_integrators_files_round_trip(self, name: str) -> None:
        """What is read from the test files writes a valid file that reads back the same."""
        accounts = fixture_accounts(name)
        document = written(*accounts)
        assert schema_errors(document) == []
        assert [to_dict(a) for a in read_back(document)] == [as_carried(a) for a in accounts]


class TestDocs:
    def test_the_docs_list_the_same_fields(self) -> None:
        """docs/exact-xml.md lists exactly the fields this test treats as not carried."""
        text = (DOCS / "exact-xml.md").read_text(encoding="utf-8")
        section = text.split("## Not carried", 1)[1].split("\n## ", 1)[0]
        listed = set(re.findall(r"^\| `([a-z_.]+)` \|", section, re.MULTILINE))
        assert listed == set(NOT_CARRIED)
