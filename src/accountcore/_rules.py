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
    return None if value.strip() else ("required", "This field must not be blank.")


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


def email(value: str) -> Failure | None:
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        return ("invalid_email", f"The email address is not valid: {exc}")
    return None


_HOST_LABEL = re.compile(r"^(?!-)[^\W_](?:[\w-]{0,61}[^\W_])?$")


def url(value: str) -> Failure | None:
    failure = ("invalid_url", "The web address must be http(s) with a host name, like example.com.")
    if any(c.isspace() for c in value):
        return failure
    text = value if "://" in value else "http://" + value
    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError:
        return failure
    if parts.scheme.lower() not in ("http", "https") or not host:
        return failure
    labels = host.split(".")
    if len(labels) < 2 and host != "localhost":
        return failure
    return None if all(_HOST_LABEL.match(label) for label in labels) else failure


_PHONE = re.compile(r"^\+?[0-9 ()\-./]+$")


def phone(value: str) -> Failure | None:
    if _PHONE.match(value) and any(c.isdigit() for c in value):
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
    Account: {"code": non_blank, "name": non_blank},
    Address: {"line1": non_blank, "city": non_blank, "country": country},
    Summary: {"website": url, "email": email, "phone": phone, "fax": phone, "picture": picture},
    FreeField: {"name": non_blank},
    Contact: {"email": email, "phone": phone, "mobile": phone},
    Marketing: {"security_level": in_range(0, 100), "rating": in_range(1, 7)},
    Financial: {"invoice_copies": in_range(0, None)},
}
