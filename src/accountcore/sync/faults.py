"""
A seeded fault injector around `InMemoryAccountingSystem`, for the engine's stateful tests.

`FaultInjectingAccountingSystem` fails calls and items the way real accounting APIs do (lost
responses, crashes in the middle of a batch, rate limits, edits by other users, forgotten
idempotency keys, expired credentials, an API key blocked after too many client errors),
drawn from one `random.Random(seed)` in a fixed order, so the same seed and the same calls
give the same faults. ``trace`` lists every injected fault.

.. versionadded:: 0.1
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

import attrs

from ..errors import (
    AuthenticationError,
    Problem,
    RemoteUnavailableError,
    UnsupportedOperationError,
    ValidationError,
)
from ._model import (
    Capabilities,
    LimitScope,
    OutcomeStatus,
    PushItem,
    PushOutcome,
    RemoteAccount,
)
from ._ports import AccountingSystem
from ._pull import ChangePage, RemoteChanges

__all__ = ["Fault", "FaultEvent", "FaultInjectingAccountingSystem", "FaultProfile"]

_PROBABILITIES = (
    "fail_before_apply",
    "lose_response",
    "crash_mid_batch",
    "rate_limit",
    "remote_edit",
    "reject",
    "forget_key",
    "auth_expiry",
)
#: The window in which a system counts client errors against ``block_after``.
_BLOCK_WINDOW = timedelta(hours=1)


class Fault(enum.Enum):
    """
    A kind of injected fault.

    .. versionadded:: 0.1
    """

    FAIL_BEFORE_APPLY = "fail_before_apply"
    LOSE_RESPONSE = "lose_response"
    CRASH_MID_BATCH = "crash_mid_batch"
    RATE_LIMIT = "rate_limit"
    REMOTE_EDIT = "remote_edit"
    REJECT = "reject"
    FORGET_KEY = "forget_key"
    AUTH_EXPIRY = "auth_expiry"
    KEY_BLOCKED = "key_blocked"


@attrs.frozen(kw_only=True)
class FaultEvent:
    """
    One injected fault; whole-call faults name no item (both keys are ``None``).

    .. versionadded:: 0.1
    """

    fault: Fault
    idempotency_key: str | None = None
    account_key: str | None = None


@attrs.frozen(kw_only=True)
class FaultProfile:
    """
    How often each fault happens: every rate is a probability in [0, 1].

    Args:
        fail_before_apply: per item, a retryable outcome before anything is written (per
            fetch or lookup call: a `RemoteUnavailableError` that did not apply).
        lose_response: per sent item, the write lands but the answer is lost.
        crash_mid_batch: per push, a prefix of the batch lands, then the call fails.
        rate_limit: per push, the whole call is rate limited and nothing is written.
        remote_edit: per sent item with a record, another user edits that record first.
        reject: per item, a permanent rejection (code ``rejected``).
        forget_key: per sent item, the system forgets its idempotency key first.
        rate_limit_scopes: the scopes an injected rate limit names, drawn uniformly.
        retry_after: the wait an injected rate limit asks for.
        auth_expiry: per call, the credentials expire: this call and every later one
            raise `AuthenticationError` until the host renews them (`renew`).
        block_after: the system blocks the API key once this many client errors
            (rejections, conflicts) fell within an hour, as Exact Online does after 10:
            every call raises `AuthenticationError` until the hour has passed or the host
            renews the key. Needs the injector's ``clock``; ``None``: never blocked.

    Raises:
        ValidationError: a rate outside [0, 1], ``fail_before_apply + reject > 1``, no
            scope, a negative ``retry_after``, or a ``block_after`` below 1.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``auth_expiry`` and ``block_after``.
    """

    fail_before_apply: float = 0.0
    lose_response: float = 0.0
    crash_mid_batch: float = 0.0
    rate_limit: float = 0.0
    remote_edit: float = 0.0
    reject: float = 0.0
    forget_key: float = 0.0
    rate_limit_scopes: tuple[LimitScope, ...] = (LimitScope.MINUTE,)
    retry_after: timedelta = timedelta(seconds=60)
    auth_expiry: float = 0.0
    block_after: int | None = None

    @classmethod
    def none(cls) -> FaultProfile:
        """
        Return a profile that injects nothing.
        """
        return cls()

    @classmethod
    def chaos(cls) -> FaultProfile:
        """
        Return a rough profile: about 30% of items fail, half of those by a lost response.
        """
        return cls(
            fail_before_apply=0.12,
            lose_response=0.15,
            crash_mid_batch=0.05,
            rate_limit=0.05,
            remote_edit=0.05,
            reject=0.03,
            forget_key=0.1,
        )

    def __attrs_post_init__(self) -> None:
        problems = [
            Problem((name,), "out_of_range", f"{name} must be a probability in [0, 1].")
            for name in _PROBABILITIES
            if not 0.0 <= getattr(self, name) <= 1.0
        ]
        if not problems and self.fail_before_apply + self.reject > 1.0:
            problems.append(Problem(("reject",), "out_of_range", "Item faults exceed 1."))
        if not self.rate_limit_scopes:
            problems.append(Problem(("rate_limit_scopes",), "required", "Name a scope."))
        if self.retry_after < timedelta(0):
            problems.append(Problem(("retry_after",), "out_of_range", "Negative retry_after."))
        if self.block_after is not None and (
            isinstance(self.block_after, bool)
            or not isinstance(self.block_after, int)
            or self.block_after < 1
        ):
            message = "block_after must be a whole number of at least 1."
            problems.append(Problem(("block_after",), "out_of_range", message))
        if problems:
            raise ValidationError(problems)


class FaultInjectingAccountingSystem:
    """
    Wrap an accounting system and inject seeded faults into its calls.

    Args:
        inner: the system that really holds the records: an `InMemoryAccountingSystem`, or
            any `AccountingSystem`. The forget-key and remote-edit faults use its
            ``forget_key(idempotency_key)`` and ``edit_remotely(external_id, snapshot)``
            methods, and are skipped for a system without them.
        seed: seeds the one random generator every fault is drawn from.
        profile: the fault rates.
        clock: the time, for ``profile.block_after`` (the errors of the last hour).

    Attributes:
        active: when false, every call passes straight through (to check convergence).
        trace: every injected fault, in order.
        expired: the credentials expired (``profile.auth_expiry``) and were not renewed.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``clock``, ``expired`` and `renew`.
    """

    def __init__(
        self,
        inner: AccountingSystem,
        *,
        seed: int,
        profile: FaultProfile,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.inner = inner
        self.profile = profile
        self.active = True
        self.trace: list[FaultEvent] = []
        self.expired = False
        self._clock = clock
        self._errors: list[datetime] = []
        self._random = random.Random(seed)
        self._edits = 0

    def renew(self) -> None:
        """
        Renew the credentials, as a host does after an expiry or a blocked key: calls go
        through again.

        .. versionadded:: 0.2
        """
        self.expired = False
        self._errors.clear()

    @property
    def blocked(self) -> bool:
        """
        Tell whether the API key is blocked now (``profile.block_after`` client errors within
        the last hour).

        .. versionadded:: 0.2
        """
        limit, clock = self.profile.block_after, self._clock
        if limit is None or clock is None:
            return False
        since = clock() - _BLOCK_WINDOW
        return sum(at > since for at in self._errors) >= limit

    def _refuse_credentials(self) -> None:
        """Raise for expired credentials or a blocked key; may let the credentials expire."""
        if self.blocked:
            self._note(Fault.KEY_BLOCKED)
            raise AuthenticationError("Injected: the API key is blocked after too many errors.")
        if not self.expired and self.profile.auth_expiry and self._draw(self.profile.auth_expiry):
            self.expired = True
        if self.expired:
            self._note(Fault.AUTH_EXPIRY)
            raise AuthenticationError("Injected: the access token expired.")

    def _count_errors(self, outcomes: Sequence[PushOutcome]) -> None:
        if self._clock is None or self.profile.block_after is None:
            return
        now = self._clock()
        self._errors += [
            now
            for outcome in outcomes
            if outcome.status in (OutcomeStatus.REJECTED, OutcomeStatus.CONFLICT)
        ]

    @property
    def capabilities(self) -> Capabilities:
        """
        Return the inner system's capabilities.
        """
        return self.inner.capabilities

    def push(self, items: Sequence[PushItem]) -> list[PushOutcome]:
        """
        Push through the inner system, injecting faults; one outcome per item, in order.

        Raises:
            RemoteUnavailableError: an injected crash after a prefix of the batch landed.
            AuthenticationError: the credentials expired or the key is blocked.
            UnsupportedOperationError: a batch above ``max_batch``, faults or not.
        """
        if not self.active or len(items) > self.capabilities.max_batch:
            return list(self.inner.push(items))
        self._refuse_credentials()
        if self._draw(self.profile.rate_limit):
            return self._rate_limited(len(items))
        if self._draw(self.profile.crash_mid_batch) and items:
            self._crash(items)
        outcomes = self._push_items(items)
        self._count_errors(outcomes)
        return outcomes

    def fetch(self, external_ids: Sequence[str]) -> dict[str, RemoteAccount]:
        """
        Return the inner system's records among ``external_ids``.

        Raises:
            RemoteUnavailableError: an injected failure (nothing was applied).
            AuthenticationError: the credentials expired or the key is blocked.
        """
        self._maybe_fail_read()
        return dict(self.inner.fetch(external_ids))

    def find_by_account_keys(self, account_keys: Sequence[str]) -> dict[str, RemoteAccount]:
        """
        Return the inner system's records by account key.

        Raises:
            RemoteUnavailableError: an injected failure (nothing was applied).
            AuthenticationError: the credentials expired or the key is blocked.
        """
        self._maybe_fail_read()
        return dict(self.inner.find_by_account_keys(account_keys))

    def changes_since(self, cursor: str | None) -> ChangePage:
        """
        Return the inner system's records changed after ``cursor``.

        Raises:
            RemoteUnavailableError: an injected failure (nothing was applied).
            AuthenticationError: the credentials expired or the key is blocked.
            UnsupportedOperationError: the inner system does not read changes.

        .. versionadded:: 0.2
        """
        inner = self.inner
        if not isinstance(inner, RemoteChanges):
            raise UnsupportedOperationError("The inner system does not read changes.")
        self._maybe_fail_read()
        return inner.changes_since(cursor)

    def _draw(self, probability: float) -> bool:
        return self._random.random() < probability

    def _note(self, fault: Fault, item: PushItem | None = None) -> None:
        key, account = (item.idempotency_key, item.account_key) if item else (None, None)
        self.trace.append(FaultEvent(fault=fault, idempotency_key=key, account_key=account))

    def _maybe_fail_read(self) -> None:
        if self.active:
            self._refuse_credentials()
        if self.active and self._draw(self.profile.fail_before_apply):
            self._note(Fault.FAIL_BEFORE_APPLY)
            raise RemoteUnavailableError("Injected failure before the call.", maybe_applied=False)

    def _rate_limited(self, count: int) -> list[PushOutcome]:
        scope = self._random.choice(self.profile.rate_limit_scopes)
        self._note(Fault.RATE_LIMIT)
        return [PushOutcome.rate_limited(scope, self.profile.retry_after)] * count

    def _crash(self, items: Sequence[PushItem]) -> None:
        landed = self._random.randrange(len(items))
        self.inner.push(items[:landed])
        self._note(Fault.CRASH_MID_BATCH)
        raise RemoteUnavailableError(
            f"Injected crash after {landed} of {len(items)} items.", maybe_applied=True
        )

    def _push_items(self, items: Sequence[PushItem]) -> list[PushOutcome]:
        outcomes: list[PushOutcome | None] = [self._before(item) for item in items]
        sent = [i for i, outcome in enumerate(outcomes) if outcome is None]
        answers = self.inner.push([items[i] for i in sent])
        for i, answer in zip(sent, answers, strict=True):
            outcomes[i] = self._after(items[i], answer)
        return [outcome for outcome in outcomes if outcome is not None]

    def _before(self, item: PushItem) -> PushOutcome | None:
        """
        Return the item's injected outcome, or ``None`` (after side faults) to send it.
        """
        draw = self._random.random()
        if draw < self.profile.fail_before_apply:
            self._note(Fault.FAIL_BEFORE_APPLY, item)
            return PushOutcome.retryable(maybe_applied=False, message="Injected failure.")
        if draw < self.profile.fail_before_apply + self.profile.reject:
            self._note(Fault.REJECT, item)
            return PushOutcome.rejected("rejected", "Injected rejection.")
        if self._draw(self.profile.forget_key) and hasattr(self.inner, "forget_key"):
            self._note(Fault.FORGET_KEY, item)
            self.inner.forget_key(item.idempotency_key)
        if self._draw(self.profile.remote_edit):
            self._edit(item)
        return None

    def _edit(self, item: PushItem) -> None:
        if not hasattr(self.inner, "edit_remotely") or item.external_id is None:
            return
        records = getattr(self.inner, "records", None)
        if isinstance(records, Mapping):
            # The in-memory system shows its records without a counted call.
            record = records.get(item.external_id)
        else:
            record = self.inner.fetch([item.external_id]).get(item.external_id)
        if record is None:
            return
        self._edits += 1
        snapshot = attrs.evolve(record.snapshot, remarks=f"edited remotely {self._edits}")
        self.inner.edit_remotely(record.external_id, snapshot)
        self._note(Fault.REMOTE_EDIT, item)

    def _after(self, item: PushItem, answer: PushOutcome) -> PushOutcome:
        if not self._draw(self.profile.lose_response):
            return answer
        self._note(Fault.LOSE_RESPONSE, item)
        return PushOutcome.retryable(maybe_applied=True, message="Injected lost response.")
