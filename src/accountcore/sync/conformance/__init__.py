"""
A conformance kit for accounting-system adapters: pytest contracts and a state machine.

Subclass a contract, override the `system` fixture, and pytest runs every contract test
against your adapter::

    class TestMyAdapter(AccountingSystemContract):
        @pytest.fixture
        def system(self) -> AccountingSystem:
            return MyAdapter(...)  # a fresh, empty system for every test

    TestMyAdapterMachine = make_state_machine(MyAdapter).TestCase

Optional features are capabilities, not skips: every test reads ``system.capabilities`` and
checks what the adapter declares. Like `InMemoryAccountingSystem`, the kit expects that a
system keeps at most one record per account key (a second create is rejected with
``account_key_taken``); an adapter for a system without that constraint checks it itself.

An outbox is checked the same way: subclass `OutboxContract` and override its ``outbox``
fixture (a fresh, empty outbox), and `make_outbox_machine` drives it beside the reference
`accountcore.sync.memory.InMemoryOutbox`.

The kit's messages are explicit, so plain ``assert`` reports enough. For pytest's detailed
diffs, call ``pytest.register_assert_rewrite("accountcore.sync.conformance")`` in your
``conftest.py`` before importing it. Needs the ``accountcore[testing]`` extra.

.. versionadded:: 0.1
.. versionchanged:: 0.2
   `OutboxContract`, `OutboxStateMachine` and `make_outbox_machine`.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401 -- fail early, with the extra to install
    import pytest  # noqa: F401
except ImportError as error:
    raise ImportError(
        "accountcore.sync.conformance needs the testing extra (Hypothesis and pytest): "
        "pip install 'accountcore[testing]'"
    ) from error

from ._contract import AccountingSystemContract, AsyncAccountingSystemContract
from ._machine import AccountingSystemStateMachine, make_state_machine
from ._outbox import OutboxContract, OutboxStateMachine, make_outbox_machine

__all__ = [
    "AccountingSystemContract",
    "AccountingSystemStateMachine",
    "AsyncAccountingSystemContract",
    "OutboxContract",
    "OutboxStateMachine",
    "make_outbox_machine",
    "make_state_machine",
]
