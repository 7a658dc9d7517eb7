"""The seeded fault injector: every fault kind, reproducibility, and the pass-through switch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sync.test_sync_memory import START, Clock, create, limited, update

from accountcore import ValidationError
from accountcore.errors import (
    RateLimitedError,
    RemoteUnavailableError,
    UnsupportedOperationError,
)
from accountcore.sync import (
    AccountingSystem,
    Capabilities,
    LimitScope,
    OutcomeStatus,
    PushItem,
    PushOutcome,
    RateLimit,
)
from accountcore.sync.faults import (
    Fault,
    FaultEvent,
    FaultInjectingAccountingSystem,
    FaultProfile,
)
from accountcore.sync.memory import InMemoryAccountingSystem

MINUTE = timedelta(minutes=1)


def faulty(
    profile: FaultProfile, seed: int = 1, inner: InMemoryAccountingSystem | None = None
) -> FaultInjectingAccountingSystem:
    inner = inner or InMemoryAccountingSystem(clock=Clock(START))
    return FaultInjectingAccountingSystem(inner, seed=seed, profile=profile)


def event(fault: Fault, item: PushItem) -> FaultEvent:
    return FaultEvent(
        fault=fault, idempotency_key=item.idempotency_key, account_key=item.account_key
    )


def run(seed: int) -> tuple[list[FaultEvent], list[object], dict[str, str | None]]:
    """Push creates and updates of five accounts for twenty rounds under chaos."""
    clock = Clock(START)
    inner = InMemoryAccountingSystem(clock=clock)
    system = faulty(FaultProfile.chaos(), seed, inner)
    answers: list[object] = []
    for round_ in range(1, 21):
        items = []
        for key in ("a", "b", "c", "d", "e"):
            found = inner.records_for(key)
            current = found[0] if found else None
            items.append(
                update(key, round_, current.external_id, current.version)
                if current
                else create(key, round_)
            )
        try:
            answers.append(list(system.push(items)))
        except RemoteUnavailableError as error:
            answers.append(str(error))
        clock.advance(minutes=1)
    versions = {rid: record.version for rid, record in inner.records.items()}
    return system.trace, answers, versions


class TestFaultProfile:
    def test_none_injects_nothing_and_chaos_is_about_thirty_percent(self) -> None:
        """none() has every rate at zero; chaos() fails about 30% of items, half lost answers."""
        chaos = FaultProfile.chaos()
        assert FaultProfile.none() == FaultProfile()
        per_item = chaos.fail_before_apply + chaos.reject + chaos.lose_response
        assert per_item == pytest.approx(0.3)
        assert chaos.lose_response == pytest.approx(per_item / 2)

    def test_rates_outside_zero_to_one_are_refused(self) -> None:
        """Every rate outside [0, 1] is reported at once, with its field name."""
        with pytest.raises(ValidationError) as error:
            FaultProfile(lose_response=1.5, forget_key=-0.1)
        assert [p.path for p in error.value.problems] == [("lose_response",), ("forget_key",)]

    def test_item_faults_may_not_exceed_one(self) -> None:
        """fail_before_apply and reject share one draw, so together they stay within 1."""
        with pytest.raises(ValidationError):
            FaultProfile(fail_before_apply=0.7, reject=0.4)


class TestFaultInjector:
    def test_is_an_accounting_system_with_the_inner_capabilities(self) -> None:
        """The injector satisfies AccountingSystem and declares the inner capabilities."""
        inner = InMemoryAccountingSystem(clock=Clock(START))
        system: AccountingSystem = faulty(FaultProfile.chaos(), inner=inner)
        assert isinstance(system, AccountingSystem)
        assert system.capabilities is inner.capabilities

    def test_same_seed_gives_same_faults_and_outcomes(self) -> None:
        """Two runs with one seed inject the same faults and get the same answers."""
        first, second = run(7), run(7)
        assert first == second
        assert {e.fault for e in first[0]} >= {Fault.LOSE_RESPONSE, Fault.FAIL_BEFORE_APPLY}

    def test_other_seed_gives_other_faults(self) -> None:
        """A different seed draws a different trace."""
        assert run(7)[0] != run(8)[0]

    def test_batch_above_max_batch_raises_even_with_faults(self) -> None:
        """A batch above max_batch is refused by the inner system before any fault is drawn."""
        inner = InMemoryAccountingSystem(clock=Clock(START), capabilities=Capabilities(max_batch=1))
        system = faulty(FaultProfile(rate_limit=1.0), inner=inner)
        with pytest.raises(UnsupportedOperationError):
            system.push([create("a"), create("b")])
        assert system.trace == []

    def test_inactive_passes_straight_through(self) -> None:
        """With active off, every call reaches the inner system untouched and nothing is traced."""
        system = faulty(FaultProfile(fail_before_apply=1.0, rate_limit=1.0))
        system.active = False
        assert system.push([create("a")]) == [PushOutcome.applied("R1", "1")]
        assert list(system.fetch(["R1"])) == ["R1"]
        assert list(system.find_by_account_keys(["a"])) == ["a"]
        assert system.trace == []


class TestFaultKinds:
    def test_lost_response_lands_but_answers_retryable(self) -> None:
        """A lost response leaves the record written and reports maybe_applied."""
        system = faulty(FaultProfile(lose_response=1.0))
        item = create("a")
        [outcome] = system.push([item])
        assert (outcome.status, outcome.maybe_applied) == (OutcomeStatus.RETRYABLE, True)
        assert [r.account_key for r in system.inner.records.values()] == ["a"]
        assert system.trace == [event(Fault.LOSE_RESPONSE, item)]

    def test_fail_before_apply_writes_nothing_but_still_calls(self) -> None:
        """A failure before apply writes nothing; the empty inner call still counts."""
        inner = InMemoryAccountingSystem(
            clock=Clock(START), capabilities=limited(RateLimit(calls=1, per=MINUTE))
        )
        system = faulty(FaultProfile(fail_before_apply=1.0), inner=inner)
        outcome = system.push([create("a")])[0]
        assert (outcome.status, outcome.maybe_applied) == (OutcomeStatus.RETRYABLE, False)
        assert inner.records == {}
        with pytest.raises(RateLimitedError):
            inner.fetch([])

    def test_fail_before_apply_fails_reads(self) -> None:
        """Reads fail whole with a RemoteUnavailableError that did not apply."""
        system = faulty(FaultProfile(fail_before_apply=1.0))
        with pytest.raises(RemoteUnavailableError) as fetching:
            system.fetch(["R1"])
        with pytest.raises(RemoteUnavailableError) as finding:
            system.find_by_account_keys(["a"])
        assert not fetching.value.maybe_applied
        assert not finding.value.maybe_applied
        assert system.trace == [FaultEvent(fault=Fault.FAIL_BEFORE_APPLY)] * 2

    def test_reject_is_permanent_and_writes_nothing(self) -> None:
        """An injected rejection carries code rejected and never reaches the inner system."""
        system = faulty(FaultProfile(reject=1.0))
        item = create("a")
        assert system.push([item])[0].code == "rejected"
        assert system.inner.applied == []
        assert system.trace == [event(Fault.REJECT, item)]

    def test_rate_limit_refuses_the_whole_call_without_calling(self) -> None:
        """An injected rate limit answers every item and leaves the inner limits untouched."""
        inner = InMemoryAccountingSystem(
            clock=Clock(START), capabilities=limited(RateLimit(calls=1, per=MINUTE))
        )
        profile = FaultProfile(
            rate_limit=1.0, rate_limit_scopes=(LimitScope.HOUR,), retry_after=timedelta(seconds=9)
        )
        system = faulty(profile, inner=inner)
        refused = PushOutcome.rate_limited(LimitScope.HOUR, timedelta(seconds=9))
        assert system.push([create("a"), create("b")]) == [refused, refused]
        assert inner.push([create("a")]) == [PushOutcome.applied("R1", "1")]
        assert system.trace == [FaultEvent(fault=Fault.RATE_LIMIT)]

    @pytest.mark.parametrize("seed", range(8))
    def test_crash_mid_batch_applies_a_prefix_then_raises(self, seed: int) -> None:
        """A crash lands the first items of the batch, then fails the call as maybe applied."""
        system = faulty(FaultProfile(crash_mid_batch=1.0), seed=seed)
        items = [create(key) for key in "abcde"]
        with pytest.raises(RemoteUnavailableError) as error:
            system.push(items)
        assert error.value.maybe_applied
        assert system.inner.applied == items[: len(system.inner.applied)]
        assert len(system.inner.applied) < len(items)
        assert system.trace == [FaultEvent(fault=Fault.CRASH_MID_BATCH)]

    def test_remote_edit_moves_the_record_before_the_update(self) -> None:
        """A remote edit lands first, so the update meets a conflict at the new version."""
        system = faulty(FaultProfile(remote_edit=1.0))
        assert system.push([create("a")])[0].status is OutcomeStatus.APPLIED
        item = update("a", 2, "R1", "1")
        [outcome] = system.push([item])
        assert (outcome.status, outcome.version) == (OutcomeStatus.CONFLICT, "2")
        assert system.inner.records["R1"].snapshot.remarks == "edited remotely 1"
        assert system.trace == [event(Fault.REMOTE_EDIT, item)]

    def test_forgotten_key_turns_a_replay_into_a_new_create(self) -> None:
        """
        With the key forgotten, a replayed create is a new create: it meets its own record,
        which a later update changed, so its account key is taken.
        """
        system = faulty(FaultProfile(forget_key=1.0))
        item = create("a")
        system.push([item])
        system.push([update("a", 2, "R1", "1")])
        assert system.push([item])[0].code == "account_key_taken"
        assert event(Fault.FORGET_KEY, item) in system.trace

    def test_forgotten_key_replay_of_the_stored_snapshot_is_a_duplicate(self) -> None:
        """A replay the forgotten key does not catch is still known by its snapshot."""
        system = faulty(FaultProfile(forget_key=1.0))
        item = create("a")
        system.push([item])
        assert system.push([item]) == [PushOutcome.duplicate("R1", "1")]
        assert len(system.inner.records) == 1

    def test_outcomes_keep_item_order_when_some_are_held_back(self) -> None:
        """Items held back and items sent come back in the batch's order."""
        system = faulty(FaultProfile(reject=0.5), seed=3)
        items = [create(key) for key in "abcdefgh"]
        outcomes = system.push(items)
        rejected = {e.account_key for e in system.trace}
        assert 0 < len(rejected) < len(items)
        for item, outcome in zip(items, outcomes, strict=True):
            expected = (
                OutcomeStatus.REJECTED if item.account_key in rejected else OutcomeStatus.APPLIED
            )
            assert outcome.status is expected
