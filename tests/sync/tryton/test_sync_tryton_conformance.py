"""The conformance kit against a real Tryton database: every contract test must pass."""

from __future__ import annotations

import pytest

# Collected without the extra too: skipped, with the reason, when trytond is missing.
pytest.importorskip("trytond", reason="needs trytond: pip install 'accountcore[tryton]'")
pytestmark = pytest.mark.tryton

import itertools

import attrs
from _tryton import fresh_system, shared_system
from hypothesis import settings

from accountcore.entities import Account
from accountcore.sync import AccountingSystem
from accountcore.sync.conformance import AccountingSystemContract, make_state_machine
from accountcore.sync.tryton import TrytonAccountingSystem


class TestTryton(AccountingSystemContract):
    @pytest.fixture
    def system(self) -> AccountingSystem:
        return fresh_system()


_RUNS = itertools.count(1)


def four_item_batches() -> TrytonAccountingSystem:
    return shared_system(4)


class TrytonMachine(make_state_machine(four_item_batches)):  # type: ignore[misc]
    """The kit's machine; each example writes accounts under keys of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.run = next(_RUNS)

    unique_codes = True

    def account_key(self, name: str) -> str:
        return f"run{self.run}-{name}"

    def snapshot(self, key: str, version: int = 1) -> Account:
        # Tryton keeps party codes unique, and the machine re-creates unlinked accounts, so
        # every version gets a code of its own.
        return attrs.evolve(super().snapshot(key, version), code=f"{key}-{version}")


# Every example writes real parties (about ten seconds each): fewer examples than the kit's 50.
TrytonMachine.TestCase.settings = settings(TrytonMachine.TestCase.settings, max_examples=12)
TestTrytonMachine = TrytonMachine.TestCase
