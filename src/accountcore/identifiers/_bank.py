"""IBAN and BIC, checked by schwifty, with a quick path for values that pass."""


from __future__ import annotations

import functools
import re
from types import ModuleType
from typing import TYPE_CHECKING, ClassVar, NamedTuple

import attrs

if TYPE_CHECKING:
    import schwifty.bban
    from typing_extensions import Self

from ._base import (
    CheckStrength,
    Identifier,
    _library_error,
    _require_text,
    _strip_separators,
)
from ._countries import ALPHA2


@attrs.frozen(repr=False, weakref_slot=False)
class IBAN(Identifier):
    """
    An International Bank Account Number, checked by schwifty (ISO 13616 check digits).

    .. versionadded:: 0.1
    """

    kind: ClassVar[str] = "IBAN"
    masked: ClassVar[bool] = True

    @classmethod
    def parse(cls, raw: object) -> Self:
        text = _require_text(cls.kind, raw)
        compact = _compact(text)
        if _iban_passes(compact):
            return cls(compact, CheckStrength.CHECKSUM)
        schwifty, errors = _schwifty()  # it says what is wrong, in its order of checks
        try:
            value = schwifty.IBAN(text)
        except errors as exc:
            raise _library_error(cls.kind, exc) from None
        return cls(str(value.compact), CheckStrength.CHECKSUM)

    @property
    def country(self) -> str:
        """
        The ISO 3166-1 alpha-2 country code.
        """
        return self.compact[:2]

    @property
    def formatted(self) -> str:
        return " ".join(self.compact[i : i + 4] for i in range(0, len(self.compact), 4))

    def corresponds_to(self, number: str) -> bool:
        """
        Tell whether a domestic bank account ``number`` matches this IBAN.

        The number, stripped of spaces, dashes, dots and leading zeros, must equal the IBAN's
        account part stripped of leading zeros, or be the whole BBAN. Belgian, German and
        Hungarian IBANs are exempt and always correspond. An unchecked IBAN whose BBAN
        schwifty cannot read corresponds only to its whole BBAN.
        """
        if self.country in _IBAN_NUMBER_EXEMPT:
            return True
        digits = _strip_separators(number)
        if digits == self.compact[4:] or digits == self.compact:
            return True
        layout = _bban_layout(self.country)
        if layout is None:  # schwifty has no spec for the country (unchecked)
            return False
        text = self._bban_text()
        # A BBAN of the spec's length has every component where the spec puts it.
        account = text[layout.account] if len(text) == layout.length else self._bban().account_code
        return digits.lstrip("0") == str(account).lstrip("0")

    def _bban(self) -> schwifty.bban.BBAN:
        # A BBAN is five times cheaper to build than a second schwifty IBAN.
        bban: schwifty.bban.BBAN = _schwifty()[0].BBAN(self.country, self.compact[4:])
        return bban

    def _bban_text(self) -> str:
        """Return the BBAN's text as schwifty reads it: without whitespace, in upper case."""
        text = self.compact[4:]
        # A compact form read by `parse` or `unchecked` already is; alphanumeric text has no
        # whitespace, so only upper-casing can be left to do.
        return text.upper() if text.isalnum() else str(self._bban())


_IBAN_NUMBER_EXEMPT = frozenset({"BE", "DE", "HU"})


@attrs.frozen(repr=False, weakref_slot=False)
class BIC(Identifier):
    """
    A Business Identifier Code (SWIFT), checked by schwifty for shape and country.

    .. versionadded:: 0.1
    """

    kind: ClassVar[str] = "BIC"

    @classmethod
    def parse(cls, raw: object) -> Self:
        text = _require_text(cls.kind, raw)
        compact = _compact(text)
        # Schwifty asks pycountry for the country; ALPHA2 is pycountry's list of codes.
        if _shapes().bic.fullmatch(compact) and compact[4:6] in ALPHA2:
            return cls(compact, CheckStrength.FORMAT)
        schwifty, errors = _schwifty()  # it says what is wrong
        try:
            value = schwifty.BIC(text)
        except errors as exc:
            raise _library_error(cls.kind, exc) from None
        return cls(str(value.compact), CheckStrength.FORMAT)

    @property
    def country(self) -> str:
        """
        The ISO 3166-1 alpha-2 country code (characters 5 and 6).
        """
        return self.compact[4:6]

    def belongs_to(self, iban: IBAN) -> bool | None:
        """
        Tell whether this BIC belongs to the bank of ``iban``.

        Returns:
            When schwifty's bank registry lists BICs for the IBAN's bank: ``True`` when one
            has this BIC's bank code and country (a French IBAN's bank may be in Réunion),
            else ``False``. When it lists none: ``None`` if the BIC's country is the IBAN's
            (or a territory using that country's IBANs), else ``False``.
        """
        layout = _bban_layout(iban.country)
        if layout is not None:
            known = _bank_bics(iban.country, iban._bban_text()[: layout.bank_key])
            if known:
                return self.compact[:6] in known
        same_area = self.country == iban.country or self.country in _IBAN_TERRITORIES.get(
            iban.country, frozenset()
        )
        return None if same_area else False


#: Territories whose banks issue IBANs of another country (French overseas departments and
#: collectivities, the British Crown Dependencies, Åland).
_IBAN_TERRITORIES: dict[str, frozenset[str]] = {
    "FR": frozenset({"GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF", "TF"}),
    "GB": frozenset({"GG", "JE", "IM"}),
    "FI": frozenset({"AX"}),
}


# --- D-U-N-S and GLN -------------------------------------------------------------------------


@functools.cache
def _schwifty() -> tuple[ModuleType, tuple[type[Exception], ...]]:
    """Return schwifty and the errors its constructors raise for bad input, imported once."""
    import schwifty
    from schwifty.exceptions import SchwiftyException

    return schwifty, (SchwiftyException, ValueError)


# Schwifty's checks of a valid IBAN or BIC, done here without building its objects (which
# cost more than the checks): the same clean-up, spec, pattern and arithmetic, so a value
# passes exactly when schwifty accepts it. A value that fails goes to schwifty, for its error.
class _Shapes(NamedTuple):
    whitespace: re.Pattern[str]
    iban: re.Pattern[str]  #: letters, digits, then letters and digits, ASCII only
    bic: re.Pattern[str]
    numerify: dict[int, str]  #: a letter to its number, A to Z as 10 to 35


@functools.cache
def _shapes() -> _Shapes:
    """Compile the patterns on first use, so that ``import accountcore`` stays light."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return _Shapes(
        re.compile(r"\s+"),
        re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+"),
        re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?"),
        str.maketrans({letter: str(10 + n) for n, letter in enumerate(letters)}),
    )


def _compact(text: str) -> str:
    """Clean up ``text`` as schwifty does: no whitespace, upper case."""
    # Letters and digits alone hold no whitespace: the common case skips the regex.
    return text.upper() if text.isalnum() else _shapes().whitespace.sub("", text).upper()


@functools.lru_cache(maxsize=1024)
def _iban_spec(country: str) -> tuple[int, re.Pattern[str], str] | None:
    """
    Return the IBAN length and BBAN pattern schwifty holds for ``country``, if any, and the
    country code in digits (``NL`` is ``2321``).
    """
    from schwifty import registry

    try:
        spec = registry.get_iban_spec(country)
    except _schwifty()[1]:
        return None
    return spec.iban_length, spec.regex, country.translate(_shapes().numerify)


def _iban_passes(compact: str) -> bool:
    """
    Tell whether schwifty accepts the cleaned-up IBAN ``compact``: ASCII letters and digits,
    the country's length and BBAN pattern, and ISO 7064 mod 97-10 check digits.
    """
    shapes = _shapes()
    if not shapes.iban.fullmatch(compact) or (spec := _iban_spec(compact[:2])) is None:
        return False
    length, pattern, country = spec
    bban = compact[4:]
    if len(compact) != length or not pattern.match(bban):
        return False
    # Schwifty computes the check digits (98 minus the remainder, 02 to 98) and compares.
    number = int((bban if bban.isdigit() else bban.translate(shapes.numerify)) + country)
    return int(compact[2:4]) == 98 - number * 100 % 97


class _BBANLayout(NamedTuple):
    """Where schwifty finds the parts of a country's BBANs (from its IBAN spec)."""

    length: int  #: characters in a BBAN of the country
    bank_key: int  #: leading characters that hold what names the bank (its bank lookup key)
    account: slice  #: where the account code lies


@functools.lru_cache(maxsize=1024)
def _bban_layout(country: str) -> _BBANLayout | None:
    """Return the BBAN layout of ``country``, or ``None`` when schwifty has no spec for it."""
    from schwifty import registry
    from schwifty.domain import Component

    _, errors = _schwifty()
    try:
        spec = registry.get_iban_spec(country)
    except errors:
        return None
    # The bank lookup key joins the components the spec names (the bank code; for some
    # countries the branch code too).
    lookup = spec.bic_lookup_components or [Component("bank_code")]
    parts = [spec.positions.get(c) for c in lookup]
    bank_key = max((part.end for part in parts if part is not None), default=0)
    account = spec.positions.get(Component("account_code"))
    where = slice(account.start, account.end) if account is not None else slice(0, 0)
    return _BBANLayout(spec.bban_length, bank_key, where)


@functools.lru_cache(maxsize=4096)
def _bank_bics(country: str, start: str) -> frozenset[str]:
    """
    Return the BIC prefixes (bank code and country) schwifty's registry lists for a bank.

    The bank is the one that the BBANs of ``country`` beginning with ``start`` (their first
    ``bank_key`` characters, see `_bban_layout`, or the whole BBAN when shorter) belong to;
    empty when the registry knows no bank or no BIC for it.
    """
    from schwifty import registry

    bank = _schwifty()[0].BBAN(country, start).bank
    if bank is None:
        return frozenset()
    banks = registry.get_banks_by_code(bank.country_code, bank.bank_code)
    return frozenset(b.bic[:6].upper() for b in banks if b.bic)
