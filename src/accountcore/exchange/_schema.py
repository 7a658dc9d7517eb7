"""
The account record format as a JSON Schema (draft 2020-12), generated from the entities.

The schema states what `accountcore.from_dict` reads: each class's attrs fields, typed as
their annotations say, with the limits of the card's tables (`accountcore.entities`'
`MAX_LENGTHS`, `INT_RANGES`, `MAX_ITEMS`). It leaves the checks of values to `from_dict`:
identifiers, countries, emails, phone numbers, one-line text, the rules relating fields
(docs/json-schema.md lists them).
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from datetime import date
from typing import Union

import attrs

from ..entities import (
    AMOUNT_LIMIT,
    DEFAULT_MAX_LENGTH,
    FIELD_RULES,
    INT_RANGES,
    MAX_AMOUNT_TEXT,
    MAX_ITEMS,
    MAX_LENGTHS,
    Account,
    FreeField,
    FreeFieldKind,
)
from ..identifiers import MAX_IDENTIFIER_TEXT, Identifier

Schema = dict[str, object]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://accountcore.invalid/schemas/account.json"

#: The characters `str.isspace` calls white space, as a regular expression class (the same in
#: ECMA 262 and Python): text of these alone is blank, and reads as absent in an optional field.
SPACE_CLASS = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def _ref(name: str) -> Schema:
    # A new dict each time: no two places of a schema, nor two schemas, share a part.
    return {"$ref": f"#/$defs/{name}"}


def json_schema() -> dict[str, object]:
    """
    Return the account record format as a JSON Schema (draft 2020-12).

    The schema accepts a record's structure as `accountcore.from_dict` reads it (keys, types,
    required fields, enum codes, ISO dates) and the card's limits (text lengths, integer
    ranges, list sizes); `from_dict` still checks the values themselves. Each call returns a
    fresh dict, ready for `json.dumps`.

    Returns:
        The schema, with one ``$defs`` entry per class of the card.

    .. versionadded:: 0.2
    """
    defs: Schema = {}
    _define(Account, defs)
    defs["Date"] = {
        "description": "A date as YYYY-MM-DD text.",
        "type": "string",
        "format": "date",
        # Python's `$` also matches before a final line break; the length rules that out.
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        "maxLength": 10,
    }
    defs["BlankText"] = {
        "description": "Empty or white-space text: absent, in an optional field.",
        "type": "string",
        "pattern": f"^[{SPACE_CLASS}]*$",
    }
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": "accountcore account record",
        "description": _summary_line(Account),
        "$ref": "#/$defs/Account",
        "$defs": defs,
    }


def _define(cls: type, defs: Schema) -> Schema:
    """Add ``cls`` (and the classes of its fields) to ``defs``, and return a reference to it."""
    if cls.__name__ not in defs:
        defs[cls.__name__] = {}  # taken, before its fields refer to it
        defs[cls.__name__] = _object(cls, defs)
    return _ref(cls.__name__)


def _object(cls: type, defs: Schema) -> Schema:
    fields = attrs.fields(attrs.resolve_types(cls))
    schema: Schema = {
        "description": _summary_line(cls),
        "type": "object",
        "properties": {f.name: _field(cls, f.name, f.type, defs) for f in fields},
        "required": [f.name for f in fields if f.default is attrs.NOTHING],
        "additionalProperties": False,  # from_dict refuses unknown keys
    }
    if cls is FreeField:
        schema["allOf"] = [_free_value_by_kind(kind) for kind in FreeFieldKind]
    return schema


def _field(owner: type, name: str, tp: object, defs: Schema) -> Schema:
    if owner is FreeField and name == "value":
        return {
            "description": "The value, typed by the kind; null when empty.",
            "type": ["string", "number", "boolean", "null"],
        }
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (Union, types.UnionType) and type(None) in args:
        (inner,) = (a for a in args if a is not type(None))
        # from_dict reads null and blank text in an optional field as absent. The value comes
        # first: validators stop at the first alternative that fits, mostly that one.
        return {"anyOf": [_value(owner, name, inner, defs), {"type": "null"}, _ref("BlankText")]}
    return _value(owner, name, tp, defs)


def _value(owner: type, name: str, tp: object, defs: Schema) -> Schema:
    if tp is str:
        return _text(owner, name)
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        low, high = INT_RANGES.get(owner, {}).get(name, (None, None))
        bounds = {} if low is None else {"minimum": low, "maximum": high}
        return {"type": "integer", **bounds}
    if tp is date:
        return _ref("Date")
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        values = [member.value for member in tp]
        return {"description": _summary_line(tp), "type": "string", "enum": values}
    if isinstance(tp, type) and issubclass(tp, Identifier):
        return {
            "description": _summary_line(tp),
            "type": "string",
            "maxLength": MAX_IDENTIFIER_TEXT,
        }
    if typing.get_origin(tp) is tuple:
        items = _value(owner, name, typing.get_args(tp)[0], defs)
        most = MAX_ITEMS.get(owner, {}).get(name)
        return {"type": "array", "items": items, **({} if most is None else {"maxItems": most})}
    if isinstance(tp, type) and attrs.has(tp):
        return _define(tp, defs)
    raise TypeError(f"no JSON Schema for {owner.__name__}.{name} of type {tp!r}")


def _text(owner: type, name: str) -> Schema:
    schema: Schema = {
        "type": "string",
        "maxLength": MAX_LENGTHS.get(owner, {}).get(name, DEFAULT_MAX_LENGTH),
    }
    if _refuses_blank(owner, name):
        schema["pattern"] = f"[^{SPACE_CLASS}]"  # something besides white space
    return schema


def _refuses_blank(owner: type, name: str) -> bool:
    """Tell whether the field's rule refuses blank text as missing (code ``required``)."""
    rule = FIELD_RULES.get(owner, {}).get(name)
    failure = None if rule is None else rule(" ")
    return failure is not None and failure[0] == "required"


def _free_values(kind: FreeFieldKind) -> list[Schema]:
    """What a free field's value of ``kind`` may be, besides null (docs/rules.md#free-fields)."""
    if kind is FreeFieldKind.TEXT:
        return [{"type": "string", "maxLength": MAX_LENGTHS[FreeField]["value"]}]
    if kind is FreeFieldKind.NUMBER:
        return [{"type": "number"}]
    if kind is FreeFieldKind.AMOUNT:
        limit = int(AMOUNT_LIMIT)
        return [
            {"type": "string", "maxLength": MAX_AMOUNT_TEXT},
            {"type": "integer", "exclusiveMinimum": -limit, "exclusiveMaximum": limit},
        ]
    if kind is FreeFieldKind.DATE:
        return [_ref("Date")]
    if kind is FreeFieldKind.YES_NO:
        return [{"type": "boolean"}]
    raise TypeError(f"no JSON Schema for a free field of kind {kind!r}")


def _free_value_by_kind(kind: FreeFieldKind) -> Schema:
    value: Schema = {"anyOf": [{"type": "null"}, *_free_values(kind)]}
    return {
        "if": {"properties": {"kind": {"const": kind.value}}, "required": ["kind"]},
        "then": {"properties": {"value": value}},
    }


def _summary_line(cls: type) -> str:
    """The first paragraph of the class's docstring, on one line, in Markdown."""
    paragraph = (inspect.getdoc(cls) or cls.__name__).split("\n\n", 1)[0]
    return " ".join(paragraph.split()).replace("``", "`")
