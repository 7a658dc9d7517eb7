"""
Reading limits (`accountcore.exchange.ReadLimits`): ``check`` of a file that never ends stops
at once, in little memory, instead of reading until memory runs out.

- ``limits``: ``python -m accountcore check --input-format FORMAT FILE`` on files without an
  end, each run in a fresh interpreter. Two rows per file, lower is better: the wall seconds
  from starting the command to its exit, interpreter start-up included (median of `ROUNDS`),
  against a budget of 1 s (row "1 s budget", target: a ratio of at most 1.0); and the peak
  resident set of the command's process (the largest of the rounds), against 100 MB (row
  "100 MB budget", target: a ratio of at most 1.0). The files:

  - ``/dev/zero`` as JSON Lines, CSV and JSON: one endless line of NUL characters. JSON Lines
    and CSV refuse the line at the line limit (1 MiB); JSON refuses the first character.
  - through a pipe (``/dev/stdin``), text that never ends inside one record: a JSON string,
    a CSV row of quoted cells on ever new lines (the record limit, with every line short),
    and the text of an Exact XML ``Account``. The pipe is fed by the measuring interpreter.

  Every command must exit with status 2 and one line on stderr naming the limit, or the run
  stops: a check that ended otherwise would be timed for the wrong reason.
- ``limits_record``: `accountcore.from_dict` on hostile records of up to 1 MB of JSON each
  (`hostile_records`: a 1 MB email, website, phone, code, IBAN, amount...; 70,000 unknown
  keys; 20,000 free fields; 100 faulty bank accounts...), each refused; the row is the
  slowest refusal (fastest of five runs each) against a 10 ms budget (target: at most 1.0).

Measuring. Each command runs as the only child of a small interpreter (`_MEASURE`), which
times it, kills it after `TIMEOUT` seconds (so a regression cannot hang the benchmarks; the
row then reads the timeout), and reports ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``
(kilobytes on Linux). The go-between is needed: Linux carries a process's peak over ``fork``
and ``exec``, so a command started straight from this (large) process would report this
process's size. Needs Linux (``/dev/zero``, ``ru_maxrss`` in kilobytes).
"""

from __future__ import annotations

import copy
import json
import math
import statistics
import subprocess
import sys
import time
from typing import Any

from accountcore.exchange._csv import REQUIRED_COLUMNS

from ._registry import Context, Row, register

__all__ = ["CASES", "limits", "limits_record"]

ROUNDS = 3
TIMEOUT = 10.0
SECONDS_BUDGET = 1.0
MEGABYTES_BUDGET = 100.0

#: What each row checks: its name, the input format, and the file: ``/dev/zero``, or the
#: head and the endlessly repeated filler fed through a pipe.
CASES: tuple[tuple[str, str, str | tuple[str, str]], ...] = (
    ("/dev/zero as JSON Lines", "jsonl", "/dev/zero"),
    ("/dev/zero as CSV", "csv", "/dev/zero"),
    ("/dev/zero as JSON", "json", "/dev/zero"),
    ("an endless JSON record", "json", ('[{"code": "1", "name": "', "x")),
    ("an endless CSV row of short lines", "csv", (",".join(REQUIRED_COLUMNS) + '\n"', 'y\n","')),
    ("an endless Exact XML Account", "xml", ('<eExact><Accounts><Account code="1"><Name>', "x")),
)

#: The go-between: runs the command (arguments after the head and filler), feeding its stdin
#: the head then the filler for ever when a filler is given; prints one JSON line.
_MEASURE = """
import json, resource, subprocess, sys, tempfile, threading, time
timeout, head, filler, command = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
def feed(pipe):
    try:
        pipe.write(head.encode())
        block = (filler * (65536 // len(filler) + 1)).encode()
        while True:
            pipe.write(block)
    except (OSError, ValueError):  # the command has stopped reading
        pass
with tempfile.TemporaryFile() as err:
    start = time.perf_counter()
    child = subprocess.Popen(command, stdin=subprocess.PIPE if filler else subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=err)
    if filler:
        threading.Thread(target=feed, args=(child.stdin,), daemon=True).start()
    try:
        code = child.wait(timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        code = "timeout"
    seconds = time.perf_counter() - start
    err.seek(0)
    stderr = err.read().decode(errors="replace")
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_kb": peak, "code": code, "stderr": stderr}))
"""


def _measure(format: str, file: str | tuple[str, str]) -> tuple[float, float, str]:
    """Run ``check`` once on ``file``; return its seconds, peak megabytes and stderr line."""
    head, filler = ("", "") if isinstance(file, str) else file
    path = file if isinstance(file, str) else "/dev/stdin"
    command = [sys.executable, "-m", "accountcore", "check", "--input-format", format, path]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(TIMEOUT), head, filler, *command],
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT + 20,
    )
    result = json.loads(done.stdout)
    stderr: str = result["stderr"]
    if result["code"] == "timeout":  # a regression: the row reads the timeout, the run goes on
        return float(result["seconds"]), result["peak_kb"] * 1024 / 1e6, "timed out"
    if result["code"] != 2 or stderr.count("\n") != 1 or not stderr.startswith("accountcore:"):
        raise AssertionError(f"check of {path} as {format}: {result['code']}, {stderr[-300:]!r}")
    return float(result["seconds"]), result["peak_kb"] * 1024 / 1e6, stderr.strip()


def _rows(name: str, format: str, file: str | tuple[str, str]) -> list[Row]:
    runs = [_measure(format, file) for _ in range(ROUNDS)]
    seconds = statistics.median(run[0] for run in runs)
    peak = max(run[1] for run in runs)
    reason = runs[0][2].split(": ", 2)[-1]  # after "accountcore: PATH: "
    note = f"{reason[:60]}..." if len(reason) > 60 else reason
    print(f"limits: {name}: {seconds:.2f} s, {peak:.0f} MB; {reason}")
    return [
        Row(f"check of {name} stops", "s", seconds, "1 s budget", SECONDS_BUDGET, 1.0, note),
        Row(
            f"check of {name}, peak memory",
            "MB",
            peak,
            "100 MB budget",
            MEGABYTES_BUDGET,
            1.0,
            f"largest of {ROUNDS}",
        ),
    ]


@register("limits")
def limits(ctx: Context) -> list[Row]:
    """`check` of endless files: seconds and peak memory against 1 s and 100 MB."""
    return [row for name, format, file in CASES for row in _rows(name, format, file)]


# --- the slowest record refused -----------------------------------------------------------------

#: The budget for refusing one record of up to 1 MB (its JSON text), in milliseconds.
RECORD_BUDGET_MS = 10.0
#: A record's JSON text may be this long at most.
MB = 1_000_000
_BASE: dict[str, Any] = {
    "code": "1", "name": "Acme", "type": "C", "type_since": "2024-01-01",
    "status_since": "2024-01-01",
    "summary": {"address": {"line1": "Damrak 1", "city": "Amsterdam", "country": "NL"}},
}  # fmt: skip
_IBAN = "NL91ABNA0417164300"
_VALID_BANK = {"iban": _IBAN, "bic": "ABNANL2A", "number": "417164300"}


def _with(path: tuple[str | int, ...], value: object) -> dict[str, Any]:
    record = copy.deepcopy(_BASE)
    node: Any = record
    for step in path[:-1]:
        node = node.setdefault(step, {})
    node[path[-1]] = value
    return record


def hostile_records() -> dict[str, dict[str, Any]]:
    """Records of close to 1 MB of JSON that each attack one costly check, by name."""
    text = "a" * (MB - 1000)
    return {
        "a 1 MB email": _with(("summary", "email"), text + "@acme.nl"),
        "a 1 MB website": _with(("summary", "website"), "https://" + text),
        "a 1 MB phone": _with(("summary", "phone"), "1" * (MB - 1000)),
        "a 1 MB code of spaces": _with(("code",), " " * (MB - 1000)),
        "a 1 MB country": _with(("summary", "address", "country"), text),
        "a 1 MB state": _with(("summary", "address", "state"), text),
        "a 1 MB IBAN": _with(("financial", "bank_accounts"), [{"iban": "NL" + "1" * (MB - 1000)}]),
        "a 1 MB VAT number": _with(("financial", "vat_number"), "NL" + "1" * (MB - 1000)),
        "a 1 MB amount": _with(
            ("free_fields",), [{"name": "f", "kind": "amount", "value": "9" * (MB - 1000)}]
        ),
        "a 1 MB date": _with(("type_since",), "2" * (MB - 1000)),
        "70,000 unknown keys": {**_BASE, **{f"k{i}": 1 for i in range(70_000)}},
        "a 1 MB unknown key": {**_BASE, text: 1},
        "20,000 free fields": _with(
            ("free_fields",), [{"name": "f", "kind": "text"} for _ in range(20_000)]
        ),
        "1,000 faulty free fields": _with(
            ("free_fields",),
            [{"name": "", "kind": "amount", "value": "x" * 900} for _ in range(1000)],
        ),
        "1,000 free fields, the last faulty": _with(
            ("free_fields",),
            [{"name": f"f{i}", "kind": "text", "value": "x" * 900} for i in range(999)]
            + [{"name": "", "kind": "text"}],
        ),
        "100 bank accounts, each faulty": _with(
            ("financial", "bank_accounts"),
            [{"iban": _IBAN, "number": "x" * 9000, "bic": "x" * 900} for _ in range(100)],
        ),
        "100 bank accounts of 400 unknown keys": _with(
            ("financial", "bank_accounts"),
            [{"iban": _IBAN, **{f"k{j}": 1 for j in range(400)}} for _ in range(100)],
        ),
        "100 valid bank accounts, the last faulty": _with(
            ("financial", "bank_accounts"),
            [_VALID_BANK | {"main": i == 0} for i in range(99)]
            + [{"iban": "NL91ABNA0417164301"}],
        ),
    }


def _refusal_ms(record: dict[str, Any], rounds: int) -> float:
    """The fastest of ``rounds`` refusals of ``record`` by `accountcore.from_dict`, in ms."""
    import accountcore

    best = math.inf
    for _ in range(rounds):
        start = time.perf_counter()
        try:
            accountcore.from_dict(record)
        except accountcore.ValidationError:
            best = min(best, time.perf_counter() - start)
        else:
            raise AssertionError("a hostile record was accepted")
    return best * 1000


@register("limits_record")
def limits_record(ctx: Context) -> list[Row]:
    """The slowest refusal of a hostile record of up to 1 MB, against a 10 ms budget."""
    timings = {}
    for name, record in hostile_records().items():
        size = len(json.dumps(record))
        if size > MB:
            raise AssertionError(f"{name}: {size:,} characters of JSON, over 1 MB")
        timings[name] = _refusal_ms(record, rounds=max(ctx.settings.repeats, 5))
    slowest = max(timings, key=timings.__getitem__)
    for name, ms in sorted(timings.items(), key=lambda item: -item[1]):
        print(f"limits_record: {name}: {ms:.2f} ms")
    note = f"slowest of {len(timings)}: {slowest}"
    budget = "10 ms budget"
    return [Row("refuse a hostile record of <= 1 MB", "ms", timings[slowest], budget,
                RECORD_BUDGET_MS, 1.0, note)]  # fmt: skip
