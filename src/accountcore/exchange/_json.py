"""JSON and JSON Lines: one array of record objects, or one record object per line."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ._common import (
    DEFAULT_LIMITS,
    RawRecord,
    ReadLimits,
    UnreadableFile,
    _capped_lines,
    _is_too_long,
    _open,
    _raw,
    _too_long,
    _unreadable,
)


def _json_error(error: ValueError | RecursionError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at column {error.colno}"
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return "a number has too many digits"


def read_jsonl(path: Path, *, limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[RawRecord]:
    """Yield each record of a JSON Lines file; blank lines are skipped."""
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


_CHUNK = 64 * 1024  # characters read at a time from a JSON array; tests make it tiny
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


def read_json(path: Path, *, limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[RawRecord]:
    """Yield each record of a JSON array, read in chunks, never whole."""
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
