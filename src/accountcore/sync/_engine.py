"""
Planning: which changes go out now, coalesced, one per account, in batches the budget allows.

One pass over the open entries keeps a few fields per account, so memory grows with the
number of accounts, not with the number of queued changes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime

import attrs

from ._model import Capabilities, ChangeKind, Link, Lookup, Posting, PushItem, PushOperation
from ._policy import (
    DEFAULT_POLICY,
    SyncPolicy,
    budget_frees_at,
    calls_available,
    errors_available,
    errors_free_at,
)
from ._ports import Closed, Disposition, Entry, EntryState, Record, Supersede, TenantState
from ._schedule import Schedule, latest_run, next_run

__all__ = ["Batch", "Plan", "plan"]

_QUEUED = EntryState.QUEUED
_BARRIERS = (ChangeKind.LINK, ChangeKind.UNLINK)
_WRITES = (PushOperation.CREATE, PushOperation.UPDATE)


@attrs.frozen
class Batch:
    """
    One push call: the items, and the entries they come from (same order).

    .. versionadded:: 0.1
    """

    items: tuple[PushItem, ...]
    entries: tuple[Entry, ...]


@attrs.frozen(kw_only=True)
class Plan:
    """
    What to do now.

    Apply ``record`` first (coalescing, local settlements, crashed attempts that ran out of
    tries); then, if ``lookups`` is not empty, read those accounts' remote records and apply
    `absorb`; read the records of ``reads`` and merge their remote edits (`take_in`); then
    send each batch in turn.

    Args:
        record: outbox changes to apply before anything is sent.
        lookups: entries whose remote record must be read first.
        reads: updates whose record must be read by its external id first, to merge a remote
            edit rather than write over it (a system without conditional updates).
        batches: the batches to push, within the rate budget.
        superseded: how many never-sent changes the record's coalescing closes.
        wake_at: the earliest time something not done now becomes due.

    .. versionadded:: 0.1
    """

    record: Record
    lookups: tuple[Entry, ...]
    batches: tuple[Batch, ...]
    superseded: int
    wake_at: datetime | None
    reads: tuple[Entry, ...] = ()


class _Head:
    """The first open entry of an account, and the never-sent run that follows it."""

    __slots__ = ("count", "create", "expedited", "first", "last", "open")

    def __init__(self, entry: Entry) -> None:
        self.first = entry
        self.last = entry
        self.count = 1
        self.create = entry.change.kind is ChangeKind.CREATE
        self.expedited = entry.not_before
        # A pinned head or a link/unlink takes nothing after it into its group.
        self.open = entry.state is _QUEUED and entry.change.kind not in _BARRIERS

    def add(self, entry: Entry) -> None:
        if not self.open:
            return
        if entry.change.kind in _BARRIERS or entry.state is not _QUEUED:
            self.open = False
            return
        self.last = entry
        self.count += 1
        if entry.change.kind is ChangeKind.CREATE:
            self.create = True
        at = entry.not_before
        if at is not None and (self.expedited is None or at < self.expedited):
            self.expedited = at


def _heads(entries: Iterable[Entry], exclude: Collection[str]) -> dict[str, _Head]:
    heads: dict[str, _Head] = {}
    for entry in entries:
        key = entry.change.account_key
        head = heads.get(key)
        if head is None:
            if key not in exclude:
                heads[key] = _Head(entry)
        else:
            head.add(entry)
    return heads


class _Planner:
    """The mutable working state of one `plan` call."""

    def __init__(
        self,
        now: datetime,
        schedule: Schedule,
        policy: SyncPolicy,
        *,
        read_first: bool = False,
        read: Collection[str] = frozenset(),
    ) -> None:
        self.now = now
        self.policy = policy
        # Without conditional updates, an update reads its record first (but once a run).
        self.read_first = read_first
        self.read = read
        self.latest = latest_run(schedule, now)
        self.next_run = next_run(schedule, now)
        self.wake: datetime | None = None
        self.entries: list[Entry] = []
        self.closed: list[Closed] = []
        self.superseded: list[Supersede] = []
        self.links: list[Link] = []
        self.unlinked: list[str] = []
        self.lookups: list[Entry] = []
        self.reads: list[Entry] = []
        self.items: list[tuple[PushItem, Entry]] = []
        self.coalesced = 0

    def wake_at(self, at: datetime | None) -> None:
        if at is not None and (self.wake is None or at < self.wake):
            self.wake = at

    def due(self, head: _Head) -> bool:
        first = head.first
        if first.state is _QUEUED:
            if head.expedited is not None and head.expedited <= self.now:
                return True
            if self.latest is not None and first.change.saved_at < self.latest:
                return True
            self.wake_at(head.expedited)
            self.wake_at(self.next_run)
            return False
        if first.state is EntryState.PARKED:
            return False
        at = first.not_before
        if at is None or at <= self.now:
            return True
        self.wake_at(at)
        return False

    def coalesce(self, head: _Head) -> Entry:
        entry = head.last
        if head.count == 1:
            return entry
        first = head.first.change
        self.coalesced += head.count - 1
        self.superseded.append(
            Supersede(
                account_key=first.account_key,
                first_seq=first.seq,
                last_seq=entry.change.seq,
                by=entry.change.change_id,
                at=self.now,
            )
        )
        # The newest change inherits the group's turn: it is due now, whatever its own time.
        if entry.not_before is None or entry.not_before > self.now:
            entry = attrs.evolve(entry, not_before=self.now)
            self.entries.append(entry)
        return entry

    def settle_locally(self, entry: Entry, *, unlink: bool) -> None:
        self.closed.append(
            Closed(
                change_id=entry.change.change_id,
                account_key=entry.change.account_key,
                disposition=Disposition.APPLIED,
                at=self.now,
                local=True,
            )
        )
        if unlink:
            self.unlinked.append(entry.change.account_key)

    def crashed_out(self, entry: Entry, link: Link | None) -> bool:
        """Dead-letter an attempt that crashed unrecorded and has no tries left."""
        if entry.state is not EntryState.IN_FLIGHT or entry.attempts < self.policy.max_attempts:
            return False
        key = entry.change.account_key
        self.closed.append(
            Closed(
                change_id=entry.change.change_id,
                account_key=key,
                disposition=Disposition.DEAD_LETTERED,
                at=self.now,
                code="max_attempts",
                outcome=entry.last_outcome,
                change=entry.change,
            )
        )
        base = link if link is not None else Link(account_key=key)
        self.links.append(attrs.evolve(base, lookup=Lookup.VERIFY))
        return True

    def route(self, head: _Head, link: Link | None) -> None:
        entry = head.first if head.first.sent else self.coalesce(head)
        if self.crashed_out(entry, link):
            return
        change = entry.change
        kind = change.kind
        external = link.external_id if link is not None else None
        # A Generic customer has no remote record of its own. One it kept from an Account
        # class (Account -> Generic) is unlinked, so it stops carrying our key; the link goes
        # once the unlink is applied. Without a record there is nothing to send.
        generic = kind is not ChangeKind.LINK and change.customer_class.posting is Posting.GENERIC
        if kind is ChangeKind.UNLINK or generic:
            if link is not None and link.lookup is not None:
                self.lookups.append(entry)
                return
            if external is None:
                self.settle_locally(entry, unlink=link is not None)
                return
            operation = PushOperation.UNLINK
        elif kind is ChangeKind.LINK:
            operation, external = PushOperation.LINK, change.external_id
        else:
            operation = PushOperation.UPDATE if external is not None else PushOperation.CREATE
        if operation in _WRITES and self.needs_lookup(entry, link):
            self.lookups.append(entry)
            return
        if operation is _UPDATE and self.read_first and self.reads_first(entry, link):
            self.reads.append(entry)
            return
        update = link is not None and operation is _UPDATE
        item = PushItem(
            operation=operation,
            change=change,
            idempotency_key=change.change_id,
            attempt=entry.attempts + 1,
            external_id=external,
            base_version=link.version if update and link is not None else None,
            base_snapshot=link.synced if update and link is not None else None,
        )
        self.items.append((item, entry))

    @staticmethod
    def needs_lookup(entry: Entry, link: Link | None) -> bool:
        if entry.lookup is not None or entry.state is EntryState.IN_FLIGHT:
            return True
        return link is not None and link.lookup is not None

    def reads_first(self, entry: Entry, link: Link | None) -> bool:
        """Without conditional updates, an update reads its record first, once a run: a
        remote edit is caught by the read, not by the system."""
        key = entry.change.account_key
        return link is not None and link.synced is not None and key not in self.read

    def record(self) -> Record:
        return Record(
            entries=tuple(self.entries),
            closed=tuple(self.closed),
            superseded=tuple(self.superseded),
            links=tuple(self.links),
            unlinked=tuple(self.unlinked),
        )


_UPDATE = PushOperation.UPDATE


def _batches(
    items: list[tuple[PushItem, Entry]], size: int, calls: int | None
) -> tuple[tuple[Batch, ...], bool]:
    count = -(-len(items) // size)
    if calls is not None and count > calls:
        count = calls
    batches = []
    for start in range(0, count * size, size):
        chunk = items[start : start + size]
        batches.append(Batch(tuple(i for i, _ in chunk), tuple(e for _, e in chunk)))
    return tuple(batches), count * size < len(items)


def plan(
    entries: Iterable[Entry],
    links: Callable[[Collection[str]], Mapping[str, Link]],
    tenant: TenantState,
    *,
    now: datetime,
    schedule: Schedule,
    capabilities: Capabilities,
    policy: SyncPolicy = DEFAULT_POLICY,
    exclude: Collection[str] = frozenset(),
    read: Collection[str] = frozenset(),
) -> Plan:
    """
    Decide what to send now.

    A never-sent change is due at the first schedule run after it was saved, or when it was
    pushed now. Per account only the oldest open change can go: a sent change is sent again
    as it was (same idempotency key, same snapshot) until it is settled, and newer changes
    wait behind it; never-sent creates and updates that follow each other coalesce into the
    newest. A parked conflict holds its account back. A create or update whose customer
    class posts Generic closes locally, without a call, unless the account still has a remote
    record (it was of an Account class): then it goes out as an unlink of that record. A
    held tenant sends nothing and wakes nothing until the host resumes it; with an error
    budget, no more items go than could all come back client errors without reaching it.
    Without conditional updates, an update of an account with a synced snapshot reads its
    record first (a lookup), so a remote edit is merged rather than written over.

    Args:
        entries: every open outbox entry, in append order (``Outbox.pending()``).
        links: reads the links of the given accounts (``Outbox.links``).
        tenant: the tenant state (``Outbox.tenant()``).
        now: the current time (aware).
        schedule: the system schedule.
        capabilities: the adapter's capabilities (batch size, rate limits).
        policy: the sync policy.
        exclude: accounts to leave alone in this call (a driver passes the ones that failed
            earlier in the same run).
        read: accounts whose record was read earlier in the same run: a system without
            conditional updates has an update read its record first (to merge a remote edit
            rather than write over it, `accountcore.sync.engine.take_in`), once a run.

    Returns:
        A `Plan`.

    .. versionadded:: 0.1
    """
    read_first = not capabilities.conditional_update
    planner = _Planner(now, schedule, policy, read_first=read_first, read=read)
    heads = [head for head in _heads(entries, exclude).values() if planner.due(head)]
    known = links([head.first.change.account_key for head in heads]) if heads else {}
    for head in heads:
        planner.route(head, known.get(head.first.change.account_key))
    if tenant.held is not None:  # nothing goes out, nor wakes, until the host resumes it
        return Plan(
            record=planner.record(),
            lookups=(),
            batches=(),
            superseded=planner.coalesced,
            wake_at=None,
        )
    limits = capabilities.rate_limits
    calls = calls_available(tenant, limits, now)
    lookups: tuple[Entry, ...] = ()
    if planner.lookups and (calls is None or calls > 0):
        lookups = tuple(planner.lookups)
        calls = None if calls is None else calls - 1
    reads: tuple[Entry, ...] = ()
    if planner.reads and (calls is None or calls > 0):
        reads = tuple(planner.reads)
        calls = None if calls is None else calls - 1
    # Each item could come back a client error: send no more than the error budget allows.
    allowed = errors_available(tenant, capabilities.error_budget, now)
    items = planner.items if allowed is None else planner.items[:allowed]
    batches, left_over = _batches(items, capabilities.max_batch, calls)
    if len(items) < len(planner.items):
        planner.wake_at(errors_free_at(tenant, capabilities.error_budget, now) or now)
    if left_over or (planner.lookups and not lookups) or (planner.reads and not reads):
        planner.wake_at(budget_frees_at(tenant, limits, now) or now)
    return Plan(
        record=planner.record(),
        lookups=lookups,
        batches=batches,
        superseded=planner.coalesced,
        wake_at=planner.wake,
        reads=reads,
    )
