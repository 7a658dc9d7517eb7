"""Random legal and illegal status and type changes, checked against the invariants."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from accountcore import Account, AccountStatus, AccountType, Address
from accountcore.errors import InvalidTransition, InvalidTypeChange
from accountcore.status import (
    StatusChanged,
    TypeChanged,
    can_transition,
    change_type,
    replay,
    transition,
)

START = date(2024, 1, 1)
AT = datetime(2024, 1, 1, tzinfo=timezone.utc)


class AccountLifecycle(RuleBasedStateMachine):
    """Drive one account through random changes; every step must keep the invariants."""

    def __init__(self) -> None:
        super().__init__()
        self.first: Account
        self.account: Account
        self.events: list[StatusChanged | TypeChanged] = []
        self.day = 0
        self.last_status_on = START
        self.last_type_on = START

    @initialize(account_type=st.sampled_from(AccountType), status=st.sampled_from(AccountStatus))
    def start(self, account_type: AccountType, status: AccountStatus) -> None:
        address = Address(line1="Damrak 1", city="Amsterdam", country="NL")
        account = Account.new(
            code="1", name="Acme", type=account_type, address=address, on=START, id="a-1"
        )
        self.first = self.account = attrs.evolve(account, status=status)

    def _next_day(self, step: int) -> date:
        self.day += step
        return START + timedelta(days=self.day)

    @rule(wanted=st.sampled_from(AccountStatus), step=st.integers(0, 30))
    def change_status(self, wanted: AccountStatus, step: int) -> None:
        before = self.account
        on = self._next_day(step)
        legal = can_transition(before.type, before.status, wanted)
        try:
            after, event = transition(before, wanted, on=on, at=AT + timedelta(days=self.day))
        except InvalidTransition:
            assert not legal
            assert self.account is before
            return
        assert legal
        assert AccountStatus.ACTIVE in (event.old, event.new)
        self.account, self.last_status_on = after, on
        self.events.append(event)

    @rule(new_type=st.sampled_from(AccountType), step=st.integers(0, 30))
    def change_account_type(self, new_type: AccountType, step: int) -> None:
        before = self.account
        on = self._next_day(step)
        try:
            after, event = change_type(before, new_type, on=on, at=AT)
        except InvalidTypeChange:
            assert self.account is before
            return
        assert after.status is before.status
        self.account, self.last_type_on = after, on
        self.events.append(event)

    @invariant()
    def since_dates_follow_the_last_changes(self) -> None:
        assert self.account.status_since == self.last_status_on
        assert self.account.type_since == self.last_type_on

    @invariant()
    def replay_gives_the_current_account(self) -> None:
        assert replay(self.first, self.events) == self.account


AccountLifecycle.TestCase.settings = settings(max_examples=100, stateful_step_count=30)
TestAccountLifecycle = AccountLifecycle.TestCase
