"""VAT numbers and Chamber of Commerce numbers: national numbers that need a country."""

from __future__ import annotations

import functools
import re
from types import ModuleType
from typing import TYPE_CHECKING, ClassVar

import attrs

from ..errors import ValidationError
from ._countries import ALPHA2

if TYPE_CHECKING:
    from typing_extensions import Self

from ._base import (
    _DIGITS,
    CheckStrength,
    Identifier,
    _library_error,
    _problem,
    _require_country,
    _require_text,
    _strip_separators,
)

# --- VAT numbers ---------------------------------------------------------------------------

_VAT_PREFIX_ALIASES = {"EL": "GR"}  # Greece uses EL as its VAT prefix
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
#: Longest compact national part accepted for a country without a module (CN's USCC has 18).
_UNCHECKED_VAT_LENGTH = 20


@functools.lru_cache(maxsize=1024)
def _stdnum_module(country: str, name: str) -> ModuleType | None:
    """Return python-stdnum's module ``name`` for ``country`` (imported on first use), or None."""
    from stdnum.util import get_cc_module

    module = get_cc_module(country.lower(), name)
    return module if isinstance(module, ModuleType) else None


def _vat_module(country: str) -> ModuleType | None:
    if not _COUNTRY_CODE.fullmatch(country):
        return None
    return _stdnum_module(country, "vat")


def _vat_prefix(text: str, given: str | None) -> str | None:
    """
    Return the country a leading two-letter prefix of ``text`` names, or ``None``.

    A prefix with a VAT module always counts. Any other ISO country counts only when it agrees
    with ``given`` (or none is given) and a digit follows, as in ``US 12-3456789``.
    """
    head = text[:2].upper()
    if len(text) <= 2 or not (head.isascii() and head.isalpha()):
        return None
    country = _VAT_PREFIX_ALIASES.get(head, head)
    if _vat_module(country) is not None:
        return country
    rest = _strip_separators(text[2:])
    if country in ALPHA2 and given in (None, country) and _DIGITS.fullmatch(rest[:1]):
        return country
    return None


def _drop_vat_prefix(text: str, country: str) -> str | None:
    """Return ``text`` without its leading ``country`` prefix (or its alias), if it has one."""
    head = text[:2].upper()
    return text[2:] if _VAT_PREFIX_ALIASES.get(head, head) == country else None


def _validate_vat(module: ModuleType, text: str, country: str) -> str:
    """
    Validate with ``module``, retrying without the prefix for modules that do not strip it.

    When both fail, the first error counts: where the letters belong to the number (Swiss
    ``CHE-107.787.578 IVA``), the retry would report a misleading one.
    """
    try:
        return str(module.validate(text))
    except ValueError as exc:
        national = _drop_vat_prefix(text, country)
        if national is None:
            raise
        error = exc
    try:
        return str(module.validate(national))
    except ValueError:
        raise error from None


@attrs.frozen(repr=False, weakref_slot=False)
class _NationalNumber(Identifier):
    """A number whose rules depend on a country: it records the country it was read for."""

    country: str | None = None

    masked: ClassVar[bool] = True

    @classmethod
    def parse(cls, raw: object, country: str | None = None) -> Self:
        raise NotImplementedError

    @classmethod
    def is_valid(cls, raw: object, country: str | None = None) -> bool:
        """
        Tell whether ``raw`` parses (with ``country`` as for `parse`); never raises.
        """
        try:
            cls.parse(raw, country)
        except ValidationError:
            return False
        return True


@attrs.frozen(repr=False, weakref_slot=False)
class VATNumber(_NationalNumber):
    """
    A VAT (or national tax) number, qualified by its country.

    The compact form starts with the ISO country code (``DE136695976``). The country comes
    from the number's own prefix, else from ``country`` (the account's country); when the
    prefix's check fails but the number is valid for ``country``, the letters were part of
    the number (the Mexican RFC ``MAB-930714-8T4`` does not start with Morocco's ``MA``).
    Countries with a python-stdnum module are checked by it; others are accepted as
    unchecked when what remains is at most 20 letters and digits, one of them a digit.

    >>> VATNumber.parse("MAB-930714-8T4", country="MX").compact
    'MXMAB9307148T4'

    .. versionadded:: 0.1
    """

    kind: ClassVar[str] = "VAT number"

    @classmethod
    def parse(cls, raw: object, country: str | None = None) -> Self:
        """
        Compact and check ``raw``; ``country`` is used when the number has no prefix.

        Raises:
            ValidationError: with one problem at path ``()``; ``unknown_country`` when
                ``country`` is not an ISO 3166-1 alpha-2 code (``EL`` counts as ``GR``).
        """
        text = _require_text(cls.kind, raw).strip()
        given = _require_country(cls.kind, country, _VAT_PREFIX_ALIASES)
        first = _vat_prefix(text, given) or given
        if first is None:
            return cls._unchecked_number(text, None)
        try:
            return cls._checked(text, first)
        except ValidationError as exc:
            if given is None or given == first or _vat_module(given) is None:
                raise
            error = exc
        try:
            return cls._checked(text, given)
        except ValidationError:
            raise error from None

    @classmethod
    def unchecked(cls, raw: object) -> Self:
        """
        Compact ``raw`` without checking it; a country prefix still sets `country`.

        Raises:
            ValidationError: when ``raw`` is not text or is blank.
        """
        text = _require_text(cls.kind, raw).strip()
        country = _vat_prefix(text, None)
        national = _drop_vat_prefix(text, country) if country else None
        compact = _strip_separators(text if national is None else national)
        return cls((country or "") + compact, CheckStrength.UNCHECKED, country)

    @classmethod
    def _checked(cls, text: str, country: str) -> Self:
        module = _vat_module(country)
        if module is None:
            return cls._unchecked_number(text, country)
        try:
            compact = _validate_vat(module, text, country)
        except ValueError as exc:
            raise _library_error(cls.kind, exc) from None
        national = _drop_vat_prefix(compact, country)
        compact = country + (compact if national is None else national)
        return cls(compact, CheckStrength.CHECKSUM, country)

    @classmethod
    def _unchecked_number(cls, text: str, country: str | None) -> Self:
        national = _drop_vat_prefix(text, country) if country else None
        compact = _strip_separators(text if national is None else national)
        if not compact.isalnum() or not compact.isascii():
            raise _problem(cls.kind, "invalid_format", "only letters and digits may remain")
        if not any(char.isdigit() for char in compact):
            raise _problem(cls.kind, "invalid_format", "it has no digit")
        if len(compact) > _UNCHECKED_VAT_LENGTH:
            raise _problem(cls.kind, "invalid_length", "it is longer than any tax number")
        return cls((country or "") + compact, CheckStrength.UNCHECKED, country)

    @property
    def national(self) -> str:
        """
        The number as its country writes it without the VAT prefix.

        For most countries that drops the two-letter prefix; a Swiss UID keeps its ``CHE``,
        which belongs to the number itself.
        """
        if not self.country:
            return self.compact
        module = _vat_module(self.country) if self.strength is CheckStrength.CHECKSUM else None
        compact = getattr(module, "compact", None)
        national: str = compact(self.compact) if compact else self.compact[2:]
        return national


# --- Chamber of Commerce numbers ---------------------------------------------------------

#: Country -> (python-stdnum module name, strength). Dutch KvK numbers have no module.
_COC_MODULES: dict[str, tuple[str, CheckStrength]] = {
    "DE": ("handelsregisternummer", CheckStrength.FORMAT),
    "FR": ("siren", CheckStrength.CHECKSUM),
    "AT": ("businessid", CheckStrength.FORMAT),
    "CH": ("uid", CheckStrength.CHECKSUM),
    "DK": ("cvr", CheckStrength.CHECKSUM),
    "FI": ("ytunnus", CheckStrength.CHECKSUM),
    "EE": ("registrikood", CheckStrength.CHECKSUM),
    "NO": ("orgnr", CheckStrength.CHECKSUM),
    "SE": ("orgnr", CheckStrength.CHECKSUM),
}
_KVK = re.compile(r"[0-9]{8}")
#: What a register number of a country without a rule may hold: ASCII letters, digits, spaces
#: and a little punctuation, with at least one digit, up to 40 characters.
_REGISTER_NUMBER = re.compile(r"(?=.*[0-9])[A-Za-z0-9 .,/()#-]{1,40}")


@attrs.frozen(repr=False, weakref_slot=False)
class ChamberOfCommerceNumber(_NationalNumber):
    """
    A company register number, checked by the rules of the account's country.

    Dutch KvK numbers are 8 digits (format only); German Handelsregister numbers and the
    registers of FR, AT, CH, DK, FI, EE, NO and SE use python-stdnum; other countries, or no
    country, are accepted as unchecked when the number has at least one digit and no more
    than 40 ASCII letters, digits, spaces and ``. , / ( ) # -``.

    .. versionadded:: 0.1
    """

    kind: ClassVar[str] = "Chamber of Commerce number"

    @classmethod
    def parse(cls, raw: object, country: str | None = None) -> Self:
        """
        Compact and check ``raw`` by the rules of ``country``.

        Raises:
            ValidationError: with one problem at path ``()``; ``unknown_country`` when
                ``country`` is not an ISO 3166-1 alpha-2 code.
        """
        text = _require_text(cls.kind, raw).strip()
        country = _require_country(cls.kind, country, {})
        if country == "NL":
            compact = _strip_separators(text)
            if not _KVK.fullmatch(compact):
                code = "invalid_length" if _DIGITS.fullmatch(compact) else "invalid_format"
                raise _problem(cls.kind, code, "a KvK number has 8 digits")
            return cls(compact, CheckStrength.FORMAT, country)
        entry = _COC_MODULES.get(country or "")
        module = _stdnum_module(country, entry[0]) if entry and country else None
        if module is None or entry is None:
            spaced = " ".join(text.split())
            if not _REGISTER_NUMBER.fullmatch(spaced):
                code = "invalid_length" if len(spaced) > 40 else "invalid_format"
                raise _problem(cls.kind, code, "no rule is known, so only its shape was checked")
            return cls(spaced, CheckStrength.UNCHECKED, country)
        try:
            compact = module.validate(text)
        except ValueError as exc:
            raise _library_error(cls.kind, exc) from None
        return cls(compact, entry[1], country)

    @classmethod
    def unchecked(cls, raw: object) -> Self:
        return cls(" ".join(_require_text(cls.kind, raw).split()), CheckStrength.UNCHECKED)
