"""
One sync run, written once for both drivers: a generator that yields the calls to make on
the accounting system and receives their results (or has their exceptions thrown in).

It talks to the outbox directly; it never touches the network, the clock or randomness.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from datetime import datetime

import attrs

from ..entities import Account
from ..errors import (
    AdapterError,
    AuthenticationError,
    ConfigurationError,
    RateLimitedError,
    RemoteUnavailableError,
    SyncError,
)
from ._engine import Batch, Plan, plan
from ._events import SyncEvent, SyncEventKind
from ._model import (
    Capabilities,
    ChangeKind,
    LimitScope,
    Link,
    Lookup,
    OutcomeStatus,
    PushItem,
    PushOutcome,
    RemoteAccount,
)
from ._outage import held, interrupted
from ._policy import (
    RandomSource,
    SyncPolicy,
    charge,
    default_pause,
    errors_available,
    errors_free_at,
    note_errors,
    pause,
    release_errors,
)
from ._ports import Disposition, Entry, EntryState, Outbox, Record, TenantState
from ._pull import Incoming, held_back, remote_edited, take_in
from ._schedule import Schedule
from ._settle import absorb, begin, expedite, settle

__all__ = ["FetchCall", "FindCall", "LocalCall", "PushCall", "RunReport", "TakeCall", "run"]


@attrs.frozen
class FindCall:
    """Ask the accounting system for the records carrying these account keys."""

    account_keys: tuple[str, ...]


@attrs.frozen
class PushCall:
    """Push one batch."""

    items: tuple[PushItem, ...]


@attrs.frozen
class FetchCall:
    """Ask the accounting system for these records, by external id."""

    external_ids: tuple[str, ...]


@attrs.frozen
class LocalCall:
    """Ask the host for its current accounts (`LocalAccounts.accounts`)."""

    account_keys: tuple[str, ...]


@attrs.frozen
class TakeCall:
    """Hand the host the merged accounts to save (`LocalAccounts.take`)."""

    incoming: tuple[Incoming, ...]


Call = FindCall | FetchCall | PushCall | LocalCall | TakeCall


@attrs.frozen(kw_only=True)
class RunReport:
    """
    What one run did.

    Args:
        calls: calls made to the accounting system.
        pushed: items pushed (each attempt counts).
        applied: changes that reached the accounting system (duplicates and lookups that
            found the write had landed included).
        local: changes settled without a call (generic-class customers, unlink of nothing).
        superseded: never-sent changes replaced by a newer one of the same account.
        retried: attempts that will be tried again.
        rate_limited: items refused by a rate limit (not counted as attempts).
        conflicts: items parked, or rebased, because the remote record moved on.
        dead_lettered: changes given up (rejected, or out of attempts).
        wake_at: when something becomes due next, if anything waits (``None`` also while
            the tenant is held: nothing is due until the host resumes it).
        events: what the run did that a host may show: pauses, holds, adoptions, dead
            letters (`SyncEvent`), in order.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``events``.
    """

    calls: int = 0
    pushed: int = 0
    applied: int = 0
    local: int = 0
    superseded: int = 0
    retried: int = 0
    rate_limited: int = 0
    conflicts: int = 0
    dead_lettered: int = 0
    wake_at: datetime | None = None
    events: tuple[SyncEvent, ...] = ()


#: The outcomes an accounting system counts as client errors (HTTP 4xx) against its budget.
_CLIENT_ERRORS = (OutcomeStatus.REJECTED, OutcomeStatus.CONFLICT)

_COUNTED = {
    OutcomeStatus.RETRYABLE: "retried",
    OutcomeStatus.RATE_LIMITED: "rate_limited",
    OutcomeStatus.CONFLICT: "conflicts",
}


class _Tally:
    def __init__(self) -> None:
        names = set(attrs.fields_dict(RunReport)) - {"wake_at", "events"}
        self.counts: dict[str, int] = dict.fromkeys(names, 0)
        self.events: list[SyncEvent] = []

    def add(self, name: str, amount: int = 1) -> None:
        self.counts[name] += amount

    def closed(self, record: Record) -> None:
        for closed in record.closed:
            if closed.disposition is Disposition.APPLIED:
                self.add("local" if closed.local else "applied")
            elif closed.disposition is Disposition.DEAD_LETTERED:
                self.add("dead_lettered")
                self.events.append(
                    SyncEvent(
                        kind=SyncEventKind.DEAD_LETTERED,
                        at=closed.at,
                        code=closed.code,
                        message=closed.outcome.message if closed.outcome is not None else "",
                        account_key=closed.account_key,
                        change_id=closed.change_id,
                    )
                )

    def report(self, wake_at: datetime | None) -> RunReport:
        return RunReport(**self.counts, wake_at=wake_at, events=tuple(self.events))


def _whole_call(error: Exception, size: int) -> list[PushOutcome]:
    if isinstance(error, RateLimitedError):
        try:
            scope = LimitScope(error.scope)
        except ValueError:
            scope = LimitScope.MINUTE
        return [PushOutcome.rate_limited(scope, error.retry_after)] * size
    maybe = error.maybe_applied if isinstance(error, RemoteUnavailableError) else True
    outcome = PushOutcome.retryable(maybe_applied=maybe, message=str(error)[:200])
    return [outcome] * size


def _checked(result: object, size: int) -> list[PushOutcome] | None:
    if not isinstance(result, Sequence) or len(result) != size:
        return None
    outcomes = list(result)
    return outcomes if all(isinstance(o, PushOutcome) for o in outcomes) else None


def _adopting(entry: Entry, now: datetime) -> bool:
    """Tell whether ``entry`` waits to read its record now: to adopt the record that holds its
    account key, or to merge the remote edits a conflict showed."""
    outcome = entry.last_outcome
    return (
        entry.lookup is Lookup.VERIFY
        and entry.not_before == now
        and outcome is not None
        and (outcome.code == "account_key_taken" or outcome.status is OutcomeStatus.CONFLICT)
    )


def _landed_create(entry: Entry, link: Link | None) -> bool:
    """Tell whether ``entry`` went out as a create (its account unlinked) and may have
    landed."""
    outcome = entry.last_outcome
    maybe = entry.state is EntryState.IN_FLIGHT or (outcome is not None and outcome.maybe_applied)
    return (
        entry.change.kind in (ChangeKind.CREATE, ChangeKind.UPDATE)
        and (link is None or link.external_id is None)
        and maybe
    )


def _conflicted(entry: Entry) -> bool:
    """Tell whether ``entry``'s last push came back a conflict (counted then)."""
    outcome = entry.last_outcome
    return outcome is not None and outcome.status is OutcomeStatus.CONFLICT


class _Run:
    def __init__(
        self,
        outbox: Outbox,
        capabilities: Capabilities,
        *,
        schedule: Schedule,
        policy: SyncPolicy,
        random: RandomSource,
        now: datetime,
        local: bool = False,
    ) -> None:
        self.outbox = outbox
        self.capabilities = capabilities
        self.local = local  # the host gave its accounts: remote edits are merged in
        self.read: set[str] = set()
        self.schedule = schedule
        self.policy = policy
        self.random = random
        self.now = now
        self.tally = _Tally()
        self.failed: set[str] = set()
        self.adopting: set[str] = set()
        self.stopped = False  # a whole call failed: the tenant is paused or held
        self.budget_before: int | None = None  # the error budget left before the call

    def record(self, record: Record) -> None:
        if record:
            self.outbox.record(record)
            self.tally.closed(record)

    def plan(self) -> Plan:
        outbox = self.outbox
        return plan(
            outbox.pending(),
            outbox.links,
            outbox.tenant(),
            now=self.now,
            schedule=self.schedule,
            capabilities=self.capabilities,
            policy=self.policy,
            exclude=self.failed,
            read=self.read,
        )

    def charge(self) -> None:
        self.tally.add("calls")
        limits = self.capabilities.rate_limits
        self.outbox.record(Record(tenant=charge(self.outbox.tenant(), limits, self.now)))

    def lookups(self, planned: Plan) -> Generator[Call, object, None]:
        """Read the looked-up accounts' records by account key, and absorb what was found."""
        keys = tuple(entry.change.account_key for entry in planned.lookups)
        found = yield from self.call(FindCall(keys), keys, "find_by_account_keys")
        if found is not None:
            yield from self.absorbed(planned.lookups, found)

    def reads(self, planned: Plan) -> Generator[Call, object, None]:
        """Read the records of updates about to go out by external id (read before write)."""
        keys = tuple(entry.change.account_key for entry in planned.reads)
        links = self.outbox.links(keys)
        ids = {key: links[key].external_id for key in keys if key in links}
        wanted = tuple(sorted({i for i in ids.values() if i is not None}))
        fetched = yield from self.call(FetchCall(wanted), keys, "fetch")
        if fetched is not None:
            found = {key: fetched[i] for key, i in ids.items() if i is not None and i in fetched}
            yield from self.absorbed(planned.reads, found)

    def call(
        self, call: FindCall | FetchCall, keys: tuple[str, ...], name: str
    ) -> Generator[Call, object, Mapping[str, RemoteAccount] | None]:
        """Make a read call; ``None`` when it failed (the tenant paused or held as fits)."""
        self.charge()
        try:
            found = yield call
        except SyncError as error:
            self.failed.update(keys)
            if isinstance(error, RateLimitedError):
                wait = error.retry_after or default_pause(LimitScope.MINUTE)
                self.paused(pause(self.outbox.tenant(), self.now + wait), "rate_limited")
            else:  # an outage or a hold ends the run; any other error, these accounts' turn
                self.interrupt(None, error)
            return None
        except Exception as error:
            raise AdapterError(f"{name} raised {type(error).__name__}") from error
        if not isinstance(found, Mapping) or not all(
            isinstance(r, RemoteAccount) for r in found.values()
        ):
            raise AdapterError(f"{name} must return a mapping of RemoteAccount")
        self.got_through()
        self.read.update(keys)
        return found

    def absorbed(
        self, entries: tuple[Entry, ...], found: Mapping[str, RemoteAccount]
    ) -> Generator[Call, object, None]:
        """Merge the remote edits found, and absorb the rest (`absorb`)."""
        keys = tuple(entry.change.account_key for entry in entries)
        links = self.outbox.links(keys)
        fields = self.capabilities.stored_fields
        # A create that may have landed and whose record is found: the record holds what the
        # create wrote, and what differs from it since is a remote edit.
        bases = dict(links)
        for entry in entries:
            key = entry.change.account_key
            holder = found.get(key)
            if holder is not None and _landed_create(entry, links.get(key)):
                bases[key] = Link(
                    account_key=key,
                    external_id=holder.external_id,
                    synced=entry.change.snapshot,
                )
        edited = [
            entry
            for entry in entries
            if remote_edited(
                entry,
                bases.get(entry.change.account_key),
                found.get(entry.change.account_key),
                fields,
            )
        ]
        if edited:
            yield from self.merge_in(edited, found, bases)
        rest = [entry for entry in entries if entry not in edited]
        record = absorb(rest, found, links, now=self.now, policy=self.policy, fields=fields)
        self.record(record)
        for entry in rest:
            self.adopted(entry, found.get(entry.change.account_key))

    def merge_in(
        self, edited: list[Entry], found: Mapping[str, RemoteAccount], links: Mapping[str, Link]
    ) -> Generator[Call, object, None]:
        """
        Records read before a write show remote edits: merge them into the host's accounts
        (the host saves them, and their changes go in this run), or, without the host's
        accounts, park the writes as conflicts: nothing is written over the edits.
        """
        keys = tuple(entry.change.account_key for entry in edited)
        if not self.local:
            parked = tuple(held_back(e, found[e.change.account_key]) for e in edited)
            self.record(Record(entries=parked))
            for entry in edited:
                if not _conflicted(entry):  # a push's conflict was counted when it came
                    self.tally.add("conflicts")
                self.tally.events.append(
                    SyncEvent(
                        kind=SyncEventKind.CONFLICT,
                        at=self.now,
                        code="remote_edited",
                        message="The record was edited in the accounting system; the change waits",
                        account_key=entry.change.account_key,
                        change_id=entry.change.change_id,
                        external_id=found[entry.change.account_key].external_id,
                    )
                )
            return
        mine = yield LocalCall(keys)
        if not isinstance(mine, Mapping) or not all(isinstance(a, Account) for a in mine.values()):
            raise AdapterError("LocalAccounts.accounts must return a mapping of Account")
        held = {entry.change.account_key: entry.change.change_id for entry in edited}
        taken = take_in(
            [found[key] for key in keys],
            links,
            self.outbox.pending(),
            mine,
            now=self.now,
            source="read_before_write",
            fields=self.capabilities.stored_fields,
            held=held,
        )
        # An account the host no longer has, or one the merge refused: its change waits.
        merged_keys = {incoming.account_key for incoming in taken.incoming}
        waiting = [e for e in edited if e.change.account_key not in merged_keys]
        if waiting:
            parked = tuple(held_back(e, found[e.change.account_key]) for e in waiting)
            self.record(Record(entries=parked))
            self.tally.add("conflicts", sum(not _conflicted(e) for e in waiting))
        saving = tuple(i for i in taken.incoming if i.save or i.push)
        if saving:
            yield TakeCall(saving)
        self.record(taken.record)
        self.tally.events.extend(taken.events)
        # The saved accounts' changes go in this run, on the record just read.
        self.record(expedite(self.outbox.pending(), merged_keys, now=self.now))

    def adopted(self, entry: Entry, found: RemoteAccount | None) -> None:
        """Tell the host that a create whose key was taken adopted the record holding it."""
        outcome = entry.last_outcome
        if found is None or outcome is None or outcome.code != "account_key_taken":
            return
        self.tally.events.append(
            SyncEvent(
                kind=SyncEventKind.ADOPTED,
                at=self.now,
                code="account_key_taken",
                message="The accounting system already held a record with this account key.",
                account_key=entry.change.account_key,
                change_id=entry.change.change_id,
                external_id=found.external_id,
            )
        )

    def paused(self, tenant: TenantState, code: str) -> None:
        """Record a pause of the tenant, and tell the host."""
        self.record(Record(tenant=tenant))
        self.tally.events.append(
            SyncEvent(kind=SyncEventKind.PAUSED, at=self.now, code=code, until=tenant.paused_until)
        )

    def interrupt(self, batch: Batch | None, error: SyncError) -> bool:
        """
        Hold or back off the tenant for a whole call that failed for it (refused credentials,
        a wrong configuration, an outage); return whether it did. The run ends then.
        """
        tenant = self.outbox.tenant()
        if isinstance(error, (AuthenticationError, ConfigurationError)):
            record, event = held(batch, tenant, error, now=self.now)
        elif isinstance(error, RemoteUnavailableError) and not isinstance(error, RateLimitedError):
            record, event = interrupted(
                batch, tenant, error, now=self.now, random=self.random, policy=self.policy
            )
            self.tally.add("retried", len(record.entries))
        else:
            return False
        self.record(record)
        self.tally.events.append(event)
        self.stopped = True
        return True

    def got_through(self) -> None:
        """A call got through: the outage, if there was one, is over."""
        tenant = self.outbox.tenant()
        if tenant.outages:
            self.record(Record(tenant=attrs.evolve(tenant, outages=0)))

    def push(self, batch: Batch) -> Generator[Call, object, bool]:
        """Push one batch; return whether the run should go on."""
        size = len(batch.items)
        self.begin(batch)
        self.tally.add("calls")
        self.tally.add("pushed", size)
        broken: Exception | None = None
        through = False  # the call got through to the accounting system
        try:
            result = yield PushCall(batch.items)
        except SyncError as error:
            if self.interrupt(batch, error):
                return False
            outcomes = _whole_call(error, size)
        except Exception as error:
            broken, outcomes = error, _whole_call(error, size)
        else:
            through = True
            checked = _checked(result, size)
            if checked is None:
                broken = AdapterError(f"push must return {size} PushOutcome values, in order")
            outcomes = checked if checked is not None else _whole_call(AdapterError(""), size)
        for outcome in outcomes:
            name = _COUNTED.get(outcome.status)
            if name is not None:
                self.tally.add(name)
        record = self.settled(batch, outcomes, through=through)
        limited = any(o.status is OutcomeStatus.RATE_LIMITED for o in outcomes)
        for entry in record.entries:
            key = entry.change.account_key
            if _adopting(entry, self.now) and key not in self.adopting:
                self.adopting.add(key)  # its record is read and adopted in this run, once
            else:
                self.failed.add(key)
        if broken is not None:
            raise AdapterError(f"the adapter broke the port contract: {broken}") from broken
        # A rate limit paused the tenant: the remaining batches wait for the next run.
        return not limited

    def begin(self, batch: Batch) -> None:
        """Record the batch in flight; count its items against the error budget first."""
        tenant = self.outbox.tenant()
        self.budget_before = errors_available(tenant, self.capabilities.error_budget, self.now)
        limits = self.capabilities.rate_limits
        began = begin(batch, tenant, now=self.now, limits=limits, policy=self.policy)
        # Every item may come back a client error: count them so before the call, and give
        # back those that did not after it. A crash in between leaves them counted: safe.
        budget = self.capabilities.error_budget
        if budget is not None and began.tenant is not None:
            reserved = note_errors(began.tenant, budget, len(batch.items), self.now)
            began = attrs.evolve(began, tenant=reserved)
        self.outbox.record(began)

    def settled(self, batch: Batch, outcomes: Sequence[PushOutcome], *, through: bool) -> Record:
        """Settle the outcomes, record them, and tell the host of the pauses they made."""
        before = self.outbox.tenant()
        tenant = self.counted(before, outcomes, len(batch.items), through=through)
        record = settle(
            batch, outcomes, tenant, now=self.now, random=self.random, policy=self.policy
        )
        if record.tenant is not None:  # a rate limit paused the tenant
            event = SyncEvent(
                kind=SyncEventKind.PAUSED,
                at=self.now,
                code="rate_limited",
                until=record.tenant.paused_until,
            )
            self.tally.events.append(event)
        elif tenant is not before:
            record = attrs.evolve(record, tenant=tenant)
        self.record(record)
        budget = self.capabilities.error_budget
        after = record.tenant or tenant
        if self.budget_before != 0 and errors_available(after, budget, self.now) == 0:
            self.tally.events.append(
                SyncEvent(
                    kind=SyncEventKind.PAUSED,
                    at=self.now,
                    code="error_budget",
                    message="One more client error could make the system block the key.",
                    until=errors_free_at(after, budget, self.now),
                )
            )
        return record

    def counted(
        self, tenant: TenantState, outcomes: Sequence[PushOutcome], size: int, *, through: bool
    ) -> TenantState:
        """
        The tenant with the call's client errors counted (the items counted before the call
        that did not come back one are given back), its outage over if it got through.
        """
        if through and tenant.outages:
            tenant = attrs.evolve(tenant, outages=0)
        errors = sum(o.status in _CLIENT_ERRORS for o in outcomes)
        return release_errors(tenant, self.capabilities.error_budget, size - errors, self.now)

    def __iter__(self) -> Generator[Call, object, RunReport]:
        while True:
            planned = self.plan()
            self.record(planned.record)
            self.tally.add("superseded", planned.superseded)
            if not planned.lookups and not planned.reads and not planned.batches:
                return self.tally.report(planned.wake_at)
            if planned.lookups:
                yield from self.lookups(planned)
                if self.stopped:
                    return self.tally.report(self.outbox.tenant().paused_until)
            if planned.reads:
                yield from self.reads(planned)
                if self.stopped:
                    return self.tally.report(self.outbox.tenant().paused_until)
            for batch in planned.batches:
                if not (yield from self.push(batch)):
                    break
            if self.stopped:
                tenant = self.outbox.tenant()
                return self.tally.report(None if tenant.held else tenant.paused_until)


def run(
    outbox: Outbox,
    capabilities: Capabilities,
    *,
    now: datetime,
    schedule: Schedule,
    policy: SyncPolicy,
    random: RandomSource,
    local: bool = False,
) -> Generator[Call, object, RunReport]:
    """
    Run the engine until nothing more is due at ``now``; yield the calls to make.

    Each account is tried at most once per run after a failure, so a run always ends.
    ``local``: the driver can ask the host for its accounts (`LocalCall`) and hand it merged
    ones (`TakeCall`).
    """
    return iter(
        _Run(
            outbox,
            capabilities,
            schedule=schedule,
            policy=policy,
            random=random,
            now=now,
            local=local,
        )
    )
