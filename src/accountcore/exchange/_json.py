"""JSON and JSON Lines: one array of record objects, or one record object per line."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import IO

from ._common import (
    DEFAULT_OPTIONS,
    SKIP_FACTOR,
    Input,
    Place,
    RawRecord,
    ReadLimits,
    ReadOptions,
    UnreadableFile,
    _raw,
    _unreadable,
    beyond_skipping,
    too_long_record,
    unreadable_record,
)


def _json_error(error: ValueError | RecursionError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at column {error.colno}"
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return "a number has too many digits"


_BOM = b"\xef\xbb\xbf"


def read_jsonl(source: Input, options: ReadOptions = DEFAULT_OPTIONS) -> Iterator[RawRecord]:
    """
    Yield each record of a JSON Lines file; blank lines are skipped.

    A line that is not UTF-8, not JSON, or longer than the limit is one invalid record, and
    reading goes on: lines are read as bytes, so one bad line never ends the file.
    """
    limits = options.limits
    loads, name, readline = json.loads, source.name, source.stream.readline
    # Each line is a record: the lower limit applies, and its option is the one to name.
    kind = "line" if limits.line <= limits.record else "record"
    limit = min(limits.line, limits.record)
    cap = limit + 2
    number = record = 0
    while line := readline(cap):
        number += 1
        if number == 1 and line.startswith(_BOM):
            line = line[len(_BOM) :]
        if len(line) > limit and len(line.rstrip(b"\r\n")) > limit:
            skipped, most = len(line), limit * SKIP_FACTOR
            while not line.endswith(b"\n") and (line := readline(cap)):
                skipped += len(line)  # the rest of the line, a piece at a time, never held
                if skipped > most:
                    raise beyond_skipping(name, number, f"a {kind}", kind, limits, unit="bytes")
            record += 1
            place = Place(name, number, record)
            yield too_long_record(place, f"The {kind}", kind, limits, "bytes")
            continue
        if line.isspace():
            continue
        record += 1
        try:
            value = loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            yield unreadable_record(Place(name, number, record), "The line is not UTF-8 text.")
        except (ValueError, RecursionError) as error:
            reason = f"The line is not a JSON record ({_json_error(error)})."
            yield unreadable_record(Place(name, number, record), reason)
        else:
            yield _raw(Place(name, number, record), value)


_CHUNK = 64 * 1024  # characters read at a time from a JSON array; tests make it tiny
_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
_NUMBER_TAIL = re.compile(r"[0-9.eE+-]*")
_NEAR_END = 16  # a value cut by the chunk's end fails within this many characters of it
_OUTSIDE = re.compile(r'[^"\[\]{},\s]*')


class _Skipped(Exception):  # noqa: N818 -- a signal, caught by `_elements`
    """A record went past the limit and was skipped, unread, to its end."""


class _Window:
    """The unread part of a JSON file, refilled one chunk at a time."""

    def __init__(self, path: str, file: IO[str], limits: ReadLimits) -> None:
        self.path, self.file, self.limits, self.limit = path, file, limits, limits.record
        self.text, self.pos, self.eof, self.lines = "", 0, False, 0

    def more(self, size: int | None = None) -> None:
        chunk = self.file.read(_CHUNK if size is None else size)
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
                # A number at the window's end may go on in the next chunk ("-1." of "-1.5"):
                # read on, or skip it when it is too long already.
                if self.eof or _NUMBER_TAIL.match(self.text, end).end() < len(self.text):  # type: ignore[union-attr]
                    if end - self.pos > self.limit:
                        if end - self.pos > self.limit * SKIP_FACTOR:  # as a skip would say
                            raise beyond_skipping(
                                self.path,
                                self.line(self.pos),
                                f"record {number}",
                                "record",
                                self.limits,
                            )
                        self.pos = end
                        raise _Skipped
                    self.pos = end
                    return value
            # The record runs on past the window's end: refuse it once it is too long, before
            # reading on. Else read as much again as it holds so far (up to the limit), so
            # that a long record is decoded a few times, not once per chunk.
            held = len(self.text) - self.pos
            if held > self.limit:
                self.skip(number)
                raise _Skipped
            self.more(min(max(_CHUNK, held), self.limit + 1 - held))

    def skip(self, number: int) -> None:
        """
        Move past the value that starts at ``pos``, a chunk at a time, holding none of it.

        Only strings and brackets are followed: the value is known to be too long, not to be
        valid, and a fault in it shows as a fault after it. A string is crossed a quote at a
        time (`str.find`), a stretch between strings a bracket count at a time: a long record
        is skipped at the speed of a search, not of a character loop.
        """
        depth, in_string, skipped = 0, False, 0
        while True:
            text, pos, end = self.text, self.pos, len(self.text)
            counted = pos  # brackets before this may close the value: followed one by one
            while pos < end:
                if in_string:
                    # A quote after an odd run of backslashes is escaped: the string goes on.
                    quote = text.find('"', pos)
                    if quote < 0:  # the last backslash of an odd run waits for what it escapes
                        pos = end - (end - pos - len(text[pos:].rstrip("\\"))) % 2
                        break
                    if (quote - pos - len(text[pos:quote].rstrip("\\"))) % 2:
                        pos = quote + 1
                        continue
                    in_string, pos = False, quote + 1
                    if not depth:
                        self.pos = pos
                        return
                    continue
                if depth and pos >= counted:  # in brackets: count them up to the next string
                    quote = text.find('"', pos)
                    counted = end if quote < 0 else quote
                    closes = text.count("]", pos, counted) + text.count("}", pos, counted)
                    if closes < depth:  # the value cannot end before the string
                        depth += text.count("[", pos, counted) + text.count("{", pos, counted)
                        depth -= closes
                        in_string, pos = quote >= 0, counted + (quote >= 0)
                        continue
                pos = _OUTSIDE.match(text, pos).end()  # type: ignore[union-attr]
                if pos >= end:
                    break
                char = text[pos]
                if char == '"':
                    in_string, pos = True, pos + 1
                elif char in "[{":
                    depth, pos = depth + 1, pos + 1
                elif char in "]}" and depth:
                    depth, pos = depth - 1, pos + 1
                    if not depth:
                        self.pos = pos
                        return
                else:  # the end of a scalar: a comma, a bracket of the array, a space
                    if not depth:
                        self.pos = pos
                        return
                    pos += 1
            skipped += pos - self.pos
            self.pos = pos
            if skipped > self.limit * SKIP_FACTOR:
                raise beyond_skipping(
                    self.path, self.line(self.pos), f"record {number}", "record", self.limits
                )
            if self.eof:
                raise _unreadable(
                    self.path, f"not valid JSON: the file ends in the middle of record {number}"
                )
            self.more()

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


def read_json(source: Input, options: ReadOptions = DEFAULT_OPTIONS) -> Iterator[RawRecord]:
    """
    Yield each record of a JSON array, read in chunks, never whole.

    A record longer than the limit is skipped unread and is one invalid record; JSON that
    is not well-formed makes the rest of the file unreadable (no record boundary can be
    trusted after it).
    """
    try:
        with source.text() as file:
            window = _Window(source.name, file, options.limits)
            first = window.peek()
            if not first:
                return
            if first != "[":
                holds = (
                    " (it holds an object; JSON Lines files end in .jsonl)" if first == "{" else ""
                )
                raise _unreadable(source.name, f"not a JSON array of records{holds}")
            window.pos += 1
            if window.peek() == "]":
                window.pos += 1
            else:
                yield from _elements(window)
            if window.peek():
                raise window.fail("not valid JSON: text after the closing ']'")
    except UnicodeDecodeError:
        raise source.not_text() from None


def _elements(window: _Window) -> Iterator[RawRecord]:
    for number in itertools.count(1):
        if not window.peek():
            break
        place = Place(window.path, window.line(window.pos), number)
        try:
            value = window.value(number)
        except _Skipped:
            yield too_long_record(place, "The record", "record", window.limits)
        else:
            yield _raw(place, value)
        after = window.peek()
        if after and after not in ",]":
            raise window.fail(f"not valid JSON: expected ',' or ']' after record {number}")
        window.pos += 1
        if after == "]":
            return
    raise _unreadable(window.path, "not valid JSON: the file ends before the closing ']'")
