"""The ``check`` and ``diagram`` commands: every input format, malformed files, exit codes."""

from __future__ import annotations

import contextlib
import csv
import gc
import importlib.util
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Executor, Future
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from _paths import DATA
from _samples import record

from accountcore.cli import main
from accountcore.cli._summary import progress
from accountcore.exchange import Place, ReadOptions
from accountcore.exchange._check import CHUNK, Chunk, FileTally, _chunks, _data, _judged, judge
from accountcore.exchange._common import open_input
from accountcore.exchange._csv import cells_of

TYPES = (
    "associate",
    "bank",
    "customer",
    "division",
    "employee",
    "lead",
    "not_validated",
    "prospect",
    "reseller",
    "supplier",
    "suspect",
)
XML = """<?xml version="1.0" encoding="UTF-8"?>
<eExact>
  <Accounts>
    <Account code="1001" type="C" status="A">
      <Name>Acme B.V.</Name>
      <Addresses>
        <Address type="VIS">
          <AddressLine1>Damrak</AddressLine1><AddressNo>1</AddressNo>
          <PostalCode>1012 LG</PostalCode><City>Amsterdam</City><IsoCountry>NL</IsoCountry>
        </Address>
      </Addresses>
    </Account>
    <Account code="1002" type="S" status="A">
      <Name>Brandt GmbH</Name>
      <Addresses>
        <Address type="VIS">
          <AddressLine1>Rheinallee 12</AddressLine1><City>Köln</City><IsoCountry>XX</IsoCountry>
        </Address>
      </Addresses>
    </Account>
  </Accounts>
</eExact>
"""


T = TypeVar("T")
EXACT = DATA / "exact"
#: The Exact XML fixtures and the exit code checking each must give.
EXACT_EXITS = {
    "accounts.xml": 0,
    "latin1.xml": 0,
    "bad_iban.xml": 1,
    "bad_encoding.xml": 2,
    "empty.xml": 2,
    "entities.xml": 2,
    "not_xml.xml": 2,
    "truncated.xml": 2,
    "unknown_element.xml": 0,  # a warning: the element is named, the account read
    "wrong_root.xml": 2,
    "addresses.xml": 0,
    "contact_addresses.xml": 0,
    "customer_supplier.xml": 0,
    "not_validated.xml": 1,  # code="" asks to be numbered: see --allocate-codes
    "online.xml": 1,
    "online_feed.xml": 2,  # an Exact Online Atom feed, named as such
    "supplier_request.xml": 1,
}


def run(*argv: str) -> tuple[int, str]:
    """Run the command line in-process; return the exit code and standard output."""
    out = io.StringIO()
    return main(list(argv), stdout=out), out.getvalue()


def run_json(*argv: str) -> tuple[int, dict[str, Any]]:
    """Run a check with ``--format json``; return the exit code and the parsed report."""
    code, out = run(*argv, "--format", "json")
    report: dict[str, Any] = json.loads(out)
    return code, report


def records() -> list[dict[str, object]]:
    """Two valid accounts and one whose IBAN has wrong check digits and whose city is blank."""
    bad: dict[str, Any] = record(id="a3", code="1003")
    bad["financial"]["bank_accounts"][0]["iban"] = "NL92 ABNA 0417 1643 00"
    bad["summary"]["address"]["city"] = " "
    return [record(id="a1"), record(id="a2", code="1002", type="S"), bad]


def write(path: Path, rows: list[dict[str, object]]) -> Path:
    """Write ``rows`` in the format ``path``'s extension names; return the path."""
    if path.suffix == ".json":
        path.write_text(json.dumps(rows), encoding="utf-8")
    elif path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    else:
        flat = [dict(cells_of(r)) for r in rows]
        columns = list(dict.fromkeys(key for row in flat for key in row))
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, restval="")
            writer.writeheader()
            writer.writerows(flat)
    return path


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """Return stderr, asserting it is one line starting ``accountcore:``, no traceback."""
    err = capsys.readouterr().err
    assert err.startswith("accountcore: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def file_error(report: dict[str, Any]) -> str:
    """Return the one file fault of a JSON report, as ``file:line: reason``."""
    (error,) = report["errors"]
    line = "" if error["line"] is None else f"{error['line']}:"
    return f"{error['file']}:{line} {error['message']}"


class TestFormats:
    @pytest.mark.parametrize("suffix", [".csv", ".json", ".jsonl"])
    def test_each_format(self, tmp_path: Path, suffix: str) -> None:
        """Each format reads the same records to the same counts and problems."""
        path = write(tmp_path / f"accounts{suffix}", records())
        code, report = run_json("check", str(path))
        assert code == 1
        assert report["totals"] == {"records": 3, "valid": 2, "invalid": 1, "listed": 1,
            "warned": 0, "warnings": 0, "unreadable_files": 0,
        }
        assert report["by_type"]["customer"] == 1 and report["by_type"]["supplier"] == 1
        (invalid,) = report["invalid"]
        problems = {(p["path"], p["code"]) for p in invalid["problems"]}
        assert problems == {
            ("$.financial.bank_accounts[0].iban", "invalid_checksum"),
            ("$.summary.address.city", "required"),
        }

    def test_exact_xml(self, tmp_path: Path) -> None:
        """An Exact XML export is read account by account; its places name the account."""
        path = tmp_path / "export.xml"
        path.write_text(XML, encoding="utf-8")
        code, report = run_json("check", str(path))
        assert code == 1 and report["totals"]["valid"] == 1
        (invalid,) = report["invalid"]
        assert (invalid["line"], invalid["record"]) == (13, 2)
        assert invalid["problems"][0]["code"] == "unknown_country"

    @pytest.mark.parametrize(("name", "exit_code"), sorted(EXACT_EXITS.items()))
    def test_exact_fixtures(
        self, capsys: pytest.CaptureFixture[str], name: str, exit_code: int
    ) -> None:
        """Each Exact XML fixture checks to its exit code; an unreadable one to one line on
        stderr and a complete report on stdout."""
        path = EXACT / name
        if not path.exists():
            pytest.skip(f"{path} is not there")
        code, report = run_json("check", str(path))
        assert code == exit_code
        if exit_code == 2:
            assert str(path) in one_error_line(capsys)
            assert file_error(report).startswith(str(path))

    def test_allocate_codes(self) -> None:
        """--allocate-codes numbers the accounts that ask for it, after the file's codes."""
        assert run("check", str(EXACT / "not_validated.xml"))[0] == 1
        code, report = run_json("check", str(EXACT / "not_validated.xml"), "--allocate-codes")
        assert code == 0 and report["totals"]["valid"] == 3

    def test_output_writes_the_valid_accounts(self, tmp_path: Path) -> None:
        """--output writes the valid accounts of any input, read back to the same."""
        source = write(tmp_path / "a.jsonl", records())
        for suffix in (".xml", ".csv", ".json", ".jsonl"):
            out = tmp_path / f"valid{suffix}"
            assert run("check", str(source), "--output", str(out))[0] == 1
            code, report = run_json("check", str(out))
            assert code == 0 and report["totals"]["valid"] == 2, suffix

    def test_input_format_overrides_the_extension(self, tmp_path: Path) -> None:
        """--input-format reads a file whatever its name."""
        path = write(tmp_path / "accounts.jsonl", records()[:1]).rename(tmp_path / "export.txt")
        assert run_json("check", str(path), "--input-format", "jsonl")[0] == 0

    def test_several_files(self, tmp_path: Path) -> None:
        """Counts are given per file and overall; invalid records name their file."""
        good = write(tmp_path / "good.csv", records()[:2])
        mixed = write(tmp_path / "mixed.jsonl", records())
        code, report = run_json("check", str(good), str(mixed))
        files = [(f["file"], f["valid"], f["invalid"]) for f in report["files"]]
        assert code == 1 and files == [(str(good), 2, 0), (str(mixed), 2, 1)]
        assert report["totals"]["records"] == 5
        assert report["invalid"][0]["file"] == str(mixed)


class TestExitCodes:
    def test_all_valid(self, tmp_path: Path) -> None:
        """A file of valid records exits 0 and says so."""
        code, out = run("check", str(write(tmp_path / "a.jsonl", records()[:2])))
        assert code == 0 and out.rstrip().endswith("2 records: 2 valid, 0 invalid")

    def test_some_invalid(self, tmp_path: Path) -> None:
        """An invalid record exits 1 and shows its place, every path, code and message."""
        path = write(tmp_path / "a.jsonl", records())
        code, out = run("check", str(path))
        assert code == 1
        assert f"{path}:3: invalid_checksum $.financial.bank_accounts[0].iban: The IBAN" in out
        assert f"{path}:3: required $.summary.address.city: " in out

    def test_reading_problems_make_a_record_invalid(self, tmp_path: Path) -> None:
        """A cell the reader cannot read is reported with the record's other problems."""
        rows: list[dict[str, Any]] = records()[:1]
        rows[0]["marketing"]["security_level"] = "high"
        code, report = run_json("check", str(write(tmp_path / "a.csv", rows)))
        (invalid,) = report["invalid"]
        assert code == 1 and (invalid["line"], invalid["record"]) == (2, 1)
        assert invalid["problems"][0]["path"] == "$.marketing.security_level"

    def test_max_invalid_lists_some_counts_all(self, tmp_path: Path) -> None:
        """--max-invalid caps the records listed, never the count."""
        path = write(tmp_path / "a.jsonl", [records()[2]] * 5)
        code, report = run_json("check", str(path), "--max-invalid", "2")
        assert code == 1 and len(report["invalid"]) == 2
        assert report["totals"]["invalid"] == 5
        assert "3 more invalid records" in run("check", str(path), "--max-invalid", "2")[1]

    @pytest.mark.parametrize("kind", ["jsonl", "github"])
    def test_other_formats(self, tmp_path: Path, kind: str) -> None:
        """jsonl: one object per listed record, then the summary; github: annotations."""
        path = write(tmp_path / "a.jsonl", records())
        code, out = run("check", str(path), "--format", kind)
        assert code == 1
        if kind == "jsonl":
            lines = [json.loads(line) for line in out.splitlines()]
            assert lines[0]["line"] == 3 and lines[0]["valid"] is False
            assert lines[-1]["summary"]["totals"]["invalid"] == 1
        else:
            assert f"::error file={path},line=3,title=invalid_checksum::" in out

    def test_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--version prints the installed version."""
        with pytest.raises(SystemExit) as caught:
            main(["--version"])
        assert caught.value.code == 0
        assert capsys.readouterr().out.startswith("accountcore ")


class TestMalformed:
    @pytest.mark.parametrize(
        ("name", "content", "reason"),
        [
            ("bad.json", b'[{"code": "1001", "name": ', "ends in the middle of record 1"),
            ("bad.csv", b"code,name\n1001,Acme\n", "type_since"),
            ("bad.xml", XML[:400].encode(), "the file ends"),
            ("empty.jsonl", b"", "holds no records"),
        ],
    )
    def test_unreadable_exits_2(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        name: str,
        content: bytes,
        reason: str,
    ) -> None:
        """An unreadable file exits 2 with one line on stderr saying why, and the report on
        stdout names it too."""
        path = tmp_path / name
        path.write_bytes(content)
        code, out = run("check", str(path))
        assert code == 2 and reason in one_error_line(capsys)
        assert f"{path}" in out and "unreadable_file" in out and "could not be read" in out

    def test_a_bad_record_does_not_end_the_file(self, tmp_path: Path) -> None:
        """A line that is not JSON is one invalid record; the records after it are read."""
        good = json.dumps(record())
        path = tmp_path / "a.jsonl"
        path.write_bytes(good.encode() + b"\n{oops\n" + b'{"code": "caf\xe9"}\n' + good.encode())
        code, report = run_json("check", str(path))
        assert code == 1 and report["totals"]["valid"] == 2
        assert [i["problems"][0]["code"] for i in report["invalid"]] == ["unreadable_record"] * 2
        assert [i["line"] for i in report["invalid"]] == [2, 3]

    def test_an_unknown_xml_element_is_a_warning(self, tmp_path: Path) -> None:
        """An element outside the schema is named as a warning; --strict makes it an error."""
        path = tmp_path / "a.xml"
        path.write_text(XML.replace("<Name>", "<Nickname>x</Nickname><Name>"), encoding="utf-8")
        code, report = run_json("check", str(path))
        assert code == 1 and report["totals"]["valid"] == 1  # the second's country is wrong
        warned = [w["code"] for w in report["warnings"][0]["warnings"]]
        assert "unknown_element" in warned
        code, report = run_json("check", str(path), "--strict")
        assert code == 1 and report["totals"]["invalid"] == 2

    def test_missing_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A missing file is reported, and the other files are checked all the same."""
        good = write(tmp_path / "good.jsonl", records())
        code, report = run_json("check", str(tmp_path / "nope.csv"), str(good))
        assert code == 2 and report["totals"]["records"] == 3
        assert "nope.csv: no such file" in one_error_line(capsys)
        assert report["files"][0]["error"]["message"] == "no such file"

    def test_directory(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """A directory is not a file."""
        assert run("check", str(tmp_path))[0] == 2
        assert "is a directory" in one_error_line(capsys)

    def test_standard_input(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """- reads standard input; its format is told by its content."""
        data = "".join(json.dumps(r) + "\n" for r in records())
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode())))
        code, report = run_json("check", "-")
        assert code == 1 and report["files"][0]["file"] == "-"
        assert report["files"][0]["format"] == "jsonl" and report["totals"]["records"] == 3

    @pytest.mark.parametrize("option", [["--jobs", "0"], ["--max-invalid", "-1"], ["--bogus"]])
    def test_usage_errors(self, capsys: pytest.CaptureFixture[str], option: list[str]) -> None:
        """A bad option exits 2 with one line."""
        with pytest.raises(SystemExit) as caught:
            run("check", *option)
        assert caught.value.code == 2
        one_error_line(capsys)


class TestBundledSample:
    def test_default_is_the_sample(self) -> None:
        """With no file the bundled sample is checked: every type, faults found, exit 1."""
        code, report = run_json("check")
        totals = report["totals"]
        assert code == 1 and totals["records"] == 1000
        assert 20 <= totals["invalid"] <= 60
        by_type = report["by_type"]
        assert set(by_type) == set(TYPES) and all(by_type.values())

    def test_no_command_checks_the_sample(self) -> None:
        """No command at all runs the same check, summary first, total last."""
        code, out = run()
        assert code == 1 and "Valid accounts by type" in out
        assert out.rstrip().endswith("1,000 records: 960 valid, 40 invalid")

    def test_plain_text_without_rich(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without rich (the cli extra) the summary is plain text with the same content."""
        for name in [m for m in sys.modules if m == "rich" or m.startswith("rich.")]:
            monkeypatch.setitem(sys.modules, name, None)
        monkeypatch.setitem(sys.modules, "rich", None)
        code, out = run()
        assert code == 1 and "┃" not in out and "  C customer" in out
        assert ": unknown_country $.summary.address.country: " in out


class Inline(Executor):
    """An executor that runs each call at once, in this process, and remembers which."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        self.calls.append(fn.__name__)
        future: Future[T] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


class Deferred(Executor):
    """An executor whose calls stay unfinished until their result is asked for."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        self.calls.append(fn.__name__)
        return _Later(lambda: fn(*args, **kwargs))


class _Later(Future[T]):
    def __init__(self, call: Callable[[], T]) -> None:
        super().__init__()
        self.call = call

    def result(self, timeout: float | None = None) -> T:
        if not self.done():
            self.set_result(self.call())
        return super().result(timeout)


def awkward_csv(path: Path) -> Path:
    """
    Write a CSV file of several chunks: valid and invalid records, a cell the reader cannot
    read, remarks over two lines, blank rows and a short row, the odd ones in late chunks.
    """
    rows: list[dict[str, Any]] = records() * (CHUNK // 2)
    unreadable = record(id="a4", code="1004")
    unreadable["free_fields"] = [
        {"name": "Size", "kind": "text", "value": "L"},
        {"name": "Seats", "kind": "number", "value": "many"},
    ]
    rows[CHUNK + 7] = unreadable
    rows[CHUNK + 8] = record(id="a5", code="1005", remarks="Pays late.\nCall first.")
    write(path, rows)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[CHUNK + 20 : CHUNK + 20] = ["\r\n", ",,,\r\n", lines[3].split(",", 3)[0] + "\r\n"]
    path.write_text("".join(lines), encoding="utf-8")
    return path


class TestJobs:
    def test_jobs_report_as_one(self) -> None:
        """Two processes give the very report one process gives, in the same order."""
        assert CHUNK < 1000  # the sample spans several chunks
        assert run_json("check", "--jobs", "2") == run_json("check", "--jobs", "1")

    def test_csv_jobs_report_as_one(self, tmp_path: Path) -> None:
        """A CSV file, built into records in the workers, reports as in one process: the same
        places (a row's first line), reading problems first, blank rows skipped."""
        path = str(awkward_csv(tmp_path / "a.csv"))
        code, report = run_json("check", path, "--max-invalid", "5000")
        assert (code, report) == run_json("check", path, "--jobs", "2", "--max-invalid", "5000")
        rows = CHUNK // 2 * 3
        assert report["totals"]["records"] == rows + 1  # the short row is one more, invalid
        places = {i["line"]: [p["code"] for p in i["problems"]] for i in report["invalid"]}
        assert places[CHUNK + 9][0] == "invalid_type"  # the unreadable number
        assert CHUNK + 10 not in places  # the two-line remarks are valid
        assert "required" in places[CHUNK + 23]  # the short row: an id, no more
        # Past the two-line remarks, two blank rows and the short row, record i starts on line
        # i + 6 (the header is line 1); every third record is invalid.
        late = next(i for i in range(CHUNK + 18, CHUNK + 21) if i % 3 == 2)
        assert late + 6 in places and late + 7 not in places
        numbers = [i["record"] for i in report["invalid"]]
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)

    def test_csv_chunks_travel_as_cells(self, tmp_path: Path) -> None:
        """A CSV file's chunks go out as packed cells, not records."""
        pool = Inline()
        with open_input(write(tmp_path / "a.csv", records())) as source:
            chunks = list(_chunks(source, "csv", ReadOptions()))
        verdicts = [v for _, vs in _judged(chunks, pool, 1) for v in vs]
        assert pool.calls == ["judge_rows_packed"]
        assert [v[0] if v else None for v in verdicts] == ["C", "S", ""]

    def test_this_process_judges_what_the_workers_have_no_room_for(self) -> None:
        """With two chunks per worker unfinished, the next is judged here; all come back in
        order, and as one process would judge them."""
        pool = Deferred()
        chunks: list[Chunk] = [[(Place("a", n, n), record(code=str(n)), ())] for n in range(1, 8)]
        judged = list(_judged(chunks, pool, 1))
        assert [chunk for chunk, _ in judged] == chunks
        assert [verdicts for _, verdicts in judged] == [judge(_data(c)) for c in chunks]
        # Chunks 1 and 2 go out; 3 to 5 are judged here while they stay unfinished; waiting
        # for 1 and 2 (at most four chunks wait) makes room for 6 and 7.
        assert pool.calls == ["judge_packed"] * 4

    @pytest.mark.parametrize(
        ("content", "reason"),
        [
            (b"code,name\n1001,Acme\n", "type_since"),
            (b"", "holds no records"),
            (b"HEADER\n,,,\n\n", "holds no records"),
        ],
    )
    def test_unreadable_csv_exits_2_with_jobs(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | str, reason: str
    ) -> None:
        """A CSV file that cannot be read ends a check of several processes as it ends one."""
        header = write(tmp_path / "h.csv", records()[:1]).read_text().splitlines()[0]
        raw = content.encode() if isinstance(content, str) else content
        path = tmp_path / "bad.csv"
        path.write_bytes(raw.replace(b"HEADER", header.encode()))
        code, report = run_json("check", str(path), "--jobs", "2")
        assert code == 2 and reason in one_error_line(capsys)
        assert reason in file_error(report)

    def test_a_csv_row_with_too_many_cells_is_one_record_with_jobs(self, tmp_path: Path) -> None:
        """A row with more cells than the header is one invalid record, and the rows after it
        are read, with workers as in one process."""
        path = write(tmp_path / "a.csv", records()[:2] * CHUNK)
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        lines[CHUNK + 4] = lines[CHUNK + 4].rstrip("\r\n") + ",extra\r\n"
        path.write_text("".join(lines), encoding="utf-8")
        one = run_json("check", str(path))
        assert one == run_json("check", str(path), "--jobs", "2")
        code, report = one
        assert code == 1 and report["totals"]["records"] == 2 * CHUNK
        (invalid,) = report["invalid"]
        assert invalid["line"] == CHUNK + 5 and invalid["record"] == CHUNK + 4
        assert invalid["problems"][0]["code"] == "unreadable_record"

    def test_chunks_travel_packed(self) -> None:
        """Chunks go to workers packed by marshal, or pickled when marshal cannot pack them."""
        pool = Inline()
        plain: Chunk = [(Place("a", 1, 1), record(), ()), (Place("a", 2, 2), None, ())]
        odd: Chunk = [(Place("b", 1, 1), {**record(), "name": Decimal(1)}, ())]
        verdicts = [v for _, vs in _judged([plain, odd], pool, 1) for v in vs]
        assert pool.calls == ["judge_packed", "judge"]
        assert [v[0] for v in verdicts] == ["C", "", ""]
        assert verdicts[2][2][0][:2] == ("$.name", "invalid_type")

    def test_collections_are_restored(self, tmp_path: Path) -> None:
        """The batch garbage-collection setting lasts for the check only."""
        before = gc.get_threshold()
        run("check", str(write(tmp_path / "a.jsonl", records())))
        assert gc.get_threshold() == before


def long_line_file(path: Path, line: int) -> tuple[Path, int]:
    """
    Write several chunks of records, one with a long name on ``line``; return the path and
    the longest of the other lines.
    """
    rows: list[dict[str, Any]] = records()[:2] * CHUNK
    header = 1 if path.suffix == ".csv" else 0
    rows[line - 1 - header] = record(name="N" * 2000)
    lines = write(path, rows).read_text(encoding="utf-8").splitlines()
    return path, max(len(text) for number, text in enumerate(lines, 1) if number != line)


class TestLimits:
    @pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
    @pytest.mark.parametrize("jobs", ["1", "2"])
    def test_a_long_line_is_one_invalid_record(
        self, tmp_path: Path, suffix: str, jobs: str
    ) -> None:
        """--max-line-length makes a longer line one invalid record, in one process as with
        workers (which read nothing: this process reads), naming the option; the rest read."""
        line = CHUNK + 7
        path, limit = long_line_file(tmp_path / f"a{suffix}", line)
        code, report = run_json("check", str(path), "--jobs", jobs)  # reads: 1 MiB by default
        assert code == 1 and report["invalid"][0]["problems"][0]["code"] == "too_long"
        code, report = run_json(
            "check", str(path), "--jobs", jobs, "--max-line-length", str(limit)
        )
        assert code == 1 and report["totals"]["valid"] == 2 * CHUNK - 1
        (invalid,) = report["invalid"]
        assert invalid["line"] == line
        (problem,) = invalid["problems"]
        assert problem["code"] == "record_too_long"
        assert f"longer than {limit:,}" in problem["message"]
        assert "raise it with --max-line-length" in problem["message"]

    @pytest.mark.parametrize("jobs", ["1", "2"])
    def test_a_long_record_is_one_invalid_record(self, tmp_path: Path, jobs: str) -> None:
        """--max-record-length makes a longer record one invalid record, skipped unread; lines
        of a JSON array are free."""
        path = tmp_path / "a.json"
        rows: list[dict[str, Any]] = records()[:2] * CHUNK
        rows[CHUNK + 3] = record(name="N" * 2000)
        path.write_text(json.dumps(rows), encoding="utf-8")  # one line
        assert run("check", str(path), "--jobs", jobs, "--max-line-length", "1")[0] == 1
        code, report = run_json("check", str(path), "--jobs", jobs, "--max-record-length", "1500")
        (invalid,) = report["invalid"]
        assert code == 1 and (invalid["line"], invalid["record"]) == (1, CHUNK + 4)
        assert invalid["problems"][0]["code"] == "record_too_long"
        assert report["totals"]["records"] == 2 * CHUNK

    @pytest.mark.parametrize(
        "option",
        [["--max-line-length", "0"], ["--max-record-length", "-5"], ["--max-line-length", "x"]],
    )
    def test_a_limit_below_1_is_a_usage_error(
        self, capsys: pytest.CaptureFixture[str], option: list[str]
    ) -> None:
        """A limit that is not a whole number above 0 exits 2 with one line naming it."""
        with pytest.raises(SystemExit) as caught:
            run("check", *option)
        assert caught.value.code == 2
        assert f"argument {option[0]}" in one_error_line(capsys)

    @pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
    @pytest.mark.parametrize("format", ["jsonl", "csv", "json", "xml"])
    def test_dev_zero_stops(self, format: str) -> None:
        """check of /dev/zero, a file with no end, stops with exit 2 and one line."""
        done = subprocess.run(
            [sys.executable, "-m", "accountcore", "check", "--input-format", format, "/dev/zero"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,  # a guard against hanging, not a measure: it takes a fraction of a second
        )
        assert done.returncode == 2 and "/dev/zero" in done.stdout
        assert done.stderr.startswith("accountcore: /dev/zero: ")
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


@pytest.mark.skipif(
    importlib.util.find_spec("rich") is None, reason="needs rich: pip install 'accountcore[cli]'"
)
class TestProgress:
    def test_bar_only_when_wanted(self, capsys: pytest.CaptureFixture[str]) -> None:
        """The progress callback exists when asked for (rich is installed) and draws quietly."""
        with progress(False) as show:
            assert show is None
        with progress(True) as show:
            assert show is not None
            show(FileTally("a.csv", "csv", valid=500))
        assert capsys.readouterr().out == ""

    @pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
    def test_bar_on_a_terminal(self) -> None:
        """With stderr a terminal a bar shows there, and stdout stays the report alone."""
        import pty

        main_fd, terminal = pty.openpty()
        child = subprocess.Popen(
            [sys.executable, "-m", "accountcore", "check", "--format", "json"],
            stdout=subprocess.PIPE,
            stderr=terminal,
        )
        os.close(terminal)
        seen = []
        with contextlib.suppress(OSError):  # EIO once the child has closed the terminal
            while chunk := os.read(main_fd, 65536):
                seen.append(chunk)
        os.close(main_fd)
        out, _ = child.communicate()
        assert child.returncode == 1 and json.loads(out)["totals"]["records"] == 1000
        assert "1,000 records" in b"".join(seen).decode(errors="replace")


class TestDiagram:
    def test_mermaid(self) -> None:
        """The default diagram is Mermaid, every type's moves labelled."""
        code, out = run("diagram")
        assert code == 0 and out.startswith("stateDiagram-v2")

    @pytest.mark.parametrize("name", ["C", "customer", "Customer", "c"])
    def test_dot_for_one_type(self, name: str) -> None:
        """A type by letter or name, in any case, draws that type's machine in DOT."""
        code, out = run("diagram", "--type", name, "--format", "dot")
        assert code == 0 and out.startswith('digraph "account status (Customer)"')

    def test_bad_type(self, capsys: pytest.CaptureFixture[str]) -> None:
        """An unknown type exits 2 with one line listing the known ones."""
        assert run("diagram", "--type", "Q")[0] == 2
        assert "C (customer)" in one_error_line(capsys)


class TestEntryPoint:
    def test_python_m(self, tmp_path: Path) -> None:
        """python -m accountcore check runs in a fresh interpreter and prints JSON."""
        path = write(tmp_path / "a.csv", records())
        done = subprocess.run(
            [sys.executable, "-m", "accountcore", "check", str(path), "--format", "json"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 1 and json.loads(done.stdout)["totals"]["invalid"] == 1

    def test_python_m_unreadable(self, tmp_path: Path) -> None:
        """An unreadable file in a fresh interpreter: exit 2, one line, no traceback."""
        path = tmp_path / "a.json"
        path.write_text('[{"code": ')
        done = subprocess.run(
            [sys.executable, "-m", "accountcore", "check", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 2 and "unreadable_file" in done.stdout
        assert done.stderr.startswith("accountcore: ") and done.stderr.count("\n") == 1


class TestWarnings:
    @staticmethod
    def warned() -> list[dict[str, object]]:
        """One clean account and one whose BIC the registry files under another bank."""
        other: dict[str, Any] = record(id="a2", code="1002")
        other["financial"]["bank_accounts"][0]["bic"] = "RABONL2U"
        return [record(id="a1"), other]

    def test_json_lists_valid_records_with_warnings_apart(self, tmp_path: Path) -> None:
        """A warning leaves the record valid and the exit status 0, and is listed apart."""
        code, report = run_json("check", str(write(tmp_path / "a.jsonl", self.warned())))
        assert code == 0 and report["invalid"] == []
        assert report["totals"]["valid"] == 2
        assert (report["totals"]["warned"], report["totals"]["warnings"]) == (1, 1)
        (listed,) = report["warnings"]
        assert (listed["line"], listed["record"]) == (2, 2)
        assert [w["code"] for w in listed["warnings"]] == ["bic_bank_mismatch"]
        assert listed["warnings"][0]["path"] == "$.financial.bank_accounts[0].bic"

    def test_text_prints_warnings_under_their_own_heading(self, tmp_path: Path) -> None:
        """The text summary prints warnings apart from invalid records, and counts them."""
        path = write(tmp_path / "a.jsonl", self.warned())
        code, out = run("check", str(path))
        assert code == 0
        assert f"{path}:2: bic_bank_mismatch $.financial.bank_accounts[0].bic: " in out
        assert out.splitlines()[0].endswith("[warning]")
        assert out.rstrip().endswith("2 records: 2 valid (1 with warnings), 0 invalid")
