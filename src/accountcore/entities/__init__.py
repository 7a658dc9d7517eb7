"""
The account card as immutable values, and the rules the card holds on its own.

An `Account` is a small frozen record that holds its lifecycle fields (code, name, type,
status and the dates they took effect) and one frozen object per card section
(`Summary`, `General`, `Contact`, `Marketing`, `Relations`, `Financial`). Changing one field
rebuilds one section and the account, never all sixty fields.

Constructors check types only by annotation. The rules that need no outside data (a limit
for every value, the checks of each field, the rules relating the fields of one object) are
here too, as tables (`FIELD_RULES`, `CLASS_RULES`, `MAX_LENGTHS`...), and `check_account`
applies them; `Account.new` and `accountcore.from_dict` run them. `accountcore.validation`
adds the rules that need the host's data. See ``docs/adr/0003-entities.md`` and
``docs/rules.md#card-fields``.

.. versionadded:: 0.1
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._account import (
    INT_RANGES,
    MAX_ITEMS,
    MAX_LENGTHS,
    Account,
    account_problems,
    account_warnings,
    check_account,
    tables,
)
from ._card import (
    CARD_TYPES,
    IBAN_BANK_ACCOUNT_TYPE,
    PICTURE_FORMATS,
    AccountStatus,
    AccountType,
    Address,
    BankAccount,
    Contact,
    Financial,
    FreeField,
    FreeFieldKind,
    FreeFieldValue,
    General,
    GroupInvoice,
    Marketing,
    Relations,
    Summary,
)
from ._rules import AMOUNT_LIMIT, DEFAULT_MAX_LENGTH, MAX_AMOUNT_TEXT, MAX_SAFE_INTEGER

__all__ = [
    "AMOUNT_LIMIT",
    "CARD_TYPES",
    "CLASS_RULES",
    "DEFAULT_MAX_LENGTH",
    "FIELD_RULES",
    "IBAN_BANK_ACCOUNT_TYPE",
    "INT_RANGES",
    "MAX_AMOUNT_TEXT",
    "MAX_ITEMS",
    "MAX_LENGTHS",
    "MAX_SAFE_INTEGER",
    "PICTURE_FORMATS",
    "Account",
    "AccountStatus",
    "AccountType",
    "Address",
    "BankAccount",
    "Contact",
    "Financial",
    "FreeField",
    "FreeFieldKind",
    "FreeFieldValue",
    "General",
    "GroupInvoice",
    "Marketing",
    "Relations",
    "Summary",
    "account_problems",
    "account_warnings",
    "check_account",
]

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from ..errors import Problem

    FIELD_RULES: Mapping[type, Mapping[str, Callable[[object], tuple[str, str] | None]]]
    CLASS_RULES: Mapping[type, Callable[[object], Iterator[Problem]]]


def __getattr__(name: str) -> object:
    # The rule tables are built on first use: building them would slow `import accountcore`.
    if name == "FIELD_RULES":
        return tables().field_rules
    if name == "CLASS_RULES":
        return tables().class_rules
    raise AttributeError(f"module 'accountcore.entities' has no attribute {name!r}")
