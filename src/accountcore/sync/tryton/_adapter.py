"""
`TrytonAccountingSystem`: the `AccountingSystem` port on a Tryton database, embedded.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Final, TypeVar

from ...errors import (
    AdapterError,
    Problem,
    SyncError,
    UnsupportedOperationError,
    ValidationError,
)
from ...validation import check_account
from .._model import (
    Capabilities,
    CustomerClass,
    OutcomeStatus,
    Posting,
    PushItem,
    PushOutcome,
    RemoteAccount,
)
from .._pull import ChangePage
from ._batch import BatchWriter, party_id
from ._errors import error_of, outcome_of
from ._party import ImportPage, ImportProblem, Party
from ._store import Mark, PartyStore

__all__ = ["ImportPage", "ImportProblem", "TrytonAccountingSystem"]

_T = TypeVar("_T")
#: The largest batch the adapter takes.
MAX_BATCH: Final = 100
#: The most parties a page of `TrytonAccountingSystem.changes_since` may list.
MAX_PAGE: Final = 1000
#: The longest overlap a read of changes may take back.
MAX_OVERLAP: Final = timedelta(days=1)
#: How far back a read of changes looks again, for writes that committed late.
DEFAULT_OVERLAP: Final = timedelta(minutes=5)
#: A time in a cursor: UTC, to the microsecond.
_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"
#: A cursor of `changes_since`: ``<time>/<party id>``, and ``/<time>`` while a read pages on.
_CURSOR: Final = re.compile(rf"({_TIME})/(\d{{1,18}})(?:/({_TIME}))?", re.ASCII)
#: Before every change.
_FIRST: Final[Mark] = (datetime.min.replace(tzinfo=timezone.utc), 0)


class TrytonAccountingSystem:
    """
    Push accounts to ``party.party`` in a Tryton database this process opens itself.

    A batch is written in one Tryton transaction; when an item of it fails, each item is
    written in a transaction of its own, so a refused item leaves its neighbours applied.
    Versions are digests of Tryton's own timestamps of the party and its addresses, contact
    mechanisms and identifiers. An account key lives in the unique field
    ``accountcore_key`` of the Tryton module ``accountcore_sync``, which the database must
    have activated.

    Args:
        database: the name of the Tryton database (configure trytond to find it first).
        user: the Tryton user id the adapter acts as (0 is root). Tryton checks access
            rights only when the context sets ``_check_access``.
        max_batch: the largest batch the adapter declares (1 to 100).
        generic_party: the code of the party a Generic customer class posts to.
        context: extra Tryton context for every transaction (say, ``{"language": "nl"}``).
        page_size: the most parties a `changes_since` page lists (1 to 1,000).
        overlap: how far before the time of a read of changes the next read looks again,
            for writes of transactions that were still running (0 to one day; see
            `changes_since`).

    Raises:
        ValidationError: ``max_batch``, ``page_size`` or ``overlap`` is out of range.
        AdapterError: the database is missing, or it has not activated ``accountcore_sync``.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       `changes_since`, with ``page_size`` and ``overlap``.
    """

    def __init__(
        self,
        database: str,
        *,
        user: int = 0,
        max_batch: int = 50,
        generic_party: str | None = None,
        context: Mapping[str, object] | None = None,
        page_size: int = 100,
        overlap: timedelta = DEFAULT_OVERLAP,
    ) -> None:
        problems = []
        if not 1 <= max_batch <= MAX_BATCH:
            problems.append(
                Problem(("max_batch",), "out_of_range", f"max_batch is 1 to {MAX_BATCH}.")
            )
        if isinstance(page_size, bool) or not isinstance(page_size, int):
            problems.append(Problem(("page_size",), "invalid_type", "page_size is a number."))
        elif not 1 <= page_size <= MAX_PAGE:
            message = f"page_size is 1 to {MAX_PAGE:,}."
            problems.append(Problem(("page_size",), "out_of_range", message))
        if not isinstance(overlap, timedelta):
            problems.append(Problem(("overlap",), "invalid_type", "overlap is a timedelta."))
        elif not timedelta(0) <= overlap <= MAX_OVERLAP:
            message = "overlap is zero to one day."
            problems.append(Problem(("overlap",), "out_of_range", message))
        if problems:
            raise ValidationError(problems)
        self._page_size = page_size
        self._overlap = overlap
        self._database = database
        self._user = user
        # Inactive parties are accounts too: every search must find them.
        self._context = {**(context or {}), "active_test": False}
        self._capabilities = Capabilities(
            max_batch=max_batch,
            idempotency_keys=False,
            conditional_update=True,
            changes_since=True,
        )
        self._pool = _open_pool(database)
        self._store = PartyStore(self._pool)
        with self._transaction(readonly=True):
            self._generic = self._generic_id(generic_party)
            self._writer = BatchWriter(self._store, self._store.identifier_types())

    def _generic_id(self, code: str | None) -> str | None:
        if code is None:
            return None
        found = self._store.Party.search([("code", "=", code)], limit=1)
        if not found:
            raise AdapterError(f"Tryton has no party with code {code!r} for the generic class.")
        return str(found[0].id)

    @property
    def capabilities(self) -> Capabilities:
        """
        Return what the adapter supports: conditional updates and reads of changes, no
        idempotency keys.
        """
        return self._capabilities

    @property
    def database(self) -> str:
        """
        Return the name of the Tryton database.
        """
        return self._database

    def generic_class(
        self, code: str, *, trade_terms_days: int | None = None, prefixes: tuple[str, ...] = ()
    ) -> CustomerClass:
        """
        Return a Generic customer class that posts to the configured generic party.

        Raises:
            AdapterError: no ``generic_party`` was configured.
            ValidationError: the class's own rules (see `CustomerClass`).
        """
        if self._generic is None:
            raise AdapterError("Configure generic_party to use a Generic customer class.")
        return CustomerClass(
            code=code,
            posting=Posting.GENERIC,
            generic_external_id=self._generic,
            trade_terms_days=trade_terms_days,
            prefixes=prefixes,
        )

    # --- the port -------------------------------------------------------------------------

    def push(self, items: Sequence[PushItem]) -> list[PushOutcome]:
        """
        Apply the items; return one outcome per item, in order.

        The batch is first tried in one Tryton transaction. When an item fails there, or
        an item's account key, code or party was written by an earlier item of the batch,
        nothing of that try is kept and each item gets a transaction of its own, in order:
        a refused item leaves its neighbours applied.

        Raises:
            UnsupportedOperationError: the batch is longer than ``capabilities.max_batch``.
        """
        if len(items) > self._capabilities.max_batch:
            raise UnsupportedOperationError(
                f"A batch of {len(items)} items exceeds max_batch {self._capabilities.max_batch}."
            )
        if len(items) > 1:
            together = self._together(items)
            if together is not None:
                return together
        return [self._push_one(item) for item in items]

    def fetch(self, external_ids: Sequence[str]) -> dict[str, RemoteAccount]:
        """
        Return the parties that exist among ``external_ids``.

        Raises:
            RemoteUnavailableError: the database could not be read.
        """
        wanted = {i: pid for i in external_ids if (pid := party_id(i)) is not None}

        def read() -> dict[str, RemoteAccount]:
            existing = set(self._store.existing(wanted.values()))
            parties = self._store.read(sorted(existing))
            return {i: _remote(parties[pid]) for i, pid in wanted.items() if pid in existing}

        return self._read(read)

    def find_by_account_keys(self, account_keys: Sequence[str]) -> dict[str, RemoteAccount]:
        """
        Return, per account key, the party that holds it.

        Raises:
            RemoteUnavailableError: the database could not be read.
        """

        def read() -> dict[str, RemoteAccount]:
            ids = self._store.ids_of_keys(account_keys)
            parties = self._store.read(sorted(ids.values()))
            return {key: _remote(parties[pid]) for key, pid in ids.items()}

        return self._read(read)

    def import_parties(self, *, cursor: str | None = None, limit: int = 100) -> ImportPage:
        """
        Read a page of parties back as accounts, those accountcore never wrote included.

        A party accountcore wrote reads back as the account it wrote, with the edits made in
        Tryton since. Any other party becomes a Customer since the day Tryton created it,
        with the fields of the mapping; the parties that do not make a valid account that
        way come back as problems, never dropped in silence.

        Args:
            cursor: ``None`` for the first page, else the cursor of the page before.
            limit: how many parties a page reads (1 to 1,000).

        Raises:
            ValidationError: ``cursor`` is not one this method returned, or ``limit`` is
                out of range.
            RemoteUnavailableError: the database could not be read.
        """
        problems = []
        after = 0 if cursor is None else party_id(cursor)
        if cursor is not None and after is None:
            problems.append(Problem(("cursor",), "invalid_format", "Not an import cursor."))
        if not 1 <= limit <= 1000:
            problems.append(Problem(("limit",), "out_of_range", "limit is 1 to 1,000."))
        if problems:
            raise ValidationError(problems)
        assert after is not None

        def read() -> ImportPage:
            ids = self._store.page(after, limit)
            parties = self._store.read(ids)
            accounts, refused = [], []
            for pid in ids:
                party = parties[pid]
                try:
                    remote = _remote(party)
                    check_account(remote.snapshot)
                except ValidationError as error:
                    refused.append(ImportProblem(external_id=str(pid), problems=error.problems))
                    continue
                accounts.append(remote)
            next_cursor = str(ids[-1]) if len(ids) == limit else None
            return ImportPage(accounts=tuple(accounts), problems=tuple(refused), cursor=next_cursor)

        return self._read(read)

    def changes_since(self, cursor: str | None) -> ChangePage:
        """
        Return the parties changed after ``cursor`` (``None``: every party), a page at a time.

        A party changes when it or one of its addresses, contact mechanisms or identifiers
        (the records its version covers) is created or written; inactive ones included. Its
        place in the order is the latest create or write date among those records, then its
        id; the page lists the parties after the cursor in that order, each once and read as
        `fetch` reads it. Deleting a child record through its party (as the party's form
        does) writes the party; deleting one on its own leaves no date behind, and the party
        comes with its next edit.

        Tryton stamps a write with the time its transaction started, so a transaction that
        commits after a read can add a change earlier than the parties that read listed.
        When a read has no more pages (``more`` false), its cursor therefore goes back to
        ``overlap`` before the time the read began (when that is earlier than the last
        change listed), and the next read lists the parties changed since then again. The
        engine takes a record it already holds as its own write coming back, so a party
        listed twice costs a comparison; a party never listed would be an edit lost. A
        transaction that runs longer than ``overlap`` can still be missed.

        A party that does not read as a valid account is listed only when it holds an
        account key (the engine reports it when its merge refuses it). The others are left
        out (`import_parties` lists them as problems) and come with the edit that fixes them.

        The cursor is ``<time>/<party id>`` (the time in UTC, ISO 8601 to the microsecond
        with a ``Z``): the page continues after that party's change. While a read pages on,
        ``/<time>`` follows: the time the read began.

        Raises:
            ValidationError: ``cursor`` is not one this method returned (``invalid_format``).
            RemoteUnavailableError: the database could not be read.
        """
        after, began = _parse_cursor(cursor)

        def read() -> ChangePage:
            start = began or self._store.now()
            marks = self._store.changed(None if after == _FIRST else after, self._page_size + 1)
            more = len(marks) > self._page_size
            marks = marks[: self._page_size]
            parties = self._store.read([pid for _, pid in marks])
            records = [r for _, pid in marks if (r := _listed(parties[pid])) is not None]
            last = marks[-1] if marks else after
            if more:
                return ChangePage(records=tuple(records), cursor=_cursor(last, start), more=True)
            settled = (_back(start, self._overlap), 0)
            return ChangePage(records=tuple(records), cursor=_cursor(min(last, settled)))

        return self._read(read)

    # --- writing ------------------------------------------------------------------------

    def _together(self, items: Sequence[PushItem]) -> list[PushOutcome] | None:
        """
        Apply the batch in one transaction; ``None`` when an item failed, so nothing was
        written and the items must go one by one.
        """
        committing = False
        try:
            with self._transaction() as finish:
                outcomes = self._writer.apply(items)
                committing = True
                finish(True)
        except Exception as error:
            if not committing:
                return None
            # The commit failed: any write of the batch may have landed.
            failed = outcome_of(error, maybe_applied=True)
            return [failed] * len(items)
        return outcomes

    def _push_one(self, item: PushItem) -> PushOutcome:
        committing = False
        try:
            with self._transaction() as finish:
                (outcome,) = self._writer.apply([item])
                committing = True
                finish(outcome.status is OutcomeStatus.APPLIED)
            return outcome
        except Exception as error:
            return outcome_of(error, maybe_applied=committing)

    # --- transactions ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self, *, readonly: bool = False) -> Iterator[Callable[[bool], None]]:
        """
        Run the body in one Tryton transaction; the body calls ``finish(commit)`` to say
        whether to commit. An exception rolls back.
        """
        from trytond.transaction import Transaction

        decision = {"commit": False}

        def finish(commit: bool) -> None:
            decision["commit"] = commit

        transaction = Transaction().start(
            self._database, self._user, readonly=readonly, context=self._context
        )
        try:
            yield finish
        except BaseException:
            transaction.stop(False)
            raise
        transaction.stop(decision["commit"])

    def _read(self, body: Callable[[], _T]) -> _T:
        try:
            with self._transaction(readonly=True):
                return body()
        except SyncError:
            raise
        except ValidationError:
            raise
        except Exception as error:
            raise error_of(error) from error


def _remote(party: Party) -> RemoteAccount:
    return RemoteAccount(
        external_id=str(party.id),
        account_key=party.key,
        snapshot=party.account(),
        version=party.version,
        modified_at=party.modified_at,
    )


def _listed(party: Party) -> RemoteAccount | None:
    """The party as `changes_since` lists it, or ``None`` when it is left out."""
    try:
        remote = _remote(party)
        if remote.account_key is None:
            check_account(remote.snapshot)
    except ValidationError:
        return None
    return remote


def _time(value: datetime) -> str:
    return value.astimezone(timezone.utc).replace(tzinfo=None).isoformat("T", "microseconds") + "Z"


def _cursor(mark: Mark, began: datetime | None = None) -> str:
    text = f"{_time(mark[0])}/{mark[1]}"
    return text if began is None else f"{text}/{_time(began)}"


def _parse_cursor(cursor: object) -> tuple[Mark, datetime | None]:
    """The mark a cursor continues after, and the time its read began if it pages on."""
    if cursor is None:
        return _FIRST, None
    found = _CURSOR.fullmatch(cursor) if isinstance(cursor, str) else None
    try:
        if found is None:
            raise ValueError(cursor)
        at, party, began = found.groups()
        mark = (_parse_time(at), int(party))
        return mark, None if began is None else _parse_time(began)
    except ValueError:
        problem = Problem(("cursor",), "invalid_format", "Not a cursor of changes_since.")
        raise ValidationError([problem]) from None


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc)


def _back(moment: datetime, overlap: timedelta) -> datetime:
    """``overlap`` before ``moment``, or the first moment there is."""
    if moment - _FIRST[0] <= overlap:
        return _FIRST[0]
    return moment - overlap


def _open_pool(database: str) -> Any:
    from trytond.pool import Pool

    # Constructing a Pool registers its name, so ask before constructing it.
    started = database in Pool.database_list()
    pool = Pool(database)
    try:
        if not started:
            pool.init()
        pool.get("party.party").accountcore_key  # noqa: B018 -- is the module activated?
    except AttributeError:
        Pool.stop(database)
        raise AdapterError(
            f"The Tryton database {database!r} has not activated the module accountcore_sync."
        ) from None
    except Exception as error:
        # Forget the half-made pool, so a later open (once the database exists) loads it.
        Pool.stop(database)
        raise AdapterError(
            f"The Tryton database {database!r} cannot be opened: {type(error).__name__}: {error}"
        ) from error
    return pool
