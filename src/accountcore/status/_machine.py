"""Status changes and the events they leave behind."""

from __future__ import annotations

from datetime import date, datetime

import attrs

from ..entities import Account, AccountStatus, AccountType
from ..errors import InvalidTransition, Problem, ValidationError
from ._copy import with_status
from ._table import TransitionTable

_DEFAULT = TransitionTable.default()


@attrs.frozen(kw_only=True)
class StatusChanged:
    """
    A status change: what it was, what it became, when it took effect and who did it.

    ``on`` is the effective date (the new ``status_since``); ``at`` the recorded instant
    (timezone-aware); ``right`` the function right used when rights were checked.

    .. versionadded:: 0.1
    """

    account_id: str | None
    account_code: str
    old: AccountStatus
    new: AccountStatus
    on: date
    at: datetime
    actor: str | None = None
    right: int | None = None


def allowed_targets(
    account_type: AccountType, status: AccountStatus, table: TransitionTable = _DEFAULT
) -> frozenset[AccountStatus]:
    """
    Return the statuses an account of ``account_type`` may move to from ``status``.

    .. versionadded:: 0.1
    """
    return table.moves[account_type][status]


def can_transition(
    account_type: AccountType,
    current: AccountStatus,
    target: AccountStatus,
    table: TransitionTable = _DEFAULT,
) -> bool:
    """
    Tell whether an account of ``account_type`` may move from ``current`` to ``target``.

    .. versionadded:: 0.1
    """
    return target in table.moves[account_type][current]


def check_instant(at: datetime, on: date, since: date, path: str = "at") -> None:
    """Refuse a naive recorded instant, or an effective date before the current since-date."""
    problems = []
    if at.tzinfo is None or at.utcoffset() is None:
        problems.append(
            Problem((path,), "naive_datetime", "The recorded instant needs a time zone.")
        )
    if on < since:
        problems.append(
            Problem(("on",), "before_since", f"The effective date lies before {since.isoformat()}.")
        )
    if problems:
        raise ValidationError(problems)


def _invalid(
    account: Account, target: AccountStatus, allowed: frozenset[AccountStatus]
) -> InvalidTransition:
    if target is account.status:
        reason = f"the account is already {target.name}"
    elif allowed:
        names = ", ".join(sorted(s.name for s in allowed))
        reason = f"from {account.status.name} a {account.type.name} account may move to {names}"
    else:
        reason = f"a {account.type.name} account cannot leave {account.status.name}"
    return InvalidTransition(
        f"Cannot move account {account.code!r} to {target.name}: {reason}.",
        account_type=account.type,
        current=account.status,
        target=target,
        allowed=allowed,
    )


def transition(
    account: Account,
    target: AccountStatus,
    *,
    on: date,
    at: datetime,
    actor: str | None = None,
    right: int | None = None,
    table: TransitionTable = _DEFAULT,
) -> tuple[Account, StatusChanged]:
    """
    Move ``account`` to ``target``, effective ``on``, recorded ``at``.

    Args:
        account: the account to change.
        target: the new status.
        on: the effective date; becomes ``status_since``.
        at: the instant the change is recorded (timezone-aware).
        actor: who made the change, for the event.
        right: the function right used, when rights were checked.
        table: the transition table (default: docs/rules.md#statuses).

    Returns:
        The changed account and the `StatusChanged` event.

    Raises:
        InvalidTransition: the move is not allowed (including to the same status).
        ValidationError: ``at`` is naive or ``on`` lies before ``status_since``.

    .. versionadded:: 0.1
    """
    allowed = table.moves[account.type][account.status]
    if target not in allowed:
        raise _invalid(account, target, allowed)
    if on < account.status_since or at.utcoffset() is None:
        check_instant(at, on, account.status_since)
    event = StatusChanged(
        account_id=account.id,
        account_code=account.code,
        old=account.status,
        new=target,
        on=on,
        at=at,
        actor=actor,
        right=right,
    )
    return with_status(account, target, on), event
