"""Reading records from CSV, JSON, JSON Lines and XML files, streaming, with one-line errors."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

import attrs
import pytest
from _samples import record
from _streams import BUDGET, Endless
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accountcore import Account, FreeField, from_dict, to_dict
from accountcore import testing as at
from accountcore.errors import Problem
from accountcore.exchange import (
    DEFAULT_LIMITS,
    RawRecord,
    ReadLimits,
    UnreadableFile,
    detect_format,
    read_accounts,
    read_records,
)
from accountcore.exchange import _csv as csv_reader
from accountcore.exchange import _files as files
from accountcore.exchange import _json as readers
from accountcore.exchange._csv import REQUIRED_COLUMNS, cells_of, split_csv

NOT_AN_OBJECT = (Problem((), "invalid_type", "A record is a JSON object."),)


def csv_text(records: Sequence[Mapping[str, object]], delimiter: str = ",") -> str:
    """Write records as CSV, one column per record path that any record fills."""
    rows = [dict(cells_of(r)) for r in records]
    header = list(dict.fromkeys(column for row in rows for column in row))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows([row.get(column, "") for column in header] for row in rows)
    return out.getvalue()


def write(path: Path, text: str | bytes) -> Path:
    """Write a file and return its path."""
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


def read(path: Path, format: str | None = None) -> list[RawRecord]:
    """Read every record of a file."""
    return list(read_records(path, format=format))


def error_of(path: Path, format: str | None = None) -> str:
    """Return the one-line message of the UnreadableFile that reading raises."""
    with pytest.raises(UnreadableFile) as caught:
        read(path, format)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message[len(f"{path}: ") :]


def accounts_of(raws: list[RawRecord]) -> list[Account]:
    """Read every raw record into an account."""
    assert all(not raw.problems for raw in raws)
    return [from_dict(raw.data) for raw in raws]


def three() -> list[dict[str, object]]:
    """Three valid records, one with two bank accounts and typed free fields."""
    second = record(id="a2", code="1002", contact=None)
    second["financial"] = {
        "bank_accounts": [
            {"iban": "NL91ABNA0417164300", "main": True},
            {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"},
        ],
        "invoice_copies": 0,
        "back_order": True,
    }
    second["free_fields"] = [
        {"name": "size", "kind": "number", "value": 12},
        {"name": "ratio", "kind": "number", "value": -0.5},
        {"name": "vip", "kind": "yes_no", "value": False},
        {"name": "since", "kind": "date", "value": "2020-02-29"},
    ]
    # A comma and quotes in a one-line field; a line break in a multi-line one (remarks).
    third = record(id="a3", code="1003", name='Other, "Quoted" Name', remarks='Pays, "late"\nto')
    return [record(), second, third]


class TestDetectFormat:
    @pytest.mark.parametrize(
        ("name", "kind"),
        [("a.csv", "csv"), ("a.JSON", "json"), ("a.jsonl", "jsonl"), ("a.ndjson", "jsonl"),
         ("a.xml", "xml")],
    )  # fmt: skip
    def test_by_extension(self, tmp_path: Path, name: str, kind: str) -> None:
        """A known extension decides, whatever the file holds (or whether it exists)."""
        assert detect_format(tmp_path / name) == kind

    @pytest.mark.parametrize(
        ("content", "kind"),
        [(b"[{}]", "json"), (b'\n  {"a": 1}', "jsonl"), (b"<Accounts/>", "xml"),
         (b"code,name", "csv"), (b"\xef\xbb\xbf \r\n[", "json"), ("é,b".encode(), "csv")],
    )  # fmt: skip
    def test_by_content(self, tmp_path: Path, content: bytes, kind: str) -> None:
        """Without a known extension the first non-blank byte decides, after any BOM."""
        assert detect_format(write(tmp_path / "accounts.txt", content)) == kind

    def test_long_blank_start(self, tmp_path: Path) -> None:
        """Blank text longer than one read does not hide the first character."""
        assert detect_format(write(tmp_path / "a", b" " * 10_000 + b"[")) == "json"

    @pytest.mark.parametrize(
        ("content", "reason"),
        [(b"", "the file holds no records"), (b" \n\t", "the file holds no records"),
         (b"\x00\x01", "cannot tell the format; name it .csv, .json, .jsonl or .xml"),
         (b"\n\xff\xfe[", "line 2: not UTF-8 text")],
    )  # fmt: skip
    def test_cannot_tell(self, tmp_path: Path, content: bytes, reason: str) -> None:
        """An empty, binary or non-UTF-8 file without a known extension cannot be told."""
        path = write(tmp_path / "accounts", content)
        with pytest.raises(UnreadableFile) as caught:
            detect_format(path)
        assert str(caught.value) == f"{path}: {reason}"

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing file without an extension is unreadable, not a crash."""
        with pytest.raises(UnreadableFile, match="no such file"):
            detect_format(tmp_path / "nothing")

    def test_unknown_format_is_a_programming_error(self, tmp_path: Path) -> None:
        """Asking for a format that does not exist is a ValueError, not an unreadable file."""
        with pytest.raises(ValueError, match="unknown format 'yaml'"):
            read(write(tmp_path / "a.json", "[]"), "yaml")


class TestGoodFiles:
    @pytest.mark.parametrize("format", ["csv", "json", "jsonl"])
    def test_round_trip(self, tmp_path: Path, format: str) -> None:
        """Every format reads records that from_dict turns into the original accounts."""
        texts = {
            "csv": csv_text(three()),
            "json": json.dumps(three(), indent=2),
            "jsonl": "".join(json.dumps(r) + "\n" for r in three()),
        }
        raws = read(write(tmp_path / f"accounts.{format}", texts[format]))
        assert accounts_of(raws) == [from_dict(r) for r in three()]

    @pytest.mark.parametrize("format", ["csv", "json", "jsonl"])
    def test_bom_is_accepted(self, tmp_path: Path, format: str) -> None:
        """A UTF-8 byte order mark before the content is skipped."""
        text = csv_text([record()]) if format == "csv" else json.dumps([record()])
        text = text if format != "jsonl" else json.dumps(record())
        raws = read(write(tmp_path / f"a.{format}", b"\xef\xbb\xbf" + text.encode()))
        assert accounts_of(raws) == [from_dict(record())]

    def test_places(self, tmp_path: Path) -> None:
        """Places are 'line N' for JSON Lines, 'record N' for JSON and 'row N' for CSV."""
        lines = write(tmp_path / "a.jsonl", f"\n{json.dumps(record())}\n\n{json.dumps(record())}")
        array = write(tmp_path / "a.json", json.dumps([record(), record()]))
        table = write(tmp_path / "a.csv", csv_text(three()))
        assert [r.place for r in read(lines)] == ["line 2", "line 4"]
        assert [r.place for r in read(array)] == ["record 1", "record 2"]
        assert [r.place for r in read(table)] == ["row 2", "row 3", "row 4"]  # row 4 spans two

    @pytest.mark.parametrize("format", ["json", "jsonl"])
    def test_a_record_that_is_no_object(self, tmp_path: Path, format: str) -> None:
        """A value that is not an object is a problem of its record; the file reads on."""
        text = "[3, null, {}]" if format == "json" else "3\nnull\n{}\n"
        raws = read(write(tmp_path / f"a.{format}", text))
        assert [(r.data, r.problems) for r in raws] == [
            (None, NOT_AN_OBJECT),
            (None, NOT_AN_OBJECT),
            ({}, ()),
        ]

    def test_format_argument_overrides_the_extension(self, tmp_path: Path) -> None:
        """An explicit format reads a file whatever its name."""
        path = write(tmp_path / "export.txt", json.dumps(record()))
        assert accounts_of(read(path, "jsonl")) == [from_dict(record())]


class TestJSONChunks:
    @pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
    def test_records_split_across_chunks(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
    ) -> None:
        """Records, numbers and strings cut by a chunk's end read whole."""
        monkeypatch.setattr(readers, "_CHUNK", chunk)
        values: list[object] = [1234567, "text é ünïcode", *three(), -1.25e10, True, None, [[], {}]]
        path = write(tmp_path / "a.json", json.dumps(values, ensure_ascii=False))
        raws = read(path)
        assert [r.data for r in raws[2:5]] == three()
        assert [r.problems for r in raws] == [NOT_AN_OBJECT] * 2 + [()] * 3 + [NOT_AN_OBJECT] * 4

    def test_memory_stays_within_a_record(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The window over the file holds at most a chunk and twice a record, never the file
        (a record cut by the window's end is read on by as much again as it holds)."""
        monkeypatch.setattr(readers, "_CHUNK", 100)
        sizes: list[int] = []
        real_more = readers._Window.more

        def more(window: readers._Window, size: int = 100) -> None:
            real_more(window, size)
            sizes.append(len(window.text))

        monkeypatch.setattr(readers._Window, "more", more)
        path = write(tmp_path / "a.json", json.dumps([record()] * 200))
        assert len(read(path)) == 200
        assert max(sizes) < 100 + 2 * len(json.dumps(record())) + 10

    def test_error_line_in_a_later_chunk(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A fault deep in the file names its line, counted across chunks."""
        monkeypatch.setattr(readers, "_CHUNK", 5)
        path = write(tmp_path / "a.json", '[\n{"a": 1},\n{"b": 2},\n{"c" 3}\n]')
        assert error_of(path) == "line 4: not valid JSON (Expecting ':' delimiter in record 3)"


class TestUnreadable:
    @pytest.mark.parametrize("format", ["csv", "json", "jsonl"])
    def test_missing_file(self, tmp_path: Path, format: str) -> None:
        """A missing file is one line: no such file."""
        assert error_of(tmp_path / f"none.{format}") == "no such file"

    @pytest.mark.parametrize("format", ["csv", "json", "jsonl"])
    def test_directory(self, tmp_path: Path, format: str) -> None:
        """A directory is not a file."""
        path = tmp_path / f"dir.{format}"
        path.mkdir()
        assert error_of(path) == "is a directory, not a file"

    @pytest.mark.parametrize(
        ("name", "content"),
        [("a.csv", ""), ("a.csv", ",".join(REQUIRED_COLUMNS) + "\n,,,\n\n"), ("a.json", ""),
         ("a.json", " [ ] "), ("a.jsonl", "\n \n")],
    )  # fmt: skip
    def test_no_records(self, tmp_path: Path, name: str, content: str) -> None:
        """A file without a single record is unreadable: it holds no records."""
        assert error_of(write(tmp_path / name, content)) == "the file holds no records"

    @pytest.mark.parametrize("format", ["csv", "json", "jsonl"])
    def test_not_utf8(self, tmp_path: Path, format: str) -> None:
        """Bytes that are not UTF-8 name their line, even beyond the first read."""
        good = csv_text([record()] * 400) if format == "csv" else ""
        if format != "csv":
            lines = [json.dumps(record())] * 400
            good = (
                "[\n" + ",\n".join(lines) + ",\n" if format == "json" else "\n".join(lines) + "\n"
            )
        path = write(tmp_path / f"a.{format}", good.encode() + b'{"name": "caf\xe9"}\n')
        line = good.count("\n") + 1
        assert error_of(path) == f"line {line}: not UTF-8 text"

    @pytest.mark.parametrize(
        ("content", "reason"),
        [
            ('[{"a": 1}, {"b": ', "not valid JSON: the file ends in the middle of record 2"),
            ('[{"a": "unfinished', "not valid JSON: the file ends in the middle of record 1"),
            ('[{"a": 1},', "not valid JSON: the file ends before the closing ']'"),
            ('[{"a": 1}', "not valid JSON: the file ends before the closing ']'"),
            ("[", "not valid JSON: the file ends before the closing ']'"),
            ('{"a": 1}', "not a JSON array of records (it holds an object; "
                         "JSON Lines files end in .jsonl)"),
            ('"text"', "not a JSON array of records"),
            ('[{"a": 1}\n {"b": 2}]', "line 2: not valid JSON: expected ',' or ']' after record 1"),
            ('[{"a": 1},]', "line 1: not valid JSON (Expecting value in record 2)"),
            ('[{"a": 1}] x', "line 1: not valid JSON: text after the closing ']'"),
            ("[" * 100_000, "line 1: not valid JSON (nested too deeply in record 1)"),
            ("[" + "1" * 5000 + "]", "line 1: not valid JSON (a number has too many digits "
                                     "in record 1)"),
        ],
    )  # fmt: skip
    def test_malformed_json(self, tmp_path: Path, content: str, reason: str) -> None:
        """A malformed JSON array is one line saying what and where."""
        assert error_of(write(tmp_path / "a.json", content)) == reason

    @pytest.mark.parametrize(
        ("content", "reason"),
        [
            ('{"a": 1}\n{"b": ', "line 2: not a JSON record (Expecting value at column 7)"),
            ('{"a": 1}\n\nnot json\n', "line 3: not a JSON record (Expecting value at column 1)"),
            ("[" * 100_000, "line 1: not a JSON record (nested too deeply)"),
        ],
    )
    def test_malformed_json_lines(self, tmp_path: Path, content: str, reason: str) -> None:
        """A line that is not JSON makes the file unreadable, naming the line."""
        assert error_of(write(tmp_path / "a.jsonl", content)) == reason

    def test_records_before_a_fault_are_yielded(self, tmp_path: Path) -> None:
        """Reading streams: the records before a fault arrive before the error."""
        path = write(tmp_path / "a.jsonl", '{"a": 1}\n{"b": ')
        records = read_records(path)
        assert next(records).data == {"a": 1}
        with pytest.raises(UnreadableFile):
            next(records)


class TestCSVHeader:
    def test_required_columns(self) -> None:
        """The required columns are exactly the fields from_dict cannot do without."""
        assert REQUIRED_COLUMNS == (
            "code", "name", "type", "type_since", "status_since",
            "summary.address.line1", "summary.address.city", "summary.address.country",
        )  # fmt: skip

    @pytest.mark.parametrize(
        ("header", "reason"),
        [
            ("code,name,type", "missing columns: type_since, status_since, summary.address.line1, "
             "summary.address.city, summary.address.country"),
            ("code,colour", "unknown column: colour"),
            ("code,summary,financial.bank_accounts.x.iban,free_fields.01.name,id.x",
             "unknown columns: summary, financial.bank_accounts.x.iban, free_fields.01.name, "
             "id.x"),
            ("code,,name", "unknown column: (column 2 has no name)"),
            ("code,name, code", "column named twice: code"),
            ("financial.bank_accounts", "unknown column: financial.bank_accounts"),
        ],
    )  # fmt: skip
    def test_bad_header(self, tmp_path: Path, header: str, reason: str) -> None:
        """A header must name record paths, each once, including every required one."""
        path = write(tmp_path / "a.csv", f"{header}\n1,2,3\n")
        assert error_of(path) == reason

    def test_row_longer_than_the_header(self, tmp_path: Path) -> None:
        """A row with more filled cells than the header is a fault of the file."""
        text = csv_text([record()]).splitlines()
        path = write(tmp_path / "a.csv", f"{text[0]}\n{text[1]}\n{text[1]},extra\n")
        width = text[0].count(",") + 1
        assert error_of(path) == f"line 3: {width + 1} cells in a row, but the header names {width}"

    def test_short_rows_and_trailing_empty_cells(self, tmp_path: Path) -> None:
        """Missing cells at the end of a row are empty; extra empty cells are ignored."""
        columns = ",".join(REQUIRED_COLUMNS) + ",remarks"
        path = write(tmp_path / "a.csv", f"{columns}\n1,A,C,2024-01-02,2024-01-02,L,C,NL,,,\n")
        (raw,) = read(path)
        assert "remarks" not in (raw.data or {}) and raw.data and raw.data["code"] == "1"

    def test_blank_lines_before_the_header(self, tmp_path: Path) -> None:
        """Blank lines before the header are skipped; rows keep their line numbers."""
        path = write(tmp_path / "a.csv", "\n  \n" + csv_text([record()], delimiter=";"))
        assert [r.place for r in read(path)] == ["row 4"]

    def test_semicolons(self, tmp_path: Path) -> None:
        """A header with semicolons and no comma makes semicolons the separator."""
        path = write(tmp_path / "a.csv", csv_text(three(), delimiter=";"))
        assert accounts_of(read(path)) == [from_dict(r) for r in three()]

    def test_unterminated_quote(self, tmp_path: Path) -> None:
        """A quote left open to the end of the file is not valid CSV."""
        text = csv_text([record()]) + '2,"open\n'
        assert error_of(write(tmp_path / "a.csv", text)).endswith(
            "not valid CSV (unexpected end of data)"
        )


class TestCSVCells:
    def cells(self, tmp_path: Path, extra: dict[str, str]) -> RawRecord:
        """Read one row of the sample record with some cells added or replaced."""
        row = dict(cells_of(record()))
        row.update(extra)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows([list(row), list(row.values())])
        (raw,) = read(write(tmp_path / "a.csv", out.getvalue()))
        return raw

    @pytest.mark.parametrize(
        ("column", "cell", "value"),
        [("marketing.security_level", " 42 ", 42), ("marketing.rating", "-3", -3),
         ("contact.valid_email", "YES", True), ("contact.email_permission", "0", False),
         ("financial.bank_accounts.0.main", "False", False), ("free_fields.1.value", "12", "12")],
    )  # fmt: skip
    def test_coerced_by_field_type(
        self, tmp_path: Path, column: str, cell: str, value: object
    ) -> None:
        """Integer and yes/no cells are read by the field's type; others stay text."""
        data: object = self.cells(tmp_path, {column: cell}).data
        for step in column.split("."):
            data = data[int(step)] if isinstance(data, list) else data[step]  # type: ignore[index]
        assert data == value

    def test_cells_that_cannot_be_read(self, tmp_path: Path) -> None:
        """Unreadable cells are problems of their record, with paths; the cells are left out."""
        raw = self.cells(
            tmp_path,
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

    def test_free_field_values_by_kind(self, tmp_path: Path) -> None:
        """A free field's value is read by its kind: numbers, yes/no, else text."""
        raw = self.cells(
            tmp_path,
            {"free_fields.2.name": "a", "free_fields.2.kind": "number",
             "free_fields.2.value": "1e3", "free_fields.3.name": "b",
             "free_fields.3.kind": "yes_no", "free_fields.3.value": "no"},
        )  # fmt: skip
        assert raw.data is not None
        values = [f["value"] for f in raw.data["free_fields"]]  # type: ignore[attr-defined]
        assert values == ["retail", "1500.00", 1000.0, False]

    def test_empty_items_are_dropped(self, tmp_path: Path) -> None:
        """An empty list item leaves no gap: later items move up, with their problems."""
        raw = self.cells(
            tmp_path,
            {"free_fields.0.name": "", "free_fields.0.kind": "", "free_fields.0.value": "",
             "free_fields.5.name": "x", "free_fields.5.kind": "yes_no",
             "free_fields.5.value": "perhaps"},
        )  # fmt: skip
        assert raw.data is not None
        assert [f["name"] for f in raw.data["free_fields"]] == ["credit", "x"]  # type: ignore[attr-defined]
        assert [p.path for p in raw.problems] == [("free_fields", 1, "value")]

    def test_blank_typed_cells_are_absent(self, tmp_path: Path) -> None:
        """A typed cell of only spaces is absent, like an empty one, not a problem."""
        raw = self.cells(
            tmp_path,
            {"marketing.security_level": "  ", "contact.valid_email": " ",
             "free_fields.1.kind": "number", "free_fields.1.value": " "},
        )  # fmt: skip
        assert raw.problems == () and raw.data is not None
        assert "security_level" not in raw.data["marketing"]  # type: ignore[operator]
        assert "value" not in raw.data["free_fields"][1]  # type: ignore[index]

    def test_a_faulty_item_is_kept_and_renumbered(self, tmp_path: Path) -> None:
        """An item holding only an unreadable cell stays, its problem at its place in the list."""
        empty = {f"financial.bank_accounts.0.{k}": "" for k in ("iban", "bic", "number", "main")}
        raw = self.cells(tmp_path, {**empty, "financial.bank_accounts.3.main": "sometimes"})
        assert raw.data is not None
        assert raw.data["financial"]["bank_accounts"] == [{}]  # type: ignore[index]
        assert [p.path for p in raw.problems] == [("financial", "bank_accounts", 0, "main")]

    def test_empty_sections_are_absent(self, tmp_path: Path) -> None:
        """A section whose cells are all empty is left out, so its default applies."""
        row = {column: "" for column, _ in cells_of(record()) if column.startswith("contact.")}
        raw = self.cells(tmp_path, row)
        assert raw.data is not None and "contact" not in raw.data
        assert from_dict(raw.data).contact is None


class TestXML:
    def test_delegates_to_the_exact_reader(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """XML is read by accountcore.exchange's Exact XML reader, record by record, with the
        limits given."""
        seen: list[tuple[Path, ReadLimits]] = []

        def read_exact_xml(path: Path, *, limits: ReadLimits) -> Iterator[RawRecord]:
            seen.append((path, limits))
            yield RawRecord("Account 1 (line 2)", {"code": "1"})

        monkeypatch.setitem(files._READERS, "xml", read_exact_xml)
        path, limits = tmp_path / "export.xml", ReadLimits(line=5, record=7)
        raws = list(read_records(path, limits=limits))
        assert raws == [RawRecord("Account 1 (line 2)", {"code": "1"})]
        assert seen == [(path, limits)]

    def test_real_reader(self, tmp_path: Path) -> None:
        """The real Exact XML reader is found; a file of no accounts is unreadable."""
        path = write(tmp_path / "a.xml", "<?xml version='1.0'?><eExact><Accounts/></eExact>")
        with pytest.raises(UnreadableFile):
            read(path)


class TestReadAccounts:
    def test_json_extension_with_lines(self, tmp_path: Path) -> None:
        """The duplicates command reads a .json file holding JSON Lines as lines."""
        path = write(tmp_path / "a.json", json.dumps(record()) + "\n" + json.dumps({"code": 1}))
        reads = list(read_accounts(path))
        assert [r.place for r in reads] == [1, 2]
        assert reads[0].account == from_dict(record()) and reads[1].error is not None

    def test_csv_problems_make_the_record_invalid(self, tmp_path: Path) -> None:
        """Reading problems join the validation problems of their record."""
        text = csv_text([record()]).replace(",10,", ",ten,")
        (read_,) = read_accounts(write(tmp_path / "a.csv", text))
        assert read_.account is None and read_.error is not None
        assert ("marketing", "security_level") in [p.path for p in read_.error.problems]


def blank_text_as_absent(account: Account) -> Account:
    """CSV cannot tell empty text from no text: read an empty text free field as empty."""
    fields = tuple(
        FreeField(name=f.name, kind=f.kind, value=None) if f.value == "" else f
        for f in account.free_fields
    )
    return attrs.evolve(account, free_fields=fields)


class TestProperties:
    @settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(at.accounts(), min_size=1, max_size=3))
    def test_csv_round_trip(
        self, tmp_path_factory: pytest.TempPathFactory, accounts: list[Account]
    ) -> None:
        """Any valid accounts written as CSV read back as the same accounts."""
        path = tmp_path_factory.mktemp("csv") / "a.csv"
        path.write_text(csv_text([to_dict(a) for a in accounts]), encoding="utf-8")
        assert accounts_of(read(path)) == [blank_text_as_absent(a) for a in accounts]

    @settings(max_examples=60)
    @given(
        values=st.lists(at.json_values(), max_size=4),
        lines=st.booleans(),
        cut=st.integers(min_value=0),
        chunk=st.integers(min_value=1, max_value=40),
    )
    def test_any_json_reads_or_is_unreadable(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        values: list[object],
        lines: bool,
        cut: int,
        chunk: int,
    ) -> None:
        """Arbitrary JSON, whole or cut short, yields records or raises UnreadableFile only."""
        text = "\n".join(map(json.dumps, values)) if lines else json.dumps(values)
        text = text[: cut % (len(text) + 1)] if cut % 3 == 0 else text
        path = tmp_path_factory.mktemp("json") / ("a.jsonl" if lines else "a.json")
        path.write_text(text, encoding="utf-8")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(readers, "_CHUNK", chunk)
            try:
                raws = read(path)
            except UnreadableFile as error:
                assert "\n" not in str(error)
                return
        assert all(isinstance(r, RawRecord) for r in raws)
        if cut % 3:  # whole files read every value, in order
            expected = [v if isinstance(v, dict) else None for v in values]
            assert [json.dumps(r.data) for r in raws] == list(map(json.dumps, expected))


# --- limits -------------------------------------------------------------------------------------

def endless(monkeypatch: pytest.MonkeyPatch, head: str, filler: str) -> Endless:
    """Make every text file the readers open an endless one; return it."""
    stream = Endless(head.encode(), filler.encode())

    def open_text(path: Path, newline: str | None = None) -> IO[str]:
        return io.TextIOWrapper(io.BufferedReader(stream), encoding="utf-8-sig", newline=newline)

    monkeypatch.setattr(readers, "_open", open_text)
    monkeypatch.setattr(csv_reader, "_open", open_text)
    return stream


def refusal(what: str, limit: int, option: str = "record") -> str:
    """The reason a reader gives for ``what`` going past ``limit``."""
    flag = {"line": "--max-line-length", "record": "--max-record-length"}[option]
    return f"{what} is longer than {limit:,} characters (the limit; raise it with {flag})"


def limited_error(path: Path, limits: ReadLimits, format: str | None = None) -> str:
    """Return the one-line reason reading ``path`` with ``limits`` is refused for."""
    with pytest.raises(UnreadableFile) as caught:
        list(read_records(path, format=format, limits=limits))
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message[len(f"{path}: ") :]


def split_all(path: Path, limits: ReadLimits) -> list[tuple[int, list[str]]]:
    return list(split_csv(path, limits=limits))


class TestReadLimits:
    def test_defaults(self) -> None:
        """A line and a record may each be 1 MiB by default, in every reader."""
        assert ReadLimits() == DEFAULT_LIMITS == ReadLimits(line=1 << 20, record=1 << 20)

    @pytest.mark.parametrize(
        "limits", [{"line": 0}, {"record": -1}, {"line": True}, {"record": 1.5}, {"line": "9"}]
    )
    def test_a_limit_is_a_whole_number_above_0(self, limits: dict[str, object]) -> None:
        """A limit of 0, below, or not a whole number is refused when the limits are made."""
        with pytest.raises(ValueError, match="limit must be a whole number above 0"):
            ReadLimits(**limits)  # type: ignore[arg-type]


class TestLimits:
    @pytest.mark.parametrize(
        ("name", "content", "limits", "reason"),
        [
            ("a.jsonl", '{"a": 1}\n\n{"a": "' + "x" * 50 + '"}\n{"a": 1}\n', (40, 1000),
             "line 3: " + refusal("a line", 40, "line")),
            ("a.jsonl", '{"a": "' + "x" * 50 + '"}\n', (1000, 40),
             "line 1: " + refusal("a record", 40)),
            ("a.csv", "code\n1\n" + "2" * 41 + "\n", (40, 1000),
             "line 3: " + refusal("a line", 40, "line")),
            ("a.csv", "code" + "," * 50 + "\n1\n", (40, 1000),
             "line 1: " + refusal("a line", 40, "line")),
            ("a.csv", "\n\ncode\n1\n" + "2" * 41 + "\n", (1000, 40),
             "line 5: " + refusal("a row", 40)),
            ("a.csv", 'code\n1\n"2\n' + "3\n" * 30 + '"\n', (1000, 40),
             "line 3: " + refusal("a row", 40)),
            ("a.json", '[\n{"a": 1},\n\n {"a": "' + "x" * 50 + '"}]', (1, 40),
             "line 4: " + refusal("record 2", 40)),
        ],
    )  # fmt: skip
    def test_refused_naming_the_line(
        self, tmp_path: Path, name: str, content: str, limits: tuple[int, int], reason: str
    ) -> None:
        """A line or a record past its limit makes the file unreadable, naming where: the
        line, or the line its row or record starts on, and the option that raises it."""
        path = write(tmp_path / name, content)
        line, record = limits
        limit = ReadLimits(line=line, record=record)
        error = limited_error(path, limit) if name != "a.csv" else csv_error(path, limit)
        assert error == reason

    def test_records_before_the_refusal_are_yielded(self, tmp_path: Path) -> None:
        """Reading streams: the records before an over-long line arrive before the error."""
        path = write(tmp_path / "a.jsonl", '{"a": 1}\n{"a": "' + "x" * 100 + '"}\n')
        records = read_records(path, limits=ReadLimits(line=50))
        assert next(records).data == {"a": 1}
        with pytest.raises(UnreadableFile, match="line 2: a line is longer than 50"):
            next(records)

    def test_a_cell_past_the_csv_modules_limit(self, tmp_path: Path) -> None:
        """A cell longer than csv.field_size_limit is refused with a plain reason."""
        size = csv.field_size_limit()
        path = write(tmp_path / "a.csv", "code\n1\n" + "x" * (size + 1) + "\n")
        reason = f"line 3: a cell is longer than {size:,} characters (csv.field_size_limit)"
        assert csv_error(path, ReadLimits()) == reason

    @pytest.mark.parametrize("chunk", [7, 64 * 1024])
    @pytest.mark.parametrize("over", [0, 1])
    def test_a_json_record_at_the_limit(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, over: int
    ) -> None:
        """A JSON record exactly as long as the limit reads; one character more is refused,
        however the chunks cut it."""
        monkeypatch.setattr(readers, "_CHUNK", chunk)
        element = json.dumps({"a": "x" * 80, "b": [1, 2.5, None]})
        path = write(tmp_path / "a.json", f'[\n{{"a": 1}}, {element} ,\n{{"b": 2}}]')
        limits = ReadLimits(line=1, record=len(element) - over)
        if over:
            assert limited_error(path, limits) == "line 2: " + refusal("record 2", len(element) - 1)
        else:
            assert [r.place for r in read_records(path, limits=limits)][-1] == "record 3"

    @pytest.mark.parametrize("over", [0, 1])
    @pytest.mark.parametrize("end", ["\n", "\r\n"])
    def test_a_quoted_row_at_the_limit(self, tmp_path: Path, over: int, end: str) -> None:
        """A row over several lines counts its characters, line ends inside quotes included
        and its own line end not: a row as long as the limit reads, one more is refused."""
        row = f'"x{end}y{end}z",w'
        path = write(tmp_path / "a.csv", f"a,b{end}{row}{end}1,2{end}")
        limits = ReadLimits(record=len(row) - over)
        if over:
            assert csv_error(path, limits) == "line 2: " + refusal("a row", len(row) - 1)
        else:
            assert split_all(path, limits)[1] == (2, [f"x{end}y{end}z", "w"])


def csv_error(path: Path, limits: ReadLimits) -> str:
    """Return the one-line reason splitting the CSV file ``path`` is refused for."""
    with pytest.raises(UnreadableFile) as caught:
        split_all(path, limits)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message[len(f"{path}: ") :]


class TestEndlessFiles:
    @pytest.mark.parametrize(
        ("format", "source", "reason"),
        [
            ("jsonl", ("", "\0"), "line 1: " + refusal("a line", 1000, "line")),
            ("jsonl", ('{"a": 1}\n{"a": "', "x"), "line 2: " + refusal("a line", 1000, "line")),
            ("csv", ("", "\0"), "line 1: " + refusal("a line", 1000, "line")),
            ("csv", ("code\n", "x"), "line 2: " + refusal("a line", 1000, "line")),
            ("csv", ('code\n1\n"', "y\n"), "line 3: " + refusal("a row", 1000)),
            ("json", ('[{"a": 1},\n{"a": "', "x"), "line 2: " + refusal("record 2", 1000)),
            ("json", ("[[", "1, "), "line 1: " + refusal("record 1", 1000)),
        ],
    )
    def test_refused_without_reading_on(
        self,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        format: str,
        source: tuple[str, str],
        reason: str,
    ) -> None:
        """A file whose line or record never ends is refused once it is too long: reading
        takes the limit and a few buffers, never the rest."""
        stream = endless(monkeypatch, *source)
        limits = ReadLimits(line=1000, record=1000)
        path = tmp_path / f"endless.{format}"
        if format == "csv":
            assert csv_error(path, limits) == reason
        else:
            assert limited_error(path, limits, format) == reason
        assert 1000 <= stream.served <= BUDGET


class TestLimitProperties:
    @settings(max_examples=60)
    @given(
        length=st.integers(min_value=9, max_value=300),
        slack=st.integers(min_value=-3, max_value=3),
        end=st.sampled_from(["", "\n", "\r\n", "\r"]),
        format=st.sampled_from(["jsonl", "csv"]),
    )
    def test_a_line_at_the_limit_reads_one_more_is_refused(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        length: int,
        slack: int,
        end: str,
        format: str,
    ) -> None:
        """A line of exactly the limit reads, whatever its line end; any longer is refused."""
        limit = length + slack
        limits = ReadLimits(line=limit, record=10**6)
        path = tmp_path_factory.mktemp("limit") / f"a.{format}"
        if format == "jsonl":
            write(path, '{"a": "' + "x" * (length - 9) + '"}' + end)
        else:  # the header is line 1
            write(path, "a" + (end or "\n") + "x" * length + end)
        if length > limit:
            reason = refusal("a line", limit, "line")
            if format == "jsonl":
                assert limited_error(path, limits) == f"line 1: {reason}"
            else:
                assert csv_error(path, limits) == f"line 2: {reason}"
        elif format == "jsonl":
            assert len(list(read_records(path, limits=limits))) == 1
        else:
            assert split_all(path, limits)[1] == (2, ["x" * length])
