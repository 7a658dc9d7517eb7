"""
A CSV header to record paths: the record's shape, and the column map of plain names.

A column names a record path (``summary.address.city``, ``financial.bank_accounts.0.iban``)
or a plain name people and other programs write (``City``, ``Postal Code``, ``VAT number``).
Names are compared folded: case-insensitively, with spaces, underscores, dashes and dots
left out, so ``Zip code``, ``ZIP_CODE`` and ``zipcode`` are one name. `COLUMN_MAP` holds the
built-in plain names; a caller's own map goes over it, and may send a column to ``""`` to
leave it unread. ``docs/csv.md`` lists the map.
"""

from __future__ import annotations

import difflib
import itertools
import re
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Union

import attrs

from ..entities import Account, FreeField
from ..identifiers import Identifier

# --- the record's shape, from the entities ----------------------------------------------------


@attrs.frozen
class _Shape:
    """What a record path holds: an object's fields, a list's item, or one cell's value."""

    fields: Mapping[str, _Shape] = attrs.field(factory=dict)
    item: _Shape | None = None
    leaf: object = None  # the value's type (int, bool, ...): how its cell is read
    is_free_field: bool = False


def _shape_of(tp: object) -> _Shape:
    if typing.get_origin(tp) in (Union, types.UnionType):
        rest = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        if len(rest) != 1:
            return _Shape()  # a free field's value: read by its kind, after the row
        tp = rest[0]
    if typing.get_origin(tp) is tuple:
        return _Shape(item=_shape_of(typing.get_args(tp)[0]))
    if isinstance(tp, type) and attrs.has(tp) and not issubclass(tp, Identifier):
        fields = attrs.fields(attrs.resolve_types(tp))
        shapes = {f.name: _shape_of(f.type) for f in fields}
        return _Shape(fields=shapes, is_free_field=tp is FreeField)
    return _Shape(leaf=tp)


def _required(cls: type, prefix: str = "") -> Iterator[str]:
    for f in attrs.fields(attrs.resolve_types(cls)):
        if f.default is not attrs.NOTHING:
            continue
        if isinstance(f.type, type) and attrs.has(f.type):
            yield from _required(f.type, f"{prefix}{f.name}.")
        else:
            yield prefix + f.name


ACCOUNT = _shape_of(Account)
#: The columns every CSV file needs: the fields `accountcore.from_dict` cannot do without.
REQUIRED_COLUMNS: tuple[str, ...] = tuple(_required(Account))

Where = tuple[str | int, ...]
_INDEX = re.compile(r"0|[1-9][0-9]{0,3}")


def steps_of(column: str) -> list[tuple[Where, _Shape]] | None:
    """
    Return each prefix of the record path a column names, with the shape it reaches.

    The record comes first and the column's value last; ``None`` when the column names no
    value (an unknown field, a bad list index, or an object rather than a value).
    """
    shape, where = ACCOUNT, Where()
    steps: list[tuple[Where, _Shape]] = [(where, shape)]
    for part in column.split("."):
        if shape.item is not None and _INDEX.fullmatch(part):
            shape, where = shape.item, (*where, int(part))
        elif shape.item is None and part in shape.fields:
            shape, where = shape.fields[part], (*where, part)
        else:
            return None
        steps.append((where, shape))
    return steps if not shape.fields and shape.item is None else None


def _leaves(shape: _Shape, prefix: str = "") -> Iterator[str]:
    """Yield the record path of every value, a list's first item standing for its items."""
    if shape.item is not None:
        yield from _leaves(shape.item, f"{prefix}0.")
    elif shape.fields:
        for name, field in shape.fields.items():
            yield from _leaves(field, f"{prefix}{name}.")
    else:
        yield prefix[:-1]


#: Every record path of a value, in the order of the card's fields (lists by their item 0).
LEAF_PATHS: tuple[str, ...] = tuple(_leaves(ACCOUNT))


def path_order(path: str) -> tuple[int, ...]:
    """Sort key of a record path: the card's field order, list items by index."""
    key: list[int] = []
    shape = ACCOUNT
    for part in path.split("."):
        if shape.item is not None:
            key.append(int(part))
            shape = shape.item
        else:
            key.append(list(shape.fields).index(part))
            shape = shape.fields[part]
    return tuple(key)


# --- the column map ------------------------------------------------------------------------------

_SUMMARY, _ADDRESS, _CONTACT = "summary.", "summary.address.", "contact."
_MARKETING, _RELATIONS, _FINANCIAL = "marketing.", "relations.", "financial."
_BANK = "financial.bank_accounts.0."

#: The plain names a CSV header may use, each to the record path it names (read-only). A name
#: is compared folded (case, spaces, underscores, dashes and dots aside), so only one spelling
#: of each is listed. Record paths need no entry: a header may always name them. ``docs/csv.md``
#: lists the map, and a test keeps the two equal.
COLUMN_MAP: Mapping[str, str] = MappingProxyType({
    "id": "id",
    "code": "code", "account code": "code", "account number": "code", "account no": "code",
    "number": "code", "customer code": "code", "customer number": "code",
    "name": "name", "account name": "name", "company": "name", "company name": "name",
    "organisation": "name", "organization": "name", "organisation name": "name",
    "organization name": "name",
    "type": "type", "account type": "type",
    "type since": "type_since",
    "status": "status", "account status": "status",
    "status since": "status_since",
    "replaced by": "replaced_by",
    "address": _ADDRESS + "line1", "street": _ADDRESS + "line1",
    "street address": _ADDRESS + "line1", "address line 1": _ADDRESS + "line1",
    "address 1": _ADDRESS + "line1", "line 1": _ADDRESS + "line1",
    "billing street": _ADDRESS + "line1",
    "house number": _ADDRESS + "house_number", "house no": _ADDRESS + "house_number",
    "street number": _ADDRESS + "house_number",
    "house number suffix": _ADDRESS + "house_number_suffix",
    "house number addition": _ADDRESS + "house_number_suffix",
    "addition": _ADDRESS + "house_number_suffix",
    "address line 2": _ADDRESS + "line2", "address 2": _ADDRESS + "line2",
    "line 2": _ADDRESS + "line2", "street address 2": _ADDRESS + "line2",
    "address line 3": _ADDRESS + "line3", "address 3": _ADDRESS + "line3",
    "line 3": _ADDRESS + "line3", "street address 3": _ADDRESS + "line3",
    "postcode": _ADDRESS + "postcode", "postal code": _ADDRESS + "postcode",
    "zip": _ADDRESS + "postcode", "zip code": _ADDRESS + "postcode",
    "zip/postal code": _ADDRESS + "postcode", "billing zip/postal code": _ADDRESS + "postcode",
    "billing postal code": _ADDRESS + "postcode",
    "city": _ADDRESS + "city", "town": _ADDRESS + "city", "billing city": _ADDRESS + "city",
    "state": _ADDRESS + "state", "province": _ADDRESS + "state", "region": _ADDRESS + "state",
    "state/region": _ADDRESS + "state", "state/province": _ADDRESS + "state",
    "billing state/province": _ADDRESS + "state", "billing state": _ADDRESS + "state",
    "country": _ADDRESS + "country", "country code": _ADDRESS + "country",
    "country/region": _ADDRESS + "country", "billing country": _ADDRESS + "country",
    "website": _SUMMARY + "website", "web": _SUMMARY + "website", "url": _SUMMARY + "website",
    "website url": _SUMMARY + "website", "homepage": _SUMMARY + "website",
    "email": _SUMMARY + "email", "email address": _SUMMARY + "email",
    "company email": _SUMMARY + "email",
    "phone": _SUMMARY + "phone", "telephone": _SUMMARY + "phone",
    "phone number": _SUMMARY + "phone", "telephone number": _SUMMARY + "phone",
    "company phone": _SUMMARY + "phone",
    "phone extension": _SUMMARY + "phone_extension", "extension": _SUMMARY + "phone_extension",
    "fax": _SUMMARY + "fax", "fax number": _SUMMARY + "fax",
    "picture": _SUMMARY + "picture", "logo": _SUMMARY + "picture",
    "country name": "general.country_name",
    "phone queue": "general.phone_queue",
    "remarks": "remarks", "notes": "remarks", "note": "remarks", "comments": "remarks",
    "description": "remarks",
    "salutation": _CONTACT + "title", "contact title": _CONTACT + "title",
    "initials": _CONTACT + "initials",
    "first name": _CONTACT + "first_name", "given name": _CONTACT + "first_name",
    "contact first name": _CONTACT + "first_name",
    "middle name": _CONTACT + "middle_name",
    "last name": _CONTACT + "last_name", "surname": _CONTACT + "last_name",
    "family name": _CONTACT + "last_name", "contact last name": _CONTACT + "last_name",
    "job description": _CONTACT + "job_description",
    "job title": _CONTACT + "job_title", "contact job title": _CONTACT + "job_title",
    "contact email": _CONTACT + "email", "contact email address": _CONTACT + "email",
    "contact phone": _CONTACT + "phone", "contact phone number": _CONTACT + "phone",
    "mobile": _CONTACT + "mobile", "mobile phone": _CONTACT + "mobile",
    "mobile phone number": _CONTACT + "mobile", "contact mobile": _CONTACT + "mobile",
    "valid email": _CONTACT + "valid_email",
    "email permission": _CONTACT + "email_permission",
    "email opt in": _CONTACT + "email_permission",
    "security level": _MARKETING + "security_level",
    "classification": _MARKETING + "classification",
    "rating": _MARKETING + "rating",
    "source": _MARKETING + "source", "lead source": _MARKETING + "source",
    "sector": _MARKETING + "sector", "industry": _MARKETING + "sector",
    "subsector": _MARKETING + "subsector",
    "size": _MARKETING + "size", "company size": _MARKETING + "size",
    "coc": _MARKETING + "coc_number", "coc number": _MARKETING + "coc_number",
    "kvk": _MARKETING + "coc_number", "kvk number": _MARKETING + "coc_number",
    "kvk nummer": _MARKETING + "coc_number", "chamber of commerce": _MARKETING + "coc_number",
    "chamber of commerce number": _MARKETING + "coc_number",
    "registration number": _MARKETING + "coc_number",
    "company registration number": _MARKETING + "coc_number",
    "duns": _MARKETING + "duns_number", "duns number": _MARKETING + "duns_number",
    "gln": _MARKETING + "gln",
    "document": _MARKETING + "document",
    "exclude from merging": _MARKETING + "exclude_from_merging",
    "manager": _RELATIONS + "account_manager", "account manager": _RELATIONS + "account_manager",
    "account owner": _RELATIONS + "account_manager",
    "company owner": _RELATIONS + "account_manager",
    "cost centre": _RELATIONS + "cost_centre", "cost center": _RELATIONS + "cost_centre",
    "reseller": _RELATIONS + "reseller",
    "parent": _RELATIONS + "parent", "parent account": _RELATIONS + "parent",
    "parent company": _RELATIONS + "parent",
    "division": _FINANCIAL + "division",
    "debtor code": _FINANCIAL + "debtor_code", "debtor number": _FINANCIAL + "debtor_code",
    "creditor code": _FINANCIAL + "creditor_code",
    "creditor number": _FINANCIAL + "creditor_code",
    "customer code at supplier": _FINANCIAL + "customer_code_at_supplier",
    "check date": _FINANCIAL + "check_date",
    "debtor account": _FINANCIAL + "debtor_account",
    "creditor account": _FINANCIAL + "creditor_account",
    "offset account": _FINANCIAL + "offset_account",
    "extra description": _FINANCIAL + "extra_description",
    "partial delivery": _FINANCIAL + "partial_delivery_allowed",
    "partial delivery allowed": _FINANCIAL + "partial_delivery_allowed",
    "back order": _FINANCIAL + "back_order",
    "invoice copies": _FINANCIAL + "invoice_copies",
    "extra duty": _FINANCIAL + "extra_duty",
    "group invoice": _FINANCIAL + "group_invoice",
    "payee": _FINANCIAL + "payee_name", "payee name": _FINANCIAL + "payee_name",
    "vat": _FINANCIAL + "vat_number", "vat number": _FINANCIAL + "vat_number",
    "vat id": _FINANCIAL + "vat_number", "vat no": _FINANCIAL + "vat_number",
    "vat registration number": _FINANCIAL + "vat_number", "btw": _FINANCIAL + "vat_number",
    "btw nummer": _FINANCIAL + "vat_number",
    "iban": _BANK + "iban",
    "bic": _BANK + "bic", "swift": _BANK + "bic", "swift code": _BANK + "bic",
    "bank account": _BANK + "number", "bank account number": _BANK + "number",
    "bank account type": _BANK + "type",
    "account holder": _BANK + "holder_name", "account holder name": _BANK + "holder_name",
    "main bank account": _BANK + "main",
})  # fmt: skip

# What folding leaves out: the separators people put between the words of a name, and any
# space (Python's, so that a name folds as if stripped).
_SPACES = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_DROP_TABLE = str.maketrans("", "", "_.-" + _SPACES)
_DROP_BYTES = ("_.-" + "".join(c for c in _SPACES if c.isascii())).encode()


def fold(name: str) -> str:
    """Fold a column name for comparing: ``"Zip-Code "`` and ``"zip_code"`` fold alike."""
    return name.casefold().translate(_DROP_TABLE)


def _fold_all(names: Sequence[str], joined: str) -> list[str]:
    """Fold many names at once, from their text joined by NULs: a few passes, not a call each."""
    if joined.count("\0") != len(names) - 1:
        return [fold(name) for name in names]  # a name holds a NUL
    if joined.isascii():  # bytes' own lower and translate are several times faster
        folded = joined.encode().lower().translate(None, _DROP_BYTES).decode()
    else:
        folded = joined.casefold().translate(_DROP_TABLE)
    return folded.split("\0")


def _lookup(columns: Mapping[str, str] | None) -> dict[str, str]:
    """Return a folded name to its record path: ``columns`` over record paths over the map."""
    if columns is None:
        return _BUILT_IN
    table = dict(_BUILT_IN)
    mine: dict[str, str] = {}
    bad: list[str] = []
    for name, path in columns.items():
        if path and steps_of(path) is None:
            bad.append(f"{_shown(name)} to {_shown(path)}, which is no record path")
        elif mine.setdefault(fold(name), path) != path:
            bad.append(f"{_shown(name)} to {_shown(path)} and to {_shown(mine[fold(name)])}")
    if bad:
        raise _BadHeader("the column map sends " + _listed(bad, len(bad)))
    table.update(mine)
    table.pop("", None)
    return table


_BUILT_IN = {fold(name): path for name, path in COLUMN_MAP.items()} | {
    fold(path): path for path in LEAF_PATHS
}


# --- from a header to record paths -----------------------------------------------------------


class _BadHeader(Exception):  # noqa: N818 -- a reason, turned into `UnreadableFile`
    """The header names no record (unknown, repeated or missing columns); ``str()`` says so."""


_SHOWN = 10  # names a message lists before "and N more"
_WINDOW = 1 << 16  # names folded at a time: memory stays small whatever the header's width
_LONGEST = 40  # characters of a name a message shows


def column_paths(
    header: Sequence[str], columns: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    """
    Map a CSV header to the record path of each of its columns.

    A column is first looked up in ``columns``, then as a record path, then in
    `COLUMN_MAP`, each folded (case, spaces, underscores, dashes and dots aside). A column
    that ``columns`` sends to ``""`` is left unread: its path is ``""``.

    Args:
        header: the header's column names, as the file has them.
        columns: a column name to a record path (or ``""``), over the built-in map.

    Returns:
        One record path per column, in the header's order.

    Raises:
        _BadHeader: in one message, every unknown column (with a suggestion where a known
            name is close), every path named twice and every required column missing; or a
            ``columns`` entry that names no record path.

    .. versionadded:: 0.2
    """
    paths = HeaderPaths(columns)
    for start in range(0, len(header), _WINDOW):
        paths.add(header[start : start + _WINDOW])
    return paths.result()


class HeaderPaths:
    """
    The record paths of a header's columns, found a window of names at a time.

    Only the paths are kept, and the few names a message shows: a header of millions of
    columns is checked in windows without holding its names (``keep=False`` keeps no paths
    either, for a check alone).
    """

    def __init__(self, columns: Mapping[str, str] | None, *, keep: bool = True) -> None:
        self.table, self.keep = _lookup(columns), keep
        self.found: list[str | None] = []
        self.width = self.unknown = self.twice = 0
        self.unknown_names: list[str] = []  # as the message shows them
        self.first: dict[str, tuple[int, str]] = {}  # each path's first column and name
        self.twice_names: list[str] = []

    def add(self, window: Sequence[str]) -> None:
        """Find the paths of the header's next columns."""
        self.record(window, self._hits(window))

    def record(self, window: Sequence[str], hits: list[str | None]) -> None:
        """Take the paths of the header's next columns (``None``: unknown), as found."""
        start, self.width = self.width, self.width + len(window)
        if self.keep:
            self.found += hits
        unknown = hits.count(None)
        at = -1
        for _ in range(min(unknown, _SHOWN - len(self.unknown_names))):
            at = hits.index(None, at + 1)
            self.unknown_names.append(_unknown_name(window[at], start + at, self.table))
        self.unknown += unknown
        if unknown < len(hits):
            for at in itertools.compress(range(len(hits)), hits):  # "" (left unread) aside
                self._known(hits[at], start + at, window[at])  # type: ignore[arg-type]

    def _hits(self, window: Sequence[str]) -> list[str | None]:
        joined = "\0".join(window)
        folded = _fold_all(window, joined)
        if "." not in joined and self.table.keys().isdisjoint(folded):
            return [None] * len(window)  # a fast no: not one name is known
        hits = list(map(self.table.get, folded))
        if None in hits and "." in joined:
            pairs = zip(window, hits, strict=True)
            hits = [_as_path(name) if hit is None else hit for name, hit in pairs]
        return hits

    def _known(self, path: str, at: int, name: str) -> None:
        first = self.first.setdefault(path, (at, name))
        if first[0] != at:
            self.twice += 1
            if len(self.twice_names) < _SHOWN:
                self.twice_names.append(f"{_shown(first[1])} and {_shown(name)} both name {path}")

    def result(self) -> tuple[str, ...]:
        """
        Return the paths found (empty when not kept).

        Raises:
            _BadHeader: naming every fault of the header at once.
        """
        faults = []
        if self.unknown:
            plural = "s" if self.unknown > 1 else ""
            faults.append(f"unknown column{plural}: {_listed(self.unknown_names, self.unknown)}")
        if self.twice:
            faults.append(f"columns {_listed(self.twice_names, self.twice)}")
        missing = [path for path in REQUIRED_COLUMNS if path not in self.first]
        if missing:
            faults.append(f"missing column{_s(missing)}: {', '.join(map(_label, missing))}")
        if faults:
            raise _BadHeader("; ".join(faults))
        return tuple(self.found)  # type: ignore[arg-type]


def _as_path(name: str) -> str | None:
    """A record path with a list index other than 0, as written or in other letter case."""
    for path in (name.strip(), name.strip().casefold()):
        if steps_of(path) is not None:
            return path
    return None


def _unknown_name(name: str, at: int, table: Mapping[str, str]) -> str:
    if not name.strip():
        return f"column {at + 1} (no name)"
    if len(name) <= 2 * _LONGEST:
        near = difflib.get_close_matches(name.strip().casefold(), _names(table), 1, 0.8)
        if near:
            return f"{_shown(name)} (did you mean {_shown(near[0])}?)"
    return _shown(name)


def _names(table: Mapping[str, str]) -> list[str]:
    """The names to suggest: the map's, as written, and the record paths."""
    return [*COLUMN_MAP, *LEAF_PATHS, *(name for name in table if name not in _BUILT_IN)]


def _label(path: str) -> str:
    """A required path as a message names it: with the plain name people write, if any."""
    plain = next((name for name, p in COLUMN_MAP.items() if p == path), path)
    return path if fold(plain) == fold(path) else f"{plain} ({path})"


def _listed(items: list[str], count: int) -> str:
    more = count - len(items)
    return ", ".join(items) + (f" and {more:,} more" if more else "")


def _s(items: Sequence[object]) -> str:
    return "s" if len(items) > 1 else ""


def _shown(name: str) -> str:
    """A name from the file, quoted, on one line and cut short."""
    text = name if len(name) <= _LONGEST else name[: _LONGEST - 1] + "…"
    return '"' + "".join(c if c.isprintable() else "?" for c in text) + '"'


def check_paths(paths: Sequence[str]) -> None:
    """
    Check record paths as `column_paths` checks a header (``""``: a column left unread).

    Raises:
        _BadHeader: an unknown path, a path named twice, a required path missing.
    """
    checked = HeaderPaths(None, keep=False)
    checked.record(paths, [path if not path or steps_of(path) else None for path in paths])
    checked.result()
