"""
The card-fidelity corrections: events record only a checked right (docs/rules.md#status-events),
a code edit is a recode (docs/rules.md#function-rights), and the cost centre follows the
manager (docs/rules.md#relations).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import attrs
import pytest
from _samples import record
from hypothesis import given
from hypothesis import strategies as st

from accountcore import Account, AccountStatus, AccountType, from_dict
from accountcore.errors import CODES, ActionRefused
from accountcore.rights import (
    CARD_FIELDS,
    CardLayout,
    FieldMode,
    FieldRule,
    Policy,
    Principal,
    Settings,
)
from accountcore.testing import json_values
from accountcore.workflows import change_status, change_type, create_account, edit_fields

T, S = AccountType, AccountStatus
ON = date(2024, 6, 1)
AT = datetime(2024, 6, 1, 10, tzinfo=timezone.utc)
CUSTOMER_MANAGER = Principal(user_id="cm", roles=frozenset({"Customer manager"}), clearance=50)
RESELLER_MANAGER = Principal(user_id="rm", roles=frozenset({"Reseller manager"}), clearance=50)
CONTROLLER = Principal(user_id="ctl", roles=frozenset({"Controller"}), clearance=50)
NOBODY = Principal(user_id="nobody", clearance=50)
ROLES_OFF = Policy(settings=Settings(check_roles=False))
COST_CENTRE = "$.relations.cost_centre"


def existing(**changes: Any) -> Account:
    """The sample customer (manager mvd, no cost centre), with fields replaced."""
    return attrs.evolve(from_dict(record()), **changes)


def managed(manager: str | None, cost_centre: str | None) -> Account:
    account = existing()
    relations = attrs.evolve(account.relations, account_manager=manager, cost_centre=cost_centre)
    return attrs.evolve(account, relations=relations)


def new_record(**relations: object) -> dict[str, object]:
    data: dict[str, object] = record()
    for key in ("id", "status", "type_since", "status_since"):
        data.pop(key)
    data["relations"] = relations
    return data


def refused(error: pytest.ExceptionInfo[ActionRefused]) -> set[tuple[str, str]]:
    return {(p.location, p.code) for p in error.value.problems}


class Book:
    """The host's cost centres per manager; a manager it does not list has none."""

    def __init__(self, **cost_centres: object) -> None:
        self.cost_centres = cost_centres
        self.asked: list[str] = []

    def cost_centre_of(self, manager: str) -> str | None:
        self.asked.append(manager)
        return self.cost_centres.get(manager)  # type: ignore[return-value]


BOOK = Book(mvd="CC-MVD", ann="CC-ANN")  # bob has no cost centre


# --- 1. events record the right only when rights were checked ---------------------------------


class TestEventRight:
    def test_status_event_records_the_checked_right(self) -> None:
        """With Check - Roles on, a status change's event names the right the role granted."""
        outcome = change_status(
            existing(), S.BLOCKED, by=CUSTOMER_MANAGER, policy=Policy(), on=ON, at=AT
        )
        assert outcome.events[0].right == 292
        assert outcome.decisions[0].right_used == 292

    def test_status_event_without_checked_rights(self) -> None:
        """With Check - Roles off, a status change's event records no right."""
        outcome = change_status(existing(), S.BLOCKED, by=NOBODY, policy=ROLES_OFF, on=ON, at=AT)
        (event,) = outcome.events
        (decision,) = outcome.decisions
        assert event.right is None and event.actor == "nobody"
        assert (decision.rule, decision.right, decision.right_used) == (
            "roles_not_checked",
            292,
            None,
        )

    def test_type_event_records_the_checked_right(self) -> None:
        """With Check - Roles on, validating a lead records right 273 (274 to a Reseller)."""
        lead = existing(type=T.NOT_VALIDATED)
        for by, target, right in (
            (CUSTOMER_MANAGER, T.LEAD, 273),
            (RESELLER_MANAGER, T.RESELLER, 274),
        ):
            outcome = change_type(lead, target, by=by, policy=Policy(), on=ON, at=AT)
            assert outcome.events[0].right == right

    def test_type_event_without_checked_rights(self) -> None:
        """With Check - Roles off, a type change's event records no right."""
        lead = existing(type=T.NOT_VALIDATED)
        for target in (T.LEAD, T.RESELLER):
            outcome = change_type(lead, target, by=NOBODY, policy=ROLES_OFF, on=ON, at=AT)
            assert outcome.events[0].right is None
            assert outcome.decisions[0].rule == "roles_not_checked"

    def test_a_right_held_directly_is_recorded(self) -> None:
        """A right the user holds directly is a checked right, and the event names it."""
        clerk = Principal(user_id="clerk", rights=frozenset({293}), clearance=50)
        reseller = existing(type=T.RESELLER)
        outcome = change_status(reseller, S.REFERENCE, by=clerk, policy=Policy(), on=ON, at=AT)
        assert outcome.events[0].right == 293

    @given(
        account_type=st.sampled_from(sorted(T, key=lambda t: t.value)),
        target=st.sampled_from(sorted(S, key=lambda s: s.value)),
        check_roles=st.booleans(),
        roles=st.frozensets(st.sampled_from(["Customer manager", "Reseller manager"])),
    )
    def test_event_right_is_the_checked_right(
        self,
        account_type: AccountType,
        target: AccountStatus,
        check_roles: bool,
        roles: frozenset[str],
    ) -> None:
        """Any allowed status change records its right exactly when roles were checked."""
        policy = Policy(settings=Settings(check_roles=check_roles))
        by = Principal(user_id="u", roles=roles, clearance=50)
        try:
            outcome = change_status(
                existing(type=account_type), target, by=by, policy=policy, on=ON, at=AT
            )
        except ActionRefused:
            return
        needed = outcome.decisions[0].right
        assert needed is not None
        assert outcome.events[0].right == (int(needed) if check_roles else None)


# --- 2. a code edit is a recode ---------------------------------------------------------------


class TestRecode:
    @pytest.mark.parametrize("account_type", [T.CUSTOMER, T.PROSPECT, T.NOT_VALIDATED, T.SUPPLIER])
    def test_customer_side_recode_needs_273(self, account_type: AccountType) -> None:
        """Recoding a customer-side account needs right 273; the decision comes back."""
        account = existing(type=account_type)
        outcome = edit_fields(account, {"code": "2002"}, by=CUSTOMER_MANAGER, policy=Policy())
        assert outcome.account.code == "2002"
        (decision,) = outcome.decisions
        assert (decision.rule, decision.right) == ("role", 273)
        with pytest.raises(ActionRefused) as caught:
            edit_fields(account, {"code": "2002"}, by=RESELLER_MANAGER, policy=Policy())
        assert refused(caught) == {("$.code", "right_denied")}
        (denial,) = caught.value.decisions
        assert denial.right == 273 and denial.granting_roles == {"Customer manager"}

    def test_reseller_recode_needs_274(self) -> None:
        """Recoding a Reseller needs right 274, which a Customer manager lacks."""
        reseller = existing(type=T.RESELLER)
        outcome = edit_fields(reseller, {"code": "R-1"}, by=RESELLER_MANAGER, policy=Policy())
        assert outcome.account.code == "R-1" and outcome.decisions[0].right == 274
        with pytest.raises(ActionRefused) as caught:
            edit_fields(reseller, {"code": "R-1"}, by=CUSTOMER_MANAGER, policy=Policy())
        assert refused(caught) == {("$.code", "right_denied")}
        assert caught.value.decisions[0].right == 274

    def test_recode_with_roles_not_checked(self) -> None:
        """With Check - Roles off, anyone who may see the account recodes it."""
        for account_type in (T.CUSTOMER, T.RESELLER):
            outcome = edit_fields(
                existing(type=account_type), {"code": "3003"}, by=NOBODY, policy=ROLES_OFF
            )
            assert outcome.account.code == "3003"
            assert outcome.decisions[0].rule == "roles_not_checked"

    def test_trimming_or_keeping_the_code_is_no_recode(self) -> None:
        """A code edit that only adds spaces, or changes nothing, needs no right."""
        for code in ("1001", " 1001 ", "1001\u0020"):
            outcome = edit_fields(existing(), {"code": code}, by=NOBODY, policy=Policy())
            assert outcome.account.code == "1001" and outcome.decisions == ()

    def test_a_case_change_is_a_recode(self) -> None:
        """Changing the code's letter case changes the code, so it is a recode."""
        account = existing(code="abc")
        with pytest.raises(ActionRefused) as caught:
            edit_fields(account, {"code": "ABC"}, by=NOBODY, policy=Policy())
        assert refused(caught) == {("$.code", "right_denied")}

    def test_recode_and_other_edits_together(self) -> None:
        """A recode among other edits: the other edits need nothing, the code needs 273."""
        edits = {"code": "2002", "marketing.rating": 5}
        with pytest.raises(ActionRefused) as caught:
            edit_fields(existing(), edits, by=NOBODY, policy=Policy())
        assert refused(caught) == {("$.code", "right_denied")}
        outcome = edit_fields(existing(), edits, by=CUSTOMER_MANAGER, policy=Policy())
        assert (outcome.account.code, outcome.account.marketing.rating) == ("2002", 5)

    def test_read_only_code_and_missing_right_are_both_reported(self) -> None:
        """A code read-only in the layout is refused; a user without 273 hears that too."""
        layout = CardLayout.build({"code": FieldRule(mandatory=True, mode=FieldMode.SHOW)})
        policy = Policy(layout=layout)
        with pytest.raises(ActionRefused) as caught:
            edit_fields(existing(), {"code": "2002"}, by=CUSTOMER_MANAGER, policy=policy)
        assert refused(caught) == {("$.code", "field_read_only")}
        with pytest.raises(ActionRefused) as caught:
            edit_fields(existing(), {"code": "2002"}, by=CONTROLLER, policy=policy)
        assert refused(caught) == {("$.code", "field_read_only"), ("$.code", "right_denied")}

    def test_record_security_refuses_the_whole_edit_once(self) -> None:
        """Below the account's level the edit is refused once, and the recode denial is kept."""
        secret = existing(marketing=attrs.evolve(existing().marketing, security_level=90))
        with pytest.raises(ActionRefused) as caught:
            edit_fields(secret, {"code": "2002"}, by=CUSTOMER_MANAGER, policy=Policy())
        assert refused(caught) == {("$", "right_denied")}
        assert [d.rule for d in caught.value.decisions] == ["record_security"]


# --- 3. the cost centre follows the manager ---------------------------------------------------


class TestCostCentreOnCreate:
    def test_absent_cost_centre_is_the_managers(self) -> None:
        """A new account with a manager and no cost centre takes the manager's."""
        outcome = create_account(
            new_record(account_manager="mvd"), by=NOBODY, policy=Policy(), on=ON, cost_centres=BOOK
        )
        assert outcome.account.relations.cost_centre == "CC-MVD"
        assert "cost_centre_from_manager" not in {s.rule for s in outcome.skipped}

    def test_the_host_is_asked_once_per_manager(self) -> None:
        """Deriving and checking the cost centre ask the host once per manager, for one answer."""
        book = Book(mvd="CC-MVD", ann="CC-ANN")
        create_account(
            new_record(account_manager="mvd"), by=NOBODY, policy=Policy(), on=ON, cost_centres=book
        )
        assert book.asked == ["mvd"]
        edit_fields(
            managed("mvd", "CC-MVD"),
            {"relations.account_manager": "ann"},
            by=NOBODY,
            policy=Policy(),
            cost_centres=book,
        )
        assert book.asked == ["mvd", "ann"]

    def test_manager_without_cost_centre_leaves_it_empty(self) -> None:
        """A manager the lookup gives no cost centre leaves the field empty."""
        outcome = create_account(
            new_record(account_manager="bob"), by=NOBODY, policy=Policy(), on=ON, cost_centres=BOOK
        )
        assert outcome.account.relations.cost_centre is None

    def test_no_manager_derives_nothing(self) -> None:
        """Without a manager nothing is derived or asked, and a given cost centre stands."""
        book = Book(mvd="CC-MVD")
        for given_value in (None, "CC-9"):
            outcome = create_account(
                new_record(cost_centre=given_value),
                by=NOBODY,
                policy=Policy(),
                on=ON,
                cost_centres=book,
            )
            assert outcome.account.relations.cost_centre == given_value
        assert book.asked == []

    def test_no_lookup_derives_nothing(self) -> None:
        """Without a lookup nothing is derived, and the report says the rule was skipped."""
        outcome = create_account(
            new_record(account_manager="mvd"), by=NOBODY, policy=Policy(), on=ON
        )
        assert outcome.account.relations.cost_centre is None
        assert "cost_centre_from_manager" in {s.rule for s in outcome.skipped}

    def test_explicit_cost_centre_must_agree(self) -> None:
        """A cost centre given on create is kept when it agrees and refused when it does not."""
        agreeing = new_record(account_manager="mvd", cost_centre="CC-MVD")
        outcome = create_account(agreeing, by=NOBODY, policy=Policy(), on=ON, cost_centres=BOOK)
        assert outcome.account.relations.cost_centre == "CC-MVD"
        for manager, wrong in (("mvd", "CC-ANN"), ("bob", "CC-ANN")):
            data = new_record(account_manager=manager, cost_centre=wrong)
            with pytest.raises(ActionRefused) as caught:
                create_account(data, by=NOBODY, policy=Policy(), on=ON, cost_centres=BOOK)
            assert refused(caught) == {(COST_CENTRE, "cost_centre_mismatch")}

    def test_hidden_cost_centre_is_still_derived(self) -> None:
        """A cost centre hidden in the layout is derived on create all the same."""
        layout = CardLayout.build({"relations.cost_centre": FieldRule(mode=FieldMode.HIDDEN)})
        outcome = create_account(
            new_record(account_manager="ann"),
            by=NOBODY,
            policy=Policy(layout=layout),
            on=ON,
            cost_centres=BOOK,
        )
        assert outcome.account.relations.cost_centre == "CC-ANN"

    def test_mandatory_cost_centre_of_a_manager_without_one(self) -> None:
        """A mandatory cost centre the manager cannot give is reported as required."""
        layout = CardLayout.build({"relations.cost_centre": FieldRule(mandatory=True)})
        with pytest.raises(ActionRefused) as caught:
            create_account(
                new_record(account_manager="bob"),
                by=NOBODY,
                policy=Policy(layout=layout),
                on=ON,
                cost_centres=BOOK,
            )
        assert refused(caught) == {(COST_CENTRE, "required")}


class TestCostCentreOnEdit:
    def test_manager_change_replaces_the_cost_centre(self) -> None:
        """A new manager brings their cost centre; one without clears it."""
        account = managed("mvd", "CC-MVD")
        edited = edit_fields(
            account,
            {"relations.account_manager": "ann"},
            by=NOBODY,
            policy=Policy(),
            cost_centres=BOOK,
        )
        assert edited.account.relations.cost_centre == "CC-ANN"
        cleared = edit_fields(
            account,
            {"relations.account_manager": "bob"},
            by=NOBODY,
            policy=Policy(),
            cost_centres=BOOK,
        )
        assert cleared.account.relations.cost_centre is None

    def test_explicit_cost_centre_with_a_manager_change(self) -> None:
        """A cost centre given with the new manager must be the new manager's."""
        account = managed("mvd", "CC-MVD")
        edits: dict[str, object] = {
            "relations.account_manager": "ann",
            "relations.cost_centre": "CC-ANN",
        }
        outcome = edit_fields(account, edits, by=NOBODY, policy=Policy(), cost_centres=BOOK)
        assert outcome.account.relations.cost_centre == "CC-ANN"
        for wrong in ("CC-MVD", "CC-X", None):
            edits["relations.cost_centre"] = wrong
            with pytest.raises(ActionRefused) as caught:
                edit_fields(account, edits, by=NOBODY, policy=Policy(), cost_centres=BOOK)
            assert refused(caught) == {(COST_CENTRE, "cost_centre_mismatch")}

    def test_clearing_agrees_with_a_manager_without_cost_centre(self) -> None:
        """Clearing the cost centre while moving to a manager without one is accepted."""
        edits = {"relations.account_manager": "bob", "relations.cost_centre": None}
        outcome = edit_fields(
            managed("mvd", "CC-MVD"), edits, by=NOBODY, policy=Policy(), cost_centres=BOOK
        )
        assert outcome.account.relations.cost_centre is None

    def test_a_whole_relations_section(self) -> None:
        """A relations section given whole follows the same rules as its paths."""
        account = managed("mvd", "CC-MVD")
        outcome = edit_fields(
            account,
            {"relations": {"account_manager": "ann"}},
            by=NOBODY,
            policy=Policy(),
            cost_centres=BOOK,
        )
        assert outcome.account.relations.cost_centre == "CC-ANN"
        with pytest.raises(ActionRefused) as caught:
            edit_fields(
                account,
                {"relations": {"account_manager": "ann", "cost_centre": "CC-MVD"}},
                by=NOBODY,
                policy=Policy(),
                cost_centres=BOOK,
            )
        assert refused(caught) == {(COST_CENTRE, "cost_centre_mismatch")}

    def test_explicit_cost_centre_without_a_manager_change(self) -> None:
        """Editing only the cost centre: the manager's value is accepted, another refused."""
        account = managed("mvd", None)
        outcome = edit_fields(
            account,
            {"relations.cost_centre": "CC-MVD"},
            by=NOBODY,
            policy=Policy(),
            cost_centres=BOOK,
        )
        assert outcome.account.relations.cost_centre == "CC-MVD"
        with pytest.raises(ActionRefused) as caught:
            edit_fields(
                account,
                {"relations.cost_centre": "CC-ANN"},
                by=NOBODY,
                policy=Policy(),
                cost_centres=BOOK,
            )
        assert refused(caught) == {(COST_CENTRE, "cost_centre_mismatch")}

    def test_an_absent_cost_centre_is_filled_on_any_edit(self) -> None:
        """An account with a manager and no cost centre takes the manager's when it is saved."""
        outcome = edit_fields(
            managed("mvd", None),
            {"marketing.rating": 4},
            by=NOBODY,
            policy=Policy(),
            cost_centres=BOOK,
        )
        assert outcome.account.relations.cost_centre == "CC-MVD"

    def test_a_stale_cost_centre_is_reported_not_replaced(self) -> None:
        """A stored cost centre that no longer agrees is reported, not replaced, on other edits."""
        with pytest.raises(ActionRefused) as caught:
            edit_fields(
                managed("mvd", "CC-OLD"),
                {"marketing.rating": 4},
                by=NOBODY,
                policy=Policy(),
                cost_centres=BOOK,
            )
        assert refused(caught) == {(COST_CENTRE, "cost_centre_mismatch")}

    def test_removing_the_manager_keeps_the_cost_centre(self) -> None:
        """Without a manager there is nothing to follow: the cost centre stays as it was."""
        outcome = edit_fields(
            managed("mvd", "CC-MVD"),
            {"relations.account_manager": None},
            by=NOBODY,
            policy=Policy(),
            cost_centres=BOOK,
        )
        assert outcome.account.relations == attrs.evolve(
            managed("mvd", "CC-MVD").relations, account_manager=None
        )

    def test_no_lookup_derives_nothing(self) -> None:
        """Without a lookup a manager change leaves the cost centre, and the check is skipped."""
        outcome = edit_fields(
            managed("mvd", "CC-MVD"),
            {"relations.account_manager": "ann"},
            by=NOBODY,
            policy=Policy(),
        )
        assert outcome.account.relations.cost_centre == "CC-MVD"
        assert "cost_centre_from_manager" in {s.rule for s in outcome.skipped}

    @pytest.mark.parametrize(
        ("rule", "code"),
        [
            (FieldRule(mode=FieldMode.SHOW), "field_read_only"),
            (FieldRule(mode=FieldMode.HIDDEN), "field_hidden"),
            (FieldRule(right=222), "right_denied"),
        ],
        ids=["read-only", "hidden", "right-gated"],
    )
    def test_layout_limits_the_user_not_the_derivation(self, rule: FieldRule, code: str) -> None:
        """A read-only, hidden or right-gated cost centre is derived, but the user cannot set it."""
        policy = Policy(layout=CardLayout.build({"relations.cost_centre": rule}))
        account = managed("mvd", "CC-MVD")
        outcome = edit_fields(
            account,
            {"relations.account_manager": "ann"},
            by=NOBODY,
            policy=policy,
            cost_centres=BOOK,
        )
        assert outcome.account.relations.cost_centre == "CC-ANN"
        edits = {"relations.account_manager": "ann", "relations.cost_centre": "CC-ANN"}
        with pytest.raises(ActionRefused) as caught:
            edit_fields(account, edits, by=NOBODY, policy=policy, cost_centres=BOOK)
        assert refused(caught) == {(COST_CENTRE, code)}

    @pytest.mark.parametrize(("value", "code"), [("C" * 65, "too_long"), (7, "invalid_type")])
    def test_a_derived_value_the_record_cannot_hold(self, value: object, code: str) -> None:
        """A lookup answer the card cannot hold is refused at the cost centre, never a crash."""
        book = Book(ann=value)
        with pytest.raises(ActionRefused) as caught:
            edit_fields(
                managed("mvd", None),
                {"relations.account_manager": "ann"},
                by=NOBODY,
                policy=Policy(),
                cost_centres=book,
            )
        assert (COST_CENTRE, code) in refused(caught)
        assert all(p.code in CODES for p in caught.value.problems)


MANAGERS = ("mvd", "ann", "bob")
books = st.builds(
    lambda centres: Book(**dict(zip(MANAGERS, centres, strict=True))),
    st.tuples(*(st.sampled_from(["CC-1", "CC-2", None]) for _ in MANAGERS)),
)
managers = st.sampled_from([*MANAGERS, None])
cost_centres = st.sampled_from(["CC-1", "CC-2", None])
modes = st.sampled_from(list(FieldMode))


def follows(account: Account, book: Book) -> bool:
    manager = account.relations.account_manager
    return manager is None or account.relations.cost_centre == book.cost_centres.get(manager)


class TestCostCentreProperty:
    @given(book=books, manager=managers, cost_centre=cost_centres, mode=modes)
    def test_create_follows_the_manager(
        self, book: Book, manager: str | None, cost_centre: str | None, mode: FieldMode
    ) -> None:
        """After any successful create with a lookup, the cost centre is the manager's."""
        policy = Policy(layout=CardLayout.build({"relations.cost_centre": FieldRule(mode=mode)}))
        data = new_record(account_manager=manager, cost_centre=cost_centre)
        try:
            outcome = create_account(data, by=NOBODY, policy=policy, on=ON, cost_centres=book)
        except ActionRefused as error:
            assert {p.code for p in error.problems} <= {"cost_centre_mismatch"}
            return
        assert follows(outcome.account, book)

    @given(
        book=books,
        manager=managers,
        cost_centre=cost_centres,
        mode=modes,
        edits=st.dictionaries(
            st.sampled_from(
                ["relations.account_manager", "relations.cost_centre", "marketing.rating"]
            ),
            st.one_of(managers, cost_centres, st.integers(1, 7)),
        ),
    )
    def test_edit_follows_the_manager(
        self,
        book: Book,
        manager: str | None,
        cost_centre: str | None,
        mode: FieldMode,
        edits: dict[str, object],
    ) -> None:
        """After any successful edit with a lookup, the cost centre is the manager's."""
        policy = Policy(layout=CardLayout.build({"relations.cost_centre": FieldRule(mode=mode)}))
        try:
            outcome = edit_fields(
                managed(manager, cost_centre), edits, by=NOBODY, policy=policy, cost_centres=book
            )
        except ActionRefused as error:
            assert all(p.code in CODES for p in error.problems)
            return
        assert follows(outcome.account, book)

    @given(
        st.dictionaries(
            st.sampled_from([*sorted(CARD_FIELDS), "relations", "code"]),
            st.one_of(
                json_values(),
                managers,
                st.dictionaries(
                    st.sampled_from(["account_manager", "cost_centre"]),
                    st.one_of(managers, json_values()),
                ),
            ),
        )
    )
    def test_junk_edits_with_a_lookup(self, edits: dict[str, object]) -> None:
        """Arbitrary edits with a lookup are accepted or refused cleanly, never a crash."""
        try:
            edit_fields(
                managed("mvd", "CC-MVD"), edits, by=NOBODY, policy=ROLES_OFF, cost_centres=BOOK
            )
        except ActionRefused as error:
            assert all(p.code in CODES for p in error.problems)
