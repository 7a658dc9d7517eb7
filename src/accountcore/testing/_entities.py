"""Strategies for entities: account types and statuses, sections, accounts and account dicts."""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable

import attrs
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ..entities import (
    AMOUNT_LIMIT,
    IBAN_BANK_ACCOUNT_TYPE,
    MAX_SAFE_INTEGER,
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
from ..identifiers import IBAN, ChamberOfCommerceNumber
from ..serialization import JSONObject, JSONValue, to_dict
from ._identifiers import (
    _COUNTRIES,
    _bic_of,
    bics,
    coc_numbers,
    duns_numbers,
    glns,
    ibans,
    vat_numbers,
)
from ._text import (
    _code,
    _digits,
    _emails,
    _maybe,
    _optional_text,
    _phones,
    _pictures,
    _text,
    _texts,
    _websites,
)

_E = typing.TypeVar("_E")


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
        house_number=st.none() | st.from_regex(r"[1-9][0-9]{0,3}", fullmatch=True),
        house_number_suffix=st.none() | st.sampled_from(("a", "B", "bis", "-2", "II")),
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
    FreeFieldKind.NUMBER: st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False),
    FreeFieldKind.AMOUNT: st.decimals(
        -AMOUNT_LIMIT + 1, AMOUNT_LIMIT - 1, allow_nan=False, allow_infinity=False, places=2
    ),
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
        "remarks": st.one_of(
            st.none(), _text(60, multiline=True), st.just("<p>Pays <b>late</b></p>")
        ),
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
