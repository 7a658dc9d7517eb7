"""
Duplicate accounts: candidate groups with scores and reasons, and merges planned before they
happen (docs/rules.md#duplicates).

`find_duplicates` files every account under normalised keys (VAT number, Chamber of Commerce
number, IBAN, name with postcode, email domain) and pairs only accounts sharing a key, so it
never compares every account with every other. Accounts flagged exclude-from-merging never
appear. `plan_merge` says, before anything changes, which value wins per field, which
conflicts still need a choice, which identifiers clash and every value that would be dropped;
`apply_merge` applies a ready plan through the rights policy (273, or 274 for resellers) and
returns the survivor, the replaced accounts (``replaced_by`` set) and an event.
`run_deduplication` is `find_duplicates` behind right 608.

.. versionadded:: 0.1
"""

from __future__ import annotations

from ._find import Candidate, CandidateGroup, DuplicateReport, find_duplicates
from ._keys import Reason
from ._merge import (
    AccountsMerged,
    Clash,
    Conflict,
    Dropped,
    MergeOutcome,
    MergePlan,
    apply_merge,
    run_deduplication,
)
from ._plan import plan_merge

__all__ = [
    "AccountsMerged",
    "Candidate",
    "CandidateGroup",
    "Clash",
    "Conflict",
    "Dropped",
    "DuplicateReport",
    "MergeOutcome",
    "MergePlan",
    "Reason",
    "apply_merge",
    "find_duplicates",
    "plan_merge",
    "run_deduplication",
]
