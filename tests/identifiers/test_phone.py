"""
Tests for `accountcore.identifiers.PhoneNumber`: real numbers read by phonenumbers' rules, the
quick path that must agree with ``phonenumbers.parse``, and the extension markers.

The numbers are public switchboards or numbers from the national plans' documented ranges
(Amsterdam 020, London 020 7946 (Ofcom's drama range), New York 212).
"""

from __future__ import annotations

import subprocess
import sys

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accountcore
from accountcore.identifiers import CheckStrength, PhoneNumber, _phone


def _problem(call: object, *args: object) -> tuple[str, str]:
    """Run ``call(*args)``, expecting a ValidationError, and return its one problem."""
    with pytest.raises(accountcore.ValidationError) as info:
        call(*args)  # type: ignore[operator]
    (problem,) = info.value.problems
    assert problem.path == ()
    return problem.code, problem.message


class TestParse:
    @pytest.mark.parametrize(
        ("raw", "country", "compact", "region"),
        [
            ("+31 20 123 4567", None, "+31201234567", "NL"),
            ("020 123 4567", "NL", "+31201234567", "NL"),
            ("020-1234567", "nl", "+31201234567", "NL"),
            ("0031 20 123 4567", "NL", "+31201234567", "NL"),
            ("+31 (0)20 123 4567", None, "+31201234567", "NL"),
            ("(+31) 20 123 4567", None, "+31201234567", "NL"),
            ("+31.20.123.4567", None, "+31201234567", "NL"),
            ("06 1234 5678", "NL", "+31612345678", "NL"),
            ("+44 20 7946 0018", "NL", "+442079460018", "GB"),
            ("+39 06 4688 1234", None, "+390646881234", "IT"),
            ("+39 06 6988 4857", None, "+390669884857", "VA"),  # Rome's range of the Vatican
            ("+1 (212) 555-0123", None, "+12125550123", "US"),
            ("(212) 555-0123", "US", "+12125550123", "US"),
            ("+41 44 668 18 00", None, "+41446681800", "CH"),
            ("+800 1234 5678", None, "+80012345678", None),
        ],
    )
    def test_valid(self, raw: str, country: str | None, compact: str, region: str | None) -> None:
        """A possible number is read to E.164, with ``country`` for one written without +."""
        number = PhoneNumber.parse(raw, country)
        assert (number.compact, number.e164, number.country) == (compact, compact, region)
        assert number.extension is None and number.strength is CheckStrength.FORMAT
        assert str(number) == compact and PhoneNumber.is_valid(raw, country)

    @pytest.mark.parametrize(
        ("raw", "extension"),
        [
            ("+31 20 123 4567 ext. 99", "99"),
            ("+31 20 123 4567 ext 99", "99"),
            ("+31 20 123 4567 EXT:99", "99"),
            ("+31 20 123 4567 extn 99", "99"),
            ("+31 20 123 4567 extension 12345678901234567890", "12345678901234567890"),
            ("+31 20 123 4567 anexo 5", "5"),
            ("+31 20 123 4567 x99", "99"),
            ("+31 20 123 4567 X 99", "99"),
            ("+31 20 123 4567 #99", "99"),
            ("+31 20 123 4567, ext. 3#", "3"),
            ("+31201234567;ext=77", "77"),
        ],
    )
    def test_extension(self, raw: str, extension: str) -> None:
        """Extensions behind the markers people type are kept apart, ``;ext=`` in the compact."""
        number = PhoneNumber.parse(raw)
        assert (number.e164, number.extension) == ("+31201234567", extension)
        assert number.compact == f"+31201234567;ext={extension}"
        assert number.formatted == f"+31 20 123 4567 ext. {extension}"
        assert PhoneNumber.parse(number.compact) == number

    @pytest.mark.parametrize(
        ("raw", "country", "message"),
        [
            ("1", "NL", "The phone number has too few digits."),
            ("12", None, "The phone number has too few digits."),
            ("+31 20", None, "The phone number has too few digits for country code +31."),
            ("+1 12 345 6789", None, "The phone number has too few digits for country code +1."),
            (
                "+31 20 123 4567 8901 2",
                None,
                "The phone number has too many digits for country code +31.",
            ),
            ("+999 123 4567", None, "The phone number starts with no known country code."),
            (
                "020 123 4567",
                None,
                "The phone number needs a country code, such as +31, or a country to be read by.",
            ),
            (
                "555 0123",
                "US",
                "The phone number lacks its area code, so it can be dialled only locally.",
            ),
            ("call me", "NL", PhoneNumber.shape_message),
            ("+31 20 123 4567 toestel 9", "NL", PhoneNumber.shape_message),
            ("+31 20 123 4567 x1234567890", "NL", PhoneNumber.shape_message),
            ("++31 20 123 4567", None, PhoneNumber.shape_message),
            ("+31 20 123 4567\n", None, PhoneNumber.shape_message),
        ],
    )
    def test_invalid(self, raw: str, country: str | None, message: str) -> None:
        """Unreadable numbers, and numbers too short or long for their country, are refused."""
        assert _problem(PhoneNumber.parse, raw, country) == ("invalid_phone", message)
        assert not PhoneNumber.is_valid(raw, country)

    @pytest.mark.parametrize(
        ("raw", "country", "code"),
        [
            (None, None, "invalid_type"),
            (31201234567, None, "invalid_type"),
            ("   ", None, "required"),
            ("+31 20 123 4567" + " " * 60, None, "invalid_length"),
            ("+31 20 123 4567", "XX", "unknown_country"),
            ("+31 20 123 4567", "NLD", "unknown_country"),
        ],
    )
    def test_wrong_input(self, raw: object, country: str | None, code: str) -> None:
        """Not text, blank, too long, or a country that is not ISO 3166-1 alpha-2."""
        assert _problem(PhoneNumber.parse, raw, country)[0] == code

    def test_country_without_a_numbering_plan(self) -> None:
        """A country phonenumbers has no plan for (Antarctica) reads only numbers with a +."""
        assert (PhoneNumber.has_plan("AQ"), PhoneNumber.has_plan("NL")) == (False, True)
        assert PhoneNumber.parse("+31 20 123 4567", "AQ").compact == "+31201234567"
        message = "The phone number needs a country code, such as +31, or a country to be read by."
        assert _problem(PhoneNumber.parse, "020 123 4567", "AQ") == ("invalid_phone", message)

    def test_national_and_international_forms(self) -> None:
        """``formatted`` is the international form, ``national`` the form dialled at home."""
        number = PhoneNumber.parse("+31 20 123 4567 x12")
        assert number.formatted == "+31 20 123 4567 ext. 12"
        assert number.national == "020 123 4567 ext. 12"
        british = PhoneNumber.parse("+44 20 7946 0018 ext. 12")  # the UK writes x
        assert (british.formatted, british.national) == (
            "+44 20 7946 0018 x12",
            "020 7946 0018 x12",
        )
        assert repr(number) == "PhoneNumber('+31201234567;ext=12')"

    @pytest.mark.parametrize(
        ("raw", "assigned"),
        [
            ("+31 20 123 4567", True),
            ("+31 6 1234 5678", True),
            ("+31 99 123 4567", False),  # a possible length, in no range the Dutch plan assigns
            ("+1 212 055 0123", False),  # a US exchange never starts with 0
        ],
    )
    def test_assigned(self, raw: str, assigned: bool) -> None:
        """A possible number is accepted; ``assigned`` tells whether its range is in use."""
        assert PhoneNumber.parse(raw).assigned is assigned


class TestUnchecked:
    @pytest.mark.parametrize(
        ("raw", "compact"),
        [
            ("+31 (20) 123-4567 ext. 5", "+31201234567;ext=5"),
            ("020 123 4567", "0201234567"),
            ("+1 12 345 6789", "+1123456789"),
            ("call me", "callme"),
        ],
    )
    def test_compacts_without_checking(self, raw: str, compact: str) -> None:
        """`unchecked` keeps the + and digits (and the extension), refusing nothing."""
        number = PhoneNumber.unchecked(raw)
        assert (number.compact, number.strength) == (compact, CheckStrength.UNCHECKED)

    def test_unreadable_number_shows_its_compact_form(self) -> None:
        """An unchecked number phonenumbers cannot read has no country and shows as typed."""
        number = PhoneNumber.unchecked("call me")
        assert (number.country, number.assigned, number.formatted) == (None, False, "callme")


class TestNeverRaisesOtherwise:
    @given(st.text(max_size=40) | st.from_regex(_phone._SHAPE, fullmatch=True))
    def test_parse_raises_only_validation_errors(self, raw: str) -> None:
        """Whatever the text, `parse` returns a number or raises a ValidationError."""
        try:
            number = PhoneNumber.parse(raw, "NL")
        except accountcore.ValidationError as error:
            assert {p.code for p in error.problems} <= {"invalid_phone", "required"} | {
                "invalid_length"
            }
        else:
            assert number.compact.startswith("+")
            assert PhoneNumber.parse(number.compact) == number

    @given(st.one_of(st.none(), st.integers(), st.binary(), st.text(max_size=20)))
    def test_is_valid_never_raises(self, raw: object) -> None:
        """`is_valid` answers for any object."""
        assert PhoneNumber.is_valid(raw) in (True, False)


# Digits of a number after the +: a real country code, then up to 15 digits, and the
# separators people type between them.
_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
_SEPARATOR = st.sampled_from(["", "", " ", "-", ".", "/", " (", ") "])


@st.composite
def _international(draw: st.DrawFn) -> str:
    code = draw(st.sampled_from(_CODES) | st.integers(0, 999))
    digits = draw(st.text("0123456789", max_size=16))
    parts = [f"+{code}"] + [draw(_SEPARATOR) + digit for digit in digits]
    return "".join(parts)


_RESULT = phonenumbers.ValidationResult
#: The message of each reason phonenumbers gives for a number that is not possible.
_MESSAGES = {
    _RESULT.IS_POSSIBLE_LOCAL_ONLY: (
        "The phone number lacks its area code, so it can be dialled only locally."
    ),
    _RESULT.TOO_SHORT: "The phone number has too few digits for country code +{}.",
    _RESULT.TOO_LONG: "The phone number has too many digits for country code +{}.",
    _RESULT.INVALID_LENGTH: "The phone number has a length no number of country code +{} has.",
}


class TestQuickPath:
    @settings(max_examples=500)
    @given(_international())
    def test_quick_path_agrees_with_phonenumbers(self, text: str) -> None:
        """Where the quick path reads a number, phonenumbers.parse reads the very same."""
        digits = _phone._international_digits(text)
        assert digits is not None
        quick = _phone._quick_number(digits)
        if quick is None:
            return
        assert quick == phonenumbers.parse(text, None)

    @settings(max_examples=500)
    @given(_international())
    def test_quick_reading_agrees_with_phonenumbers(self, text: str) -> None:
        """Where the quick path judges a number's length, is_possible_number agrees."""
        digits = _phone._international_digits(text)
        assert digits is not None
        reading = _phone._quick_reading(digits)
        if reading is None:
            return
        number = phonenumbers.parse(text, None)
        reason = phonenumbers.is_possible_number_with_reason(number)
        if isinstance(reading, tuple):
            assert reason == phonenumbers.ValidationResult.IS_POSSIBLE
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            assert reading == (e164, None)
        else:
            assert _MESSAGES[reason].format(number.country_code) == reading

    @pytest.mark.parametrize(
        "text",
        [
            "+31 20 123 4567",
            "+39 06 6988 4857",
            "+39 0000 12",
            "+1 212 555 0123",
            "+44 7400 123456",
        ],
    )
    def test_quick_path_takes_the_common_numbers(self, text: str) -> None:
        """Numbers written +, country code, digits never reach phonenumbers.parse."""
        quick = _phone._quick_number(_phone._international_digits(text) or "")
        assert quick is not None and quick == phonenumbers.parse(text, None)

    @pytest.mark.parametrize("text", ["+31 020 123 4567", "+44 (0)20 7946 0018", "+999 1234"])
    def test_quick_path_leaves_the_rest_to_phonenumbers(self, text: str) -> None:
        """A national prefix to strip, or an unknown country code, goes to phonenumbers."""
        assert _phone._quick_number(_phone._international_digits(text) or "") is None


def _examples() -> list[phonenumbers.PhoneNumber]:
    """phonenumbers' example number of every kind of every region and non-geographic code."""
    found = [
        phonenumbers.example_number_for_type(region, kind)
        for region in sorted(phonenumbers.SUPPORTED_REGIONS)
        for kind in range(12)
    ]
    found += map(
        phonenumbers.example_number_for_non_geo_entity,
        sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS),
    )
    return [number for number in found if number is not None]


_EXAMPLES = _examples()


@st.composite
def _near_examples(draw: st.DrawFn) -> str:
    """An example number with a digit changed, added or dropped: near the ranges' edges."""
    example = draw(st.sampled_from(_EXAMPLES))
    digits = list(phonenumbers.national_significant_number(example))
    at = draw(st.integers(0, len(digits) - 1))
    edit = draw(st.sampled_from(["keep", "change", "add", "drop"]))
    if edit == "change":
        digits[at] = draw(st.sampled_from("0123456789"))
    elif edit == "add":
        digits.insert(at, draw(st.sampled_from("0123456789")))
    elif edit == "drop" and len(digits) > 2:
        del digits[at]
    return f"+{example.country_code}{''.join(digits)}"


class TestAssignedRanges:
    def test_every_example_number_is_assigned(self) -> None:
        """Each example number of phonenumbers' metadata is valid by the quick test too."""
        assert all(_phone._is_valid(number) for number in _EXAMPLES)

    @settings(max_examples=500)
    @given(_near_examples() | _international())
    def test_quick_test_agrees_with_is_valid_number(self, text: str) -> None:
        """The compiled ranges give phonenumbers.is_valid_number's answer, number by number."""
        try:
            number = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            return
        valid = phonenumbers.is_valid_number(number)
        assert _phone._is_valid(number) is valid
        if PhoneNumber.is_valid(text):
            assert _phone._assigned.__wrapped__(PhoneNumber.parse(text).e164) is valid


class TestShape:
    @settings(max_examples=300)
    @given(
        st.sampled_from(["ext", "ext.", "EXT:", "extn", "extension", "Extension", "anexo"]),
        st.sampled_from(["", " ", ", ", "  "]),
        st.sampled_from(["", " ", "- "]),
        st.text("0123456789", min_size=1, max_size=20),
    )
    def test_named_extensions_are_read_by_phonenumbers(
        self, marker: str, before: str, after: str, digits: str
    ) -> None:
        """Every named extension the shape takes, phonenumbers reads as that extension."""
        text = f"+31 20 123 4567{before}{marker}{after}{digits}"
        assert PhoneNumber.has_shape(text)
        assert phonenumbers.parse(text, None).extension == digits

    @settings(max_examples=300)
    @given(
        st.sampled_from(["x", "X", "#", "x.", "#:"]),
        st.sampled_from(["", " ", ", "]),
        st.text("0123456789", min_size=1, max_size=9),
    )
    def test_short_markers_are_read_by_phonenumbers(
        self, marker: str, before: str, digits: str
    ) -> None:
        """x and # take up to nine digits, as phonenumbers reads them."""
        text = f"020 123 4567{before}{marker}{digits}"
        assert PhoneNumber.has_shape(text)
        assert phonenumbers.parse(text, "NL").extension == digits


class TestLazy:
    def test_import_does_not_load_phonenumbers(self) -> None:
        """phonenumbers loads when a number is first read, not with accountcore."""
        script = (
            "import sys, accountcore\n"
            "from accountcore.identifiers import PhoneNumber\n"
            "assert PhoneNumber.has_shape('+31 20 123 4567')\n"
            "assert 'phonenumbers' not in sys.modules\n"
            "PhoneNumber.parse('+31 20 123 4567')\n"
            "assert 'phonenumbers' in sys.modules\n"
        )
        subprocess.run([sys.executable, "-c", script], check=True)

    def test_caches_are_bounded(self) -> None:
        """The readings are remembered in bounded caches."""
        caches = (_phone._read, _phone._number, _phone._assigned, _phone._region)
        for cache in (*caches, _phone._kinds_of_length):
            assert cache.cache_info().maxsize == 4096
        for cache in (_phone._plan, _phone._ranges):
            assert cache.cache_info().maxsize == 1024
