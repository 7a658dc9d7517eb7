"""
A create that meets its account key already taken: the engine reads that record and adopts
it, instead of dead-lettering the change (docs/rules.md#non-empty-systems).

The failures these tests pin came from real systems: a first connection to a system that
already holds the customers; an outbox rebuilt with new change ids; and a create delivered
twice (an HTTP client retrying after a timeout) to a system without idempotency keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

import attrs
from _sync import T0, Clock, account, change

from accountcore.sync import (
    Capabilities,
    Change,
    ChangeKind,
    Disposition,
    OutcomeStatus,
    PushItem,
    PushOperation,
    PushOutcome,
    RemoteAccount,
    Schedule,
    SyncDriver,
    SyncPolicy,
)
from accountcore.sync.memory import InMemoryAccountingSystem, InMemoryOutbox

SCHEDULE = Schedule.every(timedelta(minutes=15), anchor=T0)
NO_KEYS = Capabilities(max_batch=10)  # no idempotency keys: replays are not recognised by key


class KeyTaken:
    """
    A system that recognises no replay: a create on a taken key is always refused with
    ``account_key_taken``, as an adapter that checks keys itself may answer (the contract
    allows it without idempotency keys). ``hide`` hides records from lookups.
    """

    def __init__(self, inner: InMemoryAccountingSystem) -> None:
        self.inner = inner
        self.hide = False

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities

    def push(self, items: Sequence[PushItem]) -> list[PushOutcome]:
        outcomes = []
        for item in items:
            taken = item.operation is PushOperation.CREATE and self.inner.records_for(
                item.account_key
            )
            outcomes += (
                [PushOutcome.rejected("account_key_taken", "Another customer has this key.")]
                if taken
                else self.inner.push([item])
            )
        return outcomes

    def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return self.inner.fetch(external_ids)

    def find_by_account_keys(self, account_keys: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return {} if self.hide else self.inner.find_by_account_keys(account_keys)


class World:
    def __init__(self, *, wrap: bool = False, caps: Capabilities = NO_KEYS) -> None:
        self.clock = Clock(T0)
        self.remote = InMemoryAccountingSystem(clock=self.clock, capabilities=caps)
        self.taken = KeyTaken(self.remote)
        self.outbox = InMemoryOutbox()
        self.driver = SyncDriver(
            self.taken if wrap else self.remote,
            self.outbox,
            schedule=SCHEDULE,
            clock=self.clock,
            random=lambda: 0.5,
            policy=SyncPolicy(max_attempts=3),
        )

    def existing(self, key: str, version: int) -> str:
        """Put a record carrying ``key`` in the remote system, as an earlier installation did."""
        item = PushItem(
            operation=PushOperation.CREATE,
            change=attrs.evolve(change(key, version, ChangeKind.CREATE), change_id=f"old-{key}"),
            idempotency_key=f"old-{key}",
        )
        [outcome] = self.remote.push([item])
        assert outcome.status is OutcomeStatus.APPLIED and outcome.external_id is not None
        return outcome.external_id

    def save(self, *changes: Change) -> None:
        self.outbox.append(changes)

    def dead_letters(self) -> list[str | None]:
        return [c.code for c in self.outbox.closed if c.disposition is Disposition.DEAD_LETTERED]


class TestFirstConnection:
    def test_a_remote_record_with_our_key_is_adopted_and_updated(self) -> None:
        """
        The system already holds the customer (another snapshot): the create is refused as
        account_key_taken, the engine reads the record, links it and sends the change as an
        update of it. One record, no dead letter.
        """
        for wrap in (False, True):
            world = World(wrap=wrap)
            held = world.existing("a", 1)
            world.save(change("a", 2, ChangeKind.CREATE))
            report = world.driver.push_now(["a"])
            assert (report.applied, report.dead_lettered) == (1, 0)
            assert world.dead_letters() == []
            (record,) = world.remote.records_for("a")
            assert (record.external_id, record.snapshot) == (held, account("a", 2))
            assert world.outbox.all_links()["a"].external_id == held
            assert world.outbox.pending() == []

    def test_every_queued_account_is_adopted_not_dead_lettered(self) -> None:
        """A first connection to a system holding twenty of our customers adopts all twenty."""
        world = World(wrap=True)
        keys = [f"k{i}" for i in range(20)]
        held = {key: world.existing(key, 1) for key in keys}
        world.save(*(change(key, 2, ChangeKind.CREATE) for key in keys))
        world.driver.push_now(keys)
        assert world.dead_letters() == []
        links = world.outbox.all_links()
        assert {key: links[key].external_id for key in keys} == held
        assert len(world.remote.records) == 20

    def test_a_rebuilt_outbox_with_new_change_ids_closes_as_applied(self) -> None:
        """
        The outbox was rebuilt: the same snapshot comes again under a new change id. The
        record already holds it, so the change closes as applied and the account is linked;
        nothing is written twice.
        """
        for wrap in (False, True):
            world = World(wrap=wrap)
            held = world.existing("a", 1)
            written = len(world.remote.applied)
            world.save(change("a", 1, ChangeKind.CREATE))
            report = world.driver.push_now(["a"])
            assert (report.applied, report.dead_lettered) == (1, 0)
            assert len(world.remote.applied) == written
            assert world.outbox.all_links()["a"].external_id == held

    def test_later_changes_follow_the_adopted_record(self) -> None:
        """After adoption the account's next change is an update of the same record."""
        world = World(wrap=True)
        held = world.existing("a", 1)
        world.save(change("a", 2, ChangeKind.CREATE))
        world.driver.push_now(["a"])
        world.save(change("a", 3, saved_at=world.clock()))
        world.clock.advance(minutes=15)
        assert world.driver.run_due().applied == 1
        (record,) = world.remote.records_for("a")
        assert (record.external_id, record.snapshot) == (held, account("a", 3))

    def test_a_key_taken_by_a_record_that_cannot_be_found_dead_letters_in_the_end(
        self,
    ) -> None:
        """
        When the record holding the key cannot be read, the change is tried again within
        its attempts, then dead-lettered as account_key_taken: never a loop.
        """
        world = World(wrap=True)
        world.existing("a", 1)
        world.taken.hide = True
        world.save(change("a", 2, ChangeKind.CREATE))
        for _ in range(10):
            world.driver.push_now(["a"])
            world.clock.advance(hours=1)
        assert world.dead_letters() == ["account_key_taken"]
        assert world.outbox.pending() == []
        assert len(world.remote.records) == 1


class TestReplayedCreate:
    def test_a_create_delivered_twice_does_not_stick_the_account(self) -> None:
        """
        A create delivered twice to a system without idempotency keys (the response was
        lost, the client retried): the second delivery is a duplicate of the first record,
        and every later change of the account goes through.
        """

        class LostFirstResponse:
            def __init__(self, inner: InMemoryAccountingSystem) -> None:
                self.inner = inner
                self.lost = True

            @property
            def capabilities(self) -> Capabilities:
                return self.inner.capabilities

            def push(self, items: Sequence[PushItem]) -> list[PushOutcome]:
                outcomes = self.inner.push(items)
                if self.lost:
                    self.lost = False
                    return [PushOutcome.retryable(maybe_applied=True, code="timeout")] * len(items)
                return outcomes

            def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
                return self.inner.fetch(external_ids)

            def find_by_account_keys(
                self, account_keys: Sequence[str]
            ) -> Mapping[str, RemoteAccount]:
                return {}  # the lookup misses it (an index not yet updated), so it is resent

        clock = Clock(T0)
        remote = InMemoryAccountingSystem(clock=clock, capabilities=NO_KEYS)
        outbox = InMemoryOutbox()
        driver = SyncDriver(
            LostFirstResponse(remote), outbox, schedule=SCHEDULE, clock=clock, random=lambda: 0.5
        )
        outbox.append([change("a", 1, ChangeKind.CREATE)])
        for _ in range(3):
            driver.push_now(["a"])
            clock.advance(minutes=5)
        assert [c.disposition for c in outbox.closed] == [Disposition.APPLIED]
        outbox.append([change("a", 2, saved_at=clock())])
        for seq in (3, 4):
            driver.push_now(["a"])
            outbox.append([change("a", seq, saved_at=clock())])
        driver.push_now(["a"])
        assert all(c.disposition is Disposition.APPLIED for c in outbox.closed)
        (record,) = remote.records_for("a")
        assert record.snapshot == account("a", 4)
