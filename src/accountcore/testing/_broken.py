"""Strategies for broken input: JSON-like values and account records with one field broken."""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Collection, Iterator
from datetime import date
from typing import Union

import attrs
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from ..entities import (
    Account,
    Address,
    BankAccount,
    Contact,
    Financial,
    FreeField,
    General,
    Marketing,
    Relations,
    Summary,
)
from ..identifiers import IBAN, Identifier
from ..serialization import JSONObject, JSONValue
from ._entities import _cached, account_dicts
from ._identifiers import bics, glns, ibans, vat_numbers
from ._text import _digits

Path = tuple[Union[str, int], ...]


def _field_names() -> list[str]:
    classes = (Account, Summary, Address, General, Contact, Marketing, Relations, Financial)
    names = {f.name for c in (*classes, BankAccount, FreeField) for f in attrs.fields(c)}
    return sorted(names)


def json_values() -> SearchStrategy[JSONValue]:
    """
    Draw arbitrary JSON-like values: nested objects and arrays of text, numbers, booleans, null.

    Object keys are often accountcore field names, so the values reach deep into readers.
    Floats include NaN and infinities, which Python's `json` module reads and writes.

    Returns:
        A strategy of JSON-like values.

    .. versionadded:: 0.1
    """
    leaves: SearchStrategy[JSONValue] = (
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    )
    keys = st.sampled_from(_field_names()) | st.text(max_size=8)

    def nest(inner: SearchStrategy[JSONValue]) -> SearchStrategy[JSONValue]:
        return st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5)

    return st.recursive(leaves, nest, max_leaves=12)


@attrs.frozen
class BrokenRecord:
    """
    An account record with exactly one field broken, and where.

    Args:
        data: the record, JSON-ready.
        path: the broken field; for an unknown key, the object that holds it.
        expected_codes: the problem codes `accountcore.from_dict` may report at ``path``.
        breakage: what was done: ``wrong_type``, ``blank``, ``unknown_key``, ``out_of_range``,
            ``invalid_identifier``, ``bad_date``, ``bad_choice`` or ``missing_key``.

    .. versionadded:: 0.1
    """

    data: JSONObject
    path: Path
    expected_codes: frozenset[str]
    breakage: str


_IDENTIFIER_CODES = frozenset(
    {"invalid_format", "invalid_length", "invalid_checksum", "invalid_component"}
)
_Breaker = Callable[[st.DrawFn, JSONObject], tuple[JSONObject, Path, frozenset[str]]]


def _replace(data: JSONValue, path: Path, value: JSONValue) -> JSONValue:
    """Return ``data`` with the value at ``path`` replaced, copying only along the path."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict) and isinstance(head, str):
        return {**data, head: _replace(data.get(head), rest, value)}
    assert isinstance(data, list) and isinstance(head, int)
    return [_replace(v, rest, value) if i == head else v for i, v in enumerate(data)]


def _remove(data: JSONValue, path: Path) -> JSONValue:
    parent = _get(data, path[:-1])
    assert isinstance(parent, dict)
    return _replace(data, path[:-1], {k: v for k, v in parent.items() if k != path[-1]})


def _get(data: JSONValue, path: Path) -> JSONValue:
    for step in path:
        data = data[step]  # type: ignore[index]
    return data


def _field_type(tp: object) -> object:
    """The field's type without ``| None``."""
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    union = typing.get_origin(tp) in (Union, types.UnionType)
    return args[0] if union and len(args) == 1 else tp


def _typed_paths(cls: type, data: JSONValue, prefix: Path = ()) -> Iterator[tuple[Path, object]]:
    """Every field present in ``data``, with its type, walking into sections and lists."""
    if not isinstance(data, dict):
        return
    for field in attrs.fields(attrs.resolve_types(cls)):
        if field.name not in data or (cls is FreeField and field.name == "value"):
            continue
        path, tp = (*prefix, field.name), _field_type(field.type)
        yield path, tp
        value = data[field.name]
        if typing.get_origin(tp) is tuple and isinstance(value, list):
            for i, item in enumerate(value):
                yield from _typed_paths(typing.get_args(tp)[0], item, (*path, i))
        elif isinstance(tp, type) and attrs.has(tp):
            yield from _typed_paths(tp, value, path)


def _wrong_value(tp: object) -> JSONValue:
    if tp is str:
        return 42
    if tp is int:
        return "42"
    if tp is bool:
        return "yes"
    if tp is date or (isinstance(tp, type) and issubclass(tp, Identifier)):
        return 20240101
    return 1 if isinstance(tp, type) and issubclass(tp, enum.Enum) else "text"


def _wrong_type(draw: st.DrawFn, data: JSONObject) -> tuple[JSONObject, Path, frozenset[str]]:
    path, tp = draw(st.sampled_from(list(_typed_paths(Account, data))))
    return _with(data, path, _wrong_value(tp)), path, frozenset({"invalid_type"})


def _with(data: JSONObject, path: Path, value: JSONValue) -> JSONObject:
    return typing.cast(JSONObject, _replace(data, path, value))


def _free_paths(data: JSONObject, key: str) -> list[Path]:
    fields = data.get("free_fields") or []
    assert isinstance(fields, list)
    return [("free_fields", i, key) for i in range(len(fields))]


_BLANKS = st.text(" \t\n\u00a0\u3000", max_size=3)


def _blank(draw: st.DrawFn, data: JSONObject) -> tuple[JSONObject, Path, frozenset[str]]:
    paths = [("code",), ("name",), ("summary", "address", "line1"), ("summary", "address", "city")]
    path = draw(st.sampled_from(paths + _free_paths(data, "name")))
    blank = draw(_BLANKS)
    return _with(data, path, blank), path, frozenset({"required"})


def _unknown_key(draw: st.DrawFn, data: JSONObject) -> tuple[JSONObject, Path, frozenset[str]]:
    objects = [()] + [p for p, _ in _typed_paths(Account, data) if isinstance(_get(data, p), dict)]
    path = draw(st.sampled_from(objects))
    key = "x-" + draw(st.text(max_size=8))
    value = draw(_cached(json_values))
    target = _get(data, path)
    assert isinstance(target, dict)
    return _with(data, path, {**target, key: value}), path, frozenset({"unknown_field"})


_OUT_OF_RANGE = st.one_of(
    st.tuples(st.just(("marketing", "security_level")), st.integers(max_value=-1)),
    st.tuples(st.just(("marketing", "security_level")), st.integers(min_value=101)),
    st.tuples(st.just(("marketing", "rating")), st.integers(max_value=0)),
    st.tuples(st.just(("marketing", "rating")), st.integers(min_value=8)),
    st.tuples(st.just(("financial", "invoice_copies")), st.integers(max_value=-1)),
)


def _out_of_range(draw: st.DrawFn, data: JSONObject) -> tuple[JSONObject, Path, frozenset[str]]:
    path, number = draw(_OUT_OF_RANGE)
    return _with(data, path, number), path, frozenset({"out_of_range"})


def _bad_iban(iban: IBAN, shift: int) -> str:
    """Shift the check digits: any shift below 97 breaks ISO 13616's mod-97 check."""
    return f"{iban.compact[:2]}{(int(iban.compact[2:4]) + shift) % 97:02d}{iban.compact[4:]}"


def _bad_last_digit(value: Identifier) -> str:
    return value.compact[:-1] + str((int(value.compact[-1]) + 1) % 10)


def _bad_identifiers() -> SearchStrategy[tuple[Path, str]]:
    bank: Path = ("financial", "bank_accounts", 0)
    single_digit_vat = st.sampled_from(["AT", "DE", "IT", "PT", "GR", "DK"]).flatmap(vat_numbers)
    return st.one_of(
        st.tuples(st.just((*bank, "iban")), st.builds(_bad_iban, ibans(), st.integers(1, 96))),
        st.tuples(st.just((*bank, "bic")), bics().map(lambda b: b.compact[:7])),
        st.tuples(
            st.just((*bank, "bic")), bics().map(lambda b: b.compact[:4] + "XX" + b.compact[6:])
        ),
        st.tuples(st.just(("financial", "vat_number")), single_digit_vat.map(_bad_last_digit)),
        st.tuples(st.just(("marketing", "gln")), glns().map(_bad_last_digit)),
        st.tuples(st.just(("marketing", "duns_number")), _digits(8) | _digits(10)),
        st.tuples(st.just(("marketing", "duns_number")), st.just("12345678X")),
    )


def _invalid_identifier(
    draw: st.DrawFn, data: JSONObject
) -> tuple[JSONObject, Path, frozenset[str]]:
    path, raw = draw(_cached(_bad_identifiers))
    if path[1] == "bank_accounts" and not _get(data, path[:2]):
        data = _with(data, path[:2], [{"main": True}])
    return _with(data, path, raw), path, _IDENTIFIER_CODES


def _bad_date(draw: st.DrawFn, data: JSONObject) -> tuple[JSONObject, Path, frozenset[str]]:
    path = draw(st.sampled_from((("type_since",), ("status_since",), ("financial", "check_date"))))
    raw = draw(st.sampled_from(("2024-02-30", "2024-13-01", "01-01-2024", "2024-1-1", "today")))
    return _with(data, path, raw), path, frozenset({"invalid_date"})


def _bad_choice(draw: st.DrawFn, data: JSONObject) -> tuple[JSONObject, Path, frozenset[str]]:
    paths = [("type",), ("status",), ("financial", "group_invoice")]
    path = draw(st.sampled_from(paths + _free_paths(data, "kind")))
    raw = draw(st.sampled_from(("X", "c", "Customer", "NO", "colour", "0")))
    return _with(data, path, raw), path, frozenset({"invalid_choice"})


def _missing_key(draw: st.DrawFn, data: JSONObject) -> tuple[JSONObject, Path, frozenset[str]]:
    address = ("summary", "address")
    paths: list[Path] = [("code",), ("name",), ("type",), ("type_since",), ("status_since",)]
    paths += [("summary",), address, (*address, "line1"), (*address, "city"), (*address, "country")]
    path = draw(st.sampled_from(paths + _free_paths(data, "name") + _free_paths(data, "kind")))
    return typing.cast(JSONObject, _remove(data, path)), path, frozenset({"required"})


_BREAKERS: dict[str, _Breaker] = {
    "wrong_type": _wrong_type,
    "blank": _blank,
    "unknown_key": _unknown_key,
    "out_of_range": _out_of_range,
    "invalid_identifier": _invalid_identifier,
    "bad_date": _bad_date,
    "bad_choice": _bad_choice,
    "missing_key": _missing_key,
}


@st.composite
def _broken_records(draw: st.DrawFn, breakages: tuple[str, ...]) -> BrokenRecord:
    data = draw(_cached(account_dicts))
    breakage = draw(st.sampled_from(breakages))
    broken, path, codes = _BREAKERS[breakage](draw, data)
    return BrokenRecord(broken, path, codes, breakage)


def broken_records(breakages: Collection[str] | None = None) -> SearchStrategy[BrokenRecord]:
    """
    Draw valid account records with exactly one field broken, with the path that was broken.

    Args:
        breakages: the kinds of breakage to draw (see `BrokenRecord`); ``None`` means all.

    Returns:
        A strategy of `BrokenRecord` values; `accountcore.from_dict` rejects each ``data``
        with a problem at ``path`` whose code is in ``expected_codes``.

    Raises:
        InvalidArgument: for an unknown kind of breakage.

    .. versionadded:: 0.1
    """
    chosen = tuple(sorted(_BREAKERS if breakages is None else set(breakages)))
    unknown = set(chosen) - set(_BREAKERS)
    if unknown or not chosen:
        raise InvalidArgument(
            f"unknown breakages {sorted(unknown)}; choose from {sorted(_BREAKERS)}"
        )
    return _broken_records(chosen)


def broken_account_dicts() -> SearchStrategy[JSONObject]:
    """
    Draw valid account records with exactly one field broken.

    Returns:
        A strategy of JSON-ready dicts that `accountcore.from_dict` rejects.

    .. versionadded:: 0.1
    """
    return broken_records().map(lambda record: record.data)
