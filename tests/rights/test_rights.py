"""
Function rights, roles, settings and record security against docs/rules.md#type-changes,
#function-rights and #record-security.
"""

from __future__ import annotations

import copy
import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest
from _paths import DOCS
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accountcore import Account, AccountStatus, AccountType, Address, from_dict, to_dict
from accountcore.errors import AccountCoreError, DefinitionError, RightDenied
from accountcore.rights import (
    CARD_FIELDS,
    DEFAULT_ROLES,
    MESSAGES,
    PROTECTED_FIELDS,
    CardLayout,
    Catalogue,
    ChangeStatus,
    ChangeType,
    Create,
    CustomiseCard,
    Decision,
    Delete,
    EditField,
    FieldMode,
    FieldRule,
    FunctionRight,
    Maintain,
    Merge,
    Policy,
    Principal,
    Recode,
    RunDeduplication,
    Settings,
    View,
    can_see,
    redact,
    require,
    visible,
)
from accountcore.testing import account_statuses, account_types, accounts

T, S = AccountType, AccountStatus
ERRORS_DOC = DOCS / "errors.md"

ADMIN, CUSTOMER_MANAGER = "Administrator", "Customer manager"
RESELLER_MANAGER, CONTROLLER = "Reseller manager", "Controller"
KNOWN_ROLES = (ADMIN, CUSTOMER_MANAGER, RESELLER_MANAGER, CONTROLLER)
# Names a careless host might use: none of them is a default role.
UNKNOWN_ROLES = ("Root", "admin", "administrator", "Customer Manager", "controller ")
UNKNOWN_RIGHTS = (1, 221, 2920, 9999, 999_999)

# docs/rules.md#function-rights, written out by hand: right -> the default roles that hold it.
DOMAIN_ROLES: dict[int, frozenset[str]] = {
    222: frozenset({ADMIN, CUSTOMER_MANAGER}),
    261: frozenset({CUSTOMER_MANAGER}),
    273: frozenset({CUSTOMER_MANAGER}),
    274: frozenset({RESELLER_MANAGER}),
    278: frozenset({CONTROLLER}),
    291: frozenset({CONTROLLER, CUSTOMER_MANAGER}),
    292: frozenset({CUSTOMER_MANAGER}),
    293: frozenset({RESELLER_MANAGER}),
    294: frozenset({CUSTOMER_MANAGER}),
    319: frozenset({CUSTOMER_MANAGER}),
    355: frozenset({CUSTOMER_MANAGER}),
    406: frozenset({RESELLER_MANAGER}),
    498: frozenset({ADMIN}),
    608: frozenset({ADMIN}),
}
NINE_CARD_TYPES = (T.ASSOCIATE, T.BANK, T.CUSTOMER, T.DIVISION, T.LEAD, T.PROSPECT,
                   T.RESELLER, T.SUPPLIER, T.SUSPECT)  # fmt: skip


def make(
    account_type: AccountType = T.CUSTOMER, *, level: int = 0, manager: str | None = None
) -> Account:
    """An Active account of ``account_type`` with a security level and an account manager."""
    account = Account.new(
        code="1001",
        name="Acme",
        type=account_type,
        on=date(2024, 1, 1),
        address=Address(line1="Damrak 1", city="Amsterdam", country="NL"),
    )
    return with_security(account, level=level, manager=manager)


def with_security(account: Account, *, level: int, manager: str | None = None) -> Account:
    return attrs.evolve(
        account,
        marketing=attrs.evolve(account.marketing, security_level=level),
        relations=attrs.evolve(account.relations, account_manager=manager),
    )


#: docs/rules.md#type-changes does not settle whether an Employee, or a move back to Not
#: validated, counts as a change "between types other than Customer and Reseller"; such
#: changes get this marker.
UNSETTLED = -1


def domain_type_right(current: AccountType, target: AccountType) -> int | None:
    """The right docs/rules.md#type-changes asks for a type change; None when never allowed."""
    if target is T.EMPLOYEE or target is current:
        return None
    if current is T.EMPLOYEE or (
        target is T.NOT_VALIDATED and current not in (T.CUSTOMER, T.RESELLER)
    ):
        return UNSETTLED
    if current is T.NOT_VALIDATED:
        return 274 if target is T.RESELLER else 273
    if current is T.CUSTOMER:
        return 406 if target is T.RESELLER else None
    if current is T.RESELLER:
        return None
    return 291 if target is not T.RESELLER else None


def domain_right(action: object, account: Account | None) -> int | None:
    """
    The right docs/rules.md#type-changes, #function-rights and #merging ask for an action;
    None when it needs none (or is refused).
    """
    maintained = {
        Catalogue.ACCOUNT_SETTINGS: 222,
        Catalogue.RATING_RULES: 261,
        Catalogue.BANK_ACCOUNT_TYPES: 278,
        Catalogue.CLASSIFICATIONS: 319,
    }
    if isinstance(action, Maintain):
        return maintained[action.what]
    if isinstance(action, CustomiseCard):
        return 498
    if isinstance(action, RunDeduplication):
        return 608
    if account is None:
        return None
    if isinstance(action, Delete):
        return 355
    if isinstance(action, Merge | Recode):
        return 274 if account.type is T.RESELLER else 273
    if isinstance(action, ChangeStatus):
        return {T.CUSTOMER: 292, T.RESELLER: 293}.get(account.type, 294)
    if isinstance(action, ChangeType):
        return domain_type_right(account.type, action.target)
    return None


def effective_rights(principal: Principal) -> set[int]:
    """The rights a principal holds under the default roles (docs/rules.md#function-rights)."""
    through_roles = {r for r, holders in DOMAIN_ROLES.items() if holders & principal.roles}
    return through_roles | {r for r in principal.rights if r in DOMAIN_ROLES}


# One right-gated action per row: (right, action, type of the account acted on or None).
RIGHT_CASES: list[tuple[int, object, AccountType | None]] = [
    (222, Maintain(Catalogue.ACCOUNT_SETTINGS), None),
    (261, Maintain(Catalogue.RATING_RULES), None),
    (278, Maintain(Catalogue.BANK_ACCOUNT_TYPES), None),
    (319, Maintain(Catalogue.CLASSIFICATIONS), None),
    (273, Merge(), T.CUSTOMER),
    (273, Recode(), T.PROSPECT),
    (273, Merge(), T.SUPPLIER),
    (273, ChangeType(T.LEAD), T.NOT_VALIDATED),
    (273, ChangeType(T.CUSTOMER), T.NOT_VALIDATED),
    (274, Merge(), T.RESELLER),
    (274, Recode(), T.RESELLER),
    (274, ChangeType(T.RESELLER), T.NOT_VALIDATED),
    (291, ChangeType(T.CUSTOMER), T.PROSPECT),
    (291, ChangeType(T.SUPPLIER), T.LEAD),
    (291, ChangeType(T.PROSPECT), T.SUSPECT),
    (292, ChangeStatus(S.BLOCKED), T.CUSTOMER),
    (292, ChangeStatus(S.PILOT), T.CUSTOMER),
    (293, ChangeStatus(S.REFERENCE), T.RESELLER),
    (294, ChangeStatus(S.BLOCKED), T.SUPPLIER),
    (294, ChangeStatus(S.INACTIVE), T.ASSOCIATE),
    (294, ChangeStatus(S.INACTIVE), T.NOT_VALIDATED),
    (355, Delete(), T.CUSTOMER),
    (355, Delete(), T.RESELLER),
    (406, ChangeType(T.RESELLER), T.CUSTOMER),
    (498, CustomiseCard(), None),
    (608, RunDeduplication(), None),
]
CASE_IDS = [f"{r}-{a!r}-{t.name if t else 'none'}" for r, a, t in RIGHT_CASES]
ACCOUNT_CASES = [(r, a, t) for r, a, t in RIGHT_CASES if t is not None]
ACCOUNT_CASE_IDS = [f"{r}-{a!r}-{t.name}" for r, a, t in ACCOUNT_CASES]


def account_of(account_type: AccountType | None) -> Account | None:
    return None if account_type is None else make(account_type)


def all_powerful(user_id: str = "root-user", clearance: int = 0) -> Principal:
    return Principal(
        user_id=user_id,
        roles=frozenset(KNOWN_ROLES),
        rights=frozenset(DOMAIN_ROLES),
        clearance=clearance,
    )


def assert_renders(decision: Decision) -> str:
    """The decision's message renders from MESSAGES with every placeholder filled."""
    message = decision.message
    assert decision.message_id in MESSAGES
    assert "{" not in message and "}" not in message, message
    return message


class TestCatalogue:
    def test_function_rights_are_the_domain_numbers(self) -> None:
        """FunctionRight has exactly the fourteen right numbers of docs/rules.md#function-rights."""
        assert {int(right) for right in FunctionRight} == set(DOMAIN_ROLES)

    def test_every_right_has_a_description(self) -> None:
        """Every right describes what it allows in a non-blank sentence."""
        for right in FunctionRight:
            assert right.description.strip()

    def test_default_roles_match_domain(self) -> None:
        """The default roles hold exactly the rights docs/rules.md#function-rights gives them."""
        by_role: dict[str, set[int]] = {name: set() for name in KNOWN_ROLES}
        for right, holders in DOMAIN_ROLES.items():
            for name in holders:
                by_role[name].add(right)
        assert {role.name: {int(r) for r in role.rights} for role in DEFAULT_ROLES} == by_role


class TestRightTable:
    @pytest.mark.parametrize(("right", "action", "account_type"), RIGHT_CASES, ids=CASE_IDS)
    @pytest.mark.parametrize("role", [*KNOWN_ROLES, None])
    def test_role_allows_exactly_per_domain(
        self, right: int, action: object, account_type: AccountType | None, role: str | None
    ) -> None:
        """
        A role may do the action exactly when docs/rules.md#function-rights gives it the right
        the action needs.
        """
        principal = Principal(user_id="u", roles=frozenset({role} if role else ()))
        decision = Policy().decide(principal, action, account_of(account_type))  # type: ignore[arg-type]
        holders = DOMAIN_ROLES[right]
        assert decision.allowed is (role in holders)
        assert bool(decision) is decision.allowed
        assert decision.right == right
        assert isinstance(decision.right, FunctionRight)
        assert decision.granting_roles == holders
        message = assert_renders(decision)
        assert str(right) in message
        if decision.allowed:
            assert (decision.rule, decision.message_id) == ("role", "allowed.role")
            assert role is not None and role in message
        else:
            assert (decision.rule, decision.message_id) == ("missing_right", "denied.missing_right")
            assert ", ".join(sorted(holders)) in message

    @pytest.mark.parametrize(("right", "action", "account_type"), RIGHT_CASES, ids=CASE_IDS)
    def test_direct_right_allows(
        self, right: int, action: object, account_type: AccountType | None
    ) -> None:
        """A principal holding the needed right directly, with no role, is allowed."""
        principal = Principal(user_id="u", rights=frozenset({right}))
        decision = Policy().decide(principal, action, account_of(account_type))  # type: ignore[arg-type]
        assert decision.allowed
        assert (decision.rule, decision.message_id) == ("direct_right", "allowed.direct")
        assert decision.right == right
        assert decision.granting_roles == DOMAIN_ROLES[right]
        assert str(right) in assert_renders(decision)

    @pytest.mark.parametrize(("right", "action", "account_type"), RIGHT_CASES, ids=CASE_IDS)
    def test_every_other_right_is_not_enough(
        self, right: int, action: object, account_type: AccountType | None
    ) -> None:
        """Holding all thirteen other rights directly does not grant the one the action needs."""
        principal = Principal(user_id="u", rights=frozenset(DOMAIN_ROLES) - {right})
        decision = Policy().decide(principal, action, account_of(account_type))  # type: ignore[arg-type]
        assert not decision.allowed
        assert (decision.rule, decision.right) == ("missing_right", right)

    @pytest.mark.parametrize(
        ("action", "account_type"),
        [
            (View(), T.CUSTOMER),
            (EditField("marketing.rating"), T.RESELLER),
            (EditField("name"), None),
            *[(Create(t), None) for t in (*NINE_CARD_TYPES, T.NOT_VALIDATED)],
        ],
        ids=repr,
    )
    def test_ordinary_actions_need_no_right(
        self, action: object, account_type: AccountType | None
    ) -> None:
        """Viewing, creating a card type and editing plain fields need no right (rules.md#roles)."""
        principal = Principal(user_id="nobody")
        decision = Policy().decide(principal, action, account_of(account_type))  # type: ignore[arg-type]
        assert decision.allowed
        assert (decision.rule, decision.message_id) == (
            "no_right_needed",
            "allowed.no_right_needed",
        )
        assert decision.right is None
        assert_renders(decision)

    @pytest.mark.parametrize(
        "field", ["status", "status_since", "type", "type_since", "id", "marketing.nope"]
    )
    def test_lifecycle_and_unknown_fields_are_not_edited(self, field: str) -> None:
        """Type and status change only through their own actions; an unknown field grants none."""
        decision = Policy().decide(Principal(user_id="u"), EditField(field), make())
        assert not decision.allowed
        assert (decision.rule, decision.message_id) == ("unknown_field", "denied.unknown_field")
        assert_renders(decision)

    @pytest.mark.parametrize(
        "action",
        [View(), ChangeStatus(S.BLOCKED), ChangeType(T.CUSTOMER), Delete(), Recode(), Merge()],
        ids=repr,
    )
    def test_account_actions_need_the_account(self, action: object) -> None:
        """An action on an account is denied, even to an all-powerful user, without the account."""
        decision = Policy().decide(all_powerful(clearance=100), action)  # type: ignore[arg-type]
        assert not decision.allowed
        assert decision.message_id == "denied.account_required"
        assert_renders(decision)

    def test_right_gated_field_needs_its_right(self) -> None:
        """A field the layout gates behind a right can be edited only by a holder of that right."""
        layout = CardLayout.build({"marketing.classification": FieldRule(right=319)})
        policy = Policy(layout=layout)
        action = EditField("marketing.classification")
        account = make()
        denied = policy.decide(
            Principal(user_id="u", roles=frozenset({CONTROLLER})), action, account
        )
        allowed = policy.decide(
            Principal(user_id="u", roles=frozenset({CUSTOMER_MANAGER})), action, account
        )
        assert (denied.allowed, denied.rule, denied.right) == (False, "missing_right", 319)
        assert (allowed.allowed, allowed.rule, allowed.right) == (True, "role", 319)

    @pytest.mark.parametrize(
        ("mode", "rule", "message_id"),
        [
            (FieldMode.HIDDEN, "field_hidden", "denied.field_hidden"),
            (FieldMode.SHOW, "field_read_only", "denied.field_read_only"),
        ],
    )
    def test_layout_refuses_hidden_and_read_only_fields(
        self, mode: FieldMode, rule: str, message_id: str
    ) -> None:
        """Editing a hidden or show-only field is denied to everyone, whatever the settings."""
        layout = CardLayout.build({"marketing.rating": FieldRule(mode=mode)})
        for check_roles in (True, False):
            policy = Policy(layout=layout, settings=Settings(check_roles=check_roles))
            decision = policy.decide(all_powerful(), EditField("marketing.rating"), make())
            assert (decision.allowed, decision.rule, decision.message_id) == (
                False,
                rule,
                message_id,
            )
            assert "marketing.rating" in assert_renders(decision)


class TestSettings:
    @pytest.mark.parametrize(("right", "action", "account_type"), RIGHT_CASES, ids=CASE_IDS)
    def test_roles_not_checked_allows_everything_gated(
        self, right: int, action: object, account_type: AccountType | None
    ) -> None:
        """With Check - Roles off, a principal without roles may do every right-gated action."""
        policy = Policy(settings=Settings(check_roles=False))
        decision = policy.decide(Principal(user_id="u"), action, account_of(account_type))  # type: ignore[arg-type]
        assert decision.allowed
        assert (decision.rule, decision.message_id) == (
            "roles_not_checked",
            "allowed.roles_not_checked",
        )
        assert decision.right == right
        assert_renders(decision)

    @pytest.mark.parametrize(
        ("right", "action", "account_type"), ACCOUNT_CASES, ids=ACCOUNT_CASE_IDS
    )
    def test_roles_not_checked_keeps_record_security(
        self, right: int, action: object, account_type: AccountType
    ) -> None:
        """With Check - Roles off, record security still denies below the account's level."""
        policy = Policy(settings=Settings(check_roles=False))
        account = make(account_type, level=50, manager="someone-else")
        decision = policy.decide(Principal(user_id="u", clearance=49), action, account)  # type: ignore[arg-type]
        assert not decision.allowed
        assert (decision.rule, decision.message_id) == ("record_security", "denied.security_level")

    def test_type_select_off_allows_not_validated(self) -> None:
        """With Type: Select off, a Not validated account can still be created."""
        policy = Policy(settings=Settings(type_select=False))
        decision = policy.decide(Principal(user_id="u"), Create(T.NOT_VALIDATED))
        assert decision.allowed
        assert decision.rule == "no_right_needed"

    @pytest.mark.parametrize("account_type", NINE_CARD_TYPES, ids=lambda t: t.name)
    @pytest.mark.parametrize("check_roles", [True, False])
    def test_type_select_off_denies_card_types(
        self, account_type: AccountType, check_roles: bool
    ) -> None:
        """With Type: Select off, creating any of the nine card types is denied, to everyone."""
        policy = Policy(settings=Settings(type_select=False, check_roles=check_roles))
        decision = policy.decide(all_powerful(clearance=100), Create(account_type))
        assert not decision.allowed
        assert (decision.rule, decision.message_id) == ("type_select", "denied.type_select_off")
        assert account_type.name in assert_renders(decision)

    @pytest.mark.parametrize("type_select", [True, False])
    @pytest.mark.parametrize("check_roles", [True, False])
    def test_employee_is_never_created(self, type_select: bool, check_roles: bool) -> None:
        """Creating an Employee is denied whatever the settings and rights."""
        policy = Policy(settings=Settings(type_select=type_select, check_roles=check_roles))
        decision = policy.decide(all_powerful(clearance=100), Create(T.EMPLOYEE))
        assert not decision.allowed
        assert (decision.rule, decision.message_id) == ("never_through_card", "denied.employee")
        assert_renders(decision)

    @pytest.mark.parametrize("current", list(T), ids=lambda t: t.name)
    @pytest.mark.parametrize("check_roles", [True, False])
    def test_nothing_becomes_an_employee(self, current: AccountType, check_roles: bool) -> None:
        """Changing any account's type to Employee is denied whatever the settings and rights."""
        policy = Policy(settings=Settings(check_roles=check_roles))
        decision = policy.decide(all_powerful(clearance=100), ChangeType(T.EMPLOYEE), make(current))
        assert not decision.allowed
        assert (decision.rule, decision.message_id) == ("never_through_card", "denied.employee")

    @pytest.mark.parametrize(
        ("current", "target"),
        [
            *[(T.RESELLER, t) for t in NINE_CARD_TYPES if t is not T.RESELLER],
            (T.RESELLER, T.NOT_VALIDATED),
            *[(T.CUSTOMER, t) for t in NINE_CARD_TYPES if t not in (T.CUSTOMER, T.RESELLER)],
            (T.CUSTOMER, T.NOT_VALIDATED),
            (T.PROSPECT, T.RESELLER),
            (T.LEAD, T.RESELLER),
        ],
        ids=lambda t: t.name,
    )
    @pytest.mark.parametrize("check_roles", [True, False])
    def test_type_rules_deny_even_unchecked(
        self, current: AccountType, target: AccountType, check_roles: bool
    ) -> None:
        """A type change the default rights never allow is denied, even with Check - Roles off."""
        policy = Policy(settings=Settings(check_roles=check_roles))
        decision = policy.decide(all_powerful(clearance=100), ChangeType(target), make(current))
        assert not decision.allowed
        assert (decision.rule, decision.message_id) == (
            "type_rules",
            "denied.type_change_not_allowed",
        )
        message = assert_renders(decision)
        assert current.name in message and target.name in message

    @pytest.mark.parametrize(
        ("current", "target"),
        [(c, t) for c, t in itertools.product(T, T) if t is not T.EMPLOYEE],
        ids=lambda t: t.name,
    )
    def test_type_change_rights_per_domain(self, current: AccountType, target: AccountType) -> None:
        """A settled type change needs its right (docs/rules.md#type-changes); others are denied."""
        expected = domain_type_right(current, target)
        decision = Policy().decide(all_powerful(clearance=100), ChangeType(target), make(current))
        if expected == UNSETTLED:
            # Either reading is defensible; an allowance may only ever use right 291.
            assert decision.rule == "type_rules" or decision.right == 291
            return
        if expected is None:
            assert decision.rule == "type_rules"
        else:
            assert decision.allowed and decision.right == expected


class TestRecordSecurity:
    ACTIONS = (
        View(),
        EditField("name"),
        Create(T.CUSTOMER),
        ChangeStatus(S.INACTIVE),
        ChangeType(T.CUSTOMER),
        Delete(),
        Recode(),
        Merge(),
        CustomiseCard(),
        RunDeduplication(),
        Maintain(Catalogue.CLASSIFICATIONS),
    )

    @pytest.mark.parametrize(
        ("level", "clearance", "allowed"),
        [(0, 0, True), (1, 0, False), (50, 49, False), (50, 50, True), (50, 100, True),
         (100, 99, False), (100, 100, True), (99, 0, False)],
    )  # fmt: skip
    @pytest.mark.parametrize("action", ACTIONS, ids=repr)
    def test_clearance_against_level(
        self, level: int, clearance: int, allowed: bool, action: object
    ) -> None:
        """Clearance at or above the account's level lets every action through; below denies it."""
        account = make(T.PROSPECT, level=level, manager="mgr")
        decision = Policy().decide(all_powerful(clearance=clearance), action, account)  # type: ignore[arg-type]
        assert decision.allowed is allowed
        assert can_see(all_powerful(clearance=clearance), account) is allowed
        if not allowed:
            assert (decision.rule, decision.message_id) == (
                "record_security",
                "denied.security_level",
            )
            assert decision.right is None
            message = assert_renders(decision)
            assert str(level) in message and str(clearance) in message

    @pytest.mark.parametrize("action", ACTIONS, ids=repr)
    def test_account_manager_passes_below_level(self, action: object) -> None:
        """The account's manager acts on it even with clearance below its security level."""
        account = make(T.PROSPECT, level=100, manager="mgr")
        manager = all_powerful(user_id="mgr", clearance=0)
        decision = Policy().decide(manager, action, account)  # type: ignore[arg-type]
        assert decision.allowed
        assert decision.rule != "record_security"
        assert can_see(manager, account)

    def test_manager_still_needs_rights(self) -> None:
        """Passing record security as manager does not grant a function right."""
        account = make(T.CUSTOMER, level=100, manager="mgr")
        decision = Policy().decide(Principal(user_id="mgr"), Delete(), account)
        assert (decision.allowed, decision.rule, decision.right) == (False, "missing_right", 355)

    def test_similar_user_id_is_not_the_manager(self) -> None:
        """Only an exact user id match makes a principal the account manager."""
        account = make(T.CUSTOMER, level=10, manager="mgr")
        for user_id in ("MGR", "mgr ", "mg", " mgr"):
            assert not can_see(Principal(user_id=user_id), account)
            assert Policy().decide(Principal(user_id=user_id), View(), account).rule == (
                "record_security"
            )

    def test_visible_agrees_with_can_see_and_decide(self) -> None:
        """`visible` yields, in order, exactly the accounts `can_see` and a View decision allow."""
        accounts_ = [
            make(t, level=level, manager=manager)
            for t, level, manager in itertools.product(
                (T.CUSTOMER, T.SUPPLIER), (0, 10, 30, 100), (None, "ann", "bob")
            )
        ]
        for principal in (
            Principal(user_id="ann", clearance=30),
            Principal(user_id="bob"),
            Principal(user_id="eve", clearance=100),
        ):
            seen = list(visible(principal, accounts_))
            expected = [a for a in accounts_ if can_see(principal, a)]
            by_decision = [a for a in accounts_ if Policy().decide(principal, View(), a).allowed]
            assert seen == expected == by_decision
            levels_seen = {id(a) for a in seen}
            for account in accounts_:
                independent = (
                    principal.clearance >= account.marketing.security_level
                    or account.relations.account_manager == principal.user_id
                )
                assert (id(account) in levels_seen) is independent


class TestDecision:
    def test_decisions_are_values(self) -> None:
        """Equal inputs give equal, hashable decisions, usable as set members."""
        first = Policy().decide(Principal(user_id="u"), Delete(), make())
        second = Policy().decide(Principal(user_id="u"), Delete(), make())
        assert first == second
        assert len({first, second}) == 1

    def test_denial_is_falsy_and_allowance_truthy(self) -> None:
        """A Decision's truth value is its verdict."""
        policy = Policy()
        assert not policy.decide(Principal(user_id="u"), Delete(), make())
        assert policy.decide(Principal(user_id="u"), View(), make())


class TestRequire:
    def test_returns_the_allowing_decision(self) -> None:
        """`require` returns exactly the decision `decide` gives when it allows."""
        principal = Principal(user_id="u", roles=frozenset({CUSTOMER_MANAGER}))
        account = make(T.CUSTOMER)
        decision = require(Policy(), principal, Delete(), account)
        assert decision == Policy().decide(principal, Delete(), account)
        assert decision.allowed

    @pytest.mark.parametrize(
        ("principal", "action", "account", "rule"),
        [
            (Principal(user_id="u"), Delete(), make(T.CUSTOMER), "missing_right"),
            (Principal(user_id="u"), View(), make(T.CUSTOMER, level=5), "record_security"),
            (Principal(user_id="u"), Create(T.EMPLOYEE), None, "never_through_card"),
            (Principal(user_id="u"), ChangeType(T.LEAD), make(T.RESELLER), "type_rules"),
        ],
        ids=lambda v: v if isinstance(v, str) else "",
    )
    def test_raises_right_denied(
        self, principal: Principal, action: object, account: Account | None, rule: str
    ) -> None:
        """`require` raises `RightDenied` carrying the denial, its text the decision's message."""
        with pytest.raises(RightDenied) as caught:
            require(Policy(), principal, action, account)  # type: ignore[arg-type]
        denial = Policy().decide(principal, action, account)  # type: ignore[arg-type]
        assert caught.value.decision == denial
        assert caught.value.decision.rule == rule
        assert str(caught.value) == denial.message
        assert isinstance(caught.value, AccountCoreError)


class _Unknown:
    """An action no policy knows."""


class _SneakyDelete(Delete):
    """A subclass of a known action: still not an action the policy knows."""


def _message_scenarios() -> list[Decision]:
    """One decision per kind of outcome the policy can reach."""
    nobody = Principal(user_id="nobody")
    customer_manager = Principal(user_id="cm", roles=frozenset({CUSTOMER_MANAGER}))
    direct = Principal(user_id="d", rights=frozenset({355}))
    unchecked = Policy(settings=Settings(check_roles=False, type_select=False))
    gated = Policy(
        layout=CardLayout.build(
            {
                "marketing.rating": FieldRule(mode=FieldMode.HIDDEN),
                "summary.website": FieldRule(mode=FieldMode.SHOW),
            }
        )
    )
    return [
        Policy().decide(nobody, View(), make()),
        unchecked.decide(nobody, Delete(), make()),
        Policy().decide(customer_manager, Delete(), make()),
        Policy().decide(direct, Delete(), make()),
        Policy().decide(nobody, Delete(), make()),
        Policy().decide(nobody, View(), make(level=20)),
        Policy().decide(nobody, Delete()),
        unchecked.decide(nobody, Create(T.BANK)),
        Policy().decide(nobody, Create(T.EMPLOYEE)),
        Policy().decide(nobody, ChangeType(T.CUSTOMER), make(T.RESELLER)),
        gated.decide(nobody, EditField("marketing.rating"), make()),
        gated.decide(nobody, EditField("summary.website"), make()),
        gated.decide(nobody, EditField("status"), make()),
        Policy().decide(nobody, _Unknown(), make()),  # type: ignore[arg-type]
    ]


class TestMessages:
    def test_every_message_is_reached(self) -> None:
        """Each message id in MESSAGES is the message of some decision, and renders fully."""
        decisions = _message_scenarios()
        for decision in decisions:
            assert_renders(decision)
        assert {d.message_id for d in decisions} == set(MESSAGES)

    def test_every_message_is_documented(self) -> None:
        """docs/errors.md lists every message id of MESSAGES."""
        text = ERRORS_DOC.read_text(encoding="utf-8")
        missing = [mid for mid in MESSAGES if f"`{mid}`" not in text]
        assert missing == []

    @pytest.mark.parametrize(
        "action", [_Unknown(), _SneakyDelete(), object(), "Delete", None], ids=repr
    )
    @pytest.mark.parametrize("check_roles", [True, False])
    def test_unknown_action_is_denied(self, action: object, check_roles: bool) -> None:
        """An action the policy does not know is denied, even to an all-powerful user."""
        policy = Policy(settings=Settings(check_roles=check_roles))
        decision = policy.decide(all_powerful(clearance=100), action, make())  # type: ignore[arg-type]
        assert not decision.allowed
        assert decision.message_id == "denied.unknown_action"
        assert_renders(decision)

    @pytest.mark.parametrize("right", [9999, 0, "292"])
    def test_unknown_field_right_is_refused_when_built(self, right: object) -> None:
        """A layout cannot gate a field behind a right the catalogue does not know."""
        with pytest.raises(DefinitionError, match="not a known function right"):
            CardLayout.build({"marketing.size": FieldRule(right=right)})  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Properties

ROLE_NAMES = st.sampled_from([*KNOWN_ROLES, *UNKNOWN_ROLES])
RIGHT_NUMBERS = (
    st.sampled_from(sorted(DOMAIN_ROLES))
    | st.sampled_from(UNKNOWN_RIGHTS)
    | (st.integers(1, 10_000))
)
GATED_ACTIONS = st.one_of(
    st.sampled_from(
        [
            *(Maintain(c) for c in Catalogue),
            Delete(),
            Recode(),
            Merge(),
            CustomiseCard(),
            RunDeduplication(),
        ]
    ),
    st.builds(ChangeStatus, account_statuses()),
    st.builds(ChangeType, account_types()),
)
ANY_ACTIONS = (
    GATED_ACTIONS
    | st.sampled_from([View(), EditField("name"), EditField("marketing.rating"), _Unknown()])
    | st.builds(Create, account_types())
)
FAST = settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])


def names(max_size: int = 6) -> st.SearchStrategy[str]:
    """Text a principal accepts as a user id or role name: at least one non-blank character."""
    return st.text(min_size=1, max_size=max_size).filter(str.strip)


def open_accounts() -> st.SearchStrategy[Account]:
    """Accounts from accountcore.testing with security level 0, so only rights matter."""
    return accounts().map(lambda a: with_security(a, level=0, manager=a.relations.account_manager))


def maybe_account(action: object) -> st.SearchStrategy[Account | None]:
    needs = isinstance(action, ChangeStatus | ChangeType | Delete | Recode | Merge | View)
    return open_accounts() if needs else st.none() | open_accounts()


class TestProperties:
    @FAST
    @given(
        roles=st.frozensets(ROLE_NAMES, max_size=4),
        rights=st.frozensets(RIGHT_NUMBERS, max_size=4),
        action=ANY_ACTIONS,
        data=st.data(),
    )
    def test_allowed_only_through_a_held_right(
        self, roles: frozenset[str], rights: frozenset[int], action: object, data: st.DataObject
    ) -> None:
        """With roles checked, an action needing right R is allowed only to holders of R."""
        account = data.draw(maybe_account(action))
        principal = Principal(user_id="p", roles=roles, rights=rights, clearance=100)
        decision = Policy().decide(principal, action, account)  # type: ignore[arg-type]
        held = effective_rights(principal)
        needed = domain_right(action, account)
        event(f"rule={decision.rule}")
        if decision.allowed and decision.right is not None:
            assert int(decision.right) in held
        if needed == UNSETTLED:
            return
        if decision.right is not None:
            assert int(decision.right) == needed
        if needed is not None and needed not in held:
            assert not decision.allowed
        if needed is not None and needed in held:
            assert decision.allowed
            expected_rule = "direct_right" if needed in rights else "role"
            assert decision.rule == expected_rule

    @FAST
    @given(
        roles=st.frozensets(st.sampled_from(UNKNOWN_ROLES) | names(max_size=8)),
        rights=st.frozensets(st.integers(1, 10_000).filter(lambda r: r not in DOMAIN_ROLES)),
        action=GATED_ACTIONS,
        data=st.data(),
    )
    def test_unknown_roles_and_rights_grant_nothing(
        self, roles: frozenset[str], rights: frozenset[int], action: object, data: st.DataObject
    ) -> None:
        """A principal with only unknown roles and rights is denied every right-gated action."""
        roles = roles - set(KNOWN_ROLES)
        account = data.draw(maybe_account(action))
        principal = Principal(user_id="p", roles=roles, rights=rights, clearance=100)
        decision = Policy().decide(principal, action, account)  # type: ignore[arg-type]
        assert not decision.allowed
        assert decision.rule in {"missing_right", "type_rules", "never_through_card", "no_account"}

    @FAST
    @given(
        account=accounts(),
        level=st.integers(1, 100),
        data=st.data(),
        action=ANY_ACTIONS,
        check_roles=st.booleans(),
    )
    def test_below_level_nothing_but_for_the_manager(
        self,
        account: Account,
        level: int,
        data: st.DataObject,
        action: object,
        check_roles: bool,
    ) -> None:
        """Below an account's security level only its manager can do anything to it."""
        manager = data.draw(st.none() | names(), label="manager")
        account = with_security(account, level=level, manager=manager)
        clearance = data.draw(st.integers(0, level - 1), label="clearance")
        user_id = data.draw(names().filter(lambda u: u != manager), label="user")
        policy = Policy(settings=Settings(check_roles=check_roles))
        outsider = all_powerful(user_id=user_id, clearance=clearance)
        decision = policy.decide(outsider, action, account)  # type: ignore[arg-type]
        assert not decision.allowed
        assert decision.rule == "record_security"
        assert not can_see(outsider, account)
        assert list(visible(outsider, [account])) == []
        if manager is not None:
            owner = attrs.evolve(outsider, user_id=manager)
            assert policy.decide(owner, action, account).rule != "record_security"  # type: ignore[arg-type]
            assert can_see(owner, account)

    @FAST
    @given(
        roles=st.lists(ROLE_NAMES, max_size=5),
        rights=st.lists(RIGHT_NUMBERS, max_size=3),
        action=ANY_ACTIONS,
        data=st.data(),
    )
    def test_decide_is_deterministic(
        self, roles: list[str], rights: list[int], action: object, data: st.DataObject
    ) -> None:
        """The same inputs give equal decisions, whatever order roles and rights were given in."""
        account = data.draw(maybe_account(action))
        forward = Principal(
            user_id="p", roles=frozenset(roles), rights=frozenset(rights), clearance=100
        )
        backward = Principal(
            user_id="p", roles=frozenset(reversed(roles)), rights=frozenset(reversed(rights)),
            clearance=100,
        )  # fmt: skip
        first = Policy().decide(forward, action, account)  # type: ignore[arg-type]
        assert Policy().decide(forward, action, account) == first  # type: ignore[arg-type]
        assert Policy().decide(backward, action, account) == first  # type: ignore[arg-type]
        if first.rule == "role":
            assert first.right is not None
            granting = DOMAIN_ROLES[int(first.right)] & forward.roles
            assert dict(first.params)["role"] == min(granting)

    @pytest.mark.parametrize(
        ("roles", "action", "account_type", "reported"),
        [
            ((CUSTOMER_MANAGER, CONTROLLER), ChangeType(T.CUSTOMER), T.PROSPECT, CONTROLLER),
            ((CONTROLLER, CUSTOMER_MANAGER), ChangeType(T.CUSTOMER), T.PROSPECT, CONTROLLER),
            ((CUSTOMER_MANAGER, ADMIN), Maintain(Catalogue.ACCOUNT_SETTINGS), None, ADMIN),
            ((ADMIN, CUSTOMER_MANAGER, "Root"), Maintain(Catalogue.ACCOUNT_SETTINGS), None, ADMIN),
        ],
    )
    def test_two_granting_roles_report_the_first(
        self,
        roles: tuple[str, ...],
        action: object,
        account_type: AccountType | None,
        reported: str,
    ) -> None:
        """When two held roles grant the right, the alphabetically first one is reported."""
        principal = Principal(user_id="u", roles=frozenset(roles))
        decisions = {
            Policy().decide(principal, action, account_of(account_type))  # type: ignore[arg-type]
            for _ in range(3)
        }
        assert len(decisions) == 1
        (decision,) = decisions
        assert decision.rule == "role"
        assert dict(decision.params)["role"] == reported
        assert reported in decision.message


# ---------------------------------------------------------------------------------------------
# Failing closed: the soak's findings (issue 15)


def unmanaged_secret() -> Account:
    """The soak's account: security level 90 and no account manager, read from a dict."""
    data = to_dict(make(T.CUSTOMER))
    data["marketing"] = {"security_level": 90}
    account = from_dict(data)
    assert account.relations.account_manager is None
    return account


def forged(principal: Principal, **fields: object) -> Principal:
    """A principal with fields set past its checks, as a buggy host or a pickle might."""
    for name, value in fields.items():
        object.__setattr__(principal, name, value)
    return principal


class TestFailClosed:
    def test_no_user_is_refused(self) -> None:
        """A principal without a user id is refused when built, naming the field."""
        with pytest.raises(DefinitionError, match=r"^Principal\.user_id: expected a non-blank"):
            Principal(user_id=None)  # type: ignore[arg-type]

    @pytest.mark.parametrize("check_roles", [True, False])
    def test_missing_user_never_matches_a_missing_manager_on_view(self, check_roles: bool) -> None:
        """Record security denies a principal whose user id is None an unmanaged account."""
        nobody = forged(Principal(user_id="x"), user_id=None)
        policy = Policy(settings=Settings(check_roles=check_roles))
        account = unmanaged_secret()
        decision = policy.decide(nobody, View(), account)
        assert (decision.allowed, decision.rule) == (False, "record_security")
        assert not can_see(nobody, account)
        assert list(visible(nobody, [account])) == []

    def test_missing_user_with_a_role_cannot_delete(self) -> None:
        """A right-holding role does not let a user-less principal delete an unmanaged account."""
        nobody = forged(Principal(user_id="x", roles={CUSTOMER_MANAGER}), user_id=None)
        decision = Policy().decide(nobody, Delete(), unmanaged_secret())
        assert (decision.allowed, decision.rule) == (False, "record_security")

    def test_missing_user_gets_nothing_from_redact(self) -> None:
        """Redact shows a user-less principal nothing of an unmanaged account."""
        nobody = forged(Principal(user_id="x"), user_id=None)
        with pytest.raises(RightDenied) as caught:
            redact(unmanaged_secret(), nobody, Policy())
        assert caught.value.decision.rule == "record_security"

    @pytest.mark.parametrize(
        "clearance", [float("nan"), None, "100", float("inf"), 100.0, Decimal(100), True, -1, 101],
        ids=repr,
    )  # fmt: skip
    def test_clearance_must_be_an_integer_from_0_to_100(self, clearance: object) -> None:
        """NaN, None, text, floats, bools and out-of-range clearances are refused when built."""
        with pytest.raises(DefinitionError) as caught:
            Principal(user_id="u", clearance=clearance)  # type: ignore[arg-type]
        message = str(caught.value)
        assert message.startswith("Principal.clearance: expected an integer from 0 to 100, got ")

    def test_nan_clearance_message(self) -> None:
        """The message shows the refused value."""
        with pytest.raises(DefinitionError) as caught:
            Principal(user_id="u", clearance=float("nan"))  # type: ignore[arg-type]
        expected = "Principal.clearance: expected an integer from 0 to 100, got nan"
        assert str(caught.value) == expected

    def test_forged_nan_clearance_passes_no_level(self) -> None:
        """A NaN clearance set past the checks still does not pass a security level."""
        sneaky = forged(Principal(user_id="u"), clearance=float("nan"))
        decision = Policy().decide(sneaky, View(), make(level=1, manager="mgr"))
        assert (decision.allowed, decision.rule) == (False, "record_security")
        assert not can_see(sneaky, make(level=1, manager="mgr"))

    @pytest.mark.parametrize(
        "rights",
        [{292.0}, {Decimal("292")}, {True}, ["292"], [None], "292", b"292", 292, None],
        ids=repr,
    )
    def test_rights_must_be_integers(self, rights: object) -> None:
        """Floats, Decimals, bools and text are not right numbers; one value is no collection."""
        with pytest.raises(DefinitionError, match=r"^Principal\.rights: expected "):
            Principal(user_id="u", rights=rights)  # type: ignore[arg-type]

    @pytest.mark.parametrize("rights", [[0], [-292], [1_000_000]], ids=repr)
    def test_right_numbers_have_a_range(self, rights: object) -> None:
        """Right numbers run from 1 to MAX_RIGHT_NUMBER, so every principal stays printable."""
        with pytest.raises(DefinitionError, match=r"^Principal\.rights: expected "):
            Principal(user_id="u", rights=rights)  # type: ignore[arg-type]

    @pytest.mark.parametrize("rights", [[292], (292, 292), {FunctionRight(292)}, iter([292])])
    def test_rights_take_any_collection(self, rights: Any) -> None:
        """Lists, tuples, sets and iterators of right numbers become one frozenset."""
        principal = Principal(user_id="u", rights=rights, clearance=100)
        assert principal.rights == frozenset({292})
        decision = Policy().decide(principal, ChangeStatus(S.BLOCKED), make(T.CUSTOMER))
        assert decision.rule == "direct_right"

    @pytest.mark.parametrize(
        "user_id", [None, "", "  ", "\t\n", 7, b"ann", ["ann"], float("nan")], ids=repr
    )
    def test_user_id_must_be_non_blank_text(self, user_id: object) -> None:
        """A user id is text with a non-blank character."""
        with pytest.raises(DefinitionError, match=r"^Principal\.user_id: "):
            Principal(user_id=user_id)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "roles", ["Controller", b"Controller", {""}, {" "}, [None], [1], 5, None], ids=repr
    )
    def test_roles_must_be_names(self, roles: object) -> None:
        """Roles are a collection of non-blank names; one name alone is refused."""
        with pytest.raises(DefinitionError, match=r"^Principal\.roles: "):
            Principal(user_id="u", roles=roles)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "fields",
        [
            {"clearance": 10**5000},
            {"clearance": -(10**5000)},
            {"user_id": " " * 1_000_000},
            {"user_id": b"x" * 1_000_000},
            {"roles": ["x" * 1_000_000, 1]},
            {"rights": [Decimal("9" * 100_000)]},
            {"rights": [[10**5000]]},
            {"rights": [10**5000]},
        ],
        ids=lambda f: next(iter(f)),
    )
    def test_huge_values_are_not_echoed(self, fields: dict[str, object]) -> None:
        """A refused huge value shows in a short message, and never breaks the message."""
        with pytest.raises(DefinitionError) as caught:
            Principal(**{"user_id": "u", **fields})  # type: ignore[arg-type]
        assert len(str(caught.value)) < 120

    def test_a_str_subclass_is_kept_as_plain_text(self) -> None:
        """A user id that compares equal to anything is kept as the plain text it holds."""

        class Anyone(str):
            def __eq__(self, other: object) -> bool:
                return True

            def __ne__(self, other: object) -> bool:
                return False

            __hash__ = str.__hash__

        principal = Principal(user_id=Anyone("eve"), roles=[Anyone("Customer manager")])
        assert type(principal.user_id) is str
        assert all(type(name) is str for name in principal.roles)
        assert not can_see(principal, make(level=50, manager="mgr"))


#: Every kind of value a careless host might pass for any field.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, 1, 50, 100, 101, -1, 292]),
    # Built by map: Hypothesis shows a strategy's values, and an int this wide has no repr.
    st.sampled_from([1, -1]).map(lambda sign: sign * 10**5000),
    st.floats(),
    st.decimals(),
    st.text(max_size=6),
    st.binary(max_size=4),
)
#: Decimal("sNaN") cannot be hashed, so sets leave it out.
HASHABLE = SCALARS.filter(lambda v: not (isinstance(v, Decimal) and v.is_snan()))
ANYTHING = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.sets(HASHABLE, max_size=3),
    st.frozensets(HASHABLE, max_size=3),
)
EVERY_ACTION = (
    View(),
    EditField("name"),
    Create(T.CUSTOMER),
    ChangeStatus(S.BLOCKED),
    ChangeType(T.CUSTOMER),
    Delete(),
    Recode(),
    Merge(),
    CustomiseCard(),
    RunDeduplication(),
    *(Maintain(catalogue) for catalogue in Catalogue),
)
#: Values each field of a principal accepts; the property swaps some for ANYTHING.
VALID_FIELDS = {
    "user_id": names(),
    "roles": st.frozensets(ROLE_NAMES, max_size=3),
    "rights": st.frozensets(RIGHT_NUMBERS, max_size=3),
    "clearance": st.integers(0, 100),
}
BOTH_SETTINGS = st.sampled_from([Policy(), Policy(settings=Settings(check_roles=False))])


@st.composite
def secured_accounts(draw: st.DrawFn, user_id: object) -> Account:
    """An account from `accounts()` with any level, managed by nobody, someone, or the user."""
    mine = [user_id] if isinstance(user_id, str) and user_id.strip() else []
    manager = draw(st.sampled_from([None, "mgr", *mine]))
    return with_security(draw(accounts()), level=draw(st.integers(0, 100)), manager=manager)


def without(data: dict[str, Any], paths: set[str]) -> dict[str, Any]:
    """A copy of ``data`` with the key at each dotted path removed, wherever it exists."""
    kept = copy.deepcopy(data)
    for path in paths:
        *parents, leaf = path.split(".")
        node: Any = kept
        for step in parents:
            node = node.get(step) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(leaf, None)
    return kept


def resolves(data: object, path: str) -> bool:
    """Tell whether the key at a dotted path is present in ``data``."""
    for step in path.split("."):
        if not isinstance(data, dict) or step not in data:
            return False
        data = data[step]
    return True


class TestFailClosedProperties:
    @given(
        broken=st.sets(st.sampled_from(sorted(VALID_FIELDS))),
        policy=BOTH_SETTINGS,
        data=st.data(),
    )
    def test_principal_is_refused_or_never_passes_record_security_wrongly(
        self, broken: set[str], policy: Policy, data: st.DataObject
    ) -> None:
        """A principal is refused when built, or decides no more than its clearance-0 twin
        but where its clearance reaches the account's level or it is the account's manager."""
        fields = {
            name: data.draw(ANYTHING if name in broken else valid, label=name)
            for name, valid in VALID_FIELDS.items()
        }
        try:
            principal = Principal(**fields)  # type: ignore[arg-type]
        except AccountCoreError:
            event("refused")
            return
        event("built")
        assert type(principal.clearance) is int and 0 <= principal.clearance <= 100
        assert type(principal.user_id) is str and principal.user_id.strip()
        twin = Principal(user_id=principal.user_id, roles=principal.roles, rights=principal.rights)
        account = data.draw(secured_accounts(principal.user_id), label="account")
        level = account.marketing.security_level
        manager = account.relations.account_manager
        legitimate = level <= principal.clearance or (
            manager is not None and manager == principal.user_id
        )
        assert can_see(principal, account) is legitimate
        for action in EVERY_ACTION:
            mine = policy.decide(principal, action, account)
            theirs = policy.decide(twin, action, account)
            if mine.allowed and not theirs.allowed:
                assert legitimate, action
            if not legitimate:
                assert (mine.allowed, mine.rule) == (False, "record_security"), action

    @given(
        account=accounts(),
        level=st.integers(0, 100),
        manager=st.sampled_from([None, "ann", "bob"]),
        principal=st.builds(
            Principal,
            user_id=st.sampled_from(["ann", "eve"]),
            roles=st.frozensets(ROLE_NAMES, max_size=2),
            clearance=st.integers(0, 100),
        ),
        hidden=st.sets(st.sampled_from(sorted(CARD_FIELDS - PROTECTED_FIELDS)), max_size=8),
        check_roles=st.booleans(),
    )
    def test_redact_never_returns_what_the_layout_or_record_security_hides(  # noqa: PLR0917
        self,
        account: Account,
        level: int,
        manager: str | None,
        principal: Principal,
        hidden: set[str],
        check_roles: bool,
    ) -> None:
        """`redact` raises `RightDenied` unless the clearance reaches the account's level or the
        account has a manager and the principal is it; then it returns `to_dict` of the account
        without the key of each hidden field and with every other key as it was."""
        account = with_security(account, level=level, manager=manager)
        layout = CardLayout.build(dict.fromkeys(hidden, FieldRule(mode=FieldMode.HIDDEN)))
        policy = Policy(layout=layout, settings=Settings(check_roles=check_roles))
        may_see = principal.clearance >= level or (
            manager is not None and principal.user_id == manager
        )
        if not may_see:
            with pytest.raises(RightDenied) as caught:
                redact(account, principal, policy)
            assert caught.value.decision.rule == "record_security"
            return
        shown = redact(account, principal, policy)
        assert not [path for path in hidden if resolves(shown, path)]
        assert shown == without(to_dict(account), hidden)
