"""
How reading fails: problems for wrong types, unknown keys named safely, and a failed part of
a record read once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from cattrs.errors import ClassValidationError

from ..errors import Problem, ValidationError
from ..identifiers import IBAN

_JSON_NAMES = {
    type(None): "null",
    bool: "true/false",
    int: "an integer",
    float: "a number",
    str: "text",
    list: "an array",
    tuple: "an array",
    dict: "an object",
}


def _fail(code: str, message: str) -> NoReturn:
    raise ValidationError([Problem((), code, message)])


def _fail_type(value: object, expected: str) -> NoReturn:
    if value is None:
        _fail("required", "This field is required.")
    got = _JSON_NAMES.get(type(value), type(value).__name__)
    _fail("invalid_type", f"Expected {expected}, got {got}.")


def _walk(exc: ClassValidationError) -> list[Problem]:
    """
    Turn one level of cattrs' detailed errors into problems (deeper levels already are).

    Unknown keys are left to `unknown_keys`, which knows their places.
    """
    problems: list[Problem] = []
    with_notes, others = exc.group_exceptions()
    for sub, note in with_notes:
        prefix = (note.name,)
        if isinstance(sub, ValidationError):
            problems += [p.prefixed(prefix) for p in sub.problems]
        elif isinstance(sub, KeyError):
            problems.append(Problem(prefix, "required", "This field is required."))
        else:  # pragma: no cover - every hook raises ValidationError
            problems.append(Problem(prefix, "invalid_type", "This value could not be read."))
    if others:  # pragma: no cover - unknown keys are not cattrs' to refuse here
        problems.append(Problem((), "invalid_type", "This object could not be read."))
    return problems


#: Unknown keys named one by one, at most; the rest are counted in one more problem.
MAX_UNKNOWN_NAMED = 20
_KEY_SHOWN = 40  # the longest key a message names


def is_nameable(key: object) -> bool:
    """
    Tell whether a key may be named in a message: short printable text that cannot be an
    IBAN, an account or a tax number (it holds fewer than four digits, and is no IBAN: a
    Latvian one holds two).
    """
    return (
        type(key) is str
        and len(key) <= _KEY_SHOWN
        and key.isprintable()
        and sum(c.isdigit() for c in key) < 4
        and not IBAN.is_valid(key)
    )


def describe_key(key: object, position: int) -> str:
    """Name a key for a message: itself when `is_nameable`, else by its position (from 1)."""
    return repr(key) if is_nameable(key) else f"number {position} (its name is not shown)"


def unknown_keys(value: Mapping[Any, object], known: frozenset[str]) -> list[Problem]:
    """
    One ``unknown_field`` problem per key of ``value`` not in ``known``, in order, for the
    first `MAX_UNKNOWN_NAMED`; one more problem counts the rest.
    """
    if known.issuperset(value):  # the common case, in one C call
        return []
    count = len(value) - sum(1 for key in known if key in value)
    problems: list[Problem] = []
    for n, key in enumerate(value, start=1):
        if len(problems) == min(count, MAX_UNKNOWN_NAMED):
            break
        if key not in known:
            problems.append(Problem((), "unknown_field", f"Unknown field {describe_key(key, n)}."))
    if count > MAX_UNKNOWN_NAMED:
        more = count - MAX_UNKNOWN_NAMED
        problems.append(Problem((), "unknown_field", f"And {more:,} more unknown fields."))
    return problems


# --- reading a failed part once ---------------------------------------------------------------
# Valid records take cattrs' fast functions; a failure is read again in detail, level by level.
# Read naively, a faulty bank account would be read 2**depth times (the fast and the detailed
# pass of the account, then of the financial section, then its own). Instead each class or
# list hook's error records the raw value it is about, and the detailed pass of its parent
# meets that value replaced by a marker whose hook re-raises the error at once. The
# benchmark "refuse a hostile record of <= 1 MB" (benchmarks/limits.py) measures this.

_SOURCE = "_accountcore_source"  # an attribute of the error: the raw value it is about


class _Refused:
    """A raw value whose hook already failed in this read; its hook raises the error again."""

    __slots__ = ("error",)

    def __init__(self, error: ValidationError) -> None:
        self.error = error


def _refuse(value: object, problems: list[Problem]) -> NoReturn:
    error = ValidationError(problems)
    setattr(error, _SOURCE, value)
    raise error from None


def _refused_again(value: object) -> None:
    if type(value) is _Refused:
        raise value.error


def _marked(value: dict[Any, object], error: BaseException) -> dict[Any, object]:
    """``value`` with the one part that raised ``error`` replaced by a `_Refused` marker."""
    source = getattr(error, _SOURCE, None)
    if source is None:
        return value
    keys = [key for key, part in value.items() if part is source]
    if len(keys) != 1:  # the same object under two keys: read both again
        return value
    return {**value, keys[0]: _Refused(error)}  # type: ignore[arg-type]


