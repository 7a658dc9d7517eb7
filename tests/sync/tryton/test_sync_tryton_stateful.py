"""
The engine's state machine under faults (tests/sync/test_sync_stateful.py) with the Tryton
adapter behind the fault injector: the same invariants, fewer examples.
"""

from __future__ import annotations

import pytest

# Collected without the extra too: skipped, with the reason, when trytond is missing.
pytest.importorskip("trytond", reason="needs trytond: pip install 'accountcore[tryton]'")
pytestmark = pytest.mark.tryton

import itertools
import os
from collections.abc import Mapping, Sequence

from _tryton import shared_system
from hypothesis import HealthCheck, settings
from sync.test_sync_stateful import SyncMachine

from accountcore.entities import Account
from accountcore.sync import (
    Capabilities,
    OutcomeStatus,
    PushItem,
    PushOutcome,
    RemoteAccount,
)
from accountcore.sync.tryton import TrytonAccountingSystem

_RUNS = itertools.count(1)


class TrytonRemote:
    """The adapter, with what the machine checks: the items it applied, parties by key,
    and edits made in Tryton as another user would make them."""

    def __init__(self, system: TrytonAccountingSystem) -> None:
        self.system = system
        self.applied: list[PushItem] = []
        self.refused_calls = 0  # Tryton has no rate limits

    @property
    def capabilities(self) -> Capabilities:
        return self.system.capabilities

    def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        outcomes = self.system.push(items)
        self.applied += [
            item
            for item, outcome in zip(items, outcomes, strict=True)
            if outcome.status is OutcomeStatus.APPLIED
        ]
        return outcomes

    def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return self.system.fetch(external_ids)

    def find_by_account_keys(self, account_keys: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return self.system.find_by_account_keys(account_keys)

    def records_for(self, account_key: str) -> list[RemoteAccount]:
        return list(self.system.find_by_account_keys([account_key]).values())

    def edit_remotely(self, external_id: str, snapshot: Account) -> RemoteAccount:
        from trytond.pool import Pool
        from trytond.transaction import Transaction

        database = self.system.database
        with Transaction().start(database, 0) as transaction:
            party = Pool(database).get("party.party")
            party.write([party(int(external_id))], {"name": snapshot.name})
            transaction.commit()
        return self.system.fetch([external_id])[external_id]


class TrytonSyncMachine(SyncMachine):
    def make_remote(self) -> TrytonRemote:
        self.run_id = next(_RUNS)
        return TrytonRemote(shared_system(3))

    def key(self, name: str) -> str:
        return f"run{self.run_id}-{name}"


_CI = os.environ.get("CI") == "true"
TrytonSyncMachine.TestCase.settings = settings(
    max_examples=40 if _CI else 10,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestTrytonSyncUnderFaults = TrytonSyncMachine.TestCase
