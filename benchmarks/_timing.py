"""
Timing helpers: interleaved best-of-k over whole passes, with the garbage collector on.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["best_of", "over", "per_record_us"]


def _one_pass(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def best_of(
    passes: Mapping[str, Callable[[], Any]],
    repeats: int,
    last: Callable[[str, Any], None] | None = None,
) -> dict[str, float]:
    """
    Time every pass ``repeats`` times, round-robin so drift hits all alike; keep the best.

    Each pass's results are freed, outside the timed region, before the next pass starts, so
    every pass runs on the same heap (the garbage collector's work depends on its size).

    Args:
        passes: name -> a function doing one whole pass.
        repeats: how many times to run each pass.
        last: called with each pass's name and results in the last round, before they go.

    Returns:
        Seconds of the fastest run of each pass, by name.
    """
    best = dict.fromkeys(passes, math.inf)
    for round_ in range(repeats):
        for name, fn in passes.items():
            elapsed, result = _one_pass(fn)
            best[name] = min(best[name], elapsed)
            if last is not None and round_ == repeats - 1:
                last(name, result)
            del result
    return best


def over(fn: Callable[[Any], Any], items: Sequence[Any]) -> Callable[[], list[Any]]:
    """Return a pass that applies ``fn`` to every item and keeps the results."""
    return lambda: [fn(item) for item in items]


def per_record_us(seconds: float, n: int) -> float:
    """Convert the seconds of one pass over ``n`` records to microseconds per record."""
    return seconds / n * 1e6
