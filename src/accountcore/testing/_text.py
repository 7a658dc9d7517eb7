"""Small text and digit strategies shared by the other strategy modules."""

from __future__ import annotations

import string
import typing

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..entities import PICTURE_FORMATS

_LOWER = string.ascii_lowercase + string.digits


def _text(max_size: int = 30) -> SearchStrategy[str]:
    """Any non-blank text; blank optional text reads as absent, so it would not round-trip."""
    return st.text(min_size=1, max_size=max_size).map(lambda s: s if s.strip() else "x" + s)


def _code() -> SearchStrategy[str]:
    """An account code: no surrounding whitespace, since codes are trimmed on reading."""
    return st.text(string.ascii_uppercase + string.digits + "-", min_size=1, max_size=8)


def _optional_text(max_size: int = 30) -> SearchStrategy[str | None]:
    """Text or ``None``, in one draw: blank text stands for ``None``, as it does on reading."""
    return st.text(max_size=max_size).map(lambda s: s if s.strip() else None)


def _maybe(strategy: SearchStrategy[typing.Any]) -> SearchStrategy[typing.Any]:
    return st.none() | strategy


def _digits(n: int, *, first_nonzero: bool = False) -> SearchStrategy[str]:
    low = 10 ** (n - 1) if first_nonzero else 0
    return st.integers(low, 10**n - 1).map(lambda i: str(i).zfill(n))


def _texts(names: str, max_size: int = 20) -> SearchStrategy[dict[str, str]]:
    """A few of the optional text fields ``names`` filled in: cheaper than one draw per field."""
    pair = st.tuples(st.sampled_from(names.split()), _text(max_size))
    return st.lists(pair, max_size=3).map(dict)


def _phone(n: int) -> str:
    d = str(n)
    return f"+{d[:2]} {d[2:4]} {d[4:7]} {d[7:]}"


# Few draws each (every draw costs time in every test): a name, a host, a number.
_label = st.text(_LOWER, min_size=1, max_size=12)
_hosts = st.builds("{}.{}".format, _label, st.sampled_from(["com", "nl", "de", "org", "eu"]))
_emails = st.builds("{}@{}".format, st.sampled_from(["info", "jan.de.vries", "a", "x-1"]), _hosts)
_websites = st.builds("{}{}".format, st.sampled_from(["https://", "http://", "www.", ""]), _hosts)
_phones = st.integers(10**10, 10**11 - 1).map(_phone)
_pictures = st.builds("{}.{}".format, _label, st.sampled_from(sorted(PICTURE_FORMATS)))
