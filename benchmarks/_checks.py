"""
The card's checks for the peer schemas, built on the very functions accountcore uses.

Field rules are the field checks of `accountcore.entities._formats`; identifiers are checked by
`accountcore.identifiers` ``X.parse`` (schwifty and python-stdnum underneath); the rules that
relate fields are written out here against the same helpers (`IBAN.corresponds_to`,
`BIC.belongs_to`, pycountry subdivisions). A failed check raises `ValueError`, which both
pydantic and msgspec turn into their own validation error.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from accountcore.entities import _formats as _rules
from accountcore.identifiers import (
    BIC,
    DUNS,
    GLN,
    IBAN,
    ChamberOfCommerceNumber,
    CheckStrength,
    Identifier,
    VATNumber,
)

Record = dict[str, Any]
Check = Callable[[Any], Any]

__all__ = [
    "CHECKED",
    "LINE_PATTERN",
    "LINE_PATTERN_RE",
    "Check",
    "contact_defaults",
    "country_bound",
    "cross_field",
    "free_value",
    "rule",
]

# One-line text, as patterns the peers' own string constraints take: no C0 or C1 control,
# DEL, U+2028 or U+2029, which `accountcore.entities._formats.one_line` refuses in every text
# field but the multi-line ones (remarks, extra description, a free field's text).
_LINE = "[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]*"
#: For pydantic's Rust regex, whose ``$`` is the end of the text.
LINE_PATTERN = f"^{_LINE}$"
#: For msgspec's `re.search`, whose ``$`` would also match before a final line feed.
LINE_PATTERN_RE = f"\\A{_LINE}\\Z"


def rule(check: _rules.Rule, normalise: Callable[[str], str] | None = None) -> Check:
    """
    Wrap an accountcore field rule as a validator that returns the (normalised) value. A
    normalised value is held to one line here, after normalising, as accountcore does; the
    others by the peers' pattern constraint (`LINE_PATTERN`).
    """

    def validator(value: Any) -> Any:
        if normalise is not None:
            value = normalise(value)
            failure = _rules.one_line(value)
            if failure is not None:
                raise ValueError(failure[1])
        failure = check(value)
        if failure is not None:
            raise ValueError(failure[1])
        return value

    return validator


def _identifier(cls: type[Identifier]) -> Check:
    parse = cls.parse
    return lambda value: parse(value).compact


#: Identifier kind -> validator returning the compact form (stored as text by the peers).
CHECKED: dict[str, Check] = {
    "iban": _identifier(IBAN),
    "bic": _identifier(BIC),
    "duns": _identifier(DUNS),
    "gln": _identifier(GLN),
}


def _country(data: Record) -> str | None:
    summary = data.get("summary")
    address = summary.get("address") if isinstance(summary, dict) else None
    country = address.get("country") if isinstance(address, dict) else None
    return country.strip().upper() if isinstance(country, str) else None


_COUNTRY_BOUND = (
    ("marketing", "coc_number", ChamberOfCommerceNumber),
    ("financial", "vat_number", VATNumber),
)


def country_bound(data: Any, check: bool) -> Any:
    """Check VAT and Chamber of Commerce numbers by the account's country, as accountcore."""
    if not check or not isinstance(data, dict):
        return data
    country = _country(data)
    for section, key, cls in _COUNTRY_BOUND:
        part = data.get(section)
        raw = part.get(key) if isinstance(part, dict) else None
        if isinstance(raw, str) and raw.strip():
            compact = cls.parse(raw, country).compact
            data = {**data, section: {**part, key: compact}}  # type: ignore[dict-item]
    return data


def contact_defaults(data: Any) -> Any:
    """Switch both email flags on when an email is given and the record does not set them."""
    if not isinstance(data, dict):
        return data
    email = data.get("email")
    if not isinstance(email, str) or not email.strip():
        return data
    return {"valid_email": True, "email_permission": True, **data}


def _amount(value: Any) -> Decimal:
    if type(value) is int:
        return Decimal(value)
    if type(value) is str:
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("Expected an amount as decimal text.") from None
        if amount.is_finite():
            return amount
    raise ValueError("Expected an amount as decimal text.")


def _typed(kind: type) -> Check:
    def read(value: Any) -> Any:
        if type(value) is not kind:
            raise ValueError(f"Expected {kind.__name__}.")
        return value

    return read


def _number(value: Any) -> int | float:
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return value
    raise ValueError("Expected a finite number.")


_FREE_VALUE: dict[str, Check] = {
    "text": _typed(str),
    "number": _number,
    "amount": _amount,
    "date": lambda v: datetime.date.fromisoformat(_typed(str)(v)),
    "yes_no": _typed(bool),
}


def free_value(kind: Any, value: Any) -> Any:
    """Read a free field's value by its kind (``kind`` as text or as the enum)."""
    if value is None:
        return None
    key = getattr(kind, "value", kind)
    reader = _FREE_VALUE.get(key) if isinstance(key, str) else None
    return reader(value) if reader is not None else value


def _state(address: Any) -> Iterator[str]:
    if address.state is None:
        return
    import pycountry

    state, country = address.state.upper(), address.country
    code = state if state.startswith(country + "-") else f"{country}-{state}"
    known = pycountry.subdivisions.get(country_code=country)  # type: ignore[no-untyped-call]
    if known and pycountry.subdivisions.get(code=code) is None:  # type: ignore[no-untyped-call]
        yield "state_not_in_country"


def _relations(account: Any) -> Iterator[str]:
    own = account.code.strip().casefold()
    for name in ("parent", "reseller"):
        other = getattr(account.relations, name)
        if other is not None and other.strip().casefold() == own:
            yield "self_reference"
    if account.marketing.subsector is not None and account.marketing.sector is None:
        yield "subsector_without_sector"


def _free_names(fields: Any) -> Iterator[str]:
    seen: set[str] = set()
    for free in fields:
        key = free.name.strip().casefold()
        if key in seen:
            yield "duplicate"
        seen.add(key)


def _bank(bank: Any, check: bool) -> Iterator[str]:
    is_iban_type = (bank.type or "").upper() == "IBAN"
    if is_iban_type and bank.iban is None:
        yield "required"
    if not check or bank.iban is None:
        return
    iban = IBAN(bank.iban, CheckStrength.CHECKSUM)
    if bank.number is not None:
        if is_iban_type:
            matches = bank.number.replace(" ", "").upper() == iban.compact
        else:
            matches = iban.corresponds_to(bank.number)
        if not matches:
            yield "iban_number_mismatch"
    # A BIC the registry files under another bank is a warning (bic_bank_mismatch), which
    # `from_dict` looks for only when asked: the peers leave it out as well.


def _banks(banks: Any, check: bool) -> Iterator[str]:
    for bank in banks:
        yield from _bank(bank, check)
    if banks and sum(bank.main for bank in banks) != 1:
        yield "main_bank_account"


def _phones(account: Any) -> Iterator[str]:
    """The whole check of each phone number, with the account's country, as accountcore's."""
    for _, value, country in _rules.account_phones(account):
        failure = _rules.phone_number(value, country)
        if failure is not None:
            yield failure[0]


def cross_field(account: Any, check: bool) -> Any:
    """Apply the rules that relate fields to a peer's account; return it unchanged."""
    failures = [
        *_state(account.summary.address),
        *_relations(account),
        *_free_names(account.free_fields),
        *_banks(account.financial.bank_accounts, check),
        *_phones(account),
    ]
    if failures:
        raise ValueError(", ".join(failures))
    return account
