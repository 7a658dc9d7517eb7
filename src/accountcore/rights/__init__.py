"""
Function rights, roles, settings, record security and the card layout
(docs/rules.md#function-rights, #record-security and #card-layout).

A `Policy` holds the company's roles, `Settings`, type-change rules and `CardLayout`;
``policy.decide(principal, action, account)`` returns a `Decision` that says allowed or
denied, the rule that decided, the right needed, the roles that would grant it, and a stable
message id. It is pure and denies by default.

>>> from datetime import date
>>> from accountcore import Account, AccountStatus, AccountType, Address
>>> from accountcore.rights import ChangeStatus, Policy, Principal
>>> account = Account.new(code="1", name="Acme", type=AccountType.CUSTOMER, on=date(2024, 1, 1),
...                       address=Address(line1="Damrak 1", city="Amsterdam", country="NL"))
>>> policy = Policy()
>>> clerk = Principal(user_id="ann", roles=frozenset({"Controller"}))
>>> decision = policy.decide(clerk, ChangeStatus(AccountStatus.BLOCKED), account)
>>> decision.allowed, decision.right, sorted(decision.granting_roles)
(False, <FunctionRight.EDIT_CUSTOMER_STATUS: 292>, ['Customer manager'])
>>> decision.message_id
'denied.missing_right'

.. versionadded:: 0.1
"""

from __future__ import annotations

from ._actions import (
    AccountDefaults,
    Action,
    Catalogue,
    ChangeStatus,
    ChangeType,
    Create,
    CustomiseCard,
    Delete,
    EditField,
    Maintain,
    Merge,
    Principal,
    Recode,
    RunDeduplication,
    Settings,
    View,
)
from ._card import changed_fields, edit_problems, layout_problems, redact
from ._catalogue import DEFAULT_ROLES, MESSAGES, FunctionRight, Role
from ._layout import CARD_FIELDS, PROTECTED_FIELDS, Button, CardLayout, FieldMode, FieldRule
from ._policy import Decision, Policy, can_see, require, visible

__all__ = [
    "CARD_FIELDS",
    "DEFAULT_ROLES",
    "MESSAGES",
    "PROTECTED_FIELDS",
    "AccountDefaults",
    "Action",
    "Button",
    "CardLayout",
    "Catalogue",
    "ChangeStatus",
    "ChangeType",
    "Create",
    "CustomiseCard",
    "Decision",
    "Delete",
    "EditField",
    "FieldMode",
    "FieldRule",
    "FunctionRight",
    "Maintain",
    "Merge",
    "Policy",
    "Principal",
    "Recode",
    "Role",
    "RunDeduplication",
    "Settings",
    "View",
    "can_see",
    "changed_fields",
    "edit_problems",
    "layout_problems",
    "redact",
    "require",
    "visible",
]
