"""
The public reading API: any account file, record by record, into accounts or their problems.

`read` yields one `Record` per record of the file, in order: where it is, what was read, and
the account or why there is none. One bad record never ends the file; only a file that cannot
be read at all raises `UnreadableFile`, after the records before the fault.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import IO, Union

import attrs

from ..codes import allocate_code
from ..entities import Account
from ..errors import Problem, ValidationError
from ..serialization import from_dict
from ._common import (
    DEFAULT_LIMITS,
    UNKNOWN_SINCE,
    Input,
    Place,
    RawRecord,
    ReadLimits,
    ReadOptions,
    open_input,
)
from ._files import check_format, read_records, resolve_format

#: What the readers read: a path, or an open stream (binary, or text such as ``sys.stdin``),
#: which is read from where it stands and left open.
Readable = Union[str, "os.PathLike[str]", IO[bytes], IO[str]]


@attrs.frozen
class Record:
    """
    One record of a file, read: where it is, what it held, and the account or its problems.

    Args:
        place: the file, the line the record starts on, and its number in the file.
        raw: the record as read, in the shape `accountcore.to_dict` writes (a CSV row or an
            XML ``Account`` mapped to it); ``None`` when it could not be read at all.
        account: the account, when the record is valid.
        problems: why it is invalid (errors); empty when ``account`` is set.
        warnings: what was found that does not make it invalid (an XML element the card has
            no place for, a phone number in no assigned range).

    .. versionadded:: 0.2
    """

    place: Place
    raw: dict[str, object] | None
    account: Account | None = None
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """``True`` when the record is a valid account."""
        return self.account is not None


def _options(  # noqa: PLR0917 -- the keywords of `read`, checked in one place
    limits: ReadLimits,
    encoding: str | None,
    delimiter: str | None,
    columns: Mapping[str, str] | None,
    strict: bool,
    since: date,
) -> ReadOptions:
    problems: list[Problem] = []
    if not isinstance(limits, ReadLimits):
        problems.append(Problem(("limits",), "invalid_type", "Expected a ReadLimits."))
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        problems.append(Problem(("delimiter",), "invalid_format", "Expected one character."))
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError):
            problems.append(
                Problem(("encoding",), "invalid_choice", f"Unknown encoding {encoding!r}.")
            )
    if type(since) is not date:
        problems.append(Problem(("since",), "invalid_type", "Expected a datetime.date."))
    if problems:
        raise ValidationError(problems)
    return ReadOptions(
        limits=limits,
        encoding=encoding,
        delimiter=delimiter,
        columns=None if columns is None else dict(columns),
        strict=bool(strict),
        since=since,
    )


def read_raw(
    source: Readable,
    *,
    format: str | None = None,
    name: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    encoding: str | None = None,
    delimiter: str | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = False,
    since: date = UNKNOWN_SINCE,
) -> Iterator[RawRecord]:
    """
    Yield each record of a file as read, before `accountcore.from_dict` checks it.

    Takes the same arguments as `read`, less those that make accounts.

    .. versionadded:: 0.2
    """
    check_format(format)
    options = _options(limits, encoding, delimiter, columns, strict, since)
    with open_input(source, name) as opened:
        yield from read_records(opened, resolve_format(opened, format), options)


def read(
    source: Readable,
    *,
    format: str | None = None,
    name: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    encoding: str | None = None,
    delimiter: str | None = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = False,
    since: date = UNKNOWN_SINCE,
    allocate_codes: bool = False,
    taken_codes: Iterable[str] = (),
    check_identifiers: bool = True,
) -> Iterator[Record]:
    """
    Yield each record of an account file, read and checked, in the order of the file.

    Streams: memory stays flat however long the file. The file is opened when the first
    record is asked for, and closed when the last has been given (or the iterator is closed).

    Args:
        source: a path, or an open binary or text stream (``sys.stdin``), left open.
        format: ``csv``, ``json``, ``jsonl`` or ``xml``; ``None`` tells it from the name's
            extension and the first bytes.
        name: the file's name in places and messages (default: the path, or the stream's
            ``name``).
        limits: how long a line and a record may be (1 MiB each by default); a record past
            them is one invalid record (``record_too_long``).
        encoding: a CSV file's encoding; ``None`` detects it (BOM, UTF-8, else guessed).
        delimiter: a CSV file's separator; ``None`` detects it from the header.
        columns: CSV header names mapped to record paths, over the built-in column map.
        strict: an XML element outside the schema makes its account invalid (it is a warning
            otherwise).
        since: ``type_since`` and ``status_since`` of Exact XML accounts, which lack them.
        allocate_codes: number the records that ask for it (an Exact XML ``code=""``) with
            `accountcore.allocate_code`, after the file's own codes and ``taken_codes``.
            The file is read twice (a stream is spooled to a temporary file).
        taken_codes: codes held elsewhere (the host's accounts), never allocated.
        check_identifiers: ``False`` skips identifier checks, as `accountcore.from_dict`.

    Yields:
        One `Record` per record of the file.

    Raises:
        UnreadableFile: the file cannot be read at all (missing, not its format, a DOCTYPE,
            a CSV header that names no record, ...); raised when reading gets there.
        ValidationError: an argument is wrong (an unknown format or encoding).

    .. versionadded:: 0.2
    """
    check_format(format)
    options = _options(limits, encoding, delimiter, columns, strict, since)
    with contextlib.ExitStack() as stack:
        opened = stack.enter_context(open_input(source, name))
        kind = resolve_format(opened, format)
        allocate: Allocator | None = None
        if allocate_codes:
            opened = stack.enter_context(rereadable(opened))
            allocate = Allocator(codes_of(read_records(opened, kind, options)), taken_codes)
            opened.stream.seek(0)
        check = check_identifiers is not False
        for found in read_records(opened, kind, options):
            yield _record(found if allocate is None else allocate(found), check)


def _record(raw: RawRecord, identifiers: bool) -> Record:
    errors = [p for p in raw.problems if not p.is_warning]
    warnings = [p for p in raw.problems if p.is_warning]
    if raw.data is None:
        return Record(raw.place, None, None, tuple(errors), tuple(warnings))
    found: list[Problem] = []
    try:
        account = from_dict(raw.data, check_identifiers=identifiers, warnings=found)
    except ValidationError as error:
        return Record(
            raw.place,
            raw.data,
            None,
            (*errors, *_not_said(error.problems, errors)),
            (*warnings, *error.warnings),
        )
    if errors:
        return Record(raw.place, raw.data, None, tuple(errors), tuple(warnings))
    return Record(raw.place, raw.data, account, (), (*warnings, *found))


def _not_said(problems: Iterable[Problem], read: list[Problem]) -> list[Problem]:
    """Leave out the code `from_dict` misses when reading said it is to be numbered."""
    if not any(p.code == "to_be_numbered" for p in read):
        return list(problems)
    return [p for p in problems if not (p.path == ("code",) and p.code == "required")]


# --- codes for the records that ask to be numbered ---------------------------------------------


def _asks_for_code(raw: RawRecord) -> bool:
    return any(p.code == "to_be_numbered" for p in raw.problems)


def codes_of(records: Iterable[RawRecord]) -> list[str]:
    return [
        code
        for raw in records
        if raw.data is not None and isinstance(code := raw.data.get("code"), str)
    ]


class Allocator:
    """Give each record that asks for it the next numerical code (pure: no clock, no state
    outside this reading)."""

    def __init__(self, codes: list[str], taken: Iterable[str]) -> None:
        self.taken: list[str] = [*codes, *(code for code in taken if isinstance(code, str))]
        self.last: str | None = None

    def __call__(self, raw: RawRecord) -> RawRecord:
        if raw.data is None or not _asks_for_code(raw):
            return raw
        # After the first, the last code given is the highest: counting from it is enough.
        code = allocate_code(None, self.taken if self.last is None else (self.last,)).code
        self.last = code
        problems = tuple(p for p in raw.problems if p.code != "to_be_numbered")
        return RawRecord(raw.place, {**raw.data, "code": code}, problems)


@contextlib.contextmanager
def rereadable(source: Input) -> Iterator[Input]:
    """Give a file that can be read twice: the file itself, or a stream spooled to disk."""
    stream = source.stream
    if source.path is not None and stream.seekable():
        yield source
        return
    with tempfile.TemporaryFile() as spool:
        shutil.copyfileobj(stream, spool)
        spool.seek(0)
        with open(spool.fileno(), "rb", closefd=False) as again:
            yield Input(source.name, again, None)
