"""
Reading JSON and JSON Lines, telling a file's format, and the length limits: streaming, one
invalid record per bad record, one line for a file that cannot be read at all.

CSV and Exact XML have their own tests (``test_csv.py``, ``test_exact_xml.py``); the public
API's everyday cases (streams, pipes, closing, arguments) are in ``test_read.py``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from _samples import record
from _streams import BUDGET, Endless
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from accountcore import from_dict
from accountcore import testing as at
from accountcore.errors import AccountCoreError, Problem
from accountcore.exchange import (
    DEFAULT_LIMITS,
    Place,
    RawRecord,
    ReadLimits,
    ReadOptions,
    UnreadableFile,
    detect_format,
    read,
    read_raw,
)
from accountcore.exchange import _files as files
from accountcore.exchange import _json as json_reader
from accountcore.exchange._common import SKIP_FACTOR, Input, open_input

NOT_AN_OBJECT = (Problem((), "invalid_type", "A record is a JSON object."),)
GOOD = json.dumps(record())


def write(path: Path, text: str | bytes) -> Path:
    """Write a file and return its path."""
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def raws(
    path: Path, format: str | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> list[RawRecord]:
    """Read every record of a file, as read."""
    return list(read_raw(path, format=format, limits=limits))


def error_of(path: Path, format: str | None = None, limits: ReadLimits = DEFAULT_LIMITS) -> str:
    """Return the one-line message of the UnreadableFile that reading raises, less the name."""
    with pytest.raises(UnreadableFile) as caught:
        raws(path, format, limits)
    error = caught.value
    where = "" if error.line is None else f"line {error.line}: "
    assert isinstance(error, AccountCoreError) and error.file == str(path)
    assert str(error) == f"{path}: {where}{error.reason}" and "\n" not in str(error)
    return str(error)[len(f"{path}: ") :]


def outline(records: list[RawRecord]) -> list[tuple[int, int, list[str]]]:
    """Each record's line, number in the file, and problem codes."""
    return [(r.place.line, r.place.record, [p.code for p in r.problems]) for r in records]


def chunks(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """Make the JSON reader read ``size`` characters at a time, everywhere it reads."""
    monkeypatch.setattr(json_reader, "_CHUNK", size)
    monkeypatch.setattr(json_reader._Window.more, "__defaults__", (size,))


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
    third = record(id="a3", code="1003", name='Other, "Quoted" Name', remarks='Pays, "late"\nto')
    return [record(), second, third]


class TestDetectFormat:
    @pytest.mark.parametrize(
        ("name", "kind"),
        [("a.csv", "csv"), ("a.TSV", "csv"), ("a.JSON", "json"), ("a.jsonl", "jsonl"),
         ("a.ndjson", "jsonl"), ("a.xml", "xml")],
    )  # fmt: skip
    def test_by_extension(self, tmp_path: Path, name: str, kind: str) -> None:
        """A known extension decides, whatever the file holds (or whether it exists)."""
        assert detect_format(tmp_path / name) == kind

    @pytest.mark.parametrize(
        ("content", "kind"),
        [(b"[{}]", "json"), (b'\n  {"a": 1}', "jsonl"), (b"<Accounts/>", "xml"),
         (b"code,name", "csv"), (b"\xef\xbb\xbf \r\n[", "json"), ("é,b".encode(), "csv"),
         (b" \n\t", "csv"), (b"\n\xff\xfe[", "csv"), ("\ufeffcode\t".encode("utf-16"), "csv")],
    )  # fmt: skip
    def test_by_content(self, tmp_path: Path, content: bytes, kind: str) -> None:
        """Without a known extension the first non-blank byte decides, after any BOM; other
        text (blank, not UTF-8, UTF-16) is taken for CSV, whose reader tells its encoding."""
        assert detect_format(write(tmp_path / "accounts.txt", content)) == kind

    def test_long_blank_start(self, tmp_path: Path) -> None:
        """Blank text longer than one read does not hide the first character."""
        assert detect_format(write(tmp_path / "a", b" " * 10_000 + b"[")) == "json"

    @pytest.mark.parametrize(
        ("content", "reason"),
        [(b"", "the file holds no records"),
         (b"\x00\x01", "cannot tell the format; name it .csv, .json, .jsonl or .xml")],
    )  # fmt: skip
    def test_cannot_tell(self, tmp_path: Path, content: bytes, reason: str) -> None:
        """An empty or binary file without a known extension cannot be told."""
        path = write(tmp_path / "accounts", content)
        with pytest.raises(UnreadableFile) as caught:
            detect_format(path)
        assert str(caught.value) == f"{path}: {reason}"

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing file without an extension is unreadable, not a crash."""
        with pytest.raises(UnreadableFile, match="no such file"):
            detect_format(tmp_path / "nothing")


class TestResolveFormat:
    def test_json_extension_holding_lines(self, tmp_path: Path) -> None:
        """A .json file holding JSON Lines is read as lines, one record a line."""
        path = write(tmp_path / "a.json", GOOD + "\n" + json.dumps({"code": 1}))
        results = list(read(path))
        assert [r.place for r in results] == [Place(str(path), 1, 1), Place(str(path), 2, 2)]
        assert results[0].account == from_dict(record()) and not results[1].ok

    def test_jsonl_extension_holding_an_array(self, tmp_path: Path) -> None:
        """A .jsonl file holding a JSON array is read as the array it is."""
        path = write(tmp_path / "a.jsonl", f"[{GOOD},\n{GOOD}]")
        assert outline(raws(path)) == [(1, 1, []), (2, 2, [])]

    def test_format_argument_wins(self, tmp_path: Path) -> None:
        """An explicit format reads a file whatever its name and content."""
        path = write(tmp_path / "export.csv", GOOD)
        assert [r.data for r in raws(path, "jsonl")] == [record()]
        path = write(tmp_path / "a.json", GOOD)
        assert error_of(path, "json") == (
            "not a JSON array of records (it holds an object; JSON Lines files end in .jsonl)"
        )

    def test_unknown_format_is_a_programming_error(self, tmp_path: Path) -> None:
        """Inside, a format that does not exist is a ValueError (a ValidationError), not an
        unreadable file."""
        with (
            open_input(write(tmp_path / "a.json", "[]")) as source,
            pytest.raises(ValueError, match=r"(?i)unknown format 'yaml'"),
        ):
            files.resolve_format(source, "yaml")


class TestGoodFiles:
    @pytest.mark.parametrize("format", ["json", "jsonl"])
    def test_round_trip(self, tmp_path: Path, format: str) -> None:
        """JSON and JSON Lines read to the original accounts."""
        texts = {
            "json": json.dumps(three(), indent=2),
            "jsonl": "".join(json.dumps(r) + "\n" for r in three()),
        }
        results = list(read(write(tmp_path / f"accounts.{format}", texts[format])))
        assert [r.account for r in results] == [from_dict(r) for r in three()]

    @pytest.mark.parametrize("format", ["json", "jsonl"])
    def test_bom_is_accepted(self, tmp_path: Path, format: str) -> None:
        """A UTF-8 byte order mark before the content is skipped."""
        text = json.dumps([record()]) if format == "json" else GOOD
        (result,) = read(write(tmp_path / f"a.{format}", b"\xef\xbb\xbf" + text.encode()))
        assert result.account == from_dict(record())

    def test_places(self, tmp_path: Path) -> None:
        """A place is the file, the line the record starts on (blank lines counted), and its
        number in the file (blank lines not counted); ``str()`` is ``file:line``."""
        lines = write(tmp_path / "a.jsonl", f"\n{GOOD}\n\n{GOOD}")
        multi = json.dumps(record(), indent=2)
        array = write(tmp_path / "a.json", f"[{multi},\n\n  {GOOD}]")
        assert [r.place for r in raws(lines)] == [Place(str(lines), 2, 1), Place(str(lines), 4, 2)]
        second = multi.count("\n") + 3
        assert [r.place for r in raws(array)] == [
            Place(str(array), 1, 1),
            Place(str(array), second, 2),
        ]
        assert str(Place(str(array), second, 2)) == f"{array}:{second}"

    @pytest.mark.parametrize("format", ["json", "jsonl"])
    def test_a_record_that_is_no_object(self, tmp_path: Path, format: str) -> None:
        """A value that is not an object is a problem of its record; the file reads on."""
        text = "[3, null, {}]" if format == "json" else "3\nnull\n{}\n"
        records = raws(write(tmp_path / f"a.{format}", text), format)
        assert [(r.data, r.problems) for r in records] == [
            (None, NOT_AN_OBJECT),
            (None, NOT_AN_OBJECT),
            ({}, ()),
        ]


class TestJSONChunks:
    @pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
    def test_records_split_across_chunks(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
    ) -> None:
        """Records, numbers and strings cut by a chunk's end read whole."""
        chunks(monkeypatch, chunk)
        values: list[object] = [1234567, "text é ünïcode", *three(), -1.25e10, True, None, [[], {}]]
        records = raws(write(tmp_path / "a.json", json.dumps(values, ensure_ascii=False)))
        assert [r.data for r in records[2:5]] == three()
        assert [r.problems for r in records] == [NOT_AN_OBJECT] * 2 + [()] * 3 + [NOT_AN_OBJECT] * 4

    def test_memory_stays_within_a_record(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The window over the file holds at most a chunk and twice a record, never the file
        (a record cut by the window's end is read on by as much again as it holds)."""
        monkeypatch.setattr(json_reader, "_CHUNK", 100)
        sizes: list[int] = []
        real_more = json_reader._Window.more

        def more(window: json_reader._Window, size: int = 100) -> None:
            real_more(window, size)
            sizes.append(len(window.text))

        monkeypatch.setattr(json_reader._Window, "more", more)
        path = write(tmp_path / "a.json", json.dumps([record()] * 200))
        assert len(raws(path)) == 200
        assert max(sizes) < 100 + 2 * len(GOOD) + 10

    def test_error_line_in_a_later_chunk(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A fault deep in the file names its line, counted across chunks, after the records
        before it."""
        chunks(monkeypatch, 5)
        path = write(tmp_path / "a.json", '[\n{"a": 1},\n{"b": 2},\n{"c" 3}\n]')
        records = read_raw(path)
        assert [next(records).data, next(records).data] == [{"a": 1}, {"b": 2}]
        with pytest.raises(UnreadableFile) as caught:
            next(records)
        assert caught.value.line == 4
        assert caught.value.reason == "not valid JSON (Expecting ':' delimiter in record 3)"


class TestUnreadable:
    @pytest.mark.parametrize("format", ["json", "jsonl"])
    def test_missing_file_and_directory(self, tmp_path: Path, format: str) -> None:
        """A missing file and a directory are one line each, with no line number."""
        assert error_of(tmp_path / f"none.{format}") == "no such file"
        path = tmp_path / f"dir.{format}"
        path.mkdir()
        assert error_of(path) == "is a directory, not a file"

    @pytest.mark.parametrize(
        ("name", "content"),
        [("a.json", ""), ("a.json", " [ ] "), ("a.jsonl", "\n \n"), ("a.jsonl", "\ufeff\n")],
    )
    def test_no_records(self, tmp_path: Path, name: str, content: str) -> None:
        """A file without a single record is unreadable: it holds no records."""
        assert error_of(write(tmp_path / name, content)) == "the file holds no records"

    def test_a_json_array_not_utf8(self, tmp_path: Path) -> None:
        """Bytes that are not UTF-8 in a JSON array make the file unreadable; a path's line
        is found, even beyond the first read; a stream's is not sought."""
        good = "[\n" + ",\n".join([GOOD] * 400) + ",\n"
        data = good.encode() + b'{"name": "caf\xe9"}\n]'
        path = write(tmp_path / "a.json", data)
        assert error_of(path) == f"line {good.count(chr(10)) + 1}: not UTF-8 text"
        with pytest.raises(UnreadableFile) as caught:
            list(read_raw(io.BytesIO(data), name="s.json"))
        assert (caught.value.line, caught.value.reason) == (None, "not UTF-8 text")

    def test_a_json_lines_line_not_utf8(self, tmp_path: Path) -> None:
        """A JSON Lines line that is not UTF-8 is one invalid record, even beyond the first
        read, and the lines after it read."""
        good = (GOOD + "\n") * 400
        path = write(tmp_path / "a.jsonl", good.encode() + b'{"name": "caf\xe9"}\n' + b"{}\n")
        records = raws(path)
        assert outline(records[-2:]) == [(401, 401, ["unreadable_record"]), (402, 402, [])]
        assert len(records) == 402

    @pytest.mark.parametrize(
        ("content", "reason"),
        [
            ('[{"a": 1}, {"b": ', "not valid JSON: the file ends in the middle of record 2"),
            ('[{"a": "unfinished', "not valid JSON: the file ends in the middle of record 1"),
            ('[{"a": 1},', "not valid JSON: the file ends before the closing ']'"),
            ('[{"a": 1}', "not valid JSON: the file ends before the closing ']'"),
            ("[", "not valid JSON: the file ends before the closing ']'"),
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
        """A malformed JSON array is one line saying what and where: no record boundary can
        be trusted after it."""
        assert error_of(write(tmp_path / "a.json", content)) == reason

    @pytest.mark.parametrize(
        ("content", "place", "reason"),
        [
            ('{"a": 1}\n{"b": ', (2, 2), "Expecting value at column 7"),
            ('{"a": 1}\n\nnot json\n', (3, 2), "Expecting value at column 1"),
            ('{"a": ' + "[" * 100_000, (1, 1), "nested too deeply"),
        ],
    )
    def test_malformed_json_lines(
        self, tmp_path: Path, content: str, place: tuple[int, int], reason: str
    ) -> None:
        """A line that is not JSON is one invalid record naming why: the file reads, even
        when it is its only record."""
        *_, last = raws(write(tmp_path / "a.jsonl", content))
        assert (last.place.line, last.place.record, last.data) == (*place, None)
        message = f"The line is not a JSON record ({reason})."
        assert last.problems == (Problem((), "unreadable_record", message),)


class TestDispatch:
    def test_a_format_goes_to_its_reader_with_the_options(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Each format's reader gets the open file (its name as reported, its path when on
        disk) and the options; a stream's name tells its format."""
        seen: list[tuple[str, Path | None, ReadOptions]] = []

        def read_exact_xml(source: Input, options: ReadOptions) -> Iterator[RawRecord]:
            seen.append((source.name, source.path, options))
            yield RawRecord(Place(source.name, 2, 1), {"code": "1"})

        monkeypatch.setitem(files._READERS, "xml", read_exact_xml)
        path, limits = write(tmp_path / "export.xml", ""), ReadLimits(line=5, record=7)
        assert raws(path, limits=limits) == [RawRecord(Place(str(path), 2, 1), {"code": "1"})]
        (shown,) = read_raw(io.BytesIO(b"{}"), name="shown.xml")
        assert shown.place.file == "shown.xml"
        assert seen == [
            (str(path), path, ReadOptions(limits=limits)),
            ("shown.xml", None, ReadOptions()),
        ]

    def test_a_reader_that_yields_nothing(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Whatever the reader, a file of no records is unreadable."""
        monkeypatch.setitem(files._READERS, "xml", lambda source, options: iter(()))
        assert error_of(write(tmp_path / "a.xml", "<x/>")) == "the file holds no records"


class TestProperties:
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
        """Arbitrary JSON, whole or cut short, yields records or raises UnreadableFile only;
        JSON Lines yields one record per non-blank line, whatever the lines hold."""
        text = "\n".join(map(json.dumps, values)) if lines else json.dumps(values)
        text = text[: cut % (len(text) + 1)] if cut % 3 == 0 else text
        format = "jsonl" if lines else "json"
        path = tmp_path_factory.mktemp("json") / f"a.{format}"
        path.write_text(text, encoding="utf-8")
        filled = [line for line in text.split("\n") if line.strip()]
        with pytest.MonkeyPatch.context() as patch:
            chunks(patch, chunk)
            try:
                records = raws(path, format)
            except UnreadableFile as error:
                assert "\n" not in str(error)
                assert not lines or not filled
                return
        assert all(isinstance(r, RawRecord) for r in records)
        assert [r.place.record for r in records] == list(range(1, len(records) + 1))
        if lines:
            assert len(records) == len(filled)
        if cut % 3:  # whole files read every value, in order
            expected = [v if isinstance(v, dict) else None for v in values]
            assert [json.dumps(r.data) for r in records] == list(map(json.dumps, expected))


# --- limits -------------------------------------------------------------------------------------


def too_long(what: str, limit: int, option: str = "record", unit: str = "characters") -> Problem:
    """The problem of a record skipped for going past ``limit``."""
    flag = {"line": "--max-line-length", "record": "--max-record-length"}[option]
    reason = f"{what} is longer than {limit:,} {unit} (the limit; raise it with {flag})."
    return Problem((), "record_too_long", reason)


def beyond(what: str, limit: int, option: str, unit: str) -> str:
    """The reason a file is refused for a record going on past `SKIP_FACTOR` times ``limit``."""
    flag = {"line": "--max-line-length", "record": "--max-record-length"}[option]
    return (
        f"{what} goes on past {limit * SKIP_FACTOR:,} {unit} ({SKIP_FACTOR} times the limit, "
        f"raised with {flag}): no end of it was found to read on from"
    )


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
        ("name", "content", "limits", "problem"),
        [
            ("a.jsonl", '{"a": 1}\n\n{"a": "' + "x" * 50 + '"}\n{"a": 1}\n', (40, 1000),
             too_long("The line", 40, "line", "bytes")),
            ("a.jsonl", '{"a": 1}\n\n{"a": "' + "x" * 50 + '"}\n{"a": 1}\n', (1000, 40),
             too_long("The record", 40, "record", "bytes")),
            ("a.json", '[\n{"a": 1},\n\n {"a": "' + "x" * 50 + '"},\n{"a": 1}]', (1, 40),
             too_long("The record", 40)),
        ],
    )  # fmt: skip
    def test_a_record_past_a_limit_is_skipped(
        self, tmp_path: Path, name: str, content: str, limits: tuple[int, int], problem: Problem
    ) -> None:
        """A line or a record past its limit is one invalid record at the line it starts on,
        naming the option that raises the limit; it counts as a record, and reading goes on.
        A JSON Lines line is held to the lower limit, and named by it."""
        line, record = limits
        records = raws(write(tmp_path / name, content), limits=ReadLimits(line=line, record=record))
        first = 2 if name == "a.json" else 1  # a JSON array's "[" has a line of its own
        assert outline(records) == [
            (first, 1, []),
            (first + 2, 2, ["record_too_long"]),
            (first + 3, 3, []),
        ]
        assert (records[1].data, records[1].problems) == (None, (problem,))

    def test_json_lines_limits_count_bytes(self, tmp_path: Path) -> None:
        """JSON Lines lines are read as bytes and held to the limit in bytes; a JSON array's
        records in characters."""
        element = json.dumps({"a": "é" * 20}, ensure_ascii=False)  # 29 characters, 49 bytes
        limits = ReadLimits(line=40, record=40)
        lines = write(tmp_path / "a.jsonl", element + "\n")
        array = write(tmp_path / "a.json", f"[{element}]")
        assert outline(raws(lines, limits=limits)) == [(1, 1, ["record_too_long"])]
        assert [r.data for r in raws(array, limits=limits)] == [{"a": "é" * 20}]

    @pytest.mark.parametrize("chunk", [7, 64 * 1024])
    @pytest.mark.parametrize("over", [0, 1])
    def test_a_json_record_at_the_limit(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, over: int
    ) -> None:
        """A JSON record exactly as long as the limit reads; one character more is skipped,
        however the chunks cut it, and the records after it read."""
        chunks(monkeypatch, chunk)
        element = json.dumps({"a": "x" * 80, "b": [1, 2.5, None]})
        path = write(tmp_path / "a.json", f'[\n{{"a": 1}}, {element} ,\n{{"b": 2}}]')
        records = raws(path, limits=ReadLimits(line=1, record=len(element) - over))
        assert outline(records) == [(2, 1, []), (2, 2, ["record_too_long"] * over), (3, 3, [])]

    @pytest.mark.parametrize(
        ("format", "times", "reason"),
        [
            ("jsonl", 10, None),
            ("jsonl", SKIP_FACTOR + 2, "line 2: " + beyond("a line", 100, "line", "bytes")),
            ("json", 10, None),
            ("json", 1000, "line 2: " + beyond("record 2", 100, "record", "characters")),
        ],
    )
    def test_skipping_is_bounded(
        self, tmp_path: Path, format: str, times: int, reason: str | None
    ) -> None:
        """A record well past its limit is skipped; one that goes on past `SKIP_FACTOR` times
        the limit makes the file unreadable, after the records before it."""
        texts = ["{}", json.dumps({"a": "x" * 100 * times}), "{}"]
        content = "\n".join(texts) if format == "jsonl" else "[" + ",\n".join(texts) + "]"
        path = write(tmp_path / f"a.{format}", content)
        limits = ReadLimits(line=100, record=100)
        if reason is None:
            assert outline(raws(path, limits=limits)) == [
                (1, 1, []),
                (2, 2, ["record_too_long"]),
                (3, 3, []),
            ]
        else:
            records = read_raw(path, limits=limits)
            assert next(records).data == {}
            assert error_of(path, limits=limits) == reason


class TestEndlessFiles:
    @pytest.mark.parametrize(
        ("format", "source", "reason"),
        [
            ("jsonl", ("", "\0"), "line 1: " + beyond("a line", 1000, "line", "bytes")),
            ("jsonl", ('{"a": 1}\n{"a": "', "x"), "line 2: " + beyond("a line", 1000, "line",
                                                                      "bytes")),
            ("json", ('[{"a": 1},\n{"a": "', "x"), "line 2: " + beyond("record 2", 1000,
                                                                       "record", "characters")),
            ("json", ("[[", "1, "), "line 1: " + beyond("record 1", 1000, "record",
                                                        "characters")),
        ],
    )  # fmt: skip
    def test_refused_once_past_skipping(
        self, format: str, source: tuple[str, str], reason: str
    ) -> None:
        """A file whose line or record never ends is skipped up to `SKIP_FACTOR` times the
        limit, then refused: reading takes that and a few buffers, never the rest."""
        stream = Endless(source[0].encode(), source[1].encode())
        limits = ReadLimits(line=1000, record=1000)
        with pytest.raises(UnreadableFile) as caught:
            list(read_raw(io.BufferedReader(stream), format=format, name="-", limits=limits))
        assert str(caught.value) == f"-: {reason}"
        assert 1000 * SKIP_FACTOR <= stream.served <= BUDGET


class TestLimitProperties:
    @settings(max_examples=60)
    @given(
        length=st.integers(min_value=9, max_value=300),
        slack=st.integers(min_value=-3, max_value=3),
        end=st.sampled_from(["", "\n", "\r\n", "\r"]),
    )
    def test_a_line_at_the_limit_reads_one_more_is_skipped(
        self, tmp_path_factory: pytest.TempPathFactory, length: int, slack: int, end: str
    ) -> None:
        """A JSON Lines line of exactly the limit reads, whatever its line end; any longer is
        one invalid record."""
        limit = length + slack
        path = tmp_path_factory.mktemp("limit") / "a.jsonl"
        write(path, '{"a": "' + "x" * (length - 9) + '"}' + end)
        records = raws(path, limits=ReadLimits(line=limit, record=10**6))
        assert outline(records) == [(1, 1, ["record_too_long"] if length > limit else [])]

    @settings(max_examples=150)
    @given(
        value=st.recursive(
            st.none() | st.booleans() | st.integers() | st.text('"\\[]{},: x\né', max_size=12),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.text('"\\]} x', max_size=4), inner, max_size=4)
            ),
            max_leaves=12,
        ),
        indent=st.sampled_from([None, 0, 1]),
        chunk=st.integers(1, 9),
    )
    @example(value=-100000000, indent=None, chunk=1)  # a number cut by a chunk's end
    @example(value=["\\" * 9 + '"'], indent=None, chunk=4)  # backslashes across chunks
    def test_a_skipped_json_record_ends_where_it_ends(
        self, value: object, indent: int | None, chunk: int
    ) -> None:
        """A record past the limit is skipped to its very end, however the chunks cut its
        strings (quotes and runs of backslashes found by search) and its brackets (counted
        between strings): the records after it read, on their lines."""
        element = json.dumps(value, indent=indent, ensure_ascii=False)
        assume(8 < len(element) <= 8 * SKIP_FACTOR)
        text = '[\n{"a": 1},\n' + element + ',\n{"b": 2}, 3\n]'
        with pytest.MonkeyPatch.context() as patch:
            chunks(patch, chunk)
            stream = io.BytesIO(text.encode())
            records = list(read_raw(stream, format="json", name="-", limits=ReadLimits(8, 8)))
        after = 4 + element.count("\n")
        assert outline(records) == [
            (2, 1, []), (3, 2, ["record_too_long"]), (after, 3, []), (after, 4, ["invalid_type"]),
        ]  # fmt: skip
        assert records[2].data == {"b": 2}
