"""Properties of reading and writing records, attacked with accountcore.testing's strategies."""

from __future__ import annotations

import copy
import json
import re
import types
import typing
from collections.abc import Iterator
from typing import Union

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from accountcore import (
    Account,
    CheckStrength,
    Problem,
    ValidationError,
    VATNumber,
    from_dict,
    to_dict,
)
from accountcore import testing as at
from accountcore.errors import CODES
from accountcore.identifiers import Identifier

Path = tuple[Union[str, int], ...]
JSON = typing.Any  # a JSON-like value; precise enough for tests
#: Every VAT country accountcore.testing serves but CH (tested on its own below).
VAT_COUNTRIES = (
    "AT", "BE", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "NL", "NO", "PL", "PT", "RO", "SE", "SK",
)  # fmt: skip
NOT_IDENTIFIER_BREAKAGES = (
    "wrong_type", "blank", "unknown_key", "out_of_range", "bad_date", "bad_choice", "missing_key",
)  # fmt: skip


def read(data: JSON, **options: bool) -> tuple[Problem, ...]:
    """Read ``data``; return its problems, or ``()`` when it reads. Any other error escapes."""
    try:
        from_dict(data, **options)
    except ValidationError as exc:
        assert str(exc) and exc.problems
        return exc.problems
    return ()


def unwrap_optional(tp: object) -> object:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    union = typing.get_origin(tp) in (Union, types.UnionType)
    return args[0] if union and len(args) == 1 else tp


def names_a_field(path: Path, data: JSON) -> bool:
    """Walk ``path`` over Account's classes (and ``data``'s lists); ``()`` is the account."""
    tp: object = Account
    for step in path:
        tp = unwrap_optional(tp)
        if isinstance(step, int):
            if typing.get_origin(tp) is not tuple:
                return False
            if isinstance(data, list) and not 0 <= step < len(data):
                return False
            tp = typing.get_args(tp)[0]
        else:
            if not (isinstance(tp, type) and attrs.has(tp)):
                return False
            fields = attrs.fields_dict(attrs.resolve_types(tp))
            if step not in fields:
                return False
            tp = fields[step].type
        data = data[step] if _has_step(data, step) else None
    return True


def _has_step(data: JSON, step: str | int) -> bool:
    if isinstance(step, int):
        return isinstance(data, list) and 0 <= step < len(data)
    return isinstance(data, dict) and step in data


def assert_well_formed(problems: tuple[Problem, ...], data: JSON) -> None:
    """Every problem has a known code, a path to a real field and a message."""
    for problem in problems:
        assert problem.code in CODES, problem
        assert names_a_field(problem.path, data), problem
        assert problem.message.strip(), problem


# --- inputs ---------------------------------------------------------------------------------


def all_paths(data: JSON, prefix: Path = ()) -> Iterator[Path]:
    """Every key and index path inside ``data``, containers included."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        path = (*prefix, key)
        yield path
        if isinstance(value, (dict, list)):
            yield from all_paths(value, path)


def replaced(data: JSON, path: Path, value: JSON) -> JSON:
    if not path:
        return value
    head, rest = path[0], path[1:]
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[head] = replaced(data[head], rest, value)
    return copy


def get(data: JSON, path: Path) -> JSON:
    for step in path:
        data = data[step]
    return data


RECORDS = at.account_dicts()
JSON_VALUES = at.json_values()
SMALL_TEXT = st.text(max_size=4)


def mangled(draw: st.DrawFn, text: str) -> str:
    """``text`` with a slice replaced by a little random text."""
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, len(text)))
    return text[:start] + draw(SMALL_TEXT) + text[end:]


@st.composite
def junk_records(draw: st.DrawFn) -> JSON:
    """A valid record with one value, at any depth, replaced by arbitrary JSON or mangled."""
    data = draw(RECORDS)
    paths = list(all_paths(data))
    path = paths[draw(st.integers(0, len(paths) - 1))]
    old = get(data, path)
    if isinstance(old, str) and draw(st.booleans()):
        return replaced(data, path, mangled(draw, old))
    return replaced(data, path, draw(JSON_VALUES))


_SEPARATORS = re.compile(r"[\s.\-/]+")
_SECRET_KEYS = frozenset({"iban", "vat_number", "coc_number"})


def secrets_in(data: JSON) -> set[str]:
    """The IBANs and tax numbers of a record, compacted, when long enough to be one."""
    found: set[str] = set()
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        if key in _SECRET_KEYS and isinstance(value, str):
            found.add(_SEPARATORS.sub("", value).upper())
        elif isinstance(value, (dict, list)):
            found |= secrets_in(value)
    return {s for s in found if len(s) >= 8}


def strengths(account: Account) -> Iterator[CheckStrength]:
    """The check strength of every identifier in ``account``."""
    sections = (account.marketing, account.financial, *account.financial.bank_accounts)
    for section in sections:
        for value in attrs.asdict(section, recurse=False).values():
            if isinstance(value, Identifier):
                yield value.strength


# --- properties -----------------------------------------------------------------------------


class TestRoundTrip:
    @given(at.accounts())
    def test_from_dict_inverts_to_dict(self, account: Account) -> None:
        """Reading what to_dict wrote gives the same account back."""
        assert from_dict(to_dict(account)) == account

    @given(at.accounts())
    def test_round_trip_through_json_text(self, account: Account) -> None:
        """to_dict's output survives json.dumps and json.loads and still reads back equal."""
        text = json.dumps(to_dict(account), allow_nan=False)
        assert from_dict(json.loads(text)) == account

    @given(at.account_dicts())
    def test_to_dict_of_a_read_record_is_stable(self, data: JSON) -> None:
        """Writing a read record and reading it again changes nothing."""
        account = from_dict(data)
        assert to_dict(from_dict(to_dict(account))) == to_dict(account)


class TestUncheckedIdentifiers:
    @given(at.account_dicts())
    def test_unchecked_reading_accepts_every_valid_record(self, data: JSON) -> None:
        """Without identifier checks, a valid record reads to the same account, unchecked."""
        checked = from_dict(data)
        unchecked = from_dict(data, check_identifiers=False)
        assert to_dict(unchecked) == to_dict(checked)
        assert set(strengths(unchecked)) <= {CheckStrength.UNCHECKED}


class TestIdentifiers:
    @given(st.sampled_from(VAT_COUNTRIES).flatmap(at.vat_numbers))
    def test_vat_national_part_reads_back_in_its_country(self, vat: VATNumber) -> None:
        """A VAT number's national part, read with its country, gives the same number."""
        assert VATNumber.parse(vat.national, country=vat.country) == vat

    def test_swiss_vat_national_part_reads_back(self) -> None:
        """A Swiss VAT number's national part, read as Swiss, gives the same number."""
        vat = VATNumber.parse("CHE-107.787.577 IVA")
        assert VATNumber.parse(vat.national, country="CH") == vat


class TestRobustness:
    @settings(max_examples=2000)
    @given(at.json_values())
    def test_arbitrary_json_raises_only_validation_errors(self, data: JSON) -> None:
        """Any JSON-like value is either read or refused with well-formed problems."""
        assert_well_formed(read(data), data)

    @settings(max_examples=2000)
    @given(junk_records())
    def test_junk_inside_a_record_raises_only_validation_errors(self, data: JSON) -> None:
        """A record with arbitrary JSON at any position is read or refused with good problems."""
        before = copy.deepcopy(data)
        assert_well_formed(read(data), data)
        assert_well_formed(read(data, check_identifiers=False), data)
        assert data == before, "from_dict changed its input"

    @settings(max_examples=2000)
    @given(at.broken_records())
    def test_broken_records_raise_only_validation_errors(self, record: at.BrokenRecord) -> None:
        """A record with one broken field is refused with well-formed problems only."""
        problems = read(record.data)
        assert problems
        assert_well_formed(problems, record.data)


class TestBrokenRecords:
    @given(at.broken_records())
    def test_the_broken_path_is_reported(self, record: at.BrokenRecord) -> None:
        """The broken field (or, for an unknown key, its object) is among the problems."""
        found = {(p.path, p.code) for p in read(record.data)}
        assert any((record.path, code) in found for code in record.expected_codes), found

    @given(at.broken_records(NOT_IDENTIFIER_BREAKAGES))
    def test_unchecked_reading_reports_it_too(self, record: at.BrokenRecord) -> None:
        """Skipping identifier checks still reports every other kind of broken field."""
        found = {(p.path, p.code) for p in read(record.data, check_identifiers=False)}
        assert any((record.path, code) in found for code in record.expected_codes), found


class TestMessages:
    @given(at.broken_records())
    def test_messages_never_echo_an_iban_or_tax_number(self, record: at.BrokenRecord) -> None:
        """No problem message holds a full IBAN, VAT or register number of the input."""
        secrets = secrets_in(record.data)
        for problem in read(record.data):
            message = _SEPARATORS.sub("", problem.message).upper()
            assert not any(secret in message for secret in secrets), problem

    @given(junk_records())
    def test_mangled_identifiers_are_not_echoed(self, data: JSON) -> None:
        """Even a mangled identifier is not repeated in full by the problem about it."""
        secrets = secrets_in(data)
        for problem in read(data):
            message = _SEPARATORS.sub("", problem.message).upper()
            assert not any(secret in message for secret in secrets), problem
