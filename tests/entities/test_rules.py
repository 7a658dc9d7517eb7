"""The single-value rules behind the card's text fields."""

from __future__ import annotations

import pycountry
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from accountcore.entities import _formats as _rules
from accountcore.identifiers import COUNTRY_CODES as ALPHA2


class TestEmail:
    @pytest.mark.parametrize(
        "value",
        ["info@acme.example", "a.b+tag@sub.example.co.uk", "jörg@müller.de", "x@xn--mller-kva.de"],
    )
    def test_valid(self, value: str) -> None:
        """Plain and internationalised addresses are accepted."""
        assert _rules.email(value) is None

    @pytest.mark.parametrize(
        "value",
        ["plain", "a@b", "a..b@x.com", "a@-x.com", "a@x.test", "a@localhost", "@x.com", "a@@x.com"],
    )
    def test_invalid(self, value: str) -> None:
        """Malformed or reserved addresses are refused with invalid_email."""
        failure = _rules.email(value)
        assert failure is not None and failure[0] == "invalid_email"

    @settings(max_examples=200)
    @given(st.from_regex(_rules._PLAIN_EMAIL, fullmatch=True))
    def test_fast_path_agrees_with_email_validator(self, value: str) -> None:
        """Every address the fast path accepts, email-validator accepts too."""
        if _rules._plain_email(value):
            try:
                validate_email(value, check_deliverability=False)
            except EmailNotValidError as exc:  # pragma: no cover - a failure is the finding
                pytest.fail(f"fast path accepted {value!r}: {exc}")


class TestURL:
    @pytest.mark.parametrize(
        "value",
        [
            "https://acme.example",
            "acme.example",
            "www.acme.example/contact?x=1",
            "HTTP://ACME.EXAMPLE",
            "http://localhost:8000",
            "https://bücher.de",
            "https://a.example:8443/x",
        ],
    )
    def test_valid(self, value: str) -> None:
        """Web addresses with or without http(s) scheme are accepted."""
        assert _rules.url(value) is None

    @pytest.mark.parametrize(
        "value",
        [
            "ftp://acme.example",
            "http://",
            "acme",
            "https://acme .example",
            "https://-a.example",
            "http://a.example:99999",
            "mailto:a@b.example",
            "https://a_b.example",
        ],
    )
    def test_invalid(self, value: str) -> None:
        """Other schemes, missing or malformed hosts and bad ports are refused."""
        failure = _rules.url(value)
        assert failure is not None and failure[0] == "invalid_url"


class TestPhonePictureCountry:
    @pytest.mark.parametrize(
        "value", ["+31 20 555 0100", "(020) 555-0100", "020/5550100", "112", "020 555 0100 ext. 5"]
    )
    def test_valid_phone(self, value: str) -> None:
        """Digits with the usual separators, and an extension, have a phone number's shape."""
        assert _rules.phone(value) is None

    @pytest.mark.parametrize("value", ["n/a", "+", "call me", "020 555 0100 toestel 5", "++31"])
    def test_invalid_phone(self, value: str) -> None:
        """Letters but an extension marker, or no digit at all, are not a phone number."""
        assert _rules.phone(value) == (
            "invalid_phone",
            "A phone number holds digits, spaces and + ( ) - . /, then an optional extension"
            " such as ext. 12.",
        )

    @pytest.mark.parametrize(
        "value", ["logo.png", "a/b/LOGO.JPEG", "https://x.example/p.svg?v=2", "x.tiff"]
    )
    def test_valid_picture(self, value: str) -> None:
        """Accepted image extensions, in any case, behind any path or query."""
        assert _rules.picture(value) is None

    @pytest.mark.parametrize("value", ["logo.webp", "logo", "logo.png.exe", "pdf.pdf"])
    def test_invalid_picture(self, value: str) -> None:
        """Other extensions are refused."""
        failure = _rules.picture(value)
        assert failure is not None and failure[0] == "invalid_picture_format"

    def test_country_list_matches_iso_3166(self) -> None:
        """The built-in alpha-2 list equals pycountry's ISO 3166-1 data."""
        assert {c.alpha_2 for c in pycountry.countries} == ALPHA2

    @pytest.mark.parametrize(
        ("value", "ok"), [("NL", True), ("nl", False), ("XX", False), ("NLD", False)]
    )
    def test_country(self, value: str, ok: bool) -> None:
        """Only upper-case ISO 3166-1 alpha-2 codes pass."""
        assert (_rules.country(value) is None) is ok
