"""One call per user action: every reason to refuse comes back in one error."""

from __future__ import annotations

from datetime import date, datetime, timezone

import attrs
import pytest
from _samples import record
from hypothesis import given, settings
from hypothesis import strategies as st

from accountcore import Account, AccountStatus, AccountType, from_dict
from accountcore.errors import CODES, ActionRefused
from accountcore.rights import (
    CARD_FIELDS,
    AccountDefaults,
    CardLayout,
    FieldMode,
    FieldRule,
    Policy,
    Principal,
    Settings,
)
from accountcore.testing import json_values
from accountcore.validation import DirectoryEntry
from accountcore.workflows import (
    change_status,
    change_type,
    create_account,
    delete_account,
    edit_fields,
)

ON = date(2024, 6, 1)
AT = datetime(2024, 6, 1, 10, tzinfo=timezone.utc)
CUSTOMER_MANAGER = Principal(user_id="cm", roles=frozenset({"Customer manager"}), clearance=50)
RESELLER_MANAGER = Principal(user_id="rm", roles=frozenset({"Reseller manager"}), clearance=50)
CONTROLLER = Principal(user_id="ctl", roles=frozenset({"Controller"}), clearance=50)
NOBODY = Principal(user_id="nobody", clearance=50)


def new_record(**changes: object) -> dict[str, object]:
    data = record(**changes)
    for key in ("id", "status", "type_since", "status_since"):
        data.pop(key)
    data["relations"] = {"account_manager": "mvd"}
    return data


def refused(error: pytest.ExceptionInfo[ActionRefused]) -> set[tuple[str, str]]:
    return {(p.location, p.code) for p in error.value.problems}


class Contracts:
    def __init__(self, *codes: str) -> None:
        self.codes = set(codes)

    def has_contract(self, account: Account) -> bool:
        return account.code in self.codes


class Directory:
    def __init__(self, **entries: DirectoryEntry) -> None:
        self.entries = entries

    def lookup(self, code: str) -> DirectoryEntry | None:
        return self.entries.get(f"c{code.strip()}")


class TestCreate:
    def test_creates_an_active_account_from_the_date(self) -> None:
        """A record without lifecycle fields becomes an Active account from the given date."""
        outcome = create_account(new_record(), by=NOBODY, policy=Policy(), on=ON)
        account = outcome.account
        assert (account.status, account.type_since, account.status_since) == (
            AccountStatus.ACTIVE,
            ON,
            ON,
        )
        assert [d.rule for d in outcome.decisions] == ["no_right_needed"]
        assert {s.rule for s in outcome.skipped} >= {"code_taken"}

    def test_type_select_off_allows_only_not_validated(self) -> None:
        """With Type: Select off, a Customer is refused and a Not validated account is made."""
        policy = Policy(settings=Settings(type_select=False))
        with pytest.raises(ActionRefused) as caught:
            create_account(new_record(), by=CUSTOMER_MANAGER, policy=policy, on=ON)
        assert refused(caught) == {("$.type", "right_denied")}
        assert caught.value.decisions[0].rule == "type_select"
        outcome = create_account(new_record(type="N"), by=NOBODY, policy=policy, on=ON)
        assert outcome.account.type is AccountType.NOT_VALIDATED

    def test_every_reason_at_once(self) -> None:
        """A denial and broken fields are reported together."""
        policy = Policy(settings=Settings(type_select=False))
        data = new_record(name=" ")
        data["marketing"] = {"rating": 9}
        with pytest.raises(ActionRefused) as caught:
            create_account(data, by=NOBODY, policy=policy, on=ON)
        assert refused(caught) == {
            ("$.type", "right_denied"),
            ("$.name", "required"),
            ("$.marketing.rating", "out_of_range"),
        }

    def test_mandatory_contract(self) -> None:
        """With Mandatory: Contract, a Customer needs a contract the host's lookup shows."""
        policy = Policy(settings=Settings(mandatory_contract=True))
        for contracts, code in (
            (None, "contract_lookup_missing"),
            (Contracts(), "contract_required"),
        ):
            with pytest.raises(ActionRefused) as caught:
                create_account(new_record(), by=NOBODY, policy=policy, on=ON, contracts=contracts)
            assert refused(caught) == {("$.type", code)}
        outcome = create_account(
            new_record(), by=NOBODY, policy=policy, on=ON, contracts=Contracts("1001")
        )
        assert outcome.account.type is AccountType.CUSTOMER
        create_account(new_record(type="P"), by=NOBODY, policy=policy, on=ON)

    def test_account_defaults_fill_empty_marketing_fields(self) -> None:
        """Account: Defaults pre-fill empty marketing fields; the record's own values win."""
        defaults = AccountDefaults(classification="B", rating=4, source="web", sector="retail")
        policy = Policy(settings=Settings(defaults=defaults))
        data = new_record()
        data["marketing"] = {"rating": 2}
        marketing = create_account(data, by=NOBODY, policy=policy, on=ON).account.marketing
        assert (marketing.classification, marketing.rating, marketing.source) == ("B", 2, "web")

    def test_lifecycle_fields_of_a_new_account(self) -> None:
        """A new account cannot start Blocked or with other since-dates than its creation."""
        data = {**new_record(), "status": "B", "type_since": "2020-01-01"}
        with pytest.raises(ActionRefused) as caught:
            create_account(data, by=NOBODY, policy=Policy(), on=ON)
        assert refused(caught) == {
            ("$.status", "field_read_only"),
            ("$.type_since", "field_read_only"),
        }

    def test_layout_and_directory(self) -> None:
        """Mandatory layout fields and the host directory are checked on create."""
        layout = CardLayout.build({"summary.fax": FieldRule(mandatory=True)})
        directory = Directory(c1001=DirectoryEntry(id="other", type=AccountType.CUSTOMER))
        with pytest.raises(ActionRefused) as caught:
            create_account(
                new_record(), by=NOBODY, policy=Policy(layout=layout), on=ON, directory=directory
            )
        assert refused(caught) == {("$.summary.fax", "required"), ("$.code", "code_taken")}

    def test_not_a_record(self) -> None:
        """Anything but a mapping is refused cleanly."""
        with pytest.raises(ActionRefused):
            create_account(["x"], by=NOBODY, policy=Policy(), on=ON)  # type: ignore[arg-type]


def existing(**changes: object) -> Account:
    return attrs.evolve(from_dict(record()), **changes)


class TestEdit:
    def test_edits_fields_by_path(self) -> None:
        """Edits by dotted path with record values give the changed account."""
        outcome = edit_fields(
            existing(),
            {"marketing.rating": 5, "summary.address.city": "Utrecht", "remarks": None},
            by=NOBODY,
            policy=Policy(),
        )
        account = outcome.account
        assert account.marketing.rating == 5 and account.summary.address.city == "Utrecht"
        assert account.remarks is None

    def test_every_refusal_at_once(self) -> None:
        """Unknown paths, broken values, read-only, hidden and right-gated fields all come back."""
        layout = CardLayout.build(
            {
                "marketing.source": FieldRule(mode=FieldMode.SHOW),
                "marketing.size": FieldRule(mode=FieldMode.HIDDEN),
                "marketing.classification": FieldRule(right=319),
            }
        )
        edits = {
            "marketing.colour": "red",
            "marketing.rating": "5",
            "marketing.source": "web",
            "marketing.size": "L",
            "marketing.classification": "A",
        }
        with pytest.raises(ActionRefused) as caught:
            edit_fields(existing(), edits, by=NOBODY, policy=Policy(layout=layout))
        assert refused(caught) == {
            ("$.marketing", "unknown_field"),
            ("$.marketing.rating", "invalid_type"),
        }
        del edits["marketing.colour"], edits["marketing.rating"]
        with pytest.raises(ActionRefused) as caught:
            edit_fields(existing(), edits, by=NOBODY, policy=Policy(layout=layout))
        assert refused(caught) == {
            ("$.marketing.source", "field_read_only"),
            ("$.marketing.size", "field_hidden"),
            ("$.marketing.classification", "right_denied"),
        }

    def test_changed_email_keeps_the_permission(self) -> None:
        """Changing the contact's email marks it valid and keeps the opt-in as it was."""
        before = existing()
        assert before.contact is not None and not before.contact.email_permission
        after = edit_fields(
            before, {"contact.email": "new@acme-retail.nl"}, by=NOBODY, policy=Policy()
        ).account
        assert after.contact is not None
        assert after.contact.valid_email and not after.contact.email_permission


class TestStatusAndType:
    def test_status_change_records_actor_and_right(self) -> None:
        """A Customer manager blocks a customer; the event names the user and right 292."""
        outcome = change_status(
            existing(), AccountStatus.BLOCKED, by=CUSTOMER_MANAGER, policy=Policy(), on=ON, at=AT
        )
        (event,) = outcome.events
        assert outcome.account.status is AccountStatus.BLOCKED
        assert (event.actor, event.right) == ("cm", 292)

    def test_denial_and_illegal_move_together(self) -> None:
        """A Controller asking for an illegal move hears both reasons."""
        blocked = existing(status=AccountStatus.BLOCKED)
        with pytest.raises(ActionRefused) as caught:
            change_status(
                blocked, AccountStatus.PILOT, by=CONTROLLER, policy=Policy(), on=ON, at=AT
            )
        assert refused(caught) == {("$.status", "right_denied"), ("$.status", "invalid_transition")}
        assert caught.value.decisions[0].right == 292

    def test_record_security(self) -> None:
        """Below the account's security level nothing is allowed, unless one manages it."""
        secret = existing(marketing=attrs.evolve(existing().marketing, security_level=90))
        with pytest.raises(ActionRefused) as caught:
            change_status(
                secret, AccountStatus.INACTIVE, by=CUSTOMER_MANAGER, policy=Policy(), on=ON, at=AT
            )
        assert caught.value.decisions[0].rule == "record_security"
        manager = attrs.evolve(CUSTOMER_MANAGER, user_id="mvd")
        change_status(secret, AccountStatus.INACTIVE, by=manager, policy=Policy(), on=ON, at=AT)

    def test_validate_a_not_validated_account(self) -> None:
        """Validating needs 273, or 274 to make a Reseller."""
        lead = existing(type=AccountType.NOT_VALIDATED)
        outcome = change_type(
            lead, AccountType.LEAD, by=CUSTOMER_MANAGER, policy=Policy(), on=ON, at=AT
        )
        assert outcome.events[0].right == 273
        with pytest.raises(ActionRefused):
            change_type(
                lead, AccountType.RESELLER, by=CUSTOMER_MANAGER, policy=Policy(), on=ON, at=AT
            )
        outcome = change_type(
            lead, AccountType.RESELLER, by=RESELLER_MANAGER, policy=Policy(), on=ON, at=AT
        )
        assert outcome.events[0].right == 274

    def test_type_change_reasons(self) -> None:
        """A Pilot customer cannot become a Reseller; a contract is needed to become a Customer."""
        pilot = existing(status=AccountStatus.PILOT)
        with pytest.raises(ActionRefused) as caught:
            change_type(
                pilot, AccountType.RESELLER, by=RESELLER_MANAGER, policy=Policy(), on=ON, at=AT
            )
        assert refused(caught) == {("$.type", "invalid_type_change")}
        policy = Policy(settings=Settings(mandatory_contract=True))
        prospect = existing(type=AccountType.PROSPECT)
        with pytest.raises(ActionRefused) as caught:
            change_type(prospect, AccountType.CUSTOMER, by=CONTROLLER, policy=policy, on=ON, at=AT)
        assert refused(caught) == {("$.type", "contract_lookup_missing")}


class TestDelete:
    def test_delete_needs_right_355(self) -> None:
        """A Customer manager may delete; others are refused with the decision."""
        assert delete_account(existing(), by=CUSTOMER_MANAGER, policy=Policy()).right == 355
        with pytest.raises(ActionRefused) as caught:
            delete_account(existing(), by=CONTROLLER, policy=Policy())
        assert refused(caught) == {("$", "right_denied")}
        assert caught.value.decisions[0].granting_roles == {"Customer manager"}


class TestRobustness:
    @settings(max_examples=300)
    @given(json_values(), json_values())
    def test_junk_never_escapes_as_another_error(self, data: object, edits: object) -> None:
        """Arbitrary JSON as a record or as edits is refused with ActionRefused, never a crash."""
        for call in (
            lambda: create_account(data, by=NOBODY, policy=Policy(), on=ON),  # type: ignore[arg-type]
            lambda: edit_fields(existing(), edits, by=NOBODY, policy=Policy()),  # type: ignore[arg-type]
        ):
            try:
                call()
            except ActionRefused as error:
                assert all(p.code in CODES for p in error.problems)

    @settings(max_examples=100)
    @given(st.dictionaries(st.sampled_from([*sorted(CARD_FIELDS), "status", "x.y"]), json_values()))
    def test_junk_edits_of_card_fields(self, edits: dict[str, object]) -> None:
        """Arbitrary values for real card fields are accepted or refused cleanly."""
        try:
            edit_fields(existing(), edits, by=NOBODY, policy=Policy())
        except ActionRefused as error:
            assert all(p.code in CODES for p in error.problems)


class TestCreateReplaced:
    def test_a_new_account_cannot_be_replaced(self) -> None:
        """A record that sets replaced_by is refused on create: only a merge sets it."""
        with pytest.raises(ActionRefused) as caught:
            create_account(record(replaced_by="acc-9"), by=CUSTOMER_MANAGER, policy=Policy(), on=ON)
        assert ("replaced_by",) in {p.path for p in caught.value.problems}
