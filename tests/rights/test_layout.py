"""The card layout against docs/rules.md#card-layout: building, mandatory, redaction, edits."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accountcore import (
    Account,
    AccountStatus,
    AccountType,
    Address,
    BankAccount,
    Contact,
    DefinitionError,
    Financial,
    FreeField,
    FreeFieldKind,
    Marketing,
    Problem,
    Relations,
    Summary,
    to_dict,
)
from accountcore.errors import RightDenied
from accountcore.rights import (
    CARD_FIELDS,
    PROTECTED_FIELDS,
    Button,
    CardLayout,
    FieldMode,
    FieldRule,
    Policy,
    Principal,
    Settings,
    can_see,
)
from accountcore.rights._card import changed_fields, edit_problems, layout_problems, redact
from accountcore.testing import accounts

ON = date(2024, 1, 1)
ADDRESS = Address(line1="Damrak 1", city="Amsterdam", country="NL")
#: Sees every account whatever its security level.
CLEARED = Principal(user_id="ann", clearance=100)
CONTROLLER = Principal(user_id="ctl", roles=frozenset({"Controller"}), clearance=100)
CUSTOMER_MANAGER = Principal(user_id="cm", roles=frozenset({"Customer manager"}), clearance=100)
LIFECYCLE = ("id", "type", "type_since", "status", "status_since")
HIDEABLE = sorted(CARD_FIELDS - PROTECTED_FIELDS)
HIDDEN = FieldRule(mode=FieldMode.HIDDEN)
READ_ONLY = FieldRule(mode=FieldMode.SHOW)
MANDATORY = FieldRule(mandatory=True)


def make(**changes: object) -> Account:
    """Return a valid Customer account with ``changes`` applied."""
    account = Account.new(
        code="1001", name="Acme", type=AccountType.CUSTOMER, address=ADDRESS, on=ON
    )
    return attrs.evolve(account, **changes)


def policy_with(fields: dict[str, FieldRule], settings: Settings | None = None) -> Policy:
    """Return the default policy with a layout customising ``fields``."""
    return Policy(layout=CardLayout.build(fields), settings=settings or Settings())


def steps(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def has_path(data: object, path: str) -> bool:
    """Tell whether a record holds the key at ``path``."""
    for step in steps(path):
        if not isinstance(data, dict) or step not in data:
            return False
        data = data[step]
    return True


def parent_present(data: object, path: str) -> bool:
    """Tell whether the object that would hold ``path``'s key is in the record."""
    for step in steps(path)[:-1]:
        if not isinstance(data, dict) or not isinstance(data.get(step), dict):
            return False
        data = data[step]
    return True


class TestCardLayoutBuild:
    def test_refuses_unknown_fields(self) -> None:
        """A field the card does not have is a definition error naming it."""
        with pytest.raises(DefinitionError, match=r"no field 'marketing\.colour'"):
            CardLayout.build({"marketing.colour": FieldRule()})

    def test_refuses_lifecycle_fields(self) -> None:
        """Status is not a card field, so a layout cannot name it."""
        with pytest.raises(DefinitionError, match="no field 'status'"):
            CardLayout.build({"status": READ_ONLY})

    @pytest.mark.parametrize("path", sorted(PROTECTED_FIELDS))
    @pytest.mark.parametrize(
        "rule",
        [
            FieldRule(),
            FieldRule(mode=FieldMode.HIDDEN),
            FieldRule(mandatory=True, mode=FieldMode.HIDDEN),
        ],
    )
    def test_refuses_protected_fields_optional_or_hidden(self, path: str, rule: FieldRule) -> None:
        """Code, name and address can never be made optional or hidden."""
        with pytest.raises(
            DefinitionError, match=re.escape(f"{path} can never be made optional or hidden")
        ):
            CardLayout.build({path: rule})

    @pytest.mark.parametrize("path", sorted(PROTECTED_FIELDS))
    def test_accepts_protected_fields_read_only(self, path: str) -> None:
        """A protected field may be shown read-only as long as it stays mandatory."""
        rule = FieldRule(mandatory=True, mode=FieldMode.SHOW)
        assert CardLayout.build({path: rule}).rule(path) == rule

    def test_refuses_hidden_mandatory_fields(self) -> None:
        """A hidden field cannot be mandatory, since nobody could fill it in."""
        rule = FieldRule(mandatory=True, mode=FieldMode.HIDDEN)
        with pytest.raises(DefinitionError, match=r"marketing\.rating: a hidden field cannot be"):
            CardLayout.build({"marketing.rating": rule})

    @pytest.mark.parametrize("rule", ["hidden", None, {"mandatory": True}, FieldMode.HIDDEN])
    def test_refuses_rules_that_are_not_field_rules(self, rule: object) -> None:
        """A rule of the wrong type is a definition error naming the field."""
        with pytest.raises(DefinitionError, match="remarks: expected a FieldRule"):
            CardLayout.build({"remarks": rule})  # type: ignore[dict-item]

    @pytest.mark.parametrize(
        "buttons", [frozenset({"save"}), frozenset({Button.SAVE, 1}), "delete"]
    )
    def test_refuses_buttons_that_are_not_buttons(self, buttons: object) -> None:
        """Hidden buttons must be Button members."""
        with pytest.raises(DefinitionError, match="hidden_buttons must be a collection of Button"):
            CardLayout.build(hidden_buttons=buttons)  # type: ignore[arg-type]


class TestFieldRuleValues:
    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"mandatory": 1}, "FieldRule.mandatory: expected a bool, got 1"),
            ({"mandatory": None}, "FieldRule.mandatory: expected a bool, got None"),
            ({"mode": "hidden"}, "FieldRule.mode: expected a FieldMode, got 'hidden'"),
            ({"mode": Button.SAVE}, "FieldRule.mode: expected a FieldMode, got Button.SAVE"),
            ({"right": 292.0}, "FieldRule.right: 292.0 is not a known function right"),
            ({"right": True}, "FieldRule.right: True is not a known function right"),
            (
                {"right": 10**5000},
                "FieldRule.right: an integer of 16610 bits is not a known function right",
            ),
        ],
        # Not repr: an int of 5000 digits has none.
        ids=["mandatory-int", "mandatory-none", "mode-text", "mode-button", "right-float",
             "right-bool", "right-huge"],
    )  # fmt: skip
    def test_refuses_malformed_rules(self, fields: dict[str, object], message: str) -> None:
        """A rule of the wrong types is refused when built, naming its field."""
        with pytest.raises(DefinitionError) as caught:
            FieldRule(**fields)  # type: ignore[arg-type]
        assert str(caught.value) == message

    def test_right_numbers_become_function_rights(self) -> None:
        """A rule given a right's number keeps the FunctionRight, equal to the number."""
        rule = FieldRule(right=292)
        assert rule.right == 292 and type(rule.right).__name__ == "FunctionRight"


class TestCardLayoutDirect:
    def test_direct_construction_checks_like_build(self) -> None:
        """Calling the class runs the checks of `CardLayout.build`, protected fields too."""
        with pytest.raises(DefinitionError, match="code can never be made optional"):
            CardLayout(fields={"code": FieldRule()})
        with pytest.raises(DefinitionError, match="hidden_buttons must be a collection"):
            CardLayout(fields={}, hidden_buttons="save")  # type: ignore[arg-type]
        with pytest.raises(DefinitionError, match=r"^CardLayout\.fields: expected a mapping"):
            CardLayout(fields=[("remarks", HIDDEN)])  # type: ignore[arg-type]

    def test_direct_construction_keeps_the_protected_fields(self) -> None:
        """A layout built directly still holds code, name and address mandatory."""
        layout = CardLayout(fields={"remarks": HIDDEN})
        assert layout.mandatory == PROTECTED_FIELDS
        assert layout.rule("remarks") == HIDDEN

    def test_fields_do_not_follow_the_hosts_dict(self) -> None:
        """Changing the dict a layout was built from changes nothing in the layout."""
        given = {"remarks": HIDDEN}
        layout = CardLayout.build(given)
        given["name"] = HIDDEN
        assert layout.rule("name").mandatory and "name" in layout.mandatory

    def test_huge_unknown_path_is_not_echoed(self) -> None:
        """An unknown path of a million characters shows in a short message."""
        with pytest.raises(DefinitionError) as caught:
            CardLayout.build({"x" * 10**6: HIDDEN})
        assert len(str(caught.value)) < 100

class TestDefaultLayout:
    def test_keeps_code_name_and_address_mandatory(self) -> None:
        """By default exactly code, name and address line 1, city and country are mandatory."""
        assert CardLayout.default().mandatory == PROTECTED_FIELDS
        protected = {
            "code", "name", "summary.address.line1", "summary.address.city",
            "summary.address.country",
        }  # fmt: skip
        assert protected == PROTECTED_FIELDS

    def test_customising_keeps_the_protected_fields(self) -> None:
        """A layout that makes one more field mandatory still holds the protected ones."""
        layout = CardLayout.build({"marketing.rating": MANDATORY})
        assert layout.mandatory == PROTECTED_FIELDS | {"marketing.rating"}

    def test_fields_not_named_keep_the_default_rule(self) -> None:
        """A field the layout does not name is optional, editable and needs no right."""
        assert CardLayout.build({"remarks": HIDDEN}).rule("marketing.rating") == FieldRule()

    @pytest.mark.parametrize("button", list(Button))
    def test_default_shows_every_button(self, button: Button) -> None:
        """The default layout shows every button."""
        assert CardLayout.default().shows(button)

    @pytest.mark.parametrize("button", list(Button))
    def test_shows_all_but_the_hidden_buttons(self, button: Button) -> None:
        """A layout hides exactly the buttons it names."""
        layout = CardLayout.build(hidden_buttons=frozenset({Button.DELETE, Button.BLOCKED}))
        assert layout.shows(button) is (button not in {Button.DELETE, Button.BLOCKED})


FREE = (FreeField(name="segment", kind=FreeFieldKind.TEXT, value="retail"),)
BANK = (BankAccount(number="417164300", main=True),)
# (mandatory path, changes to the sample account, whether the field counts as missing)
MANDATORY_CASES = [
    ("marketing.rating", {}, True),
    ("marketing.rating", {"marketing": Marketing(rating=3)}, False),
    ("marketing.security_level", {}, False),
    ("marketing.exclude_from_merging", {}, False),
    ("remarks", {"remarks": None}, True),
    ("remarks", {"remarks": " \t"}, True),
    ("remarks", {"remarks": "Pays late"}, False),
    ("summary.email", {"summary": Summary(address=ADDRESS, email="")}, True),
    ("summary.address.postcode", {}, True),
    (
        "summary.address.postcode",
        {"summary": Summary(address=attrs.evolve(ADDRESS, postcode="1012 LG"))},
        False,
    ),
    ("free_fields", {}, True),
    ("free_fields", {"free_fields": FREE}, False),
    ("financial.bank_accounts", {}, True),
    ("financial.bank_accounts", {"financial": Financial(bank_accounts=BANK)}, False),
    ("financial.invoice_copies", {"financial": Financial(invoice_copies=0)}, False),
    ("relations.account_manager", {"relations": Relations(account_manager="mvd")}, False),
    ("contact.first_name", {}, True),
    ("contact.first_name", {"contact": Contact()}, True),
    ("contact.first_name", {"contact": Contact(first_name="Jan")}, False),
    ("contact.valid_email", {}, True),
    ("contact.valid_email", {"contact": Contact()}, False),
]


class TestLayoutProblems:
    @pytest.mark.parametrize(("path", "changes", "missing"), MANDATORY_CASES)
    def test_mandatory_fields(self, path: str, changes: dict[str, object], missing: bool) -> None:
        """A mandatory field that is None, blank, empty or in an absent contact is required."""
        layout = CardLayout.build({path: MANDATORY})
        problems = layout_problems(make(**changes), layout)
        assert [(p.path, p.code) for p in problems] == (
            [(steps(path), "required")] if missing else []
        )

    def test_complete_account_has_no_problems(self) -> None:
        """An account holding every mandatory field of the default layout has no problems."""
        assert layout_problems(make(), CardLayout.default()) == []

    def test_protected_fields_are_required(self) -> None:
        """A blank name and city are reported under the default layout, in path order."""
        account = make(name=" ", summary=Summary(address=attrs.evolve(ADDRESS, city="")))
        assert layout_problems(account, CardLayout.default()) == [
            Problem(("name",), "required", "The card layout makes name mandatory."),
            Problem(
                ("summary", "address", "city"),
                "required",
                "The card layout makes summary.address.city mandatory.",
            ),
        ]

    def test_lists_every_missing_field(self) -> None:
        """Every missing mandatory field is reported, not only the first."""
        paths = ["contact.email", "financial.vat_number", "marketing.rating", "remarks"]
        layout = CardLayout.build(dict.fromkeys(paths, MANDATORY))
        assert [p.path for p in layout_problems(make(), layout)] == [steps(p) for p in paths]


class TestRedact:
    def test_removes_hidden_fields_and_keeps_the_rest(self) -> None:
        """Hidden fields are absent at any depth; everything else is as to_dict writes it."""
        account = make(
            remarks="Pays late",
            contact=Contact(first_name="Jan", email="jan@acme.nl"),
            marketing=Marketing(rating=2, sector="retail"),
            financial=Financial(bank_accounts=BANK),
        )
        hidden = [
            "remarks",
            "contact.email",
            "marketing.rating",
            "summary.address.state",
            "financial.bank_accounts",
        ]
        expected = to_dict(account)
        for path in hidden:
            *parents, leaf = steps(path)
            node: Any = expected
            for step in parents:
                node = node[step]
            del node[leaf]
        policy = policy_with(dict.fromkeys(hidden, HIDDEN))
        assert redact(account, CLEARED, policy) == expected

    def test_no_hidden_fields_is_to_dict(self) -> None:
        """With nothing hidden, a user sees the whole record."""
        account = make(remarks="Pays late")
        assert redact(account, CLEARED, Policy()) == to_dict(account)

    def test_read_only_fields_are_shown(self) -> None:
        """A read-only field is still shown."""
        policy = policy_with({"remarks": READ_ONLY})
        assert redact(make(remarks="Pays late"), CLEARED, policy)["remarks"] == "Pays late"

    def test_hidden_field_of_an_absent_contact(self) -> None:
        """Hiding a contact field leaves an absent contact as null."""
        policy = policy_with({"contact.email": HIDDEN})
        assert redact(make(), CLEARED, policy)["contact"] is None

    def test_does_not_change_the_account(self) -> None:
        """Redacting twice gives the same record: nothing is shared with later calls."""
        policy = policy_with({"marketing.rating": HIDDEN})
        account = make(marketing=Marketing(rating=2))
        assert redact(account, CLEARED, policy) == redact(account, CLEARED, policy)
        marketing: Any = to_dict(account)["marketing"]
        assert marketing["rating"] == 2

    def test_raises_below_the_security_level(self) -> None:
        """A user whose clearance is below the account's security level sees nothing."""
        account = make(marketing=Marketing(security_level=50))
        with pytest.raises(RightDenied) as caught:
            redact(account, Principal(user_id="bob", clearance=49), Policy())
        decision = caught.value.decision
        assert (decision.allowed, decision.rule) == (False, "record_security")
        assert str(caught.value) == decision.message

    def test_clearance_at_the_level_sees(self) -> None:
        """A clearance equal to the security level is enough."""
        account = make(marketing=Marketing(security_level=50))
        assert redact(account, Principal(user_id="bob", clearance=50), Policy())["name"] == "Acme"

    def test_account_manager_sees_below_the_level(self) -> None:
        """The account's manager sees it whatever their clearance."""
        account = make(
            marketing=Marketing(security_level=90), relations=Relations(account_manager="bob")
        )
        assert redact(account, Principal(user_id="bob"), Policy())["name"] == "Acme"

    def test_record_security_applies_with_roles_off(self) -> None:
        """Switching Check - Roles off does not lift record security."""
        account = make(marketing=Marketing(security_level=50))
        policy = Policy(settings=Settings(check_roles=False))
        with pytest.raises(RightDenied):
            redact(account, Principal(user_id="bob"), policy)


RATED = make(marketing=Marketing(rating=2))
RERATED = make(marketing=Marketing(rating=5))


class TestEditProblems:
    def test_no_change_no_problem(self) -> None:
        """An unchanged account has nothing to refuse, even with a restrictive layout."""
        policy = policy_with({"marketing.rating": READ_ONLY, "remarks": HIDDEN})
        assert edit_problems(RATED, RATED, CONTROLLER, policy) == []

    def test_ordinary_fields_need_no_right(self) -> None:
        """Under the default layout any user who sees the account may edit its fields."""
        after = attrs.evolve(RERATED, name="Acme B.V.", remarks="new")
        assert edit_problems(RATED, after, Principal(user_id="x", clearance=100), Policy()) == []

    def test_read_only_field(self) -> None:
        """Changing a read-only field is refused as field_read_only."""
        policy = policy_with({"marketing.rating": READ_ONLY})
        assert edit_problems(RATED, RERATED, CUSTOMER_MANAGER, policy) == [
            Problem(
                ("marketing", "rating"),
                "field_read_only",
                "Denied: the field marketing.rating is shown read-only in the card layout.",
            )
        ]

    def test_hidden_field(self) -> None:
        """Changing a hidden field is refused as field_hidden."""
        policy = policy_with({"marketing.rating": HIDDEN})
        assert edit_problems(RATED, RERATED, CUSTOMER_MANAGER, policy) == [
            Problem(
                ("marketing", "rating"),
                "field_hidden",
                "Denied: the field marketing.rating is hidden in the card layout.",
            )
        ]

    def test_read_only_field_left_alone(self) -> None:
        """A read-only field that did not change does not stop edits of other fields."""
        policy = policy_with({"marketing.rating": READ_ONLY})
        assert edit_problems(RATED, attrs.evolve(RATED, name="Acme B.V."), CONTROLLER, policy) == []

    def test_right_gated_field_without_the_right(self) -> None:
        """A user lacking the field's right is refused as right_denied, with the right named."""
        policy = policy_with({"marketing.rating": FieldRule(right=292)})
        (problem,) = edit_problems(RATED, RERATED, CONTROLLER, policy)
        assert (problem.path, problem.code) == (("marketing", "rating"), "right_denied")
        assert "right 292" in problem.message
        assert "Customer manager" in problem.message

    @pytest.mark.parametrize(
        "principal",
        [CUSTOMER_MANAGER, Principal(user_id="d", rights=frozenset({292}), clearance=100)],
        ids=["by-role", "direct"],
    )
    def test_right_gated_field_with_the_right(self, principal: Principal) -> None:
        """A user holding the field's right, by role or directly, may edit it."""
        policy = policy_with({"marketing.rating": FieldRule(right=292)})
        assert edit_problems(RATED, RERATED, principal, policy) == []

    def test_right_not_checked_with_roles_off(self) -> None:
        """With Security: Check - Roles off the field's right is not checked."""
        policy = policy_with(
            {"marketing.rating": FieldRule(right=292)}, settings=Settings(check_roles=False)
        )
        assert edit_problems(RATED, RERATED, CONTROLLER, policy) == []

    def test_layout_applies_with_roles_off(self) -> None:
        """With Check - Roles off a read-only field stays read-only."""
        policy = policy_with({"marketing.rating": READ_ONLY}, settings=Settings(check_roles=False))
        assert [p.code for p in edit_problems(RATED, RERATED, CONTROLLER, policy)] == [
            "field_read_only"
        ]

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("id", "acc-9"),
            ("type", AccountType.RESELLER),
            ("type_since", date(2024, 2, 1)),
            ("status", AccountStatus.BLOCKED),
            ("status_since", date(2024, 2, 1)),
        ],
    )
    def test_lifecycle_fields(self, field: str, value: object) -> None:
        """Type, status, their dates and the id are never edited on the card."""
        after = attrs.evolve(RATED, **{field: value})
        (problem,) = edit_problems(RATED, after, CUSTOMER_MANAGER, Policy())
        assert (problem.path, problem.code) == ((field,), "field_read_only")
        assert field in problem.message

    def test_status_message_names_the_way(self) -> None:
        """A status edit is told to go through a status change."""
        after = attrs.evolve(RATED, status=AccountStatus.BLOCKED)
        (problem,) = edit_problems(RATED, after, CUSTOMER_MANAGER, Policy())
        assert problem.message == "The field status changes only through status changes."

    def test_every_refusal_in_order(self) -> None:
        """Every refused change is reported: lifecycle fields first, then card fields by path."""
        policy = policy_with(
            {"remarks": HIDDEN, "code": FieldRule(mandatory=True, mode=FieldMode.SHOW)}
        )
        after = attrs.evolve(
            RERATED, code="1002", remarks="x", status=AccountStatus.BLOCKED, type=AccountType.LEAD
        )
        problems = edit_problems(RATED, after, CUSTOMER_MANAGER, policy)
        assert [(p.path, p.code) for p in problems] == [
            (("type",), "field_read_only"),
            (("status",), "field_read_only"),
            (("code",), "field_read_only"),
            (("remarks",), "field_hidden"),
        ]

    def test_record_security_denies_the_whole_account(self) -> None:
        """A user who may not see the account gets one right_denied problem for it."""
        before = make(marketing=Marketing(security_level=60))
        after = attrs.evolve(before, name="Other", status=AccountStatus.BLOCKED)
        bob = Principal(user_id="bob", clearance=10)
        (problem,) = edit_problems(before, after, bob, policy_with({"remarks": READ_ONLY}))
        assert (problem.path, problem.code) == ((), "right_denied")
        assert "security level is 60" in problem.message

    def test_account_manager_passes_record_security(self) -> None:
        """The account's manager may edit an account above their clearance."""
        before = make(
            marketing=Marketing(security_level=60), relations=Relations(account_manager="bob")
        )
        after = attrs.evolve(before, name="Other")
        assert edit_problems(before, after, Principal(user_id="bob"), Policy()) == []


class TestChangedFields:
    def test_nothing_changed(self) -> None:
        """Equal accounts have no changed fields."""
        assert changed_fields(RATED, make(marketing=Marketing(rating=2))) == frozenset()

    def test_nested_fields(self) -> None:
        """A change inside the address is named by its full path."""
        after = make(summary=Summary(address=attrs.evolve(ADDRESS, city="Utrecht")))
        assert changed_fields(make(), after) == {"summary.address.city"}

    def test_several_fields(self) -> None:
        """Every changed field is named, top-level and in sections alike."""
        after = attrs.evolve(
            RERATED, code="7", free_fields=FREE, financial=Financial(bank_accounts=BANK)
        )
        assert changed_fields(RATED, after) == {
            "code", "free_fields", "marketing.rating", "financial.bank_accounts",
        }  # fmt: skip

    def test_adding_a_contact_changes_only_its_filled_fields(self) -> None:
        """An absent contact reads as an empty one, so its flags do not count as edited."""
        assert changed_fields(make(), make(contact=Contact(first_name="Jan"))) == {
            "contact.first_name"
        }
        assert changed_fields(make(contact=Contact()), make()) == frozenset()

    def test_lifecycle_fields_are_not_card_fields(self) -> None:
        """A status or type change is not a card field change."""
        after = attrs.evolve(RATED, status=AccountStatus.BLOCKED, type=AccountType.LEAD, id="x")
        assert changed_fields(RATED, after) == frozenset()


RULES = st.builds(
    FieldRule,
    mandatory=st.booleans(),
    mode=st.sampled_from(FieldMode),
    right=st.sampled_from([None, 292, 608]),
).filter(lambda rule: not (rule.mandatory and rule.mode is FieldMode.HIDDEN))
LAYOUTS = st.dictionaries(st.sampled_from(HIDEABLE), RULES, max_size=8).map(CardLayout.build)
PRINCIPALS = st.builds(
    Principal,
    user_id=st.sampled_from(["ann", "bob"]),
    roles=st.frozensets(st.sampled_from(["Administrator", "Customer manager", "Controller"])),
    clearance=st.integers(0, 100),
)


class TestProperties:
    @settings(max_examples=60)
    @given(accounts(), st.sets(st.sampled_from(HIDEABLE)))
    def test_redacted_never_holds_a_hidden_field(self, account: Account, hidden: set[str]) -> None:
        """Whatever the layout hides is absent, and every other field present in to_dict stays."""
        policy = policy_with(dict.fromkeys(hidden, HIDDEN))
        full, shown = to_dict(account), redact(account, CLEARED, policy)
        for path in CARD_FIELDS:
            expected = path not in hidden and parent_present(full, path)
            assert has_path(shown, path) is expected, path

    @settings(max_examples=60)
    @given(accounts(), LAYOUTS, PRINCIPALS)
    def test_unchanged_account_has_no_edit_problems(
        self, account: Account, layout: CardLayout, principal: Principal
    ) -> None:
        """Saving an account unchanged is never refused, unless record security hides it."""
        problems = edit_problems(account, account, principal, Policy(layout=layout))
        if can_see(principal, account):
            assert problems == []
        else:
            assert [(p.path, p.code) for p in problems] == [((), "right_denied")]

    @settings(max_examples=60)
    @given(accounts())
    def test_renaming_changes_only_the_name(self, account: Account) -> None:
        """Appending to the name changes exactly the name field."""
        assert changed_fields(account, attrs.evolve(account, name=account.name + "x")) == {"name"}

    @settings(max_examples=60)
    @given(accounts(), accounts(), LAYOUTS)
    def test_problems_name_only_changed_fields(
        self, before: Account, after: Account, layout: CardLayout
    ) -> None:
        """Every edit problem sits on a changed card field or a changed lifecycle field."""
        changed = {steps(path) for path in changed_fields(before, after)}
        changed |= {(f,) for f in LIFECYCLE if getattr(before, f) != getattr(after, f)}
        for problem in edit_problems(before, after, CLEARED, Policy(layout=layout)):
            assert problem.path in changed
