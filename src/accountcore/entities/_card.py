"""The account card's enums and sections: every value of an account but the account itself."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Union

import attrs

from ..identifiers import BIC, DUNS, GLN, IBAN, ChamberOfCommerceNumber, VATNumber, mask


class AccountType(enum.Enum):
    """
    The type of an account, valued by Exact's one-letter code (``AccountType("C")``).

    Not a `str` subclass on purpose: type and status letters collide (P, S, A, E, B, R), and
    an `AccountType` must never compare equal to an `AccountStatus` or a plain string.

    .. versionadded:: 0.1
    """

    ASSOCIATE = "A"
    BANK = "B"
    CUSTOMER = "C"
    DIVISION = "D"
    EMPLOYEE = "E"
    LEAD = "L"
    NOT_VALIDATED = "N"
    PROSPECT = "P"
    RESELLER = "R"
    SUPPLIER = "S"
    SUSPECT = "T"

    # Members are singletons compared by identity; identity hashing is C-level, while
    # Enum.__hash__ is a Python call. Status and rights tables hash these on every query:
    # `make bench`'s rows "can_transition" and "Policy.decide" (benchmarks/status.py,
    # benchmarks/rights.py) need it.
    __hash__ = object.__hash__


#: The nine types a user may create through the card when setting Type: Select is on.
CARD_TYPES: frozenset[AccountType] = frozenset(AccountType) - {
    AccountType.EMPLOYEE,
    AccountType.NOT_VALIDATED,
}


class AccountStatus(enum.Enum):
    """
    The status of an account, valued by Exact's one-letter code (``AccountStatus("E")``).

    .. versionadded:: 0.1
    """

    ACTIVE = "A"
    REFERENCE = "R"
    BLOCKED = "B"
    PILOT = "P"
    PASSIVE = "S"
    INACTIVE = "E"

    # Members are singletons compared by identity; identity hashing is C-level, while
    # Enum.__hash__ is a Python call. Status and rights tables hash these on every query:
    # `make bench`'s rows "can_transition" and "Policy.decide" (benchmarks/status.py,
    # benchmarks/rights.py) need it.
    __hash__ = object.__hash__


class GroupInvoice(enum.Enum):
    """
    How invoices of the account are grouped.

    .. versionadded:: 0.1
    """

    NO = "no"
    ON_INVOICE_DEBTOR = "invoice_debtor"
    ON_ORDER_DEBTOR = "order_debtor"


class FreeFieldKind(enum.Enum):
    """
    The value type of a host-defined free field.

    .. versionadded:: 0.1
    """

    TEXT = "text"
    NUMBER = "number"
    AMOUNT = "amount"
    DATE = "date"
    YES_NO = "yes_no"


#: Accepted picture file extensions, lower case, without the dot.
PICTURE_FORMATS: frozenset[str] = frozenset(
    {"bmp", "dib", "jpg", "jpe", "jpeg", "jfif", "gif", "png", "svg", "tif", "tiff"}
)

#: The bank account type code whose number *is* the IBAN.
IBAN_BANK_ACCOUNT_TYPE = "IBAN"

#: What a free field may hold: text, number (int or float), amount (Decimal), date, yes/no.
FreeFieldValue = Union[str, int, float, Decimal, date, bool]


def _masked(value: str | None) -> str:
    return repr(value if value is None else mask(value))


def _safe_repr(value: object) -> str:
    # An int of over 4,300 digits has no repr (Python refuses to print it); say what it is.
    try:
        return repr(value)
    except ValueError:
        return f"<{type(value).__name__} of {value.bit_length():,} bits>"  # type: ignore[attr-defined]


@attrs.frozen(kw_only=True, weakref_slot=False)
class Address:
    """
    A postal address; line 1, city and country are mandatory.

    ``country`` is an ISO 3166-1 alpha-2 code; ``state`` a subdivision of it, either as the
    part after the dash of its ISO 3166-2 code (``"CA"`` for ``US-CA``) or the whole code.
    ``house_number`` and ``house_number_suffix`` hold the number and its addition (``61``,
    ``a``) where a system keeps them apart from the street in ``line1`` (Exact's
    ``AddressNo`` and ``AddressSuffix``); a number typed into ``line1`` stays there.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``house_number`` and ``house_number_suffix``.
    """

    line1: str
    house_number: str | None = None
    house_number_suffix: str | None = None
    line2: str | None = None
    line3: str | None = None
    postcode: str | None = None
    city: str
    state: str | None = None
    country: str


@attrs.frozen(kw_only=True, weakref_slot=False)
class Summary:
    """
    The card's summary section, apart from code and name (which sit on `Account`).

    .. versionadded:: 0.1
    """

    address: Address
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    phone_extension: str | None = None
    fax: str | None = None
    picture: str | None = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class General:
    """
    The card's general section.

    .. versionadded:: 0.1
    """

    country_name: str | None = None
    phone_queue: str | None = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class FreeField:
    """
    One host-defined extra field with a typed value (``None`` means empty).

    .. versionadded:: 0.1
    """

    name: str
    kind: FreeFieldKind
    value: FreeFieldValue | None = attrs.field(default=None, repr=_safe_repr)


@attrs.frozen(kw_only=True, weakref_slot=False)
class Contact:
    """
    The first contact person, captured when the account is created.

    ``valid_email`` supports bounce handling and ``email_permission`` records the opt-in; both
    switch on by themselves when an email is first given (see `Contact.with_email`).

    .. versionadded:: 0.1
    """

    title: str | None = None
    initials: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    job_description: str | None = None
    job_title: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    valid_email: bool = False
    email_permission: bool = False

    def with_email(self, email: str | None) -> Contact:
        """
        Return the contact with a new email, applying the card's flag rules.

        The first email given switches both flags on. A later change keeps the permission
        flag as it was and marks the new address valid until it bounces; removing the email
        clears ``valid_email`` and keeps the permission.

        Returns:
            The changed contact.
        """
        if email is None:
            return attrs.evolve(self, email=None, valid_email=False)
        if self.email is None:
            return attrs.evolve(self, email=email, valid_email=True, email_permission=True)
        return attrs.evolve(self, email=email, valid_email=True)


@attrs.frozen(kw_only=True, weakref_slot=False)
class Marketing:
    """
    The card's marketing section, apart from type and status (which sit on `Account`).

    ``security_level`` runs from 0 (everyone) to 100; ``rating`` from 1 (best) to 7 (worst).

    .. versionadded:: 0.1
    """

    security_level: int = 0
    classification: str | None = None
    rating: int | None = None
    source: str | None = None
    sector: str | None = None
    subsector: str | None = None
    size: str | None = None
    coc_number: ChamberOfCommerceNumber | None = None
    duns_number: DUNS | None = None
    gln: GLN | None = None
    document: str | None = None
    exclude_from_merging: bool = False


@attrs.frozen(kw_only=True, weakref_slot=False)
class Relations:
    """
    The card's relations section; accounts are referred to by their code.

    .. versionadded:: 0.1
    """

    account_manager: str | None = None
    cost_centre: str | None = None
    reseller: str | None = None
    parent: str | None = None


@attrs.frozen(kw_only=True, weakref_slot=False)
class BankAccount:
    """
    One bank account of the account.

    ``type`` is the host's bank account type code; ``None`` is the default type, and
    `IBAN_BANK_ACCOUNT_TYPE` means the number is the IBAN. The repr masks ``number`` (all but
    its last four characters) whatever the type, as it masks the IBAN.

    .. versionadded:: 0.1
    """

    # Masked in reprs whatever the type: of the IBAN type, the number is the IBAN itself.
    number: str | None = attrs.field(default=None, repr=_masked)
    type: str | None = None
    iban: IBAN | None = None
    bic: BIC | None = None
    holder_name: str | None = None
    main: bool = False


@attrs.frozen(kw_only=True, weakref_slot=False)
class Financial:
    """
    The card's financial section.

    .. versionadded:: 0.1
    """

    division: str | None = None
    debtor_code: str | None = None
    creditor_code: str | None = None
    customer_code_at_supplier: str | None = None
    check_date: date | None = None
    debtor_account: str | None = None
    creditor_account: str | None = None
    bank_accounts: tuple[BankAccount, ...] = ()
    offset_account: str | None = None
    extra_description: str | None = None
    partial_delivery_allowed: bool = False
    back_order: bool = False
    invoice_copies: int = 1
    extra_duty: bool = False
    group_invoice: GroupInvoice = GroupInvoice.NO
    payee_name: str | None = None
    vat_number: VATNumber | None = None


