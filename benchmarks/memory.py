"""
Memory per account: what a list of N read accounts keeps alive, divided by N.

Each contender reads the same records, decoded afresh from one JSON text while `tracemalloc`
traces, so text the objects share with their input counts too. The records are then dropped
and a full collection run; what stays traced is the accounts and everything they hold. The
objects the garbage collector tracks per account are counted too: the collector's work, with
many accounts alive, grows with them.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._registry import Context, Row, register

__all__ = ["Retained", "memory_per_account", "retained"]


@dataclass(frozen=True)
class Retained:
    """What one object keeps alive, on average."""

    bytes: float
    tracked: float


def retained(load: Callable[[Any], object], payload: str) -> Retained:
    """Return the traced bytes and gc-tracked objects kept per object read from ``payload``."""
    gc.collect()
    tracked_before = len(gc.get_objects())
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        records = json.loads(payload)
        objects = [load(record) for record in records]
        del records
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    count = len(objects)
    tracked = len(gc.get_objects()) - tracked_before - 1  # the list itself
    del objects
    return Retained(kept / count, tracked / count)


def _rows(label: str, unit: str, figures: dict[str, float], targets: dict[str, float]) -> list[Row]:
    ours = figures.pop("accountcore")
    return [Row(label, unit, ours, peer, theirs, targets.get(peer)) for peer, theirs in
            figures.items()]


@register("memory")
def memory_per_account(ctx: Context) -> list[Row]:
    """Compare the memory each contender keeps per account (target: at most 1.3x msgspec)."""
    payload = json.dumps(ctx.records[: ctx.settings.memory_n])
    for contender in ctx.contenders:  # fill caches and lazy imports outside the trace
        for record in ctx.records[:100]:
            contender.load(record)
    kept = {c.name: retained(c.load, payload) for c in ctx.contenders}
    first = f"first {ctx.settings.memory_n:,} records"
    return [
        *_rows(f"memory per account ({first})", "bytes/account",
               {name: r.bytes for name, r in kept.items()}, {"msgspec": 1.3}),
        *_rows(f"gc-tracked objects per account ({first})", "objects/account",
               {name: r.tracked for name, r in kept.items()}, {}),
    ]
