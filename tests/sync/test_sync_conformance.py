"""The conformance kit against the reference adapters: every contract test must pass."""

from __future__ import annotations

import asyncio
import unittest
from collections.abc import Callable, Sequence
from typing import ClassVar

import attrs
import pytest
from _sync import AsyncWrapper, Clock
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from accountcore.sync import (
    AccountingSystem,
    AsyncAccountingSystem,
    AsyncRemoteChanges,
    Capabilities,
    ChangePage,
    PushItem,
    PushOutcome,
    RemoteChanges,
)
from accountcore.sync.conformance import (
    AccountingSystemContract,
    AsyncAccountingSystemContract,
    make_state_machine,
)
from accountcore.sync.faults import FaultInjectingAccountingSystem, FaultProfile
from accountcore.sync.memory import InMemoryAccountingSystem

#: The reference's default capabilities: changes_since declared.
DEFAULT = InMemoryAccountingSystem(clock=Clock()).capabilities
#: No changes_since: the kit's tests of the read pass at once, the machine never reads.
PLAIN = Capabilities(max_batch=5, idempotency_keys=False, conditional_update=False)
#: Reads changes without versions, in pages of two.
PLAIN_READING = attrs.evolve(PLAIN, changes_since=True)


def in_memory() -> InMemoryAccountingSystem:
    return InMemoryAccountingSystem(clock=Clock())


def plain_in_memory() -> InMemoryAccountingSystem:
    return InMemoryAccountingSystem(clock=Clock(), capabilities=PLAIN)


def small_pages() -> InMemoryAccountingSystem:
    """The default capabilities (changes_since declared), with pages of three records."""
    return InMemoryAccountingSystem(clock=Clock(), page_size=3)


def plain_reading() -> InMemoryAccountingSystem:
    return InMemoryAccountingSystem(clock=Clock(), capabilities=PLAIN_READING, page_size=2)


class AsyncReader(AsyncWrapper):
    """The async wrapper, with the plain system's read of changes behind a coroutine."""

    async def changes_since(self, cursor: str | None) -> ChangePage:
        assert isinstance(self.inner, RemoteChanges), "the plain system reads no changes"
        return self.inner.changes_since(cursor)


class CountsReads(InMemoryAccountingSystem):
    """The in-memory system, counting its reads of changes in ``reads`` (a class list)."""

    reads: ClassVar[list[str | None]] = []

    def changes_since(self, cursor: str | None) -> ChangePage:
        self.reads.append(cursor)
        return super().changes_since(cursor)


def faults_off() -> FaultInjectingAccountingSystem:
    return FaultInjectingAccountingSystem(in_memory(), seed=7, profile=FaultProfile.none())


class LoopBoundAsyncInMemory(AsyncReader):
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


class TestInMemorySmallPages(AccountingSystemContract):
    @pytest.fixture
    def system(self) -> AccountingSystem:
        return small_pages()


class TestInMemoryPlainReading(AccountingSystemContract):
    @pytest.fixture
    def system(self) -> AccountingSystem:
        return plain_reading()


class TestFaultInjectingWithFaultsOff(AccountingSystemContract):
    @pytest.fixture
    def system(self) -> AccountingSystem:
        return faults_off()


class TestAsyncInMemory(AsyncAccountingSystemContract):
    @pytest.fixture
    def system(self) -> AsyncAccountingSystem:
        return AsyncReader(in_memory())


class TestAsyncInMemorySmallPages(AsyncAccountingSystemContract):
    @pytest.fixture
    def system(self) -> AsyncAccountingSystem:
        return AsyncReader(small_pages())


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
TestSmallPagesMachine = thorough(small_pages)
TestPlainReadingMachine = make_state_machine(plain_reading).TestCase

QUICK = settings(
    max_examples=20,
    stateful_step_count=10,
    phases=[Phase.explicit, Phase.generate],
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
CHANGES_TESTS = sorted(
    name for name in dir(AccountingSystemContract) if name.startswith("test_changes_since_")
)
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
        assert isinstance(AsyncReader(in_memory()), AsyncRemoteChanges)

    def test_reference_declares_changes_since(self) -> None:
        """The in-memory system's default capabilities declare the read of changes."""
        assert in_memory().capabilities.changes_since
        assert isinstance(in_memory(), RemoteChanges)

    @pytest.mark.parametrize("test", CHANGES_TESTS)
    @pytest.mark.parametrize(
        ("capabilities", "read"), [(DEFAULT, True), (PLAIN, False)], ids=["declared", "undeclared"]
    )
    def test_changes_since_tests_read_only_when_declared(
        self, test: str, capabilities: Capabilities, read: bool
    ) -> None:
        """Each test of the read pages through changes when declared, and reads none if not."""
        CountsReads.reads.clear()
        system = CountsReads(clock=Clock(), capabilities=capabilities, page_size=3)
        getattr(AccountingSystemContract(), test)(system)
        assert bool(CountsReads.reads) is read, CountsReads.reads
        paged = [cursor for cursor in CountsReads.reads if cursor is not None]
        assert bool(paged) is read, "the test never read on from a cursor"

    @pytest.mark.parametrize("capabilities", [DEFAULT, PLAIN], ids=["declared", "undeclared"])
    def test_machine_reads_changes_only_when_declared(self, capabilities: Capabilities) -> None:
        """The kit's machine reads changes from an adapter that declares them, and only then."""
        CountsReads.reads.clear()
        machine = make_state_machine(
            lambda: CountsReads(clock=Clock(), capabilities=capabilities, page_size=2)
        )
        run_state_machine_as_test(machine, settings=QUICK)
        assert bool(CountsReads.reads) is capabilities.changes_since

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
