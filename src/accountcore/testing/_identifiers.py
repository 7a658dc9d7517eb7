"""Strategies for identifiers: IBANs, BICs, VAT, Chamber of Commerce, D-U-N-S and GLN numbers."""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from ..identifiers import BIC, DUNS, GLN, IBAN, ChamberOfCommerceNumber, VATNumber
from ..identifiers import COUNTRY_CODES as ALPHA2
from ._text import _digits

_IBAN_COUNTRIES = (
    "AT", "BE", "CH", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "NL", "NO", "PL", "PT", "SE", "SI", "SK",
)  # fmt: skip


def _random_iban(country: str, rnd: typing.Any) -> IBAN:
    import schwifty

    return IBAN.parse(str(schwifty.IBAN.random(country_code=country, random=rnd)))


def ibans(country: str | None = None) -> SearchStrategy[IBAN]:
    """
    Draw IBANs with valid check digits and a bank from schwifty's registry.

    Args:
        country: the IBAN's country; ``None`` draws one of 25 European countries.

    Returns:
        A strategy of checked `accountcore.IBAN` values.

    Raises:
        InvalidArgument: when ``country`` is not one of those 25.

    .. versionadded:: 0.1
    """
    if country is not None and country not in _IBAN_COUNTRIES:
        raise InvalidArgument(f"no IBANs for {country!r}; choose from {_IBAN_COUNTRIES}")
    countries = st.sampled_from(_IBAN_COUNTRIES) if country is None else st.just(country)
    return st.builds(_random_iban, countries, st.randoms(use_true_random=False))


@functools.cache
def _registry_bics() -> tuple[str, ...]:
    from schwifty import registry

    banks = [b for c in _IBAN_COUNTRIES for b in registry.get_banks_by_country(c)]
    return tuple(sorted({b.bic.upper() for b in banks if b.bic and BIC.is_valid(b.bic)}))


def bics() -> SearchStrategy[BIC]:
    """
    Draw BICs of real banks, from schwifty's bank registry.

    Returns:
        A strategy of `accountcore.BIC` values (format-checked).

    .. versionadded:: 0.1
    """
    return st.deferred(lambda: st.sampled_from(_registry_bics())).map(BIC.parse)


def _bic_of(iban: IBAN) -> BIC | None:
    """The IBAN's bank's BIC, when schwifty knows one in the IBAN's own country."""
    import schwifty

    bic = schwifty.IBAN(iban.compact).bic
    return BIC.parse(str(bic)) if bic is not None and bic.country_code == iban.country else None


@functools.cache
def _vat_builders() -> dict[str, SearchStrategy[str]]:
    from stdnum import luhn
    from stdnum.at import uid
    from stdnum.be import vat as be
    from stdnum.dk import cvr
    from stdnum.es import dni
    from stdnum.fr import siren
    from stdnum.gb import vat as gb
    from stdnum.gr import vat as gr
    from stdnum.ie import vat as ie
    from stdnum.iso7064 import mod_11_10
    from stdnum.nl import bsn
    from stdnum.pt import nif

    return {
        "AT": _digits(7).map(lambda d: "ATU" + d + uid.calc_check_digit("U" + d)),
        "BE": st.integers(1, 19_999_999).map(lambda i: _be_vat(str(i).zfill(8), be.checksum)),
        "DE": _digits(8, first_nonzero=True).map(
            lambda d: "DE" + d + mod_11_10.calc_check_digit(d)
        ),
        "DK": _digits(7, first_nonzero=True).map(lambda d: "DK" + _weighted_11(d, cvr.checksum)),
        "ES": _digits(8).map(lambda d: "ES" + d + dni.calc_check_digit(d)),
        "FR": _digits(8).map(lambda d: "FR" + siren.to_tva(d + luhn.calc_check_digit(d))),
        "GB": _digits(7).map(lambda d: f"GB{d}{-gb.checksum(d + '00') % 97:02d}"),
        "GR": _digits(8).map(lambda d: "EL" + d + gr.calc_check_digit(d)),
        "IE": _digits(7).map(lambda d: "IE" + d + ie.calc_check_digit(d)),
        "IT": st.builds(_it_vat, st.integers(1, 9_999_999), st.integers(1, 100), st.just(luhn)),
        "NL": st.builds(_nl_vat, _digits(8, first_nonzero=True), st.integers(1, 99), st.just(bsn)),
        "PT": _digits(8, first_nonzero=True).map(lambda d: "PT" + d + nif.calc_check_digit(d)),
    }


def _be_vat(body: str, checksum: Callable[[str], int]) -> str:
    return f"BE{body}{97 - checksum(body + '00'):02d}"


def _it_vat(serial: int, office: int, luhn: typing.Any) -> str:
    body = f"{serial:07d}{office:03d}"
    return "IT" + body + str(luhn.calc_check_digit(body))


def _weighted_11(body: str, checksum: Callable[[str], int], *, sign: int = -1) -> str:
    """Append the digit that makes ``checksum`` 0 mod 11, nudging the body if that is 10."""
    check = sign * checksum(body + "0") % 11
    if check == 10:
        body = body[:-1] + str((int(body[-1]) + 1) % 10)
        check = sign * checksum(body + "0") % 11
    return body + str(check)


def _nl_vat(body: str, suffix: int, bsn: typing.Any) -> str:
    return f"NL{_weighted_11(body, bsn.checksum, sign=1)}B{suffix:02d}"


#: Valid numbers from python-stdnum's docstrings, for countries without a check digit function.
_KNOWN_VAT = {
    "CH": "CHE-107.787.577 IVA", "CZ": "CZ25123891", "EE": "EE100594102", "FI": "FI 20774740",
    "HR": "HR 33392005961", "HU": "HU-12892312", "LT": "LT119511515", "LU": "LU 150 274 42",
    "LV": "LV 4000 3521 600", "NO": "NO 995 525 828 MVA", "PL": "PL 8567346215",
    "RO": "RO 185 472 90", "SE": "SE 123456789701", "SK": "SK 202 274 96 19",
}  # fmt: skip


def vat_numbers(country: str | None = None) -> SearchStrategy[VATNumber]:
    """
    Draw checked VAT numbers, with their country prefix.

    Twelve countries (AT, BE, DE, DK, ES, FR, GB, GR, IE, IT, NL, PT) get numbers built with
    python-stdnum's check digit functions; fourteen more come from a table of known-valid ones.

    Args:
        country: the VAT country; ``None`` draws any of them.

    Returns:
        A strategy of `accountcore.VATNumber` values of strength ``CHECKSUM``.

    Raises:
        InvalidArgument: when no numbers are known for ``country``.

    .. versionadded:: 0.1
    """
    builders = {**_vat_builders(), **{c: st.just(raw) for c, raw in _KNOWN_VAT.items()}}
    if country is None:
        raw = st.one_of(*builders.values())
    elif country in builders:
        raw = builders[country]
    else:
        raise InvalidArgument(f"no VAT numbers known for {country!r}")
    return raw.map(VATNumber.parse)


#: Valid register numbers from python-stdnum's docstrings, for countries that check them.
_KNOWN_COC = {
    "AT": "FN 122119m", "CH": "CHE-100.155.212", "DE": "Aachen HRA 11223", "EE": "12345678",
    "FI": "2077474-0", "NO": "988 077 917", "SE": "1234567897",
}  # fmt: skip
_COUNTRIES = tuple(sorted(ALPHA2))


@functools.cache
def _raw_coc(country: str) -> SearchStrategy[str]:
    from stdnum import luhn
    from stdnum.be import vat as be
    from stdnum.dk import cvr
    from stdnum.pl import regon

    if country == "NL":
        return _digits(8)
    if country == "FR":
        return _digits(8).map(lambda d: d + luhn.calc_check_digit(d))
    if country == "DK":
        return _digits(7, first_nonzero=True).map(lambda d: _weighted_11(d, cvr.checksum))
    if country == "BE":
        return st.integers(1, 19_999_999).map(lambda i: _be_vat(str(i).zfill(8), be.checksum)[2:])
    if country == "PL":
        krs = _digits(10)
        return krs | _digits(8).map(lambda d: d + regon.calc_check_digit(d))
    if country in _KNOWN_COC:
        return st.just(_KNOWN_COC[country])
    prefix = st.sampled_from(["", "HRB ", "No. ", "RC-", "(A) "])
    return st.builds("{}{}".format, prefix, st.integers(1, 10**9))


def coc_numbers(country: str | None = None) -> SearchStrategy[ChamberOfCommerceNumber]:
    """
    Draw Chamber of Commerce numbers that pass the rules of their country.

    Dutch (format), French and Danish (checksum) numbers are built; seven more countries use
    known-valid numbers; any other country gets unchecked register text.

    Args:
        country: the account's country; ``None`` draws one.

    Returns:
        A strategy of `accountcore.ChamberOfCommerceNumber` values bound to their country.

    Raises:
        InvalidArgument: when ``country`` is not an ISO 3166-1 alpha-2 code.

    .. versionadded:: 0.1
    """
    if country is not None and country not in ALPHA2:
        raise InvalidArgument(f"{country!r} is not an ISO 3166-1 alpha-2 country code")
    if country is None:
        checked = st.sampled_from(["NL", "FR", "DK", "BE", "PL", *_KNOWN_COC])
        return (checked | st.sampled_from(_COUNTRIES)).flatmap(coc_numbers)
    return _raw_coc(country).map(lambda raw: ChamberOfCommerceNumber.parse(raw, country))


def duns_numbers() -> SearchStrategy[DUNS]:
    """
    Draw D-U-N-S numbers (nine digits, leading zeros kept).

    Returns:
        A strategy of `accountcore.DUNS` values.

    .. versionadded:: 0.1
    """
    return st.integers(1, 10**9 - 1).map(lambda i: DUNS.parse(f"{i:09d}"))


def glns() -> SearchStrategy[GLN]:
    """
    Draw GS1 Global Location Numbers with a valid check digit.

    Returns:
        A strategy of `accountcore.GLN` values.

    .. versionadded:: 0.1
    """
    from stdnum import ean

    return _digits(12).map(lambda d: GLN.parse(d + ean.calc_check_digit(d)))
