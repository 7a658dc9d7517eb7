"""The pure sync engine: backoff, the rate budget, planning and coalescing, settling, lookups."""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta, timezone

import attrs
import pytest
from _paths import ROOT
from _sync import T0, account, entry
from hypothesis import given
from hypothesis import strategies as st

from accountcore.errors import ValidationError
from accountcore.sync import (
    Capabilities,
    ChangeKind,
    ConflictRule,
    CustomerClass,
    Disposition,
    Entry,
    EntryState,
    LimitScope,
    Link,
    Lookup,
    Posting,
    PushItem,
    PushOperation,
    PushOutcome,
    RateLimit,
    RemoteAccount,
    Schedule,
    SyncPolicy,
    TenantState,
)
from accountcore.sync._policy import budget_frees_at, calls_available, charge
from accountcore.sync.engine import (
    Batch,
    Plan,
    Resolution,
    absorb,
    backoff,
    begin,
    expedite,
    plan,
    resolve_conflict,
    settle,
)

EVERY_10 = Schedule.every(timedelta(minutes=10), anchor=datetime(2026, 1, 1, tzinfo=timezone.utc))
CAPS = Capabilities(max_batch=2)
BASE, CAP = timedelta(seconds=30), timedelta(hours=1)
GENERIC = CustomerClass(code="POS", posting=Posting.GENERIC, generic_external_id="G1")
LATER = T0 + timedelta(minutes=10)  # a schedule run after T0


def links_of(known: Mapping[str, Link]):  # type: ignore[no-untyped-def]
    """Return a links reader over a fixed mapping."""

    def read(keys: Collection[str]) -> Mapping[str, Link]:
        return {k: known[k] for k in keys if k in known}

    return read


def plan_of(
    entries: list[Entry],
    *,
    now: datetime = LATER,
    known: Mapping[str, Link] | None = None,
    tenant: TenantState | None = None,
    caps: Capabilities = CAPS,
    policy: SyncPolicy | None = None,
) -> Plan:
    """Plan over a list of entries."""
    return plan(
        entries,
        links_of(known or {}),
        tenant or TenantState(),
        now=now,
        schedule=EVERY_10,
        capabilities=caps,
        policy=policy or SyncPolicy(),
    )


def items_of(planned: Plan) -> list[PushItem]:
    """Return every planned item, batch after batch."""
    return [item for batch in planned.batches for item in batch.items]


def linked(key: str, version: str = "1", lookup: Lookup | None = None) -> Link:
    """Return a link of ``key`` to record R-key."""
    return Link(account_key=key, external_id=f"R-{key}", version=version, lookup=lookup)


class TestBackoff:
    @pytest.mark.parametrize(
        ("attempt", "draw", "expected"),
        [
            (1, 0.5, timedelta(seconds=15)),
            (2, 0.5, timedelta(seconds=30)),
            (3, 0.5, timedelta(seconds=60)),
            (1, 0.0, timedelta(0)),
            (7, 0.5, timedelta(seconds=960)),
            (8, 0.5, timedelta(minutes=30)),  # 30 s * 2**7 > 1 h: capped
            (40, 0.25, timedelta(minutes=15)),
            (10_000, 0.5, timedelta(minutes=30)),
        ],
    )
    def test_full_jitter_table(self, attempt: int, draw: float, expected: timedelta) -> None:
        """The wait is draw x min(cap, base x 2**(attempt-1))."""
        assert backoff(attempt, draw, base=BASE, cap=CAP) == expected

    @given(st.integers(1, 200), st.floats(0, 1, exclude_max=True))
    def test_bounded_by_cap(self, attempt: int, draw: float) -> None:
        """No wait exceeds the cap, and none is negative."""
        assert timedelta(0) <= backoff(attempt, draw, base=BASE, cap=CAP) <= CAP

    @given(st.integers(1, 100), st.floats(0, 1, exclude_max=True))
    def test_grows_with_attempts(self, attempt: int, draw: float) -> None:
        """For the same draw, a later attempt never waits less."""
        now = backoff(attempt, draw, base=BASE, cap=CAP)
        assert backoff(attempt + 1, draw, base=BASE, cap=CAP) >= now


class TestBudget:
    LIMITS = (RateLimit(calls=2, per=timedelta(minutes=1)),)

    def test_no_limits_means_no_budget(self) -> None:
        """Without advertised limits the budget is unbounded."""
        assert calls_available(TenantState(), (), T0) is None

    def test_calls_in_window_count(self) -> None:
        """Calls inside the window use it up; the oldest frees a slot when it leaves."""
        tenant = charge(
            charge(TenantState(), self.LIMITS, T0), self.LIMITS, T0 + timedelta(seconds=10)
        )
        assert calls_available(tenant, self.LIMITS, T0 + timedelta(seconds=30)) == 0
        assert budget_frees_at(tenant, self.LIMITS, T0 + timedelta(seconds=30)) == T0 + timedelta(
            minutes=1
        )
        assert calls_available(tenant, self.LIMITS, T0 + timedelta(minutes=1)) == 1

    def test_a_pause_stops_everything(self) -> None:
        """A paused tenant has no calls until the pause ends."""
        tenant = TenantState(paused_until=T0 + timedelta(minutes=5))
        assert calls_available(tenant, (), T0) == 0
        assert budget_frees_at(tenant, (), T0) == T0 + timedelta(minutes=5)
        assert calls_available(tenant, (), T0 + timedelta(minutes=5)) is None

    def test_old_calls_are_dropped(self) -> None:
        """Charging forgets calls older than every window."""
        tenant = charge(TenantState(), self.LIMITS, T0)
        later = charge(tenant, self.LIMITS, T0 + timedelta(minutes=2))
        assert later.calls == (T0 + timedelta(minutes=2),)


class TestDue:
    def test_waits_for_the_schedule(self) -> None:
        """A never-sent change waits for the first schedule run after its save."""
        saved = T0 + timedelta(minutes=1)
        assert not items_of(plan_of([entry("a", 1, saved_at=saved)], now=T0 + timedelta(minutes=9)))
        planned = plan_of([entry("a", 1, saved_at=saved)], now=T0 + timedelta(minutes=9))
        assert planned.wake_at == T0 + timedelta(minutes=10)
        assert items_of(plan_of([entry("a", 1, saved_at=saved)], now=LATER))

    def test_pushed_now_is_due_at_once(self) -> None:
        """Push now makes a change due before the schedule."""
        entries = [entry("a", 1, saved_at=T0), entry("b", 1, saved_at=T0)]
        record = expedite(entries, ["a"], now=T0)
        pushed = [e for e in record.entries]
        assert [e.change.account_key for e in pushed] == ["a"]
        assert [i.account_key for i in items_of(plan_of([*pushed, entries[1]], now=T0))] == ["a"]

    def test_waiting_retry_is_due_after_its_backoff(self) -> None:
        """A waiting retry goes when its time comes, schedule or not."""
        waiting = entry("a", 1, state=EntryState.WAITING, attempts=1, not_before=T0)
        assert items_of(plan_of([waiting], now=T0))
        early = attrs.evolve(waiting, not_before=T0 + timedelta(seconds=5))
        assert not items_of(plan_of([early], now=T0))

    @pytest.mark.parametrize(
        ("zone", "saved", "not_yet", "due"),
        [
            # Amsterdam 2026-03-29: 02:00 does not exist; the run is at 03:00 CEST = 01:00 UTC.
            ("Europe/Amsterdam", "2026-03-28T22:00", "2026-03-29T00:59", "2026-03-29T01:00"),
            # Amsterdam 2026-10-25: 02:00 happens twice; the run is the first, 00:00 UTC.
            ("Europe/Amsterdam", "2026-10-24T22:00", "2026-10-24T23:59", "2026-10-25T00:00"),
            # New York 2026-03-08: 02:00 EST does not exist; 03:00 EDT = 07:00 UTC.
            ("America/New_York", "2026-03-08T05:00", "2026-03-08T06:59", "2026-03-08T07:00"),
            # New York 2026-11-01: first 02:00 is EDT... no: 02:00 happens once (01:00 repeats).
            ("America/New_York", "2026-11-01T05:00", "2026-11-01T06:59", "2026-11-01T07:00"),
        ],
    )
    def test_daily_run_across_daylight_saving(
        self, zone: str, saved: str, not_yet: str, due: str
    ) -> None:
        """A change saved before a daily 02:00 run goes at that run, on DST days too."""
        schedule = Schedule.daily("02:00", zone)

        def utc(text: str) -> datetime:
            return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)

        queued = [entry("a", 1, saved_at=utc(saved))]

        def planned(now: str) -> list[PushItem]:
            made = plan(
                queued,
                links_of({}),
                TenantState(),
                now=utc(now),
                schedule=schedule,
                capabilities=CAPS,
            )
            return items_of(made)

        assert not planned(not_yet)
        assert planned(due)


class TestCoalescing:
    def test_never_sent_changes_collapse_into_the_newest(self) -> None:
        """Three unsent changes of one account go out as one: the newest snapshot."""
        entries = [entry("a", 1, ChangeKind.CREATE), entry("a", 2), entry("a", 3)]
        planned = plan_of(entries)
        (item,) = items_of(planned)
        assert item.change.seq == 3 and item.operation is PushOperation.CREATE
        assert item.idempotency_key == "a-3" and planned.superseded == 2
        (supersede,) = planned.record.superseded
        assert (supersede.first_seq, supersede.last_seq, supersede.by) == (1, 3, "a-3")

    def test_a_sent_change_is_pinned(self) -> None:
        """A change already sent goes again verbatim; newer ones wait behind it."""
        head = entry("a", 1, ChangeKind.CREATE, state=EntryState.WAITING, attempts=2, not_before=T0)
        (item,) = items_of(plan_of([head, entry("a", 2), entry("a", 3)]))
        assert (item.change.seq, item.idempotency_key, item.attempt) == (1, "a-1", 3)

    def test_link_is_a_barrier(self) -> None:
        """Changes do not coalesce across a link."""
        entries = [entry("a", 1), entry("a", 2), entry("a", 3, ChangeKind.UNLINK), entry("a", 4)]
        planned = plan_of(entries, known={"a": linked("a")})
        (item,) = items_of(planned)
        assert item.change.seq == 2 and planned.superseded == 1

    def test_parked_conflict_holds_the_account(self) -> None:
        """Nothing of an account with a parked conflict goes out."""
        parked = entry("a", 1, state=EntryState.PARKED, attempts=1)
        assert not items_of(plan_of([parked, entry("a", 2), entry("b", 1)]))[1:]
        assert [i.account_key for i in items_of(plan_of([parked, entry("b", 1)]))] == ["b"]

    def test_one_item_per_account_in_batches(self) -> None:
        """Every account has at most one item; batches respect max_batch."""
        entries = [entry(k, s) for s in (1, 2) for k in "abcde"]
        planned = plan_of(entries)
        keys = [i.account_key for i in items_of(planned)]
        assert sorted(keys) == list("abcde")
        assert [len(b.items) for b in planned.batches] == [2, 2, 1]

    def test_update_of_a_linked_account_carries_its_base(self) -> None:
        """A create of a linked account goes out as an update on its version."""
        (item,) = items_of(
            plan_of([entry("a", 1, ChangeKind.CREATE)], known={"a": linked("a", "7")})
        )
        assert (item.operation, item.external_id, item.base_version) == (
            PushOperation.UPDATE,
            "R-a",
            "7",
        )

    def test_generic_class_settles_without_a_call(self) -> None:
        """A generic-class customer gets no remote record: its change closes locally."""
        planned = plan_of([entry("a", 1, ChangeKind.CREATE, customer_class=GENERIC)])
        assert not items_of(planned)
        (closed,) = planned.record.closed
        assert closed.local and closed.disposition is Disposition.APPLIED

    def test_unlink_of_nothing_settles_locally(self) -> None:
        """Unlinking an account without a link needs no call."""
        planned = plan_of([entry("a", 1, ChangeKind.UNLINK)])
        assert not items_of(planned) and planned.record.closed[0].local


class TestBudgetInPlans:
    def test_budget_limits_batches(self) -> None:
        """No more batches than the advertised limit allows right now."""
        caps = Capabilities(
            max_batch=1, rate_limits=(RateLimit(calls=2, per=timedelta(minutes=1)),)
        )
        planned = plan_of([entry(k, 1) for k in "abc"], caps=caps)
        assert len(planned.batches) == 2
        assert planned.wake_at == LATER  # budget frees at once: nothing has been spent

    def test_pause_stops_sending(self) -> None:
        """A rate-limit pause holds every batch and wakes at its end."""
        until = LATER + timedelta(minutes=3)
        planned = plan_of([entry("a", 1)], tenant=TenantState(paused_until=until))
        assert not planned.batches and planned.wake_at == until


class TestCrashRecovery:
    def test_unrecorded_attempt_is_verified(self) -> None:
        """An in-flight entry whose lease ended is looked up before it is sent again."""
        crashed = entry(
            "a", 1, ChangeKind.CREATE, state=EntryState.IN_FLIGHT, attempts=1, not_before=T0
        )
        planned = plan_of([crashed])
        assert not planned.batches and [e.change.seq for e in planned.lookups] == [1]

    def test_in_flight_within_lease_waits(self) -> None:
        """An in-flight entry inside its lease is left alone."""
        flying = entry(
            "a", 1, state=EntryState.IN_FLIGHT, attempts=1, not_before=LATER + timedelta(1)
        )
        planned = plan_of([flying])
        assert not planned.batches and not planned.lookups

    def test_out_of_attempts_dead_letters_and_marks_the_link(self) -> None:
        """A crashed last attempt is dead-lettered and the next change verifies first."""
        crashed = entry("a", 1, state=EntryState.IN_FLIGHT, attempts=8, not_before=T0)
        planned = plan_of([crashed, entry("a", 2)])
        (closed,) = planned.record.closed
        assert closed.code == "max_attempts" and closed.disposition is Disposition.DEAD_LETTERED
        assert planned.record.links[0].lookup is Lookup.VERIFY


def batch_of(*entries: Entry, known: Mapping[str, Link] | None = None) -> Batch:
    """Plan a batch over entries that are all due."""
    planned = plan_of(list(entries), known=known, caps=Capabilities(max_batch=50))
    (made,) = planned.batches
    return made


def draw() -> float:
    """A fixed jitter draw."""
    return 0.5


class TestSettle:
    def test_applied_closes_and_links(self) -> None:
        """An applied create closes the entry and links the account."""
        made = batch_of(entry("a", 1, ChangeKind.CREATE))
        record = settle(
            made, [PushOutcome.applied("R1", "1")], TenantState(), now=LATER, random=draw
        )
        assert record.closed[0].disposition is Disposition.APPLIED
        synced = made.items[0].change.snapshot
        assert record.links == (
            Link(account_key="a", external_id="R1", version="1", synced=synced),
        )

    def test_duplicate_counts_as_applied(self) -> None:
        """A replayed key is settled like the first result."""
        made = batch_of(entry("a", 1, ChangeKind.CREATE))
        record = settle(
            made, [PushOutcome.duplicate("R1", "1")], TenantState(), now=LATER, random=draw
        )
        assert record.closed[0].disposition is Disposition.APPLIED

    @pytest.mark.parametrize(("maybe", "lookup"), [(True, Lookup.VERIFY), (False, None)])
    def test_retryable_waits_with_backoff(self, maybe: bool, lookup: Lookup | None) -> None:
        """A transient failure waits a jittered backoff; a maybe-landed write verifies first."""
        made = batch_of(entry("a", 1, ChangeKind.CREATE))
        outcome = PushOutcome.retryable(maybe_applied=maybe)
        record = settle(made, [outcome], TenantState(), now=LATER, random=draw)
        (waiting,) = record.entries
        assert waiting.state is EntryState.WAITING and waiting.attempts == 1
        assert waiting.not_before == LATER + timedelta(seconds=15) and waiting.lookup is lookup

    def test_dead_letter_after_max_attempts(self) -> None:
        """The last allowed attempt failing dead-letters the change."""
        waiting = entry("a", 1, state=EntryState.WAITING, attempts=2, not_before=T0)
        made = batch_of(waiting)
        record = settle(
            made,
            [PushOutcome.retryable(maybe_applied=False)],
            TenantState(),
            now=LATER,
            random=draw,
            policy=SyncPolicy(max_attempts=3),
        )
        assert record.closed[0].code == "max_attempts" and not record.entries

    def test_rate_limited_is_not_an_attempt(self) -> None:
        """A rate limit pauses the tenant and keeps the attempt count."""
        made = batch_of(entry("a", 1))
        outcome = PushOutcome.rate_limited(LimitScope.MINUTE, timedelta(seconds=42))
        record = settle(made, [outcome], TenantState(), now=LATER, random=draw)
        (again,) = record.entries
        assert again.attempts == 0 and again.not_before == LATER + timedelta(seconds=42)
        assert record.tenant == TenantState(paused_until=LATER + timedelta(seconds=42))

    def test_day_limit_without_retry_after_waits_a_day(self) -> None:
        """A day limit with no Retry-After pauses for a day."""
        made = batch_of(entry("a", 1))
        record = settle(
            made, [PushOutcome.rate_limited(LimitScope.DAY)], TenantState(), now=LATER, random=draw
        )
        assert record.tenant is not None and record.tenant.paused_until == LATER + timedelta(days=1)

    def test_rejected_is_never_retried(self) -> None:
        """A rejection dead-letters at once, with its code."""
        made = batch_of(entry("a", 1))
        record = settle(
            made, [PushOutcome.rejected("invalid_vat")], TenantState(), now=LATER, random=draw
        )
        assert record.closed[0].code == "invalid_vat" and not record.entries

    def test_conflict_parks_by_default(self) -> None:
        """A stale version parks the change."""
        made = batch_of(entry("a", 1), known={"a": linked("a")})
        record = settle(made, [PushOutcome.conflict("9")], TenantState(), now=LATER, random=draw)
        assert record.entries[0].state is EntryState.PARKED

    def test_conflict_local_wins_rebases(self) -> None:
        """Under local-wins a conflict retries on the remote's version."""
        made = batch_of(entry("a", 1), known={"a": linked("a")})
        policy = SyncPolicy(on_conflict=ConflictRule.LOCAL_WINS)
        record = settle(
            made, [PushOutcome.conflict("9")], TenantState(), now=LATER, random=draw, policy=policy
        )
        assert record.entries[0].lookup is Lookup.REBASE

    def test_outcome_count_must_match(self) -> None:
        """Settling needs one outcome per item."""
        made = batch_of(entry("a", 1))
        with pytest.raises(ValidationError) as caught:
            settle(made, [], TenantState(), now=LATER, random=draw)
        assert caught.value.problems[0].code == "invalid_length"

    def test_begin_marks_in_flight_and_charges_a_call(self) -> None:
        """Beginning an attempt leases the entry and spends a call."""
        made = batch_of(entry("a", 1))
        limits = (RateLimit(calls=5, per=timedelta(minutes=1)),)
        record = begin(made, TenantState(), now=LATER, limits=limits)
        assert record.entries[0].state is EntryState.IN_FLIGHT
        assert record.entries[0].not_before == LATER + SyncPolicy().lease
        assert record.tenant == TenantState(calls=(LATER,))


def remote(
    key: str, version: int, *, external_id: str | None = None, rv: str = "2"
) -> RemoteAccount:
    """Return a remote record of ``key`` holding snapshot version ``version``."""
    return RemoteAccount(
        external_id=external_id or f"R-{key}",
        account_key=key,
        snapshot=account(key, version),
        version=rv,
        modified_at=T0,
    )


class TestAbsorb:
    def verify(self, seq: int, kind: ChangeKind = ChangeKind.UPDATE) -> Entry:
        return attrs.evolve(entry("a", seq, kind, state=EntryState.WAITING), lookup=Lookup.VERIFY)

    def test_landed_write_closes_as_applied(self) -> None:
        """A remote record equal to the change's snapshot means the write landed."""
        record = absorb([self.verify(3)], {"a": remote("a", 3)}, {"a": linked("a", "1")}, now=LATER)
        assert record.closed[0].disposition is Disposition.APPLIED
        assert record.links[0].version == "2"

    def test_unclear_create_adopts_the_found_record(self) -> None:
        """A record found for an unlinked account is adopted, not created again."""
        record = absorb([self.verify(1, ChangeKind.CREATE)], {"a": remote("a", 0)}, {}, now=LATER)
        assert record.entries[0].lookup is None and record.links[0].external_id == "R-a"

    def test_unclear_create_not_found_creates(self) -> None:
        """Nothing found: the create goes again."""
        record = absorb([self.verify(1, ChangeKind.CREATE)], {}, {}, now=LATER)
        assert record.entries[0].lookup is None and not record.links

    def test_unchanged_remote_means_not_landed(self) -> None:
        """The remote still at our base version: send the update again."""
        record = absorb(
            [self.verify(3)], {"a": remote("a", 2, rv="1")}, {"a": linked("a", "1")}, now=LATER
        )
        assert record.entries[0].state is EntryState.WAITING and record.entries[0].lookup is None

    def test_moved_remote_is_a_conflict(self) -> None:
        """The remote moved on and does not hold our snapshot: park it."""
        record = absorb(
            [self.verify(3)], {"a": remote("a", 2, rv="5")}, {"a": linked("a", "1")}, now=LATER
        )
        assert record.entries[0].state is EntryState.PARKED

    def test_missing_linked_record_parks(self) -> None:
        """A linked record that vanished parks the change with remote_missing."""
        record = absorb([self.verify(3)], {}, {"a": linked("a")}, now=LATER)
        (parked,) = record.entries
        assert parked.state is EntryState.PARKED and parked.last_outcome is not None
        assert parked.last_outcome.code == "remote_missing"

    def test_rebase_takes_the_remote_version(self) -> None:
        """A rebase adopts the remote's current version as the base."""
        rebasing = attrs.evolve(self.verify(3), lookup=Lookup.REBASE)
        record = absorb(
            [rebasing], {"a": remote("a", 2, rv="5")}, {"a": linked("a", "1")}, now=LATER
        )
        assert record.links[0].version == "5" and record.entries[0].lookup is None


class TestResolve:
    def test_keep_local_rebases(self) -> None:
        """Keeping ours sends it again on the remote's version."""
        parked = entry("a", 1, state=EntryState.PARKED, attempts=1)
        record = resolve_conflict(parked, Resolution.KEEP_LOCAL, linked("a"), now=LATER)
        assert record.entries[0].lookup is Lookup.REBASE and record.entries[0].not_before == LATER

    def test_keep_remote_dead_letters(self) -> None:
        """Keeping theirs gives the change up and rebases the next one."""
        parked = entry("a", 1, state=EntryState.PARKED, attempts=1)
        record = resolve_conflict(parked, Resolution.KEEP_REMOTE, linked("a"), now=LATER)
        assert record.closed[0].code == "conflict_kept_remote"
        assert record.links[0].lookup is Lookup.REBASE

    def test_only_parked_entries(self) -> None:
        """Resolving an entry that is not parked is refused."""
        with pytest.raises(ValidationError):
            resolve_conflict(entry("a", 1), Resolution.KEEP_LOCAL, None, now=LATER)


ENGINE_MODULES = ("_engine", "_settle", "_policy", "_model", "_ports", "_runner", "_schedule")
FORBIDDEN = {"socket", "time", "random", "asyncio", "threading", "ssl", "http", "urllib", "select"}


class TestPurity:
    @pytest.mark.parametrize("name", ENGINE_MODULES)
    def test_engine_modules_do_no_io(self, name: str) -> None:
        """The engine modules import no socket, clock, sleep or randomness."""
        path = ROOT / "src" / "accountcore" / "sync" / f"{name}.py"
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
        assert not imported & FORBIDDEN
        assert "sleep" not in path.read_text().replace("asleep", "")
