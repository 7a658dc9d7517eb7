"""
Write accounts as an eExact XML file that validates against Exact's public schema.

One ``Account`` per account, its elements in the order of the schema's sequences, streamed
(one account at a time: memory stays flat), UTF-8 with an XML declaration. What the schema
cannot carry, and how each field is written, is in docs/exact-xml.md; why, in
docs/adr/0019-exact-xml-both-ways.md. `accountcore.exchange._exact_xml` reads the file back
to equal accounts for every field the schema can carry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO

from ..entities import (
    IBAN_BANK_ACCOUNT_TYPE,
    Account,
    AccountType,
    Address,
    BankAccount,
    Contact,
    FreeField,
    FreeFieldKind,
    GroupInvoice,
)
from ..errors import Problem, ValidationError
from ..serialization import to_dict
from ._exact_map import (
    GLOBE_SCHEMA,
    GROUP_INVOICE_WRITE,
    IBAN_CHECK,
    IBAN_TYPE_CODE,
    NOT_VALIDATED,
    VISITING_TYPE,
)

__all__ = ["write_exact_xml"]

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<eExact xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    f' xsi:noNamespaceSchemaLocation="{GLOBE_SCHEMA}">\n'
).encode()
_ACCOUNTS = "  <Accounts>\n"  # written with the first account: the schema wants one at least
_TAIL = b"</eExact>\n"
_FLUSH = 1 << 16  # characters gathered before a write

# Line ends in text are kept as written: a carriage return would otherwise read as a line feed.
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# Attribute values are normalised by every XML parser: tabs and line ends stay as references.
_ATTRIBUTE = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)
#: A character XML 1.0 cannot hold, not even as a reference.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XSD_INTEGER = re.compile(r"[+-]?[0-9]+")


def write_exact_xml(accounts: Iterable[Account], stream: IO[bytes]) -> int:
    """
    Write ``accounts`` as an eExact XML file to a binary stream, one account at a time.

    The file validates against Exact's public schema (``eExact-Schema.xsd``), and reading it
    back gives equal accounts for every field the schema can carry (docs/exact-xml.md lists
    those it cannot).

    Args:
        accounts: the accounts, in the order to write them.
        stream: a binary stream, left open.

    Returns:
        The number of accounts written.

    Raises:
        ValidationError: an account holds a character XML 1.0 cannot hold (a control
            character in its remarks, say); the accounts before it have been written.

    .. versionadded:: 0.2
    """
    stream.write(_HEAD)
    pending: list[str] = []
    size = count = 0
    try:
        for account in accounts:
            text = _account(account)
            if not count:
                pending.append(_ACCOUNTS)
            pending.append(text)
            size += len(text)
            count += 1
            if size > _FLUSH:
                stream.write("".join(pending).encode())
                pending.clear()
                size = 0
    finally:
        stream.write("".join(pending).encode())
    stream.write(b"  </Accounts>\n" + _TAIL if count else _TAIL)
    return count


# --- the parts of an account ---------------------------------------------------------------------


class _Out:
    """The lines of one account, indented by the depth of their element."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.indent = "    "

    def open(self, tag: str, **attributes: str | None) -> None:
        self.lines.append(f"{self.indent}<{tag}{_attributes(attributes)}>\n")
        self.indent += "  "

    def close(self, tag: str) -> None:
        self.indent = self.indent[:-2]
        self.lines.append(f"{self.indent}</{tag}>\n")

    def empty(self, tag: str, **attributes: str | None) -> None:
        self.lines.append(f"{self.indent}<{tag}{_attributes(attributes)}/>\n")

    def text(self, tag: str, value: object, **attributes: str | None) -> None:
        """Write ``<tag>value</tag>``; nothing when ``value`` is ``None``."""
        if value is not None:
            text = str(value).translate(_TEXT)
            self.lines.append(f"{self.indent}<{tag}{_attributes(attributes)}>{text}</{tag}>\n")

    def coded(self, tag: str, code: str | None) -> None:
        """Write a coded reference, ``<tag code="..."/>``; nothing when ``code`` is ``None``."""
        if code is not None:
            self.empty(tag, code=code)


def _attributes(attributes: dict[str, str | None]) -> str:
    if not attributes:
        return ""
    return "".join(
        f' {_NAMES.get(name, name)}="{value.translate(_ATTRIBUTE)}"'
        for name, value in attributes.items()
        if value is not None
    )


_NAMES = {"xsi_nil": "xsi:nil"}  # keyword arguments cannot hold a colon


def _account(account: Account) -> str:
    out = _Out()
    type_, status = account.type.value, account.status.value
    if type_ == NOT_VALIDATED and status == "A":
        status = NOT_VALIDATED  # Exact's "Not validated" status (docs/rules.md#exact-xml)
    out.open("Account", code=account.code, type=type_, status=status, ID=account.id)
    out.text("Name", account.name)
    summary = account.summary
    out.text("Phone", summary.phone)
    out.text("PhoneExt", summary.phone_extension)
    out.text("Fax", summary.fax)
    out.text("Email", summary.email)
    out.text("HomePage", summary.website)
    _address(out, summary.address, account.general.country_name)
    if account.contact is not None:
        _contact(out, account.contact)
    relations = account.relations
    manager = (relations.account_manager or "").strip()
    if _XSD_INTEGER.fullmatch(manager):  # a resource number: the schema carries no other
        out.empty("Manager", number=manager)
    out.coded("Reseller", relations.reseller)
    out.coded("Parent", relations.parent)
    if summary.picture is not None:
        out.open("Image")
        out.text("Name", summary.picture)
        out.close("Image")
    out.text("Note", account.remarks)
    _debtor_and_creditor(out, account)
    _marketing(out, account)
    out.close("Account")
    text = "".join(out.lines)
    if _NOT_XML.search(text):
        raise ValidationError(_unwritable(account))
    return text


def _address(out: _Out, address: Address, country_name: str | None) -> None:
    out.open("Addresses")
    out.open("Address", type=VISITING_TYPE)
    out.text("AddressLine1", address.line1)
    out.text("AddressLine2", address.line2)
    out.text("AddressLine3", address.line3)
    out.text("AddressNo", address.house_number)
    out.text("AddressSuffix", address.house_number_suffix)
    out.text("PostalCode", address.postcode)
    out.text("City", address.city)
    out.coded("State", address.state)
    if country_name is None:
        out.empty("Country", code=address.country)
    else:
        out.open("Country", code=address.country)
        out.text("Description", country_name)
        out.close("Country")
    out.close("Address")
    out.close("Addresses")


def _contact(out: _Out, contact: Contact) -> None:
    out.open("Contacts")
    out.open("Contact", default="1")
    out.text("LastName", contact.last_name)
    out.text("FirstName", contact.first_name)
    out.text("MiddleName", contact.middle_name)
    out.text("Initials", contact.initials)
    out.coded("Title", contact.title)
    out.coded("JobTitle", contact.job_title)
    out.text("JobDescription", contact.job_description)
    out.text("Phone", contact.phone)
    out.text("Mobile", contact.mobile)
    out.text("Email", contact.email)
    out.close("Contact")
    out.close("Contacts")


def _debtor_and_creditor(out: _Out, account: Account) -> None:
    """
    Write the Debtor and the Creditor an account needs. The bank accounts, offset account and
    security level go under the Creditor of a supplier without a debtor code, else under the
    Debtor.
    """
    f = account.financial
    level = account.marketing.security_level
    shared = bool(f.bank_accounts) or f.offset_account is not None or level != 0
    supplier = (f.creditor_code is not None or account.type is AccountType.SUPPLIER) and (
        f.debtor_code is None
    )
    debtor = (
        f.debtor_code is not None
        or f.check_date is not None
        or f.debtor_account is not None
        or f.partial_delivery_allowed
        or f.back_order
        or f.invoice_copies != 1
        or f.group_invoice is not GroupInvoice.NO
        or (shared and not supplier)
    )
    if debtor:
        out.open("Debtor", code=f.debtor_code or "")
        if not supplier:
            _shared(out, account)
        out.coded("GLCentralization", f.debtor_account)
        out.text("DateLastReminder", f.check_date.isoformat() if f.check_date else None)
        out.text("AllowPartialShipment", _yes_no(f.partial_delivery_allowed))
        out.text("AllowBackOrders", _yes_no(f.back_order))
        out.text("InvoiceCopies", f.invoice_copies)
        out.text("GroupInvoice", GROUP_INVOICE_WRITE[f.group_invoice.value])
        out.close("Debtor")
    creditor = (
        f.creditor_code is not None
        or f.customer_code_at_supplier is not None
        or f.creditor_account is not None
        or (shared and supplier)
    )
    if creditor:
        out.open("Creditor", code=f.creditor_code or "")
        if supplier:
            _shared(out, account)
        out.coded("GLCentralization", f.creditor_account)
        out.text("CustomerCode", f.customer_code_at_supplier)
        out.close("Creditor")


def _shared(out: _Out, account: Account) -> None:
    """The security level, bank accounts and offset account, in the schema's order."""
    level = account.marketing.security_level
    if level != 0:
        out.text("SecurityLevel", level)
    banks = account.financial.bank_accounts
    if banks:
        out.open("BankAccounts")
        for bank in banks:
            _bank(out, bank, account.summary.address.country)
        out.close("BankAccounts")
    out.coded("GLOffset", account.financial.offset_account)


def _bank(out: _Out, bank: BankAccount, country: str) -> None:
    attributes = {"code": bank.number or "", "default": _yes_no(bank.main)}
    has_bank = bank.iban is not None or bank.bic is not None
    if bank.type is None and not has_bank and bank.holder_name is None:
        out.empty("BankAccount", **attributes)
        return
    out.open("BankAccount", **attributes)
    if bank.type == IBAN_BANK_ACCOUNT_TYPE:
        out.open("BankAccountType", code=IBAN_TYPE_CODE, checktype=IBAN_CHECK)
        out.text("Description", "IBAN")
    else:
        out.open("BankAccountType", code=bank.type or "")
        out.empty("Description")
    out.close("BankAccountType")
    if has_bank:
        out.open("Bank")
        out.empty("Name")  # mandatory; the bank's name is not on the card
        out.text("IBAN", bank.iban)
        out.text("BIC", bank.bic)
        out.close("Bank")
    if bank.holder_name is not None:
        out.open("Address")
        out.open("Addressee")
        out.text("Name", bank.holder_name)
        out.close("Addressee")
        # The schema requires the holder's country: the IBAN's, else the account's.
        out.empty("Country", code=str(bank.iban)[:2] if bank.iban is not None else country)
        out.close("Address")
    out.close("BankAccount")


def _marketing(out: _Out, account: Account) -> None:
    """The account's elements after the Creditor, in the schema's order."""
    m, f = account.marketing, account.financial
    out.text("VATNumber", f.vat_number)
    out.text("ChamberOfCommerce", m.coc_number)
    out.coded("CompanySize", m.size)
    out.coded("CompanyOrigin", m.source)
    if m.rating is not None:
        out.empty("CompanyRating", number=str(m.rating))
    if m.subsector is not None:
        out.open("Sector", code=m.sector or "")
        out.empty("Description")  # mandatory before a subsector; not on the card
        out.coded("SubSector", m.subsector)
        out.close("Sector")
    else:
        out.coded("Sector", m.sector)
    out.coded("AccountCategory", m.classification)
    out.text("PayeeName", f.payee_name)
    out.text("DunsNumber", m.duns_number)
    _free_fields(out, account.free_fields)
    out.text("GLN", m.gln)


#: The free field groups of the schema, in its order, with the kinds each holds.
_FREE_GROUPS: tuple[tuple[str, str, tuple[FreeFieldKind, ...]], ...] = (
    ("FreeTexts", "FreeText", (FreeFieldKind.TEXT,)),
    ("FreeDates", "FreeDate", (FreeFieldKind.DATE,)),
    ("FreeNumbers", "FreeNumber", (FreeFieldKind.NUMBER, FreeFieldKind.AMOUNT)),
    ("FreeYesNos", "FreeYesNo", (FreeFieldKind.YES_NO,)),
)


def _free_fields(out: _Out, fields: tuple[FreeField, ...]) -> None:
    groups = [
        (group, tag, [f for f in fields if f.kind in kinds and _writable(f)])
        for group, tag, kinds in _FREE_GROUPS
    ]
    if not any(members for _, _, members in groups):
        return
    out.open("FreeFields")
    for group, tag, members in groups:
        if not members:
            continue
        out.open(group)
        for number, field in enumerate(members, start=1):
            label = {"number": str(number), "label": field.name}
            if field.value is None and field.kind is FreeFieldKind.DATE:
                out.empty(tag, **label, xsi_nil="true")
            elif field.value is None:
                out.empty(tag, **label)
            else:
                out.text(tag, _free_value(field.value), **label)
        out.close(group)
    out.close("FreeFields")


def _writable(field: FreeField) -> bool:
    """An empty number or yes/no field has no value the schema takes (xsd:float, boolean)."""
    return field.value is not None or field.kind in (FreeFieldKind.TEXT, FreeFieldKind.DATE)


def _free_value(value: object) -> str:
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, float):
        return repr(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _yes_no(value: bool) -> str:
    return "1" if value else "0"


# --- what cannot be written ---------------------------------------------------------------------


def _unwritable(account: Account) -> list[Problem]:
    """Name each field of ``account`` that holds a character XML 1.0 cannot hold."""
    problems: list[Problem] = []

    def walk(value: object, path: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))
        elif isinstance(value, str) and (bad := _NOT_XML.search(value)):
            message = (
                f"XML 1.0, and so Exact XML, cannot hold the character U+{ord(bad[0]):04X};"
                " the account was not written."
            )
            problems.append(Problem(path, "control_character", message))

    walk(to_dict(account), ())
    return problems or [Problem((), "control_character", "The account cannot be written.")]
