"""VAT numbers and Chamber of Commerce numbers: national numbers that need a country."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, ClassVar

import attrs

from ..errors import Problem, ValidationError
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

#: The ``country`` argument: Greece's VAT prefix EL counts as GR.
_COUNTRY_ALIASES = {"EL": "GR"}
#: VAT prefixes that are not the ISO code of the country whose rules check them: Greece's EL,
#: and XI for traders in Northern Ireland, whose numbers are British ones.
_PREFIX_COUNTRIES = {"EL": "GR", "XI": "GB"}
#: Countries whose numbers start with their VAT prefix, which belongs to the number itself:
#: the Swiss UID (``CHE...``), the EU's One-Stop-Shop numbers (``EU...``, checked by
#: ``stdnum.eu.oss``) and Monaco's, which are French ones (``FR53000004605``).
_OWN_PREFIX = {"CH": "CH", "EU": "EU", "MC": "FR"}
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
#: Longest compact national part accepted for a country without a module (CN's USCC has 18).
_UNCHECKED_VAT_LENGTH = 20
_DOUBLED_PREFIX = "The VAT number carries its country prefix twice."


@functools.lru_cache(maxsize=1024)
def _stdnum_module(country: str, name: str) -> ModuleType | None:
    """Return python-stdnum's module ``name`` for ``country`` (imported on first use), or None."""
    from stdnum.util import get_cc_module

    module = get_cc_module(country.lower(), name)
    return module if isinstance(module, ModuleType) else None


def _vat_module(country: str) -> ModuleType | None:
    if not _COUNTRY_CODE.fullmatch(country):
        return None
    return _stdnum_module(country, "oss" if country == "EU" else "vat")


def _vat_prefix(text: str, given: str | None) -> tuple[str, str] | None:
    """
    Return the VAT prefix ``text`` starts with and the country whose rules check it, or None.

    A prefix with a VAT module always counts (``XI`` counts as GB, ``EL`` as GR). Any other
    ISO country counts only when it agrees with ``given`` (or none is given) and a digit
    follows, as in ``US 12-3456789``.
    """
    head = text[:2].upper()
    if len(text) <= 2 or not (head.isascii() and head.isalpha()):
        return None
    country = _PREFIX_COUNTRIES.get(head, head)
    if _vat_module(country) is not None:
        return head, country
    rest = _strip_separators(text[2:])
    if country in ALPHA2 and given in (None, country) and _DIGITS.fullmatch(rest[:1]):
        return head, country
    return None


def _lead(prefix: str | None, country: str) -> str:
    """The letters a compact form starts with: XI for Northern Ireland, else the country."""
    return "XI" if prefix == "XI" else country


def _doubled(module: ModuleType, text: str, country: str) -> bool:
    """
    Tell whether ``text`` repeats its prefix (``NL NL 8186...``, ``ATU ATU 6503...``) and
    would be valid with the repeat removed; python-stdnum refuses such numbers on purpose.
    """
    cleaned = _strip_separators(text)
    for size in (2, 3):
        if len(cleaned) > 2 * size and cleaned[size : 2 * size] == cleaned[:size]:
            single = cleaned[size:]
            if module.is_valid(single if country in _OWN_PREFIX else single[2:]):
                return True
    return False


def _validate_vat(module: ModuleType, text: str, country: str, prefix: str | None) -> str:
    """
    Return the national part of ``text`` as ``module`` validates it.

    The text is validated as typed first: most modules drop their own prefix. When that fails
    and the text has a prefix, the text after it is tried, unless the prefix is doubled. When
    both fail, the first error counts: where the letters belong to the number (Swiss
    ``CHE-107.787.578 IVA``), the retry would report a misleading one.
    """
    try:
        national = str(module.validate(text))
    except ValueError as exc:
        if prefix is None:
            raise
        if _doubled(module, text, country):
            raise ValidationError([Problem((), "doubled_prefix", _DOUBLED_PREFIX)]) from None
        try:
            return str(module.validate(text[2:]))
        except ValueError:
            raise exc from None
    if (
        country not in _OWN_PREFIX
        and national[:2] in (prefix, country)
        and module.is_valid(national[2:])
    ):
        national = national[2:]  # a module that keeps the prefix (Romania's RO)
    return national


#: How far a check got before it failed, by problem code: the shape, the length, then the rest.
_DEPTH = {"invalid_format": 0, "invalid_length": 1}


def _depth(error: ValidationError) -> int:
    return _DEPTH.get(error.problems[0].code, 2)


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

    The compact form starts with the ISO country code (``DE136695976``), or with ``XI`` for a
    Northern Ireland number (``XI432525179``, checked by the British rules, `country` ``GB``).
    The country comes from the number's own prefix, else from ``country`` (the account's
    country); when the prefix's check fails but the number is valid for ``country``, the
    letters were part of the number (the Mexican RFC ``MAB-930714-8T4`` does not start with
    Morocco's ``MA``). A prefix typed twice (``NL NL ...``) is refused. Countries with a
    python-stdnum module are checked by it; others are accepted as unchecked when what remains
    is at most 20 letters and digits, one of them a digit.

    >>> VATNumber.parse("MAB-930714-8T4", country="MX").compact
    'MXMAB9307148T4'
    >>> vat = VATNumber.parse("XI 432525179", country="GB")
    >>> vat.compact, vat.country, vat.prefix, vat.national
    ('XI432525179', 'GB', 'XI', '432525179')

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``XI`` numbers keep their prefix; a doubled prefix is refused (``doubled_prefix``);
       `national` drops the prefix for every country; `prefix`.
    """

    kind: ClassVar[str] = "VAT number"

    @classmethod
    def parse(cls, raw: object, country: str | None = None) -> Self:
        """
        Compact and check ``raw``; ``country`` is used when the number has no prefix.

        Raises:
            ValidationError: with one problem at path ``()``; ``unknown_country`` when
                ``country`` is not an ISO 3166-1 alpha-2 code (``EL`` counts as ``GR``);
                ``doubled_prefix`` when the prefix is typed twice.
        """
        text = _require_text(cls.kind, raw).strip()
        given = _require_country(cls.kind, country, _COUNTRY_ALIASES)
        found = _vat_prefix(text, given)
        if found is None:
            if given is None:
                return cls._unchecked_number(text, None, None)
            return cls._checked(text, given, None)
        prefix, first = found
        if given is not None and given != first and _OWN_PREFIX.get(given) == prefix:
            # Monaco's numbers are French in form: the account's country tells them apart.
            with contextlib.suppress(ValidationError):
                return cls._checked(text, given, None)
        try:
            return cls._checked(text, first, prefix)
        except ValidationError as exc:
            if given is None or given == first or _vat_module(given) is None:
                raise
            error = exc
        try:
            return cls._checked(text, given, None)
        except ValidationError as exc:
            # Both failed: report the check that got further (the RFC ``CACA 580710 NF7``
            # is a Mexican number with a refused word, not a Canadian one of the wrong length).
            raise (exc if _depth(exc) > _depth(error) else error) from None

    @classmethod
    def unchecked(cls, raw: object) -> Self:
        """
        Compact ``raw`` without checking it; a country prefix still sets `country`.

        Raises:
            ValidationError: when ``raw`` is not text or is blank.
        """
        text = _require_text(cls.kind, raw).strip()
        found = _vat_prefix(text, None)
        if found is None:
            return cls(_strip_separators(text), CheckStrength.UNCHECKED)
        prefix, country = found
        compact = _lead(prefix, country) + _strip_separators(text[2:])
        return cls(compact, CheckStrength.UNCHECKED, country)

    @classmethod
    def _checked(cls, text: str, country: str, prefix: str | None) -> Self:
        module = _vat_module(country)
        if module is None:
            return cls._unchecked_number(text, country, prefix)
        try:
            national = _validate_vat(module, text, country, prefix)
        except ValidationError:
            raise
        except ValueError as exc:
            raise _library_error(cls.kind, exc) from None
        if national.startswith(_OWN_PREFIX.get(country, "-")):
            return cls(national, CheckStrength.CHECKSUM, country)
        return cls(_lead(prefix, country) + national, CheckStrength.CHECKSUM, country)

    @classmethod
    def _unchecked_number(cls, text: str, country: str | None, prefix: str | None) -> Self:
        compact = _strip_separators(text[2:] if prefix else text)
        if not compact.isalnum() or not compact.isascii():
            raise _problem(cls.kind, "invalid_format", "only letters and digits may remain")
        if not any(char.isdigit() for char in compact):
            raise _problem(cls.kind, "invalid_format", "it has no digit")
        if len(compact) > _UNCHECKED_VAT_LENGTH:
            raise _problem(cls.kind, "invalid_length", "it is longer than any tax number")
        lead = _lead(prefix, country) if country else ""
        return cls(lead + compact, CheckStrength.UNCHECKED, country)

    @property
    def prefix(self) -> str | None:
        """
        The VAT prefix as the EU's VIES writes it: the country code, except ``EL`` for Greece,
        ``XI`` for Northern Ireland and ``FR`` for Monaco; ``None`` for a number without a
        country.

        .. versionadded:: 0.2
        """
        if self.country is None:
            return None
        if self.country == "GB" and self.compact.startswith("XI"):
            return "XI"
        return "EL" if self.country == "GR" else _OWN_PREFIX.get(self.country, self.country)

    @property
    def national(self) -> str:
        """
        The number as its country writes it, without the VAT prefix.

        That drops the two prefix letters, except where they belong to the number itself:
        a Swiss UID keeps its ``CHE``, an EU One-Stop-Shop number its ``EU`` and a Monaco
        number its ``FR``.
        """
        if not self.country or self.country in _OWN_PREFIX:
            return self.compact
        return self.compact[2:]


# --- Chamber of Commerce numbers ---------------------------------------------------------

_COC_KIND = "Chamber of Commerce number"
_KVK = re.compile(r"[0-9]{8}")
_BRANCH = re.compile(r"[0-9]{12}")
_KRS = re.compile(r"[0-9]{10}")
_BRANCH_MESSAGE = (
    "The value looks like a 12-digit Dutch branch number (vestigingsnummer), not an 8-digit"
    " KvK number."
)
#: What a register number of a country without a rule may hold: ASCII letters, digits, spaces
#: and a little punctuation, with at least one digit, up to 40 characters.
_REGISTER_NUMBER = re.compile(r"(?=.*[0-9])[A-Za-z0-9 .,/()#-]{1,40}")
#: The word for "number" people type after a register's name: KvK-nummer, CVR-nr., KRS nr.
_NUMBER_WORD = r"(?:[\s-]*(?:nummer|number|numéro|numer|nr|no|n°)\.?)?"


def _label(names: str) -> re.Pattern[str]:
    """A register's names as typed before its number, with an optional number word and colon."""
    return re.compile(rf"(?:{names}){_NUMBER_WORD}\s*[:#]?\s*", re.IGNORECASE)


#: Register names typed before the number, by country (the German court is part of the
#: number and handled on its own).
_LABELS: dict[str, re.Pattern[str]] = {
    "NL": _label(
        r"K\.?\s?v\.?\s?K\.?|Kamer\s+van\s+Koophandel|Handelsregister|C\.?o\.?C\.?"
        r"|Chamber\s+of\s+Commerce|Vestigings?"
    ),
    # RCS Paris B 732 829 320: the register, its city and A or B stand before the SIREN.
    "FR": _label(r"(?:n[°o]\.?\s*)?SIRE[NT]|RCS\s+\S.*?\s+[AB](?=[\s0-9])"),
    "BE": _label(
        r"KBO(?:[\s/-]*BCE)?|BCE(?:[\s/-]*KBO)?|Ondernemings|Num[ée]ro\s+d'entreprise"
        r"|N°\s*d'entreprise|Unternehmens|Enterprise\s+number"
        r"|RP[RM](?:\s+[^\W\d_]+(?:[\s,-]+[^\W\d_]+)*)?"
    ),
    "DK": _label(r"CVR"),
    "NO": _label(r"Org\.?\s*-?\s*nr\.?|Organisasjons|Foretaksregisteret|Enhetsregisteret"),
    "SE": _label(r"Org\.?\s*-?\s*nr\.?|Organisations"),
    "FI": _label(r"Y-?\s?tunnus|FO-?\s?nummer|Business\s+ID"),
    "CH": _label(r"UID|IDE|IDI|Unternehmens-?Identifikations"),
    "EE": _label(r"Registrikood|Reg\.?\s*(?:kood|nr)\.?|Äriregistri\s+kood|Registry\s+code"),
    "AT": _label(r"Firmenbuch|FB[\s-]?Nr\.?"),
    "PL": _label(r"(?:Nr\.?|Numer)\s+(?:KRS|REGON)|KRS|REGON"),
}
#: Words around a German register number that are no part of it: Amtsgericht Köln HRB 49263.
_DE_NOISE = re.compile(
    r"(?i:\b(?:Amtsgericht|Registergericht|Handelsregister(?:nummer)?|Registernummer"
    r"|HR-?Nr)\b\.?:?)|\bAG\b\.?:?"
)
#: The court after an Austrian Firmenbuch number: FN 122119m, Handelsgericht Wien.
_AT_COURT = re.compile(r",?\s*\b(?:Handelsgericht|Landesgericht|HG|LG)\b.*$", re.IGNORECASE)
#: The registers of the German Handelsregister, as python-stdnum lists them.
_DE_REGISTERS = ("HRA", "HRB", "PR", "GnR", "VR")
#: A German register number without its court: HRB 12345, HRB 151080 B.
_DE_COURTLESS = re.compile(
    rf"(?P<registry>{'|'.join(_DE_REGISTERS)})\s*(?P<nr>[1-9][0-9]{{0,5}})"
    r"(?:\s*(?P<x>[A-ZÖ]{1,3}))?",
    re.IGNORECASE,
)

_Check = Callable[[str], tuple[str, CheckStrength]]


def _module(country: str, name: str) -> ModuleType:
    module = _stdnum_module(country, name)
    if module is None:  # pragma: no cover - every supported python-stdnum has these
        raise ImportError(f"python-stdnum has no module {country.lower()}.{name}")
    return module


def _check_nl(text: str) -> tuple[str, CheckStrength]:
    compact = _strip_separators(text)
    if _KVK.fullmatch(compact):
        return compact, CheckStrength.FORMAT
    if _BRANCH.fullmatch(compact):
        raise ValidationError([Problem((), "wrong_identifier_kind", _BRANCH_MESSAGE)])
    code = "invalid_length" if _DIGITS.fullmatch(compact) else "invalid_format"
    raise _problem(_COC_KIND, code, "a KvK number has 8 digits")


def _check_de(text: str) -> tuple[str, CheckStrength]:
    """
    Check a Handelsregister number with python-stdnum, which knows the courts; without a
    court (``HRB 12345``) only its shape can be checked.
    """
    low = text.lower()  # a cheap look for the words before the regular expression
    if ("gericht" in low or "register" in low or "nr" in low or "AG" in text) and (
        _DE_NOISE.search(text)
    ):
        text = " ".join(_DE_NOISE.sub(" ", text).split()).strip(" ,;:")
    try:
        return str(_module("DE", "handelsregisternummer").validate(text)), CheckStrength.FORMAT
    except ValueError:
        found = _DE_COURTLESS.fullmatch(text)
        if found is None:
            raise
    registry = next(r for r in _DE_REGISTERS if r.upper() == found["registry"].upper())
    qualifier = f" {found['x'].upper()}" if found["x"] else ""
    return f"{registry} {found['nr']}{qualifier}", CheckStrength.FORMAT


def _check_fr(text: str) -> tuple[str, CheckStrength]:
    """A SIREN, or a SIRET (14 digits: the SIREN and an establishment number)."""
    name = "siret" if len(_strip_separators(text)) == 14 else "siren"
    return str(_module("FR", name).validate(text)), CheckStrength.CHECKSUM


def _check_be(text: str) -> tuple[str, CheckStrength]:
    """The enterprise number: the VAT number's digits, checked mod 97."""
    module = _stdnum_module("BE", "bce") or _module("BE", "vat")
    return str(module.validate(text)), CheckStrength.CHECKSUM


def _check_at(text: str) -> tuple[str, CheckStrength]:
    """A Firmenbuch number: digits and a check letter, which python-stdnum wants lower case."""
    text = _AT_COURT.sub("", text).rstrip()
    text = text[:-1] + text[-1:].lower()
    return str(_module("AT", "businessid").validate(text)), CheckStrength.FORMAT


def _check_pl(text: str) -> tuple[str, CheckStrength]:
    """A KRS number (10 digits, no check digit) or a REGON (9 or 14 digits, checked)."""
    compact = _strip_separators(text)
    if _KRS.fullmatch(compact):
        return compact, CheckStrength.FORMAT
    return str(_module("PL", "regon").validate(text)), CheckStrength.CHECKSUM


def _by_module(country: str, name: str) -> _Check:
    def check(text: str) -> tuple[str, CheckStrength]:
        return str(_module(country, name).validate(text)), CheckStrength.CHECKSUM

    return check


#: The rule of each country with a register check.
_REGISTERS: dict[str, _Check] = {
    "NL": _check_nl,
    "DE": _check_de,
    "FR": _check_fr,
    "BE": _check_be,
    "AT": _check_at,
    "PL": _check_pl,
    "CH": _by_module("CH", "uid"),
    "DK": _by_module("DK", "cvr"),
    "EE": _by_module("EE", "registrikood"),
    "FI": _by_module("FI", "ytunnus"),
    "NO": _by_module("NO", "orgnr"),
    "SE": _by_module("SE", "orgnr"),
}


def _without_label(text: str, country: str) -> str:
    """Drop the register's name typed before the number (``KvK-nummer: 24123456``)."""
    label = _LABELS.get(country)
    found = label.match(text) if label and not text[:1].isdigit() else None
    return text[found.end() :] if found and found.end() < len(text) else text


@attrs.frozen(repr=False, weakref_slot=False)
class ChamberOfCommerceNumber(_NationalNumber):
    """
    A company register number, checked by the rules of the account's country.

    The register's name typed before the number is dropped (``KvK 24123456``,
    ``SIREN 732 829 320``, ``Amtsgericht Köln HRB 49263``) and the compact form kept. Dutch
    KvK numbers are 8 digits (format only; a 12-digit branch number is refused as
    ``wrong_identifier_kind``); German Handelsregister numbers are checked with their court by
    python-stdnum, or by shape alone without one (``HRB 12345``); Polish KRS numbers are 10
    digits (format only). Checked with python-stdnum: FR SIREN or SIRET, BE enterprise number,
    PL REGON, CH UID, DK CVR, FI Y-tunnus, EE registrikood, NO and SE organisation numbers
    (check digits), AT Firmenbuch (format). Other countries, or no country, are accepted as
    unchecked when the number has at least one digit and no more than 40 ASCII letters,
    digits, spaces and ``. , / ( ) # -``.

    >>> ChamberOfCommerceNumber.parse("KvK-nummer: 3417 4562", country="NL").compact
    '34174562'
    >>> ChamberOfCommerceNumber.parse("Amtsgericht Köln HRB 49263", country="DE").compact
    'Köln HRB 49263'

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       Register labels are dropped; BE and PL are checked; a German number without its court,
       and a French SIRET, are accepted.
    """

    kind: ClassVar[str] = _COC_KIND

    @classmethod
    def parse(cls, raw: object, country: str | None = None) -> Self:
        """
        Compact and check ``raw`` by the rules of ``country``.

        Raises:
            ValidationError: with one problem at path ``()``; ``unknown_country`` when
                ``country`` is not an ISO 3166-1 alpha-2 code; ``wrong_identifier_kind`` for
                a Dutch branch number.
        """
        text = _require_text(cls.kind, raw).strip()
        country = _require_country(cls.kind, country, {})
        check = _REGISTERS.get(country) if country else None
        if check is None or country is None:
            spaced = " ".join(text.split())
            if not _REGISTER_NUMBER.fullmatch(spaced):
                code = "invalid_length" if len(spaced) > 40 else "invalid_format"
                raise _problem(cls.kind, code, "no rule is known, so only its shape was checked")
            return cls(spaced, CheckStrength.UNCHECKED, country)
        try:
            compact, strength = check(_without_label(text, country))
        except ValidationError:
            raise
        except ValueError as exc:
            raise _library_error(cls.kind, exc) from None
        return cls(compact, strength, country)

    @classmethod
    def unchecked(cls, raw: object) -> Self:
        return cls(" ".join(_require_text(cls.kind, raw).split()), CheckStrength.UNCHECKED)
