"""
The ``check`` report: for people (one line per problem, ``file:line: code message``, then the
summary: plain lines, or rich tables when rich is installed), for machines (one JSON document,
or JSON Lines), and for GitHub workflows (annotations); and the progress bar on stderr.

rich comes with the ``cli`` extra; without it the summary is plain text and there is no bar.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from ..entities import AccountStatus, AccountType
from ..exchange import CheckReport, FileTally, InvalidRecord, UnreadableFile

__all__ = [
    "print_github",
    "print_jsonl",
    "print_lines",
    "print_plain",
    "print_rich",
    "progress",
    "report_json",
]


def _problem_json(path: str, code: str, message: str) -> dict[str, object]:
    return {"path": path, "code": code, "message": message}


def _listed_json(record: InvalidRecord, key: str) -> dict[str, object]:
    return {
        "file": record.place.file,
        "line": record.place.line,
        "record": record.place.record,
        key: [_problem_json(*row) for row in record.problems],
    }


def _error_json(error: UnreadableFile) -> dict[str, object]:
    return {"file": error.file, "line": error.line, "message": error.reason}


def report_json(report: CheckReport) -> dict[str, object]:
    """
    Return the report as one JSON-ready document, complete even when files could not be read.

    Keys: ``files`` (file, format, records, valid, invalid, and ``error``: null, or the file's
    fault as file, line, message), ``errors`` (the faults of the files that could not be read
    through), ``totals`` (records, valid, invalid, listed: the invalid records in ``invalid``,
    warned, warnings, unreadable_files), ``by_type`` and ``by_status`` (counts of valid
    accounts by lower-case name), ``invalid`` (file, line, record, problems: path, code,
    message), and ``warnings`` (file, line, record, warnings) for valid records with warnings.
    Places are numbers: the line the record starts on and its number in the file.
    """
    valid, invalid = report.valid_total, report.invalid_total
    return {
        "files": [
            {
                "file": t.name,
                "format": t.format,
                "records": t.records,
                "valid": t.valid,
                "invalid": t.invalid,
                "error": None if t.error is None else _error_json(t.error),
            }
            for t in report.files
        ],
        "errors": [_error_json(t.error) for t in report.files if t.error is not None],
        "totals": {
            "records": valid + invalid,
            "valid": valid,
            "invalid": invalid,
            "listed": len(report.invalid),
            "warned": report.warned_total,
            "warnings": report.warnings_total,
            "unreadable_files": len(report.unreadable),
        },
        "by_type": {t.name.lower(): report.by_type[t.value] for t in AccountType},
        "by_status": {s.name.lower(): report.by_status[s.value] for s in AccountStatus},
        "invalid": [_listed_json(r, "problems") for r in report.invalid],
        "warnings": [_listed_json(r, "warnings") for r in report.warned],
    }


def _problem_line(record: InvalidRecord, row: tuple[str, str, str], warning: bool) -> str:
    path, code, message = row
    where = "" if path == "$" else f"{path}: "
    marker = " [warning]" if warning else ""
    return f"{record.place}: {code} {where}{message}{marker}"


def _error_line(error: UnreadableFile) -> str:
    where = error.file if error.line is None else f"{error.file}:{error.line}"
    return f"{where}: unreadable_file {error.reason}"


def print_lines(report: CheckReport, out: TextIO) -> None:
    """
    Print one line per problem, ``file:line: code $.path: message``, as compilers and linters
    do: the invalid records' problems, then the warnings of valid records, then the files that
    could not be read (``file:line: unreadable_file reason``).
    """
    for record in report.invalid:
        for row in record.problems:
            print(_problem_line(record, row, False), file=out)
    if more := _unlisted(report):
        print(more, file=out)
    for record in report.warned:
        for row in record.problems:
            print(_problem_line(record, row, True), file=out)
    if more := _unlisted_warned(report):
        print(more, file=out)
    for tally in report.unreadable:
        print(_error_line(tally.error), file=out)  # type: ignore[arg-type]


def print_jsonl(report: CheckReport, out: TextIO) -> None:
    """
    Print one JSON object per line: each listed invalid record (``problems``), each listed
    record with warnings (``warnings``), each file that could not be read (``error``), and
    last the ``summary`` (the document `report_json` gives, less its lists).
    """
    for record in report.invalid:
        print(json.dumps({"valid": False, **_listed_json(record, "problems")}), file=out)
    for record in report.warned:
        print(json.dumps({"valid": True, **_listed_json(record, "warnings")}), file=out)
    for tally in report.unreadable:
        print(json.dumps({"error": _error_json(tally.error)}), file=out)  # type: ignore[arg-type]
    document = report_json(report)
    summary = {key: document[key] for key in ("files", "totals", "by_type", "by_status")}
    print(json.dumps({"summary": summary}), file=out)


def _escape(text: str, property: bool = False) -> str:
    """Escape text for a GitHub workflow command (its data, or a property's value)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property else text


def print_github(report: CheckReport, out: TextIO) -> None:
    """
    Print GitHub Actions workflow annotations (``::error file=F,line=N,title=CODE::...``),
    one per problem and per unreadable file, then the totals line.
    """
    for kind, records in (("error", report.invalid), ("warning", report.warned)):
        for record in records:
            place = record.place
            for path, code, message in record.problems:
                where = f"file={_escape(place.file, True)},line={place.line}"
                text = _escape(message if path == "$" else f"{path}: {message}")
                print(f"::{kind} {where},title={_escape(code, True)}::{text}", file=out)
    for tally in report.unreadable:
        error: UnreadableFile = tally.error  # type: ignore[assignment]
        line = "" if error.line is None else f",line={error.line}"
        where = f"file={_escape(error.file, True)}{line}"
        print(f"::error {where},title=unreadable_file::{_escape(error.reason)}", file=out)
    print(_totals(report), file=out)


@contextmanager
def progress(wanted: bool) -> Iterator[Callable[[FileTally], None] | None]:
    """
    Yield a callback that draws a progress bar on stderr, one line per file.

    Yields ``None`` (no bar) when not ``wanted`` or when rich is not installed. The bar is
    transient: it is gone once the check ends, leaving stderr clean.
    """
    if not wanted:
        yield None
        return
    try:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TaskID,
            TextColumn,
            TimeElapsedColumn,
        )
    except ImportError:
        yield None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),  # the total is unknown while streaming, so the bar pulses
        TextColumn("{task.completed:,} records"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def show(tally: FileTally) -> None:
            if tally.name not in tasks:
                tasks[tally.name] = bar.add_task(tally.name, total=None)
            bar.update(tasks[tally.name], completed=tally.records)

        yield show


def _totals(report: CheckReport) -> str:
    valid, invalid = report.valid_total, report.invalid_total
    files = f"{len(report.files)} files, " if len(report.files) > 1 else ""
    warned = f" ({report.warned_total:,} with warnings)" if report.warned_total else ""
    unreadable = len(report.unreadable)
    broken = (
        f"; {unreadable:,} file{'s' if unreadable > 1 else ''} could not be read"
        if unreadable
        else ""
    )
    return (
        f"{files}{valid + invalid:,} records: {valid:,} valid{warned}, {invalid:,} invalid{broken}"
    )


def _unlisted_warned(report: CheckReport) -> str | None:
    more = report.warned_total - len(report.warned)
    return (
        f"... and {more:,} more records with warnings (raise --max-invalid to list them)"
        if more
        else None
    )


def _unlisted(report: CheckReport) -> str | None:
    more = report.invalid_total - len(report.invalid)
    return (
        f"... and {more:,} more invalid records (raise --max-invalid to list them)"
        if more
        else None
    )


def _counts(report: CheckReport) -> list[tuple[str, list[tuple[str, int]]]]:
    return [
        (
            "Valid accounts by type",
            [(f"{t.value} {t.name.lower()}", report.by_type[t.value]) for t in AccountType],
        ),
        (
            "Valid accounts by status",
            [(f"{s.value} {s.name.lower()}", report.by_status[s.value]) for s in AccountStatus],
        ),
    ]


def _file_note(tally: FileTally) -> str:
    return "" if tally.error is None else " (could not be read through)"


def print_plain(report: CheckReport, out: TextIO) -> None:
    """Print the summary as plain lines, for when rich is not installed."""
    print("\nFiles", file=out)
    for t in report.files:
        print(
            f"  {t.name} ({t.format or '?'}): {t.records:,} records, {t.valid:,} valid, "
            f"{t.invalid:,} invalid{_file_note(t)}",
            file=out,
        )
    for title, rows in _counts(report):
        print(f"\n{title}", file=out)
        for label, count in rows:
            print(f"  {label:<16} {count:>9,}", file=out)
    print(f"\n{_totals(report)}", file=out)


def print_rich(report: CheckReport, out: TextIO) -> None:
    """Print the summary with rich tables; raise `ImportError` when rich is not installed."""
    from rich.columns import Columns
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=out, highlight=False)
    files = Table(title="Files", title_justify="left")
    files.add_column("File")
    files.add_column("Format")
    for heading in ("Records", "Valid", "Invalid"):
        files.add_column(heading, justify="right")
    for t in report.files:
        name = t.name + _file_note(t)
        files.add_row(name, t.format or "?", f"{t.records:,}", f"{t.valid:,}", f"{t.invalid:,}")
    console.print(Text(""))
    console.print(files)
    tables = []
    for title, rows in _counts(report):
        table = Table(title=title, title_justify="left")
        table.add_column(title.rsplit(" ", 1)[-1].capitalize())
        table.add_column("Accounts", justify="right")
        for label, count in rows:
            table.add_row(label, f"{count:,}")
        tables.append(table)
    console.print(Columns(tables))
    bad = report.invalid_total or report.unreadable
    console.print(Text(f"\n{_totals(report)}", style="bold red" if bad else "bold green"))
