"""Problem severity: warnings are reported everywhere and never make a record invalid."""

from __future__ import annotations

import pickle

import attrs
import pytest
from _samples import record, with_value
from hypothesis import given
from hypothesis import strategies as st

from accountcore import (
    Account,
    Problem,
    Severity,
    ValidationError,
    VATNumber,
    check_account,
    from_dict,
    validate,
)
from accountcore.entities import account_problems, account_warnings
from accountcore.errors import CODES, WARNING_CODES, split_problems
from accountcore.workflows import Refusal

BIC_PATH = ("financial", "bank_accounts", 0, "bic")


def warned_record() -> dict[str, object]:
    """A valid record whose BIC the registry files under another bank than the IBAN's."""
    return with_value(BIC_PATH, "RABONL2U")


def warned_account() -> Account:
    return from_dict(warned_record())


class TestProblem:
    def test_severity_follows_the_code(self) -> None:
        """A problem of a warning code is a warning, any other an error, unless set."""
        assert Problem((), "bic_bank_mismatch", "m").severity is Severity.WARNING
        assert Problem((), "required", "m").severity is Severity.ERROR
        own = Problem((), "required", "m", severity=Severity.WARNING)
        assert own.is_warning and own.prefixed(("a",)).is_warning

    def test_every_warning_code_is_a_code(self) -> None:
        """WARNING_CODES names only codes of CODES."""
        assert set(CODES) >= WARNING_CODES

    def test_str_marks_warnings(self) -> None:
        """A warning says so in its text; an error reads as before."""
        warning = Problem(("a",), "bic_bank_mismatch", "M.")
        assert str(warning) == "$.a: M. [bic_bank_mismatch, warning]"
        assert str(Problem(("a",), "required", "M.")) == "$.a: M. [required]"

    @given(st.lists(st.sampled_from(sorted(CODES)), max_size=12))
    def test_split_keeps_every_problem_in_order(self, codes: list[str]) -> None:
        """split_problems loses nothing and keeps each side's order."""
        problems = [Problem((i,), code, "m") for i, code in enumerate(codes)]
        errors, warnings = split_problems(problems)
        assert sorted(errors + warnings, key=lambda p: p.path) == problems
        assert all(not p.is_warning for p in errors) and all(p.is_warning for p in warnings)


class TestValidationError:
    def test_warnings_are_filed_apart(self) -> None:
        """A ValidationError's problems are its errors; warnings given with them are kept."""
        error = ValidationError(
            [Problem(("a",), "bic_bank_mismatch", "w"), Problem(("b",), "required", "e")]
        )
        assert [p.code for p in error.problems] == ["required"]
        assert [p.code for p in error.warnings] == ["bic_bank_mismatch"]

    def test_warnings_alone_are_no_error(self) -> None:
        """A ValidationError needs an error: warnings alone are a programming mistake."""
        with pytest.raises(ValueError, match="at least one error"):
            ValidationError([Problem(("a",), "bic_bank_mismatch", "w")])

    def test_pickles_with_its_warnings(self) -> None:
        """A pickled ValidationError comes back with its errors and its warnings."""
        error = ValidationError(
            [Problem(("a",), "bic_bank_mismatch", "w"), Problem(("b",), "required", "e")]
        )
        back = pickle.loads(pickle.dumps(error))
        assert (back.problems, back.warnings) == (error.problems, error.warnings)


class TestEntryPoints:
    def test_check_account_returns_warnings(self) -> None:
        """check_account returns a valid account's warnings instead of raising."""
        (warning,) = check_account(warned_account())
        assert (warning.path, warning.code) == (BIC_PATH, "bic_bank_mismatch")

    def test_bic_mismatch_names_both_banks(self) -> None:
        """The BIC warning names the bank the registry files the BIC under, and the IBAN's."""
        (warning,) = check_account(warned_account())
        assert "RABOBANK" in warning.message and "ABN AMRO" in warning.message
        assert "ABNANL2A" in warning.message and "0417164300" not in warning.message

    def test_check_account_of_a_clean_account(self) -> None:
        """An account without warnings checks to an empty tuple."""
        assert check_account(from_dict(record())) == ()

    def test_check_account_keeps_warnings_with_errors(self) -> None:
        """With an error, check_account raises, and the warnings ride along."""
        broken = attrs.evolve(warned_account(), name=" ")
        with pytest.raises(ValidationError) as caught:
            check_account(broken)
        assert [p.code for p in caught.value.problems] == ["required"]
        assert [p.code for p in caught.value.warnings] == ["bic_bank_mismatch"]

    def test_account_problems_lists_errors_then_warnings(self) -> None:
        """account_problems lists every problem: errors first, then warnings."""
        broken = attrs.evolve(warned_account(), name=" ")
        assert [p.code for p in account_problems(broken)] == ["required", "bic_bank_mismatch"]
        assert [p.code for p in account_warnings(broken)] == ["bic_bank_mismatch"]

    def test_validate_reports_warnings_apart(self) -> None:
        """validate's report is ok with warnings, and lists them in warnings."""
        report = validate(warned_account())
        assert report.ok and report.problems == ()
        assert [p.code for p in report.warnings] == ["bic_bank_mismatch"]
        report.raise_for_problems()  # warnings alone never raise

    def test_from_dict_hands_warnings_to_a_caller_that_asks(self) -> None:
        """from_dict appends the warnings to the list passed, after what it held."""
        found = [Problem(("x",), "required", "earlier")]
        account = from_dict(warned_record(), warnings=found)
        assert account == from_dict(warned_record())
        assert [p.code for p in found] == ["required", "bic_bank_mismatch"]

    def test_unchecked_identifier_with_a_known_rule_is_a_warning(self) -> None:
        """An identifier left unchecked although a rule for it is known is a warning."""
        account = from_dict(record())
        financial = attrs.evolve(account.financial, vat_number=VATNumber.unchecked("NL123"))
        warnings = check_account(attrs.evolve(account, financial=financial))
        assert [(w.path, w.code) for w in warnings] == [
            (("financial", "vat_number"), "identifier_unchecked")
        ]
        assert "NL123" not in str(warnings[0])

    def test_unchecked_identifier_without_a_rule_is_usual(self) -> None:
        """An identifier of a country without a rule is unchecked as usual: no warning."""
        data = with_value(("financial", "vat_number"), "12-3456789")
        data["summary"]["address"]["country"] = "US"  # type: ignore[index]
        account = from_dict(data)
        assert account.financial.vat_number is not None
        assert check_account(account) == ()


class TestRefusal:
    def test_warnings_alone_do_not_refuse(self) -> None:
        """A refusal holding only warnings does not raise, and keeps them."""
        refusal = Refusal()
        refusal.problems.append(Problem(("a",), "bic_bank_mismatch", "w"))
        refusal.raise_if_any()
        assert [p.code for p in refusal.warnings] == ["bic_bank_mismatch"]
