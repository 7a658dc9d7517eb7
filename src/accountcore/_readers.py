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

import codecs
import contextlib
import functools
import itertools
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import attrs

from .errors import Problem

__all__ = [
    "DEFAULT_LIMITS",
    "FORMATS",
    "RawRecord",
    "ReadLimits",
    "UnreadableFile",
    "detect_format",
    "read_records",
]

#: The formats `read_records` reads.
FORMATS: tuple[str, ...] = ("csv", "json", "jsonl", "xml")

_CHUNK = 64 * 1024  # characters read at a time from a JSON array; tests make it tiny
_EXTENSIONS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xml": "xml"}
_SNIFFED = {ord("["): "json", ord("{"): "jsonl", ord("<"): "xml"}
_BLANK = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"


class UnreadableFile(Exception):  # noqa: N818 -- reads as a state; internal to the CLI
    """
    The file cannot be read as account records; ``str()`` is one line for the user.
    """


def _unreadable(path: Path, reason: str, line: int | None = None) -> UnreadableFile:
    where = "" if line is None else f"line {line}: "
    return UnreadableFile(f"{path}: {where}{reason}")


def _no_records(path: Path) -> UnreadableFile:
    return _unreadable(path, "the file holds no records")


_MIB = 1 << 20
#: The command-line option that raises each limit, for the refusal's message.
_OPTIONS = {"line": "--max-line-length", "record": "--max-record-length"}


def _positive(_: object, field: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int or value < 1:
        raise ValueError(f"the {field.name} limit must be a whole number above 0, not {value!r}")


@attrs.frozen
class ReadLimits:
    """
    How long a line and a record of a file may be; reading refuses a file that goes past.

    Args:
        line: characters in one line of a CSV or JSON Lines file, its line end not counted.
        record: characters in one record (a JSON Lines line, a CSV row, an element of a JSON
            array), or bytes in one Exact XML ``Account`` element.

    Raises:
        ValueError: a limit is not a whole number above 0.
    """

    line: int = attrs.field(default=_MIB, validator=_positive)
    record: int = attrs.field(default=_MIB, validator=_positive)


#: The limits a reader applies unless told otherwise: 1 MiB (1,048,576) per line and per record.
DEFAULT_LIMITS = ReadLimits()


def _too_long(
    path: Path, line: int, what: str, limit: str, limits: ReadLimits, *, unit: str = "characters"
) -> UnreadableFile:
    """Refuse ``what`` (``a line``, ``record 3``) for going past ``limit`` (line or record)."""
    return _unreadable(path, _beyond(what, limit, limits, unit), line)


def _beyond(what: str, limit: str, limits: ReadLimits, unit: str = "characters") -> str:
    """Say that ``what`` is longer than ``limits`` allow, and which option raises the limit."""
    value: int = getattr(limits, limit)
    return f"{what} is longer than {value:,} {unit} (the limit; raise it with {_OPTIONS[limit]})"


@attrs.frozen
class RawRecord:
    """
    One record as read from a file, before `accountcore.from_dict` checks it.

    Args:
        place: where it is, for people: ``line 12``, ``record 3``, ``row 5``.
        data: the record in the shape `accountcore.to_dict` writes; ``None`` when it is
            unusable (say, a JSON number where a record object belongs).
        problems: what went wrong reading it; the file itself stays readable.
    """

    place: str
    data: dict[str, object] | None
    problems: tuple[Problem, ...] = ()


_NOT_AN_OBJECT = (Problem((), "invalid_type", "A record is a JSON object."),)


def _raw(place: str, value: object) -> RawRecord:
    if type(value) is dict:
        return RawRecord(place, value)
    return RawRecord(place, None, _NOT_AN_OBJECT)


# --- opening, sniffing, dispatching ---------------------------------------------------------------


@contextlib.contextmanager
def _os_errors(path: Path) -> Iterator[None]:
    """Turn the operating system's refusals into one-line `UnreadableFile` errors."""
    try:
        yield
    except FileNotFoundError:
        raise _unreadable(path, "no such file") from None
    except IsADirectoryError:
        raise _unreadable(path, "is a directory, not a file") from None
    except OSError as error:
        raise _unreadable(path, (error.strerror or str(error)).lower()) from None


def _open(path: Path, newline: str | None = None) -> IO[str]:
    with _os_errors(path):
        return open(path, encoding="utf-8-sig", errors="strict", newline=newline)


def _not_text(path: Path) -> UnreadableFile:
    """Find the line of the first byte that is not UTF-8, a chunk at a time (never a line)."""
    if not path.is_file():  # a pipe or a device: read again, it would give other bytes
        return _unreadable(path, "not UTF-8 text")
    decoder, lines = codecs.getincrementaldecoder("utf-8")(), 1
    try:
        with open(path, "rb") as file:
            while chunk := file.read(_CHUNK):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as error:  # .object: the chunk after held-back bytes
                    return _unreadable(
                        path, "not UTF-8 text", lines + error.object.count(b"\n", 0, error.start)
                    )
                lines += chunk.count(b"\n")
            decoder.decode(b"", True)
    except UnicodeDecodeError:  # the file ends inside a character
        return _unreadable(path, "not UTF-8 text", lines)
    except OSError:
        pass
    return _unreadable(path, "not UTF-8 text")


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
        raise _no_records(path)
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
    if kind == "xml":
        from ._exact_xml import read_exact_xml

        records = read_exact_xml(path, limits=limits)
    elif kind == "csv":
        from ._csv_reader import read_csv

        records = read_csv(path, limits=limits)
    elif kind in _READERS:
        records = _READERS[kind](path, limits)
    else:
        raise ValueError(f"unknown format {kind!r}; expected one of {', '.join(FORMATS)}")
    try:  # an escaped decoding error has its line found here, once, for every format
        first = next(records, None)
        if first is None:
            raise _no_records(path)
        yield first
        yield from records
    except UnicodeDecodeError:
        raise _not_text(path) from None


# --- JSON Lines and JSON ----------------------------------------------------------------------


def _json_error(error: ValueError | RecursionError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at column {error.colno}"
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return "a number has too many digits"


def _capped_lines(file: IO[str], limit: int) -> Iterator[str]:
    """
    Return an iterator over a text file's lines, each cut after ``limit + 2`` characters.

    A line longer than that comes in pieces; `_is_too_long` tells the first piece. The cap
    keeps reading from holding a line far longer than the limit (a file of one endless line).
    """
    return iter(functools.partial(file.readline, limit + 2), "")


def _is_too_long(line: str, limit: int) -> bool:
    """Tell whether a line from `_capped_lines` is longer than ``limit``, its line end aside."""
    return len(line) > limit and len(line.rstrip("\r\n")) > limit


def _read_jsonl(path: Path, limits: ReadLimits) -> Iterator[RawRecord]:
    loads = json.loads
    # Each line is a record: the lower limit applies, and its option is the one to name.
    kind = "line" if limits.line <= limits.record else "record"
    limit = min(limits.line, limits.record)
    with _open(path) as file:
        for number, line in enumerate(_capped_lines(file, limit), start=1):
            if len(line) > limit and _is_too_long(line, limit):
                raise _too_long(path, number, f"a {kind}", kind, limits)
            if line.isspace():
                continue
            try:
                value = loads(line)
            except (ValueError, RecursionError) as error:
                reason = f"not a JSON record ({_json_error(error)})"
                raise _unreadable(path, reason, number) from None
            yield _raw(f"line {number}", value)


_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*")
_NEAR_END = 16  # a value cut by the chunk's end fails within this many characters of it


class _Window:
    """The unread part of a JSON file, refilled one chunk at a time."""

    def __init__(self, path: Path, file: IO[str], limits: ReadLimits) -> None:
        self.path, self.file, self.limits, self.limit = path, file, limits, limits.record
        self.text, self.pos, self.eof, self.lines = "", 0, False, 0

    def more(self, size: int = _CHUNK) -> None:
        chunk = self.file.read(size)
        self.lines += self.text.count("\n", 0, self.pos)
        self.text, self.pos, self.eof = self.text[self.pos :] + chunk, 0, not chunk

    def peek(self) -> str:
        """Skip whitespace; return the next character, or ``""`` at the end of the file."""
        while True:
            self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text) or self.eof:
                return self.text[self.pos : self.pos + 1]
            self.more()

    def line(self, pos: int) -> int:
        return self.lines + self.text.count("\n", 0, pos) + 1

    def value(self, number: int) -> object:
        """Decode record ``number``, reading on while it may continue in the next chunk."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as error:
                if self.eof or not _maybe_cut(error, len(self.text)):
                    raise self.broken(error, number) from None
            except (ValueError, RecursionError) as error:
                reason = f"not valid JSON ({_json_error(error)} in record {number})"
                raise self.fail(reason) from None
            else:
                if end - self.pos > self.limit:
                    raise self.too_long(number)
                # A number at the window's end may go on in the next chunk ("-1." of "-1.5").
                if self.eof or _NUMBER_TAIL.match(self.text, end).end() < len(self.text):  # type: ignore[union-attr]
                    self.pos = end
                    return value
            # The record runs on past the window's end: refuse it once it is too long, before
            # reading on. Else read as much again as it holds so far (up to the limit), so
            # that a long record is decoded a few times, not once per chunk.
            held = len(self.text) - self.pos
            if held > self.limit:
                raise self.too_long(number)
            self.more(min(max(_CHUNK, held), self.limit + 1 - held))

    def too_long(self, number: int) -> UnreadableFile:
        line = self.line(self.pos)
        return _too_long(self.path, line, f"record {number}", "record", self.limits)

    def broken(self, error: json.JSONDecodeError, number: int) -> UnreadableFile:
        if self.eof and _maybe_cut(error, len(self.text.rstrip()), 0):
            reason = f"not valid JSON: the file ends in the middle of record {number}"
            return _unreadable(self.path, reason)
        return self.fail(f"not valid JSON ({error.msg} in record {number})", error.pos)

    def fail(self, reason: str, pos: int | None = None) -> UnreadableFile:
        return _unreadable(self.path, reason, self.line(self.pos if pos is None else pos))


def _maybe_cut(error: json.JSONDecodeError, end: int, slack: int = _NEAR_END) -> bool:
    """Tell whether decoding failed for want of text rather than on wrong text."""
    return error.msg.startswith("Unterminated string") or error.pos >= end - slack


def _read_json(path: Path, limits: ReadLimits) -> Iterator[RawRecord]:
    with _open(path) as file:
        window = _Window(path, file, limits)
        first = window.peek()
        if not first:
            return
        if first != "[":
            holds = " (it holds an object; JSON Lines files end in .jsonl)" if first == "{" else ""
            raise _unreadable(path, f"not a JSON array of records{holds}")
        window.pos += 1
        if window.peek() == "]":
            window.pos += 1
        else:
            yield from _elements(window)
        if window.peek():
            raise window.fail("not valid JSON: text after the closing ']'")


def _elements(window: _Window) -> Iterator[RawRecord]:
    for number in itertools.count(1):
        if not window.peek():
            break
        yield _raw(f"record {number}", window.value(number))
        after = window.peek()
        if after and after not in ",]":
            raise window.fail(f"not valid JSON: expected ',' or ']' after record {number}")
        window.pos += 1
        if after == "]":
            return
    raise _unreadable(window.path, "not valid JSON: the file ends before the closing ']'")


_READERS: dict[str, Callable[[Path, ReadLimits], Iterator[RawRecord]]] = {
    "json": _read_json,
    "jsonl": _read_jsonl,
}
