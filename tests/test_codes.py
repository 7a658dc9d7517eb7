"""Code allocation: the requested code when free, else the next numerical one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accountcore import CodeAllocation, allocate_code
from accountcore.codes import normalise_code


class TestAllocateCode:
    @pytest.mark.parametrize(
        ("requested", "taken", "expected"),
        [
            ("ACME", [], CodeAllocation("ACME", "ACME", False)),
            (" ACME ", ["x"], CodeAllocation("ACME", " ACME ", False)),
            ("ACME", ["acme"], CodeAllocation("1", "ACME", True)),
            ("ACME", [" Acme ", "7", "12", "x99"], CodeAllocation("13", "ACME", True)),
            ("0042", ["0042", "0099"], CodeAllocation("0100", "0042", True)),
            ("5", ["5", "0999"], CodeAllocation("1000", "5", True)),
            ("5", ["5", "9999"], CodeAllocation("10000", "5", True)),
            ("5", ["5", "007", "10"], CodeAllocation("11", "5", True)),
            (None, ["3"], CodeAllocation("4", None, False)),
            ("  ", [], CodeAllocation("1", "  ", False)),
            ("A", ["A", "١٢٣"], CodeAllocation("1", "A", True)),
        ],
    )
    def test_table(self, requested: str | None, taken: list[str], expected: CodeAllocation) -> None:
        """Allocation follows Exact: keep a free code, else max numerical + 1 at its width."""
        assert allocate_code(requested, taken) == expected

    def test_takes_any_iterable_once(self) -> None:
        """A generator of taken codes is read once."""
        assert allocate_code("1", (c for c in ["1", "2"])).code == "3"

    def test_very_long_digit_codes_are_not_numbers(self) -> None:
        """Digit strings too long for int() are skipped instead of crashing."""
        assert allocate_code("1", ["1", "9" * 5000]).code == "2"

    @given(st.text(max_size=8), st.lists(st.text(max_size=8), max_size=20))
    def test_result_is_never_taken(self, requested: str, taken: list[str]) -> None:
        """The allocated code never collides with a taken code."""
        result = allocate_code(requested, taken)
        assert normalise_code(result.code) not in {normalise_code(c) for c in taken}
        assert result.reassigned == (bool(requested.strip()) and result.code != requested.strip())

    @given(st.lists(st.integers(0, 10**6).map(str), max_size=20))
    def test_numerical_code_is_one_past_the_highest(self, taken: list[str]) -> None:
        """The next numerical code is the highest number in use plus one."""
        assert int(allocate_code(None, taken).code) == max(map(int, taken), default=0) + 1
