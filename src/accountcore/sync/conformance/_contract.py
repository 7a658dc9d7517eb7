"""
The contract tests, written once for plain and asyncio adapters.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Collection, Sequence
from typing import Generic

import pytest

from ...errors import SyncError, UnsupportedOperationError, ValidationError
from .._model import (
    ChangeKind,
    PushItem,
    PushOutcome,
    RemoteAccount,
)
from .._ports import AccountingSystem, AsyncAccountingSystem
from ._support import (
    _APPLIED,
    _CONFLICT,
    _CREATE,
    _DUPLICATE,
    _LARGEST_BATCH,
    _LINK,
    _REJECTED,
    _UNLINK,
    _UPDATE,
    _blocking,
    _Builders,
    _CheckedSystem,
    _describe,
    _is_utc,
    _SystemT,
)

__all__ = ["AccountingSystemContract", "AsyncAccountingSystemContract"]

#: How many records the tests of `changes_since` create: more than a small page holds.
_CHANGED = 7


class _Contract(_Builders, Generic[_SystemT]):
    """
    The contract tests, written once against a checked synchronous view of the system.
    """

    @pytest.fixture
    def system(self) -> _SystemT:
        """
        Return a fresh, empty system under test; override this fixture.
        """
        raise NotImplementedError("override the `system` fixture")

    def _open(self, system: _SystemT) -> contextlib.AbstractContextManager[_CheckedSystem]:
        raise NotImplementedError

    def _push(self, port: _CheckedSystem, items: Sequence[PushItem]) -> list[PushOutcome]:
        size = port.capabilities.max_batch
        chunks = (items[start : start + size] for start in range(0, len(items), size))
        return [outcome for chunk in chunks for outcome in port.push(chunk)]

    def _create(self, port: _CheckedSystem, key: str) -> PushOutcome:
        outcome = port.push([self.item(_CREATE, key)])[0]
        self._created(outcome, key)
        return outcome

    def _created(self, outcome: PushOutcome, key: str) -> str:
        assert outcome.status is _APPLIED and outcome.external_id, (
            f"a create of {key!r} answered {_describe(outcome)}, not APPLIED with an external id"
        )
        return outcome.external_id

    def _update(
        self, port: _CheckedSystem, key: str, version: int, external_id: str, base: str | None
    ) -> PushOutcome:
        item = self.item(_UPDATE, key, version, external_id=external_id, base_version=base)
        return port.push([item])[0]

    def _record(self, port: _CheckedSystem, external_id: str) -> RemoteAccount:
        record = port.fetch([external_id]).get(external_id)
        assert record is not None, f"fetch does not find record {external_id!r}"
        return record

    def _assert_holds(self, record: RemoteAccount, key: str, version: int, when: str) -> None:
        assert self.comparable(record.snapshot) == self.comparable(self.snapshot(key, version)), (
            f"{when}, record {record.external_id!r} does not hold version {version} of {key!r}"
        )

    def test_outcomes_match_items_in_count_and_order(self, system: _SystemT) -> None:
        """
        Push returns one outcome per item, in the order of the items, around a rejected one.
        """
        with self._open(system) as port:
            a, b = self.account_key("a"), self.account_key("b")
            unknown = self.item(_UPDATE, a, 2, external_id=self.unknown_external_id)
            outcomes = self._push(port, [self.item(_CREATE, a), unknown, self.item(_CREATE, b)])
            statuses = [o.status for o in outcomes]
            assert statuses == [_APPLIED, _REJECTED, _APPLIED], f"outcomes are {statuses}"
            ids = [self._created(outcomes[0], a), self._created(outcomes[2], b)]
            found = port.fetch(ids)
            keys = [found[i].account_key if i in found else None for i in ids]
            assert keys == [a, b], f"the outcomes' records carry {keys}, not [{a!r}, {b!r}]"

    def test_create_applies_with_external_id_and_version(self, system: _SystemT) -> None:
        """
        A create is APPLIED with an external id and, given conditional updates, a version.
        """
        with self._open(system) as port:
            a = self.account_key("a")
            outcome = self._create(port, a)
            assert outcome.version is not None or not port.capabilities.conditional_update, (
                "a system with conditional updates must report the version a create made"
            )
            record = self._record(port, self._created(outcome, a))
            assert (record.account_key, record.version) == (a, outcome.version), (
                f"the record carries {record.account_key!r} at version {record.version!r}, "
                f"the create reported {a!r} at {outcome.version!r}"
            )

    def test_replayed_create_is_a_duplicate(self, system: _SystemT) -> None:
        """
        A replayed create is DUPLICATE of the first record (or, without idempotency keys,
        may be REJECTED account_key_taken), and the account still has that one record.
        """
        with self._open(system) as port:
            a = self.account_key("a")
            item = self.item(_CREATE, a)
            first = self._created(port.push([item])[0], a)
            replay = port.push([item])[0]
            duplicate = (replay.status, replay.external_id) == (_DUPLICATE, first)
            taken = (replay.status, replay.code) == (_REJECTED, "account_key_taken")
            assert duplicate or (taken and not port.capabilities.idempotency_keys), (
                f"the replay answered {_describe(replay)}, not DUPLICATE of {first!r}"
            )
            found = port.find_by_account_keys([a]).get(a)
            assert found is not None and found.external_id == first, (
                f"after the replay {a!r} is found on {found and found.external_id!r}, not {first!r}"
            )

    def test_stale_base_version_is_a_conflict(self, system: _SystemT) -> None:
        """
        With conditional updates an update on a stale version is a CONFLICT and changes
        nothing; without them it applies (last writer wins).
        """
        with self._open(system) as port:
            a = self.account_key("a")
            created = self._create(port, a)
            external_id = self._created(created, a)
            current = self._update(port, a, 2, external_id, created.version)
            assert current.status is _APPLIED, f"an update answered {_describe(current)}"
            stale = self._update(port, a, 3, external_id, created.version)
            record = self._record(port, external_id)
            if not port.capabilities.conditional_update:
                assert stale.status is _APPLIED, f"a stale update answered {_describe(stale)}"
                self._assert_holds(record, a, 3, "after a last-writer-wins update")
                return
            assert stale.status is _CONFLICT, f"a stale update answered {_describe(stale)}"
            assert stale.version in (None, record.version), "the conflict names another version"
            assert record.version == current.version, "a conflict changed the record's version"
            self._assert_holds(record, a, 2, "after a conflict")

    def test_version_changes_on_every_applied_update(self, system: _SystemT) -> None:
        """
        Every applied update reports a version never seen before, and fetch agrees with it.
        """
        with self._open(system) as port:
            a = self.account_key("a")
            created = self._create(port, a)
            external_id = self._created(created, a)
            versions = [created.version]
            for version in (2, 3, 4):
                outcome = self._update(port, a, version, external_id, versions[-1])
                assert outcome.status is _APPLIED, f"an update answered {_describe(outcome)}"
                versions.append(outcome.version)
            if port.capabilities.conditional_update or versions != [None] * len(versions):
                assert None not in versions and len(set(versions)) == len(versions), (
                    f"create and three updates reported the versions {versions}"
                )
            fetched = self._record(port, external_id).version
            assert fetched == versions[-1], f"fetch reads {fetched!r}, not {versions[-1]!r}"

    def test_find_by_account_keys_finds_created_records(self, system: _SystemT) -> None:
        """
        find_by_account_keys returns the created records by account key, and no unknown key.
        """
        with self._open(system) as port:
            a, b, unknown = (self.account_key(name) for name in ("a", "b", "never-created"))
            ids = [self._created(self._create(port, key), key) for key in (a, b)]
            found = port.find_by_account_keys([a, unknown, b])
            assert sorted(found) == sorted([a, b]), f"found {sorted(found)}, not [{a!r}, {b!r}]"
            assert [found[a].external_id, found[b].external_id] == ids, (
                f"found {found[a].external_id!r} and {found[b].external_id!r}, created {ids}"
            )
            assert port.find_by_account_keys([unknown]) == {}, "an unknown key was found"

    def test_fetch_returns_created_records_and_omits_unknown_ids(self, system: _SystemT) -> None:
        """
        fetch returns the created records by external id and leaves out unknown ids.
        """
        with self._open(system) as port:
            a, b = self.account_key("a"), self.account_key("b")
            ids = [self._created(self._create(port, key), key) for key in (a, b)]
            found = port.fetch([ids[0], self.unknown_external_id, ids[1]])
            assert sorted(found) == sorted(ids), f"fetch returned {sorted(found)}, not {ids}"
            keys = [found[i].account_key for i in ids]
            assert keys == [a, b], f"the fetched records carry {keys}, not [{a!r}, {b!r}]"

    def test_rejected_item_does_not_fail_its_neighbours(self, system: _SystemT) -> None:
        """
        A rejected item leaves the items before and after it in the batch APPLIED.
        """
        with self._open(system) as port:
            a, b = self.account_key("a"), self.account_key("b")
            unknown = self.item(_UPDATE, b, 2, external_id=self.unknown_external_id)
            outcomes = self._push(port, [self.item(_CREATE, a), unknown, self.item(_CREATE, b)])
            assert outcomes[1].status is _REJECTED, f"the middle: {_describe(outcomes[1])}"
            for outcome, key in ((outcomes[0], a), (outcomes[2], b)):
                self._created(outcome, key)
            found = port.find_by_account_keys([a, b])
            assert sorted(found) == sorted([a, b]), f"only {sorted(found)} were created"

    def test_unknown_external_id_is_rejected_not_found(self, system: _SystemT) -> None:
        """
        An update, link or unlink of an unknown external id is REJECTED with code not_found.
        """
        with self._open(system) as port:
            a, unknown = self.account_key("a"), self.unknown_external_id
            operations = (_UPDATE, _LINK, _UNLINK)
            items = [self.item(op, a, 2, external_id=unknown) for op in operations]
            for operation, outcome in zip(operations, self._push(port, items), strict=True):
                assert (outcome.status, outcome.code) == (_REJECTED, "not_found"), (
                    f"{operation.name} of an unknown record answered {_describe(outcome)}"
                )

    def test_datetimes_are_aware_utc(self, system: _SystemT) -> None:
        """
        Every modified_at read back is aware and in UTC: its zone's offset is always zero.
        """
        with self._open(system) as port:
            a = self.account_key("a")
            created = self._create(port, a)
            external_id = self._created(created, a)
            records = [self._record(port, external_id)]
            self._update(port, a, 2, external_id, created.version)
            records += [self._record(port, external_id), *port.find_by_account_keys([a]).values()]
            if port.capabilities.changes_since:
                records += port.read_to_end(None)[0].values()
            for record in records:
                assert _is_utc(record.modified_at), (
                    f"modified_at {record.modified_at!r} is not aware UTC"
                )

    def test_batch_above_max_batch_is_refused(self, system: _SystemT) -> None:
        """
        A batch longer than capabilities.max_batch raises UnsupportedOperationError, writing
        nothing.
        """
        with self._open(system) as port:
            size = port.capabilities.max_batch + 1
            assert size <= _LARGEST_BATCH + 1, f"declare the real max_batch, not {size - 1}"
            keys = [self.account_key(f"batch-{n}") for n in range(size)]
            try:
                outcomes = port.push([self.item(_CREATE, key) for key in keys])
            except UnsupportedOperationError:
                outcomes = None
            assert outcomes is None, (
                f"a batch of {size} items above max_batch answered {len(outcomes or ())} "
                "outcomes instead of raising UnsupportedOperationError"
            )
            found = port.find_by_account_keys([keys[0], keys[-1]])
            assert found == {}, "a refused batch wrote records"

    def test_only_sync_errors_escape(self, system: _SystemT) -> None:
        """
        Malformed but typed calls return one outcome per item (or a mapping), or raise a
        SyncError, never another exception.
        """
        with self._open(system) as port:
            a = self.account_key("a")
            external_id = self._created(self._create(port, a), a)
            # A key with no record, so the adapter cannot answer before it reads the snapshot.
            fresh, unknown = self.account_key("b"), self.unknown_external_id
            no_snapshot = self.change(ChangeKind.UNLINK, fresh)
            pushes: dict[str, list[PushItem]] = {
                "an empty batch": [],
                "an update without external id": [self.item(_UPDATE, a, 2)],
                "an unlink without external id": [self.item(_UNLINK, a, 2)],
                "a link to an unknown record": [self.item(_LINK, a, 2, external_id=unknown)],
                "a create without a snapshot": [
                    PushItem(operation=_CREATE, change=no_snapshot, idempotency_key=f"{fresh}-x")
                ],
                "an update on a malformed base version": [
                    self.item(_UPDATE, a, 3, external_id=external_id, base_version="\x00?")
                ],
            }
            cases: list[tuple[str, Callable[[], object]]] = [
                (description, functools.partial(port.push, items))
                for description, items in pushes.items()
            ]
            for what, values in (("an empty", []), ("a blank", [""])):
                cases.append((f"{what} fetch", functools.partial(port.fetch, values)))
                cases.append(
                    (f"{what} lookup", functools.partial(port.find_by_account_keys, values))
                )
            if port.capabilities.changes_since:
                # A ValidationError (a cursor the system never gave) is allowed, and only there.
                for cursor in ("", self.unknown_cursor):
                    read = functools.partial(port.changes_since, cursor)
                    cases.append((f"a read of changes from {cursor!r}", read))
            for description, call in cases:
                try:
                    call()
                except (SyncError, ValidationError):
                    pass
                except AssertionError as error:
                    raise AssertionError(f"{description}: {error}") from error

    def test_link_moves_the_account_key_and_unlink_removes_it(self, system: _SystemT) -> None:
        """
        Link moves the account key onto the named record and off its old one; unlink removes
        it, and find_by_account_keys follows both.
        """
        with self._open(system) as port:
            a, b = self.account_key("a"), self.account_key("b")
            old, target = (self._created(self._create(port, key), key) for key in (a, b))
            linked = port.push([self.item(_LINK, a, 2, external_id=target)])[0]
            assert (linked.status, linked.external_id) == (_APPLIED, target), (
                f"a link answered {_describe(linked)}, not APPLIED on {target!r}"
            )
            found = {key: r.external_id for key, r in port.find_by_account_keys([a, b]).items()}
            assert found == {a: target}, f"after the link the lookup finds {found}"
            moved_off = self._record(port, old).account_key
            assert moved_off is None, f"the old record still carries {moved_off!r}"
            unlinked = port.push([self.item(_UNLINK, a, 3, external_id=target)])[0]
            assert unlinked.status is _APPLIED, f"an unlink answered {_describe(unlinked)}"
            assert port.find_by_account_keys([a]) == {}, "after the unlink the key is found"
            assert self._record(port, target).account_key is None, "unlink left the key"

    def test_snapshot_reads_back_as_written(self, system: _SystemT) -> None:
        """
        fetch and find_by_account_keys read back the snapshot a create or an update wrote.
        """
        with self._open(system) as port:
            a = self.account_key("a")
            created = self._create(port, a)
            external_id = self._created(created, a)
            self._assert_reads_back(port, a, 1, external_id)
            self._update(port, a, 2, external_id, created.version)
            self._assert_reads_back(port, a, 2, external_id)

    def _assert_reads_back(
        self, port: _CheckedSystem, key: str, version: int, external_id: str
    ) -> None:
        self._assert_holds(self._record(port, external_id), key, version, "on fetch")
        found = port.find_by_account_keys([key]).get(key)
        assert found is not None, f"{key!r} is not found"
        self._assert_holds(found, key, version, "on find_by_account_keys")

    def _create_many(self, port: _CheckedSystem) -> tuple[list[str], list[str], list[PushOutcome]]:
        keys = [self.account_key(f"changed-{n}") for n in range(_CHANGED)]
        outcomes = self._push(port, [self.item(_CREATE, key) for key in keys])
        ids = [self._created(outcome, key) for outcome, key in zip(outcomes, keys, strict=True)]
        return keys, ids, outcomes

    def _read_changes(
        self, port: _CheckedSystem, cursor: str | None, ids: Collection[str]
    ) -> tuple[dict[str, RemoteAccount], str | None]:
        """Read changes to the end; each listed record of ``ids`` is as fetch reads it now."""
        listed, cursor = port.read_to_end(cursor)
        mine = [external_id for external_id in listed if external_id in ids]
        current = port.fetch(mine) if mine else {}
        for external_id in mine:
            record, now = listed[external_id], current.get(external_id)
            assert now is not None, f"changes_since lists {external_id!r}, fetch does not find it"
            assert (record.account_key, record.version) == (now.account_key, now.version), (
                f"changes_since lists {external_id!r} carrying {record.account_key!r} at version "
                f"{record.version!r}, fetch reads {now.account_key!r} at {now.version!r}: a "
                "record is listed as it is now"
            )
            assert self.comparable(record.snapshot) == self.comparable(now.snapshot), (
                f"changes_since lists {external_id!r} with another snapshot than fetch reads"
            )
        return listed, cursor

    def _assert_listed(self, listed: Collection[str], ids: Sequence[str], after: str) -> None:
        missing = [external_id for external_id in ids if external_id not in listed]
        assert not missing, f"{after}, reading changes to the end does not list {missing}"

    def test_changes_since_lists_every_record_as_fetch_reads_it(self, system: _SystemT) -> None:
        """
        Read from no cursor until ``more`` is false, changes_since lists every record created,
        each with the account key, version and snapshot fetch reads.
        """
        with self._open(system) as port:
            if not port.capabilities.changes_since:
                return
            _, ids, _ = self._create_many(port)
            listed, _ = self._read_changes(port, None, ids)
            self._assert_listed(listed, ids, f"after {len(ids)} creates")

    def test_changes_since_lists_an_updated_record_again(self, system: _SystemT) -> None:
        """
        Read to the end, then update the oldest record: reading on from the last cursor lists
        it again, with its new version and snapshot.
        """
        with self._open(system) as port:
            if not port.capabilities.changes_since:
                return
            keys, ids, outcomes = self._create_many(port)
            _, cursor = self._read_changes(port, None, ids)
            updated = self._update(port, keys[0], 2, ids[0], outcomes[0].version)
            assert updated.status is _APPLIED, f"an update answered {_describe(updated)}"
            listed, _ = self._read_changes(port, cursor, ids)
            self._assert_listed(listed, ids[:1], f"after an update of {ids[0]!r}")
            self._assert_holds(listed[ids[0]], keys[0], 2, "read from changes_since")
            assert updated.version in (None, listed[ids[0]].version), (
                f"changes_since lists {ids[0]!r} at version {listed[ids[0]].version!r}, the "
                f"update reported {updated.version!r}"
            )

    def test_changes_since_lists_links_and_unlinks(self, system: _SystemT) -> None:
        """
        A link moves the account key onto a record and off another, an unlink removes it:
        reading on lists each record whose key changed, records left with no key too.
        """
        with self._open(system) as port:
            if not port.capabilities.changes_since:
                return
            a, b = self.account_key("a"), self.account_key("b")
            ids = [self._created(self._create(port, key), key) for key in (a, b)]
            old, target = ids
            _, cursor = self._read_changes(port, None, ids)
            linked = port.push([self.item(_LINK, a, 2, external_id=target)])[0]
            assert linked.status is _APPLIED, f"a link answered {_describe(linked)}"
            listed, cursor = self._read_changes(port, cursor, ids)
            self._assert_listed(listed, ids, f"after a link of {a!r} onto {target!r}")
            keys = [listed[old].account_key, listed[target].account_key]
            assert keys == [None, a], f"after the link the records are listed carrying {keys}"
            unlinked = port.push([self.item(_UNLINK, a, 3, external_id=target)])[0]
            assert unlinked.status is _APPLIED, f"an unlink answered {_describe(unlinked)}"
            listed, _ = self._read_changes(port, cursor, ids)
            self._assert_listed(listed, [target], f"after an unlink of {target!r}")
            assert listed[target].account_key is None, "the unlinked record is listed with a key"

    def test_changes_since_lists_nothing_stale_from_the_final_cursor(
        self, system: _SystemT
    ) -> None:
        """
        With nothing changed, reading on from the final cursor ends, and lists no record
        other than as fetch reads it (an unchanged record listed again is allowed).
        """
        with self._open(system) as port:
            if not port.capabilities.changes_since:
                return
            keys, ids, outcomes = self._create_many(port)
            _, cursor = self._read_changes(port, None, ids)
            self._update(port, keys[0], 2, ids[0], outcomes[0].version)
            for _ in range(3):
                _, cursor = self._read_changes(port, cursor, ids)

    def test_changes_since_refuses_a_cursor_it_never_gave(self, system: _SystemT) -> None:
        """
        A made-up cursor (`unknown_cursor`) raises ValidationError with a problem at
        ("cursor",), not another error and not a page.
        """
        with self._open(system) as port:
            if not port.capabilities.changes_since:
                return
            a = self.account_key("a")
            self._create(port, a)
            port.read_to_end(None)
            cursor = self.unknown_cursor
            try:
                page = port.changes_since(cursor)
            except ValidationError as error:
                paths = [problem.path for problem in error.problems]
                assert ("cursor",) in paths, (
                    f"the made-up cursor {cursor!r} was refused at {paths}, not at ('cursor',)"
                )
                return
            except SyncError as error:
                raise AssertionError(
                    f"the made-up cursor {cursor!r} raised {type(error).__name__}, not "
                    "ValidationError at ('cursor',)"
                ) from error
            raise AssertionError(
                f"the made-up cursor {cursor!r} read a page of {len(page.records)} records "
                "instead of raising ValidationError at ('cursor',)"
            )


class AccountingSystemContract(_Contract[AccountingSystem]):
    """
    The contract every `AccountingSystem` adapter must pass, as a pytest base class.

    Subclass it in a ``Test*`` class and override the `system` fixture to return a fresh,
    empty system. Optional hooks: `account_key`, `snapshot`, `comparable`, `change`, `item`,
    `unknown_external_id` and `unknown_cursor`. Each test method takes the system as its
    only argument, so it can also be called directly.

    The ``test_changes_since_*`` tests check the incremental read
    (`accountcore.sync.RemoteChanges`) of a system that declares
    ``capabilities.changes_since``; they pass at once for one that does not. They read to
    the end from no cursor first, so on a shared sandbox they list every record it holds.

    .. versionadded:: 0.1
    """

    def _open(self, system: AccountingSystem) -> contextlib.AbstractContextManager[_CheckedSystem]:
        return contextlib.nullcontext(_CheckedSystem(system))


class AsyncAccountingSystemContract(_Contract[AsyncAccountingSystem]):
    """
    The same contract for an `AsyncAccountingSystem`: the `system` fixture returns one.

    Each test runs its calls on one fresh event loop, which it closes at the end (what
    `asyncio.run` does, kept for the whole test so that clients bound to a loop keep
    working). No pytest plugin is needed.

    .. versionadded:: 0.1
    """

    def _open(
        self, system: AsyncAccountingSystem
    ) -> contextlib.AbstractContextManager[_CheckedSystem]:
        return _blocking(system)
