"""The values a host builds refuse malformed fields where they are built (issue 15)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accountcore import AccountStatus, AccountType
from accountcore.errors import CODES, AccountCoreError, DefinitionError, ValidationError
from accountcore.rights import (
    DEFAULT_ROLES,
    AccountDefaults,
    CardLayout,
    Catalogue,
    ChangeStatus,
    ChangeType,
    Create,
    EditField,
    FunctionRight,
    Maintain,
    Policy,
    Role,
    Settings,
)
from accountcore.status import TransitionTable, TypeChangeRules
from accountcore.sync import (
    Capabilities,
    ConflictRule,
    CustomerClass,
    LimitScope,
    Posting,
    RateLimit,
    SyncPolicy,
)
from accountcore.sync.engine import backoff

T, S = AccountType, AccountStatus
MINUTE = timedelta(minutes=1)
HUGE = 10**5000
NAN = float("nan")


def refusal(build: Callable[[], object]) -> str:
    """Build, expecting a `DefinitionError`; return its message."""
    with pytest.raises(DefinitionError) as caught:
        build()
    return str(caught.value)


def problems(build: Callable[[], object]) -> list[tuple[tuple[str | int, ...], str]]:
    """Build, expecting a `ValidationError`; return its problems' paths and codes."""
    with pytest.raises(ValidationError) as caught:
        build()
    return [(problem.path, problem.code) for problem in caught.value.problems]


# One row per refused value: (what is built, the start of the message).
RIGHTS_REFUSALS: list[tuple[Callable[[], object], str]] = [
    (lambda: Role("", frozenset()), "Role.name: expected a non-blank string, got ''"),
    (lambda: Role("  ", frozenset()), "Role.name: expected a non-blank string"),
    (lambda: Role(None, frozenset()), "Role.name: expected a non-blank string, got None"),
    (lambda: Role("Clerk", frozenset({292.0})), "Role.rights: 292.0 is not a known function"),
    (lambda: Role("Clerk", frozenset({True})), "Role.rights: True is not a known function"),
    (lambda: Role("Clerk", [Decimal(292)]), "Role.rights: Decimal('292') is not a known"),
    (lambda: Role("Clerk", frozenset({2920})), "Role.rights: 2920 is not a known function"),
    (lambda: Role("Clerk", frozenset({HUGE})), "Role.rights: an integer of 16610 bits is"),
    (lambda: Role("Clerk", 292), "Role.rights: expected a collection of function rights"),
    (lambda: Role("Clerk", "292"), "Role.rights: expected a collection of function rights"),
    (lambda: Settings(check_roles=1), "Settings.check_roles: expected a bool, got 1"),
    (lambda: Settings(type_select="no"), "Settings.type_select: expected a bool, got 'no'"),
    (lambda: Settings(mandatory_contract=None), "Settings.mandatory_contract: expected a bool"),
    (lambda: Settings(defaults={}), "Settings.defaults: expected an AccountDefaults, got a"),
    (lambda: AccountDefaults(rating=0), "AccountDefaults.rating: expected an integer from 1"),
    (lambda: AccountDefaults(rating=8), "AccountDefaults.rating: expected an integer from 1"),
    (lambda: AccountDefaults(rating=4.0), "AccountDefaults.rating: expected an integer"),
    (lambda: AccountDefaults(rating=True), "AccountDefaults.rating: expected an integer"),
    (lambda: AccountDefaults(rating=NAN), "AccountDefaults.rating: expected an integer"),
    (lambda: AccountDefaults(classification=3), "AccountDefaults.classification: expected"),
    (lambda: AccountDefaults(source=" "), "AccountDefaults.source: expected a non-blank"),
    (lambda: AccountDefaults(sector=b"retail"), "AccountDefaults.sector: expected a non-blank"),
    (lambda: Create("C"), "Create.type: expected an AccountType, got 'C'"),
    (lambda: Create(S.ACTIVE), "Create.type: expected an AccountType, got AccountStatus.ACTIVE"),
    (lambda: ChangeStatus("B"), "ChangeStatus.target: expected an AccountStatus, got 'B'"),
    (lambda: ChangeStatus(None), "ChangeStatus.target: expected an AccountStatus, got None"),
    (lambda: ChangeType(S.BLOCKED), "ChangeType.target: expected an AccountType, got"),
    (lambda: EditField(""), "EditField.field: expected a field path, got ''"),
    (lambda: EditField(None), "EditField.field: expected a field path, got None"),
    (lambda: Maintain("classifications"), "Maintain.what: expected a Catalogue, got"),
    (lambda: Policy(roles=None), "Policy.roles: expected a collection of Role values, got None"),
    (lambda: Policy(roles=["Administrator"]), "Policy.roles: expected Role values, got 'Adm"),
    (lambda: Policy(roles=(*DEFAULT_ROLES, DEFAULT_ROLES[0])), "Policy.roles: the role"),
    (lambda: Policy(settings={}), "Policy.settings: expected a Settings, got a value of type"),
    (lambda: Policy(layout=None), "Policy.layout: expected a CardLayout, got None"),
    (lambda: Policy(type_rules={}), "Policy.type_rules: expected a TypeChangeRules, got"),
]


class TestRightsValues:
    @pytest.mark.parametrize(("build", "message"), RIGHTS_REFUSALS)
    def test_refused_with_the_field_named(self, build: Callable[[], object], message: str) -> None:
        """A malformed value is a DefinitionError whose message starts with its field."""
        assert refusal(build).startswith(message)

    def test_role_keeps_function_rights(self) -> None:
        """A role given right numbers keeps the FunctionRight members, from any collection."""
        role = Role("Clerk", [292, FunctionRight.DELETE_ACCOUNTS])  # type: ignore[arg-type]
        assert role.rights == {FunctionRight(292), FunctionRight(355)}
        assert all(isinstance(right, FunctionRight) for right in role.rights)

    def test_policy_keeps_roles_as_a_tuple(self) -> None:
        """A policy takes roles from any collection and keeps them, in order, as a tuple."""
        policy = Policy(roles=list(DEFAULT_ROLES))
        assert policy.roles == DEFAULT_ROLES

    def test_valid_values_still_build(self) -> None:
        """Every field at a valid value builds, as before."""
        defaults = AccountDefaults(classification="B", rating=7, source="web", sector="retail")
        settings = Settings(check_roles=False, defaults=defaults)
        policy = Policy(settings=settings, layout=CardLayout.default())
        assert policy.settings.defaults.rating == 7
        assert Maintain(Catalogue.CLASSIFICATIONS).what is Catalogue.CLASSIFICATIONS


STATUS_REFUSALS: list[tuple[Callable[[], object], str]] = [
    (lambda: TransitionTable.from_rows(None), "TransitionTable.from_rows: expected a collection"),
    (lambda: TransitionTable.from_rows("AB"), "TransitionTable.from_rows: expected a collection"),
    (lambda: TransitionTable.from_rows([("A", 1, "C")]), "row 0: expected a status code"),
    (lambda: TransitionTable.from_rows([(HUGE, "A", ["C"])]), "row 0: expected a status code"),
    (lambda: TransitionTable.from_rows(["ABC"]), "row 0: expected (from status, to status"),
    (lambda: TransitionTable.from_rows([("A", "B", [None])]), "row 0: expected an account type"),
    (lambda: TransitionTable.from_rows([("A", "B", [[]])]), "row 0: expected an account type"),
    (lambda: TypeChangeRules.from_rows(7), "TypeChangeRules.from_rows: expected a collection"),
    (lambda: TypeChangeRules.from_rows([("C", "R", 406.0)]), "row 0: the right must be"),
    (lambda: TypeChangeRules(rights=None), "TypeChangeRules.rights: expected a mapping"),
    (lambda: TypeChangeRules(rights={"CR": 406}), "TypeChangeRules.rights entry 0: expected"),
    (lambda: TypeChangeRules(rights={("C", "R"): True}), "TypeChangeRules.rights entry 0: the"),
    (lambda: TypeChangeRules(rights={("C", "E"): 291}), "TypeChangeRules.rights entry 0: no"),
]


class TestStatusValues:
    @pytest.mark.parametrize(("build", "message"), STATUS_REFUSALS)
    def test_refused_with_the_flaw_named(self, build: Callable[[], object], message: str) -> None:
        """A malformed table or rule set is a DefinitionError naming the flaw."""
        assert refusal(build).startswith(message)

    def test_huge_codes_are_not_echoed(self) -> None:
        """An unknown code of a million characters shows in a short message."""
        message = refusal(lambda: TransitionTable.from_rows([("x" * 10**6, "A", ["C"])]))
        assert message.startswith("row 0: unknown status code 'xxx") and len(message) < 120

    def test_rules_built_directly_match_rows(self) -> None:
        """Rules built from a mapping, with codes, equal rules built from the same rows."""
        direct = TypeChangeRules(rights={("C", "R"): 406})  # type: ignore[dict-item]
        assert dict(direct.rights) == dict(TypeChangeRules.from_rows([("C", "R", 406)]).rights)
        assert direct.right_for(T.CUSTOMER, T.RESELLER) == 406


SYNC_REFUSALS: list[tuple[Callable[[], object], list[tuple[tuple[str | int, ...], str]]]] = [
    (lambda: SyncPolicy(max_attempts=True), [(("max_attempts",), "out_of_range")]),
    (lambda: SyncPolicy(max_attempts=8.0), [(("max_attempts",), "out_of_range")]),
    (lambda: SyncPolicy(max_attempts=0), [(("max_attempts",), "out_of_range")]),
    (lambda: SyncPolicy(backoff_base=30), [(("backoff_base",), "invalid_type")]),
    (lambda: SyncPolicy(backoff_base=NAN), [(("backoff_base",), "invalid_type")]),
    (lambda: SyncPolicy(backoff_cap=-MINUTE), [(("backoff_cap",), "out_of_range")]),
    (lambda: SyncPolicy(lease=timedelta(0)), [(("lease",), "out_of_range")]),
    (lambda: SyncPolicy(lease=timedelta.max), [(("lease",), "out_of_range")]),
    (lambda: SyncPolicy(backoff_cap=timedelta(days=367)), [(("backoff_cap",), "out_of_range")]),
    (lambda: SyncPolicy(on_conflict="park"), [(("on_conflict",), "invalid_choice")]),
    (
        lambda: SyncPolicy(max_attempts=None, lease=None, on_conflict=None),
        [
            (("max_attempts",), "out_of_range"),
            (("lease",), "invalid_type"),
            (("on_conflict",), "invalid_choice"),
        ],
    ),
    (lambda: RateLimit(calls=True, per=MINUTE), [(("calls",), "out_of_range")]),
    (lambda: RateLimit(calls=2.0, per=MINUTE), [(("calls",), "out_of_range")]),
    (lambda: RateLimit(calls=2, per=60), [(("per",), "invalid_type")]),
    (lambda: RateLimit(calls=2, per=-MINUTE), [(("per",), "out_of_range")]),
    (lambda: RateLimit(calls=2, per=MINUTE, scope="minute"), [(("scope",), "invalid_choice")]),
    (lambda: Capabilities(max_batch=True), [(("max_batch",), "out_of_range")]),
    (lambda: Capabilities(idempotency_keys=1), [(("idempotency_keys",), "invalid_type")]),
    (lambda: Capabilities(conditional_update="yes"), [(("conditional_update",), "invalid_type")]),
    (lambda: Capabilities(idempotency_window=0), [(("idempotency_window",), "invalid_type")]),
    (lambda: Capabilities(idempotency_window=-MINUTE), [(("idempotency_window",), "out_of_range")]),
    (lambda: Capabilities(rate_limits=[]), [(("rate_limits",), "invalid_type")]),
    (lambda: Capabilities(rate_limits=(None,)), [(("rate_limits", 0), "invalid_type")]),
    (lambda: CustomerClass(code="A", posting="generic"), [(("posting",), "invalid_choice")]),
    (
        lambda: CustomerClass(code="G", posting=Posting.GENERIC, generic_external_id=" "),
        [(("generic_external_id",), "required")],
    ),
    (
        lambda: CustomerClass(code="G", posting=Posting.GENERIC, generic_external_id=7),
        [(("generic_external_id",), "invalid_type")],
    ),
    (
        lambda: CustomerClass(code="A", trade_terms_days=True),
        [(("trade_terms_days",), "out_of_range")],
    ),
    (lambda: CustomerClass(code="A", prefixes=("INV", 7)), [(("prefixes", 1), "invalid_type")]),
    (lambda: CustomerClass(code="A", prefixes=["INV"]), [(("prefixes",), "invalid_type")]),
]


class TestSyncValues:
    @pytest.mark.parametrize(("build", "expected"), SYNC_REFUSALS)
    def test_refused_with_every_path(
        self,
        build: Callable[[], object],
        expected: list[tuple[tuple[str | int, ...], str]],
    ) -> None:
        """A malformed sync setting is one ValidationError listing each broken field."""
        found = problems(build)
        assert found == expected
        assert all(code in CODES for _, code in found)

    def test_valid_settings_still_build(self) -> None:
        """Settings within their ranges build, a year's lease included."""
        policy = SyncPolicy(
            max_attempts=1, lease=timedelta(days=366), on_conflict=ConflictRule.PARK
        )
        limit = RateLimit(calls=1, per=timedelta(days=1), scope=LimitScope.DAY)
        caps = Capabilities(idempotency_keys=True, idempotency_window=MINUTE, rate_limits=(limit,))
        assert (policy.lease.days, caps.rate_limits) == (366, (limit,))

    @pytest.mark.parametrize(
        ("draw", "share"), [(NAN, 1.0), (math.inf, 1.0), (-math.inf, 0.0), (2.0, 1.0), (-1.0, 0.0)]
    )
    def test_backoff_clamps_a_bad_draw(self, draw: float, share: float) -> None:
        """A draw outside [0, 1] counts as the nearer end, and NaN as the longest wait."""
        base, cap = timedelta(seconds=30), timedelta(hours=1)
        assert backoff(1, draw, base=base, cap=cap) == base * share


class TestNoBareErrors:
    @given(
        value=st.one_of(
            st.none(), st.booleans(), st.integers(), st.floats(), st.decimals(), st.text(max_size=4)
        )
    )
    def test_no_host_value_escapes_as_a_bare_error(self, value: object) -> None:
        """Whatever a host passes for a field, building raises only accountcore errors."""
        builds: list[Callable[[], object]] = [
            lambda: Settings(check_roles=value),  # type: ignore[arg-type]
            lambda: AccountDefaults(rating=value),  # type: ignore[arg-type]
            lambda: Role(value, frozenset()),  # type: ignore[arg-type]
            lambda: Role("Clerk", [value]),  # type: ignore[list-item]
            lambda: EditField(value),  # type: ignore[arg-type]
            lambda: SyncPolicy(max_attempts=value, lease=value),  # type: ignore[arg-type]
            lambda: RateLimit(calls=value, per=value),  # type: ignore[arg-type]
            lambda: Capabilities(max_batch=value, idempotency_window=value),  # type: ignore[arg-type]
            lambda: TypeChangeRules.from_rows([("C", value, 291)]),  # type: ignore[list-item]
            lambda: TransitionTable.from_rows([(value, "A", ["C"])]),  # type: ignore[list-item]
        ]
        for build in builds:
            try:
                build()
            except AccountCoreError as error:
                assert len(str(error)) < 300
