"""
The status machine and type changes (docs/rules.md#statuses and #type-changes), with the
events they leave behind.

The rules are data: a `TransitionTable` of status moves per account type and
`TypeChangeRules` of type changes with the right each needs. The functions here know only
legality; the rights package composes function rights on top.

>>> from datetime import date, datetime, timezone
>>> from accountcore import Account, AccountStatus, AccountType, Address
>>> from accountcore.status import can_transition, transition
>>> acme = Account.new(code="1", name="Acme", type=AccountType.CUSTOMER, on=date(2024, 1, 1),
...                    address=Address(line1="Damrak 1", city="Amsterdam", country="NL"))
>>> can_transition(AccountType.CUSTOMER, AccountStatus.ACTIVE, AccountStatus.PILOT)
True
>>> blocked, event = transition(acme, AccountStatus.BLOCKED, on=date(2024, 6, 1),
...                             at=datetime(2024, 6, 1, 9, tzinfo=timezone.utc), actor="mvd")
>>> blocked.status, blocked.status_since, event.old
(<AccountStatus.BLOCKED: 'B'>, datetime.date(2024, 6, 1), <AccountStatus.ACTIVE: 'A'>)

.. versionadded:: 0.1
"""

from __future__ import annotations

from ._diagram import to_dot, to_mermaid
from ._machine import StatusChanged, allowed_targets, can_transition, transition
from ._operations import Operation, can_transact
from ._replay import replay
from ._table import DEFAULT_ROWS, TransitionTable
from ._types import (
    ContractLookup,
    TypeChanged,
    TypeChangeRules,
    change_type,
    contract_problems,
    holdable_statuses,
)

__all__ = [
    "DEFAULT_ROWS",
    "ContractLookup",
    "Operation",
    "StatusChanged",
    "TransitionTable",
    "TypeChangeRules",
    "TypeChanged",
    "allowed_targets",
    "can_transact",
    "can_transition",
    "change_type",
    "contract_problems",
    "holdable_statuses",
    "replay",
    "to_dot",
    "to_mermaid",
    "transition",
]
