"""Write accounts as CSV: a header of record paths, one row per account, read back exactly."""

from __future__ import annotations

import csv
import marshal
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO

from ..entities import Account
from ..serialization import to_dict
from ._columns import path_order, steps_of
from ._csv import cells_of


def write_csv(
    accounts: Iterable[Account], stream: IO[str], *, columns: Sequence[str] | None = None
) -> int:
    """
    Write accounts as CSV, one row each, under a header of dotted record paths.

    The file reads back as the same accounts (`accountcore.exchange.read`), but for what CSV
    cannot tell apart: an empty text is read as no text. Cells are written as they are:
    nothing is done against spreadsheet formulas (a phone number may start with ``+``).
    Open a file to write with ``newline=""``: rows end in ``\\r\\n``, and a line break inside
    a cell is kept as it is.

    Args:
        accounts: the accounts, in the order to write them.
        stream: where to write.
        columns: the record paths to write, in order; other fields are left out. ``None``
            writes every path that any account fills, in the order of the card's fields:
            the rows wait in a temporary file until all are seen, so memory stays flat.

    Returns:
        The number of accounts written.

    Raises:
        ValueError: a column is not the record path of a value.

    .. versionadded:: 0.2
    """
    if columns is not None:
        _check(columns)
        return _write(stream, list(columns), map(_cells, accounts))
    seen: dict[str, None] = {}
    with tempfile.TemporaryFile() as spool:
        count = 0
        for account in accounts:
            cells = _cells(account)
            seen.update(dict.fromkeys(cells))
            marshal.dump(cells, spool)
            count += 1
        if not count:
            return 0
        spool.seek(0)
        _write(stream, sorted(seen, key=path_order), _unspooled(spool, count))
    return count


def _cells(account: Account) -> dict[str, str]:
    return dict(cells_of(to_dict(account)))


def _check(columns: Sequence[str]) -> None:
    unknown = [column for column in columns if steps_of(column) is None]
    if unknown:
        raise ValueError(f"not the record path of a value: {', '.join(map(repr, unknown[:10]))}")
    if len(set(columns)) != len(columns):
        raise ValueError("a column is named twice")


def _unspooled(spool: IO[bytes], count: int) -> Iterator[dict[str, str]]:
    for _ in range(count):
        yield marshal.load(spool)


def _write(stream: IO[str], header: list[str], rows: Iterable[dict[str, str]]) -> int:
    writer = csv.writer(stream)
    writer.writerow(header)
    count = 0
    for cells in rows:
        writer.writerow([cells.get(column, "") for column in header])
        count += 1
    return count
