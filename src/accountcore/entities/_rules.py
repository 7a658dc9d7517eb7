"""
The card's own rules: a limit for every value, and the rules of each section.

A rule returns ``None`` when a value is fine, else ``(code, message)``; it checks the value's
type too, for accounts built in Python. Field rules apply to one value (text is held to its
length before any costly check); class rules relate the fields of one object and yield
problems with paths relative to it. The structure hooks (`accountcore.serialization`) apply
the same rules while reading, and `._account` while checking an account built in Python.

The `Account` class calls these rules from `Account.new`, so this module cannot import it:
the account's own fields have their tables here by field name (`ACCOUNT_LIMITS`), and
`._account` files them under the class.
"""

from __future__ import annotations

import functools
import math
import typing
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, NamedTuple, Optional

import attrs

from ..errors import Problem
from ..identifiers import BIC, COUNTRY_CODES, IBAN, CheckStrength
from ._card import (
    IBAN_BANK_ACCOUNT_TYPE,
    Address,
    BankAccount,
    Contact,
    Financial,
    FreeField,
    General,
    Marketing,
    Relations,
    Summary,
)
from ._formats import (
    Failure,
    Rule,
    account_phones,
    country,
    email,
    multi_line,
    non_blank,
    one_line,
    phone,
    phone_number,
    phone_unassigned,
    picture,
    url,
)

#: A rule as the tables hold it: any value in, ``None`` or ``(code, message)`` out.
AnyRule = Callable[[Any], "Failure | None"]
ClassRule = Callable[[Any], Iterator[Problem]]

# --- limits, checked before any costly rule (docs/validation.md lists them) ----------------------

#: The longest text, in characters, that a text field not listed in `MAX_LENGTHS` takes.
DEFAULT_MAX_LENGTH = 255
#: The largest magnitude of a free field's integer: JSON's safe integers, exact in any reader.
MAX_SAFE_INTEGER = 2**53 - 1
#: Free field amounts lie strictly between minus and plus this.
AMOUNT_LIMIT = Decimal(10) ** 15
#: The longest text an amount may be.
MAX_AMOUNT_TEXT = 64


class Limits(NamedTuple):
    """The limits of one class's fields: text lengths, integer ranges and list sizes."""

    lengths: Mapping[str, int] = MappingProxyType({})
    ranges: Mapping[str, tuple[int, int]] = MappingProxyType({})
    items: Mapping[str, int] = MappingProxyType({})


def _limits(**tables: Mapping[str, Any]) -> Limits:
    return Limits(**{name: MappingProxyType(dict(table)) for name, table in tables.items()})


#: The account's own fields (Exact Online pads codes to 18 characters).
ACCOUNT_LIMITS = _limits(lengths={"code": 64, "remarks": 65_536}, items={"free_fields": 1000})
#: Each section's limits; the other numbers are generous for real data and keep every check
#: cheap.
SECTION_LIMITS: Mapping[type, Limits] = MappingProxyType({
    Address: _limits(lengths={
        "house_number": 32, "house_number_suffix": 32, "postcode": 32, "city": 128,
        "state": 64, "country": 64,
    }),
    Summary: _limits(lengths={
        "website": 2048, "email": 254, "phone": 64, "phone_extension": 32, "fax": 64,
        "picture": 2048,
    }),
    General: _limits(lengths={"country_name": 128, "phone_queue": 64}),
    FreeField: _limits(lengths={"name": 128, "value": 4000}),
    Contact: _limits(lengths={
        "title": 64, "initials": 32, "first_name": 128, "middle_name": 128, "last_name": 128,
        "job_title": 128, "email": 254, "phone": 64, "mobile": 64,
    }),
    Marketing: _limits(
        lengths={
            "classification": 64, "source": 64, "sector": 64, "subsector": 64, "size": 64,
            "document": 2048,
        },
        ranges={"security_level": (0, 100), "rating": (1, 7)},
    ),
    Relations: _limits(lengths={"cost_centre": 64, "reseller": 64, "parent": 64}),
    BankAccount: _limits(lengths={"number": 64, "type": 32}),
    Financial: _limits(
        lengths={
            "division": 64, "debtor_code": 64, "creditor_code": 64,
            "customer_code_at_supplier": 64, "debtor_account": 64, "creditor_account": 64,
            "offset_account": 64,
        },
        ranges={"invoice_copies": (0, 999)},
        items={"bank_accounts": 100},
    ),
})  # fmt: skip

_NOT_TEXT: Failure = ("invalid_type", "Expected text.")
_NOT_INTEGER: Failure = ("invalid_type", "Expected an integer.")


def limited(limit: int, rule: Rule | None = None) -> AnyRule:
    """
    Check that a value is text of at most ``limit`` characters on one line (no control
    character, see `._formats.one_line`), then apply ``rule``. With ``rule`` `multi_line`,
    the text may hold line breaks and tabs, and no other rule applies.
    """
    failure = ("too_long", f"The text is longer than {limit:,} characters, its maximum.")
    line, own = (None, None) if rule is multi_line else (one_line, rule)

    def check(value: object) -> Failure | None:
        if type(value) is not str:
            return _NOT_TEXT
        if len(value) > limit:
            return failure
        if line is not None and (control := line(value)) is not None:
            return control
        return None if own is None else own(value)

    # The reading hooks take the parts apart and check the length inline (and call `line`
    # only for text that is not printable), one call less per text field (`make bench`, row
    # "from_dict").
    check.limit = limit  # type: ignore[attr-defined]
    check.line = line  # type: ignore[attr-defined]
    check.rule = own  # type: ignore[attr-defined]
    return check


def in_range(low: int, high: int) -> AnyRule:
    """Check that a value is an integer (not a bool) from ``low`` to ``high``."""
    failure = ("out_of_range", f"The number must lie between {low:,} and {high:,}.")

    def rule(value: object) -> Failure | None:
        if type(value) is not int:
            return _NOT_INTEGER
        return failure if value < low or value > high else None

    return rule


def at_most(limit: int) -> AnyRule:
    """Check that a list holds at most ``limit`` items."""
    failure = ("too_many", f"The list holds more than {limit:,} items, its maximum.")
    return lambda items: failure if len(items) > limit else None


_FREE_TEXT = limited(SECTION_LIMITS[FreeField].lengths["value"], multi_line)
_UNSAFE_INTEGER = (
    "out_of_range",
    f"The number must lie between -{MAX_SAFE_INTEGER:,} and {MAX_SAFE_INTEGER:,}.",
)
_NOT_FINITE = ("out_of_range", "The number must be finite.")
_AMOUNT_RANGE = ("out_of_range", "The amount must lie strictly between -10^15 and 10^15.")


def free_value(value: object) -> Failure | None:
    """Check a free field's value: text by its length, numbers and amounts by their range."""
    if type(value) is str:
        return _FREE_TEXT(value)
    if type(value) is int:
        return None if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else _UNSAFE_INTEGER
    if type(value) is float:
        return None if math.isfinite(value) else _NOT_FINITE
    if type(value) is Decimal:
        if not value.is_finite():
            return _NOT_FINITE
        return None if -AMOUNT_LIMIT < value < AMOUNT_LIMIT else _AMOUNT_RANGE
    return None


# --- field rules --------------------------------------------------------------------------------

#: The account's own fields with a check of their own, wrapped in their length limits. Every
#: text field is one line (no control character) but those marked `multi_line`: the remarks,
#: the financial extra description and a free field's text (docs/validation.md#one-line).
ACCOUNT_OWN_RULES: Mapping[str, Rule] = MappingProxyType(
    {"code": non_blank, "name": non_blank, "replaced_by": non_blank, "remarks": multi_line}
)
_SECTION_OWN_RULES: dict[type, dict[str, Rule]] = {
    Address: {"line1": non_blank, "city": non_blank, "country": country},
    Summary: {"website": url, "email": email, "phone": phone, "fax": phone, "picture": picture},
    FreeField: {"name": non_blank},
    Contact: {"email": email, "phone": phone, "mobile": phone},
    Financial: {"extra_description": multi_line},
}


def _text_fields(cls: type) -> Iterator[str]:
    for field in attrs.fields(attrs.resolve_types(cls)):
        if field.type in (str, str | None, Optional[str]):
            yield field.name


def field_rules_of(cls: type, limits: Limits, own: Mapping[str, Rule]) -> dict[str, AnyRule]:
    """Every field rule of ``cls``: each text field's limit and rule, ranges, list sizes."""
    lengths = limits.lengths
    rules = {
        name: limited(lengths.get(name, DEFAULT_MAX_LENGTH), own.get(name))
        for name in _text_fields(cls)
    }
    rules |= {name: in_range(*bounds) for name, bounds in limits.ranges.items()}
    rules |= {name: at_most(limit) for name, limit in limits.items.items()}
    if cls is FreeField:
        rules["value"] = free_value
    return rules


def not_null(cls: type, rules: Mapping[str, object]) -> frozenset[str]:
    """The fields of ``rules`` that ``cls`` does not allow to be ``None``."""
    fields = attrs.fields(attrs.resolve_types(cls))
    nullable = {f.name for f in fields if type(None) in typing.get_args(f.type)}
    return frozenset(rules) - nullable


@functools.cache
def section_field_rules() -> Mapping[type, Mapping[str, AnyRule]]:
    """Each section's field rules, by class and field; built on first use, not on import."""
    return MappingProxyType({
        cls: MappingProxyType(field_rules_of(cls, limits, _SECTION_OWN_RULES.get(cls, {})))
        for cls, limits in SECTION_LIMITS.items()
    })  # fmt: skip


# --- class rules: fields of one object together -------------------------------------------------


def _state_problems(address: Address) -> Iterator[Problem]:
    if address.state is None or address.country not in COUNTRY_CODES:
        return
    state = address.state.upper()
    code = state if state.startswith(address.country + "-") else f"{address.country}-{state}"
    # Codes of the length of real ones are remembered; longer text is looked up each time.
    outside = _outside_subdivisions if len(code) <= 12 else _outside_subdivisions.__wrapped__
    if outside(address.country, code):
        message = f"The state is not a subdivision of {address.country}."
        yield Problem(("state",), "state_not_in_country", message)


@functools.lru_cache(maxsize=4096)
def _outside_subdivisions(country: str, code: str) -> bool:
    """Tell whether pycountry lists subdivisions of ``country``, but not ``code`` (ISO 3166-2)."""
    import pycountry

    known = pycountry.subdivisions.get(country_code=country)  # type: ignore[no-untyped-call]
    return bool(known) and pycountry.subdivisions.get(code=code) is None  # type: ignore[no-untyped-call]


def _marketing_problems(marketing: Marketing) -> Iterator[Problem]:
    if marketing.subsector is not None and marketing.sector is None:
        yield Problem(("subsector",), "subsector_without_sector", "A subsector needs a sector.")


def _bank_account_problems(bank: BankAccount) -> Iterator[Problem]:
    is_iban_type = (bank.type or "").upper() == IBAN_BANK_ACCOUNT_TYPE
    if is_iban_type and bank.iban is None:
        yield Problem(("iban",), "required", "A bank account of the IBAN type needs an IBAN.")
    if bank.iban is None or bank.iban.strength is CheckStrength.UNCHECKED:
        return  # the IBAN rules below are identifier checks
    if bank.number is not None:
        matches = (
            bank.number.replace(" ", "").upper() == bank.iban.compact
            if is_iban_type
            else bank.iban.corresponds_to(bank.number)
        )
        if not matches:
            yield Problem(
                ("iban",),
                "iban_number_mismatch",
                "The IBAN does not correspond to the bank account number.",
            )


def _financial_problems(financial: Financial) -> Iterator[Problem]:
    banks = financial.bank_accounts
    if banks and sum(bank.main for bank in banks) != 1:
        yield Problem(
            ("bank_accounts",),
            "main_bank_account",
            "Exactly one bank account must be the main one.",
        )


def account_class_problems(account: Any) -> Iterator[Problem]:
    """The rules relating the account's own fields (the `Account` class cannot be named here)."""
    seen: set[str] = set()
    for i, free in enumerate(account.free_fields):
        key = free.name.strip().casefold()
        if key in seen:
            yield Problem(
                ("free_fields", i, "name"), "duplicate", "Two free fields have the same name."
            )
        seen.add(key)
    own = account.code.strip().casefold()
    for name in ("parent", "reseller"):
        other = getattr(account.relations, name)
        if other is not None and other.strip().casefold() == own:
            yield Problem(
                ("relations", name), "self_reference", f"An account cannot be its own {name}."
            )
    if account.replaced_by is not None and account.replaced_by == account.id:
        message = "An account cannot be replaced by itself."
        yield Problem(("replaced_by",), "self_reference", message)
    # The whole check of each phone number, by the account's country
    # (docs/validation.md#phone-numbers).
    for path, value, region in account_phones(account):
        if (failure := phone_number(value, region)) is not None:
            yield Problem(path, *failure)


# --- warning rules: reported, never making the record invalid ---------------------------------


def _bank_account_warnings(bank: BankAccount) -> Iterator[Problem]:
    iban, bic = bank.iban, bank.bic
    if iban is None or bic is None:
        return
    if CheckStrength.UNCHECKED in (iban.strength, bic.strength):
        return  # an identifier check, skipped with the identifiers
    if bic.belongs_to(iban) is False:
        yield Problem(("bic",), "bic_bank_mismatch", bic_mismatch_message(bic, iban))


def bic_mismatch_message(bic: BIC, iban: IBAN) -> str:
    """Say which bank the registry files the BIC under, and which bank the IBAN is of."""
    filed = bic.bank_name or "another bank"
    own = iban.bank_name or "the IBAN's bank"
    known = iban.bank_bic
    theirs = f" (BIC {known.compact})" if known is not None else ""
    return f"The bank registry files BIC {bic.compact} under {filed}, not {own}{theirs}."


def account_warning_problems(account: Any) -> Iterator[Problem]:
    """The warnings relating the account's own fields (the phone numbers, with its country)."""
    for path, value, region in account_phones(account):
        if (failure := phone_unassigned(value, region)) is not None:
            yield Problem(path, *failure)


#: The rules that yield only warnings, by section class, with paths relative to the object
#: (`account_warning_problems` is the account's own). They never run while a record is read
#: (a warning never stops it); `account_problems` and `account_warnings` run them.
WARNING_RULES: Mapping[type, ClassRule] = MappingProxyType({
    BankAccount: _bank_account_warnings,
})  # fmt: skip


#: Rules relating fields of one section, with paths relative to it. They run as soon as the
#: object is read (so a problem elsewhere in the record does not hide them).
SECTION_CLASS_RULES: Mapping[type, ClassRule] = MappingProxyType({
    Address: _state_problems,
    Marketing: _marketing_problems,
    BankAccount: _bank_account_problems,
    Financial: _financial_problems,
})  # fmt: skip
