"""
The ``check`` summary for people (plain lines, or rich tables when rich is installed) and for
machines (one JSON document), and the progress bar drawn on stderr while checking.

rich comes with the ``cli`` extra; without it the summary is plain text and there is no bar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from ..entities import AccountStatus, AccountType
from ._check import CheckReport, FileTally, InvalidRecord

__all__ = ["print_plain", "print_rich", "progress", "report_json"]


def report_json(report: CheckReport) -> dict[str, object]:
    """
    Return the report as one JSON-ready document.

    Keys: ``files`` (name, format, records, valid, invalid per file), ``totals`` (records,
    valid, invalid, listed: the invalid records in ``invalid``), ``by_type`` and ``by_status``
    (counts of valid accounts by lower-case name, every type and status present),
    ``invalid`` (file, place, problems: path, code, message), and ``warnings`` (file, place,
    warnings: path, code, message) for the valid records with warnings; ``totals`` also counts
    ``warned`` records and their ``warnings``.
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
            }
            for t in report.files
        ],
        "totals": {
            "records": valid + invalid,
            "valid": valid,
            "invalid": invalid,
            "listed": len(report.invalid),
            "warned": report.warned_total,
            "warnings": report.warnings_total,
        },
        "by_type": {t.name.lower(): report.by_type[t.value] for t in AccountType},
        "by_status": {s.name.lower(): report.by_status[s.value] for s in AccountStatus},
        "invalid": [
            {
                "file": r.file,
                "place": r.place,
                "problems": [{"path": p, "code": c, "message": m} for p, c, m in r.problems],
            }
            for r in report.invalid
        ],
        "warnings": [
            {
                "file": r.file,
                "place": r.place,
                "warnings": [{"path": p, "code": c, "message": m} for p, c, m in r.problems],
            }
            for r in report.warned
        ],
    }


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
    return f"{files}{valid + invalid:,} records: {valid:,} valid{warned}, {invalid:,} invalid"


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


def _where(report: CheckReport, record: InvalidRecord) -> str:
    """Name the record by its place, and by its file too when several files were checked."""
    return f"{record.file}, {record.place}" if len(report.files) > 1 else record.place


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


def print_plain(report: CheckReport, out: TextIO) -> None:
    """Print the summary as plain lines, for when rich is not installed."""
    print("Files", file=out)
    for t in report.files:
        print(
            f"  {t.name} ({t.format}): {t.records:,} records, {t.valid:,} valid, "
            f"{t.invalid:,} invalid",
            file=out,
        )
    for title, rows in _counts(report):
        print(f"\n{title}", file=out)
        for label, count in rows:
            print(f"  {label:<16} {count:>9,}", file=out)
    _print_listed(report, f"Invalid records ({report.invalid_total:,})", report.invalid, out)
    if more := _unlisted(report):
        print(f"  {more}", file=out)
    title = f"Warnings, valid records ({report.warned_total:,})"
    _print_listed(report, title, report.warned, out)
    if more := _unlisted_warned(report):
        print(f"  {more}", file=out)
    print(f"\n{_totals(report)}", file=out)


def _print_listed(
    report: CheckReport, title: str, records: list[InvalidRecord], out: TextIO
) -> None:
    """Print listed records under ``title``, each with its problems, as plain lines."""
    if records:
        print(f"\n{title}", file=out)
    for record in records:
        print(f"  {_where(report, record)}", file=out)
        for path, code, message in record.problems:
            print(f"      {path}  {code}  {message}", file=out)


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
        files.add_row(t.name, t.format, f"{t.records:,}", f"{t.valid:,}", f"{t.invalid:,}")
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
    if report.invalid:
        console.print(Text(f"\nInvalid records ({report.invalid_total:,})", style="bold"))
    for record in report.invalid:
        where = _where(report, record)
        console.print(Text(f"  {where}", style="bold"), soft_wrap=True)
        for path, code, message in record.problems:
            line = Text.assemble("      ", (path, "cyan"), "  ", (code, "red"), "  ", message)
            console.print(line, soft_wrap=True)
    more = _unlisted(report)
    if more:
        console.print(Text(f"  {more}", style="italic"))
    if report.warned:
        title = f"\nWarnings, valid records ({report.warned_total:,})"
        console.print(Text(title, style="bold"))
    for record in report.warned:
        console.print(Text(f"  {_where(report, record)}", style="bold"), soft_wrap=True)
        for path, code, message in record.problems:
            line = Text.assemble("      ", (path, "cyan"), "  ", (code, "yellow"), "  ", message)
            console.print(line, soft_wrap=True)
    more = _unlisted_warned(report)
    if more:
        console.print(Text(f"  {more}", style="italic"))
    style = "bold red" if report.invalid_total else "bold green"
    console.print(Text(f"\n{_totals(report)}", style=style))
