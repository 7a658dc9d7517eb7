"""IBAN and BIC, checked by schwifty, with a quick path for values that pass."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import attrs

if TYPE_CHECKING:
    import schwifty.bban
    from typing_extensions import Self

from ._base import (
    MAX_IDENTIFIER_TEXT,
    CheckStrength,
    Identifier,
    _library_error,
    _problem,
    _require_text,
    _strip_separators,
)
from ._countries import ALPHA2


@attrs.frozen(repr=False, weakref_slot=False)
class IBAN(Identifier):
    """
    An International Bank Account Number, checked by schwifty: its country's format, its ISO
    13616 check digits and, where schwifty has a method for them, its national check digits.

    .. versionadded:: 0.1
    """

    kind: ClassVar[str] = "IBAN"
    masked: ClassVar[bool] = True

    @classmethod
    def parse(cls, raw: object) -> Self:
        """
        Compact and check ``raw``: its country's length and BBAN format, the ISO 7064 mod 97-10
        check digits, and the national check digits where schwifty has a method for the
        country (or, in Germany, the bank): it accepts what ``schwifty.IBAN(text,
        validate_bban=True)`` accepts.

        Whitespace, dashes and dots between the characters are separators:
        ``BE 43.4679.1170.4101`` and ``ES15-0049-1806-9121-1186-9374`` parse.

        Raises:
            ValidationError: with one problem at path ``()``; ``invalid_checksum`` for wrong
                IBAN or national check digits.

        .. versionchanged:: 0.2
           Dashes and dots are separators; national check digits are checked.
        """
        text = _require_text(cls.kind, raw)
        compact = _compact_iban(text)
        if _iban_passes(compact):
            return cls(compact, CheckStrength.CHECKSUM)
        schwifty, errors = _schwifty()  # it says what is wrong, in its order of checks
        try:
            value = str(schwifty.IBAN(compact).compact)
        except errors as exc:
            raise _library_error(cls.kind, exc) from None
        # Schwifty took the format and the mod-97 check digits, so the national ones are wrong
        # (unless the quick check and schwifty disagree, which the tests rule out).
        if _national_passes(value[:2], value[4:]):
            return cls(value, CheckStrength.CHECKSUM)
        raise _problem(
            cls.kind,
            "invalid_checksum",
            "the national check digits inside its account number are wrong",
        )

    @classmethod
    def is_valid(cls, raw: object) -> bool:
        """
        Tell whether ``raw`` parses; never raises.

        Text too short for any IBAN is refused without asking schwifty why: messages ask this
        of every unknown key they might name (`accountcore.serialization.is_nameable`).
        """
        if (
            type(raw) is str
            and len(raw) <= MAX_IDENTIFIER_TEXT
            and len(_compact_iban(raw)) < _SHORTEST_IBAN
        ):
            return False
        return super().is_valid(raw)

    @property
    def country(self) -> str:
        """
        The country code: ISO 3166-1 alpha-2, or ``XK`` for Kosovo.
        """
        return self.compact[:2]

    @property
    def bank_name(self) -> str | None:
        """
        The name schwifty's bank registry gives the IBAN's bank, or ``None`` when it lists none.

        >>> IBAN.parse("NL91ABNA0417164300").bank_name
        'ABN AMRO BANK N.V.'

        .. versionadded:: 0.2
        """
        bank = _iban_bank(self.country, self.compact[4:])
        return bank.name if bank is not None else None

    @property
    def bank_bic(self) -> BIC | None:
        """
        The BIC schwifty's bank registry gives the IBAN's bank, when it is exactly known.

        That is when the BICs the registry lists for the bank (those of its entries marked
        primary, if any are) are of one institution, the same first eight characters: the BIC
        when they are one (``XXX``, the head office's branch code, makes no other), else the
        institution's eight characters (a bank listed with a BIC per branch). ``None`` when the
        registry lists no BIC for the bank, or BICs of several institutions.

        >>> IBAN.parse("NL91ABNA0417164300").bank_bic
        BIC('ABNANL2A')

        .. versionadded:: 0.2
        """
        code = _iban_bank_bic(self.country, self.compact[4:])
        return BIC(code, CheckStrength.FORMAT) if code is not None else None

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
#: The fewest characters an IBAN holds (Norway's; ISO 13616's registry has none shorter).
_SHORTEST_IBAN = 15


@attrs.frozen(repr=False, weakref_slot=False)
class BIC(Identifier):
    """
    A Business Identifier Code (SWIFT), checked by schwifty for shape and country (Kosovo's
    ``XK`` too, which schwifty refuses in a BIC but accepts in an IBAN).

    .. versionadded:: 0.1
    """

    kind: ClassVar[str] = "BIC"

    @classmethod
    def parse(cls, raw: object) -> Self:
        """
        Compact and check ``raw``: 8 or 11 letters and digits, with a country whose BICs or
        IBANs exist (an ISO 3166-1 alpha-2 code, or Kosovo's ``XK``).

        Raises:
            ValidationError: with one problem at path ``()``.

        .. versionchanged:: 0.2
           A BIC of every country with IBANs is accepted, Kosovo's too.
        """
        text = _require_text(cls.kind, raw)
        compact = _compact(text)
        if _shapes().bic.fullmatch(compact) and _bic_country(compact[4:6]):
            return cls(compact, CheckStrength.FORMAT)
        schwifty, errors = _schwifty()  # it says what is wrong
        try:
            value = schwifty.BIC(compact)
        except errors as exc:
            from schwifty.exceptions import InvalidCountryCode

            # Schwifty checks the length and the letters first: a BIC it refuses for its
            # country alone is well-formed, and a country with IBANs has BICs too.
            if isinstance(exc, InvalidCountryCode) and _bic_country(compact[4:6]):
                return cls(compact, CheckStrength.FORMAT)
            raise _library_error(cls.kind, exc) from None
        return cls(str(value.compact), CheckStrength.FORMAT)

    @property
    def country(self) -> str:
        """
        The country code (characters 5 and 6): ISO 3166-1 alpha-2, or ``XK`` for Kosovo.
        """
        return self.compact[4:6]

    @property
    def bank_name(self) -> str | None:
        """
        The name schwifty's bank registry gives the BIC's bank, or ``None`` when it lists none.

        An 11-character BIC the registry does not list is looked up by its first eight
        characters (the institution); a BIC of a territory whose banks issue another country's
        IBANs (Réunion's, say) is looked up in that country's registry too.

        >>> BIC.parse("INGBNL2A").bank_name
        'ING'

        .. versionadded:: 0.2
        """
        return _bic_bank_name(self.compact)

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


# --- schwifty, loaded on first use -----------------------------------------------------------


@functools.cache
def _schwifty() -> tuple[ModuleType, tuple[type[Exception], ...]]:
    """Return schwifty and the errors its constructors raise for bad input, imported once."""
    import schwifty
    from schwifty.exceptions import SchwiftyException

    return schwifty, (SchwiftyException, ValueError)


# Schwifty's checks of a valid IBAN or BIC, done here without building its objects (which
# cost more than the checks): the same clean-up, spec, pattern and arithmetic, and schwifty's
# own national check methods, so a value passes exactly when schwifty accepts it (an IBAN with
# validate_bban=True, its dashes and dots taken out; a BIC of Kosovo too). A value that fails
# goes to schwifty, for its error.
class _Shapes(NamedTuple):
    whitespace: re.Pattern[str]
    separators: re.Pattern[str]  #: what an IBAN may be written with: whitespace, dashes, dots
    iban: re.Pattern[str]  #: letters, digits, then letters and digits, ASCII only
    bic: re.Pattern[str]
    numerify: dict[int, str]  #: a letter to its number, A to Z as 10 to 35


@functools.cache
def _shapes() -> _Shapes:
    """Compile the patterns on first use, so that ``import accountcore`` stays light."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return _Shapes(
        re.compile(r"\s+"),
        re.compile(r"[\s.\-]+"),
        re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+"),
        re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?"),
        str.maketrans({letter: str(10 + n) for n, letter in enumerate(letters)}),
    )


def _compact(text: str) -> str:
    """Clean up ``text`` as schwifty does: no whitespace, upper case."""
    # Letters and digits alone hold no whitespace: the common case skips the regex.
    return text.upper() if text.isalnum() else _shapes().whitespace.sub("", text).upper()


def _compact_iban(text: str) -> str:
    """Clean up the IBAN ``text``: no whitespace, dashes or dots, upper case."""
    return text.upper() if text.isalnum() else _shapes().separators.sub("", text).upper()


class _Spec(NamedTuple):
    """What schwifty checks of a country's IBANs."""

    length: int  #: characters in an IBAN
    pattern: re.Pattern[str]  #: the BBAN format
    digits: str  #: the country code in digits (``NL`` is ``2321``)
    national: Callable[[str], bool] | None  #: the national check of a BBAN, if schwifty has one


@functools.lru_cache(maxsize=1024)
def _iban_spec(country: str) -> _Spec | None:
    """Return what schwifty checks of ``country``'s IBANs, or None when it knows no IBANs."""
    from schwifty import registry

    try:
        spec = registry.get_iban_spec(country)
    except _schwifty()[1]:
        return None
    digits = country.translate(_shapes().numerify)
    return _Spec(spec.iban_length, spec.regex, digits, _national_check(country))


def _iban_passes(compact: str) -> bool:
    """
    Tell whether schwifty, checking national check digits too (``validate_bban=True``),
    accepts the cleaned-up IBAN ``compact``: ASCII letters and digits, the country's length
    and BBAN pattern, ISO 7064 mod 97-10 check digits, then the national check digits.
    """
    shapes = _shapes()
    if not shapes.iban.fullmatch(compact) or (spec := _iban_spec(compact[:2])) is None:
        return False
    bban = compact[4:]
    if len(compact) != spec.length or not spec.pattern.match(bban):
        return False
    # Schwifty computes the check digits (98 minus the remainder, 02 to 98) and compares.
    number = int((bban if bban.isdigit() else bban.translate(shapes.numerify)) + spec.digits)
    if int(compact[2:4]) != 98 - number * 100 % 97:
        return False
    return spec.national is None or spec.national(bban)


@functools.lru_cache(maxsize=1024)
def _bic_country(country: str) -> bool:
    """
    Tell whether a BIC may be of ``country``: an ISO 3166-1 alpha-2 code (schwifty asks
    pycountry, whose list ALPHA2 is) or a country schwifty has IBANs of (Kosovo's ``XK``).
    """
    if country in ALPHA2:
        return True
    from schwifty import registry

    try:
        registry.get_iban_spec(country)
    except _schwifty()[1]:
        return False
    return True


# --- national check digits --------------------------------------------------------------------
# Schwifty picks the method by country and, where a bank in its registry names one (German banks
# do), by bank; a country or bank without a method it implements is not checked. The checks
# run schwifty's own method objects, on the parts of the BBAN its spec says they read.


def _national_check(country: str) -> Callable[[str], bool] | None:
    """
    Return the check of ``country``'s national check digits, which tells whether those of a
    BBAN (of the country's length and format) are right, or None when schwifty has none.
    """
    from schwifty import registry
    from schwifty.checksum import algorithms

    prefix = f"{country}:"
    methods = {key[len(prefix) :] for key in algorithms if key.startswith(prefix)}
    layout = _bban_layout(country)
    if not methods or layout is None:
        return None
    if methods != {"default"} or any(
        bank.checksum_algo != "default" for bank in registry.get_banks_by_country(country)
    ):
        return functools.partial(_check_by_bank, country, layout.lookup)
    method = _national_method(country, "default")
    return functools.partial(_check, *method) if method is not None else None


@functools.lru_cache(maxsize=256)
def _national_method(country: str, name: str) -> tuple[Any, tuple[slice, ...], slice] | None:
    """
    Return schwifty's national check method ``name`` of ``country``, the parts of a BBAN it
    reads and where the check digits lie, or None when schwifty has no such method.
    """
    from schwifty import registry
    from schwifty.checksum import algorithms
    from schwifty.domain import Component

    method = algorithms.get(f"{country}:{name}")
    if method is None:
        return None
    positions = registry.get_iban_spec(country).positions

    def where(component: Any) -> slice:
        at = positions.get(component)
        return slice(at.start, at.end) if at is not None else slice(0, 0)

    reads = tuple(where(component) for component in method.accepts)
    return method, reads, where(Component("national_checksum_digits"))


def _check(method: Any, reads: tuple[slice, ...], digits: slice, bban: str) -> bool:
    """Tell whether schwifty's national check ``method`` passes ``bban``."""
    try:
        return bool(method.validate([bban[part] for part in reads], bban[digits]))
    except Exception:  # a method that cannot compute a check digit refuses the number
        return False


def _check_by_bank(country: str, lookup: tuple[slice, ...], bban: str) -> bool:
    """Tell whether the national check of the bank of ``bban`` passes it (or there is none)."""
    bank = _bank_entry(country, "".join(bban[part] for part in lookup))
    method = _national_method(country, bank.checksum_algo if bank is not None else "default")
    return method is None or _check(*method, bban)


def _national_passes(country: str, bban: str) -> bool:
    """
    Tell whether the national check digits of ``bban``, a BBAN of ``country`` of the right
    length and format, are right, or are not checked (by schwifty either).
    """
    spec = _iban_spec(country)
    return spec is None or spec.national is None or spec.national(bban)


# --- banks -----------------------------------------------------------------------------------


class _BBANLayout(NamedTuple):
    """Where schwifty finds the parts of a country's BBANs (from its IBAN spec)."""

    length: int  #: characters in a BBAN of the country
    bank_key: int  #: leading characters that hold what names the bank (its bank lookup key)
    account: slice  #: where the account code lies
    lookup: tuple[slice, ...]  #: the parts that, joined, are the bank lookup key


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
    key = tuple(slice(part.start, part.end) for part in parts if part is not None)
    return _BBANLayout(spec.bban_length, bank_key, where, key)


@functools.lru_cache(maxsize=8192)
def _bank_entry(country: str, key: str) -> Any:
    """
    Return the entry of schwifty's bank registry for the bank lookup ``key`` of ``country``,
    as schwifty picks it (the first marked primary, else the first), or None.
    """
    from schwifty import registry

    banks = registry.get_banks_by_code(country, key)
    return next((bank for bank in banks if bank.primary), banks[0]) if banks else None


def _lookup_key(country: str, bban: str) -> str | None:
    """Return the bank lookup key of ``bban``, or None when it is not a BBAN of ``country``."""
    layout = _bban_layout(country)
    if layout is None or len(bban) != layout.length:
        return None
    return "".join(bban[part] for part in layout.lookup)


def _iban_bank(country: str, bban: str) -> Any:
    """Return the registry's entry for the bank of ``bban``, a BBAN of ``country``, or None."""
    key = _lookup_key(country, bban)
    return _bank_entry(country, key) if key is not None else None


def _iban_bank_bic(country: str, bban: str) -> str | None:
    """Return the BIC of the bank of ``bban`` when exactly known (see `IBAN.bank_bic`)."""
    key = _lookup_key(country, bban)
    return _bank_bic(country, key) if key is not None else None


@functools.lru_cache(maxsize=4096)
def _bank_bic(country: str, key: str) -> str | None:
    """Return the one BIC, or institution, the registry lists for bank ``key`` of ``country``."""
    from schwifty import registry

    banks = registry.get_banks_by_code(country, key)
    written = {
        code
        for bank in ([bank for bank in banks if bank.primary] or banks)
        if (code := (bank.bic or "").upper())
        and _shapes().bic.fullmatch(code)
        and _bic_country(code[4:6])
    }
    # ``XXX``, the branch code of an institution's head office, adds nothing to a BIC.
    codes = {code[:8] if code.endswith("XXX") else code for code in written}
    if len({code[:8] for code in codes}) != 1:
        return None  # no BIC, or BICs of several institutions
    if len(codes) > 1:
        return next(iter(codes))[:8]  # branches of one institution
    return min(written, key=len)  # one BIC, as the registry writes it (the shorter way)


@functools.lru_cache(maxsize=4096)
def _bic_bank_name(bic: str) -> str | None:
    """Return the registry's name for the bank of ``bic`` (see `BIC.bank_name`), or None."""
    from schwifty import registry

    codes = [bic] + ([bic[:8], bic[:8] + "XXX"] if len(bic) == 11 else [bic + "XXX"])
    banks = [bank for code in codes for bank in registry.get_banks_by_bic(code)]
    if not banks:
        country = bic[4:6]
        homes = [home for home, areas in _IBAN_TERRITORIES.items() if country in areas]
        wanted = set(codes)
        banks = [
            bank
            for home in homes
            for bank in registry.get_banks_by_country(home)
            if (bank.bic or "").upper() in wanted
        ]
    names = sorted({bank.name for bank in banks if bank.primary and bank.name}) or sorted(
        {bank.name for bank in banks if bank.name}
    )
    return names[0] if names else None


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
