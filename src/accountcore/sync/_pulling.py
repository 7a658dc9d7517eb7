"""
One pull, written once for both drivers: a generator that yields the calls to make (on the
accounting system and on the host's accounts) and receives their results, as `_runner` does
for pushing.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping
from datetime import datetime

import attrs

from ..entities import Account
from ..errors import (
    AdapterError,
    AuthenticationError,
    ConfigurationError,
    Problem,
    RateLimitedError,
    RemoteUnavailableError,
    SyncError,
    ValidationError,
)
from ._events import SyncEvent, SyncEventKind
from ._model import Capabilities, LimitScope, RemoteAccount
from ._outage import held, interrupted
from ._policy import RandomSource, SyncPolicy, calls_available, charge, default_pause, pause
from ._ports import Outbox, Record
from ._pull import ChangePage, Incoming, PullReport, take_in
from ._runner import LocalCall, TakeCall

__all__ = ["ChangesCall", "PullCall", "pull", "receive"]


@attrs.frozen
class ChangesCall:
    """Ask the accounting system for the records changed since ``cursor``."""

    cursor: str | None


PullCall = ChangesCall | LocalCall | TakeCall


class _Pull:
    def __init__(self, outbox: Outbox, capabilities: Capabilities, now: datetime) -> None:
        self.outbox = outbox
        self.capabilities = capabilities
        self.now = now
        self.calls = 0
        self.records = 0
        self.incoming: list[Incoming] = []
        self.unmatched: list[RemoteAccount] = []
        self.events: list[SyncEvent] = []

    def report(self) -> PullReport:
        return PullReport(
            calls=self.calls,
            records=self.records,
            incoming=tuple(self.incoming),
            unmatched=tuple(self.unmatched),
            cursor=self.outbox.tenant().cursor,
            events=tuple(self.events),
        )

    def merge(
        self, records: tuple[RemoteAccount, ...], source: str, cursor: str | None
    ) -> Generator[PullCall, object, None]:
        """Merge the records into the host's accounts; then record links (and the cursor)."""
        self.records += len(records)
        keys = tuple(sorted({r.account_key for r in records if r.account_key is not None}))
        links = self.outbox.links(keys)
        linked = tuple(key for key in keys if key in links)
        mine: Mapping[str, Account] = {}
        if linked:
            given = yield LocalCall(linked)
            if not isinstance(given, Mapping) or not all(
                isinstance(a, Account) for a in given.values()
            ):
                raise AdapterError("LocalAccounts.accounts must return a mapping of Account")
            mine = given
        taken = take_in(
            records,
            links,
            self.outbox.pending(),
            mine,
            now=self.now,
            source=source,
            fields=self.capabilities.stored_fields,
        )
        saving = tuple(i for i in taken.incoming if i.save or i.push)
        if saving:  # the host saves first: a crash before the record only repeats the merge
            yield TakeCall(saving)
        record = taken.record
        if cursor is not None:
            record = attrs.evolve(record, tenant=attrs.evolve(self.outbox.tenant(), cursor=cursor))
        if record:
            self.outbox.record(record)
        self.incoming += taken.incoming
        self.unmatched += taken.unmatched
        self.events += taken.events

    def failed(self, error: SyncError, random: RandomSource, policy: SyncPolicy) -> None:
        """A pull call failed: pause or hold the tenant as a failed push would."""
        tenant = self.outbox.tenant()
        if isinstance(error, RateLimitedError):
            wait = error.retry_after or default_pause(LimitScope.MINUTE)
            state = pause(tenant, self.now + wait)
            self.outbox.record(Record(tenant=state))
            event = SyncEvent(
                kind=SyncEventKind.PAUSED,
                at=self.now,
                code="rate_limited",
                until=state.paused_until,
            )
        elif isinstance(error, (AuthenticationError, ConfigurationError)):
            record, event = held(None, tenant, error, now=self.now)
            self.outbox.record(record)
        elif isinstance(error, RemoteUnavailableError):
            record, event = interrupted(
                None, tenant, error, now=self.now, random=random, policy=policy
            )
            self.outbox.record(record)
        else:
            raise error
        self.events.append(event)


def pull(
    outbox: Outbox,
    capabilities: Capabilities,
    *,
    now: datetime,
    policy: SyncPolicy,
    random: RandomSource,
    pages: int | None = None,
) -> Generator[PullCall, object, PullReport]:
    """
    Read the records changed since the tenant's cursor, page by page, and merge each into
    the host's accounts; the cursor moves on after each page.

    A held or paused tenant reads nothing; a failed read pauses or holds it as a failed push
    does, and the cursor stays.
    """
    run = _Pull(outbox, capabilities, now)
    read = 0
    while pages is None or read < pages:
        tenant = outbox.tenant()
        waiting = tenant.paused_until is not None and tenant.paused_until > now
        if tenant.held is not None or waiting:
            break
        if calls_available(tenant, capabilities.rate_limits, now) == 0:
            break
        if capabilities.rate_limits:
            outbox.record(Record(tenant=charge(tenant, capabilities.rate_limits, now)))
        run.calls += 1
        read += 1
        try:
            page = yield ChangesCall(tenant.cursor)
        except SyncError as error:
            run.failed(error, random, policy)
            break
        except Exception as error:
            raise AdapterError(f"changes_since raised {type(error).__name__}") from error
        if not isinstance(page, ChangePage):
            raise AdapterError("changes_since must return a ChangePage")
        if tenant.outages:
            outbox.record(Record(tenant=attrs.evolve(outbox.tenant(), outages=0)))
        yield from run.merge(page.records, "pull", page.cursor)
        if not page.more:
            break
    return run.report()


def receive(
    outbox: Outbox,
    capabilities: Capabilities,
    records: Iterable[RemoteAccount],
    *,
    now: datetime,
) -> Generator[PullCall, object, PullReport]:
    """
    Merge records a webhook delivered (each as the system holds it now) into the host's
    accounts, as a pull would; the cursor stays.
    """
    given = tuple(records)
    problems = [
        Problem((i,), "invalid_type", "A webhook record must be a RemoteAccount.")
        for i, record in enumerate(given)
        if not isinstance(record, RemoteAccount)
    ]
    if problems:
        raise ValidationError(problems)
    run = _Pull(outbox, capabilities, now)
    yield from run.merge(given, "webhook", None)
    return run.report()
