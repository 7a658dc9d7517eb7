"""The common shape of every identifier kind, and the one place library errors are mapped."""

from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING, ClassVar

import attrs

from ..errors import Problem, ValidationError
from ._countries import ALPHA2

if TYPE_CHECKING:
    from typing_extensions import Self




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


#: The longest text any identifier may be as typed, separators included; longer text is refused
#: before any check runs (docs/validation.md).
MAX_IDENTIFIER_TEXT = 64


def _require_text(kind: str, raw: object) -> str:
    if not isinstance(raw, str):
        raise ValidationError(
            [Problem((), "invalid_type", f"The {kind} must be text, not {type(raw).__name__}.")]
        )
    if len(raw) > MAX_IDENTIFIER_TEXT:
        message = f"The {kind} is longer than {MAX_IDENTIFIER_TEXT} characters."
        raise ValidationError([Problem((), "invalid_length", message)])
    if not raw or raw.isspace():
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
