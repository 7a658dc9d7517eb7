"""
Reference adapters held in memory: an accounting system and an outbox.

`InMemoryAccountingSystem` is the executable specification of the `AccountingSystem` port;
every rule of the port is a few plain lines here. `InMemoryOutbox` is the reference `Outbox`;
it keeps per-account indexes, so a run of many changes stays fast.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from types import MappingProxyType

import attrs

from ..entities import Account
from ..errors import (
    NotFoundError,
    Problem,
    RateLimitedError,
    UnsupportedOperationError,
    ValidationError,
)
from ._memory_outbox import InMemoryOutbox
from ._model import (
    Capabilities,
    LimitScope,
    OutcomeStatus,
    PushItem,
    PushOperation,
    PushOutcome,
    RateLimit,
    RemoteAccount,
)
from ._pull import ChangePage

__all__ = ["InMemoryAccountingSystem", "InMemoryOutbox"]

_DEFAULT_CAPABILITIES = Capabilities(
    max_batch=50,
    idempotency_keys=True,
    idempotency_window=timedelta(hours=24),
    conditional_update=True,
    changes_since=True,
)
_NOT_FOUND = PushOutcome.rejected("not_found", "The accounting system has no such record.")
_NO_SNAPSHOT = PushOutcome.rejected("snapshot_mismatch", "A create or update needs a snapshot.")
_KEY_TAKEN = PushOutcome.rejected("account_key_taken", "A record already has this account key.")
_CODE_TAKEN = PushOutcome.rejected("code_taken", "Another record already has this account code.")


class _Limiter:
    """
    Admit calls under sliding-window rate limits; remember only the admitted ones.
    """

    def __init__(self, limits: tuple[RateLimit, ...]) -> None:
        self._limits = limits
        self._longest = max((limit.per for limit in limits), default=timedelta(0))
        self._calls: deque[datetime] = deque()

    def admit(self, now: datetime) -> tuple[LimitScope, timedelta] | None:
        """
        Record a call at ``now``, or return the refusing scope and how long to wait.
        """
        while self._calls and self._calls[0] <= now - self._longest:
            self._calls.popleft()
        refusals = [r for r in (self._refusal(limit, now) for limit in self._limits) if r]
        if refusals:
            # Waiting for the longest refusal admits the call under every limit.
            return max(refusals, key=lambda refusal: refusal[1])
        if self._limits:
            self._calls.append(now)
        return None

    def _refusal(self, limit: RateLimit, now: datetime) -> tuple[LimitScope, timedelta] | None:
        window = [t for t in self._calls if now - limit.per < t <= now]
        if len(window) < limit.calls:
            return None
        return limit.scope, min(window) + limit.per - now


class InMemoryAccountingSystem:
    """
    Keep customer records in a dict and behave exactly as the `AccountingSystem` port says.

    Records get the ids ``"R1"``, ``"R2"``, ... and versions ``"1"``, ``"2"``, ... (bumped on
    every write). Every public call counts against ``capabilities.rate_limits``.

    Args:
        clock: returns the current time (aware); stored times are converted to UTC.
        capabilities: what the system declares; it also drives the behaviour.
        unique_account_keys: refuse a create when a record already has the account key
            (code ``account_key_taken``), unless that record holds the create's very
            snapshot: then the create is a replay, answered ``duplicate`` of that record,
            as the adapter guide asks of a system without idempotency keys.
        unique_codes: refuse a create or update whose account code another record holds
            (code ``code_taken``), as systems that keep customer codes unique do.
        page_size: the most records a `changes_since` page lists.

    Every write is numbered; `changes_since` lists the records written after a cursor (the
    number of the last write a page covers), each once, as it is now.

    Attributes:
        applied: every item that was applied, in order (not duplicates, not refusals).
        refused_calls: how many calls a rate limit refused.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        *,
        clock: Callable[[], datetime],
        capabilities: Capabilities = _DEFAULT_CAPABILITIES,
        unique_account_keys: bool = True,
        unique_codes: bool = False,
        page_size: int = 50,
    ) -> None:
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValidationError(
                [Problem(("page_size",), "out_of_range", "page_size must be at least 1.")]
            )
        self._page_size = page_size
        self._written: dict[str, int] = {}  # external id -> number of its last write
        self._writes = 0
        self._clock = clock
        self._capabilities = capabilities
        self._unique = unique_account_keys
        self._unique_codes = unique_codes
        self._limiter = _Limiter(capabilities.rate_limits)
        self._records: dict[str, RemoteAccount] = {}
        self._by_key: dict[str, set[str]] = {}
        self._keys: dict[str, tuple[datetime, PushOutcome]] = {}
        self._counter = 0
        self._writers = {
            PushOperation.UPDATE: self._update,
            PushOperation.LINK: self._link,
            PushOperation.UNLINK: self._unlink,
        }
        self.applied: list[PushItem] = []
        self.refused_calls = 0

    @property
    def capabilities(self) -> Capabilities:
        """
        Return the declared capabilities.
        """
        return self._capabilities

    @property
    def records(self) -> Mapping[str, RemoteAccount]:
        """
        Return a read-only view of the records by external id, in creation order.
        """
        return MappingProxyType(self._records)

    def push(self, items: Sequence[PushItem]) -> list[PushOutcome]:
        """
        Apply each item on its own and return one outcome per item, in order.

        Raises:
            UnsupportedOperationError: the batch is longer than ``capabilities.max_batch``.
        """
        if len(items) > self._capabilities.max_batch:
            raise UnsupportedOperationError(
                f"A batch of {len(items)} items exceeds max_batch {self._capabilities.max_batch}."
            )
        now = self._now()
        refusal = self._admit(now)
        if refusal is not None:
            return [PushOutcome.rate_limited(*refusal) for _ in items]
        self._expire_keys(now)
        return [self._push_one(item, now) for item in items]

    def fetch(self, external_ids: Sequence[str]) -> dict[str, RemoteAccount]:
        """
        Return the records that exist among ``external_ids``.

        Raises:
            RateLimitedError: a rate limit refused the call.
        """
        self._admit_or_raise()
        return {i: self._records[i] for i in external_ids if i in self._records}

    def find_by_account_keys(self, account_keys: Sequence[str]) -> dict[str, RemoteAccount]:
        """
        Return, per account key, the earliest created record that carries it.

        Raises:
            RateLimitedError: a rate limit refused the call.
        """
        self._admit_or_raise()
        return {key: found[0] for key in account_keys if (found := self.records_for(key))}

    def changes_since(self, cursor: str | None) -> ChangePage:
        """
        Return the records written after ``cursor`` (``None``: all), oldest write first, at
        most ``page_size`` of them; the page's cursor is the number of its last write.

        Raises:
            ValidationError: ``cursor`` is not one this system gave (``invalid_format``).
            RateLimitedError: a rate limit refused the call.
        """
        after = 0
        if cursor is not None:
            if not isinstance(cursor, str) or not cursor.isdigit():
                raise ValidationError(
                    [Problem(("cursor",), "invalid_format", "Not a cursor of this system.")]
                )
            after = int(cursor)
        self._admit_or_raise()
        # Records by their last write, oldest first (dicts keep the order of insertion).
        changed = [(n, i) for i, n in self._written.items() if n > after]
        page = changed[: self._page_size]
        last = page[-1][0] if page else max(after, 0)
        return ChangePage(
            records=tuple(self._records[i] for _, i in page),
            cursor=str(last),
            more=len(changed) > len(page),
        )

    def records_for(self, account_key: str) -> list[RemoteAccount]:
        """
        Return every record carrying ``account_key``, in creation order (not a counted call).
        """
        found = (self._records[i] for i in self._by_key.get(account_key, ()))
        return sorted(found, key=lambda record: int(record.external_id[1:]))

    def edit_remotely(self, external_id: str, snapshot: Account) -> RemoteAccount:
        """
        Replace a record's snapshot as another user of the accounting system would.

        Not a counted call. Returns the edited record.

        Raises:
            NotFoundError: there is no record ``external_id``.
        """
        record = self._records.get(external_id)
        if record is None:
            raise NotFoundError(f"No remote record {external_id}.")
        self._write(record, self._now(), record.account_key, snapshot)
        return self._records[external_id]

    def forget_key(self, idempotency_key: str) -> None:
        """
        Forget an idempotency key early, as a system with a short memory would.
        """
        self._keys.pop(idempotency_key, None)

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValidationError([Problem(("clock",), "naive_datetime", "The clock is naive.")])
        return now.astimezone(timezone.utc)

    def _admit(self, now: datetime) -> tuple[LimitScope, timedelta] | None:
        refusal = self._limiter.admit(now)
        if refusal is not None:
            self.refused_calls += 1
        return refusal

    def _admit_or_raise(self) -> None:
        refusal = self._admit(self._now())
        if refusal is not None:
            scope, retry_after = refusal
            raise RateLimitedError(
                f"The {scope.value} rate limit is reached.",
                retry_after=retry_after,
                scope=scope.value,
            )

    def _is_expired(self, stored_at: datetime, now: datetime) -> bool:
        window = self._capabilities.idempotency_window
        return window is not None and now - stored_at >= window

    def _expire_keys(self, now: datetime) -> None:
        # Keys are stored in time order, so the expired ones are at the front.
        while self._keys:
            key, (stored_at, _) = next(iter(self._keys.items()))
            if not self._is_expired(stored_at, now):
                return
            del self._keys[key]

    def _push_one(self, item: PushItem, now: datetime) -> PushOutcome:
        key = item.idempotency_key
        remembered = self._keys.get(key) if self._capabilities.idempotency_keys else None
        if remembered is not None and not self._is_expired(remembered[0], now):
            return remembered[1]
        outcome = self._apply(item, now)
        if outcome.status is OutcomeStatus.APPLIED:
            self.applied.append(item)
            if self._capabilities.idempotency_keys:
                self._keys.pop(key, None)
                self._keys[key] = (now, _as_duplicate(outcome))
        return outcome

    def _apply(self, item: PushItem, now: datetime) -> PushOutcome:
        if item.operation is PushOperation.CREATE:
            return self._create(item, now)
        record = self._records.get(item.external_id or "")
        if record is None:
            return _NOT_FOUND
        return self._writers[item.operation](item, record, now)

    def _create(self, item: PushItem, now: datetime) -> PushOutcome:
        snapshot = item.change.snapshot
        if snapshot is None:
            return _NO_SNAPSHOT
        if self._unique and self._by_key.get(item.account_key):
            # A replay the keys did not catch (no idempotency keys, or a key forgotten):
            # the record holding the key holds this very snapshot (docs/writing-an-adapter.md).
            for holder in self.records_for(item.account_key):
                if holder.snapshot == snapshot:
                    assert holder.version is not None  # this system versions every record
                    return PushOutcome.duplicate(holder.external_id, holder.version)
            return _KEY_TAKEN
        if self._code_taken(snapshot, None):
            return _CODE_TAKEN
        self._counter += 1
        record = RemoteAccount(
            external_id=f"R{self._counter}",
            account_key=item.account_key,
            snapshot=snapshot,
            version="1",
            modified_at=now,
        )
        self._put(record)
        return PushOutcome.applied(record.external_id, record.version)

    def _update(self, item: PushItem, record: RemoteAccount, now: datetime) -> PushOutcome:
        if self._capabilities.conditional_update and item.base_version != record.version:
            return PushOutcome.conflict(record.version, "The record changed since base_version.")
        if item.change.snapshot is None:
            return _NO_SNAPSHOT
        if self._code_taken(item.change.snapshot, record.external_id):
            return _CODE_TAKEN
        return self._write(record, now, record.account_key, item.change.snapshot)

    def _code_taken(self, snapshot: Account, external_id: str | None) -> bool:
        return self._unique_codes and any(
            other.snapshot.code == snapshot.code and other.external_id != external_id
            for other in self._records.values()
        )

    def _link(self, item: PushItem, record: RemoteAccount, now: datetime) -> PushOutcome:
        for other_id in sorted(self._by_key.get(item.account_key, set()) - {record.external_id}):
            other = self._records[other_id]
            self._write(other, now, None, other.snapshot)
        return self._write(record, now, item.account_key, record.snapshot)

    def _unlink(self, item: PushItem, record: RemoteAccount, now: datetime) -> PushOutcome:
        return self._write(record, now, None, record.snapshot)

    def _write(
        self, record: RemoteAccount, now: datetime, account_key: str | None, snapshot: Account
    ) -> PushOutcome:
        version = str(int(record.version or "0") + 1)
        self._put(
            attrs.evolve(
                record, account_key=account_key, snapshot=snapshot, version=version, modified_at=now
            )
        )
        return PushOutcome.applied(record.external_id, version)

    def _put(self, record: RemoteAccount) -> None:
        old = self._records.get(record.external_id)
        if old is not None and old.account_key is not None:
            holders = self._by_key[old.account_key]
            holders.discard(record.external_id)
            if not holders:
                del self._by_key[old.account_key]
        if record.account_key is not None:
            self._by_key.setdefault(record.account_key, set()).add(record.external_id)
        self._records[record.external_id] = record
        self._writes += 1
        self._written.pop(record.external_id, None)
        self._written[record.external_id] = self._writes


def _as_duplicate(outcome: PushOutcome) -> PushOutcome:
    assert outcome.external_id is not None  # an applied outcome always names its record
    return PushOutcome.duplicate(outcome.external_id, outcome.version)
