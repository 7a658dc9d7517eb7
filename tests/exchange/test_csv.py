"""Reading CSV as people and other programs write it: names, delimiters, encodings, limits."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
import time
import tracemalloc
from pathlib import Path

import pytest
from _samples import record
from _streams import Endless
from hypothesis import given
from hypothesis import strategies as st

from accountcore import from_dict
from accountcore.errors import Problem
from accountcore.exchange import _csv as csv_reader
from accountcore.exchange import _csv_lines as csv_lines
from accountcore.exchange._columns import (
    COLUMN_MAP,
    LEAF_PATHS,
    HeaderPaths,
    column_paths,
    fold,
    steps_of,
)
from accountcore.exchange._common import (
    SKIP_FACTOR,
    Place,
    RawRecord,
    ReadLimits,
    ReadOptions,
    UnreadableFile,
    open_input,
)
from accountcore.exchange._csv import (
    REQUIRED_COLUMNS,
    cells_of,
    header_plan,
    plan,
    read_csv,
    split_csv,
)

DATA = Path(__file__).parent.parent / "data" / "csv"
DOCS = Path(__file__).parent.parent.parent / "docs" / "csv.md"

#: The required columns by plain names, and a row of them.
PLAIN = "code,name,type,type since,status since,address,city,country"
ROW = "1,Acme,C,2024-01-02,2024-01-02,Damrak 1,Amsterdam,NL"
DATA_OF_ROW = {
    "code": "1",
    "name": "Acme",
    "type": "C",
    "type_since": "2024-01-02",
    "status_since": "2024-01-02",
    "summary": {"address": {"line1": "Damrak 1", "city": "Amsterdam", "country": "NL"}},
}
MISSING_SINCE = "missing columns: type_since, status_since"


def opened(source: bytes | str | Path, name: str) -> io.BufferedIOBase | Path:
    if isinstance(source, Path):
        return source
    return io.BytesIO(source.encode() if isinstance(source, str) else source)


def read(
    source: bytes | str | Path, name: str = "a.csv", options: ReadOptions | None = None
) -> list[RawRecord]:
    """Read every record of a file, or of bytes or text as a stream named ``name``."""
    with open_input(opened(source, name), None if isinstance(source, Path) else name) as src:
        return list(read_csv(src, options or ReadOptions()))


def split(
    source: bytes | str, name: str = "a.csv", options: ReadOptions | None = None
) -> list[tuple[int, list[str]] | RawRecord]:
    """Split bytes or text as a stream named ``name``."""
    with open_input(opened(source, name), name) as src:
        return list(split_csv(src, options or ReadOptions()))


def refused(
    source: bytes | str | Path, name: str = "a.csv", options: ReadOptions | None = None
) -> UnreadableFile:
    """Return the UnreadableFile reading raises, checking that its message is one line."""
    with pytest.raises(UnreadableFile) as caught:
        read(source, name, options)
    assert "\n" not in str(caught.value)
    return caught.value


def codes(raw: RawRecord) -> list[str]:
    return [problem.code for problem in raw.problems]


def paths_of(name: str) -> tuple[str, ...]:
    """The record path a header name maps to."""
    found = HeaderPaths(None)
    found.add([name])
    return tuple(found.found)  # type: ignore[arg-type]


def limits(line: int = 1 << 20, record: int = 1 << 20) -> ReadOptions:
    return ReadOptions(limits=ReadLimits(line=line, record=record))


def csv_text(records: list[dict[str, object]], delimiter: str = ",") -> str:
    """Write records as CSV, one column per record path that any record fills."""
    rows = [dict(cells_of(r)) for r in records]
    header = list(dict.fromkeys(column for row in rows for column in row))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows([row.get(column, "") for column in header] for row in rows)
    return out.getvalue()


class TestColumnMap:
    @pytest.mark.parametrize("name", ["Zip code", "ZIP_CODE", "zip-code", "zipcode", " Zip.Code "])
    def test_names_fold(self, name: str) -> None:
        """Case, spaces, underscores, dashes and dots do not tell names apart."""
        assert paths_of(name) == ("summary.address.postcode",)

    @pytest.mark.parametrize(
        ("name", "path"),
        [("Account code", "code"), ("Company name", "name"), ("Account type", "type"),
         ("Type since", "type_since"), ("status_since", "status_since"),
         ("Street Address", "summary.address.line1"),
         ("House number", "summary.address.house_number"),
         ("House number addition", "summary.address.house_number_suffix"),
         ("Address line 2", "summary.address.line2"), ("line3", "summary.address.line3"),
         ("Postal Code", "summary.address.postcode"), ("Town", "summary.address.city"),
         ("Province", "summary.address.state"), ("Country/Region", "summary.address.country"),
         ("Telephone", "summary.phone"), ("Fax", "summary.fax"), ("E-mail", "summary.email"),
         ("Website URL", "summary.website"), ("VAT id", "financial.vat_number"),
         ("BTW", "financial.vat_number"), ("KvK", "marketing.coc_number"),
         ("Chamber of Commerce", "marketing.coc_number"), ("D-U-N-S", "marketing.duns_number"),
         ("GLN", "marketing.gln"), ("IBAN", "financial.bank_accounts.0.iban"),
         ("SWIFT", "financial.bank_accounts.0.bic"), ("First name", "contact.first_name"),
         ("Last name", "contact.last_name"), ("Contact email", "contact.email"),
         ("Notes", "remarks"), ("Account manager", "relations.account_manager"),
         ("Parent", "relations.parent"), ("Reseller", "relations.reseller"),
         ("Status", "status")],
    )  # fmt: skip
    def test_plain_names(self, name: str, path: str) -> None:
        """Plain names people and other programs write name their record paths."""
        assert paths_of(name) == (path,)

    @pytest.mark.parametrize(
        ("name", "path"),
        [("summary.address.state", "summary.address.state"),
         ("financial.bank_accounts.0.iban", "financial.bank_accounts.0.iban"),
         ("financial.bank_accounts.12.bic", "financial.bank_accounts.12.bic"),
         ("free_fields.3.value", "free_fields.3.value"),
         ("Summary.Address.State", "summary.address.state"),
         ("Free_Fields.2.Name", "free_fields.2.name")],
    )  # fmt: skip
    def test_record_paths(self, name: str, path: str) -> None:
        """Dotted record paths read as before, list items by index, in any letter case."""
        assert paths_of(name) == (path,)

    def test_a_crm_header(self) -> None:
        """A CRM's account export (Salesforce's names) reads without a map."""
        header = (
            "Account Number,Account Name,Billing Street,Billing City,Billing Zip/Postal Code,"
            "Billing State/Province,Billing Country,Phone,Website,Type,Account Owner,"
            "Type since,Status since"
        )
        assert column_paths(header.split(",")) == (
            "code", "name", "summary.address.line1", "summary.address.city",
            "summary.address.postcode", "summary.address.state", "summary.address.country",
            "summary.phone", "summary.website", "type", "relations.account_manager",
            "type_since", "status_since",
        )  # fmt: skip

    def test_a_map_goes_over_the_built_in_names(self) -> None:
        """A caller's map names columns of its own and renames built-in ones, folded too."""
        columns = {"Plaats": "summary.address.city", "Number": "summary.address.house_number"}
        header = ["code", "name", "type", "type since", "status since", "address", "country"]
        assert column_paths([*header, "PLAATS", "number"], columns)[-2:] == (
            "summary.address.city",
            "summary.address.house_number",
        )

    def test_a_map_leaves_columns_unread(self) -> None:
        """A column the map sends to "" is read by no one, whatever it holds."""
        text = f"{PLAIN},Internal ID,Colour\n{ROW},x-17,blue\n"
        options = ReadOptions(columns={"internal id": "", "Colour": ""})
        assert [r.data for r in read(text, options=options)] == [DATA_OF_ROW]

    def test_a_map_to_no_record_path(self) -> None:
        """A map entry naming no record path refuses the file, naming the entry."""
        options = ReadOptions(columns={"Plaats": "summary.adress.city"})
        reason = refused(f"{PLAIN}\n{ROW}\n", options=options).reason
        assert (
            reason
            == 'the column map sends "Plaats" to "summary.adress.city", which is no record path'
        )

    def test_every_name_maps_to_a_value(self) -> None:
        """Every path of the map is a record path of one value."""
        assert all(steps_of(path) is not None for path in COLUMN_MAP.values())

    def test_no_two_names_fold_alike(self) -> None:
        """Each name of the map folds to its own key: no name is listed twice."""
        folded = [fold(name) for name in COLUMN_MAP]
        assert len(set(folded)) == len(folded)

    def test_names_agree_with_paths(self) -> None:
        """A name that folds like a record path names that path."""
        paths = {fold(path): path for path in LEAF_PATHS}
        assert all(paths.get(fold(name), path) == path for name, path in COLUMN_MAP.items())

    def test_the_map_is_read_only(self) -> None:
        """The built-in map cannot be changed by a caller."""
        with pytest.raises(TypeError):
            COLUMN_MAP["colour"] = "remarks"  # type: ignore[index]

    def test_the_docs_list_the_map(self) -> None:
        """docs/csv.md lists exactly the map: each record path with its plain names."""
        listed: dict[str, str] = {}
        for line in DOCS.read_text(encoding="utf-8").splitlines():
            if found := re.fullmatch(r"\| `([\w.]+)` \| (.+) \|", line):
                for name in re.findall(r"`([^`]+)`", found.group(2)):
                    listed[name] = found.group(1)
        assert listed == dict(COLUMN_MAP)


class TestHeaderFaults:
    def test_unknown_and_missing_in_one_message(self) -> None:
        """Every unknown column, with a suggestion, and every missing one, in one line."""
        error = refused("code,name,citty,type,Colour\n1,A,Amsterdam,C,blue\n")
        assert error.line == 1
        assert error.reason == (
            'unknown columns: "citty" (did you mean "city"?), "Colour"; missing columns: '
            "type_since, status_since, address (summary.address.line1), "
            "city (summary.address.city), country (summary.address.country)"
        )

    @pytest.mark.parametrize(
        ("header", "reason"),
        [
            ("code,colour", 'unknown column: "colour"; missing columns: name, type, type_since, '
             "status_since, address (summary.address.line1), city (summary.address.city), "
             "country (summary.address.country)"),
            (f"{PLAIN},summary,financial.bank_accounts.x.iban,free_fields.01.name,id.x",
             'unknown columns: "summary", '
             '"financial.bank_accounts.x.iban" (did you mean "financial.bank_accounts.0.iban"?), '
             '"free_fields.01.name" (did you mean "free_fields.0.name"?), "id.x"'),
            (f"code,,{PLAIN[5:]}", "unknown column: column 2 (no name)"),
            (f"{PLAIN},City,Town", 'columns "city" and "City" both name summary.address.city, '
             '"city" and "Town" both name summary.address.city'),
            (f"{PLAIN},financial.bank_accounts", 'unknown column: "financial.bank_accounts" '
             '(did you mean "financial.bank_accounts.0.bic"?)'),
        ],
    )  # fmt: skip
    def test_bad_headers(self, header: str, reason: str) -> None:
        """A header must name record values, each once, including every required one."""
        assert refused(f"{header}\n1,2,3\n").reason == reason

    def test_since_dates_stay_required(self) -> None:
        """A CSV without type and status dates is refused naming them, not given a default."""
        text = "code,name,type,address,city,country\n1,Acme,C,Damrak 1,Amsterdam,NL\n"
        assert refused(text).reason == MISSING_SINCE

    def test_type_is_required(self) -> None:
        """A CSV without a type column is refused: an account's type has no default."""
        text = "code,name,type since,status since,address,city,country\n"
        assert refused(text).reason == "missing column: type"

    def test_many_unknown_columns(self) -> None:
        """A message names ten unknown columns and counts the others."""
        header = ",".join([PLAIN, *(f"extra{n}" for n in range(25))])
        reason = refused(header + "\n").reason
        assert reason.startswith('unknown columns: "extra0", "extra1"')
        assert reason.endswith('"extra9" and 15 more')

    def test_long_and_odd_names_are_cut(self) -> None:
        """A long name is cut, and a line break in a quoted name does not break the line."""
        text = f'{PLAIN},{"x" * 5000},"two\nlines"\n'
        assert refused(text).reason == (f'unknown columns: "{"x" * 39}…", "two?lines"')

    def test_a_huge_header_past_the_line_limit(self, tmp_path: Path) -> None:
        """A 50 MB header is past the default line limit: refused at once."""
        path = huge_header(tmp_path)
        started = time.perf_counter()
        error = refused(path)
        assert error.line == 1 and error.reason.startswith("a line is longer than 1,048,576")
        assert time.perf_counter() - started < 1

    def test_a_huge_header_within_a_raised_limit(self, tmp_path: Path) -> None:
        """A 50 MB header of distinct unknown names, the limit raised, is refused in a short
        line, in linear time."""
        path = huge_header(tmp_path)
        started = time.perf_counter()
        error = refused(path, options=limits(60_000_000, 60_000_000))
        assert time.perf_counter() - started < 10  # about 1 s; a slow machine is no failure
        assert len(error.reason) < 400
        assert re.match(
            r'unknown columns: "column0", .* "column9" and 3,65\d,\d{3} more;', error.reason
        )

    def test_a_wide_header_is_checked_in_little_memory(self) -> None:
        """A header of 8 MB of unknown names takes about twice its size to refuse, not the
        many times its names would take."""
        header = ",".join(f"column{n}" for n in range(600_000))
        stream = io.BytesIO(f"{header}\n".encode())
        tracemalloc.start()
        try:
            with open_input(stream, "wide.csv") as src, pytest.raises(UnreadableFile):
                list(read_csv(src, limits(10**7, 10**7)))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 4 * len(header)

    def test_header_plan_names_the_file(self) -> None:
        """header_plan refuses a bad header as an unreadable file of the name given."""
        with pytest.raises(UnreadableFile) as caught:
            header_plan("b.csv", ["code"], None, 3)
        assert (caught.value.file, caught.value.line) == ("b.csv", 3)
        assert caught.value.reason.startswith("missing columns: name, type")

    def test_plan_of_paths(self) -> None:
        """plan takes record paths; an empty path is a column left unread."""
        build = plan(("code", "", *REQUIRED_COLUMNS[1:]))
        row = ["1", "ignored", "A", "C", "2024-01-02", "2024-01-02", "L", "C", "NL"]
        assert build(row, []) == {
            "code": "1", "name": "A", "type": "C", "type_since": "2024-01-02",
            "status_since": "2024-01-02",
            "summary": {"address": {"line1": "L", "city": "C", "country": "NL"}},
        }  # fmt: skip

    def test_required_columns(self) -> None:
        """The required columns are exactly the fields from_dict cannot do without."""
        assert REQUIRED_COLUMNS == (
            "code", "name", "type", "type_since", "status_since",
            "summary.address.line1", "summary.address.city", "summary.address.country",
        )  # fmt: skip


def huge_header(tmp_path: Path) -> Path:
    """A file whose header is 50 MB of distinct unknown names."""
    path = tmp_path / "huge.csv"
    with open(path, "w", encoding="ascii") as file:
        size = n = 0
        while size < 50_000_000:
            names = ",".join(f"column{n + i}" for i in range(10_000))
            file.write(("," if n else "") + names)
            size, n = size + len(names) + 1, n + 10_000
        file.write("\n1\n")
    return path


class TestDelimiter:
    @pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
    def test_detected(self, delimiter: str) -> None:
        """Commas, semicolons, tabs and bars are found in the header."""
        text = f"{PLAIN}\n{ROW}\n".replace(",", delimiter)
        assert [r.data for r in read(text)] == [DATA_OF_ROW]

    @pytest.mark.parametrize(
        ("first", "name", "delimiter"),
        [("a;b;c,d", "a.csv", ";"), ("a,b;c", "a.csv", ","), ("a|b\tc", "a.csv", "\t"),
         ('"Name, legal";"City, town";Country', "a.csv", ";"), ("Company, Inc\tCity", "a.csv", ","),
         ("Company, Inc\tCity", "a.tsv", "\t"), ("Company, Inc\tCity", "A.TAB", "\t"),
         ("code", "a.csv", ",")],
    )  # fmt: skip
    def test_the_most_cells_win(self, first: str, name: str, delimiter: str) -> None:
        """The delimiter splitting the line into the most cells (quotes aside) wins; ties go
        , ; tab |, but tab first in a .tsv or .tab file."""
        assert csv_reader._delimiter(first + "\n", name) == delimiter

    def test_given(self) -> None:
        """A delimiter given is used, whatever the header holds."""
        text = f"{PLAIN}\n{ROW}\n".replace(",", "#")
        assert [r.data for r in read(text, options=ReadOptions(delimiter="#"))] == [DATA_OF_ROW]

    @pytest.mark.parametrize("delimiter", ["", ";;", '"', "\n"])
    def test_a_delimiter_that_cannot_be(self, delimiter: str) -> None:
        """A delimiter that is not one character, or is a quote or line end, is refused."""
        error = refused(f"{PLAIN}\n", options=ReadOptions(delimiter=delimiter))
        assert error.reason.startswith("cannot use ")


class TestEncoding:
    TEXT = (
        f"{PLAIN.replace('name', 'Naïve name')}\n"
        "1,Café € Œuvre,C,2024-01-02,2024-01-02,Straße 1,Łódź,PL\n"
    )

    def names(self, data: bytes, encoding: str | None = None) -> list[object]:
        options = ReadOptions(encoding=encoding, columns={"Naïve name": "name"})
        return [r.data["name"] for r in read(data, options=options)]  # type: ignore[index]

    @pytest.mark.parametrize(
        "data",
        [codecs.BOM_UTF8 + TEXT.encode(), TEXT.encode(),
         codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
         codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be")],
    )  # fmt: skip
    def test_unicode(self, data: bytes) -> None:
        """A BOM decides (UTF-8, UTF-16 either way); without one, UTF-8 is read."""
        assert self.names(data) == ["Café € Œuvre"]

    def test_windows_1252_is_guessed(self) -> None:
        """Text that is not UTF-8 is read in the encoding charset-normalizer finds."""
        text = self.TEXT.replace("Łódź", "Lodz").replace("Œuvre", "Oeuvre")
        assert self.names((text * 1).encode("cp1252")) == ["Café € Oeuvre"]

    def test_given(self) -> None:
        """An encoding given is used; a UTF-8 BOM is no part of the text."""
        latin = self.TEXT.replace("€ Œuvre", "Oeuvre").replace("Łódź", "Lodz")
        assert self.names(latin.encode("latin-1"), "latin-1") == ["Café Oeuvre"]
        assert self.names(codecs.BOM_UTF8 + self.TEXT.encode(), "UTF8") == ["Café € Œuvre"]

    def test_an_unknown_encoding(self) -> None:
        """An encoding Python does not know refuses the file, naming it."""
        error = refused(self.TEXT, options=ReadOptions(encoding="klingon"))
        assert error.reason == "unknown encoding 'klingon'"

    def test_a_late_byte_of_another_encoding(self, tmp_path: Path) -> None:
        """A byte past the first 64 KiB that is not in the encoding found refuses the file,
        naming the encoding, and the line when the file is on disk."""
        rows = f"{ROW}\n" * 2000  # 110 KB of ASCII
        data = f"{PLAIN}\n{rows}".encode() + "2,Café,C,2024-01-02,2024-01-02,L,C,NL\n".encode(
            "cp1252"
        )
        path = tmp_path / "late.csv"
        path.write_bytes(data)
        error = refused(path)
        assert (error.reason, error.line) == ("not UTF-8 text", 2002)
        error = refused(data)  # a stream: no line
        assert (error.reason, error.line) == ("not UTF-8 text", None)

    def test_a_byte_the_encoding_given_lacks(self) -> None:
        """A byte that the encoding given has no character for refuses the file."""
        data = f"{PLAIN}\n{ROW}\n".encode() + b"\x81\n"
        error = refused(data, options=ReadOptions(encoding="cp1252"))
        assert error.reason == "not cp1252 text"


class TestRows:
    def test_places(self) -> None:
        """A record's place is the line its row starts on and its number among the records;
        blank lines and empty rows are no records."""
        text = (
            f'\n\n{PLAIN}\n\n{ROW}\n,,,\n"2",Acme,C,2024-01-02,2024-01-02,"Damrak\n1",A,NL\n{ROW}'
        )
        assert [r.place for r in read(text)] == [
            Place("a.csv", 5, 1), Place("a.csv", 7, 2), Place("a.csv", 9, 3),
        ]  # fmt: skip

    def test_a_row_with_too_many_cells(self) -> None:
        """A row with more filled cells than the header is one invalid record; reading goes on."""
        raws = read(f"{PLAIN}\n{ROW}\n{ROW},extra,more\n{ROW},,\n")
        assert [r.place.record for r in raws] == [1, 2, 3]
        assert raws[1].data is None and raws[1].problems == (
            Problem(
                (), "unreadable_record", "The row has 10 cells, but the header names 8 columns."
            ),
        )
        assert raws[0].data == raws[2].data == DATA_OF_ROW

    def test_short_rows_and_trailing_empty_cells(self) -> None:
        """Missing cells at the end of a row are empty; extra empty cells are ignored."""
        (raw,) = read(f"{PLAIN},remarks\n{ROW},,,\n")
        assert raw.data == DATA_OF_ROW
        (raw,) = read(f"{PLAIN},remarks,email\n{ROW}\n")
        assert raw.data == DATA_OF_ROW

    def test_trailing_unnamed_columns(self) -> None:
        """Empty names past the header's last are dropped, as spreadsheets write them; a row
        that fills one is invalid."""
        raws = read(f"{PLAIN};;;\n{ROW};;;\n{ROW};;x;\n".replace(",", ";"))
        assert raws[0].data == DATA_OF_ROW
        assert codes(raws[1]) == ["unreadable_record"]

    def test_blank_lines_and_empty_rows_before_the_header(self) -> None:
        """Blank lines and empty rows before the header are skipped; lines are counted."""
        text = "\n  \n;;;\n" + csv_text([record()], delimiter=";")
        assert [r.place for r in read(text)] == [Place("a.csv", 5, 1)]

    def test_semicolons(self) -> None:
        """A file of semicolons reads as one of commas."""
        records = [record(), record(id="a2", code="1002", name='Other; "Quoted"')]
        assert [r.data for r in read(csv_text(records, delimiter=";"))] == [
            r.data for r in read(csv_text(records))
        ]

    def test_a_row_of_blank_typed_cells(self) -> None:
        """A row whose only cells are blank numbers is a record with no values."""
        (raw,) = read(f"{PLAIN},security level\n,,,,,,,,  \n")
        assert (raw.place.record, raw.data) == (1, {})

    def test_unterminated_quote(self) -> None:
        """A quote left open to the end of the file is not valid CSV."""
        error = refused(f'{PLAIN}\n{ROW}\n2,"open\n')
        assert error.reason == "not valid CSV (unexpected end of data)"

    @pytest.mark.parametrize("text", ["", "\n\n", f"{PLAIN}\n", f"{PLAIN}\n,,,\n\n"])
    def test_no_records(self, text: str) -> None:
        """A file with no rows yields nothing."""
        assert read(text) == []


class TestCells:
    def cells(self, extra: dict[str, str]) -> RawRecord:
        """Read one row of the sample record with some cells added or replaced."""
        row = dict(cells_of(record()))
        row.update(extra)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows([list(row), list(row.values())])
        (raw,) = read(out.getvalue())
        return raw

    @pytest.mark.parametrize(
        ("column", "cell", "value"),
        [("marketing.security_level", " 42 ", 42), ("marketing.rating", "-3", -3),
         ("contact.valid_email", "YES", True), ("contact.email_permission", "0", False),
         ("financial.bank_accounts.0.main", "False", False), ("free_fields.1.value", "12", "12")],
    )  # fmt: skip
    def test_coerced_by_field_type(self, column: str, cell: str, value: object) -> None:
        """Integer and yes/no cells are read by the field's type; others stay text."""
        data: object = self.cells({column: cell}).data
        for step in column.split("."):
            data = data[int(step)] if isinstance(data, list) else data[step]  # type: ignore[index]
        assert data == value

    def test_cells_that_cannot_be_read(self) -> None:
        """Unreadable cells are problems of their record, with paths; the cells are left out."""
        raw = self.cells(
            {"marketing.security_level": "NL91ABNA0417164300", "contact.valid_email": "maybe",
             "free_fields.2.name": "n", "free_fields.2.kind": "number",
             "free_fields.2.value": "1_000", "financial.invoice_copies": "٣"},
        )  # fmt: skip
        assert {(p.path, p.code) for p in raw.problems} == {
            (("contact", "valid_email"), "invalid_type"),
            (("marketing", "security_level"), "invalid_type"),
            (("free_fields", 2, "value"), "invalid_type"),
            (("financial", "invoice_copies"), "invalid_type"),
        }
        assert all("NL91" not in p.message and "maybe" not in p.message for p in raw.problems)
        assert raw.data is not None and "security_level" not in raw.data["marketing"]  # type: ignore[operator]

    def test_free_field_values_by_kind(self) -> None:
        """A free field's value is read by its kind: numbers, yes/no, else text."""
        raw = self.cells(
            {"free_fields.2.name": "a", "free_fields.2.kind": "number",
             "free_fields.2.value": "1e3", "free_fields.3.name": "b",
             "free_fields.3.kind": "yes_no", "free_fields.3.value": "no"},
        )  # fmt: skip
        assert raw.data is not None
        values = [f["value"] for f in raw.data["free_fields"]]  # type: ignore[attr-defined]
        assert values == ["retail", "1500.00", 1000.0, False]

    def test_empty_items_are_dropped(self) -> None:
        """An empty list item leaves no gap: later items move up, with their problems."""
        raw = self.cells(
            {"free_fields.0.name": "", "free_fields.0.kind": "", "free_fields.0.value": "",
             "free_fields.5.name": "x", "free_fields.5.kind": "yes_no",
             "free_fields.5.value": "perhaps"},
        )  # fmt: skip
        assert raw.data is not None
        assert [f["name"] for f in raw.data["free_fields"]] == ["credit", "x"]  # type: ignore[attr-defined]
        assert [p.path for p in raw.problems] == [("free_fields", 1, "value")]

    def test_blank_typed_cells_are_absent(self) -> None:
        """A typed cell of only spaces is absent, like an empty one, not a problem."""
        raw = self.cells(
            {"marketing.security_level": "  ", "contact.valid_email": " ",
             "free_fields.1.kind": "number", "free_fields.1.value": " "},
        )  # fmt: skip
        assert raw.problems == () and raw.data is not None
        assert "security_level" not in raw.data["marketing"]  # type: ignore[operator]
        assert "value" not in raw.data["free_fields"][1]  # type: ignore[index]

    def test_a_faulty_item_is_kept_and_renumbered(self) -> None:
        """An item holding only an unreadable cell stays, its problem at its place in the list."""
        empty = {f"financial.bank_accounts.0.{k}": "" for k in ("iban", "bic", "number", "main")}
        raw = self.cells({**empty, "financial.bank_accounts.3.main": "sometimes"})
        assert raw.data is not None
        assert raw.data["financial"]["bank_accounts"] == [{}]  # type: ignore[index]
        assert [p.path for p in raw.problems] == [("financial", "bank_accounts", 0, "main")]

    def test_empty_sections_are_absent(self) -> None:
        """A section whose cells are all empty is left out, so its default applies."""
        row = {column: "" for column, _ in cells_of(record()) if column.startswith("contact.")}
        raw = self.cells(row)
        assert raw.data is not None and "contact" not in raw.data
        assert from_dict(raw.data).contact is None


class TestLimits:
    def test_a_long_line_is_one_invalid_record(self) -> None:
        """A row with a line past the line limit is one invalid record; the next rows read."""
        text = f"{PLAIN}\n{ROW}\n2,{'x' * 500},C\n{ROW}\n"
        raws = read(text, options=limits(line=100))
        assert [(r.place.line, r.place.record) for r in raws] == [(2, 1), (3, 2), (4, 3)]
        assert raws[1].problems == (
            Problem((), "record_too_long", "A line of the row is longer than 100 characters "
                    "(the limit; raise it with --max-line-length)."),
        )  # fmt: skip
        assert raws[2].data == DATA_OF_ROW

    def test_a_long_row_is_one_invalid_record(self) -> None:
        """A row over many short lines, past the record limit, is one invalid record."""
        cell = "ab\n" * 40
        text = f'{PLAIN}\n{ROW}\n2,"{cell}",C\n{ROW}\n'
        raws = read(text, options=limits(line=100, record=100))
        assert [(r.place.line, codes(r)) for r in raws] == [
            (2, []), (3, ["record_too_long"]), (44, []),
        ]  # fmt: skip
        assert raws[1].problems[0].message == (
            "The row is longer than 100 characters (the limit; raise it with --max-record-length)."
        )

    @pytest.mark.parametrize("over", [0, 1])
    @pytest.mark.parametrize("end", ["\n", "\r\n"])
    def test_a_quoted_row_at_the_limit(self, over: int, end: str) -> None:
        """A row counts its characters, line ends inside quotes included and its own line end
        not: a row as long as the limit reads, one more is skipped."""
        row = f'"x{end}y{end}z",w'
        items = split(f"a,b{end}{row}{end}1,2{end}", options=limits(record=len(row) - over))
        if over:
            assert isinstance(items[1], RawRecord) and codes(items[1]) == ["record_too_long"]
        else:
            assert items[1] == (2, [f"x{end}y{end}z", "w"])
        assert items[2] == (5, ["1", "2"])

    def test_a_header_past_the_line_limit(self) -> None:
        """A header line past the limit refuses the file."""
        error = refused(f"{PLAIN}{',x' * 50}\n{ROW}\n", options=limits(line=100))
        assert (error.line, error.reason) == (
            1, "a line is longer than 100 characters (the limit; raise it with "
            "--max-line-length)",
        )  # fmt: skip

    def test_a_header_past_the_record_limit(self) -> None:
        """A quoted header over several lines, past the record limit, refuses the file."""
        header = PLAIN + ',"remarks' + "\n" * 200 + '"'
        error = refused(f"\n{header}\n{ROW}\n", options=limits(line=100, record=100))
        assert (error.line, error.reason) == (
            2, "the header is longer than 100 characters (the limit; raise it with "
            "--max-record-length)",
        )  # fmt: skip

    def test_a_cell_past_the_csv_modules_limit(self) -> None:
        """A cell longer than csv.field_size_limit is refused with a plain reason."""
        size = csv.field_size_limit()
        error = refused(f"{PLAIN}\n{ROW}\n" + "x" * (size + 1) + "\n")
        assert (error.line, error.reason) == (
            3, f"a cell is longer than {size:,} characters (csv.field_size_limit)",
        )  # fmt: skip

    def test_megabytes_of_row_are_skipped_in_little_memory(self) -> None:
        """Rows of several MB past the limits are skipped a piece at a time: memory stays
        small, and the rows after them read, with their places."""
        lines = '2,"' + ('ab,"" cd' * 10 + "\n") * 60_000 + '",x\n'  # 5 MB over 60,000 lines
        one_line = "3," + "y" * 5_000_000 + "\n"
        stream = io.BytesIO(f"{PLAIN}\n{lines}{ROW}\r\n{one_line}{ROW}".encode())
        del lines, one_line
        tracemalloc.start()
        try:
            with open_input(stream, "big.csv") as src:
                raws = list(read_csv(src, limits(line=100_000, record=100_000)))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert [(r.place.line, r.place.record, codes(r)) for r in raws] == [
            (2, 1, ["record_too_long"]), (60_003, 2, []), (60_004, 3, ["record_too_long"]),
            (60_005, 4, []),
        ]  # fmt: skip
        assert raws[1].data == raws[3].data == DATA_OF_ROW
        assert peak < 2_000_000

    @pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
    def test_skipped_in_tiny_pieces(self, monkeypatch: pytest.MonkeyPatch, end: str) -> None:
        """However small the pieces a row is skipped in, even a line end cut in two, the next
        rows read on the right lines."""
        monkeypatch.setattr(csv_lines, "_SKIPPED", 1)
        long = end.join(['2,"a,b', '""c"", d', "e" * 30 + '"', "3,4"])
        text = end.join(["a,b", "1,2", long, "5,6", ""])
        items = split(text, options=limits(line=10, record=20))
        assert items[1] == (2, ["1", "2"])
        assert isinstance(items[2], RawRecord) and items[2].place == Place("a.csv", 3, 2)
        assert items[3:] == [(6, ["3", "4"]), (7, ["5", "6"])]

    @pytest.mark.parametrize(
        ("text", "reason"),
        [('1,2\n"' + "y\n" * 5000, "line 3: a row goes on past 6,400 characters (64 times the "
          "limit, raised with --max-record-length): no end of it was found to read on from"),
         ("1,2\n3,4\n" + "x" * 10_000, "line 4: a line goes on past 6,400 characters (64 times "
          "the limit, raised with --max-line-length): no end of it was found to read on from")],
    )  # fmt: skip
    def test_a_row_with_no_end(self, text: str, reason: str) -> None:
        """A row skipped to 64 times its limit without an end makes the file unreadable: a
        file of one endless row ends at once."""
        with pytest.raises(UnreadableFile) as caught:
            split(f"a,b\n{text}", options=limits(line=100, record=100))
        assert f"line {caught.value.line}: {caught.value.reason}" == reason

    def test_an_endless_stream(self) -> None:
        """A stream whose row never ends is refused once it is skipped past 64 times the
        limit, not read on and on."""
        stream = Endless(f'{PLAIN}\n{ROW}\n2,"'.encode(), b"y\n")
        with open_input(stream, "-") as src, pytest.raises(UnreadableFile) as caught:
            list(read_csv(src, limits(line=1000, record=1000)))
        assert caught.value.line == 3 and "goes on past 64,000" in caught.value.reason


# --- skipping follows csv: random rows, some past the limits, read as csv reads them --------------

_QUOTED = st.lists(st.sampled_from(["a", "D", '""', "\n", "\r\n", "\r", ";", " "]), max_size=12)
_BARE = st.lists(st.sampled_from(["a", "b", " ", "x", 'x"y', ";"]), max_size=8)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, str, list[str]]:
    """A delimiter, a header and rows of quoted and bare cells (quotes inside bare ones)."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    width = draw(st.integers(1, 4))

    def cell() -> str:
        if draw(st.booleans()):
            return '"' + "".join(draw(_QUOTED)).replace("D", delimiter) + '"'
        return "".join(draw(_BARE)).replace(";", "" if delimiter == ";" else ";")

    rows = [
        delimiter.join(cell() for _ in range(draw(st.integers(1, width))))
        for _ in range(draw(st.integers(1, 6)))
    ]
    return delimiter, delimiter.join(f"c{n}" for n in range(width)), rows


#: What the text of a skipped row is made of ("D" is the delimiter).
_PIECES = ['"', '""', '"D"', '"D"', "D", "a", " ", "\n", "\r\n", "\r", "é"]


def row_end(text: str, state: int, delimiter: str) -> tuple[int, int]:
    """
    Where following ``text`` one line at a time (`_advance`) from ``state`` ends the row, just
    past its line end (-1 if it goes on), and where the parser stands then.
    """
    pos = 0
    for line in io.StringIO(text, newline=""):
        body = line.rstrip("\r\n")
        state, pos = csv_lines._advance(state, body, delimiter), pos + len(line)
        if len(body) < len(line) and state != csv_lines._QUOTED_CELL:
            return pos, state
    return -1, state


class TestSkipping:
    @given(
        file=csv_files(),
        end=st.sampled_from(["\n", "\r\n", "\r"]),
        line=st.integers(12, 30),
        record=st.integers(12, 60),
        chunk=st.integers(1, 8),
    )
    def test_skipped_rows_end_where_csv_ends_them(
        self, file: tuple[str, str, list[str]], end: str, line: int, record: int, chunk: int
    ) -> None:
        """Rows past the limits are skipped to where csv would end them: every other row
        reads as csv reads it, on the same lines, whatever the pieces skipped."""
        delimiter, header, rows = file
        text = end.join([header, *rows]) + end
        reference = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        next(reference)
        expected, last = [], reference.line_num
        for raw, cells in zip(rows, reference, strict=True):
            start, last = last + 1, reference.line_num
            width = header.count(delimiter) + 1
            past = len(raw) > record or any(len(x) > line for x in re.split("\r\n|\n|\r", raw))
            if past or (len(cells) > width and any(cells[width:])):
                expected.append((start, None))
            elif any(cells):
                expected.append((start, (cells + [""] * width)[:width]))
        options = ReadOptions(delimiter=delimiter, limits=ReadLimits(line=line, record=record))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(csv_lines, "_SKIPPED", chunk)
            items = split(text, options=options)
        got = [
            (item.place.line, None) if isinstance(item, RawRecord) else item for item in items[1:]
        ]
        assert got == expected

    @given(
        pieces=st.lists(st.sampled_from(_PIECES), max_size=60),
        delimiter=st.sampled_from([",", ";", "\t"]),
        state=st.sampled_from(range(5)),  # where the parser stands: `_START` ... `_FAULT`
        bulk=st.integers(0, 40),
        chunk=st.integers(1, 12),
    )
    def test_the_skip_ends_a_row_where_its_lines_do(
        self, pieces: list[str], delimiter: str, state: int, bulk: int, chunk: int
    ) -> None:
        """However the text comes in chunks (a "\\r\\n" cut in two among them), and however
        much the skip tries to cross at once, it ends the row where following its lines one
        by one ends it, and stands where that stands."""
        text = "".join(pieces).replace("D", delimiter)
        window, offset, got = "", 0, (-1, state)
        follow = csv_lines._RowEnd(delimiter)
        follow.bulk = bulk
        for start in itertools.count(0, chunk):  # as `_Lines._skip` reads, to the file's end
            piece = text[start : start + chunk]
            window += piece
            end = len(window) - (bool(piece) and window.endswith("\r"))  # its "\n" may follow
            stop, now = follow.scan(window, end, got[1])
            got = (stop + offset if stop >= 0 else -1, now)
            if stop >= 0 or not piece:
                break
            window, offset = window[end:], offset + end
        assert got == row_end(text, state, delimiter)

    @pytest.mark.parametrize("chunk", [5, 1 << 16])
    @pytest.mark.parametrize("among", ["", '""', '",x,"', '","', "\r\n"])
    def test_a_long_row_of_short_quoted_lines(
        self, monkeypatch: pytest.MonkeyPatch, chunk: int, among: str
    ) -> None:
        """A row of thousands of quoted cells of a short line each, side by side, is skipped
        to its end, whole lines at a time (escaped quotes among them) but for the few the
        counts cannot vouch for (an unquoted cell), and the rows after it read on their
        lines."""
        monkeypatch.setattr(csv_lines, "_SKIPPED", chunk)
        cells = 'y\n","' * 3000 + among + 'y\r\n","' * 3000
        text = f'{PLAIN}\n{ROW}\n2,"{cells}z",C\n{ROW}\n3,"a\n""b",C\n'
        items = split(text, options=limits(line=1000, record=1000))
        after = 3 + 6000 + among.count("\n")
        assert items[1] == (2, ROW.split(","))
        assert isinstance(items[2], RawRecord) and items[2].place == Place("a.csv", 3, 2)
        assert items[3:] == [
            (after + 1, ROW.split(",")),
            (after + 2, ["3", 'a\n"b', "C"] + [""] * 5),
        ]

    @pytest.mark.parametrize("filler", [b'y\n","', b'y\r\n",x,"', b'y\n""'])
    def test_an_endless_stream_of_quoted_cells(self, filler: bytes) -> None:
        """A stream of quoted cells of short lines that never ends is refused once it is
        skipped past `SKIP_FACTOR` times the limit, whether the fast count vouches for its
        lines or they are followed one by one."""
        stream = Endless(f'{PLAIN}\n{ROW}\n2,"'.encode(), filler)
        with open_input(stream, "-") as src, pytest.raises(UnreadableFile) as caught:
            list(read_csv(src, limits(line=1000, record=1000)))
        assert caught.value.line == 3
        assert caught.value.reason.startswith(f"a row goes on past {1000 * SKIP_FACTOR:,} ")


class TestStreams:
    def test_bytes(self) -> None:
        """An in-memory binary stream reads without a path."""
        assert [r.data for r in read(f"{PLAIN}\n{ROW}\n".encode())] == [DATA_OF_ROW]

    def test_a_pipe(self) -> None:
        """A stream that cannot seek and gives a few bytes at a time reads, its encoding
        told from what it has given so far."""
        data = f"{PLAIN}\n1,Café,C,2024-01-02,2024-01-02,L,C,NL\n".encode("cp1252")
        with open_input(Pipe(data), "-") as src:
            (raw,) = read_csv(src, ReadOptions())
        assert raw.place == Place("-", 2, 1) and raw.data and raw.data["name"] == "Café"

    def test_text(self) -> None:
        """A text stream reads as its text."""
        with open_input(io.StringIO(f"{PLAIN}\n{ROW}\n"), "t") as src:
            assert [r.data for r in read_csv(src, ReadOptions())] == [DATA_OF_ROW]


class Pipe(io.RawIOBase):
    """A pipe: no seeking, and at most 64 bytes a read."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        size = min(len(buffer), 64, len(self.data))
        buffer[:size], self.data = self.data[:size], self.data[size:]
        return size


class TestSplit:
    def test_header_rows_and_invalid_rows(self) -> None:
        """split_csv yields the header as written, then rows fitted to it, and invalid rows
        as records numbered as read_csv numbers them."""
        text = f"\n{PLAIN}, Remarks \n{ROW}\n\n{ROW},x,y,z\n{ROW}\n"
        items = split(text)
        assert items[0] == (2, [*PLAIN.split(","), " Remarks "])
        assert items[1] == (3, [*ROW.split(","), ""])
        assert isinstance(items[2], RawRecord) and items[2].place == Place("a.csv", 5, 2)
        assert items[3] == (6, [*ROW.split(","), ""])
        assert [r.place for r in read(text)] == [
            Place("a.csv", n, i) for i, n in ((1, 3), (2, 5), (3, 6))
        ]

    def test_header_plan(self) -> None:
        """header_plan maps the names split_csv gives, with the caller's map."""
        build = header_plan(
            "a.csv",
            ["Plaats", *PLAIN.split(",")[:6], "country"],
            {"plaats": "summary.address.city"},
        )
        assert build(["Amsterdam", *ROW.split(",")[:6], "NL"], []) == DATA_OF_ROW


class TestFiles:
    """Files written the way other programs write them (tests/data/csv/README.md)."""

    def accounts(self, name: str, columns: dict[str, str] | None = None) -> list[RawRecord]:
        raws = read(DATA / name, options=ReadOptions(columns=columns))
        assert all(not raw.problems for raw in raws)
        for raw in raws:
            from_dict(raw.data)
        return raws

    def test_excel_semicolons_in_windows_1252(self) -> None:
        """Excel's semicolon CSV in Windows-1252, CRLF, a cell over two lines, an empty row."""
        raws = self.accounts("excel-semicolon-cp1252.csv")
        assert [(r.place.line, r.place.record) for r in raws] == [(2, 1), (3, 2), (6, 3)]
        first, second, third = (from_dict(r.data) for r in raws)
        assert (first.name, first.remarks) == ("Café de Zwaan", "Kredietlimiet € 5.000")
        address = first.summary.address
        assert (address.line1, address.house_number, address.house_number_suffix) == (
            "Oudegracht", "12", "bis",
        )  # fmt: skip
        assert second.name == "Électricité Dupont SARL"
        assert second.remarks == 'Levering; alleen "\'s ochtends"\nBellen vóór 10:00'
        assert third.name == "Bakkerij Öztürk"

    def test_excel_utf8_with_a_bom(self) -> None:
        """Excel's UTF-8 CSV: a BOM, commas, TRUE for yes."""
        first, second = (from_dict(r.data) for r in self.accounts("excel-utf8-bom.csv"))
        assert first.name == "Müller & Söhne GmbH" and first.financial.bank_accounts[0].main
        assert str(first.financial.bank_accounts[0].iban) == "DE89370400440532013000"
        assert second.summary.address.city == "Łódź"

    def test_tab_separated_values(self) -> None:
        """A spreadsheet's TSV, snake_case names, a comma in a name."""
        first, second = (from_dict(r.data) for r in self.accounts("spreadsheet.tsv"))
        assert first.contact is not None and first.contact.email == "sofie@thoekje.be"
        assert second.name == "Koffiebranderij Zuid, Rotterdam"

    def test_a_spreadsheet_of_plain_names(self) -> None:
        """A Google Sheets or LibreOffice CSV of plain lower-case names."""
        first, second = (from_dict(r.data) for r in self.accounts("google-sheets.csv"))
        assert str(first.financial.vat_number) == "NL004495445B01"
        assert second.name == 'Fietsenmaker "De Spaak"'

    def test_a_crm_export_with_a_column_map(self) -> None:
        """A CRM's company export, every cell quoted, reads with a small map of its own names."""
        columns = json.loads((DATA / "hubspot-columns.json").read_text(encoding="utf-8"))
        first, second = (from_dict(r.data) for r in self.accounts("hubspot-companies.csv", columns))
        assert (first.code, first.summary.address.state, first.summary.address.line2) == (
            "5170293481", "CA", "Suite 4",
        )  # fmt: skip
        assert (
            first.relations.account_manager == "jdoe"
            and first.marketing.sector == "Food & Beverage"
        )
        assert second.type.value == "L"

    def test_the_readme_names_every_file(self) -> None:
        """Each fixture's shape is explained in the folder's README."""
        readme = (DATA / "README.md").read_text(encoding="utf-8")
        assert all(f"`{p.name}`" in readme for p in DATA.iterdir() if p.name != "README.md")
