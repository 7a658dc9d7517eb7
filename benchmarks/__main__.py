"""
Run the benchmarks: accountcore side by side with its peers, one table of ratios.

Usage: ``python -m benchmarks [--quick] [-n N] [--repeats K] [--only NAME ...] [--profile]``

A full run (N >= 100,000, every benchmark) rewrites ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from . import _parity
from ._data import make_records
from ._registry import Context, Row, Settings, registered
from .peers import make_contenders
from .report import machine_info, print_table, write_markdown

#: Benchmark modules, imported for their `register` side effect; append new ones here.
MODULES = ("card", "memory", "imports", "status", "rights", "sync", "duplicates", "check",
           "tryton", "limits", "exchange", "sync_reconcile")
ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "performance.md"
FULL_N = 100_000
#: tracemalloc slows reading five- to tenfold; a per-account mean needs fewer records.
MEMORY_N = 10_000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.strip()
                                     .splitlines()[0])
    parser.add_argument("-n", type=int, default=None, help=f"records (default {FULL_N:,})")
    parser.add_argument("--quick", action="store_true", help="10,000 records")
    parser.add_argument("--repeats", type=int, default=None, help="passes per contender")
    parser.add_argument("--import-runs", type=int, default=15, help="fresh interpreters (>= 7)")
    parser.add_argument("--memory-n", type=int, default=MEMORY_N,
                        help=f"records traced for memory (default {MEMORY_N:,}; slow)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run these benchmarks only")
    parser.add_argument("--profile", action="store_true", help="profile from_dict and stop")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/performance.md")
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    n = args.n or (10_000 if args.quick else FULL_N)
    repeats = args.repeats or 2
    return Settings(n=n, repeats=repeats, seed=args.seed, import_runs=max(args.import_runs, 7),
                    memory_n=min(args.memory_n, n))


def prepare(settings: Settings) -> Context:
    """Generate the records, check them, and prove the contenders agree on the checks."""
    start = time.perf_counter()
    records = make_records(settings.n, settings.seed)
    print(f"generated {len(records):,} records in {time.perf_counter() - start:.1f} s")
    import accountcore

    for record in records[: _parity.SAMPLE]:
        assert accountcore.to_dict(accountcore.from_dict(record)) == record
    contenders = make_contenders()
    _parity.verify(contenders, records[: _parity.SAMPLE])
    print(f"parity: {len(contenders)} contenders agree on {_parity.SAMPLE} records "
          f"and {len(_parity.BROKEN)} broken variants")
    return Context(settings, records, contenders)


def run(ctx: Context, names: Sequence[str] | None) -> list[Row]:
    benchmarks = registered()
    unknown = set(names or ()) - set(benchmarks)
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    rows: list[Row] = []
    for name, benchmark in benchmarks.items():
        if names and name not in names:
            continue
        start = time.perf_counter()
        rows += benchmark(ctx)
        print(f"{name}: {time.perf_counter() - start:.1f} s", flush=True)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = settings_from(args)
    load_at_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    for module in MODULES:
        importlib.import_module(f"{__package__}.{module}")
    ctx = prepare(settings)
    if args.profile:
        from ._profile import profile_from_dict

        profile_from_dict(ctx.records)
        return 0
    rows = run(ctx, args.only)
    info = machine_info(datetime.now(), ROOT, load_at_start)
    print()
    print_table(rows, info)
    if settings.n >= FULL_N and not args.only and not args.no_docs:
        write_markdown(DOCS, rows, info, settings)
        print(f"\nwrote {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
