"""
The checks one text value passes or fails on its own: not blank, a country, an email, a web
address, a phone number, a picture. Each returns ``None`` when the value is fine, else
``(code, message)``; `._rules` wraps each in its field's length limit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from ..identifiers import COUNTRY_CODES
from ._card import PICTURE_FORMATS

#: What a failing rule returns: a problem code and a message.
Failure = tuple[str, str]
#: A check of one text value.
Rule = Callable[[str], "Failure | None"]


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
@functools.cache
def _pattern(source: str) -> re.Pattern[str]:
    """Compile a pattern on first use: compiling them all would slow `import accountcore`."""
    return re.compile(source)


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


def email(value: str) -> Failure | None:
    if _plain_email(value):
        return None
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


# Digits and separators after an optional +, at least one of them a digit. Matched whole
# (fullmatch): a `$` anchor would let a final newline through.
_PHONE = r"\+?[ ()\-./]*[0-9][0-9 ()\-./]*"


def phone(value: str) -> Failure | None:
    if _pattern(_PHONE).fullmatch(value):
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
