"""
Hypothesis strategies for accountcore's types, for property tests in host applications.

Every strategy draws values that are valid by construction: identifiers get their check digits
from python-stdnum or schwifty, accounts pass `accountcore.check_account`, and account dicts
pass `accountcore.from_dict`. `broken_records` draws the opposite: a valid account dict with
exactly one field broken, and says where::

    from hypothesis import given
    from accountcore.testing import accounts, broken_records

    @given(accounts())
    def test_host_stores_every_account(account): ...

    @given(broken_records())
    def test_host_reports_the_broken_field(record): ...

Needs Hypothesis (the ``accountcore[testing]`` extra).

.. versionadded:: 0.1
"""

from __future__ import annotations

import enum
import functools
import string
import types
import typing
from collections.abc import Callable, Collection, Iterator
from datetime import date
from typing import Union

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from ._countries import ALPHA2
from .entities import (
    IBAN_BANK_ACCOUNT_TYPE,
    PICTURE_FORMATS,
    Account,
    AccountStatus,
    AccountType,
    Address,
    BankAccount,
    Contact,
    Financial,
    FreeField,
    FreeFieldKind,
    General,
    GroupInvoice,
    Marketing,
    Relations,
    Summary,
)
from .identifiers import BIC, DUNS, GLN, IBAN, ChamberOfCommerceNumber, Identifier, VATNumber
from .serialization import JSONObject, JSONValue, to_dict

__all__ = [
    "BrokenRecord",
    "account_dicts",
    "account_statuses",
    "account_types",
    "accounts",
    "addresses",
    "bank_account_lists",
    "bank_accounts",
    "bics",
    "broken_account_dicts",
    "broken_records",
    "coc_numbers",
    "contacts",
    "duns_numbers",
    "free_fields",
    "glns",
    "ibans",
    "json_values",
    "vat_numbers",
]

Path = tuple[Union[str, int], ...]
_E = typing.TypeVar("_E")

# --- text -------------------------------------------------------------------------------------

_LOWER = string.ascii_lowercase + string.digits


def _text(max_size: int = 30) -> SearchStrategy[str]:
    """Any non-blank text; blank optional text reads as absent, so it would not round-trip."""
    return st.text(min_size=1, max_size=max_size).map(lambda s: s if s.strip() else "x" + s)


def _code() -> SearchStrategy[str]:
    """An account code: no surrounding whitespace, since codes are trimmed on reading."""
    return st.text(string.ascii_uppercase + string.digits + "-", min_size=1, max_size=8)


def _optional_text(max_size: int = 30) -> SearchStrategy[str | None]:
    """Text or ``None``, in one draw: blank text stands for ``None``, as it does on reading."""
    return st.text(max_size=max_size).map(lambda s: s if s.strip() else None)


def _maybe(strategy: SearchStrategy[typing.Any]) -> SearchStrategy[typing.Any]:
    return st.none() | strategy


def _digits(n: int, *, first_nonzero: bool = False) -> SearchStrategy[str]:
    low = 10 ** (n - 1) if first_nonzero else 0
    return st.integers(low, 10**n - 1).map(lambda i: str(i).zfill(n))


def _texts(names: str, max_size: int = 20) -> SearchStrategy[dict[str, str]]:
    """A few of the optional text fields ``names`` filled in: cheaper than one draw per field."""
    pair = st.tuples(st.sampled_from(names.split()), _text(max_size))
    return st.lists(pair, max_size=3).map(dict)


def _phone(n: int) -> str:
    d = str(n)
    return f"+{d[:2]} {d[2:4]} {d[4:7]} {d[7:]}"


# Few draws each (every draw costs time in every test): a name, a host, a number.
_label = st.text(_LOWER, min_size=1, max_size=12)
_hosts = st.builds("{}.{}".format, _label, st.sampled_from(["com", "nl", "de", "org", "eu"]))
_emails = st.builds("{}@{}".format, st.sampled_from(["info", "jan.de.vries", "a", "x-1"]), _hosts)
_websites = st.builds("{}{}".format, st.sampled_from(["https://", "http://", "www.", ""]), _hosts)
_phones = st.integers(10**10, 10**11 - 1).map(_phone)
_pictures = st.builds("{}.{}".format, _label, st.sampled_from(sorted(PICTURE_FORMATS)))

# --- identifiers ------------------------------------------------------------------------------

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
    from stdnum.dk import cvr

    if country == "NL":
        return _digits(8)
    if country == "FR":
        return _digits(8).map(lambda d: d + luhn.calc_check_digit(d))
    if country == "DK":
        return _digits(7, first_nonzero=True).map(lambda d: _weighted_11(d, cvr.checksum))
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
        checked = st.sampled_from(["NL", "FR", "DK", *_KNOWN_COC])
        return (checked | st.sampled_from(_COUNTRIES)).flatmap(coc_numbers)
    return _raw_coc(country).map(lambda raw: ChamberOfCommerceNumber.parse(raw, country))


def duns_numbers() -> SearchStrategy[DUNS]:
    """
    Draw D-U-N-S numbers (nine digits, leading zeros kept).

    Returns:
        A strategy of `accountcore.DUNS` values.

    .. versionadded:: 0.1
    """
    return _digits(9).map(DUNS.parse)


def glns() -> SearchStrategy[GLN]:
    """
    Draw GS1 Global Location Numbers with a valid check digit.

    Returns:
        A strategy of `accountcore.GLN` values.

    .. versionadded:: 0.1
    """
    from stdnum import ean

    return _digits(12).map(lambda d: GLN.parse(d + ean.calc_check_digit(d)))


# --- entities ---------------------------------------------------------------------------------


def account_types() -> SearchStrategy[AccountType]:
    """
    Draw any account type.

    Returns:
        A strategy of `accountcore.AccountType` members.

    .. versionadded:: 0.1
    """
    return st.sampled_from(AccountType)


def account_statuses() -> SearchStrategy[AccountStatus]:
    """
    Draw any account status.

    Returns:
        A strategy of `accountcore.AccountStatus` members.

    .. versionadded:: 0.1
    """
    return st.sampled_from(AccountStatus)


#: Countries with a state, as the part after the dash of its ISO 3166-2 code or the whole code.
_STATES: tuple[tuple[str, str | None], ...] = (
    ("US", "CA"), ("US", "US-NY"), ("NL", "NH"), ("DE", "BY"), ("CA", "ON"), ("BE", "VAN"),
)  # fmt: skip


def addresses() -> SearchStrategy[Address]:
    """
    Draw postal addresses with an ISO country and, sometimes, a state of that country.

    Returns:
        A strategy of `accountcore.Address` values.

    .. versionadded:: 0.1
    """
    places = st.sampled_from(tuple((country, None) for country in _COUNTRIES) + _STATES)
    return st.builds(
        lambda place, **kw: Address(country=place[0], state=place[1], **kw),
        places,
        line1=_text(),
        line2=_optional_text(),
        line3=_optional_text(),
        postcode=_optional_text(10),
        city=_text(),
    )


def contacts() -> SearchStrategy[Contact]:
    """
    Draw first contact persons, with realistic emails and phone numbers.

    Returns:
        A strategy of `accountcore.Contact` values.

    .. versionadded:: 0.1
    """
    names = "title initials first_name middle_name last_name job_description job_title"
    return st.builds(
        lambda texts, **kw: Contact(**texts, **kw),
        _texts(names),
        email=_maybe(_emails),
        phone=_maybe(_phones),
        mobile=_maybe(_phones),
        valid_email=st.booleans(),
        email_permission=st.booleans(),
    )


def _iban_bank_account(iban: IBAN, style: int, **kw: typing.Any) -> BankAccount:
    """A bank account around ``iban``; ``style`` picks how the number relates to it."""
    if style == 0:
        return BankAccount(iban=iban, bic=_bic_of(iban), **kw)
    if style == 1:
        return BankAccount(iban=iban, type=IBAN_BANK_ACCOUNT_TYPE, number=iban.formatted, **kw)
    number = iban.compact[4:] if style == 2 else str(iban._bban().account_code)
    return BankAccount(iban=iban, number=number, bic=_bic_of(iban), **kw)


def bank_accounts() -> SearchStrategy[BankAccount]:
    """
    Draw bank accounts, not main; their number is absent or corresponds to their IBAN.

    Returns:
        A strategy of `accountcore.BankAccount` values.

    .. versionadded:: 0.1
    """
    holder = _optional_text()
    with_iban = st.builds(_iban_bank_account, ibans(), st.integers(0, 3), holder_name=holder)
    without = st.builds(
        BankAccount,
        number=_optional_text(18),
        type=st.sampled_from([None, "B", "K", "PGB"]),
        bic=_maybe(bics()),
        holder_name=holder,
    )
    return with_iban | without


def bank_account_lists(max_size: int = 3) -> SearchStrategy[tuple[BankAccount, ...]]:
    """
    Draw an account's bank accounts: none, or up to ``max_size`` with exactly one main.

    Returns:
        A strategy of tuples of `accountcore.BankAccount`.

    .. versionadded:: 0.1
    """

    def with_main(banks: list[BankAccount], main: int) -> tuple[BankAccount, ...]:
        if banks:
            banks[main % len(banks)] = attrs.evolve(banks[main % len(banks)], main=True)
        return tuple(banks)

    return st.builds(with_main, st.lists(bank_accounts(), max_size=max_size), st.integers(0, 9))


_FREE_VALUES: dict[FreeFieldKind, SearchStrategy[typing.Any]] = {
    FreeFieldKind.TEXT: st.text(max_size=20),
    FreeFieldKind.NUMBER: st.integers() | st.floats(allow_nan=False, allow_infinity=False),
    FreeFieldKind.AMOUNT: st.decimals(allow_nan=False, allow_infinity=False, places=2),
    FreeFieldKind.DATE: st.dates(),
    FreeFieldKind.YES_NO: st.booleans(),
}


def free_fields(max_size: int = 3) -> SearchStrategy[tuple[FreeField, ...]]:
    """
    Draw an account's free fields: typed values under names unique within the account.

    Returns:
        A strategy of tuples of `accountcore.FreeField`.

    .. versionadded:: 0.1
    """
    one = st.one_of(
        [
            st.builds(FreeField, name=_text(15), kind=st.just(kind), value=_maybe(values))
            for kind, values in _FREE_VALUES.items()
        ]
    )
    unique = st.lists(one, max_size=max_size, unique_by=lambda f: f.name.strip().casefold())
    return unique.map(tuple)


def _marketings() -> SearchStrategy[Marketing]:
    def marketing(texts: dict[str, typing.Any], **kw: typing.Any) -> Marketing:
        if "sector" not in texts:
            texts.pop("subsector", None)
        return Marketing(**texts, **kw)

    return st.builds(
        marketing,
        _texts("classification source sector subsector size document", 10),
        security_level=st.integers(0, 100),
        rating=_maybe(st.integers(1, 7)),
        duns_number=_maybe(duns_numbers()),
        gln=_maybe(glns()),
        exclude_from_merging=st.booleans(),
    )


def _financials() -> SearchStrategy[Financial]:
    names = (
        "division debtor_code creditor_code customer_code_at_supplier debtor_account "
        "creditor_account offset_account extra_description payee_name"
    )
    return st.builds(
        lambda texts, **kw: Financial(**texts, **kw),
        _texts(names, 12),
        check_date=_maybe(st.dates()),
        bank_accounts=bank_account_lists(),
        partial_delivery_allowed=st.booleans(),
        back_order=st.booleans(),
        invoice_copies=st.integers(0, 20),
        extra_duty=st.booleans(),
        group_invoice=st.sampled_from(GroupInvoice),
        vat_number=_maybe(vat_numbers()),
    )


_FILL = st.sampled_from((0, 1, 2))


def _sparse(default: _E, strategy: SearchStrategy[_E]) -> SearchStrategy[_E]:
    """
    A section left at ``default`` two times in three.

    Every draw costs time in every test that uses `accounts`; mostly-empty sections keep
    accounts cheap while each section is still filled in often.
    """
    return _FILL.flatmap(lambda fill: strategy if fill == 2 else st.just(default))


@functools.cache
def _cached(factory: Callable[[], SearchStrategy[_E]]) -> SearchStrategy[_E]:
    """One shared strategy per factory: drawing from a fresh strategy costs its validation."""
    return factory()


@functools.cache
def _account_parts() -> dict[str, SearchStrategy[typing.Any]]:
    """The strategies an account is drawn from, built once: building them is the slow part."""
    summary_fields = {
        "website": _websites,
        "email": _emails,
        "phone": _phones,
        "phone_extension": _digits(3),
        "fax": _phones,
        "picture": _pictures,
    }
    summary_pair = st.one_of([st.tuples(st.just(k), v) for k, v in summary_fields.items()])
    summary = st.lists(summary_pair, max_size=4).map(dict)
    general = st.builds(General, country_name=_optional_text(), phone_queue=_optional_text())
    relations = st.builds(
        Relations,
        account_manager=_optional_text(10),
        cost_centre=_optional_text(10),
        reseller=_maybe(_code()),
        parent=_maybe(_code()),
    )
    return {
        "address": addresses(),
        "summary": _sparse({}, summary),
        "code": _code(),
        "id": _optional_text(12),
        "name": _text(),
        "type": account_types(),
        "status": account_statuses(),
        "general": _sparse(General(), general),
        "remarks": st.one_of(st.none(), _text(60), st.just("<p>Pays <b>late</b></p>")),
        "free_fields": _sparse((), free_fields()),
        "contact": _sparse(None, contacts()),
        "marketing": _sparse(Marketing(), _marketings()),
        "relations": _sparse(Relations(), relations),
        "financial": _sparse(Financial(), _financials()),
    }


@functools.cache
def _coc_or_none(country: str) -> SearchStrategy[ChamberOfCommerceNumber | None]:
    return _maybe(coc_numbers(country))


def _without_self(relations: Relations, code: str) -> Relations:
    """Drop a reseller or parent that happens to be the account itself."""
    own = code.casefold()
    parent, reseller = relations.parent, relations.reseller
    return attrs.evolve(
        relations,
        parent=None if parent is not None and parent.casefold() == own else parent,
        reseller=None if reseller is not None and reseller.casefold() == own else reseller,
    )


@st.composite
def _accounts(draw: st.DrawFn) -> Account:
    parts = _account_parts()
    address = draw(parts["address"])
    code = draw(parts["code"])
    marketing = draw(parts["marketing"])
    return Account(
        id=draw(parts["id"]),
        code=code,
        name=draw(parts["name"]),
        type=draw(parts["type"]),
        type_since=draw(st.dates()),
        status=draw(parts["status"]),
        status_since=draw(st.dates()),
        summary=Summary(address=address, **draw(parts["summary"])),
        general=draw(parts["general"]),
        remarks=draw(parts["remarks"]),
        free_fields=draw(parts["free_fields"]),
        contact=draw(parts["contact"]),
        marketing=attrs.evolve(marketing, coc_number=draw(_coc_or_none(address.country))),
        relations=_without_self(draw(parts["relations"]), code),
        financial=draw(parts["financial"]),
    )


def accounts() -> SearchStrategy[Account]:
    """
    Draw whole accounts that pass `accountcore.check_account` and round-trip through dicts.

    Returns:
        A strategy of `accountcore.Account` values.

    .. versionadded:: 0.1
    """
    return _accounts()


def _without_nulls(value: JSONValue) -> JSONValue:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def account_dicts() -> SearchStrategy[JSONObject]:
    """
    Draw JSON-ready account records that `accountcore.from_dict` accepts.

    Some records spell out every field (null included), others leave null fields out.

    Returns:
        A strategy of dicts as `accountcore.to_dict` writes them.

    .. versionadded:: 0.1
    """
    dicts = accounts().map(to_dict)
    return dicts | dicts.map(lambda d: typing.cast(JSONObject, _without_nulls(d)))


# --- broken input -------------------------------------------------------------------------------


def _field_names() -> list[str]:
    classes = (Account, Summary, Address, General, Contact, Marketing, Relations, Financial)
    names = {f.name for c in (*classes, BankAccount, FreeField) for f in attrs.fields(c)}
    return sorted(names)


def json_values() -> SearchStrategy[JSONValue]:
    """
    Draw arbitrary JSON-like values: nested objects and arrays of text, numbers, booleans, null.

    Object keys are often accountcore field names, so the values reach deep into readers.
    Floats include NaN and infinities, which Python's `json` module reads and writes.

    Returns:
        A strategy of JSON-like values.

    .. versionadded:: 0.1
    """
    leaves: SearchStrategy[JSONValue] = (
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    )
    keys = st.sampled_from(_field_names()) | st.text(max_size=8)

    def nest(inner: SearchStrategy[JSONValue]) -> SearchStrategy[JSONValue]:
        return st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5)

    return st.recursive(leaves, nest, max_leaves=12)


@attrs.frozen
class BrokenRecord:
    """
    An account record with exactly one field broken, and where.

    Args:
        data: the record, JSON-ready.
        path: the broken field; for an unknown key, the object that holds it.
        expected_codes: the problem codes `accountcore.from_dict` may report at ``path``.
        breakage: what was done: ``wrong_type``, ``blank``, ``unknown_key``, ``out_of_range``,
            ``invalid_identifier``, ``bad_date``, ``bad_choice`` or ``missing_key``.

    .. versionadded:: 0.1
    """

    data: JSONObject
    path: Path
    expected_codes: frozenset[str]
    breakage: str


_IDENTIFIER_CODES = frozenset(
    {"invalid_format", "invalid_length", "invalid_checksum", "invalid_component"}
)
_Breaker = Callable[[st.DrawFn, JSONObject], tuple[JSONObject, Path, frozenset[str]]]


def _replace(data: JSONValue, path: Path, value: JSONValue) -> JSONValue:
    """Return ``data`` with the value at ``path`` replaced, copying only along the path."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict) and isinstance(head, str):
        return {**data, head: _replace(data.get(head), rest, value)}
    assert isinstance(data, list) and isinstance(head, int)
    return [_replace(v, rest, value) if i == head else v for i, v in enumerate(data)]


def _remove(data: JSONValue, path: Path) -> JSONValue:
    parent = _get(data, path[:-1])
    assert isinstance(parent, dict)
    return _replace(data, path[:-1], {k: v for k, v in parent.items() if k != path[-1]})


def _get(data: JSONValue, path: Path) -> JSONValue:
    for step in path:
        data = data[step]  # type: ignore[index]
    return data


def _field_type(tp: object) -> object:
    """The field's type without ``| None``."""
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    union = typing.get_origin(tp) in (Union, types.UnionType)
    return args[0] if union and len(args) == 1 else tp


def _typed_paths(cls: type, data: JSONValue, prefix: Path = ()) -> Iterator[tuple[Path, object]]:
    """Every field present in ``data``, with its type, walking into sections and lists."""
    if not isinstance(data, dict):
        return
    for field in attrs.fields(attrs.resolve_types(cls)):
        if field.name not in data or (cls is FreeField and field.name == "value"):
            continue
        path, tp = (*prefix, field.name), _field_type(field.type)
        yield path, tp
        value = data[field.name]
        if typing.get_origin(tp) is tuple and isinstance(value, list):
            for i, item in enumerate(value):
                yield from _typed_paths(typing.get_args(tp)[0], item, (*path, i))
        elif isinstance(tp, type) and attrs.has(tp):
            yield from _typed_paths(tp, value, path)


def _wrong_value(tp: object) -> JSONValue:
    if tp is str:
        return 42
    if tp is int:
        return "42"
    if tp is bool:
        return "yes"
    if tp is date or (isinstance(tp, type) and issubclass(tp, Identifier)):
        return 20240101
    return 1 if isinstance(tp, type) and issubclass(tp, enum.Enum) else "text"


def _wrong_type(draw: st.DrawFn, data: JSONObject) -> tuple[JSONObject, Path, frozenset[str]]:
    path, tp = draw(st.sampled_from(list(_typed_paths(Account, data))))
    return _with(data, path, _wrong_value(tp)), path, frozenset({"invalid_type"})


def _with(data: JSONObject, path: Path, value: JSONValue) -> JSONObject:
    return typing.cast(JSONObject, _replace(data, path, value))


def _free_paths(data: JSONObject, key: str) -> list[Path]:
    fields = data.get("free_fields") or []
    assert isinstance(fields, list)
    return [("free_fields", i, key) for i in range(len(fields))]


_BLANKS = st.text(" \t\n\u00a0\u3000", max_size=3)


def _blank(draw: st.DrawFn, data: JSONObject) -> tuple[JSONObject, Path, frozenset[str]]:
    paths = [("code",), ("name",), ("summary", "address", "line1"), ("summary", "address", "city")]
    path = draw(st.sampled_from(paths + _free_paths(data, "name")))
    blank = draw(_BLANKS)
    return _with(data, path, blank), path, frozenset({"required"})


def _unknown_key(draw: st.DrawFn, data: JSONObject) -> tuple[JSONObject, Path, frozenset[str]]:
    objects = [()] + [p for p, _ in _typed_paths(Account, data) if isinstance(_get(data, p), dict)]
    path = draw(st.sampled_from(objects))
    key = "x-" + draw(st.text(max_size=8))
    value = draw(_cached(json_values))
    target = _get(data, path)
    assert isinstance(target, dict)
    return _with(data, path, {**target, key: value}), path, frozenset({"unknown_field"})


_OUT_OF_RANGE = st.one_of(
    st.tuples(st.just(("marketing", "security_level")), st.integers(max_value=-1)),
    st.tuples(st.just(("marketing", "security_level")), st.integers(min_value=101)),
    st.tuples(st.just(("marketing", "rating")), st.integers(max_value=0)),
    st.tuples(st.just(("marketing", "rating")), st.integers(min_value=8)),
    st.tuples(st.just(("financial", "invoice_copies")), st.integers(max_value=-1)),
)


def _out_of_range(draw: st.DrawFn, data: JSONObject) -> tuple[JSONObject, Path, frozenset[str]]:
    path, number = draw(_OUT_OF_RANGE)
    return _with(data, path, number), path, frozenset({"out_of_range"})


def _bad_iban(iban: IBAN, shift: int) -> str:
    """Shift the check digits: any shift below 97 breaks ISO 13616's mod-97 check."""
    return f"{iban.compact[:2]}{(int(iban.compact[2:4]) + shift) % 97:02d}{iban.compact[4:]}"


def _bad_last_digit(value: Identifier) -> str:
    return value.compact[:-1] + str((int(value.compact[-1]) + 1) % 10)


def _bad_identifiers() -> SearchStrategy[tuple[Path, str]]:
    bank: Path = ("financial", "bank_accounts", 0)
    single_digit_vat = st.sampled_from(["AT", "DE", "IT", "PT", "GR", "DK"]).flatmap(vat_numbers)
    return st.one_of(
        st.tuples(st.just((*bank, "iban")), st.builds(_bad_iban, ibans(), st.integers(1, 96))),
        st.tuples(st.just((*bank, "bic")), bics().map(lambda b: b.compact[:7])),
        st.tuples(
            st.just((*bank, "bic")), bics().map(lambda b: b.compact[:4] + "XX" + b.compact[6:])
        ),
        st.tuples(st.just(("financial", "vat_number")), single_digit_vat.map(_bad_last_digit)),
        st.tuples(st.just(("marketing", "gln")), glns().map(_bad_last_digit)),
        st.tuples(st.just(("marketing", "duns_number")), _digits(8) | _digits(10)),
        st.tuples(st.just(("marketing", "duns_number")), st.just("12345678X")),
    )


def _invalid_identifier(
    draw: st.DrawFn, data: JSONObject
) -> tuple[JSONObject, Path, frozenset[str]]:
    path, raw = draw(_cached(_bad_identifiers))
    if path[1] == "bank_accounts" and not _get(data, path[:2]):
        data = _with(data, path[:2], [{"main": True}])
    return _with(data, path, raw), path, _IDENTIFIER_CODES


def _bad_date(draw: st.DrawFn, data: JSONObject) -> tuple[JSONObject, Path, frozenset[str]]:
    path = draw(st.sampled_from((("type_since",), ("status_since",), ("financial", "check_date"))))
    raw = draw(st.sampled_from(("2024-02-30", "2024-13-01", "01-01-2024", "2024-1-1", "today")))
    return _with(data, path, raw), path, frozenset({"invalid_date"})


def _bad_choice(draw: st.DrawFn, data: JSONObject) -> tuple[JSONObject, Path, frozenset[str]]:
    paths = [("type",), ("status",), ("financial", "group_invoice")]
    path = draw(st.sampled_from(paths + _free_paths(data, "kind")))
    raw = draw(st.sampled_from(("X", "c", "Customer", "NO", "colour", "0")))
    return _with(data, path, raw), path, frozenset({"invalid_choice"})


def _missing_key(draw: st.DrawFn, data: JSONObject) -> tuple[JSONObject, Path, frozenset[str]]:
    address = ("summary", "address")
    paths: list[Path] = [("code",), ("name",), ("type",), ("type_since",), ("status_since",)]
    paths += [("summary",), address, (*address, "line1"), (*address, "city"), (*address, "country")]
    path = draw(st.sampled_from(paths + _free_paths(data, "name") + _free_paths(data, "kind")))
    return typing.cast(JSONObject, _remove(data, path)), path, frozenset({"required"})


_BREAKERS: dict[str, _Breaker] = {
    "wrong_type": _wrong_type,
    "blank": _blank,
    "unknown_key": _unknown_key,
    "out_of_range": _out_of_range,
    "invalid_identifier": _invalid_identifier,
    "bad_date": _bad_date,
    "bad_choice": _bad_choice,
    "missing_key": _missing_key,
}


@st.composite
def _broken_records(draw: st.DrawFn, breakages: tuple[str, ...]) -> BrokenRecord:
    data = draw(_cached(account_dicts))
    breakage = draw(st.sampled_from(breakages))
    broken, path, codes = _BREAKERS[breakage](draw, data)
    return BrokenRecord(broken, path, codes, breakage)


def broken_records(breakages: Collection[str] | None = None) -> SearchStrategy[BrokenRecord]:
    """
    Draw valid account records with exactly one field broken, with the path that was broken.

    Args:
        breakages: the kinds of breakage to draw (see `BrokenRecord`); ``None`` means all.

    Returns:
        A strategy of `BrokenRecord` values; `accountcore.from_dict` rejects each ``data``
        with a problem at ``path`` whose code is in ``expected_codes``.

    Raises:
        InvalidArgument: for an unknown kind of breakage.

    .. versionadded:: 0.1
    """
    chosen = tuple(sorted(_BREAKERS if breakages is None else set(breakages)))
    unknown = set(chosen) - set(_BREAKERS)
    if unknown or not chosen:
        raise InvalidArgument(
            f"unknown breakages {sorted(unknown)}; choose from {sorted(_BREAKERS)}"
        )
    return _broken_records(chosen)


def broken_account_dicts() -> SearchStrategy[JSONObject]:
    """
    Draw valid account records with exactly one field broken.

    Returns:
        A strategy of JSON-ready dicts that `accountcore.from_dict` rejects.

    .. versionadded:: 0.1
    """
    return broken_records().map(lambda record: record.data)
