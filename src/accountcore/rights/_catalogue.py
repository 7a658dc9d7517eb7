"""The function rights of DOMAIN §4, the default roles, and the decision messages."""

from __future__ import annotations

import enum

import attrs


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


@attrs.frozen
class Role:
    """
    A named set of function rights.

    .. versionadded:: 0.1
    """

    name: str
    rights: frozenset[FunctionRight]


#: The roles of DOMAIN §4 with their default rights.
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
