"""Tryton databases for the tests: one template per machine, a copy per test."""

from __future__ import annotations

import functools
import itertools
import tempfile
from pathlib import Path

from accountcore.sync.tryton import TrytonAccountingSystem, create_database

#: The template survives between runs here (``make clean`` keeps it; delete it by hand).
CACHE = Path(__file__).resolve().parent.parent / ".cache" / "tryton"
#: trytond's database folder is process-wide, so every test database lives in this one.
FOLDER = Path(tempfile.mkdtemp(prefix="accountcore-tryton-"))
_NAMES = itertools.count(1)


def fresh_database() -> str:
    """Create an empty Tryton database (a copy of the template) and return its name."""
    return create_database(f"test{next(_NAMES)}", directory=FOLDER, cache_dir=CACHE)


def fresh_system(**options: object) -> TrytonAccountingSystem:
    """Return the adapter on a new, empty database."""
    return TrytonAccountingSystem(fresh_database(), **options)  # type: ignore[arg-type]


@functools.cache
def shared_system(max_batch: int) -> TrytonAccountingSystem:
    """
    One adapter on one database per ``max_batch``, for state machines: a fresh database per
    example costs a pool load, so each example writes under account keys of its own instead.
    """
    return fresh_system(max_batch=max_batch)
