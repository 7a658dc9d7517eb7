"""
The two ports the host implements (`AccountingSystem`, `Outbox`) and the outbox's values.

The outbox lives in the host's database. The engine reads it (`Outbox.pending`, `links`,
`tenant`) and writes back one `Record` at a time; the host applies a record atomically.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs

from ._model import Capabilities, Change, Link, Lookup, PushItem, PushOutcome, RemoteAccount

__all__ = [
    "AccountingSystem",
    "AsyncAccountingSystem",
    "Closed",
    "Disposition",
    "Entry",
    "EntryState",
    "Hold",
    "HoldReason",
    "Outbox",
    "Record",
    "Supersede",
    "TenantState",
]


class EntryState(enum.Enum):
    """
    Where an open outbox entry stands.

    ``QUEUED``: never sent. ``IN_FLIGHT``: an attempt began and its result is not recorded
    (after a crash it counts as "may have landed" once its lease ends). ``WAITING``: sent,
    waiting for a retry. ``PARKED``: a conflict waits for a decision; it holds back the
    account's newer changes.

    .. versionadded:: 0.1
    """

    QUEUED = "queued"
    IN_FLIGHT = "in_flight"
    WAITING = "waiting"
    PARKED = "parked"


@attrs.frozen(kw_only=True)
class Entry:
    """
    One open change in the outbox, with its delivery state.

    Args:
        change: the change.
        state: see `EntryState`.
        attempts: attempts counted so far (a rate-limited attempt is not counted).
        not_before: for queued: pushed now at this time (else the schedule decides); for
            waiting and in flight: the earliest next attempt.
        lookup: the remote record must be read before the next attempt (see `Lookup`).
        last_outcome: the outcome of the last attempt, if any.

    .. versionadded:: 0.1
    """

    change: Change
    state: EntryState = EntryState.QUEUED
    attempts: int = 0
    not_before: datetime | None = None
    lookup: Lookup | None = None
    last_outcome: PushOutcome | None = None

    @property
    def change_id(self) -> str:
        """
        Return the change's id.
        """
        return self.change.change_id

    @property
    def account_key(self) -> str:
        """
        Return the change's account key.
        """
        return self.change.account_key

    @property
    def sent(self) -> bool:
        """
        Tell whether the change was ever sent; then it is pinned: sent again as it is.
        """
        return self.state is not EntryState.QUEUED


class Disposition(enum.Enum):
    """
    How an entry left the outbox.

    .. versionadded:: 0.1
    """

    APPLIED = "applied"
    SUPERSEDED = "superseded"
    DEAD_LETTERED = "dead_lettered"


@attrs.frozen(kw_only=True)
class Closed:
    """
    An entry leaves the outbox.

    Args:
        change_id: the entry.
        account_key: its account.
        disposition: applied, superseded or dead-lettered.
        at: when.
        code: why, for a dead letter (``max_attempts``, ``rejected``, ...).
        outcome: the deciding outcome, if one came from the accounting system.
        local: applied without a call (a generic-class customer, an unlink of nothing).
        change: for a dead letter, the change itself, so that the host can list it and
            re-drive it (`accountcore.sync.SyncDriver.redrive`); ``None`` otherwise.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``change``.
    """

    change_id: str
    account_key: str
    disposition: Disposition
    at: datetime
    code: str | None = None
    outcome: PushOutcome | None = None
    local: bool = False
    change: Change | None = attrs.field(default=None, repr=False)


@attrs.frozen(kw_only=True)
class Supersede:
    """
    Close the never-sent entries of one account with ``first_seq <= seq < last_seq``: the
    entry with ``last_seq`` (``by``) carries a newer full snapshot and goes in their place.

    .. versionadded:: 0.1
    """

    account_key: str
    first_seq: int
    last_seq: int
    by: str
    at: datetime


class HoldReason(enum.Enum):
    """
    Why a tenant is held until the host resumes it: its credentials were refused
    (`accountcore.errors.AuthenticationError`) or its connection is set up wrongly
    (`accountcore.errors.ConfigurationError`).

    .. versionadded:: 0.2
    """

    AUTHENTICATION = "authentication"
    CONFIGURATION = "configuration"


@attrs.frozen(kw_only=True)
class Hold:
    """
    A tenant held until the host resumes it: nothing is sent, and no change uses up attempts.

    Args:
        reason: why.
        message: the adapter's error message (one line, for the host to show).
        since: when the hold began.

    .. versionadded:: 0.2
    """

    reason: HoldReason
    message: str
    since: datetime


@attrs.frozen(kw_only=True)
class TenantState:
    """
    Per accounting-system tenant: a pause, a hold, and the recent calls and client errors
    that the engine counts against the system's advertised limits.

    Args:
        paused_until: nothing is sent before this time (a rate limit, an outage's backoff, an
            error budget spent).
        calls: the calls made within the longest rate-limit window, oldest first.
        held: set while the tenant waits for the host to resume it (refused credentials, a
            wrong configuration); nothing is sent meanwhile.
        outages: whole calls that failed in a row (network, 5xx, timeouts); the tenant backs
            off by it, and the changes behind it keep their attempts. A call that gets
            through sets it back to 0.
        errors: the client errors counted within the error budget's window, oldest first.
        cursor: where the next pull of remote changes starts
            (`accountcore.sync.RemoteChanges`); ``None`` before the first pull.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``held``, ``outages``, ``errors`` and ``cursor``.
    """

    paused_until: datetime | None = None
    calls: tuple[datetime, ...] = ()
    held: Hold | None = None
    outages: int = 0
    errors: tuple[datetime, ...] = ()
    cursor: str | None = None


@attrs.frozen(kw_only=True)
class Record:
    """
    Everything one engine step changes in the outbox; the host applies it atomically.

    Args:
        entries: open entries to insert or replace, by change id.
        closed: entries that leave the outbox.
        superseded: ranges of never-sent entries that a newer change replaces.
        links: links to insert or replace, by account key.
        unlinked: account keys whose link is removed.
        tenant: the new tenant state, if it changed.
        reopened: dead-lettered changes opened again (a re-drive), by change id: the
            outbox takes them out of its dead letters and holds them as open entries.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``reopened``.
    """

    entries: tuple[Entry, ...] = ()
    closed: tuple[Closed, ...] = ()
    superseded: tuple[Supersede, ...] = ()
    links: tuple[Link, ...] = ()
    unlinked: tuple[str, ...] = ()
    tenant: TenantState | None = None
    reopened: tuple[Entry, ...] = ()

    def __bool__(self) -> bool:
        return bool(
            self.entries
            or self.reopened
            or self.closed
            or self.superseded
            or self.links
            or self.unlinked
            or self.tenant is not None
        )


@runtime_checkable
class Outbox(Protocol):
    """
    The host's durable queue of changes, and what sync knows per account and tenant.

    ``append`` runs inside the host's own transaction, next to the account save, so a saved
    account always has its change queued. ``record`` applies a `Record` atomically.

    .. versionadded:: 0.1
    """

    def append(self, changes: Sequence[Change]) -> None:
        """
        Queue changes; refuse a repeated change id or a sequence number that does not grow.
        """

    def pending(self) -> Iterable[Entry]:
        """
        Return every open entry (queued, in flight, waiting, parked) in append order.
        """

    def links(self, account_keys: Collection[str]) -> Mapping[str, Link]:
        """
        Return the links of those accounts that have one.
        """

    def tenant(self) -> TenantState:
        """
        Return the tenant state.
        """

    def record(self, record: Record) -> None:
        """
        Apply a record atomically: all of it or none of it.

        Refuse (with `accountcore.errors.ConflictError`) an entry to replace or close that
        is not open, a replacement that carries another change than the open entry, a close
        that names another account, and a change to reopen (``record.reopened``, a
        re-drive) that is not a dead letter, is not the dead letter's own change, is given
        twice, or is not its account's newest change: an older snapshot must never be sent
        after a newer one. `accountcore.sync.conformance.OutboxContract` checks these.
        """


@runtime_checkable
class AccountingSystem(Protocol):
    """
    The port to an accounting system. The host (or a plug-in) implements it.

    ``push`` returns one outcome per item, in order: a failed item is an outcome, not an
    exception. An exception means the whole call failed, and it must be a `SyncError`.

    .. versionadded:: 0.1
    """

    @property
    def capabilities(self) -> Capabilities:
        """
        Return what the system supports and its limits.
        """

    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        """
        Write a batch; return one outcome per item, in order.
        """

    def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
        """
        Return the records that exist among ``external_ids``.
        """

    def find_by_account_keys(self, account_keys: Sequence[str]) -> Mapping[str, RemoteAccount]:
        """
        Return, per account key, the record that carries it, for those that have one.
        """


@runtime_checkable
class AsyncAccountingSystem(Protocol):
    """
    The asyncio twin of `AccountingSystem`: the same contract, with coroutines.

    .. versionadded:: 0.1
    """

    @property
    def capabilities(self) -> Capabilities:
        """
        Return what the system supports and its limits.
        """

    async def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        """
        Write a batch; return one outcome per item, in order.
        """

    async def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
        """
        Return the records that exist among ``external_ids``.
        """

    async def find_by_account_keys(
        self, account_keys: Sequence[str]
    ) -> Mapping[str, RemoteAccount]:
        """
        Return, per account key, the record that carries it, for those that have one.
        """
