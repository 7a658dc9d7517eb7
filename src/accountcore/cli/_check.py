"""
The ``check`` command's work: read files record by record, validate each, keep the counts.

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
"""

from __future__ import annotations

import gc
import marshal
import multiprocessing
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from importlib.resources import as_file, files
from pathlib import Path
from typing import NamedTuple

import attrs

from ..errors import Problem, ValidationError
from ..exchange import (
    DEFAULT_LIMITS,
    ReadLimits,
    header_plan,
    no_records,
    plan,
    read_records,
    split_csv,
)

__all__ = [
    "CHUNK",
    "SAMPLE_NAME",
    "YOUNG_COLLECTION",
    "CheckReport",
    "CsvChunk",
    "FileTally",
    "InvalidRecord",
    "Source",
    "bundled_sample",
    "check_sources",
    "judge",
    "judge_packed",
    "judge_rows",
    "judge_rows_packed",
]

#: Raw records per chunk handed to a worker: large enough that pickling and scheduling cost
#: little per record, small enough that a few chunks in flight use little memory.
CHUNK = 500
#: Allocations between young garbage collections while checking (Python's default: 700).
YOUNG_COLLECTION = 50_000
#: How the bundled sample is named in reports.
SAMPLE_NAME = "accountcore:data/sample_accounts.jsonl"

#: One problem as reported: location (``$.a[0].b``), code, message.
ProblemRow = tuple[str, str, str]
#: One record's verdict: type and status letters of a valid account ("" when invalid), the
#: problems of an invalid one, and the warnings of a valid one. Plain tuples: they cross
#: process boundaries cheaply.
Verdict = tuple[str, str, tuple[ProblemRow, ...], tuple[ProblemRow, ...]]
Data = dict[str, object] | None
#: Records as read, waiting for their verdicts: place, data, reading problems.
Chunk = list[tuple[str, Data, tuple[Problem, ...]]]
#: What a record the reader gave up on, without saying why, is reported with.
_UNREADABLE: tuple[ProblemRow, ...] = (("$", "invalid_format", "The record could not be read."),)


@attrs.frozen
class Source:
    """A file to check: its name as reported, its path, and its format."""

    name: str
    path: Path
    format: str


@attrs.define
class FileTally:
    """The running counts of one file."""

    name: str
    format: str
    valid: int = 0
    invalid: int = 0

    @property
    def records(self) -> int:
        """Return how many records were checked so far."""
        return self.valid + self.invalid


@attrs.frozen
class InvalidRecord:
    """
    A listed record: its file, its place in the file, and every problem found (the errors of
    an invalid record, or the warnings of a valid one).
    """

    file: str
    place: str
    problems: tuple[ProblemRow, ...]


@attrs.define
class CheckReport:
    """What a check found: counts per file, type and status, and the invalid records listed."""

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

    def add(self, tally: FileTally, place: str, verdict: Verdict, read: Sequence[Problem]) -> None:
        """Count one record of ``tally``'s file; list it if invalid and the list has room."""
        type_, status, problems, warnings = verdict
        if not read and not problems and type_:
            tally.valid += 1
            self.by_type[type_] += 1
            self.by_status[status] += 1
            if warnings:
                self.warned_total += 1
                self.warnings_total += len(warnings)
                if len(self.warned) < self.max_invalid:
                    self.warned.append(InvalidRecord(tally.name, place, warnings))
            return
        tally.invalid += 1
        if len(self.invalid) < self.max_invalid:
            rows = _rows_of(read) + problems
            self.invalid.append(InvalidRecord(tally.name, place, rows or _UNREADABLE))

    @property
    def exit_code(self) -> int:
        """Return 0 when every record is valid, else 1."""
        return 1 if self.invalid_total else 0


def _rows_of(problems: Iterable[Problem]) -> tuple[ProblemRow, ...]:
    return tuple((p.location, p.code, p.message) for p in problems)


def _verdict(data: object, read: tuple[ProblemRow, ...] = ()) -> Verdict:
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
    return (account.type.value, account.status.value, (), _rows_of(warnings))


def judge(records: Sequence[Data]) -> list[Verdict]:
    """
    Validate each raw record with `accountcore.from_dict`, identifier checks on.

    Args:
        records: the records' data; ``None`` for a record the reader could not make out.

    Returns:
        One verdict per record, in order.
    """
    return [("", "", (), ()) if data is None else _verdict(data) for data in records]


def judge_packed(packed: bytes) -> list[Verdict]:
    """Judge a chunk packed with `marshal` (in a worker; see `_submit`)."""
    data: list[Data] = marshal.loads(packed)
    return judge(data)


def judge_rows(header: tuple[str, ...], rows: list[list[str]]) -> list[Verdict | None]:
    """
    Build each CSV row's record by ``header``'s plan, and judge it.

    Args:
        header: the file's columns, as `accountcore.exchange.split_csv` gives them (a
            header it accepted).
        rows: the rows' cells.

    Returns:
        One verdict per row, in order; ``None`` for an empty row, which is no record. A row's
        reading problems come first among its problems, and make it invalid.
    """

    build = plan(header)
    verdicts: list[Verdict | None] = []
    problems: list[Problem] = []  # one list for every row: most rows have no problem
    for cells in rows:
        data = build(cells, problems)
        if data is None:
            verdicts.append(None)
        elif problems:
            verdicts.append(_verdict(data, _rows_of(problems)))
            problems.clear()
        else:
            verdicts.append(_verdict(data))
    return verdicts


def judge_rows_packed(header: tuple[str, ...], packed: bytes) -> list[Verdict | None]:
    """Judge CSV rows packed with `marshal` (in a worker; see `_submit`)."""
    rows: list[list[str]] = marshal.loads(packed)
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
    """CSV rows waiting for their verdicts: the file's header, each row's line and cells."""

    header: tuple[str, ...]
    starts: list[int]
    rows: list[list[str]]


def _chunks(source: Source, limits: ReadLimits = DEFAULT_LIMITS) -> Iterator[Chunk | CsvChunk]:
    if source.format == "csv":
        yield from _csv_chunks(source.path, limits)
        return

    chunk: Chunk = []
    for raw in read_records(source.path, format=source.format, limits=limits):
        chunk.append((raw.place, raw.data, raw.problems))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _csv_chunks(path: Path, limits: ReadLimits) -> Iterator[CsvChunk]:
    """Split a CSV file into chunks of rows; the header is checked here, before any."""

    rows = split_csv(path, limits=limits)
    first = next(rows, None)
    if first is None:
        return
    header_plan(path, first[1])
    header = tuple(first[1])
    chunk = CsvChunk(header, [], [])
    for start, cells in rows:
        chunk.starts.append(start)
        chunk.rows.append(cells)
        if len(chunk.rows) == CHUNK:
            yield chunk
            chunk = CsvChunk(header, [], [])
    if chunk.rows:
        yield chunk


def _entries(chunk: Chunk | CsvChunk) -> Iterator[tuple[str, Sequence[Problem]]]:
    """Yield each record's place and reading problems (a CSV row's come with its verdict)."""
    if isinstance(chunk, CsvChunk):
        return ((f"row {start}", ()) for start in chunk.starts)
    return ((place, read) for place, _, read in chunk)


def _data(chunk: Chunk) -> list[Data]:
    """Return what a worker needs of a chunk: the data alone, not places or problems."""
    return [data for _, data, _ in chunk]


def _judge(chunk: Chunk | CsvChunk) -> list[Verdict | None]:
    """Judge a chunk in this process."""
    if isinstance(chunk, CsvChunk):
        return judge_rows(chunk.header, chunk.rows)
    return list(judge(_data(chunk)))


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
    chunks: Iterable[Chunk | CsvChunk], pool: Executor | None, helpers: int
) -> Iterator[tuple[Chunk | CsvChunk, list[Verdict | None]]]:
    """
    Yield each chunk with its verdicts, in file order.

    With a pool of ``helpers`` workers, this process shares the judging: a chunk goes to the
    workers while fewer than ``2 * helpers`` of theirs are unfinished, else it is judged here.
    The split balances itself (a worker still starting, or a slow file to read, leaves more
    here), and no core waits while this process only reads.
    """
    if pool is None:
        for chunk in chunks:
            yield chunk, _judge(chunk)
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


def check_sources(
    sources: Sequence[Source],
    *,
    jobs: int = 1,
    max_invalid: int = 1000,
    on_progress: Callable[[FileTally], None] | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> CheckReport:
    """
    Check every record of ``sources`` in order; stop at the first unreadable file.

    Args:
        sources: the files, each with its format.
        jobs: processes that check: this one and ``jobs - 1`` workers.
        max_invalid: invalid records listed with their problems (all are counted).
        on_progress: called with the file's running counts after each chunk.
        limits: how long a line and a record of a file may be (default: 1 MiB each).

    Returns:
        The counts and the listed invalid records.

    Raises:
        UnreadableFile: a file cannot be read, or holds a line or a record longer than
            ``limits`` allow (from `accountcore.exchange`).
    """
    report = CheckReport(max_invalid=max_invalid)
    with ExitStack() as stack:
        stack.enter_context(_batch_collections())
        pool = None
        if jobs > 1:  # this process judges too: ``jobs`` processes in all
            pool = _pool(jobs - 1)
            stack.callback(pool.shutdown, wait=True, cancel_futures=True)
        for source in sources:
            tally = FileTally(source.name, source.format)
            report.files.append(tally)
            for chunk, verdicts in _judged(_chunks(source, limits), pool, jobs - 1):
                for (place, read), verdict in zip(_entries(chunk), verdicts, strict=True):
                    if verdict is not None:  # None: an empty CSV row, no record
                        report.add(tally, place, verdict, read)
                if on_progress is not None:
                    on_progress(tally)
            if not tally.records:
                raise no_records(source.path)
    return report


@contextmanager
def bundled_sample() -> Iterator[Source]:
    """Give the sample bundled in the package as a `Source` on disk, while the block runs."""
    resource = files("accountcore").joinpath("data/sample_accounts.jsonl")
    with as_file(resource) as path:
        yield Source(SAMPLE_NAME, path, "jsonl")
