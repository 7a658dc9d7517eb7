"""
The account card as pydantic v2 models and as msgspec Structs, with accountcore's checks.

Both peers mirror `accountcore.entities` field for field: the same nesting, the same types
(dates and enums as ISO text and one-letter codes on the wire), strict typing (pydantic
``strict=True``, msgspec's default ``strict=True``), unknown keys refused, frozen instances.
They run the same checks through `benchmarks._checks`. Identifiers are stored as their
compact text, the natural choice for a pydantic or msgspec schema; accountcore stores
identifier objects.

`make_contenders()` returns accountcore, pydantic and msgspec behind one `Contender` shape.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import msgspec
import pydantic
from msgspec.structs import force_setattr
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, model_validator

import accountcore
from accountcore.entities import AccountStatus, AccountType, FreeFieldKind, GroupInvoice
from accountcore.entities import _formats as _rules

from . import _checks

__all__ = ["Contender", "make_contenders"]

Record = dict[str, Any]


@dataclass(frozen=True)
class Contender:
    """One library's way to read a record (with and without identifier checks) and write it."""

    name: str
    load: Callable[[Record], object]
    load_unchecked: Callable[[Record], object]
    dump: Callable[[Any], object]


# --- pydantic ---------------------------------------------------------------------------------

_CONFIG = ConfigDict(strict=True, extra="forbid", frozen=True)
_LAX = Field(strict=False)  # ISO dates and enum codes arrive as JSON text


def _v(check: _checks.Check) -> Any:
    return AfterValidator(check)


#: One-line text (no control character): pydantic's own pattern constraint.
Line = Annotated[str, StringConstraints(pattern=_checks.LINE_PATTERN)]
NonBlank = Annotated[Line, _v(_checks.rule(_rules.non_blank))]
# Normalised first, then held to one line and checked, in one validator (as accountcore).
Code = Annotated[str, _v(_checks.rule(_rules.non_blank, str.strip))]
Country = Annotated[str, _v(_checks.rule(_rules.country, str.upper))]
Email = Annotated[Line, _v(_checks.rule(_rules.email))]
Url = Annotated[Line, _v(_checks.rule(_rules.url))]
Phone = Annotated[Line, _v(_checks.rule(_rules.phone))]
Picture = Annotated[Line, _v(_checks.rule(_rules.picture))]
Day = Annotated[datetime.date, _LAX]


def _id(kind: str, check: bool) -> Any:
    return Annotated[str, _v(_checks.CHECKED[kind])] if check else str


def _pydantic_account(check: bool) -> type[pydantic.BaseModel]:
    iban_text, bic_text, duns_text, gln_text = (
        _id(k, check) for k in ("iban", "bic", "duns", "gln")
    )

    class Address(pydantic.BaseModel):
        model_config = _CONFIG
        line1: NonBlank
        house_number: Line | None = None
        house_number_suffix: Line | None = None
        line2: Line | None = None
        line3: Line | None = None
        postcode: Line | None = None
        city: NonBlank
        state: Line | None = None
        country: Country

    class Summary(pydantic.BaseModel):
        model_config = _CONFIG
        address: Address
        website: Url | None = None
        email: Email | None = None
        phone: Phone | None = None
        phone_extension: Line | None = None
        fax: Phone | None = None
        picture: Picture | None = None

    class General(pydantic.BaseModel):
        model_config = _CONFIG
        country_name: Line | None = None
        phone_queue: Line | None = None

    class FreeField(pydantic.BaseModel):
        model_config = _CONFIG
        name: NonBlank
        kind: Annotated[FreeFieldKind, _LAX]
        value: str | bool | int | float | Decimal | datetime.date | None = None

        @model_validator(mode="before")
        @classmethod
        def read_value(cls, data: Any) -> Any:
            if isinstance(data, dict) and "kind" in data:
                return {**data, "value": _checks.free_value(data["kind"], data.get("value"))}
            return data

    class Contact(pydantic.BaseModel):
        model_config = _CONFIG
        title: Line | None = None
        initials: Line | None = None
        first_name: Line | None = None
        middle_name: Line | None = None
        last_name: Line | None = None
        job_description: Line | None = None
        job_title: Line | None = None
        email: Email | None = None
        phone: Phone | None = None
        mobile: Phone | None = None
        valid_email: bool = False
        email_permission: bool = False

        @model_validator(mode="before")
        @classmethod
        def set_email_flags(cls, data: Any) -> Any:
            return _checks.contact_defaults(data)

    class Marketing(pydantic.BaseModel):
        model_config = _CONFIG
        security_level: Annotated[int, Field(ge=0, le=100)] = 0
        classification: Line | None = None
        rating: Annotated[int, Field(ge=1, le=7)] | None = None
        source: Line | None = None
        sector: Line | None = None
        subsector: Line | None = None
        size: Line | None = None
        coc_number: str | None = None  # checked with the account's country
        duns_number: duns_text | None = None  # type: ignore[valid-type]
        gln: gln_text | None = None  # type: ignore[valid-type]
        document: Line | None = None
        exclude_from_merging: bool = False

    class Relations(pydantic.BaseModel):
        model_config = _CONFIG
        account_manager: Line | None = None
        cost_centre: Line | None = None
        reseller: Line | None = None
        parent: Line | None = None

    class BankAccount(pydantic.BaseModel):
        model_config = _CONFIG
        number: Line | None = None
        type: Line | None = None
        iban: iban_text | None = None  # type: ignore[valid-type]
        bic: bic_text | None = None  # type: ignore[valid-type]
        holder_name: Line | None = None
        main: bool = False

    class Financial(pydantic.BaseModel):
        model_config = _CONFIG
        division: Line | None = None
        debtor_code: Line | None = None
        creditor_code: Line | None = None
        customer_code_at_supplier: Line | None = None
        check_date: Day | None = None
        debtor_account: Line | None = None
        creditor_account: Line | None = None
        bank_accounts: Annotated[tuple[BankAccount, ...], _LAX] = ()
        offset_account: Line | None = None
        extra_description: str | None = None
        partial_delivery_allowed: bool = False
        back_order: bool = False
        invoice_copies: Annotated[int, Field(ge=0)] = 1
        extra_duty: bool = False
        group_invoice: Annotated[GroupInvoice, _LAX] = GroupInvoice.NO
        payee_name: Line | None = None
        vat_number: str | None = None  # checked with the account's country

    class Account(pydantic.BaseModel):
        model_config = _CONFIG
        id: Line | None = None
        code: Code
        name: NonBlank
        type: Annotated[AccountType, _LAX]
        type_since: Day
        status: Annotated[AccountStatus, _LAX] = AccountStatus.ACTIVE
        status_since: Day
        replaced_by: Line | None = None
        summary: Summary
        general: General = General()
        remarks: str | None = None
        free_fields: Annotated[tuple[FreeField, ...], _LAX] = ()
        contact: Contact | None = None
        marketing: Marketing = Marketing()
        relations: Relations = Relations()
        financial: Financial = Financial()

        @model_validator(mode="before")
        @classmethod
        def check_country_bound(cls, data: Any) -> Any:
            return _checks.country_bound(data, check)

        @model_validator(mode="after")
        def check_cross_field(self) -> "Account":
            return _checks.cross_field(self, check)  # type: ignore[no-any-return]

    return Account


# --- msgspec ---------------------------------------------------------------------------------

#: One-line text (no control character): msgspec's own pattern constraint.
MLine = Annotated[str, msgspec.Meta(pattern=_checks.LINE_PATTERN_RE)]

_FieldChecks = tuple[tuple[str, _checks.Check], ...]


def _apply(obj: msgspec.Struct, checks: _FieldChecks) -> None:
    for name, check in checks:
        value = getattr(obj, name)
        if value is not None:
            new = check(value)
            if new is not value:
                force_setattr(obj, name, new)


def _struct_checks(check: bool) -> dict[str, _FieldChecks]:
    ids = _checks.CHECKED
    rule = _checks.rule
    return {
        "account": (("code", rule(_rules.non_blank, str.strip)), ("name", rule(_rules.non_blank))),
        "address": (
            ("line1", rule(_rules.non_blank)),
            ("city", rule(_rules.non_blank)),
            ("country", rule(_rules.country, str.upper)),
        ),
        "summary": (
            ("website", rule(_rules.url)),
            ("email", rule(_rules.email)),
            ("phone", rule(_rules.phone)),
            ("fax", rule(_rules.phone)),
            ("picture", rule(_rules.picture)),
        ),
        "free": (("name", rule(_rules.non_blank)),),
        "contact": (
            ("email", rule(_rules.email)),
            ("phone", rule(_rules.phone)),
            ("mobile", rule(_rules.phone)),
        ),
        "marketing": (("duns_number", ids["duns"]), ("gln", ids["gln"])) if check else (),
        "bank": (("iban", ids["iban"]), ("bic", ids["bic"])) if check else (),
    }


def _msgspec_account(check: bool) -> type[msgspec.Struct]:
    checks = _struct_checks(check)

    class Address(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
        line1: MLine
        house_number: MLine | None = None
        house_number_suffix: MLine | None = None
        line2: MLine | None = None
        line3: MLine | None = None
        postcode: MLine | None = None
        city: MLine
        state: MLine | None = None
        country: str

        def __post_init__(self) -> None:
            _apply(self, checks["address"])

    class Summary(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
        address: Address
        website: MLine | None = None
        email: MLine | None = None
        phone: MLine | None = None
        phone_extension: MLine | None = None
        fax: MLine | None = None
        picture: MLine | None = None

        def __post_init__(self) -> None:
            _apply(self, checks["summary"])

    class General(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
        country_name: MLine | None = None
        phone_queue: MLine | None = None

    class FreeField(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
        name: MLine
        kind: FreeFieldKind
        value: str | bool | int | float | None = None

        def __post_init__(self) -> None:
            _apply(self, checks["free"])
            force_setattr(self, "value", _checks.free_value(self.kind, self.value))

    class Contact(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
        title: MLine | None = None
        initials: MLine | None = None
        first_name: MLine | None = None
        middle_name: MLine | None = None
        last_name: MLine | None = None
        job_description: MLine | None = None
        job_title: MLine | None = None
        email: MLine | None = None
        phone: MLine | None = None
        mobile: MLine | None = None
        valid_email: bool = False
        email_permission: bool = False

        def __post_init__(self) -> None:
            _apply(self, checks["contact"])

    class Marketing(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
        security_level: Annotated[int, msgspec.Meta(ge=0, le=100)] = 0
        classification: MLine | None = None
        rating: Annotated[int, msgspec.Meta(ge=1, le=7)] | None = None
        source: MLine | None = None
        sector: MLine | None = None
        subsector: MLine | None = None
        size: MLine | None = None
        coc_number: str | None = None  # checked with the account's country
        duns_number: str | None = None
        gln: str | None = None
        document: MLine | None = None
        exclude_from_merging: bool = False

        def __post_init__(self) -> None:
            _apply(self, checks["marketing"])

    class Relations(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
        account_manager: MLine | None = None
        cost_centre: MLine | None = None
        reseller: MLine | None = None
        parent: MLine | None = None

    class BankAccount(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
        number: MLine | None = None
        type: MLine | None = None
        iban: str | None = None
        bic: str | None = None
        holder_name: MLine | None = None
        main: bool = False

        def __post_init__(self) -> None:
            _apply(self, checks["bank"])

    class Financial(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
        division: MLine | None = None
        debtor_code: MLine | None = None
        creditor_code: MLine | None = None
        customer_code_at_supplier: MLine | None = None
        check_date: datetime.date | None = None
        debtor_account: MLine | None = None
        creditor_account: MLine | None = None
        bank_accounts: tuple[BankAccount, ...] = ()
        offset_account: MLine | None = None
        extra_description: str | None = None
        partial_delivery_allowed: bool = False
        back_order: bool = False
        invoice_copies: Annotated[int, msgspec.Meta(ge=0)] = 1
        extra_duty: bool = False
        group_invoice: GroupInvoice = GroupInvoice.NO
        payee_name: MLine | None = None
        vat_number: str | None = None  # checked with the account's country

    class Account(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
        id: MLine | None = None
        code: str
        name: MLine
        type: AccountType
        type_since: datetime.date
        status: AccountStatus = AccountStatus.ACTIVE
        status_since: datetime.date
        replaced_by: MLine | None = None
        summary: Summary
        general: General = msgspec.field(default_factory=General)
        remarks: str | None = None
        free_fields: tuple[FreeField, ...] = ()
        contact: Contact | None = None
        marketing: Marketing = msgspec.field(default_factory=Marketing)
        relations: Relations = msgspec.field(default_factory=Relations)
        financial: Financial = msgspec.field(default_factory=Financial)

        def __post_init__(self) -> None:
            _apply(self, checks["account"])
            _checks.cross_field(self, check)

    return Account


def _msgspec_loader(check: bool) -> Callable[[Record], object]:
    account = _msgspec_account(check)
    convert = msgspec.convert

    def load(data: Record) -> object:
        data = _checks.country_bound(data, check)
        contact = data.get("contact")
        if contact is not None:
            data = {**data, "contact": _checks.contact_defaults(contact)}
        return convert(data, account)

    return load


# --- the three contenders ----------------------------------------------------------------------


def _accountcore() -> Contender:
    from_dict = accountcore.from_dict

    def load_unchecked(data: Record) -> object:
        return from_dict(data, check_identifiers=False)

    return Contender("accountcore", from_dict, load_unchecked, accountcore.to_dict)


def _pydantic() -> Contender:
    checked = _pydantic_account(True).model_validate
    unchecked = _pydantic_account(False).model_validate
    return Contender("pydantic", checked, unchecked, lambda m: m.model_dump(mode="json"))


def _msgspec() -> Contender:
    return Contender(
        "msgspec", _msgspec_loader(True), _msgspec_loader(False), msgspec.to_builtins
    )


def make_contenders() -> tuple[Contender, ...]:
    """
    Return accountcore first, then its peers.

    Returns:
        accountcore, pydantic and msgspec, each reading and writing the same records.
    """
    return (_accountcore(), _pydantic(), _msgspec())
