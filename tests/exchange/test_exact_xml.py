"""Reading Exact Globe / Synergy XML account exports (eExact) into records for `from_dict`."""

from __future__ import annotations

import functools
import io
import tracemalloc
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import hypothesis
import pytest
from _paths import DATA as TEST_DATA
from _streams import Endless
from hypothesis import strategies as st

from accountcore import Account, AccountStatus, AccountType, from_dict
from accountcore.errors import CODES, Severity, ValidationError
from accountcore.exchange import _exact_xml
from accountcore.exchange._common import (
    SKIP_FACTOR,
    Input,
    Place,
    RawRecord,
    ReadLimits,
    ReadOptions,
    UnreadableFile,
    open_input,
)
from accountcore.exchange._exact_map import CHILDREN, FIELDS, IGNORED, OPAQUE
from accountcore.exchange._exact_xml import UNKNOWN_SINCE, read_exact_xml

DATA = TEST_DATA / "exact"
XSD = DATA / "eExact-Schema.xsd"
ADDRESS = (
    '<Addresses><Address type="VIS"><AddressLine1>Damrak 1</AddressLine1>'
    '<City>Amsterdam</City><Country code="NL"/></Address></Addresses>'
)


def account_xml(attributes: str = 'code="1" type="C" status="A"', body: str = "") -> str:
    """Return one ``Account`` element with a name and a valid visiting address."""
    return f"<Account {attributes}><Name>Acme</Name>{ADDRESS}{body}</Account>"


def export(tmp_path: Path, *accounts: str, name: str = "export.xml") -> Path:
    """Write an eExact export holding ``accounts`` and return its path."""
    path = tmp_path / name
    text = "\n".join(accounts)
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<eExact>\n<Accounts>\n{text}\n</Accounts>\n'
        "</eExact>\n",
        encoding="utf-8",
    )
    return path


def records(path: Path, options: ReadOptions | None = None) -> list[RawRecord]:
    with open_input(path) as source:
        return list(read_exact_xml(source, options or ReadOptions()))


def only(path: Path, options: ReadOptions | None = None) -> RawRecord:
    """Return the single record of ``path``."""
    (record,) = records(path, options)
    return record


def data(path: Path) -> dict[str, object]:
    """Return the data of the single record of ``path``."""
    found = only(path).data
    assert found is not None
    return found


def problems(data: dict[str, object] | None) -> list[tuple[str, str]]:
    """Return the (location, code) of every problem `from_dict` finds, or [] when valid."""
    try:
        from_dict(data)
    except ValidationError as error:
        return [(p.location, p.code) for p in error.problems]
    return []


def read_accounts(path: Path) -> list[Account]:
    return [from_dict(record.data) for record in records(path)]


def found(record: RawRecord) -> list[tuple[str, str, str]]:
    """The problems reading found: location, code, and the message's element path."""
    return [(p.location, p.code, p.message.partition(" ")[0].rstrip(":")) for p in record.problems]


class TestGoodExport:
    def test_every_account_is_read_in_order_with_its_place(self) -> None:
        """Each Account becomes one record, placed by its number and the line it starts on."""
        found = records(DATA / "accounts.xml")
        assert [(r.place.line, r.place.record) for r in found] == [
            (6, 1),
            (95, 2),
            (126, 3),
            (139, 4),
            (154, 5),
            (173, 6),
            (183, 7),
            (193, 8),
        ]
        assert found[0].place == Place(str(DATA / "accounts.xml"), 6, 1)
        assert all(r.problems == () for r in found[1:])

    def test_what_the_card_has_no_place_for_is_named(self) -> None:
        """The rich account's second address, second contact, language and categories are
        warnings, each naming its element; the account stays valid."""
        first = records(DATA / "accounts.xml")[0]
        assert found(first) == [
            ("$.summary.address", "element_not_kept", "Account/Addresses/Address[1]"),
            ("$.summary.phone", "element_not_kept", "Account/Addresses/Address[2]/Phone"),
            ("$.summary.address", "element_not_kept", "Account/Addresses/Address[2]/Addressee"),
            ("$", "element_not_kept", "Account/Contacts/Contact[1]"),
            ("$.contact", "element_not_kept", "Account/Contacts/Contact[2]/Language"),
            ("$.marketing", "element_not_kept", "Account/Categories"),
        ]
        assert all(p.is_warning for p in first.problems)
        assert "(Petra Jansen): the card holds one contact" in first.problems[3].message

    def test_every_record_is_a_valid_account(self) -> None:
        """`from_dict` accepts every record of the realistic export, types and statuses kept."""
        accounts = read_accounts(DATA / "accounts.xml")
        assert [(a.code, a.type.value, a.status.value) for a in accounts] == [
            ("1001", "C", "A"),
            ("2001", "S", "B"),
            ("3001", "R", "R"),
            ("4001", "L", "A"),
            ("5001", "P", "A"),
            ("6001", "E", "E"),
            ("7001", "B", "A"),
            ("8001", "D", "A"),
        ]

    def test_a_rich_account_maps_every_card_section(self) -> None:
        """Summary, visiting address, main contact, marketing, relations, financial all map."""
        acme = read_accounts(DATA / "accounts.xml")[0]
        assert acme.id == "{6F1D1A3C-8C52-4C2B-9E1A-0A4C2D6B1001}"
        assert acme.name == "Van Dijk Installatietechniek B.V."
        summary = acme.summary
        assert (summary.phone, summary.phone_extension, summary.fax) == (
            "+31 20 555 0101",
            "12",
            "+31 20 555 0199",
        )
        assert (summary.email, summary.website) == (
            "info@vandijk.example",
            "https://vandijk.example",
        )
        address = summary.address
        assert (address.line1, address.house_number, address.house_number_suffix) == (
            "Damrak",
            "12",
            "A",
        )
        assert (address.line2, address.postcode, address.city, address.country) == (
            "3e etage",
            "1012 LG",
            "Amsterdam",
            "NL",
        )
        assert acme.general.country_name == "Nederland"
        assert acme.remarks_are_html
        assert acme.remarks == "Klant sinds 2009.\nBelt bij voorkeur <b>na</b> 10 uur."

    def test_the_default_contact_is_the_card_contact(self) -> None:
        """The contact marked default="1" wins over an earlier one; its email sets both flags."""
        contact = read_accounts(DATA / "accounts.xml")[0].contact
        assert contact is not None
        assert (contact.first_name, contact.middle_name, contact.last_name) == (
            "Jan",
            "de",
            "Vries",
        )
        assert (contact.title, contact.initials, contact.job_title) == ("DHR", "J.", "DIR")
        assert (contact.phone, contact.mobile) == ("+31 20 555 0102", "+31 6 1234 5678")
        assert contact.email == "jan@vandijk.example"
        assert contact.valid_email and contact.email_permission

    def test_marketing_relations_and_financial_fields(self) -> None:
        """Coded references map to their codes, numbers and yes/no values to their types."""
        acme = read_accounts(DATA / "accounts.xml")[0]
        m = acme.marketing
        assert (m.security_level, m.rating, m.classification, m.source) == (10, 2, "A", "BEURS")
        assert (m.sector, m.subsector, m.size) == ("BOUW", "INST", "M")
        assert (str(m.coc_number), str(m.duns_number)) == ("12345678", "012345678")
        assert acme.relations.account_manager == "12"
        f = acme.financial
        assert (f.debtor_code, f.debtor_account, f.offset_account) == ("1001", "1300", "8000")
        assert f.check_date == date(2024, 3, 1)
        assert (f.partial_delivery_allowed, f.back_order, f.invoice_copies) == (True, False, 2)
        assert str(f.vat_number) == "NL004495445B01"

    def test_free_fields_keep_their_kind(self) -> None:
        """Exact's free texts, dates, numbers and yes/no fields become typed free fields."""
        fields = read_accounts(DATA / "accounts.xml")[0].free_fields
        assert [(f.name, f.kind.value, f.value) for f in fields] == [
            ("Region", "text", "Noord-Holland"),
            ("FreeDate1", "date", date(2024, 1, 15)),
            ("FreeNumber2", "number", 42),
            ("FreeNumber3", "number", 2.5),
            ("FreeYesNo1", "yes_no", True),
        ]

    def test_a_free_text_is_kept_as_written(self, tmp_path: Path) -> None:
        """A free text, like the note, keeps its spaces and line ends; blank is no value."""
        body = (
            "<FreeFields><FreeTexts>"
            '<FreeText number="1" label="Memo">  two\r\nlines </FreeText>'
            '<FreeText number="2" label="Empty">   </FreeText>'
            "</FreeTexts></FreeFields>"
        )
        fields = data(export(tmp_path, account_xml(body=body)))["free_fields"]
        assert fields == [
            {"name": "Memo", "kind": "text", "value": "  two\nlines "},
            {"name": "Empty", "kind": "text", "value": None},
        ]

    def test_a_supplier_reads_from_its_creditor(self) -> None:
        """Bank account, VAT number, customer code and ledger come from the Creditor element."""
        supplier = read_accounts(DATA / "accounts.xml")[1]
        assert supplier.name == "Müller Großhandel GmbH"
        assert (supplier.summary.address.state, supplier.summary.address.country) == ("BE", "DE")
        f = supplier.financial
        assert (f.creditor_code, f.creditor_account, f.customer_code_at_supplier) == (
            "2001",
            "1600",
            "K-778",
        )
        assert str(f.vat_number) == "DE136695976"
        (bank,) = f.bank_accounts
        assert (bank.number, bank.type, str(bank.iban), str(bank.bic), bank.main) == (
            "DE89370400440532013000",
            "IBAN",
            "DE89370400440532013000",
            "COBADEFFXXX",
            True,
        )
        assert supplier.contact is not None and supplier.contact.last_name == "Müller"

    def test_relations_and_iso_country(self) -> None:
        """Parent and reseller map by code; IsoCountry is preferred to Exact's country code."""
        accounts = read_accounts(DATA / "accounts.xml")
        assert accounts[2].relations.parent == "1001"
        lead = accounts[3]
        assert lead.relations.reseller == "3001"
        assert (lead.summary.address.state, lead.summary.address.country) == ("CA", "US")
        assert accounts[4].relations.account_manager == "7"

    def test_dates_default_to_exacts_empty_date(self) -> None:
        """With no date in the schema, the type and status take effect on 1900-01-01."""
        acme = read_accounts(DATA / "accounts.xml")[0]
        assert acme.type_since == acme.status_since == UNKNOWN_SINCE == date(1900, 1, 1)

    def test_the_caller_may_give_the_dates(self) -> None:
        """``since`` sets both dates of every record."""
        first = records(DATA / "accounts.xml", ReadOptions(since=date(2024, 5, 1)))[0]
        assert first.data is not None
        assert first.data["type_since"] == first.data["status_since"] == "2024-05-01"

    def test_absent_values_are_left_out(self) -> None:
        """A record holds only what the export gives: no empty sections, no null values."""
        found = data(DATA / "latin1.xml")
        assert set(found) == {
            "code",
            "name",
            "type",
            "status",
            "type_since",
            "status_since",
            "summary",
        }
        assert found["summary"] == {"address": {"line1": "Rue 1", "city": "Liège", "country": "BE"}}

    def test_the_declared_encoding_is_honoured(self) -> None:
        """An ISO-8859-1 export reads with its accents intact."""
        (account,) = read_accounts(DATA / "latin1.xml")
        assert (account.name, account.summary.address.city) == ("Café Noir", "Liège")

    def test_utf16_exports_read(self, tmp_path: Path) -> None:
        """A UTF-16 export (with its byte order mark) reads like a UTF-8 one."""
        path = tmp_path / "utf16.xml"
        path.write_bytes(
            (
                '<?xml version="1.0" encoding="UTF-16"?><eExact><Accounts>'
                f"{account_xml()}</Accounts></eExact>"
            ).encode("utf-16")
        )
        assert data(path)["name"] == "Acme"

    def test_a_stream_reads_like_a_file(self) -> None:
        """A binary stream is read from where it stands, and named as the caller says."""
        stream = io.BytesIO((DATA / "latin1.xml").read_bytes())
        with open_input(stream, name="-") as source:
            (record,) = read_exact_xml(source, ReadOptions())
        assert record.place == Place("-", 4, 1)


#: Exact Globe's letters are ours: every type and status passes through unchanged.
GLOBE = [(t.value, s.value) for t in AccountType for s in AccountStatus]

#: Without @type, @status is Exact Online's relationship (docs/rules.md#mapping-notes).
ONLINE = [
    ("C", "", ("C", "A")),
    ("P", "", ("P", "A")),
    ("S", "", ("T", "A")),
    ("A", "", ("A", "A")),
    ("A", '<Creditor code="9"/>', ("S", "A")),
    ("C", '<Creditor code="9"/>', ("C", "A")),
]


class TestTypesAndStatuses:
    @pytest.mark.parametrize(("type_", "status"), GLOBE)
    def test_globe_letters_map_one_to_one(self, tmp_path: Path, type_: str, status: str) -> None:
        """@type and @status are Exact's letters, which are ours."""
        found = data(export(tmp_path, account_xml(f'code="1" type="{type_}" status="{status}"')))
        assert (found["type"], found["status"]) == (type_, status)

    @pytest.mark.parametrize(("status", "body", "expected"), ONLINE)
    def test_online_relationship_letters(
        self, tmp_path: Path, status: str, body: str, expected: tuple[str, str]
    ) -> None:
        """An account without @type is read the Exact Online way: C, P, S, A, Creditor."""
        account = from_dict(
            data(export(tmp_path, account_xml(f'code="1" status="{status}"', body)))
        )
        assert (account.type.value, account.status.value) == expected

    @pytest.mark.parametrize("attributes", ['code="1" status="N"', 'code="1" type="N" status="N"'])
    def test_status_n_is_not_validated(self, tmp_path: Path, attributes: str) -> None:
        """status N, the schema's "Not validated", is type N with status Active."""
        record = only(export(tmp_path, account_xml(attributes)))
        account = from_dict(record.data)
        assert (account.type, account.status) == (AccountType.NOT_VALIDATED, AccountStatus.ACTIVE)
        assert record.problems == ()

    def test_status_n_over_another_type_is_named(self, tmp_path: Path) -> None:
        """status N makes a Customer Not validated; the type given is named, not dropped."""
        record = only(export(tmp_path, account_xml('code="1" type="C" status="N"')))
        assert record.data is not None and record.data["type"] == "N"
        assert found(record) == [("$.type", "element_not_kept", "Account/@type")]

    def test_the_not_validated_fixture(self) -> None:
        """A web form's accounts: all Not validated and Active; the one with code="" asks for a
        code."""
        found_records = records(DATA / "not_validated.xml")
        assert [(r.data or {}).get("type") for r in found_records] == ["N", "N", "N"]
        assert [[p.code for p in r.problems] for r in found_records] == [
            [],
            [],
            ["to_be_numbered"],
        ]

    def test_an_unknown_letter_is_left_for_from_dict(self, tmp_path: Path) -> None:
        """A type Z and a status Q are kept and reported by `from_dict`, not fatal."""
        found = data(export(tmp_path, account_xml('code="1" type="Z" status="Q"')))
        assert (found["type"], found["status"]) == ("Z", "Q")
        assert problems(found) == [("$.type", "invalid_choice"), ("$.status", "invalid_choice")]

    def test_a_missing_type_and_status_is_reported(self, tmp_path: Path) -> None:
        """With neither letter, the record lacks a type, which `from_dict` reports as required."""
        assert ("$.type", "required") in problems(data(export(tmp_path, account_xml('code="1"'))))


class TestCodes:
    @pytest.mark.parametrize("code", ['code=""', 'code="   "'])
    def test_an_empty_code_asks_to_be_numbered(self, tmp_path: Path, code: str) -> None:
        """code="" asks the receiving system to number the account: no code, and an error
        `read` removes when it allocates codes."""
        record = only(export(tmp_path, account_xml(f'{code} type="C" status="A"')))
        assert record.data is not None and "code" not in record.data
        (problem,) = record.problems
        assert (problem.path, problem.code, problem.severity) == (
            ("code",),
            "to_be_numbered",
            Severity.ERROR,
        )

    def test_a_globe_account_without_code_attribute_lacks_its_code(self, tmp_path: Path) -> None:
        """The Globe schema requires @code: without it, `from_dict` reports the code missing."""
        record = only(export(tmp_path, account_xml('type="C" status="A"')))
        assert record.problems == ()
        assert ("$.code", "required") in problems(record.data)

    def test_an_online_account_without_code_asks_to_be_numbered(self) -> None:
        """Exact Online leaves the code out to have it numbered."""
        third = records(DATA / "online.xml")[2]
        assert [p.code for p in third.problems] == ["to_be_numbered"]

    def test_padded_codes_are_trimmed(self) -> None:
        """Exact Online's codes are right-aligned in 18 characters."""
        assert [(r.data or {}).get("code") for r in records(DATA / "online.xml")] == [
            "1",
            "2",
            None,
        ]


def bank_xml(code: str, iban: str, default: str = "", extra: str = "") -> str:
    mark = f' default="{default}"' if default else ""
    return (
        f'<BankAccount code="{code}"{mark}><BankAccountType code="BNK"><Description>B'
        f"</Description></BankAccountType><Bank><Name>B</Name><IBAN>{iban}</IBAN></Bank>"
        f"{extra}</BankAccount>"
    )


NL1 = bank_xml("417164300", "NL91ABNA0417164300")
NL2 = bank_xml("1234567", "NL20INGB0001234567")


class TestBankAccounts:
    def banks(self, tmp_path: Path, debtor: str, creditor: str = "") -> list[tuple[str, bool]]:
        body = f'<Debtor code="1"><BankAccounts>{debtor}</BankAccounts></Debtor>'
        if creditor:
            body += f'<Creditor code="1"><BankAccounts>{creditor}</BankAccounts></Creditor>'
        (account,) = read_accounts(export(tmp_path, account_xml(body=body)))
        return [(b.number or "", b.main) for b in account.financial.bank_accounts]

    def test_the_default_one_is_main(self, tmp_path: Path) -> None:
        """default="1" marks the main bank account, wherever it stands."""
        second = bank_xml("1234567", "NL20INGB0001234567", "1")
        assert self.banks(tmp_path, NL1 + second) == [("417164300", False), ("1234567", True)]

    def test_without_a_default_the_first_is_main(self, tmp_path: Path) -> None:
        """Exact treats the first bank account as the default when none is marked."""
        assert self.banks(tmp_path, NL1 + NL2) == [("417164300", True), ("1234567", False)]

    def test_one_account_under_debtor_and_creditor_is_read_once(self, tmp_path: Path) -> None:
        """The same number and IBAN under Debtor and Creditor is one bank account."""
        assert self.banks(tmp_path, NL1, NL1 + NL2) == [("417164300", True), ("1234567", False)]

    def test_one_partys_own_bank_accounts_are_never_merged(self, tmp_path: Path) -> None:
        """Only the Creditor's are matched against the Debtor's: the Debtor's twice is two."""
        body = f'<Debtor code="1"><BankAccounts>{NL1}{NL1}</BankAccounts></Debtor>'
        found_data = data(export(tmp_path, account_xml(body=body)))
        banks = found_data["financial"]["bank_accounts"]  # type: ignore[index]
        assert [(b["number"], b["main"]) for b in banks] == [
            ("417164300", True),
            ("417164300", False),
        ]

    def test_the_same_iban_with_another_number_is_one_account(self, tmp_path: Path) -> None:
        """Merged by IBAN: the Creditor's writes the number as the IBAN, spaced."""
        again = bank_xml("NL91 ABNA 0417 1643 00", "NL91 ABNA 0417 1643 00")
        record = only(
            export(
                tmp_path,
                account_xml(
                    body=f'<Debtor code="1"><BankAccounts>{NL1}</BankAccounts></Debtor>'
                    f'<Creditor code="1"><BankAccounts>{again}</BankAccounts></Creditor>'
                ),
            )
        )
        assert record.data is not None
        assert len(record.data["financial"]["bank_accounts"]) == 1  # type: ignore[index]
        assert found(record) == [
            (
                "$.financial.bank_accounts",
                "element_not_kept",
                "Account/Creditor/BankAccounts/BankAccount[1]",
            )
        ]
        assert "another number" in record.problems[0].message

    def test_the_creditors_default_yields_to_the_debtors(self, tmp_path: Path) -> None:
        """Each party has its default; the Debtor's is the main one, the Creditor's is not."""
        debtor = bank_xml("417164300", "NL91ABNA0417164300", "1")
        creditor = bank_xml("1234567", "NL20INGB0001234567", "1")
        assert self.banks(tmp_path, debtor, creditor) == [("417164300", True), ("1234567", False)]

    def test_the_creditors_default_is_main_without_the_debtors(self, tmp_path: Path) -> None:
        """With no default among the Debtor's, the Creditor's default is the main one."""
        creditor = bank_xml("1234567", "NL20INGB0001234567", "1")
        assert self.banks(tmp_path, NL1, creditor) == [("417164300", False), ("1234567", True)]

    def test_two_main_accounts_are_reported(self, tmp_path: Path) -> None:
        """Two accounts of one party marked default are passed on, and `from_dict` reports
        the clash."""
        both = bank_xml("417164300", "NL91ABNA0417164300", "1") + bank_xml(
            "1234567", "NL20INGB0001234567", "true"
        )
        body = f'<Debtor code="1"><BankAccounts>{both}</BankAccounts></Debtor>'
        assert problems(data(export(tmp_path, account_xml(body=body)))) == [
            ("$.financial.bank_accounts", "main_bank_account")
        ]

    def test_the_holder_is_the_addressee_of_the_bank_accounts_address(self, tmp_path: Path) -> None:
        """BankAccount/Address/Addressee/Name is the holder; a country alone says nothing."""
        holder = (
            '<Address><Addressee><Name>J. Jansen</Name></Addressee><Country code="NL"/></Address>'
        )
        body = (
            '<Debtor code="1"><BankAccounts>'
            f"{bank_xml('417164300', 'NL91ABNA0417164300', extra=holder)}"
            "</BankAccounts></Debtor>"
        )
        record = only(export(tmp_path, account_xml(body=body)))
        (bank,) = from_dict(record.data).financial.bank_accounts
        assert bank.holder_name == "J. Jansen"
        assert record.problems == ()

    def test_what_a_bank_account_holds_beside_is_named(self, tmp_path: Path) -> None:
        """A mandate, a branch, the holder's street and another SWIFT code are warnings."""
        extra = (
            '<SDDMandates><SDDMandate><MndtId>M-1</MndtId><LclInstrm CD="CORE"/>'
            "<MndtStatus>A</MndtStatus><SeqTp>RCUR</SeqTp></SDDMandate></SDDMandates>"
            '<Branch code="400100"/><Address><AddressLine1>Kerkstraat 1</AddressLine1>'
            '<Country code="NL"/></Address>'
        )
        bank = bank_xml("417164300", "NL91ABNA0417164300", extra=extra).replace(
            "</IBAN>", "</IBAN><BIC>ABNANL2A</BIC><SwiftCode>INGBNL2A</SwiftCode>"
        )
        body = f'<Debtor code="1"><BankAccounts>{bank}</BankAccounts></Debtor>'
        record = only(export(tmp_path, account_xml(body=body)))
        where = "Account/Debtor/BankAccounts/BankAccount[1]"
        assert [path for _, _, path in found(record)] == [
            f"{where}/SDDMandates",
            f"{where}/Branch",
            f"{where}/AddressLine1",
            f"{where}/Bank/SwiftCode",
        ]

    def test_the_customer_supplier_fixture(self) -> None:
        """Exact Globe's customer-supplier: one bank account from two, holder and BIC merged,
        the Debtor's default main, codes trimmed, grouping on the order debtor."""
        record = only(DATA / "customer_supplier.xml")
        assert record.problems == ()
        account = from_dict(record.data)
        f = account.financial
        assert (f.debtor_code, f.creditor_code, f.group_invoice.value) == (
            "3100",
            "3100",
            "order_debtor",
        )
        assert [
            (str(b.iban), str(b.bic), b.holder_name, b.type, b.main) for b in f.bank_accounts
        ] == [
            ("NL91ABNA0417164300", "ABNANL2A", "Drukkerij Van der Meer B.V.", "IBAN", True),
            ("NL20INGB0001234567", "INGBNL2A", None, "IBAN", False),
        ]


class TestGroupInvoice:
    @pytest.mark.parametrize(
        ("written", "value"),
        [
            ("N", "no"),
            ("0", "no"),
            ("I", "invoice_debtor"),
            ("F", "invoice_debtor"),
            ("on invoice debtor", "invoice_debtor"),
            ("O", "order_debtor"),
            ("order_debtor", "order_debtor"),
        ],
    )
    def test_known_spellings(self, tmp_path: Path, written: str, value: str) -> None:
        """Exact's letters and the spelled-out choices read as the card's group invoice."""
        body = f'<Debtor code="1"><GroupInvoice>{written}</GroupInvoice></Debtor>'
        account = from_dict(data(export(tmp_path, account_xml(body=body))))
        assert account.financial.group_invoice.value == value

    def test_another_spelling_is_reported_by_from_dict(self, tmp_path: Path) -> None:
        """A value Exact does not write is passed on, and refused at its path."""
        body = '<Debtor code="1"><GroupInvoice>weekly</GroupInvoice></Debtor>'
        assert problems(data(export(tmp_path, account_xml(body=body)))) == [
            ("$.financial.group_invoice", "invalid_choice")
        ]


def address_xml(body: str, kind: str = "VIS") -> str:
    return f'<Address type="{kind}">{body}<City>Utrecht</City><Country code="NL"/></Address>'


class TestAddresses:
    def test_house_numbers_are_kept_apart(self) -> None:
        """AddressNo and AddressSuffix are the house number and its addition, not line 1."""
        address = read_accounts(DATA / "addresses.xml")[0].summary.address
        assert (address.line1, address.house_number, address.house_number_suffix) == (
            "Keizersgracht",
            "61",
            "a",
        )

    def test_iso_region_is_the_state_without_its_country(self) -> None:
        """IsoRegion NL-NH is state NH of NL; the same as State is no warning; another is."""
        found_records = records(DATA / "addresses.xml")
        states = [from_dict(r.data).summary.address.state for r in found_records]
        assert states == ["NH", "CA", "NW"]
        assert [[path for _, _, path in found(r)] for r in found_records] == [
            [],
            ["Account/Addresses/Address[1]/County"],
            ["Account/Addresses/Address[1]/IsoRegion"],
        ]

    def test_an_iso_region_of_another_country_is_kept_whole(self, tmp_path: Path) -> None:
        """Only the address's own country prefix is dropped."""
        address = address_xml("<AddressLine1>A 1</AddressLine1><IsoRegion>BE-VAN</IsoRegion>")
        body = f"<Account code='1' type='C' status='A'><Name>A</Name><Addresses>{address}"
        found_data = data(export(tmp_path, body + "</Addresses></Account>"))
        assert found_data["summary"]["address"]["state"] == "BE-VAN"  # type: ignore[index]

    @pytest.mark.parametrize(
        ("kinds", "line1"),
        [(("INV", "V", "VIS"), "VIS"), (("INV", "V"), "V"), (("INV", "POS"), "INV")],
    )
    def test_the_visiting_address(self, tmp_path: Path, kinds: tuple[str, ...], line1: str) -> None:
        """The first of type VIS, else V, else the first."""
        addresses = "".join(address_xml(f"<AddressLine1>{k}</AddressLine1>", k) for k in kinds)
        body = f"<Account code='1' type='C' status='A'><Name>A</Name><Addresses>{addresses}"
        found_data = data(export(tmp_path, body + "</Addresses></Account>"))
        assert found_data["summary"]["address"]["line1"] == line1  # type: ignore[index]

    def test_contact_addresses_when_the_account_has_none(self) -> None:
        """The default contact's visiting address is the account's; the same address under
        other types is no warning, another one is; the other contact is named once."""
        record = only(DATA / "contact_addresses.xml")
        account = from_dict(record.data)
        address = account.summary.address
        assert (address.line1, address.city, address.country) == (
            "12 Ly Thuong Kiet",
            "Ha Noi",
            "VN",
        )
        contact = "Account/Contacts/Contact"
        assert found(record) == [
            ("$.contact", "unknown_element", f"{contact}/Addresses/Address/VATNumber"),
            ("$.summary.address", "element_not_kept", f"{contact}[1]/Addresses/Address[3]"),
            ("$", "element_not_kept", f"{contact}[2]"),
            ("$.contact", "element_not_kept", f"{contact}[1]/Language"),
        ]
        assert "(Dinh Chien): the card holds one contact" in record.problems[2].message
        assert (account.summary.phone, account.financial.group_invoice.value) == (
            "+84 24 3826 4455",
            "no",
        )

    def test_the_accounts_own_addresses_come_first(self, tmp_path: Path) -> None:
        """A contact's address is used only when the account has none."""
        contact = (
            '<Contacts><Contact default="1"><LastName>X</LastName><Addresses>'
            f"{address_xml('<AddressLine1>Contact 1</AddressLine1>')}</Addresses></Contact>"
            "</Contacts>"
        )
        found_data = data(export(tmp_path, account_xml(body=contact)))
        assert found_data["summary"]["address"]["line1"] == "Damrak 1"  # type: ignore[index]

    def test_an_address_phone_fills_in_the_accounts(self, tmp_path: Path) -> None:
        """The visiting address's phone, fax and email are the account's when it has none."""
        address = (
            '<Address type="VIS"><AddressLine1>A 1</AddressLine1><City>Utrecht</City>'
            '<Country code="NL"/><Phone>+31 30 123 4567</Phone></Address>'
        )
        body = f"<Account code='1' type='C' status='A'><Name>A</Name><Addresses>{address}"
        found_data = data(export(tmp_path, body + "</Addresses></Account>"))
        assert found_data["summary"]["phone"] == "+31 30 123 4567"  # type: ignore[index]

    def test_a_contact_without_a_name_is_a_contact(self, tmp_path: Path) -> None:
        """A Contact element holding nothing the card keeps is an empty contact, not none."""
        found_data = data(
            export(tmp_path, account_xml(body='<Contacts><Contact default="1"/></Contacts>'))
        )
        assert found_data["contact"] == {}


class TestUnknownElements:
    def test_an_unknown_element_is_a_warning_on_its_account(self) -> None:
        """An element outside the schema is named; the account is read without it."""
        first, second = records(DATA / "unknown_element.xml")
        assert first.problems == ()
        assert found(second) == [("$", "unknown_element", "Account/Nickname")]
        assert second.problems[0].severity is Severity.WARNING
        assert from_dict(second.data).name == "Two"

    def test_strictly_it_is_an_error(self) -> None:
        """Reading strictly, an element outside the schema makes its account invalid."""
        second = records(DATA / "unknown_element.xml", ReadOptions(strict=True))[1]
        (problem,) = second.problems
        assert (problem.code, problem.severity) == ("unknown_element", Severity.ERROR)

    def test_its_content_is_not_read(self, tmp_path: Path) -> None:
        """Text inside an unknown element never leaks into the element around it."""
        path = export(
            tmp_path,
            account_xml('code="1" type="C" status="A"').replace(
                "<Name>Acme</Name>", "<Name>Ac<b>bold</b>me</Name>"
            ),
        )
        record = only(path)
        assert record.data is not None and record.data["name"] == "Acme"
        assert found(record) == [("$", "unknown_element", "Account/Name/b")]

    def test_deep_in_a_mapped_part_it_is_placed_near(self, tmp_path: Path) -> None:
        """An element the schema does not allow in a bank is placed at the bank accounts."""
        body = '<Debtor code="1">\n<BankAccounts>\n<BankAccount code="1"><Bank><Owner/></Bank>'
        record = only(
            export(tmp_path, account_xml(body=body + "</BankAccount></BankAccounts></Debtor>"))
        )
        assert found(record) == [
            (
                "$.financial.bank_accounts",
                "unknown_element",
                "Account/Debtor/BankAccounts/BankAccount/Bank/Owner",
            )
        ]

    def test_an_integrators_misspelling(self) -> None:
        """GLNNumber (the schema has GLN) is named, and the rest of the supplier is read."""
        record = only(DATA / "supplier_request.xml")
        assert found(record)[:2] == [
            ("$", "unknown_element", "Account/GLNNumber"),
            ("$.code", "to_be_numbered", 'code=""'),
        ]
        assert record.data is not None
        iban = "NL91ABNA0417164300"
        assert record.data["financial"]["bank_accounts"] == [  # type: ignore[index]
            {"number": iban, "type": "IBAN", "iban": iban, "main": True}
        ]

    def test_exact_online_elements_are_named_as_such(self) -> None:
        """An account of Exact Online's XML: its own elements are said to be Exact Online's."""
        first = records(DATA / "online.xml")[0]
        (problem,) = first.problems
        assert problem.message.startswith("Account/IsSupplier is not in the eExact schema")
        assert "Exact Online writes it" in problem.message

    def test_only_accounts_in_accounts(self, tmp_path: Path) -> None:
        """Another element in Accounts is one unreadable record; the accounts around it read."""
        found_records = records(
            export(tmp_path, account_xml(), "<Item code='x'>1</Item>", account_xml())
        )
        assert [(r.place.line, r.place.record, r.data is None) for r in found_records] == [
            (4, 1, False),
            (5, 2, True),
            (6, 3, False),
        ]
        (problem,) = found_records[1].problems
        assert (problem.code, problem.severity) == ("unknown_element", Severity.ERROR)
        assert problem.message.startswith("Accounts/Item is not in the eExact schema")


DEBTOR = '<Debtor code="1">{}</Debtor>'
IMAGE = "<Image><Name>a.png</Name><BinaryData>iVBORw0K</BinaryData></Image>"
CONTACT = '<Contacts><Contact default="1"><LastName>X</LastName>{}</Contact></Contacts>'
TWO_VAT_NUMBERS = (
    "<VATNumber>NL004495445B01</VATNumber>"
    "<Creditor code='1'><VATNumber>NL123456789B01</VATNumber></Creditor>"
)


class TestNotKept:
    def test_elements_the_card_ignores_by_decision(self, tmp_path: Path) -> None:
        """Payment, price list, VAT code, currency and credit line are read and ignored."""
        body = (
            '<Debtor code="1"><Currency code="EUR"/><CreditLine>5000</CreditLine></Debtor>'
            '<VAT code="2"/><PaymentCondition code="30"><Description>30 days</Description>'
            '</PaymentCondition><PriceList code="P1"/><GLN>8712345678906</GLN>'
        )
        record = only(export(tmp_path, account_xml(body=body)))
        assert record.problems == ()
        assert problems(record.data) == []
        assert record.data is not None and record.data["marketing"] == {"gln": "8712345678906"}

    @pytest.mark.parametrize(
        ("body", "path"),
        [
            ("<AccountCode>ABC</AccountCode>", "Account/AccountCode"),
            ("<FiscalCode>RSSMRA80A01H501U</FiscalCode>", "Account/FiscalCode"),
            ('<Categories><Category number="1" code="N"/></Categories>', "Account/Categories"),
            (IMAGE, "Account/Image/BinaryData"),
            (DEBTOR.format("<Name>Acme Debtor</Name>"), "Account/Debtor/Name"),
            (DEBTOR.format("<ExternalCode>X-9</ExternalCode>"), "Account/Debtor/ExternalCode"),
            (DEBTOR.format('<DebtorInvoice number="4"/>'), "Account/Debtor/DebtorInvoice"),
            (TWO_VAT_NUMBERS, "Account/Creditor/VATNumber"),
            (CONTACT.format("<Note>Golf</Note>"), "Account/Contacts/Contact[1]/Note"),
            (CONTACT.format("<PhoneExt>12</PhoneExt>"), "Account/Contacts/Contact[1]/PhoneExt"),
        ],
    )  # fmt: skip
    def test_what_a_user_typed_is_named(self, tmp_path: Path, body: str, path: str) -> None:
        """An element the schema allows and the card has no place for is a warning naming it."""
        record = only(export(tmp_path, account_xml(body=body)))
        assert [(code, where) for _, code, where in found(record)] == [("element_not_kept", path)]
        assert all(p.is_warning for p in record.problems)

    @pytest.mark.parametrize(
        "body",
        [
            '<Debtor code="1"><Name>Acme</Name></Debtor>',
            '<Categories><Category number="1" code=""/></Categories>',
            '<Contacts><Contact default="1"><LastName>X</LastName><FreeFields><FreeNumbers>'
            '<FreeNumber number="1">0</FreeNumber></FreeNumbers></FreeFields></Contact></Contacts>',
            '<Contacts><Contact default="1"><Language code=""/><Fax></Fax></Contact></Contacts>',
        ],
    )
    def test_nothing_to_say_about_what_holds_nothing(self, tmp_path: Path, body: str) -> None:
        """The same name again, empty codes, Exact's zeros: no warning."""
        assert only(export(tmp_path, account_xml(body=body))).problems == ()

    def test_every_code_reading_uses_is_known(self) -> None:
        """The codes the reader gives are in accountcore.errors.CODES."""
        assert {"unknown_element", "element_not_kept", "to_be_numbered", "record_too_long"} <= set(
            CODES
        )


def unreadable(path: Path) -> str:
    with pytest.raises(UnreadableFile) as caught:
        records(path)
    return str(caught.value)


class TestUnreadable:
    @pytest.mark.parametrize(
        ("name", "reason"),
        [
            ("truncated", "line 14: the file ends in the middle of Account 3 (line 12)"),
            ("wrong_root", "line 2: the root element is <Export>, not <eExact>"),
            ("entities", "line 2: a DOCTYPE is not allowed (it could declare entities)"),
            ("bad_encoding", "line 5: not UTF-8 text (byte 0xE9)"),
            ("empty", "the file holds no records"),
            ("not_xml", "line 1: not well-formed XML (syntax error)"),
            ("missing", "no such file"),
        ],
    )
    def test_one_line_says_why(self, name: str, reason: str) -> None:
        """Each fault is one line, ``PATH: reason``, naming the line where it has one."""
        path = DATA / f"{name}.xml"
        assert unreadable(path) == f"{path}: {reason}"

    def test_the_error_carries_its_parts(self) -> None:
        """`UnreadableFile` has the file, the line and the reason apart."""
        with pytest.raises(UnreadableFile) as caught:
            records(DATA / "wrong_root.xml")
        error = caught.value
        assert (error.file, error.line) == (str(DATA / "wrong_root.xml"), 2)
        assert error.reason == "the root element is <Export>, not <eExact>"

    def test_an_exact_online_feed_is_named(self) -> None:
        """Exact Online's REST API answers in OData Atom: refused, saying what it is."""
        reason = unreadable(DATA / "online_feed.xml").split(": ", 2)[2]
        assert reason.startswith("the root element is <feed>: an Exact Online (OData/Atom)")
        assert "not an eExact XML file; " in reason

    def test_another_atom_feed(self, tmp_path: Path) -> None:
        """An Atom feed from elsewhere is not called Exact Online's."""
        path = tmp_path / "feed.xml"
        path.write_text('<feed xmlns="http://www.w3.org/2005/Atom"><entry/></feed>')
        assert unreadable(path) == (
            f"{path}: line 1: the root element is <feed>: an Atom feed, not an eExact XML file"
        )

    def test_accounts_before_a_fault_are_yielded_first(self) -> None:
        """Streaming: the complete accounts before the damage come out, then the error."""
        with open_input(DATA / "truncated.xml") as source:
            reader = read_exact_xml(source, ReadOptions())
            assert [(r.place.line, r.place.record) for r in (next(reader), next(reader))] == [
                (4, 1),
                (8, 2),
            ]
            with pytest.raises(UnreadableFile, match="in the middle of Account 3"):
                next(reader)

    def test_a_file_cut_between_accounts(self, tmp_path: Path) -> None:
        """Cut after a complete account, the file still lacks its closing tags."""
        path = tmp_path / "cut.xml"
        path.write_text(f"<eExact>\n<Accounts>\n{account_xml()}\n", encoding="utf-8")
        assert unreadable(path) == f"{path}: line 4: the file ends before the closing </eExact>"

    def test_a_directory(self) -> None:
        """A directory is not an export."""
        assert unreadable(DATA) == f"{DATA}: is a directory, not a file"

    def test_an_export_of_another_topic(self, tmp_path: Path) -> None:
        """An eExact file without Accounts (say, items) is not an account export."""
        path = tmp_path / "items.xml"
        path.write_text('<eExact><Items><Item code="1"/></Items></eExact>', encoding="utf-8")
        assert unreadable(path) == f"{path}: an eExact file without <Accounts>"


class TestIgnoredParts:
    def test_unmapped_parts_are_not_checked(self, tmp_path: Path) -> None:
        """Inside an element we do not map (a Manager resource), anything goes, even Account."""
        body = '<Manager number="5"><Account code="other"/><Anything/></Manager>'
        (record,) = records(export(tmp_path, account_xml(body=body)))
        assert (record.place.line, record.place.record) == (4, 1)
        assert record.problems == ()
        assert record.data is not None and record.data["relations"] == {"account_manager": "5"}

    def test_other_topics_are_skipped(self, tmp_path: Path) -> None:
        """Topics beside Accounts are not read, even when they hold Account elements."""
        path = tmp_path / "mixed.xml"
        path.write_text(
            f"<eExact><Items><Item><Account code='x'/></Item></Items><Accounts>{account_xml()}"
            "</Accounts><Assets><Asset><Account code='y'/></Asset></Assets></eExact>",
            encoding="utf-8",
        )
        assert [r.data["code"] for r in records(path) if r.data] == ["1"]


class TestSchema:
    def test_checked_elements_match_the_public_xsd(self) -> None:
        """The children we allow are exactly those of the schema's content models."""
        for name, allowed in CHILDREN.items():
            if allowed:
                assert allowed == xsd_children(name), name

    def test_text_elements_are_simple_in_the_xsd(self) -> None:
        """The elements we read as text have no element content in the schema."""
        for name, allowed in CHILDREN.items():
            if not allowed:
                assert xsd_children(name) == frozenset(), name

    def test_ignored_and_opaque_elements_are_in_the_schema(self) -> None:
        """Every element read and ignored, or built to be looked into, is one the schema has
        inside an element the reader checks."""
        allowed = frozenset().union(*CHILDREN.values())
        assert allowed >= IGNORED | OPAQUE
        assert not (IGNORED & OPAQUE) and not (IGNORED & set(CHILDREN))


class TestStreaming:
    def test_a_large_export_streams_in_flat_memory(self, tmp_path: Path) -> None:
        """20,000 accounts all come out, while memory stays far below the file's size."""
        count = 20_000
        path = tmp_path / "large.xml"
        with path.open("w", encoding="utf-8") as file:
            file.write("<eExact>\n<Accounts>\n")
            for i in range(1, count + 1):
                file.write(account_xml(f'code="{i}" type="C" status="A"') + "\n")
            file.write("</Accounts>\n</eExact>\n")
        tracemalloc.start()
        try:
            seen = 0
            with open_input(path) as source:
                for seen, record in enumerate(read_exact_xml(source, ReadOptions()), start=1):  # noqa: B007
                    pass
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert seen == count
        assert (record.place.line, record.place.record) == (count + 2, count)
        assert peak < path.stat().st_size / 4


def over(what: str, limit: int) -> str:
    """The reason the reader gives for ``what`` going past ``limit`` bytes."""
    return f"{what} is longer than {limit:,} bytes (the limit; raise it with --max-record-length)"


def with_limit(path: Path | Input, record: int) -> list[RawRecord]:
    options = ReadOptions(limits=ReadLimits(line=1, record=record))  # lines are not limited
    if isinstance(path, Input):
        return list(read_exact_xml(path, options))
    return records(path, options)


class TestLimits:
    @pytest.mark.parametrize("over_by", [0, 1])
    def test_an_account_at_the_limit(self, tmp_path: Path, over_by: int) -> None:
        """An Account counts from the start of its start tag to the start of its end tag: at
        the limit it reads; one byte more, it is one record too long, and reading goes on."""
        second = account_xml('code="2" type="C" status="A"', "<Note>Ünïcode</Note>")
        size = len(second.encode()) - len("</Account>")
        path = export(tmp_path, account_xml(), second, account_xml('code="3" type="C" status="A"'))
        found_records = with_limit(path, size - over_by)
        assert [r.data is not None for r in found_records] == [True, not over_by, True]
        if over_by:
            (problem,) = found_records[1].problems
            assert (problem.code, found_records[1].place.line) == ("record_too_long", 5)
            assert problem.message == over("The account", size - 1) + "."

    def test_an_account_far_past_the_limit_is_not_held(self, tmp_path: Path) -> None:
        """An account ten or thirty times the limit is skipped as it is read: memory stays
        within the limit and a few chunks, whatever the account's size, and the next account
        reads."""
        limit = 100_000
        peaks = []
        for times in (1, 3):
            texts = ('<FreeText number="1">' + "x" * 1000 + "</FreeText>") * 1000 * times
            filler = f"<FreeFields><FreeTexts>{texts}</FreeTexts></FreeFields>"
            second = account_xml('code="2" type="C" status="A"')
            path = export(tmp_path, account_xml(body=filler), second, name=f"{times}.xml")
            assert path.stat().st_size > 10 * times * limit
            tracemalloc.start()
            try:
                found_records = with_limit(path, limit)
                peaks.append(tracemalloc.get_traced_memory()[1])
            finally:
                tracemalloc.stop()
            assert [r.problems[0].code if r.problems else "" for r in found_records] == [
                "record_too_long",
                "",
            ]
        assert abs(peaks[1] - peaks[0]) < _exact_xml._CHUNK
        assert max(peaks) < limit + 8 * _exact_xml._CHUNK

    @pytest.mark.parametrize(
        ("head", "filler", "reason"),
        [
            ('<eExact><Accounts>\n<Account code="1"><Name>', "x",
             "line 2: Account 1 goes on past 64,000 bytes (64 times the limit, raised with"
             " --max-record-length): no end of it was found to read on from"),
            ("<eExact><Accounts>\n<Account><Addresses>\n", "<Address/>\n",
             "line 2: Account 1 goes on past 64,000 bytes (64 times the limit, raised with"
             " --max-record-length): no end of it was found to read on from"),
            ('<eExact>\n<Accounts code="', "x", "line 2: " + over("an XML tag or comment", 1000)),
            ("<eExact><!--", "x", "line 1: " + over("an XML tag or comment", 1000)),
        ],
    )  # fmt: skip
    def test_an_endless_account_or_tag_ends_the_reading(
        self, head: str, filler: str, reason: str
    ) -> None:
        """A tag or comment that never ends is refused once it is longer than the limit; an
        account that never ends once it is `SKIP_FACTOR` times the limit: the reader takes
        that and a chunk or two, never the rest."""
        stream = Endless(head.encode(), filler.encode(), budget=512 * 1024)
        source = Input("endless.xml", io.BufferedReader(stream))
        with pytest.raises(UnreadableFile) as caught:
            with_limit(source, 1000)
        assert str(caught.value) == f"endless.xml: {reason}"
        assert stream.served <= 1000 * SKIP_FACTOR + 3 * _exact_xml._CHUNK


_Read = tuple[int, int, "dict[str, object] | None", list[str]]


def read_bytes(data: bytes, record: int = 1 << 20) -> tuple[list[_Read], str]:
    """
    Each record of ``data`` as its line, number, data and problem codes; and the fault that
    ended the reading ("" for none).
    """
    source = Input("f.xml", io.BufferedReader(io.BytesIO(data)))
    read: list[_Read] = []
    try:
        for found_record in with_limit(source, record):
            codes = [p.code for p in found_record.problems]
            place = found_record.place
            read.append((place.line, place.record, found_record.data, codes))
    except UnreadableFile as error:
        return read, str(error)
    return read, ""


#: Accounts whose end tag is no plain ``</Account>``, or that hold one that is not theirs.
TRICKY_ENDS = (
    '<Account code="1" type="C" status="A"/>',
    '<Account code="2" type="C" status="A">Acme</Account>',
    '<Account code="3" type="C" status="A"><Name>A3</Name><!-- </Account> --></Account >',
    '<Account code="4" type="C" status="A"><Name>A4</Name><Note><![CDATA[</Account>]]></Note>'
    "</Account>",
    '<Account code="5" type="C" status="A"><Name>A5</Name><Foo><Account><Name>in</Name>'
    "</Account></Foo></Account>",
    '<Account code="6" type="C" status="A"><Name>A6</Name>\n</Account\n>',
)


class TestHowTheBytesFall:
    """
    The reader finds an account's end tag in the bytes, where it can, and passes over the
    plain text of an account too long to read without the parser: the same records as the
    parser alone finds, however the file's chunks fall.
    """

    @pytest.mark.parametrize("chunk", [1, 7, 9, 10, 64, 1 << 16])
    def test_every_accounts_end_is_found(self, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(_exact_xml, "_CHUNK", chunk)
        text = "<eExact>\n<Accounts>\n" + "\n".join(TRICKY_ENDS) + "\n</Accounts>\n</eExact>\n"
        found_records, fault = read_bytes(text.encode())
        assert fault == ""
        assert [(line, number) for line, number, _, _ in found_records] == [
            (3, 1), (4, 2), (5, 3), (6, 4), (7, 5), (8, 6)
        ]  # fmt: skip
        datas = [data or {} for _, _, data, _ in found_records]
        assert [d["code"] for d in datas] == ["1", "2", "3", "4", "5", "6"]
        assert [d.get("name") for d in datas] == [None, None, "A3", "A4", "A5", "A6"]
        assert datas[3]["remarks"] == "</Account>"
        assert [codes for _, _, _, codes in found_records] == [
            [], [], [], [], ["unknown_element"], []
        ]  # fmt: skip
        assert read_bytes(text.encode("utf-16")) == (found_records, "")  # the parser alone

    @hypothesis.given(
        pieces=st.lists(
            st.sampled_from((*TRICKY_ENDS, account_xml(), "\n", "\r\n", " ")), max_size=12
        ),
        chunk=st.integers(min_value=1, max_value=80),
    )
    @hypothesis.settings(max_examples=60, deadline=None)
    def test_bytes_and_parser_agree(self, pieces: list[str], chunk: int) -> None:
        """UTF-8, where end tags are looked for in the bytes, reads as UTF-16, where the
        parser alone finds them; chunks of any size."""
        text = "<eExact><Accounts>" + "".join(pieces) + "</Accounts></eExact>"
        original = _exact_xml._CHUNK
        _exact_xml._CHUNK = chunk
        try:
            assert read_bytes(text.encode()) == read_bytes(text.encode("utf-16"))
        finally:
            _exact_xml._CHUNK = original

    @pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
    def test_a_skipped_accounts_plain_text_is_counted(
        self, newline: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Lines of an account too long to read, passed over without the parser, count as the
        parser counts them (a CR LF or a lone CR is one line end): the next account's line is
        right, and a character XML forbids is still found, on its line."""
        skipped: list[bool] = []
        skips = _exact_xml._AccountStream._skips

        def counting(stream: _exact_xml._AccountStream, chunk: bytes, offset: int) -> bool:
            skipped.append(skips(stream, chunk, offset))
            return skipped[-1]

        monkeypatch.setattr(_exact_xml._AccountStream, "_skips", counting)
        lines = 50_000

        def export_with(words: list[str]) -> bytes:
            note = newline.join(words) + newline
            head = '<Account code="1" type="C" status="A"><Note>'
            text = f"<eExact>\n<Accounts>\n{head}{note}</Note></Account>\n{account_xml()}\n"
            return (text + "</Accounts>\n</eExact>\n").encode()

        words = ["word"] * lines
        found_records, fault = read_bytes(export_with(words), record=10_000)
        assert (fault, [(line, n, codes) for line, n, _, codes in found_records]) == (
            "",
            [(3, 1, ["record_too_long"]), (4 + lines, 2, [])],
        )
        assert any(skipped)  # the plain text was passed over
        words[lines - 10] = "w\x01rd"  # on line 3 + lines - 10
        assert read_bytes(export_with(words), record=10_000) == (
            [],
            f"f.xml: line {3 + lines - 10}: not well-formed XML (not well-formed (invalid token))",
        )

    @pytest.mark.parametrize(
        ("body", "warned"),
        [
            ("<Contact><WebAccess>1</WebAccess></Contact>", False),
            ("<Contact><WebAccess>1</WebAccess>Jan</Contact>", True),
            ("<Contact><Foo>Jan</Foo></Contact>", False),
            ("<Contact>\n<Foo>Jan</Foo>Jansen</Contact>", True),
        ],
    )
    def test_text_beside_what_is_not_read_stays(
        self, tmp_path: Path, body: str, warned: bool
    ) -> None:
        """An element dropped (ignored, or unknown) takes its own text along, not the text
        after it: a bank account's contact holds what was written beside it."""
        bank = f'<BankAccounts><BankAccount code="1">{body}</BankAccount></BankAccounts>'
        record = only(export(tmp_path, account_xml(body=DEBTOR.format(bank))))
        kept = [
            p.message.partition(":")[0] for p in record.problems if p.code == "element_not_kept"
        ]
        assert kept == (["Account/Debtor/BankAccounts/BankAccount[1]/Contact"] if warned else [])

    @pytest.mark.parametrize(
        ("language", "warned"),
        [("<Sub code='NL'/>", False), ("<Sub>Dutch</Sub>", True), ("Du<Sub/>tch", True)],
    )
    def test_a_references_insides_are_text(
        self, tmp_path: Path, language: str, warned: bool
    ) -> None:
        """A reference (a contact's Language) keeps the text inside it, not its elements."""
        body = CONTACT.format(f"<Language>{language}</Language>")
        record = only(export(tmp_path, account_xml(body=body)))
        assert found(record) == (
            [("$.contact", "element_not_kept", "Account/Contacts/Contact[1]/Language")]
            if warned
            else []
        )


# --- the public XSD's content models, for the cross-check ---------------------------------------

XS = "{http://www.w3.org/2001/XMLSchema}"


@functools.cache
def xsd() -> tuple[ET.Element, dict[str, ET.Element], dict[str, ET.Element]]:
    """Return the schema's root, its named complex types and its groups."""
    root = ET.parse(XSD).getroot()  # trusted reference data
    types = {t.get("name") or "": t for t in root.findall(f"{XS}complexType")}
    groups = {g.get("name") or "": g for g in root.findall(f"{XS}group")}
    return root, types, groups


def xsd_children(name: str) -> frozenset[str]:
    """Return the elements allowed inside any element the XSD declares as ``name``."""
    root, types, groups = xsd()

    def names(node: ET.Element) -> set[str]:
        found: set[str] = set()
        for child in node:
            tag = child.tag.removeprefix(XS)
            if tag == "element":
                found.add(child.get("name") or child.get("ref") or "")
            elif tag == "group":
                found |= names(groups[child.get("ref") or ""])
            elif tag in ("sequence", "choice", "all", "complexContent", "extension"):
                found |= names(child)
        return found

    allowed: set[str] = set()
    for declared in root.iter(f"{XS}element"):
        if declared.get("name") == name:
            model = types.get(declared.get("type") or "")
            model = model if model is not None else declared.find(f"{XS}complexType")
            allowed |= names(model) if model is not None else set()
    return frozenset(allowed)


class TestMappingTable:
    def test_text_is_read_only_from_text_elements(self) -> None:
        """Every element whose text we map holds only text, so its text is exactly its own."""
        for fields in FIELDS.values():
            for key, _, sources in fields:
                for steps, attribute in sources:
                    if steps and not attribute:
                        assert CHILDREN.get(steps[-1]) == frozenset(), key

    def test_every_field_is_in_the_docstring(self) -> None:
        """The module docstring's table names every record field the code maps."""
        doc = _exact_xml.__doc__ or ""
        if not doc:
            pytest.skip("docstrings are stripped (python -OO)")
        for fields in FIELDS.values():
            for key, _, _ in fields:
                assert key in doc, key
