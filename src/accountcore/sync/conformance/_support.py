"""
Checked views of a system under test, and the builders the contracts and the machine share.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import ClassVar, TypeVar

import attrs
from hypothesis import Phase, settings

from ...entities import Account, AccountType, Address
from ...errors import SyncError, ValidationError
from .._model import (
    Capabilities,
    Change,
    ChangeKind,
    OutcomeStatus,
    PushItem,
    PushOperation,
    PushOutcome,
    RemoteAccount,
)
from .._ports import AccountingSystem, AsyncAccountingSystem
from .._pull import ChangePage

__all__: list[str] = []


_SAVED_AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
#: No accounting API takes more in one call; a larger declaration is a mistake.
_LARGEST_BATCH = 10_000
_CREATE, _UPDATE = PushOperation.CREATE, PushOperation.UPDATE
_LINK, _UNLINK = PushOperation.LINK, PushOperation.UNLINK
_APPLIED, _DUPLICATE = OutcomeStatus.APPLIED, OutcomeStatus.DUPLICATE
_CONFLICT, _REJECTED = OutcomeStatus.CONFLICT, OutcomeStatus.REJECTED
_SystemT = TypeVar("_SystemT")
_ArgT = TypeVar("_ArgT")
_ResultT = TypeVar("_ResultT")
#: Reading changes to the end that takes more pages than this is taken for a loop.
_MOST_PAGES = 10_000


@functools.cache
def _base_account() -> Account:
    address = Address(line1="Damrak 1", postcode="1012 LG", city="Amsterdam", country="NL")
    return Account.new(
        code="1000", name="Base", type=AccountType.CUSTOMER, address=address, on=date(2026, 1, 1)
    )


def _is_utc(value: object) -> bool:
    # A zero offset now is not enough: Europe/London has one in winter.
    return (
        isinstance(value, datetime)
        and value.tzinfo is not None
        and value.utcoffset() == timedelta(0)
        and value.tzinfo.utcoffset(None) == timedelta(0)
    )


def _describe(outcome: PushOutcome) -> str:
    code = f" {outcome.code}" if outcome.code else ""
    return f"{outcome.status.name}{code} (external id {outcome.external_id!r})"


def _call(
    method: Callable[[_ArgT], _ResultT],
    argument: _ArgT,
    allowed: tuple[type[Exception], ...] = (SyncError,),
) -> _ResultT:
    try:
        return method(argument)
    except allowed:
        raise
    except Exception as error:
        name = getattr(method, "__name__", "a port method")
        also = " (and ValidationError for a cursor it never gave)" if len(allowed) > 1 else ""
        raise AssertionError(
            f"{name} raised {type(error).__name__}: {error}; an adapter may raise only "
            f"accountcore SyncErrors{also}"
        ) from error


def _read_to_end(
    read: Callable[[str | None], ChangePage], cursor: str | None
) -> tuple[dict[str, RemoteAccount], str | None]:
    """
    Read changes from ``cursor`` until a page says no more follows.

    Returns the records listed, by external id (the last listing of each), and the cursor
    after the last page.
    """
    listed: dict[str, RemoteAccount] = {}
    seen = {cursor}
    for _ in range(_MOST_PAGES):
        page = read(cursor)
        listed.update((record.external_id, record) for record in page.records)
        cursor = page.cursor
        if not page.more:
            return listed, cursor
        assert cursor not in seen, (
            f"changes_since answered more=True with the cursor {cursor!r} it gave earlier in "
            "this read: reading to the end would never end"
        )
        seen.add(cursor)
    raise AssertionError(f"changes_since still answered more=True after {_MOST_PAGES} pages")


class _CheckedSystem:
    """
    Call an adapter and turn each broken promise of the port into an `AssertionError`.
    """

    def __init__(self, system: AccountingSystem) -> None:
        self._system = system
        self._cursors: set[str] = set()

    @property
    def capabilities(self) -> Capabilities:
        capabilities = self._system.capabilities
        assert isinstance(capabilities, Capabilities), "capabilities is not a Capabilities"
        return capabilities

    def push(self, items: Sequence[PushItem]) -> list[PushOutcome]:
        outcomes = list(_call(self._system.push, items))
        assert len(outcomes) == len(items), (
            f"push returned {len(outcomes)} outcomes for {len(items)} items"
        )
        assert all(isinstance(o, PushOutcome) for o in outcomes), "push returned a non-outcome"
        return outcomes

    def fetch(self, external_ids: Sequence[str]) -> dict[str, RemoteAccount]:
        found = dict(_call(self._system.fetch, external_ids))
        for external_id, record in found.items():
            assert external_id in external_ids, f"fetch returned {external_id!r}, not asked for"
            assert isinstance(record, RemoteAccount), "fetch returned a non-RemoteAccount"
            assert record.external_id == external_id, (
                f"fetch returned record {record.external_id!r} under id {external_id!r}"
            )
        return found

    def find_by_account_keys(self, account_keys: Sequence[str]) -> dict[str, RemoteAccount]:
        found = dict(_call(self._system.find_by_account_keys, account_keys))
        for key, record in found.items():
            assert key in account_keys, f"find_by_account_keys returned {key!r}, not asked for"
            assert isinstance(record, RemoteAccount), "find returned a non-RemoteAccount"
            assert record.account_key == key, (
                f"find_by_account_keys returned a record of {record.account_key!r} under {key!r}"
            )
        return found

    def changes_since(self, cursor: str | None) -> ChangePage:
        """
        Read one page of changes; only a system that declares ``changes_since`` is asked.

        A `ValidationError` may escape only for a cursor the system never gave.
        """
        assert self.capabilities.changes_since, (
            "the kit reads changes only from a system that declares capabilities.changes_since"
        )
        read = getattr(self._system, "changes_since", None)
        assert callable(read), (
            "the system declares capabilities.changes_since but has no changes_since method"
        )
        try:
            page = _call(read, cursor, (SyncError, ValidationError))
        except ValidationError as error:
            what = "a read from the beginning" if cursor is None else f"its own cursor {cursor!r}"
            assert cursor is not None and cursor not in self._cursors, (
                f"changes_since raised ValidationError on {what}: {error}"
            )
            raise
        assert isinstance(page, ChangePage), (
            f"changes_since returned a {type(page).__name__}, not a ChangePage"
        )
        listed: set[str] = set()
        for record in page.records:
            assert isinstance(record, RemoteAccount), "changes_since listed a non-RemoteAccount"
            assert record.external_id not in listed, (
                f"changes_since listed record {record.external_id!r} twice in one page"
            )
            listed.add(record.external_id)
            assert _is_utc(record.modified_at), (
                f"changes_since listed record {record.external_id!r} with modified_at "
                f"{record.modified_at!r}, not aware UTC"
            )
        assert not page.more or page.cursor != cursor, (
            f"changes_since answered more=True without moving the cursor on from {cursor!r}: "
            "the next read would repeat the page"
        )
        self._cursors.add(page.cursor)
        return page

    def read_to_end(self, cursor: str | None) -> tuple[dict[str, RemoteAccount], str | None]:
        """
        Read changes from ``cursor`` until ``more`` is false: the records by external id
        (each as last listed) and the final cursor.
        """
        return _read_to_end(self.changes_since, cursor)


class _BlockingSystem:
    """
    Present an `AsyncAccountingSystem` as an `AccountingSystem` by running it on one loop.
    """

    def __init__(self, system: AsyncAccountingSystem, loop: asyncio.AbstractEventLoop) -> None:
        self._system = system
        self._loop = loop

    @property
    def capabilities(self) -> Capabilities:
        return self._system.capabilities

    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        return self._loop.run_until_complete(self._system.push(items))

    def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return self._loop.run_until_complete(self._system.fetch(external_ids))

    def find_by_account_keys(self, account_keys: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return self._loop.run_until_complete(self._system.find_by_account_keys(account_keys))

    @property
    def changes_since(self) -> Callable[[str | None], ChangePage] | None:
        """The async system's read of changes, run on the loop, if it has one."""
        read = getattr(self._system, "changes_since", None)
        if not callable(read):
            return None

        def changes_since(cursor: str | None) -> ChangePage:
            page: ChangePage = self._loop.run_until_complete(read(cursor))
            return page

        return changes_since


class _Builders:
    """
    The hooks the contracts and the state machine share; override them in a subclass.
    """

    #: An external id the system never holds. Override it with one in your system's own id
    #: format (say, a random GUID) if the system refuses malformed ids as a whole call.
    unknown_external_id: ClassVar[str] = "conformance-unknown"

    #: A cursor the system never gives; `changes_since` must refuse it with a
    #: ``ValidationError`` at ``("cursor",)``. Override it if this one could be a real cursor.
    unknown_cursor: ClassVar[str] = "not-a-cursor"

    #: Set it when the system refuses two records with one account code (``code_taken``),
    #: so the reference the state machine compares with refuses them too.
    unique_codes: ClassVar[bool] = False

    def account_key(self, name: str) -> str:
        """
        Return the account key the kit uses for the account it calls ``name``.

        Override it to prefix a run id when the system cannot be emptied between tests (a
        shared sandbox), so every run writes fresh records.
        """
        return name

    def snapshot(self, key: str, version: int = 1) -> Account:
        """
        Return a valid account with id ``key``; each ``version`` differs in name and remarks.
        """
        return _snapshot(key, version)

    def comparable(self, snapshot: Account) -> object:
        """
        Project an account onto what the system keeps; the kit compares these projections.

        The default is the account itself: the system reads back exactly what it was given,
        which lets the sync engine recognise a landed write by equality. Override it only if
        the system cannot keep some fields, and say so in your adapter's documentation.
        """
        return snapshot

    def change(
        self,
        kind: ChangeKind,
        key: str,
        version: int = 1,
        *,
        external_id: str | None = None,
        change_id: str | None = None,
    ) -> Change:
        """
        Return a change of account ``key``; a create or update carries ``snapshot(key, version)``.
        """
        writes = kind in (ChangeKind.CREATE, ChangeKind.UPDATE)
        return Change(
            change_id=change_id or f"{key}-{kind.value}-{version}",
            account_key=key,
            seq=version,
            kind=kind,
            saved_at=_SAVED_AT,
            snapshot=self.snapshot(key, version) if writes else None,
            external_id=external_id if kind is ChangeKind.LINK else None,
        )

    def item(
        self,
        operation: PushOperation,
        key: str,
        version: int = 1,
        *,
        external_id: str | None = None,
        base_version: str | None = None,
        change_id: str | None = None,
    ) -> PushItem:
        """
        Return a push item of account ``key``, its idempotency key being its change id.
        """
        change = self.change(
            ChangeKind(operation.value),
            key,
            version,
            external_id=external_id,
            change_id=change_id,
        )
        return PushItem(
            operation=operation,
            change=change,
            idempotency_key=change.change_id,
            external_id=external_id,
            base_version=base_version,
        )


@contextlib.contextmanager
def _blocking(system: AsyncAccountingSystem) -> Iterator[_CheckedSystem]:
    loop = asyncio.new_event_loop()
    try:
        yield _CheckedSystem(_BlockingSystem(system, loop))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _snapshot(key: str, version: int = 1) -> Account:
    """A valid account with id ``key``; each ``version`` differs in name and remarks."""
    return attrs.evolve(
        _base_account(),
        id=key,
        code=key,
        name=f"Account {key} v{version}",
        remarks=f"Version {version} of {key}.",
    )


_MachineT = TypeVar("_MachineT", bound=type)


def _named(machine: _MachineT, factory: object, fallback: str) -> _MachineT:
    """Name a kit machine after its factory and give it the kit's settings."""
    name = getattr(factory, "__name__", "")
    name = name if name.isidentifier() else fallback
    machine.__name__ = machine.__qualname__ = f"{name}StateMachine"
    # Hypothesis's explain phase re-runs a failing program step by step, which takes minutes.
    phases = tuple(phase for phase in settings().phases if phase is not Phase.explain)
    machine.TestCase.settings = settings(  # type: ignore[attr-defined]
        max_examples=50, stateful_step_count=20, deadline=None, phases=phases
    )
    return machine
