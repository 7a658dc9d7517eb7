"""The record format as a JSON Schema: generated from the entities, agreeing with from_dict."""

from __future__ import annotations

import copy
import json
import re
import typing
from collections.abc import Iterator
from importlib.resources import files
from typing import Union

import attrs
import pytest
from _samples import record, with_value, without
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from accountcore import (
    Account,
    Address,
    BankAccount,
    Contact,
    Financial,
    FreeField,
    FreeFieldKind,
    General,
    Marketing,
    Problem,
    Relations,
    Summary,
    ValidationError,
    from_dict,
    to_dict,
)
from accountcore import testing as at
from accountcore.entities import DEFAULT_MAX_LENGTH, INT_RANGES, MAX_ITEMS, MAX_LENGTHS
from accountcore.exchange._schema import SPACE_CLASS, json_schema

Path = tuple[Union[str, int], ...]
JSON = typing.Any  # a JSON-like value; precise enough for tests

CLASSES = (
    Account, Summary, Address, General, FreeField, Contact, Marketing, Relations, BankAccount,
    Financial,
)  # fmt: skip
#: The problems of a record's structure: its keys, its types, its enum codes and dates.
STRUCTURAL = frozenset(
    {"unknown_field", "invalid_type", "required", "invalid_choice", "invalid_date"}
)
#: The keywords that state the card's limits rather than the record's structure.
LIMIT_KEYWORDS = frozenset(
    {"maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "maxItems"}
)
FORMATS = Draft202012Validator.FORMAT_CHECKER


def without_limits(schema: JSON) -> JSON:
    """The schema with its limits left out: the record's structure alone."""
    if isinstance(schema, dict):
        return {k: without_limits(v) for k, v in schema.items() if k not in LIMIT_KEYWORDS}
    if isinstance(schema, list):
        return [without_limits(v) for v in schema]
    return schema


SCHEMA = json_schema()
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=FORMATS)
STRUCTURE = Draft202012Validator(without_limits(json_schema()), format_checker=FORMATS)


def problems(data: JSON) -> tuple[Problem, ...]:
    """Read ``data``; return its problems, or ``()`` when it reads."""
    try:
        from_dict(data)
    except ValidationError as exc:
        return exc.problems
    return ()


def is_structural(problem: Problem) -> bool:
    """
    Tell whether ``problem`` is one of the record's structure. A bank account of the IBAN type
    without an IBAN is reported as ``required``, but relates two fields
    (docs/rules.md#bank-accounts): the schema leaves it to from_dict.
    """
    return problem.code in STRUCTURAL and not (
        problem.code == "required" and problem.path[-1:] == ("iban",)
    )


def sample_records() -> list[JSON]:
    text = files("accountcore").joinpath("data/sample_accounts.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def definition(cls: type) -> JSON:
    return SCHEMA["$defs"][cls.__name__]


def property_of(cls: type, name: str) -> JSON:
    """A field's schema, with the alternatives for null and blank text left out."""
    schema = definition(cls)["properties"][name]
    if "anyOf" in schema:
        (schema,) = [s for s in schema["anyOf"] if s.get("type") != "null" and "$ref" not in s]
    return schema


def assert_agree(data: JSON) -> None:
    """The schema accepts what from_dict reads, and refuses a structural fault as it does."""
    found = problems(data)
    if not found:
        assert VALIDATOR.is_valid(data), [e.message for e in VALIDATOR.iter_errors(data)]
    structural = [p for p in found if is_structural(p)]
    if STRUCTURE.is_valid(data) == bool(structural):
        errors = [e.message for e in STRUCTURE.iter_errors(data)]
        pytest.fail(f"the schema says {errors}, from_dict says {structural}")


class TestSchemaDocument:
    def test_is_a_valid_draft_2020_12_schema(self) -> None:
        """The schema is itself valid by the draft 2020-12 metaschema, and names that draft."""
        Draft202012Validator.check_schema(SCHEMA)
        assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert SCHEMA["$id"].startswith("https://")
        assert SCHEMA["$ref"] == "#/$defs/Account"

    def test_is_json_and_fresh_on_every_call(self) -> None:
        """Each call returns an equal, JSON-ready dict that shares no part with another call."""
        first, second = json_schema(), json_schema()
        assert json.loads(json.dumps(first)) == first == second
        first["$defs"]["Account"]["properties"]["id"]["anyOf"].clear()
        first["$defs"]["FreeField"]["allOf"][0]["then"].clear()
        assert json_schema() == second

    def test_shares_no_part_within_one_schema(self) -> None:
        """No dict or list appears twice in one schema, so changing one place changes no other."""
        seen: set[int] = set()

        def walk(value: JSON) -> None:
            if isinstance(value, (dict, list)):
                assert id(value) not in seen
                seen.add(id(value))
                for part in value.values() if isinstance(value, dict) else value:
                    walk(part)

        walk(json_schema())

    @pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
    def test_defines_each_class_by_its_attrs_fields(self, cls: type) -> None:
        """Each class's properties are its attrs fields; those without a default are required."""
        fields = attrs.fields(attrs.resolve_types(cls))
        schema = definition(cls)
        assert list(schema["properties"]) == [f.name for f in fields]
        assert schema["required"] == [f.name for f in fields if f.default is attrs.NOTHING]
        assert schema["additionalProperties"] is False
        assert " ".join(cls.__doc__.split()).replace("``", "`").startswith(schema["description"])

    def test_takes_the_limits_from_the_tables(self) -> None:
        """Text lengths, integer ranges and list sizes are those of accountcore.entities."""
        for cls, lengths in MAX_LENGTHS.items():
            for name, length in lengths.items():
                if (cls, name) != (FreeField, "value"):
                    assert property_of(cls, name)["maxLength"] == length
        for cls, ranges in INT_RANGES.items():
            for name, (low, high) in ranges.items():
                assert property_of(cls, name) | {"minimum": low, "maximum": high} == (
                    property_of(cls, name)
                )
        for cls, items in MAX_ITEMS.items():
            for name, most in items.items():
                assert property_of(cls, name)["maxItems"] == most
        assert property_of(Account, "name")["maxLength"] == DEFAULT_MAX_LENGTH

    def test_types_each_kind_of_free_field_value(self) -> None:
        """Each free field kind has its own rule for the value, and only the kinds there are."""
        rules = definition(FreeField)["allOf"]
        kinds = [rule["if"]["properties"]["kind"]["const"] for rule in rules]
        assert kinds == [kind.value for kind in FreeFieldKind]

    def test_space_class_is_what_python_calls_white_space(self) -> None:
        """Blank text in the schema is what str.isspace calls blank, character for character."""
        every = "".join(map(chr, range(0x110000)))
        assert set(re.findall(f"[{SPACE_CLASS}]", every)) == {c for c in every if c.isspace()}


class TestWrittenRecords:
    @settings(max_examples=50)
    @given(at.accounts())
    def test_every_record_to_dict_writes_is_valid(self, account: Account) -> None:
        """Every record to_dict writes is valid by the schema."""
        data = to_dict(account)
        assert VALIDATOR.is_valid(data), [e.message for e in VALIDATOR.iter_errors(data)]

    @settings(max_examples=50)
    @given(at.account_dicts())
    def test_records_without_their_nulls_are_valid(self, data: JSON) -> None:
        """Records that leave out their null fields are valid too."""
        assert VALIDATOR.is_valid(data)

    def test_sample_records_agree(self) -> None:
        """The bundled samples, faulty ones included, are judged alike by schema and from_dict."""
        samples = sample_records()
        for data in samples:
            assert_agree(data)
        assert sum(VALIDATOR.is_valid(data) for data in samples) > len(samples) // 2


ADDRESS: Path = ("summary", "address")
FREE: Path = ("free_fields", 0)
BANK: Path = ("financial", "bank_accounts", 0)


def adding(path: Path, key: str, value: JSON) -> JSON:
    data = record()
    target = data
    for step in path:
        target = target[step]
    target[key] = value
    return data


def free_field(kind: str, value: JSON) -> JSON:
    return with_value(FREE, {"name": "f", "kind": kind, "value": value})


# (record, where from_dict reports, its code)
REFUSED = {
    "unknown key": (adding((), "colour", "red"), (), "unknown_field"),
    "unknown key in the address": (adding(ADDRESS, "street", "x"), ADDRESS, "unknown_field"),
    "unknown key in a free field": (adding(FREE, "note", None), FREE, "unknown_field"),
    "unknown key in a bank account": (adding(BANK, "swift", "x"), BANK, "unknown_field"),
    "text for an integer": (
        with_value(("marketing", "security_level"), "3"),
        ("marketing", "security_level"),
        "invalid_type",
    ),
    "an integer for text": (record(name=3), ("name",), "invalid_type"),
    "a list for an object": (record(summary=[]), ("summary",), "invalid_type"),
    "a list for a section": (record(general=["x"]), ("general",), "invalid_type"),
    "true for an integer": (
        with_value(("financial", "invoice_copies"), True),
        ("financial", "invoice_copies"),
        "invalid_type",
    ),
    "1 for yes/no": (
        with_value(("contact", "valid_email"), 1),
        ("contact", "valid_email"),
        "invalid_type",
    ),
    "an object for a list": (record(free_fields={}), ("free_fields",), "invalid_type"),
    "an integer for an identifier": (
        with_value((*BANK, "iban"), 91),
        (*BANK, "iban"),
        "invalid_type",
    ),
    "no code": (without(("code",)), ("code",), "required"),
    "no name": (without(("name",)), ("name",), "required"),
    "no type": (without(("type",)), ("type",), "required"),
    "no status date": (without(("status_since",)), ("status_since",), "required"),
    "no summary": (without(("summary",)), ("summary",), "required"),
    "no address": (without(ADDRESS), ADDRESS, "required"),
    "no city": (without((*ADDRESS, "city")), (*ADDRESS, "city"), "required"),
    "no country": (without((*ADDRESS, "country")), (*ADDRESS, "country"), "required"),
    "no free field kind": (without((*FREE, "kind")), (*FREE, "kind"), "required"),
    "a blank name": (record(name=" \t"), ("name",), "required"),
    "a blank code": (record(code=""), ("code",), "required"),
    "a null name": (record(name=None), ("name",), "required"),
    "a null status": (record(status=None), ("status",), "required"),
    "a null section": (record(marketing=None), ("marketing",), "required"),
    "a null list": (record(free_fields=None), ("free_fields",), "required"),
    "a null yes/no": (
        with_value(("financial", "back_order"), None),
        ("financial", "back_order"),
        "required",
    ),
    "a null free field": (with_value(FREE, None), FREE, "required"),
    "a type by name": (record(type="Customer"), ("type",), "invalid_choice"),
    "a lower-case type": (record(type="c"), ("type",), "invalid_choice"),
    "an unknown grouping": (
        with_value(("financial", "group_invoice"), "NO"),
        ("financial", "group_invoice"),
        "invalid_choice",
    ),
    "an unknown free field kind": (
        with_value((*FREE, "kind"), "colour"),
        (*FREE, "kind"),
        "invalid_choice",
    ),
    "February 30th": (record(type_since="2024-02-30"), ("type_since",), "invalid_date"),
    "a date without zeros": (record(type_since="2024-1-2"), ("type_since",), "invalid_date"),
    "a date and a line break": (
        with_value(("financial", "check_date"), "2024-01-01\n"),
        ("financial", "check_date"),
        "invalid_date",
    ),
    "a free text as a number": (free_field("text", 3), (*FREE, "value"), "invalid_type"),
    "a free number as text": (free_field("number", "3"), (*FREE, "value"), "invalid_type"),
    "a free amount as a float": (free_field("amount", 12.5), (*FREE, "value"), "invalid_type"),
    "a free date not in the calendar": (
        free_field("date", "2023-02-29"),
        (*FREE, "value"),
        "invalid_date",
    ),
    "a free yes/no as 1": (free_field("yes_no", 1), (*FREE, "value"), "invalid_type"),
    # The card's limits, stated by the schema too.
    "a long name": (record(name="x" * 256), ("name",), "too_long"),
    "a long blank name": (record(name=" " * 256), ("name",), "too_long"),
    "a security level over 100": (
        with_value(("marketing", "security_level"), 101),
        ("marketing", "security_level"),
        "out_of_range",
    ),
    "a rating of 0": (
        with_value(("marketing", "rating"), 0),
        ("marketing", "rating"),
        "out_of_range",
    ),
    "too many bank accounts": (
        with_value(("financial", "bank_accounts"), [{}] * 101),
        ("financial", "bank_accounts"),
        "too_many",
    ),
    "a free amount of 10^15": (free_field("amount", 10**15), (*FREE, "value"), "out_of_range"),
    "a long free amount": (free_field("amount", "1" * 65), (*FREE, "value"), "too_long"),
    "a long free text": (free_field("text", "x" * 4001), (*FREE, "value"), "too_long"),
    "a long identifier": (
        with_value((*BANK, "bic"), "A" * 65),
        (*BANK, "bic"),
        "invalid_length",
    ),
}

# Records from_dict reads: blank text in an optional field is absent, whatever the type.
ACCEPTED = {
    "a blank contact": record(contact=""),
    "a null contact": record(contact=None),
    "a blank date": with_value(("financial", "check_date"), " "),
    "a blank rating": with_value(("marketing", "rating"), ""),
    "a blank identifier": with_value(("marketing", "coc_number"), "\u3000"),
    "blank remarks longer than their limit": record(remarks=" " * 70_000),
    "a blank id": record(id="\t"),
    "no optional field": {
        k: record()[k] for k in ("code", "name", "type", "type_since", "status_since", "summary")
    },
    "an empty free text": free_field("text", ""),
    "a null free value": free_field("date", None),
    "no free value": with_value(FREE, {"name": "f", "kind": "yes_no"}),
    "a free amount as an integer": free_field("amount", 12),
    "a free number as a float": free_field("number", 1e300),
    "a lower-case country": with_value((*ADDRESS, "country"), "nl"),
    "a code with spaces around": record(code=" 1001 "),
    "a leap day": record(type_since="2024-02-29"),
    "empty sections": record(general={}, marketing={}, relations={}, financial={}),
}


class TestRefusals:
    @pytest.mark.parametrize("case", REFUSED)
    def test_schema_refuses_what_from_dict_refuses(self, case: str) -> None:
        """A structural fault or a broken limit is refused by the schema and by from_dict."""
        data, path, code = REFUSED[case]
        assert not VALIDATOR.is_valid(data)
        assert (path, code) in {(p.path, p.code) for p in problems(data)}
        if code in STRUCTURAL:
            assert_agree(data)

    @pytest.mark.parametrize("case", ACCEPTED)
    def test_schema_accepts_what_from_dict_reads(self, case: str) -> None:
        """What from_dict reads, normalisations included, the schema accepts."""
        data = ACCEPTED[case]
        assert problems(data) == ()
        assert VALIDATOR.is_valid(data), [e.message for e in VALIDATOR.iter_errors(data)]

    def test_refuses_a_record_that_is_no_object(self) -> None:
        """A record is an object."""
        for data in ([], "record", None, 1):
            assert not VALIDATOR.is_valid(data)
            assert problems(data)

    def test_cannot_tell_an_integral_float_from_an_integer(self) -> None:
        """
        JSON Schema counts 3.0 as an integer, from_dict refuses it: the one structural fault
        the schema cannot state (docs/json-schema.md).
        """
        data = with_value(("marketing", "security_level"), 3.0)
        assert VALIDATOR.is_valid(data)
        assert {p.code for p in problems(data)} == {"invalid_type"}


# --- random faults ------------------------------------------------------------------------------


def places(value: JSON, prefix: Path = ()) -> Iterator[Path]:
    """Every place inside a JSON value, the value itself left out."""
    parts = value.items() if isinstance(value, dict) else enumerate(value)
    for key, part in parts:
        yield (*prefix, key)
        if isinstance(part, (dict, list)):
            yield from places(part, (*prefix, key))


def at_path(data: JSON, path: Path) -> JSON:
    for step in path:
        data = data[step]
    return data


_FIELD_NAMES = sorted({f.name for cls in CLASSES for f in attrs.fields(cls)})
#: Text that means something to some field, or to none.
_TEXTS = (
    "", " ", "\u3000", "\x1c", "A", "C", "E", "c", "no", "invoice_debtor", "text", "number",
    "amount", "date", "yes_no", "NL", "nl", "2024-02-29", "2023-02-29", "2024-1-1", "0000-01-01",
    "2024-01-01\n", "12.50", "1e20", "NL91ABNA0417164300", "ABNANL2A", "Damrak 1",
)  # fmt: skip
#: Every text limit is longer than this; shorter values test the structure alone.
SHORT = 30
_SHORT_VALUES: st.SearchStrategy[JSON] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    # JSON Schema cannot tell 3.0 from 3 (see test_cannot_tell_an_integral_float_...).
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer())
    | st.sampled_from(_TEXTS)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=2)
        | st.dictionaries(st.sampled_from(_FIELD_NAMES) | st.text(max_size=3), inner, max_size=2)
    ),
    max_leaves=3,
)
_LONG_VALUES: st.SearchStrategy[JSON] = (
    _SHORT_VALUES
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.builds(
        lambda c, n: c * n, st.sampled_from(["x", " ", "1", "\u3000"]), st.integers(0, 5000)
    )
)


#: Valid sample records, beside the drawn ones: they fill fields the strategies leave empty.
_SAMPLES = [data for data in sample_records()[:100] if not problems(data)]


@st.composite
def faulty_records(draw: st.DrawFn, values: st.SearchStrategy[JSON]) -> JSON:
    """A valid record with one value replaced, one key removed, or one key added."""
    data = copy.deepcopy(draw(at.account_dicts() | st.sampled_from(_SAMPLES)))
    fault = draw(st.sampled_from(["replace", "retext", "remove", "add"]))
    if fault == "retext":  # text for text: enum codes and dates are text too
        texts = [p for p in places(data) if isinstance(at_path(data, p), str)]
        path = draw(st.sampled_from(texts))
        at_path(data, path[:-1])[path[-1]] = draw(st.sampled_from(_TEXTS) | st.text(max_size=12))
        return data
    if fault == "add":
        objects = [()] + [p for p in places(data) if isinstance(at_path(data, p), dict)]
        path = draw(st.sampled_from(objects))
        key = draw(st.sampled_from(_FIELD_NAMES) | st.text(max_size=3))
        at_path(data, path)[key] = draw(values)
        return data
    if fault == "remove":
        keys = [p for p in places(data) if isinstance(p[-1], str)]
        path = draw(st.sampled_from(keys))
        del at_path(data, path[:-1])[path[-1]]
        return data
    path = draw(st.sampled_from(list(places(data))))
    at_path(data, path[:-1])[path[-1]] = draw(values)
    return data


class TestAgreement:
    def test_short_values_stay_within_every_limit(self) -> None:
        """The random faults below break no text limit: every limit is longer than SHORT."""
        lengths = [n for table in MAX_LENGTHS.values() for n in table.values()]
        assert min(lengths) > SHORT
        assert max(map(len, _TEXTS)) <= SHORT

    @settings(max_examples=150)
    @given(faulty_records(_SHORT_VALUES))
    def test_schema_and_from_dict_agree_on_structure(self, data: JSON) -> None:
        """A record breaks the schema's structure exactly when from_dict finds it faulty so."""
        assert_agree(data)

    @settings(max_examples=100)
    @given(faulty_records(_LONG_VALUES))
    def test_schema_accepts_every_record_from_dict_reads(self, data: JSON) -> None:
        """The schema's limits refuse nothing from_dict reads, long blank text included."""
        if not problems(data):
            assert VALIDATOR.is_valid(data), [e.message for e in VALIDATOR.iter_errors(data)]
