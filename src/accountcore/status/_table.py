"""The status transition table: data, checked when built."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TypeVar

import attrs

from ..entities import AccountStatus, AccountType
from ..errors import DefinitionError

_R = TypeVar("_R")
_ACTIVE = AccountStatus.ACTIVE
_T = AccountType
_S = AccountStatus

#: One row: from a status, to a status, for these account types.
Row = tuple["AccountStatus | str", "AccountStatus | str", Iterable["AccountType | str"]]

#: docs/rules.md#statuses: every move starts or ends at Active.
DEFAULT_ROWS: tuple[tuple[AccountStatus, AccountStatus, frozenset[AccountType]], ...] = (
    (_ACTIVE, _S.REFERENCE, frozenset({_T.CUSTOMER, _T.RESELLER})),
    (_ACTIVE, _S.BLOCKED, frozenset({_T.CUSTOMER, _T.RESELLER, _T.SUPPLIER})),
    (_ACTIVE, _S.PILOT, frozenset({_T.CUSTOMER})),
    (_ACTIVE, _S.PASSIVE, frozenset({_T.CUSTOMER})),
    (_ACTIVE, _S.INACTIVE, frozenset(AccountType)),
    *(
        (status, _ACTIVE, frozenset(AccountType))
        for status in AccountStatus
        if status is not _ACTIVE
    ),
)


#: The longest repr a message shows; longer ones are cut.
_WIDTH = 40


def _shown(value: object) -> str:
    """Show a code in a message: a short repr of text or a member, else only its type's name."""
    if value is None:
        return "None"
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if type(value) is not str:
        # Other reprs may be huge, or raise (an int over 4300 digits does).
        return f"a value of type {type(value).__name__}"
    text = repr(value[:_WIDTH])
    return text if len(value) <= _WIDTH else f"{text}..."


def _rows(rows: Iterable[_R], where: str) -> Iterable[_R]:
    """Return ``rows`` if it is a collection, refusing one string, a mapping or a non-iterable."""
    if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Iterable):
        raise DefinitionError(f"{where}: expected a collection of rows, got {_shown(rows)}")
    return rows


def _status(value: AccountStatus | str, where: str) -> AccountStatus:
    if isinstance(value, AccountStatus):
        return value
    if not isinstance(value, str):
        raise DefinitionError(f"{where}: expected a status code, got {_shown(value)}")
    try:
        return AccountStatus(value)
    except ValueError:
        raise DefinitionError(f"{where}: unknown status code {_shown(value)}") from None


def _type(value: AccountType | str, where: str) -> AccountType:
    if isinstance(value, AccountType):
        return value
    if not isinstance(value, str):
        raise DefinitionError(f"{where}: expected an account type code, got {_shown(value)}")
    try:
        return AccountType(value)
    except ValueError:
        raise DefinitionError(f"{where}: unknown account type code {_shown(value)}") from None


def _reachable(
    moves: Mapping[AccountStatus, frozenset[AccountStatus]], start: AccountStatus
) -> set[AccountStatus]:
    seen = {start}
    todo = [start]
    while todo:
        for target in moves.get(todo.pop(), frozenset()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@attrs.frozen(eq=False)
class TransitionTable:
    """
    Which status moves are allowed, per account type.

    Build the default with `TransitionTable.default()`, or a host's own with
    `TransitionTable.from_rows`, which refuses a table that is not sane.

    .. versionadded:: 0.1
    """

    #: account type -> current status -> allowed target statuses
    moves: Mapping[AccountType, Mapping[AccountStatus, frozenset[AccountStatus]]]
    rows: tuple[tuple[AccountStatus, AccountStatus, frozenset[AccountType]], ...]

    @classmethod
    def from_rows(cls, rows: Iterable[Row]) -> TransitionTable:
        """
        Build a table from ``(from, to, types)`` rows; codes or enum members both work.

        Raises:
            DefinitionError: naming the flaw: rows that are not a collection, an unknown code,
                a move to the same status, a status unreachable from Active, or a status some
                type cannot leave for Active.
        """
        given = _rows(rows, "TransitionTable.from_rows")
        checked = tuple(_check_row(i, row) for i, row in enumerate(given))
        moves: dict[AccountType, dict[AccountStatus, set[AccountStatus]]] = {
            t: {s: set() for s in AccountStatus} for t in AccountType
        }
        for source, target, types in checked:
            for account_type in types:
                moves[account_type][source].add(target)
        frozen = {
            t: MappingProxyType({s: frozenset(targets) for s, targets in by_status.items()})
            for t, by_status in moves.items()
        }
        _check_graph(frozen)
        return cls(moves=MappingProxyType(frozen), rows=checked)

    @classmethod
    def default(cls) -> TransitionTable:
        """
        Return the table of docs/rules.md#statuses (the Exact help page's button rules).
        """
        return _DEFAULT

    def allowed(self, account_type: AccountType, status: AccountStatus) -> frozenset[AccountStatus]:
        """
        Return the statuses an account of this type may move to from ``status``.
        """
        return self.moves[account_type][status]


def _check_row(index: int, row: Row) -> tuple[AccountStatus, AccountStatus, frozenset[AccountType]]:
    where = f"row {index}"
    if isinstance(row, (str, bytes)):
        raise DefinitionError(f"{where}: expected (from status, to status, types)")
    try:
        source_raw, target_raw, types_raw = row
    except (TypeError, ValueError):
        raise DefinitionError(f"{where}: expected (from status, to status, types)") from None
    source, target = _status(source_raw, where), _status(target_raw, where)
    if source is target:
        raise DefinitionError(f"{where}: a move from {source.name} to itself is not a move")
    if isinstance(types_raw, (str, bytes)) or not isinstance(types_raw, Iterable):
        raise DefinitionError(f"{where}: types must be a collection of account types")
    types = frozenset(_type(t, where) for t in types_raw)
    if not types:
        raise DefinitionError(f"{where}: the move applies to no account type")
    return source, target, types


def _check_graph(
    moves: Mapping[AccountType, Mapping[AccountStatus, frozenset[AccountStatus]]],
) -> None:
    reached: set[AccountStatus] = set()
    for by_status in moves.values():
        reached |= _reachable(by_status, _ACTIVE)
    unreachable = [s.name for s in AccountStatus if s not in reached]
    if unreachable:
        raise DefinitionError(f"unreachable from ACTIVE for every type: {', '.join(unreachable)}")
    for account_type, by_status in moves.items():
        stuck = [
            s.name
            for s in AccountStatus
            if s is not _ACTIVE and _ACTIVE not in _reachable(by_status, s)
        ]
        if stuck:
            raise DefinitionError(
                f"{account_type.name} accounts cannot return to ACTIVE from: {', '.join(stuck)}"
            )


_DEFAULT = TransitionTable.from_rows(DEFAULT_ROWS)
