"""
schwifty's own test values run through accountcore's `IBAN.parse` and `BIC.parse`.

The values and schwifty's expectations are in tests/data/schwifty/ (its README.md says where
from). accountcore agrees with every expectation except for the deliberate differences listed
in `DIFFERENCES`, each with its reason; docs/identifiers.md ("Differences from schwifty")
describes them, and `TestDeliberateDifferences` shows the ones no vector touches.
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

import pytest
from _paths import DATA, DOCS

import accountcore
from accountcore.identifiers import BIC, IBAN, CheckStrength

SCHWIFTY = DATA / "schwifty"
Row = dict[str, Any]

#: The problem code accountcore gives where schwifty raises this exception.
_CODES = {
    "InvalidLength": "invalid_length",
    "InvalidStructure": "invalid_format",
    "InvalidCountryCode": "invalid_component",
    "InvalidChecksumDigits": "invalid_checksum",
    "InvalidBBANChecksum": "invalid_checksum",
}

_NATIONAL = (
    "accountcore always checks national check digits, as schwifty does with"
    " validate_bban=True; schwifty's test reads this IBAN without them, and its Slovenian"
    " national check digits (ISO 7064 mod 97-10 over the BBAN) are wrong"
)
_FORMATTED = (
    "BIC.formatted is the compact form; schwifty's formatted splits the bank, country,"
    " location and branch codes with spaces"
)

#: Deliberate differences: (data file, schwifty test, value) -> (accountcore's outcome, why).
#: The outcome is ``valid``, a problem code, or ``formatted <form>``.
DIFFERENCES: dict[tuple[str, str, str], tuple[str, str]] = {
    ("iban.json", "test_unknown_bic_from_iban", "SI72000001234567892"): (
        "invalid_checksum",
        _NATIONAL,
    ),
    ("iban.json", "test_unknown_bank_name_from_iban", "SI72000001234567892"): (
        "invalid_checksum",
        _NATIONAL,
    ),
    ("bic.json", "test_enforce_swift_compliance", "1234DEWWXXX"): (
        "valid",
        "accountcore has no strict SWIFT mode (enforce_swift_compliance): it checks a BIC as"
        " schwifty does by default, by ISO 9362:2022, which allows digits in its first four"
        " characters",
    ),
    ("bic.json", "test_bic", "GENODEM1GLS"): ("formatted GENODEM1GLS", _FORMATTED),
    ("bic.json", "test_bic_no_branch_code", "GENODEM1"): ("formatted GENODEM1", _FORMATTED),
}

#: Bank data schwifty's registry has changed since the vectors' commit: not differences, as
#: the installed schwifty gives accountcore's value. (file, test, value) -> (value, why).
REGISTRY_UPDATES: dict[tuple[str, str, str], tuple[str, str]] = {
    ("iban.json", "test_bic_from_iban", "CH5604835012345678009"): (
        "UBSWCHZH80A",
        "schwifty's newer registries (2026.10) file Credit Suisse's bank code 04835 under UBS"
        " Switzerland, after the merger",
    ),
}


def _rows(name: str, key: str) -> list[Row]:
    rows: list[Row] = json.loads((SCHWIFTY / name).read_text(encoding="utf-8"))[key]
    return rows


def _params(name: str, key: str) -> list[Any]:
    """The rows of a data file as pytest parameters, named by schwifty test and value."""

    def name_of(row: Row) -> str:
        if "method" in row:
            return "-".join([row["method"], *row["components"]])
        return str(row.get("value") or row.get("bban"))

    return [pytest.param(row, id=f"{row['test']}-{name_of(row)}") for row in _rows(name, key)]


def _outcome(parse: Any, text: str) -> tuple[Any, str]:
    """Return the parsed value (or None) and ``valid`` or the problem code."""
    try:
        return parse(text), "valid"
    except accountcore.ValidationError as exc:
        (problem,) = exc.problems
        return None, problem.code


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def _with_check_digits(country: str, bban: str) -> str:
    """Return the IBAN of ``bban`` with right ISO 7064 mod 97-10 check digits."""
    letters = {ord(c): str(n) for n, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ", start=10)}
    number = int((bban + country + "00").translate(letters))
    return f"{country}{98 - number % 97:02d}{bban}"


def _difference(name: str, row: Row, outcome: str, formatted: str | None = None) -> bool:
    """Assert a listed difference holds as listed; tell whether ``row`` is one."""
    listed = DIFFERENCES.get((name, row["test"], row["value"]))
    if listed is None:
        return False
    expected, _reason = listed
    if expected.startswith("formatted "):
        assert outcome == "valid"
        assert formatted == expected.removeprefix("formatted ") != row["formatted"]
    else:
        assert outcome == expected
        assert (outcome == "valid") != row["valid"]
    return True


# --- IBANs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("row", _params("iban.json", "ibans"))
def test_iban_vector(row: Row) -> None:
    """Every IBAN of schwifty's tests gets schwifty's verdict, form, bank and BIC here."""
    iban, outcome = _outcome(IBAN.parse, row["value"])
    if _difference("iban.json", row, outcome):
        return
    if not row["valid"]:
        assert outcome != "valid"
        assert outcome == _CODES.get(row["error"], outcome)
        return
    assert outcome == "valid"
    assert (iban.compact, iban.strength) == (_compact(row["value"]), CheckStrength.CHECKSUM)
    if "formatted" in row:
        assert iban.formatted == row["formatted"]
    if "bank_name" in row:
        assert iban.bank_name == row["bank_name"]
    if "bic" in row:
        expected = {row["bic"]}
        if (update := REGISTRY_UPDATES.get(("iban.json", row["test"], row["value"]))) is not None:
            expected.add(update[0])
        assert (iban.bank_bic.compact if iban.bank_bic is not None else None) in expected


@pytest.mark.parametrize("row", _params("bban.json", "bbans"))
def test_bban_vector(row: Row) -> None:
    """A BBAN of schwifty's national check tests, made an IBAN, gets schwifty's verdict."""
    _, outcome = _outcome(IBAN.parse, _with_check_digits(row["country"], row["bban"]))
    assert outcome == ("valid" if row["valid"] else _CODES[row["error"]])


def _german_bank(method: str) -> str | None:
    """Return a German bank code whose bank schwifty checks by ``method``, if any."""
    from schwifty import registry

    by_code: dict[str, list[Any]] = {}
    for bank in registry.get_banks_by_country("DE"):
        by_code.setdefault(bank.bank_code, []).append(bank)
    for code, banks in sorted(by_code.items()):
        if next((bank for bank in banks if bank.primary), banks[0]).checksum_algo == method:
            return code
    return None


def _bban_of(method: str, components: list[str], digits: str) -> str:
    """Place a national check method's components and check digits where its BBANs hold them."""
    from schwifty import registry
    from schwifty.checksum import algorithms
    from schwifty.domain import Component

    country, name = method.split(":")
    spec = registry.get_iban_spec(country)
    bban = ["0"] * spec.bban_length
    # The tests give the components the method reads that the country's BBANs hold.
    held = [c for c in algorithms[method].accepts if not spec.positions[c].is_empty]
    parts = list(zip(held, components, strict=True))
    parts.append((Component("national_checksum_digits"), digits))
    if country == "DE":  # the method is the bank's: find a bank that uses it
        code = _german_bank(name)
        if code is None:
            pytest.skip(f"no bank of schwifty's registry uses method {method}")
        parts.append((Component("bank_code"), code))
    for component, text in parts:
        at = spec.positions[component]
        bban[at.start : at.end] = text
    return "".join(bban)


@pytest.mark.parametrize("row", _params("checksum.json", "methods"))
def test_national_method_vector(row: Row) -> None:
    """An account of schwifty's national check method tests, in an IBAN of a bank using that
    method, gets schwifty's verdict."""
    bban = _bban_of(row["method"], row["components"], row["digits"])
    raw = _with_check_digits(row["method"][:2], bban)
    assert IBAN.is_valid(raw) is row["valid"]


# --- BICs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", _params("bic.json", "bics"))
def test_bic_vector(row: Row) -> None:
    """Every BIC of schwifty's tests gets schwifty's verdict and bank name here."""
    bic, outcome = _outcome(BIC.parse, row["value"])
    if _difference("bic.json", row, outcome, bic.formatted if bic is not None else None):
        return
    if not row["valid"]:
        assert outcome == _CODES[row["error"]]
        return
    assert outcome == "valid"
    assert (bic.compact, bic.strength) == (row["value"], CheckStrength.FORMAT)
    if "formatted" in row:
        assert bic.formatted == row["formatted"]
    if "bank_name" in row:
        assert bic.bank_name == row["bank_name"]
    if "bank_names" in row:
        assert (bic.bank_name in row["bank_names"]) if row["bank_names"] else bic.bank_name is None


# --- the bank registry -----------------------------------------------------------------------


def test_registry_vectors() -> None:
    """The registry's bank name for a bank code, and a BIC it lists, are known here too."""
    ibans = [_compact(row["value"]) for row in _rows("iban.json", "ibans") if row["valid"]]
    for row in _rows("registry.json", "entries"):
        if "bic" in row:
            assert (BIC.parse(row["bic"]).bank_name is not None) is row["listed"]
            continue
        country, code = row["country"], row["bank_code"]
        raw = next(raw for raw in ibans if raw[:2] == country and raw[4:].startswith(code))
        assert IBAN.parse(raw).bank_name == row["bank_name"]


def test_every_bic_of_the_registry_parses() -> None:
    """Every BIC schwifty's bank registry lists is a valid BIC here, as it is there."""
    from schwifty import registry

    codes = {bank.bic for bank in registry.get_all_banks() if bank.bic}
    assert codes
    assert [code for code in sorted(codes) if not BIC.is_valid(code)] == []


# --- differences no vector shows ---------------------------------------------------------------


def _schwifty_iban(text: str) -> str | None:
    import schwifty
    from schwifty.exceptions import SchwiftyException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return str(schwifty.IBAN(text, validate_bban=True).compact)
    except SchwiftyException:
        return None


_VALID_IBANS = [
    _compact(row["value"])
    for row in _rows("iban.json", "ibans")
    if row["valid"] and row["validate_bban"]
]


class TestDeliberateDifferences:
    @pytest.mark.parametrize("raw", _VALID_IBANS[:20])
    def test_dashes_and_dots_are_separators(self, raw: str) -> None:
        """An IBAN written with dashes or dots parses here; schwifty refuses it."""
        for separator in ("-", "."):
            text = separator.join(raw[i : i + 4] for i in range(0, len(raw), 4))
            assert IBAN.parse(text).compact == raw
            assert _schwifty_iban(text) is None

    @pytest.mark.parametrize("raw", _VALID_IBANS[:20])
    def test_iban_is_masked(self, raw: str) -> None:
        """The repr of an IBAN shows its last four characters only; schwifty's shows it all."""
        import schwifty

        assert repr(IBAN.parse(raw)) == f"IBAN({'*' * (len(raw) - 4) + raw[-4:]!r})"
        assert raw in repr(schwifty.IBAN(raw))

    def test_no_problem_message_echoes_the_iban(self) -> None:
        """A refusal's message never shows the IBAN; schwifty's error messages may."""
        import schwifty
        from schwifty.exceptions import SchwiftyException

        for row in _rows("iban.json", "ibans"):
            if row["valid"]:
                continue
            with pytest.raises(accountcore.ValidationError) as info:
                IBAN.parse(row["value"])
            (problem,) = info.value.problems
            assert _compact(row["value"])[4:] not in _compact(problem.message)
        with pytest.raises(SchwiftyException, match="GB82WEST1234"):
            schwifty.IBAN("GB82WEST1234£698765432")

    def test_kosovo_bic_is_accepted(self) -> None:
        """A Kosovar BIC parses here, as Kosovar IBANs do there; schwifty refuses the BIC."""
        import schwifty
        from schwifty.exceptions import InvalidCountryCode

        xk = next(raw for raw in _VALID_IBANS if raw.startswith("XK"))
        assert _schwifty_iban(xk) == IBAN.parse(xk).compact
        assert BIC.parse("NLPRXKPR").country == "XK"
        with pytest.raises(InvalidCountryCode):
            schwifty.BIC("NLPRXKPR")

    def test_uncomputable_national_check_digit_is_a_wrong_checksum(self) -> None:
        """An account no national check digit can complete is ``invalid_checksum`` here;
        schwifty raises InvalidAccountCode."""
        import schwifty
        from schwifty.exceptions import InvalidAccountCode

        assert _outcome(IBAN.parse, "NO8008601111790")[1] == "invalid_checksum"
        with pytest.raises(InvalidAccountCode):
            schwifty.IBAN("NO8008601111790", validate_bban=True)

    def test_every_difference_is_documented(self) -> None:
        """The docs' section "Differences from schwifty" names every difference listed here."""
        text = (DOCS / "identifiers.md").read_text(encoding="utf-8")
        section = text.split("## Differences from schwifty", 1)[1]
        for phrase in (
            "validate_bban",
            "dashes",
            "dots",
            "mask",
            "XK",
            "enforce_swift_compliance",
            "formatted",
            "InvalidAccountCode",
            "bank_bic",
        ):
            assert phrase.casefold() in section.casefold(), phrase
