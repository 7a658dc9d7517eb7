"""Small text and digit strategies shared by the other strategy modules."""

from __future__ import annotations

import string
import typing

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..entities import PICTURE_FORMATS

_LOWER = string.ascii_lowercase + string.digits


#: Any character a one-line field takes: no control character (C0, C1, DEL), no line or
#: paragraph separator (docs/validation.md#one-line), no lone surrogate.
_ONE_LINE = st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"))


def _text(max_size: int = 30, *, multiline: bool = False) -> SearchStrategy[str]:
    """
    Any non-blank text; blank optional text reads as absent, so it would not round-trip.
    One line unless ``multiline``.
    """
    text = st.text(min_size=1, max_size=max_size) if multiline else _one_line(1, max_size)
    return text.map(lambda s: s if s.strip() else "x" + s)


def _one_line(min_size: int, max_size: int) -> SearchStrategy[str]:
    return st.text(_ONE_LINE, min_size=min_size, max_size=max_size)


def _code() -> SearchStrategy[str]:
    """An account code: no surrounding whitespace, since codes are trimmed on reading."""
    return st.text(string.ascii_uppercase + string.digits + "-", min_size=1, max_size=8)


def _optional_text(max_size: int = 30) -> SearchStrategy[str | None]:
    """
    One-line text or ``None``, in one draw: blank text stands for ``None``, as it does on
    reading.
    """
    return _one_line(0, max_size).map(lambda s: s if s.strip() else None)


def _maybe(strategy: SearchStrategy[typing.Any]) -> SearchStrategy[typing.Any]:
    return st.none() | strategy


def _digits(n: int, *, first_nonzero: bool = False) -> SearchStrategy[str]:
    low = 10 ** (n - 1) if first_nonzero else 0
    return st.integers(low, 10**n - 1).map(lambda i: str(i).zfill(n))


def _texts(names: str, max_size: int = 20) -> SearchStrategy[dict[str, str]]:
    """A few of the optional text fields ``names`` filled in: cheaper than one draw per field."""
    pair = st.tuples(st.sampled_from(names.split()), _text(max_size))
    return st.lists(pair, max_size=3).map(dict)


#: A country code and leading digits that phonenumbers files as assigned for any seven digits
#: after them (six for the US, whose exchange must start with 2-9: its first is here).
_PHONE_PREFIXES = (
    ("31", "20"), ("31", "10"), ("49", "30"), ("49", "221"), ("32", "47"), ("33", "14"),
    ("44", "207"), ("43", "316"), ("39", "02"), ("41", "44"), ("1", "2125"), ("1", "4087"),
)  # fmt: skip


def _phone(n: int) -> str:
    """An assigned phone number in international form, from one integer: one draw."""
    code, prefix = _PHONE_PREFIXES[n // 10**7]
    digits = str(n % 10**7).zfill(7)
    national = prefix + (digits[1:] if code == "1" else digits)
    return f"+{code} {national[:-7]} {national[-7:-4]} {national[-4:]}"


# Few draws each (every draw costs time in every test): a name, a host, a number.
_label = st.text(_LOWER, min_size=1, max_size=12)
_hosts = st.builds("{}.{}".format, _label, st.sampled_from(["com", "nl", "de", "org", "eu"]))
_emails = st.builds("{}@{}".format, st.sampled_from(["info", "jan.de.vries", "a", "x-1"]), _hosts)
_websites = st.builds("{}{}".format, st.sampled_from(["https://", "http://", "www.", ""]), _hosts)
_phones = st.integers(0, len(_PHONE_PREFIXES) * 10**7 - 1).map(_phone)
_pictures = st.builds("{}.{}".format, _label, st.sampled_from(sorted(PICTURE_FORMATS)))
