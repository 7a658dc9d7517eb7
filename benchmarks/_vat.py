"""
Valid tax and register numbers, built from random digits plus computed check digits.

Each maker takes a seeded `random.Random` and returns a compact, prefixed number that
python-stdnum accepts. Construction is direct (no trial and error), so generating 100,000
records stays fast.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from stdnum import luhn
from stdnum.es import dni
from stdnum.iso7064 import mod_11_10

Maker = Callable[[random.Random], str]


def _digits(rng: random.Random, count: int, *, lead: bool = True) -> str:
    """Return ``count`` random digits; the first is never 0 when ``lead`` is set."""
    low = 10 ** (count - 1) if lead else 0
    return f"{rng.randrange(low, 10**count):0{count}d}"


def vat_nl(rng: random.Random) -> str:
    """Return a Dutch btw number: a BSN-style 9 digits (11-proof), 'B', a 2-digit branch."""
    while True:
        head = _digits(rng, 8)
        check = sum((9 - i) * int(d) for i, d in enumerate(head)) % 11
        if check < 10:
            return f"NL{head}{check}B{rng.randint(1, 3):02d}"


def vat_de(rng: random.Random) -> str:
    """Return a German USt-IdNr: 8 digits and an ISO 7064 mod 11,10 check digit."""
    head = _digits(rng, 8)
    return f"DE{head}{mod_11_10.calc_check_digit(head)}"


def vat_be(rng: random.Random) -> str:
    """Return a Belgian enterprise number: 0, 7 digits, and 97 minus the rest mod 97."""
    head = "0" + _digits(rng, 7)
    return f"BE{head}{97 - int(head) % 97:02d}"


def siren(rng: random.Random) -> str:
    """Return a French SIREN: 8 digits and a Luhn check digit."""
    head = _digits(rng, 8)
    return head + luhn.calc_check_digit(head)


def vat_fr(rng: random.Random) -> str:
    """Return a French TVA number: a 2-digit key computed from a SIREN."""
    number = siren(rng)
    return f"FR{int(number + '12') % 97:02d}{number}"


def vat_gb(rng: random.Random) -> str:
    """Return a standard 9-digit UK VAT number whose weighted sum is 0 mod 97."""
    head = _digits(rng, 7)
    weighted = sum(w * int(d) for w, d in zip((8, 7, 6, 5, 4, 3, 2), head, strict=True))
    return f"GB{head}{-weighted % 97:02d}"


def vat_at(rng: random.Random) -> str:
    """Return an Austrian UID: 'U', 7 digits and the UID check digit."""
    head = _digits(rng, 7)
    return f"ATU{head}{(6 - luhn.checksum(head)) % 10}"


def vat_es(rng: random.Random) -> str:
    """Return a Spanish NIF of a resident: 8 digits and the DNI check letter."""
    head = _digits(rng, 8)
    return f"ES{head}{dni.calc_check_digit(head)}"


def vat_it(rng: random.Random) -> str:
    """Return an Italian partita IVA: 7 digits, a province code and a Luhn check digit."""
    head = _digits(rng, 7) + f"{rng.randint(1, 100):03d}"
    return f"IT{head}{luhn.calc_check_digit(head)}"


def kvk(rng: random.Random) -> str:
    """Return a Dutch Chamber of Commerce number: 8 digits."""
    return _digits(rng, 8)


def company_number_gb(rng: random.Random) -> str:
    """Return a UK company number; accountcore keeps it unchecked (no rule known)."""
    return _digits(rng, 8, lead=False)


def duns(rng: random.Random) -> str:
    """Return a D-U-N-S number: 9 digits, leading zeros allowed."""
    return _digits(rng, 9, lead=False)


def gln(rng: random.Random) -> str:
    """Return a GLN: 12 digits and the GS1 check digit."""
    head = _digits(rng, 12)
    total = sum((3, 1)[i % 2] * int(d) for i, d in enumerate(reversed(head)))
    return head + str(-total % 10)
