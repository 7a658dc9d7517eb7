"""
The ``check`` command (``python -m accountcore check FILE``) on a large CSV file: rows per
second in one process, the speed-up of ``--jobs 2``, and whether memory stays flat.

- ``check_rows``: ``main(["check", FILE, "--format", "json"])`` over `ROWS` rows (100,000;
  10,000 with ``--quick``), identifier checks on: reading, validating, counting and the JSON
  report, timed inside a fresh interpreter (``python -c``), after its imports. Microseconds
  per row against a budget of 100 µs (row "10,000 rows/s budget", target: a ratio of at
  most 1.0).
- ``check_jobs``: the same command with ``--jobs 2`` (this process and one worker) against
  ``--jobs 1``, each timed the same way, the worker's start-up included (target: a ratio of
  at most 1/1.6 = 0.625, i.e. two processes at least 1.6 times as fast; meaningful on a
  machine with at least 2 cores, and the note gives the core count). Both must report the
  same JSON, or the run stops.
- ``check_memory``: the peak resident set of ``python -m accountcore check FILE --format
  json`` over `MEMORY_ROWS` (1,000,000; 100,000 with ``--quick``) rows against the same over
  a tenth of them (target: a ratio of at most 1.2: memory flat in the file's length). Each
  check runs as the only child of a fresh, small interpreter, which reports
  ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` (kilobytes on Linux). The go-between is
  needed: Linux carries a process's peak over ``fork`` and ``exec``, so a check started
  straight from this (large) process would report this process's size.

Data. The run's records (`benchmarks._data.make_records`, every one valid) flattened to CSV
columns the way `accountcore.exchange` reads them: a column per dotted record path, list
items by index (``financial.bank_accounts.0.iban``), empty cells for missing values,
``true``/``false`` for booleans. The file repeats the records until it has the rows asked
for; it is written once per size into a temporary directory, outside the timed region. The
first check's report must count every row valid, or the run stops: a row the reader or the
flattening gets wrong would otherwise be timed as a cheap rejection.

Timing. `time.perf_counter` around ``main`` in each of `ROUNDS` fresh interpreters (standard
output to a buffer, parsed afterwards), after one untimed run whose report is checked; the
median counts. One process and ``--jobs 2`` take turns, round by round, so that a slow spell
of a shared machine slows both rather than one of the two the ratio compares. The
interpreters cache bytecode in a private ``PYTHONPYCACHEPREFIX`` beside the files, as an
installed package ships it (see ``_child``). Fresh interpreters, because this benchmark
process holds a large heap (the generated records, the contenders) that slowed a check run
inside it by 15-30% in our runs, and a command-line run has none of it; the workers of
``--jobs`` start fresh anyway, so timing one job in this process would flatter two.
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from accountcore.exchange._csv import cells_of

from ._registry import Context, Row, register

__all__ = ["check_jobs", "check_memory", "check_rows", "write_csv"]

ROWS = 100_000
MEMORY_ROWS = 1_000_000
QUICK_ROWS = 10_000
QUICK_MEMORY_ROWS = 100_000
BUDGET_US = 100.0
JOBS_TARGET = 1 / 1.6
MEMORY_TARGET = 1.2
ROUNDS = 5

#: Times `main` in a fresh interpreter, so this process's own heap does not slow the check.
_TIME = """
import io, json, sys, time
from accountcore.cli import main
out = io.StringIO()
start = time.perf_counter()
main(sys.argv[1:], stdout=out)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "report": json.loads(out.getvalue())}))
"""
#: The go-between: runs the command given as arguments, then prints its child's peak.
_MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)
"""


def write_csv(records: list[dict[str, Any]], rows: int, path: Path) -> None:
    """Write ``rows`` rows to ``path``: ``records`` flattened, repeated as often as needed."""
    flat = [dict(cells_of(record)) for record in records]
    columns: dict[str, None] = {}
    for row in flat:
        columns.update(dict.fromkeys(row))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), restval="")
        writer.writeheader()
        for start in range(0, rows, len(flat)):
            writer.writerows(flat[: rows - start])


def _file(ctx: Context, rows: int) -> Path:
    """Return the CSV file of ``rows`` rows, written on first use into the run's temp dir."""
    key = f"check.csv.{rows}"
    if key not in ctx.cache:
        if "check.dir" not in ctx.cache:
            ctx.cache["check.dir"] = tempfile.TemporaryDirectory(prefix="accountcore-check-")
        path = Path(ctx.cache["check.dir"].name) / f"accounts-{rows}.csv"
        start = time.perf_counter()
        write_csv(ctx.records, rows, path)
        size = path.stat().st_size / 1e6
        print(f"check: wrote {rows:,} rows ({size:,.0f} MB) in {time.perf_counter() - start:.1f} s")
        ctx.cache[key] = path
    path: Path = ctx.cache[key]
    return path


def _child(path: Path, code: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """
    Run ``code`` with ``arguments`` in a fresh interpreter on the file ``path``.

    An installed package ships compiled bytecode; a source checkout run with
    ``PYTHONDONTWRITEBYTECODE`` would compile accountcore (and, for ``--jobs``, again in every
    worker) on every start and look slower than it is. So the child caches bytecode in a
    private ``PYTHONPYCACHEPREFIX`` beside the CSV files, which goes with them.
    """
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(path.parent / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return subprocess.run(
        [sys.executable, "-c", code, *arguments],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def _run(path: Path, *options: str) -> tuple[float, dict[str, Any]]:
    """Run the check command once in a fresh interpreter; return seconds and its report."""
    command = ["check", str(path), "--format", "json", "--max-invalid", "20", *options]
    done = _child(path, _TIME, *command)
    if done.returncode:
        raise AssertionError(f"check {' '.join(options)} failed: {done.stderr[-500:]}")
    result = json.loads(done.stdout)
    report: dict[str, Any] = result["report"]
    return float(result["seconds"]), report


def _checked(report: dict[str, Any], rows: int, options: tuple[str, ...]) -> None:
    totals = report["totals"]
    if totals["records"] != rows or totals["invalid"]:
        raise AssertionError(f"check {' '.join(options)}: {totals}, {report['invalid'][:3]}")


def _rows(ctx: Context) -> int:
    return ROWS if ctx.settings.n >= ROWS else QUICK_ROWS


def _timings(ctx: Context, rows: int) -> dict[str, tuple[float, dict[str, Any]]]:
    """
    Return the median seconds and the report of ``check`` in one process (key ``"1"``) and
    with ``--jobs 2`` (``"2"``); once per run.

    Each kind first runs once untimed (which fills the bytecode cache), and its report is
    checked. Then `ROUNDS` rounds each time one process and two, one after the other, so a
    slow spell of the machine weighs on both kinds alike rather than on one.
    """
    key = f"check.timings.{rows}"
    if key not in ctx.cache:
        path = _file(ctx, rows)
        kinds = {"1": (), "2": ("--jobs", "2")}
        reports = {}
        for name, options in kinds.items():
            _, reports[name] = _run(path, *options)
            _checked(reports[name], rows, options)
        times: dict[str, list[float]] = {name: [] for name in kinds}
        for _ in range(ROUNDS):
            for name, options in kinds.items():
                times[name].append(_run(path, *options)[0])
        ctx.cache[key] = {name: (statistics.median(times[name]), reports[name]) for name in kinds}
    timings: dict[str, tuple[float, dict[str, Any]]] = ctx.cache[key]
    return timings


@register("check_rows")
def check_rows(ctx: Context) -> list[Row]:
    """`check` of a CSV file in one process against 10,000 rows per second."""
    rows = _rows(ctx)
    seconds, _ = _timings(ctx, rows)["1"]
    note = f"{rows / seconds:,.0f} rows/s, median of {ROUNDS}"
    print(f"check_rows: {note}")
    return [
        Row(
            f"check, 1 process, CSV ({rows:,} rows)",
            "µs/row",
            1e6 * seconds / rows,
            "10,000 rows/s budget",
            BUDGET_US,
            1.0,
            note,
        ),
    ]


@register("check_jobs")
def check_jobs(ctx: Context) -> list[Row]:
    """`check --jobs 2` against `--jobs 1` on the same file."""
    rows = _rows(ctx)
    timings = _timings(ctx, rows)
    (one, alone), (two, report) = timings["1"], timings["2"]
    if report != alone:
        raise AssertionError("check --jobs 2 reported otherwise than --jobs 1")
    note = f"{one:.2f} s -> {two:.2f} s, x{one / two:.2f} on {os.cpu_count()} cores"
    print(f"check_jobs: {note}")
    return [
        Row(f"check --jobs 2 ({rows:,} rows)", "s", two, "check --jobs 1", one, JOBS_TARGET, note)
    ]


def _peak_kb(path: Path) -> int:
    """Return the peak RSS (kB) of a fresh interpreter checking ``path``."""
    command = [sys.executable, "-m", "accountcore", "check", str(path), "--format", "json"]
    done = _child(path, _MEASURE, *command)
    peak, code = done.stdout.split()[-2:] if done.stdout else ("0", "none")
    if code != "0":
        raise AssertionError(f"check of {path.name} exited {code}: {done.stderr[-500:]}")
    return int(peak)


@register("check_memory")
def check_memory(ctx: Context) -> list[Row]:
    """Peak memory of `check` over ten times the rows, against one tenth."""
    large = MEMORY_ROWS if ctx.settings.n >= ROWS else QUICK_MEMORY_ROWS
    small = large // 10
    small_kb, large_kb = _peak_kb(_file(ctx, small)), _peak_kb(_file(ctx, large))
    note = f"{small_kb / 1024:,.0f} MiB -> {large_kb / 1024:,.0f} MiB peak RSS"
    print(f"check_memory: {note}")
    return [
        Row(
            f"check peak memory, {large:,} rows vs {small:,}",
            "MiB",
            large_kb / 1024,
            f"check of {small:,} rows",
            small_kb / 1024,
            MEMORY_TARGET,
            note,
        )
    ]
