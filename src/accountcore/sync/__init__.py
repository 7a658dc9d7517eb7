"""
Keep account customers in sync with an external accounting system, as Synkd does.

Three layers: the host's `Outbox` (appended in the same transaction as the account save), a
pure engine (coalescing, ordering, retries, rate limits, conflicts; its steps are in
`accountcore.sync.engine`), and the `AccountingSystem` port an adapter implements. A driver
runs the engine against the two. This module holds the port, its values and the drivers.

.. versionadded:: 0.1
"""

from __future__ import annotations

import warnings

from ._account_customer import NewAccountCustomer, create_account_customer
from ._driver import AsyncSyncDriver, SyncDriver
from ._events import SyncEvent, SyncEventKind
from ._merge import ConflictKind, FieldConflict, Merged, merge
from ._model import (
    Capabilities,
    Change,
    ChangeKind,
    CustomerClass,
    ErrorBudget,
    LimitScope,
    Link,
    Lookup,
    OutcomeStatus,
    Posting,
    PushItem,
    PushOperation,
    PushOutcome,
    RateLimit,
    RemoteAccount,
)
from ._operational import (
    CustomerLinked,
    CustomerUnlinked,
    OperationalCustomer,
    PostingRoute,
    link_customer,
    linked_customers,
    posting_route,
    replay_links,
    unlink_customer,
)
from ._policy import ConflictRule, RandomSource, SyncPolicy
from ._ports import (
    AccountingSystem,
    AsyncAccountingSystem,
    Closed,
    Disposition,
    Entry,
    EntryState,
    Hold,
    HoldReason,
    Outbox,
    Record,
    Supersede,
    TenantState,
)
from ._pull import (
    AsyncRemoteChanges,
    ChangePage,
    Incoming,
    LocalAccounts,
    PullReport,
    RemoteChanges,
)
from ._reconcile import (
    Ambiguous,
    LinkMismatch,
    Match,
    MatchBasis,
    Reconciliation,
    import_remote,
    match_remote,
    reconcile,
)
from ._runner import RunReport
from ._schedule import Schedule, latest_run, next_run

__all__ = [
    "AccountingSystem",
    "Ambiguous",
    "AsyncAccountingSystem",
    "AsyncRemoteChanges",
    "AsyncSyncDriver",
    "Capabilities",
    "Change",
    "ChangeKind",
    "ChangePage",
    "Closed",
    "ConflictKind",
    "ConflictRule",
    "CustomerClass",
    "CustomerLinked",
    "CustomerUnlinked",
    "Disposition",
    "Entry",
    "EntryState",
    "ErrorBudget",
    "FieldConflict",
    "Hold",
    "HoldReason",
    "Incoming",
    "LimitScope",
    "Link",
    "LinkMismatch",
    "LocalAccounts",
    "Lookup",
    "Match",
    "MatchBasis",
    "Merged",
    "NewAccountCustomer",
    "OperationalCustomer",
    "Outbox",
    "OutcomeStatus",
    "Posting",
    "PostingRoute",
    "PullReport",
    "PushItem",
    "PushOperation",
    "PushOutcome",
    "RandomSource",
    "RateLimit",
    "Reconciliation",
    "Record",
    "RemoteAccount",
    "RemoteChanges",
    "RunReport",
    "Schedule",
    "Supersede",
    "SyncDriver",
    "SyncEvent",
    "SyncEventKind",
    "SyncPolicy",
    "TenantState",
    "create_account_customer",
    "import_remote",
    "latest_run",
    "link_customer",
    "linked_customers",
    "match_remote",
    "merge",
    "next_run",
    "posting_route",
    "reconcile",
    "replay_links",
    "unlink_customer",
]

#: Names that moved to `accountcore.sync.engine` in 0.2; importing them from here still works,
#: with a DeprecationWarning.
_MOVED_TO_ENGINE = frozenset(
    {"Batch", "Plan", "Resolution", "absorb", "backoff", "begin", "expedite", "plan",
     "resolve_conflict", "settle"}
)  # fmt: skip


def __getattr__(name: str) -> object:
    if name in _MOVED_TO_ENGINE:
        warnings.warn(
            f"accountcore.sync.{name} moved to accountcore.sync.engine.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        # The deprecated alias reads the engine on use, so the warning fires each time.
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'accountcore.sync' has no attribute {name!r}")
