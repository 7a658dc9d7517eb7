"""
Tell a file's format and hand it to its reader: CSV, JSON, JSON Lines and Exact XML.

Every reader streams: memory stays flat however long the file. A file that cannot be read at
all raises `UnreadableFile` with one line for the user (``NAME: reason``, or
``NAME: line N: reason``); a record that cannot be read, or reads but is wrong, is yielded
with its problems, and the file reads on. A file that yields no record at all is unreadable
("the file holds no records").

- JSON (``.json``): one array of record objects, read in chunks, never whole.
- JSON Lines (``.jsonl``, ``.ndjson``): one record object per line; blank lines are skipped.
- XML (``.xml``): Exact Globe/Synergy account exports (eExact).
- CSV (``.csv``, ``.tsv``, ``.tab``): one record per row; see ``docs/csv.md``.

Limits (`ReadLimits`; the command line's ``--max-line-length`` and ``--max-record-length``).
A line and a record may each be 1 MiB long by default (`DEFAULT_LIMITS`: 1,048,576), some 600
times the longest record of the bundled sample (1,668 characters). A record past either is
skipped as it is read, without holding the over-long text, and is one invalid record
(``record_too_long``); a CSV header or an XML tag past them makes the file unreadable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import Problem, ValidationError
from ._common import (
    DEFAULT_OPTIONS,
    HEAD,
    Input,
    RawRecord,
    ReadOptions,
    _unreadable,
    no_records,
    open_input,
)
from ._csv import read_csv
from ._exact_xml import read_exact_xml
from ._json import read_json, read_jsonl

#: The formats the readers read.
FORMATS: tuple[str, ...] = ("csv", "json", "jsonl", "xml")

_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xml": "xml",
}
_SNIFFED = {ord("["): "json", ord("{"): "jsonl", ord("<"): "xml"}
_BLANK = b" \t\r\n"
_BOMS = (b"\xef\xbb\xbf",)
_UTF16 = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode text": tab-separated, UTF-16


def sniff(source: Input) -> str:
    """
    Tell the format from the first non-blank byte: ``[`` JSON, ``{`` JSON Lines, ``<`` XML.

    Any other text is taken for CSV (so is UTF-16 text with its byte order mark).

    Raises:
        UnreadableFile: the file is empty or not text at all.
    """
    head = source.head(HEAD)
    if head.startswith(_UTF16):
        return "csv"
    for bom in _BOMS:
        head = head[len(bom) :] if head.startswith(bom) else head
    rest = head.lstrip(_BLANK)
    if not rest:
        if not head:
            raise no_records(source.name)
        return "csv"  # only blank lines in the first 64 KiB: CSV, whose reader says more
    first = rest[0]
    if first in _SNIFFED:
        return _SNIFFED[first]
    if first < 0x20 or first == 0x7F:
        raise _unreadable(
            source.name, "cannot tell the format; name it .csv, .json, .jsonl or .xml"
        )
    return "csv"


def detect_format(path: str | os.PathLike[str]) -> str:
    """
    Tell a file's format by its extension, or else by its first non-blank byte.

    Returns:
        One of `FORMATS`.

    Raises:
        UnreadableFile: the file is missing or unreadable, or the extension is unknown and the
            content does not tell.
    """
    kind = _EXTENSIONS.get(Path(path).suffix.lower())
    if kind is not None:
        return kind
    with open_input(path) as source:
        return sniff(source)


def check_format(format: str | None) -> None:
    """
    Refuse a format that is not one of `FORMATS` (``None`` asks for detection).

    Raises:
        ValidationError: with one ``invalid_choice`` problem at ``format``.
    """
    if format is not None and format not in _READERS:
        message = f"Unknown format {format!r}; expected one of {', '.join(FORMATS)}."
        raise ValidationError([Problem(("format",), "invalid_choice", message)])


def resolve_format(source: Input, format: str | None) -> str:
    """
    Settle the format of an open file: ``format`` if given, else by its name's extension and
    its content. A ``.json`` file that holds JSON Lines (or the reverse) is read as it holds.
    """
    if format is not None:
        check_format(format)
        return format
    kind = _EXTENSIONS.get(Path(source.name).suffix.lower())
    if kind is None:
        return sniff(source)
    if kind in ("json", "jsonl") and (sniffed := sniff(source)) in ("json", "jsonl"):
        return sniffed
    return kind


def read_records(
    source: Input, format: str, options: ReadOptions = DEFAULT_OPTIONS
) -> Iterator[RawRecord]:
    """
    Yield each record of an open file, streaming, in the order of the file.

    Raises:
        UnreadableFile: the file cannot be read at all, or holds no record; one line says why.
    """
    records = _READERS[format](source, options)
    first = next(records, None)
    if first is None:
        raise no_records(source.name)
    yield first
    yield from records


_READERS: dict[str, Callable[[Input, ReadOptions], Iterator[RawRecord]]] = {
    "csv": read_csv,
    "json": read_json,
    "jsonl": read_jsonl,
    "xml": read_exact_xml,
}
