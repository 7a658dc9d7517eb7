"""
Read Exact Globe / Synergy XML account exports (the public eExact schema) as records, as Exact
and integrators write them.

The file is streamed: expat hands the elements of each ``Account`` straight to a fresh C
`xml.etree.ElementTree.TreeBuilder`, with no Python in between but at the account's edges
(its end tags pass through Python only from the first ``</Account`` in the bytes on, where
its own end tag may be); the finished element is then checked against the schema (unknown
elements are named, and dropped with what the card ignores), becomes a record dict (the
shape `accountcore.from_dict` reads; see `._exact_map.record_of`) and is dropped, so memory
stays flat however many accounts the file holds. Expat is driven directly, not through
``iterparse``, because only the parser knows the line an element starts on, and the byte an
account starts at.

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
  that is too long; past `SKIP_FACTOR` times the limit, the file is unreadable. While such an
  account is skipped, a chunk of nothing but plain text (no markup, references or line-end
  split) is passed over without the parser, counting its lines, which is what the parser
  would have done with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from xml.etree.ElementTree import Element, TreeBuilder
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
from ._exact_map import CHILDREN, IGNORED, NAMES, ONLINE_SCHEMA, OPAQUE, record_of

__all__ = ["UNKNOWN_SINCE", "read_exact_xml"]

_CHUNK = 1 << 16

# What becomes of an element of an account where the schema allows it.
_CHECK = "check"  # kept, and its children checked (`CHILDREN`; none for a text element)
_SKIP = "skip"  # dropped, with everything inside it (`IGNORED`)
_OPAQUE = "opaque"  # kept whole, its insides unchecked (`OPAQUE`)
_SHALLOW = "shallow"  # kept, its children not, though their text is (a reference)

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

#: The bytes of plain text in any encoding that reads ASCII as ASCII: printable ASCII and line
#: ends, but not ``<``, ``&`` (markup, references) nor ``]`` (the end of a CDATA section).
_PLAIN = bytes(b for b in range(0x20, 0x80) if b not in b"<&]") + b"\t\n\r"
_ASCII = bytes(range(0x80))
_UTF16 = (b"\xfe\xff", b"\xff\xfe")  # the byte order marks
_END = b"</Account"


def _finditer(chunk: bytes) -> Iterator[int]:
    """Where ``</Account`` begins in ``chunk``."""
    at = chunk.find(_END)
    while at >= 0:
        yield at
        at = chunk.find(_END, at + 1)


class _Malformed(Exception):  # noqa: N818 -- private; always re-raised as UnreadableFile
    """The file cannot be read on; the arguments are the reason and the line."""

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason, self.line = reason, line


def _mode(name: str) -> str:
    """What becomes of ``name`` where the schema allows it."""
    if name in CHILDREN:
        return _CHECK
    return _SKIP if name in IGNORED else _OPAQUE if name in OPAQUE else _SHALLOW


#: For each element whose children are checked, what becomes of each child it may hold.
_RULES: dict[str, dict[str, str]] = {
    name: {kid: _mode(kid) for kid in kids} for name, kids in CHILDREN.items()
}


def _ascii_compatible(encoding: str) -> bool:
    """Tell whether ``encoding`` reads every ASCII byte as that ASCII character."""
    try:
        return _ASCII.decode(encoding) == _ASCII.decode("ascii")
    except (LookupError, ValueError):
        return False


def _drop(parent: Element, dropped: list[Element]) -> None:
    """
    Take ``dropped`` (children of ``parent``) out of ``parent``, keeping the text after each:
    as if they had never been built.
    """
    gone = set(map(id, dropped))
    kept: list[Element] = []
    tails: dict[int, list[str]] = {}  # by the kept child they follow (-1: none, the text)
    for child in parent:
        if id(child) not in gone:
            kept.append(child)
        elif child.tail:
            tails.setdefault(len(kept) - 1, []).append(child.tail)
    for at, texts in tails.items():
        if at < 0:
            parent.text = "".join((parent.text or "", *texts))
        else:
            kept[at].tail = "".join((kept[at].tail or "", *texts))
    parent[:] = kept


def _flatten(element: Element) -> None:
    """Keep only the text inside ``element``: its children are not built (a reference)."""
    element.text = "".join(element.itertext()) or None
    del element[:]


class _AccountStream:
    """Expat handlers that collect each top-level ``Account`` as a small element tree."""

    def __init__(self, name: str, options: ReadOptions) -> None:
        self.name, self.limits = name, options.limits
        self.severity = Severity.ERROR if options.strict else Severity.WARNING
        self.since = options.since.isoformat()
        self.parser = parser = expat.ParserCreate(intern={n: n for n in NAMES})
        parser.buffer_text = True
        if hasattr(parser, "SetReparseDeferralEnabled"):  # expat 2.6: parse all it is given
            parser.SetReparseDeferralEnabled(False)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.XmlDeclHandler = self._declaration
        self.encoding, self.ascii = "UTF-8", True
        self.depth = 0  # of open elements outside an account
        self.in_accounts = self.had_accounts = self.online_file = self.online = False
        self.count = self.line = self.start = 0  # the open account's number, line and byte
        self.account: Element | None = None  # the open account, while it is built
        self.builder: TreeBuilder | None = None  # what builds it
        self.overflow = 0  # open elements of an account too long to build, when it is
        self.skipped = self.skipped_lines = 0  # bytes and lines passed over without expat
        self.scan = False  # whether an account's end tag can be found in the bytes (`_parse`)
        self.splitting = False  # whether `_parse` stops at each "</Account" of the chunk
        self.fast = False  # whether the open account's end tags go to its builder unseen
        self.on_end: Callable[[str], None] = self._end_outside  # the open account's end tags
        self.done: list[RawRecord] = []  # records read and not yet taken
        self._outside()

    def _outside(self) -> None:
        """Set the parser's handlers for the elements outside the accounts."""
        parser = self.parser
        parser.StartElementHandler = self._start_outside
        parser.EndElementHandler = self._end_outside
        parser.CharacterDataHandler = None

    # --- outside the accounts ---------------------------------------------------------------

    def _start_outside(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth == 1:
            self._root(name, attrs)
        elif self.depth == 2 and name == "Accounts":
            self.in_accounts = self.had_accounts = True
        elif self.depth == 3 and self.in_accounts:
            self.count += 1
            self.line = self._current()
            if name != "Account":
                place = Place(self.name, self.line, self.count)
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
        raise _Malformed(reason, self._current())

    def _end_outside(self, name: str) -> None:
        if self.depth == 2 and name == "Accounts":
            self.in_accounts = False  # Account elements elsewhere are not ours
        self.depth -= 1

    # --- one account ------------------------------------------------------------------------

    def _begin_account(self, attrs: dict[str, str]) -> None:
        """
        Build the account from here: expat calls the builder, and Python at end tags once its
        own may be near (see `_parse`; at each end tag when the file is not scanned).
        """
        self.start = self._byte()
        self.online = self.online_file or not attrs.get("type", "").strip()
        self.builder = builder = TreeBuilder()
        self.account = account = builder.start("Account", attrs)
        parser, start, end = self.parser, builder.start, builder.end

        def on_end(name: str) -> None:
            if end(name) is account:
                self._end_account(account)

        def first(name: str, attrs: dict[str, str]) -> None:
            # The account holds elements, so its end tag is in the file: until `_parse`
            # stops where it may be, its end tags go to the builder.
            parser.StartElementHandler = start
            if self.splitting:
                parser.EndElementHandler, self.fast = end, True
            start(name, attrs)

        self.on_end = on_end
        parser.StartElementHandler = first if self.scan and self.ascii else start
        parser.EndElementHandler = on_end
        parser.CharacterDataHandler = builder.data

    def _end_account(self, account: Element) -> None:
        self._outside()
        self.account = self.builder = None
        self.fast = False
        self.depth -= 1
        place = Place(self.name, self.line, self.count)
        if self._byte() - self.start > self.limits.record:
            self.done.append(too_long_record(place, "The account", "record", self.limits, "bytes"))
            return
        problems: list[Problem] = []
        self._check(account, "Account", ("Account",), problems)
        data = record_of(account, self.since, self.online, problems)
        self.done.append(RawRecord(place, data, tuple(problems)))

    def _check(
        self, element: Element, name: str, path: tuple[str, ...], found: list[Problem]
    ) -> None:
        """
        Check the children of ``element`` (a ``name``) against the schema: name each unknown
        one in ``found``, drop it and the ignored ones, keep only the text of a reference, and
        check the children of the checked ones in turn.
        """
        rules = _RULES[name]
        dropped: list[Element] = []
        for child in element:
            mode = rules.get(child.tag)
            if mode is _CHECK:
                if len(child):
                    tag = child.tag
                    self._check(child, tag, (*path, tag), found)
            elif mode is None or mode is _SKIP:
                if mode is None:
                    found.append(self._unknown(path, child.tag))
                dropped.append(child)
            elif mode is _SHALLOW and len(child):
                _flatten(child)
        if dropped:
            _drop(element, dropped)

    def _unknown(self, path: tuple[str, ...], name: str) -> Problem:
        where = _NEAREST.get(path[1], ()) if len(path) > 1 else ()
        if "BankAccounts" in path:
            where = ("financial", "bank_accounts")
        online = " (Exact Online writes it; this reader follows Exact Globe's schema)"
        message = f"{'/'.join(path)}/{name} is not in the eExact schema here"
        message += f"{online if self.online else ''};"
        return Problem(where, "unknown_element", message + " not read.", severity=self.severity)

    def _unknown_record(self, place: Place, message: str) -> RawRecord:
        problem = Problem((), "unknown_element", message, severity=Severity.ERROR)
        return RawRecord(place, None, (problem,))

    # --- an account too long to build --------------------------------------------------------

    def _overflow(self, builder: TreeBuilder, account: Element) -> None:
        """Stop building the open account: from now on, only its end is looked for."""
        probe = builder.start("", {})  # placed in the innermost open element
        builder.end("")
        depth, element = 1, account
        while element[-1] is not probe:  # each open element is the last child of its parent
            element, depth = element[-1], depth + 1
        self.overflow = depth
        self.account = self.builder = None
        self.fast = False
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
            self._outside()

    def measure(self, end: int) -> None:
        """
        Stop building the open account once it is longer than the limit, and refuse the file
        when it goes on past `SKIP_FACTOR` times the limit, or when the tag or comment the
        parser has begun is longer than the limit; ``end`` is the bytes read so far.
        """
        done = self._byte()  # the bytes parsed; the rest begin one token
        limit = self.limits.record
        if self.builder is not None and self.account is not None and done - self.start > limit:
            self._overflow(self.builder, self.account)
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
        """The line the parser is at."""
        return self.parser.CurrentLineNumber + self.skipped_lines

    def _byte(self) -> int:
        """The byte of the file the parser is at."""
        return self.parser.CurrentByteIndex + self.skipped

    def _doctype(self, name: str, *_: object) -> None:
        reason = "a DOCTYPE is not allowed (it could declare entities)"
        raise _Malformed(reason, self._current())

    def _declaration(self, version: str | None, encoding: str | None, _: int) -> None:
        self.encoding = encoding or self.encoding
        self.ascii = _ascii_compatible(self.encoding)

    def _skips(self, chunk: bytes, offset: int) -> bool:
        """
        Pass over ``chunk`` without the parser when an account too long to build is being
        skipped and the chunk is plain text to the parser, as it is then: the parser has taken
        every byte before it (so it is not inside a tag, comment or character), and the chunk
        holds no markup, reference, CDATA end or split line end, nor (in UTF-16) half a
        character. The parser would only count its lines.
        """
        if not (
            self.overflow
            and self.ascii
            and self._byte() == offset
            and not len(chunk) % 2
            and chunk.isascii()  # these first tests are quick, and most often decide
            and chunk.find(b"<") < 0
            and chunk.find(b"&") < 0
            and not chunk.translate(None, _PLAIN)
            and not chunk.endswith(b"\r")
        ):
            return False
        self.skipped += len(chunk)
        if chunk.find(b"\n") >= 0 or chunk.find(b"\r") >= 0:
            self.skipped_lines += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
        return True

    def feed(self, chunk: bytes, offset: int) -> None:
        """Parse the next bytes of the file (``offset`` is where ``chunk`` begins)."""
        if not offset:  # the bytes of "</Account" are found as such unless in UTF-16
            self.scan = not chunk.startswith(_UTF16) and b"\0" not in chunk[:4]
        if chunk and self._skips(chunk, offset):
            return
        try:
            if self.scan and self.ascii and chunk:
                self._parse(chunk, offset)
            else:
                self.parser.Parse(chunk, not chunk)
        except expat.ExpatError as error:
            line = error.lineno + self.skipped_lines
            raise _Malformed(self._explain(error, chunk, offset), line) from None

    def _parse(self, chunk: bytes, offset: int) -> None:
        """
        Parse ``chunk`` in parts, so that an account's end tags go straight to its builder
        up to the first ``</Account`` in the bytes, where its own end tag may be: from there
        they pass through Python, which sees it end (``</Account`` cut by the chunk's end is
        looked for too, at the last ``<``). Where a part ends inside a comment or the like,
        the rest of the chunk is parsed whole, end tags through Python: the parser would read
        the comment again from its start for each part.
        """
        parse, start, self.splitting = self.parser.Parse, 0, True
        ends = list(_finditer(chunk))
        cut = chunk.rfind(b"<", max(0, len(chunk) - len(_END) + 1))
        if cut >= 0 and _END.startswith(chunk[cut:]) and cut not in ends:
            ends.append(cut)
        for at in ends:
            if at > start:
                parse(chunk[start:at], False)
                start = at
            if self.fast:
                self.fast = False
                self.parser.EndElementHandler = self.on_end
            if self._byte() < offset + at:  # the parser holds an unfinished token
                self.splitting = False
                break
        parse(chunk[start:], False)

    def _explain(self, error: expat.ExpatError, chunk: bytes, offset: int) -> str:
        if not chunk and (self.account is not None or self.overflow):
            return f"the file ends in the middle of Account {self.count} (line {self.line})"
        if not chunk and self.depth:
            return "the file ends before the closing </eExact>"
        position = self.parser.ErrorByteIndex + self.skipped - offset
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
