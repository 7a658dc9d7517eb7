"""
Remote edits coming back (docs/rules.md#non-empty-systems): pulled since a cursor, delivered by
a webhook, or found by the read before a write on a system without conditional updates; each
merged field by field into the host's account against the last synced snapshot.

The failures these tests pin came from real systems: remote edits never came back; after a
conflict resolved as keep-remote the next local save overwrote the remote edit and the
dead-lettered change's fields landed anyway; and on systems without versioned writes (Xero,
Exact Online, Odoo) every update silently overwrote the edits other users had made.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from datetime import timedelta

import attrs
import pytest
from _sync import T0, Clock, account

from accountcore.entities import Account
from accountcore.errors import (
    AdapterError,
    AuthenticationError,
    RemoteUnavailableError,
    UnsupportedOperationError,
    ValidationError,
)
from accountcore.sync import (
    AccountingSystem,
    AsyncSyncDriver,
    Capabilities,
    Change,
    ChangeKind,
    ChangePage,
    ConflictRule,
    Disposition,
    EntryState,
    Incoming,
    LocalAccounts,
    PushItem,
    PushOperation,
    PushOutcome,
    Record,
    RemoteAccount,
    RemoteChanges,
    Schedule,
    SyncDriver,
    SyncEventKind,
    SyncPolicy,
)
from accountcore.sync.engine import Resolution
from accountcore.sync.memory import InMemoryAccountingSystem, InMemoryOutbox

SCHEDULE = Schedule.every(timedelta(minutes=15), anchor=T0)
VERSIONED = Capabilities(max_batch=10, conditional_update=True, changes_since=True)
#: Xero, Exact Online, Odoo: an update writes whatever the record holds now.
UNVERSIONED = Capabilities(max_batch=10, conditional_update=False, changes_since=True)


class Host:
    """
    The host's side: its accounts, saved with their changes in one step, as a host's
    database transaction would (the `LocalAccounts` the driver is given).
    """

    def __init__(self, outbox: InMemoryOutbox, clock: Clock) -> None:
        self.outbox = outbox
        self.clock = clock
        self.saved: dict[str, Account] = {}
        self.seqs: dict[str, int] = {}
        self.taken: list[Incoming] = []

    def save(self, account: Account) -> Change:
        key = account.id
        assert key is not None
        seq = self.seqs.get(key, 0) + 1
        self.seqs[key] = seq
        made = Change(
            change_id=f"{key}-{seq}",
            account_key=key,
            seq=seq,
            kind=ChangeKind.CREATE if seq == 1 else ChangeKind.UPDATE,
            saved_at=self.clock(),
            snapshot=account,
        )
        self.outbox.append([made])
        self.saved[key] = account
        return made

    def edit(self, key: str, **fields: object) -> Change:
        return self.save(attrs.evolve(self.saved[key], **fields))

    def accounts(self, account_keys: Collection[str]) -> dict[str, Account]:
        return {key: self.saved[key] for key in account_keys if key in self.saved}

    def take(self, incoming: Sequence[Incoming]) -> None:
        self.taken += incoming
        for item in incoming:
            self.save(item.account)


class World:
    """A clock, a remote system, an outbox, the host's accounts and a driver."""

    def __init__(
        self,
        caps: Capabilities = VERSIONED,
        *,
        policy: SyncPolicy | None = None,
        local: bool = True,
        page_size: int = 50,
        system: AccountingSystem | None = None,
    ) -> None:
        self.clock = Clock(T0)
        self.remote = InMemoryAccountingSystem(
            clock=self.clock, capabilities=caps, page_size=page_size
        )
        self.outbox = InMemoryOutbox()
        self.host = Host(self.outbox, self.clock)
        self.driver = SyncDriver(
            system or self.remote,
            self.outbox,
            schedule=SCHEDULE,
            policy=policy or SyncPolicy(),
            clock=self.clock,
            random=lambda: 0.5,
            accounts=self.host if local else None,
        )

    def synced(self, *keys: str) -> None:
        """Create the accounts and push them."""
        for key in keys:
            self.host.save(account(key))
        self.driver.push_now(list(keys))
        self.driver.pull()  # our own writes come back as echoes: nothing to merge

    def record(self, key: str) -> RemoteAccount:
        (found,) = self.remote.records_for(key)
        return found

    def edit_remotely(self, key: str, **fields: object) -> RemoteAccount:
        found = self.record(key)
        return self.remote.edit_remotely(found.external_id, attrs.evolve(found.snapshot, **fields))


def kinds(events: Sequence[object]) -> list[SyncEventKind]:
    return [event.kind for event in events]  # type: ignore[attr-defined]


class TestPull:
    def test_a_remote_edit_comes_back_into_the_host_account(self) -> None:
        """The remote's edit is merged into the host's account, which the host saves."""
        world = World()
        world.synced("a")
        world.edit_remotely("a", remarks="Call before delivery")
        report = world.driver.pull()
        assert world.host.saved["a"].remarks == "Call before delivery"
        (incoming,) = report.incoming
        assert incoming.save and not incoming.push
        assert incoming.merged.remote_wins == (("remarks",),)
        assert kinds(report.events) == [SyncEventKind.REMOTE_WON]
        assert report.events[0].fields == (("remarks",),)
        # The link now holds the remote record as the synced snapshot and base version.
        link = world.outbox.all_links()["a"]
        assert link.synced == world.record("a").snapshot
        assert link.version == world.record("a").version
        assert world.outbox.tenant().cursor == report.cursor

    def test_the_merged_save_goes_out_without_a_conflict(self) -> None:
        """The change the host saves is based on the pulled version: it applies."""
        world = World()
        world.synced("a")
        world.edit_remotely("a", remarks="Call before delivery")
        world.driver.pull()
        report = world.driver.push_now(["a"])
        assert report.applied == 1 and report.conflicts == 0
        assert world.record("a").snapshot == world.host.saved["a"]

    def test_our_own_writes_are_echoes(self) -> None:
        """A pulled record equal to the last synced snapshot merges nothing."""
        world = World()
        world.synced("a", "b")
        world.host.edit("a", name="Renamed B.V.")
        world.driver.push_now(["a"])
        report = world.driver.pull()
        assert report.records == 1 and not report.incoming and not report.events
        assert not world.host.taken

    def test_edits_of_different_fields_on_both_sides_both_survive(self) -> None:
        """A local edit not yet sent and a remote edit of another field: both are kept."""
        world = World()
        world.synced("a")
        world.host.edit("a", name="Local Name B.V.")
        world.edit_remotely("a", remarks="Remote remark")
        report = world.driver.pull()
        (incoming,) = report.incoming
        assert incoming.save and incoming.push
        assert incoming.merged.local_wins == (("name",),)
        assert kinds(report.events) == [SyncEventKind.REMOTE_WON, SyncEventKind.LOCAL_WON]
        world.driver.push_now(["a"])
        snapshot = world.record("a").snapshot
        assert (snapshot.name, snapshot.remarks) == ("Local Name B.V.", "Remote remark")
        # The never-sent change and the merged one coalesced: one write.
        assert [c.disposition for c in world.outbox.closed].count(Disposition.SUPERSEDED) == 1

    def test_the_same_field_changed_on_both_sides_is_a_reported_conflict(self) -> None:
        """Both sides renamed the account: a conflict, reported; the local value is kept."""
        world = World()
        world.synced("a")
        world.host.edit("a", name="Ours B.V.")
        world.edit_remotely("a", name="Theirs B.V.")
        report = world.driver.pull()
        (incoming,) = report.incoming
        (conflict,) = incoming.merged.conflicts
        assert conflict.path == ("name",)
        assert (conflict.local, conflict.remote) == ("Ours B.V.", "Theirs B.V.")
        (event,) = report.events
        assert event.kind is SyncEventKind.CONFLICT and event.fields == (("name",),)
        assert world.host.saved["a"].name == "Ours B.V."

    def test_pages_are_read_until_the_system_has_no_more(self) -> None:
        """Five records, two a page: three pages in one pull; ``pages`` caps a pull."""
        world = World(page_size=2)
        world.synced(*"abcde")
        for key in "abcde":
            world.edit_remotely(key, remarks=f"remark {key}")
        first = world.driver.pull(pages=1)
        assert first.calls == 1 and first.records == 2
        rest = world.driver.pull()
        assert rest.calls == 2 and rest.records == 3
        assert {i.account_key for i in first.incoming + rest.incoming} == set("abcde")
        assert all(world.host.saved[key].remarks == f"remark {key}" for key in "abcde")
        assert world.driver.pull().records == 0

    def test_records_of_no_linked_account_are_reported_not_merged(self) -> None:
        """A record of an account not linked here is unmatched: import or reconcile it."""
        world = World()
        world.synced("a")
        foreign = Change(
            change_id="foreign",
            account_key="z",
            seq=1,
            kind=ChangeKind.CREATE,
            saved_at=T0,
            snapshot=account("z"),
        )
        world.remote.push(
            [PushItem(operation=PushOperation.CREATE, change=foreign, idempotency_key="x")]
        )
        report = world.driver.pull()
        assert [r.account_key for r in report.unmatched] == ["z"]
        assert not report.incoming

    def test_a_crash_after_the_host_saved_only_repeats_the_merge(self) -> None:
        """The host saves before the cursor moves: pulling again finds nothing new to take."""
        world = World()
        world.synced("a")
        world.edit_remotely("a", remarks="Remote remark")
        cursor = world.outbox.tenant().cursor
        before = world.outbox.all_links()["a"]

        class DiedError(Exception):
            pass

        original = world.outbox.record

        def die(record: Record) -> None:
            if record.links:  # the host died after it saved, before the merge was recorded
                raise DiedError
            original(record)

        world.outbox.record = die  # type: ignore[method-assign]
        with pytest.raises(DiedError):
            world.driver.pull()
        world.outbox.record = original  # type: ignore[method-assign]
        assert world.outbox.tenant().cursor == cursor
        assert world.outbox.all_links()["a"] == before
        assert world.host.saved["a"].remarks == "Remote remark"  # saved before the crash
        report = world.driver.pull()
        (incoming,) = report.incoming
        assert not incoming.save  # already taken
        assert world.outbox.tenant().cursor == report.cursor != cursor

    def test_a_sent_change_without_its_result_is_superseded_by_the_merge(self) -> None:
        """A change waiting for a retry is carried by the merged account: it closes."""
        world = World()
        world.synced("a")
        world.host.edit("a", name="Ours B.V.")

        class Lost:
            capabilities = VERSIONED

            def push(self, items: Sequence[PushItem]) -> list[PushOutcome]:
                return [PushOutcome.retryable(maybe_applied=False)] * len(items)

        world.driver.system = Lost()  # type: ignore[assignment]
        world.driver.push_now(["a"])
        (waiting,) = world.outbox.pending()
        assert waiting.state is EntryState.WAITING
        world.driver.system = world.remote
        world.edit_remotely("a", remarks="Remote remark")
        world.driver.pull()
        closed = {c.change_id: c for c in world.outbox.closed}
        assert closed[waiting.change_id].disposition is Disposition.SUPERSEDED
        assert closed[waiting.change_id].code == "merged"
        world.clock.advance(hours=1)
        world.driver.push_now(["a"])
        snapshot = world.record("a").snapshot
        assert (snapshot.name, snapshot.remarks) == ("Ours B.V.", "Remote remark")

    def test_a_webhook_is_merged_and_leaves_the_cursor(self) -> None:
        """A webhook's records merge as a pull's do; the pull cursor stays."""
        world = World()
        world.synced("a")
        cursor = world.outbox.tenant().cursor
        edited = world.edit_remotely("a", remarks="From a webhook")
        report = world.driver.receive([edited])
        assert world.host.saved["a"].remarks == "From a webhook"
        assert report.events[0].code == "webhook"
        assert world.outbox.tenant().cursor == cursor

    def test_a_webhook_item_that_is_not_a_record_is_refused(self) -> None:
        world = World()
        with pytest.raises(ValidationError) as caught:
            world.driver.receive(["R1"])  # type: ignore[list-item]
        assert caught.value.problems[0].path == (0,)

    def test_pulling_needs_the_host_accounts_and_a_reading_system(self) -> None:
        with pytest.raises(UnsupportedOperationError):
            World(local=False).driver.pull()
        with pytest.raises(UnsupportedOperationError):
            World(attrs.evolve(VERSIONED, changes_since=False)).driver.pull()
        with pytest.raises(ValidationError):
            World().driver.pull(pages=0)

    def test_refused_credentials_hold_the_tenant_and_keep_the_cursor(self) -> None:
        world = World()
        world.synced("a")
        cursor = world.outbox.tenant().cursor

        class Expired(InMemoryAccountingSystem):
            def changes_since(self, cursor: str | None) -> ChangePage:
                raise AuthenticationError("token expired")

        world.driver.system = Expired(clock=world.clock, capabilities=VERSIONED)
        report = world.driver.pull()
        assert kinds(report.events) == [SyncEventKind.HELD]
        assert world.outbox.tenant().held is not None
        assert world.outbox.tenant().cursor == cursor
        assert world.driver.pull().calls == 0  # held: nothing is read until resumed

    def test_an_outage_pauses_the_tenant(self) -> None:
        world = World()

        class Down(InMemoryAccountingSystem):
            def changes_since(self, cursor: str | None) -> ChangePage:
                raise RemoteUnavailableError("503")

        world.driver.system = Down(clock=world.clock, capabilities=VERSIONED)
        report = world.driver.pull()
        assert kinds(report.events) == [SyncEventKind.PAUSED]
        assert world.outbox.tenant().outages == 1

    def test_a_system_that_breaks_the_contract_is_named(self) -> None:
        world = World()

        class Broken(InMemoryAccountingSystem):
            def changes_since(self, cursor: str | None) -> ChangePage:
                return []  # type: ignore[return-value]

        world.driver.system = Broken(clock=world.clock, capabilities=VERSIONED)
        with pytest.raises(AdapterError):
            world.driver.pull()

    def test_the_async_driver_pulls_too(self) -> None:
        world = World()
        world.synced("a")
        world.edit_remotely("a", remarks="Remote remark")
        remote = world.remote

        class Async:
            capabilities = VERSIONED

            async def push(self, items: Sequence[PushItem]) -> list[PushOutcome]:
                return remote.push(items)

            async def fetch(self, ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
                return remote.fetch(ids)

            async def find_by_account_keys(
                self, keys: Sequence[str]
            ) -> Mapping[str, RemoteAccount]:
                return remote.find_by_account_keys(keys)

            async def changes_since(self, cursor: str | None) -> ChangePage:
                return remote.changes_since(cursor)

        driver = AsyncSyncDriver(
            Async(),
            world.outbox,
            schedule=SCHEDULE,
            clock=world.clock,
            random=lambda: 0.5,
            accounts=world.host,
        )
        report = asyncio.run(driver.pull())
        assert [i.account_key for i in report.incoming] == ["a"]
        assert world.host.saved["a"].remarks == "Remote remark"

    def test_the_ports_are_protocols(self) -> None:
        world = World()
        assert isinstance(world.remote, RemoteChanges)
        assert isinstance(world.host, LocalAccounts)


class TestConflictsMerge:
    def test_a_conflict_reads_and_merges_instead_of_parking(self) -> None:
        """
        A versioned system refuses our stale update; under the default rule the engine
        reads the record, merges the remote edit in, and the merged account goes at once.
        """
        world = World()
        world.synced("a")
        world.host.edit("a", name="Ours B.V.")
        world.edit_remotely("a", remarks="Remote remark")
        report = world.driver.push_now(["a"])
        assert report.conflicts == 1 and report.applied == 1
        assert not world.outbox.pending()
        snapshot = world.record("a").snapshot
        assert (snapshot.name, snapshot.remarks) == ("Ours B.V.", "Remote remark")
        assert world.host.saved["a"] == snapshot
        assert SyncEventKind.REMOTE_WON in kinds(report.events)

    def test_keep_remote_then_the_next_save_keeps_the_remote_edit(self) -> None:
        """
        Under PARK, the host keeps the remote side; the parked change's fields do not land
        with the next save, and the remote's edit is not overwritten.
        """
        world = World(policy=SyncPolicy(on_conflict=ConflictRule.PARK))
        world.synced("a")
        world.host.edit("a", name="Ours B.V.")
        world.edit_remotely("a", name="Theirs B.V.")
        world.driver.push_now(["a"])
        (parked,) = world.outbox.pending()
        assert parked.state is EntryState.PARKED
        world.driver.resolve(parked.change_id, Resolution.KEEP_REMOTE)
        world.host.edit("a", remarks="Local remark")  # still carries "Ours B.V."
        world.driver.push_now(["a"])
        snapshot = world.record("a").snapshot
        assert (snapshot.name, snapshot.remarks) == ("Theirs B.V.", "Local remark")
        assert world.host.saved["a"] == snapshot


class TestReadBeforeWrite:
    def test_an_update_reads_the_record_and_merges_a_remote_edit(self) -> None:
        """Without conditional updates, the read before the write catches the edit."""
        world = World(UNVERSIONED)
        world.synced("a")
        world.host.edit("a", name="Ours B.V.")
        world.edit_remotely("a", remarks="Remote remark")
        report = world.driver.push_now(["a"])
        snapshot = world.record("a").snapshot
        assert (snapshot.name, snapshot.remarks) == ("Ours B.V.", "Remote remark")
        assert world.host.saved["a"] == snapshot
        assert report.applied == 1 and not world.outbox.pending()
        assert report.events[0].code == "read_before_write"

    def test_without_host_accounts_the_write_is_parked(self) -> None:
        """No way to merge: the change waits, and nothing is written over the edit."""
        world = World(UNVERSIONED, local=False)
        world.host.save(account("a"))
        world.driver.push_now(["a"])
        world.host.edit("a", name="Ours B.V.")
        world.edit_remotely("a", remarks="Remote remark")
        report = world.driver.push_now(["a"])
        assert report.conflicts == 1 and report.applied == 0
        (parked,) = world.outbox.pending()
        assert parked.state is EntryState.PARKED
        assert parked.last_outcome is not None
        assert parked.last_outcome.code == "remote_edited"
        assert world.record("a").snapshot.remarks == "Remote remark"
        (event,) = report.events
        assert (event.kind, event.code) == (SyncEventKind.CONFLICT, "remote_edited")

    def test_an_untouched_record_is_written_after_one_read(self) -> None:
        world = World(UNVERSIONED)
        world.synced("a")
        world.host.edit("a", name="Ours B.V.")
        report = world.driver.push_now(["a"])
        assert report.calls == 2 and report.applied == 1  # one fetch, one push

    def test_a_lost_response_is_recognised_from_the_fields_the_system_stores(self) -> None:
        """
        A system that cannot hold remarks reads back without them; the lost write is still
        recognised as landed, and no remote edit is seen.
        """
        caps = attrs.evolve(
            UNVERSIONED,
            stored_fields=(("code",), ("name",), ("summary",), ("financial",)),
        )
        clock = Clock(T0)
        inner = InMemoryAccountingSystem(clock=clock, capabilities=caps)

        class Forgetful:
            """Stores no remarks; the first answer is lost."""

            capabilities = caps
            lost = True

            def push(self, items: Sequence[PushItem]) -> list[PushOutcome]:
                stripped = [
                    attrs.evolve(
                        item,
                        change=attrs.evolve(
                            item.change,
                            snapshot=attrs.evolve(item.change.snapshot, remarks=None),
                        ),
                    )
                    for item in items
                ]
                outcomes = inner.push(stripped)
                if self.lost:
                    self.lost = False
                    return [PushOutcome.retryable(maybe_applied=True)] * len(items)
                return outcomes

            def fetch(self, ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
                return inner.fetch(ids)

            def find_by_account_keys(self, keys: Sequence[str]) -> Mapping[str, RemoteAccount]:
                return inner.find_by_account_keys(keys)

        outbox = InMemoryOutbox()
        host = Host(outbox, clock)
        driver = SyncDriver(
            Forgetful(),
            outbox,
            schedule=SCHEDULE,
            clock=clock,
            random=lambda: 0.5,
            accounts=host,
        )
        host.save(attrs.evolve(account("a"), remarks="Only here"))
        driver.push_now(["a"])
        clock.advance(hours=1)
        report = driver.push_now(["a"])
        assert report.applied == 1 and len(inner.applied) == 1
        host.edit("a", name="Ours B.V.")
        report = driver.push_now(["a"])
        assert report.applied == 1 and not report.events  # no remote edit seen
        assert inner.records_for("a")[0].snapshot.name == "Ours B.V."


class TestChangePage:
    def test_a_page_checks_what_it_holds(self) -> None:
        with pytest.raises(ValidationError) as caught:
            ChangePage(records=["R1"], cursor=" ", more="yes")  # type: ignore[arg-type]
        assert [(p.path, p.code) for p in caught.value.problems] == [
            (("records",), "invalid_type"),
            (("cursor",), "required"),
            (("more",), "invalid_type"),
        ]
        with pytest.raises(ValidationError) as caught:
            ChangePage(records=("R1",), cursor="1")  # type: ignore[arg-type]
        assert caught.value.problems[0].path == ("records", 0)


class TestUnversionedLostResponse:
    def test_a_lost_update_response_is_confirmed_by_reading_back(self) -> None:
        """
        A system with no versions at all loses the answer to an update that landed: the read
        back finds the update's snapshot, and the change closes as applied, not as a
        conflict.
        """
        clock = Clock(T0)
        inner = InMemoryAccountingSystem(clock=clock, capabilities=UNVERSIONED)

        class NoVersions:
            """Answers without versions; reads back without them; loses one answer."""

            capabilities = UNVERSIONED
            lose = False

            def push(self, items: Sequence[PushItem]) -> list[PushOutcome]:
                outcomes = [attrs.evolve(outcome, version=None) for outcome in inner.push(items)]
                if self.lose:
                    self.lose = False
                    return [PushOutcome.retryable(maybe_applied=True)] * len(items)
                return outcomes

            def fetch(self, ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
                return {i: attrs.evolve(r, version=None) for i, r in inner.fetch(ids).items()}

            def find_by_account_keys(self, keys: Sequence[str]) -> Mapping[str, RemoteAccount]:
                found = inner.find_by_account_keys(keys)
                return {k: attrs.evolve(r, version=None) for k, r in found.items()}

        system = NoVersions()
        outbox = InMemoryOutbox()
        host = Host(outbox, clock)
        driver = SyncDriver(
            system, outbox, schedule=SCHEDULE, clock=clock, random=lambda: 0.5, accounts=host
        )
        host.save(account("a"))
        driver.push_now(["a"])
        host.edit("a", name="Renamed B.V.")
        system.lose = True
        driver.push_now(["a"])
        clock.advance(hours=1)
        report = driver.push_now(["a"])
        assert report.applied == 1 and report.conflicts == 0 and report.pushed == 0
        assert not outbox.pending()
        assert [c.disposition for c in outbox.closed] == [Disposition.APPLIED] * 2
