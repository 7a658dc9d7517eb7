"""The drivers end to end, the port's error contract, and the exchanged values' own checks."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone

import attrs
import pytest
from _sync import T0, AsyncWrapper, Clock, account, change

from accountcore.errors import (
    AdapterError,
    NotFoundError,
    RateLimitedError,
    RemoteUnavailableError,
    ValidationError,
)
from accountcore.sync import (
    AccountingSystem,
    AsyncAccountingSystem,
    AsyncSyncDriver,
    Capabilities,
    Change,
    ChangeKind,
    CustomerClass,
    Disposition,
    EntryState,
    LimitScope,
    Lookup,
    Outbox,
    OutcomeStatus,
    Posting,
    PushItem,
    PushOperation,
    PushOutcome,
    RateLimit,
    RemoteAccount,
    Schedule,
    SyncDriver,
)
from accountcore.sync.engine import Resolution
from accountcore.sync.memory import InMemoryAccountingSystem, InMemoryOutbox

SCHEDULE = Schedule.every(timedelta(minutes=15), anchor=T0)


class Broken:
    """An adapter that fails every push the way it is told to."""

    def __init__(self, inner: InMemoryAccountingSystem, error: Exception | None = None) -> None:
        self.inner = inner
        self.error = error
        self.answer: Sequence[PushOutcome] | None = None

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities

    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        if self.error is not None:
            raise self.error
        if self.answer is not None:
            return self.answer
        return self.inner.push(items)

    def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return self.inner.fetch(external_ids)

    def find_by_account_keys(self, account_keys: Sequence[str]) -> Mapping[str, RemoteAccount]:
        if isinstance(self.error, RemoteUnavailableError):
            raise self.error
        return self.inner.find_by_account_keys(account_keys)


class World:
    """A clock, a remote system, an outbox and a driver."""

    def __init__(self, *, caps: Capabilities | None = None, error: Exception | None = None) -> None:
        self.clock = Clock(T0)
        self.remote = InMemoryAccountingSystem(
            clock=self.clock, **({"capabilities": caps} if caps else {})
        )
        self.system = Broken(self.remote, error)
        self.outbox = InMemoryOutbox()
        self.driver = SyncDriver(
            self.system, self.outbox, schedule=SCHEDULE, clock=self.clock, random=lambda: 0.5
        )

    def save(self, *changes: Change) -> None:
        self.outbox.append(changes)


class TestPorts:
    def test_reference_adapters_satisfy_the_protocols(self) -> None:
        """The in-memory adapters are an AccountingSystem and an Outbox."""
        world = World()
        system: AccountingSystem = world.remote
        outbox: Outbox = world.outbox
        assert isinstance(system, AccountingSystem) and isinstance(outbox, Outbox)
        assert isinstance(AsyncWrapper(world.remote), AsyncAccountingSystem)


class TestSyncDriver:
    def test_create_then_update(self) -> None:
        """A created account is updated in place, on the version it was created with."""
        world = World()
        world.save(change("a", 1, ChangeKind.CREATE))
        assert world.driver.push_now(["a"]).applied == 1
        world.save(change("a", 2, saved_at=world.clock()))
        world.clock.advance(minutes=15)
        report = world.driver.run_due()
        assert report.applied == 1 and report.calls == 1
        (record,) = world.remote.records_for("a")
        assert record.snapshot == account("a", 2) and record.version == "2"

    def test_many_saves_between_runs_make_one_push(self) -> None:
        """k saves of one account between two runs cost one item."""
        world = World()
        world.save(
            *(
                change("a", s, ChangeKind.CREATE if s == 1 else ChangeKind.UPDATE)
                for s in range(1, 6)
            )
        )
        world.clock.advance(minutes=15)
        report = world.driver.run_due()
        assert (report.pushed, report.superseded, report.applied) == (1, 4, 1)
        assert world.remote.records_for("a")[0].snapshot == account("a", 5)

    def test_generic_class_makes_no_call(self) -> None:
        """A generic-class customer's change closes locally."""
        world = World()
        generic = CustomerClass(code="POS", posting=Posting.GENERIC, generic_external_id="G")
        world.save(attrs.evolve(change("a", 1, ChangeKind.CREATE), customer_class=generic))
        report = world.driver.push_now(["a"])
        assert (report.calls, report.local) == (0, 1) and not world.remote.records

    def test_link_and_unlink(self) -> None:
        """Linking stamps our key on an existing record; unlinking removes it."""
        world = World()
        world.save(change("x", 1, ChangeKind.CREATE))
        world.driver.push_now(["x"])
        external = world.outbox.all_links()["x"].external_id
        assert external is not None
        world.save(change("a", 1, ChangeKind.LINK, external_id=external))
        world.driver.push_now(["a"])
        assert world.remote.find_by_account_keys(["a"])["a"].external_id == external
        world.save(change("a", 2, ChangeKind.UNLINK))
        world.driver.push_now(["a"])
        assert not world.remote.find_by_account_keys(["a"]) and "a" not in world.outbox.all_links()

    def test_stale_version_parks_until_resolved(self) -> None:
        """A remote edit makes our update a conflict; keeping ours writes it on top."""
        world = World()
        world.save(change("a", 1, ChangeKind.CREATE))
        world.driver.push_now(["a"])
        (record,) = world.remote.records_for("a")
        world.remote.edit_remotely(record.external_id, account("a", 99))
        world.save(change("a", 2))
        assert world.driver.push_now(["a"]).conflicts == 1
        (parked,) = world.outbox.pending()
        assert parked.state is EntryState.PARKED
        world.driver.resolve("a-2", Resolution.KEEP_LOCAL)
        assert world.driver.run_due().applied == 1
        assert world.remote.records_for("a")[0].snapshot == account("a", 2)

    def test_keep_remote_rebases_the_next_change(self) -> None:
        """
        Keeping theirs gives the change up. The next change would write over their version
        (it still carries our name): with no host accounts to merge it into, it is parked
        too, and keeping ours then writes it on their version.
        """
        world = World()
        world.save(change("a", 1, ChangeKind.CREATE))
        world.driver.push_now(["a"])
        world.remote.edit_remotely(world.remote.records_for("a")[0].external_id, account("a", 99))
        world.save(change("a", 2))
        world.driver.push_now(["a"])
        world.driver.resolve("a-2", Resolution.KEEP_REMOTE)
        assert world.outbox.all_links()["a"].lookup is Lookup.REBASE
        world.save(change("a", 3))
        assert world.driver.push_now(["a"]).applied == 0
        (parked,) = world.outbox.pending()
        assert parked.state is EntryState.PARKED
        assert parked.last_outcome is not None
        assert parked.last_outcome.code == "remote_edited"
        assert world.remote.records_for("a")[0].snapshot == account("a", 99)
        world.driver.resolve("a-3", Resolution.KEEP_LOCAL)
        assert world.driver.run_due().applied == 1
        assert world.remote.records_for("a")[0].snapshot == account("a", 3)

    def test_resolve_unknown_change(self) -> None:
        """Resolving a change that is not open is refused."""
        with pytest.raises(NotFoundError):
            World().driver.resolve("nope", Resolution.KEEP_LOCAL)

    def test_naive_now_is_refused(self) -> None:
        """A driver refuses a naive now."""
        with pytest.raises(ValidationError) as caught:
            World().driver.run_due(now=datetime(2026, 1, 1))
        assert caught.value.problems[0].code == "naive_datetime"

    def test_respects_advertised_limits(self) -> None:
        """With a limit of 2 calls a minute, the third batch waits for the window."""
        caps = Capabilities(
            max_batch=1, rate_limits=(RateLimit(calls=2, per=timedelta(minutes=1)),)
        )
        world = World(caps=caps)
        world.save(*(change(k, 1, ChangeKind.CREATE) for k in "abc"))
        report = world.driver.push_now(["a", "b", "c"])
        assert report.calls == 2 and report.wake_at == T0 + timedelta(minutes=1)
        world.clock.advance(minutes=1)
        assert world.driver.run_due().applied == 1 and world.remote.refused_calls == 0


class TestErrorContract:
    def test_unavailable_retries_later(self) -> None:
        """A whole-call failure leaves every item waiting, to verify if it may have landed."""
        world = World(error=RemoteUnavailableError("down", maybe_applied=True))
        world.save(change("a", 1, ChangeKind.CREATE))
        report = world.driver.push_now(["a"])
        (waiting,) = world.outbox.pending()
        assert report.retried == 1 and waiting.state is EntryState.WAITING
        assert waiting.lookup is Lookup.VERIFY

    def test_rate_limited_call_pauses_the_tenant(self) -> None:
        """A 429 for the whole call pauses the tenant and costs no attempt."""
        world = World(
            error=RateLimitedError("429", retry_after=timedelta(seconds=30), scope="minute")
        )
        world.save(change("a", 1, ChangeKind.CREATE))
        assert world.driver.push_now(["a"]).rate_limited == 1
        assert world.outbox.tenant().paused_until == T0 + timedelta(seconds=30)
        assert world.outbox.pending()[0].attempts == 0

    @pytest.mark.parametrize("error", [KeyError("x"), TypeError("y")])
    def test_foreign_exception_becomes_adapter_error(self, error: Exception) -> None:
        """An exception that is not a SyncError surfaces as AdapterError, after recording."""
        world = World(error=error)
        world.save(change("a", 1, ChangeKind.CREATE))
        with pytest.raises(AdapterError) as caught:
            world.driver.push_now(["a"])
        assert caught.value.__cause__ is error
        assert world.outbox.pending()[0].lookup is Lookup.VERIFY

    def test_wrong_number_of_outcomes(self) -> None:
        """An adapter that answers with the wrong count breaks the contract."""
        world = World()
        world.system.answer = []
        world.save(change("a", 1, ChangeKind.CREATE))
        with pytest.raises(AdapterError):
            world.driver.push_now(["a"])
        assert world.outbox.pending()[0].state is EntryState.WAITING


class TestAsyncDriver:
    def test_same_run_with_asyncio(self) -> None:
        """The asyncio driver applies the same way."""
        clock = Clock(T0)
        remote = InMemoryAccountingSystem(clock=clock)
        outbox = InMemoryOutbox()
        driver = AsyncSyncDriver(AsyncWrapper(remote), outbox, schedule=SCHEDULE, clock=clock)
        outbox.append([change("a", 1, ChangeKind.CREATE), change("b", 1, ChangeKind.CREATE)])
        report = asyncio.run(driver.push_now(["a", "b"]))
        assert report.applied == 2 and len(remote.records) == 2

    def test_run_forever_sleeps_until_due(self) -> None:
        """run_forever sleeps until the next due time, and stops when told."""
        clock = Clock(T0)
        slept: list[float] = []

        async def sleep(seconds: float) -> None:
            slept.append(seconds)
            clock.advance(seconds=seconds)

        outbox = InMemoryOutbox()
        remote = InMemoryAccountingSystem(clock=clock)
        driver = AsyncSyncDriver(
            AsyncWrapper(remote), outbox, schedule=SCHEDULE, clock=clock, sleep=sleep
        )
        outbox.append([change("a", 1, ChangeKind.CREATE, saved_at=T0 + timedelta(minutes=1))])
        asyncio.run(driver.run_forever(stop=lambda: len(slept) >= 2, idle=timedelta(hours=1)))
        assert slept[0] == 15 * 60 and len(remote.records) == 1


class TestSyncRunForever:
    def test_plain_driver_loop(self) -> None:
        """The plain driver's loop runs, sleeps at most `idle`, and stops."""
        world = World()
        naps: list[float] = []
        world.driver.sleep = lambda s: (naps.append(s), world.clock.advance(seconds=s))[0]
        world.save(change("a", 1, ChangeKind.CREATE, saved_at=T0 + timedelta(minutes=1)))
        world.driver.run_forever(stop=lambda: len(naps) >= 3, idle=timedelta(minutes=10))
        assert naps[0] == 600 and len(world.remote.records) == 1


class TestValues:
    @pytest.mark.parametrize(
        ("changes", "path", "code"),
        [
            ({"change_id": " "}, "change_id", "required"),
            ({"seq": -1}, "seq", "out_of_range"),
            ({"saved_at": datetime(2026, 1, 1)}, "saved_at", "naive_datetime"),
            ({"snapshot": None}, "snapshot", "snapshot_mismatch"),
            ({"account_key": "other"}, "snapshot", "snapshot_mismatch"),
            ({"external_id": "R1"}, "external_id", "required"),
        ],
    )
    def test_change_checks(self, changes: dict[str, object], path: str, code: str) -> None:
        """A malformed change names the field and the rule."""
        fields = attrs.asdict(change("a", 1), recurse=False) | changes
        with pytest.raises(ValidationError) as caught:
            Change(**fields)  # type: ignore[arg-type]
        assert (path, code) in {(p.path[0], p.code) for p in caught.value.problems}

    @pytest.mark.parametrize(
        ("fields", "path"),
        [
            ({"status": OutcomeStatus.APPLIED}, "external_id"),
            ({"status": OutcomeStatus.RATE_LIMITED}, "scope"),
            ({"status": OutcomeStatus.REJECTED}, "code"),
            (
                {"status": OutcomeStatus.APPLIED, "external_id": "R", "maybe_applied": True},
                "maybe_applied",
            ),
            (
                {
                    "status": OutcomeStatus.RATE_LIMITED,
                    "scope": LimitScope.DAY,
                    "retry_after": timedelta(-1),
                },
                "retry_after",
            ),
        ],
    )
    def test_outcome_checks(self, fields: dict[str, object], path: str) -> None:
        """An outcome missing what its status needs is refused."""
        with pytest.raises(ValidationError) as caught:
            PushOutcome(**fields)  # type: ignore[arg-type]
        assert caught.value.problems[0].path == (path,)

    def test_generic_class_needs_its_target(self) -> None:
        """A generic class names its shared record; an account class does not."""
        with pytest.raises(ValidationError):
            CustomerClass(code="G", posting=Posting.GENERIC)
        with pytest.raises(ValidationError):
            CustomerClass(code="A", generic_external_id="G")

    def test_closed_disposition_values(self) -> None:
        """The dispositions are the three ways out of the outbox."""
        assert {d.value for d in Disposition} == {"applied", "superseded", "dead_lettered"}

    def test_datetimes_cross_the_port_in_utc(self) -> None:
        """Remote records carry aware UTC datetimes even with a non-UTC clock."""
        tz = timezone(timedelta(hours=2))
        clock = Clock(T0.astimezone(tz))
        remote = InMemoryAccountingSystem(clock=clock)
        item = PushItem(
            operation=PushOperation.CREATE,
            change=change("a", 1, ChangeKind.CREATE),
            idempotency_key="a-1",
        )
        remote.push([item])
        assert remote.records_for("a")[0].modified_at.tzinfo is timezone.utc


class TestFirewall:
    def test_only_accounts_can_be_queued(self) -> None:
        """A change whose snapshot is not an Account is refused at run time too."""
        fields = attrs.asdict(change("a", 1), recurse=False) | {"snapshot": object()}
        with pytest.raises(ValidationError) as caught:
            Change(**fields)  # type: ignore[arg-type]
        assert caught.value.problems[0].code == "not_an_account"

    @pytest.mark.parametrize(
        ("fields", "path"),
        [
            ({"trade_terms_days": 400}, ("trade_terms_days",)),
            ({"trade_terms_days": -1}, ("trade_terms_days",)),
            ({"prefixes": ("INV", "INV")}, ("prefixes", 1)),
            ({"prefixes": ("INV", " ")}, ("prefixes", 1)),
        ],
    )
    def test_customer_class_checks(
        self, fields: dict[str, object], path: tuple[object, ...]
    ) -> None:
        """Trade terms stay within a year and prefixes are unique and not blank."""
        with pytest.raises(ValidationError) as caught:
            CustomerClass(code="A", **fields)  # type: ignore[arg-type]
        assert caught.value.problems[0].path == path
