"""The conformance kit catches broken adapters: each one fails a named contract test that the
reference adapter, declaring the same capabilities, passes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

import attrs
import pytest
from _sync import AsyncWrapper, Clock
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from accountcore import Account
from accountcore.sync import (
    AccountingSystem,
    Capabilities,
    ChangePage,
    OutcomeStatus,
    PushItem,
    PushOperation,
    PushOutcome,
    RemoteAccount,
    RemoteChanges,
)
from accountcore.sync.conformance import (
    AccountingSystemContract,
    AsyncAccountingSystemContract,
    make_state_machine,
)
from accountcore.sync.memory import InMemoryAccountingSystem

DEFAULT = InMemoryAccountingSystem(clock=Clock()).capabilities
UNCONDITIONAL = attrs.evolve(DEFAULT, conditional_update=False)
NOT_FOUND = PushOutcome.rejected("not_found", "No such record.")


class AsyncReader(AsyncWrapper):
    """The async wrapper, with the plain system's read of changes behind a coroutine."""

    async def changes_since(self, cursor: str | None) -> ChangePage:
        assert isinstance(self.inner, RemoteChanges), "the plain system reads no changes"
        return self.inner.changes_since(cursor)


class Wrapper:
    """Declare ``capabilities`` and delegate to an in-memory system that may behave otherwise."""

    declared: Capabilities = DEFAULT

    def __init__(self, inner: InMemoryAccountingSystem | None = None) -> None:
        self.inner = inner or InMemoryAccountingSystem(clock=Clock())

    @property
    def capabilities(self) -> Capabilities:
        return self.declared

    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        return self.inner.push(items)

    def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return self.inner.fetch(external_ids)

    def find_by_account_keys(self, account_keys: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return self.inner.find_by_account_keys(account_keys)

    def changes_since(self, cursor: str | None) -> ChangePage:
        return self.inner.changes_since(cursor)


class OneOutcomeShort(Wrapper):
    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        return list(self.inner.push(items))[:-1]


class ReversedOutcomes(Wrapper):
    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        return list(reversed(self.inner.push(items)))


class CreateWithoutVersion(Wrapper):
    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        outcomes = self.inner.push(items)
        return [
            attrs.evolve(o, version=None) if i.operation is PushOperation.CREATE else o
            for i, o in zip(items, outcomes, strict=True)
        ]


class CreateWithBogusId(Wrapper):
    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        outcomes = self.inner.push(items)
        return [
            attrs.evolve(o, external_id=f"bogus-{o.external_id}")
            if i.operation is PushOperation.CREATE and o.status is OutcomeStatus.APPLIED
            else o
            for i, o in zip(items, outcomes, strict=True)
        ]


class IgnoresIdempotencyKeys(Wrapper):
    def __init__(self) -> None:
        plain = attrs.evolve(DEFAULT, idempotency_keys=False)
        super().__init__(
            InMemoryAccountingSystem(clock=Clock(), capabilities=plain, unique_account_keys=False)
        )


class IgnoresBaseVersion(Wrapper):
    def __init__(self) -> None:
        super().__init__(InMemoryAccountingSystem(clock=Clock(), capabilities=UNCONDITIONAL))


class KeepsVersionOnUpdate(Wrapper):
    declared = UNCONDITIONAL

    def __init__(self) -> None:
        super().__init__(InMemoryAccountingSystem(clock=Clock(), capabilities=UNCONDITIONAL))

    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        return [attrs.evolve(o, version=o.version and "1") for o in self.inner.push(items)]

    def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return {i: attrs.evolve(r, version="1") for i, r in self.inner.fetch(external_ids).items()}


class FindsNothing(Wrapper):
    def find_by_account_keys(self, account_keys: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return {}


class FetchInventsRecords(Wrapper):
    def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
        known = self.inner.fetch(external_ids)
        first = next(iter(self.inner.records.values()), None)
        if first is None:
            return known
        return {i: known.get(i, attrs.evolve(first, external_id=i)) for i in external_ids}


class FailsWholeBatch(Wrapper):
    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        outcomes = self.inner.push(items)
        failed = next((o for o in outcomes if o.status is OutcomeStatus.REJECTED), None)
        return [failed] * len(outcomes) if failed else outcomes


class WrongNotFoundCode(Wrapper):
    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        return [
            PushOutcome.rejected("missing") if o.code == "not_found" else o
            for o in self.inner.push(items)
        ]


class RaisesKeyErrorOnUnknownId(Wrapper):
    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        for item in items:
            if item.operation is not PushOperation.CREATE:
                self.inner.records[item.external_id or ""]  # the bug: KeyError on an unknown id
        return self.inner.push(items)


class RaisesValueErrorOnMalformedInput(Wrapper):
    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        if not items:
            raise ValueError("empty batch")
        if any(i.operation is not PushOperation.CREATE and not i.external_id for i in items):
            raise ValueError("no external id")
        return self.inner.push(items)


class RetimedRecords(Wrapper):
    """Read records back with modified_at moved into another zone (or made naive)."""

    retime: Callable[[RemoteAccount], RemoteAccount] = staticmethod(lambda r: r)

    def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return {i: self.retime(r) for i, r in self.inner.fetch(external_ids).items()}

    def find_by_account_keys(self, account_keys: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return {k: self.retime(r) for k, r in self.inner.find_by_account_keys(account_keys).items()}

    def changes_since(self, cursor: str | None) -> ChangePage:
        page = self.inner.changes_since(cursor)
        return attrs.evolve(page, records=tuple(self.retime(r) for r in page.records))


class NaiveDatetimes(RetimedRecords):
    retime = staticmethod(lambda r: attrs.evolve(r, modified_at=r.modified_at.replace(tzinfo=None)))


class PlusTwoDatetimes(RetimedRecords):
    retime = staticmethod(
        lambda r: attrs.evolve(
            r, modified_at=r.modified_at.astimezone(timezone(timedelta(hours=2)))
        )
    )


class LondonDatetimes(RetimedRecords):
    """Offset zero in January, yet not UTC: the summer would show it."""

    retime = staticmethod(
        lambda r: attrs.evolve(r, modified_at=r.modified_at.astimezone(ZoneInfo("Europe/London")))
    )


class AcceptsOversizeBatches(Wrapper):
    declared = attrs.evolve(DEFAULT, max_batch=3)


class LinkDoesNotMoveKey(Wrapper):
    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        return [self._one(item) for item in items]

    def _one(self, item: PushItem) -> PushOutcome:
        record = self.inner.records.get(item.external_id or "")
        if item.operation is PushOperation.LINK and record is not None:
            return PushOutcome.applied(record.external_id, record.version)
        return self.inner.push([item])[0]


class UnlinkKeepsKey(LinkDoesNotMoveKey):
    def _one(self, item: PushItem) -> PushOutcome:
        record = self.inner.records.get(item.external_id or "")
        if item.operation is PushOperation.UNLINK and record is not None:
            return PushOutcome.applied(record.external_id, record.version)
        return self.inner.push([item])[0]


def without_remarks(snapshot: Account) -> Account:
    return attrs.evolve(snapshot, remarks=None)


class DropsRemarks(Wrapper):
    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        return self.inner.push([self._lossy(item) for item in items])

    def _lossy(self, item: PushItem) -> PushItem:
        snapshot = item.change.snapshot
        if snapshot is None:
            return item
        return attrs.evolve(
            item, change=attrs.evolve(item.change, snapshot=without_remarks(snapshot))
        )


class DropsLastOfEachPage(Wrapper):
    """Lose the last record of every page of changes: the cursor still moves past it."""

    def __init__(self) -> None:
        super().__init__(InMemoryAccountingSystem(clock=Clock(), page_size=3))

    def changes_since(self, cursor: str | None) -> ChangePage:
        page = self.inner.changes_since(cursor)
        return attrs.evolve(page, records=page.records[:-1])


class ListsFirstSeenSnapshots(Wrapper):
    """List each record as it was when first listed: a stale cache of the read."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, RemoteAccount] = {}

    def changes_since(self, cursor: str | None) -> ChangePage:
        page = self.inner.changes_since(cursor)
        records = tuple(self.seen.setdefault(r.external_id, r) for r in page.records)
        return attrs.evolve(page, records=records)


class ListsKeyedRecordsOnly(Wrapper):
    """Leave out the records that carry no account key (unlinked, or the key moved off)."""

    def changes_since(self, cursor: str | None) -> ChangePage:
        page = self.inner.changes_since(cursor)
        records = tuple(r for r in page.records if r.account_key is not None)
        return attrs.evolve(page, records=records)


class EndlessEmptyPages(Wrapper):
    """Answer an empty page with more=True, on the cursor it was given: it never ends."""

    def changes_since(self, cursor: str | None) -> ChangePage:
        page = self.inner.changes_since(cursor)
        return page if page.records else attrs.evolve(page, more=True)


class AcceptsAnyCursor(Wrapper):
    """Read a cursor it never gave as no cursor: everything again, no ValidationError."""

    def changes_since(self, cursor: str | None) -> ChangePage:
        return self.inner.changes_since(cursor if cursor and cursor.isdigit() else None)


class RaisesValueErrorOnBadCursor(Wrapper):
    """Let a plain ValueError out of a cursor it cannot parse."""

    def changes_since(self, cursor: str | None) -> ChangePage:
        if cursor is not None and not cursor.isdigit():
            raise ValueError(f"invalid literal for int(): {cursor!r}")
        return self.inner.changes_since(cursor)


#: Each broken adapter and the contract tests that must catch it.
TABLE: list[tuple[type[Wrapper], tuple[str, ...]]] = [
    (OneOutcomeShort, ("test_outcomes_match_items_in_count_and_order",)),
    (ReversedOutcomes, ("test_outcomes_match_items_in_count_and_order",)),
    (CreateWithoutVersion, ("test_create_applies_with_external_id_and_version",)),
    (
        CreateWithBogusId,
        ("test_create_applies_with_external_id_and_version", "test_snapshot_reads_back_as_written"),
    ),
    (IgnoresIdempotencyKeys, ("test_replayed_create_is_a_duplicate",)),
    (IgnoresBaseVersion, ("test_stale_base_version_is_a_conflict",)),
    (KeepsVersionOnUpdate, ("test_version_changes_on_every_applied_update",)),
    (FindsNothing, ("test_find_by_account_keys_finds_created_records",)),
    (FetchInventsRecords, ("test_fetch_returns_created_records_and_omits_unknown_ids",)),
    (FailsWholeBatch, ("test_rejected_item_does_not_fail_its_neighbours",)),
    (WrongNotFoundCode, ("test_unknown_external_id_is_rejected_not_found",)),
    (
        RaisesKeyErrorOnUnknownId,
        ("test_unknown_external_id_is_rejected_not_found", "test_only_sync_errors_escape"),
    ),
    (NaiveDatetimes, ("test_datetimes_are_aware_utc",)),
    (PlusTwoDatetimes, ("test_datetimes_are_aware_utc",)),
    (LondonDatetimes, ("test_datetimes_are_aware_utc",)),
    (AcceptsOversizeBatches, ("test_batch_above_max_batch_is_refused",)),
    (RaisesValueErrorOnMalformedInput, ("test_only_sync_errors_escape",)),
    (LinkDoesNotMoveKey, ("test_link_moves_the_account_key_and_unlink_removes_it",)),
    (UnlinkKeepsKey, ("test_link_moves_the_account_key_and_unlink_removes_it",)),
    (DropsRemarks, ("test_snapshot_reads_back_as_written",)),
    (
        DropsLastOfEachPage,
        (
            "test_changes_since_lists_every_record_as_fetch_reads_it",
            "test_changes_since_lists_an_updated_record_again",
            "test_changes_since_lists_links_and_unlinks",
        ),
    ),
    (
        ListsFirstSeenSnapshots,
        (
            "test_changes_since_lists_an_updated_record_again",
            "test_changes_since_lists_links_and_unlinks",
            "test_changes_since_lists_nothing_stale_from_the_final_cursor",
        ),
    ),
    (ListsKeyedRecordsOnly, ("test_changes_since_lists_links_and_unlinks",)),
    (EndlessEmptyPages, ("test_changes_since_lists_nothing_stale_from_the_final_cursor",)),
    (AcceptsAnyCursor, ("test_changes_since_refuses_a_cursor_it_never_gave",)),
    (
        RaisesValueErrorOnBadCursor,
        ("test_changes_since_refuses_a_cursor_it_never_gave", "test_only_sync_errors_escape"),
    ),
]
CASES = [(variant, test) for variant, tests in TABLE for test in tests]
CONTRACT_TESTS = sorted(name for name in dir(AccountingSystemContract) if name.startswith("test_"))


def run_kit_test(name: str, system: AccountingSystem, *, asynchronous: bool) -> None:
    """Call one contract test directly, as pytest would, on ``system``."""
    if asynchronous:
        getattr(AsyncAccountingSystemContract(), name)(AsyncReader(system))
    else:
        getattr(AccountingSystemContract(), name)(system)


class TestBrokenAdapters:
    @pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
    @pytest.mark.parametrize(
        ("variant", "test"), CASES, ids=[f"{v.__name__}-{t[5:]}" for v, t in CASES]
    )
    def test_named_contract_test_fails(
        self, variant: type[Wrapper], test: str, asynchronous: bool
    ) -> None:
        """The named contract test fails on the broken adapter and passes on the reference."""
        with pytest.raises(AssertionError):
            run_kit_test(test, variant(), asynchronous=asynchronous)
        reference = InMemoryAccountingSystem(clock=Clock(), capabilities=variant().capabilities)
        run_kit_test(test, reference, asynchronous=asynchronous)

    def test_every_contract_test_catches_a_broken_adapter(self) -> None:
        """The table names every contract test at least once, and only contract tests."""
        assert sorted({test for _, test in CASES}) == CONTRACT_TESTS

    def test_contracts_share_their_tests(self) -> None:
        """The async contract has exactly the sync contract's tests."""
        async_tests = [n for n in dir(AsyncAccountingSystemContract) if n.startswith("test_")]
        assert sorted(async_tests) == CONTRACT_TESTS

    def test_comparable_lets_a_documented_lossy_adapter_pass(self) -> None:
        """An adapter that drops remarks passes once comparable projects them away."""

        class LossyContract(AccountingSystemContract):
            def comparable(self, snapshot: Account) -> object:
                return without_remarks(snapshot)

        LossyContract().test_snapshot_reads_back_as_written(DropsRemarks())


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


class TestStateMachineOnBrokenAdapters:
    @pytest.mark.parametrize(
        "variant",
        [
            IgnoresIdempotencyKeys,
            IgnoresBaseVersion,
            KeepsVersionOnUpdate,
            LinkDoesNotMoveKey,
            DropsRemarks,
            DropsLastOfEachPage,
            ListsFirstSeenSnapshots,
            ListsKeyedRecordsOnly,
        ],
        ids=lambda v: v.__name__,
    )
    def test_machine_finds_the_break(self, variant: type[Wrapper]) -> None:
        """The state machine disagrees with the reference on a broken adapter."""
        with pytest.raises(AssertionError):
            run_state_machine_as_test(make_state_machine(variant), settings=QUICK)

    def test_machine_accepts_a_lossy_adapter_through_comparable(self) -> None:
        """With comparable projecting remarks away, the lossy adapter agrees with the model."""

        class Lossy(make_state_machine(DropsRemarks)):  # type: ignore[misc]
            def comparable(self, snapshot: Account) -> object:
                return without_remarks(snapshot)

        run_state_machine_as_test(Lossy, settings=settings(QUICK, max_examples=50))
