"""
Read account records from CSV: one record per row, in the shape `accountcore.to_dict` writes.

- The header names record paths, dotted: ``code``, ``summary.address.city``,
  ``financial.vat_number``. List items go by index: ``financial.bank_accounts.0.iban``,
  ``free_fields.1.value``. Any other column is refused ("unknown column: x"), as is a column
  named twice. The required columns are the fields `accountcore.from_dict` cannot do
  without: ``code``, ``name``, ``type``, ``type_since``, ``status_since``,
  ``summary.address.line1``, ``summary.address.city``, ``summary.address.country``.
- An empty cell means absent: its key is left out, and so is an object or list item whose
  cells are all empty, and a row whose cells are all empty. CSV cannot tell empty text from
  no text. List items keep their order; an empty item is dropped, not kept as a gap.
- Integer fields are read from decimal digits; yes/no fields from ``true``/``false``,
  ``yes``/``no`` or ``1``/``0`` (any case); a free field's value by its ``kind`` (a number
  for ``number``, yes/no for ``yes_no``, text otherwise). Every other cell stays text, for
  `accountcore.from_dict` to check: dates ISO ``YYYY-MM-DD``, enums their codes, identifiers
  as written. A cell that cannot be read is a problem of its record (code ``invalid_type``;
  the message never echoes the cell, which may hold an IBAN or a tax number), and its key is
  left out.
- Cells are separated by commas, or by semicolons when the header line holds semicolons and
  no comma. A row may have fewer cells than the header (the rest are empty), not more
  (unless the extra cells are empty).
- A record's place is ``row N``, N being the line on which the row starts.
- Limits (`accountcore._readers.ReadLimits`): a line may hold ``limits.line`` characters, its
  line end not counted, and a row ``limits.record`` characters, the line ends inside its
  quoted cells counted (1 MiB each by default). Past either, the file is unreadable, naming
  the line (for a row, the line it starts on). Lines are counted as `csv.reader` asks for
  them, so an endless quoted cell is refused as soon as it is too long, not read to the end.
  A cell is also held to Python's `csv.field_size_limit` (131,072 characters unless the
  program changes it), which the csv module checks as it reads.
"""

from __future__ import annotations

import _csv
import csv
import functools
import itertools
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Union

import attrs

from ..entities import Account, FreeField, FreeFieldKind
from ..errors import Problem
from ..identifiers import Identifier
from ._common import (
    DEFAULT_LIMITS,
    RawRecord,
    ReadLimits,
    _capped_lines,
    _is_too_long,
    _not_text,
    _open,
    _too_long,
    _unreadable,
)

Read = Callable[[str], object]  # a cell to its value, `_BLANK`, or None when it cannot be read
Build = Callable[[list[str], list[Problem]], object]  # a row to a value; None when all empty

_INDEX = re.compile(r"0|[1-9][0-9]{0,3}")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_YES_NO = {
    spelling: value
    for word, value in {"true": True, "false": False, "yes": True, "no": False}.items()
    for spelling in (word, word.title(), word.upper())
} | {"1": True, "0": False}
_BLANK = object()  # what a cell of only spaces reads as: absent, like an empty one

# Each reader takes a non-empty cell and returns its value, `_BLANK`, or None when the cell
# cannot be read. The common spelling is tried first, without stripping or matching.


def _integer(text: str) -> object:
    if text.isdigit() and text.isascii() and len(text) < 100:
        return int(text)
    text = text.strip()
    if not text:
        return _BLANK
    return int(text) if len(text) < 100 and _INTEGER.fullmatch(text) else None


def _yes_no(text: str) -> object:
    value = _YES_NO.get(text)
    if value is None:
        text = text.strip()
        return _YES_NO.get(text.lower()) if text else _BLANK
    return value


def _number(text: str) -> object:
    value = _integer(text)
    if value is not None:
        return value
    text = text.strip()
    return float(text) if len(text) < 400 and _NUMBER.fullmatch(text) else None


#: How a typed cell is read, and what it should have held (for the problem's message).
_TYPED: dict[object, tuple[Read, str]] = {
    int: (_integer, "an integer as decimal digits"),
    bool: (_yes_no, "true or false, yes or no, 1 or 0"),
}
_FREE_VALUES: dict[object, tuple[Read, str]] = {
    FreeFieldKind.NUMBER.value: (_number, "a number"),
    FreeFieldKind.YES_NO.value: _TYPED[bool],
}


# --- the record's shape, from the entities ----------------------------------------------------


@attrs.frozen
class _Shape:
    """What a record path holds: an object's fields, a list's item, or one cell's value."""

    fields: Mapping[str, _Shape] = attrs.field(factory=dict)
    item: _Shape | None = None
    typed: tuple[Read, str] | None = None  # None: the cell's text, as it is
    is_free_field: bool = False


def _shape_of(tp: object) -> _Shape:
    if typing.get_origin(tp) in (Union, types.UnionType):
        rest = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        if len(rest) != 1:
            return _Shape()  # a free field's value: read by its kind, after the row
        tp = rest[0]
    if typing.get_origin(tp) is tuple:
        return _Shape(item=_shape_of(typing.get_args(tp)[0]))
    if isinstance(tp, type) and attrs.has(tp) and not issubclass(tp, Identifier):
        fields = attrs.fields(attrs.resolve_types(tp))
        shapes = {f.name: _shape_of(f.type) for f in fields}
        return _Shape(fields=shapes, is_free_field=tp is FreeField)
    return _Shape(typed=_TYPED.get(tp))


def _required(cls: type, prefix: str = "") -> Iterator[str]:
    for f in attrs.fields(attrs.resolve_types(cls)):
        if f.default is not attrs.NOTHING:
            continue
        if isinstance(f.type, type) and attrs.has(f.type):
            yield from _required(f.type, f"{prefix}{f.name}.")
        else:
            yield prefix + f.name


_ACCOUNT = _shape_of(Account)
#: The columns every CSV file needs: the fields `accountcore.from_dict` cannot do without.
REQUIRED_COLUMNS: tuple[str, ...] = tuple(_required(Account))


_Where = tuple[str | int, ...]


def _steps_of(column: str) -> list[tuple[_Where, _Shape]] | None:
    """
    Return each prefix of the record path a column names, with the shape it reaches.

    The record comes first and the column's value last; ``None`` when the column names no
    value (an unknown field, a bad list index, or an object rather than a value).
    """
    shape, where = _ACCOUNT, _Where()
    steps: list[tuple[_Where, _Shape]] = [(where, shape)]
    for part in column.split("."):
        if shape.item is not None and _INDEX.fullmatch(part):
            shape, where = shape.item, (*where, int(part))
        elif shape.item is None and part in shape.fields:
            shape, where = shape.fields[part], (*where, part)
        else:
            return None
        steps.append((where, shape))
    return steps if not shape.fields and shape.item is None else None


# --- the plan: a row is built in slots, one dict per object or list the header touches ---------


@attrs.frozen
class _Layout:
    """Where each cell of a row goes: slot 0 is the record, the others its objects and lists."""

    slots: dict[_Where, int]
    shapes: dict[_Where, _Shape]
    cells: dict[_Where, int]  # the column of each value


class _BadHeader(Exception):  # noqa: N818 -- a reason, turned into `UnreadableFile`
    """The header names no record (unknown, repeated or missing columns); ``str()`` says so."""


def _layout(header: tuple[str, ...]) -> _Layout:
    layout = _Layout({}, {}, {})
    unknown: list[str] = []
    for number, column in enumerate(header):
        steps = _steps_of(column)
        if steps is None:
            unknown.append(column or f"(column {number + 1} has no name)")
            continue
        for where, shape in steps[:-1]:
            layout.slots.setdefault(where, len(layout.slots))
            layout.shapes[where] = shape
        if layout.cells.setdefault(steps[-1][0], number) != number:
            raise _BadHeader(f"column named twice: {column}")
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        raise _BadHeader(f"unknown column{plural}: {', '.join(unknown)}")
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise _BadHeader(f"missing columns: {', '.join(missing)}")
    return layout


@functools.lru_cache(maxsize=16)
def plan(header: tuple[str, ...]) -> Build:
    """
    Compile a header (its columns, stripped) into a function that builds a row's record.

    The function takes the row's cells (as many as the header's columns) and a list to add
    reading problems to, and returns the record, or ``None`` when the row is empty. Plans are
    kept per header: each worker process of ``check --jobs`` compiles a file's header once.

    Raises:
        _BadHeader: an unknown, repeated or missing column.
    """
    layout = _layout(header)
    slots, shapes = layout.slots, layout.shapes
    texts: list[tuple[int, int, str | int]] = []
    typed: list[tuple[int, int, str | int, Read, Problem]] = []
    for where, number in layout.cells.items():
        owner, key = slots[where[:-1]], where[-1]
        kind = shapes[where[:-1]].fields[key].typed  # type: ignore[index]
        if kind is None:
            texts.append((number, owner, key))
        else:
            problem = Problem(where, "invalid_type", f"Expected {kind[1]}.")
            typed.append((number, owner, key, kind[0], problem))
    lists = [(where, slots[where], _indexes(slots, where)) for where in slots if shapes[where].item]
    free = [(slots[where], _free_reads(where)) for where in slots if shapes[where].is_free_field]
    return _builder(
        len(slots), texts, typed, free, _links(slots, {w: i for w, _, i in lists}), lists
    )


def _indexes(slots: dict[_Where, int], where: _Where) -> tuple[int, ...]:
    return tuple(sorted(item[-1] for item in slots if item[:-1] == where and item != where))  # type: ignore[misc]


def _links(
    slots: dict[_Where, int], lists: dict[_Where, tuple[int, ...]]
) -> list[tuple[int, int, str | int, tuple[int, ...] | None]]:
    """Hang each slot into its parent, deepest first; a list slot becomes a list."""
    deepest = sorted((where for where in slots if where), key=len, reverse=True)
    return [(slots[w], slots[w[:-1]], w[-1], lists.get(w)) for w in deepest]


def _free_reads(where: _Where) -> dict[object, tuple[Read, Problem]]:
    return {
        kind: (read, Problem((*where, "value"), "invalid_type", f"Expected {expected}."))
        for kind, (read, expected) in _FREE_VALUES.items()
    }


def _builder(  # noqa: PLR0917 -- one call site, the parts of one plan
    size: int,
    texts: list[tuple[int, int, str | int]],
    typed: list[tuple[int, int, str | int, Read, Problem]],
    free: list[tuple[int, dict[object, tuple[Read, Problem]]]],
    links: list[tuple[int, int, str | int, tuple[int, ...] | None]],
    lists: list[tuple[_Where, int, tuple[int, ...]]],
) -> Build:
    slots = range(size)

    def build(row: list[str], problems: list[Problem]) -> object:
        since = len(problems)
        nodes: list[dict[str | int, object]] = [{} for _ in slots]
        for number, slot, key in texts:
            if cell := row[number]:
                nodes[slot][key] = cell
        failed: tuple[int, ...] = ()  # slots kept for a problem even when left empty
        for number, slot, key, read, problem in typed:
            if cell := row[number]:
                if (value := read(cell)) is None:
                    problems.append(problem)
                    failed = (*failed, slot)
                elif value is not _BLANK:
                    nodes[slot][key] = value
        for slot, reads in free:
            if "value" in nodes[slot]:
                _read_free_value(nodes[slot], reads, problems)
        for child, parent, key, indexes in links:
            node = nodes[child]
            if node or child in failed:
                nodes[parent][key] = (
                    node if indexes is None else [node[i] for i in indexes if i in node]
                )
        if len(problems) > since and lists:
            _renumber(problems, since, nodes, lists)
        return nodes[0] if nodes[0] or failed else None

    return build


def _read_free_value(
    node: dict[str | int, object],
    reads: dict[object, tuple[Read, Problem]],
    problems: list[Problem],
) -> None:
    """Read a free field's value by its kind; other kinds keep their text."""
    text, found = node["value"], reads.get(node.get("kind"))
    if found is None or not isinstance(text, str):
        return
    read, problem = found
    value = read(text) if text else _BLANK
    if value is None or value is _BLANK:
        del node["value"]
        if value is None:
            problems.append(problem)
    else:
        node["value"] = value


def _renumber(
    problems: list[Problem],
    since: int,
    nodes: list[dict[str | int, object]],
    lists: list[tuple[_Where, int, tuple[int, ...]]],
) -> None:
    """Give list items' problems the index their item has in the record, not in the header."""
    for where, slot, indexes in lists:
        places = {index: n for n, index in enumerate(i for i in indexes if i in nodes[slot])}
        depth = len(where)
        for n in range(since, len(problems)):
            path = problems[n].path
            if len(path) > depth and path[:depth] == where and path[depth] in places:
                moved = (*where, places[path[depth]], *path[depth + 1 :])  # type: ignore[index]
                problems[n] = Problem(moved, problems[n].code, problems[n].message)


def cells_of(value: object, prefix: str = "") -> Iterator[tuple[str, str]]:
    """
    Yield ``(column, cell)`` for every non-empty leaf of a record: the inverse of the
    reader, for tests and benchmarks that write CSV (dotted paths, list items by index,
    yes/no as ``true``/``false``).
    """
    if isinstance(value, dict):
        for key, item in value.items():
            yield from cells_of(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from cells_of(item, f"{prefix}.{index}")
    elif isinstance(value, bool):
        yield prefix, "true" if value else "false"
    elif value is not None:
        yield prefix, str(value)


# --- reading ----------------------------------------------------------------------------------


class _TooLong(Exception):  # noqa: N818 -- a reason, turned into `UnreadableFile`
    """A line or a row went past its limit; the argument names the limit: line or record."""


class _Lines:
    """
    A CSV file's lines for `csv.reader`: a line past the line limit, or a row past the record
    limit, raises `_TooLong` as soon as it is read.

    `csv.reader` reads every line of a row before it returns the row, and a quoted cell may
    span lines: the row's characters are counted here, as each line is read. Whoever takes
    the rows sets `row` back to 0 after each one.
    """

    def __init__(self, file: IO[str], limits: ReadLimits) -> None:
        self.file, self.limits = file, limits
        self.row = 0  # characters of the current row read so far, line ends included

    def readline(self) -> str:
        """Read one line, outside any row (the blank lines and the header's first line)."""
        line = self.file.readline(self.limits.line + 2)
        if _is_too_long(line, self.limits.line):
            raise _TooLong("line")
        return line

    def __iter__(self) -> Iterator[str]:
        longest, record = self.limits.line, self.limits.record
        for line in _capped_lines(self.file, longest):
            row = self.row + len(line)
            self.row = row
            if row > record or len(line) > longest:  # one test per line on the common path
                self._check(line, row)
            yield line

    def _check(self, line: str, row: int) -> None:
        text = len(line.rstrip("\r\n"))  # the line end may end the row: not counted yet
        if text > self.limits.line:
            raise _TooLong("line")
        if row - (len(line) - text) > self.limits.record:
            raise _TooLong("record")


def split_csv(
    path: Path, *, limits: ReadLimits = DEFAULT_LIMITS
) -> Iterator[tuple[int, list[str]]]:
    """
    Yield a CSV file's header, then each of its rows, as cells, without building records.

    The first item is the header: the line it is on and its columns, stripped, after any
    blank lines. Each row then comes with the line it starts on and exactly as many cells as
    the header has columns. `plan` builds the records; ``check --jobs`` builds them in its
    worker processes.

    Args:
        path: the file.
        limits: how long a line and a row may be (default: 1 MiB each).

    Raises:
        UnreadableFile: the file is missing, not UTF-8 or not CSV, a row has more cells than
            the header, or a line or a row is longer than ``limits`` allow.
    """
    with _open(path, newline="") as file:
        lines, blank = _Lines(file, limits), 0
        try:
            while (first := lines.readline()) and first.isspace():
                blank += 1
        except _TooLong:
            raise _too_long(path, blank + 1, "a line", "line", limits) from None
        except UnicodeDecodeError:
            raise _not_text(path) from None
        if not first:
            return
        delimiter = ";" if ";" in first and "," not in first else ","
        # The blank lines are given again as empty ones, so that line numbers count them.
        head = itertools.chain(itertools.repeat("\n", blank), (first,), lines)
        reader = csv.reader(head, delimiter=delimiter, strict=True)
        try:
            yield from _split(path, reader, lines)
        except csv.Error as error:
            raise _unreadable(path, _csv_fault(error), reader.line_num) from None
        except UnicodeDecodeError:
            raise _not_text(path) from None


def _csv_fault(error: csv.Error) -> str:
    if str(error).startswith("field larger than field limit"):
        return f"a cell is longer than {csv.field_size_limit():,} characters (csv.field_size_limit)"
    return f"not valid CSV ({error})"


def _split(path: Path, reader: _csv.Reader, lines: _Lines) -> Iterator[tuple[int, list[str]]]:
    last = 0  # the line the last row ended on
    try:
        header = next(reader, None)
        while header is not None and not any(column.strip() for column in header):
            last, lines.row = reader.line_num, 0
            header = next(reader, None)
        if header is None:
            return
        width = len(header)
        yield reader.line_num, [column.strip() for column in header]
        last, lines.row = reader.line_num, 0
        for cells in reader:
            start, last = last + 1, reader.line_num
            lines.row = 0
            yield start, (cells if len(cells) == width else _fit(path, cells, width, start))
    except _TooLong as error:
        if error.args[0] == "line":  # the line being read: one past those read
            raise _too_long(path, reader.line_num + 1, "a line", "line", lines.limits) from None
        raise _too_long(path, last + 1, "a row", "record", lines.limits) from None


def header_plan(path: Path, header: list[str]) -> Build:
    """
    Return the `plan` of a file's header.

    Raises:
        UnreadableFile: the header has an unknown, repeated or missing column.
    """
    try:
        return plan(tuple(header))
    except _BadHeader as error:
        raise _unreadable(path, str(error)) from None


def read_csv(path: Path, *, limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[RawRecord]:
    """
    Yield each non-empty row of a CSV file as a record.

    Args:
        path: the file.
        limits: how long a line and a row may be (default: 1 MiB each).

    Raises:
        UnreadableFile: the file is missing, not UTF-8, not CSV, its header is wrong, or a
            line or a row is longer than ``limits`` allow.
    """
    rows = split_csv(path, limits=limits)
    header = next(rows, None)
    if header is None:
        return
    build = header_plan(path, header[1])
    problems: list[Problem] = []  # one list for every row: most rows have no problem
    for start, cells in rows:
        data = build(cells, problems)
        if data is None:
            continue
        if problems:
            yield RawRecord(f"row {start}", data, tuple(problems))  # type: ignore[arg-type]
            problems.clear()
        else:
            yield RawRecord(f"row {start}", data)  # type: ignore[arg-type]


def _fit(path: Path, row: list[str], width: int, line: int) -> list[str]:
    if len(row) < width:
        return row + [""] * (width - len(row))
    if any(cell.strip() for cell in row[width:]):
        raise _unreadable(path, f"{len(row)} cells in a row, but the header names {width}", line)
    return row[:width]
