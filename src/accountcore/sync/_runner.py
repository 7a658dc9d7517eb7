"""
One sync run, written once for both drivers: a generator that yields the calls to make on
the accounting system and receives their results (or has their exceptions thrown in).

It talks to the outbox directly; it never touches the network, the clock or randomness.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from datetime import datetime

import attrs

from ..errors import AdapterError, RateLimitedError, RemoteUnavailableError, SyncError
from ._engine import Batch, Plan, plan
from ._model import (
    Capabilities,
    LimitScope,
    Lookup,
    OutcomeStatus,
    PushItem,
    PushOutcome,
    RemoteAccount,
)
from ._policy import RandomSource, SyncPolicy, charge, default_pause, pause
from ._ports import Disposition, Entry, Outbox, Record
from ._schedule import Schedule
from ._settle import absorb, begin, settle

__all__ = ["FindCall", "PushCall", "RunReport", "run"]


@attrs.frozen
class FindCall:
    """Ask the accounting system for the records carrying these account keys."""

    account_keys: tuple[str, ...]


@attrs.frozen
class PushCall:
    """Push one batch."""

    items: tuple[PushItem, ...]


Call = FindCall | PushCall


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
        wake_at: when something becomes due next, if anything waits.

    .. versionadded:: 0.1
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


_COUNTED = {
    OutcomeStatus.RETRYABLE: "retried",
    OutcomeStatus.RATE_LIMITED: "rate_limited",
    OutcomeStatus.CONFLICT: "conflicts",
}


class _Tally:
    def __init__(self) -> None:
        self.counts: dict[str, int] = dict.fromkeys(attrs.fields_dict(RunReport), 0)

    def add(self, name: str, amount: int = 1) -> None:
        self.counts[name] += amount

    def closed(self, record: Record) -> None:
        for closed in record.closed:
            if closed.disposition is Disposition.APPLIED:
                self.add("local" if closed.local else "applied")
            else:
                self.add("dead_lettered")

    def report(self, wake_at: datetime | None) -> RunReport:
        counts = {k: v for k, v in self.counts.items() if k != "wake_at"}
        return RunReport(**counts, wake_at=wake_at)


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
    """Tell whether ``entry`` met its account key taken and waits to adopt that record now."""
    outcome = entry.last_outcome
    return (
        entry.lookup is Lookup.VERIFY
        and entry.not_before == now
        and outcome is not None
        and outcome.code == "account_key_taken"
    )


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
    ) -> None:
        self.outbox = outbox
        self.capabilities = capabilities
        self.schedule = schedule
        self.policy = policy
        self.random = random
        self.now = now
        self.tally = _Tally()
        self.failed: set[str] = set()
        self.adopting: set[str] = set()

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
        )

    def charge(self) -> None:
        self.tally.add("calls")
        limits = self.capabilities.rate_limits
        self.outbox.record(Record(tenant=charge(self.outbox.tenant(), limits, self.now)))

    def lookups(self, planned: Plan) -> Generator[Call, object, None]:
        keys = tuple(entry.change.account_key for entry in planned.lookups)
        self.charge()
        try:
            found = yield FindCall(keys)
        except SyncError as error:
            self.failed.update(keys)
            if isinstance(error, RateLimitedError):
                wait = error.retry_after or default_pause(LimitScope.MINUTE)
                self.record(Record(tenant=pause(self.outbox.tenant(), self.now + wait)))
            return
        except Exception as error:
            raise AdapterError(f"find_by_account_keys raised {type(error).__name__}") from error
        if not isinstance(found, Mapping) or not all(
            isinstance(r, RemoteAccount) for r in found.values()
        ):
            raise AdapterError("find_by_account_keys must return a mapping of RemoteAccount")
        links = self.outbox.links(keys)
        self.record(absorb(planned.lookups, found, links, now=self.now, policy=self.policy))

    def push(self, batch: Batch) -> Generator[Call, object, bool]:
        """Push one batch; return whether the run should go on."""
        size = len(batch.items)
        limits = self.capabilities.rate_limits
        self.outbox.record(
            begin(batch, self.outbox.tenant(), now=self.now, limits=limits, policy=self.policy)
        )
        self.tally.add("calls")
        self.tally.add("pushed", size)
        broken: Exception | None = None
        try:
            result = yield PushCall(batch.items)
        except SyncError as error:
            outcomes = _whole_call(error, size)
        except Exception as error:
            broken, outcomes = error, _whole_call(error, size)
        else:
            checked = _checked(result, size)
            if checked is None:
                broken = AdapterError(f"push must return {size} PushOutcome values, in order")
            outcomes = checked if checked is not None else _whole_call(AdapterError(""), size)
        for outcome in outcomes:
            name = _COUNTED.get(outcome.status)
            if name is not None:
                self.tally.add(name)
        record = settle(
            batch,
            outcomes,
            self.outbox.tenant(),
            now=self.now,
            random=self.random,
            policy=self.policy,
        )
        self.record(record)
        for entry in record.entries:
            key = entry.change.account_key
            if _adopting(entry, self.now) and key not in self.adopting:
                self.adopting.add(key)  # its record is read and adopted in this run, once
            else:
                self.failed.add(key)
        if broken is not None:
            raise AdapterError(f"the adapter broke the port contract: {broken}") from broken
        # A rate limit paused the tenant: the remaining batches wait for the next run.
        return record.tenant is None

    def __iter__(self) -> Generator[Call, object, RunReport]:
        while True:
            planned = self.plan()
            self.record(planned.record)
            self.tally.add("superseded", planned.superseded)
            if not planned.lookups and not planned.batches:
                return self.tally.report(planned.wake_at)
            if planned.lookups:
                yield from self.lookups(planned)
            for batch in planned.batches:
                if not (yield from self.push(batch)):
                    break


def run(
    outbox: Outbox,
    capabilities: Capabilities,
    *,
    now: datetime,
    schedule: Schedule,
    policy: SyncPolicy,
    random: RandomSource,
) -> Generator[Call, object, RunReport]:
    """
    Run the engine until nothing more is due at ``now``; yield the calls to make.

    Each account is tried at most once per run after a failure, so a run always ends.
    """
    return iter(
        _Run(outbox, capabilities, schedule=schedule, policy=policy, random=random, now=now)
    )
