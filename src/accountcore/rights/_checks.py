"""
Construction checks for the values a host builds: each refusal is one `DefinitionError`.

A message names the field (``"Principal.clearance: expected an integer from 0 to 100, got
nan"``) and shows the value only when that is short and cannot fail.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import NoReturn, TypeVar

from ..errors import DefinitionError

#: The longest repr a message shows; longer ones are cut.
_WIDTH = 40
#: Wider ints show only their size: repr of an int over 4300 digits raises ValueError.
_MAX_BITS = 128
#: Types whose repr is cheap and never raises.
_PLAIN = frozenset({type(None), bool, int, float, Decimal, str, bytes})

_T = TypeVar("_T")
#: An attrs validator: called with the instance, the attribute and the value.
Validator = Callable[[object, object, _T], None]


def shown(value: object) -> str:
    """
    Show ``value`` in a message: a short repr of a plain value, else only its type's name.
    """
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if type(value) not in _PLAIN:
        return f"a value of type {type(value).__name__}"
    if isinstance(value, int) and value.bit_length() > _MAX_BITS:
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, (str, bytes)):
        value = value[:_WIDTH]
    text = repr(value)
    return text if len(text) <= _WIDTH else f"{text[: _WIDTH - 3]}..."


def refuse(where: str, expected: str, value: object) -> NoReturn:
    """
    Raise the `DefinitionError` for a malformed value of the field ``where``.
    """
    raise DefinitionError(f"{where}: expected {expected}, got {shown(value)}")


def text(value: object, where: str, expected: str = "a non-blank string") -> str:
    """
    Return ``value`` as a plain `str`, refusing anything but text with a non-blank character.
    """
    if not isinstance(value, str) or not str.strip(value):
        refuse(where, expected, value)
    # A plain copy: a str subclass could compare equal to every name it meets.
    return str.__str__(value)


def integer(value: object, where: str, low: int, high: int) -> int:
    """
    Return ``value`` as a plain `int` from ``low`` to ``high``; a bool is not an integer here.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        refuse(where, f"an integer from {low} to {high}", value)
    number = int.__int__(value)
    if not low <= number <= high:
        refuse(where, f"an integer from {low} to {high}", value)
    return number


def items(value: object, where: str, what: str) -> tuple[object, ...]:
    """
    Return the members of a collection; one string, one number or a mapping is refused.
    """
    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        refuse(where, f"a collection of {what}", value)
    return tuple(value)


def with_article(kind: type) -> str:
    """
    Name ``kind`` with its article, as in "an AccountType".
    """
    return f"{'an' if kind.__name__[0] in 'AEIOU' else 'a'} {kind.__name__}"


def is_a(kind: type[_T], where: str) -> Validator[_T]:
    """
    Make an attrs validator that refuses a value not of ``kind``.
    """

    def check(instance: object, attribute: object, value: _T) -> None:
        if not isinstance(value, kind):
            refuse(where, with_article(kind), value)

    return check


def optional_text(where: str) -> Validator[str | None]:
    """
    Make an attrs validator that refuses a value that is neither ``None`` nor non-blank text.
    """

    def check(instance: object, attribute: object, value: str | None) -> None:
        if value is not None:
            text(value, where, "a non-blank string or None")

    return check
