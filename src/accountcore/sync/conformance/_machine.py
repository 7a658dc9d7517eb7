"""
The state machine that drives an adapter beside the in-memory reference.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from .._model import (
    PushItem,
    PushOperation,
    PushOutcome,
    RemoteAccount,
)
from .._ports import AccountingSystem
from ..memory import InMemoryAccountingSystem
from ._support import (
    _APPLIED,
    _CREATE,
    _DUPLICATE,
    _REJECTED,
    _SAVED_AT,
    _Builders,
    _CheckedSystem,
    _describe,
    _is_utc,
    _named,
    _read_to_end,
)

__all__ = ["AccountingSystemStateMachine", "make_state_machine"]


_NAMES = ("a", "b", "c")
_MODEL_UNKNOWN = "unknown"
#: The reference version of a record not read yet from changes_since (no version equals it).
_UNREAD = object()


@attrs.frozen
class _Step:
    """
    One drawn item, resolved against the records known when its batch is pushed.

    ``target`` picks a known record (modulo their number; negative: an unknown id),
    ``stale`` bases an update on the record's previous version, and ``replay`` resends an
    earlier item (modulo their number) with its key and payload.
    """

    operation: PushOperation
    name: str
    target: int
    stale: bool
    replay: int | None


_STEPS = st.lists(
    st.builds(
        _Step,
        operation=st.sampled_from(PushOperation),
        name=st.sampled_from(_NAMES),
        target=st.sampled_from((0, 1, 2, 3, -1)),
        stale=st.booleans(),
        replay=st.sampled_from((None, None, None, 0, 1, 2, 3)),
    ),
    min_size=1,
    max_size=4,
)


class AccountingSystemStateMachine(_Builders, RuleBasedStateMachine):
    """
    Drive an adapter and an `InMemoryAccountingSystem` with the same random batches.

    Batches mix creates, updates (on current or stale versions), links and unlinks of three
    accounts, on known or unknown records, with fresh or replayed idempotency keys, up to
    ``max_batch`` (at most 4) items. The reference declares the adapter's capabilities
    without rate limits and reads a fixed clock. After each step the outcome statuses must
    agree; so must every account key's record, every record's account key and snapshot
    (compared through `comparable`), and whether each record's version moved. External ids
    are paired by creation order and versions by time of reading, so the adapter's own
    tokens are fine.

    When the adapter declares ``capabilities.changes_since``, a further step reads the
    changes of both systems from the machine's cursors to the end (``more`` false). Every
    record written since the previous read (created, updated, linked or unlinked, or whose
    account key a link moved off) must be listed by both, each as it is now: the adapter's
    listing with the version its fetch reads, and the key and snapshot of the reference.
    Records the machine did not create (a shared sandbox) are ignored.

    The adapter must not throttle or fail during a run, and must remember idempotency keys
    for the length of a run. Build one with `make_state_machine`, or subclass and override
    `make_system` and the hooks.

    Attributes:
        adapter: the system under test, behind the kit's checks.
        model: the reference system.

    .. versionadded:: 0.1
    """

    def __init__(self) -> None:
        super().__init__()
        self.adapter = _CheckedSystem(self.make_system())
        capabilities = attrs.evolve(self.adapter.capabilities, rate_limits=())
        self.model = InMemoryAccountingSystem(
            clock=lambda: _SAVED_AT, capabilities=capabilities, unique_codes=self.unique_codes
        )
        self._records: list[tuple[str, str]] = []
        self._adapter_ids: dict[str, str] = {}
        self._versions: list[list[tuple[str | None, str | None]]] = []
        self._sent: list[tuple[PushItem, PushItem]] = []
        self._serial = 0
        # Where the next read of changes starts (the reference's, the adapter's), and each
        # reference record's version at the last read.
        self._cursors: tuple[str | None, str | None] = (None, None)
        self._read_versions: dict[str, str | None] = {}

    def make_system(self) -> AccountingSystem:
        """
        Return a fresh, empty system under test.
        """
        raise NotImplementedError("build the machine with make_state_machine(factory)")

    @rule(steps=_STEPS)
    def push(self, steps: list[_Step]) -> None:
        """
        Push one batch to both systems and require the same outcomes.
        """
        batch = [self._resolve(step) for step in steps[: self.model.capabilities.max_batch]]
        # The reference takes the items one by one (as its batches do), so the record holding
        # each item's account key just before it is known.
        holders, expected = [], []
        for model_item, _ in batch:
            found = self.model.records_for(model_item.account_key)
            holders.append(found[0].external_id if found else None)
            expected += self.model.push([model_item])
        actual = self.adapter.push([adapter_item for _, adapter_item in batch])
        for (item, _), holder, want, got in zip(batch, holders, expected, actual, strict=True):
            self._agree(item, holder, want, got)
        self._sent.extend(batch)

    @precondition(lambda self: self.model.capabilities.changes_since)
    @rule()
    def read_changes(self) -> None:
        """
        Read both systems' changes to the end; require every record written since the last
        read listed by both, each as it is now.
        """
        model_cursor, adapter_cursor = self._cursors
        want, model_cursor = _read_to_end(self.model.changes_since, model_cursor)
        got, adapter_cursor = self.adapter.read_to_end(adapter_cursor)
        self._cursors = (model_cursor, adapter_cursor)
        if not self._records:
            return
        models = self.model.fetch([model_id for model_id, _ in self._records])
        adapters = self.adapter.fetch([adapter_id for _, adapter_id in self._records])
        for model_id, adapter_id in self._records:
            now = models[model_id]
            if self._read_versions.get(model_id, _UNREAD) != now.version:
                assert model_id in want, f"the reference does not list {model_id!r}"
                assert adapter_id in got, (
                    f"record {adapter_id!r} was written since the last read of changes, and "
                    "changes_since does not list it"
                )
            self._read_versions[model_id] = now.version
            listed = got.get(adapter_id)
            if listed is None:
                continue
            what = f"record {adapter_id!r} as changes_since lists it"
            self._same_record(listed, now, what)
            current = adapters.get(adapter_id)
            assert current is not None, f"record {adapter_id!r} is listed, but fetch lost it"
            assert listed.version == current.version, (
                f"{what} is at version {listed.version!r}, fetch reads {current.version!r}"
            )

    @invariant()
    def systems_agree(self) -> None:
        """
        Require the same record per account key, and the same key and snapshot per record.
        """
        keys = [self.account_key(name) for name in _NAMES]
        want, got = self.model.find_by_account_keys(keys), self.adapter.find_by_account_keys(keys)
        assert sorted(got) == sorted(want), f"the adapter finds {sorted(got)}, not {sorted(want)}"
        for key, record in want.items():
            self._same_record(got[key], record, f"the record found for {key!r}")
        if not self._records:
            return
        models = self.model.fetch([model_id for model_id, _ in self._records])
        adapters = self.adapter.fetch([adapter_id for _, adapter_id in self._records])
        for (model_id, adapter_id), history in zip(self._records, self._versions, strict=True):
            found = adapters.get(adapter_id)
            assert found is not None, f"record {adapter_id!r} vanished"
            self._same_record(found, models[model_id], f"record {adapter_id!r}")
            assert _is_utc(found.modified_at), f"modified_at {found.modified_at!r} is not UTC"
            self._track(history, models[model_id].version, found.version, adapter_id)

    def _track(
        self,
        history: list[tuple[str | None, str | None]],
        model_version: str | None,
        version: str | None,
        external_id: str,
    ) -> None:
        (last_model, last), moved = history[-1], model_version != history[-1][0]
        assert (version != last) == moved or version is last is None, (
            f"record {external_id!r} went from version {last!r} to {version!r} while the "
            f"reference went from {last_model!r} to {model_version!r}"
        )
        if moved:
            history.append((model_version, version))

    def _same_record(self, got: RemoteAccount, want: RemoteAccount, what: str) -> None:
        assert got.external_id == self._adapter_ids[want.external_id], f"{what} is another one"
        assert got.account_key == want.account_key, (
            f"{what} carries {got.account_key!r}, the reference {want.account_key!r}"
        )
        assert self.comparable(got.snapshot) == self.comparable(want.snapshot), (
            f"{what} holds another snapshot than the reference"
        )

    def _resolve(self, step: _Step) -> tuple[PushItem, PushItem]:
        if step.replay is not None and self._sent:
            return self._sent[step.replay % len(self._sent)]
        self._serial += 1
        key, op, serial = self.account_key(step.name), step.operation, self._serial
        if op is _CREATE:
            item = self.item(_CREATE, key, serial)
            return item, item
        base: tuple[str | None, str | None] = (None, None)
        if step.target < 0 or not self._records:
            ids = (_MODEL_UNKNOWN, self.unknown_external_id)
        else:
            index = step.target % len(self._records)
            ids, history = self._records[index], self._versions[index]
            base = history[-2] if step.stale and len(history) > 1 else history[-1]
        return (
            self.item(op, key, serial, external_id=ids[0], base_version=base[0]),
            self.item(op, key, serial, external_id=ids[1], base_version=base[1]),
        )

    def _agree(
        self, item: PushItem, holder: str | None, want: PushOutcome, got: PushOutcome
    ) -> None:
        what = f"{item.operation.name} of {item.account_key!r} (key {item.idempotency_key!r})"
        assert got.status is want.status or self._answers_replay(item, holder, want, got), (
            f"{what}: the reference answers {_describe(want)}, the adapter {_describe(got)}"
        )
        if want.status is _APPLIED and item.operation is _CREATE:
            assert want.external_id and got.external_id  # a valid APPLIED names its record
            self._records.append((want.external_id, got.external_id))
            self._adapter_ids[want.external_id] = got.external_id
            self._versions.append([(want.version, got.version)])
        elif want.external_id is not None and got.status is want.status:
            paired = self._adapter_ids.get(want.external_id)
            assert got.external_id == paired, f"{what} names {got.external_id!r}, not {paired!r}"

    def _answers_replay(
        self, item: PushItem, holder: str | None, want: PushOutcome, got: PushOutcome
    ) -> bool:
        # Without idempotency keys a replayed create may answer DUPLICATE of the record that
        # held its account key (``holder``, a reference id), or REJECTED account_key_taken
        # where the reference recognises the replay by its snapshot (the contract's replay
        # test allows both; the engine adopts the record either way).
        if self.model.capabilities.idempotency_keys or item.operation is not _CREATE:
            return False
        if (want.status, got.status, got.code) == (_DUPLICATE, _REJECTED, "account_key_taken"):
            return True
        return (
            (want.code, got.status) == ("account_key_taken", _DUPLICATE)
            and holder is not None
            and got.external_id == self._adapter_ids.get(holder)
            and any(sent.idempotency_key == item.idempotency_key for sent, _ in self._sent)
        )


def make_state_machine(
    factory: Callable[[], AccountingSystem],
) -> type[AccountingSystemStateMachine]:
    """
    Return an `AccountingSystemStateMachine` over the systems ``factory`` makes.

    Collect it with ``TestMine = make_state_machine(MyAdapter).TestCase``. It runs 50
    examples of up to 20 steps, without a deadline and without the explain phase; every
    other setting comes from the Hypothesis profile active at this call. Change them with
    ``TestMine.settings = hypothesis.settings(...)``, and subclass the result to override
    the hooks (`comparable`, `snapshot`, `account_key`, ...).

    Args:
        factory: returns a fresh, empty system on every call.

    Returns:
        A new state machine class.

    .. versionadded:: 0.1
    """

    class Machine(AccountingSystemStateMachine):
        def make_system(self) -> AccountingSystem:
            return factory()

    return _named(Machine, factory, "AccountingSystem")
