"""
Read Exact Globe / Synergy XML account exports (the public eExact schema) as records.

The file is streamed: expat hands the elements of each ``Account`` to an
`xml.etree.ElementTree.TreeBuilder` (skipping the insides of parts we do not map), and each
finished account becomes a record dict (the shape `accountcore.from_dict` reads) and is
dropped, so memory stays flat however many accounts the file holds. Expat is driven directly,
not through ``iterparse``, because only the parser knows the line an element starts on: places
read ``"Account 7 (line 40)"``.

Mapping from each ``eExact/Accounts/Account`` (``A/B`` is a child element, ``@x`` an attribute,
``X | Y`` means X, else Y; coded references map to their code):

==========================  ===================================================================
record                      eExact
==========================  ===================================================================
id, code, name              @ID, @code, Name
type, status                @type, @status: Exact's letters, 1:1 (but see the decisions)
type_since, status_since    ``since``, by default 1900-01-01 (see the decisions)
remarks                     Note, kept exactly as written
summary                     phone, phone_extension, fax, email, website, picture: Phone,
                            PhoneExt, Fax, Email, HomePage, Image/Name
summary.address             the first Addresses/Address of @type VIS (or V), else the first:
                            line1: AddressLine1, AddressNo, AddressSuffix joined by spaces;
                            line2, line3, postcode, city: AddressLine2, AddressLine3,
                            PostalCode, City; state: State@code; country: IsoCountry |
                            Country@code
general.country_name        that address's Country/Description
contact                     the first Contacts/Contact with @default 1, else the first: title:
                            Title@code; initials, first_name, middle_name, last_name: Initials,
                            FirstName, MiddleName, LastName; job_title: JobTitle@code;
                            job_description, email, phone, mobile: JobDescription, Email,
                            Phone, Mobile (an email switches both email flags on)
marketing                   security_level: Debtor/SecurityLevel | Creditor/SecurityLevel;
                            classification: AccountCategory@code; rating: CompanyRating@number;
                            source: CompanyOrigin@code; sector, subsector: Sector@code,
                            Sector/SubSector@code; size: CompanySize@code; coc_number,
                            duns_number, gln: ChamberOfCommerce, DunsNumber, GLN
relations                   account_manager: Manager@number | Manager@code; reseller, parent:
                            Reseller@code, Parent@code
financial                   debtor_code, creditor_code: Debtor@code, Creditor@code;
                            debtor_account, creditor_account: {Debtor,Creditor}/
                            GLCentralization@code; offset_account: Debtor/GLOffset@code |
                            Creditor/GLOffset@code; check_date, partial_delivery_allowed,
                            back_order, invoice_copies: Debtor/DateLastReminder,
                            AllowPartialShipment, AllowBackOrders, InvoiceCopies;
                            customer_code_at_supplier: Creditor/CustomerCode; payee_name:
                            PayeeName; vat_number: VATNumber | Creditor/VATNumber
financial.bank_accounts     each Debtor/BankAccounts/BankAccount, then each of the Creditor's
                            (the same @code and IBAN twice is one account): number: @code;
                            type: BankAccountType@code, or ``IBAN`` when its @checktype is M;
                            iban: Bank/IBAN; bic: Bank/BIC | Bank/SwiftCode; main: @default,
                            and when no account is marked, the first is the main one
free_fields                 each FreeFields/Free{Text,Date,Number,YesNo,Option}: name: @label
                            | the tag and @number (``FreeText3``); kind: text, date, number,
                            yes_no, yes_no
==========================  ===================================================================

Decisions:

- **Dates.** The schema has no date on which the type or status took effect, so both ``*_since``
  fields are ``since``: by default `UNKNOWN_SINCE`, 1900-01-01, the date Exact itself (on SQL
  Server) stores for "no date". Leaving them out would make every record invalid.
- **Exact Online letters.** An account *without* @type (Exact Globe always writes one) is read
  the Exact Online way, where @status is the relationship: C → Customer, P → Prospect,
  S → Suspect (T), A ("none") → Supplier when the account has a Creditor, else Associate; its
  status is then Active. Otherwise the letters are kept as given; one we do not know (status N,
  "not validated", is a type in our model) is left for `from_dict` to report.
- **Values.** Text is trimmed, and blank text is absent. Yes/no (1, 0, true, false) and integers
  are converted; a value that does not convert is passed on as text, so `from_dict` reports it
  at its path. A bad value never makes the file unreadable.
- **Ignored.** The schema's other ``Account`` elements (payment, VAT codes, categories,
  GroupInvoice whose values the schema leaves open, ...) are read and ignored.
- **Unreadable.** An element the schema does not allow where it stands (checked in the parts we
  map: the account, its addresses, contacts, debtor, creditor, bank accounts and free fields,
  and directly in ``Accounts``), a root other than ``eExact``, no ``Accounts`` at all, a DOCTYPE
  (refused, so no entity is ever expanded), bytes not in the declared encoding, and XML that is
  not well-formed or ends early. Accounts before the fault have then already been yielded.
- **Limits.** An ``Account`` element may take up ``limits.record`` bytes of the file
  (`accountcore._readers.ReadLimits`; 1 MiB by default, some hundred times a rich account),
  counted from the ``<`` of its start tag to the ``<`` of its end tag; so may any one tag or
  comment, anywhere. Past that the file is unreadable, as soon as the parser gets there: an
  account is measured after each chunk of the file, so memory stays within the limit and a
  chunk. Lines are not limited: an export may well be one line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from ._common import DEFAULT_LIMITS, RawRecord, ReadLimits, UnreadableFile, _beyond, no_records

#: The default of ``type_since`` and ``status_since``: Exact's own "no date".
UNKNOWN_SINCE = date(1900, 1, 1)

_CHUNK = 1 << 16

#: What the schema allows inside the elements we check (names after ``TEXT:`` hold only text).
#: The contents of any other element (a Manager, a PaymentCondition, ...) are neither checked
#: nor built: only its attributes are kept.
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
  IsoCountry LastName FirstName MiddleName Initials JobDescription Mobile IBAN BIC SwiftCode
  SecurityLevel DateLastReminder AllowPartialShipment AllowBackOrders InvoiceCopies
  CustomerCode FreeText FreeDate FreeNumber FreeYesNo FreeOption Description
"""


def _children(schema: str) -> dict[str, frozenset[str]]:
    """Read `_SCHEMA` into the allowed children of each element."""
    table: dict[str, set[str]] = {}
    names: set[str] = set()
    for word in schema.split():
        if word.endswith(":"):
            names = table.setdefault(word[:-1], set())
        else:
            names.add(word)
    text = table.pop("TEXT")
    return {name: frozenset(kids) for name, kids in table.items()} | dict.fromkeys(
        text, frozenset()
    )


_CHILDREN = _children(_SCHEMA)
_SKIP: frozenset[str] = frozenset({"(skipped)"})  # marks, by identity, an element not built


class _Malformed(Exception):  # noqa: N818 -- private; always re-raised as UnreadableFile
    """The file breaks the eExact schema; the argument is the reason, without the path."""


class _AccountStream:
    """Expat handlers that collect each top-level ``Account`` as a small element tree."""

    def __init__(self, limits: ReadLimits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.parser = parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = self._doctype
        parser.XmlDeclHandler = self._declaration
        self.encoding = "UTF-8"
        self.depth = 0  # of open elements outside an account
        self.in_accounts = self.had_accounts = False
        self.count = self.line = 0
        self.start = 0  # the byte the open account starts on
        self.builder = TreeBuilder()
        self.holder = self.builder.start("Accounts", {})  # accounts read and not yet taken
        self.places: list[str] = []  # one per account in the holder
        self.allowed: list[frozenset[str] | None] = []  # one per open element of an account
        # These run for every element; inside an account they stick to local names.
        allowed, children = self.allowed, _CHILDREN.get
        limits = self.limits
        start, end = self.builder.start, self.builder.end

        def on_start(name: str, attrs: dict[str, str]) -> None:
            if not allowed:
                return self._start_outside(name, attrs)
            inside = allowed[-1]
            if inside is None or inside is _SKIP:  # below an element we do not map: not built
                allowed.append(_SKIP)
                return None
            if name not in inside:
                raise _Malformed(self._where(f"unknown element <{name}> in Account {self.count}"))
            allowed.append(children(name))
            start(name, attrs)
            return None

        def on_end(name: str) -> None:
            if not allowed:
                return self._end_outside(name)
            if allowed.pop() is not _SKIP:
                end(name)
            if not allowed:  # the account is complete
                parser.CharacterDataHandler = None
                self.depth -= 1
                if parser.CurrentByteIndex - self.start > limits.record:
                    del self.places[-1], self.holder[-1]  # no record: `take` leaves it out
                    raise _Malformed(self._too_long())
            return None

        parser.StartElementHandler, parser.EndElementHandler = on_start, on_end

    def _start_outside(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1 and name != "eExact":
            raise _Malformed(self._where(f"the root element is <{name}>, not <eExact>"))
        if self.depth == 2 and name == "Accounts":
            self.in_accounts = self.had_accounts = True
        elif self.depth == 3 and self.in_accounts:
            if name != "Account":
                raise _Malformed(self._where(f"unknown element <{name}> in Accounts"))
            self.count += 1
            self.line = self.parser.CurrentLineNumber
            self.start = self.parser.CurrentByteIndex
            self.places.append(f"Account {self.count} (line {self.line})")
            self.parser.CharacterDataHandler = self.builder.data
            self.allowed.append(_CHILDREN["Account"])
            self.builder.start(name, attrs)

    def _end_outside(self, name: str) -> None:
        if self.depth == 2 and name == "Accounts":
            self.in_accounts = False  # Account elements elsewhere are not ours
        self.depth -= 1

    def take(self) -> list[tuple[str, Element]]:
        """Return the accounts completed so far, with their places, and forget them."""
        done = len(self.places) - (1 if self.allowed else 0)
        taken = list(zip(self.places[:done], self.holder[:done], strict=True))
        del self.places[:done], self.holder[:done]
        return taken

    def too_long(self, end: int) -> str | None:
        """
        Tell why the file is unreadable if the open account, or the tag or comment the parser
        has begun, is already longer than the limit; ``end`` is the bytes read so far.
        """
        done = self.parser.CurrentByteIndex  # the bytes parsed; the rest begin one token
        if self.allowed and done - self.start > self.limits.record:
            return self._too_long()
        if end - done > self.limits.record:
            what = "an XML tag or comment"
            return self._where(_beyond(what, "record", self.limits, "bytes"))
        return None

    def _too_long(self) -> str:
        what = f"Account {self.count}"
        return f"line {self.line}: {_beyond(what, 'record', self.limits, 'bytes')}"

    def _where(self, reason: str) -> str:
        return f"line {self.parser.CurrentLineNumber}: {reason}"

    def _doctype(self, name: str, *_: object) -> None:
        raise _Malformed(self._where("a DOCTYPE is not allowed (it could declare entities)"))

    def _declaration(self, version: str | None, encoding: str | None, _: int) -> None:
        self.encoding = encoding or self.encoding

    def feed(self, chunk: bytes, offset: int) -> None:
        """Parse the next bytes of the file (``offset`` is where ``chunk`` begins)."""
        try:
            self.parser.Parse(chunk, not chunk)
        except expat.ExpatError as error:
            raise _Malformed(self._explain(error, chunk, offset)) from None

    def _explain(self, error: expat.ExpatError, chunk: bytes, offset: int) -> str:
        where = f"line {error.lineno}"
        if not chunk and self.allowed:
            return (
                f"{where}: the file ends in the middle of Account {self.count} (line {self.line})"
            )
        if not chunk and self.depth:
            return f"{where}: the file ends before the closing </eExact>"
        position = self.parser.ErrorByteIndex - offset
        if error.code == expat.errors.codes[expat.errors.XML_ERROR_INVALID_TOKEN] and (
            0 <= position < len(chunk) and chunk[position] >= 0x80
        ):
            return f"{where}: not {self.encoding} text (byte 0x{chunk[position]:02X})"
        return f"{where}: not well-formed XML ({expat.errors.messages[error.code]})"


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise UnreadableFile(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{path}: is a directory, not a file") from None
    except OSError as error:
        raise UnreadableFile(f"{path}: {error.strerror or error}") from None


def read_exact_xml(
    path: Path, *, since: date = UNKNOWN_SINCE, limits: ReadLimits = DEFAULT_LIMITS
) -> Iterator[RawRecord]:
    """
    Yield one record per ``Account`` of an eExact XML export, streaming the file.

    Args:
        path: the export.
        since: the date to give ``type_since`` and ``status_since``, which the export lacks.
        limits: its ``record`` is the bytes an ``Account`` element (or any tag or comment)
            may take up (default: 1 MiB); its ``line`` does not apply.

    Returns:
        Records placed as ``"Account 7 (line 40)"``, each a dict for `accountcore.from_dict`.

    Raises:
        UnreadableFile: the file is missing, empty, not well-formed XML, not an eExact export,
            or breaks its schema, or an account is longer than ``limits`` allow; one line says
            why (raised when the reading gets there).
    """
    stream = _AccountStream(limits)
    when = since.isoformat()
    offset = 0
    with _open(path) as file:
        while True:
            chunk = file.read(_CHUNK)
            if not chunk and not offset:
                raise no_records(path)
            try:
                stream.feed(chunk, offset)
            except _Malformed as error:
                for place, account in stream.take():  # those complete before the fault
                    yield RawRecord(place, _record(account, when))
                raise UnreadableFile(f"{path}: {error}") from None
            for place, account in stream.take():
                yield RawRecord(place, _record(account, when))
            if not chunk:
                break
            offset += len(chunk)
            if reason := stream.too_long(offset):
                raise UnreadableFile(f"{path}: {reason}")
    if not stream.had_accounts:
        raise UnreadableFile(f"{path}: an eExact file without <Accounts>")


# --- one Account element to one record ----------------------------------------------------------

_Source = tuple[tuple[str, ...], str]  # the path of child elements, then an attribute or ""
_Field = tuple[str, Callable[[str], object], tuple[_Source, ...]]
_YES_NO: dict[str, object] = {"1": True, "true": True, "0": False, "false": False}
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")  # longer ones stay text (and int() would refuse)
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _yes_no(text: str) -> object:
    return _YES_NO.get(text.lower(), text)


def _integer(text: str) -> object:
    return int(text) if _INTEGER.fullmatch(text) else text


def _number(text: str) -> object:
    if not _NUMBER.fullmatch(text):
        return text
    return int(text) if _INTEGER.fullmatch(text) else float(text)


def _same(text: str) -> object:
    return text


_CONVERT: dict[str, Callable[[str], object]] = {"yes_no": _yes_no, "integer": _integer}

#: ``section: key source[|source...] [yes_no|integer], ...``; see the module docstring.
_MAPPING = """
account: id @ID, code @code, name Name
summary: phone Phone, phone_extension PhoneExt, fax Fax, email Email, website HomePage,
  picture Image/Name
address: line2 AddressLine2, line3 AddressLine3, postcode PostalCode, city City,
  state State@code, country IsoCountry|Country@code
general: country_name Country/Description
contact: title Title@code, initials Initials, first_name FirstName, middle_name MiddleName,
  last_name LastName, job_title JobTitle@code, job_description JobDescription, email Email,
  phone Phone, mobile Mobile
marketing: security_level Debtor/SecurityLevel|Creditor/SecurityLevel integer,
  classification AccountCategory@code, rating CompanyRating@number integer,
  source CompanyOrigin@code, sector Sector@code, subsector Sector/SubSector@code,
  size CompanySize@code, coc_number ChamberOfCommerce, duns_number DunsNumber, gln GLN
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
  main @default yes_no
"""


def _fields(mapping: str) -> dict[str, tuple[_Field, ...]]:
    """Read `_MAPPING` into the fields of each section."""
    _, *parts = re.split(r"(\w+):", mapping)
    sections: dict[str, tuple[_Field, ...]] = {}
    for section, body in zip(parts[::2], parts[1::2], strict=True):
        fields: list[_Field] = []
        for spec in body.split(","):
            key, sources, *kind = spec.split()
            options = tuple(
                (tuple(path.split("/")) if path else (), attribute)
                for path, _, attribute in (source.partition("@") for source in sources.split("|"))
            )
            fields.append((key, _CONVERT[kind[0]] if kind else _same, options))
        sections[section] = tuple(fields)
    return sections


_FIELDS = _fields(_MAPPING)
_STREET = ("AddressLine1", "AddressNo", "AddressSuffix")
_FREE_KINDS: dict[str, tuple[str, Callable[[str], object]]] = {
    "FreeText": ("text", _same),
    "FreeDate": ("date", _same),
    "FreeNumber": ("number", _number),
    "FreeYesNo": ("yes_no", _yes_no),
    "FreeOption": ("yes_no", _yes_no),
}
_ONLINE_TYPES = {"C": "C", "P": "P", "S": "T"}
_VISITING = ("VIS", "V")


def _raw(context: Element, steps: tuple[str, ...], attribute: str) -> str | None:
    element: Element | None = context
    for step in steps:
        element = element.find(step) if element is not None else None
    if element is None:
        return None
    return element.get(attribute) if attribute else element.text


def _section(
    context: Element | None, fields: tuple[_Field, ...], tags: set[str] | None = None
) -> dict[str, object]:
    """Map ``context`` by ``fields``; ``tags`` are those of its children, and ``""``."""
    section: dict[str, object] = {}
    if context is None:
        return section
    tags = {"", *(child.tag for child in context)} if tags is None else tags
    for key, convert, sources in fields:
        for steps, attribute in sources:
            if (steps[0] if steps else "") not in tags:
                continue  # most fields are absent: skip them without a search
            if (raw := _raw(context, steps, attribute)) and (raw := raw.strip()):
                section[key] = convert(raw)
                break
    return section


def _record(account: Element, since: str) -> dict[str, object]:
    tags = {"", *(child.tag for child in account)}
    record = _section(account, _FIELDS["account"], tags)
    record.update(_type_and_status(account), type_since=since, status_since=since)
    note = account.find("Note")
    if note is not None and note.text and not note.text.isspace():
        record["remarks"] = note.text
    address = _first(account.find("Addresses"), lambda a: a.get("type", "").upper() in _VISITING)
    record["summary"] = _section(account, _FIELDS["summary"], tags) | {"address": _address(address)}
    contact = _first(account.find("Contacts"), lambda c: c.get("default") in ("1", "true"))
    financial = _section(account, _FIELDS["financial"], tags)
    if banks := _bank_accounts(account):
        financial["bank_accounts"] = banks
    sections = {
        "general": _section(address, _FIELDS["general"]),
        "contact": _section(contact, _FIELDS["contact"]),
        "marketing": _section(account, _FIELDS["marketing"], tags),
        "relations": _section(account, _FIELDS["relations"], tags),
        "financial": financial,
        "free_fields": _free_fields(account.find("FreeFields")),
    }
    record.update((key, section) for key, section in sections.items() if section)
    return record


def _type_and_status(account: Element) -> dict[str, str]:
    type_, status = account.get("type", "").strip(), account.get("status", "").strip()
    if not type_ and status in _ONLINE_TYPES:
        type_, status = _ONLINE_TYPES[status], "A"
    elif not type_ and status == "A":
        type_ = "A" if account.find("Creditor") is None else "S"
    return {key: value for key, value in (("type", type_), ("status", status)) if value}


def _first(parent: Element | None, preferred: Callable[[Element], bool]) -> Element | None:
    """Return the first child that is ``preferred``, else the first child."""
    if parent is None or not len(parent):
        return None
    return next((child for child in parent if preferred(child)), parent[0])


def _address(address: Element | None) -> dict[str, object]:
    found = _section(address, _FIELDS["address"])
    if address is not None:
        parts = ((address.findtext(name) or "").strip() for name in _STREET)
        if street := " ".join(part for part in parts if part):
            found["line1"] = street
    return found


def _bank_accounts(account: Element) -> list[dict[str, object]]:
    banks: dict[tuple[object, object], dict[str, object]] = {}
    for party in ("Debtor", "Creditor"):
        holder = account.find(party)
        found = holder.find("BankAccounts") if holder is not None else None
        for element in found if found is not None else ():
            bank = _section(element, _FIELDS["bank"])
            kind = element.find("BankAccountType")
            if kind is not None and kind.get("checktype") == "M":
                bank["type"] = "IBAN"
            bank.setdefault("main", False)
            banks.setdefault((bank.get("number"), bank.get("iban")), bank)
    result = list(banks.values())
    if result and all(bank["main"] is False for bank in result):
        result[0]["main"] = True
    return result


def _free_fields(free: Element | None) -> list[dict[str, object]]:
    fields: list[dict[str, object]] = []
    for group in free if free is not None else ():
        for field in group:
            kind, convert = _FREE_KINDS[field.tag]
            text = (field.text or "").strip()
            name = field.get("label", "").strip() or f"{field.tag}{field.get('number', '')}"
            value = convert(text) if text else None
            fields.append({"name": name, "kind": kind, "value": value})
    return fields
