"""Reading and writing accounts through cattrs: the converters, `from_dict` and `to_dict`."""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date
from typing import Union

import attrs
import cattrs
from cattrs.errors import BaseValidationError, ClassValidationError
from cattrs.fns import identity
from cattrs.gen import make_dict_unstructure_fn, override

from ..entities import (
    Account,
    AccountStatus,
    AccountType,
    FreeField,
    FreeFieldKind,
    GroupInvoice,
    account_warnings,
)
from ..errors import Problem, ValidationError
from ..identifiers import (
    BIC,
    COUNTRY_CODES,
    DUNS,
    GLN,
    IBAN,
    ChamberOfCommerceNumber,
    Identifier,
    VATNumber,
)
from ._failures import _fail_type, _walk
from ._free import _free_field, _unstructure_free_field
from ._hooks import _SECTIONS, Hook, JSONObject, _base_hook, _class_hook


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


# --- the account -----------------------------------------------------------------------------

_COUNTRY_BOUND = (
    ("marketing", "coc_number", ChamberOfCommerceNumber),
    ("financial", "vat_number", VATNumber),
)


def _country_of(data: dict[str, object]) -> str | None:
    summary = data.get("summary")
    address = summary.get("address") if isinstance(summary, dict) else None
    country = address.get("country") if isinstance(address, dict) else None
    if not isinstance(country, str) or len(country) > 8:  # a longer one is refused later
        return None
    code = country.strip().upper()
    return code if code in COUNTRY_CODES else None


def _read_country_bound(
    data: dict[str, object], check: bool
) -> tuple[dict[str, object], list[Problem]]:
    """Read the identifiers whose rules depend on the account's country, with that country."""
    problems: list[Problem] = []
    country = _country_of(data) if check else None
    read: dict[str, object] = {}
    for section, key, cls in _COUNTRY_BOUND:
        part = data.get(section)
        raw = part.get(key) if isinstance(part, dict) else None
        if not isinstance(raw, str) or not raw or raw.isspace():
            continue
        try:
            value: object = cls.parse(raw, country) if check else cls.unchecked(raw)
        except ValidationError as exc:
            problems += [p.prefixed((section, key)) for p in exc.problems]
            value = None
        read[section] = {**part, key: value}  # type: ignore[dict-item]
    # One copy of the record for both sections (they differ), never the caller's dict.
    return ({**data, **read} if read else data), problems


def _account_hook(conv: cattrs.Converter, check: bool) -> Hook:
    read_fields = _class_hook(conv, Account, check)  # runs the Account class rules too

    def hook(value: object, type_: object) -> Account:
        if not isinstance(value, dict) and isinstance(value, Mapping):
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
    for cls in (*_IDENTIFIERS, *_ENUMS):
        conv.register_structure_hook(cls, _base_hook(conv, cls, check_identifiers))
        conv.register_unstructure_hook(cls, _unstructure_hook(conv, cls))  # type: ignore[arg-type]
    for cls in _SECTIONS:
        conv.register_structure_hook(cls, _class_hook(conv, cls, check_identifiers))
        conv.register_unstructure_hook(cls, _class_unstructure(conv, cls))
    conv.register_structure_hook(FreeField, _free_field)
    conv.register_unstructure_hook(FreeField, _unstructure_free_field)
    conv.register_structure_hook(Account, _account_hook(conv, check_identifiers))
    conv.register_unstructure_hook(Account, _class_unstructure(conv, Account))


_IDENTIFIERS: tuple[type[Identifier], ...] = (
    IBAN,
    BIC,
    VATNumber,
    ChamberOfCommerceNumber,
    DUNS,
    GLN,
)


_ENUMS: tuple[type[enum.Enum], ...] = (AccountType, AccountStatus, GroupInvoice, FreeFieldKind)


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


@functools.cache
def _account_reader(check_identifiers: bool) -> Hook:
    # The private converter's Account hook: no hook can change, so it skips the dispatch.
    hook: Hook = _private_converter(check_identifiers).get_structure_hook(Account)
    return hook


def from_dict(
    data: object, *, check_identifiers: bool = True, warnings: list[Problem] | None = None
) -> Account:
    """
    Read an untrusted record into a checked `Account`.

    Args:
        data: a JSON-like mapping, as `to_dict` writes it.
        check_identifiers: ``False`` skips IBAN, BIC, VAT and other identifier checks
            (identifiers are then marked unchecked); every other rule still runs.
        warnings: a list to receive the account's warnings (`accountcore.Problem`s of
            severity warning, which leave the account valid), appended in record order.
            Left out, warnings are not looked for.

    Returns:
        The account.

    Raises:
        ValidationError: listing every error, each with its field path.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``warnings``.
    """
    account: Account = _account_reader(check_identifiers)(data, Account)  # type: ignore[assignment]
    if warnings is not None:
        warnings += account_warnings(account, identifiers=check_identifiers)
    return account


def to_dict(account: Account) -> JSONObject:
    """
    Write ``account`` as a JSON-ready dict (dates as ISO text, amounts as decimal text).

    .. versionadded:: 0.1
    """
    result: JSONObject = _private_converter(True).unstructure(account, Account)
    return result
