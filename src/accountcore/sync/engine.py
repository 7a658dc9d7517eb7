"""
The sync engine's pure steps, for hosts that drive sync themselves instead of with a driver.

`plan` picks what goes out now (coalesced, in each account's order, one change in flight per
account, within the rate limits); `begin` claims an entry and gives the item to push;
`settle` turns an outcome into the entry's next state (retry with `backoff`, dead letter,
conflict, done); `absorb` settles a change whose account was already written; `expedite`
pushes queued changes before the schedule; `resolve_conflict` applies a `Resolution`;
`interrupted` and `held` record a whole call that failed for an outage or for refused
credentials, `resume` lifts them, and `redrive` opens dead letters again; `take_in`
merges remote records (a pull, a webhook, a read before a write) into the host's accounts. Each
takes the present (``now``) and random draws as arguments: nothing here reads a clock.

`accountcore.sync.SyncDriver` runs these steps against an outbox and an adapter.

.. versionadded:: 0.2
"""

from __future__ import annotations

from ._engine import Batch, Plan, plan
from ._outage import held, interrupted, redrive, resume
from ._policy import Resolution, backoff, outage_pause
from ._pull import TakenIn, take_in
from ._settle import absorb, begin, expedite, resolve_conflict, settle

__all__ = [
    "Batch",
    "Plan",
    "Resolution",
    "TakenIn",
    "absorb",
    "backoff",
    "begin",
    "expedite",
    "held",
    "interrupted",
    "outage_pause",
    "plan",
    "redrive",
    "resolve_conflict",
    "resume",
    "settle",
    "take_in",
]
