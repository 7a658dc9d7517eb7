"""
Field rules: the checks one value can pass or fail on its own.

One table (`FIELD_RULES`) serves both paths: the structure hooks apply a field's rule while
reading untrusted input, and `validation.check_account` applies the same rules to an account
built in Python. A rule returns ``None`` when the value is fine, else ``(code, message)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from ._countries import ALPHA2
from .entities import (
    PICTURE_FORMATS,
    Account,
    Address,
    Contact,
    Financial,
    FreeField,
    Marketing,
    Summary,
)

_V = TypeVar("_V")
Failure = tuple[str, str]
Rule = Callable[[_V], "Failure | None"]


def non_blank(value: str) -> Failure | None:
    if value and not value.isspace():
        return None
    return ("required", "This field must not be blank.")


def in_range(low: int, high: int | None) -> Rule[int]:
    upper = f" and {high}" if high is not None else ""
    message = f"The number must lie between {low}{upper}." if high is not None else (
        f"The number must be at least {low}."
    )

    def rule(value: int) -> Failure | None:
        if value < low or (high is not None and value > high):
            return ("out_of_range", message)
        return None

    return rule


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


_HOST_LABEL = re.compile(r"^[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?$")
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
    return None if all(_HOST_LABEL.match(label) for label in labels) else failure


# Digits and separators after an optional +, at least one of them a digit.
_PHONE = re.compile(r"\+?[ ()\-./]*[0-9][0-9 ()\-./]*$")


def phone(value: str) -> Failure | None:
    if _PHONE.match(value):
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


#: class -> field -> rule. Rules see only non-null values of the field's own type.
FIELD_RULES: dict[type, dict[str, Rule[str] | Rule[int]]] = {
    Account: {"code": non_blank, "name": non_blank, "replaced_by": non_blank},
    Address: {"line1": non_blank, "city": non_blank, "country": country},
    Summary: {"website": url, "email": email, "phone": phone, "fax": phone, "picture": picture},
    FreeField: {"name": non_blank},
    Contact: {"email": email, "phone": phone, "mobile": phone},
    Marketing: {"security_level": in_range(0, 100), "rating": in_range(1, 7)},
    Financial: {"invoice_copies": in_range(0, None)},
}
