"""
Tests for `accountcore.identifiers`: tables of real identifiers, valid and invalid, per kind.

Valid VAT and register numbers come from python-stdnum's own docstring examples; IBANs are
the examples of the SWIFT IBAN registry; GLNs are real EAN-13 codes or get their check digit
from ``stdnum.ean``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import ean

import accountcore
from accountcore.errors import CODES
from accountcore.identifiers import (
    BIC,
    DUNS,
    GLN,
    IBAN,
    ChamberOfCommerceNumber,
    CheckStrength,
    Identifier,
    VATNumber,
    mask,
)

CHECKSUM = CheckStrength.CHECKSUM
FORMAT = CheckStrength.FORMAT
UNCHECKED = CheckStrength.UNCHECKED


def _codes(call: Callable[[], object]) -> list[str]:
    """Run ``call``, expecting a ValidationError, and return its problem codes."""
    with pytest.raises(accountcore.ValidationError) as info:
        call()
    return [problem.code for problem in info.value.problems]


def _gln(body: str) -> str:
    """Complete a 12-digit GLN body with its GS1 check digit."""
    return body + ean.calc_check_digit(body)


def _full_width(digits: str) -> str:
    """Spell ASCII ``digits`` with their full-width look-alikes (U+FF10 to U+FF19)."""
    return digits.translate({ord("0") + i: 0xFF10 + i for i in range(10)})


def _wrong_check_digit(number: str) -> str:
    """Replace the last digit of ``number`` by a different one."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


# --- IBAN ------------------------------------------------------------------------------------


class TestIBAN:
    @pytest.mark.parametrize(
        ("raw", "compact"),
        [
            ("NL91ABNA0417164300", "NL91ABNA0417164300"),
            ("nl91 abna 0417 1643 00", "NL91ABNA0417164300"),
            ("  NL91ABNA0417164300\n", "NL91ABNA0417164300"),
            ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
            ("BE68539007547034", "BE68539007547034"),
            ("HU42 1177 3016 1111 1018 0000 0000", "HU42117730161111101800000000"),
            ("GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819"),
            ("gb82west12345698765432", "GB82WEST12345698765432"),
            ("FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"),
            ("CH9300762011623852957", "CH9300762011623852957"),
            ("ES91 2100 0418 4502 0005 1332", "ES9121000418450200051332"),
            ("IT60X0542811101000000123456", "IT60X0542811101000000123456"),
            ("AT611904300234573201", "AT611904300234573201"),
            ("PL61 1090 1014 0000 0712 1981 2874", "PL61109010140000071219812874"),
            ("DK5000400440116243", "DK5000400440116243"),
            ("SE4550000000058398257466", "SE4550000000058398257466"),
            ("NO9386011117947", "NO9386011117947"),
            ("FI2112345600000785", "FI2112345600000785"),
            ("IE29AIBK93115212345678", "IE29AIBK93115212345678"),
            ("PT50000201231234567890154", "PT50000201231234567890154"),
            ("LU280019400644750000", "LU280019400644750000"),
            ("NL91-ABNA-0417-1643-00", "NL91ABNA0417164300"),
            ("BE68.5390.0754.7034", "BE68539007547034"),
        ],
    )
    def test_valid_iban_parses_to_its_compact_form(self, raw: str, compact: str) -> None:
        """A real IBAN, spaced, dashed, dotted or lower-case, parses to its compact form."""
        iban = IBAN.parse(raw)
        assert (iban.compact, str(iban), iban.country) == (compact, compact, compact[:2])
        assert iban.strength is CHECKSUM
        assert IBAN.is_valid(raw)

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("NL91ABNA0417164301", "invalid_checksum"),
            ("DE89370400440532013001", "invalid_checksum"),
            ("GB82WEST12345698765433", "invalid_checksum"),
            ("BE68539007547035", "invalid_checksum"),
            ("NL91ABNA041716430", "invalid_length"),
            ("NL91ABNA04171643000", "invalid_length"),
            ("DE8937040044053201300", "invalid_length"),
            ("XX91ABNA0417164300", "invalid_component"),
            ("US64SVBKUS6S3300958879", "invalid_component"),
            ("NL91ABNA04171643OO", "invalid_format"),
            ("NLAAABNA0417164300", "invalid_format"),
            ("NL91/ABNA/0417/1643/00", "invalid_format"),
            ("NL91_ABNA_0417_1643_00", "invalid_format"),
            ("1234567890", "invalid_format"),
        ],
    )
    def test_invalid_iban_is_rejected_with_its_code(self, raw: str, code: str) -> None:
        """An invalid IBAN raises one problem at the root with the matching stdnum-style code."""
        assert _codes(lambda: IBAN.parse(raw)) == [code]
        assert not IBAN.is_valid(raw)

    @pytest.mark.parametrize(
        ("raw", "formatted"),
        [
            ("NL91ABNA0417164300", "NL91 ABNA 0417 1643 00"),
            ("DE89370400440532013000", "DE89 3704 0044 0532 0130 00"),
            ("BE68539007547034", "BE68 5390 0754 7034"),
            ("FR1420041010050500013M02606", "FR14 2004 1010 0505 0001 3M02 606"),
            ("NO9386011117947", "NO93 8601 1117 947"),
        ],
    )
    def test_formatted_groups_by_four(self, raw: str, formatted: str) -> None:
        """The display form splits the compact IBAN into groups of four characters."""
        assert IBAN.parse(raw).formatted == formatted

    @pytest.mark.parametrize("raw", ["NL91ABNA0417164300", "DE89370400440532013000"])
    def test_repr_shows_only_the_last_four(self, raw: str) -> None:
        """The repr masks every character of the IBAN but the last four."""
        shown = repr(IBAN.parse(raw))
        assert raw not in shown
        assert shown == f"IBAN('{'*' * (len(raw) - 4)}{raw[-4:]}')"

    @pytest.mark.parametrize(
        "raw", ["NL91ABNA0417164301", "NL91ABNA041716430", "XX91ABNA0417164300"]
    )
    def test_error_never_shows_the_iban(self, raw: str) -> None:
        """Neither the error's text, its repr nor its problem messages echo the rejected IBAN."""
        with pytest.raises(accountcore.ValidationError) as info:
            IBAN.parse(raw)
        texts = [str(info.value), repr(info.value), *(p.message for p in info.value.problems)]
        assert not any(raw[4:] in text for text in texts)
        assert info.value.problems[0].path == ()


_REAL_IBANS = [
    "NL91ABNA0417164300",
    "DE89370400440532013000",
    "GB29NWBK60161331926819",
    "FR1420041010050500013M02606",
    "IT60X0542811101000000123456",
    "NO9386011117947",
    "PT50000201231234567890154",
    "MT84MALT011000012345MTLCAST001S",
    "BR1800360305000010009795493C1",
]
_REAL_BICS = ["ABNANL2A", "DEUTDEFF500", "NWBKGB2L", "UBSWCHZH80A", "BNPAFRPP"]
#: What a typed IBAN or BIC gets wrong: other letters and digits, case, spaces, look-alikes
#: (full-width and Arabic-Indic digits, which schwifty's ``\d`` matches), letters that
#: upper-case to two.
_TYPOS = st.sampled_from([*"0123456789AZXMaz ", "\t", "\uff11", "\u0663", "\u00df", "-", ""])


def _schwifty_verdict(cls: str, text: str) -> str | None:
    """Return schwifty's compact form of ``text``, or None when it refuses it.

    An IBAN is checked as accountcore checks it: with its national check digits
    (``validate_bban=True``), and with dashes and dots taken out (separators here, not there).
    """
    import schwifty
    from schwifty.exceptions import SchwiftyException

    try:
        if cls == "IBAN":
            with warnings.catch_warnings():  # a country whose national digits go unchecked
                warnings.simplefilter("ignore")
                compact = text.replace("-", "").replace(".", "")
                return str(schwifty.IBAN(compact, validate_bban=True).compact)
        return str(getattr(schwifty, cls)(text).compact)
    except (SchwiftyException, ValueError):
        return None


def _ours(parse: Callable[[str], Identifier], text: str) -> str | None:
    try:
        return parse(text).compact
    except accountcore.ValidationError:
        return None


class TestSchwiftyAgreement:
    """IBAN and BIC checks of their own agree with schwifty's, value for value."""

    @given(
        st.sampled_from(_REAL_IBANS),
        st.lists(st.tuples(st.integers(0, 40), _TYPOS), max_size=3),
    )
    def test_iban_parse_agrees_with_schwifty(self, iban: str, typos: list[tuple[int, str]]) -> None:
        """A real IBAN with typos is accepted, as the same compact form, exactly when schwifty
        accepts it (national check digits checked, dashes and dots taken out)."""
        text = iban
        for at, typo in typos:
            text = text[:at] + typo + text[at + 1 :]
        assert _ours(IBAN.parse, text) == _schwifty_verdict("IBAN", text)

    @given(
        st.sampled_from(_REAL_BICS),
        st.lists(st.tuples(st.integers(0, 12), _TYPOS), max_size=3),
    )
    def test_bic_parse_agrees_with_schwifty(self, bic: str, typos: list[tuple[int, str]]) -> None:
        """A real BIC with typos is accepted exactly when schwifty accepts it."""
        text = bic
        for at, typo in typos:
            text = text[:at] + typo + text[at + 1 :]
        assert _ours(BIC.parse, text) == _schwifty_verdict("BIC", text)

    @pytest.mark.parametrize("iban", _REAL_IBANS)
    def test_check_digits_agree_for_every_value(self, iban: str) -> None:
        """Of the 100 check digits of an IBAN, the same one passes here and in schwifty."""
        variants = [f"{iban[:2]}{digits:02d}{iban[4:]}" for digits in range(100)]
        ours = [text for text in variants if IBAN.is_valid(text)]
        assert ours == [iban]
        assert [text for text in variants if _schwifty_verdict("IBAN", text)] == ours

    @pytest.mark.parametrize("iban", _REAL_IBANS)
    def test_a_valid_iban_takes_the_quick_check(self, iban: str) -> None:
        """A valid IBAN is accepted without building schwifty's object (the quick path)."""
        from accountcore.identifiers._bank import _iban_passes

        assert _iban_passes(iban)
        assert not _iban_passes(iban[:-1])


class TestIBANCorrespondsTo:
    @pytest.mark.parametrize(
        ("iban", "number"),
        [
            ("NL91ABNA0417164300", "417164300"),
            ("NL91ABNA0417164300", "0417164300"),
            ("NL91ABNA0417164300", "00000417164300"),
            ("NL91ABNA0417164300", "0417 1643 00"),
            ("NL91ABNA0417164300", "41-71-64-300"),
            ("NL91ABNA0417164300", "ABNA0417164300"),
            ("NL91ABNA0417164300", "abna 0417 1643 00"),
            ("NL91ABNA0417164300", "NL91 ABNA 0417 1643 00"),
            ("GB29NWBK60161331926819", "31926819"),
            ("GB29NWBK60161331926819", "NWBK 6016 1331 9268 19"),
            ("FR1420041010050500013M02606", "0500013M026"),
            ("FR1420041010050500013M02606", "500013m026"),
            ("FR1420041010050500013M02606", "20041 01005 0500013M026 06"),
        ],
    )
    def test_matching_domestic_number_corresponds(self, iban: str, number: str) -> None:
        """The account part (leading zeros, spaces and dashes ignored) or the whole BBAN matches."""
        assert IBAN.parse(iban).corresponds_to(number)

    @pytest.mark.parametrize(
        ("iban", "number"),
        [
            ("NL91ABNA0417164300", "417164301"),
            ("NL91ABNA0417164300", "INGB0417164300"),
            ("NL91ABNA0417164300", ""),
            ("GB29NWBK60161331926819", "60161331926819"),
            ("FR1420041010050500013M02606", "0500013M027"),
        ],
    )
    def test_other_domestic_number_does_not_correspond(self, iban: str, number: str) -> None:
        """A number that is neither the account part nor the BBAN does not correspond."""
        assert not IBAN.parse(iban).corresponds_to(number)

    @pytest.mark.parametrize(
        "iban",
        ["BE68539007547034", "DE89370400440532013000", "HU42117730161111101800000000"],
    )
    def test_belgian_german_hungarian_ibans_are_exempt(self, iban: str) -> None:
        """A Belgian, German or Hungarian IBAN corresponds even to a mismatching number."""
        assert IBAN.parse(iban).corresponds_to("123-4567890-99")

    @pytest.mark.parametrize("raw", ["XX12345678", "NL91", "QQ00ABCDEFGHIJ"])
    def test_unreadable_unchecked_iban_does_not_raise(self, raw: str) -> None:
        """An unchecked IBAN schwifty cannot read answers False instead of leaking its error."""
        assert IBAN.unchecked(raw).corresponds_to("12345") is False


# --- BIC -------------------------------------------------------------------------------------


class TestBIC:
    @pytest.mark.parametrize(
        ("raw", "compact", "country"),
        [
            ("ABNANL2A", "ABNANL2A", "NL"),
            ("abnanl2a", "ABNANL2A", "NL"),
            ("ABNA NL 2A", "ABNANL2A", "NL"),
            ("INGBNL2A", "INGBNL2A", "NL"),
            ("RABONL2U", "RABONL2U", "NL"),
            ("DEUTDEFF", "DEUTDEFF", "DE"),
            ("DEUTDEFF500", "DEUTDEFF500", "DE"),
            ("COBADEFFXXX", "COBADEFFXXX", "DE"),
            ("BNPAFRPP", "BNPAFRPP", "FR"),
            ("NWBKGB2L", "NWBKGB2L", "GB"),
            ("UBSWCHZH80A", "UBSWCHZH80A", "CH"),
            ("GKCCBEBB", "GKCCBEBB", "BE"),
        ],
    )
    def test_valid_bic_parses(self, raw: str, compact: str, country: str) -> None:
        """A real 8- or 11-character BIC parses to its compact form and knows its country."""
        bic = BIC.parse(raw)
        assert (bic.compact, bic.country, bic.strength) == (compact, country, FORMAT)
        assert BIC.is_valid(raw)

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("ABNAXX2A", "invalid_component"),
            ("ABNANL2", "invalid_length"),
            ("ABNANL2AXX", "invalid_length"),
            ("ABNANL2A1234", "invalid_length"),
            ("ABN@NL2A", "invalid_format"),
            ("ABNANL2_", "invalid_format"),
            ("ABNANL2Ä", "invalid_format"),
        ],
    )
    def test_invalid_bic_is_rejected_with_its_code(self, raw: str, code: str) -> None:
        """A BIC with a bad country, length or characters raises one problem with its code."""
        assert _codes(lambda: BIC.parse(raw)) == [code]
        assert not BIC.is_valid(raw)


class TestBICBelongsTo:
    @pytest.mark.parametrize(
        ("bic", "iban", "expected"),
        [
            ("ABNANL2A", "NL91ABNA0417164300", True),
            ("ABNANL2AXXX", "NL91ABNA0417164300", True),
            ("COBADEFF", "DE89370400440532013000", True),
            ("NWBKGB2L", "GB29NWBK60161331926819", True),
            ("INGBNL2A", "NL91ABNA0417164300", False),
            ("DEUTDEFF", "DE89370400440532013000", False),
            ("ABNANL2A", "DE89370400440532013000", False),
            ("DEUTDEFF", "NL91ABNA0417164300", False),
            ("NWBKGB2L", "GB82WEST12345698765432", None),
            ("BNPARERX", "FR604191943086BITONEDP4PW89", True),
            ("BNPAFRPP", "FR604191943086BITONEDP4PW89", False),
            ("NWBKJESH", "GB82WEST12345698765432", None),
            ("DEUTDEFF", "GB82WEST12345698765432", False),
        ],
    )
    def test_bic_belongs_to_the_bank_of_the_iban(
        self, bic: str, iban: str, expected: bool | None
    ) -> None:
        """The registry's BICs for the IBAN's bank decide, even abroad (BNP Paribas Réunion
        holds French IBANs); an unknown bank needs the same country or a territory of it."""
        assert BIC.parse(bic).belongs_to(IBAN.parse(iban)) is expected

    @pytest.mark.parametrize("raw", ["NL91", "NLXX", "XX12345678"])
    def test_unreadable_unchecked_iban_gives_no_answer(self, raw: str) -> None:
        """An unchecked IBAN schwifty cannot read gives False or None, never an exception."""
        assert BIC.parse("ABNANL2A").belongs_to(IBAN.unchecked(raw)) in (False, None)


# --- VAT numbers -----------------------------------------------------------------------------


class TestVATNumber:
    @pytest.mark.parametrize(
        ("raw", "country", "compact"),
        [
            ("NL004495445B01", None, "NL004495445B01"),
            ("NL4495445B01", None, "NL004495445B01"),
            ("NL002455799B11", None, "NL002455799B11"),
            ("004495445B01", "NL", "NL004495445B01"),
            ("DE136695976", None, "DE136695976"),
            ("DE 136,695 976", None, "DE136695976"),
            ("136695976", "DE", "DE136695976"),
            ("136695976", "de", "DE136695976"),
            ("BE 428759497", None, "BE0428759497"),
            ("BE403019261", None, "BE0403019261"),
            ("Fr 40 303 265 045", None, "FR40303265045"),
            ("23334175221", "FR", "FR23334175221"),
            ("K7399859412", "FR", "FRK7399859412"),
            ("GB 980 7806 84", None, "GB980780684"),
            ("980780684", "GB", "GB980780684"),
            ("IT 00743110157", None, "IT00743110157"),
            ("B64717838", "ES", "ESB64717838"),
            ("X-5253868-R", "ES", "ESX5253868R"),
            ("AT U13585627", None, "ATU13585627"),
            ("U13585627", "AT", "ATU13585627"),
            ("DK 13585628", None, "DK13585628"),
            ("SE 123456789701", None, "SE123456789701"),
            ("PL 8567346215", None, "PL8567346215"),
            ("PT 501 964 843", None, "PT501964843"),
            ("IE 6433435OA", None, "IE6433435OA"),
            ("8D79739I", "IE", "IE8D79739I"),
            ("FI 20774740", None, "FI20774740"),
            ("LU 150 274 42", None, "LU15027442"),
            ("25123891", "CZ", "CZ25123891"),
            ("CHE-107.787.577 IVA", None, "CHE107787577IVA"),
            ("NO 995 525 828 MVA", None, "NO995525828MVA"),
        ],
    )
    def test_valid_number_is_checked_by_its_country(
        self, raw: str, country: str | None, compact: str
    ) -> None:
        """A real VAT number, prefixed or with ``country=``, passes its checksum."""
        vat = VATNumber.parse(raw, country=country)
        assert (vat.compact, vat.country, vat.strength) == (compact, compact[:2], CHECKSUM)
        assert VATNumber.parse(vat.national, country=vat.country) == vat
        assert VATNumber.is_valid(raw, country)

    @pytest.mark.parametrize(
        ("raw", "country"),
        [("EL 094259216 ", None), ("el094259216", None), ("094259216", "EL"), ("094259216", "GR")],
    )
    def test_greek_el_prefix_means_greece(self, raw: str, country: str | None) -> None:
        """Greece's VAT prefix EL, as prefix or as country, gives the ISO code GR."""
        vat = VATNumber.parse(raw, country=country)
        assert (vat.compact, vat.country, vat.strength) == ("GR094259216", "GR", CHECKSUM)

    @pytest.mark.parametrize(
        ("raw", "country", "compact"),
        [
            ("MAB-930714-8T4", "MX", "MXMAB9307148T4"),
            ("MXMAB9307148T4", "MX", "MXMAB9307148T4"),
            ("GODE 561231 GR8", "MX", "MXGODE561231GR8"),
            ("MA1953684", "BY", "BYMA1953684"),
        ],
    )
    def test_leading_letters_of_a_foreign_number_are_not_a_prefix(
        self, raw: str, country: str, compact: str
    ) -> None:
        """A number starting with another country's code (MA) still validates for ``country``."""
        vat = VATNumber.parse(raw, country=country)
        assert (vat.compact, vat.country, vat.strength) == (compact, country, CHECKSUM)
        assert VATNumber.parse(vat.compact, country=country) == vat

    @pytest.mark.parametrize(
        ("raw", "country", "code"),
        [
            ("NL123456789B90", None, "invalid_checksum"),
            ("123456789B90", "NL", "invalid_checksum"),
            ("DE136695978", None, "invalid_checksum"),
            ("136695978", "DE", "invalid_checksum"),
            ("BE431150351", None, "invalid_checksum"),
            ("FR84323140391", None, "invalid_checksum"),
            ("IO334175221", "FR", "invalid_format"),
            ("GB802311781", None, "invalid_checksum"),
            ("IT00743110158", None, "invalid_checksum"),
            ("B64717839", "ES", "invalid_checksum"),
            ("U13585626", "AT", "invalid_checksum"),
            ("DK 13585627", None, "invalid_checksum"),
            ("123456789101", "SE", "invalid_checksum"),
            ("PL 8567346216", None, "invalid_checksum"),
            ("EL 123456781", None, "invalid_checksum"),
            ("PT 501 964 842", None, "invalid_checksum"),
            ("6433435E", "IE", "invalid_checksum"),
            ("FI 20774741", None, "invalid_checksum"),
            ("CHE-107.787.578 IVA", None, "invalid_checksum"),
            ("NO 995 525 829 MVA", None, "invalid_checksum"),
            ("136695976", "NL", "invalid_format"),
            ("DE12345678901", None, "invalid_length"),
            ("DE136695978", "NL", "invalid_checksum"),
        ],
    )
    def test_invalid_number_is_rejected_with_its_code(
        self, raw: str, country: str | None, code: str
    ) -> None:
        """An invalid VAT number from stdnum's examples raises one problem with its code."""
        assert _codes(lambda: VATNumber.parse(raw, country=country)) == [code]
        assert not VATNumber.is_valid(raw, country)

    @pytest.mark.parametrize(
        ("raw", "country", "compact"),
        [
            ("US 12-3456789", None, "US123456789"),
            ("12-3456789", "US", "US123456789"),
            ("US12-3456789", "us", "US123456789"),
            ("4123456789", "ZA", "ZA4123456789"),
            ("ZA 4123456789", None, "ZA4123456789"),
        ],
    )
    def test_country_without_module_is_accepted_unchecked(
        self, raw: str, country: str | None, compact: str
    ) -> None:
        """A country python-stdnum has no VAT module for is accepted with strength unchecked."""
        vat = VATNumber.parse(raw, country=country)
        assert (vat.compact, vat.country, vat.strength) == (compact, compact[:2], UNCHECKED)

    def test_number_without_any_country_is_unchecked(self) -> None:
        """A number with neither prefix nor ``country`` is kept, unchecked and without country."""
        vat = VATNumber.parse("004495445B01")
        assert (vat.compact, vat.country, vat.strength) == ("004495445B01", None, UNCHECKED)

    @pytest.mark.parametrize(
        ("raw", "country", "code"),
        [
            ("N/A", None, "invalid_format"),
            ("NONE", "US", "invalid_format"),
            ("12#34", "US", "invalid_format"),
            ("1" * 21, "US", "invalid_length"),
            ("1" * 10_000, None, "invalid_length"),
        ],
    )
    def test_unchecked_number_still_needs_a_plausible_shape(
        self, raw: str, country: str | None, code: str
    ) -> None:
        """An unchecked number must be at most 20 ASCII letters and digits, with a digit."""
        assert _codes(lambda: VATNumber.parse(raw, country=country)) == [code]

    @pytest.mark.parametrize("country", ["XX", "EU", "NLD", "5Z", "?"])
    def test_country_must_be_an_iso_code(self, country: str) -> None:
        """A ``country`` that is not ISO 3166-1 alpha-2 (EL aside) is an ``unknown_country``."""
        assert _codes(lambda: VATNumber.parse("136695976", country=country)) == ["unknown_country"]

    @pytest.mark.parametrize("country", [None, "", "  "])
    def test_blank_country_means_none(self, country: str | None) -> None:
        """A blank ``country`` counts as no country at all."""
        assert VATNumber.parse("136695976", country=country).country is None

    @pytest.mark.parametrize(
        ("valid", "invalid"),
        [
            ("NL004495445B01", "NL123456789B90"),
            ("DE 136695976", "DE136695978"),
            ("EL 094259216", "EL 123456781"),
        ],
    )
    def test_repr_and_errors_mask_the_number(self, valid: str, invalid: str) -> None:
        """The repr shows only the last four characters; errors never echo the number."""
        vat = VATNumber.parse(valid)
        assert repr(vat) == f"VATNumber('{mask(vat.compact)}')"
        assert vat.national not in repr(vat)
        with pytest.raises(accountcore.ValidationError) as info:
            VATNumber.parse(invalid)
        digits = invalid[2:].strip()
        assert digits not in str(info.value)
        assert digits not in repr(info.value)


# --- Chamber of Commerce numbers -------------------------------------------------------------


class TestChamberOfCommerceNumber:
    @pytest.mark.parametrize(
        ("raw", "country", "compact", "strength"),
        [
            ("34334259", "NL", "34334259", FORMAT),
            ("3433 4259", "NL", "34334259", FORMAT),
            ("34.33.42.59", "nl", "34334259", FORMAT),
            ("01234567", "NL", "01234567", FORMAT),
            ("Aachen HRA 11223", "DE", "Aachen HRA 11223", FORMAT),
            ("Frankfurt/Oder GnR 11223", "DE", "Frankfurt/Oder GnR 11223", FORMAT),
            ("FN 122119m", "AT", "122119m", FORMAT),
            ("KvK 34334259", "NL", "34334259", FORMAT),
            ("HRB 1234", "DE", "HRB 1234", FORMAT),
            ("0403.019.261", "BE", "0403019261", CHECKSUM),
            ("0000123456", "PL", "0000123456", FORMAT),
            ("404833048", "FR", "404833048", CHECKSUM),
            ("CHE-100.155.212", "CH", "CHE100155212", CHECKSUM),
            ("100.155.212", "CH", "CHE100155212", CHECKSUM),
            ("DK 13585628", "DK", "13585628", CHECKSUM),
            ("2077474-0", "FI", "20774740", CHECKSUM),
            ("12345678", "EE", "12345678", CHECKSUM),
            ("988 077 917", "NO", "988077917", CHECKSUM),
            ("1234567897", "SE", "1234567897", CHECKSUM),
        ],
    )
    def test_valid_number_is_checked_by_its_country(
        self, raw: str, country: str, compact: str, strength: CheckStrength
    ) -> None:
        """A register number passes its country's rule with the strength that rule has."""
        number = ChamberOfCommerceNumber.parse(raw, country=country)
        assert (number.compact, number.country, number.strength) == (
            compact,
            country.upper(),
            strength,
        )
        assert ChamberOfCommerceNumber.is_valid(raw, country)

    @pytest.mark.parametrize(
        ("raw", "country", "code"),
        [
            ("3433425", "NL", "invalid_length"),
            ("343342590", "NL", "invalid_length"),
            ("3433425A", "NL", "invalid_format"),
            (_full_width("34334259"), "NL", "invalid_format"),
            ("Aachen HRC 44123", "DE", "invalid_format"),
            ("Atlantis HRB 1234", "DE", "invalid_component"),
            ("404833047", "FR", "invalid_checksum"),
            ("CHE-100.155.213", "CH", "invalid_checksum"),
            ("13585627", "DK", "invalid_checksum"),
            ("2077474-1", "FI", "invalid_checksum"),
            ("988 077 918", "NO", "invalid_checksum"),
            ("1234567891", "SE", "invalid_checksum"),
            ("abc", "AT", "invalid_format"),
            ("N/A", "BE", "invalid_format"),
            ("1" * 41, "BE", "invalid_length"),
            ("12345678", "XX", "unknown_country"),
        ],
    )
    def test_invalid_number_is_rejected_with_its_code(
        self, raw: str, country: str, code: str
    ) -> None:
        """A number breaking its country's rule raises one problem with the matching code."""
        assert _codes(lambda: ChamberOfCommerceNumber.parse(raw, country=country)) == [code]
        assert not ChamberOfCommerceNumber.is_valid(raw, country)

    @pytest.mark.parametrize(
        ("raw", "country", "compact"),
        [
            ("B 123456", "LU", "B 123456"),
            ("00445790", "GB", "00445790"),
            ("MI-1234567", "IT", "MI-1234567"),
            ("  SC 123456 ", "GB", "SC 123456"),
            ("00445790", None, "00445790"),
        ],
    )
    def test_country_without_rule_is_unchecked(
        self, raw: str, country: str | None, compact: str
    ) -> None:
        """A country with no rule, or no country, keeps the number unchecked."""
        number = ChamberOfCommerceNumber.parse(raw, country=country)
        assert (number.compact, number.country, number.strength) == (compact, country, UNCHECKED)


# --- D-U-N-S and GLN -------------------------------------------------------------------------


class TestDUNS:
    @pytest.mark.parametrize(
        ("raw", "compact"),
        [
            ("001234567", "001234567"),
            ("00-123-4567", "001234567"),
            ("00 123 4567", "001234567"),
            ("150483782", "150483782"),
            ("000000001", "000000001"),
        ],
    )
    def test_nine_digits_parse_with_leading_zeros_kept(self, raw: str, compact: str) -> None:
        """Nine digits, dashed or spaced, parse to a string that keeps its leading zeros."""
        duns = DUNS.parse(raw)
        assert (duns.compact, str(duns), duns.strength) == (compact, compact, FORMAT)

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("00123456", "invalid_length"),
            ("0012345678", "invalid_length"),
            ("00-123-456", "invalid_length"),
            ("00123456A", "invalid_format"),
            ("ABCDEFGHI", "invalid_format"),
            (_full_width("001234567"), "invalid_format"),
            ("00_123_4567", "invalid_format"),
        ],
    )
    def test_wrong_length_or_characters_are_rejected(self, raw: str, code: str) -> None:
        """Eight or ten digits are ``invalid_length``; letters or odd digits ``invalid_format``."""
        assert _codes(lambda: DUNS.parse(raw)) == [code]
        assert not DUNS.is_valid(raw)

    def test_formatted_uses_dnb_dashes(self) -> None:
        """The display form is D&B's 2-3-4 dashed form."""
        assert DUNS.parse("001234567").formatted == "00-123-4567"


class TestGLN:
    @pytest.mark.parametrize(
        "raw", ["4006381333931", "5901234123457", "0614141000012", "9780471117094"]
    )
    def test_real_gln_parses(self, raw: str) -> None:
        """A real EAN-13 style GLN with a correct GS1 check digit parses."""
        gln = GLN.parse(raw)
        assert (gln.compact, gln.strength) == (raw, CHECKSUM)

    @pytest.mark.parametrize(
        "body", ["400638133393", "871234500000", "000000000001", "999999999999", "761234567890"]
    )
    def test_computed_gln_parses(self, body: str) -> None:
        """A 12-digit body completed with stdnum's GS1 check digit parses, spaced or not."""
        raw = _gln(body)
        assert GLN.parse(raw).compact == raw
        assert GLN.parse(f"{raw[:1]} {raw[1:7]} {raw[7:]}").compact == raw

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            (_wrong_check_digit("4006381333931"), "invalid_checksum"),
            (_wrong_check_digit(_gln("871234500000")), "invalid_checksum"),
            ("400638133393", "invalid_length"),
            ("40063813339310", "invalid_length"),
            ("400638133393X", "invalid_format"),
            (_full_width("4006381333931"), "invalid_format"),
        ],
    )
    def test_invalid_gln_is_rejected_with_its_code(self, raw: str, code: str) -> None:
        """A wrong check digit, 12 or 14 digits, or a non-digit raises the matching code."""
        assert _codes(lambda: GLN.parse(raw)) == [code]
        assert not GLN.is_valid(raw)


# --- Every kind ------------------------------------------------------------------------------

KINDS: list[type[Identifier]] = [IBAN, BIC, VATNumber, ChamberOfCommerceNumber, DUNS, GLN]

PARSERS = [
    pytest.param(IBAN.parse, id="IBAN"),
    pytest.param(BIC.parse, id="BIC"),
    pytest.param(VATNumber.parse, id="VAT"),
    pytest.param(lambda raw: VATNumber.parse(raw, country="NL"), id="VAT-NL"),
    pytest.param(lambda raw: VATNumber.parse(raw, country="US"), id="VAT-US"),
    pytest.param(ChamberOfCommerceNumber.parse, id="CoC"),
    pytest.param(lambda raw: ChamberOfCommerceNumber.parse(raw, country="NL"), id="CoC-NL"),
    pytest.param(lambda raw: ChamberOfCommerceNumber.parse(raw, country="DE"), id="CoC-DE"),
    pytest.param(lambda raw: ChamberOfCommerceNumber.parse(raw, country="BE"), id="CoC-BE"),
    pytest.param(DUNS.parse, id="DUNS"),
    pytest.param(GLN.parse, id="GLN"),
]

VALIDATORS = [
    pytest.param(IBAN.is_valid, id="IBAN"),
    pytest.param(BIC.is_valid, id="BIC"),
    pytest.param(VATNumber.is_valid, id="VAT"),
    pytest.param(lambda raw: VATNumber.is_valid(raw, "NL"), id="VAT-NL"),
    pytest.param(lambda raw: VATNumber.is_valid(raw, "US"), id="VAT-US"),
    pytest.param(ChamberOfCommerceNumber.is_valid, id="CoC"),
    pytest.param(lambda raw: ChamberOfCommerceNumber.is_valid(raw, "NL"), id="CoC-NL"),
    pytest.param(lambda raw: ChamberOfCommerceNumber.is_valid(raw, "DE"), id="CoC-DE"),
    pytest.param(lambda raw: ChamberOfCommerceNumber.is_valid(raw, "BE"), id="CoC-BE"),
    pytest.param(DUNS.is_valid, id="DUNS"),
    pytest.param(GLN.is_valid, id="GLN"),
]

JUNK = [
    pytest.param(None, id="None"),
    pytest.param("", id="empty"),
    pytest.param("   ", id="blank"),
    pytest.param("\t\n", id="whitespace"),
    pytest.param("😀", id="emoji"),
    pytest.param(b"NL91", id="bytes"),
    pytest.param(bytearray(b"NL91ABNA0417164300"), id="bytearray"),
    pytest.param(123, id="int"),
    pytest.param(12.5, id="float"),
    pytest.param(True, id="bool"),
    pytest.param([], id="list"),
    pytest.param({}, id="dict"),
    pytest.param(object(), id="object"),
    pytest.param("x" * 10_000, id="10k-letters"),
    pytest.param("1" * 10_000, id="10k-digits"),
    pytest.param("\x00", id="nul"),
    pytest.param("\ud800", id="lone-surrogate"),
    pytest.param("NL91ABNA041716430\ud800", id="iban-with-surrogate"),
    pytest.param(_full_width("123"), id="full-width-digits"),
    pytest.param("-./", id="only-separators"),
]


class TestJunk:
    @pytest.mark.parametrize("raw", JUNK)
    @pytest.mark.parametrize("is_valid", VALIDATORS)
    def test_is_valid_answers_false(self, is_valid: Callable[[object], bool], raw: object) -> None:
        """Junk of any type is cleanly not valid, never an exception."""
        assert is_valid(raw) is False

    @pytest.mark.parametrize("raw", JUNK)
    @pytest.mark.parametrize("parse", PARSERS)
    def test_parse_raises_only_validation_error(
        self, parse: Callable[[object], Identifier], raw: object
    ) -> None:
        """Junk raises a ValidationError whose problems are non-empty and use listed codes."""
        with pytest.raises(accountcore.ValidationError) as info:
            parse(raw)
        assert info.value.problems
        assert all(problem.code in CODES for problem in info.value.problems)

    @pytest.mark.parametrize("parse", PARSERS)
    @settings(max_examples=150, deadline=None)
    @given(
        raw=st.one_of(
            st.text(),
            st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcz -./"),
            st.binary(),
            st.from_type(object),
            st.integers(),
            st.floats(),
            st.none(),
            st.lists(st.text(), max_size=3),
        )
    )
    def test_anything_parses_or_raises_validation_error(
        self, parse: Callable[[object], Identifier], raw: object
    ) -> None:
        """Arbitrary input either parses to a well-formed identifier or raises ValidationError."""
        try:
            value = parse(raw)
        except accountcore.ValidationError as exc:
            assert exc.problems
            assert all(problem.code in CODES for problem in exc.problems)
        else:
            assert isinstance(value, Identifier)
            assert str(value) == value.compact
            assert isinstance(value.strength, CheckStrength)


# --- Strength, equality, unchecked -----------------------------------------------------------


class TestStrength:
    @pytest.mark.parametrize(
        ("value", "strength"),
        [
            pytest.param(lambda: IBAN.parse("NL91ABNA0417164300"), CHECKSUM, id="IBAN"),
            pytest.param(lambda: BIC.parse("ABNANL2A"), FORMAT, id="BIC"),
            pytest.param(lambda: DUNS.parse("001234567"), FORMAT, id="DUNS"),
            pytest.param(lambda: GLN.parse("4006381333931"), CHECKSUM, id="GLN"),
            pytest.param(
                lambda: ChamberOfCommerceNumber.parse("34334259", country="NL"), FORMAT, id="KvK"
            ),
            pytest.param(
                lambda: ChamberOfCommerceNumber.parse("404833048", country="FR"),
                CHECKSUM,
                id="SIREN",
            ),
            pytest.param(
                lambda: ChamberOfCommerceNumber.parse("0403.019.261", country="BE"),
                CHECKSUM,
                id="CoC-BE",
            ),
            pytest.param(
                lambda: ChamberOfCommerceNumber.parse("B 123456", country="LU"),
                UNCHECKED,
                id="CoC-LU",
            ),
            pytest.param(lambda: VATNumber.parse("DE136695976"), CHECKSUM, id="VAT-DE"),
            pytest.param(lambda: VATNumber.parse("US 12-3456789"), UNCHECKED, id="VAT-US"),
        ],
    )
    def test_each_kind_reports_how_strongly_it_was_checked(
        self, value: Callable[[], Identifier], strength: CheckStrength
    ) -> None:
        """Checksums, format-only kinds and rule-less countries report their own strength."""
        assert value().strength is strength


class TestEquality:
    @pytest.mark.parametrize(
        "value",
        [
            pytest.param(lambda: IBAN.parse("NL91ABNA0417164300"), id="IBAN"),
            pytest.param(lambda: BIC.parse("ABNANL2A"), id="BIC"),
            pytest.param(lambda: VATNumber.parse("DE136695976"), id="VAT"),
            pytest.param(lambda: ChamberOfCommerceNumber.parse("34334259", country="NL"), id="CoC"),
            pytest.param(lambda: DUNS.parse("001234567"), id="DUNS"),
            pytest.param(lambda: GLN.parse("4006381333931"), id="GLN"),
        ],
    )
    def test_never_equal_to_a_plain_string(self, value: Callable[[], Identifier]) -> None:
        """An identifier differs from its own compact and display strings, both ways round."""
        identifier: object = value()
        assert isinstance(identifier, Identifier)
        texts: tuple[object, ...] = (identifier.compact, identifier.formatted, str(identifier))
        for text in texts:
            assert identifier != text
            assert text != identifier
        assert not isinstance(identifier, str)

    @pytest.mark.parametrize(
        ("first", "second"),
        [
            pytest.param(
                lambda: IBAN.parse("nl91 abna 0417 1643 00"),
                lambda: IBAN.parse("NL91ABNA0417164300"),
                id="IBAN",
            ),
            pytest.param(lambda: BIC.parse("abna nl 2a"), lambda: BIC.parse("ABNANL2A"), id="BIC"),
            pytest.param(
                lambda: VATNumber.parse("NL4495445B01"),
                lambda: VATNumber.parse("004495445B01", country="NL"),
                id="VAT",
            ),
            pytest.param(
                lambda: VATNumber.parse("US 12-3456789"),
                lambda: VATNumber.parse("123456789", country="US"),
                id="VAT-unchecked",
            ),
            pytest.param(
                lambda: DUNS.parse("00-123-4567"), lambda: DUNS.parse("001234567"), id="DUNS"
            ),
            pytest.param(
                lambda: GLN.parse("4 006381 333931"), lambda: GLN.parse("4006381333931"), id="GLN"
            ),
        ],
    )
    def test_equal_and_same_hash_when_compact_forms_match(
        self, first: Callable[[], Identifier], second: Callable[[], Identifier]
    ) -> None:
        """Two spellings of one identifier are equal, hash alike and collapse in a set."""
        a, b = first(), second()
        assert a == b
        assert hash(a) == hash(b)
        assert len({a, b}) == 1
        assert {a: "x"}[b] == "x"

    def test_strength_is_part_of_equality(self) -> None:
        """A checked and an unchecked identifier with the same compact form differ."""
        assert IBAN.parse("NL91ABNA0417164300") != IBAN.unchecked("NL91ABNA0417164300")

    def test_kinds_never_equal_each_other(self) -> None:
        """Identifiers of two kinds differ even when their compact forms are the same."""
        bic: object = BIC.unchecked("ABNANL2A")
        gln: object = GLN.unchecked("001234567")
        assert IBAN.unchecked("ABNANL2A") != bic
        assert DUNS.unchecked("001234567") != gln


class TestUnchecked:
    @pytest.mark.parametrize(
        ("kind", "raw", "compact"),
        [
            (IBAN, "nl91 abna 0417 1643 01", "NL91ABNA0417164301"),
            (BIC, "abnaxx2a", "ABNAXX2A"),
            (VATNumber, "DE 136695978", "DE136695978"),
            (ChamberOfCommerceNumber, "1234567", "1234567"),
            (DUNS, "12-345", "12345"),
            (GLN, "4006381333932", "4006381333932"),
        ],
    )
    def test_unchecked_compacts_without_validating(
        self, kind: type[Identifier], raw: str, compact: str
    ) -> None:
        """``unchecked`` keeps an invalid value, compacted, with strength unchecked."""
        value = kind.unchecked(raw)
        assert (value.compact, value.strength) == (compact, UNCHECKED)

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            (None, "invalid_type"),
            (123, "invalid_type"),
            (b"NL91", "invalid_type"),
            ("  ", "required"),
        ],
    )
    @pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
    def test_unchecked_still_refuses_non_text(
        self, kind: type[Identifier], raw: object, code: str
    ) -> None:
        """``unchecked`` refuses what is not text, or is blank, like ``parse`` does."""
        assert _codes(lambda: kind.unchecked(raw)) == [code]

    @pytest.mark.parametrize(
        ("raw", "compact", "country"),
        [
            ("EL 094259216", "GR094259216", "GR"),
            ("de 136695978", "DE136695978", "DE"),
            ("US 12-3456789", "US123456789", "US"),
            ("004495445B01", "004495445B01", None),
        ],
    )
    def test_unchecked_vat_number_keeps_its_prefix_country(
        self, raw: str, compact: str, country: str | None
    ) -> None:
        """An unchecked VAT number still reads its country from its prefix."""
        vat = VATNumber.unchecked(raw)
        assert (vat.compact, vat.country, vat.strength) == (compact, country, UNCHECKED)


class TestMask:
    @pytest.mark.parametrize(
        ("value", "masked"),
        [
            ("NL91ABNA0417164300", "**************4300"),
            ("DE136695976", "*******5976"),
            ("12345", "*2345"),
            ("1234", "****"),
            ("", ""),
        ],
    )
    def test_mask_keeps_only_the_last_four(self, value: str, masked: str) -> None:
        """All but the last four characters are hidden, and a value of four or fewer entirely."""
        assert mask(value) == masked
