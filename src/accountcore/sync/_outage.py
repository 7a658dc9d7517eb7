"""
When the accounting system fails whole calls: outages back the tenant off, refused
credentials and wrong configurations hold it until the host resumes it, and dead letters
can be opened again. Pure functions; ``now`` and the random source are arguments.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from ..errors import AuthenticationError, Problem, SyncError, ValidationError
from ._engine import Batch
from ._events import SyncEvent, SyncEventKind
from ._model import Lookup, PushOperation, PushOutcome
from ._policy import DEFAULT_POLICY, RandomSource, SyncPolicy, outage_pause, pause
from ._ports import Closed, Disposition, Entry, EntryState, Hold, HoldReason, Record, TenantState

__all__ = ["held", "interrupted", "redrive", "resume"]

_WRITES = (PushOperation.CREATE, PushOperation.UPDATE)


def _put_back(batch: Batch, until: datetime, outcome: PushOutcome) -> tuple[Entry, ...]:
    """
    The batch's entries as they were before the call, due at ``until``, their attempts
    untouched; a write that may have landed is pinned and read back before it goes again.
    """
    entries = []
    for item, entry in zip(batch.items, batch.entries, strict=True):
        landed = outcome.maybe_applied and item.operation in _WRITES
        entries.append(
            attrs.evolve(
                entry,
                state=EntryState.WAITING if landed or entry.sent else entry.state,
                not_before=until,
                lookup=Lookup.VERIFY if landed else entry.lookup,
                last_outcome=outcome,
            )
        )
    return tuple(entries)


def interrupted(
    batch: Batch | None,
    tenant: TenantState,
    error: SyncError,
    *,
    now: datetime,
    random: RandomSource,
    policy: SyncPolicy = DEFAULT_POLICY,
) -> tuple[Record, SyncEvent]:
    """
    Record that a whole call failed for an outage (network, 5xx, a timeout): the tenant
    backs off, not each change.

    The tenant pauses for `outage_pause` of its outages in a row; the batch's changes (none
    for a failed lookup) wait for the end of the pause without using up an attempt, and a
    write that may have landed (``error.maybe_applied``, true unless the adapter said
    otherwise) is read back before it goes again.

    .. versionadded:: 0.2
    """
    outages = tenant.outages + 1
    wait = outage_pause(outages, random(), base=policy.backoff_base, cap=policy.backoff_cap)
    until = now + wait
    maybe = bool(getattr(error, "maybe_applied", True))
    message = str(error)[:200]
    outcome = PushOutcome.retryable(maybe_applied=maybe, code="unavailable", message=message)
    entries = () if batch is None else _put_back(batch, until, outcome)
    state = attrs.evolve(pause(tenant, until), outages=outages)
    event = SyncEvent(
        kind=SyncEventKind.PAUSED,
        at=now,
        code="unavailable",
        message=f"The accounting system failed {outages} call(s) in a row: {message}",
        until=state.paused_until,
    )
    return Record(entries=entries, tenant=state), event


def held(
    batch: Batch | None, tenant: TenantState, error: SyncError, *, now: datetime
) -> tuple[Record, SyncEvent]:
    """
    Record that the accounting system refused the credentials
    (`accountcore.errors.AuthenticationError`) or the connection's configuration
    (`accountcore.errors.ConfigurationError`): the tenant is held until the host resumes it,
    and the batch's changes (none for a failed lookup) wait, their attempts untouched.

    .. versionadded:: 0.2
    """
    reason = (
        HoldReason.AUTHENTICATION
        if isinstance(error, AuthenticationError)
        else HoldReason.CONFIGURATION
    )
    message = str(error)[:200]
    outcome = PushOutcome.retryable(maybe_applied=False, code=reason.value, message=message)
    entries = () if batch is None else _put_back(batch, now, outcome)
    state = attrs.evolve(tenant, held=Hold(reason=reason, message=message, since=now))
    event = SyncEvent(kind=SyncEventKind.HELD, at=now, code=reason.value, message=message)
    return Record(entries=entries, tenant=state), event


def resume(tenant: TenantState, *, now: datetime) -> tuple[Record, SyncEvent | None]:
    """
    Resume a tenant: lift its hold and its outage backoff (the host says the cause is fixed).
    A pause a rate limit or the error budget set stays: the system's limits still apply.

    Returns:
        The record, empty when there was nothing to resume, and a ``RESUMED`` event then.

    .. versionadded:: 0.2
    """
    if tenant.held is None and not tenant.outages:
        return Record(), None
    paused = None if tenant.outages and tenant.held is None else tenant.paused_until
    state = attrs.evolve(tenant, held=None, outages=0, paused_until=paused)
    code = tenant.held.reason.value if tenant.held is not None else "unavailable"
    event = SyncEvent(kind=SyncEventKind.RESUMED, at=now, code=code)
    return Record(tenant=state), event


def redrive(
    dead: Iterable[Closed], pending: Iterable[Entry], *, now: datetime
) -> tuple[Record, tuple[SyncEvent, ...]]:
    """
    Open dead-lettered changes again, due now, with their attempts back at 0.

    A dead letter whose account has a newer open change is left alone: that change carries a
    newer snapshot and goes out anyway. Of several dead letters of one account only the
    newest is opened. A write that may have landed is still read back first: the account's
    link asks for it.

    Args:
        dead: dead letters, as the outbox recorded them (`Closed` with their ``change``).
        pending: the open entries (``Outbox.pending()``).
        now: the current time.

    Returns:
        The record to apply (its ``reopened`` entries), and one ``REDRIVEN`` event per change.

    Raises:
        ValidationError: an item is not a dead letter (``invalid_choice``) or does not carry
            its change (``required``), at its index.

    .. versionadded:: 0.2
    """
    letters = list(dead)
    problems: list[Problem] = []
    for i, closed in enumerate(letters):
        if not isinstance(closed, Closed) or closed.disposition is not Disposition.DEAD_LETTERED:
            message = "Only a dead letter (a Closed dead-lettered entry) can be re-driven."
            problems.append(Problem((i,), "invalid_choice", message))
        elif closed.change is None:
            message = "The dead letter does not carry its change; it cannot be re-driven."
            problems.append(Problem((i, "change"), "required", message))
    if problems:
        raise ValidationError(problems)
    newest: dict[str, int] = {}
    for entry in pending:
        key = entry.change.account_key
        newest[key] = max(newest.get(key, -1), entry.change.seq)
    chosen: dict[str, Closed] = {}
    for closed in letters:
        change = closed.change
        assert change is not None  # checked above
        key = change.account_key
        if change.seq <= newest.get(key, -1):
            continue
        kept = chosen.get(key)
        if kept is None or (kept.change is not None and kept.change.seq < change.seq):
            chosen[key] = closed
    reopened = tuple(
        Entry(change=closed.change, not_before=now)
        for closed in chosen.values()
        if closed.change is not None
    )
    events = tuple(
        SyncEvent(
            kind=SyncEventKind.REDRIVEN,
            at=now,
            code=closed.code,
            account_key=closed.account_key,
            change_id=closed.change_id,
        )
        for closed in chosen.values()
    )
    return Record(reopened=reopened), events
