"""
Tests for register numbers as people type them (`accountcore.ChamberOfCommerceNumber`) and for
D-U-N-S numbers of nine zeros.

Valid numbers are python-stdnum's documentation examples and test vectors
(tests/data/stdnum/registers.json, see its README), and companies' own published numbers.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import accountcore
from accountcore import DUNS, ChamberOfCommerceNumber
from accountcore.identifiers import CheckStrength

DATA = Path(__file__).parent.parent / "data" / "stdnum"
CHECKSUM = CheckStrength.CHECKSUM
FORMAT = CheckStrength.FORMAT
UNCHECKED = CheckStrength.UNCHECKED


def _codes(call: Callable[[], object]) -> list[str]:
    """Run ``call``, expecting a ValidationError, and return its problem codes."""
    with pytest.raises(accountcore.ValidationError) as info:
        call()
    return [problem.code for problem in info.value.problems]


def _parse(raw: str, country: str | None) -> ChamberOfCommerceNumber:
    return ChamberOfCommerceNumber.parse(raw, country=country)


@functools.cache
def _valid_vectors() -> list[tuple[str, str]]:
    """(number, country) of every valid register number in python-stdnum's vectors."""
    data = json.loads((DATA / "registers.json").read_text("utf-8"))
    return [(v["number"], v["country"]) for v in data["vectors"] if v["valid"]]


class TestLabels:
    @pytest.mark.parametrize(
        ("raw", "country", "compact", "strength"),
        [
            ("KvK 24123456", "NL", "24123456", FORMAT),
            ("KvK-nummer: 24123456", "NL", "24123456", FORMAT),
            ("KVK nr. 2412 3456", "NL", "24123456", FORMAT),
            ("K.v.K. 24123456", "NL", "24123456", FORMAT),
            ("Kamer van Koophandel 24123456", "NL", "24123456", FORMAT),
            ("CoC number 24123456", "NL", "24123456", FORMAT),
            ("HRB 12345", "DE", "HRB 12345", FORMAT),
            ("HRA 1234", "DE", "HRA 1234", FORMAT),
            ("hrb 151080 b", "DE", "HRB 151080 B", FORMAT),
            ("Amtsgericht Köln HRB 49263", "DE", "Köln HRB 49263", FORMAT),
            ("HRB 49263, Amtsgericht Köln", "DE", "Köln HRB 49263", FORMAT),
            ("Handelsregister: Amtsgericht Köln, HRB 49263", "DE", "Köln HRB 49263", FORMAT),
            ("Registergericht: AG Köln, HRB 49263", "DE", "Köln HRB 49263", FORMAT),
            ("Berlin HRB 11223 B", "DE", "Berlin (Charlottenburg) HRB 11223 B", FORMAT),
            ("SIREN 732 829 320", "FR", "732829320", CHECKSUM),
            ("SIREN : 732829320", "FR", "732829320", CHECKSUM),
            ("SIRET 732 829 320 00074", "FR", "73282932000074", CHECKSUM),
            ("N° SIRET 732 829 320 00074", "FR", "73282932000074", CHECKSUM),
            ("73282932000074", "FR", "73282932000074", CHECKSUM),
            ("RCS Paris B 732 829 320", "FR", "732829320", CHECKSUM),
            ("RCS Nancy B 323 159 715", "FR", "323159715", CHECKSUM),
            ("KBO 0403.170.701", "BE", "0403170701", CHECKSUM),
            ("BCE 0403.170.701", "BE", "0403170701", CHECKSUM),
            ("KBO-BCE: 0403.170.701", "BE", "0403170701", CHECKSUM),
            ("Ondernemingsnummer 0403.170.701", "BE", "0403170701", CHECKSUM),
            ("Ondernemingsnr. 0403 170 701", "BE", "0403170701", CHECKSUM),
            ("Numéro d'entreprise 0403.170.701", "BE", "0403170701", CHECKSUM),
            ("RPR Antwerpen 0403.170.701", "BE", "0403170701", CHECKSUM),
            ("BE 0403.170.701", "BE", "0403170701", CHECKSUM),
            ("403.170.701", "BE", "0403170701", CHECKSUM),
            ("CVR 13585628", "DK", "13585628", CHECKSUM),
            ("CVR-nr.: 13 58 56 28", "DK", "13585628", CHECKSUM),
            ("Org.nr. 988 077 917", "NO", "988077917", CHECKSUM),
            ("Organisasjonsnummer 988077917", "NO", "988077917", CHECKSUM),
            ("Org.nr 556036-0793", "SE", "5560360793", CHECKSUM),
            ("Organisationsnummer 556036-0793", "SE", "5560360793", CHECKSUM),
            ("Y-tunnus 2077474-0", "FI", "20774740", CHECKSUM),
            ("Y-tunnus: 2077474-0", "FI", "20774740", CHECKSUM),
            ("UID CHE-100.155.212", "CH", "CHE100155212", CHECKSUM),
            ("UID-Nr.: CHE-100.155.212", "CH", "CHE100155212", CHECKSUM),
            ("IDE CHE-100.155.212", "CH", "CHE100155212", CHECKSUM),
            ("Registrikood 12345678", "EE", "12345678", CHECKSUM),
            ("Reg. kood 12345678", "EE", "12345678", CHECKSUM),
            ("FN 122119m", "AT", "122119m", FORMAT),
            ("FN 122119 M", "AT", "122119m", FORMAT),
            ("Firmenbuchnummer 122119m", "AT", "122119m", FORMAT),
            ("FN 122119m, Handelsgericht Wien", "AT", "122119m", FORMAT),
            ("KRS 0000123456", "PL", "0000123456", FORMAT),
            ("Nr KRS 0000123456", "PL", "0000123456", FORMAT),
            ("REGON 192598184", "PL", "192598184", CHECKSUM),
            ("REGON: 123456785 12347", "PL", "12345678512347", CHECKSUM),
        ],
    )
    def test_labelled_number_is_stored_compact(
        self, raw: str, country: str, compact: str, strength: CheckStrength
    ) -> None:
        """The register's name is dropped and the number checked and stored compact."""
        number = _parse(raw, country)
        assert (number.compact, number.country, number.strength) == (compact, country, strength)
        assert _parse(number.compact, country) == number

    @pytest.mark.parametrize(
        ("raw", "country", "compact"),
        [
            ("KvK 24123456", "LU", "KvK 24123456"),
            ("KvK 24123456", None, "KvK 24123456"),
            ("RCS Luxembourg B 123456", "LU", "RCS Luxembourg B 123456"),
        ],
    )
    def test_labels_stay_where_no_rule_applies(
        self, raw: str, country: str | None, compact: str
    ) -> None:
        """Without a country rule the text is kept as typed (spaces collapsed), unchecked."""
        number = _parse(raw, country)
        assert (number.compact, number.strength) == (compact, UNCHECKED)

    def test_unchecked_keeps_the_label(self) -> None:
        """``unchecked`` knows no country, so it keeps labels and only collapses spaces."""
        number = ChamberOfCommerceNumber.unchecked("  KvK   24123456 ")
        assert (number.compact, number.strength, number.country) == (
            "KvK 24123456",
            UNCHECKED,
            None,
        )

    @pytest.mark.parametrize(
        ("raw", "country", "code"),
        [
            ("KvK 2412345", "NL", "invalid_length"),
            ("KvK", "NL", "invalid_format"),
            ("SIREN 732 829 321", "FR", "invalid_checksum"),
            ("SIRET 732 829 320 00075", "FR", "invalid_checksum"),
            ("RCS Paris B 732 829 321", "FR", "invalid_checksum"),
            ("RCS Paris 732 829 320", "FR", "invalid_format"),
            ("KBO 0403.170.702", "BE", "invalid_checksum"),
            ("0403.170", "BE", "invalid_length"),
            ("REGON 192598183", "PL", "invalid_checksum"),
            ("KRS 00001234", "PL", "invalid_length"),
            ("Amtsgericht Atlantis HRB 49263", "DE", "invalid_component"),
            ("HRB 0", "DE", "invalid_format"),
            ("HRC 12345", "DE", "invalid_format"),
            ("CVR 13585627", "DK", "invalid_checksum"),
            ("Y-tunnus 2077474-1", "FI", "invalid_checksum"),
        ],
    )
    def test_labelled_invalid_number_is_refused(self, raw: str, country: str, code: str) -> None:
        """A label does not excuse a number that breaks its register's rule."""
        assert _codes(lambda: _parse(raw, country)) == [code]

    @given(
        st.sampled_from(_valid_vectors()),
        st.sampled_from(["", " ", ":", "  : "]),
    )
    def test_a_label_never_changes_the_number(
        self, vector: tuple[str, str], separator: str
    ) -> None:
        """Any valid register number of stdnum's vectors parses alike with its register's
        label in front, and its compact form parses to itself."""
        number, country = vector
        labels = {
            "NL": "KvK",
            "FR": "SIREN",
            "BE": "KBO",
            "DK": "CVR",
            "NO": "Org.nr.",
            "SE": "Org.nr",
            "FI": "Y-tunnus",
            "CH": "UID",
            "EE": "Registrikood",
            "AT": "Firmenbuchnummer",
            "PL": "REGON",
            "DE": "Amtsgericht",
        }
        plain = _parse(number, country)
        assert _parse(plain.compact, country) == plain
        if country == "FR" and number.upper().startswith("RCS"):
            return  # an RCS mention is itself a label
        labelled = f"{labels[country]}{separator or ' '}{number.strip()}"
        assert _parse(labelled, country) == plain


class TestBranchNumbers:
    @pytest.mark.parametrize(
        "raw",
        ["000012345678", "0000 1234 5678", "Vestigingsnummer: 000012345678", "KvK 000037143557"],
    )
    def test_dutch_branch_number_is_the_wrong_kind(self, raw: str) -> None:
        """A 12-digit vestigingsnummer is no KvK number: ``wrong_identifier_kind``."""
        assert _codes(lambda: _parse(raw, "NL")) == ["wrong_identifier_kind"]

    def test_message_names_the_branch_number_without_echoing_it(self) -> None:
        """The message says it looks like a branch number and does not repeat it."""
        with pytest.raises(accountcore.ValidationError) as info:
            _parse("000037143557", "NL")
        message = info.value.problems[0].message
        assert "branch number" in message
        assert "37143557" not in str(info.value)
        assert message.count(".") == 1 and message.endswith(".")

    @given(st.integers(0, 10**12 - 1))
    def test_any_twelve_digits_are_a_branch_number(self, value: int) -> None:
        """Every 12-digit number for NL is refused as the wrong kind, never parsed."""
        raw = f"{value:012d}"
        assert _codes(lambda: _parse(raw, "NL")) == ["wrong_identifier_kind"]


class TestGermanCourts:
    def test_a_known_court_is_written_as_stdnum_writes_it(self) -> None:
        """python-stdnum's court list normalises the court's name (Koln is Köln)."""
        assert _parse("Koln HRB 49263", "DE").compact == "Köln HRB 49263"

    @given(
        st.sampled_from(["HRA", "HRB", "GnR", "PR", "VR", "hrb"]),
        st.integers(1, 999_999),
    )
    def test_any_register_and_number_without_court_is_format_checked(
        self, registry: str, number: int
    ) -> None:
        """A register type and 1 to 6 digits, without a court, pass at format strength."""
        parsed = _parse(f"{registry} {number}", "DE")
        assert parsed.strength is FORMAT
        assert parsed.compact.split() == [registry.replace("hrb", "HRB"), str(number)]


class TestMessages:
    @pytest.mark.parametrize(
        ("raw", "country"),
        [
            ("KvK 2412345", "NL"),
            ("SIREN 732 829 321", "FR"),
            ("KBO 0403.170.702", "BE"),
            ("REGON 192598183", "PL"),
            ("Amtsgericht Atlantis HRB 49263", "DE"),
        ],
    )
    def test_errors_never_echo_the_number(self, raw: str, country: str) -> None:
        """No problem message repeats the digits of the refused number."""
        with pytest.raises(accountcore.ValidationError) as info:
            _parse(raw, country)
        digits = "".join(c for c in raw if c.isdigit())
        assert digits[-6:] not in str(info.value)


class TestDUNSZeros:
    @pytest.mark.parametrize("raw", ["000000000", "00-000-0000", "00 000 0000"])
    def test_nine_zeros_are_refused(self, raw: str) -> None:
        """A D-U-N-S number of nine zeros is refused as ``invalid_format``."""
        assert _codes(lambda: DUNS.parse(raw)) == ["invalid_format"]
        assert not DUNS.is_valid(raw)

    @given(st.integers(1, 10**9 - 1))
    def test_any_other_nine_digits_parse(self, value: int) -> None:
        """Every nine-digit number but zero parses, leading zeros kept."""
        raw = f"{value:09d}"
        assert DUNS.parse(raw).compact == raw
