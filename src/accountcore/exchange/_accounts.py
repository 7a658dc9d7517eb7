"""
Read account records from files for the ``duplicates`` command, over `accountcore._readers`.

Every failure to read is an `UnreadableFile` carrying one line of explanation; a record that
reads but does not validate is reported per record, never as a crash. A ``.json`` or
``.jsonl`` file is read as an array or as lines by what it holds, as this command always did.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import attrs

from ..entities import Account
from ..errors import ValidationError
from ..serialization import from_dict
from ._common import DEFAULT_LIMITS, RawRecord, ReadLimits
from ._files import detect_format, read_records, sniff_format

_JSON = ("json", "jsonl")
_NUMBER = re.compile(r"\d+")


@attrs.frozen
class Read:
    """One record of a file: its place (1-based), and the account or why it is invalid."""

    place: int
    account: Account | None
    error: ValidationError | None = None


def _format(path: Path) -> str:
    kind = detect_format(path)
    if kind in _JSON and (sniffed := sniff_format(path)) in _JSON:
        return sniffed
    return kind


def _read(raw: RawRecord) -> Read:
    found = _NUMBER.search(raw.place)
    place = int(found.group()) if found else 0
    problems = list(raw.problems)
    if raw.data is not None:
        try:
            account = from_dict(raw.data)
        except ValidationError as error:
            problems += error.problems
        else:
            if not problems:
                return Read(place, account)
    return Read(place, None, ValidationError(problems))


def read_accounts(path: Path, *, limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[Read]:
    """
    Yield each record of a file (CSV, JSON, JSON Lines or XML), read into an account or not.

    Raises:
        UnreadableFile: the file is missing, not UTF-8, or malformed, or a line or a record
            is longer than ``limits`` allow; one line says why.
    """
    for raw in read_records(path, format=_format(path), limits=limits):
        yield _read(raw)
