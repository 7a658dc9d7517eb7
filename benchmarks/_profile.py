"""
A cProfile of `accountcore.from_dict`, to find where accountcore spends its time.

Prints, per function, its own and cumulative time in microseconds per record read (under
the profiler, so about twice the unprofiled figures; compare them with each other).
"""

from __future__ import annotations

import cProfile
import os
import pstats
from typing import Any

__all__ = ["profile_from_dict"]

SAMPLE = 5_000


def _where(key: tuple[str, int, str]) -> str:
    path, line, name = key
    return f"{name} ({os.path.basename(path)}:{line})" if line else name


def _print_top(profiler: cProfile.Profile, count: int, top: int) -> None:
    raw: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:top]
    print(f"{'own µs/rec':>10} {'cum µs/rec':>10} {'calls/rec':>9}  function")
    for key, (_, calls, own, cumulative, _) in rows:
        print(f"{own / count * 1e6:10.2f} {cumulative / count * 1e6:10.2f} "
              f"{calls / count:9.2f}  {_where(key)}")


def profile_from_dict(records: list[dict[str, Any]], top: int = 30) -> None:
    """Print the functions with the most own time reading (and writing) `SAMPLE` records."""
    import accountcore

    sample = records[:SAMPLE]
    for record in sample[:200]:
        accountcore.from_dict(record)
        accountcore.from_dict(record, check_identifiers=False)
    for checked in (True, False):
        profiler = cProfile.Profile()
        profiler.enable()
        for record in sample:
            accountcore.from_dict(record, check_identifiers=checked)
        profiler.disable()
        print(f"\n=== from_dict, check_identifiers={checked}, {len(sample):,} records ===")
        _print_top(profiler, len(sample), top)
    accounts = [accountcore.from_dict(record) for record in sample]
    profiler = cProfile.Profile()
    profiler.enable()
    for account in accounts:
        accountcore.to_dict(account)
    profiler.disable()
    print(f"\n=== to_dict, {len(accounts):,} accounts ===")
    _print_top(profiler, len(accounts), top // 2)
