"""The conformance kit against the reference adapters: every contract test must pass."""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import Callable, Sequence

import pytest
from _sync import AsyncWrapper, Clock
from hypothesis import settings

from accountcore.sync import (
    AccountingSystem,
    AsyncAccountingSystem,
    Capabilities,
    PushItem,
    PushOutcome,
)
from accountcore.sync.conformance import (
    AccountingSystemContract,
    AsyncAccountingSystemContract,
    make_state_machine,
)
from accountcore.sync.faults import FaultInjectingAccountingSystem, FaultProfile
from accountcore.sync.memory import InMemoryAccountingSystem

PLAIN = Capabilities(max_batch=5, idempotency_keys=False, conditional_update=False)


def in_memory() -> InMemoryAccountingSystem:
    return InMemoryAccountingSystem(clock=Clock())


def plain_in_memory() -> InMemoryAccountingSystem:
    return InMemoryAccountingSystem(clock=Clock(), capabilities=PLAIN)


def faults_off() -> FaultInjectingAccountingSystem:
    return FaultInjectingAccountingSystem(in_memory(), seed=7, profile=FaultProfile.none())


class LoopBoundAsyncInMemory(AsyncWrapper):
    """An async adapter whose client is bound to the event loop of its first call."""

    loop: asyncio.AbstractEventLoop | None = None

    async def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        running = asyncio.get_running_loop()
        if self.loop not in (None, running):
            raise RuntimeError("the client is bound to another event loop")
        self.loop = running
        return await super().push(items)


class TestInMemory(AccountingSystemContract):
    @pytest.fixture
    def system(self) -> AccountingSystem:
        return in_memory()


class TestInMemoryWithoutKeysOrVersions(AccountingSystemContract):
    @pytest.fixture
    def system(self) -> AccountingSystem:
        return plain_in_memory()


class TestInMemoryOneItemBatches(AccountingSystemContract):
    @pytest.fixture
    def system(self) -> AccountingSystem:
        return InMemoryAccountingSystem(clock=Clock(), capabilities=Capabilities())


class TestFaultInjectingWithFaultsOff(AccountingSystemContract):
    @pytest.fixture
    def system(self) -> AccountingSystem:
        return faults_off()


class TestAsyncInMemory(AsyncAccountingSystemContract):
    @pytest.fixture
    def system(self) -> AsyncAccountingSystem:
        return AsyncWrapper(in_memory())


def thorough(factory: Callable[[], AccountingSystem]) -> type[unittest.TestCase]:
    """The kit's machine over ``factory``, with the profile's example count (200 in CI)."""
    test_case = make_state_machine(factory).TestCase
    test_case.settings = settings(test_case.settings, max_examples=settings().max_examples)
    return test_case


class TestAsyncLoopBound(AsyncAccountingSystemContract):
    @pytest.fixture
    def system(self) -> AsyncAccountingSystem:
        return LoopBoundAsyncInMemory(in_memory())


TestInMemoryMachine = thorough(in_memory)
TestPlainInMemoryMachine = thorough(plain_in_memory)
TestFaultsOffMachine = make_state_machine(faults_off).TestCase


class TestKit:
    def test_default_fixture_asks_to_be_overridden(self) -> None:
        """The kit's own system fixture says it must be overridden."""
        fixture = AccountingSystemContract.system
        with pytest.raises(NotImplementedError, match="override the `system` fixture"):
            fixture.__wrapped__(AccountingSystemContract())  # type: ignore[attr-defined]

    def test_async_adapter_is_an_async_accounting_system(self) -> None:
        """The async test adapter satisfies the AsyncAccountingSystem protocol."""
        assert isinstance(AsyncWrapper(in_memory()), AsyncAccountingSystem)

    def test_importing_accountcore_does_not_load_the_kit(self) -> None:
        """Neither accountcore nor accountcore.sync imports the conformance kit."""
        import subprocess
        import sys

        code = (
            "import sys, accountcore, accountcore.sync, accountcore.sync.memory\n"
            "print('accountcore.sync.conformance' in sys.modules)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "False", out.stderr
