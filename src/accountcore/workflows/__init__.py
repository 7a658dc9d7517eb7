"""
One call per user action: create, edit fields, change status, change type, delete.

Each workflow composes reading and validation, the status machine and type changes, the
rights policy with its settings and card layout, and the host's lookups. It returns an
`Outcome` (the new account, its events, and the decisions that allowed it) or raises one
`ActionRefused` listing every reason the action was refused.

Three rules cross the capabilities they compose: a status or type change's event records the
function right the policy checked, none with Security: Check - Roles off
(docs/rules.md#status-events); a code changed through `edit_fields` is a recode, decided as
the policy's ``Recode`` (docs/rules.md#roles); and with the host's ``cost_centres`` lookup the
cost centre follows the account manager on create and on a change of manager, set by the
system whatever the card layout lets the user edit (docs/rules.md#relations).

.. versionadded:: 0.1
"""

from __future__ import annotations

from ._calls import (
    Outcome,
    change_status,
    change_type,
    create_account,
    delete_account,
    edit_fields,
)
from ._refusal import Refusal

__all__ = [
    "Outcome",
    "Refusal",
    "change_status",
    "change_type",
    "create_account",
    "delete_account",
    "edit_fields",
]
