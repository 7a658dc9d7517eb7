"""The error tree, Problem, and the list of problem codes."""

from __future__ import annotations

import pickle
import re

import pytest
from _paths import DOCS

from accountcore import AccountCoreError, DefinitionError, Problem, ValidationError
from accountcore.errors import CODES

ERRORS_DOC = DOCS / "errors.md"


class TestProblem:
    @pytest.mark.parametrize(
        ("path", "location"),
        [
            ((), "$"),
            (("name",), "$.name"),
            (("financial", "bank_accounts", 0, "iban"), "$.financial.bank_accounts[0].iban"),
        ],
    )
    def test_location(self, path: tuple[str | int, ...], location: str) -> None:
        """A path renders as $.a[0].b."""
        assert Problem(path, "required", "m").location == location

    def test_prefixed(self) -> None:
        """Prefixing moves a problem under a parent path."""
        assert Problem(("iban",), "x", "m").prefixed(("bank", 1)).path == ("bank", 1, "iban")


class TestValidationError:
    def test_is_a_value_error_with_problems(self) -> None:
        """ValidationError is an AccountCoreError and a ValueError, and lists its problems."""
        error = ValidationError([Problem(("name",), "required", "Name is blank.")])
        assert isinstance(error, AccountCoreError) and isinstance(error, ValueError)
        assert str(error) == "1 problem: $.name: Name is blank. [required]"

    def test_needs_a_problem(self) -> None:
        """An empty problem list is a programming error."""
        with pytest.raises(ValueError, match="at least one"):
            ValidationError([])

    def test_pickles(self) -> None:
        """A ValidationError survives pickling (for process pools)."""
        error = ValidationError([Problem(("a", 0), "required", "m")])
        assert pickle.loads(pickle.dumps(error)).problems == error.problems

    def test_definition_error_is_an_accountcore_error(self) -> None:
        """DefinitionError sits in the tree."""
        assert issubclass(DefinitionError, AccountCoreError)


class TestCodeList:
    def test_codes_are_snake_case(self) -> None:
        """Every code is stable snake_case."""
        assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", code) for code in CODES)

    def test_docs_list_every_code(self) -> None:
        """docs/errors.md lists exactly the codes in accountcore.errors.CODES."""
        documented = set(re.findall(r"^\| `([a-z_]+)` \|", ERRORS_DOC.read_text(), re.MULTILINE))
        assert documented == set(CODES)
