"""
Read Exact Globe / Synergy XML account exports (the public eExact schema) as records, as Exact
and integrators write them.

The file is streamed: expat hands the elements of each ``Account`` to a fresh
`xml.etree.ElementTree.TreeBuilder` (leaving out the insides of parts the card ignores), and
each finished account becomes a record dict (the shape `accountcore.from_dict` reads; see
`._exact_map.record_of`) and is dropped, so memory stays flat however many accounts the file
holds. Expat is driven directly, not through ``iterparse``, because only the parser knows the
line an element starts on, and the byte an account starts at.

Mapping from each ``eExact/Accounts/Account`` (``A/B`` is a child element, ``@x`` an attribute,
``X | Y`` means X, else Y; coded references map to their code); docs/exact-xml.md has the
whole story, and what is warned about:

==========================  ===================================================================
record                      eExact
==========================  ===================================================================
id, code, name              @ID, @code (``""`` asks to be numbered), Name
type, status                @type, @status: Exact's letters, 1:1 (but see the decisions)
type_since, status_since    ``since``, by default 1900-01-01 (see the decisions)
remarks                     Note, kept exactly as written
summary                     phone, phone_extension, fax, email, website, picture: Phone,
                            PhoneExt, Fax, Email, HomePage, Image/Name (phone, fax and email
                            else those of the visiting address)
summary.address             the visiting address: of ``Account/Addresses``, else of the
                            contacts' ``Addresses`` (the default contact's first), the first
                            of @type VIS, else V, else the first. line1, house_number,
                            house_number_suffix, line2, line3, postcode, city: AddressLine1,
                            AddressNo, AddressSuffix, AddressLine2, AddressLine3, PostalCode,
                            City; state: State@code | IsoRegion (without its ``CC-``);
                            country: IsoCountry | Country@code
general.country_name        that address's Country/Description
contact                     the default contact (@default 1, else the first): title:
                            Title@code; initials, first_name, middle_name, last_name: Initials,
                            FirstName, MiddleName, LastName; job_title: JobTitle@code;
                            job_description, email, phone, mobile: JobDescription, Email,
                            Phone, Mobile (an email switches both email flags on)
marketing                   security_level: Debtor/SecurityLevel | Creditor/SecurityLevel;
                            classification: AccountCategory@code | Creditor/AccountCategory@code;
                            rating: CompanyRating@number; source: CompanyOrigin@code; sector,
                            subsector: Sector@code, Sector/SubSector@code; size:
                            CompanySize@code; coc_number, duns_number, gln: ChamberOfCommerce,
                            DunsNumber, GLN
relations                   account_manager: Manager@number | Manager@code; reseller, parent:
                            Reseller@code, Parent@code
financial                   debtor_code, creditor_code: Debtor@code, Creditor@code;
                            debtor_account, creditor_account: {Debtor,Creditor}/
                            GLCentralization@code; offset_account: Debtor/GLOffset@code |
                            Creditor/GLOffset@code; check_date, partial_delivery_allowed,
                            back_order, invoice_copies, group_invoice: Debtor/DateLastReminder,
                            AllowPartialShipment, AllowBackOrders, InvoiceCopies, GroupInvoice
                            (N no, I or F on invoice debtor, O on order debtor);
                            customer_code_at_supplier: Creditor/CustomerCode; payee_name:
                            PayeeName; vat_number: VATNumber | Creditor/VATNumber
financial.bank_accounts     each Debtor/BankAccounts/BankAccount, then each of the Creditor's
                            not already read (the same IBAN, else number, is one account):
                            number: @code; type: BankAccountType@code, or ``IBAN`` when its
                            @checktype is M; iban: Bank/IBAN; bic: Bank/BIC | Bank/SwiftCode;
                            holder_name: Address/Addressee/Name; main: the default one (the
                            Debtor's, else the Creditor's), else the first
free_fields                 each FreeFields/Free{Text,Date,Number,YesNo,Option}: name: @label
                            | the tag and @number (``FreeText3``); kind: text, date, number,
                            yes_no, yes_no
==========================  ===================================================================

Decisions (docs/adr/0019-exact-xml-both-ways.md):

- **Dates.** The schema has no date on which the type or status took effect, so both ``*_since``
  fields are ``since``: by default `UNKNOWN_SINCE`, 1900-01-01, the date Exact itself (on SQL
  Server) stores for "no date".
- **Not validated.** ``status="N"`` is the schema's "Not validated", a type in the card: type N,
  status Active.
- **Exact Online letters.** An account *without* @type is read the Exact Online way, where
  @status is the relationship: C → Customer, P → Prospect, S → Suspect (T), A ("none") →
  Supplier when the account has a Creditor, else Associate; its status is then Active.
- **Values.** Text is trimmed and blank text is absent, but for the Note and a free text, kept
  as written. Yes/no (1, 0, true, false) and integers are converted; a value that does not
  convert is passed on as text, so `from_dict` reports it at its path.
- **Warnings, not faults.** An element outside the schema where it stands is a warning
  (``unknown_element``; an error when reading strictly) and its content is not read; an
  element the schema allows and the card has no place for is a warning (``element_not_kept``)
  when it holds something; a few that hold nothing a user typed about the company are read and
  ignored (`._exact_map.IGNORED`).
- **Unreadable files.** A root other than ``eExact`` (an Exact Online Atom feed is named as
  such), no ``Accounts`` at all, a DOCTYPE (refused, so no entity is ever expanded), bytes not
  in the declared encoding, XML that is not well-formed or ends early, and a tag or comment
  longer than ``limits.record``. Accounts before the fault have then already been yielded.
- **Limits.** An ``Account`` element may take up ``limits.record`` bytes of the file, counted
  from the ``<`` of its start tag to the ``<`` of its end tag. Past that it is no longer built
  (checked after each chunk, so memory stays within the limit and a chunk) and is one record
  that is too long; past `SKIP_FACTOR` times the limit, the file is unreadable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from xml.etree.ElementTree import TreeBuilder
from xml.parsers import expat

from ..errors import Problem, Severity
from ._common import (
    SKIP_FACTOR,
    UNKNOWN_SINCE,
    Input,
    Place,
    RawRecord,
    ReadOptions,
    UnreadableFile,
    _beyond,
    beyond_skipping,
    no_records,
    too_long_record,
)
from ._exact_map import CHILDREN, IGNORED, ONLINE_SCHEMA, OPAQUE, record_of

__all__ = ["UNKNOWN_SINCE", "read_exact_xml"]

_CHUNK = 1 << 16

# The mode of an open element of an account is the children it may hold, or one of these,
# which hold a name no element can have.
_SKIP: frozenset[str] = frozenset({"(skipped)"})  # not built, nor anything inside it
_OPAQUE: frozenset[str] = frozenset({"(opaque)"})  # built whole, its insides unchecked
_SHALLOW: frozenset[str] = frozenset({"(shallow)"})  # built, its children not (a reference)
_Mode = frozenset[str]

#: Where a record keeps what stands under each child of an account, for an unknown element's path.
_NEAREST: dict[str, tuple[str | int, ...]] = {
    "Addresses": ("summary", "address"),
    "Contacts": ("contact",),
    "Debtor": ("financial",),
    "Creditor": ("financial",),
    "FreeFields": ("free_fields",),
    "Image": ("summary",),
    "Sector": ("marketing",),
}
_ATOM = "http://www.w3.org/2005/Atom"
_ODATA = "http://schemas.microsoft.com/ado/2007/08/dataservices"


class _Malformed(Exception):  # noqa: N818 -- private; always re-raised as UnreadableFile
    """The file cannot be read on; the arguments are the reason and the line."""

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line


def _mode(name: str) -> _Mode:
    """How to treat ``name`` where the schema allows it."""
    if (allowed := CHILDREN.get(name)) is not None:
        return allowed
    return _SKIP if name in IGNORED else _OPAQUE if name in OPAQUE else _SHALLOW


#: The mode of every element a checked element may hold.
_MODES: dict[str, _Mode] = {name: _mode(name) for allowed in CHILDREN.values() for name in allowed}


class _AccountStream:
    """Expat handlers that collect each top-level ``Account`` as a small element tree."""

    def __init__(self, name: str, options: ReadOptions) -> None:
        self.name, self.limits = name, options.limits
        self.severity = Severity.ERROR if options.strict else Severity.WARNING
        self.since = options.since.isoformat()
        self.parser = parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = self._doctype
        parser.XmlDeclHandler = self._declaration
        self.encoding = "UTF-8"
        self.depth = 0  # of open elements outside an account
        self.in_accounts = self.had_accounts = self.online_file = self.online = False
        self.count = self.line = self.start = 0  # the open account's number, line and byte
        self.overflow = 0  # open elements of an account too long to build, when it is
        self.done: list[RawRecord] = []  # records read and not yet taken
        self.found: list[Problem] = []  # the open account's unknown elements
        self.modes: list[_Mode] = []  # one per open element of an account
        self.names: list[str] = []  # the same elements' names
        self.builder = TreeBuilder()
        self._handle(self.builder)

    def _handle(self, builder: TreeBuilder) -> None:
        """Set the parser's element handlers, building into ``builder`` (one per account)."""
        parser, modes, names, found = self.parser, self.modes, self.names, self.found
        mode_of, start, end, data = _MODES.__getitem__, builder.start, builder.end, builder.data

        def on_start(name: str, attrs: dict[str, str]) -> None:
            if not modes:
                return self._start_outside(name, attrs)
            inside = modes[-1]
            if name in inside:  # the common case: an element its checked parent allows
                mode = mode_of(name)
                modes.append(mode)
                if mode is _SKIP:
                    parser.CharacterDataHandler = None
                else:
                    start(name, attrs)
            elif inside is _SKIP or inside is _SHALLOW:  # below an element not built
                modes.append(_SKIP)
            elif inside is _OPAQUE:
                modes.append(_OPAQUE)
                start(name, attrs)
            else:
                found.append(self._unknown(name))
                modes.append(_SKIP)
                parser.CharacterDataHandler = None
            names.append(name)
            return None

        def on_end(name: str) -> None:
            if not modes:
                return self._end_outside(name)
            names.pop()
            if modes.pop() is not _SKIP:
                end(name)
            elif modes[-1] is not _SKIP and modes[-1] is not _SHALLOW:  # the skipped part ends
                parser.CharacterDataHandler = data
            if not modes:
                self._end_account()
            return None

        self.on_start, self.on_end = on_start, on_end
        parser.StartElementHandler, parser.EndElementHandler = on_start, on_end

    # --- outside the accounts ---------------------------------------------------------------

    def _start_outside(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1:
            self._root(name, attrs)
        elif self.depth == 2 and name == "Accounts":
            self.in_accounts = self.had_accounts = True
        elif self.depth == 3 and self.in_accounts:
            self.count += 1
            self.line = self.parser.CurrentLineNumber
            place = Place(self.name, self.line, self.count)
            if name != "Account":
                message = f"Accounts/{name} is not in the eExact schema: Accounts holds Account"
                self.done.append(self._unknown_record(place, message + " elements; not read."))
                return
            self._begin_account(attrs)

    def _root(self, name: str, attrs: dict[str, str]) -> None:
        if name == "eExact":
            location = attrs.get("xsi:noNamespaceSchemaLocation", "").strip()
            self.online_file = location.endswith(ONLINE_SCHEMA)
            return
        local = name.rpartition(":")[2]
        values = " ".join(attrs.values())
        if local in ("feed", "entry") and (_ODATA in values or "exactonline" in values.lower()):
            reason = (
                f"the root element is <{name}>: an Exact Online (OData/Atom) export, not an"
                " eExact XML file; download the accounts with Exact Online's XML API (topic"
                " Accounts), which writes <eExact>"
            )
        elif local in ("feed", "entry") and _ATOM in values:
            reason = f"the root element is <{name}>: an Atom feed, not an eExact XML file"
        else:
            reason = f"the root element is <{name}>, not <eExact>"
        raise _Malformed(reason, self.parser.CurrentLineNumber)

    def _end_outside(self, name: str) -> None:
        if self.depth == 2 and name == "Accounts":
            self.in_accounts = False  # Account elements elsewhere are not ours
        self.depth -= 1

    # --- one account ------------------------------------------------------------------------

    def _begin_account(self, attrs: dict[str, str]) -> None:
        self.start = self.parser.CurrentByteIndex
        self.online = self.online_file or not attrs.get("type", "").strip()
        self.builder = TreeBuilder()
        self.builder.start("Account", attrs)
        self.parser.CharacterDataHandler = self.builder.data
        self._handle(self.builder)
        self.modes.append(CHILDREN["Account"])
        self.names.append("Account")

    def _end_account(self) -> None:
        self.parser.CharacterDataHandler = None
        self.depth -= 1
        place = Place(self.name, self.line, self.count)
        account = self.builder.close()
        if self.parser.CurrentByteIndex - self.start > self.limits.record:
            self.done.append(too_long_record(place, "The account", "record", self.limits, "bytes"))
        else:
            problems = list(self.found)
            data = record_of(account, self.since, self.online, problems)
            self.done.append(RawRecord(place, data, tuple(problems)))
        self.found.clear()

    def _unknown(self, name: str) -> Problem:
        path = "/".join((*self.names, name))
        where = _NEAREST.get(self.names[1], ()) if len(self.names) > 1 else ()
        if "BankAccounts" in self.names:
            where = ("financial", "bank_accounts")
        online = " (Exact Online writes it; this reader follows Exact Globe's schema)"
        message = f"{path} is not in the eExact schema here{online if self.online else ''};"
        return Problem(where, "unknown_element", message + " not read.", severity=self.severity)

    def _unknown_record(self, place: Place, message: str) -> RawRecord:
        problem = Problem((), "unknown_element", message, severity=Severity.ERROR)
        return RawRecord(place, None, (problem,))

    # --- an account too long to build --------------------------------------------------------

    def _overflow(self) -> None:
        """Stop building the open account: from now on, only its end is looked for."""
        self.overflow = len(self.modes)
        self.modes.clear()
        self.names.clear()
        self.found.clear()
        self.builder = TreeBuilder()
        parser = self.parser
        parser.CharacterDataHandler = None
        parser.StartElementHandler, parser.EndElementHandler = self._deeper, self._shallower

    def _deeper(self, name: str, attrs: dict[str, str]) -> None:
        self.overflow += 1

    def _shallower(self, name: str) -> None:
        self.overflow -= 1
        if not self.overflow:
            place = Place(self.name, self.line, self.count)
            self.done.append(too_long_record(place, "The account", "record", self.limits, "bytes"))
            self.depth -= 1
            self.parser.StartElementHandler = self.on_start
            self.parser.EndElementHandler = self.on_end

    def measure(self, end: int) -> None:
        """
        Stop building the open account once it is longer than the limit, and refuse the file
        when it goes on past `SKIP_FACTOR` times the limit, or when the tag or comment the
        parser has begun is longer than the limit; ``end`` is the bytes read so far.
        """
        done = self.parser.CurrentByteIndex  # the bytes parsed; the rest begin one token
        limit = self.limits.record
        if self.modes and done - self.start > limit:
            self._overflow()
        if self.overflow and done - self.start > limit * SKIP_FACTOR:
            error = beyond_skipping(
                self.name, self.line, f"Account {self.count}", "record", self.limits, unit="bytes"
            )
            raise _Malformed(error.reason, error.line)
        if end - done > limit:
            what = "an XML tag or comment"
            raise _Malformed(_beyond(what, "record", self.limits, "bytes"), self._current())

    # --- the parser ---------------------------------------------------------------------------

    def take(self) -> list[RawRecord]:
        """Return the records completed so far, and forget them."""
        taken, self.done = self.done, []
        return taken

    def _current(self) -> int:
        return self.parser.CurrentLineNumber

    def _doctype(self, name: str, *_: object) -> None:
        reason = "a DOCTYPE is not allowed (it could declare entities)"
        raise _Malformed(reason, self._current())

    def _declaration(self, version: str | None, encoding: str | None, _: int) -> None:
        self.encoding = encoding or self.encoding

    def feed(self, chunk: bytes, offset: int) -> None:
        """Parse the next bytes of the file (``offset`` is where ``chunk`` begins)."""
        try:
            self.parser.Parse(chunk, not chunk)
        except expat.ExpatError as error:
            raise _Malformed(self._explain(error, chunk, offset), error.lineno) from None

    def _explain(self, error: expat.ExpatError, chunk: bytes, offset: int) -> str:
        if not chunk and (self.modes or self.overflow):
            return f"the file ends in the middle of Account {self.count} (line {self.line})"
        if not chunk and self.depth:
            return "the file ends before the closing </eExact>"
        position = self.parser.ErrorByteIndex - offset
        if error.code == expat.errors.codes[expat.errors.XML_ERROR_INVALID_TOKEN] and (
            0 <= position < len(chunk) and chunk[position] >= 0x80
        ):
            return f"not {self.encoding} text (byte 0x{chunk[position]:02X})"
        return f"not well-formed XML ({expat.errors.messages[error.code]})"


def read_exact_xml(source: Input, options: ReadOptions) -> Iterator[RawRecord]:
    """
    Yield one record per ``Account`` of an eExact XML export, streaming the file.

    Args:
        source: the export.
        options: ``since`` is the date of ``type_since`` and ``status_since``, which the export
            lacks; ``strict`` makes an element outside the schema an error of its account;
            ``limits.record`` is the bytes an ``Account`` element (or any tag or comment) may
            take up (default: 1 MiB).

    Returns:
        Records placed by the line of their ``Account`` start tag, each a dict for
        `accountcore.from_dict` with the problems reading found.

    Raises:
        UnreadableFile: the file is empty, not well-formed XML, not an eExact export, or a tag
            is longer than ``limits`` allow; one line says why (raised when reading gets
            there, after the records before the fault).
    """
    stream = _AccountStream(source.name, options)
    read: Callable[[int], bytes] = source.stream.read
    offset = 0
    while True:
        chunk = read(_CHUNK)
        if not chunk and not offset:
            raise no_records(source.name)
        try:
            stream.feed(chunk, offset)
            if chunk:
                stream.measure(offset + len(chunk))
        except _Malformed as error:
            yield from stream.take()  # those complete before the fault
            raise UnreadableFile(source.name, error.reason, error.line) from None
        yield from stream.take()
        if not chunk:
            break
        offset += len(chunk)
    if not stream.had_accounts:
        raise UnreadableFile(source.name, "an eExact file without <Accounts>")
