"""Structure hooks: strict, per-field readers that report problems with their paths."""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, NoReturn, Union

import attrs
import cattrs
from cattrs.errors import ClassValidationError
from cattrs.gen import make_dict_structure_fn, override

from ..entities import (
    CLASS_RULES,
    DEFAULT_MAX_LENGTH,
    FIELD_RULES,
    MAX_LENGTHS,
    Account,
    Address,
    BankAccount,
    Contact,
    Financial,
    General,
    Marketing,
    Relations,
    Summary,
)
from ..errors import Problem, ValidationError
from ..identifiers import Identifier
from ._failures import (
    _fail,
    _fail_type,
    _marked,
    _refuse,
    _refused_again,
    _walk,
    unknown_keys,
)

#: A field rule: a value in, ``None`` or ``(code, message)`` out.
Rule = Callable[[Any], "tuple[str, str] | None"]
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
            missing = _missing_day(value)
            if missing is not None:
                _fail("invalid_date", missing)
        _fail("invalid_date", "Expected a date as YYYY-MM-DD.")
    _fail_type(value, "a date as YYYY-MM-DD text")


_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def _missing_day(text: str) -> str | None:
    """
    Say why ``text``, shaped as YYYY-MM-DD, names no day of the calendar (February 30th, a
    13th month); ``None`` when its parts are not all digits, which is a wrong shape instead.
    """
    parts = text[:4], text[5:7], text[8:]
    if not all(part.isascii() and part.isdigit() for part in parts):
        return None
    year, month, day = (int(part) for part in parts)
    lacks = f"{text} names a day the calendar lacks"
    if year == 0:
        return f"{lacks}: years start at 1."
    if not 1 <= month <= 12:
        return f"{lacks}: a year has 12 months."
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    if day == 0:
        return f"{lacks}: days start at 1."
    return f"{lacks}: {_MONTHS[month - 1]} {year} has {days} days." if day > days else None


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
    inner: Hook, normalise: Callable[[str], str] | None, rule: Rule | None
) -> Hook:
    def hook(value: object, type_: object) -> object:
        result = inner(value, type_)
        if normalise is not None:
            result = normalise(result)  # type: ignore[arg-type]
        if rule is not None and (failure := rule(result)) is not None:
            _fail(*failure)
        return result

    return hook


#: Items of one list checked after this many of them failed are not checked (they cost time
#: and tell nothing new); one ``too_many_problems`` problem says so.
MAX_FAILED_ITEMS = 20


def _tuple_of(inner: Hook, count: Rule | None = None) -> Hook:
    """Read a list item by item; ``count`` refuses a list too long before any item is read."""

    def hook(value: object, type_: object) -> tuple[object, ...]:
        if type(value) is not list and type(value) is not tuple:
            _refused_again(value)
            _fail_type(value, "an array")
        if count is not None and (failure := count(value)) is not None:
            _refuse(value, [Problem((), *failure)])
        items: list[object] = []
        problems: list[Problem] = []
        failed = 0
        for i, item in enumerate(value):
            try:
                items.append(inner(item, None))
            except ValidationError as exc:
                problems += [p.prefixed((i,)) for p in exc.problems]
                failed += 1
                if failed == MAX_FAILED_ITEMS and i + 1 < len(value):
                    problems.append(_unchecked_items(i + 1, len(value)))
                    break
        if problems:
            _refuse(value, problems)
        return tuple(items)

    return hook


def _unchecked_items(start: int, end: int) -> Problem:
    message = (
        f"Items {start} to {end - 1} were not checked: "
        f"{MAX_FAILED_ITEMS} items before them have problems."
    )
    return Problem((), "too_many_problems", message)


_PRIMITIVES: dict[object, Hook] = {str: _str, int: _int, bool: _bool, date: _date}


def _field_hook(conv: cattrs.Converter, tp: object, owner: type, name: str, check: bool) -> Hook:
    args = typing.get_args(tp)
    optional = typing.get_origin(tp) in (Union, types.UnionType) and type(None) in args
    if optional:
        (tp,) = (a for a in args if a is not type(None))
    normalise = _NORMALISE.get((owner, name))
    if normalise is not None:
        normalise = _within(MAX_LENGTHS.get(owner, {}).get(name, DEFAULT_MAX_LENGTH), normalise)
    rule = _rules_of(owner).get(name)
    if typing.get_origin(tp) is tuple and rule is not None:
        return _tuple_of(_base_hook(conv, typing.get_args(tp)[0], check), rule)  # type: ignore[arg-type]
    base = _base_hook(conv, tp, check)
    if base is _str and normalise is None and rule is not None:
        # Text with a rule, the commonest checked field: the type and length checks inlined.
        return text_hook(rule, optional=optional)  # type: ignore[arg-type]
    if not optional:
        return base if normalise is None and rule is None else _checked(base, normalise, rule)  # type: ignore[arg-type]
    if normalise is None and rule is None:
        return _optional_str if base is _str else _optional(base)
    return _optional_checked(base, normalise, rule)  # type: ignore[arg-type]


def _within(limit: int, normalise: Callable[[str], str]) -> Callable[[str], str]:
    """Normalise text within ``limit`` only; longer text goes to its rule, which refuses it."""
    return lambda text: normalise(text) if len(text) <= limit else text



#: Text longer than this cannot be, so a rule without a length of its own checks none.
_NO_LIMIT = 1 << 62


def _too_long(limit: int) -> NoReturn:
    _fail("too_long", f"The text is longer than {limit:,} characters, its maximum.")


def text_hook(rule: Rule, *, optional: bool) -> Hook:
    """
    Read text held to ``rule``: its length limit and, for one-line text, its control
    characters (from `accountcore.entities`' `limited`) checked inline, then its own check,
    if any.
    """
    limit, line, own = (getattr(rule, name, None) for name in ("limit", "line", "rule"))
    if limit is None:
        limit, line, own = _NO_LIMIT, None, rule
    if optional:
        return _optional_ruled_text(limit, line, own)
    return _ruled_text(limit, line, own)


def _ruled_text(limit: int, line: Rule | None, rule: Rule | None) -> Hook:
    """`_checked` for text without normalising: type, length, line, then rule."""

    def hook(value: object, _: object) -> str:
        if type(value) is not str:
            _fail_type(value, "text")
        if len(value) > limit:
            _too_long(limit)
        # Printable text (the common case) holds no control character: one C call.
        if line is not None and not value.isprintable() and (failure := line(value)):
            _fail(*failure)
        if rule is not None and (failure := rule(value)) is not None:
            _fail(*failure)
        return value

    return hook


def _optional_ruled_text(limit: int, line: Rule | None, rule: Rule | None) -> Hook:
    """`_optional_checked` for text without normalising: null and blank read as absent."""

    def hook(value: object, _: object) -> str | None:
        if type(value) is str:
            if not value or value.isspace():
                return None
            if len(value) > limit:
                _too_long(limit)
            if line is not None and not value.isprintable() and (failure := line(value)):
                _fail(*failure)
            if rule is not None and (failure := rule(value)) is not None:
                _fail(*failure)
            return value
        if value is None:
            return None
        _fail_type(value, "text")

    return hook


def _optional(inner: Hook) -> Hook:
    """`_optional_checked` without normalising or rule: null and blank read as absent."""

    def hook(value: object, type_: object) -> object:
        if value is None or (type(value) is str and (not value or value.isspace())):
            return None
        return inner(value, type_)

    return hook


def _optional_checked(
    inner: Hook, normalise: Callable[[str], str] | None, rule: Rule | None
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
    # Valid records take cattrs' plain function; only a failure pays for the detailed one,
    # which collects every field's problem with its path. This speed trick stays because
    # `make bench` needs it: its row "from_dict" (benchmarks/card.py) must stay within 1.0x of
    # pydantic, and `check` within 10,000 rows a second (docs/adr/0012-check-throughput.md).
    fast: Callable[[object, object], object]
    detailed: Callable[[object, object], object]
    fast, detailed = (  # type: ignore[assignment]
        make_dict_structure_fn(
            cls,
            conv,
            # Both paths leave unknown keys to `unknown_keys`, which names them safely.
            _cattrs_forbid_extra_keys=False,
            _cattrs_detailed_validation=detail,
            **overrides,  # type: ignore[arg-type]
        )
        for detail in (False, True)
    )
    known = frozenset(overrides)
    prepare = _PREPARE.get(cls)
    class_rule = CLASS_RULES.get(cls)

    def hook(value: object, type_: object) -> object:
        if not isinstance(value, dict):
            _refused_again(value)
            _fail_type(value, "an object")
        raw = value  # what the parent holds, for `_marked`
        if prepare is not None:
            value = prepare(value)
        try:
            if not known.issuperset(value):
                raise KeyError  # an unknown key: the detailed read names it
            result = fast(value, type_)
        except Exception as error:  # any failure is re-read in detail below
            extra = unknown_keys(value, known)
            try:
                result = detailed(_marked(value, error), type_)
            except ClassValidationError as exc:
                _refuse(raw, _walk(exc) + extra)
            if extra:
                _refuse(raw, extra)
        if class_rule is not None and (problems := list(class_rule(result))):
            _refuse(raw, problems)
        return result

    return hook


def _contact_defaults(value: dict[str, object]) -> dict[str, object]:
    """The first email given switches both email flags on, unless the record sets them."""
    email = value.get("email")
    if not isinstance(email, str) or not email or email.isspace():
        return value
    defaults = {"valid_email": True, "email_permission": True}
    return {**defaults, **value}


_PREPARE: dict[type, Callable[[dict[str, object]], dict[str, object]]] = {
    Contact: _contact_defaults,
}


