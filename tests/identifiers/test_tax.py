"""
Tests for `accountcore.VATNumber`: the national part, Northern Ireland's XI, the VIES prefix and
doubled prefixes.

Valid numbers come from python-stdnum's own test vectors (tests/data/stdnum/vat.json, see its
README); the others are real numbers from python-stdnum's documentation.
"""

from __future__ import annotations

import functools
import json
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import accountcore
from accountcore import VATNumber
from accountcore.identifiers import CheckStrength

DATA = Path(__file__).parent.parent / "data" / "stdnum"
CHECKSUM = CheckStrength.CHECKSUM
UNCHECKED = CheckStrength.UNCHECKED
#: Countries whose numbers start with their VAT prefix: the Swiss UID (CHE), EU OSS numbers
#: and Monaco's, which are French (FR).
OWN_PREFIX = {"CH": "CH", "EU": "EU", "MC": "FR"}


def _codes(call: Callable[[], object]) -> list[str]:
    """Run ``call``, expecting a ValidationError, and return its problem codes."""
    with pytest.raises(accountcore.ValidationError) as info:
        call()
    return [problem.code for problem in info.value.problems]


@functools.cache
def _vectors() -> list[dict[str, Any]]:
    vectors: list[dict[str, Any]] = json.loads((DATA / "vat.json").read_text("utf-8"))["vectors"]
    return vectors


def _valid_for(country: str) -> list[str]:
    """The valid numbers python-stdnum's vectors give for ``country``'s VAT module."""
    return [v["number"] for v in _vectors() if v["valid"] and v["country"] == country]


@functools.cache
def _vat_countries() -> tuple[str, ...]:
    """Every country the installed python-stdnum has a VAT module for (EU aside)."""
    import stdnum
    from stdnum.util import get_cc_module

    codes = (m.name.rstrip("_") for m in pkgutil.iter_modules(stdnum.__path__) if m.ispkg)
    found = (c for c in codes if len(c) == 2 and c != "eu" and get_cc_module(c, "vat"))
    return tuple(sorted(c.upper() for c in found))


def _module(country: str) -> Any:
    from stdnum.util import get_cc_module

    return get_cc_module(country.lower(), "vat")


def _prefix_of(country: str) -> str:
    return "EL" if country == "GR" else OWN_PREFIX.get(country, country)


class TestNational:
    def test_every_vat_country_has_valid_vectors(self) -> None:
        """Each country with a python-stdnum VAT module has valid numbers in the vectors."""
        assert len(_vat_countries()) >= 79
        assert [c for c in _vat_countries() if not _valid_for(c)] == []

    @pytest.mark.parametrize("country", _vat_countries())
    def test_national_drops_the_prefix_for_every_country(self, country: str) -> None:
        """``national`` is the number without its prefix; with it, or alone with the country,
        it parses back to the same number."""
        module = _module(country)
        prefix = _prefix_of(country)
        for number in _valid_for(country):
            vat = VATNumber.parse(number, country=country)
            national = vat.national
            assert (vat.country, vat.strength, vat.prefix) == (country, CHECKSUM, prefix)
            if country in OWN_PREFIX:
                assert vat.compact == national
            else:
                assert vat.compact == country + national
                # Letters equal to the prefix stay only when the number needs them (MX RFCs).
                assert not (national.startswith(country) and module.is_valid(national[2:]))
            assert VATNumber.parse(national, country=country) == vat
            if country not in OWN_PREFIX and not number.strip().upper().startswith(prefix):
                assert VATNumber.parse(f"{prefix} {number}") == vat

    @pytest.mark.parametrize(
        ("raw", "country", "compact", "national"),
        [
            ("RO 185 472 90", None, "RO18547290", "18547290"),
            ("RO18547290", "RO", "RO18547290", "18547290"),
            ("18547290", "RO", "RO18547290", "18547290"),
            ("EC 1792060346001", None, "EC1792060346001", "1792060346001"),
            ("1792060346001", "EC", "EC1792060346001", "1792060346001"),
            ("NL004495445B01", None, "NL004495445B01", "004495445B01"),
            ("EL 094259216", None, "GR094259216", "094259216"),
            ("CHE-107.787.577 IVA", None, "CHE107787577IVA", "CHE107787577IVA"),
            ("MX MXDE 111111 GR2", None, "MXMXDE111111GR2", "MXDE111111GR2"),
            ("MXDE111111GR2", "MX", "MXMXDE111111GR2", "MXDE111111GR2"),
            ("EU372022452", None, "EU372022452", "EU372022452"),
            ("US 12-3456789", None, "US123456789", "123456789"),
        ],
    )
    def test_national_of_known_numbers(
        self, raw: str, country: str | None, compact: str, national: str
    ) -> None:
        """RO and EC lose their prefix like every country; the Swiss CHE, an EU OSS number's
        EU and the MX of a Mexican RFC that starts with MX are part of the number."""
        vat = VATNumber.parse(raw, country=country)
        assert (vat.compact, vat.national) == (compact, national)

    @given(st.sampled_from([v for v in _vectors() if v["valid"] and v["country"] is None]))
    def test_unchecked_reads_a_compact_form_alike(self, vector: dict[str, Any]) -> None:
        """``unchecked`` of a checked number's compact form gives its compact form and country."""
        vat = VATNumber.parse(vector["number"])
        unchecked = VATNumber.unchecked(vat.compact)
        assert (unchecked.compact, unchecked.country, unchecked.prefix) == (
            vat.compact,
            vat.country,
            vat.prefix,
        )


class TestNorthernIreland:
    @pytest.mark.parametrize(
        ("raw", "country"),
        [
            ("XI 432525179", "GB"),
            ("XI 432525179", None),
            ("xi432525179", "gb"),
            ("XI 432 5251 79", "GB"),
            ("XI 432525179", "NL"),
        ],
    )
    def test_xi_number_keeps_its_prefix(self, raw: str, country: str | None) -> None:
        """An XI number is checked by the British rules, keeps XI, and records GB."""
        vat = VATNumber.parse(raw, country=country)
        assert (vat.compact, vat.country, vat.prefix, vat.national, vat.strength) == (
            "XI432525179",
            "GB",
            "XI",
            "432525179",
            CHECKSUM,
        )

    def test_xi_and_gb_numbers_differ(self) -> None:
        """The XI and GB registrations of one trader are two numbers: VIES only knows XI."""
        xi = VATNumber.parse("XI 432525179")
        gb = VATNumber.parse("432525179", country="GB")
        assert (gb.compact, gb.prefix) == ("GB432525179", "GB")
        assert xi != gb
        assert xi.national == gb.national

    def test_compact_form_reads_back(self) -> None:
        """The stored XI form parses back to the same number, with or without the account's GB."""
        vat = VATNumber.parse("XI 432525179")
        assert VATNumber.parse(vat.compact) == vat
        assert VATNumber.parse(vat.compact, country="GB") == vat
        assert VATNumber.is_valid(vat.compact, "GB")

    @pytest.mark.parametrize(("raw", "code"), [("XI 432525178", "invalid_checksum")])
    def test_invalid_xi_number_is_refused(self, raw: str, code: str) -> None:
        """A wrong check digit fails under XI as under GB."""
        assert _codes(lambda: VATNumber.parse(raw)) == [code]

    def test_unchecked_keeps_xi(self) -> None:
        """``unchecked`` keeps the XI prefix and records GB."""
        vat = VATNumber.unchecked("XI 432525178")
        assert (vat.compact, vat.country, vat.prefix, vat.strength) == (
            "XI432525178",
            "GB",
            "XI",
            UNCHECKED,
        )

    def test_xi_is_no_country(self) -> None:
        """XI is a VAT prefix, not an ISO country: as the account's country it is refused."""
        assert _codes(lambda: VATNumber.parse("432525179", country="XI")) == ["unknown_country"]


class TestPrefix:
    @pytest.mark.parametrize(
        ("raw", "country", "prefix", "compact"),
        [
            ("EL 094259216", None, "EL", "GR094259216"),
            ("094259216", "GR", "EL", "GR094259216"),
            ("GR094259216", None, "EL", "GR094259216"),
            ("DE136695976", None, "DE", "DE136695976"),
            ("CHE-107.787.577 IVA", None, "CH", "CHE107787577IVA"),
            ("EU372022452", None, "EU", "EU372022452"),
            ("US 12-3456789", None, "US", "US123456789"),
            ("004495445B01", None, None, "004495445B01"),
        ],
    )
    def test_prefix_is_the_vies_prefix(
        self, raw: str, country: str | None, prefix: str | None, compact: str
    ) -> None:
        """``prefix`` is EL for Greece (whose compact form keeps GR), else the country code."""
        vat = VATNumber.parse(raw, country=country)
        assert (vat.prefix, vat.compact) == (prefix, compact)


#: python-stdnum's list of otherwise valid numbers with a doubled prefix (test_eu_vat.doctest).
DOUBLED = [
    "AT ATU 65033803",
    "ATU ATU 65033803",
    "BE BE 0220764971",
    "BG BG 175074752",
    "CY CY 00632993F",
    "CZ CZ 61467839",
    "DE DE 246595415",
    "DK DK 20646446",
    "EE EE 100931558",
    "EL EL 094501040",
    "ES ES Y5277343F",
    "EU EU 372022452",
    "FI FI 20946063",
    "FR FR 23000047372",
    "HU HU 18206373",
    "IE IE 4550159S",
    "IT IT 06863340961",
    "LT LT 354991917",
    "LU LU 20993674",
    "LV LV 40003754957",
    "MT MT 19661023",
    "NL NL 818643778B01",
    "PL PL 7671325342",
    "RO RO 16621241",
    "SE SE 556043606401",
    "SI SI 70310815",
    "SK SK 2022749619",
    "XI XI 432525179",
]


class TestDoubledPrefix:
    @pytest.mark.parametrize("raw", [*DOUBLED, "DE DE136695976", "NL-NL-818643778B01"])
    def test_doubled_prefix_is_refused(self, raw: str) -> None:
        """A number valid with one prefix but typed with two is refused as ``doubled_prefix``."""
        assert _codes(lambda: VATNumber.parse(raw)) == ["doubled_prefix"]
        assert not VATNumber.is_valid(raw)

    @pytest.mark.parametrize("country", [None, "NL", "DE"])
    def test_doubled_prefix_is_refused_whatever_the_country(self, country: str | None) -> None:
        """The account's country does not rescue a doubled prefix."""
        raw = "NL NL 818643778B01"
        assert _codes(lambda: VATNumber.parse(raw, country=country)) == ["doubled_prefix"]

    def test_the_single_prefix_is_valid(self) -> None:
        """Each doubled number is valid with its prefix once."""
        for raw in DOUBLED:
            single = raw.split(" ", 1)[1]
            assert VATNumber.is_valid(single), single

    @pytest.mark.parametrize(
        ("raw", "compact"),
        [("MX MXDE 111111 GR2", "MXMXDE111111GR2"), ("MXMXDE111111GR2", "MXMXDE111111GR2")],
    )
    def test_letters_that_belong_to_the_number_are_no_doubled_prefix(
        self, raw: str, compact: str
    ) -> None:
        """A Mexican RFC may start with MX: after the MX prefix it is no doubled prefix."""
        assert VATNumber.parse(raw).compact == compact

    def test_message_never_echoes_the_number(self) -> None:
        """The doubled prefix message is one sentence without the number."""
        with pytest.raises(accountcore.ValidationError) as info:
            VATNumber.parse("NL NL 818643778B01")
        message = info.value.problems[0].message
        assert message == "The VAT number carries its country prefix twice."
        assert "818643778" not in str(info.value)

    @given(
        st.sampled_from(
            [
                v["number"]
                for v in _vectors()
                if v["valid"] and v["source"] == "tests/test_eu_vat.doctest"
            ]
        ),
        st.sampled_from(["", " ", "-", "."]),
    )
    def test_any_valid_eu_number_with_its_prefix_twice_is_refused(
        self, number: str, separator: str
    ) -> None:
        """Doubling the prefix of any valid EU number of the vectors gives ``doubled_prefix``."""
        vat = VATNumber.parse(number)
        doubled = f"{vat.prefix}{separator}{vat.prefix}{vat.national}"
        if vat.country in OWN_PREFIX:
            doubled = f"{vat.prefix}{separator}{vat.national}"
        assert _codes(lambda: VATNumber.parse(doubled)) == ["doubled_prefix"]


class TestFallbackError:
    @pytest.mark.parametrize(
        ("raw", "country", "code"),
        [
            ("CACA 580710 NF7", "MX", "invalid_component"),
            ("DE136695978", "NL", "invalid_checksum"),
            ("NL123456789B90", "DE", "invalid_checksum"),
        ],
    )
    def test_error_of_the_check_that_got_further(self, raw: str, country: str, code: str) -> None:
        """When both the prefix's country and the account's refuse, the deeper error is told."""
        assert _codes(lambda: VATNumber.parse(raw, country=country)) == [code]
