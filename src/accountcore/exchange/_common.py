"""What every reader shares: the record value, the limits, and one-line refusals."""

from __future__ import annotations

import codecs
import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import attrs

from ..errors import Problem

_CHUNK = 64 * 1024  # characters read at a time from a JSON array; tests make it tiny


class UnreadableFile(Exception):  # noqa: N818 -- reads as a state; internal to the CLI
    """
    The file cannot be read as account records; ``str()`` is one line for the user.
    """


def _unreadable(path: Path, reason: str, line: int | None = None) -> UnreadableFile:
    where = "" if line is None else f"line {line}: "
    return UnreadableFile(f"{path}: {where}{reason}")


def no_records(path: Path) -> UnreadableFile:
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
