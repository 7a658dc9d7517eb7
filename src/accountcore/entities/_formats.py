"""
The checks one text value passes or fails on its own: on one line, not blank, a country, an
email, a web address, a phone number, a picture. Each returns ``None`` when the value is
fine, else ``(code, message)``; `._rules` wraps each in its field's length limit. The whole
check of a phone number needs the account's country as well (`phone_number`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import ValidationError
from ..identifiers import COUNTRY_CODES, MAX_IDENTIFIER_TEXT, PhoneNumber
from ._card import PICTURE_FORMATS

#: What a failing rule returns: a problem code and a message.
Failure = tuple[str, str]
#: A check of one text value.
Rule = Callable[[str], "Failure | None"]


@functools.cache
def _pattern(source: str) -> re.Pattern[str]:
    """Compile a pattern on first use: compiling them all would slow `import accountcore`."""
    return re.compile(source)


# C0 and C1 controls (tab, line feed, carriage return, ...), DEL, and the line and paragraph
# separators U+2028 and U+2029: the characters that break a line or hide in one.
_CONTROL = "[\x00-\x1f\x7f-\x9f\u2028\u2029]"
CONTROL_FAILURE: Failure = (
    "control_character",
    "The text holds a control character, such as a tab or a line break, which this field"
    " cannot take.",
)


def one_line(value: str) -> Failure | None:
    """
    Refuse a control character (see `_CONTROL`) in a one-line field. Blank text is left to
    the blank rules (required, or absent); no-break and other printable spaces pass.
    """
    # Printable text (the common case) holds none; str.isprintable is one C call.
    if value.isprintable() or value.isspace() or not _pattern(_CONTROL).search(value):
        return None
    return CONTROL_FAILURE


def multi_line(value: str) -> Failure | None:
    """
    Mark a field as multi-line in the tables of own rules: `._rules.limited` then leaves its
    line breaks and tabs alone. It checks nothing itself.
    """
    return None


def non_blank(value: str) -> Failure | None:
    if value and not value.isspace():
        return None
    return ("required", "This field must not be blank.")


def country(value: str) -> Failure | None:
    if value in COUNTRY_CODES:
        return None
    return ("unknown_country", "The country must be an ISO 3166-1 alpha-2 code such as NL or DE.")


# A plain ASCII address (dot-atom local part, LDH labels, alphabetic TLD, no punycode) that
# email-validator always accepts; everything else goes to email-validator, which decides.
# tests/entities/test_rules.py checks that the two agree.
_PLAIN_EMAIL = (
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:(?!-)(?![A-Za-z0-9-]{2}--)[A-Za-z0-9-]{1,63}(?<!-)\.)+([A-Za-z]{2,63})"
)
_SPECIAL_USE = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})


def _plain_email(value: str) -> bool:
    match = _pattern(_PLAIN_EMAIL).fullmatch(value)
    return (
        match is not None
        and len(value) <= 254
        and value.index("@") <= 64
        and match.group(1).lower() not in _SPECIAL_USE
    )


# What people put between two addresses in one field: semicolons, commas, spaces.
_EMAIL_LIST = r"[;,\s]+"
_MULTIPLE_EMAILS: Failure = (
    "multiple_emails",
    "The field takes one email address, and this text holds several.",
)


def _several_addresses(value: str) -> bool:
    """Tell whether ``value`` is a list of two or more things shaped like addresses."""
    if value.count("@") < 2:
        return False
    parts: list[str] = _pattern(_EMAIL_LIST).split(value.strip())
    return sum(p.count("@") == 1 and p[0] != "@" and p[-1] != "@" for p in parts if p) >= 2


def email(value: str) -> Failure | None:
    if _plain_email(value):
        return None
    if _several_addresses(value):
        return _MULTIPLE_EMAILS
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        return ("invalid_email", f"The email address is not valid: {exc}")
    return None


_HOST_LABEL = r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?"
# The common case in one regex: optional http(s) scheme, ASCII host, no port, any path.
_PLAIN_URL = (
    r"(?:[Hh][Tt][Tt][Pp][Ss]?://)?"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
    r"(?:[/?#]\S*)?"
)
_URL_FAILURE = (
    "invalid_url",
    "The web address must be http(s) with a host name, like example.com.",
)


def url(value: str) -> Failure | None:
    if _pattern(_PLAIN_URL).fullmatch(value):
        return None
    failure = _URL_FAILURE
    if any(c.isspace() for c in value):
        return failure
    # Loaded when a web address is not plain (rare): it would slow `import accountcore`.
    from urllib.parse import urlsplit

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
    host_label = _pattern(_HOST_LABEL)
    return None if all(host_label.fullmatch(label) for label in labels) else failure


_PHONE_SHAPE: Failure = ("invalid_phone", PhoneNumber.shape_message)


def phone(value: str) -> Failure | None:
    """The cheap check of a phone number's characters; `phone_number` does the rest."""
    return None if PhoneNumber.has_shape(value) else _PHONE_SHAPE


#: Where an account holds phone numbers: section and field.
PHONE_FIELDS: tuple[tuple[str, str], ...] = (
    ("summary", "phone"),
    ("summary", "fax"),
    ("contact", "phone"),
    ("contact", "mobile"),
)


def account_phones(account: Any) -> Iterator[tuple[tuple[str, str], str, str | None]]:
    """
    Each phone number of ``account`` with its path, and the country a number written
    without + is read by: the address's, when it is an ISO 3166-1 alpha-2 code.
    """
    country = account.summary.address.country
    region = country if type(country) is str and country in COUNTRY_CODES else None
    for section, name in PHONE_FIELDS:
        part = getattr(account, section)
        value = None if part is None else getattr(part, name)
        if type(value) is str:
            yield (section, name), value, region


# Remembered, so that the error rule and then the warning rule of one account read it once
# (text longer than any phone number is refused by its field's limit, and not remembered).
@functools.lru_cache(maxsize=4096)
def _phone_number(value: str, country: str | None) -> PhoneNumber | Failure | None:
    """
    Read ``value`` by ``country``: the number, or why it is none. ``None`` when the field's
    own rule refuses it (that rule reports it), or when it is written without + and there is
    no country with a numbering plan to read it by (then the field's own rule, its shape, is
    the whole check).
    """
    national = not value.lstrip(" ()-./").startswith("+")
    if national and (country is None or not PhoneNumber.has_plan(country)):
        return None
    try:
        return PhoneNumber.parse(value, country)
    except ValidationError as error:
        problem = error.problems[0]
    # Too long, blank, or not shaped as a number: the field's own rules say so.
    if problem.code != "invalid_phone" or problem.message == PhoneNumber.shape_message:
        return None
    return problem.code, problem.message


def phone_number(value: str, country: str | None) -> Failure | None:
    """
    The whole check of a phone number: phonenumbers can read it, by ``country`` when it has
    no +, and it has a possible length for its country (``invalid_phone`` otherwise).
    """
    read = _phone_number(value, country) if len(value) <= MAX_IDENTIFIER_TEXT else None
    return read if isinstance(read, tuple) else None


_UNASSIGNED: Failure = (
    "unassigned_phone",
    "The phone number has a possible length but lies in no range its country has assigned.",
)


def phone_unassigned(value: str, country: str | None) -> Failure | None:
    """The warning that a phone number `phone_number` accepts lies in no assigned range."""
    read = _phone_number(value, country) if len(value) <= MAX_IDENTIFIER_TEXT else None
    if isinstance(read, PhoneNumber) and not read.assigned:
        return _UNASSIGNED
    return None


def picture(value: str) -> Failure | None:
    path = value.split("?", 1)[0].split("#", 1)[0]
    ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if ext in PICTURE_FORMATS:
        return None
    return (
        "invalid_picture_format",
        "The picture must be BMP, DIB, JPG, JPE, JPEG, JFIF, GIF, PNG, SVG, TIF or TIFF.",
    )
