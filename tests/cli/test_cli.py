"""The command line's default run and ``duplicates FILE`` (``check``, ``diagram``: test_check)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from _samples import record

from accountcore.cli import main


def records() -> list[dict[str, object]]:
    """Two spellings of one company and one other company."""
    first = record(id="a1")
    second = record(id="a2", code="1002", name="ACME retail bv")
    other = record(id="a3", code="1003", name="Other Company")
    other["financial"] = {"bank_accounts": []}
    other["marketing"] = {}
    other["contact"] = None
    other["summary"] = {
        "address": {"line1": "Markt 2", "postcode": "3511 AA", "city": "Utrecht", "country": "NL"}
    }
    return [first, second, other]


def run(*argv: str) -> tuple[int, str]:
    """Run the command line in-process; return the exit code and standard output."""
    out = io.StringIO()
    return main(list(argv), stdout=out), out.getvalue()


class TestDuplicates:
    def test_json_array(self, tmp_path: Path) -> None:
        """A JSON array's duplicates are listed with their reasons."""
        path = tmp_path / "accounts.json"
        path.write_text(json.dumps(records()))
        code, out = run("duplicates", str(path))
        assert code == 0
        assert "a1  1001" in out and "a2  1002" in out and "a3" not in out
        assert "vat_number" in out and "1 groups, 2 accounts in them" in out

    def test_json_lines_as_json(self, tmp_path: Path) -> None:
        """JSON Lines read the same; --format json is machine-readable."""
        path = tmp_path / "accounts.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records()))
        code, out = run("duplicates", str(path), "--format", "json")
        report = json.loads(out)
        assert code == 0 and report["accounts"] == 3
        assert [g["account_ids"] for g in report["groups"]] == [["a1", "a2"]]

    def test_invalid_records_are_counted_not_fatal(self, tmp_path: Path) -> None:
        """A record that does not validate is skipped and counted."""
        path = tmp_path / "accounts.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in [*records(), record(name="")]))
        code, out = run("duplicates", str(path))
        assert code == 0 and "1 invalid (skipped)" in out

    @pytest.mark.parametrize(
        ("content", "reason"),
        [
            (b"\xff\xfe[not utf-8", "not UTF-8"),
            (b'[{"id": "a1", "name": ', "not valid JSON"),
            (b"", "holds no records"),
        ],
    )
    def test_unreadable_files_exit_2(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, reason: str
    ) -> None:
        """An unreadable file ends with exit code 2 and one line saying why."""
        path = tmp_path / "bad.json"
        path.write_bytes(content)
        code, _ = run("duplicates", str(path))
        err = capsys.readouterr().err
        assert code == 2 and reason in err and err.count("\n") == 1

    def test_limits(self, tmp_path: Path) -> None:
        """The reading limits apply as in check: a longer record is one invalid record, and
        so is a line that is not JSON; the others are read."""
        path = tmp_path / "accounts.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records()) + '{"id": \n')
        longest = max(len(json.dumps(r)) for r in records())
        code, out = run("duplicates", str(path), "--max-record-length", str(longest))
        assert code == 0 and "4 records, 1 invalid (skipped)" in out
        code, out = run("duplicates", str(path), "--max-record-length", str(longest - 1))
        assert code == 0 and "invalid (skipped)" in out and "4 records, 1 invalid" not in out

    def test_a_limit_of_0_is_a_usage_error(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A limit below 1 exits 2 with one line."""
        with pytest.raises(SystemExit) as caught:
            run("duplicates", "a.jsonl", "--max-line-length", "0")
        assert caught.value.code == 2
        assert "--max-line-length: must be at least 1" in capsys.readouterr().err

    def test_missing_file(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A missing file is a one-line error, not a traceback."""
        assert run("duplicates", "/no/such/file.json")[0] == 2
        assert "no such file" in capsys.readouterr().err

    def test_repeated_ids(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Two records with one id make the file unusable: exit 2 with the place."""
        path = tmp_path / "accounts.json"
        path.write_text(json.dumps([record(id="x"), record(id="x", code="2")]))
        assert run("duplicates", str(path))[0] == 2
        assert "duplicate" in capsys.readouterr().err

    def test_usage_error(self) -> None:
        """A bad option is a usage error with exit code 2."""
        with pytest.raises(SystemExit) as caught:
            run("duplicates")
        assert caught.value.code == 2


class TestDemo:
    def test_default_checks_the_sample(self) -> None:
        """With no command the bundled sample is checked; its faulty records make it exit 1."""
        code, out = run()
        assert code == 1 and out.rstrip().endswith("invalid")

    def test_module_entry_point(self, tmp_path: Path) -> None:
        """python -m accountcore duplicates runs in a fresh interpreter, without a traceback."""
        result = subprocess.run(
            [sys.executable, "-m", "accountcore", "duplicates", str(tmp_path / "missing.jsonl")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2 and "Traceback" not in result.stderr
