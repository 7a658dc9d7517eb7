"""The outbox conformance kit: the reference outbox passes it, and each deliberately broken
outbox fails the contract tests named for it and the state machine."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from accountcore.errors import Problem
from accountcore.sync import Change, Entry, EntryState, Outbox, Record, Supersede
from accountcore.sync.conformance._outbox import OutboxContract, make_outbox_machine
from accountcore.sync.memory import InMemoryOutbox

# The broken outboxes bend the reference's private helpers; the kit sees only the port.


class NotEmpty(InMemoryOutbox):
    """Starts with a change queued: a fixture that forgot to empty the table."""

    def __init__(self) -> None:
        super().__init__()
        self.append([OutboxContract().change("leftover")])


class PendingByAccount(InMemoryOutbox):
    """Lists pending entries by account key (``ORDER BY account_key``), not in append order."""

    def pending(self) -> list[Entry]:
        return sorted(super().pending(), key=lambda entry: entry.account_key)


class AcceptsRepeatedChangeId(InMemoryOutbox):
    """Has no unique constraint on the change id."""

    def _append_problems(self, changes: Sequence[Change]) -> list[Problem]:
        problems = super()._append_problems(changes)
        return [p for p in problems if p.code != "duplicate_change"]


class ForgetsClosedIds(InMemoryOutbox):
    """Checks change ids only against open entries: a closed id can come back."""

    def _append_problems(self, changes: Sequence[Change]) -> list[Problem]:
        saved, self._closed_ids = self._closed_ids, set()
        try:
            return super()._append_problems(changes)
        finally:
            self._closed_ids = saved


class SeqOnlyAgainstOpen(InMemoryOutbox):
    """Checks seq only against the account's open entries: closed ones are forgotten."""

    def _append_problems(self, changes: Sequence[Change]) -> list[Problem]:
        saved, self._last_seq = self._last_seq, self._open_seqs()
        try:
            return super()._append_problems(changes)
        finally:
            self._last_seq = saved

    def _check(self, record: Record) -> None:
        saved, self._last_seq = self._last_seq, self._open_seqs()
        try:
            super()._check(record)
        finally:
            self._last_seq = saved

    def _open_seqs(self) -> dict[str, int]:
        return {key: max(seqs) for key, seqs in self._by_account.items()}


class AppendsPartially(InMemoryOutbox):
    """Inserts change by change, without a transaction: a bad change keeps those before it."""

    def append(self, changes: Sequence[Change]) -> None:
        for change in changes:
            super().append([change])


class NotAtomicRecord(InMemoryOutbox):
    """Applies a record part by part, checking each part only when it comes to it: the
    entries and earlier closes are applied before a bad close is found."""

    def record(self, record: Record) -> None:
        super().record(Record(reopened=record.reopened))
        super().record(Record(entries=record.entries))
        for closed in record.closed:
            super().record(Record(closed=(closed,)))
        super().record(attrs.evolve(record, entries=(), closed=(), reopened=()))


class ReplaceMovesToEnd(InMemoryOutbox):
    """Replaces an entry by delete and insert: it moves to the end of pending()."""

    def record(self, record: Record) -> None:
        super().record(record)
        for entry in record.entries:
            if entry.change_id in self._open:
                self._open[entry.change_id] = self._open.pop(entry.change_id)


class KeepsDeadLettersOpen(InMemoryOutbox):
    """Closes only applied entries: a dead letter stays pending (and is never dead)."""

    def record(self, record: Record) -> None:
        kept = tuple(c for c in record.closed if c.change is None)
        super().record(attrs.evolve(record, closed=kept))


class SupersedesSentEntries(InMemoryOutbox):
    """Supersedes every entry in range, also those already sent."""

    def _supersede(self, supersede: Supersede) -> None:
        saved = dict(self._open)
        self._open = {i: attrs.evolve(e, state=EntryState.QUEUED) for i, e in saved.items()}
        try:
            super()._supersede(supersede)
        finally:
            self._open = {i: saved[i] for i in self._open}


class SupersedesLastSeq(InMemoryOutbox):
    """Takes the supersede range as inclusive: it closes the superseding entry too."""

    def _supersede(self, supersede: Supersede) -> None:
        super()._supersede(attrs.evolve(supersede, last_seq=supersede.last_seq + 1))


class ForgetsSynced(InMemoryOutbox):
    """Has no column for the synced snapshot."""

    def record(self, record: Record) -> None:
        links = tuple(attrs.evolve(link, synced=None) for link in record.links)
        super().record(attrs.evolve(record, links=links))


class MergesLinks(InMemoryOutbox):
    """Updates a link's non-null fields only: a replace keeps the old synced snapshot."""

    def record(self, record: Record) -> None:
        old = self.all_links()
        links = tuple(
            attrs.evolve(link, synced=old[link.account_key].synced)
            if link.synced is None and link.account_key in old
            else link
            for link in record.links
        )
        super().record(attrs.evolve(record, links=links))


class KeepsUnlinked(InMemoryOutbox):
    """Ignores unlinks."""

    def record(self, record: Record) -> None:
        super().record(attrs.evolve(record, unlinked=()))


class ForgetsTenantHoldAndErrors(InMemoryOutbox):
    """Stores the tenant without its 0.2 fields held and errors."""

    def record(self, record: Record) -> None:
        tenant = record.tenant and attrs.evolve(record.tenant, held=None, errors=())
        super().record(attrs.evolve(record, tenant=tenant))


class RedrivesOlderChanges(InMemoryOutbox):
    """Re-drives any dead letter, also one behind a newer change of its account."""

    def _check(self, record: Record) -> None:
        saved, self._last_seq = self._last_seq, {}
        try:
            super()._check(record)
        finally:
            self._last_seq = saved


class IgnoresRedrives(InMemoryOutbox):
    """Drops the reopened part of a record: a dead letter stays dead."""

    def record(self, record: Record) -> None:
        super().record(attrs.evolve(record, reopened=()))


#: Each broken outbox and the contract tests that must catch it.
TABLE: list[tuple[type[InMemoryOutbox], tuple[str, ...]]] = [
    (NotEmpty, ("test_is_an_empty_outbox",)),
    (PendingByAccount, ("test_pending_keeps_append_order",)),
    (
        AcceptsRepeatedChangeId,
        ("test_repeated_change_id_is_refused", "test_closed_change_id_is_refused"),
    ),
    (ForgetsClosedIds, ("test_closed_change_id_is_refused",)),
    (
        SeqOnlyAgainstOpen,
        ("test_seq_must_grow_per_account", "test_redrive_refused_unless_newest_dead_letter"),
    ),
    (
        AppendsPartially,
        ("test_failed_append_appends_nothing", "test_repeated_change_id_is_refused"),
    ),
    (
        NotAtomicRecord,
        ("test_refused_record_changes_nothing", "test_record_refuses_entries_that_are_not_open"),
    ),
    (ReplaceMovesToEnd, ("test_replaced_entry_keeps_its_place",)),
    (
        KeepsDeadLettersOpen,
        ("test_closed_entries_leave_pending", "test_redriven_dead_letter_comes_back_open"),
    ),
    (SupersedesSentEntries, ("test_supersede_closes_only_queued_entries_in_range",)),
    (SupersedesLastSeq, ("test_supersede_closes_only_queued_entries_in_range",)),
    (ForgetsSynced, ("test_link_reads_back_as_recorded",)),
    (MergesLinks, ("test_link_reads_back_as_recorded",)),
    (KeepsUnlinked, ("test_link_reads_back_as_recorded",)),
    (ForgetsTenantHoldAndErrors, ("test_tenant_reads_back_as_recorded",)),
    (RedrivesOlderChanges, ("test_redrive_refused_unless_newest_dead_letter",)),
    (
        IgnoresRedrives,
        ("test_redriven_dead_letter_comes_back_open", "test_refused_record_changes_nothing"),
    ),
]
CASES = [(variant, test) for variant, tests in TABLE for test in tests]
CONTRACT_TESTS = sorted(name for name in dir(OutboxContract) if name.startswith("test_"))


class TestInMemoryOutbox(OutboxContract):
    @pytest.fixture
    def outbox(self) -> Outbox:
        return InMemoryOutbox()


TestInMemoryOutboxMachine = make_outbox_machine(InMemoryOutbox).TestCase
# The profile's example count (200 under CI=true), as the adapter kit's own runs do.
TestInMemoryOutboxMachine.settings = settings(
    TestInMemoryOutboxMachine.settings, max_examples=settings().max_examples
)


class TestKit:
    def test_default_fixture_asks_to_be_overridden(self) -> None:
        """The kit's own outbox fixture says it must be overridden."""
        fixture = OutboxContract.outbox
        with pytest.raises(NotImplementedError, match="override the `outbox` fixture"):
            fixture.__wrapped__(OutboxContract())  # type: ignore[attr-defined]

    def test_machine_must_be_built_with_a_factory(self) -> None:
        """The bare machine says how to build it."""
        from accountcore.sync.conformance._outbox import OutboxStateMachine

        with pytest.raises(NotImplementedError, match="make_outbox_machine"):
            OutboxStateMachine()

    def test_machine_is_named_after_its_factory(self) -> None:
        assert make_outbox_machine(InMemoryOutbox).__name__ == "InMemoryOutboxStateMachine"


class TestBrokenOutboxes:
    @pytest.mark.parametrize(
        ("variant", "test"), CASES, ids=[f"{v.__name__}-{t[5:]}" for v, t in CASES]
    )
    def test_named_contract_test_fails(self, variant: type[InMemoryOutbox], test: str) -> None:
        """The named contract test fails on the broken outbox and passes on the reference."""
        with pytest.raises(AssertionError):
            getattr(OutboxContract(), test)(variant())
        getattr(OutboxContract(), test)(InMemoryOutbox())

    def test_every_contract_test_catches_a_broken_outbox(self) -> None:
        """The table names every contract test at least once, and only contract tests."""
        assert sorted({test for _, test in CASES}) == CONTRACT_TESTS

    def test_broken_outboxes_are_outboxes(self) -> None:
        """Every broken outbox still satisfies the protocol: the kit finds what is wrong."""
        assert all(isinstance(variant(), Outbox) for variant, _ in TABLE)


QUICK = settings(
    max_examples=200,
    stateful_step_count=10,
    phases=[Phase.explicit, Phase.generate],
    derandomize=True,
    database=None,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
)


class TestStateMachineOnBrokenOutboxes:
    @pytest.mark.parametrize(
        "variant",
        [variant for variant, _ in TABLE if variant is not NotEmpty],
        ids=lambda v: v.__name__,
    )
    def test_machine_finds_the_break(self, variant: type[InMemoryOutbox]) -> None:
        """The state machine disagrees with the reference on a broken outbox."""
        with pytest.raises(AssertionError):
            run_state_machine_as_test(make_outbox_machine(variant), settings=QUICK)

    def test_machine_finds_a_leftover_entry(self) -> None:
        with pytest.raises(AssertionError):
            run_state_machine_as_test(make_outbox_machine(NotEmpty), settings=QUICK)


class TestInMemoryOutboxPrefixedKeys(OutboxContract):
    """The contract with account keys (and so change ids) prefixed, as for a shared database."""

    def account_key(self, name: str) -> str:
        return f"run7-{name}"

    @pytest.fixture
    def outbox(self) -> Outbox:
        return InMemoryOutbox()
