"""Merge plans against docs/rules.md#merging: nothing dropped silently, every refusal at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import Any

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from accountcore import (
    IBAN,
    Account,
    AccountType,
    Address,
    BankAccount,
    ChamberOfCommerceNumber,
    Contact,
    Financial,
    FreeField,
    FreeFieldKind,
    Marketing,
    Relations,
    Summary,
    ValidationError,
    VATNumber,
    check_account,
    from_dict,
    to_dict,
)
from accountcore.duplicates import (
    AccountsMerged,
    DuplicateReport,
    MergeOutcome,
    MergePlan,
    apply_merge,
    plan_merge,
    run_deduplication,
)
from accountcore.errors import CODES, ActionRefused
from accountcore.identifiers import BIC, DUNS, Identifier
from accountcore.rights import FunctionRight, Policy, Principal, Settings
from accountcore.testing import accounts
from accountcore.workflows import edit_fields

ON = date(2024, 6, 1)
AT = datetime(2024, 6, 1, 10, tzinfo=timezone.utc)
POLICY = Policy()
MANAGER = Principal(
    user_id="cm", roles=frozenset({"Customer manager", "Reseller manager"}), clearance=100
)
CUSTOMER_MANAGER = Principal(user_id="cm", roles=frozenset({"Customer manager"}), clearance=100)
RESELLER_MANAGER = Principal(user_id="rm", roles=frozenset({"Reseller manager"}), clearance=100)
ADMINISTRATOR = Principal(user_id="adm", roles=frozenset({"Administrator"}), clearance=100)
NOBODY = Principal(user_id="nobody", clearance=100)

#: The codes this package adds; they must be listed in accountcore.errors.CODES.
NEW_CODES = (
    "excluded_from_merging",
    "already_merged",
    "type_mismatch",
    "merge_conflicts",
    "plan_stale",
)

DAMRAK = Address(line1="Damrak 1", postcode="1012 LG", city="Amsterdam", country="NL")
VAT_A = VATNumber.parse("NL004495445B01")
VAT_B = VATNumber.parse("DE136695976")
IBAN_A = IBAN.parse("NL91ABNA0417164300")
IBAN_B = IBAN.parse("DE89370400440532013000")


def make(id: str, *, code: str | None = None, name: str = "Acme", **changes: Any) -> Account:
    """A valid Customer account with ``changes`` applied to its top-level fields."""
    base = Account.new(
        id=id, code=code or id, name=name, type=AccountType.CUSTOMER, address=DAMRAK, on=ON
    )
    return attrs.evolve(base, **changes)


def summary(**fields: object) -> Summary:
    return Summary(address=DAMRAK, **fields)  # type: ignore[arg-type]


def store(*items: Account) -> dict[str, Account]:
    return {str(account.id): account for account in items}


def codes(error: pytest.ExceptionInfo[ValidationError]) -> set[tuple[str, str]]:
    return {(p.location, p.code) for p in error.value.problems}


def ready(survivor: Account, others: list[Account]) -> MergePlan:
    """Plan the merge, resolving every conflict in the survivor's favour."""
    plan = plan_merge(survivor, others)
    choices = {conflict.path: str(survivor.id) for conflict in plan.conflicts}
    return plan_merge(survivor, others, choices=choices)


# --- table tests --------------------------------------------------------------------------------


class TestWinners:
    def test_survivor_value_wins_when_others_agree_or_are_empty(self) -> None:
        """A field the others leave empty or repeat keeps the survivor's value, no conflict."""
        a = make("a", summary=summary(email="info@acme.nl"))
        b = make("b", summary=summary(email="info@acme.nl"))
        c = make("c")
        plan = plan_merge(a, [b, c])
        assert plan.result.summary.email == "info@acme.nl"
        assert plan.winners["summary.email"] == "a"
        assert plan.conflicts == () and plan.dropped == () and plan.is_ready

    def test_the_single_non_empty_value_of_another_wins(self) -> None:
        """An empty survivor field takes the one value another account holds."""
        a = make("a")
        b = make("b", summary=summary(phone="+31 20 555 0100"), remarks="Pays late")
        plan = plan_merge(a, [b])
        assert plan.result.summary.phone == "+31 20 555 0100"
        assert plan.result.remarks == "Pays late"
        assert plan.winners["summary.phone"] == plan.winners["remarks"] == "b"

    def test_a_default_counts_as_empty(self) -> None:
        """A value equal to the field's default (security level 0, one copy) is not a value."""
        a = make("a")
        b = make(
            "b",
            marketing=Marketing(security_level=40),
            financial=Financial(invoice_copies=3, back_order=True),
        )
        result = plan_merge(a, [b]).result
        assert result.marketing.security_level == 40
        assert (result.financial.invoice_copies, result.financial.back_order) == (3, True)

    def test_lifecycle_fields_are_the_survivors(self) -> None:
        """Id, code, type, status and their dates never come from another account."""
        a = make("a", code="1001")
        b = make("b", code="1002", type_since=date(2020, 1, 1), status_since=date(2020, 1, 1))
        result = plan_merge(a, [b]).result
        assert (result.id, result.code, result.type_since, result.replaced_by) == (
            "a",
            "1001",
            ON,
            None,
        )


class TestConflicts:
    def test_two_different_values_are_a_conflict(self) -> None:
        """Two different non-empty values need a choice; the preview keeps the survivor's."""
        a = make("a", summary=summary(email="info@acme.nl"))
        b = make("b", summary=summary(email="sales@acme.nl"))
        plan = plan_merge(a, [b])
        (conflict,) = plan.conflicts
        assert conflict.path == "summary.email"
        assert dict(conflict.values_by_account) == {"a": "info@acme.nl", "b": "sales@acme.nl"}
        assert not plan.is_ready
        assert "summary.email" not in plan.winners
        assert plan.result.summary.email == "info@acme.nl"

    @pytest.mark.parametrize(
        ("chosen", "email", "dropped"),
        [("a", "info@acme.nl", "b"), ("b", "sales@acme.nl", "a")],
    )
    def test_a_choice_resolves_the_conflict(self, chosen: str, email: str, dropped: str) -> None:
        """The chosen account's value wins; the other value is listed as dropped."""
        a = make("a", summary=summary(email="info@acme.nl"))
        b = make("b", summary=summary(email="sales@acme.nl"))
        plan = plan_merge(a, [b], choices={"summary.email": chosen})
        assert plan.is_ready and plan.result.summary.email == email
        assert plan.winners["summary.email"] == chosen
        assert [(d.path, d.account_id) for d in plan.dropped] == [("summary.email", dropped)]

    def test_an_empty_value_may_be_chosen(self) -> None:
        """Choosing an account with no value clears the field and drops the others' values."""
        a = make("a")
        b = make("b", summary=summary(fax="+31 20 555 0199"))
        plan = plan_merge(a, [b], choices={"summary.fax": "a"})
        assert plan.result.summary.fax is None
        assert [(d.path, d.account_id) for d in plan.dropped] == [("summary.fax", "b")]

    def test_address_and_contact_are_decided_whole(self) -> None:
        """One company's street never meets another's city: address and contact are units."""
        other = Address(line1="Kalverstraat 2", city="Amsterdam", country="NL")
        a = make("a", contact=Contact(last_name="de Vries"))
        b = make(
            "b",
            summary=Summary(address=other),
            contact=Contact(first_name="Jan", last_name="Smit").with_email("jan@smit.nl"),
        )
        plan = plan_merge(a, [b])
        assert {c.path for c in plan.conflicts} == {"summary.address", "contact"}
        chosen = plan_merge(a, [b], choices={"summary.address": "b", "contact": "a"})
        assert chosen.result.summary.address == other
        assert chosen.result.contact == Contact(last_name="de Vries")
        shown = {(d.path, d.account_id): d.shown for d in chosen.dropped}
        assert shown == {
            ("summary.address", "a"): "Damrak 1, 1012 LG, Amsterdam, NL",
            ("contact", "b"): "Jan Smit <jan@smit.nl>",
        }

    def test_a_subsector_follows_its_sector(self) -> None:
        """A subsector of a sector the merged account does not take is dropped."""
        a = make("a", marketing=Marketing(sector="retail"))
        b = make("b", marketing=Marketing(sector="it", subsector="software"))
        plan = plan_merge(a, [b], choices={"marketing.sector": "a"})
        assert (plan.result.marketing.sector, plan.result.marketing.subsector) == ("retail", None)
        assert {(d.path, d.account_id) for d in plan.dropped} == {
            ("marketing.sector", "b"),
            ("marketing.subsector", "b"),
        }
        check_account(plan.result)

    def test_a_relation_into_the_merge_is_dropped(self) -> None:
        """A parent or reseller naming an account of the merge would name the survivor."""
        a = make("a", code="1001", relations=Relations(parent="2002"))
        b = make("b", code="2002", relations=Relations(parent="1001", reseller="9000"))
        plan = plan_merge(a, [b])
        assert plan.result.relations == Relations(parent=None, reseller="9000")
        assert plan.conflicts == ()
        assert {(d.path, d.account_id) for d in plan.dropped} == {
            ("relations.parent", "a"),
            ("relations.parent", "b"),
        }
        check_account(plan.result)


class TestClashes:
    def test_different_vat_numbers_clash_and_conflict(self) -> None:
        """Two VAT numbers are a clash and a conflict; both are masked wherever shown."""
        a = make("a", financial=Financial(vat_number=VAT_A))
        b = make("b", financial=Financial(vat_number=VAT_B))
        plan = plan_merge(a, [b])
        (clash,) = plan.clashes
        assert clash.path == "financial.vat_number"
        assert [c.path for c in plan.conflicts] == ["financial.vat_number"]
        assert dict(clash.values_by_account) == {"a": "**********5B01", "b": "*******5976"}
        for text in (repr(plan), str(plan.conflicts), str(plan.dropped)):
            assert VAT_A.compact not in text and VAT_B.compact not in text

    def test_a_clash_stays_listed_after_a_choice(self) -> None:
        """Choosing resolves the conflict; the clash is still reported as a warning."""
        a = make("a", financial=Financial(vat_number=VAT_A))
        b = make("b", financial=Financial(vat_number=VAT_B))
        plan = plan_merge(a, [b], choices={"financial.vat_number": "a"})
        assert plan.is_ready and [c.path for c in plan.clashes] == ["financial.vat_number"]
        assert [(d.path, d.account_id, d.shown) for d in plan.dropped] == [
            ("financial.vat_number", "b", "*******5976")
        ]

    def test_the_same_identifier_does_not_clash(self) -> None:
        """Equal identifiers (compared by compact form) neither clash nor conflict."""
        coc = ChamberOfCommerceNumber.parse("34174562", "NL")
        a = make("a", marketing=Marketing(coc_number=coc, duns_number=DUNS.parse("001234567")))
        b = make("b", marketing=Marketing(coc_number=ChamberOfCommerceNumber.unchecked("34174562")))
        plan = plan_merge(a, [b])
        assert plan.clashes == () and plan.conflicts == () and plan.dropped == ()

    def test_an_identifier_the_merged_country_rejects_is_dropped(self) -> None:
        """A Chamber of Commerce number read for another country cannot stand; it is listed."""
        berlin = Address(line1="Unter den Linden 1", city="Berlin", country="DE")
        coc = ChamberOfCommerceNumber.parse("Aachen HRA 11223", "DE")
        a = make("a")
        b = make("b", summary=Summary(address=berlin), marketing=Marketing(coc_number=coc))
        plan = plan_merge(a, [b], choices={"summary.address": "a"})
        assert plan.result.marketing.coc_number is None
        assert ("marketing.coc_number", "b") in {(d.path, d.account_id) for d in plan.dropped}
        from_dict(to_dict(plan.result))


class TestBankAccounts:
    def test_union_deduplicated_by_iban_keeping_the_survivors_main(self) -> None:
        """Bank accounts are united, one per IBAN; only the survivor's main stays main."""
        a = make("a", financial=Financial(bank_accounts=(BankAccount(iban=IBAN_A, main=True),)))
        b = make(
            "b",
            financial=Financial(
                bank_accounts=(
                    BankAccount(iban=IBAN_B, main=True),
                    BankAccount(iban=IBAN_A, holder_name="Acme", bic=BIC.parse("ABNANL2A")),
                )
            ),
        )
        plan = plan_merge(a, [b])
        banks = plan.result.financial.bank_accounts
        assert [(bank.iban, bank.main) for bank in banks] == [(IBAN_A, True), (IBAN_B, False)]
        assert (banks[0].holder_name, banks[0].bic) == ("Acme", BIC.parse("ABNANL2A"))
        assert [(d.path, d.account_id, d.shown) for d in plan.dropped] == [
            ("financial.bank_accounts.0.main", "b", "True")
        ]
        assert plan.conflicts == () and "financial.bank_accounts" not in plan.winners
        check_account(plan.result)

    def test_accounts_without_iban_are_matched_by_number(self) -> None:
        """Without an IBAN, the number (spaces and case aside) identifies a bank account."""
        a = make(
            "a", financial=Financial(bank_accounts=(BankAccount(number="12 34 56", main=True),))
        )
        b = make("b", financial=Financial(bank_accounts=(BankAccount(number="123456", main=True),)))
        banks = plan_merge(a, [b]).result.financial.bank_accounts
        assert [(bank.number, bank.main) for bank in banks] == [("12 34 56", True)]

    def test_a_dropped_bank_number_is_shown_masked(self) -> None:
        """A dropped number of an IBAN-type bank account is the IBAN: the plan masks it."""
        kept = BankAccount(iban=IBAN_A, type="IBAN", number=IBAN_A.compact, main=True)
        typed = BankAccount(iban=IBAN_A, type="IBAN", number="NL91 ABNA 0417 1643 00", main=True)
        a = make("a", financial=Financial(bank_accounts=(kept,)))
        b = make("b", financial=Financial(bank_accounts=(typed,)))
        plan = plan_merge(a, [b])
        (dropped,) = [d for d in plan.dropped if d.path.endswith(".number")]
        assert dropped.shown.endswith("3 00") and "0417" not in dropped.shown
        assert "0417" not in repr(plan)

    def test_the_first_main_wins_when_the_survivor_has_none(self) -> None:
        """A survivor without bank accounts takes the first other's main as its main."""
        b = make("b", financial=Financial(bank_accounts=(BankAccount(iban=IBAN_B, main=True),)))
        c = make("c", financial=Financial(bank_accounts=(BankAccount(iban=IBAN_A, main=True),)))
        banks = plan_merge(make("a"), [b, c]).result.financial.bank_accounts
        assert [(bank.iban, bank.main) for bank in banks] == [(IBAN_B, True), (IBAN_A, False)]

    def test_an_iban_is_never_shown_in_full(self) -> None:
        """A dropped IBAN detail is masked in the plan."""
        a = make("a", financial=Financial(bank_accounts=(BankAccount(iban=IBAN_A, main=True),)))
        b = make("b", financial=Financial(bank_accounts=(BankAccount(iban=IBAN_A, main=True),)))
        assert IBAN_A.compact not in repr(plan_merge(a, [b]))


class TestFreeFields:
    def test_free_fields_are_merged_by_name(self) -> None:
        """Free fields match by name (case and spaces aside); new names are added."""
        text = FreeFieldKind.TEXT
        a = make("a", free_fields=(FreeField(name="Segment", kind=text, value="retail"),))
        b = make(
            "b",
            free_fields=(
                FreeField(name="segment ", kind=text, value="retail"),
                FreeField(name="region", kind=text, value="north"),
            ),
        )
        plan = plan_merge(a, [b])
        assert [(f.name, f.value) for f in plan.result.free_fields] == [
            ("Segment", "retail"),
            ("region", "north"),
        ]
        assert plan.winners["free_fields.Segment"] == "a"
        assert plan.winners["free_fields.region"] == "b"

    def test_different_free_field_values_conflict_until_chosen(self) -> None:
        """A free field with two values is a conflict, chosen by ``free_fields.<name>``."""
        amount = FreeFieldKind.AMOUNT
        a = make("a", free_fields=(FreeField(name="credit", kind=amount, value=None),))
        b = make("b", free_fields=(FreeField(name="Credit", kind=FreeFieldKind.TEXT, value="x"),))
        c = make("c", free_fields=(FreeField(name="credit", kind=FreeFieldKind.TEXT, value="y"),))
        plan = plan_merge(a, [b, c])
        assert [conflict.path for conflict in plan.conflicts] == ["free_fields.credit"]
        chosen = plan_merge(a, [b, c], choices={"free_fields.CREDIT": "c"})
        assert [(f.name, f.value) for f in chosen.result.free_fields] == [("credit", "y")]
        assert [(d.path, d.account_id) for d in chosen.dropped] == [("free_fields.credit", "b")]


class TestPlanRefusals:
    def test_every_problem_is_reported_at_once(self) -> None:
        """Exclusion, a repeated id, a missing id, a merged account, a type and bad choices."""
        a = make("a")
        supplier = attrs.evolve(make("s"), type=AccountType.SUPPLIER)
        excluded = make("x", marketing=Marketing(exclude_from_merging=True))
        merged = make("m", replaced_by="z")
        with pytest.raises(ValidationError) as error:
            plan_merge(
                a,
                [excluded, a, attrs.evolve(make("n"), id=None), merged, supplier],
                choices={"summary.colour": "a", "name": "q"},
            )
        assert codes(error) == {
            ("$.others[0].marketing.exclude_from_merging", "excluded_from_merging"),
            ("$.others[1].id", "duplicate"),
            ("$.others[2].id", "required"),
            ("$.others[3].replaced_by", "already_merged"),
            ("$.others[4].type", "type_mismatch"),
            ("$.choices.summary.colour", "invalid_choice"),
            ("$.choices.name", "invalid_choice"),
        }

    def test_a_merge_needs_another_account(self) -> None:
        """Merging nothing into the survivor is refused."""
        with pytest.raises(ValidationError) as error:
            plan_merge(make("a"), [])
        assert codes(error) == {("$.others", "required")}

    def test_an_excluded_or_merged_survivor_is_refused(self) -> None:
        """The survivor itself may not be excluded from merging or already replaced."""
        survivor = make("a", marketing=Marketing(exclude_from_merging=True), replaced_by="z")
        with pytest.raises(ValidationError) as error:
            plan_merge(survivor, [make("b")])
        assert codes(error) == {
            ("$.survivor.marketing.exclude_from_merging", "excluded_from_merging"),
            ("$.survivor.replaced_by", "already_merged"),
        }

    def test_a_bank_account_list_cannot_be_chosen(self) -> None:
        """Bank accounts are always united, so there is no choice to make."""
        with pytest.raises(ValidationError) as error:
            plan_merge(make("a"), [make("b")], choices={"financial.bank_accounts": "a"})
        assert codes(error) == {("$.choices.financial.bank_accounts", "invalid_choice")}


class TestApply:
    def test_a_ready_plan_gives_survivor_replaced_accounts_and_event(self) -> None:
        """The survivor is the preview; the others point at it and keep their status."""
        a = make("a")
        b = make("b", summary=summary(phone="+31 20 555 0100"))
        plan = plan_merge(a, [b])
        outcome = apply_merge(plan, current=store(a, b), by=MANAGER, policy=POLICY, on=ON, at=AT)
        assert isinstance(outcome, MergeOutcome)
        assert outcome.survivor == plan.result
        assert outcome.replaced == (attrs.evolve(b, replaced_by="a"),)
        assert outcome.event == AccountsMerged(
            survivor_id="a", replaced_ids=("b",), on=ON, at=AT, actor="cm", right=273
        )
        assert [d.right for d in outcome.decisions] == [FunctionRight(273)] * 2

    def test_every_reason_is_reported_at_once(self) -> None:
        """Conflicts, denials, staleness and a naive instant come back in one error."""
        a = make("a", summary=summary(email="info@acme.nl"))
        b = make("b", summary=summary(email="sales@acme.nl"))
        plan = plan_merge(a, [b])
        changed = attrs.evolve(b, remarks="edited")
        with pytest.raises(ActionRefused) as error:
            apply_merge(
                plan,
                current={"b": changed},
                by=NOBODY,
                policy=POLICY,
                on=ON,
                at=datetime(2024, 6, 1),
            )
        assert codes(error) == {
            ("$.choices.summary.email", "merge_conflicts"),
            ("$.survivor", "right_denied"),
            ("$.others[0]", "right_denied"),
            ("$.survivor", "plan_stale"),
            ("$.others[0]", "plan_stale"),
            ("$.at", "naive_datetime"),
        }
        assert [d.right for d in error.value.decisions] == [FunctionRight(273)]

    def test_resellers_need_right_274(self) -> None:
        """Merging Reseller accounts needs right 274; 273 alone is refused."""
        a = attrs.evolve(make("a"), type=AccountType.RESELLER)
        b = attrs.evolve(make("b"), type=AccountType.RESELLER)
        plan = plan_merge(a, [b])
        with pytest.raises(ActionRefused) as error:
            apply_merge(plan, current=store(a, b), by=CUSTOMER_MANAGER, policy=POLICY, on=ON, at=AT)
        assert {p.code for p in error.value.problems} == {"right_denied"}
        assert [d.right for d in error.value.decisions] == [FunctionRight(274)]
        outcome = apply_merge(
            plan, current=store(a, b), by=RESELLER_MANAGER, policy=POLICY, on=ON, at=AT
        )
        assert outcome.event.right == 274

    def test_no_right_recorded_when_roles_are_not_checked(self) -> None:
        """With Security: Check - Roles off, the merge event records no function right."""
        a, b = make("a"), make("b")
        policy = Policy(settings=Settings(check_roles=False))
        outcome = apply_merge(
            plan_merge(a, [b]), current=store(a, b), by=NOBODY, policy=policy, on=ON, at=AT
        )
        assert outcome.event.right is None

    def test_record_security_applies_to_every_account(self) -> None:
        """An account above the user's clearance refuses the merge."""
        a = make("a")
        b = make("b", marketing=Marketing(security_level=90))
        user = attrs.evolve(CUSTOMER_MANAGER, clearance=50)
        plan = plan_merge(a, [b])
        with pytest.raises(ActionRefused) as error:
            apply_merge(plan, current=store(a, b), by=user, policy=POLICY, on=ON, at=AT)
        assert codes(error) == {("$.others[0]", "right_denied")}


class TestRunDeduplication:
    def test_needs_right_608(self) -> None:
        """A user without right 608 is refused with the decision attached."""
        with pytest.raises(ActionRefused) as error:
            run_deduplication([make("a")], by=CUSTOMER_MANAGER, policy=POLICY)
        assert codes(error) == {("$", "right_denied")}
        assert [d.right for d in error.value.decisions] == [FunctionRight(608)]

    def test_an_administrator_gets_the_report(self) -> None:
        """With right 608 the run returns find_duplicates' report."""
        report = run_deduplication(
            [make("a"), make("b"), make("c", name="Other")], by=ADMINISTRATOR, policy=POLICY
        )
        assert isinstance(report, DuplicateReport)
        assert [group.account_ids for group in report.groups] == [("a", "b")]


class TestReplacedBy:
    def test_round_trips_and_is_null_when_absent(self) -> None:
        """replaced_by is written as null when absent and read back as written."""
        assert to_dict(make("a"))["replaced_by"] is None
        merged = make("a", replaced_by="b")
        data = to_dict(merged)
        assert data["replaced_by"] == "b"
        assert from_dict(data) == merged

    def test_blank_reads_as_absent(self) -> None:
        """Blank text in the record reads as no replacement, as for every optional text."""
        assert from_dict({**to_dict(make("a")), "replaced_by": "  "}).replaced_by is None

    def test_blank_and_self_are_refused(self) -> None:
        """A blank replacement and an account replaced by itself break the card's rules."""
        with pytest.raises(ValidationError) as error:
            check_account(make("a", replaced_by=" "))
        assert codes(error) == {("$.replaced_by", "required")}
        with pytest.raises(ValidationError) as error:
            from_dict({**to_dict(make("a")), "replaced_by": "a"})
        assert codes(error) == {("$.replaced_by", "self_reference")}

    def test_is_never_edited_on_the_card(self) -> None:
        """replaced_by changes only through merges."""
        with pytest.raises(ActionRefused) as error:
            edit_fields(make("a"), {"replaced_by": "b"}, by=MANAGER, policy=POLICY)
        assert codes(error) == {("$.replaced_by", "field_read_only")}

    # replaced_by is one line of text: no control character (docs/validation.md#one-line).
    @given(
        accounts(),
        st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12).filter(
            str.strip
        ),
    )
    def test_round_trips_any_account(self, account: Account, replaced_by: str) -> None:
        """Any account with a replacement comes back unchanged from its record."""
        assume(replaced_by != account.id)
        merged = attrs.evolve(account, replaced_by=replaced_by)
        assert from_dict(to_dict(merged)) == merged


class TestCodes:
    @pytest.mark.parametrize("code", NEW_CODES)
    def test_new_codes_are_listed(self, code: str) -> None:
        """The code appears in accountcore.errors.CODES (and so in docs/errors.md)."""
        assert code in CODES


# --- properties ---------------------------------------------------------------------------------

_LIFECYCLE = frozenset(
    {"id", "code", "type", "type_since", "status", "status_since", "replaced_by"}
)
_COPYABLE = ("summary", "contact", "marketing", "financial", "free_fields", "remarks")


@st.composite
def merge_groups(draw: st.DrawFn) -> tuple[Account, list[Account]]:
    """A survivor and one to three others, of its type, with distinct ids, none excluded.

    Others often copy some of the survivor's sections, so values agree, clash and repeat.
    """
    survivor = _mergeable(draw(accounts()), "acc-0", None)
    others = []
    for i in range(1, draw(st.integers(1, 3)) + 1):
        other = _mergeable(draw(accounts()), f"acc-{i}", survivor.type)
        copied = draw(st.sets(st.sampled_from(_COPYABLE)))
        other = attrs.evolve(other, **{name: getattr(survivor, name) for name in copied})
        others.append(_mergeable(other, f"acc-{i}", survivor.type))
    return survivor, others


def _mergeable(account: Account, id: str, type: AccountType | None) -> Account:
    marketing = attrs.evolve(account.marketing, exclude_from_merging=False)
    return attrs.evolve(account, id=id, type=type or account.type, marketing=marketing)


def _same(a: object, b: object) -> bool:
    if isinstance(a, Identifier) or isinstance(b, Identifier):
        return str(a) == str(b)
    return a == b


def _empty(value: object, default: object) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    return default is not attrs.NOTHING and value == default


def _leaves(obj: attrs.AttrsInstance, prefix: str) -> Iterator[tuple[str, object]]:
    """Every non-empty leaf of an attrs value, by dotted path."""
    for field in attrs.fields(type(obj)):
        value = getattr(obj, field.name)
        path = f"{prefix}{field.name}"
        if attrs.has(type(value)) and not isinstance(value, Identifier):
            yield from _leaves(value, path + ".")
        elif not _empty(value, field.default):
            yield path, value


def _account_leaves(account: Account) -> Iterator[tuple[str, object]]:
    for field in attrs.fields(Account):
        value = getattr(account, field.name)
        if field.name in _LIFECYCLE or field.name == "free_fields":
            continue
        if field.name == "financial":
            yield from _leaves(attrs.evolve(value, bank_accounts=()), "financial.")
        elif attrs.has(type(value)):
            yield from _leaves(value, field.name + ".")
        elif value is not None and not _empty(value, field.default):
            yield field.name, value
    for free in account.free_fields:
        if not _empty(free.value, None):
            yield "free_fields." + free.name.strip().casefold(), (free.kind, free.value)


def _read(account: Account, path: str) -> object:
    if path.startswith("free_fields."):
        name = path.removeprefix("free_fields.")
        found = [f for f in account.free_fields if f.name.strip().casefold() == name]
        return (found[0].kind, found[0].value) if found else None
    value: object = account
    for step in path.split("."):
        value = getattr(value, step, None)
    return value


def _bank_key(bank: BankAccount) -> object:
    number = "".join((bank.number or "").split()).upper()
    return str(bank.iban) if bank.iban else number or attrs.evolve(bank, main=False)


def _is_dropped(plan: MergePlan, account_id: str, path: str) -> bool:
    for dropped in plan.dropped:
        where = dropped.path
        if where.startswith("free_fields."):
            where = "free_fields." + where.removeprefix("free_fields.").strip().casefold()
        if dropped.account_id == account_id and (path == where or path.startswith(where + ".")):
            return True
    return False


class TestMergeProperties:
    @given(merge_groups(), st.data())
    def test_no_value_is_dropped_silently(
        self, group: tuple[Account, list[Account]], data: st.DataObject
    ) -> None:
        """Every non-empty value of every account is in the result or listed as dropped."""
        survivor, others = group
        plan = plan_merge(survivor, others)
        if plan.conflicts:
            ids = [str(a.id) for a in (survivor, *others)]
            choices = {c.path: data.draw(st.sampled_from(ids)) for c in plan.conflicts}
            plan = plan_merge(survivor, others, choices=choices)
        for account in (survivor, *others):
            for path, value in _account_leaves(account):
                kept = _same(_read(plan.result, path), value)
                assert kept or _is_dropped(plan, str(account.id), path), (account.id, path)
            for index, bank in enumerate(account.financial.bank_accounts):
                matches = [
                    b
                    for b in plan.result.financial.bank_accounts
                    if _bank_key(b) == _bank_key(bank)
                ]
                for path, value in _leaves(bank, f"financial.bank_accounts.{index}."):
                    name = path.rsplit(".", 1)[1]
                    kept = any(_same(getattr(b, name), value) for b in matches)
                    assert kept or _is_dropped(plan, str(account.id), path), (account.id, path)

    @given(merge_groups())
    def test_the_result_is_a_valid_account(self, group: tuple[Account, list[Account]]) -> None:
        """A ready plan's result passes the card's rules and its record reads back."""
        survivor, others = group
        plan = ready(survivor, others)
        assert plan.is_ready
        check_account(plan.result)
        from_dict(to_dict(plan.result))

    @given(merge_groups())
    def test_tax_numbers_and_ibans_never_appear_in_full(
        self, group: tuple[Account, list[Account]]
    ) -> None:
        """The plan's repr, conflicts, clashes and dropped values mask VAT numbers and IBANs."""
        survivor, others = group
        plan = plan_merge(survivor, others)
        shown = repr(plan)
        for account in (survivor, *others):
            secrets: list[Identifier | None] = [account.financial.vat_number]
            secrets.append(account.marketing.coc_number)
            secrets += [bank.iban for bank in account.financial.bank_accounts]
            for secret in secrets:
                if secret is not None and len(secret.compact) >= 8:
                    assert secret.compact not in shown

    @given(merge_groups(), st.data())
    def test_excluded_accounts_are_always_refused(
        self, group: tuple[Account, list[Account]], data: st.DataObject
    ) -> None:
        """An account flagged exclude-from-merging, survivor or other, refuses the plan."""
        survivor, others = group
        members = [survivor, *others]
        index = data.draw(st.integers(0, len(others)))
        flagged = members[index]
        members[index] = attrs.evolve(
            flagged, marketing=attrs.evolve(flagged.marketing, exclude_from_merging=True)
        )
        with pytest.raises(ValidationError) as error:
            plan_merge(members[0], members[1:])
        where = ("survivor",) if index == 0 else ("others", index - 1)
        assert (
            (*where, "marketing", "exclude_from_merging"),
            "excluded_from_merging",
        ) in {(p.path, p.code) for p in error.value.problems}

    @given(merge_groups())
    def test_a_plan_with_conflicts_cannot_be_applied(
        self, group: tuple[Account, list[Account]]
    ) -> None:
        """Unresolved conflicts refuse the merge, one merge_conflicts problem per field."""
        survivor, others = group
        others[0] = attrs.evolve(others[0], name=survivor.name + " (2)")
        plan = plan_merge(survivor, others)
        assert not plan.is_ready
        current = store(survivor, *others)
        with pytest.raises(ActionRefused) as error:
            apply_merge(plan, current=current, by=MANAGER, policy=POLICY, on=ON, at=AT)
        refused = {p.path for p in error.value.problems if p.code == "merge_conflicts"}
        assert refused == {("choices", conflict.path) for conflict in plan.conflicts}

    @given(merge_groups())
    def test_applying_a_plan_twice_is_refused(self, group: tuple[Account, list[Account]]) -> None:
        """Once the host stores an outcome, the same plan is refused: already merged."""
        survivor, others = group
        plan = ready(survivor, others)
        current = store(survivor, *others)
        outcome = apply_merge(plan, current=current, by=MANAGER, policy=POLICY, on=ON, at=AT)
        assert {r.replaced_by for r in outcome.replaced} == {survivor.id}
        assert [r.status for r in outcome.replaced] == [o.status for o in others]
        current.update(store(outcome.survivor, *outcome.replaced))
        with pytest.raises(ActionRefused) as error:
            apply_merge(plan, current=current, by=MANAGER, policy=POLICY, on=ON, at=AT)
        found = {p.code for p in error.value.problems}
        assert "already_merged" in found and found <= {"already_merged", "plan_stale"}

    @given(merge_groups())
    def test_a_user_without_the_merge_right_is_refused(
        self, group: tuple[Account, list[Account]]
    ) -> None:
        """Without 273 (or 274 for resellers) every account of the merge is denied."""
        survivor, others = group
        plan = ready(survivor, others)
        current = store(survivor, *others)
        with pytest.raises(ActionRefused) as error:
            apply_merge(plan, current=current, by=NOBODY, policy=POLICY, on=ON, at=AT)
        assert {p.path for p in error.value.problems if p.code == "right_denied"} == {
            ("survivor",),
            *(("others", i) for i in range(len(others))),
        }
        needed = 274 if survivor.type is AccountType.RESELLER else 273
        assert [int(d.right or 0) for d in error.value.decisions] == [needed]
