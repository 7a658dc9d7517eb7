"""
Start-up cost, each figure the median of several fresh interpreters.

- ``import accountcore`` against ``import cattrs`` (target: at most 1.3x), measured by
  ``python -X importtime``: the cumulative time of the top-level import, so interpreter
  start-up is left out. pydantic and msgspec are shown for information.
- The same by wall clock: ``python -c "import x"`` minus ``python -c "pass"``.
- ``import accountcore`` plus a first `accountcore.from_dict` call, for information (this is
  when serialization, cattrs, schwifty, stdnum and email-validator load and the converter is
  built).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ._registry import Context, Row, register

__all__ = ["first_call", "import_time"]

UNIT = "ms"
PEERS = ("cattrs", "pydantic", "msgspec")

_FIRST_CALL = """
import json, sys, time
record = json.loads(sys.stdin.read())
start = time.perf_counter()
import accountcore
imported = time.perf_counter()
accountcore.from_dict(record)
print(imported - start, time.perf_counter() - start)
"""


_ENV: dict[str, str] = {}


@contextmanager
def _bytecode_cache() -> Iterator[None]:
    """
    Let the child interpreters cache bytecode, in a private directory.

    An installed package ships compiled bytecode; a source checkout run with
    ``PYTHONDONTWRITEBYTECODE`` would compile accountcore on every start and look slower than
    it is. A private ``PYTHONPYCACHEPREFIX`` treats every module alike and writes nothing
    into the source tree.
    """
    with tempfile.TemporaryDirectory(prefix="accountcore-bench-") as cache:
        _ENV.clear()
        _ENV.update(os.environ, PYTHONPYCACHEPREFIX=cache)
        _ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        try:
            yield
        finally:
            _ENV.clear()


def _run(code: str, *flags: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *flags, "-c", code], input=stdin, capture_output=True, text=True,
        check=True, env=_ENV or None,
    )


def _importtime_ms(module: str) -> float:
    """Cumulative import time of ``module`` in a fresh interpreter, from -X importtime."""
    stderr = _run(f"import {module}", "-X", "importtime").stderr
    for line in stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2] == f" {module}":
            return int(parts[1]) / 1000
    raise RuntimeError(f"no importtime line for {module}")


def _wall_ms(code: str) -> float:
    start = time.perf_counter()
    _run(code)
    return (time.perf_counter() - start) * 1000


def _median(runs: int, measure: Callable[[str], float], arg: str) -> float:
    measure(arg)  # compiles and caches the bytecode; not counted
    return statistics.median(measure(arg) for _ in range(runs))


@register("import")
def import_time(ctx: Context) -> list[Row]:
    """Compare import times (median of ``import_runs`` fresh interpreters each)."""
    runs = ctx.settings.import_runs
    modules = ("accountcore", *PEERS)
    with _bytecode_cache():
        cumulative = {m: _median(runs, _importtime_ms, m) for m in modules}
        bare = _median(runs, _wall_ms, "pass")
        wall = {m: _median(runs, _wall_ms, f"import {m}") - bare for m in modules}
    rows = []
    for label, figures in (("import (-X importtime)", cumulative), ("import (wall clock)", wall)):
        ours = figures["accountcore"]
        for peer in PEERS:
            target = 1.3 if peer == "cattrs" and label.endswith("importtime)") else None
            rows.append(Row(label, UNIT, ours, peer, figures[peer], target))
    return rows


@register("first_call")
def first_call(ctx: Context) -> list[Row]:
    """Time ``import accountcore`` plus one `from_dict` in fresh interpreters (information)."""
    record = json.dumps(ctx.records[0])
    totals, calls = [], []
    with _bytecode_cache():
        _run(_FIRST_CALL, stdin=record)
        for _ in range(ctx.settings.import_runs):
            output = _run(_FIRST_CALL, stdin=record).stdout
            imported, total = (float(t) * 1000 for t in output.split())
            totals.append(total)
            calls.append(total - imported)
    return [
        Row("import + first from_dict", UNIT, statistics.median(totals)),
        Row("first from_dict call alone", UNIT, statistics.median(calls)),
    ]
