"""
The two drivers: run the engine against an accounting system and an outbox, plainly or
with asyncio. They are the only place where a default clock, sleep and random source live.
"""

from __future__ import annotations

import asyncio
import random as _random
import time
from collections.abc import Awaitable, Callable, Collection, Generator, Iterable
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from ..errors import (
    ConflictError,
    NotFoundError,
    Problem,
    UnsupportedOperationError,
    ValidationError,
)
from ._events import SyncEvent
from ._model import Capabilities, RemoteAccount
from ._outage import redrive as _redrive
from ._outage import resume as _resume
from ._policy import DEFAULT_POLICY, RandomSource, Resolution, SyncPolicy
from ._ports import AccountingSystem, AsyncAccountingSystem, Closed, Outbox, Record
from ._pull import AsyncRemoteChanges, LocalAccounts, PullReport, RemoteChanges
from ._pulling import ChangesCall, PullCall, pull, receive
from ._runner import Call, FetchCall, FindCall, LocalCall, RunReport, TakeCall, run
from ._schedule import Schedule
from ._settle import expedite, resolve_conflict

__all__ = ["AsyncSyncDriver", "SyncDriver"]

_R = TypeVar("_R", RunReport, PullReport)

_IDLE = timedelta(minutes=1)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _checked_now(now: datetime | None, clock: Callable[[], datetime]) -> datetime:
    value = clock() if now is None else now
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValidationError([Problem(("now",), "naive_datetime", "now needs a time zone.")])
    return value


class _Base:
    def __init__(
        self,
        outbox: Outbox,
        *,
        schedule: Schedule,
        policy: SyncPolicy,
        clock: Callable[[], datetime] | None,
        random: RandomSource | None,
        accounts: LocalAccounts | None,
    ) -> None:
        self.outbox = outbox
        self.schedule = schedule
        self.policy = policy
        self.clock = clock or _utc_now
        self.random = random or _random.Random().random
        self.accounts = accounts

    def _steps(
        self, capabilities: Capabilities, at: datetime
    ) -> Generator[Call, object, RunReport]:
        return run(
            self.outbox,
            capabilities,
            now=at,
            schedule=self.schedule,
            policy=self.policy,
            random=self.random,
            local=self.accounts is not None,
        )

    def _host(self, call: LocalCall | TakeCall) -> object:
        """Make a call on the host's accounts (only asked for when the driver has them)."""
        accounts = self.accounts
        if accounts is None:
            raise UnsupportedOperationError("the driver was given no LocalAccounts")
        if isinstance(call, LocalCall):
            return accounts.accounts(call.account_keys)
        accounts.take(call.incoming)
        return None

    def _pull_steps(
        self, capabilities: Capabilities, supported: bool, at: datetime, pages: int | None
    ) -> Generator[PullCall, object, PullReport]:
        if self.accounts is None:
            raise UnsupportedOperationError("pulling remote edits needs the host's LocalAccounts")
        if not supported or not capabilities.changes_since:
            raise UnsupportedOperationError(
                "the accounting system does not read changes since a cursor (changes_since)"
            )
        bad = isinstance(pages, bool) or not isinstance(pages, int) or pages < 1
        if pages is not None and bad:
            raise ValidationError(
                [Problem(("pages",), "out_of_range", "pages must be an integer of at least 1.")]
            )
        return pull(
            self.outbox, capabilities, now=at, policy=self.policy, random=self.random, pages=pages
        )

    def _receive_steps(
        self, capabilities: Capabilities, records: Iterable[RemoteAccount], at: datetime
    ) -> Generator[PullCall, object, PullReport]:
        if self.accounts is None:
            raise UnsupportedOperationError("merging remote edits needs the host's LocalAccounts")
        return receive(self.outbox, capabilities, records, now=at)

    def _expedite(self, account_keys: Collection[str], now: datetime) -> None:
        record = expedite(self.outbox.pending(), account_keys, now=now)
        if record:
            self.outbox.record(record)

    def resolve(
        self, change_id: str, resolution: Resolution, *, now: datetime | None = None
    ) -> None:
        """
        Resolve the parked conflict of ``change_id`` (see `resolve_conflict`).

        Raises:
            NotFoundError: no open entry has that change id.
            ValidationError: the entry is not parked.
        """
        at = _checked_now(now, self.clock)
        entry = next((e for e in self.outbox.pending() if e.change.change_id == change_id), None)
        if entry is None:
            raise NotFoundError(f"no open outbox entry has change id {change_id!r}")
        link = self.outbox.links([entry.change.account_key]).get(entry.change.account_key)
        self.outbox.record(resolve_conflict(entry, resolution, link, now=at))

    def resume(self, *, now: datetime | None = None) -> SyncEvent | None:
        """
        Resume the tenant after the host fixed what held it (credentials, configuration) or
        what made whole calls fail: the hold and the outage backoff are lifted, and the
        changes that waited go at the next run with every attempt they had. A pause a rate
        limit or the error budget set stays.

        Returns:
            A ``RESUMED`` event, or ``None`` when the tenant was neither held nor backing off.

        .. versionadded:: 0.2
        """
        record, event = _resume(self.outbox.tenant(), now=_checked_now(now, self.clock))
        if record:
            self.outbox.record(record)
        return event

    def redrive(
        self, dead_letters: Iterable[Closed], *, now: datetime | None = None
    ) -> tuple[SyncEvent, ...]:
        """
        Open dead letters again (`accountcore.sync.engine.redrive`): each goes at the next
        run, with its attempts back at 0, unless its account has a newer change (open, or
        closed: the outbox refuses it then), which carries a newer snapshot.

        Args:
            dead_letters: dead letters as the outbox recorded them, each with its change.
            now: the current time (default: the clock).

        Returns:
            One ``REDRIVEN`` event per change opened again; none for one left alone.

        Raises:
            ValidationError: an item is not a dead letter, or lacks its change.

        .. versionadded:: 0.2
        """
        at = _checked_now(now, self.clock)
        record, events = _redrive(dead_letters, self.outbox.pending(), now=at)
        opened = []
        for entry, event in zip(record.reopened, events, strict=True):
            try:  # one account at a time: the outbox refuses a change no longer the newest
                self.outbox.record(Record(reopened=(entry,)))
            except ConflictError:
                continue
            opened.append(event)
        return tuple(opened)

    def _pause_for(self, report: RunReport, now: datetime, idle: timedelta) -> float:
        wake = report.wake_at
        wait = idle if wake is None else min(max(wake - now, timedelta(0)), idle)
        return wait.total_seconds()


class SyncDriver(_Base):
    """
    Run sync against an `AccountingSystem` and an `Outbox`, in the calling thread.

    Args:
        system: the adapter.
        outbox: the host's outbox.
        schedule: the system schedule.
        policy: the sync policy.
        clock: returns the current aware time; defaults to the system clock, in UTC.
        sleep: sleeps for seconds; defaults to `time.sleep`.
        random: floats in ``[0, 1)`` for the jitter; defaults to a fresh `random.Random`.
        accounts: the host's accounts (`LocalAccounts`), to merge remote edits into: needed
            by `pull` and `receive`; with it, a remote edit found before a write (a system
            without conditional updates) is merged in, without it the write is parked.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``accounts``, `pull` and `receive`.
    """

    def __init__(
        self,
        system: AccountingSystem,
        outbox: Outbox,
        *,
        schedule: Schedule,
        policy: SyncPolicy = DEFAULT_POLICY,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] | None = None,
        random: RandomSource | None = None,
        accounts: LocalAccounts | None = None,
    ) -> None:
        super().__init__(
            outbox,
            schedule=schedule,
            policy=policy,
            clock=clock,
            random=random,
            accounts=accounts,
        )
        self.system = system
        self.sleep = sleep or time.sleep

    def pull(self, *, now: datetime | None = None, pages: int | None = None) -> PullReport:
        """
        Read the records the accounting system changed since the last pull, and merge each
        remote edit into the host's account (`LocalAccounts.take` saves it); see
        `accountcore.sync.engine.take_in`.

        Args:
            now: the current time (default: the clock).
            pages: read at most this many pages (default: until the system has no more).

        Raises:
            UnsupportedOperationError: the driver has no `LocalAccounts`, or the system does
                not read changes (``capabilities.changes_since``, `RemoteChanges`).
            AdapterError: the system broke the port's contract.

        .. versionadded:: 0.2
        """
        system = self.system
        supported = isinstance(system, RemoteChanges)
        at = _checked_now(now, self.clock)
        steps = self._pull_steps(system.capabilities, supported, at, pages)
        return self._drive(steps)

    def receive(
        self, records: Iterable[RemoteAccount], *, now: datetime | None = None
    ) -> PullReport:
        """
        Merge records a webhook delivered into the host's accounts, as `pull` does.

        Raises:
            UnsupportedOperationError: the driver has no `LocalAccounts`.
            ValidationError: an item is not a `RemoteAccount`.

        .. versionadded:: 0.2
        """
        at = _checked_now(now, self.clock)
        return self._drive(self._receive_steps(self.system.capabilities, records, at))

    def run_due(self, *, now: datetime | None = None) -> RunReport:
        """
        Send everything due at ``now`` (default: the clock); return what happened.
        """
        steps = self._steps(self.system.capabilities, _checked_now(now, self.clock))
        return self._drive(steps)

    def push_now(self, account_keys: Collection[str], *, now: datetime | None = None) -> RunReport:
        """
        Push these accounts' queued changes now instead of at the next schedule run.
        """
        at = _checked_now(now, self.clock)
        self._expedite(account_keys, at)
        return self.run_due(now=at)

    def run_forever(self, *, stop: Callable[[], bool], idle: timedelta = _IDLE) -> None:
        """
        Run, sleep until something is due (at most ``idle``), and again, until ``stop()``.
        """
        while not stop():
            now = _checked_now(None, self.clock)
            report = self.run_due(now=now)
            self.sleep(self._pause_for(report, now, idle))

    def _drive(self, steps: Generator[Call | ChangesCall, object, _R]) -> _R:
        system = self.system
        try:
            call = next(steps)
            while True:
                if isinstance(call, (LocalCall, TakeCall)):
                    call = steps.send(self._host(call))  # the host's own errors propagate
                    continue
                try:
                    if isinstance(call, FindCall):
                        result: object = system.find_by_account_keys(call.account_keys)
                    elif isinstance(call, FetchCall):
                        result = system.fetch(call.external_ids)
                    elif isinstance(call, ChangesCall):
                        assert isinstance(system, RemoteChanges)  # checked before the pull
                        result = system.changes_since(call.cursor)
                    else:
                        result = system.push(call.items)
                except Exception as error:  # the runner decides what an error means
                    call = steps.throw(error)
                else:
                    call = steps.send(result)
        except StopIteration as stop:
            report: _R = stop.value
            return report


class AsyncSyncDriver(_Base):
    """
    Run sync against an `AsyncAccountingSystem` and an `Outbox`, with asyncio.

    The same engine and the same run as `SyncDriver`; only the calls to the accounting
    system and the sleep are awaited.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        system: AsyncAccountingSystem,
        outbox: Outbox,
        *,
        schedule: Schedule,
        policy: SyncPolicy = DEFAULT_POLICY,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        random: RandomSource | None = None,
        accounts: LocalAccounts | None = None,
    ) -> None:
        super().__init__(
            outbox,
            schedule=schedule,
            policy=policy,
            clock=clock,
            random=random,
            accounts=accounts,
        )
        self.system = system
        self.sleep = sleep or asyncio.sleep

    async def pull(self, *, now: datetime | None = None, pages: int | None = None) -> PullReport:
        """
        Read the records changed since the last pull and merge them in, as
        `SyncDriver.pull` does (the host's `LocalAccounts` is called synchronously).

        .. versionadded:: 0.2
        """
        system = self.system
        supported = isinstance(system, AsyncRemoteChanges)
        at = _checked_now(now, self.clock)
        return await self._drive(self._pull_steps(system.capabilities, supported, at, pages))

    async def receive(
        self, records: Iterable[RemoteAccount], *, now: datetime | None = None
    ) -> PullReport:
        """
        Merge records a webhook delivered into the host's accounts, as `SyncDriver.receive`.

        .. versionadded:: 0.2
        """
        at = _checked_now(now, self.clock)
        return await self._drive(self._receive_steps(self.system.capabilities, records, at))

    async def run_due(self, *, now: datetime | None = None) -> RunReport:
        """
        Send everything due at ``now`` (default: the clock); return what happened.
        """
        steps = self._steps(self.system.capabilities, _checked_now(now, self.clock))
        return await self._drive(steps)

    async def push_now(
        self, account_keys: Collection[str], *, now: datetime | None = None
    ) -> RunReport:
        """
        Push these accounts' queued changes now instead of at the next schedule run.
        """
        at = _checked_now(now, self.clock)
        self._expedite(account_keys, at)
        return await self.run_due(now=at)

    async def run_forever(self, *, stop: Callable[[], bool], idle: timedelta = _IDLE) -> None:
        """
        Run, sleep until something is due (at most ``idle``), and again, until ``stop()``.
        """
        while not stop():
            now = _checked_now(None, self.clock)
            report = await self.run_due(now=now)
            await self.sleep(self._pause_for(report, now, idle))

    async def _drive(self, steps: Generator[Call | ChangesCall, object, _R]) -> _R:
        system = self.system
        try:
            call = next(steps)
            while True:
                if isinstance(call, (LocalCall, TakeCall)):
                    call = steps.send(self._host(call))  # the host's own errors propagate
                    continue
                try:
                    if isinstance(call, FindCall):
                        result: object = await system.find_by_account_keys(call.account_keys)
                    elif isinstance(call, FetchCall):
                        result = await system.fetch(call.external_ids)
                    elif isinstance(call, ChangesCall):
                        assert isinstance(system, AsyncRemoteChanges)  # checked before
                        result = await system.changes_since(call.cursor)
                    else:
                        result = await system.push(call.items)
                except Exception as error:  # the runner decides what an error means
                    call = steps.throw(error)
                else:
                    call = steps.send(result)
        except StopIteration as stop:
            report: _R = stop.value
            return report
