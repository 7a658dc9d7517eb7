"""The function rights (docs/rules.md#function-rights), the default roles, the messages."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from ..errors import DefinitionError
from ._checks import items, refuse, shown, text


class FunctionRight(enum.IntEnum):
    """
    Exact's numbered function rights for accounts; the value is the right's number.

    .. versionadded:: 0.1
    """

    MAINTAIN_ACCOUNT_SETTINGS = 222
    MAINTAIN_RATING_RULES = 261
    MANAGE_CUSTOMER_ACCOUNTS = 273
    MANAGE_RESELLER_ACCOUNTS = 274
    MAINTAIN_BANK_ACCOUNT_TYPES = 278
    EDIT_ACCOUNT_TYPE = 291
    EDIT_CUSTOMER_STATUS = 292
    EDIT_RESELLER_STATUS = 293
    EDIT_OTHER_STATUS = 294
    MAINTAIN_CLASSIFICATIONS = 319
    DELETE_ACCOUNTS = 355
    CHANGE_CUSTOMER_TO_RESELLER = 406
    CUSTOMISE_ACCOUNT_CARD = 498
    RUN_DEDUPLICATION = 608

    @property
    def description(self) -> str:
        """
        What the right allows, as Exact describes it.
        """
        return _DESCRIPTIONS[self]


_R = FunctionRight
_BY_NUMBER: dict[int, FunctionRight] = {int(right): right for right in FunctionRight}
_DESCRIPTIONS: dict[FunctionRight, str] = {
    _R.MAINTAIN_ACCOUNT_SETTINGS: "maintain account settings",
    _R.MAINTAIN_RATING_RULES: "maintain rating rules",
    _R.MANAGE_CUSTOMER_ACCOUNTS: "validate, recode or merge customer-side accounts",
    _R.MANAGE_RESELLER_ACCOUNTS: "validate, recode or merge reseller accounts",
    _R.MAINTAIN_BANK_ACCOUNT_TYPES: "maintain bank account types",
    _R.EDIT_ACCOUNT_TYPE: "edit account type, except reseller and customer",
    _R.EDIT_CUSTOMER_STATUS: "edit status of customer accounts",
    _R.EDIT_RESELLER_STATUS: "edit status of reseller accounts",
    _R.EDIT_OTHER_STATUS: "edit status of other accounts",
    _R.MAINTAIN_CLASSIFICATIONS: "maintain classifications",
    _R.DELETE_ACCOUNTS: "delete accounts",
    _R.CHANGE_CUSTOMER_TO_RESELLER: "change account type from customer to reseller",
    _R.CUSTOMISE_ACCOUNT_CARD: "change the company-wide account card customisation",
    _R.RUN_DEDUPLICATION: "run deduplication",
}


#: The highest right number a principal may hold: Exact numbers its function rights with a
#: few digits, and a bound keeps every principal printable.
MAX_RIGHT_NUMBER = 999_999


def right_number(value: object, where: str) -> int:
    """
    Return ``value`` as a right number: a `FunctionRight`, or a plain int (not a bool) from 1
    to `MAX_RIGHT_NUMBER`.

    Raises:
        DefinitionError: a bool, float, Decimal, text, a number out of range, or anything else.
    """
    if isinstance(value, FunctionRight):
        return value
    expected = f"right numbers as integers from 1 to {MAX_RIGHT_NUMBER:,}"
    if isinstance(value, bool) or not isinstance(value, int):
        refuse(where, expected, value)
    number = int.__int__(value)
    if not 1 <= number <= MAX_RIGHT_NUMBER:
        refuse(where, expected, value)
    return number


def known_right(value: object, where: str) -> FunctionRight:
    """
    Return the `FunctionRight` numbered ``value``.

    Raises:
        DefinitionError: ``value`` is not an integer (a bool is not), or not the number of
            a `FunctionRight`.
    """
    right = None
    if isinstance(value, int) and not isinstance(value, bool):
        right = _BY_NUMBER.get(int.__int__(value))
    if right is None:
        raise DefinitionError(f"{where}: {shown(value)} is not a known function right")
    return right


def _role_name(value: str) -> str:
    return text(value, "Role.name")


def _role_rights(value: Iterable[FunctionRight | int]) -> frozenset[FunctionRight]:
    rights = items(value, "Role.rights", "function rights")
    return frozenset(known_right(right, "Role.rights") for right in rights)


@attrs.frozen
class Role:
    """
    A named set of function rights.

    ``name`` is non-blank text; ``rights`` takes any collection of `FunctionRight` members
    or their numbers and keeps a frozenset of members.

    Raises:
        DefinitionError: a blank or non-text name, a right that is not an integer, or a
            number `FunctionRight` does not know (a role cannot grant a right that no
            action needs, so such a number is a typo).

    .. versionadded:: 0.1
    """

    name: str = attrs.field(converter=_role_name)
    rights: frozenset[FunctionRight] = attrs.field(converter=_role_rights)


#: The roles of docs/rules.md#function-rights with their default rights.
DEFAULT_ROLES: tuple[Role, ...] = (
    Role("Administrator", frozenset({_R(222), _R(498), _R(608)})),
    Role(
        "Customer manager",
        frozenset({_R(222), _R(261), _R(273), _R(291), _R(292), _R(294), _R(319), _R(355)}),
    ),
    Role("Reseller manager", frozenset({_R(274), _R(293), _R(406)})),
    Role("Controller", frozenset({_R(278), _R(291)})),
)

#: Every decision's stable message id and its English text; parameters fill the braces.
MESSAGES: dict[str, str] = {
    "allowed.no_right_needed": "Allowed: this action needs no function right.",
    "allowed.roles_not_checked": "Allowed: Security: Check - Roles is off, so no right is checked.",
    "allowed.role": "Allowed: role {role} grants right {right} ({description}).",
    "allowed.direct": "Allowed: the user holds right {right} ({description}) directly.",
    "denied.missing_right": (
        "Denied: this needs right {right} ({description}), which the user does not hold; "
        "roles that grant it: {roles}."
    ),
    "denied.security_level": (
        "Denied: the account's security level is {level} and the user's clearance {clearance}; "
        "only the account manager may pass below it."
    ),
    "denied.account_required": "Denied: this action needs the account it applies to.",
    "denied.type_select_off": (
        "Denied: with Type: Select off, only Not validated accounts can be created, not {type}."
    ),
    "denied.employee": "Denied: Employee accounts are never created or set through the card.",
    "denied.type_change_not_allowed": (
        "Denied: the type-change rules do not allow {current} to become {target}."
    ),
    "denied.unknown_field": (
        "Denied: {field} is not a card field that can be edited; type and status change "
        "through their own actions."
    ),
    "denied.field_hidden": "Denied: the field {field} is hidden in the card layout.",
    "denied.field_read_only": "Denied: the field {field} is shown read-only in the card layout.",
    "denied.unknown_action": "Denied: the action is not one the policy knows.",
}
