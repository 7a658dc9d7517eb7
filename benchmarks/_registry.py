"""
The benchmark registry: named functions that measure and return comparison rows.

A benchmark module decorates its functions with `register`; the runner imports the modules
listed in `benchmarks.__main__.MODULES` and runs every registered function in order. Adding
a benchmark (status machine, rights, sync) means one new module and one line in that list.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Benchmark", "Context", "Row", "Settings", "register", "registered"]


@dataclass(frozen=True)
class Settings:
    """What the user asked for on the command line."""

    n: int
    repeats: int
    seed: int
    import_runs: int
    memory_n: int


@dataclass
class Context:
    """Shared inputs: the settings, the generated records and the contenders."""

    settings: Settings
    records: list[dict[str, Any]]
    contenders: tuple[Any, ...]
    cache: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """
    One comparison: accountcore's figure against one peer's, lower is better.

    ``target`` is the largest acceptable ratio accountcore / peer, or ``None`` when the row
    is reported for information only.
    """

    benchmark: str
    unit: str
    ours: float
    peer: str | None = None
    theirs: float | None = None
    target: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """accountcore / peer, or ``None`` without a peer figure."""
        if self.theirs is None or self.theirs == 0 or math.isnan(self.theirs):
            return None
        return self.ours / self.theirs

    @property
    def met(self) -> bool | None:
        """Whether the target is met; ``None`` when the row has no target."""
        ratio = self.ratio
        if self.target is None or ratio is None:
            return None
        return ratio <= self.target


Benchmark = Callable[[Context], list[Row]]
_REGISTRY: dict[str, Benchmark] = {}


def register(name: str) -> Callable[[Benchmark], Benchmark]:
    """Add the decorated function to the registry under ``name`` (kept in import order)."""

    def decorate(fn: Benchmark) -> Benchmark:
        if name in _REGISTRY:
            raise ValueError(f"benchmark {name!r} registered twice")
        _REGISTRY[name] = fn
        return fn

    return decorate


def registered() -> dict[str, Benchmark]:
    """Return the registered benchmarks by name, in registration order."""
    return dict(_REGISTRY)
