"""
accountcore: company accounts as Exact Synergy models them, checked, immutable and serializable.

>>> import accountcore
>>> account = accountcore.from_dict({
...     "code": " 1001 ", "name": "Acme B.V.", "type": "C", "type_since": "2024-01-01",
...     "status_since": "2024-01-01",
...     "summary": {"address": {"line1": "Damrak 1", "city": "Amsterdam", "country": "NL"}},
... })
>>> account.code, account.type, account.status
('1001', <AccountType.CUSTOMER: 'C'>, <AccountStatus.ACTIVE: 'A'>)
>>> accountcore.from_dict({**accountcore.to_dict(account), "name": " "})
Traceback (most recent call last):
...
accountcore.errors.ValidationError: 1 problem: $.name: This field must not be blank. [required]

.. versionadded:: 0.1
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .codes import CodeAllocation, allocate_code
from .entities import (
    Account,
    AccountStatus,
    AccountType,
    Address,
    BankAccount,
    Contact,
    Financial,
    FreeField,
    FreeFieldKind,
    General,
    GroupInvoice,
    Marketing,
    Relations,
    Summary,
)
from .errors import AccountCoreError, DefinitionError, Problem, Severity, ValidationError
from .identifiers import BIC, DUNS, GLN, IBAN, ChamberOfCommerceNumber, CheckStrength, VATNumber

if TYPE_CHECKING:
    from .serialization import from_dict, to_dict
    from .validation import ValidationReport, check_account, validate

    __version__: str

__all__ = [
    "BIC",
    "DUNS",
    "GLN",
    "IBAN",
    "Account",
    "AccountCoreError",
    "AccountStatus",
    "AccountType",
    "Address",
    "BankAccount",
    "ChamberOfCommerceNumber",
    "CheckStrength",
    "CodeAllocation",
    "Contact",
    "DefinitionError",
    "Financial",
    "FreeField",
    "FreeFieldKind",
    "General",
    "GroupInvoice",
    "Marketing",
    "Problem",
    "Relations",
    "Severity",
    "Summary",
    "VATNumber",
    "ValidationError",
    "ValidationReport",
    "__version__",
    "allocate_code",
    "check_account",
    "from_dict",
    "to_dict",
    "validate",
]

# Serialization (cattrs) and validation (the rule tables) load on first use, so that
# `import accountcore` stays light.
_LAZY = {
    "from_dict": "serialization",
    "to_dict": "serialization",
    "check_account": "validation",
    "validate": "validation",
    "ValidationReport": "validation",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from importlib import import_module

        value: object = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    if name == "__version__":
        from importlib.metadata import version

        return version("accountcore")
    raise AttributeError(f"module 'accountcore' has no attribute {name!r}")
