"""
python-stdnum's own test vectors, run through accountcore: the verdicts must agree.

tests/data/stdnum/vat.json and registers.json hold the values and expected outcomes of
python-stdnum's ``tests/*.doctest`` files and module docstrings, for every VAT module and for
the register modules `ChamberOfCommerceNumber` uses (see the README there; the data are
python-stdnum's, under the LGPL-2.1-or-later). Each vector is parsed with the country of its
module (none for ``eu.vat`` and ``vatin``, whose numbers carry their prefix) and must be:

- valid, checked (not unchecked), and written as python-stdnum writes it, when stdnum
  accepts it;
- refused with the code of stdnum's exception when the vector names one, or refused at all.

The deliberate differences are listed below, each with its reason; docs/identifiers.md
("Differences from python-stdnum") explains them.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

import accountcore
from accountcore import ChamberOfCommerceNumber, VATNumber
from accountcore.identifiers import CheckStrength
from accountcore.identifiers._base import _STDNUM_CODES

DATA = Path(__file__).parent.parent / "data" / "stdnum"
_NO_COUNTRY = (
    "Neither an ISO country prefix nor an account country: accepted as unchecked, without a"
    " country, like every number whose country is unknown (ADR 0005)."
)
_NO_DIGIT = (
    "Two letters without a digit are no number at all; with no ISO prefix there is no country"
    " to call unknown, so the code is invalid_format."
)
#: (source, number) -> (accountcore's outcome, why it differs from python-stdnum's).
#: An outcome is "valid", "unchecked" or the problem code of the refusal.
DIFFERENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("tests/test_eu_vat.doctest", "QQ 124567"): ("unchecked", _NO_COUNTRY),
    ("tests/test_vatin.doctest", "00"): ("unchecked", _NO_COUNTRY),
    ("tests/test_vatin.doctest", ""): (
        "required",
        "Blank text is reported as required, as for every identifier.",
    ),
    ("tests/test_vatin.doctest", "XX"): ("invalid_format", _NO_DIGIT),
    ("tests/test_vatin.doctest", "US"): ("invalid_format", _NO_DIGIT),
    ("stdnum/vatin.py", "XX"): ("invalid_format", _NO_DIGIT),
    ("stdnum/mc/tva.py", "FR 61 954 506 077"): (
        "valid",
        "The number's own FR prefix wins over the account's country (MC): it is a valid"
        " French number and is recorded with country FR.",
    ),
}
#: Modules whose valid numbers accountcore stores in another compact form, and why.
COMPACT_DIFFERENCES = {
    "fr.rcs": (
        "An RCS mention (RCS Nancy B 323 159 715) is read as the register's label before the"
        " SIREN, and the SIREN is stored: one French company, one register number."
    ),
}


@functools.cache
def _vectors(name: str) -> tuple[dict[str, Any], ...]:
    data = json.loads((DATA / f"{name}.json").read_text("utf-8"))
    return tuple(data["vectors"])


def _sources(name: str) -> list[str]:
    return sorted({v["source"] for v in _vectors(name)})


def _expected(vector: dict[str, Any]) -> str:
    """python-stdnum's verdict: "valid", the code of its exception, or "invalid"."""
    if vector["valid"]:
        return "valid"
    return _STDNUM_CODES[vector["exception"]] if vector["exception"] else "invalid"


def _outcome(kind: type[VATNumber | ChamberOfCommerceNumber], vector: dict[str, Any]) -> Any:
    try:
        value = kind.parse(vector["number"], vector["country"])
    except accountcore.ValidationError as exc:
        return exc.problems[0].code, None
    unchecked = value.strength is CheckStrength.UNCHECKED
    return ("unchecked" if unchecked else "valid"), value


def _same_vat_form(vat: VATNumber, vector: dict[str, Any]) -> bool:
    """
    Whether ``vat`` is written as python-stdnum's ``validate`` wrote the vector.

    A country module's form is the national number; some modules keep the prefix (RO) and
    are compared without it. ``eu.vat`` and ``vatin`` give the prefixed form, where Greece's
    EL is GR in accountcore's compact form (documented: the compact form starts with the ISO
    country code).
    """
    written: str = vector["validated"]
    if vector["country"] is None:
        return vat.compact == ("GR" + written[2:] if written.startswith("EL") else written)
    prefixes = (vat.country, vat.prefix)
    return vat.national == written or (written[:2] in prefixes and vat.national == written[2:])


def _disagreements(name: str, source: str) -> list[str]:
    kind = VATNumber if name == "vat" else ChamberOfCommerceNumber
    found = []
    for vector in _vectors(name):
        if vector["source"] != source:
            continue
        outcome, value = _outcome(kind, vector)
        expected = _expected(vector)
        where = f"line {vector['line']} {vector['number']!r} ({vector['country']})"
        listed = DIFFERENCES.get((source, vector["number"]))
        if listed is not None:
            if outcome != listed[0]:
                found.append(f"{where}: listed as {listed[0]}, got {outcome}")
            continue
        if expected == "invalid":
            agrees = outcome not in ("valid", "unchecked")
        else:
            agrees = outcome == expected
        if not agrees:
            found.append(f"{where}: stdnum says {expected}, accountcore {outcome}")
        elif value is not None and vector["validated"] is not None:
            if vector["module"] in COMPACT_DIFFERENCES:
                continue
            same = (
                _same_vat_form(value, vector)
                if isinstance(value, VATNumber)
                else value.compact == vector["validated"]
            )
            if not same:
                found.append(f"{where}: stdnum writes {vector['validated']!r}, not {value}")
    return found


class TestVectors:
    @pytest.mark.parametrize("source", _sources("vat"))
    def test_vat_vectors_agree(self, source: str) -> None:
        """Every VAT vector of this python-stdnum file gets stdnum's verdict and form."""
        assert _disagreements("vat", source) == []

    @pytest.mark.parametrize("source", _sources("registers"))
    def test_register_vectors_agree(self, source: str) -> None:
        """Every register vector of this python-stdnum file gets stdnum's verdict and form."""
        assert _disagreements("registers", source) == []


class TestData:
    def test_every_listed_difference_occurs(self) -> None:
        """Each listed difference names a vector that is in the data."""
        present = {(v["source"], v["number"]) for n in ("vat", "registers") for v in _vectors(n)}
        assert set(DIFFERENCES) - present == set()
        modules = {v["module"] for v in _vectors("registers")}
        assert set(COMPACT_DIFFERENCES) <= modules

    def test_vectors_cover_both_verdicts(self) -> None:
        """The data hold thousands of valid numbers and hundreds of invalid ones."""
        vat = _vectors("vat")
        assert sum(v["valid"] for v in vat) > 5000
        assert sum(not v["valid"] for v in vat) > 400
        registers = _vectors("registers")
        assert {v["country"] for v in registers} >= {"BE", "DE", "FR", "PL", "CH", "DK"}

    def test_doubled_prefixes_are_in_the_data(self) -> None:
        """stdnum's list of doubled prefixes is among the vectors, all expected invalid."""
        doubled = [v for v in _vectors("vat") if v["number"] == "NL NL 818643778B01"]
        assert doubled
        assert not any(v["valid"] for v in doubled)
