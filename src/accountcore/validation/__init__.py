"""
The card's rules, applied to an `Account`, and the limits every value is held to.

Two entry points:

- `check_account` checks every rule that needs no outside data and raises one
  `ValidationError` listing every problem. `accountcore.from_dict` and `Account.new` call it.
- `validate` runs those rules and, for each host lookup given, the rules that need the host's
  data (code taken, reseller is a Reseller, no parent cycle, subsector within its sector, cost
  centre from the manager). A rule whose lookup is missing is reported in
  `ValidationReport.skipped`, never silently passed.

Both hold every value to a limit first, before any costly check: text to its field's length
(`MAX_LENGTHS`, else `DEFAULT_MAX_LENGTH`), identifiers as typed to `MAX_IDENTIFIER_TEXT`
characters, integers to `INT_RANGES`, lists to `MAX_ITEMS`, and free fields' numbers and
amounts to `MAX_SAFE_INTEGER` and `AMOUNT_LIMIT`. ``docs/validation.md`` lists them.

The card's own rules are one table, by class and field (`FIELD_RULES`), with the rules that
relate the fields of one object (`CLASS_RULES`); they are defined with the entities
(`accountcore.entities`), which check themselves in `Account.new`, and shown here beside the
rules that need the host's data.

.. versionadded:: 0.1
"""

from __future__ import annotations

from ..entities import (
    AMOUNT_LIMIT,
    CLASS_RULES,
    DEFAULT_MAX_LENGTH,
    FIELD_RULES,
    INT_RANGES,
    MAX_ITEMS,
    MAX_LENGTHS,
    MAX_SAFE_INTEGER,
    check_account,
)
from ..identifiers import MAX_IDENTIFIER_TEXT
from ._host import (
    AccountDirectory,
    CostCentres,
    DirectoryEntry,
    SectorCatalogue,
    SkippedCheck,
    ValidationReport,
    validate,
)

__all__ = [
    "AMOUNT_LIMIT",
    "CLASS_RULES",
    "DEFAULT_MAX_LENGTH",
    "FIELD_RULES",
    "INT_RANGES",
    "MAX_IDENTIFIER_TEXT",
    "MAX_ITEMS",
    "MAX_LENGTHS",
    "MAX_SAFE_INTEGER",
    "AccountDirectory",
    "CostCentres",
    "DirectoryEntry",
    "SectorCatalogue",
    "SkippedCheck",
    "ValidationReport",
    "check_account",
    "validate",
]
