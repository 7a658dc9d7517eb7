"""Decision.right_used: the right a policy checked, for events (docs/rules.md#status-events)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accountcore import Account, AccountStatus, AccountType, Address
from accountcore.rights import (
    Action,
    CardLayout,
    ChangeStatus,
    ChangeType,
    Create,
    Delete,
    EditField,
    FieldMode,
    FieldRule,
    FunctionRight,
    Merge,
    Policy,
    Principal,
    Recode,
    Settings,
    View,
)

ACME = Account.new(
    code="1001",
    name="Acme",
    type=AccountType.CUSTOMER,
    on=date(2024, 1, 1),
    address=Address(line1="Damrak 1", city="Amsterdam", country="NL"),
)
ROLES_OFF = Policy(settings=Settings(check_roles=False))
ACTIONS: tuple[Action, ...] = (
    ChangeStatus(AccountStatus.BLOCKED),
    ChangeType(AccountType.RESELLER),
    Delete(),
    Recode(),
    Merge(),
)


class TestRightUsed:
    @pytest.mark.parametrize("action", ACTIONS, ids=lambda a: type(a).__name__)
    def test_granted_through_a_role_or_directly(self, action: Action) -> None:
        """A right granted by a role, or held directly, is the right used."""
        policy = Policy()
        denial = policy.decide(Principal(user_id="x"), action, ACME)
        needed = denial.right
        assert needed is not None and denial.right_used is None
        by_role = Principal(user_id="r", roles=denial.granting_roles)
        direct = Principal(user_id="d", rights=frozenset({needed}))
        for by in (by_role, direct):
            decision = policy.decide(by, action, ACME)
            assert decision.allowed and decision.right_used is needed

    @pytest.mark.parametrize("action", ACTIONS, ids=lambda a: type(a).__name__)
    def test_no_right_used_when_roles_are_not_checked(self, action: Action) -> None:
        """With Check - Roles off the action is allowed, names its right, and uses none."""
        decision = ROLES_OFF.decide(Principal(user_id="u"), action, ACME)
        assert decision.allowed and decision.rule == "roles_not_checked"
        assert isinstance(decision.right, FunctionRight) and decision.right_used is None

    def test_no_right_used_by_a_denial_or_a_free_action(self) -> None:
        """A denial, and an action that needs no right, use none."""
        layout = CardLayout.build({"marketing.rating": FieldRule(mode=FieldMode.SHOW)})
        nobody = Principal(user_id="u")
        for policy, action in (
            (Policy(), Delete()),
            (Policy(), View()),
            (Policy(), Create(AccountType.LEAD)),
            (Policy(), EditField("marketing.size")),
            (Policy(layout=layout), EditField("marketing.rating")),
        ):
            assert policy.decide(nobody, action, ACME).right_used is None

    @given(st.booleans(), st.frozensets(st.sampled_from(sorted(FunctionRight))))
    def test_right_used_is_the_checked_right(
        self, check_roles: bool, rights: frozenset[FunctionRight]
    ) -> None:
        """right_used is the decision's right exactly when it was allowed with roles checked."""
        policy = Policy(settings=Settings(check_roles=check_roles))
        by = Principal(user_id="u", rights=rights)
        for action in ACTIONS:
            decision = policy.decide(by, action, ACME)
            expected = decision.right if decision.allowed and check_roles else None
            assert decision.right_used is expected
