"""The port: what a check answers, the problems an answer makes, and a registry held to it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accountcore.errors import CODES, AdapterError, DefinitionError, ValidationError
from accountcore.identifiers import VATNumber, mask
from accountcore.testing import vat_numbers
from accountcore.vies import (
    InMemoryVatRegistry,
    UnavailableReason,
    VatCheck,
    VatOutcome,
    VatRegistry,
    check_one,
)

AT = datetime(2024, 6, 1, 9, tzinfo=timezone.utc)
NL = VATNumber.parse("NL004495445B01")
DE = VATNumber.parse("DE136695976")


def answer(outcome: VatOutcome, **fields: object) -> VatCheck:
    return VatCheck(vat=NL, outcome=outcome, checked_at=AT, **fields)  # type: ignore[arg-type]


def unavailable(reason: UnavailableReason, **fields: object) -> VatCheck:
    return answer(VatOutcome.UNAVAILABLE, reason=reason, **fields)


class TestVatCheck:
    def test_a_valid_answer(self) -> None:
        """A valid answer is valid, not unavailable, and has no retry time."""
        check = answer(VatOutcome.VALID, request_id="R1", name="Acme", address="Damrak 1")
        assert check.valid and not check.unavailable
        assert (check.request_id, check.name, check.address, check.retry_at) == (
            "R1",
            "Acme",
            "Damrak 1",
            None,
        )

    def test_an_invalid_answer_is_not_an_unavailable_one(self) -> None:
        """Invalid and unavailable are told apart."""
        invalid = answer(VatOutcome.INVALID)
        down = unavailable(UnavailableReason.TIMEOUT)
        assert not invalid.valid and not invalid.unavailable
        assert not down.valid and down.unavailable

    def test_retry_at_is_the_answer_time_plus_retry_after(self) -> None:
        """An unavailable answer that says how long to wait gives the instant to retry."""
        check = unavailable(UnavailableReason.RATE_LIMITED, retry_after=timedelta(minutes=5))
        assert check.retry_at == AT + timedelta(minutes=5)

    @pytest.mark.parametrize(
        ("fields", "where"),
        [
            ({"vat": "NL004495445B01"}, "VatCheck.vat"),
            ({"outcome": "valid"}, "VatCheck.outcome"),
            ({"checked_at": datetime(2024, 6, 1)}, "VatCheck.checked_at"),
            ({"checked_at": "2024-06-01T09:00:00Z"}, "VatCheck.checked_at"),
            ({"request_id": " "}, "VatCheck.request_id"),
            ({"name": 3}, "VatCheck.name"),
            ({"reason": UnavailableReason.SERVICE}, "VatCheck.reason"),
            ({"retry_after": timedelta(seconds=1)}, "VatCheck.retry_after"),
        ],
    )
    def test_malformed_answers_are_refused(self, fields: dict[str, object], where: str) -> None:
        """A malformed field is refused with a DefinitionError naming it."""
        values: dict[str, object] = {"vat": NL, "outcome": VatOutcome.VALID, "checked_at": AT}
        with pytest.raises(DefinitionError, match=where):
            VatCheck(**{**values, **fields})  # type: ignore[arg-type]

    def test_an_unavailable_answer_needs_a_reason(self) -> None:
        """Unavailable without a reason, or with a negative wait, is refused."""
        with pytest.raises(DefinitionError, match=r"VatCheck\.reason"):
            answer(VatOutcome.UNAVAILABLE)
        with pytest.raises(DefinitionError, match=r"VatCheck\.retry_after"):
            unavailable(UnavailableReason.SERVICE, retry_after=timedelta(seconds=-1))

    def test_a_refusal_never_echoes_the_number(self) -> None:
        """A number given as text is named by its type only."""
        with pytest.raises(DefinitionError) as caught:
            VatCheck(vat="NL004495445B01", outcome=VatOutcome.VALID, checked_at=AT)  # type: ignore[arg-type]
        assert "004495445" not in str(caught.value)


class TestProblems:
    def test_a_valid_answer_makes_none(self) -> None:
        """A valid answer passes a required check."""
        assert answer(VatOutcome.VALID).problems(("financial", "vat_number")) == ()

    def test_an_invalid_answer(self) -> None:
        """Invalid is vat_not_registered at the path, naming the request, masking the number."""
        (problem,) = answer(VatOutcome.INVALID, request_id="WAPI1").problems(("vat",))
        assert (problem.location, problem.code) == ("$.vat", "vat_not_registered")
        assert "WAPI1" in problem.message and mask(NL.compact) in problem.message
        assert NL.compact not in problem.message

    @pytest.mark.parametrize(
        ("reason", "why"),
        [
            (UnavailableReason.MEMBER_STATE, "the member state's service is down"),
            (UnavailableReason.SERVICE, "the registry's service is down"),
            (UnavailableReason.TIMEOUT, "it did not answer in time"),
            (UnavailableReason.RATE_LIMITED, "too many requests"),
            (UnavailableReason.NETWORK, "could not be reached"),
        ],
    )
    def test_an_unavailable_answer_says_why(self, reason: UnavailableReason, why: str) -> None:
        """Each reason reads in the vat_check_unavailable message; no time means later."""
        (problem,) = unavailable(reason).problems()
        assert problem.code == "vat_check_unavailable"
        assert why in problem.message and problem.message.endswith("try again later.")

    def test_an_unavailable_answer_says_when_to_retry(self) -> None:
        """With a retry time, the message names the instant to try again."""
        check = unavailable(UnavailableReason.RATE_LIMITED, retry_after=timedelta(seconds=90))
        (problem,) = check.problems()
        assert problem.message.endswith("try again after 2024-06-01T09:01:30+00:00.")

    def test_every_code_is_known(self) -> None:
        """The codes the answers make are codes of the catalogue, each an error."""
        checks = [answer(VatOutcome.INVALID), unavailable(UnavailableReason.SERVICE)]
        for problem in (p for check in checks for p in check.problems()):
            assert problem.code in CODES and not problem.is_warning

    @given(
        vat_numbers(),
        st.sampled_from(VatOutcome),
        st.sampled_from(UnavailableReason),
        st.one_of(st.none(), st.text(min_size=1).filter(str.strip)),
    )
    def test_no_message_echoes_the_number(
        self,
        vat: VATNumber,
        outcome: VatOutcome,
        reason: UnavailableReason,
        request_id: str | None,
    ) -> None:
        """Whatever the answer, its problem message shows only the number's last four."""
        check = VatCheck(
            vat=vat,
            outcome=outcome,
            checked_at=AT,
            request_id=None if outcome is VatOutcome.UNAVAILABLE else request_id,
            reason=reason if outcome is VatOutcome.UNAVAILABLE else None,
        )
        problems = check.problems()
        assert len(problems) == (0 if outcome is VatOutcome.VALID else 1)
        for problem in problems:
            assert vat.compact not in problem.message.replace(request_id or "\0", "")


class Raising:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def check(self, vat: VATNumber) -> VatCheck:
        raise self.error


class Answering:
    def __init__(self, answer: object) -> None:
        self.answer = answer

    def check(self, vat: VATNumber) -> VatCheck:
        return self.answer  # type: ignore[return-value]


class TestCheckOne:
    def test_returns_the_registrys_answer(self) -> None:
        """check_one passes the registry's own answer through."""
        registry: VatRegistry = InMemoryVatRegistry(clock=lambda: AT)
        assert check_one(registry, DE).outcome is VatOutcome.INVALID

    def test_a_registry_that_raises_breaks_the_port(self) -> None:
        """A registry raising anything but an accountcore error is an AdapterError."""
        with pytest.raises(AdapterError, match="raised ConnectionError") as caught:
            check_one(Raising(ConnectionError("down")), NL)
        assert isinstance(caught.value.__cause__, ConnectionError)

    def test_an_accountcore_error_passes_through(self) -> None:
        """A registry's own accountcore error is not re-labelled."""
        with pytest.raises(DefinitionError, match="bad setting"):
            check_one(Raising(DefinitionError("bad setting")), NL)

    @pytest.mark.parametrize(
        "wrong",
        [None, "valid", VatCheck(vat=DE, outcome=VatOutcome.VALID, checked_at=AT)],
        ids=["none", "text", "another number"],
    )
    def test_a_wrong_answer_breaks_the_port(self, wrong: object) -> None:
        """An answer that is not a VatCheck, or is for another number, is an AdapterError."""
        with pytest.raises(AdapterError):
            check_one(Answering(wrong), NL)

    def test_only_a_vat_number_is_checked(self) -> None:
        """Text is refused as invalid_type before any registry is asked."""
        registry = InMemoryVatRegistry(clock=lambda: AT)
        with pytest.raises(ValidationError) as caught:
            check_one(registry, "NL004495445B01")  # type: ignore[arg-type]
        assert caught.value.problems[0].code == "invalid_type"
        assert registry.asked == []
