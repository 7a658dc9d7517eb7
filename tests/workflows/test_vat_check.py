"""Mandatory VAT check: a Customer needs a VAT number the online registry calls valid."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import attrs
import pytest
from _samples import record
from hypothesis import given
from hypothesis import strategies as st

from accountcore import Account, AccountType, from_dict
from accountcore.errors import CODES, ActionRefused, AdapterError, DefinitionError
from accountcore.identifiers import VATNumber
from accountcore.rights import Policy, Principal, Settings
from accountcore.vies import (
    CachedVatRegistry,
    InMemoryVatRegistry,
    UnavailableReason,
    VatCheck,
    VatChecked,
    VatOutcome,
    VatRegistry,
)
from accountcore.workflows import Outcome, change_type, create_account

ON = date(2024, 6, 1)
AT = datetime(2024, 6, 1, 10, tzinfo=timezone.utc)
ANSWERED = datetime(2024, 6, 1, 9, 59, 58, tzinfo=timezone.utc)
CONTROLLER = Principal(user_id="ctl", roles=frozenset({"Controller"}), clearance=50)
NOBODY = Principal(user_id="nobody", clearance=50)
REQUIRED = Policy(settings=Settings(mandatory_vat_check=True))
VAT = VATNumber.parse("NL004495445B01")


def prospect(*, vat_number: VATNumber | None = VAT) -> Account:
    account = from_dict(record(type="P"))
    financial = attrs.evolve(account.financial, vat_number=vat_number)
    return attrs.evolve(account, financial=financial)


def registry(*registered: VATNumber) -> InMemoryVatRegistry:
    table = InMemoryVatRegistry(clock=lambda: ANSWERED)
    for vat in registered:
        table.register(vat, name="Acme Retail B.V.", address="Damrak 1, Amsterdam")
    return table


def refused(error: pytest.ExceptionInfo[ActionRefused]) -> set[tuple[str, str]]:
    return {(p.location, p.code) for p in error.value.problems}


def to_customer(
    account: Account,
    vat_registry: VatRegistry | None,
    *,
    by: Principal = CONTROLLER,
    policy: Policy = REQUIRED,
) -> Outcome:
    return change_type(
        account, AccountType.CUSTOMER, by=by, policy=policy, on=ON, at=AT, vat_registry=vat_registry
    )


class TestValid:
    def test_a_valid_check_lets_the_change_through_and_is_kept(self) -> None:
        """A valid answer lets the account become a Customer and is kept with its request id."""
        table = registry(VAT)
        outcome = to_customer(prospect(), table)
        assert outcome.account.type is AccountType.CUSTOMER
        assert outcome.vat_check == VatChecked(
            account_id="acc-1",
            account_code="1001",
            vat=VAT,
            outcome=VatOutcome.VALID,
            request_id="MEM-000001",
            checked_at=ANSWERED,
            actor="ctl",
            name="Acme Retail B.V.",
        )
        assert [type(e).__name__ for e in outcome.events] == ["TypeChanged"]
        assert table.asked == [VAT]

    def test_a_cached_answer_keeps_its_request_and_date(self) -> None:
        """Through a cache, the second change records the first answer's request and date."""
        cached = CachedVatRegistry(registry(VAT), clock=lambda: AT)
        first = to_customer(prospect(), cached)
        second = to_customer(prospect(), cached)
        assert first.vat_check is not None and second.vat_check is not None
        assert (second.vat_check.request_id, second.vat_check.checked_at) == (
            first.vat_check.request_id,
            ANSWERED,
        )


class TestRefused:
    def test_an_invalid_number_is_not_registered(self) -> None:
        """An invalid answer refuses the change with vat_not_registered at the VAT number."""
        with pytest.raises(ActionRefused) as caught:
            to_customer(prospect(), registry())
        assert refused(caught) == {("$.financial.vat_number", "vat_not_registered")}
        message = caught.value.problems[0].message
        assert "MEM-000001" in message and VAT.compact not in message

    @pytest.mark.parametrize("reason", list(UnavailableReason))
    def test_an_unavailable_registry_is_not_an_invalid_number(
        self, reason: UnavailableReason
    ) -> None:
        """An unavailable answer refuses with vat_check_unavailable, saying when to retry."""
        table = registry(VAT)
        table.make_unavailable(reason, retry_after=timedelta(minutes=5))
        with pytest.raises(ActionRefused) as caught:
            to_customer(prospect(), table)
        assert refused(caught) == {("$.financial.vat_number", "vat_check_unavailable")}
        assert caught.value.problems[0].message.endswith(
            "try again after 2024-06-01T10:04:58+00:00."
        )

    def test_no_vat_number(self) -> None:
        """A Customer needs a VAT number at all; the registry is not asked."""
        table = registry(VAT)
        with pytest.raises(ActionRefused) as caught:
            to_customer(prospect(vat_number=None), table)
        assert refused(caught) == {("$.financial.vat_number", "required")}
        assert table.asked == []

    def test_no_registry(self) -> None:
        """With the setting on and no registry, the host is told to pass one."""
        with pytest.raises(ActionRefused) as caught:
            to_customer(prospect(), None)
        assert refused(caught) == {("$.type", "vat_registry_missing")}

    def test_every_offline_reason_at_once(self) -> None:
        """A denial, no number and no registry are reported together."""
        with pytest.raises(ActionRefused) as caught:
            to_customer(prospect(vat_number=None), None, by=NOBODY)
        assert refused(caught) == {
            ("$.type", "right_denied"),
            ("$.financial.vat_number", "required"),
            ("$.type", "vat_registry_missing"),
        }

    def test_no_request_for_a_change_refused_otherwise(self) -> None:
        """When anything else refuses the change, the registry is not asked."""
        table = registry(VAT)
        with pytest.raises(ActionRefused) as caught:
            to_customer(prospect(), table, by=NOBODY)
        assert refused(caught) == {("$.type", "right_denied")}
        both = Policy(settings=Settings(mandatory_vat_check=True, mandatory_contract=True))
        with pytest.raises(ActionRefused) as caught:
            to_customer(prospect(), table, policy=both)
        assert refused(caught) == {("$.type", "contract_lookup_missing")}
        assert table.asked == []

    def test_a_broken_registry_is_an_adapter_error(self) -> None:
        """A registry that raises instead of answering surfaces as an AdapterError."""

        class Broken:
            def check(self, vat: VATNumber) -> VatCheck:
                raise ConnectionResetError

        with pytest.raises(AdapterError):
            to_customer(prospect(), Broken())


class TestWhenItApplies:
    def test_off_by_default(self) -> None:
        """With the setting off, no registry is needed and none is asked."""
        table = registry()
        outcome = to_customer(prospect(vat_number=None), table, policy=Policy())
        assert outcome.vat_check is None
        assert table.asked == []

    def test_only_a_change_to_customer(self) -> None:
        """Other type changes need no check."""
        table = registry()
        outcome = change_type(
            prospect(),
            AccountType.LEAD,
            by=CONTROLLER,
            policy=REQUIRED,
            on=ON,
            at=AT,
            vat_registry=table,
        )
        assert outcome.vat_check is None and table.asked == []

    def test_the_setting_is_a_bool(self) -> None:
        """The setting takes a bool only."""
        with pytest.raises(DefinitionError, match=r"Settings\.mandatory_vat_check"):
            Settings(mandatory_vat_check=1)  # type: ignore[arg-type]

    def test_the_codes_are_known(self) -> None:
        """Every code the hook reports is in the catalogue."""
        assert {"required", "vat_not_registered", "vat_check_unavailable"} <= set(CODES)
        assert "vat_registry_missing" in CODES


@given(
    st.sampled_from(["valid", "invalid", *UnavailableReason]),
    st.booleans(),
)
def test_a_change_to_customer_passes_exactly_when_the_registry_says_valid(
    answer: str | UnavailableReason, allowed: bool
) -> None:
    """The change succeeds, with the check kept, exactly when allowed and the answer is valid."""
    table = registry()
    if answer == "valid":
        table.register(VAT)
    elif isinstance(answer, UnavailableReason):
        table.make_unavailable(answer)
    by = CONTROLLER if allowed else NOBODY
    if allowed and answer == "valid":
        outcome = to_customer(prospect(), table, by=by)
        assert outcome.vat_check is not None
        assert outcome.vat_check.request_id == "MEM-000001"
        return
    with pytest.raises(ActionRefused) as caught:
        to_customer(prospect(), table, by=by)
    vat_codes = {p.code for p in caught.value.problems if p.code.startswith("vat_")}
    assert len(vat_codes) == (1 if allowed else 0)
    assert table.asked == ([VAT] if allowed else [])


class TestCreateCustomer:
    def test_creating_a_customer_needs_a_valid_check(self) -> None:
        """With Mandatory: VAT check, a Customer created directly is held to the online check."""
        data = record()
        data.pop("status_since")
        data.pop("type_since")
        vat = VATNumber.parse(data["financial"]["vat_number"], "NL")  # type: ignore[index]
        with pytest.raises(ActionRefused) as caught:
            create_account(data, by=CONTROLLER, policy=REQUIRED, on=ON, vat_registry=registry())
        assert {p.code for p in caught.value.problems} == {"vat_not_registered"}
        outcome = create_account(
            data, by=CONTROLLER, policy=REQUIRED, on=ON, vat_registry=registry(vat)
        )
        assert outcome.vat_check is not None and outcome.vat_check.request_id is not None
