"""
Check whole files, in one process or several: read record by record, validate each, count.

The engine of the ``check`` command, public as `check_files` for hosts that check files in
bulk.

Only counts and the problems of (at most ``max_invalid``) invalid records are kept, so memory
stays flat however long the files are.

With ``jobs`` above one, ``jobs`` processes check: this one and ``jobs - 1`` workers. Chunks of
`CHUNK` raw records go to the workers, which send back compact verdicts (type, status,
problems), never accounts. This process reads, dispatches, judges the chunks the workers have
no room for (see `_judged`), and tallies, in file order. A CSV file's chunks are its rows as
cells: records are built where they are judged (`accountcore.exchange.plan`), so reading,
the one share of the work no other process can take, stays small.

Reading, and so the line and record limits (`accountcore.exchange.ReadLimits`), happens in
this process only: the workers get records or cells already read, and need no limits.

A file that cannot be read at all is reported on its `FileTally` (``error``), after its
records read before the fault, and the next file is read: one file never ends the check.
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, NamedTuple

import attrs

from ..entities import Account
from ..errors import Problem, ValidationError
from ._common import (
    DEFAULT_OPTIONS,
    Input,
    Place,
    RawRecord,
    ReadOptions,
    UnreadableFile,
    no_records,
    open_input,
)
from ._csv import column_paths, header_plan, plan, split_csv
from ._files import read_records, resolve_format
from ._read import Allocator, codes_of, rereadable

#: Raw records per chunk handed to a worker: large enough that pickling and scheduling cost
#: little per record, small enough that a few chunks in flight use little memory.
CHUNK = 500
#: Allocations between young garbage collections while checking (Python's default: 700).
YOUNG_COLLECTION = 50_000

#: One problem as reported: location (``$.a[0].b``), code, message.
ProblemRow = tuple[str, str, str]
#: One record's verdict: type and status letters of a valid account ("" when invalid), the
#: problems of an invalid one, and the warnings of a valid one. Plain tuples: they cross
#: process boundaries cheaply.
Verdict = tuple[str, str, tuple[ProblemRow, ...], tuple[ProblemRow, ...]]
Data = dict[str, object] | None
#: Records as read, waiting for their verdicts: place, data, reading problems.
Chunk = list[tuple[Place, Data, tuple[Problem, ...]]]
#: What a record the reader gave up on, without saying why, is reported with.
_UNREADABLE: tuple[ProblemRow, ...] = (("$", "invalid_format", "The record could not be read."),)


@attrs.frozen
class Source:
    """
    A file to check: its name as reported, and its path or an open binary stream (standard
    input, left open); ``format`` ``None`` tells it from the name and the content.

    .. versionadded:: 0.2
    """

    name: str
    path: Path | None = None
    format: str | None = None
    stream: IO[bytes] | None = attrs.field(default=None, eq=False)


@attrs.define
class FileTally:
    """
    The running counts of one file, and why it could not be read through, if it could not.

    .. versionadded:: 0.2
    """

    name: str
    format: str = ""
    valid: int = 0
    invalid: int = 0
    #: The file could not be read (at all, or past some point): one line, and its line.
    error: UnreadableFile | None = None

    @property
    def records(self) -> int:
        """Return how many records were checked so far."""
        return self.valid + self.invalid


@attrs.frozen
class InvalidRecord:
    """
    A listed record: its place, and every problem found (the errors of an invalid record, or
    the warnings of a valid one), each as location, code and message.

    .. versionadded:: 0.2
    """

    place: Place
    problems: tuple[ProblemRow, ...]

    @property
    def file(self) -> str:
        """The file's name."""
        return self.place.file


@attrs.define
class CheckReport:
    """
    What a check found: counts per file, type and status, the invalid records listed, and the
    files that could not be read.

    .. versionadded:: 0.2
    """

    max_invalid: int
    files: list[FileTally] = attrs.Factory(list)
    by_type: Counter[str] = attrs.Factory(Counter)
    by_status: Counter[str] = attrs.Factory(Counter)
    invalid: list[InvalidRecord] = attrs.Factory(list)
    #: Valid records with warnings, listed (at most ``max_invalid``) with their warnings.
    warned: list[InvalidRecord] = attrs.Factory(list)
    #: Valid records with warnings, listed or not.
    warned_total: int = 0
    #: Warnings found, in listed records or not.
    warnings_total: int = 0

    @property
    def valid_total(self) -> int:
        """Return the number of valid records in all files."""
        return sum(tally.valid for tally in self.files)

    @property
    def invalid_total(self) -> int:
        """Return the number of invalid records in all files, listed or not."""
        return sum(tally.invalid for tally in self.files)

    @property
    def unreadable(self) -> list[FileTally]:
        """Return the files that could not be read (through)."""
        return [tally for tally in self.files if tally.error is not None]

    def add(
        self, tally: FileTally, place: Place, verdict: Verdict, read: Sequence[Problem]
    ) -> None:
        """Count one record of ``tally``'s file; list it if invalid and the list has room."""
        type_, status, problems, warnings = verdict
        if read:  # warnings from reading (an XML element the card has no place for)
            read_warnings = tuple(p for p in read if p.is_warning)
            if read_warnings:
                read = [p for p in read if not p.is_warning]
                if type_:
                    warnings = _rows_of(read_warnings) + warnings
        if not read and not problems and type_:
            tally.valid += 1
            self.by_type[type_] += 1
            self.by_status[status] += 1
            if warnings:
                self.warned_total += 1
                self.warnings_total += len(warnings)
                if len(self.warned) < self.max_invalid:
                    self.warned.append(InvalidRecord(place, warnings))
            return
        tally.invalid += 1
        if len(self.invalid) < self.max_invalid:
            if any(p.code == "to_be_numbered" for p in read):  # not the code missing again
                problems = tuple(row for row in problems if row[:2] != ("$.code", "required"))
            rows = _rows_of(read) + problems
            self.invalid.append(InvalidRecord(place, rows or _UNREADABLE))

    @property
    def exit_code(self) -> int:
        """Return 0 when every record is valid, 1 when some are not, 2 when a file could not
        be read (through)."""
        if self.unreadable:
            return 2
        return 1 if self.invalid_total else 0


def _rows_of(problems: Iterable[Problem]) -> tuple[ProblemRow, ...]:
    return tuple((p.location, p.code, p.message) for p in problems)


#: What receives each valid account, when the accounts are wanted (``check --output``).
Keep = Callable[[Account], None]
_NO_VERDICT: Verdict = ("", "", (), ())


def _verdict(data: object, read: tuple[ProblemRow, ...] = (), keep: Keep | None = None) -> Verdict:
    """
    Validate one record with `accountcore.from_dict`; ``read``: its reading problems. A valid
    record's warnings are in its verdict; an invalid one's are not looked for.
    """
    from ..serialization import from_dict  # cattrs: loaded when a record is first read

    warnings: list[Problem] = []
    try:
        account = from_dict(data, warnings=None if read else warnings)
    except ValidationError as error:
        return ("", "", read + _rows_of(error.problems), ())
    if read:
        return ("", "", read, ())
    if keep is not None:
        keep(account)
    return (account.type.value, account.status.value, (), _rows_of(warnings))


def judge(records: Sequence[Data], keep: Keep | None = None) -> list[Verdict]:
    """
    Validate each raw record with `accountcore.from_dict`, identifier checks on.

    Args:
        records: the records' data; ``None`` for a record the reader could not make out.
        keep: called with each valid account (in this process only).

    Returns:
        One verdict per record, in order.
    """
    return [_NO_VERDICT if data is None else _verdict(data, (), keep) for data in records]


def judge_packed(packed: bytes) -> list[Verdict]:
    """Judge a chunk packed with `marshal` (in a worker; see `_submit`)."""
    data: list[Data] = marshal.loads(packed)
    return judge(data)


def judge_rows(
    header: tuple[str, ...], rows: list[list[str] | None], keep: Keep | None = None
) -> list[Verdict | None]:
    """
    Build each CSV row's record by ``header``'s plan, and judge it.

    Args:
        header: the record path of each column (a header the reader accepted, mapped).
        rows: the rows' cells; ``None`` for a row the reader could not read.
        keep: called with each valid account (in this process only).

    Returns:
        One verdict per row, in order; ``None`` for an empty row, which is no record. A row's
        reading problems come first among its problems, and make it invalid.
    """

    build = plan(header)
    verdicts: list[Verdict | None] = []
    problems: list[Problem] = []  # one list for every row: most rows have no problem
    for cells in rows:
        if cells is None:
            verdicts.append(_NO_VERDICT)
            continue
        data = build(cells, problems)
        if data is None:
            verdicts.append(None)
        elif problems:
            verdicts.append(_verdict(data, _rows_of(problems)))
            problems.clear()
        else:
            verdicts.append(_verdict(data, (), keep))
    return verdicts


def judge_rows_packed(header: tuple[str, ...], packed: bytes) -> list[Verdict | None]:
    """Judge CSV rows packed with `marshal` (in a worker; see `_submit`)."""
    rows: list[list[str] | None] = marshal.loads(packed)
    return judge_rows(header, rows)


def _warm() -> None:
    """Set up a fresh worker: collect garbage as a batch job does, and build the converter."""
    gc.set_threshold(YOUNG_COLLECTION, *gc.get_threshold()[1:])
    judge([{}])


@contextmanager
def _batch_collections() -> Iterator[None]:
    """Collect young garbage every `YOUNG_COLLECTION` allocations while the block runs."""
    # Validating makes millions of short-lived containers that reference counting frees; the
    # default of a young collection every 700 allocations spends about 8% of the time on them
    # for nothing. Cycles are still collected, only less often.
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], YOUNG_COLLECTION), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


class CsvChunk(NamedTuple):
    """
    CSV rows waiting for their verdicts: the record path of each column, each row's line and
    cells (``None`` for a row that could not be read), and the reading problems of those.
    """

    header: tuple[str, ...]
    starts: list[int]
    rows: list[list[str] | None]
    unread: dict[int, tuple[Problem, ...]]


def _chunks(
    source: Input,
    kind: str,
    options: ReadOptions,
    allocate: Callable[[RawRecord], RawRecord] | None = None,
) -> Iterator[Chunk | CsvChunk]:
    if kind == "csv":
        yield from _csv_chunks(source, options)
        return
    chunk: Chunk = []
    for found in read_records(source, kind, options):
        raw = found if allocate is None else allocate(found)
        chunk.append((raw.place, raw.data, raw.problems))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _csv_chunks(source: Input, options: ReadOptions) -> Iterator[CsvChunk]:
    """Split a CSV file into chunks of rows; the header is checked here, before any."""
    rows = split_csv(source, options)
    first = next(rows, None)
    if first is None or isinstance(first, RawRecord):
        raise no_records(source.name)
    header_plan(source.name, first[1], options.columns)  # refuses a wrong header, once
    header = column_paths(first[1], options.columns)
    chunk = CsvChunk(header, [], [], {})
    for item in rows:
        if isinstance(item, RawRecord):
            chunk.unread[len(chunk.rows)] = item.problems
            chunk.starts.append(item.place.line)
            chunk.rows.append(None)
        else:
            chunk.starts.append(item[0])
            chunk.rows.append(item[1])
        if len(chunk.rows) == CHUNK:
            yield chunk
            chunk = CsvChunk(header, [], [], {})
    if chunk.rows:
        yield chunk


def _entries(chunk: Chunk | CsvChunk, name: str) -> Iterator[tuple[Place, Sequence[Problem]]]:
    """
    Yield each record's place and reading problems (a CSV row's come with its verdict). A
    CSV row's record number is 0 here: rows that turn out empty are no records, so the
    number is given as the verdicts are tallied.
    """
    if isinstance(chunk, CsvChunk):
        unread = chunk.unread
        return ((Place(name, start, 0), unread.get(n, ())) for n, start in enumerate(chunk.starts))
    return ((place, read) for place, _, read in chunk)


def _data(chunk: Chunk) -> list[Data]:
    """Return what a worker needs of a chunk: the data alone, not places or problems."""
    return [data for _, data, _ in chunk]


def _judge(chunk: Chunk | CsvChunk, keep: Keep | None = None) -> list[Verdict | None]:
    """Judge a chunk in this process."""
    if isinstance(chunk, CsvChunk):
        return judge_rows(chunk.header, chunk.rows, keep)
    return list(judge(_data(chunk), keep))


def _submit(pool: Executor, chunk: Chunk | CsvChunk) -> Future[list[Verdict | None]]:
    """Send a chunk to the workers: packed by `marshal`, or by pickle if marshal cannot."""
    # Packing is work this process does for the workers, not for itself; marshal packs
    # JSON-like data about twice as fast as pickle.
    if isinstance(chunk, CsvChunk):
        return pool.submit(judge_rows_packed, chunk.header, marshal.dumps(chunk.rows))
    data = _data(chunk)
    try:
        packed = marshal.dumps(data)
    except ValueError:  # a value marshal does not know (a reader's own type)
        return pool.submit(judge, data)  # type: ignore[arg-type]
    return pool.submit(judge_packed, packed)  # type: ignore[arg-type]


#: A chunk's verdicts: judged here, or the future of a worker's.
_Verdicts = list[Verdict | None] | Future[list[Verdict | None]]


def _judged(
    chunks: Iterable[Chunk | CsvChunk],
    pool: Executor | None,
    helpers: int,
    keep: Keep | None = None,
) -> Iterator[tuple[Chunk | CsvChunk, list[Verdict | None]]]:
    """
    Yield each chunk with its verdicts, in file order.

    With a pool of ``helpers`` workers, this process shares the judging: a chunk goes to the
    workers while fewer than ``2 * helpers`` of theirs are unfinished, else it is judged here.
    The split balances itself (a worker still starting, or a slow file to read, leaves more
    here), and no core waits while this process only reads.
    """
    if pool is None or keep is not None:  # the accounts are wanted here: judged here
        for chunk in chunks:
            yield chunk, _judge(chunk, keep)
        return
    pending: deque[tuple[Chunk | CsvChunk, _Verdicts]] = deque()
    flight = 2 * helpers
    for chunk in chunks:
        busy = sum(1 for _, v in pending if isinstance(v, Future) and not v.done())
        pending.append((chunk, _submit(pool, chunk) if busy < flight else _judge(chunk)))
        while pending and _ready(pending[0][1], len(pending) > 2 * flight):
            done, verdicts = pending.popleft()
            yield done, _result(verdicts)
    while pending:
        done, verdicts = pending.popleft()
        yield done, _result(verdicts)


def _ready(verdicts: _Verdicts, wait: bool) -> bool:
    """Tell whether the verdicts are in, or are to be waited for (``wait``)."""
    return wait or not isinstance(verdicts, Future) or verdicts.done()


def _result(verdicts: _Verdicts) -> list[Verdict | None]:
    return verdicts.result() if isinstance(verdicts, Future) else verdicts


def _pool(workers: int) -> ProcessPoolExecutor:
    # spawn: forking a parent that runs a progress thread is unsafe, and the workers need only
    # the validation code, not this process's state. Not a fork server either: starting one
    # makes this process wait (0.1 to 0.2 s) until the server has imported that code, while
    # spawned workers import it as this process goes on reading and judging.
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_warm)


class _Stopped:
    """Chunks of one file until it ends or cannot be read on; then ``error`` says why."""

    def __init__(self, chunks: Iterator[Chunk | CsvChunk]) -> None:
        self.chunks = chunks
        self.error: UnreadableFile | None = None

    def __iter__(self) -> Iterator[Chunk | CsvChunk]:
        try:
            yield from self.chunks
        except UnreadableFile as error:
            self.error = error


def check_files(
    sources: Sequence[Source],
    *,
    jobs: int = 1,
    max_invalid: int = 1000,
    on_progress: Callable[[FileTally], None] | None = None,
    options: ReadOptions = DEFAULT_OPTIONS,
    keep: Keep | None = None,
    allocate_codes: bool = False,
) -> CheckReport:
    """
    Check every record of ``sources``, file after file, in order.

    A file that cannot be read at all, or past some point, is reported on its tally
    (``error``) with the records read before the fault, and the next file is read.

    Args:
        sources: the files.
        jobs: processes that check: this one and ``jobs - 1`` workers.
        max_invalid: invalid records listed with their problems (all are counted).
        on_progress: called with the file's running counts after each chunk.
        options: how to read (limits, CSV columns and encoding, strict XML).
        keep: called with each valid account, in file order; the check then runs in this
            process alone (the accounts are here), whatever ``jobs`` says.
        allocate_codes: number the records that ask for it (Exact XML ``code=""``) after
            each file's own codes, as `accountcore.exchange.read` does.

    Returns:
        The counts, the listed records, and the files that could not be read.

    .. versionadded:: 0.2
    """
    report = CheckReport(max_invalid=max_invalid)
    with ExitStack() as stack:
        stack.enter_context(_batch_collections())
        pool = None
        if jobs > 1 and keep is None:  # this process judges too: ``jobs`` processes in all
            pool = _pool(jobs - 1)
            stack.callback(pool.shutdown, wait=True, cancel_futures=True)
        for source in sources:
            tally = FileTally(source.name, source.format or "")
            report.files.append(tally)
            try:
                _check_one(
                    source,
                    tally,
                    report,
                    (pool, jobs - 1),
                    on_progress,
                    options,
                    keep,
                    allocate_codes,
                )
            except UnreadableFile as error:
                tally.error = error
    return report


def _check_one(  # noqa: PLR0917 -- one call site, the parts of one check
    source: Source,
    tally: FileTally,
    report: CheckReport,
    workers: tuple[Executor | None, int],
    on_progress: Callable[[FileTally], None] | None,
    options: ReadOptions,
    keep: Keep | None,
    allocate_codes: bool,
) -> None:
    pool, helpers = workers
    with ExitStack() as stack:
        opened = stack.enter_context(
            open_input(source.stream or source.path or source.name, source.name)
        )
        kind = resolve_format(opened, source.format)
        tally.format = kind
        allocate = None
        if allocate_codes and kind != "csv":
            opened = stack.enter_context(rereadable(opened))
            allocate = Allocator(codes_of(read_records(opened, kind, options)), ())
            opened.stream.seek(0)
        chunks = _Stopped(_chunks(opened, kind, options, allocate))
        records = 0
        for chunk, verdicts in _judged(chunks, pool, helpers, keep):
            for (place, read), verdict in zip(_entries(chunk, source.name), verdicts, strict=True):
                if verdict is not None:  # None: an empty CSV row, no record
                    records += 1
                    where = place if place.record else Place(place.file, place.line, records)
                    report.add(tally, where, verdict, read)
            if on_progress is not None:
                on_progress(tally)
        if chunks.error is not None:
            raise chunks.error
        if not tally.records:
            raise no_records(source.name)
