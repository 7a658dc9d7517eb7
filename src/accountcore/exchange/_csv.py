"""
Read account records from CSV: one record per row, in the shape `accountcore.to_dict` writes.

- The header names each column's record path, or a plain name of the column map
  (`COLUMN_MAP`, in ``_columns``; listed in ``docs/csv.md``). Unknown columns, a path
  named twice and missing required columns refuse the file, all named in one line.
- An empty cell means absent: its key is left out, and so is an object or list item whose
  cells are all empty. A row whose cells are all empty, like a blank line, is no record. CSV
  cannot tell empty text from no text. List items keep their order; an empty item is
  dropped, not kept as a gap.
- Integer fields are read from decimal digits; yes/no fields from ``true``/``false``,
  ``yes``/``no`` or ``1``/``0`` (any case); a free field's value by its ``kind`` (a number
  for ``number``, yes/no for ``yes_no``, text otherwise). Every other cell stays text, for
  `accountcore.from_dict` to check: dates ISO ``YYYY-MM-DD``, enums their codes, identifiers
  as written. A cell that cannot be read is a problem of its record (code ``invalid_type``;
  the message never echoes the cell, which may hold an IBAN or a tax number), and its key is
  left out.
- The encoding: the one given, else a byte-order mark's (UTF-8, UTF-16), else UTF-8 when the
  file's first 64 KiB are UTF-8 (a stream's are read ahead), else charset-normalizer's guess,
  a tie going to cp1252 (Excel's on Western Windows). A byte further on that is not in that
  encoding makes the file unreadable.
- The delimiter: the one given, else whichever of ``,`` ``;`` tab ``|`` splits the header's
  first line (its quoted parts aside) into the most cells; ties go in that order, tab first
  for a ``.tsv`` or ``.tab`` file.
- A row may have fewer cells than the header (the rest are empty); one with more non-empty
  cells is an invalid record (``unreadable_record``), and reading goes on. Empty cells past
  the header's last named column are ignored, in the header too.
- Limits (`ReadLimits`): a line may hold ``limits.line`` characters, its line end not
  counted, and a row ``limits.record`` characters, the line ends inside its quoted cells
  counted. A row past either is an invalid record (``record_too_long``), skipped to its end
  without being held: it is read in pieces, and only its quotes and delimiters are followed,
  to find its end where the csv module would. A row that goes on past `SKIP_FACTOR` times
  its limit makes the file unreadable, as does a header past either limit. A header over
  1 MiB is checked in windows, so that one of millions of unknown names is refused in
  linear time and little memory. A cell is also held to Python's `csv.field_size_limit`
  (131,072 characters unless the program changes it), which the csv module checks as it
  reads; past it, the file is unreadable.
"""

from __future__ import annotations

import _csv
import codecs
import csv
import functools
import io
import itertools
import re
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import IO

import attrs

from ..entities import FreeFieldKind
from ..errors import Problem
from ._columns import (
    COLUMN_MAP,
    REQUIRED_COLUMNS,
    HeaderPaths,
    Where,
    _BadHeader,
    _Shape,
    check_paths,
    column_paths,
    steps_of,
)
from ._common import (
    DEFAULT_OPTIONS,
    HEAD,
    Input,
    Place,
    RawRecord,
    ReadOptions,
    _beyond,
    _unreadable,
    beyond_skipping,
    too_long_record,
    unreadable_record,
)
from ._csv_lines import _Lines, _TooLong

# What the reading and checking modules take from here, the column map's names among them.
__all__ = [
    "COLUMN_MAP",
    "REQUIRED_COLUMNS",
    "Build",
    "cells_of",
    "column_paths",
    "header_plan",
    "plan",
    "read_csv",
    "split_csv",
]

Read = Callable[[str], object]  # a cell to its value, `_BLANK`, or None when it cannot be read
Build = Callable[[list[str], list[Problem]], object]  # a row to a value; None when all empty

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


# --- the plan: a row is built in slots, one dict per object or list the header touches ---------


@attrs.frozen
class _Layout:
    """Where each cell of a row goes: slot 0 is the record, the others its objects and lists."""

    slots: dict[Where, int]
    shapes: dict[Where, _Shape]
    cells: dict[Where, int]  # the column of each value


def _layout(paths: tuple[str, ...]) -> _Layout:
    check_paths(paths)
    layout = _Layout({}, {}, {})
    for number, path in enumerate(paths):
        steps = steps_of(path) if path else None
        if steps is None:
            continue  # a column left unread
        for where, shape in steps[:-1]:
            layout.slots.setdefault(where, len(layout.slots))
            layout.shapes[where] = shape
        layout.cells[steps[-1][0]] = number
    return layout


@functools.lru_cache(maxsize=16)
def plan(paths: tuple[str, ...]) -> Build:
    """
    Compile a header's record paths (`column_paths`) into a function that builds a record.

    The function takes the row's cells (as many as the header's columns) and a list to add
    reading problems to, and returns the record, or ``None`` when the row is empty. Plans are
    kept per header: each worker process of ``check --jobs`` compiles a file's header once. A
    path ``""`` is a column left unread.

    Raises:
        _BadHeader: an unknown, repeated or missing path.
    """
    layout = _layout(paths)
    slots, shapes = layout.slots, layout.shapes
    texts: list[tuple[int, int, str | int]] = []
    typed: list[tuple[int, int, str | int, Read, Problem]] = []
    for where, number in layout.cells.items():
        owner, key = slots[where[:-1]], where[-1]
        kind = _TYPED.get(shapes[where[:-1]].fields[key].leaf)  # type: ignore[index]
        if kind is None:
            texts.append((number, owner, key))
        else:
            problem = Problem(where, "invalid_type", f"Expected {kind[1]}.")
            typed.append((number, owner, key, kind[0], problem))
    lists = [(where, slots[where], _indexes(slots, where)) for where in slots if shapes[where].item]
    free = [(slots[where], _free_reads(where)) for where in slots if shapes[where].is_free_field]
    build = _builder(
        len(slots), texts, typed, free, _links(slots, {w: i for w, _, i in lists}), lists
    )
    banks = ("financial", "bank_accounts")
    if any(w[:2] == banks for w in layout.cells) and not any(
        w[:2] == banks and w[-1] == "main" for w in layout.cells
    ):
        return _one_main(build)
    return build


def _one_main(build: Build) -> Build:
    """
    Make a row's only bank account its main one, for a header without a main column: a plain
    CSV file with an ``iban`` column means the account's bank account, which is its main one.
    """

    def with_main(row: list[str], problems: list[Problem]) -> object:
        data = build(row, problems)
        financial = data.get("financial") if isinstance(data, dict) else None
        banks = financial.get("bank_accounts") if isinstance(financial, dict) else None
        if isinstance(banks, list) and len(banks) == 1 and isinstance(banks[0], dict):
            banks[0].setdefault("main", True)
        return data

    return with_main


def _indexes(slots: dict[Where, int], where: Where) -> tuple[int, ...]:
    return tuple(sorted(item[-1] for item in slots if item[:-1] == where and item != where))  # type: ignore[misc]


def _links(
    slots: dict[Where, int], lists: dict[Where, tuple[int, ...]]
) -> list[tuple[int, int, str | int, tuple[int, ...] | None]]:
    """Hang each slot into its parent, deepest first; a list slot becomes a list."""
    deepest = sorted((where for where in slots if where), key=len, reverse=True)
    return [(slots[w], slots[w[:-1]], w[-1], lists.get(w)) for w in deepest]


def _free_reads(where: Where) -> dict[object, tuple[Read, Problem]]:
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
    lists: list[tuple[Where, int, tuple[int, ...]]],
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
    lists: list[tuple[Where, int, tuple[int, ...]]],
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
    reader, for `write_csv` and the benchmarks (dotted paths, list items by index, yes/no as
    ``true``/``false``).
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


# --- the encoding and the delimiter -------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decoded(source: Input, given: str | None) -> tuple[Input, str]:
    """Return the input to read and the codec to read it with (from its first `HEAD` bytes)."""
    if given is not None:
        try:
            name = codecs.lookup(given).name
        except LookupError:
            raise _unreadable(source.name, f"unknown encoding {given[:40]!r}") from None
        return source, "utf-8-sig" if name == "utf-8" else name  # a BOM is no text
    return source, _encoding(source.name, source.head(HEAD))


def _encoding(name: str, head: bytes) -> str:
    """Return the codec of a file that begins with ``head``: a BOM's, UTF-8, or a guess."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)  # a cut last character is fine
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    best = _guess(head)
    if best is None:
        raise _unreadable(name, "not text in an encoding that can be told; name it")
    return best


#: What a tie between guesses goes to: the encoding of most spreadsheets saved on Windows.
_WINDOWS = "cp1252"


def _guess(head: bytes) -> str | None:
    """Guess the encoding of text that is not UTF-8; a tie goes to Windows-1252."""
    # Imported here: only a file that is not UTF-8 needs it, and it takes a while to load.
    from charset_normalizer import from_bytes

    matches = from_bytes(head)
    best = matches.best()
    if best is None:
        return None
    tied = (m.encoding for m in matches if m.chaos <= best.chaos and m.coherence >= best.coherence)
    if _WINDOWS in best.could_be_from_charset or _WINDOWS in tied:
        return _WINDOWS
    return best.encoding


def _named(encoding: str) -> str:
    """The encoding as a message names it: ``UTF-8``, ``UTF-16``, ``cp1252``."""
    name = codecs.lookup(encoding).name
    return "UTF-8" if name.startswith("utf-8") else name.upper() if name.startswith("utf") else name


_DELIMITERS = (",", ";", "\t", "|")
_TABBED = ("\t", ",", ";", "|")
_QUOTED = re.compile(r'"[^"]*"')


def _delimiter(first: str, name: str) -> str:
    """Return the delimiter that splits the header's first line into the most cells."""
    first = first[:HEAD]  # enough to tell, and a header of millions of columns counts fast
    bare = _QUOTED.sub("", first) if '"' in first else first
    order = _TABBED if Path(name).suffix.lower() in (".tsv", ".tab") else _DELIMITERS
    return max(order, key=bare.count)  # the first of equal counts wins


# --- reading ----------------------------------------------------------------------------------

Row = tuple[int, list[str]]


def split_csv(
    source: Input, options: ReadOptions = DEFAULT_OPTIONS
) -> Generator[Row | RawRecord, None, None]:
    """
    Yield a CSV file's header, then each of its rows, as cells, without building records.

    The first item is the header: the line it starts on and its column names as the file
    has them (empty names past the last are dropped), after any blank lines and empty rows.
    Each non-empty row then comes with the line it starts on and exactly as many cells as
    the header has columns; a row that cannot be read (more cells than the header, past the
    limits) comes as its invalid `RawRecord`, numbered as `read_csv` numbers it.
    `header_plan` builds the records; ``check --jobs`` builds them in its worker processes.
    A header longer than 1 MiB is checked here, so that a header of millions of unknown
    columns is refused without holding its names.

    Raises:
        UnreadableFile: the file is not text in its encoding, not CSV, or its header goes
            past the limits.
    """
    source, encoding = _decoded(source, options.encoding)
    stream = source.stream
    file = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")  # type: ignore[type-var]
    try:
        yield from _split(source.name, file, options)
    except UnicodeDecodeError:
        raise source.not_text(_named(encoding)) from None
    finally:  # the stream stays open; a caller that left the rows unread may have closed it
        if not stream.closed:
            file.detach()


def _split(name: str, file: IO[str], options: ReadOptions) -> Iterator[Row | RawRecord]:
    lines, limits, number = _Lines(file, options.limits), options.limits, 0
    delimiter: str | None = None
    while True:  # past blank lines and empty rows to the header's first line
        try:
            first = lines.readline()
        except _TooLong:
            raise _unreadable(name, _beyond("a line", "line", limits), number + 1) from None
        if not first:
            return
        if number == 0:
            first = first.removeprefix("\ufeff")  # a BOM an encoding given did not take
        if delimiter is None and not first.isspace():
            delimiter = _delimiter_of(name, first, options.delimiter)
        if delimiter is not None and ('"' in first or _has_name(first, delimiter)):
            break
        number += 1
    lines.delimiter, lines.hidden = delimiter, number  # csv is not given the lines read
    header: list[str] | None = None
    if '"' in first:  # quoted names, perhaps over several lines: csv reads the header
        lines.row = len(first)
        reader = csv.reader(itertools.chain((first,), lines), delimiter=delimiter, strict=True)
    else:
        header = _header_of(name, first, number + 1, delimiter, options)
        lines.hidden += 1
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
    del first  # a long header's line: held no longer than it must be
    try:
        if header is None:
            found = _csv_header(name, reader, lines)
            if found is None:
                return
            line, header = found
        else:
            line = number + 1
        yield from _rows(name, reader, lines, line, header)
    except csv.Error as error:
        raise _unreadable(name, _csv_fault(error), reader.line_num + lines.hidden) from None


def _has_name(line: str, delimiter: str) -> bool:
    """Tell whether a line without quotes has a cell that is not blank."""
    return re.search(f"[^\\s{re.escape(delimiter)}]", line) is not None


def _csv_fault(error: csv.Error) -> str:
    if str(error).startswith("field larger than field limit"):
        return f"a cell is longer than {csv.field_size_limit():,} characters (csv.field_size_limit)"
    return f"not valid CSV ({error})"


def _delimiter_of(name: str, first: str, given: str | None) -> str:
    if given is None:
        return _delimiter(first, name)
    if len(given) != 1 or given in '"\r\n':
        raise _unreadable(name, f"cannot use {given[:10]!r} as the delimiter")
    return given


_WIDE = 1 << 20  # characters of a header line past which its names are checked in windows


def _header_of(name: str, first: str, line: int, delimiter: str, options: ReadOptions) -> list[str]:
    """Split a header line without quotes; a very long one is checked first, in windows."""
    end = len(first) - (first.endswith("\r\n") + first.endswith(("\r", "\n")))
    if end > options.limits.record:
        raise _unreadable(name, _beyond("the header", "record", options.limits), line)
    if end > _WIDE:  # millions of columns, perhaps: refused without holding them all
        paths = HeaderPaths(options.columns, keep=False)
        try:
            for window in _windows(first, end, delimiter):
                paths.add(window)
            paths.result()
        except _BadHeader as error:
            raise _unreadable(name, str(error), line) from None
    return first[:end].split(delimiter)


def _windows(line: str, end: int, delimiter: str) -> Iterator[list[str]]:
    """Split ``line`` up to ``end`` a piece of about `_WIDE` characters at a time."""
    start = 0
    while (cut := line.find(delimiter, start + _WIDE, end)) >= 0:
        yield line[start:cut].split(delimiter)
        start = cut + 1
    yield line[start:end].split(delimiter)


def _csv_header(name: str, reader: _csv.Reader, lines: _Lines) -> tuple[int, list[str]] | None:
    """Read the header with csv, past empty rows: the line it starts on, and its names."""
    last, lines.header = lines.hidden, True
    try:
        for header in reader:
            start, last, lines.row = last + 1, reader.line_num + lines.hidden, 0
            if any(map(str.strip, header)):
                lines.header = False
                return start, header
    except _TooLong as error:
        what = "the header" if error.args[0] == "record" else "a line of the header"
        raise _unreadable(name, _beyond(what, error.args[0], lines.limits), last + 1) from None
    return None


def _rows(
    name: str, reader: _csv.Reader, lines: _Lines, start: int, header: list[str]
) -> Iterator[Row | RawRecord]:
    while not header[-1].strip():
        header.pop()  # empty cells past the last name, as spreadsheets write them
    width, limits = len(header), lines.limits
    yield start, header
    del header
    last, record = reader.line_num + lines.hidden, 0  # the line the last row ended on
    try:
        for cells in reader:
            start, last, lines.row = last + 1, reader.line_num + lines.hidden, 0
            if lines.skipped:
                record += 1
                what = "The row" if lines.skipped == "record" else "A line of the row"
                yield too_long_record(Place(name, start, record), what, lines.skipped, limits)
                lines.skipped = None
            elif any(cells):
                record += 1
                if len(cells) == width:
                    yield start, cells
                elif len(cells) < width:
                    yield start, cells + [""] * (width - len(cells))
                elif not any(cells[width:]):
                    yield start, cells[:width]
                else:
                    yield _too_many(Place(name, start, record), cells, width)
    except _TooLong as error:  # skipped to `SKIP_FACTOR` times the limit, and on
        what = "a row" if error.args[0] == "record" else "a line"
        raise beyond_skipping(name, last + 1, what, error.args[0], limits) from None


def _too_many(place: Place, cells: list[str], width: int) -> RawRecord:
    filled = len(cells) - next(i for i, cell in enumerate(reversed(cells)) if cell)
    reason = f"The row has {filled} cells, but the header names {width} columns."
    return unreadable_record(place, reason)


def header_plan(
    name: str, header: list[str], columns: Mapping[str, str] | None = None, line: int | None = None
) -> Build:
    """
    Return the `plan` of a file's header (`split_csv`'s first item).

    Args:
        name: the file's name as reported.
        header: the header's column names.
        columns: a column name to a record path, over the built-in column map.
        line: the line the header is on, for the message.

    Raises:
        UnreadableFile: the header has unknown, repeated or missing columns, all named.
    """
    try:
        return plan(column_paths(header, columns))
    except _BadHeader as error:
        raise _unreadable(name, str(error), line) from None


def read_csv(source: Input, options: ReadOptions = DEFAULT_OPTIONS) -> Iterator[RawRecord]:
    """
    Yield each non-empty row of a CSV file as a record.

    Raises:
        UnreadableFile: the file is not text in its encoding, not CSV, or its header is
            wrong or past the limits; one line says why.
    """
    rows = split_csv(source, options)
    try:  # closed here, not when collected: the file it reads may be closed by then
        yield from _records(source.name, rows, options)
    finally:
        rows.close()


def _records(
    name: str, rows: Iterator[Row | RawRecord], options: ReadOptions
) -> Iterator[RawRecord]:
    header = next(rows, None)
    if header is None:
        return
    line, columns = header  # type: ignore[misc]
    build = header_plan(name, columns, options.columns, line)
    record = 0
    problems: list[Problem] = []  # one list for every row: most rows have no problem
    for row in rows:
        record += 1
        if type(row) is not tuple:
            yield row  # type: ignore[misc]
            continue
        start, cells = row
        data = build(cells, problems)
        if data is None:  # only blank cells, where text would be kept: no value at all
            data = {}
        if problems:
            yield RawRecord(Place(name, start, record), data, tuple(problems))  # type: ignore[arg-type]
            problems.clear()
        else:
            yield RawRecord(Place(name, start, record), data)  # type: ignore[arg-type]
