"""
Proof that the contenders check the same things, run before anything is timed.

Every contender must read a sample of generated records and write them back unchanged, and
must refuse each broken variant of one record (the identifier breaks only when identifier
checks are on). A contender that disagrees stops the run: its figures would not compare.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["BROKEN", "SAMPLE", "verify"]

#: How many generated records each contender must round-trip before the run starts.
SAMPLE = 300

Record = dict[str, Any]
Edit = Callable[[Record], None]

_IBAN = "NL91ABNA0417164300"


def _base(record: Record) -> Record:
    """Pin the parts the edits touch to known values (a Dutch account with one bank)."""
    base = copy.deepcopy(record)
    base["summary"]["address"].update(country="NL", state=None)
    base["marketing"].update(coc_number="12345678", duns_number="001234567", gln=None)
    base["marketing"].update(sector=None, subsector=None)
    base["relations"].update(parent=None, reseller=None)
    bank = {"number": "417164300", "type": None, "iban": _IBAN, "bic": "ABNANL2A",
            "holder_name": None, "main": True}
    base["financial"].update(bank_accounts=[bank], vat_number="NL004495445B01")
    # Multi-line fields and an extension: every contender must accept them.
    base["remarks"] = "Pays late.\r\n\tCall first."
    base["financial"]["extra_description"] = "Line one\nLine two"
    base["summary"]["phone"] = "+31 20 555 0100 ext. 12"
    return base


def _set(*path: str | int, value: Any) -> Edit:
    def edit(record: Record) -> None:
        target: Any = record
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def _two_mains(record: Record) -> None:
    banks = record["financial"]["bank_accounts"]
    banks.append({**banks[0], "number": None})


def _iban_type_without_iban(record: Record) -> None:
    record["financial"]["bank_accounts"][0].update(type="IBAN", iban=None, bic=None)


_BANK = ("financial", "bank_accounts", 0)

#: label -> (edit, is an identifier check). Each edit breaks exactly one rule.
BROKEN: dict[str, tuple[Edit, bool]] = {
    "blank name": (_set("name", value="  "), False),
    "blank code": (_set("code", value=" "), False),
    "blank city": (_set("summary", "address", "city", value=""), False),
    "unknown country": (_set("summary", "address", "country", value="XX"), False),
    "state not in country": (_set("summary", "address", "state", value="ZZ"), False),
    "bad email": (_set("summary", "email", value="info@@example"), False),
    "bad url": (_set("summary", "website", value="ftp://example.com"), False),
    "bad phone": (_set("summary", "phone", value="call me"), False),
    "phone too short": (_set("summary", "phone", value="+31 20 12"), False),
    "national phone too long": (_set("summary", "fax", value="020 555 0100 12345"), False),
    "phone country code unknown": (_set("summary", "phone", value="+999 555 0100"), False),
    "tab in name": (_set("name", value="Acme\tTrading"), False),
    "line break in city": (_set("summary", "address", "city", value="Amster\ndam"), False),
    "line separator in line2": (_set("summary", "address", "line2", value="a\u2028b"), False),
    "two emails": (_set("summary", "email", value="info@acme.nl; sales@acme.nl"), False),
    "bad picture": (_set("summary", "picture", value="logo.exe"), False),
    "security 101": (_set("marketing", "security_level", value=101), False),
    "rating 0": (_set("marketing", "rating", value=0), False),
    "invoice copies -1": (_set("financial", "invoice_copies", value=-1), False),
    "text for an integer": (_set("marketing", "security_level", value="3"), False),
    "true for an integer": (_set("financial", "invoice_copies", value=True), False),
    "unknown key": (_set("general", "colour", value="red"), False),
    "bad date": (_set("type_since", value="1 May 2020"), False),
    "impossible date": (_set("type_since", value="2024-02-30"), False),
    "unknown type": (_set("type", value="Q"), False),
    "subsector without sector": (_set("marketing", "subsector", value="IT"), False),
    "own parent": (lambda r: _set("relations", "parent", value=r["code"])(r), False),
    "two main banks": (_two_mains, False),
    "IBAN type without IBAN": (_iban_type_without_iban, False),
    "bad amount": (_set("free_fields", value=[{"name": "x", "kind": "amount",
                                               "value": "lots"}]), False),
    "IBAN checksum": (_set(*_BANK, "iban", value=_IBAN[:-1] + "1"), True),
    "BIC shape": (_set(*_BANK, "bic", value="ABNA"), True),
    "IBAN and number differ": (_set(*_BANK, "number", value="123456789"), True),
    "VAT checksum": (_set("financial", "vat_number", value="NL004495446B01"), True),
    "KvK length": (_set("marketing", "coc_number", value="1234567"), True),
    "DUNS length": (_set("marketing", "duns_number", value="12345678"), True),
    "GLN checksum": (_set("marketing", "gln", value="8712345678901"), True),
}


def _accepts(load: Callable[[Record], object], record: Record) -> bool:
    try:
        load(record)
    except ValueError:  # accountcore, pydantic and msgspec errors are all ValueErrors
        return False
    return True


def _disagreements(contender: Any, record: Record) -> Iterator[str]:
    base = _base(record)
    for load, checked in ((contender.load, True), (contender.load_unchecked, False)):
        if not _accepts(load, base):
            yield f"refuses the base record (identifier checks {checked})"
        for label, (edit, is_identifier) in BROKEN.items():
            broken = copy.deepcopy(base)
            edit(broken)
            expected = checked or not is_identifier
            if _accepts(load, broken) == expected:
                yield f"{'accepts' if expected else 'refuses'} {label!r} (checks {checked})"


def _round_trip_failures(contender: Any, records: list[Record]) -> Iterator[str]:
    for load in (contender.load, contender.load_unchecked):
        for i, record in enumerate(records):
            written = json.loads(json.dumps(contender.dump(load(record))))
            if written != record:
                yield f"record {i} does not come back unchanged"
                return


def verify(contenders: tuple[Any, ...], sample: list[Record]) -> None:
    """
    Check that every contender round-trips ``sample`` and refuses every `BROKEN` variant.

    Raises:
        AssertionError: naming each disagreement.
    """
    problems = [
        f"{c.name}: {text}"
        for c in contenders
        for text in (*_round_trip_failures(c, sample), *_disagreements(c, sample[0]))
    ]
    if problems:
        raise AssertionError("contenders disagree:\n  " + "\n  ".join(problems))
