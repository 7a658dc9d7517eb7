"""
Hypothesis strategies for accountcore's types, for property tests in host applications.

Every strategy draws values that are valid by construction: identifiers get their check digits
from python-stdnum or schwifty, accounts pass `accountcore.check_account`, and account dicts
pass `accountcore.from_dict`. `broken_records` draws the opposite: a valid account dict with
exactly one field broken, and says where::

    from hypothesis import given
    from accountcore.testing import accounts, broken_records

    @given(accounts())
    def test_host_stores_every_account(account): ...

    @given(broken_records())
    def test_host_reports_the_broken_field(record): ...

Needs Hypothesis (the ``accountcore[testing]`` extra).

.. versionadded:: 0.1
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401 -- fail early, with the extra to install
except ImportError as error:
    raise ImportError(
        "accountcore.testing needs the testing extra: pip install 'accountcore[testing]'"
    ) from error

from ._broken import BrokenRecord, broken_account_dicts, broken_records, json_values
from ._entities import (
    account_dicts,
    account_statuses,
    account_types,
    accounts,
    addresses,
    bank_account_lists,
    bank_accounts,
    contacts,
    free_fields,
)
from ._identifiers import bics, coc_numbers, duns_numbers, glns, ibans, vat_numbers

__all__ = [
    "BrokenRecord",
    "account_dicts",
    "account_statuses",
    "account_types",
    "accounts",
    "addresses",
    "bank_account_lists",
    "bank_accounts",
    "bics",
    "broken_account_dicts",
    "broken_records",
    "coc_numbers",
    "contacts",
    "duns_numbers",
    "free_fields",
    "glns",
    "ibans",
    "json_values",
    "vat_numbers",
]
