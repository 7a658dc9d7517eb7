"""
Read account records from files for the command line: a JSON array or JSON Lines.

Every failure to read is an `UnreadableFile` carrying one line of explanation; a record that
reads but does not validate is reported per record, never as a crash.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import attrs

from .entities import Account
from .errors import ValidationError
from .serialization import from_dict

__all__ = ["Read", "UnreadableFile", "read_accounts"]


class UnreadableFile(Exception):  # noqa: N818 -- reads as a state; internal to the CLI
    """The file cannot be read as account records; ``str()`` is one line for the user."""


@attrs.frozen
class Read:
    """One record of a file: its place (1-based), and the account or why it is invalid."""

    place: int
    account: Account | None
    error: ValidationError | None = None


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UnreadableFile(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{path}: is a directory, not a file") from None
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"{path}: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise UnreadableFile(f"{path}: {error.strerror or error}") from None


def _records(path: Path, text: str) -> Iterator[tuple[int, object]]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise UnreadableFile(
                f"{path}: not valid JSON ({error.msg}, line {error.lineno})"
            ) from None
        if not isinstance(data, list):
            raise UnreadableFile(f"{path}: a JSON file must hold an array of records")
        yield from enumerate(data, start=1)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            raise UnreadableFile(
                f"{path}: line {number} is not a JSON record ({error.msg})"
            ) from None


def read_accounts(path: Path) -> Iterator[Read]:
    """
    Yield each record of a JSON array or JSON Lines file, read into an account or not.

    Raises:
        UnreadableFile: the file is missing, not UTF-8, or not JSON; one line says why.
    """
    text = _text(path)
    if not text.strip():
        raise UnreadableFile(f"{path}: the file holds no records")
    for place, record in _records(path, text):
        try:
            yield Read(place, from_dict(record))
        except ValidationError as error:
            yield Read(place, None, error)
