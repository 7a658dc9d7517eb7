"""What every reader shares: the record value, the limits, and one-line refusals."""

from __future__ import annotations

import codecs
import contextlib
import functools
import io
import os
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import IO

import attrs

from ..errors import AccountCoreError, Problem

_CHUNK = 64 * 1024  # characters read at a time from a JSON array; tests make it tiny


class UnreadableFile(AccountCoreError):  # noqa: N818 -- reads as a state of the file
    """
    Raise when a file cannot be read as account records at all; ``str()`` is one line.

    Only the file as a whole: missing, unreadable, not the format it is read as, a DOCTYPE, a
    header or a tag past the limits. A record that cannot be read is one invalid `Record`,
    and reading goes on. Records before the fault have been yielded when it is raised.

    Attributes:
        file: the file's name as reported (the path as given, or ``-`` for standard input).
        reason: what is wrong, one line without the file's name.
        line: the line the fault is on, when known.

    .. versionadded:: 0.2
    """

    def __init__(self, file: str, reason: str, line: int | None = None) -> None:
        self.file, self.reason, self.line = file, reason, line
        where = "" if line is None else f"line {line}: "
        super().__init__(f"{file}: {where}{reason}")

    def __reduce__(self) -> tuple[type[UnreadableFile], tuple[str, str, int | None]]:
        return type(self), (self.file, self.reason, self.line)


def _unreadable(path: Path | str, reason: str, line: int | None = None) -> UnreadableFile:
    return UnreadableFile(str(path), reason, line)


def no_records(path: Path | str) -> UnreadableFile:
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


def _beyond(what: str, limit: str, limits: ReadLimits, unit: str = "characters") -> str:
    """Say that ``what`` is longer than ``limits`` allow, and which option raises the limit."""
    value: int = getattr(limits, limit)
    return f"{what} is longer than {value:,} {unit} (the limit; raise it with {_OPTIONS[limit]})"


@attrs.frozen(order=True)
class Place:
    """
    Where a record is: its file, the line it starts on, and its number in the file.

    ``str()`` gives ``file:line``, as compilers and linters name a place.

    Args:
        file: the file's name as reported (the path as given, ``-`` for standard input).
        line: the line the record starts on, from 1 (a CSV row's first line, an XML
            ``Account``'s start tag, a JSON array element's first character).
        record: the record's number in the file, from 1, counting every record read or not
            (not a CSV file's header, blank lines, or empty rows).

    .. versionadded:: 0.2
    """

    file: str
    line: int
    record: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@attrs.frozen
class RawRecord:
    """
    One record as read from a file, before `accountcore.from_dict` checks it.

    Args:
        place: where it is.
        data: the record in the shape `accountcore.to_dict` writes; ``None`` when it could
            not be read at all (a line that is not JSON, a JSON number where a record object
            belongs, a record past the length limit).
        problems: what reading found: errors make the record invalid whatever ``data``
            holds; warnings (an XML element the card has no place for) do not.

    .. versionadded:: 0.2
    """

    place: Place
    data: dict[str, object] | None
    problems: tuple[Problem, ...] = ()


_NOT_AN_OBJECT = (Problem((), "invalid_type", "A record is a JSON object."),)


def _raw(place: Place, value: object) -> RawRecord:
    if type(value) is dict:
        return RawRecord(place, value)
    return RawRecord(place, None, _NOT_AN_OBJECT)


def unreadable_record(place: Place, reason: str) -> RawRecord:
    """A record that cannot be read: ``reason`` is one sentence, without the place."""
    return RawRecord(place, None, (Problem((), "unreadable_record", reason),))


def too_long_record(
    place: Place, what: str, limit: str, limits: ReadLimits, unit: str = "characters"
) -> RawRecord:
    """A record skipped unread: ``what`` (``The line``) goes past ``limit`` (line or record)."""
    reason = _beyond(what, limit, limits, unit) + "."
    return RawRecord(place, None, (Problem((), "record_too_long", reason),))


#: How far past its limit a record is skipped, as a multiple of the limit: a record longer
#: still (a file of one endless line, ``/dev/zero``) makes the file unreadable, so that
#: reading ends.
SKIP_FACTOR = 64


def beyond_skipping(
    name: str, line: int, what: str, limit: str, limits: ReadLimits, *, unit: str = "characters"
) -> UnreadableFile:
    """Refuse a file whose record ``what`` goes on past `SKIP_FACTOR` times its limit."""
    value: int = getattr(limits, limit) * SKIP_FACTOR
    reason = (
        f"{what} goes on past {value:,} {unit} ({SKIP_FACTOR} times the limit, raised with "
        f"{_OPTIONS[limit]}): no end of it was found to read on from"
    )
    return UnreadableFile(name, reason, line)


# --- what a reader reads from, and how -----------------------------------------------------------

#: The default of ``type_since`` and ``status_since`` for an Exact XML file, which has no such
#: dates: Exact's own "no date".
UNKNOWN_SINCE = date(1900, 1, 1)


@attrs.frozen
class ReadOptions:
    """
    How to read a file, beyond its format (internal: `accountcore.exchange.read` takes them
    as keywords).

    Args:
        limits: how long a line and a record may be.
        encoding: a CSV file's encoding; ``None`` detects it (BOM, UTF-8, else guessed).
        delimiter: a CSV file's cell separator; ``None`` detects it from the header.
        columns: a CSV header name to a record path, over the built-in column map.
        strict: an XML element outside the schema makes its account invalid (else a warning).
        since: ``type_since`` and ``status_since`` of an Exact XML account.
    """

    limits: ReadLimits = DEFAULT_LIMITS
    encoding: str | None = None
    delimiter: str | None = None
    columns: Mapping[str, str] | None = None
    strict: bool = False
    since: date = UNKNOWN_SINCE


DEFAULT_OPTIONS = ReadOptions()


@attrs.define
class Input:
    """
    One file being read: its name as reported, a buffered binary stream, and its path when it
    is a file on disk (to find the line of a byte that is not UTF-8, say).
    """

    name: str
    stream: io.BufferedIOBase
    path: Path | None = None
    #: A stream's first bytes, read ahead (a pipe gives a few at a time; peeking is not enough).
    ahead: bytes | None = None

    def head(self, size: int = 4096) -> bytes:
        """
        Return (at most) the first ``size`` bytes of the file, without reading them: up to
        `HEAD` bytes, before reading has begun.
        """
        if self.ahead is not None:
            return self.ahead[:size]
        peeked: bytes = self.stream.peek(size)  # type: ignore[attr-defined]
        return peeked[:size]

    @contextlib.contextmanager
    def text(self, encoding: str = "utf-8-sig", newline: str | None = None) -> Iterator[IO[str]]:
        """The stream as text; the binary stream stays open after the block."""
        stream: IO[bytes] = self.stream  # type: ignore[assignment]
        wrapper = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline=newline)
        try:
            yield wrapper
        finally:
            wrapper.detach()

    def not_text(self, encoding: str = "UTF-8") -> UnreadableFile:
        """Say that the file is not in ``encoding``, on which line when it can be found."""
        if self.path is None or encoding.upper() != "UTF-8":
            return _unreadable(self.name, f"not {encoding} text")
        error = _not_text(self.path)
        return UnreadableFile(self.name, error.reason, error.line)


#: How many bytes of a file are looked at to tell its format and its encoding.
HEAD = 64 * 1024


class _Replay(io.RawIOBase):
    """A stream's first bytes, read ahead to tell its format, then the rest of it."""

    def __init__(self, ahead: bytes, rest: io.BufferedIOBase) -> None:
        self.ahead, self.rest = memoryview(ahead), rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if not self.ahead:
            return self.rest.readinto(buffer)
        size = min(len(buffer), len(self.ahead))
        buffer[:size], self.ahead = self.ahead[:size], self.ahead[size:]
        return size


def _read_ahead(stream: io.BufferedIOBase) -> bytes:
    parts, size = [], 0
    while size < HEAD and (part := stream.read1(HEAD - size)):
        parts.append(part)
        size += len(part)
    return b"".join(parts)


class _Reader(io.RawIOBase):
    """A binary stream over a stream that lacks ``peek``, or over text (encoded as UTF-8)."""

    def __init__(self, stream: IO[bytes] | IO[str]) -> None:
        self.source, self.pending = stream, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if not self.pending:
            chunk = self.source.read(_CHUNK)
            self.pending = (
                chunk.encode("utf-8", "surrogateescape") if isinstance(chunk, str) else chunk
            )
        size = min(len(buffer), len(self.pending))
        buffer[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


def _buffered(stream: object) -> io.BufferedIOBase:
    """Return a buffered binary stream with ``peek`` over a binary or text stream."""
    if isinstance(stream, io.TextIOBase) and hasattr(stream, "buffer"):
        stream = stream.buffer  # sys.stdin and files opened as text: their own bytes
    if hasattr(stream, "peek") and isinstance(stream, io.BufferedIOBase):
        return stream
    if not callable(getattr(stream, "read", None)):
        reason = f"expected a path or a readable stream, not {type(stream).__name__}"
        raise UnreadableFile("<stream>", reason)
    return io.BufferedReader(_Reader(stream))  # type: ignore[arg-type]


@contextlib.contextmanager
def open_input(
    source: str | os.PathLike[str] | IO[bytes] | IO[str], name: str | None = None
) -> Iterator[Input]:
    """
    Open a path, or take a stream (left open), as an `Input`.

    Raises:
        UnreadableFile: the path is missing, a directory, or cannot be opened.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        label = name or str(source)
        with _os_errors(label):
            file = open(path, "rb", buffering=HEAD)  # noqa: SIM115 -- closed below
        with file:
            if path.is_file():  # one read fills the buffer: its head is peeked
                yield Input(label, file, path)  # type: ignore[arg-type]
            else:  # a named pipe gives a few bytes at a time: its head is read ahead
                ahead = _read_ahead(file)  # type: ignore[arg-type]
                replay = io.BufferedReader(_Replay(ahead, file), HEAD)  # type: ignore[arg-type]
                yield Input(label, replay, path, ahead)
        return
    label = name or str(getattr(source, "name", "") or "<stream>")
    stream = _buffered(source)
    ahead = _read_ahead(stream)
    yield Input(label, io.BufferedReader(_Replay(ahead, stream), HEAD), None, ahead)


# --- opening, sniffing, dispatching ---------------------------------------------------------------


@contextlib.contextmanager
def _os_errors(path: Path | str) -> Iterator[None]:
    """Turn the operating system's refusals into one-line `UnreadableFile` errors."""
    try:
        yield
    except FileNotFoundError:
        raise _unreadable(path, "no such file") from None
    except IsADirectoryError:
        raise _unreadable(path, "is a directory, not a file") from None
    except OSError as error:
        raise _unreadable(path, (error.strerror or str(error)).lower()) from None


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
