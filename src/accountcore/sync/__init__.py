"""
Keep account customers in sync with an external accounting system, as Synkd does.

Three layers: the host's `Outbox` (appended in the same transaction as the account save), a
pure engine (coalescing, ordering, retries, rate limits, conflicts), and the
`AccountingSystem` port an adapter implements. A driver runs the engine against the two.

.. versionadded:: 0.1
"""

from __future__ import annotations

from ._driver import AsyncSyncDriver, SyncDriver
from ._engine import Batch, Plan, plan
from ._model import (
    Capabilities,
    Change,
    ChangeKind,
    CustomerClass,
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
from ._policy import ConflictRule, RandomSource, Resolution, SyncPolicy, backoff
from ._ports import (
    AccountingSystem,
    AsyncAccountingSystem,
    Closed,
    Disposition,
    Entry,
    EntryState,
    Outbox,
    Record,
    Supersede,
    TenantState,
)
from ._runner import RunReport
from ._schedule import Schedule, latest_run, next_run
from ._settle import absorb, begin, expedite, resolve_conflict, settle

__all__ = [
    "AccountingSystem",
    "AsyncAccountingSystem",
    "AsyncSyncDriver",
    "Batch",
    "Capabilities",
    "Change",
    "ChangeKind",
    "Closed",
    "ConflictRule",
    "CustomerClass",
    "CustomerLinked",
    "CustomerUnlinked",
    "Disposition",
    "Entry",
    "EntryState",
    "LimitScope",
    "Link",
    "Lookup",
    "OperationalCustomer",
    "Outbox",
    "OutcomeStatus",
    "Plan",
    "Posting",
    "PostingRoute",
    "PushItem",
    "PushOperation",
    "PushOutcome",
    "RandomSource",
    "RateLimit",
    "Record",
    "RemoteAccount",
    "Resolution",
    "RunReport",
    "Schedule",
    "Supersede",
    "SyncDriver",
    "SyncPolicy",
    "TenantState",
    "absorb",
    "backoff",
    "begin",
    "expedite",
    "latest_run",
    "link_customer",
    "linked_customers",
    "next_run",
    "plan",
    "posting_route",
    "replay_links",
    "resolve_conflict",
    "settle",
    "unlink_customer",
]
