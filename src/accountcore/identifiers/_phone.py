"""
Phone numbers, read by Google's libphonenumber rules (the ``phonenumbers`` package).

phonenumbers loads on first use, never on ``import accountcore``: its import alone takes
about 40 ms. It is thorough but slow: about 25 µs to parse a number and 10 to 30 µs to tell
whether it is assigned. Two quick paths here give the same answers from phonenumbers' own
metadata: the common international form (``+31 20 123 4567``) is read from its digits, and
each region's ranges are compiled once; ``tests/identifiers/test_phone.py`` checks both
against phonenumbers. Readings are remembered in bounded caches, so that the error rule and
the warning rule of an account read each number once.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, ClassVar, NamedTuple

import attrs

from ..errors import Problem, ValidationError
from ._base import CheckStrength, Identifier, _require_country, _require_text

if TYPE_CHECKING:
    import phonenumbers
    from typing_extensions import Self

# The number: digits and separators after an optional + (or "(+"), at least one of them a
# digit. Then, optionally, an extension behind a marker phonenumbers reads as one: ext, extn,
# extension, anexo (up to 20 digits), x or # (up to 9), or RFC 3966's ;ext= (up to 20), in
# any case. Matched whole (fullmatch): a `$` anchor would let a final newline through.
# Greedy, and the markers only case-insensitive: about as quick as a plain character class.
_MAIN = r"(\(?\+?[ ()\-./]*[0-9][0-9 ()\-./]*)"
_EXTENSION = (
    r"(?:[ ,]*(?i:ext(?:ension|n)?|anexo)[.:]?[ \-]*([0-9]{1,20})#?"
    r"|[ ,]*[xX#][.:]?[ \-]*([0-9]{1,9})#?"
    r"|;ext=([0-9]{1,20})) *"
)
_SHAPE = _MAIN + "(?:" + _EXTENSION + ")?"

#: The message of a text that is no phone number by its characters alone.
SHAPE_MESSAGE = (
    "A phone number holds digits, spaces and + ( ) - . /, then an optional extension such as"
    " ext. 12."
)
#: phonenumbers' limits on a national significant number, which its parse enforces.
_MIN_NATIONAL, _MAX_NATIONAL = 2, 17
#: The region phonenumbers files non-geographic numbers (+800, +882...) under.
_NON_GEOGRAPHIC = "001"
#: What the number's part of the shape holds besides digits.
_SEPARATORS = "+ ()-./"
_SEPARATOR_BYTES = _SEPARATORS.encode("ascii")


def _international_digits(text: str) -> str | None:
    """
    The digits of ``text`` when it is a + followed by digits and separators only (no
    extension, no letter), else ``None``.
    """
    if text[:1] != "+" or not text.isascii():
        return None
    # bytes.translate deletes in one C pass; str.translate looks each character up in a dict.
    digits = text.encode("ascii").translate(None, _SEPARATOR_BYTES).decode("ascii")
    return digits if digits.isdigit() else None


@functools.cache
def _shape() -> re.Pattern[str]:
    """Compile the shape on first use: compiling it would slow `import accountcore`."""
    return re.compile(_SHAPE)


@functools.cache
def _supported_regions() -> frozenset[str]:
    import phonenumbers

    return frozenset(phonenumbers.SUPPORTED_REGIONS)


def _refuse(message: str) -> ValidationError:
    return ValidationError([Problem((), "invalid_phone", message)])


class _Plan(NamedTuple):
    """What the quick path needs of a country code's numbering plan."""

    #: phonenumbers has metadata for the code (it asserts so while parsing).
    known: bool
    #: The national prefix (``0``...) phonenumbers strips from the national number, if any.
    prefix: re.Pattern[str] | None = None
    #: The lengths of its national numbers, ascending (``(-1,)`` when none is possible).
    lengths: tuple[int, ...] = ()
    #: The lengths of numbers dialled only locally, without an area code.
    local: tuple[int, ...] = ()


_UNKNOWN_PLAN = _Plan(known=False)


@functools.lru_cache(maxsize=1024)  # country codes have at most three digits
def _plan(code: int) -> _Plan | None:
    """The plan of country code ``code``; ``None`` when no country has the code."""
    import phonenumbers
    from phonenumbers.phonemetadata import PhoneMetadata

    if code not in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        return None
    region = phonenumbers.region_code_for_country_code(code)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    general = None if metadata is None else metadata.general_desc
    if metadata is None or general is None:
        return _UNKNOWN_PLAN
    prefix = metadata.national_prefix_for_parsing
    return _Plan(
        known=True,
        prefix=re.compile(prefix) if prefix else None,
        lengths=tuple(general.possible_length),
        local=tuple(general.possible_length_local_only),
    )


def _split(digits: str) -> tuple[int, str, _Plan] | None:
    """
    The country code, national number and plan phonenumbers finds in a + and ``digits``,
    or ``None`` where its reading would take a step the quick path leaves out (a national
    prefix to strip, an unknown country code, too few or too many digits).
    """
    if len(digits) < 3 or digits[0] == "0":
        return None
    for size in (1, 2, 3):  # the first known code wins, as in phonenumbers
        code = int(digits[:size])
        plan = _plan(code)
        if plan is not None:
            national = digits[size:]
            break
    else:
        return None
    if not plan.known or not _MIN_NATIONAL <= len(national) <= _MAX_NATIONAL:
        return None
    if plan.prefix is not None and plan.prefix.match(national):
        return None
    return code, national, plan


def _quick_number(digits: str) -> phonenumbers.PhoneNumber | None:
    """What ``phonenumbers.parse`` makes of a + and ``digits``, where `_split` reads them."""
    import phonenumbers

    split = _split(digits)
    if split is None:
        return None
    code, national, _ = split
    number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    if len(national) > 1 and national[0] == "0":  # as phonenumbers keeps Italian leading zeros
        number.italian_leading_zero = True
        zeros = len(national) - len(national.lstrip("0"))
        zeros = min(zeros, len(national) - 1)
        if zeros != 1:
            number.number_of_leading_zeros = zeros
    return number


def _quick_reading(digits: str) -> tuple[str, None] | str | None:
    """
    What `_read` makes of a + and ``digits``, without a phonenumbers value: its E.164 form
    (the very digits) or why it is not possible; ``None`` where `_split` cannot read them.
    """
    split = _split(digits)
    if split is None:
        return None
    code, national, plan = split
    failure = _length_failure(len(national), plan, code)
    return ("+" + digits, None) if failure is None else failure


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber:
    """Read ``text`` as phonenumbers does; raise `phonenumbers.NumberParseException`."""
    import phonenumbers

    digits = _international_digits(text)
    if digits is not None and (quick := _quick_number(digits)) is not None:
        return quick
    return phonenumbers.parse(text, region)


def _length_failure(length: int, plan: _Plan, code: int) -> str | None:
    """
    Say why a national number of ``length`` digits is no possible number of ``plan``, or
    ``None`` when it is: phonenumbers' ``is_possible_number_with_reason``, from the plan.
    """
    lengths = plan.lengths
    if length in plan.local:
        return "The phone number lacks its area code, so it can be dialled only locally."
    if not lengths:  # never so in phonenumbers' data; it would fail on it
        return f"The phone number has a length no number of country code +{code} has."
    if length == lengths[0]:
        return None
    if length < lengths[0]:
        return f"The phone number has too few digits for country code +{code}."
    if length > lengths[-1]:
        return f"The phone number has too many digits for country code +{code}."
    if length in lengths[1:]:
        return None
    return f"The phone number has a length no number of country code +{code} has."


def _possible_failure(number: phonenumbers.PhoneNumber) -> str | None:
    """Say why ``number`` has no possible length for its country, or ``None`` when it has."""
    import phonenumbers

    code = number.country_code
    plan = None if code is None else _plan(code)
    if code is None or plan is None or not plan.known:
        return "The phone number starts with no known country code."
    national = phonenumbers.national_significant_number(number)
    return _length_failure(len(national), plan, code)


def _parse_failure(error: Exception, text: str, region: str | None) -> str:
    import phonenumbers

    kind = getattr(error, "error_type", None)
    fault = phonenumbers.NumberParseException
    if kind in (fault.TOO_SHORT_NSN, fault.TOO_SHORT_AFTER_IDD) or sum(map(str.isdigit, text)) < 3:
        return "The phone number has too few digits."
    if kind == fault.INVALID_COUNTRY_CODE:
        if region is None and not _starts_international(text):
            return "The phone number needs a country code, such as +31, or a country to be read by."
        return "The phone number starts with no known country code."
    if kind == fault.TOO_LONG:
        return "The phone number has too many digits."
    return "The text is not a phone number."


def _starts_international(text: str) -> bool:
    """Tell whether ``text`` starts with a + (after any opening separators)."""
    return text.lstrip(" ()-./").startswith("+")


@functools.lru_cache(maxsize=4096)
def _read(text: str, region: str | None) -> tuple[str, str | None] | str:
    """
    Read ``text`` with ``region`` as the default: its E.164 form and extension, or the
    message saying why it is not a possible phone number (`SHAPE_MESSAGE` when its
    characters say so already).
    """
    import phonenumbers

    if _shape().fullmatch(text) is None:
        return SHAPE_MESSAGE
    digits = _international_digits(text)  # the common form: no phonenumbers value needed
    if digits is not None and (quick := _quick_reading(digits)) is not None:
        return quick
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        return _parse_failure(error, text, region)
    except Exception:  # an assertion of phonenumbers' own: nothing of it escapes
        return "The text is not a phone number."
    failure = _possible_failure(number)
    if failure is not None:
        return failure
    e164 = f"+{number.country_code}{phonenumbers.national_significant_number(number)}"
    # A national number with leading zeros (Italy's) may start with the national prefix of
    # its country too (0 000 000 for NL): its E.164 form reads as another number. None is real.
    if number.italian_leading_zero and _number(e164) != _core(number):
        return "The text is not a phone number."
    return e164, number.extension or None


def _core(number: phonenumbers.PhoneNumber) -> phonenumbers.PhoneNumber:
    """``number`` without its extension (and what ``parse`` keeps of the raw input)."""
    import phonenumbers

    return phonenumbers.PhoneNumber(
        country_code=number.country_code,
        national_number=number.national_number,
        italian_leading_zero=number.italian_leading_zero,
        number_of_leading_zeros=number.number_of_leading_zeros,
    )


@functools.lru_cache(maxsize=4096)
def _number(e164: str) -> phonenumbers.PhoneNumber | None:
    """The phonenumbers value of an E.164 text, or ``None`` when it is none."""
    try:
        return _parse(e164, None)
    except Exception:  # phonenumbers' NumberParseException, or an assertion of its own
        return None


@functools.lru_cache(maxsize=4096)
def _assigned(e164: str) -> bool:
    digits = _international_digits(e164)
    split = None if digits is None else _split(digits)
    if split is not None:  # the digits say it all: no phonenumbers value needed
        code, national, _ = split
        return _valid_national(code, national)
    number = _number(e164)
    return number is not None and _is_valid(number)


#: A kind of number of a plan (fixed line, mobile, ...): its lengths and its pattern.
_Desc = tuple[frozenset[int], re.Pattern[str]]


class _Ranges(NamedTuple):
    """A region's assigned ranges, as ``phonenumbers.is_valid_number`` tests them."""

    code: int
    region: str
    country_code: int
    #: The leading digits that claim a number for the region among those sharing its code.
    leading: re.Pattern[str] | None
    general: _Desc | None
    #: Each kind of number, in phonenumbers' order (mobile left out where its pattern is the
    #: fixed line's, as phonenumbers does).
    kinds: tuple[_Desc, ...]

    def match(self, national: str) -> bool:
        """phonenumbers' ``_number_type_helper(national) != UNKNOWN``."""
        if not _matches(self.general, national):
            return False
        kinds = _kinds_of_length(self.code, self.region, len(national))
        return kinds is not None and kinds.fullmatch(national) is not None


def _matches(desc: _Desc | None, national: str) -> bool:
    """phonenumbers' ``_is_number_matching_desc``."""
    if desc is None:
        return False
    lengths, pattern = desc
    return (not lengths or len(national) in lengths) and pattern.fullmatch(national) is not None


_KINDS = (
    "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
    "voicemail", "fixed_line",
)  # fmt: skip


@functools.lru_cache(maxsize=1024)
def _ranges(code: int, region: str) -> _Ranges | None:
    """The ranges of ``region`` (``"001"`` with ``code`` for numbers of no country)."""
    from phonenumbers.phonemetadata import PhoneMetadata

    metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    if metadata is None or metadata.country_code is None:
        return None

    def desc(name: str) -> _Desc | None:
        found = getattr(metadata, name)
        if found is None or not found.national_number_pattern:
            return None
        return frozenset(found.possible_length), re.compile(found.national_number_pattern)

    names = _KINDS if metadata.same_mobile_and_fixed_line_pattern else (*_KINDS, "mobile")
    leading = metadata.leading_digits
    return _Ranges(
        code=code,
        region=region,
        country_code=metadata.country_code,
        leading=re.compile(leading) if leading is not None else None,
        general=desc("general_desc"),
        kinds=tuple(d for d in map(desc, names) if d is not None),
    )


@functools.lru_cache(maxsize=4096)
def _kinds_of_length(code: int, region: str, length: int) -> re.Pattern[str] | None:
    """
    One pattern for the kinds of number of ``region`` that may have ``length`` digits: it
    matches where any of theirs does, in one call (``None`` when no kind has the length).
    """
    ranges = _ranges(code, region)
    if ranges is None:
        return None
    patterns = [p.pattern for lengths, p in ranges.kinds if not lengths or length in lengths]
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def _is_valid(number: phonenumbers.PhoneNumber) -> bool:
    """``phonenumbers.is_valid_number``, by `_valid_national`."""
    import phonenumbers

    code = number.country_code
    national = phonenumbers.national_significant_number(number)
    return code is not None and _valid_national(code, national)


def _valid_national(code: int, national: str) -> bool:
    """
    ``phonenumbers.is_valid_number`` of the number of country code ``code`` and national
    significant number ``national``, with each region's patterns compiled once: five to
    twenty times as fast. ``tests/identifiers/test_phone.py`` checks that the two agree.
    """
    import phonenumbers

    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code)
    if not regions:
        return False
    if len(regions) == 1:
        region: str | None = regions[0]
    else:  # the first region whose leading digits, or else whose ranges, claim the number
        region = None
        for candidate in regions:
            claims = _ranges(code, candidate)
            if claims is None:
                continue
            if claims.leading is not None:
                if claims.leading.match(national):
                    region = candidate
                    break
            elif claims.match(national):
                region = candidate
                break
    if region is None:
        return False
    ranges = _ranges(code, region)
    if ranges is None or (region != _NON_GEOGRAPHIC and ranges.country_code != code):
        return False
    return ranges.match(national)


@functools.lru_cache(maxsize=4096)
def _region(e164: str) -> str | None:
    import phonenumbers

    number = _number(e164)
    if number is None:
        return None
    region = phonenumbers.region_code_for_number(number)
    return region if region and region != _NON_GEOGRAPHIC else None


def _usable_region(country: str | None) -> str | None:
    """The region phonenumbers reads national numbers by, or ``None`` where it has none."""
    return country if country is not None and country in _supported_regions() else None


@attrs.frozen(repr=False, weakref_slot=False)
class PhoneNumber(Identifier):
    """
    A phone number, read and checked by phonenumbers (Google's libphonenumber rules).

    The compact form is E.164 (``+31201234567``), followed by ``;ext=`` and the extension
    when the number has one (RFC 3966), so that it reads back to the same number. A number
    written without ``+`` is read by ``country`` (the account's country), dialling prefixes
    such as ``0`` or ``00`` included. A number is refused when phonenumbers cannot read it,
    or when it has too few or too many digits for its country (or only a local number's,
    without an area code); a number of a possible length that lies in no range its country
    has assigned is accepted, and `assigned` says so. The check is of the format only
    (`CheckStrength.FORMAT`): no check says whether anyone answers.

    >>> number = PhoneNumber.parse("020 123 4567 ext. 12", country="NL")
    >>> number.compact, number.e164, number.extension, number.country
    ('+31201234567;ext=12', '+31201234567', '12', 'NL')
    >>> number.formatted, number.national
    ('+31 20 123 4567 ext. 12', '020 123 4567 ext. 12')

    .. versionadded:: 0.2
    """

    kind: ClassVar[str] = "phone number"
    #: The message of a text refused by its characters alone (`has_shape`).
    shape_message: ClassVar[str] = SHAPE_MESSAGE

    @classmethod
    def has_shape(cls, text: str) -> bool:
        """
        Tell whether ``text`` has a phone number's characters: digits and the separators
        ``( ) - . /`` and space, after an optional ``+`` or ``(+``, then an optional extension
        behind ``ext``, ``ext.``, ``extn``, ``extension``, ``anexo``, ``x``, ``#`` or
        ``;ext=`` (in any case).

        The cheap first check, which loads nothing; `parse` does the rest.
        """
        return _shape().fullmatch(text) is not None

    @classmethod
    def has_plan(cls, country: str) -> bool:
        """
        Tell whether phonenumbers knows the numbering plan of ``country`` (an ISO 3166-1
        alpha-2 code), so that `parse` reads a number written without + by it. Antarctica,
        say, has none.
        """
        return _usable_region(country) is not None

    @classmethod
    def parse(cls, raw: object, country: str | None = None) -> Self:
        """
        Read and check ``raw``; ``country`` reads a number written without ``+``.

        Raises:
            ValidationError: with one problem at path ``()``: ``invalid_phone`` when ``raw``
                is no possible phone number, ``unknown_country`` when ``country`` is not an
                ISO 3166-1 alpha-2 code.
        """
        text = _require_text(cls.kind, raw)
        region = _usable_region(_require_country(cls.kind, country, {}))
        read = _read(text, region)
        if isinstance(read, str):
            raise _refuse(read)
        e164, extension = read
        compact = e164 if extension is None else f"{e164};ext={extension}"
        return cls(compact, CheckStrength.FORMAT)

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
        Compact ``raw`` without checking it: its + and digits, and ``;ext=`` and the
        extension's digits when it has the shape of a number with an extension.

        Raises:
            ValidationError: when ``raw`` is not text or is blank.
        """
        text = _require_text(cls.kind, raw).strip()
        match = _shape().fullmatch(text)
        if match is None:
            return cls("".join(text.split()), CheckStrength.UNCHECKED)
        main = match.group(1)
        digits = "".join(c for c in main if c not in _SEPARATORS)
        compact = ("+" if "+" in main else "") + digits
        extension = match.group(2) or match.group(3) or match.group(4)
        if extension:
            compact += f";ext={extension}"
        return cls(compact, CheckStrength.UNCHECKED)

    @property
    def e164(self) -> str:
        """
        The number in E.164 form, without its extension (``+31201234567``).
        """
        return self.compact.partition(";ext=")[0]

    @property
    def extension(self) -> str | None:
        """
        The extension's digits, or ``None``.
        """
        return self.compact.partition(";ext=")[2] or None

    @property
    def country(self) -> str | None:
        """
        The region the number belongs to (ISO 3166-1 alpha-2, ``None`` when it belongs to
        none, as +800 numbers, or is unchecked and unreadable).
        """
        return _region(self.e164)

    @property
    def assigned(self) -> bool:
        """
        Tell whether the number lies in a range its country has assigned (phonenumbers'
        ``is_valid_number``); a parsed number always has a possible length.
        """
        return _assigned(self.e164)

    @property
    def formatted(self) -> str:
        """
        The international form, ``+31 20 123 4567 ext. 12``; the compact form when the
        number is unchecked and unreadable.
        """
        return self._format("INTERNATIONAL")

    @property
    def national(self) -> str:
        """
        The form dialled within the number's country, ``020 123 4567``; the compact form
        when the number is unchecked and unreadable.
        """
        return self._format("NATIONAL")

    def _format(self, style: str) -> str:
        import phonenumbers

        number = _number(self.e164)
        if number is None:
            return self.compact
        if self.extension is not None:
            number = phonenumbers.PhoneNumber(
                country_code=number.country_code,
                national_number=number.national_number,
                italian_leading_zero=number.italian_leading_zero,
                number_of_leading_zeros=number.number_of_leading_zeros,
                extension=self.extension,
            )
        text: str = phonenumbers.format_number(
            number, getattr(phonenumbers.PhoneNumberFormat, style)
        )
        return text
