"""
Field rules: the checks one value can pass or fail on its own.

One table (`FIELD_RULES`) serves both paths: the structure hooks apply a field's rule while
reading untrusted input, and `validation.check_account` applies the same rules to an account
built in Python. A rule returns ``None`` when the value is fine, else ``(code, message)``.
"""

from __future__ import annotations

import math
import re
import typing
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Optional, TypeVar
from urllib.parse import urlsplit

import attrs

from ._countries import ALPHA2
from .entities import (
    PICTURE_FORMATS,
    Account,
    Address,
    BankAccount,
    Contact,
    Financial,
    FreeField,
    General,
    Marketing,
    Relations,
    Summary,
)

_V = TypeVar("_V")
Failure = tuple[str, str]
Rule = Callable[[_V], "Failure | None"]


def non_blank(value: str) -> Failure | None:
    if value and not value.isspace():
        return None
    return ("required", "This field must not be blank.")


def country(value: str) -> Failure | None:
    if value in ALPHA2:
        return None
    return ("unknown_country", "The country must be an ISO 3166-1 alpha-2 code such as NL or DE.")


# A plain ASCII address (dot-atom local part, LDH labels, alphabetic TLD, no punycode) that
# email-validator always accepts; everything else goes to email-validator, which decides.
# tests/test_rules.py checks that the two agree.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:(?!-)(?![A-Za-z0-9-]{2}--)[A-Za-z0-9-]{1,63}(?<!-)\.)+([A-Za-z]{2,63})"
)
_SPECIAL_USE = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


def _plain_email(value: str) -> bool:
    match = _PLAIN_EMAIL.fullmatch(value)
    return (
        match is not None
        and len(value) <= 254
        and value.index("@") <= 64
        and match.group(1).lower() not in _SPECIAL_USE
    )


def email(value: str) -> Failure | None:
    if _plain_email(value):
        return None
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        return ("invalid_email", f"The email address is not valid: {exc}")
    return None


_HOST_LABEL = re.compile(r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?")
# The common case in one regex: optional http(s) scheme, ASCII host, no port, any path.
_PLAIN_URL = re.compile(
    r"(?:[Hh][Tt][Tt][Pp][Ss]?://)?"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
    r"(?:[/?#]\S*)?"
)
_URL_FAILURE = (
    "invalid_url",
    "The web address must be http(s) with a host name, like example.com.",
)


def url(value: str) -> Failure | None:
    if _PLAIN_URL.fullmatch(value):
        return None
    failure = _URL_FAILURE
    if any(c.isspace() for c in value):
        return failure
    text = value if "://" in value else "http://" + value
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError:
        return failure
    if parts.scheme.lower() not in ("http", "https") or not host or "@" in parts.netloc:
        return failure
    labels = host.split(".")
    if len(labels) < 2 and host != "localhost":
        return failure
    return None if all(_HOST_LABEL.fullmatch(label) for label in labels) else failure


# Digits and separators after an optional +, at least one of them a digit. Matched whole
# (fullmatch): a `$` anchor would let a final newline through.
_PHONE = re.compile(r"\+?[ ()\-./]*[0-9][0-9 ()\-./]*")


def phone(value: str) -> Failure | None:
    if _PHONE.fullmatch(value):
        return None
    return ("invalid_phone", "A phone number holds digits, spaces, + ( ) - . / only.")


def picture(value: str) -> Failure | None:
    path = value.split("?", 1)[0].split("#", 1)[0]
    ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if ext in PICTURE_FORMATS:
        return None
    return (
        "invalid_picture_format",
        "The picture must be BMP, DIB, JPG, JPE, JPEG, JFIF, GIF, PNG, SVG, TIF or TIFF.",
    )


# --- limits, checked before any costly rule (docs/validation.md lists them) ----------------------


def _frozen(table: dict[type, dict[str, _V]]) -> Mapping[type, Mapping[str, _V]]:
    return MappingProxyType({cls: MappingProxyType(fields) for cls, fields in table.items()})


#: The longest text, in characters, that a text field not listed in `MAX_LENGTHS` takes.
DEFAULT_MAX_LENGTH = 255
#: class -> text field -> the longest text it takes, in characters. Exact Online pads codes to
#: 18 characters; the other numbers are generous for real data and keep every check cheap.
MAX_LENGTHS: Mapping[type, Mapping[str, int]] = _frozen({
    Account: {"code": 64, "remarks": 65_536},
    Address: {"postcode": 32, "city": 128, "state": 64, "country": 64},
    Summary: {
        "website": 2048, "email": 254, "phone": 64, "phone_extension": 32, "fax": 64,
        "picture": 2048,
    },
    General: {"country_name": 128, "phone_queue": 64},
    FreeField: {"name": 128, "value": 4000},
    Contact: {
        "title": 64, "initials": 32, "first_name": 128, "middle_name": 128, "last_name": 128,
        "job_title": 128, "email": 254, "phone": 64, "mobile": 64,
    },
    Marketing: {
        "classification": 64, "source": 64, "sector": 64, "subsector": 64, "size": 64,
        "document": 2048,
    },
    Relations: {"cost_centre": 64, "reseller": 64, "parent": 64},
    BankAccount: {"number": 64, "type": 32},
    Financial: {
        "division": 64, "debtor_code": 64, "creditor_code": 64,
        "customer_code_at_supplier": 64, "debtor_account": 64, "creditor_account": 64,
        "offset_account": 64,
    },
})  # fmt: skip
#: class -> integer field -> the lowest and highest value it takes.
INT_RANGES: Mapping[type, Mapping[str, tuple[int, int]]] = _frozen(
    {
        Marketing: {"security_level": (0, 100), "rating": (1, 7)},
        Financial: {"invoice_copies": (0, 999)},
    }
)
#: class -> list field -> the most items it holds.
MAX_ITEMS: Mapping[type, Mapping[str, int]] = _frozen(
    {
        Account: {"free_fields": 1000},
        Financial: {"bank_accounts": 100},
    }
)
#: The largest magnitude of a free field's integer: JSON's safe integers, exact in any reader.
MAX_SAFE_INTEGER = 2**53 - 1
#: Free field amounts lie strictly between minus and plus this.
AMOUNT_LIMIT = Decimal(10) ** 15
#: The longest text an amount, or any identifier as typed, may be.
MAX_AMOUNT_TEXT = 64


def max_length(owner: type, name: str) -> int:
    """The longest text ``owner.name`` takes."""
    return MAX_LENGTHS.get(owner, {}).get(name, DEFAULT_MAX_LENGTH)


_NOT_TEXT: Failure = ("invalid_type", "Expected text.")
_NOT_INTEGER: Failure = ("invalid_type", "Expected an integer.")


def limited(limit: int, rule: Rule[str] | None = None) -> Rule[str]:
    """Check that a value is text of at most ``limit`` characters, then apply ``rule``."""
    failure = ("too_long", f"The text is longer than {limit:,} characters, its maximum.")

    def check(value: str) -> Failure | None:
        if type(value) is not str:
            return _NOT_TEXT
        if len(value) > limit:
            return failure
        return None if rule is None else rule(value)

    return check


def in_range(low: int, high: int) -> Rule[int]:
    """Check that a value is an integer (not a bool) from ``low`` to ``high``."""
    failure = ("out_of_range", f"The number must lie between {low:,} and {high:,}.")

    def rule(value: int) -> Failure | None:
        if type(value) is not int:
            return _NOT_INTEGER
        return failure if value < low or value > high else None

    return rule


def at_most(limit: int) -> Rule[tuple[object, ...]]:
    """Check that a list holds at most ``limit`` items."""
    failure = ("too_many", f"The list holds more than {limit:,} items, its maximum.")
    return lambda items: failure if len(items) > limit else None


_FREE_TEXT = limited(MAX_LENGTHS[FreeField]["value"])
_UNSAFE_INTEGER = (
    "out_of_range",
    f"The number must lie between -{MAX_SAFE_INTEGER:,} and {MAX_SAFE_INTEGER:,}.",
)
_NOT_FINITE = ("out_of_range", "The number must be finite.")
_AMOUNT_RANGE = ("out_of_range", "The amount must lie strictly between -10^15 and 10^15.")


def free_value(value: object) -> Failure | None:
    """Check a free field's value: text by its length, numbers and amounts by their range."""
    kind = type(value)
    if kind is str:
        return _FREE_TEXT(value)  # type: ignore[arg-type]
    if kind is int:
        return None if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else _UNSAFE_INTEGER  # type: ignore[operator]
    if kind is float:
        return None if math.isfinite(value) else _NOT_FINITE  # type: ignore[arg-type]
    if kind is Decimal:
        if not value.is_finite():  # type: ignore[attr-defined]
            return _NOT_FINITE
        return None if -AMOUNT_LIMIT < value < AMOUNT_LIMIT else _AMOUNT_RANGE  # type: ignore[operator]
    return None


#: Rules for fields with a check of their own; each text rule is wrapped in its length limit.
_OWN_RULES: dict[type, dict[str, Rule[str]]] = {
    Account: {"code": non_blank, "name": non_blank, "replaced_by": non_blank},
    Address: {"line1": non_blank, "city": non_blank, "country": country},
    Summary: {"website": url, "email": email, "phone": phone, "fax": phone, "picture": picture},
    FreeField: {"name": non_blank},
    Contact: {"email": email, "phone": phone, "mobile": phone},
}


def _nullable(cls: type) -> frozenset[str]:
    fields = attrs.fields(attrs.resolve_types(cls))
    return frozenset(f.name for f in fields if type(None) in typing.get_args(f.type))


def _text_fields(cls: type) -> Iterator[str]:
    for field in attrs.fields(attrs.resolve_types(cls)):
        if field.type in (str, str | None, Optional[str]):
            yield field.name


def _field_rules(cls: type) -> dict[str, Rule[Any]]:
    own = _OWN_RULES.get(cls, {})
    rules: dict[str, Rule[Any]] = {
        name: limited(max_length(cls, name), own.get(name)) for name in _text_fields(cls)
    }
    rules |= {name: in_range(*bounds) for name, bounds in INT_RANGES.get(cls, {}).items()}
    rules |= {name: at_most(limit) for name, limit in MAX_ITEMS.get(cls, {}).items()}
    if cls is FreeField:
        rules["value"] = free_value
    return rules


#: class -> field -> rule, for every text, integer and list field of the card. Rules see only
#: non-null values; they check the value's type too, for accounts built in Python.
FIELD_RULES: dict[type, dict[str, Rule[Any]]] = {
    cls: _field_rules(cls)
    for cls in (
        Account, Address, Summary, General, FreeField, Contact, Marketing, Relations,
        BankAccount, Financial,
    )
}  # fmt: skip

#: class -> the fields of `FIELD_RULES` that must not be null (an account built in Python may
#: still hold None there; one read from a record cannot).
NOT_NULL: dict[type, frozenset[str]] = {
    cls: frozenset(rules) - _nullable(cls) for cls, rules in FIELD_RULES.items()
}
