"""Folding events back into the account they produce."""

from __future__ import annotations

from collections.abc import Iterable

from ..entities import Account
from ..errors import Problem, ValidationError
from ._copy import with_status, with_type
from ._machine import StatusChanged
from ._table import TransitionTable
from ._types import TypeChanged, TypeChangeRules

_DEFAULT_TABLE = TransitionTable.default()
_DEFAULT_RULES = TypeChangeRules.default()


def _mismatch(account: Account, event: StatusChanged | TypeChanged, legal: bool) -> str | None:
    if event.account_id is not None and account.id is not None and event.account_id != account.id:
        return "the event belongs to another account"
    if isinstance(event, StatusChanged):
        since, kind, current = account.status_since, "status", account.status.name
        fits = event.old is account.status
    else:
        since, kind, current = account.type_since, "type", account.type.name
        fits = event.old is account.type
    if not fits:
        return f"the event starts from {kind} {event.old.name} but the account is {current}"
    if event.on < since:
        return f"the event takes effect before the current {kind} began"
    if not legal:
        return f"the table does not allow {event.old.name} -> {event.new.name}"
    return None


def _legal(
    account: Account,
    event: StatusChanged | TypeChanged,
    table: TransitionTable | None,
    rules: TypeChangeRules | None,
) -> bool:
    if isinstance(event, StatusChanged):
        return table is None or event.new in table.moves[account.type][event.old]
    return rules is None or (event.old, event.new) in rules.rights


def replay(
    initial: Account,
    events: Iterable[StatusChanged | TypeChanged],
    *,
    table: TransitionTable | None = _DEFAULT_TABLE,
    rules: TypeChangeRules | None = _DEFAULT_RULES,
) -> Account:
    """
    Apply ``events`` in order to ``initial`` and return the account they produce.

    Each event must fit the state it meets: same account, same old status (or type), an
    effective date not before the current one, and a move the table (or rules) allows. Pass
    ``table=None`` or ``rules=None`` to skip the legality check for events recorded under
    other rules.

    Raises:
        ValidationError: at path ``("events", i)`` for the first event that does not apply.

    .. versionadded:: 0.1
    """
    account = initial
    for index, event in enumerate(events):
        reason = _mismatch(account, event, _legal(account, event, table, rules))
        if reason is not None:
            message = f"Event {index} does not apply: {reason}."
            raise ValidationError([Problem(("events", index), "event_does_not_apply", message)])
        if isinstance(event, StatusChanged):
            account = with_status(account, event.new, event.on)
        else:
            account = with_type(account, event.new, event.on)
    return account
