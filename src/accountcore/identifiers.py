"""
Identifiers: IBAN, BIC, VAT number, Chamber of Commerce number, D-U-N-S and GLN.

Every kind has one shape. ``X.parse(raw)`` compacts and checks, returning an ``X`` or raising
`ValidationError`; ``X.is_valid(raw)`` answers without raising, whatever ``raw`` is;
``x.formatted`` is the display form and ``str(x)`` the compact form. Each value records how
strong its check was (`CheckStrength`). Identifiers are not strings and never compare equal
to one. Reprs mask all but the last four characters of IBANs and tax numbers.

>>> iban = IBAN.parse("nl91 abna 0417 1643 00")
>>> str(iban), iban.formatted, iban.strength.value
('NL91ABNA0417164300', 'NL91 ABNA 0417 1643 00', 'checksum')
>>> iban
IBAN('**************4300')
>>> IBAN.is_valid("NL91ABNA0417164301"), IBAN.is_valid(None)
(False, False)
>>> VATNumber.parse("136695976", country="DE").compact
'DE136695976'
>>> VATNumber.parse("US 12-3456789").strength.value
'unchecked'
>>> DUNS.parse("00-123-4567").compact
'001234567'

No check calls the network. python-stdnum and schwifty load on first use, not on import.

.. versionadded:: 0.1
"""

from __future__ import annotations

import enum
import re
from types import ModuleType
from typing import TYPE_CHECKING, ClassVar, TypeVar

import attrs

from ._countries import ALPHA2
from .errors import Problem, ValidationError

if TYPE_CHECKING:
    import schwifty.bban
    from typing_extensions import Self

__all__ = [
    "BIC",
    "DUNS",
    "GLN",
    "IBAN",
    "ChamberOfCommerceNumber",
    "CheckStrength",
    "Identifier",
    "VATNumber",
    "mask",
]

_T = TypeVar("_T", bound="Identifier")


class CheckStrength(enum.Enum):
    """
    How strongly an identifier was checked.

    .. versionadded:: 0.1
    """

    CHECKSUM = "checksum"  #: check digits verified
    FORMAT = "format"  #: shape verified; the kind has no check digits
    UNCHECKED = "unchecked"  #: no rule known (for example a country without a module)


def mask(value: str) -> str:
    """
    Hide all but the last four characters of ``value``.

    >>> mask("NL91ABNA0417164300")
    '**************4300'

    .. versionadded:: 0.1
    """
    return "*" * max(len(value) - 4, 0) + value[-4:] if len(value) > 4 else "*" * len(value)


_STDNUM_CODES = {
    "InvalidFormat": "invalid_format",
    "InvalidLength": "invalid_length",
    "InvalidChecksum": "invalid_checksum",
    "InvalidComponent": "invalid_component",
}
_SCHWIFTY_CODES = {
    "InvalidLength": "invalid_length",
    "InvalidChecksumDigits": "invalid_checksum",
    "InvalidBBANChecksum": "invalid_checksum",
    "InvalidStructure": "invalid_format",
    "InvalidCountryCode": "invalid_component",
    "InvalidBankCode": "invalid_component",
    "InvalidBranchCode": "invalid_component",
    "InvalidAccountCode": "invalid_component",
}
_CODE_WORDS = {
    "invalid_format": "has an invalid format",
    "invalid_length": "has the wrong length",
    "invalid_checksum": "has wrong check digits",
    "invalid_component": "has an unknown or wrong part",
}


def _problem(kind: str, code: str, detail: str | None = None) -> ValidationError:
    message = f"The {kind} {_CODE_WORDS.get(code, 'is invalid')}"
    return ValidationError([Problem((), code, message + (f": {detail}." if detail else "."))])


def _library_error(kind: str, exc: Exception) -> ValidationError:
    """Map a python-stdnum or schwifty exception to a problem; the one place that does."""
    name = type(exc).__name__
    module = type(exc).__module__
    if module.startswith("schwifty"):
        code = _SCHWIFTY_CODES.get(name, "invalid_format")
    else:
        code = next(
            (_STDNUM_CODES[k.__name__] for k in type(exc).__mro__ if k.__name__ in _STDNUM_CODES),
            "invalid_format",
        )
    return _problem(kind, code)


def _require_text(kind: str, raw: object) -> str:
    if not isinstance(raw, str):
        raise ValidationError(
            [Problem((), "invalid_type", f"The {kind} must be text, not {type(raw).__name__}.")]
        )
    if not raw.strip():
        raise ValidationError([Problem((), "required", f"The {kind} is blank.")])
    return raw


def _require_country(kind: str, country: object, aliases: dict[str, str]) -> str | None:
    """Normalise a ``country`` argument to an ISO 3166-1 alpha-2 code; blank means none."""
    if country is None or (isinstance(country, str) and not country.strip()):
        return None
    code = country.strip().upper() if isinstance(country, str) else ""
    code = aliases.get(code, code)
    if code not in ALPHA2:
        message = f"The country given for the {kind} is not an ISO 3166-1 alpha-2 code."
        raise ValidationError([Problem((), "unknown_country", message)])
    return code


_SEPARATORS = re.compile(r"[\s.\-/]+")
# Not \d: that also matches full-width and other non-ASCII digits.
_DIGITS = re.compile(r"[0-9]+")


def _strip_separators(raw: str) -> str:
    return _SEPARATORS.sub("", raw).upper()


@attrs.frozen(repr=False, weakref_slot=False)
class Identifier:
    """
    The common shape of every identifier kind; not instantiated directly.

    .. versionadded:: 0.1
    """

    compact: str
    strength: CheckStrength

    kind: ClassVar[str] = "identifier"
    masked: ClassVar[bool] = False

    @classmethod
    def parse(cls, raw: object) -> Self:
        """
        Compact and check ``raw``.

        Raises:
            ValidationError: with one problem at path ``()``.
        """
        raise NotImplementedError

    @classmethod
    def is_valid(cls, raw: object) -> bool:
        """
        Tell whether ``raw`` parses; never raises.
        """
        try:
            cls.parse(raw)
        except ValidationError:
            return False
        return True

    @classmethod
    def unchecked(cls, raw: object) -> Self:
        """
        Compact ``raw`` without checking it (strength `CheckStrength.UNCHECKED`).

        For bulk paths that check identifiers elsewhere or later.

        Raises:
            ValidationError: when ``raw`` is not text or is blank.
        """
        return cls(_strip_separators(_require_text(cls.kind, raw)), CheckStrength.UNCHECKED)

    @property
    def formatted(self) -> str:
        """
        The display form.
        """
        return self.compact

    def __str__(self) -> str:
        return self.compact

    def __repr__(self) -> str:
        shown = mask(self.compact) if self.masked else self.compact
        return f"{type(self).__name__}({shown!r})"


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
        import schwifty
        from schwifty.exceptions import SchwiftyException

        try:
            value = schwifty.IBAN(text)
        except (SchwiftyException, ValueError) as exc:
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
        bban = self._readable_bban()
        return bban is not None and digits.lstrip("0") == str(bban.account_code).lstrip("0")

    def _bban(self) -> schwifty.bban.BBAN:
        # A BBAN is five times cheaper to build than a second schwifty IBAN.
        from schwifty.bban import BBAN

        return BBAN(self.country, self.compact[4:])

    def _readable_bban(self) -> schwifty.bban.BBAN | None:
        """Return the BBAN, or ``None`` when schwifty has no spec for the country (unchecked)."""
        from schwifty import registry
        from schwifty.exceptions import SchwiftyException

        try:
            # BBAN reads its country lazily, so an unknown one would fail on first use.
            registry.get_iban_spec(self.country)
        except (SchwiftyException, ValueError):
            return None
        return self._bban()


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
        import schwifty
        from schwifty.exceptions import SchwiftyException

        try:
            value = schwifty.BIC(text)
        except (SchwiftyException, ValueError) as exc:
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
            ``False`` when the countries differ, or when schwifty's bank registry knows the
            IBAN's bank and lists no BIC of it with this bank code; ``True`` when it lists
            one; ``None`` when the registry does not know the bank (only the country agreed).
        """
        if self.country != iban.country:
            return False
        from schwifty import registry

        bban = iban._readable_bban()
        bank = bban.bank if bban is not None else None
        if bank is None:
            return None
        known = {
            b.bic[:6].upper()
            for b in registry.get_banks_by_code(bank.country_code, bank.bank_code)
            if b.bic
        }
        return self.compact[:6] in known if known else None


# --- VAT numbers ---------------------------------------------------------------------------

_VAT_PREFIX_ALIASES = {"EL": "GR"}  # Greece uses EL as its VAT prefix
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
#: Longest compact national part accepted for a country without a module (CN's USCC has 18).
_UNCHECKED_VAT_LENGTH = 20


def _stdnum_module(country: str, name: str) -> ModuleType | None:
    from stdnum.util import get_cc_module

    module = get_cc_module(country.lower(), name)
    return module if isinstance(module, ModuleType) else None


def _vat_module(country: str) -> ModuleType | None:
    if not _COUNTRY_CODE.match(country):
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
class VATNumber(Identifier):
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

    country: str | None = None

    kind: ClassVar[str] = "VAT number"
    masked: ClassVar[bool] = True

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
    def is_valid(cls, raw: object, country: str | None = None) -> bool:
        """
        Tell whether ``raw`` parses (with ``country`` as for `parse`); never raises.
        """
        try:
            cls.parse(raw, country)
        except ValidationError:
            return False
        return True

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
        The number without its country prefix.
        """
        return self.compact[2:] if self.country else self.compact


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
class ChamberOfCommerceNumber(Identifier):
    """
    A company register number, checked by the rules of the account's country.

    Dutch KvK numbers are 8 digits (format only); German Handelsregister numbers and the
    registers of FR, AT, CH, DK, FI, EE, NO and SE use python-stdnum; other countries, or no
    country, are accepted as unchecked when the number has at least one digit and no more
    than 40 ASCII letters, digits, spaces and ``. , / ( ) # -``.

    .. versionadded:: 0.1
    """

    country: str | None = None

    kind: ClassVar[str] = "Chamber of Commerce number"
    masked: ClassVar[bool] = True

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
    def is_valid(cls, raw: object, country: str | None = None) -> bool:
        """
        Tell whether ``raw`` parses (with ``country`` as for `parse`); never raises.
        """
        try:
            cls.parse(raw, country)
        except ValidationError:
            return False
        return True

    @classmethod
    def unchecked(cls, raw: object) -> Self:
        return cls(" ".join(_require_text(cls.kind, raw).split()), CheckStrength.UNCHECKED)


# --- D-U-N-S and GLN -------------------------------------------------------------------------


@attrs.frozen(repr=False, weakref_slot=False)
class DUNS(Identifier):
    """
    A Dun & Bradstreet D-U-N-S number: 9 digits, leading zeros kept (format only).

    .. versionadded:: 0.1
    """

    kind: ClassVar[str] = "D-U-N-S number"

    @classmethod
    def parse(cls, raw: object) -> Self:
        compact = _strip_separators(_require_text(cls.kind, raw))
        if not _DIGITS.fullmatch(compact):
            raise _problem(cls.kind, "invalid_format", "it has only digits")
        if len(compact) != 9:
            raise _problem(cls.kind, "invalid_length", "it has 9 digits")
        return cls(compact, CheckStrength.FORMAT)

    @property
    def formatted(self) -> str:
        return f"{self.compact[:2]}-{self.compact[2:5]}-{self.compact[5:]}"


@attrs.frozen(repr=False, weakref_slot=False)
class GLN(Identifier):
    """
    A GS1 Global Location Number: 13 digits, the last a GS1 check digit.

    .. versionadded:: 0.1
    """

    kind: ClassVar[str] = "GLN"

    @classmethod
    def parse(cls, raw: object) -> Self:
        compact = _strip_separators(_require_text(cls.kind, raw))
        if not _DIGITS.fullmatch(compact):
            raise _problem(cls.kind, "invalid_format", "it has only digits")
        if len(compact) != 13:
            raise _problem(cls.kind, "invalid_length", "it has 13 digits")
        from stdnum import ean

        if ean.calc_check_digit(compact[:-1]) != compact[-1]:
            raise _problem(cls.kind, "invalid_checksum")
        return cls(compact, CheckStrength.CHECKSUM)
