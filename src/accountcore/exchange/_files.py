"""
Read account records from files, one `RawRecord` at a time: CSV, JSON, JSON Lines and XML.

Every reader streams: memory stays flat however long the file. A file that cannot be read
raises `UnreadableFile` with one line for the user (``PATH: reason``, or
``PATH: line N: reason`` when the fault has a place); a record that reads but is wrong is
yielded with its problems, and the file reads on. Files are UTF-8, with or without a BOM. A
file that yields no record at all is unreadable ("the file holds no records").

- JSON (``.json``): one array of record objects, read in chunks, never whole.
- JSON Lines (``.jsonl``, ``.ndjson``): one record object per line; blank lines are skipped.
- XML (``.xml``): Exact Globe/Synergy account exports, read by `accountcore._exact_xml`.
- CSV (``.csv``): one record per row, columns named by record paths; the rules are in
  `accountcore._csv_reader`.

Limits (`ReadLimits`; the command line's ``--max-line-length`` and ``--max-record-length``).
A line and a record may each be 1 MiB long by default (`DEFAULT_LIMITS`: 1,048,576), some 600
times the longest record of the bundled sample (1,668 characters). Reading refuses a file that
goes past either, as soon as it does and without holding the over-long text: a line is read
with ``readline(limit + 2)``, a JSON record is measured as its window grows. Without a cap, a
file of one endless line (``/dev/zero``) would be read until memory ran out.

- JSON Lines: each line, its line end not counted; a line is also a record, so the lower
  of the two limits applies.
- CSV: each line, and each row (a quoted cell may span lines): `accountcore._csv_reader`.
- JSON: each element of the array, from its first character to its last. Lines are not
  limited: ``json.dump`` writes a whole array on one line.
- XML: each ``Account`` element, in bytes: `accountcore._exact_xml`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ._common import (
    DEFAULT_LIMITS,
    RawRecord,
    ReadLimits,
    _not_text,
    _os_errors,
    _unreadable,
    no_records,
)
from ._csv import read_csv
from ._exact_xml import read_exact_xml
from ._json import read_json, read_jsonl

#: The formats `read_records` reads.
FORMATS: tuple[str, ...] = ("csv", "json", "jsonl", "xml")

_EXTENSIONS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xml": "xml"}
_SNIFFED = {ord("["): "json", ord("{"): "jsonl", ord("<"): "xml"}
_BLANK = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"


def _first_byte(path: Path) -> int | None:
    with _os_errors(path), open(path, "rb") as file:
        head = file.read(4096)
        head = head[len(_BOM) :] if head.startswith(_BOM) else head
        while head:
            if rest := head.lstrip(_BLANK):
                return rest[0]
            head = file.read(4096)
    return None


def sniff_format(path: Path) -> str:
    """
    Tell the format from the first non-blank byte: ``[`` JSON, ``{`` JSON Lines, ``<`` XML.

    Any other text is taken for CSV.

    Raises:
        UnreadableFile: the file is missing, empty, not UTF-8, or not text at all.
    """
    first = _first_byte(path)
    if first is None:
        raise no_records(path)
    if first in _SNIFFED:
        return _SNIFFED[first]
    if 0x80 <= first < 0xC2 or first > 0xF4:  # cannot start a UTF-8 character
        raise _not_text(path)
    if first < 0x20 or first == 0x7F:
        raise _unreadable(path, "cannot tell the format; name it .csv, .json, .jsonl or .xml")
    return "csv"


def detect_format(path: Path) -> str:
    """
    Tell a file's format by its extension, or else by its first non-blank byte.

    Returns:
        One of `FORMATS`.

    Raises:
        UnreadableFile: the extension is unknown and the content does not tell.
    """
    return _EXTENSIONS.get(path.suffix.lower()) or sniff_format(path)


def read_records(
    path: Path, *, format: str | None = None, limits: ReadLimits = DEFAULT_LIMITS
) -> Iterator[RawRecord]:
    """
    Yield each record of a file, streaming, in the order of the file.

    Args:
        path: the file.
        format: one of `FORMATS`; ``None`` detects it with `detect_format`.
        limits: how long a line and a record may be (default: 1 MiB each).

    Raises:
        UnreadableFile: the file cannot be read, or a line or a record is longer than
            ``limits`` allow; one line says why.
        ValueError: ``format`` is not one of `FORMATS`.
    """
    kind = detect_format(path) if format is None else format
    if kind not in _READERS:
        raise ValueError(f"unknown format {kind!r}; expected one of {', '.join(FORMATS)}")
    records = _READERS[kind](path, limits=limits)
    try:  # an escaped decoding error has its line found here, once, for every format
        first = next(records, None)
        if first is None:
            raise no_records(path)
        yield first
        yield from records
    except UnicodeDecodeError:
        raise _not_text(path) from None


_READERS: dict[str, Callable[..., Iterator[RawRecord]]] = {
    "csv": read_csv,
    "json": read_json,
    "jsonl": read_jsonl,
    "xml": read_exact_xml,
}
