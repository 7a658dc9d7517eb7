"""The in-memory reference adapters: the accounting system (the port's spec) and the outbox."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import attrs
import pytest
from _sync import Clock

from accountcore import Account, AccountType, Address, ValidationError
from accountcore.errors import (
    ConflictError,
    NotFoundError,
    RateLimitedError,
    UnsupportedOperationError,
)
from accountcore.sync import (
    AccountingSystem,
    Capabilities,
    Change,
    ChangeKind,
    Closed,
    Disposition,
    Entry,
    EntryState,
    LimitScope,
    Link,
    Lookup,
    Outbox,
    OutcomeStatus,
    PushItem,
    PushOperation,
    PushOutcome,
    RateLimit,
    Record,
    Supersede,
    TenantState,
)
from accountcore.sync.memory import InMemoryAccountingSystem, InMemoryOutbox

START = datetime(2024, 6, 1, 10, tzinfo=timezone.utc)
ADDRESS = Address(line1="Damrak 1", city="Amsterdam", country="NL")
MINUTE = timedelta(minutes=1)


def account(key: str, name: str = "Acme") -> Account:
    return Account.new(
        code="1001",
        name=name,
        type=AccountType.CUSTOMER,
        address=ADDRESS,
        on=date(2024, 1, 1),
        id=key,
    )


def change(
    key: str,
    seq: int = 1,
    kind: ChangeKind = ChangeKind.CREATE,
    *,
    name: str = "Acme",
    change_id: str | None = None,
    external_id: str | None = None,
) -> Change:
    snapshot = account(key, name) if kind in (ChangeKind.CREATE, ChangeKind.UPDATE) else None
    return Change(
        change_id=change_id or f"{key}-{seq}",
        account_key=key,
        seq=seq,
        kind=kind,
        saved_at=START,
        snapshot=snapshot,
        external_id=external_id,
    )


def create(key: str, seq: int = 1, change_id: str | None = None, name: str = "Acme") -> PushItem:
    c = change(key, seq, change_id=change_id, name=name)
    return PushItem(operation=PushOperation.CREATE, change=c, idempotency_key=c.change_id)


def update(
    key: str, seq: int, external_id: str, base: str | None, name: str = "Acme 2"
) -> PushItem:
    c = change(key, seq, ChangeKind.UPDATE, name=name)
    return PushItem(
        operation=PushOperation.UPDATE,
        change=c,
        idempotency_key=c.change_id,
        external_id=external_id,
        base_version=base,
    )


def link(key: str, seq: int, external_id: str) -> PushItem:
    c = change(key, seq, ChangeKind.LINK, external_id=external_id)
    return PushItem(
        operation=PushOperation.LINK, change=c, idempotency_key=c.change_id, external_id=external_id
    )


def unlink(key: str, seq: int, external_id: str) -> PushItem:
    c = change(key, seq, ChangeKind.UNLINK)
    return PushItem(
        operation=PushOperation.UNLINK,
        change=c,
        idempotency_key=c.change_id,
        external_id=external_id,
    )


def limited(*limits: RateLimit) -> Capabilities:
    return Capabilities(
        max_batch=50, idempotency_keys=True, conditional_update=True, rate_limits=limits
    )


def statuses(outcomes: list[PushOutcome]) -> list[OutcomeStatus]:
    return [outcome.status for outcome in outcomes]


class TestPort:
    def test_is_an_accounting_system(self) -> None:
        """The in-memory system satisfies the AccountingSystem protocol at runtime."""
        system: AccountingSystem = InMemoryAccountingSystem(clock=Clock(START))
        assert isinstance(system, AccountingSystem)
        assert system.capabilities.max_batch == 50

    def test_outcomes_match_items_in_count_and_order(self) -> None:
        """Each item gets its own outcome, in the order of the batch."""
        system = InMemoryAccountingSystem(clock=Clock(START))
        outcomes = system.push([create("a"), update("x", 2, "R9", "1"), create("b")])
        assert statuses(outcomes) == [
            OutcomeStatus.APPLIED,
            OutcomeStatus.REJECTED,
            OutcomeStatus.APPLIED,
        ]
        assert [outcomes[0].external_id, outcomes[2].external_id] == ["R1", "R2"]

    def test_rejected_item_does_not_fail_its_neighbours(self) -> None:
        """A refused item leaves the items before and after it applied."""
        system = InMemoryAccountingSystem(clock=Clock(START))
        system.push([create("a")])
        outcomes = system.push([create("b"), create("a", 2, name="Acme 2"), create("c")])
        assert outcomes[1] == PushOutcome.rejected("account_key_taken", outcomes[1].message)
        assert sorted(r.account_key or "" for r in system.records.values()) == ["a", "b", "c"]
        assert [item.account_key for item in system.applied] == ["a", "b", "c"]

    def test_batch_above_max_batch_raises(self) -> None:
        """A batch longer than max_batch is refused whole, and nothing is written."""
        system = InMemoryAccountingSystem(
            clock=Clock(START), capabilities=Capabilities(max_batch=2)
        )
        with pytest.raises(UnsupportedOperationError):
            system.push([create("a"), create("b"), create("c")])
        assert system.records == {}

    def test_fetch_returns_only_existing_records(self) -> None:
        """Fetch answers for the ids that exist and leaves out the others."""
        system = InMemoryAccountingSystem(clock=Clock(START))
        system.push([create("a")])
        assert list(system.fetch(["R1", "R2"])) == ["R1"]


class TestCreate:
    def test_create_applies_with_id_and_version(self) -> None:
        """A create makes record R1 at version 1, carrying the account key and snapshot."""
        clock = Clock(START)
        system = InMemoryAccountingSystem(clock=clock)
        item = create("a")
        assert system.push([item]) == [PushOutcome.applied("R1", "1")]
        record = system.records["R1"]
        assert (record.account_key, record.version, record.modified_at) == ("a", "1", START)
        assert record.snapshot == item.change.snapshot

    def test_replay_is_a_duplicate_of_the_first_result(self) -> None:
        """The same idempotency key again returns the first result and writes nothing."""
        system = InMemoryAccountingSystem(clock=Clock(START))
        system.push([create("a")])
        system.push([update("a", 2, "R1", "1")])
        assert system.push([create("a")]) == [PushOutcome.duplicate("R1", "1")]
        assert len(system.records) == 1
        assert len(system.applied) == 2

    def test_refusals_are_not_remembered(self) -> None:
        """A rejected key is not stored: the same key applies once the cause is gone."""
        system = InMemoryAccountingSystem(clock=Clock(START))
        system.push([create("a")])
        retry = create("a", 2, name="Acme 2")
        assert system.push([retry])[0].code == "account_key_taken"
        system.push([unlink("a", 3, "R1")])
        assert system.push([retry]) == [PushOutcome.applied("R2", "1")]

    def test_expired_key_meets_the_taken_account_key(self) -> None:
        """
        After the idempotency window a replayed create whose record has changed since is
        rejected as account_key_taken.
        """
        clock = Clock(START)
        system = InMemoryAccountingSystem(clock=clock)
        system.push([create("a")])
        system.push([update("a", 2, "R1", "1")])
        clock.advance(hours=24, seconds=1)
        assert system.push([create("a")])[0].code == "account_key_taken"

    def test_expired_key_replay_of_the_stored_snapshot_is_a_duplicate(self) -> None:
        """After the window, a replay is still known by the snapshot its record holds."""
        clock = Clock(START)
        system = InMemoryAccountingSystem(clock=clock)
        system.push([create("a")])
        clock.advance(hours=24, seconds=1)
        assert system.push([create("a")]) == [PushOutcome.duplicate("R1", "1")]
        assert len(system.records) == 1

    def test_expired_key_creates_a_second_record_without_unique_keys(self) -> None:
        """Without unique account keys a late replay makes a second record; lookups find R1."""
        clock = Clock(START)
        system = InMemoryAccountingSystem(clock=clock, unique_account_keys=False)
        system.push([create("a")])
        clock.advance(hours=25)
        assert system.push([create("a")]) == [PushOutcome.applied("R2", "1")]
        assert [r.external_id for r in system.records_for("a")] == ["R1", "R2"]
        assert system.find_by_account_keys(["a"])["a"].external_id == "R1"

    def test_forgotten_key_is_not_a_duplicate(self) -> None:
        """forget_key drops a key, so the replay is handled as a new create."""
        system = InMemoryAccountingSystem(clock=Clock(START))
        system.push([create("a")])
        system.push([update("a", 2, "R1", "1")])
        system.forget_key("a-1")
        assert system.push([create("a")])[0].code == "account_key_taken"

    def test_without_idempotency_keys_a_replay_is_known_by_its_snapshot(self) -> None:
        """
        A create delivered twice to a system without idempotency keys (an HTTP client
        retrying after a timeout) is a duplicate of the first record, not a rejection that
        would leave the account stuck; a create of another snapshot is refused.
        """
        system = InMemoryAccountingSystem(
            clock=Clock(START), capabilities=Capabilities(max_batch=5)
        )
        system.push([create("a")])
        assert system.push([create("a")]) == [PushOutcome.duplicate("R1", "1")]
        assert system.push([create("a", 2, name="Acme 2")])[0].code == "account_key_taken"
        assert len(system.records) == 1


class TestUpdate:
    def test_update_replaces_snapshot_and_bumps_version(self) -> None:
        """An update on the current version writes the snapshot and moves to the next version."""
        clock = Clock(START)
        system = InMemoryAccountingSystem(clock=clock)
        system.push([create("a")])
        clock.advance(minutes=5)
        assert system.push([update("a", 2, "R1", "1")]) == [PushOutcome.applied("R1", "2")]
        record = system.records["R1"]
        assert (record.snapshot.name, record.version) == ("Acme 2", "2")
        assert record.modified_at == START + timedelta(minutes=5)

    def test_stale_base_version_is_a_conflict(self) -> None:
        """An update based on an old version gets a conflict naming the current version."""
        system = InMemoryAccountingSystem(clock=Clock(START))
        system.push([create("a")])
        system.edit_remotely("R1", account("a", "Edited"))
        outcome = system.push([update("a", 2, "R1", "1")])[0]
        assert (outcome.status, outcome.version) == (OutcomeStatus.CONFLICT, "2")
        assert system.records["R1"].snapshot.name == "Edited"

    def test_unconditional_system_overwrites(self) -> None:
        """Without conditional updates a stale base version still applies."""
        system = InMemoryAccountingSystem(
            clock=Clock(START), capabilities=Capabilities(max_batch=5)
        )
        system.push([create("a")])
        assert system.push([update("a", 2, "R1", "0")]) == [PushOutcome.applied("R1", "2")]

    @pytest.mark.parametrize(
        "item",
        [update("a", 1, "R7", "1"), link("a", 1, "R7"), unlink("a", 1, "R7")],
        ids=["update", "link", "unlink"],
    )
    def test_unknown_external_id_is_rejected_not_found(self, item: PushItem) -> None:
        """An item naming a record that does not exist is rejected with not_found."""
        outcome = InMemoryAccountingSystem(clock=Clock(START)).push([item])[0]
        assert (outcome.status, outcome.code) == (OutcomeStatus.REJECTED, "not_found")


class TestLink:
    def test_link_moves_the_account_key(self) -> None:
        """Linking moves our key from its old record to the named one; both versions move on."""
        system = InMemoryAccountingSystem(clock=Clock(START))
        system.push([create("a"), create("b")])
        assert system.push([link("a", 2, "R2")]) == [PushOutcome.applied("R2", "2")]
        assert system.records["R1"].account_key is None
        assert system.records["R1"].version == "2"
        assert system.find_by_account_keys(["a", "b"]) == {"a": system.records["R2"]}

    def test_unlink_clears_the_account_key(self) -> None:
        """Unlinking leaves the record without our key, at the next version."""
        system = InMemoryAccountingSystem(clock=Clock(START))
        system.push([create("a")])
        assert system.push([unlink("a", 2, "R1")]) == [PushOutcome.applied("R1", "2")]
        assert system.records["R1"].account_key is None
        assert system.find_by_account_keys(["a"]) == {}


class TestEditRemotely:
    def test_edit_bumps_version_without_counting_a_call(self) -> None:
        """A remote edit changes the record but is not a call against the rate limits."""
        system = InMemoryAccountingSystem(
            clock=Clock(START), capabilities=limited(RateLimit(calls=1, per=MINUTE))
        )
        system.push([create("a")])
        edited = system.edit_remotely("R1", account("a", "Edited"))
        assert (edited.version, edited.snapshot.name) == ("2", "Edited")
        assert system.refused_calls == 0

    def test_edit_of_unknown_record_raises(self) -> None:
        """Editing a record that does not exist raises NotFoundError."""
        with pytest.raises(NotFoundError):
            InMemoryAccountingSystem(clock=Clock(START)).edit_remotely("R1", account("a"))


class TestRateLimits:
    def test_third_call_in_a_minute_is_refused(self) -> None:
        """Two calls per minute: the third is refused until the first leaves the window."""
        clock = Clock(START)
        system = InMemoryAccountingSystem(
            clock=clock, capabilities=limited(RateLimit(calls=2, per=MINUTE))
        )
        system.push([create("a")])
        clock.advance(seconds=10)
        system.fetch(["R1"])
        clock.advance(seconds=5)
        refused = system.push([create("b"), create("c")])
        assert refused == [PushOutcome.rate_limited(LimitScope.MINUTE, timedelta(seconds=45))] * 2
        assert system.refused_calls == 1
        assert len(system.records) == 1

    def test_refused_read_raises_rate_limited(self) -> None:
        """A refused fetch or lookup raises RateLimitedError with the wait and the scope."""
        clock = Clock(START)
        system = InMemoryAccountingSystem(
            clock=clock, capabilities=limited(RateLimit(calls=1, per=MINUTE))
        )
        system.push([])
        clock.advance(seconds=20)
        with pytest.raises(RateLimitedError) as error:
            system.find_by_account_keys(["a"])
        assert (error.value.retry_after, error.value.scope) == (timedelta(seconds=40), "minute")
        assert not error.value.maybe_applied
        assert system.refused_calls == 1

    def test_calls_are_admitted_again_after_the_wait(self) -> None:
        """After retry_after a call is admitted; refused calls never fill the window."""
        clock = Clock(START)
        system = InMemoryAccountingSystem(
            clock=clock, capabilities=limited(RateLimit(calls=2, per=MINUTE))
        )
        system.push([])
        clock.advance(seconds=10)
        system.push([])
        for _ in range(3):
            assert system.push([create("a")])[0].status is OutcomeStatus.RATE_LIMITED
        clock.advance(seconds=50)
        assert system.push([create("a")]) == [PushOutcome.applied("R1", "1")]
        assert system.push([]) == []
        assert system.refused_calls == 4
        assert system.push([create("b")])[0].retry_after == timedelta(seconds=10)

    def test_longest_wait_among_refusing_limits_is_reported(self) -> None:
        """When several limits refuse, the answer names the one with the longest wait."""
        clock = Clock(START)
        hour = RateLimit(calls=3, per=timedelta(hours=1), scope=LimitScope.HOUR)
        system = InMemoryAccountingSystem(
            clock=clock, capabilities=limited(RateLimit(calls=2, per=MINUTE), hour)
        )
        for seconds in (30, 31, 1):
            system.push([])
            clock.advance(seconds=seconds)
        refused = system.push([create("a")])[0]
        assert (refused.scope, refused.retry_after) == (LimitScope.HOUR, timedelta(seconds=3538))


class TestTime:
    def test_datetimes_are_aware_utc_with_a_non_utc_clock(self) -> None:
        """Records carry UTC instants even when the clock reads another zone."""
        plus_two = timezone(timedelta(hours=2))
        clock = Clock(START.astimezone(plus_two))
        system = InMemoryAccountingSystem(clock=clock)
        system.push([create("a")])
        edited = system.edit_remotely("R1", account("a", "Edited"))
        for record in (system.records["R1"], edited):
            assert record.modified_at.tzinfo is timezone.utc
            assert record.modified_at == START

    def test_naive_clock_is_refused(self) -> None:
        """A clock without a time zone raises a naive_datetime ValidationError."""
        system = InMemoryAccountingSystem(clock=Clock(datetime(2024, 6, 1)))
        with pytest.raises(ValidationError) as error:
            system.push([create("a")])
        assert error.value.problems[0].code == "naive_datetime"


def entry_ids(outbox: InMemoryOutbox) -> list[str]:
    return [entry.change_id for entry in outbox.pending()]


def codes(error: pytest.ExceptionInfo[ValidationError]) -> list[tuple[tuple[str | int, ...], str]]:
    return [(problem.path, problem.code) for problem in error.value.problems]


def closed(change_id: str, key: str) -> Closed:
    return Closed(change_id=change_id, account_key=key, disposition=Disposition.APPLIED, at=START)


class TestOutboxAppend:
    def test_is_an_outbox(self) -> None:
        """The in-memory outbox satisfies the Outbox protocol at runtime."""
        outbox: Outbox = InMemoryOutbox()
        assert isinstance(outbox, Outbox)
        assert outbox.tenant() == TenantState()

    def test_pending_keeps_append_order(self) -> None:
        """Open entries come back queued, in the order they were appended."""
        outbox = InMemoryOutbox()
        outbox.append([change("b"), change("a")])
        outbox.append([change("b", 2)])
        assert entry_ids(outbox) == ["b-1", "a-1", "b-2"]
        assert {entry.state for entry in outbox.pending()} == {EntryState.QUEUED}
        assert outbox.appended == 3

    def test_duplicate_change_ids_are_refused(self) -> None:
        """An id already queued, or twice in one batch, is a duplicate_change problem."""
        outbox = InMemoryOutbox()
        outbox.append([change("a")])
        with pytest.raises(ValidationError) as error:
            outbox.append(
                [change("a", 2, change_id="a-1"), change("b"), change("c", change_id="b-1")]
            )
        assert codes(error) == [
            ((0, "change_id"), "duplicate_change"),
            ((2, "change_id"), "duplicate_change"),
        ]

    def test_closed_change_id_is_refused(self) -> None:
        """An id that already left the outbox cannot come back."""
        outbox = InMemoryOutbox()
        outbox.append([change("a")])
        outbox.record(Record(closed=(closed("a-1", "a"),)))
        with pytest.raises(ValidationError):
            outbox.append([change("a", 2, change_id="a-1")])

    def test_seq_must_grow_per_account(self) -> None:
        """A seq not above the account's last one is refused, also within one batch."""
        outbox = InMemoryOutbox()
        outbox.append([change("a", 2)])
        with pytest.raises(ValidationError) as error:
            outbox.append(
                [change("a", 2, change_id="x"), change("b", 5), change("b", 5, change_id="y")]
            )
        assert codes(error) == [
            ((0, "seq"), "seq_not_increasing"),
            ((2, "seq"), "seq_not_increasing"),
        ]

    def test_bad_batch_appends_nothing(self) -> None:
        """One bad change refuses the whole batch; its good changes can be appended later."""
        outbox = InMemoryOutbox()
        with pytest.raises(ValidationError):
            outbox.append([change("a"), change("b"), change("a", 1, change_id="a-again")])
        assert (entry_ids(outbox), outbox.appended) == ([], 0)
        outbox.append([change("a"), change("b")])
        assert entry_ids(outbox) == ["a-1", "b-1"]


class TestOutboxRecord:
    def test_replaced_entry_keeps_its_position(self) -> None:
        """Replacing an entry changes its state but not its place in pending()."""
        outbox = InMemoryOutbox()
        outbox.append([change("a"), change("b"), change("c")])
        sent = Entry(change=change("b"), state=EntryState.WAITING, attempts=1)
        outbox.record(Record(entries=(sent,)))
        assert entry_ids(outbox) == ["a-1", "b-1", "c-1"]
        assert outbox.entry("b-1") == sent

    def test_closed_entries_leave_and_are_listed(self) -> None:
        """A closed entry leaves pending() and joins the closed list."""
        outbox = InMemoryOutbox()
        outbox.append([change("a"), change("b")])
        outbox.record(Record(closed=(closed("a-1", "a"),)))
        assert entry_ids(outbox) == ["b-1"]
        assert outbox.closed == [closed("a-1", "a")]
        assert outbox.entry("a-1") is None

    def test_unknown_entry_applies_nothing(self) -> None:
        """A record naming an entry that is not open raises ConflictError and changes nothing."""
        outbox = InMemoryOutbox()
        outbox.append([change("a")])
        bad = Record(
            closed=(closed("a-1", "a"),),
            entries=(Entry(change=change("z")),),
            links=(Link(account_key="a", external_id="R1"),),
            tenant=TenantState(paused_until=START),
        )
        with pytest.raises(ConflictError, match="z-1"):
            outbox.record(bad)
        assert (entry_ids(outbox), outbox.closed, dict(outbox.all_links())) == (["a-1"], [], {})
        assert outbox.tenant() == TenantState()

    def test_closing_twice_is_a_conflict(self) -> None:
        """Closing the same entry twice in one record is refused."""
        outbox = InMemoryOutbox()
        outbox.append([change("a")])
        with pytest.raises(ConflictError):
            outbox.record(Record(closed=(closed("a-1", "a"), closed("a-1", "a"))))
        assert entry_ids(outbox) == ["a-1"]

    def test_supersede_closes_only_queued_entries_in_range(self) -> None:
        """Supersede closes the account's never-sent entries with first_seq <= seq < last_seq."""
        outbox = InMemoryOutbox()
        outbox.append([change("a", seq) for seq in range(1, 6)] + [change("b", 2)])
        outbox.record(Record(entries=(Entry(change=change("a", 2), state=EntryState.IN_FLIGHT),)))
        at = START + timedelta(minutes=1)
        outbox.record(
            Record(
                superseded=(Supersede(account_key="a", first_seq=1, last_seq=4, by="a-4", at=at),)
            )
        )
        assert entry_ids(outbox) == ["a-2", "a-4", "a-5", "b-2"]
        assert outbox.closed == [
            Closed(change_id=cid, account_key="a", disposition=Disposition.SUPERSEDED, at=at)
            for cid in ("a-1", "a-3")
        ]

    def test_links_and_tenant_are_upserted(self) -> None:
        """Links are replaced by account key, unlinked ones removed, the tenant replaced."""
        outbox = InMemoryOutbox()
        old = Link(account_key="a", external_id="R1", version="1")
        outbox.record(Record(links=(old, Link(account_key="b"))))
        new = Link(account_key="a", external_id="R1", version="2", lookup=Lookup.VERIFY)
        tenant = TenantState(paused_until=START)
        outbox.record(Record(links=(new,), unlinked=("b", "c"), tenant=tenant))
        assert outbox.links(["a", "b", "c"]) == {"a": new}
        assert outbox.tenant() == tenant
        outbox.record(Record(links=(Link(account_key="d"),)))
        assert outbox.tenant() == tenant
        assert sorted(outbox.all_links()) == ["a", "d"]

    def test_a_replacement_must_carry_the_open_change(self) -> None:
        """An entry replaced by another change (another seq) would corrupt the order."""
        outbox = InMemoryOutbox()
        outbox.append([change("a", 1), change("a", 2)])
        forged = Entry(change=attrs.evolve(change("a", 1), seq=5), state=EntryState.WAITING)
        with pytest.raises(ConflictError):
            outbox.record(Record(entries=(forged,)))
        assert outbox.entry("a-1") == Entry(change=change("a", 1))

    def test_a_close_must_name_the_entry_account(self) -> None:
        outbox = InMemoryOutbox()
        outbox.append([change("a")])
        with pytest.raises(ConflictError):
            outbox.record(Record(closed=(closed("a-1", "b"),)))
        assert entry_ids(outbox) == ["a-1"]

    def test_a_redrive_must_be_the_dead_letter_itself_once(self) -> None:
        """A dead letter re-driven twice in one record, or as another change, is refused."""
        outbox = InMemoryOutbox()
        outbox.append([change("a")])
        dead = Closed(
            change_id="a-1",
            account_key="a",
            disposition=Disposition.DEAD_LETTERED,
            at=START,
            code="rejected",
            change=change("a"),
        )
        outbox.record(Record(closed=(dead,)))
        again = Entry(change=change("a"))
        with pytest.raises(ConflictError):
            outbox.record(Record(reopened=(again, again)))
        forged = Entry(change=attrs.evolve(change("a"), seq=7))
        with pytest.raises(ConflictError):
            outbox.record(Record(reopened=(forged,)))
        assert outbox.dead_letters() == [dead] and entry_ids(outbox) == []
        outbox.record(Record(reopened=(again,)))
        assert entry_ids(outbox) == ["a-1"]


class TestChangesSince:
    def test_pages_list_each_changed_record_once_oldest_write_first(self) -> None:
        """Five records, two a page; an update moves its record behind the others."""
        system = InMemoryAccountingSystem(clock=Clock(START), page_size=2)
        system.push([create(key) for key in "abcde"])
        system.push([update("a", 2, "R1", "1")])
        pages, cursor = [], None
        while True:
            page = system.changes_since(cursor)
            pages.append([record.external_id for record in page.records])
            cursor = page.cursor
            if not page.more:
                break
        assert pages == [["R2", "R3"], ["R4", "R5"], ["R1"]]
        assert system.changes_since(cursor).records == ()
        assert system.changes_since(cursor).cursor == cursor
        system.edit_remotely("R3", system.records["R3"].snapshot)
        (again,) = system.changes_since(cursor).records
        assert again == system.records["R3"] and again.version == "2"

    def test_a_cursor_it_never_gave_is_refused(self) -> None:
        system = InMemoryAccountingSystem(clock=Clock(START))
        with pytest.raises(ValidationError) as caught:
            system.changes_since("yesterday")
        assert caught.value.problems[0].path == ("cursor",)

    def test_page_size_is_checked(self) -> None:
        with pytest.raises(ValidationError):
            InMemoryAccountingSystem(clock=Clock(START), page_size=0)


class TestStoredFields:
    @pytest.mark.parametrize(
        ("fields", "problems"),
        [
            ((("summary", "address"), ("contact", "email"), ("name",)), []),
            (((),), [(("stored_fields", 0), "invalid_type")]),
            ((("summary", "adres"),), [(("stored_fields", 0), "unknown_field")]),
            ((("name", "first"),), [(("stored_fields", 0), "unknown_field")]),
            ((("id",),), [(("stored_fields", 0), "unknown_field")]),
            ([("name",)], [(("stored_fields",), "invalid_type")]),
        ],
    )
    def test_stored_fields_name_card_fields(
        self, fields: object, problems: list[tuple[tuple[object, ...], str]]
    ) -> None:
        if not problems:
            assert Capabilities(stored_fields=fields).stored_fields == fields  # type: ignore[arg-type]
            return
        with pytest.raises(ValidationError) as caught:
            Capabilities(stored_fields=fields)  # type: ignore[arg-type]
        assert [(p.path, p.code) for p in caught.value.problems] == problems
