"""
Tests for `accountcore.identifiers.IBAN` and `BIC` beyond the tables of test_identifiers.py:
separators, national check digits, BICs of every country with IBANs (Kosovo's), the bank
registry's names and BICs, and agreement with schwifty checking national check digits.

IBANs with wrong national check digits are real IBANs of the SWIFT registry's examples with
one digit changed and their ISO 7064 check digits made right again, so that only the national
check digits are wrong; schwifty (``validate_bban=True``) refuses every one of them.
"""

from __future__ import annotations

import json
import random
import re
import warnings
from functools import cache
from importlib.resources import files

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban

import accountcore
from accountcore.errors import CODES, ValidationError
from accountcore.identifiers import BIC, IBAN, CheckStrength

_LETTERS = {ord(c): str(n) for n, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ", start=10)}


def _codes(raw: str, parse: type[IBAN] | type[BIC] = IBAN) -> list[str]:
    """Parse ``raw``, expecting a ValidationError, and return its problem codes."""
    with pytest.raises(accountcore.ValidationError) as info:
        parse.parse(raw)
    return [problem.code for problem in info.value.problems]


def _with_check_digits(country: str, bban: str) -> str:
    """Return the IBAN of ``bban`` with right ISO 7064 mod 97-10 check digits."""
    number = int((bban + country + "00").translate(_LETTERS))
    return f"{country}{98 - number % 97:02d}{bban}"


def _ours(text: str) -> str | None:
    """Return accountcore's compact form of the IBAN ``text``, or None when it refuses it."""
    try:
        return IBAN.parse(text).compact
    except accountcore.ValidationError:
        return None


def _schwifty(text: str, *, validate_bban: bool = True) -> str | None:
    """Return schwifty's compact form of the IBAN ``text``, or None when it refuses it."""
    import schwifty
    from schwifty.exceptions import SchwiftyException

    try:
        with warnings.catch_warnings():  # a country whose national digits go unchecked
            warnings.simplefilter("ignore")
            return str(schwifty.IBAN(text, validate_bban=validate_bban).compact)
    except (SchwiftyException, ValueError):
        return None


@cache
def _iban_countries() -> list[str]:
    """Every country of schwifty's IBAN registry (the keys of its data files)."""
    codes: set[str] = set()
    for entry in (files("schwifty") / "iban_registry").iterdir():
        if entry.name.endswith(".json"):
            codes |= set(json.loads(entry.read_text(encoding="utf-8")))
    return sorted(codes)


#: Valid IBANs, one of each country whose national check digits schwifty checks, and more.
_VALID = [
    "BE68539007547034",
    "ES9121000418450200051332",
    "NL91ABNA0417164300",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "IT60X0542811101000000123456",
    "PL61109010140000071219812874",
    "PT50000201231234567890154",
    "FI2112345600000785",
    "EE382200221020145685",
    "NO9386011117947",
    "SI56191000000123438",
    "CZ6508000000192000145399",
    "SK3112000000198742637541",
    "IS140159260076545510730339",
    "MC5811222000010123456789030",
    "SM86U0322509800000000270100",
    "BA391290079401028494",
    "ME25505000012345678951",
    "MK07250120000058984",
    "RS35260005601001611379",
    "TL380080012345678910157",
    "MR1300020001010000123456753",
    "TN5910006035183598478831",
    "XK051212012345678906",
]

#: IBANs with right ISO 7064 check digits but wrong national ones (the first two are
#: python-stdnum's and schwifty's refusals; the others change one digit of a valid IBAN).
_WRONG_NATIONAL = [
    "BE54310100270000",
    "ES2121000418450200051331",
    "BE79539007547030",
    "ES4821000418450200051330",
    "FR7920041010050500013M02600",
    "IT28X0542811101000000123450",
    "PL30109110140000071219812874",
    "PT61000201231234567890150",
    "FI5912345600000780",
    "EE762200221020145680",
    "NO8886011117940",
    "SI78191000000123430",
    "CZ1708000000192000145390",
    "SK5812000000198742637540",
    "IS480159260076545510730309",
    "DE08370400440532013100",
    "MC3111222000010123456789031",
    "SM59U0322509800000000270101",
    "BA501290079401028490",
    "ME52505000012345678950",
    "MK18250120000058980",
    "RS84260005601001611370",
    "TL330080012345678910150",
    "MR9400020001010000123456750",
    "TN8610006035183598478830",
]


# --- separators ------------------------------------------------------------------------------


class TestSeparators:
    @pytest.mark.parametrize(
        ("raw", "compact"),
        [
            ("BE 43.4679.1170.4101", "BE43467911704101"),
            ("ES15-0049-1806-9121-1186-9374", "ES1500491806912111869374"),
            ("NL91.ABNA.0417.1643.00", "NL91ABNA0417164300"),
            ("nl91-abna 0417.1643\t00", "NL91ABNA0417164300"),
            ("DE89 - 3704 - 0044 - 0532 - 0130 - 00", "DE89370400440532013000"),
            ("FR14-2004-1010-0505-0001-3M02-606", "FR1420041010050500013M02606"),
            ("GB29\u00a0NWBK\u00a060161331926819", "GB29NWBK60161331926819"),
            ("-NL91ABNA0417164300.", "NL91ABNA0417164300"),
        ],
    )
    def test_whitespace_dashes_and_dots_are_separators(self, raw: str, compact: str) -> None:
        """Whitespace, dashes and dots anywhere in an IBAN are taken out of its compact form."""
        iban = IBAN.parse(raw)
        assert (iban.compact, iban.strength) == (compact, CheckStrength.CHECKSUM)

    @pytest.mark.parametrize(
        "raw",
        [
            "NL91/ABNA/0417/1643/00",
            "NL91_ABNA_0417_1643_00",
            "NL91,ABNA,0417,1643,00",
            "NL91+ABNA0417164300",
            "NL91\u2013ABNA0417164300",
            "NL91:ABNA0417164300",
        ],
    )
    def test_other_punctuation_is_refused(self, raw: str) -> None:
        """Slashes, underscores, commas, en dashes and the like are no IBAN separators."""
        assert _codes(raw) == ["invalid_format"]

    @pytest.mark.parametrize("raw", ["-", ".-.", " - . "])
    def test_separators_alone_are_refused(self, raw: str) -> None:
        """Text of separators alone is no IBAN."""
        assert all(code in CODES for code in _codes(raw))

    @given(
        st.sampled_from(_VALID),
        # At most 8 separators: the text stays within MAX_IDENTIFIER_TEXT (64 characters).
        st.lists(
            st.tuples(st.integers(0, 34), st.sampled_from([" ", "-", ".", "\t", " - "])),
            max_size=8,
        ),
    )
    def test_separators_anywhere_give_the_same_iban(
        self, iban: str, separators: list[tuple[int, str]]
    ) -> None:
        """Separators inserted anywhere in a valid IBAN leave its compact form unchanged."""
        text = iban
        for at, separator in separators:
            text = text[:at] + separator + text[at:]
        assert IBAN.parse(text).compact == iban

    @pytest.mark.parametrize(
        ("raw", "code"), [("ABNA-NL-2A", "invalid_length"), ("ABNANL2A.XX", "invalid_format")]
    )
    def test_bic_takes_no_dashes_or_dots(self, raw: str, code: str) -> None:
        """A BIC is written with spaces at most: dashes and dots stay in and refuse it."""
        assert _codes(raw, BIC) == [code]


# --- national check digits -------------------------------------------------------------------


class TestNationalCheckDigits:
    @pytest.mark.parametrize("raw", _VALID)
    def test_right_national_check_digits_pass_the_quick_check(self, raw: str) -> None:
        """A valid IBAN passes, its national check digits included, on the quick path."""
        from accountcore.identifiers._bank import _iban_passes

        assert IBAN.parse(raw).compact == raw
        assert _iban_passes(raw)

    @pytest.mark.parametrize("raw", _WRONG_NATIONAL)
    def test_wrong_national_check_digits_are_refused(self, raw: str) -> None:
        """Right IBAN check digits but wrong national ones give ``invalid_checksum``."""
        from accountcore.identifiers._bank import _iban_passes

        assert _schwifty(raw, validate_bban=False) == raw  # the ISO 7064 check digits are right
        assert _schwifty(raw) is None
        assert _codes(raw) == ["invalid_checksum"]
        assert not _iban_passes(raw)

    @pytest.mark.parametrize("raw", _WRONG_NATIONAL[:2])
    def test_wrong_national_check_digits_are_refused_spaced(self, raw: str) -> None:
        """Wrong national check digits are refused however the IBAN is spaced."""
        spaced = " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))
        assert _codes(spaced) == ["invalid_checksum"]
        assert _codes(spaced.replace(" ", "-")) == ["invalid_checksum"]

    @pytest.mark.parametrize(
        "raw",
        [
            "BE54310100270000",
            "ES2121000418450200051331",
            "BE79539007547030",
            "ES4821000418450200051330",
            "NO8886011117940",
            "ME52505000012345678950",
        ],
    )
    def test_python_stdnum_refuses_them_too(self, raw: str) -> None:
        """python-stdnum, which checks the national digits of some countries, refuses these."""
        assert not stdnum_iban.is_valid(raw)
        assert not IBAN.is_valid(raw)

    def test_account_without_a_possible_check_digit_is_refused(self) -> None:
        """A Norwegian account no check digit can complete is ``invalid_checksum`` too."""
        # Schwifty raises InvalidAccountCode ("Check digit does not compute") for it.
        assert _schwifty("NO8008601111790", validate_bban=False) == "NO8008601111790"
        assert _codes("NO8008601111790") == ["invalid_checksum"]

    def test_bank_whose_method_schwifty_lacks_is_not_checked(self) -> None:
        """A German bank whose national method schwifty lacks (B8) is accepted, as there."""
        # Berliner Sparkasse, bank code 10050000, checks by method B8.
        for account in ("0123456789", "0123456788"):
            raw = _with_check_digits("DE", "10050000" + account)
            assert _schwifty(raw) == raw
            assert IBAN.parse(raw).compact == raw

    def test_wrong_german_check_digit_names_the_national_digits(self) -> None:
        """The message says the national check digits are wrong, and shows no IBAN."""
        raw = "DE08370400440532013100"
        with pytest.raises(accountcore.ValidationError) as info:
            IBAN.parse(raw)
        (problem,) = info.value.problems
        assert problem.path == ()
        assert "national check digits" in problem.message
        assert raw[4:] not in problem.message
        assert problem.message.count(".") == 1 and problem.message.endswith(".")


# --- agreement with schwifty (validate_bban=True) ---------------------------------------------


def _mutate(iban: str, changes: list[tuple[int, str]], fix: bool) -> str:
    """Change digits of the BBAN of ``iban``; with ``fix``, make its IBAN check digits right."""
    country, bban = iban[:2], iban[4:]
    for at, digit in changes:
        if at < len(bban) and bban[at].isdigit():
            bban = bban[:at] + digit + bban[at + 1 :]
    return _with_check_digits(country, bban) if fix else iban[:4] + bban


def _random_iban(country: str, rng: random.Random, *, use_registry: bool = True) -> str | None:
    """Return a random IBAN of ``country`` from schwifty, or None when it cannot make one."""
    import schwifty
    from schwifty.exceptions import SchwiftyException

    try:  # some schwifty releases generate BBANs their own check refuses (2026.7.3: HN)
        return str(schwifty.IBAN.random(country, random=rng, use_registry=use_registry))
    except SchwiftyException:
        return None


class TestSchwiftyAgreement:
    @settings(max_examples=300, deadline=None)
    @given(
        country=st.sampled_from(_iban_countries()),
        rng=st.randoms(use_true_random=False),
        use_registry=st.booleans(),
        changes=st.lists(st.tuples(st.integers(0, 30), st.sampled_from("0123456789")), max_size=2),
        fix=st.booleans(),
    )
    def test_random_ibans_agree_with_schwifty(
        self,
        country: str,
        rng: random.Random,
        use_registry: bool,
        changes: list[tuple[int, str]],
        fix: bool,
    ) -> None:
        """A random IBAN of any country, its digits changed or not, is accepted exactly when
        schwifty checking national check digits accepts it."""
        iban = _random_iban(country, rng, use_registry=use_registry)
        assume(iban is not None)
        assert iban is not None
        text = _mutate(iban, changes, fix)
        assert _ours(text) == _schwifty(text)

    @pytest.mark.parametrize("country", _iban_countries())
    def test_every_country_agrees_with_schwifty(self, country: str) -> None:
        """For every country, random IBANs and their one-digit changes (IBAN check digits made
        right) are accepted exactly when schwifty checking national check digits accepts them."""
        rng = random.Random(f"accountcore-{country}")
        for _ in range(12):
            iban = _random_iban(country, rng)
            if iban is None:
                pytest.skip(f"this schwifty cannot generate random IBANs of {country}")
            assert _ours(iban) == _schwifty(iban) == iban
            for _ in range(3):
                at = rng.randrange(len(iban) - 4)
                text = _mutate(iban, [(at, rng.choice("0123456789"))], fix=True)
                assert _ours(text) == _schwifty(text), text


# --- BICs of every country with IBANs ---------------------------------------------------------


class TestBICCountries:
    def test_kosovo_bic_is_accepted(self) -> None:
        """Kosovo's BIC NLPRXKPR parses, as Kosovo's IBANs do, though schwifty refuses it."""
        import schwifty
        from schwifty.exceptions import InvalidCountryCode

        for raw in ("NLPRXKPR", "nlpr xk pr", "NLPRXKPRXXX"):
            bic = BIC.parse(raw)
            assert (bic.country, bic.strength) == ("XK", CheckStrength.FORMAT)
        assert IBAN.parse("XK051212012345678906").country == "XK"
        with pytest.raises(InvalidCountryCode):
            schwifty.BIC("NLPRXKPR")

    def test_kosovo_bic_is_accepted_on_the_slow_path_too(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With the quick check out of the way, the check through schwifty accepts XK too."""
        from accountcore.identifiers import _bank

        shapes = _bank._shapes()
        never = re.compile(r"(?!)")
        monkeypatch.setattr(_bank, "_shapes", lambda: shapes._replace(bic=never))
        assert BIC.parse("NLPRXKPR").compact == "NLPRXKPR"
        assert _codes("NLPRXXPR", BIC) == ["invalid_component"]
        assert _codes("NLPRXKP", BIC) == ["invalid_length"]

    @pytest.mark.parametrize("country", _iban_countries())
    def test_bic_of_every_iban_country_is_accepted(self, country: str) -> None:
        """A BIC of every country schwifty has IBANs of parses."""
        assert BIC.parse(f"TEST{country}2A").country == country

    @pytest.mark.parametrize("raw", ["ABNAXX2A", "ABNAQQ2A", "ABNAZZ2AXXX", "ABNAEU2A"])
    def test_country_without_bics_or_ibans_is_refused(self, raw: str) -> None:
        """A country code that is neither ISO 3166-1 nor one with IBANs is refused."""
        assert _codes(raw, BIC) == ["invalid_component"]

    def test_kosovo_bic_and_iban_are_of_one_area(self) -> None:
        """A Kosovar BIC may belong to a Kosovar IBAN (no bank registry: None), not a Dutch."""
        iban = IBAN.parse("XK051212012345678906")
        assert BIC.parse("NLPRXKPR").belongs_to(iban) is None
        assert BIC.parse("NLPRXKPR").belongs_to(IBAN.parse("NL91ABNA0417164300")) is False


# --- the bank registry -----------------------------------------------------------------------


class TestBankRegistry:
    @pytest.mark.parametrize(
        ("raw", "name", "bic"),
        [
            ("NL91ABNA0417164300", "ABN AMRO BANK N.V.", "ABNANL2A"),
            ("NL20INGB0001234567", "ING", "INGBNL2A"),
            ("DE89370400440532013000", "Commerzbank", "COBADEFFXXX"),
            ("DE42430609677000534100", "GLS Gemeinschaftsbank", "GENODEM1GLS"),
            ("DE43200700240459858761", "Deutsche Bank", "DEUTDEDBHAM"),
            ("FR1420041010050500013M02606", "LA BANQUE POSTALE", "PSSTFRPP"),
            ("FR7630004000011234567890173", "BNP PARIBAS", "BNPAFRPP"),
            ("FR604191943086BITONEDP4PW89", "BNP PARIBAS REUNION", "BNPARERXXXX"),
            ("ES9121000418450200051332", "CAIXABANK, S.A.", "CAIXESBB"),
            ("IT60X0542811101000000123456", "Unione Di Banche Italiane SpA", "BLOPIT22"),
            ("XK051212012345678906", None, None),
            ("AL47212110090000000235698741", None, None),
        ],
    )
    def test_iban_names_its_bank_and_bic(self, raw: str, name: str | None, bic: str | None) -> None:
        """The registry's name and BIC of the IBAN's bank, or None where it lists none."""
        iban = IBAN.parse(raw)
        assert iban.bank_name == name
        if bic is None:
            assert iban.bank_bic is None
        else:
            assert iban.bank_bic == BIC.parse(bic)
            assert BIC.parse(bic).belongs_to(iban) is True

    def test_several_institutions_give_no_bic(self) -> None:
        """A bank code the registry files under BICs of several institutions has no BIC."""
        from accountcore.identifiers._bank import _bank_bic

        # Barclays (BUKB): BUKBGB22 and BUKBGB22XXX are one, marked primary; BUKBGB21 is not.
        assert IBAN.parse("GB33BUKB20201555555555").bank_bic == BIC.parse("BUKBGB22")
        # A bank code whose entries hold no BIC, or the BICs of two institutions.
        assert _bank_bic("NL", "ZZZZ") is None

    @pytest.mark.parametrize(
        ("raw", "name"),
        [
            ("INGBNL2A", "ING"),
            ("ABNANL2A", "ABN AMRO BANK N.V."),
            ("ABNANL2AXXX", "ABN AMRO BANK N.V."),
            ("RABONL2U", "RABOBANK"),
            ("GENODEM1GLS", "GLS Gemeinschaftsbank"),
            ("COBADEFF", "Commerzbank"),
            ("BNPAFRPP", "BNP PARIBAS"),
            ("BNPAFRPPXYZ", "BNP PARIBAS"),
            ("BNPARERX", "BNP PARIBAS REUNION"),
            ("ABNAJPJTXXX", None),
            ("NLPRXKPR", None),
        ],
    )
    def test_bic_names_its_bank(self, raw: str, name: str | None) -> None:
        """The registry's name for the BIC's bank: by its 8 characters for an unlisted branch,
        in France's registry for Réunion's; None when unlisted."""
        assert BIC.parse(raw).bank_name == name

    def test_a_mismatch_can_name_both_banks(self) -> None:
        """For a BIC of another bank than the IBAN's, both banks' names are known."""
        iban, bic = IBAN.parse("NL91ABNA0417164300"), BIC.parse("INGBNL2A")
        assert bic.belongs_to(iban) is False
        assert (bic.bank_name, iban.bank_name) == ("ING", "ABN AMRO BANK N.V.")
        assert iban.bank_bic == BIC.parse("ABNANL2A")

    @pytest.mark.parametrize(
        "raw", ["XX12345678", "NL91", "NL91ABNA041716430", "QQ00ABCDEFGHIJ", "NL91ABNA04171643000"]
    )
    def test_unreadable_unchecked_iban_gives_none(self, raw: str) -> None:
        """An unchecked IBAN schwifty cannot read has no bank name or BIC, and raises nothing."""
        iban = IBAN.unchecked(raw)
        assert (iban.bank_name, iban.bank_bic) == (None, None)

    @pytest.mark.parametrize("raw", ["ABNA", "ABNAXX2A", "A", "ABNANL2AXXXXX"])
    def test_unreadable_unchecked_bic_gives_none(self, raw: str) -> None:
        """An unchecked BIC the registry cannot list has no bank name, and raises nothing."""
        assert BIC.unchecked(raw).bank_name is None

    @settings(max_examples=100, deadline=None)
    @given(st.text(min_size=1, max_size=40).filter(lambda text: text.strip()))
    def test_any_unchecked_value_gives_a_name_or_none(self, text: str) -> None:
        """Whatever an unchecked IBAN or BIC holds, its bank properties answer without raising."""
        iban, bic = IBAN.unchecked(text), BIC.unchecked(text)
        assert iban.bank_name is None or isinstance(iban.bank_name, str)
        assert iban.bank_bic is None or isinstance(iban.bank_bic, BIC)
        assert bic.bank_name is None or isinstance(bic.bank_name, str)


class TestShortText:
    @given(st.text(max_size=20))
    def test_is_valid_agrees_with_parse(self, text: str) -> None:
        """is_valid's quick refusal of short text agrees with parse, whatever the text."""
        try:
            IBAN.parse(text)
        except ValidationError:
            assert not IBAN.is_valid(text)
        else:
            assert IBAN.is_valid(text)

    def test_short_keys_are_no_ibans(self) -> None:
        """Text shorter than any IBAN, separators left out, is refused."""
        assert not IBAN.is_valid("k0") and not IBAN.is_valid("NO93 8601 1117 94")
        assert IBAN.is_valid("NO93 8601 1117 947")
