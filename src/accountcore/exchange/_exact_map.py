"""
What the eExact schema holds, and where the account card keeps it: the tables the Exact XML
reader (`._exact_xml`) and writer (`._exact_xml_write`) share, and `record_of`, which maps
one ``Account`` element the reader built to a record.

docs/exact-xml.md describes the mapping both ways, and what reading warns about;
docs/adr/0019-exact-xml-both-ways.md says why. The tables are data, checked against the public
schema by the tests (tests/exchange/test_exact_xml.py, ``TestSchema``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import NamedTuple
from xml.etree.ElementTree import Element

from ..errors import Problem

# --- the schema, as far as the reader checks it -------------------------------------------------

#: What the schema allows inside the elements whose children the reader checks (the names after
#: ``TEXT:`` hold only text). A child the schema does not allow there is an unknown element.
_SCHEMA = """
Account: Name Phone PhoneExt Fax Email HomePage Addresses Contacts Manager Reseller Parent Image
  Note AccountCode Debtor Creditor VAT VATFixed VATServices VATNumber VATCheckDate VATLiability
  FiscalCode IsTaxExempted ExemptNumber ShowAttention ChamberOfCommerce FederalCategory
  FederalIDNumber FederalIDType PaymentMethod PaymentCondition DeliveryMethod IncoTermCode
  IncoTermConfirmPrices IncoTermAcknowledgeOrder PriceList Selection ExtraText CompanySize
  CompanyOrigin CompanyRating Sector AccountCategory Categories PayeeName DunsNumber FreeFields
  GLN
Addresses: Address
Address: Addressee AddressLine1 AddressLine2 AddressLine3 AddressNo AddressSuffix PostalCode
  City County State Country IsoCountry IsoRegion Phone Fax Email Territory SalesCommission
Addressee: Name FirstName Initials Title JobDescription Email
Contacts: Contact
Contact: LastName FirstName MiddleName Initials Title Image Addresses Manager Language JobTitle
  JobDescription Phone PhoneExt Fax Mobile MobileShortcut Email WebAccess Note FreeFields
Debtor: Name Currency SecurityLevel BankAccounts ItemAccounts AutoMatching GLOffset
  GLCentralization ExternalCode DebtorInvoice CreditLine Discount SendReminder AccountEmployee
  DateLastReminder PrintStatement OrderConfirmation AllowPartialShipment AddExtraReceiptToOrder
  AllowBackOrders InvoiceCopies InvoiceMethod GroupInvoice AttachUBL Mailbox IsCommissionable
  Territory SalesCommission ApplyShippingCharges
Creditor: Name Currency SecurityLevel BankAccounts AutoMatching GLOffset GLCentralization
  ExternalCode CreditLine Discount CustomerCode AccountCategory PriceList PaymentCondition
  VATNumber PaymentMethod
BankAccounts: BankAccount
BankAccount: BankAccountType Currency Bank SDDMandates Branch AccountNumberBank Address Contact
Bank: Name Country IBAN BIC SwiftCode
Country: Description
Sector: Description MultiDescriptions SubSector
Image: Name BinaryData
FreeFields: FreeTexts FreeDates FreeNumbers FreeYesNos FreeOptions
FreeTexts: FreeText
FreeDates: FreeDate
FreeNumbers: FreeNumber
FreeYesNos: FreeYesNo
FreeOptions: FreeOption
TEXT: Name Phone PhoneExt Fax Email HomePage Note VATNumber ChamberOfCommerce PayeeName
  DunsNumber GLN AddressLine1 AddressLine2 AddressLine3 AddressNo AddressSuffix PostalCode City
  County IsoCountry IsoRegion LastName FirstName MiddleName Initials JobDescription Mobile
  MobileShortcut IBAN BIC SwiftCode SecurityLevel DateLastReminder AllowPartialShipment
  AllowBackOrders InvoiceCopies GroupInvoice CustomerCode ExternalCode AccountCode FiscalCode
  ExemptNumber FederalCategory FederalIDNumber FederalIDType AccountNumberBank FreeText FreeDate
  FreeNumber FreeYesNo FreeOption Description BinaryData
"""


def _children(schema: str) -> dict[str, frozenset[str]]:
    """
    Read `_SCHEMA` into the allowed children of each element. Names are interned: the reader
    has its parser hand over these very strings (`NAMES`), which makes comparing them cheap.
    """
    table: dict[str, set[str]] = {}
    names: set[str] = set()
    for word in map(sys.intern, schema.split()):
        if word.endswith(":"):
            names = table.setdefault(word[:-1], set())
        else:
            names.add(word)
    text = table.pop("TEXT")
    return {name: frozenset(kids) for name, kids in table.items()} | dict.fromkeys(
        text, frozenset()
    )


#: The children the schema allows in each element the reader checks; ``frozenset()`` for text.
CHILDREN = _children(_SCHEMA)

#: Elements the card has no place for and that carry no customer data worth a word: read and
#: ignored by decision (docs/adr/0019-exact-xml-both-ways.md). Their contents are not built.
IGNORED: frozenset[str] = frozenset({
    "Currency", "VAT", "VATFixed", "VATServices", "VATCheckDate", "VATLiability",
    "IsTaxExempted", "ShowAttention", "PaymentMethod", "PaymentCondition", "DeliveryMethod",
    "IncoTermCode", "IncoTermConfirmPrices", "IncoTermAcknowledgeOrder", "PriceList",
    "Selection", "ExtraText", "ItemAccounts", "AutoMatching", "CreditLine", "Discount",
    "SendReminder", "AccountEmployee", "PrintStatement", "OrderConfirmation",
    "AddExtraReceiptToOrder", "InvoiceMethod", "AttachUBL", "Mailbox", "IsCommissionable",
    "Territory", "SalesCommission", "ApplyShippingCharges", "WebAccess", "MultiDescriptions",
})  # fmt: skip

#: Elements the card has no place for, built whole (their insides unchecked) so that reading can
#: tell whether they hold anything to warn about.
OPAQUE: frozenset[str] = frozenset({"Categories", "SDDMandates", "DebtorInvoice", "Branch"})

#: Elements of an account the card has no place for, warned about (``element_not_kept``) when
#: they hold a value.
NOT_KEPT_IN_ACCOUNT: tuple[str, ...] = (
    "AccountCode",
    "FiscalCode",
    "ExemptNumber",
    "FederalCategory",
    "FederalIDNumber",
    "FederalIDType",
)

#: Elements of the card's contact the card has no place for (its other elements are mapped).
NOT_KEPT_IN_CONTACT: tuple[str, ...] = (
    "PhoneExt",
    "Fax",
    "MobileShortcut",
    "Note",
    "Language",
    "Image",
    "Manager",
)

# --- letters and codes ----------------------------------------------------------------------------

#: Exact's status letter for "Not validated", which the card has as a type.
NOT_VALIDATED = "N"
#: Without @type, @status is Exact Online's relationship: customer, prospect, suspect (our T).
ONLINE_TYPES = {"C": "C", "P": "P", "S": "T"}
#: The address types of a visiting address, preferred in this order.
VISITING = ("VIS", "V")
#: The type Exact writes for the visiting address.
VISITING_TYPE = "VIS"
#: The bank account type check that marks an IBAN account, and the type code Exact gives it.
IBAN_CHECK = "M"
IBAN_TYPE_CODE = "IBA"
#: The schema file each flavour of eExact names: Exact Globe and Synergy, Exact Online.
GLOBE_SCHEMA = "eExact-Schema.xsd"
ONLINE_SCHEMA = "eExact-XML.xsd"

#: How Exact and integrators spell ``Debtor/GroupInvoice`` (compared in lower case), to the
#: card's `accountcore.GroupInvoice` values. Exact writes ``N``; the schema leaves the other
#: letters open (docs/adr/0019-exact-xml-both-ways.md).
GROUP_INVOICE_READ = {
    "n": "no",
    "0": "no",
    "no": "no",
    "false": "no",
    "i": "invoice_debtor",
    "f": "invoice_debtor",
    "invoice_debtor": "invoice_debtor",
    "on invoice debtor": "invoice_debtor",
    "o": "order_debtor",
    "order_debtor": "order_debtor",
    "on order debtor": "order_debtor",
}
#: The letter written for each `accountcore.GroupInvoice` value.
GROUP_INVOICE_WRITE = {"no": "N", "invoice_debtor": "I", "order_debtor": "O"}

# --- the mapping of an Account element to a record ----------------------------------------------

_Source = tuple[tuple[str, ...], str]  # the path of child elements, then an attribute or ""
Field = tuple[str, Callable[[str], object], tuple[_Source, ...]]
_YES_NO: dict[str, object] = {"1": True, "true": True, "0": False, "false": False}
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")  # longer ones stay text (and int() would refuse)
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def yes_no(text: str) -> object:
    """Read an xsd:boolean; other text is passed on, for `from_dict` to report."""
    return _YES_NO.get(text.lower(), text)


def integer(text: str) -> object:
    """Read an xsd:integer; other text is passed on."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    return int(text) if digits.isascii() and digits.isdigit() and len(digits) <= 18 else text


def number(text: str) -> object:
    """Read an xsd:float as an int when it is whole, else a float; other text is passed on."""
    if not _NUMBER.fullmatch(text):
        return text
    return int(text) if _INTEGER.fullmatch(text) else float(text)


def same(text: str) -> object:
    return text


_CONVERT: dict[str, Callable[[str], object]] = {"yes_no": yes_no, "integer": integer}

#: ``section: key source[|source...] [yes_no|integer], ...``; see the docstring of
#: `accountcore.exchange._exact_xml`.
_MAPPING = """
account: id @ID, code @code, name Name
summary: phone Phone, phone_extension PhoneExt, fax Fax, email Email, website HomePage,
  picture Image/Name
address: line1 AddressLine1, house_number AddressNo, house_number_suffix AddressSuffix,
  line2 AddressLine2, line3 AddressLine3, postcode PostalCode, city City, state State@code,
  country IsoCountry|Country@code
address_contact: phone Phone, fax Fax, email Email
general: country_name Country/Description
contact: title Title@code, initials Initials, first_name FirstName, middle_name MiddleName,
  last_name LastName, job_title JobTitle@code, job_description JobDescription, email Email,
  phone Phone, mobile Mobile
marketing: security_level Debtor/SecurityLevel|Creditor/SecurityLevel integer,
  classification AccountCategory@code|Creditor/AccountCategory@code,
  rating CompanyRating@number integer, source CompanyOrigin@code, sector Sector@code,
  subsector Sector/SubSector@code, size CompanySize@code, coc_number ChamberOfCommerce,
  duns_number DunsNumber, gln GLN
relations: account_manager Manager@number|Manager@code, reseller Reseller@code,
  parent Parent@code
financial: debtor_code Debtor@code, creditor_code Creditor@code,
  customer_code_at_supplier Creditor/CustomerCode, check_date Debtor/DateLastReminder,
  debtor_account Debtor/GLCentralization@code, creditor_account Creditor/GLCentralization@code,
  offset_account Debtor/GLOffset@code|Creditor/GLOffset@code,
  partial_delivery_allowed Debtor/AllowPartialShipment yes_no,
  back_order Debtor/AllowBackOrders yes_no, invoice_copies Debtor/InvoiceCopies integer,
  payee_name PayeeName, vat_number VATNumber|Creditor/VATNumber
bank: number @code, type BankAccountType@code, iban Bank/IBAN, bic Bank/BIC|Bank/SwiftCode,
  main @default yes_no, holder_name Address/Addressee/Name
"""


def _fields(mapping: str) -> dict[str, tuple[Field, ...]]:
    """Read `_MAPPING` into the fields of each section."""
    _, *parts = re.split(r"(\w+):", mapping)
    sections: dict[str, tuple[Field, ...]] = {}
    for section, body in zip(parts[::2], parts[1::2], strict=True):
        fields: list[Field] = []
        for spec in body.split(","):
            key, sources, *kind = spec.split()
            options = tuple(
                (tuple(map(sys.intern, path.split("/"))) if path else (), sys.intern(attribute))
                for path, _, attribute in (source.partition("@") for source in sources.split("|"))
            )
            fields.append((key, _CONVERT[kind[0]] if kind else same, options))
        sections[section] = tuple(fields)
    return sections


#: The fields of each section of a record, with where they come from.
FIELDS = _fields(_MAPPING)


def _names() -> frozenset[str]:
    names = {*CHILDREN, "eExact", "Accounts", "type", "status", "default", "checktype", "label"}
    for kids in CHILDREN.values():
        names |= kids
    for fields in FIELDS.values():
        for _, _, sources in fields:
            for steps, attribute in sources:
                names.update(steps, (attribute,) if attribute else ())
    return frozenset(map(sys.intern, names))


#: Every element and attribute name the reader looks for, interned: the strings its parser
#: hands over for them (`xml.parsers.expat.ParserCreate`'s ``intern``), so that the tables
#: find them without comparing characters.
NAMES = _names()

#: Each free field element, to its `accountcore.FreeFieldKind` value and how its text reads.
FREE_KINDS: dict[str, tuple[str, Callable[[str], object]]] = {
    "FreeText": ("text", same),
    "FreeDate": ("date", same),
    "FreeNumber": ("number", number),
    "FreeYesNo": ("yes_no", yes_no),
    "FreeOption": ("yes_no", yes_no),
}


# --- one Account element to one record ------------------------------------------------------------

_Found = list[Problem]
_Data = dict[str, object]


def _text(element: Element | None) -> str:
    """The trimmed text of ``element``, ``""`` when it is absent or blank."""
    return "" if element is None or element.text is None else element.text.strip()


def _value(context: Element, steps: tuple[str, ...]) -> Element | None:
    """The element ``steps`` lead to from ``context``, the first of each tag."""
    element: Element | None = context
    for step in steps:
        element = element.find(step) if element is not None else None
    return element


def _get(context: Element, tag: str, attribute: str) -> str | None:
    """The ``attribute`` ("": the text) of the first ``tag`` in ``context``, if any."""
    element = context.find(tag)
    if element is None:
        return None
    return element.get(attribute) if attribute else element.text


# A source: section, key, how to convert (None: as it is), the second step ("": none), the steps
# after it, the attribute ("": the text), its rank among the key's sources (0 first), and whether
# there are others.
_Origin = tuple[str, str, Callable[[str], object] | None, str, tuple[str, ...], str, int, bool]


class _Table(NamedTuple):
    """
    Where the fields of some sections come from, by the tag of the child they start at: one
    pass over an element's children reads them all, whatever few of them it has.
    """

    sections: tuple[str, ...]
    own: tuple[_Origin, ...]  # the sources on the element itself (its attributes)
    tags: dict[str, tuple[_Origin, ...]]
    #: The tags that are the one source of one key, read as they are from the child itself,
    #: without `_take`: the section, the key, the attribute ("": the text), and the section and
    #: key again when the key has other sources (this one is the first, so it wins).
    plain: dict[str, tuple[str, str, str, tuple[str, str] | None]]


def _table(*sections: str) -> _Table:
    own: list[_Origin] = []
    tags: dict[str, list[_Origin]] = {}
    for section in sections:
        for key, convert, sources in FIELDS[section]:
            for rank, (steps, attribute) in enumerate(sources):
                how = None if convert is same else convert
                step, *more = steps[1:] or ("",)
                source = (section, key, how, step, tuple(more), attribute, rank, len(sources) > 1)
                (tags.setdefault(steps[0], []) if steps else own).append(source)
    plain = {
        tag: (section, key, attribute, (section, key) if others else None)
        for tag, ((section, key, how, step, _, attribute, rank, others),) in (
            (tag, found) for tag, found in tags.items() if len(found) == 1
        )
        if how is None and not step and not rank
    }
    return _Table(
        sections,
        tuple(own),
        {tag: tuple(found) for tag, found in tags.items() if tag not in plain},
        plain,
    )


_ACCOUNT = _table("account", "summary", "financial", "marketing", "relations")
_ADDRESS = _table("address", "address_contact", "general")
_CONTACT = _table("contact")
_BANK = _table("bank")


def _read(context: Element, table: _Table) -> tuple[dict[str, _Data], dict[str, Element]]:
    """
    Map ``context`` by ``table``, leaving out what is absent or blank; return the sections, and
    the first child of each tag.
    """
    sections: dict[str, _Data] = {}
    for section in table.sections:  # a loop costs less than a comprehension here
        sections[section] = {}
    kids: dict[str, Element] = {}
    ranks: dict[tuple[str, str], int] = {}
    plain, tags = table.plain, table.tags
    if table.own:
        _take(context, table.own, sections, ranks)
    for child in context:
        tag = child.tag
        if tag in kids:
            continue  # the schema allows one; the first is read
        kids[tag] = child
        if (one := plain.get(tag)) is not None:  # the common case, as `_take` would read it
            section, key, attribute, ranked = one
            raw = child.get(attribute) if attribute else child.text
            if raw and (raw := raw.strip()):
                sections[section][key] = raw
                if ranked is not None:
                    ranks[ranked] = 0
        elif (sources := tags.get(tag)) is not None:
            _take(child, sources, sections, ranks)
    return sections, kids


def _take(
    element: Element,
    sources: tuple[_Origin, ...],
    sections: dict[str, _Data],
    ranks: dict[tuple[str, str], int],
) -> None:
    for section, key, convert, step, more, attribute, rank, others in sources:
        found = element.find(step) if step else element
        if more and found is not None:
            found = _value(found, more)
        if found is None:
            continue
        raw = found.get(attribute) if attribute else found.text
        if not raw or not (raw := raw.strip()):
            continue
        if others:  # the first source (by rank) that gives a value wins
            if ranks.get((section, key), rank) < rank:
                continue
            ranks[section, key] = rank
        sections[section][key] = raw if convert is None else convert(raw)


def _carries(element: Element) -> bool:
    """Tell whether ``element`` holds anything: text, or a code or number, anywhere in it."""
    for part in element.iter():
        if (part.text and not part.text.isspace()) or any(
            part.get(name, "").strip() for name in ("code", "number")
        ):
            return True
    return False


def _not_kept(where: tuple[str | int, ...], message: str) -> Problem:
    return Problem(where, "element_not_kept", message)


def _same(one: object, other: object) -> bool:
    """Compare two values as people would: case, spaces, dots and dashes aside."""
    if one == other:
        return True
    if isinstance(one, str) and isinstance(other, str):
        return _plain(one) == _plain(other)
    return False


_NOT_PLAIN = re.compile(r"[\W_]+")


def _plain(text: str) -> str:
    """``text`` without case, spaces and punctuation."""
    return _NOT_PLAIN.sub("", text.casefold())


def record_of(account: Element, since: str, online: bool, found: _Found) -> _Data:
    """
    Map one ``Account`` element to a record, adding to ``found`` what reading found: elements
    the card has no place for, and a code to be numbered.
    """
    read, kids = _read(account, _ACCOUNT)
    record = read["account"]
    _code(account, record, online, found)
    record.update(_type_and_status(account, found), type_since=since, status_since=since)
    note = kids.get("Note")
    if note is not None and note.text and not note.text.isspace():
        record["remarks"] = note.text
    contacts = _contacts(kids.get("Contacts"))
    chosen, where, address = _addresses(kids.get("Addresses"), contacts, found)
    summary = read["summary"]
    _fill(summary, address["address_contact"], where, found)
    summary["address"] = _address(chosen, address["address"], where, found)
    financial = read["financial"]
    _debtor_and_creditor(kids, record.get("name"), financial, found)
    if banks := _bank_accounts(kids, found):
        financial["bank_accounts"] = banks
    record["summary"] = summary
    if contact := _contact(contacts, found):
        record["contact"] = contact
    elif contacts:
        record["contact"] = {}  # a contact without a name is still a contact
    sections = (
        ("general", address["general"]),
        ("marketing", read["marketing"]),
        ("relations", read["relations"]),
        ("financial", financial),
        ("free_fields", _free_fields(kids.get("FreeFields"))),
    )
    for key, section in sections:
        if section:
            record[key] = section
    _account_not_kept(kids, found)
    return record


def _code(account: Element, record: _Data, online: bool, found: _Found) -> None:
    """An empty code (or, in Exact Online's files, none) asks the receiver to number it."""
    if "code" in record or (account.get("code") is None and not online):
        return  # a missing code attribute breaks the Globe schema: `from_dict` reports it
    message = 'code="" asks the receiving system to number the account; allocate codes to read it.'
    found.append(Problem(("code",), "to_be_numbered", message))


def _type_and_status(account: Element, found: _Found) -> dict[str, str]:
    type_, status = account.get("type", "").strip(), account.get("status", "").strip()
    if status == NOT_VALIDATED:
        if type_ and type_ != NOT_VALIDATED:
            message = (
                f"Account/@type ({type_[:5]}): status N (not validated) makes the account a"
                " Not validated one; the card holds one type."
            )
            found.append(_not_kept(("type",), message))
        return {"type": NOT_VALIDATED, "status": "A"}
    if not type_ and status in ONLINE_TYPES:
        type_, status = ONLINE_TYPES[status], "A"
    elif not type_ and status == "A":
        type_ = "A" if account.find("Creditor") is None else "S"
    found_type = {"type": type_} if type_ else {}
    if status:
        found_type["status"] = status
    return found_type


# --- addresses and contacts ----------------------------------------------------------------------


def _contacts(contacts: Element | None) -> list[tuple[int, Element]]:
    """The contacts with their numbers, the default one (@default 1, else the first) first."""
    if contacts is None or not len(contacts):
        return []
    if len(contacts) == 1:
        return [(1, contacts[0])]
    numbered = list(enumerate(contacts, start=1))
    main = next((n for n, c in numbered if c.get("default", "").strip() in ("1", "true")), 1)
    return [numbered[main - 1], *(pair for pair in numbered if pair[0] != main)]


def _visiting(addresses: list[Element]) -> Element:
    for kind in VISITING:
        for address in addresses:
            if address.get("type", "").strip().upper() == kind:
                return address
    return addresses[0]


def _addresses(
    own: Element | None, contacts: list[tuple[int, Element]], found: _Found
) -> tuple[Element | None, str, dict[str, _Data]]:
    """
    Choose the visiting address: of the account, else of its contacts (the default contact's
    first). Warn about the other addresses of the account and of its default contact that
    differ from it (another contact is warned about as a whole). Return it, its path and its
    fields.
    """
    lists: list[tuple[str, list[Element], bool]] = []  # where, the addresses, to warn about
    if own is not None and len(own):
        lists.append(("Account/Addresses", list(own), True))
    for position, (number, contact) in enumerate(contacts):
        held = contact.find("Addresses")
        if held is not None and len(held):
            where = f"Account/Contacts/Contact[{number}]/Addresses"
            lists.append((where, list(held), position == 0))
    if not lists:
        return None, "Account/Addresses/Address", {section: {} for section in _ADDRESS.sections}
    chosen = _visiting(lists[0][1])
    read = _read(chosen, _ADDRESS)[0]
    for where, addresses, warn in lists:
        for number, address in enumerate(addresses, start=1):
            if warn and address is not chosen and _read(address, _ADDRESS)[0] != read:
                kind = address.get("type", "").strip()
                label = f" (type {kind[:10]})" if kind else ""
                message = f"{where}/Address[{number}]{label}: the card holds one address."
                found.append(_not_kept(("summary", "address"), message))
    where, addresses, _ = lists[0]
    return chosen, f"{where}/Address[{addresses.index(chosen) + 1}]", read


def _address(address: Element | None, mapped: _Data, where: str, found: _Found) -> _Data:
    """Complete the visiting address's fields; warn about what it holds beside."""
    if address is None:
        return mapped
    at = ("summary", "address")
    if region := _text(address.find("IsoRegion")):
        country = mapped.get("country")
        prefix = f"{country}-".upper() if isinstance(country, str) else None
        short = region[len(prefix) :] if prefix and region.upper().startswith(prefix) else region
        state = mapped.setdefault("state", short)
        if not isinstance(state, str) or state.upper() not in (short.upper(), region.upper()):
            message = f"{where}/IsoRegion: another region than State; the card holds one state."
            found.append(_not_kept(at, message))
    if _text(address.find("County")):
        found.append(_not_kept(at, f"{where}/County: the card's address has no county."))
    addressee = address.find("Addressee")
    if addressee is not None and _carries(addressee):
        message = f"{where}/Addressee: the card's address has no addressee."
        found.append(_not_kept(at, message))
    return mapped


def _fill(summary: _Data, extra: _Data, where: str, found: _Found) -> None:
    """Take the visiting address's phone, fax and email where the account has none."""
    for key, value in extra.items():
        if key not in summary:
            summary[key] = value
        elif not _same(summary[key], value):
            tag = {"phone": "Phone", "fax": "Fax", "email": "Email"}[key]
            message = f"{where}/{tag}: another one than the account's; the card holds one."
            found.append(_not_kept(("summary", key), message))


def _contact(contacts: list[tuple[int, Element]], found: _Found) -> _Data | None:
    """The card's contact: the default one; the others, and what it holds beside, are warned."""
    if not contacts:
        return None
    (number, main), *others = contacts
    for other_number, other in others:
        names = (_text(other.find(tag)) for tag in ("FirstName", "MiddleName", "LastName"))
        name = " ".join(part for part in names if part)[:60]
        label = f" ({name})" if name else ""
        message = f"Account/Contacts/Contact[{other_number}]{label}: the card holds one contact."
        found.append(_not_kept((), message))
    where = f"Account/Contacts/Contact[{number}]"
    read, kids = _read(main, _CONTACT)
    for tag in () if kids.keys().isdisjoint(NOT_KEPT_IN_CONTACT) else NOT_KEPT_IN_CONTACT:
        element = kids.get(tag)
        if element is not None and _carries(element):
            message = f"{where}/{tag}: the card's contact has no place for it."
            found.append(_not_kept(("contact",), message))
    free = kids.get("FreeFields")
    if free is not None and any(_valued(field) for group in free for field in group):
        message = f"{where}/FreeFields: the card's contact has no free fields."
        found.append(_not_kept(("contact",), message))
    return read["contact"]


def _valued(field: Element) -> bool:
    """Tell whether a free field holds a value: Exact writes 0 for an empty number or yes/no."""
    text = (field.text or "").strip()
    if field.tag in ("FreeNumber", "FreeYesNo", "FreeOption"):
        return text not in ("", "0", "0.0", "false")
    return bool(text)


# --- the debtor, the creditor and their bank accounts --------------------------------------------


def _debtor_and_creditor(
    kids: dict[str, Element], name: object, financial: _Data, found: _Found
) -> None:
    debtor, creditor = kids.get("Debtor"), kids.get("Creditor")
    if debtor is not None and (text := _text(debtor.find("GroupInvoice"))):
        financial["group_invoice"] = GROUP_INVOICE_READ.get(text.lower(), text)
    for party in (debtor, creditor):
        if party is None:
            continue
        where = f"Account/{party.tag}"
        own = _text(party.find("Name"))
        if own and not _same(own, name):
            message = f"{where}/Name: another name than the account's; the card holds one."
            found.append(_not_kept(("name",), message))
        for tag in ("ExternalCode", "DebtorInvoice"):
            element = party.find(tag)
            if element is not None and _carries(element):
                message = f"{where}/{tag}: the card has no place for it."
                found.append(_not_kept(("financial",), message))
    if debtor is None or creditor is None:
        return
    for tag, attribute, at in (
        ("SecurityLevel", "", ("marketing", "security_level")),
        ("GLOffset", "code", ("financial", "offset_account")),
    ):
        one, other = _get(debtor, tag, attribute), _get(creditor, tag, attribute)
        if one and other and one.strip() and other.strip() and not _same(one, other):
            message = f"Account/Creditor/{tag}: another one than the Debtor's; the card holds one."
            found.append(_not_kept(at, message))


def _compared(
    kids: dict[str, Element], tag: str, attribute: str, at: tuple[str, ...], found: _Found
) -> None:
    """Warn when the Creditor's ``tag`` differs from the account's own."""
    own = _get(kids["Creditor"], tag, attribute) if "Creditor" in kids else None
    account = kids.get(tag)
    theirs = None if account is None else (account.get(attribute) if attribute else account.text)
    if own and theirs and own.strip() and theirs.strip() and not _same(own, theirs):
        message = f"Account/Creditor/{tag}: another one than the account's; the card holds one."
        found.append(_not_kept(at, message))


def _account_not_kept(kids: dict[str, Element], found: _Found) -> None:
    for tag in () if kids.keys().isdisjoint(NOT_KEPT_IN_ACCOUNT) else NOT_KEPT_IN_ACCOUNT:
        if tag in kids and _carries(kids[tag]):
            found.append(_not_kept((), f"Account/{tag}: the card has no place for it."))
    categories = kids.get("Categories")
    if categories is not None and (
        count := sum(bool(c.get("code", "").strip()) for c in categories)
    ):
        message = f"Account/Categories: the card has no categories ({count} given)."
        found.append(_not_kept(("marketing",), message))
    image = kids.get("Image")
    if image is not None and _text(image.find("BinaryData")):
        message = "Account/Image/BinaryData: the card keeps the picture's name, not its data."
        found.append(_not_kept(("summary", "picture"), message))
    _compared(kids, "AccountCategory", "code", ("marketing", "classification"), found)
    _compared(kids, "VATNumber", "", ("financial", "vat_number"), found)


_BANK_NOT_KEPT = ("SDDMandates", "Branch", "Contact")


def _bank(element: Element, where: str, found: _Found) -> _Data:
    read, kids = _read(element, _BANK)
    bank = read["bank"]
    kind = kids.get("BankAccountType")
    if kind is not None and kind.get("checktype", "").strip() == IBAN_CHECK:
        bank["type"] = "IBAN"
    parts = (
        []
        if kids.keys().isdisjoint(_BANK_NOT_KEPT)
        else [kids[tag] for tag in _BANK_NOT_KEPT if tag in kids]
    )
    if (holder := kids.get("Address")) is not None:
        for part in holder:
            if part.tag not in ("Addressee", "Country"):
                parts.append(part)
        if (addressee := holder.find("Addressee")) is not None:
            for part in addressee:
                if part.tag != "Name":
                    parts.append(part)
    messages = []
    for part in parts:
        if _carries(part):
            messages.append(f"{where}/{part.tag}: the card's bank account has no place for it.")
    of_bank = kids.get("Bank")
    swift = "" if of_bank is None else _text(of_bank.find("SwiftCode"))
    if swift and "bic" in bank and not _same(swift, bank["bic"]):
        messages.append(f"{where}/Bank/SwiftCode: another one than the BIC; the card holds one.")
    at_bank = _text(kids.get("AccountNumberBank"))
    if at_bank and not any(_same(at_bank, bank.get(key)) for key in ("number", "iban")):
        messages.append(f"{where}/AccountNumberBank: the card holds one number per bank account.")
    for message in messages:
        found.append(_not_kept(("financial", "bank_accounts"), message))
    return bank


def _key(bank: _Data) -> str | None:
    """The same bank account is the same IBAN, else the same number."""
    for key in ("iban", "number"):
        if isinstance(value := bank.get(key), str) and (plain := _plain(value)):
            return plain
    return None


def _bank_accounts(kids: dict[str, Element], found: _Found) -> list[_Data]:
    """
    Read the Debtor's bank accounts, then the Creditor's not already read; the main one is
    the default one (the Debtor's, else the Creditor's), else the first.
    """
    debtor, creditor = kids.get("Debtor"), kids.get("Creditor")
    held = (
        None if debtor is None else debtor.find("BankAccounts"),
        None if creditor is None else creditor.find("BankAccounts"),
    )
    if held[0] is None and held[1] is None:
        return []
    banks: list[_Data] = []
    defaults: tuple[list[int], list[int]] = ([], [])  # ids of the default ones, per party
    seen: dict[str, _Data] | None = None  # the Debtor's by key, once the Creditor has any
    for side, (party, elements) in enumerate(zip(("Debtor", "Creditor"), held, strict=True)):
        for number, element in enumerate(elements if elements is not None else (), start=1):
            where = f"Account/{party}/BankAccounts/BankAccount[{number}]"
            bank = _bank(element, where, found)
            default = bank.get("main") is True
            if side:  # one party's own are never merged
                if seen is None:
                    seen = {}
                    for first in banks:
                        if (key := _key(first)) is not None:
                            seen.setdefault(key, first)
                if (key := _key(bank)) is not None and key in seen:
                    bank = _merge(seen[key], bank, where, found)
                else:
                    banks.append(bank)
            else:
                banks.append(bank)
            if default:
                defaults[side].append(id(bank))
    main = defaults[0] or defaults[1] or ([id(banks[0])] if banks else [])
    for bank in banks:
        if bank.get("main") in (True, False, None):  # other text is left for `from_dict`
            bank["main"] = id(bank) in main
    return banks


def _merge(first: _Data, again: _Data, where: str, found: _Found) -> _Data:
    """Fill in what the first reading of a bank account lacks; warn where the two differ."""
    for key, value in again.items():
        if key == "main":
            continue
        if key not in first:
            first[key] = value
        elif not _same(first[key], value):
            message = (
                f"{where}: the Debtor's bank account again, with another {key}; the Debtor's"
                " is kept."
            )
            found.append(_not_kept(("financial", "bank_accounts"), message))
    return first


def _free_fields(free: Element | None) -> list[_Data]:
    fields: list[_Data] = []
    for group in free if free is not None else ():
        for field in group:
            kind, convert = FREE_KINDS[field.tag]
            text = field.text or ""
            name = field.get("label", "").strip() or f"{field.tag}{field.get('number', '')}"
            if kind == "text":
                value: object = text if text and not text.isspace() else None
            else:
                value = convert(text.strip()) if text.strip() else None
            fields.append({"name": name, "kind": kind, "value": value})
    return fields
