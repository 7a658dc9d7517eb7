"""
Exact XML files both ways: reading an eExact export and writing one.

- ``exact_xml_read``: `accountcore.exchange.read_raw` over an eExact file of the run's
  accounts (`benchmarks._data.make_records`, written once with `write_exact_xml`, outside
  the timed region): streaming, each ``Account`` mapped to a record, nothing checked.
  Microseconds per account against a budget of 200 µs (row "5,000 accounts/s budget",
  target: a ratio of at most 1.0). Beside it, for information: the same file through
  `xml.etree.ElementTree.iterparse`, building each ``Account`` element and clearing it
  (the parsing alone, no mapping), and `accountcore.exchange.read` (mapping and checking
  every record with `from_dict`).
- ``exact_xml_write``: `write_exact_xml` of the same accounts, against `json.dumps` of their
  records (`to_dict`), for information.

Timing: `benchmarks._timing.best_of`, every pass in this process, round-robin, the fastest
of ``--repeats`` kept. Every account written must read back, or the run stops.
"""

from __future__ import annotations

import io
import json
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from accountcore import from_dict, to_dict
from accountcore.exchange import read, read_raw, write_exact_xml

from ._registry import Context, Row, register
from ._timing import best_of, per_record_us

__all__ = ["exact_xml_read", "exact_xml_write"]

BUDGET_US = 200.0  # 5,000 accounts a second


def _accounts(ctx: Context) -> list[Any]:
    if "exchange_accounts" not in ctx.cache:
        ctx.cache["exchange_accounts"] = [from_dict(r) for r in ctx.records]
    accounts: list[Any] = ctx.cache["exchange_accounts"]
    return accounts


def _file(ctx: Context) -> Path:
    if "exchange_xml" not in ctx.cache:
        folder = Path(tempfile.mkdtemp(prefix="accountcore-bench-"))
        path = folder / "accounts.xml"
        with path.open("wb") as out:
            write_exact_xml(_accounts(ctx), out)
        ctx.cache["exchange_xml"] = path
    path: Path = ctx.cache["exchange_xml"]
    return path


def _iterparse(path: Path) -> int:
    count = 0
    for _, element in ET.iterparse(path):
        if element.tag == "Account":
            count += 1
            element.clear()
    return count


@register("exact_xml_read")
def exact_xml_read(ctx: Context) -> list[Row]:
    """Reading an eExact file: accounts per second against a budget, and ElementTree."""
    path, n = _file(ctx), len(ctx.records)
    passes = {
        "read_raw": lambda: sum(1 for _ in read_raw(path)),
        "iterparse": lambda: _iterparse(path),
        "read": lambda: sum(1 for r in read(path) if r.ok),
    }
    counts: dict[str, int] = {}
    seconds = best_of(passes, ctx.settings.repeats, counts.__setitem__)
    if counts["read_raw"] != n or counts["iterparse"] != n or counts["read"] != n:
        raise AssertionError(f"read back {counts} of {n} accounts")
    ours = per_record_us(seconds["read_raw"], n)
    note = f"{1e6 / ours:,.0f} accounts/s, {path.stat().st_size / n:,.0f} bytes per account"
    print(f"exact_xml_read: {note}")
    return [
        Row(
            f"read eExact XML ({n:,} accounts)",
            "µs/account",
            ours,
            "5,000 accounts/s budget",
            BUDGET_US,
            1.0,
            note,
        ),
        Row(
            "read eExact XML, parsing alone",
            "µs/account",
            ours,
            "ElementTree.iterparse",
            per_record_us(seconds["iterparse"], n),
            None,
            "iterparse builds and clears each Account; no mapping",
        ),
        Row(
            "read and check eExact XML",
            "µs/account",
            per_record_us(seconds["read"], n),
            "5,000 accounts/s budget",
            BUDGET_US,
            None,
            "read(): mapping and from_dict, identifier checks on",
        ),
    ]


@register("exact_xml_write")
def exact_xml_write(ctx: Context) -> list[Row]:
    """Writing an eExact file against json.dumps of the same records."""
    accounts, n = _accounts(ctx), len(ctx.records)
    passes = {
        "xml": lambda: write_exact_xml(accounts, io.BytesIO()),
        "json": lambda: sum(len(json.dumps(to_dict(a))) for a in accounts),
    }
    seconds = best_of(passes, ctx.settings.repeats)
    return [
        Row(
            f"write eExact XML ({n:,} accounts)",
            "µs/account",
            per_record_us(seconds["xml"], n),
            "to_dict + json.dumps",
            per_record_us(seconds["json"], n),
            None,
            "streamed to memory",
        )
    ]
