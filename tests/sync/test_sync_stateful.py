"""
The sync engine under faults: a Hypothesis state machine over random saves, push-nows,
schedule ticks, remote edits, crashes of the host between push and record, re-drives of dead
letters, and a fault-injecting accounting system whose credentials expire and which blocks
the API key after 10 client errors an hour (the host renews and resumes). A failing run
replays from the printed example, which includes the fault seed.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import timedelta
from random import Random
from typing import Protocol

import attrs
from _sync import T0, Clock, change
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from accountcore.entities import Account
from accountcore.sync import (
    Capabilities,
    Change,
    ChangeKind,
    ChangePage,
    Disposition,
    Entry,
    EntryState,
    ErrorBudget,
    Link,
    PushItem,
    PushOperation,
    PushOutcome,
    RateLimit,
    Record,
    RemoteAccount,
    Schedule,
    SyncDriver,
    SyncEventKind,
    SyncPolicy,
    TenantState,
)
from accountcore.sync.engine import Resolution
from accountcore.sync.faults import Fault, FaultInjectingAccountingSystem, FaultProfile
from accountcore.sync.memory import InMemoryAccountingSystem, InMemoryOutbox

KEYS = ("a", "b", "c", "d")
WRITES = (PushOperation.CREATE, PushOperation.UPDATE)
CAPS = Capabilities(
    max_batch=3,
    idempotency_keys=True,
    idempotency_window=timedelta(hours=1),
    conditional_update=True,
    rate_limits=(RateLimit(calls=6, per=timedelta(minutes=1)),),
    error_budget=ErrorBudget(errors=10, per=timedelta(hours=1)),
)
#: About 30% of items fail; now and then the credentials expire; the key is blocked after
#: 10 client errors an hour, which the declared error budget must keep from happening.
PROFILE = attrs.evolve(FaultProfile.chaos(), auth_expiry=0.03, block_after=10)
SCHEDULE = Schedule.every(timedelta(minutes=15), anchor=T0)
POLICY = SyncPolicy(max_attempts=6, backoff_base=timedelta(seconds=20))


class Crash(Exception):  # noqa: N818 -- an event, not an error of ours
    """The host process died."""


class CrashingOutbox:
    """An outbox whose host dies on a chosen later ``record`` call, before it is applied."""

    def __init__(self, inner: InMemoryOutbox) -> None:
        self.inner = inner
        self.countdown: int | None = None

    def append(self, changes: Sequence[Change]) -> None:
        self.inner.append(changes)

    def pending(self) -> list[Entry]:
        return self.inner.pending()

    def links(self, account_keys: Collection[str]) -> Mapping[str, Link]:
        return self.inner.links(account_keys)

    def tenant(self) -> TenantState:
        return self.inner.tenant()

    def record(self, record: Record) -> None:
        if self.countdown is not None:
            if self.countdown == 0:
                self.countdown = None
                raise Crash
            self.countdown -= 1
        self.inner.record(record)


class Spy:
    """Watch every push for broken promises: two items of one account, a changed payload
    under one key, a change sent again after the outbox closed it (a recorded rejection
    included: rejected changes are retried zero times)."""

    def __init__(self, inner: FaultInjectingAccountingSystem, outbox: InMemoryOutbox) -> None:
        self.inner = inner
        self.outbox = outbox
        self.violations: list[str] = []
        self.payloads: dict[str, Change] = {}

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities

    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        keys = Counter(item.account_key for item in items)
        if keys and max(keys.values()) > 1:
            self.violations.append(f"two items of one account in a call: {keys}")
        self.held_check()
        reopened = {e.change_id for e in self.outbox.pending()}  # re-driven dead letters
        closed = {c.change_id: c for c in self.outbox.closed if c.change_id not in reopened}
        for item in items:
            if item.idempotency_key in closed:
                self.violations.append(f"closed change {closed[item.idempotency_key]} sent again")
            if self.payloads.setdefault(item.idempotency_key, item.change) != item.change:
                self.violations.append(f"payload of {item.idempotency_key} changed")
        return self.inner.push(items)

    def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return self.inner.fetch(external_ids)

    def find_by_account_keys(self, account_keys: Sequence[str]) -> Mapping[str, RemoteAccount]:
        self.held_check()
        return self.inner.find_by_account_keys(account_keys)

    def changes_since(self, cursor: str | None) -> ChangePage:
        self.held_check()
        return self.inner.changes_since(cursor)

    def held_check(self) -> None:
        if self.outbox.tenant().held is not None:
            self.violations.append(f"a call while the tenant is held: {self.outbox.tenant()}")


class Remote(Protocol):
    """What the machine needs of the accounting system behind the fault injector."""

    applied: list[PushItem]
    refused_calls: int

    @property
    def capabilities(self) -> Capabilities: ...

    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]: ...

    def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]: ...

    def find_by_account_keys(self, account_keys: Sequence[str]) -> Mapping[str, RemoteAccount]: ...

    def records_for(self, account_key: str) -> list[RemoteAccount]: ...

    def edit_remotely(self, external_id: str, snapshot: Account) -> RemoteAccount: ...


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock(T0)
        self.remote = self.make_remote()
        self.outbox = CrashingOutbox(InMemoryOutbox())
        self.seqs: dict[str, int] = {}
        self.latest: dict[str, Change] = {}
        self.faults = FaultInjectingAccountingSystem(self.remote, seed=0, profile=FaultProfile())
        self.spy = Spy(self.faults, self.outbox.inner)
        self.driver = SyncDriver(self.spy, self.outbox, schedule=SCHEDULE, clock=self.clock)

    def make_remote(self) -> Remote:
        """The accounting system under the faults; it may hold two records of one account."""
        return InMemoryAccountingSystem(
            clock=self.clock, capabilities=CAPS, unique_account_keys=False
        )

    def key(self, name: str) -> str:
        """The account key of the account the rules call ``name``."""
        return name

    @initialize(seed=st.integers(0, 2**32 - 1))
    def start(self, seed: int) -> None:
        self.faults = FaultInjectingAccountingSystem(
            self.remote, seed=seed, profile=PROFILE, clock=self.clock
        )
        self.spy = Spy(self.faults, self.outbox.inner)
        self.driver = SyncDriver(
            self.spy,
            self.outbox,
            schedule=SCHEDULE,
            policy=POLICY,
            clock=self.clock,
            random=Random(seed).random,
        )

    def run(self, step: Callable[[], object]) -> None:
        with contextlib.suppress(Crash):
            step()

    @rule(name=st.sampled_from(KEYS))
    def save(self, name: str) -> None:
        key = self.key(name)
        seq = self.seqs.get(key, 0) + 1
        self.seqs[key] = seq
        kind = ChangeKind.CREATE if seq == 1 else ChangeKind.UPDATE
        saved = change(key, seq, kind, saved_at=self.clock())
        self.outbox.append([saved])
        self.latest[key] = saved

    @rule(names=st.sets(st.sampled_from(KEYS), min_size=1))
    def push_now(self, names: set[str]) -> None:
        keys = {self.key(name) for name in names}
        self.run(lambda: self.driver.push_now(keys))

    @rule(minutes=st.integers(1, 40))
    def tick(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        self.run(self.driver.run_due)

    @rule(after=st.integers(0, 5))
    def crash_soon(self, after: int) -> None:
        self.outbox.countdown = after

    @rule(name=st.sampled_from(KEYS))
    def edit_remotely(self, name: str) -> None:
        for found in self.remote.records_for(self.key(name)):
            when = self.clock().strftime("%H:%M")
            edited = attrs.evolve(found.snapshot, name=f"Edited {when}", remarks=f"Edited {when}")
            self.remote.edit_remotely(found.external_id, edited)

    @rule()
    def renew_and_resume(self) -> None:
        """The host renews the credentials and resumes the tenant."""
        self.faults.renew()
        self.run(self.driver.resume)

    @rule()
    def redrive(self) -> None:
        """The host re-drives every dead letter."""
        self.run(lambda: self.driver.redrive(self.outbox.inner.dead_letters()))

    @rule()
    def keep_local(self) -> None:
        self.run(self.resolve_parked)

    def resolve_parked(self) -> None:
        for parked in self.outbox.pending():
            if parked.state is EntryState.PARKED:
                self.driver.resolve(parked.change_id, Resolution.KEEP_LOCAL)

    @invariant()
    def no_change_is_lost(self) -> None:
        """
        appended = applied + superseded + dead-lettered + still queued, each exactly once (a
        re-driven dead letter counts where it is now: open again).
        """
        inner = self.outbox.inner
        open_ids = [e.change_id for e in inner.pending()]
        closed = Counter(c.change_id for c in inner.closed)
        assert len(open_ids) == len(set(open_ids))
        assert inner.appended == len(set(open_ids) | set(closed))
        assert all(n == 1 or c in open_ids or self.redriven(c) for c, n in closed.items())

    def redriven(self, change_id: str) -> bool:
        """Tell whether ``change_id`` was closed more than once only for it was re-driven."""
        closings = [c for c in self.outbox.inner.closed if c.change_id == change_id]
        return all(c.disposition is Disposition.DEAD_LETTERED for c in closings[:-1])

    @invariant()
    def every_dead_letter_is_explained(self) -> None:
        """Each dead letter has a code and carries its change, so it can be re-driven."""
        for closed in self.outbox.inner.closed:
            if closed.disposition is Disposition.DEAD_LETTERED:
                assert closed.code and closed.change is not None

    @invariant()
    def the_key_is_never_blocked(self) -> None:
        """The declared error budget keeps the system from blocking the key."""
        assert Fault.KEY_BLOCKED not in {event.fault for event in self.faults.trace}

    @invariant()
    def one_change_in_flight_per_account(self) -> None:
        """Per account, only the oldest open change has ever been sent."""
        sent = Counter(e.account_key for e in self.outbox.pending() if e.sent)
        assert all(count == 1 for count in sent.values())
        assert not self.spy.violations

    @invariant()
    def at_most_one_remote_record_per_account(self) -> None:
        """The accounting system never holds two records of one account."""
        assert all(len(self.remote.records_for(self.key(name))) <= 1 for name in KEYS)

    @invariant()
    def order_never_regresses(self) -> None:
        """Per account, no older snapshot is written after a newer one."""
        last: dict[str, int] = {}
        for item in self.remote.applied:
            if item.operation in WRITES:
                seq = item.change.seq
                assert seq >= last.get(item.account_key, 0)
                last[item.account_key] = seq

    @invariant()
    def no_self_inflicted_rate_limit(self) -> None:
        """The engine never exceeds the advertised rate limits."""
        assert self.remote.refused_calls == 0

    def teardown(self) -> None:
        """Once faults stop, everything settles and the remote holds the latest snapshots."""
        self.faults.active = False
        self.faults.renew()
        self.outbox.countdown = None
        self.driver.resume()  # every held or backed-off tenant is resumable
        for _ in range(40):
            if not self.outbox.pending():
                break
            self.resolve_parked()
            self.clock.advance(hours=2)
            self.driver.run_due()
        assert not self.outbox.pending(), (
            self.outbox.pending(),
            self.outbox.inner.all_links(),
            [self.remote.records_for(key) for key in self.latest],
            self.outbox.tenant(),
        )
        closed = {c.change_id: c for c in self.outbox.inner.closed}
        for key, newest in self.latest.items():
            if closed[newest.change_id].disposition is Disposition.DEAD_LETTERED:
                continue
            assert closed[newest.change_id].disposition is Disposition.APPLIED
            (record,) = self.remote.records_for(key)
            writes = [
                i for i in self.remote.applied if i.account_key == key and i.operation in WRITES
            ]
            assert writes[-1].change.seq == newest.seq
            assert self.outbox.inner.all_links()[key].external_id == record.external_id


_CI = os.environ.get("CI") == "true"
SyncMachine.TestCase.settings = settings(
    max_examples=500 if _CI else 60,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestSyncUnderFaults = SyncMachine.TestCase


# --- remote edits coming back -----------------------------------------------------------------

#: The same system, with the incremental read: remote edits come back by pulls and webhooks.
PULL_CAPS = attrs.evolve(CAPS, changes_since=True)
#: A system without conditional updates (Xero, Exact Online, Odoo): the engine reads before it
#: writes. An edit made between that read and the write is a race no client can win on such a
#: system, so here other users edit only between runs (the fault's remote edits are off).
UNVERSIONED_CAPS = attrs.evolve(PULL_CAPS, conditional_update=False)


class RecordingSystem(InMemoryAccountingSystem):
    """The in-memory system, remembering the last remote edit of each account's remarks."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.remote_remarks: dict[str, str | None] = {}

    def edit_remotely(self, external_id: str, snapshot: Account) -> RemoteAccount:
        edited = super().edit_remotely(external_id, snapshot)
        if edited.account_key is not None:
            self.remote_remarks[edited.account_key] = snapshot.remarks
        return edited


class MergingMachine(SyncMachine):
    """
    The soak with the host's accounts: the host renames accounts, other users edit their
    remarks in the accounting system, and remote edits come back through pulls, webhooks,
    conflicts and reads before writes. Nothing a remote user wrote may be overwritten unless
    a conflict was reported for it; and once faults stop, both sides hold the same account.
    """

    caps = PULL_CAPS
    profile = PROFILE

    def __init__(self) -> None:
        self.saved: dict[str, Account] = {}
        self.names: dict[str, str] = {}  # the last name the host gave each account
        self.events: list[object] = []
        self.edits = 0
        super().__init__()

    def make_remote(self) -> RecordingSystem:
        return RecordingSystem(clock=self.clock, capabilities=self.caps, unique_account_keys=False)

    @initialize(seed=st.integers(0, 2**32 - 1))
    def start(self, seed: int) -> None:
        self.faults = FaultInjectingAccountingSystem(
            self.remote, seed=seed, profile=self.profile, clock=self.clock
        )
        self.spy = Spy(self.faults, self.outbox.inner)
        self.driver = SyncDriver(
            self.spy,
            self.outbox,
            schedule=SCHEDULE,
            policy=POLICY,
            clock=self.clock,
            random=Random(seed).random,
            accounts=self,
        )

    # The host's accounts (the driver's LocalAccounts).

    def accounts(self, account_keys: Collection[str]) -> dict[str, Account]:
        return {key: self.saved[key] for key in account_keys if key in self.saved}

    def take(self, incoming: Sequence[object]) -> None:
        for item in incoming:
            self.keep(item.account)  # type: ignore[attr-defined]

    def keep(self, account: Account) -> None:
        key = account.id
        assert key is not None
        seq = self.seqs.get(key, 0) + 1
        kind = ChangeKind.CREATE if seq == 1 else ChangeKind.UPDATE
        saved = Change(
            change_id=f"{key}-{seq}",
            account_key=key,
            seq=seq,
            kind=kind,
            saved_at=self.clock(),
            snapshot=account,
        )
        self.outbox.append([saved])  # the host's save and its change: one transaction
        self.seqs[key] = seq
        self.saved[key] = account
        self.latest[key] = saved

    def run(self, step: Callable[[], object]) -> None:
        with contextlib.suppress(Crash):
            report = step()
            self.events += getattr(report, "events", ())

    @rule(name=st.sampled_from(KEYS))
    def save(self, name: str) -> None:
        key = self.key(name)
        first = change(key, 1, ChangeKind.CREATE).snapshot
        assert first is not None
        base = self.saved.get(key, first)
        self.names[key] = f"{key} renamed {self.seqs.get(key, 0) + 1}"
        self.keep(attrs.evolve(base, name=self.names[key]))

    @rule(name=st.sampled_from(KEYS))
    def edit_remotely(self, name: str) -> None:
        for found in self.remote.records_for(self.key(name)):
            self.edits += 1
            edited = attrs.evolve(found.snapshot, remarks=f"remote edit {self.edits}")
            self.remote.edit_remotely(found.external_id, edited)

    @rule()
    def pull(self) -> None:
        self.run(self.driver.pull)

    @rule(name=st.sampled_from(KEYS))
    def webhook(self, name: str) -> None:
        records = self.remote.records_for(self.key(name))
        self.run(lambda: self.driver.receive(records))

    def resolve_parked(self) -> None:
        """Pull first (its merge settles what a remote edit parked), then keep ours."""
        self.events += self.driver.pull().events
        super().resolve_parked()

    def teardown(self) -> None:
        """Once faults stop, everything settles, and no remote edit was lost unreported."""
        self.faults.active = False
        self.faults.renew()
        self.outbox.countdown = None
        self.driver.resume()
        for _ in range(40):
            self.clock.advance(hours=2)  # past every pause and rate-limit window
            pulled = self.driver.pull()
            self.events += pulled.events
            self.driver.redrive(self.outbox.inner.dead_letters())
            if not self.outbox.pending() and not pulled.incoming:
                break
            self.resolve_parked()
            self.events += self.driver.run_due().events
        assert not self.outbox.pending(), self.outbox.pending()
        remote: RecordingSystem = self.remote  # type: ignore[assignment]
        for key, account in self.saved.items():
            records = remote.records_for(key)
            if not records:
                continue
            (record,) = records
            assert record.snapshot == account, (key, record.snapshot, account)
            assert account.name == self.names[key]  # merges never rename: no remote rename
            if key in remote.remote_remarks:
                reported = any(
                    getattr(event, "account_key", None) == key
                    and ("remarks",) in getattr(event, "fields", ())
                    and getattr(event, "kind", None) is SyncEventKind.CONFLICT
                    for event in self.events
                )
                assert reported or record.snapshot.remarks == remote.remote_remarks[key], (
                    key,
                    record.snapshot.remarks,
                    remote.remote_remarks[key],
                )


class UnversionedMergingMachine(MergingMachine):
    """The same soak on a system without conditional updates: reads before writes."""

    caps = UNVERSIONED_CAPS
    profile = attrs.evolve(PROFILE, remote_edit=0.0)


MergingMachine.TestCase.settings = settings(
    SyncMachine.TestCase.settings, max_examples=500 if _CI else 40
)
UnversionedMergingMachine.TestCase.settings = settings(
    SyncMachine.TestCase.settings, max_examples=500 if _CI else 30
)
TestMergingUnderFaults = MergingMachine.TestCase
TestUnversionedMergingUnderFaults = UnversionedMergingMachine.TestCase
