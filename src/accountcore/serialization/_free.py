"""Free fields: a name, a kind and a value read by its kind, held to its range or length."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

from ..entities import FIELD_RULES, MAX_AMOUNT_TEXT, FreeField, FreeFieldKind
from ..errors import Problem, ValidationError
from ._failures import _fail, _fail_type, unknown_keys
from ._hooks import Hook, JSONObject, JSONValue, _bool, _date, _enum, _str, text_hook


def _amount(value: object) -> Decimal:
    if type(value) is int:
        return Decimal(value)
    if type(value) is str:
        if len(value) > MAX_AMOUNT_TEXT:
            _fail("too_long", f"An amount is at most {MAX_AMOUNT_TEXT} characters long.")
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            pass
        else:
            if amount.is_finite():
                return amount
        _fail("invalid_format", "Expected an amount as decimal text, like '12.50'.")
    _fail_type(value, "an amount as decimal text")


def _number(value: object) -> int | float:
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return value
    if type(value) is float:
        _fail("out_of_range", "The number must be finite.")
    _fail_type(value, "a number")


_FREE_VALUE: dict[FreeFieldKind, Callable[[object], object]] = {
    FreeFieldKind.TEXT: lambda v: _str(v, None),
    FreeFieldKind.NUMBER: _number,
    FreeFieldKind.AMOUNT: _amount,
    FreeFieldKind.DATE: lambda v: _date(v, None),
    FreeFieldKind.YES_NO: lambda v: _bool(v, None),
}
_FREE_KEYS = frozenset({"name", "kind", "value"})
_FREE_VALUE_RULE = FIELD_RULES[FreeField]["value"]
_FREE_HEAD: tuple[tuple[str, Hook], ...] = (
    ("name", text_hook(FIELD_RULES[FreeField]["name"], optional=False)),
    ("kind", _enum(FreeFieldKind)),
)


def _free_field(value: object, _: object) -> FreeField:
    if not isinstance(value, dict):
        _fail_type(value, "an object")
    problems = unknown_keys(value, _FREE_KEYS)
    read: dict[str, object] = {}
    for key, hook in _FREE_HEAD:
        if key not in value:
            problems.append(Problem((key,), "required", "This field is required."))
            continue
        try:
            read[key] = hook(value[key], None)
        except ValidationError as exc:
            problems += [p.prefixed((key,)) for p in exc.problems]
    raw = value.get("value")
    kind = read.get("kind")
    if isinstance(kind, FreeFieldKind) and raw is not None:
        try:
            read["value"] = _FREE_VALUE[kind](raw)
            if (failure := _FREE_VALUE_RULE(read["value"])) is not None:
                _fail(*failure)
        except ValidationError as exc:
            problems += [p.prefixed(("value",)) for p in exc.problems]
    if problems:
        raise ValidationError(problems)
    return FreeField(**read)  # type: ignore[arg-type]


def _unstructure_free_field(field: FreeField) -> JSONObject:
    value = field.value
    if isinstance(value, Decimal):
        shown: JSONValue = str(value)
    elif isinstance(value, date):
        shown = value.isoformat()
    else:
        shown = value
    return {"name": field.name, "kind": field.kind.value, "value": shown}
