"""Fast copies of an account with a new status or type.

``attrs.evolve`` walks the fields in Python on every call; a constructor call naming every
field is about 2.5x faster. The calls are generated from ``attrs.fields(Account)`` once, so a
field added to `Account` is carried over without anyone remembering to.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import attrs

from ..entities import Account, AccountStatus, AccountType


def _copier(value_field: str, since_field: str) -> Callable[[Account, object, date], Account]:
    def argument(name: str) -> str:
        return {value_field: "value", since_field: "since"}.get(name, f"account.{name}")

    names = [field.name for field in attrs.fields(Account)]
    arguments = ", ".join(f"{name}={argument(name)}" for name in names)
    namespace: dict[str, object] = {"Account": Account}
    exec(f"def copy(account, value, since):\n    return Account({arguments})\n", namespace)
    copy: Callable[[Account, object, date], Account] = namespace["copy"]  # type: ignore[assignment]
    return copy


_with_status = _copier("status", "status_since")
_with_type = _copier("type", "type_since")


def with_status(account: Account, status: AccountStatus, since: date) -> Account:
    """Return ``account`` with ``status`` since ``since``; every other field kept."""
    return _with_status(account, status, since)


def with_type(account: Account, account_type: AccountType, since: date) -> Account:
    """Return ``account`` with ``account_type`` since ``since``; every other field kept."""
    return _with_type(account, account_type, since)
