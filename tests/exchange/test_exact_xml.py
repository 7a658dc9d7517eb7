"""Reading Exact Globe / Synergy XML account exports (eExact) into records for `from_dict`."""

from __future__ import annotations

import functools
import io
import tracemalloc
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from _paths import DATA as TEST_DATA
from _paths import ROOT
from _streams import Endless

from accountcore import Account, AccountStatus, AccountType, from_dict
from accountcore.errors import ValidationError
from accountcore.exchange import RawRecord, ReadLimits, UnreadableFile, _exact_xml
from accountcore.exchange._exact_xml import _CHILDREN, _FIELDS, UNKNOWN_SINCE, read_exact_xml

DATA = TEST_DATA / "exact"
XSD = ROOT.parent / "shared" / "reference" / "eExact-Schema.xsd"
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


def records(path: Path) -> list[RawRecord]:
    return list(read_exact_xml(path))


def only(path: Path) -> dict[str, object]:
    """Return the data of the single record of ``path``."""
    (record,) = records(path)
    assert record.data is not None
    return record.data


def problems(data: dict[str, object] | None) -> list[tuple[str, str]]:
    """Return the (location, code) of every problem `from_dict` finds, or [] when valid."""
    try:
        from_dict(data)
    except ValidationError as error:
        return [(p.location, p.code) for p in error.problems]
    return []


def read_accounts(path: Path) -> list[Account]:
    return [from_dict(record.data) for record in records(path)]


class TestGoodExport:
    def test_every_account_is_read_in_order_with_its_place(self) -> None:
        """Each Account becomes one record, placed by its number and the line it starts on."""
        found = records(DATA / "accounts.xml")
        assert [r.place for r in found] == [
            "Account 1 (line 6)",
            "Account 2 (line 95)",
            "Account 3 (line 126)",
            "Account 4 (line 139)",
            "Account 5 (line 154)",
            "Account 6 (line 173)",
            "Account 7 (line 183)",
            "Account 8 (line 193)",
        ]
        assert all(r.problems == () for r in found)

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
        assert (address.line1, address.line2, address.postcode, address.city, address.country) == (
            "Damrak 12 A",
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
        first = next(read_exact_xml(DATA / "accounts.xml", since=date(2024, 5, 1)))
        assert first.data is not None
        assert first.data["type_since"] == first.data["status_since"] == "2024-05-01"

    def test_absent_values_are_left_out(self) -> None:
        """A record holds only what the export gives: no empty sections, no null values."""
        data = only(DATA / "latin1.xml")
        assert set(data) == {
            "code",
            "name",
            "type",
            "status",
            "type_since",
            "status_since",
            "summary",
        }
        assert data["summary"] == {"address": {"line1": "Rue 1", "city": "Liège", "country": "BE"}}

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
        assert only(path)["name"] == "Acme"


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
        data = only(export(tmp_path, account_xml(f'code="1" type="{type_}" status="{status}"')))
        assert (data["type"], data["status"]) == (type_, status)

    @pytest.mark.parametrize(("status", "body", "expected"), ONLINE)
    def test_online_relationship_letters(
        self, tmp_path: Path, status: str, body: str, expected: tuple[str, str]
    ) -> None:
        """An account without @type is read the Exact Online way: C, P, S, A, Creditor."""
        data = only(export(tmp_path, account_xml(f'code="1" status="{status}"', body)))
        account = from_dict(data)
        assert (account.type.value, account.status.value) == expected

    def test_an_unknown_letter_is_left_for_from_dict(self, tmp_path: Path) -> None:
        """Status N ("not validated" in Exact) and a type Z are kept and reported, not fatal."""
        data = only(export(tmp_path, account_xml('code="1" type="Z" status="N"')))
        assert (data["type"], data["status"]) == ("Z", "N")
        assert problems(data) == [("$.type", "invalid_choice"), ("$.status", "invalid_choice")]

    def test_a_missing_type_and_status_is_reported(self, tmp_path: Path) -> None:
        """With neither letter, the record lacks a type, which `from_dict` reports as required."""
        data = only(export(tmp_path, account_xml('code="1"')))
        assert ("$.type", "required") in problems(data)


def bank_xml(code: str, iban: str, default: str = "") -> str:
    mark = f' default="{default}"' if default else ""
    return (
        f'<BankAccount code="{code}"{mark}><BankAccountType code="BNK"><Description>B'
        f"</Description></BankAccountType><Bank><Name>B</Name><IBAN>{iban}</IBAN></Bank>"
        "</BankAccount>"
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

    def test_two_main_accounts_are_reported(self, tmp_path: Path) -> None:
        """Two accounts marked default are passed on, and `from_dict` reports the clash."""
        both = bank_xml("417164300", "NL91ABNA0417164300", "1") + bank_xml(
            "1234567", "NL20INGB0001234567", "true"
        )
        body = f'<Debtor code="1"><BankAccounts>{both}</BankAccounts></Debtor>'
        data = only(export(tmp_path, account_xml(body=body)))
        assert problems(data) == [("$.financial.bank_accounts", "main_bank_account")]


class TestBadValues:
    def test_a_bad_iban_is_reported_at_its_path(self) -> None:
        """An account whose only fault is its IBAN's check digits reads, and fails there."""
        data = only(DATA / "bad_iban.xml")
        assert problems(data) == [("$.financial.bank_accounts[0].iban", "invalid_checksum")]

    @pytest.mark.parametrize(
        ("body", "location"),
        [
            (
                '<Debtor code="1"><InvoiceCopies>two</InvoiceCopies></Debtor>',
                "$.financial.invoice_copies",
            ),
            (
                '<Debtor code="1"><AllowBackOrders>maybe</AllowBackOrders></Debtor>',
                "$.financial.back_order",
            ),
            (
                '<Debtor code="1"><DateLastReminder>1-2-2024</DateLastReminder></Debtor>',
                "$.financial.check_date",
            ),
            ('<CompanyRating number="best"/>', "$.marketing.rating"),
        ],
    )
    def test_values_that_do_not_convert_are_passed_as_text(
        self, tmp_path: Path, body: str, location: str
    ) -> None:
        """A non-number or non-yes/no is no file error: `from_dict` reports it at its path."""
        data = only(export(tmp_path, account_xml(body=body)))
        assert [loc for loc, _ in problems(data)] == [location]

    def test_an_account_without_address_lacks_the_mandatory_fields(self, tmp_path: Path) -> None:
        """No Addresses leaves the mandatory address fields out, for `from_dict` to report."""
        path = export(tmp_path, '<Account code="1" type="C" status="A"><Name>A</Name></Account>')
        assert {loc for loc, code in problems(only(path)) if code == "required"} >= {
            "$.summary.address.line1",
            "$.summary.address.city",
        }


def unreadable(path: Path) -> str:
    with pytest.raises(UnreadableFile) as caught:
        records(path)
    return str(caught.value)


class TestUnreadable:
    @pytest.mark.parametrize(
        ("name", "reason"),
        [
            ("truncated", "line 14: the file ends in the middle of Account 3 (line 12)"),
            ("unknown_element", "line 9: unknown element <Nickname> in Account 2"),
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

    def test_accounts_before_a_fault_are_yielded_first(self) -> None:
        """Streaming: the complete accounts before the damage come out, then the error."""
        reader = read_exact_xml(DATA / "truncated.xml")
        assert [r.place for r in (next(reader), next(reader))] == [
            "Account 1 (line 4)",
            "Account 2 (line 8)",
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

    def test_unknown_elements_deep_in_a_mapped_part(self, tmp_path: Path) -> None:
        """An element the schema does not allow in a bank is malformed, with its line."""
        body = '<Debtor code="1">\n<BankAccounts>\n<BankAccount code="1"><Bank><Owner/></Bank>'
        path = export(tmp_path, account_xml(body=body + "</BankAccount></BankAccounts></Debtor>"))
        assert unreadable(path) == f"{path}: line 6: unknown element <Owner> in Account 1"

    def test_text_elements_hold_no_elements(self, tmp_path: Path) -> None:
        """A child element inside a text field such as Name is not in the schema."""
        path = export(tmp_path, '<Account code="1"><Name><b>Acme</b></Name></Account>')
        assert unreadable(path) == f"{path}: line 4: unknown element <b> in Account 1"

    def test_only_accounts_in_accounts(self, tmp_path: Path) -> None:
        """Accounts holds Account elements and nothing else."""
        path = export(tmp_path, account_xml(), "<Item code='x'/>")
        assert unreadable(path) == f"{path}: line 5: unknown element <Item> in Accounts"

    def test_an_export_of_another_topic(self, tmp_path: Path) -> None:
        """An eExact file without Accounts (say, items) is not an account export."""
        path = tmp_path / "items.xml"
        path.write_text('<eExact><Items><Item code="1"/></Items></eExact>', encoding="utf-8")
        assert unreadable(path) == f"{path}: an eExact file without <Accounts>"


class TestIgnored:
    def test_known_unmapped_elements_are_ignored(self, tmp_path: Path) -> None:
        """Schema elements we do not model (payment, VAT codes, categories ...) are skipped."""
        body = (
            '<PaymentCondition code="30"><Description>30 days</Description></PaymentCondition>'
            '<PriceList code="P1"/><Categories><Category number="1" code="N"/></Categories>'
            "<GLN>8712345678906</GLN>"
        )
        data = only(export(tmp_path, account_xml(body=body)))
        assert problems(data) == []
        assert data["marketing"] == {"gln": "8712345678906"}

    def test_unmapped_parts_are_not_checked(self, tmp_path: Path) -> None:
        """Inside an element we do not map (a Manager resource), anything goes, even Account."""
        body = '<Manager number="5"><Account code="other"/><Anything/></Manager>'
        (record,) = records(export(tmp_path, account_xml(body=body)))
        assert record.place == "Account 1 (line 4)"
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
    @pytest.mark.skipif(not XSD.exists(), reason="the eExact XSD is in ../shared/reference")
    def test_checked_elements_match_the_public_xsd(self) -> None:
        """The children we allow are exactly those of the schema's content models."""
        for name, allowed in _CHILDREN.items():
            if allowed:
                assert allowed == xsd_children(name), name

    @pytest.mark.skipif(not XSD.exists(), reason="the eExact XSD is in ../shared/reference")
    def test_text_elements_are_simple_in_the_xsd(self) -> None:
        """The elements we read as text have no element content in the schema."""
        for name, allowed in _CHILDREN.items():
            if not allowed:
                assert xsd_children(name) == frozenset(), name


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
            for seen, record in enumerate(read_exact_xml(path), start=1):  # noqa: B007
                pass
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert seen == count
        assert record.place == f"Account {count} (line {count + 2})"
        assert peak < path.stat().st_size / 4


def over(what: str, limit: int) -> str:
    """The reason the reader gives for ``what`` going past ``limit`` bytes."""
    return f"{what} is longer than {limit:,} bytes (the limit; raise it with --max-record-length)"


class TestLimits:
    @pytest.mark.parametrize("over_by", [0, 1])
    def test_an_account_at_the_limit(self, tmp_path: Path, over_by: int) -> None:
        """An Account counts from the start of its start tag to the start of its end tag: at
        the limit it reads, one byte more is refused, naming the line it starts on."""
        second = account_xml('code="2" type="C" status="A"', "<Note>Ünïcode</Note>")
        size = len(second.encode()) - len("</Account>")
        path = export(tmp_path, account_xml(), second)
        limits = ReadLimits(line=1, record=size - over_by)  # lines are not limited
        if over_by:
            assert unreadable_with(path, limits) == f"{path}: line 5: {over('Account 2', size - 1)}"
        else:
            assert len(list(read_exact_xml(path, limits=limits))) == 2

    def test_accounts_before_the_refusal_are_yielded(self, tmp_path: Path) -> None:
        """Streaming: the accounts before an over-long one come out first."""
        path = export(tmp_path, account_xml(), account_xml(body="<Note>" + "x" * 500 + "</Note>"))
        reader = read_exact_xml(path, limits=ReadLimits(record=400))
        assert next(reader).place == "Account 1 (line 4)"
        with pytest.raises(UnreadableFile, match="line 5: Account 2 is longer than 400 bytes"):
            next(reader)

    @pytest.mark.parametrize(
        ("head", "filler", "reason"),
        [
            ('<eExact><Accounts>\n<Account code="1"><Name>', "x",
             "line 2: " + over("Account 1", 1000)),
            ("<eExact><Accounts>\n<Account><Addresses>\n", "<Address/>\n",
             "line 2: " + over("Account 1", 1000)),
            ('<eExact>\n<Accounts code="', "x", "line 2: " + over("an XML tag or comment", 1000)),
            ("<eExact><!--", "x", "line 1: " + over("an XML tag or comment", 1000)),
        ],
    )  # fmt: skip
    def test_an_endless_account_is_refused_without_reading_on(
        self, monkeypatch: pytest.MonkeyPatch, head: str, filler: str, reason: str
    ) -> None:
        """An account, tag or comment that never ends is refused once it is too long: the
        reader takes the limit and a chunk or two, never the rest."""
        stream = Endless(head.encode(), filler.encode(), budget=512 * 1024)
        monkeypatch.setattr(_exact_xml, "_open", lambda path: io.BufferedReader(stream))
        path = Path("endless.xml")
        assert unreadable_with(path, ReadLimits(line=1, record=1000)) == f"{path}: {reason}"
        assert stream.served <= 3 * _exact_xml._CHUNK


def unreadable_with(path: Path, limits: ReadLimits) -> str:
    with pytest.raises(UnreadableFile) as caught:
        list(read_exact_xml(path, limits=limits))
    return str(caught.value)


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
        for fields in _FIELDS.values():
            for key, _, sources in fields:
                for steps, attribute in sources:
                    if steps and not attribute:
                        assert _CHILDREN.get(steps[-1]) == frozenset(), key

    def test_every_field_is_in_the_docstring(self) -> None:
        """The module docstring's table names every record field the code maps."""
        doc = _exact_xml.__doc__ or ""
        if not doc:
            pytest.skip("docstrings are stripped (python -OO)")
        for fields in _FIELDS.values():
            for key, _, _ in fields:
                assert key in doc, key
