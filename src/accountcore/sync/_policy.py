"""
The sync policy (attempts, backoff, leases, conflicts), backoff with full jitter, and the
rate budget: pure functions of their arguments.
"""

from __future__ import annotations

import enum
from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs

from ..errors import Problem
from ._model import ErrorBudget, LimitScope, RateLimit, _count, _duration, _member, _raise_if
from ._ports import TenantState

__all__ = [
    "ConflictRule",
    "RandomSource",
    "Resolution",
    "SyncPolicy",
    "backoff",
    "calls_available",
    "charge",
    "errors_available",
    "errors_free_at",
    "note_errors",
    "outage_pause",
    "pause",
    "release_errors",
]

#: A source of floats in ``[0, 1)``, such as ``random.Random(seed).random``.
RandomSource = Callable[[], float]

_DEFAULT_PAUSE = {
    LimitScope.CONCURRENCY: timedelta(seconds=1),
    LimitScope.MINUTE: timedelta(minutes=1),
    LimitScope.HOUR: timedelta(hours=1),
    LimitScope.DAY: timedelta(days=1),
}


class ConflictRule(enum.Enum):
    """
    What the engine does when the remote record changed under an update.

    ``MERGE`` (the default, as the rule book decides: docs/rules.md#non-empty-systems) reads
    the record and merges the remote edits field by field into the host's account, against
    the last synced snapshot (`accountcore.sync.merge`; the driver needs the host's
    `accountcore.sync.LocalAccounts`): only a field both sides changed is a conflict, and it
    is reported. Without the host's accounts, or without a synced snapshot to merge against,
    the change is parked as under ``PARK``. ``PARK`` holds the change, and the account's
    newer changes, until the host resolves it. ``LOCAL_WINS`` re-reads the remote version
    and writes again, over the remote edits.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``MERGE``, the new default (``PARK`` was).
    """

    MERGE = "merge"
    PARK = "park"
    LOCAL_WINS = "local_wins"


class Resolution(enum.Enum):
    """
    How the host resolves a parked conflict.

    .. versionadded:: 0.1
    """

    KEEP_LOCAL = "keep_local"
    KEEP_REMOTE = "keep_remote"


#: The longest wait or lease a policy may set. Longer is a slip, and adding it to the
#: current instant could overflow `datetime` in the middle of a run.
_LONGEST = timedelta(days=366)


@attrs.frozen(kw_only=True)
class SyncPolicy:
    """
    How hard and how often the engine tries.

    Args:
        max_attempts: counted attempts before a change is dead-lettered (rate-limited
            attempts do not count).
        backoff_base: the first retry waits up to this long.
        backoff_cap: no retry waits longer.
        lease: how long an attempt may stay unrecorded before it counts as crashed.
        on_conflict: see `ConflictRule`.

    Raises:
        ValidationError: every broken rule, with its field path: ``max_attempts`` not an
            integer of at least 1 (a bool is not), a duration that is not a `timedelta`
            above zero and at most 366 days, ``on_conflict`` not a `ConflictRule`.

    .. versionadded:: 0.1
    """

    max_attempts: int = 8
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_cap: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=5)
    on_conflict: ConflictRule = ConflictRule.MERGE

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        _count(self.max_attempts, "max_attempts", problems)
        for name in ("backoff_base", "backoff_cap", "lease"):
            _duration(getattr(self, name), name, problems, _LONGEST)
        _member(self.on_conflict, ConflictRule, "on_conflict", problems)
        _raise_if(problems)


#: The policy used when none is given.
DEFAULT_POLICY = SyncPolicy()


def backoff(attempt: int, draw: float, *, base: timedelta, cap: timedelta) -> timedelta:
    """
    Return the wait before the next attempt: full jitter, ``draw * min(cap, base * 2**(n-1))``.

    Args:
        attempt: attempts made so far (1 after the first failure).
        draw: a float in ``[0, 1)`` from the caller's random source.
        base: the ceiling after the first failure.
        cap: the ceiling for every attempt.

    Returns:
        A duration in ``[0, cap]`` (rounded to microseconds); the ceiling doubles per attempt.
        A draw outside ``[0, 1]`` counts as the nearer end, and NaN as 1: the longest wait.

    .. versionadded:: 0.1
    """
    exponent = max(attempt - 1, 0)
    # Compare before multiplying: base * 2**exponent overflows timedelta for large attempts.
    ceiling = cap if exponent >= 64 or base >= cap / (1 << exponent) else base * (1 << exponent)
    # Written so NaN, which fails every comparison, waits longest instead of raising.
    share = 0.0 if draw < 0.0 else draw if draw <= 1.0 else 1.0
    return ceiling * share


def default_pause(scope: LimitScope) -> timedelta:
    """
    Return how long to pause after a rate limit that gave no ``Retry-After``.
    """
    return _DEFAULT_PAUSE[scope]


def _used(calls: tuple[datetime, ...], limit: RateLimit, now: datetime) -> tuple[int, int]:
    start = bisect_right(calls, now - limit.per)
    return len(calls) - start, start


def calls_available(
    tenant: TenantState, limits: tuple[RateLimit, ...], now: datetime
) -> int | None:
    """
    Return how many calls the tenant may make at ``now`` (``None``: no limit applies).

    .. versionadded:: 0.1
    """
    if tenant.held is not None or (tenant.paused_until is not None and now < tenant.paused_until):
        return 0
    available: int | None = None
    for limit in limits:
        used, _ = _used(tenant.calls, limit, now)
        left = max(limit.calls - used, 0)
        available = left if available is None else min(available, left)
    return available


def budget_frees_at(
    tenant: TenantState, limits: tuple[RateLimit, ...], now: datetime
) -> datetime | None:
    """
    Return when a call becomes possible again, or ``None`` if one is possible now.
    """
    if tenant.paused_until is not None and now < tenant.paused_until:
        return tenant.paused_until
    frees: datetime | None = None
    for limit in limits:
        used, start = _used(tenant.calls, limit, now)
        if used >= limit.calls:
            at = tenant.calls[start + used - limit.calls] + limit.per
            frees = at if frees is None else max(frees, at)
    return frees


def charge(tenant: TenantState, limits: tuple[RateLimit, ...], now: datetime) -> TenantState:
    """
    Return the tenant state with one call made at ``now``; calls older than every window go.

    .. versionadded:: 0.1
    """
    if not limits:
        return tenant
    horizon = now - max(limit.per for limit in limits)
    calls = tenant.calls
    kept = calls[bisect_right(calls, horizon) :] if calls and calls[0] <= horizon else calls
    if kept and kept[-1] > now:
        return attrs.evolve(tenant, calls=tuple(sorted((*kept, now))))
    return attrs.evolve(tenant, calls=(*kept, now))


def pause(tenant: TenantState, until: datetime) -> TenantState:
    """
    Return the tenant state paused until ``until`` (a pause never shortens).

    .. versionadded:: 0.1
    """
    current = tenant.paused_until
    if current is not None and current >= until:
        return tenant
    return attrs.evolve(tenant, paused_until=until)


def outage_pause(outages: int, draw: float, *, base: timedelta, cap: timedelta) -> timedelta:
    """
    Return how long a tenant waits after ``outages`` whole calls failed in a row: equal
    jitter, half the ceiling of `backoff` plus a drawn share of the other half, so that a
    system that is down is never called again at once.

    .. versionadded:: 0.2
    """
    ceiling = backoff(outages, 1.0, base=base, cap=cap)
    return ceiling / 2 + backoff(outages, draw, base=base, cap=cap) / 2


def errors_available(tenant: TenantState, budget: ErrorBudget | None, now: datetime) -> int | None:
    """
    Return how many more items may be sent before a client error could block the key: the
    budget's errors less one, less those counted in its window (``None``: no budget).

    .. versionadded:: 0.2
    """
    if budget is None:
        return None
    used = len(tenant.errors) - bisect_right(tenant.errors, now - budget.per)
    return max(budget.errors - 1 - used, 0)


def errors_free_at(
    tenant: TenantState, budget: ErrorBudget | None, now: datetime
) -> datetime | None:
    """
    Return when the oldest client error in the budget's window leaves it, making room for
    one more item; ``None`` when there is room now.

    .. versionadded:: 0.2
    """
    if budget is None or errors_available(tenant, budget, now):
        return None
    start = bisect_right(tenant.errors, now - budget.per)
    return tenant.errors[start] + budget.per if start < len(tenant.errors) else None


def note_errors(
    tenant: TenantState, budget: ErrorBudget | None, count: int, now: datetime
) -> TenantState:
    """
    Return the tenant state with ``count`` client errors at ``now``; errors older than the
    budget's window go.

    .. versionadded:: 0.2
    """
    if budget is None or count <= 0:
        return tenant
    kept = tenant.errors[bisect_right(tenant.errors, now - budget.per) :]
    if kept and kept[-1] > now:
        return attrs.evolve(tenant, errors=tuple(sorted((*kept, *(now,) * count))))
    return attrs.evolve(tenant, errors=(*kept, *(now,) * count))


def release_errors(
    tenant: TenantState, budget: ErrorBudget | None, count: int, now: datetime
) -> TenantState:
    """
    Return the tenant state with ``count`` of the client errors counted at ``now`` given
    back: items counted before a call as possible errors that came back otherwise.

    .. versionadded:: 0.2
    """
    if budget is None or count <= 0:
        return tenant
    errors = list(tenant.errors)
    for i in range(len(errors) - 1, -1, -1):
        if count == 0:
            break
        if errors[i] == now:
            del errors[i]
            count -= 1
    return attrs.evolve(tenant, errors=tuple(errors))
