"""
Reading and writing accounts as JSON-ready dicts, through cattrs.

- `from_dict` reads an untrusted record into a checked `Account`, or raises one
  `ValidationError` listing every problem with its field path.
- `to_dict` writes an `Account` as a dict that `json.dumps` accepts.
- `make_converter` returns a fresh cattrs converter with accountcore's hooks;
  `configure_converter` adds them to a host's own converter (only accountcore types change).

Reading is strict: ``"3"`` is not a number and ``true`` is not an integer; unknown keys are
refused. Blank text in an optional field reads as absent; the account code is trimmed and the
country code upper-cased. Field rules run while reading, so one pass reports every field's
problem; rules that relate fields run once every field has been read.

.. versionadded:: 0.1
"""

from __future__ import annotations

import enum
import functools
import math
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NoReturn, Union

import attrs
import cattrs
from cattrs.errors import BaseValidationError, ClassValidationError, ForbiddenExtraKeysError
from cattrs.fns import identity
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._countries import ALPHA2
from ._rules import FIELD_RULES, Rule
from .entities import (
    Account,
    AccountStatus,
    AccountType,
    Address,
    BankAccount,
    Contact,
    Financial,
    FreeField,
    FreeFieldKind,
    General,
    GroupInvoice,
    Marketing,
    Relations,
    Summary,
)
from .errors import Problem, ValidationError
from .identifiers import ChamberOfCommerceNumber, Identifier, VATNumber
from .validation import CLASS_RULES

__all__ = [
    "JSONObject",
    "JSONValue",
    "configure_converter",
    "from_dict",
    "make_converter",
    "problems_of",
    "to_dict",
]

JSONValue = Union[None, bool, int, float, str, list["JSONValue"], dict[str, "JSONValue"]]
JSONObject = dict[str, JSONValue]

Hook = Callable[[object, object], object]

#: Entities read by cattrs-generated functions, children before parents.
_SECTIONS: tuple[type, ...] = (
    Address,
    Summary,
    General,
    Contact,
    Marketing,
    Relations,
    BankAccount,
    Financial,
)
#: Values normalised after the type check and before the field rule.
_NORMALISE: dict[tuple[type, str], Callable[[str], str]] = {
    (Account, "code"): str.strip,
    (Address, "country"): str.upper,
}


# --- failures ---------------------------------------------------------------------------------

_JSON_NAMES = {
    type(None): "null",
    bool: "true/false",
    int: "an integer",
    float: "a number",
    str: "text",
    list: "an array",
    tuple: "an array",
    dict: "an object",
}


def _fail(code: str, message: str) -> NoReturn:
    raise ValidationError([Problem((), code, message)])


def _fail_type(value: object, expected: str) -> NoReturn:
    if value is None:
        _fail("required", "This field is required.")
    got = _JSON_NAMES.get(type(value), type(value).__name__)
    _fail("invalid_type", f"Expected {expected}, got {got}.")


def _walk(exc: ClassValidationError) -> list[Problem]:
    """Turn one level of cattrs' detailed errors into problems (deeper levels already are)."""
    problems: list[Problem] = []
    with_notes, others = exc.group_exceptions()
    for sub, note in with_notes:
        prefix = (note.name,)
        if isinstance(sub, ValidationError):
            problems += [p.prefixed(prefix) for p in sub.problems]
        elif isinstance(sub, KeyError):
            problems.append(Problem(prefix, "required", "This field is required."))
        else:  # pragma: no cover - every hook raises ValidationError
            problems.append(Problem(prefix, "invalid_type", "This value could not be read."))
    for sub in others:
        if isinstance(sub, ForbiddenExtraKeysError):
            for key in sorted(str(k)[:40] for k in sub.extra_fields):
                problems.append(Problem((), "unknown_field", f"Unknown field {key!r}."))
        else:  # pragma: no cover
            problems.append(Problem((), "invalid_type", "This object could not be read."))
    return problems


def problems_of(exc: BaseException) -> tuple[Problem, ...]:
    """
    Return the problems inside an error raised by an accountcore-configured converter.

    A host converter that structures its own class holding accountcore types raises cattrs'
    error groups; this walks them into `Problem` values with full paths.

    .. versionadded:: 0.1
    """
    if isinstance(exc, ValidationError):
        return exc.problems
    if isinstance(exc, ClassValidationError):
        found: list[Problem] = []
        with_notes, others = exc.group_exceptions()
        for sub, note in with_notes:
            found += [p.prefixed((note.name,)) for p in problems_of(sub)]
        for sub in others:
            found += problems_of(sub)
        return tuple(found) or tuple(_walk(exc))
    if isinstance(exc, BaseValidationError):
        return tuple(p for sub in exc.exceptions for p in problems_of(sub))
    if isinstance(exc, KeyError):
        return (Problem((), "required", "This field is required."),)
    return ()


# --- structure hooks, one per field type --------------------------------------------------------


def _str(value: object, _: object) -> str:
    if type(value) is str:
        return value
    _fail_type(value, "text")


def _int(value: object, _: object) -> int:
    if type(value) is int:
        return value
    _fail_type(value, "an integer")


def _bool(value: object, _: object) -> bool:
    if type(value) is bool:
        return value
    _fail_type(value, "true or false")


def _date(value: object, _: object) -> date:
    if type(value) is date:
        return value
    if type(value) is str:
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        _fail("invalid_date", "Expected a date as YYYY-MM-DD.")
    _fail_type(value, "a date as YYYY-MM-DD text")


def _enum(cls: type[enum.Enum]) -> Hook:
    members = {m.value: m for m in cls}
    allowed = ", ".join(str(v) for v in members)

    def hook(value: object, _: object) -> enum.Enum:
        if type(value) is str:
            member = members.get(value)
            if member is not None:
                return member
            _fail("invalid_choice", f"Expected one of {allowed}.")
        if type(value) is cls:
            return value
        _fail_type(value, f"one of {allowed}")

    return hook


def _identifier(cls: type[Identifier], check: bool) -> Hook:
    read = cls.parse if check else cls.unchecked

    def hook(value: object, _: object) -> Identifier:
        if type(value) is cls:
            return value
        return read(value)

    return hook


def _optional_str(value: object, _: object) -> str | None:
    if type(value) is str:
        return value if value and not value.isspace() else None
    if value is None:
        return None
    _fail_type(value, "text")


def _checked(
    inner: Hook, normalise: Callable[[str], str] | None, rule: Rule[object] | None
) -> Hook:
    def hook(value: object, type_: object) -> object:
        result = inner(value, type_)
        if normalise is not None:
            result = normalise(result)  # type: ignore[arg-type]
        if rule is not None and (failure := rule(result)) is not None:
            _fail(*failure)
        return result

    return hook


def _tuple_of(inner: Hook) -> Hook:
    def hook(value: object, type_: object) -> tuple[object, ...]:
        if type(value) is not list and type(value) is not tuple:
            _fail_type(value, "an array")
        items: list[object] = []
        problems: list[Problem] = []
        for i, item in enumerate(value):
            try:
                items.append(inner(item, None))
            except ValidationError as exc:
                problems += [p.prefixed((i,)) for p in exc.problems]
        if problems:
            raise ValidationError(problems)
        return tuple(items)

    return hook


_PRIMITIVES: dict[object, Hook] = {str: _str, int: _int, bool: _bool, date: _date}


def _field_hook(conv: cattrs.Converter, tp: object, owner: type, name: str, check: bool) -> Hook:
    args = typing.get_args(tp)
    optional = typing.get_origin(tp) in (Union, types.UnionType) and type(None) in args
    if optional:
        (tp,) = (a for a in args if a is not type(None))
    normalise = _NORMALISE.get((owner, name))
    rule = _rules_of(owner).get(name)
    base = _base_hook(conv, tp, check)
    if not optional:
        return base if normalise is None and rule is None else _checked(base, normalise, rule)  # type: ignore[arg-type]
    if base is _str and normalise is None and rule is None:
        return _optional_str
    return _optional_checked(base, normalise, rule)  # type: ignore[arg-type]


def _optional_checked(
    inner: Hook, normalise: Callable[[str], str] | None, rule: Rule[object] | None
) -> Hook:
    # One closure per optional field: null and blank text read as absent, then type, rule.
    def hook(value: object, type_: object) -> object:
        if value is None or (type(value) is str and (not value or value.isspace())):
            return None
        result = inner(value, type_)
        if normalise is not None:
            result = normalise(result)  # type: ignore[arg-type]
        if rule is not None and (failure := rule(result)) is not None:
            _fail(*failure)
        return result

    return hook


def _rules_of(owner: type) -> Mapping[str, object]:
    return FIELD_RULES.get(owner, {})


def _base_hook(conv: cattrs.Converter, tp: object, check: bool) -> Hook:
    if tp in _PRIMITIVES:
        return _PRIMITIVES[tp]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum(tp)
    if isinstance(tp, type) and issubclass(tp, Identifier):
        return _identifier(tp, check)
    if typing.get_origin(tp) is tuple:
        return _tuple_of(_base_hook(conv, typing.get_args(tp)[0], check))
    hook: Hook = conv.get_structure_hook(tp)
    return hook


def _class_hook(conv: cattrs.Converter, cls: type, check: bool) -> Hook:
    overrides = {
        f.name: override(struct_hook=_field_hook(conv, f.type, cls, f.name, check))
        for f in attrs.fields(attrs.resolve_types(cls))
    }
    generated: Callable[[dict[str, object], object], object] = make_dict_structure_fn(
        cls,
        conv,
        _cattrs_forbid_extra_keys=True,
        _cattrs_detailed_validation=True,
        **overrides,  # type: ignore[arg-type]
    )

    prepare = _PREPARE.get(cls)
    class_rule = CLASS_RULES.get(cls)

    def hook(value: object, type_: object) -> object:
        if not isinstance(value, dict):
            _fail_type(value, "an object")
        if prepare is not None:
            value = prepare(value)
        try:
            result = generated(value, type_)
        except ClassValidationError as exc:
            raise ValidationError(_walk(exc)) from None
        if class_rule is not None and (problems := list(class_rule(result))):
            raise ValidationError(problems)
        return result

    return hook


def _contact_defaults(value: dict[str, object]) -> dict[str, object]:
    """The first email given switches both email flags on, unless the record sets them."""
    email = value.get("email")
    if not isinstance(email, str) or not email.strip():
        return value
    defaults = {"valid_email": True, "email_permission": True}
    return {**defaults, **value}


_PREPARE: dict[type, Callable[[dict[str, object]], dict[str, object]]] = {
    Contact: _contact_defaults,
}


# --- free fields ---------------------------------------------------------------------------------


def _amount(value: object) -> Decimal:
    if type(value) is int:
        return Decimal(value)
    if type(value) is str:
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
_FREE_HEAD: tuple[tuple[str, Hook], ...] = (
    ("name", _checked(_str, None, FIELD_RULES[FreeField]["name"])),  # type: ignore[arg-type]
    ("kind", _enum(FreeFieldKind)),
)


def _free_field(value: object, _: object) -> FreeField:
    if not isinstance(value, dict):
        _fail_type(value, "an object")
    problems = [
        Problem((), "unknown_field", f"Unknown field {str(k)[:40]!r}.")
        for k in value
        if k not in _FREE_KEYS
    ]
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


# --- the account -----------------------------------------------------------------------------

_COUNTRY_BOUND = (
    ("marketing", "coc_number", ChamberOfCommerceNumber),
    ("financial", "vat_number", VATNumber),
)


def _country_of(data: dict[str, object]) -> str | None:
    summary = data.get("summary")
    address = summary.get("address") if isinstance(summary, dict) else None
    country = address.get("country") if isinstance(address, dict) else None
    if isinstance(country, str) and country.strip().upper() in ALPHA2:
        return country.strip().upper()
    return None


def _read_country_bound(
    data: dict[str, object], check: bool
) -> tuple[dict[str, object], list[Problem]]:
    """Read the identifiers whose rules depend on the account's country, with that country."""
    problems: list[Problem] = []
    country = _country_of(data) if check else None
    for section, key, cls in _COUNTRY_BOUND:
        part = data.get(section)
        raw = part.get(key) if isinstance(part, dict) else None
        if not isinstance(raw, str) or not raw.strip():
            continue
        try:
            value: object = cls.parse(raw, country) if check else cls.unchecked(raw)
        except ValidationError as exc:
            problems += [p.prefixed((section, key)) for p in exc.problems]
            value = None
        data = {**data, section: {**part, key: value}}  # type: ignore[dict-item]
    return data, problems


def _account_hook(conv: cattrs.Converter, check: bool) -> Hook:
    read_fields = _class_hook(conv, Account, check)  # runs the Account class rules too

    def hook(value: object, type_: object) -> Account:
        if isinstance(value, Mapping) and not isinstance(value, dict):
            value = dict(value)
        if not isinstance(value, dict):
            _fail_type(value, "an object")
        data, problems = _read_country_bound(value, check)
        try:
            account: Account = read_fields(data, type_)  # type: ignore[assignment]
        except ValidationError as exc:
            problems += exc.problems
        if problems:
            raise ValidationError(problems)
        return account

    return hook


# --- unstructure -------------------------------------------------------------------------------


def _unstructure_hook(conv: cattrs.Converter, tp: object) -> Callable[[object], object] | None:
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (Union, types.UnionType) and type(None) in args:
        (inner_type,) = (a for a in args if a is not type(None))
        inner = _unstructure_hook(conv, inner_type)
        if inner is None or inner is identity:
            return inner
        return lambda v: None if v is None else inner(v)
    if tp in (str, int, bool):
        return identity  # cattrs inlines the attribute read for identity
    if tp is date:
        return date.isoformat  # type: ignore[return-value]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return lambda v: v.value  # type: ignore[attr-defined]
    if isinstance(tp, type) and issubclass(tp, Identifier):
        return lambda v: v.compact  # type: ignore[attr-defined]
    if typing.get_origin(tp) is tuple:
        item = conv.get_unstructure_hook(typing.get_args(tp)[0])
        return lambda v: [item(x) for x in v]  # type: ignore[attr-defined]
    if attrs.has(tp):  # type: ignore[arg-type]
        hook: Callable[[object], object] = conv.get_unstructure_hook(tp)
        return hook
    return None


def _class_unstructure(conv: cattrs.Converter, cls: type) -> Callable[[object], object]:
    overrides = {}
    for f in attrs.fields(attrs.resolve_types(cls)):
        hook = _unstructure_hook(conv, f.type)
        if hook is not None:
            overrides[f.name] = override(unstruct_hook=hook)
    fn: Callable[[object], object] = make_dict_unstructure_fn(cls, conv, **overrides)  # type: ignore[arg-type]
    return fn


# --- converters --------------------------------------------------------------------------------


def configure_converter(conv: cattrs.Converter, *, check_identifiers: bool = True) -> None:
    """
    Register accountcore's hooks on ``conv`` for accountcore's types only.

    Structuring an `Account` then runs every rule that needs no outside data. Errors come out
    as `ValidationError` (or, inside a host class, as cattrs error groups that `problems_of`
    walks).

    Args:
        conv: the host's converter.
        check_identifiers: ``False`` reads identifiers unchecked (for trusted bulk data).

    .. versionadded:: 0.1
    """
    for cls in (*Identifier.__subclasses__(), *_enums()):
        conv.register_structure_hook(cls, _base_hook(conv, cls, check_identifiers))
        conv.register_unstructure_hook(cls, _unstructure_hook(conv, cls))  # type: ignore[arg-type]
    for cls in _SECTIONS:
        conv.register_structure_hook(cls, _class_hook(conv, cls, check_identifiers))
        conv.register_unstructure_hook(cls, _class_unstructure(conv, cls))
    conv.register_structure_hook(FreeField, _free_field)
    conv.register_unstructure_hook(FreeField, _unstructure_free_field)
    conv.register_structure_hook(Account, _account_hook(conv, check_identifiers))
    conv.register_unstructure_hook(Account, _class_unstructure(conv, Account))


def _enums() -> tuple[type[enum.Enum], ...]:
    return (AccountType, AccountStatus, GroupInvoice, FreeFieldKind)


def make_converter(*, check_identifiers: bool = True) -> cattrs.Converter:
    """
    Return a fresh cattrs converter that reads and writes accountcore's types.

    .. versionadded:: 0.1
    """
    conv = cattrs.Converter()
    configure_converter(conv, check_identifiers=check_identifiers)
    return conv


@functools.cache
def _private_converter(check_identifiers: bool) -> cattrs.Converter:
    # Built on first use, never handed out, so nobody else can register hooks on it.
    return make_converter(check_identifiers=check_identifiers)


def from_dict(data: object, *, check_identifiers: bool = True) -> Account:
    """
    Read an untrusted record into a checked `Account`.

    Args:
        data: a JSON-like mapping, as `to_dict` writes it.
        check_identifiers: ``False`` skips IBAN, BIC, VAT and other identifier checks
            (identifiers are then marked unchecked); every other rule still runs.

    Returns:
        The account.

    Raises:
        ValidationError: listing every problem, each with its field path.

    .. versionadded:: 0.1
    """
    account: Account = _private_converter(check_identifiers).structure(data, Account)
    return account


def to_dict(account: Account) -> JSONObject:
    """
    Write ``account`` as a JSON-ready dict (dates as ISO text, amounts as decimal text).

    .. versionadded:: 0.1
    """
    result: JSONObject = _private_converter(True).unstructure(account, Account)
    return result
