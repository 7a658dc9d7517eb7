"""
The field mapping between an account and a Tryton party, as plain values (no Tryton here).

`PartyFields` is what a party holds of an account, in Tryton's terms. `to_party` maps an
account onto it; `overlay` lays a party's current fields over the account last written,
taking only the fields that changed in Tryton since; `from_party` builds an account from a
party accountcore never wrote (an import).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Final

import attrs

from ...entities import (
    Account,
    AccountStatus,
    AccountType,
    Address,
    Contact,
    Summary,
)
from ...errors import ValidationError
from ...identifiers import ChamberOfCommerceNumber, VATNumber

__all__: list[str] = []

#: Tryton's contact mechanism types that accountcore maps, in the order it writes them.
MECHANISMS: Final = ("email", "phone", "mobile", "fax", "website")
#: The identifier roles accountcore maps: the VAT number and the Chamber of Commerce number.
ROLES: Final = ("vat", "coc")

#: Country -> Tryton identifier type of its company register, where accountcore checks the
#: number with the same python-stdnum module Tryton uses (so Tryton accepts what we accept).
#: Denmark is missing: Tryton 8.2 folds the CVR number into its Danish VAT type.
COC_TYPES: Final[dict[str, str]] = {
    "DE": "de_handelsregisternummer",
    "FR": "fr_siren",
    "AT": "at_businessid",
    "CH": "ch_uid",
    "FI": "fi_ytunnus",
    "EE": "ee_registrikood",
    "NO": "no_orgnr",
    "SE": "se_orgnr",
}
#: The EU member states by ISO code, as the EU's VIES system knows them (Greece is EL there).
# fmt: off
_EU: Final = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
# fmt: on


@attrs.frozen(kw_only=True)
class PartyFields:
    """
    What a Tryton party holds of an account, as Tryton stores it.

    ``street`` is the address lines joined by newlines; ``country`` an ISO code (``""``
    when the address has none); ``subdivision`` an ISO 3166-2 code. ``vat`` and ``coc`` are
    ``(identifier type, code)``.
    """

    name: str
    code: str
    active: bool = True
    street: str = ""
    postal_code: str | None = None
    city: str = ""
    country: str = ""
    subdivision: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    fax: str | None = None
    website: str | None = None
    vat: tuple[str, str] | None = None
    coc: tuple[str, str] | None = None


def _blank(value: str | None) -> str | None:
    return value if value else None


@functools.cache
def _stdnum_valid(module: str, code: str) -> bool:
    from stdnum.util import get_cc_module

    country, name = module.split("_", 1)
    checker = get_cc_module(country, name)
    return checker is None or bool(checker.is_valid(code))


def vat_identifier(vat: VATNumber, types: frozenset[str]) -> tuple[str, str] | None:
    """
    Return Tryton's identifier for a VAT number, or ``None`` where Tryton has no type
    that accepts it: ``eu_vat`` with the prefix for EU members, else the country's own type.
    """
    compact = vat.compact
    country = compact[:2]  # XI for Northern Ireland: an EU VAT prefix, though GB is not
    if (country in _EU or country == "XI") and "eu_vat" in types:
        code = "EL" + compact[2:] if country == "GR" else compact
        return ("eu_vat", code) if _stdnum_valid("eu_vat", code) else None
    kind = f"{country.lower()}_vat"
    if kind not in types:
        return None
    # Some national forms keep the letters (the Swiss CHE...), others drop them.
    for code in (compact[2:], compact):
        if _stdnum_valid(kind, code):
            return kind, code
    return None


def coc_identifier(
    coc: ChamberOfCommerceNumber, country: str, types: frozenset[str]
) -> tuple[str, str] | None:
    """
    Return Tryton's identifier for a Chamber of Commerce number, or ``None`` where Tryton
    has no type for the register of ``country``.
    """
    kind = COC_TYPES.get(coc.country or country)
    if kind is None or kind not in types or not _stdnum_valid(kind, coc.compact):
        return None
    return kind, coc.compact


def to_party(account: Account, types: frozenset[str]) -> PartyFields:
    """
    Map ``account`` onto a party; ``types`` are the identifier types the database knows.
    """
    summary = account.summary
    address = summary.address
    # Tryton has no place of its own for the house number yet: it follows the street.
    number = "".join(part for part in (address.house_number, address.house_number_suffix) if part)
    line1 = f"{address.line1} {number}" if number else address.line1
    lines = (line1, address.line2, address.line3)
    vat = account.financial.vat_number
    coc = account.marketing.coc_number
    state = address.state
    if state is not None and "-" not in state:
        state = f"{address.country}-{state}"
    return PartyFields(
        name=account.name,
        code=account.code,
        active=account.status is not AccountStatus.INACTIVE,
        street="\n".join(line for line in lines if line),
        postal_code=_blank(address.postcode),
        city=address.city,
        country=address.country,
        subdivision=state,
        email=_blank(summary.email),
        phone=_blank(summary.phone),
        mobile=_blank(account.contact.mobile if account.contact else None),
        fax=_blank(summary.fax),
        website=_blank(summary.website),
        vat=vat_identifier(vat, types) if vat is not None else None,
        coc=coc_identifier(coc, address.country, types) if coc is not None else None,
    )


def _lines(street: str) -> tuple[str, str | None, str | None]:
    lines = [line.strip() for line in street.splitlines() if line.strip()]
    rest = ", ".join(lines[2:])
    return (lines[0] if lines else ""), (lines[1] if len(lines) > 1 else None), rest or None


def _vat(fields: PartyFields, base: Account) -> Account:
    if fields.vat is None:
        return _financial(base, None)
    kind, code = fields.vat
    country = kind[:2].upper()
    text = code if kind == "eu_vat" or code[:2].upper() == country else f"{country}{code}"
    try:
        return _financial(base, VATNumber.parse(text, fields.country or None))
    except ValidationError:
        return base


def _financial(base: Account, vat: VATNumber | None) -> Account:
    return attrs.evolve(base, financial=attrs.evolve(base.financial, vat_number=vat))


def _coc(fields: PartyFields, base: Account) -> Account:
    coc: ChamberOfCommerceNumber | None = None
    if fields.coc is not None:
        kind, code = fields.coc
        try:
            coc = ChamberOfCommerceNumber.parse(code, kind[:2].upper())
        except ValidationError:
            return base
    return attrs.evolve(base, marketing=attrs.evolve(base.marketing, coc_number=coc))


def _status(fields: PartyFields, base: Account) -> Account:
    if not fields.active:
        return attrs.evolve(base, status=AccountStatus.INACTIVE)
    if base.status is AccountStatus.INACTIVE:
        return attrs.evolve(base, status=AccountStatus.ACTIVE)
    return base


def _address(fields: PartyFields, base: Account) -> Account:
    line1, line2, line3 = _lines(fields.street)
    state = fields.subdivision
    if state is not None and state.startswith(f"{fields.country}-"):
        state = state[len(fields.country) + 1 :]
    address = Address(
        line1=line1,
        line2=line2,
        line3=line3,
        postcode=fields.postal_code,
        city=fields.city,
        state=state,
        country=fields.country,
    )
    return attrs.evolve(base, summary=attrs.evolve(base.summary, address=address))


def _summary(name: str) -> Callable[[PartyFields, Account], Account]:
    def apply(fields: PartyFields, base: Account) -> Account:
        summary = attrs.evolve(base.summary, **{name: getattr(fields, name)})
        return attrs.evolve(base, summary=summary)

    return apply


def _mobile(fields: PartyFields, base: Account) -> Account:
    contact = base.contact or Contact()
    changed = attrs.evolve(contact, mobile=fields.mobile)
    return attrs.evolve(base, contact=None if changed == Contact() else changed)


_ADDRESS = ("street", "postal_code", "city", "country", "subdivision")
#: How a changed party field (or group of fields) lands on the account.
_APPLY: Final[tuple[tuple[tuple[str, ...], Callable[[PartyFields, Account], Account]], ...]] = (
    (("name",), lambda f, a: attrs.evolve(a, name=f.name)),
    (("code",), lambda f, a: attrs.evolve(a, code=f.code)),
    (("active",), _status),
    (_ADDRESS, _address),
    (("email",), _summary("email")),
    (("phone",), _summary("phone")),
    (("fax",), _summary("fax")),
    (("website",), _summary("website")),
    (("mobile",), _mobile),
    (("vat",), _vat),
    (("coc",), _coc),
)


def overlay(stored: Account, written: PartyFields, current: PartyFields) -> Account:
    """
    Return ``stored`` with every field the party changed since ``written`` taken from it.

    Fields that read back as written keep the account's own value, so an account that
    nobody edited in Tryton reads back exactly as it was written.
    """
    account = stored
    for names, apply in _APPLY:
        if any(getattr(written, n) != getattr(current, n) for n in names):
            account = apply(current, account)
    return account


def from_party(fields: PartyFields, *, key: str | None, created: date) -> Account:
    """
    Build an account from a party accountcore never wrote: a Customer, since ``created``.

    The result is not checked; an import checks it and reports what is wrong.
    """
    skeleton = Account(
        id=key,
        code=fields.code,
        name=fields.name,
        type=AccountType.CUSTOMER,
        type_since=created,
        status_since=created,
        summary=Summary(address=Address(line1="", city="", country="")),
    )
    account = skeleton
    for _, apply in _APPLY:
        account = apply(fields, account)
    return account
