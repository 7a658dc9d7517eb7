"""
Sync benchmarks (`accountcore.sync`): what planning, settling and a whole run cost, on one
core, against the targets the sync engine was built for. Lower is better everywhere, and
every time is a median, not a best.

- ``sync_plan``: one `plan(entries, links, TenantState(), now=, schedule=, capabilities=)`
  call over `PLAN_CHANGES` queued changes spread over `ACCOUNTS` accounts (`PER_ACCOUNT`
  each), which coalesces them into one create per account and cuts those into batches of
  `BATCH`. The figure is milliseconds per call, against a budget of 1 s (row "1 s budget",
  target: a ratio of at most 1.0, i.e. a median of at most one second).
- ``sync_settle``: `settle(batch, outcomes, TenantState(), now=, random=)` over every batch
  of a plan of `ACCOUNTS` single-change accounts (`ACCOUNTS / BATCH` batches of `BATCH`),
  each item with a seeded outcome. The figure is microseconds per outcome, against a budget
  of 5 µs (row "5 µs budget", target: a ratio of at most 1.0, i.e. at least 200,000 outcomes
  settled per second; the row's note gives outcomes per second).
- ``sync_memory``: the peak memory `tracemalloc` sees allocated during one `plan` call over
  `MEMORY_PER_ACCOUNT` changes per account, against the same call over the first
  `PER_ACCOUNT` of them (the same accounts, half the changes). Target: a ratio of at most
  1.2, i.e. doubling the queued changes may grow planning memory by at most 20%: memory that
  grows with accounts, not with changes. A second row gives the larger call's peak per
  account (information only).
- ``sync_drive``: one `SyncDriver.run_due()` against an `InMemoryAccountingSystem`
  (``Capabilities(max_batch=BATCH, idempotency_keys=True, conditional_update=True)``) and an
  `InMemoryOutbox` holding one never-sent create for each of `ACCOUNTS` accounts: plan, and
  for each batch `begin`, the push, `settle`, and the outbox records, end to end. The figure
  is microseconds per account (information only: no target).

Sizes. `ACCOUNTS` is 10,000; with fewer than 100,000 records (``--quick``, or ``-n`` below
that) it is `QUICK_ACCOUNTS` (1,000), so every count above shrinks tenfold, and the plan
budget with it (row "0.1 s budget": 10,000 changes over 1,000 accounts). The settle budget
and the memory target are ratios, so they stay.

Queue. One base account (`Account.new`, a Customer in Amsterdam), then one snapshot per
account, ``attrs.evolve(base, id=key, code=..., name=...)`` with keys ``"A00000"``,
``"A00001"``, ... All changes of an account share its snapshot (planning never reads it; a
snapshot per change would take some 3 kB each); every `Change` and `Entry` is its own
object. The changes of seq 1 to `PER_ACCOUNT` go in one round: each account's index
`PER_ACCOUNT` times, shuffled with ``random.Random(seed)`` (the run's ``--seed``), each
occurrence taking the account's next seq, so appends interleave accounts while every
account's seq grows in append order; seq 1 is a `ChangeKind.CREATE`, the rest
`ChangeKind.UPDATE`. The `MEMORY_PER_ACCOUNT` queue is that round followed by a second one
(seq `PER_ACCOUNT` + 1 to `MEMORY_PER_ACCOUNT`, shuffled with ``random.Random(seed + 11)``),
as if another day of saves came in before the sync ran: its first half is exactly the
smaller queue. The single-change queue is a round of one. Saves are spread evenly, in append
order, over `SAVED_FROM` to `SAVED_TO` (08:00 to 18:00 in Amsterdam the day before `NOW`) for
a first round and over the five hours after for a second; the schedule runs daily at 02:00
Europe/Amsterdam and `NOW` is five minutes past the run that follows, so every change is
due. There are no links (the links reader returns ``{}``), no exclusions, the
default `SyncPolicy`, and ``Capabilities(max_batch=BATCH)`` without rate limits, so one plan
covers every account. The entries are built before timing; `plan` reads the list as given.

Checks, before timing: the plan has no lookups and exactly one create item per account in
batches of at most `BATCH`, ``plan.superseded`` is the changes less the accounts (90,000),
and its record supersedes each account's older changes once and moves each newest change's
turn to now. The settle outcomes are drawn with ``random.Random(seed)`` from `MIX` (applied
70%, duplicate 10%, retryable that may have landed 10%, rate limited 5%, conflict 3%,
rejected 2%; `settle` does not check that an outcome fits an item's operation, so a conflict
on a create costs what it would on an update); the records must close, keep and link exactly
as many entries as the draw says. The driven run must apply every change: an empty outbox,
``RunReport.applied`` equal to the accounts and one remote record per account.

Timing. `time.perf_counter` around each call (``sync_plan``), each pass over all batches
(``sync_settle``, which drops every record after it is made, as a driver does once the
outbox applied it) or each ``run_due`` (``sync_drive``, with a fresh system and outbox per
round, filled outside the timed region). One untimed warm-up run each, then `PLAN_ROUNDS`,
`SETTLE_ROUNDS` or `DRIVE_ROUNDS` rounds; the median counts. Results are freed outside the
timed region before the next round. The garbage collector stays on, as in real use: the
collections a call triggers (its heap holds the queue and the run's records) count.

Memory. After a full collection, `tracemalloc` starts once the input list exists; the peak is
taken right after `plan` returns, with its result still alive (the plan's output is part of
what planning costs), minus what was traced before the call. The `plan` call was run once
untraced before, so lazy imports and caches are not counted.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone

import attrs

from accountcore import Account, AccountType, Address
from accountcore.sync import (
    Capabilities,
    Change,
    ChangeKind,
    Entry,
    LimitScope,
    Link,
    OutcomeStatus,
    PushOperation,
    PushOutcome,
    Schedule,
    SyncDriver,
    TenantState,
)
from accountcore.sync.engine import Plan, plan, settle
from accountcore.sync.memory import InMemoryAccountingSystem, InMemoryOutbox

from ._registry import Context, Row, register

__all__ = ["sync_drive", "sync_memory", "sync_plan", "sync_settle"]

#: At least this many records (the run's ``-n``) means full sizes; fewer, as ``--quick``.
FULL_RECORDS = 100_000
ACCOUNTS = 10_000
QUICK_ACCOUNTS = 1_000
PER_ACCOUNT = 10
MEMORY_PER_ACCOUNT = 20
BATCH = 50
PLAN_ROUNDS = 5
SETTLE_ROUNDS = 21
DRIVE_ROUNDS = 3
#: The plan budget for `ACCOUNTS` x `PER_ACCOUNT` changes, in seconds; scaled linearly.
PLAN_BUDGET_S = 1.0
#: The settle budget per outcome: 200,000 outcomes per second.
SETTLE_BUDGET_US = 5.0
#: Planning memory may grow this much when the changes per account double.
MEMORY_TARGET = 1.2
MIB = 1 << 20

SCHEDULE = Schedule.daily("02:00", "Europe/Amsterdam")
SAVED_FROM = datetime(2026, 1, 5, 7, 0, tzinfo=timezone.utc)
SAVED_TO = datetime(2026, 1, 5, 17, 0, tzinfo=timezone.utc)
#: 02:05 in Amsterdam, five minutes after the run that picks up the day's changes.
NOW = datetime(2026, 1, 6, 1, 5, tzinfo=timezone.utc)
CAPABILITIES = Capabilities(max_batch=BATCH)
DRIVE_CAPABILITIES = Capabilities(max_batch=BATCH, idempotency_keys=True,
                                  conditional_update=True)

_S = OutcomeStatus
#: The settle outcome mix, in percent.
MIX: tuple[tuple[OutcomeStatus, int], ...] = (
    (_S.APPLIED, 70), (_S.DUPLICATE, 10), (_S.RETRYABLE, 10), (_S.RATE_LIMITED, 5),
    (_S.CONFLICT, 3), (_S.REJECTED, 2),
)
_CLOSES = (_S.APPLIED, _S.DUPLICATE, _S.REJECTED)
_LINKS = (_S.APPLIED, _S.DUPLICATE)


def _accounts(ctx: Context) -> int:
    return ACCOUNTS if ctx.settings.n >= FULL_RECORDS else QUICK_ACCOUNTS


def _key(index: int) -> str:
    return f"A{index:05d}"


def _snapshots(ctx: Context, count: int) -> list[Account]:
    """Return one snapshot per account: a base account evolved to each key."""
    cache_key = f"sync.snapshots.{count}"
    cached: list[Account] | None = ctx.cache.get(cache_key)
    if cached is None:
        base = Account.new(id=_key(0), code="1000", name="Base B.V.", type=AccountType.CUSTOMER,
                           address=Address(line1="Damrak 1", postcode="1012 LG",
                                           city="Amsterdam", country="NL"),
                           on=date(2026, 1, 1))
        cached = [attrs.evolve(base, id=_key(i), code=f"C{i:05d}", name=f"Account {i:05d} B.V.")
                  for i in range(count)]
        ctx.cache[cache_key] = cached
    return cached


def _round(snapshots: Sequence[Account], first_seq: int, per_account: int, rng: random.Random,
           *, saved_from: datetime, saved_to: datetime) -> list[Entry]:
    """One shuffled round of ``per_account`` changes per account, seq from ``first_seq``."""
    order = [i for i in range(len(snapshots)) for _ in range(per_account)]
    rng.shuffle(order)
    seqs = [first_seq - 1] * len(snapshots)
    keys = [_key(i) for i in range(len(snapshots))]
    step = (saved_to - saved_from) / len(order)
    entries = []
    for position, i in enumerate(order):
        seq = seqs[i] = seqs[i] + 1
        key = keys[i]
        change = Change(change_id=f"{key}-{seq}", account_key=key, seq=seq,
                        kind=ChangeKind.CREATE if seq == 1 else ChangeKind.UPDATE,
                        saved_at=saved_from + position * step, snapshot=snapshots[i])
        entries.append(Entry(change=change))
    return entries


def _queue(ctx: Context, accounts: int, per_account: int) -> list[Entry]:
    """Return the seeded queue of ``per_account`` changes for each of ``accounts``, cached."""
    cache_key = f"sync.queue.{accounts}.{per_account}"
    cached: list[Entry] | None = ctx.cache.get(cache_key)
    if cached is not None:
        return cached
    snapshots = _snapshots(ctx, accounts)
    seed = ctx.settings.seed
    if per_account <= PER_ACCOUNT:
        queue = _round(snapshots, 1, per_account, random.Random(seed), saved_from=SAVED_FROM,
                       saved_to=SAVED_TO)
    else:  # the smaller queue, then a second round of saves later the same day
        queue = _queue(ctx, accounts, PER_ACCOUNT)
        later = SAVED_TO + (SAVED_TO - SAVED_FROM) / 2
        queue = queue + _round(snapshots, PER_ACCOUNT + 1, per_account - PER_ACCOUNT,
                               random.Random(seed + PER_ACCOUNT + 1), saved_from=SAVED_TO,
                               saved_to=later)
    ctx.cache[cache_key] = queue
    return queue


def _no_links(account_keys: Collection[str]) -> Mapping[str, Link]:
    return {}


def _plan(entries: Sequence[Entry]) -> Plan:
    return plan(entries, _no_links, TenantState(), now=NOW, schedule=SCHEDULE,
                capabilities=CAPABILITIES)


def _check_plan(planned: Plan, accounts: int, per_account: int) -> None:
    """Make sure the plan coalesced every account into one create, all in this plan."""
    items = [item for batch in planned.batches for item in batch.items]
    problems = []
    if planned.lookups:
        problems.append(f"{len(planned.lookups)} lookups")
    if any(len(batch.items) > BATCH for batch in planned.batches):
        problems.append(f"a batch above {BATCH} items")
    if len(items) != accounts or len({item.account_key for item in items}) != accounts:
        problems.append(f"{len(items):,} items for {accounts:,} accounts")
    if any(item.operation is not PushOperation.CREATE for item in items):
        problems.append("an item that is not a create")
    if any(item.change.seq != per_account for item in items):
        problems.append("an item that is not its account's newest change")
    if planned.superseded != accounts * (per_account - 1):
        problems.append(f"superseded {planned.superseded:,}")
    record = planned.record
    coalesced = accounts if per_account > 1 else 0
    if len(record.superseded) != coalesced or len(record.entries) != coalesced or record.closed:
        problems.append(f"a record of {len(record.superseded)} supersedes, "
                        f"{len(record.entries)} entries and {len(record.closed)} closed")
    if problems:
        raise AssertionError("the plan is not what the benchmark expects: " + "; ".join(problems))


def _median_seconds(fn: Callable[[], object], rounds: int) -> float:
    """Run ``fn`` once to warm up, then ``rounds`` times; the median time, in seconds."""
    fn()
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
        del result
    return statistics.median(seconds)


@register("sync_plan")
def sync_plan(ctx: Context) -> list[Row]:
    """One `plan` over the whole queue against a time budget (1 s at 100,000 changes)."""
    accounts = _accounts(ctx)
    entries = _queue(ctx, accounts, PER_ACCOUNT)
    _check_plan(_plan(entries), accounts, PER_ACCOUNT)
    ours = _median_seconds(lambda: _plan(entries), PLAN_ROUNDS) * 1e3
    budget_ms = PLAN_BUDGET_S * 1e3 * accounts / ACCOUNTS
    label = (f"plan(), median of {PLAN_ROUNDS} calls ({len(entries):,} changes over "
             f"{accounts:,} accounts)")
    note = f"{len(entries) / ours * 1e3:,.0f} changes planned per second"
    return [Row(label, "ms", ours, f"{budget_ms / 1e3:g} s budget", budget_ms, 1.0, note)]


def _outcome(status: OutcomeStatus, n: int) -> PushOutcome:
    if status is _S.APPLIED:
        return PushOutcome.applied(f"R{n}", "1")
    if status is _S.DUPLICATE:
        return PushOutcome.duplicate(f"R{n}", "1")
    if status is _S.RETRYABLE:
        return PushOutcome.retryable(maybe_applied=True, message="The response was lost.")
    if status is _S.RATE_LIMITED:
        return PushOutcome.rate_limited(LimitScope.MINUTE, timedelta(seconds=30))
    if status is _S.CONFLICT:
        return PushOutcome.conflict("2", "The record changed since base_version.")
    return PushOutcome.rejected("validation", "The accounting system refused the record.")


@register("sync_settle")
def sync_settle(ctx: Context) -> list[Row]:
    """`settle` over every batch of a plan, seeded outcomes, against 5 µs per outcome."""
    accounts = _accounts(ctx)
    planned = _plan(_queue(ctx, accounts, 1))
    _check_plan(planned, accounts, 1)
    batches = planned.batches
    rng = random.Random(ctx.settings.seed)
    statuses = rng.choices([s for s, _ in MIX], weights=[w for _, w in MIX], k=accounts)
    outcomes = [_outcome(s, n) for n, s in enumerate(statuses, start=1)]
    per_batch = [outcomes[i: i + BATCH] for i in range(0, accounts, BATCH)]
    work = list(zip(batches, per_batch, strict=True))
    tenant = TenantState()
    draw = rng.random

    drawn = Counter(statuses)
    closed = entries = links = 0
    for batch, results in work:
        record = settle(batch, results, tenant, now=NOW, random=draw)
        closed, entries, links = (closed + len(record.closed), entries + len(record.entries),
                                  links + len(record.links))
    expected = (sum(drawn[s] for s in _CLOSES), accounts - sum(drawn[s] for s in _CLOSES),
                sum(drawn[s] for s in _LINKS))
    if (closed, entries, links) != expected:
        raise AssertionError(f"settle closed, kept and linked {(closed, entries, links)}, "
                             f"expected {expected}")

    def settle_all() -> int:
        now, settle_one, state = NOW, settle, tenant
        n = 0
        for batch, results in work:
            n += len(settle_one(batch, results, state, now=now, random=draw).closed)
        return n

    ours = _median_seconds(settle_all, SETTLE_ROUNDS) / accounts * 1e6
    label = (f"settle(), median of {SETTLE_ROUNDS} passes ({len(work):,} batches of {BATCH}, "
             f"{accounts:,} seeded outcomes)")
    note = f"{1e6 / ours:,.0f} outcomes settled per second"
    print(f"sync_settle: {note}")
    return [Row(label, "µs/outcome", ours, f"{SETTLE_BUDGET_US:g} µs budget",
                SETTLE_BUDGET_US, 1.0, note)]


def _plan_peak(entries: Sequence[Entry]) -> int:
    """Return the bytes traced at the peak of one `plan` call, its result still alive."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        planned = _plan(entries)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    del planned
    return peak


@register("sync_memory")
def sync_memory(ctx: Context) -> list[Row]:
    """Planning memory with twice the changes per account, against the same accounts."""
    accounts = _accounts(ctx)
    half = _queue(ctx, accounts, PER_ACCOUNT)
    full = _queue(ctx, accounts, MEMORY_PER_ACCOUNT)
    if full[: len(half)] != half:
        raise AssertionError("the larger queue does not start with the smaller one")
    for entries, per_account in ((half, PER_ACCOUNT), (full, MEMORY_PER_ACCOUNT)):
        _check_plan(_plan(entries), accounts, per_account)
    small, large = _plan_peak(half), _plan_peak(full)
    label = f"plan() peak memory ({len(full):,} changes over {accounts:,} accounts)"
    note = (f"{large / accounts:,.0f} B per account with {MEMORY_PER_ACCOUNT} changes each, "
            f"{small / accounts:,.0f} B with {PER_ACCOUNT}")
    print(f"sync_memory: {note}")
    return [
        Row(label, "MiB", large / MIB, f"{len(half):,} changes (same accounts, half the changes)",
            small / MIB, MEMORY_TARGET, note),
        Row(f"plan() peak memory per account ({len(full):,} changes)", "bytes/account",
            large / accounts, note=note),
    ]


@register("sync_drive")
def sync_drive(ctx: Context) -> list[Row]:
    """A whole `SyncDriver.run_due` against the in-memory system and outbox (information)."""
    accounts = _accounts(ctx)
    changes = [entry.change for entry in _queue(ctx, accounts, 1)]
    seconds = []
    for round_ in range(DRIVE_ROUNDS + 1):  # the first round warms up
        outbox = InMemoryOutbox()
        outbox.append(changes)
        system = InMemoryAccountingSystem(clock=lambda: NOW, capabilities=DRIVE_CAPABILITIES)
        driver = SyncDriver(system, outbox, schedule=SCHEDULE, clock=lambda: NOW,
                            random=random.Random(ctx.settings.seed).random)
        start = time.perf_counter()
        report = driver.run_due()
        elapsed = time.perf_counter() - start
        if round_:
            seconds.append(elapsed)
        if (outbox.pending() or report.applied != accounts or len(system.records) != accounts
                or report.calls != -(-accounts // BATCH)):
            raise AssertionError(f"the run did not apply every change: {report}")
        del driver, system, outbox, report
    ours = statistics.median(seconds) / accounts * 1e6
    label = (f"SyncDriver.run_due(), median of {DRIVE_ROUNDS} runs ({accounts:,} accounts, "
             f"one create each, in-memory system and outbox)")
    return [Row(label, "µs/account", ours, note=f"{1e6 / ours:,.0f} accounts per second")]
