"""
Account codes: unique, trimmed, compared case-insensitively, and allocated like Exact does.

>>> allocate_code("ACME", ["acme ", "0099", "100"])
CodeAllocation(code='101', requested='ACME', reassigned=True)
>>> allocate_code("NEW", ["0099"]).code
'NEW'
>>> allocate_code("0099", ["0099", "0042"]).code
'0100'

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = ["CodeAllocation", "allocate_code", "normalise_code"]


def normalise_code(code: str) -> str:
    """
    Return the form two codes are compared in: trimmed and case-folded.

    .. versionadded:: 0.1
    """
    return code.strip().casefold()


@attrs.frozen
class CodeAllocation:
    """
    The code an account gets, and whether it differs from the one requested.

    ``reassigned`` is ``True`` when the requested code was taken and the next numerical code
    was given instead, so a screen can tell the user.

    .. versionadded:: 0.1
    """

    code: str
    requested: str | None
    reassigned: bool


# int() refuses longer digit strings by default (CPython 3.11 int max str digits).
_MAX_DIGITS = 4000


def _next_numerical(taken: Iterable[str]) -> str:
    best_value, best_width = 0, 0
    for raw in taken:
        code = raw.strip()
        if code.isdigit() and code.isascii() and len(code) <= _MAX_DIGITS:
            value = int(code)
            if value > best_value or (value == best_value and len(code) > best_width):
                best_value, best_width = value, len(code)
    following = str(best_value + 1)
    return following.zfill(best_width) if best_width > len(str(best_value)) else following


def allocate_code(requested: str | None, taken: Iterable[str]) -> CodeAllocation:
    """
    Give the requested code when it is free, else the next available numerical code.

    The next numerical code is one more than the highest all-digit code in use (1 when there
    is none), keeping the width of a zero-padded highest code. A blank or missing request
    gets the next numerical code without counting as reassigned. Allocation is pure: the
    host's unique constraint still guards two writers racing.

    Args:
        requested: the code the user asked for.
        taken: the codes already held by the host's accounts.

    Returns:
        The allocation.

    .. versionadded:: 0.1
    """
    codes = list(taken)
    wanted = requested.strip() if requested is not None else ""
    if wanted:
        key = normalise_code(wanted)
        if all(normalise_code(code) != key for code in codes):
            return CodeAllocation(wanted, requested, reassigned=False)
    return CodeAllocation(_next_numerical(codes), requested, reassigned=bool(wanted))
