"""
Serialization benchmarks: reading records into accounts and writing them back.

- ``from_dict``: `accountcore.from_dict` with identifier checks against pydantic's
  ``model_validate`` and ``msgspec.convert`` running the same checks (target: at most 1.0x
  pydantic).
- ``to_dict``: `accountcore.to_dict` against ``model_dump(mode="json")`` and
  ``msgspec.to_builtins`` (reported, no target). It writes the accounts of the last
  ``from_dict`` round, each contender's while only its own accounts are alive.
- ``from_dict_unchecked``: the same without identifier checks (target: at most 1.5x pydantic).
- ``from_dict_gc_off``: both again with the garbage collector off, on a sample, to show how
  much of each figure is collection work (information only; the targets hold with it on).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from ._registry import Context, Row, register
from ._timing import best_of, over, per_record_us

__all__ = ["from_dict_checked", "from_dict_gc_off", "from_dict_unchecked", "to_dict"]

UNIT = "µs/record"
WARM_UP = 500
#: Without the collector the cost per record no longer depends on N; a sample will do.
GC_OFF_N = 20_000
_TO_DICT = "card.to_dict"
_LABELS = {True: "from_dict, identifier checks on", False: "from_dict, identifier checks off"}


def _rows(label: str, figures: dict[str, float], targets: dict[str, float]) -> list[Row]:
    ours = figures["accountcore"]
    return [
        Row(label, UNIT, ours, peer, theirs, targets.get(peer))
        for peer, theirs in figures.items()
        if peer != "accountcore"
    ]


def _warm(fn: Callable[[Any], object], items: list[Any]) -> None:
    for item in items[:WARM_UP]:
        fn(item)


def _time_loading(
    ctx: Context,
    checked: bool,
    last: Callable[[str, Any], None] | None = None,
    records: list[Any] | None = None,
) -> dict[str, float]:
    records = ctx.records if records is None else records
    loaders = {c.name: c.load if checked else c.load_unchecked for c in ctx.contenders}
    for load in loaders.values():
        _warm(load, records)
    passes = {name: over(load, records) for name, load in loaders.items()}
    seconds = best_of(passes, ctx.settings.repeats, last)
    return {name: per_record_us(s, len(records)) for name, s in seconds.items()}


def _time_dumping(ctx: Context, name: str, accounts: list[Any]) -> float:
    """Return the best µs per account of writing ``accounts`` with contender ``name``."""
    dump = next(c.dump for c in ctx.contenders if c.name == name)
    _warm(dump, accounts)
    seconds = best_of({name: over(dump, accounts)}, ctx.settings.repeats)[name]
    return per_record_us(seconds, len(accounts))


@register("from_dict")
def from_dict_checked(ctx: Context) -> list[Row]:
    """Read every record with identifier checks; time ``to_dict`` on the last round's."""
    written: dict[str, float] = {}

    def write_back(name: str, accounts: list[Any]) -> None:
        written[name] = _time_dumping(ctx, name, accounts)

    figures = _time_loading(ctx, True, write_back)
    ctx.cache[_TO_DICT] = written
    return _rows(_LABELS[True], figures, {"pydantic": 1.0})


@register("to_dict")
def to_dict(ctx: Context) -> list[Row]:
    """Report ``to_dict`` as timed by ``from_dict`` (or time it here if that did not run)."""
    figures: dict[str, float] | None = ctx.cache.pop(_TO_DICT, None)
    if figures is None:
        figures = {}
        for c in ctx.contenders:
            accounts = [c.load(r) for r in ctx.records]
            figures[c.name] = _time_dumping(ctx, c.name, accounts)
            del accounts
    return _rows("to_dict", figures, {})


@register("from_dict_unchecked")
def from_dict_unchecked(ctx: Context) -> list[Row]:
    """Read every record without identifier checks; every other rule still runs."""
    figures = _time_loading(ctx, False)
    return _rows(_LABELS[False], figures, {"pydantic": 1.5})


@register("from_dict_gc_off")
def from_dict_gc_off(ctx: Context) -> list[Row]:
    """Read the first `GC_OFF_N` records with the collector off, for information only."""
    records = ctx.records[:GC_OFF_N]
    rows: list[Row] = []
    gc.collect()
    gc.disable()
    try:
        for checked in (True, False):
            figures = _time_loading(ctx, checked, records=records)
            label = f"{_LABELS[checked]}, gc off (first {len(records):,})"
            rows += _rows(label, figures, {})
    finally:
        gc.enable()
    return rows
