"""Type changes (docs/rules.md#type-changes) and the events they leave behind."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import Protocol

import attrs

from ..entities import CARD_TYPES, Account, AccountStatus, AccountType
from ..errors import DefinitionError, InvalidTypeChange, Problem, ValidationError
from ._copy import with_type
from ._machine import check_instant
from ._table import TransitionTable, _reachable, _rows, _shown

_T = AccountType
_DEFAULT_TABLE = TransitionTable.default()

#: Right numbers of docs/rules.md#type-changes (the rights package names them).
VALIDATE_CUSTOMER_SIDE, VALIDATE_RESELLER, EDIT_TYPE, CUSTOMER_TO_RESELLER = 273, 274, 291, 406


def _default_rows() -> tuple[tuple[AccountType, AccountType, int], ...]:
    others = CARD_TYPES - {_T.CUSTOMER, _T.RESELLER}
    validate = [
        (_T.NOT_VALIDATED, t, VALIDATE_RESELLER if t is _T.RESELLER else VALIDATE_CUSTOMER_SIDE)
        for t in CARD_TYPES
    ]
    edit = [(a, b, EDIT_TYPE) for a in others for b in others | {_T.CUSTOMER} if a is not b]
    return (*validate, *edit, (_T.CUSTOMER, _T.RESELLER, CUSTOMER_TO_RESELLER))


def _checked(
    rows: Iterable[tuple[AccountType | str, AccountType | str, int]], label: str
) -> dict[tuple[AccountType, AccountType], int]:
    rights: dict[tuple[AccountType, AccountType], int] = {}
    for index, row in enumerate(rows):
        where = f"{label} {index}"
        source, target, right = _check_row(where, row)
        if (source, target) in rights:
            raise DefinitionError(f"{where}: {source.name} -> {target.name} listed twice")
        rights[(source, target)] = right
    return rights


def _frozen_rights(
    value: Mapping[tuple[AccountType, AccountType], int],
) -> Mapping[tuple[AccountType, AccountType], int]:
    if not isinstance(value, Mapping):
        raise DefinitionError(
            f"TypeChangeRules.rights: expected a mapping of (from type, to type) to a right, "
            f"got {_shown(value)}"
        )
    # A key that is not a pair leaves a row of the wrong length, which _check_row refuses.
    items = value.items()
    rows = [(*key, right) if isinstance(key, tuple) else (key, right) for key, right in items]
    return MappingProxyType(_checked(rows, "TypeChangeRules.rights entry"))


def _check_row(
    where: str, row: tuple[AccountType | str, AccountType | str, int]
) -> tuple[AccountType, AccountType, int]:
    try:
        source_raw, target_raw, right = row
        source = source_raw if isinstance(source_raw, AccountType) else AccountType(source_raw)
        target = target_raw if isinstance(target_raw, AccountType) else AccountType(target_raw)
    except (TypeError, ValueError):
        raise DefinitionError(
            f"{where}: expected (from type, to type, right) with known codes"
        ) from None
    if source is target:
        raise DefinitionError(f"{where}: a change from {source.name} to itself is not a change")
    if target is _T.EMPLOYEE:
        raise DefinitionError(f"{where}: no account becomes an Employee through the card")
    if type(right) is not int or right <= 0:
        raise DefinitionError(f"{where}: the right must be a positive integer")
    return source, target, right


@attrs.frozen(eq=False)
class TypeChangeRules:
    """
    Which type changes are allowed, and the function right each one needs.

    Build them with `TypeChangeRules.from_rows`; calling the class directly with a mapping
    runs the same checks.

    .. versionadded:: 0.1
    """

    #: (current type, new type) -> function right number
    rights: Mapping[tuple[AccountType, AccountType], int] = attrs.field(converter=_frozen_rights)

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[AccountType | str, AccountType | str, int]]
    ) -> TypeChangeRules:
        """
        Build rules from ``(from type, to type, right)`` rows.

        Raises:
            DefinitionError: rows that are not a collection, an unknown code, a change to the
                same type or to Employee, a right that is not a positive integer, or the same
                change listed twice.
        """
        return cls(rights=_checked(_rows(rows, "TypeChangeRules.from_rows"), "row"))

    @classmethod
    def default(cls) -> TypeChangeRules:
        """
        Return the rules of docs/rules.md#type-changes.
        """
        return _DEFAULT_RULES

    def allowed(self, current: AccountType) -> frozenset[AccountType]:
        """
        Return the types an account of type ``current`` may change to.
        """
        return frozenset(new for (old, new) in self.rights if old is current)

    def right_for(self, current: AccountType, new: AccountType) -> int | None:
        """
        Return the right the change needs, or ``None`` when it is not allowed at all.
        """
        return self.rights.get((current, new))


_DEFAULT_RULES = TypeChangeRules.from_rows(_default_rows())


class ContractLookup(Protocol):
    """
    The host's contracts: does this account have one (for setting Mandatory: Contract)?

    .. versionadded:: 0.1
    """

    def has_contract(self, account: Account) -> bool:
        """Return ``True`` when a contract exists for the account."""
        ...


@attrs.frozen(kw_only=True)
class TypeChanged:
    """
    A type change: old and new type, effective date, recorded instant, actor, right used.

    .. versionadded:: 0.1
    """

    account_id: str | None
    account_code: str
    old: AccountType
    new: AccountType
    on: date
    at: datetime
    actor: str | None = None
    right: int | None = None


def holdable_statuses(
    account_type: AccountType, table: TransitionTable = _DEFAULT_TABLE
) -> frozenset[AccountStatus]:
    """
    Return the statuses an account of ``account_type`` can hold: Active and all it can reach.

    .. versionadded:: 0.1
    """
    return frozenset(_reachable(table.moves[account_type], AccountStatus.ACTIVE))


def contract_problems(
    account: Account, new_type: AccountType, contracts: ContractLookup | None, required: bool
) -> list[Problem]:
    """
    List the problems setting Mandatory: Contract finds with making ``account`` a ``new_type``.

    A Customer needs a contract the host's lookup shows (``docs/rules.md#mandatory-contract``);
    without the lookup, or without a contract, one problem at ``type`` says so.

    Args:
        account: the account being created or changed.
        new_type: the type it is to have.
        contracts: the host's contract lookup, if any.
        required: whether the setting is on.

    .. versionadded:: 0.2
    """
    if not required or new_type is not _T.CUSTOMER:
        return []
    if contracts is None:
        message = "Mandatory: Contract is on; pass the host's contract lookup."
        return [Problem(("type",), "contract_lookup_missing", message)]
    if not contracts.has_contract(account):
        message = "A Customer needs a contract first (setting Mandatory: Contract)."
        return [Problem(("type",), "contract_required", message)]
    return []


def change_type(
    account: Account,
    new_type: AccountType,
    *,
    on: date,
    at: datetime,
    actor: str | None = None,
    right: int | None = None,
    contract_required: bool = False,
    contracts: ContractLookup | None = None,
    rules: TypeChangeRules = _DEFAULT_RULES,
    table: TransitionTable = _DEFAULT_TABLE,
) -> tuple[Account, TypeChanged]:
    """
    Change the type of ``account`` to ``new_type``, effective ``on``, recorded ``at``.

    The status is kept when the new type may hold it; otherwise the change is refused,
    naming the status to leave first.

    Args:
        account: the account to change.
        new_type: the new type.
        on: the effective date; becomes ``type_since``.
        at: the instant the change is recorded (timezone-aware).
        actor: who made the change, for the event.
        right: the function right used, when rights were checked.
        contract_required: setting Mandatory: Contract; a change to Customer then needs a
            contract, shown through ``contracts``.
        contracts: the host's contract lookup.
        rules: the type-change rules (default: docs/rules.md#type-changes).
        table: the status table that says which statuses a type may hold.

    Returns:
        The changed account and the `TypeChanged` event.

    Raises:
        InvalidTypeChange: the change is not allowed, or the status must be left first.
        ValidationError: no contract (or no lookup) where one is required, a naive ``at``,
            or ``on`` before ``type_since``.

    .. versionadded:: 0.1
    """
    if (account.type, new_type) not in rules.rights:
        allowed = rules.allowed(account.type)
        shown = ", ".join(sorted(t.name for t in allowed)) or "nothing"
        raise InvalidTypeChange(
            f"Cannot change account {account.code!r} from {account.type.name} to "
            f"{new_type.name}: a {account.type.name} account may become {shown}.",
            current=account.type,
            target=new_type,
            allowed=allowed,
        )
    if account.status not in holdable_statuses(new_type, table):
        raise InvalidTypeChange(
            f"Cannot change account {account.code!r} to {new_type.name} while it is "
            f"{account.status.name}: move it to ACTIVE first.",
            current=account.type,
            target=new_type,
            allowed=rules.allowed(account.type),
            blocking_status=account.status,
        )
    check_instant(at, on, account.type_since)
    problems = contract_problems(account, new_type, contracts, contract_required)
    if problems:
        raise ValidationError(problems)
    event = TypeChanged(
        account_id=account.id,
        account_code=account.code,
        old=account.type,
        new=new_type,
        on=on,
        at=at,
        actor=actor,
        right=right,
    )
    return with_type(account, new_type, on), event
