"""What a status blocks: one queryable rule."""

from __future__ import annotations

import enum

from ..entities import AccountStatus


class Operation(enum.Enum):
    """
    A kind of new transaction with an account.

    .. versionadded:: 0.1
    """

    PRODUCT_SALE = "product_sale"
    SERVICE_SALE = "service_sale"
    PURCHASE = "purchase"
    INVOICE = "invoice"


#: status -> the operations it refuses (docs/rules.md#statuses; docs/adr/0007-status-machine.md).
REFUSED: dict[AccountStatus, frozenset[Operation]] = {
    AccountStatus.ACTIVE: frozenset(),
    AccountStatus.REFERENCE: frozenset(),
    AccountStatus.PILOT: frozenset(),
    AccountStatus.PASSIVE: frozenset({Operation.SERVICE_SALE}),
    AccountStatus.BLOCKED: frozenset(Operation),
    AccountStatus.INACTIVE: frozenset(Operation),
}


def can_transact(status: AccountStatus, operation: Operation) -> bool:
    """
    Tell whether an account in ``status`` accepts a new ``operation``.

    Blocked and Inactive accept nothing new; Passive accepts everything but service sales;
    Active, Reference and Pilot accept everything.

    >>> can_transact(AccountStatus.PASSIVE, Operation.PRODUCT_SALE)
    True
    >>> can_transact(AccountStatus.PASSIVE, Operation.SERVICE_SALE)
    False

    .. versionadded:: 0.1
    """
    return operation not in REFUSED[status]
