"""
Whole calls that fail: outages back the tenant off, refused credentials and wrong
configurations hold it until the host resumes it, an error budget keeps the key from being
blocked, and dead letters can be listed and re-driven (docs/sync.md#outages).

The failures pinned here: an expired token at 17:00 dead-lettered all 20 queued changes by
19:00 and nothing resumed after it was fixed; Exact Online blocks an API key after 10 client
errors an hour per endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import pytest
from _sync import T0, Clock, account, change

from accountcore.errors import (
    AuthenticationError,
    ConfigurationError,
    RemoteUnavailableError,
    SyncError,
    ValidationError,
)
from accountcore.sync import (
    Capabilities,
    ChangeKind,
    Closed,
    Disposition,
    EntryState,
    ErrorBudget,
    HoldReason,
    Lookup,
    OutcomeStatus,
    PushItem,
    PushOutcome,
    RemoteAccount,
    Schedule,
    SyncDriver,
    SyncEventKind,
)
from accountcore.sync.engine import outage_pause, redrive
from accountcore.sync.memory import InMemoryAccountingSystem, InMemoryOutbox

SCHEDULE = Schedule.every(timedelta(minutes=15), anchor=T0)


class Switchable:
    """
    The in-memory system behind a switch: while ``error`` is set every call raises it;
    with ``land`` the push is applied before it raises (the response was lost). ``reject``
    refuses every item; ``block_after`` blocks the key, as Exact Online does, once that many
    client errors fell within an hour.
    """

    def __init__(self, inner: InMemoryAccountingSystem, clock: Clock) -> None:
        self.inner = inner
        self.clock = clock
        self.error: SyncError | None = None
        self.land = False
        self.reject = False
        self.block_after: int | None = None
        self.client_errors: list[datetime] = []
        self.calls = 0

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities

    def _blocked(self) -> bool:
        hour_ago = self.clock() - timedelta(hours=1)
        recent = [at for at in self.client_errors if at > hour_ago]
        return self.block_after is not None and len(recent) >= self.block_after

    def push(self, items: Sequence[PushItem]) -> list[PushOutcome]:
        self.calls += 1
        if self._blocked():
            raise AuthenticationError("The API key is blocked for an hour.")
        if self.error is not None:
            if self.land:
                self.inner.push(items)
            raise self.error
        if self.reject:
            self.client_errors += [self.clock()] * len(items)
            return [PushOutcome.rejected("invalid_vat", "The VAT number is refused.")] * len(items)
        return self.inner.push(items)

    def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return self.inner.fetch(external_ids)

    def find_by_account_keys(self, account_keys: Sequence[str]) -> Mapping[str, RemoteAccount]:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.inner.find_by_account_keys(account_keys)


class World:
    def __init__(self, caps: Capabilities | None = None) -> None:
        self.clock = Clock(T0)
        self.remote = InMemoryAccountingSystem(
            clock=self.clock, capabilities=caps or Capabilities(max_batch=5)
        )
        self.system = Switchable(self.remote, self.clock)
        self.outbox = InMemoryOutbox()
        self.driver = SyncDriver(
            self.system, self.outbox, schedule=SCHEDULE, clock=self.clock, random=lambda: 0.5
        )

    def queue(self, count: int) -> list[str]:
        keys = [f"k{i:02}" for i in range(count)]
        self.outbox.append([change(key, 1, ChangeKind.CREATE) for key in keys])
        return keys

    def every_quarter_hour(self, hours: float) -> list[SyncEventKind]:
        kinds = []
        for _ in range(int(hours * 4)):
            self.clock.advance(minutes=15)
            kinds += [event.kind for event in self.driver.run_due().events]
        return kinds

    def dead(self) -> list[Closed]:
        return [c for c in self.outbox.closed if c.disposition is Disposition.DEAD_LETTERED]


class TestHold:
    @pytest.mark.parametrize(
        ("error", "reason"),
        [
            (AuthenticationError("The access token expired."), HoldReason.AUTHENTICATION),
            (ConfigurationError("Division 42 does not exist."), HoldReason.CONFIGURATION),
        ],
    )
    def test_an_expired_token_holds_the_tenant_until_resumed(
        self, error: SyncError, reason: HoldReason
    ) -> None:
        """
        The token expires at 17:00 with 20 changes queued: the first call holds the tenant,
        nothing more is sent and nothing is dead-lettered by 19:00; once the host fixed the
        token and resumed, all 20 go, each with the attempts it had.
        """
        world = World()
        keys = world.queue(20)
        world.system.error = error
        report = world.driver.push_now(keys)
        assert [e.kind for e in report.events] == [SyncEventKind.HELD]
        assert report.events[0].code == reason.value and report.wake_at is None
        held = world.outbox.tenant().held
        assert held is not None and held.reason is reason and str(error) in held.message
        calls = world.system.calls
        world.every_quarter_hour(2)
        assert world.system.calls == calls  # held: nothing is sent
        assert world.dead() == [] and len(world.outbox.pending()) == 20
        assert {e.attempts for e in world.outbox.pending()} == {0}
        world.system.error = None
        event = world.driver.resume()
        assert event is not None and event.kind is SyncEventKind.RESUMED
        assert world.outbox.tenant().held is None
        world.clock.advance(minutes=15)
        assert world.driver.run_due().applied == 20
        assert world.outbox.pending() == [] and len(world.remote.records) == 20

    def test_a_refused_lookup_holds_the_tenant_too(self) -> None:
        """An expired token met while reading a record back holds the tenant as well."""
        world = World()
        world.outbox.append([change("a", 1, ChangeKind.CREATE)])
        world.system.error = RemoteUnavailableError("timeout", maybe_applied=True)
        world.system.land = True
        world.driver.push_now(["a"])  # may have landed: it is read back before it goes again
        world.system.error = AuthenticationError("The access token expired.")
        world.clock.advance(hours=2)
        report = world.driver.run_due()
        assert [e.kind for e in report.events] == [SyncEventKind.HELD]
        world.system.error = None
        world.driver.resume()
        world.clock.advance(minutes=1)
        world.driver.run_due()
        assert len(world.remote.records) == 1 and world.outbox.pending() == []

    def test_resuming_a_tenant_that_is_not_held_does_nothing(self) -> None:
        """resume() on a running tenant changes nothing and says so."""
        world = World()
        assert world.driver.resume() is None
        assert world.outbox.tenant().held is None


class TestOutage:
    def test_an_outage_backs_the_tenant_off_and_spends_no_attempts(self) -> None:
        """
        Three hours of 503s with a run every quarter hour: the tenant backs off (fewer calls
        than runs), no change uses up an attempt or is dead-lettered, and all go once the
        system is back.
        """
        world = World()
        keys = world.queue(20)
        world.system.error = RemoteUnavailableError("503 Service Unavailable", maybe_applied=False)
        report = world.driver.push_now(keys)
        assert [e.kind for e in report.events] == [SyncEventKind.PAUSED]
        assert report.events[0].code == "unavailable" and report.retried == 5
        world.every_quarter_hour(3)
        assert world.system.calls < 12
        assert world.outbox.tenant().outages == world.system.calls
        assert world.dead() == []
        assert {e.attempts for e in world.outbox.pending()} == {0}
        world.system.error = None
        world.every_quarter_hour(2)
        assert world.outbox.pending() == [] and len(world.remote.records) == 20
        assert world.outbox.tenant().outages == 0

    def test_the_pause_grows_with_the_outages_in_a_row(self) -> None:
        """Equal jitter: at least half the doubling ceiling, at most the cap."""
        base, cap = timedelta(seconds=30), timedelta(hours=1)
        pauses = [outage_pause(n, 0.0, base=base, cap=cap) for n in range(1, 10)]
        assert pauses == sorted(pauses) and pauses[0] == base / 2
        assert outage_pause(40, 1.0, base=base, cap=cap) == cap

    def test_a_lost_response_is_read_back_before_it_goes_again(self) -> None:
        """The call applied and then failed: the change waits pinned, and is not created twice."""
        world = World()
        world.outbox.append([change("a", 1, ChangeKind.CREATE)])
        world.system.error = RemoteUnavailableError("timeout after sending", maybe_applied=True)
        world.system.land = True
        world.driver.push_now(["a"])
        (entry,) = world.outbox.pending()
        assert entry.state is EntryState.WAITING and entry.lookup is Lookup.VERIFY
        world.system.error = None
        world.every_quarter_hour(1)
        assert world.outbox.pending() == []
        (record,) = world.remote.records.values()
        assert record.snapshot == account("a", 1)


class TestErrorBudget:
    def test_the_engine_stays_below_the_error_budget(self) -> None:
        """
        Exact Online blocks the key after 10 client errors an hour: with that budget
        declared, a system that refuses every item sees at most 9 in any hour, is never
        blocked, and the engine says it paused.
        """
        budget = ErrorBudget(errors=10, per=timedelta(hours=1))
        world = World(Capabilities(max_batch=5, error_budget=budget))
        world.system.reject = True
        world.system.block_after = 10
        keys = world.queue(30)
        report = world.driver.push_now(keys)
        assert report.dead_lettered == 9
        assert SyncEventKind.PAUSED in [e.kind for e in report.events]
        paused = [e for e in report.events if e.code == "error_budget"]
        assert paused and paused[0].until == T0 + timedelta(hours=1)
        world.every_quarter_hour(3)
        assert world.outbox.tenant().held is None  # never blocked
        errors = sorted(world.system.client_errors)
        assert all(
            sum(at <= other < at + timedelta(hours=1) for other in errors) <= 9 for at in errors
        )
        assert len(world.dead()) == 30  # 9 an hour: at T0, T0+1h, T0+2h, and the last 3

    def test_without_a_budget_the_key_gets_blocked_and_the_tenant_held(self) -> None:
        """The same system without a declared budget blocks the key; the tenant is held."""
        world = World()
        world.system.reject = True
        world.system.block_after = 10
        world.queue(30)
        world.every_quarter_hour(1)
        held = world.outbox.tenant().held
        assert held is not None and held.reason is HoldReason.AUTHENTICATION

    def test_a_budget_allows_one_error_at_least(self) -> None:
        """An error budget of fewer than 2 errors, or of a wrong type, is refused by field."""
        with pytest.raises(ValidationError) as caught:
            ErrorBudget(errors=1, per=timedelta(0))
        assert {p.path for p in caught.value.problems} == {("errors",), ("per",)}
        with pytest.raises(ValidationError) as wrong:
            Capabilities(error_budget=10)  # type: ignore[arg-type]
        assert wrong.value.problems[0].path == ("error_budget",)


class TestRedrive:
    def test_dead_letters_are_listed_and_re_driven(self) -> None:
        """
        A rejected change is a dead letter that carries its change; once the cause is fixed
        the host re-drives it and it is applied; the dead letters are then empty.
        """
        world = World()
        world.system.reject = True
        world.outbox.append([change("a", 1, ChangeKind.CREATE)])
        report = world.driver.push_now(["a"])
        assert [e.kind for e in report.events] == [SyncEventKind.DEAD_LETTERED]
        (letter,) = world.outbox.dead_letters()
        assert letter.code == "invalid_vat" and letter.change is not None
        assert letter.change.snapshot == account("a", 1)
        world.system.reject = False
        events = world.driver.redrive(world.outbox.dead_letters())
        assert [(e.kind, e.change_id) for e in events] == [(SyncEventKind.REDRIVEN, "a-1")]
        assert world.outbox.dead_letters() == []
        assert world.driver.push_now(["a"]).applied == 1
        (record,) = world.remote.records.values()
        assert record.snapshot == account("a", 1)

    def test_a_dead_letter_behind_a_newer_change_is_left_alone(self) -> None:
        """A newer open change of the account carries a newer snapshot: no re-drive."""
        world = World()
        world.system.reject = True
        world.outbox.append([change("a", 1, ChangeKind.CREATE)])
        world.driver.push_now(["a"])
        world.outbox.append([change("a", 2, ChangeKind.CREATE)])
        assert world.driver.redrive(world.outbox.dead_letters()) == ()
        assert len(world.outbox.dead_letters()) == 1

    def test_a_dead_letter_older_than_an_applied_change_is_left_alone(self) -> None:
        """
        The account's newer change was applied since: re-driving the older one could write
        an older snapshot over it, so the outbox refuses it and nothing is opened.
        """
        world = World()
        world.system.reject = True
        world.outbox.append([change("a", 1, ChangeKind.CREATE)])
        world.driver.push_now(["a"])
        world.system.reject = False
        world.outbox.append([change("a", 2, ChangeKind.CREATE)])
        assert world.driver.push_now(["a"]).applied == 1
        assert world.driver.redrive(world.outbox.dead_letters()) == ()
        assert world.outbox.pending() == []
        (record,) = world.remote.records.values()
        assert record.snapshot == account("a", 2)

    def test_only_dead_letters_can_be_re_driven(self) -> None:
        """Anything else is refused, by its index, and nothing is opened."""
        applied = Closed(change_id="a-1", account_key="a", disposition=Disposition.APPLIED, at=T0)
        bare = Closed(
            change_id="b-1", account_key="b", disposition=Disposition.DEAD_LETTERED, at=T0
        )
        with pytest.raises(ValidationError) as caught:
            redrive([applied, bare, "x"], [], now=T0)  # type: ignore[list-item]
        assert [(p.path, p.code) for p in caught.value.problems] == [
            ((0,), "invalid_choice"),
            ((1, "change"), "required"),
            ((2,), "invalid_choice"),
        ]

    def test_every_dead_letter_event_names_its_change_and_code(self) -> None:
        """The run's events explain each dead letter as its Closed does."""
        world = World()
        world.system.reject = True
        keys = world.queue(3)
        report = world.driver.push_now(keys)
        dead = [(e.change_id, e.code) for e in report.events]
        assert dead == [(c.change_id, c.code) for c in world.dead()]
        assert all(
            o.status is OutcomeStatus.REJECTED for o in (c.outcome for c in world.dead()) if o
        )
