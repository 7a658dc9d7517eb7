"""Limits and secrets: hostile values are refused at their path, and nothing echoes an IBAN."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import attrs
import pytest
from _paths import DOCS
from _samples import record, with_value
from hypothesis import given
from hypothesis import strategies as st

import accountcore
from accountcore import (
    Account,
    AccountType,
    Address,
    BankAccount,
    FreeField,
    FreeFieldKind,
    Marketing,
    ValidationError,
)
from accountcore import workflows as wf
from accountcore.rights import Policy, Principal
from accountcore.testing import accounts
from accountcore.validation import (
    DEFAULT_MAX_LENGTH,
    INT_RANGES,
    MAX_IDENTIFIER_TEXT,
    MAX_ITEMS,
    MAX_LENGTHS,
)

VALIDATION_DOC = DOCS / "validation.md"
IBAN = "NL91ABNA0417164300"
ON = date(2024, 1, 2)
ADDRESS = Address(line1="Damrak 1", city="Amsterdam", country="NL")


def problems_of(data: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        accountcore.from_dict(data)
    return [(p.location, p.code) for p in caught.value.problems]


def location(cls: type, name: str) -> tuple[str | int, ...]:
    """The path of a text field of ``cls`` in the sample record."""
    paths: dict[type, tuple[str | int, ...]] = {
        Account: (),
        accountcore.Address: ("summary", "address"),
        accountcore.Summary: ("summary",),
        accountcore.General: ("general",),
        FreeField: ("free_fields", 0),
        accountcore.Contact: ("contact",),
        Marketing: ("marketing",),
        accountcore.Relations: ("relations",),
        BankAccount: ("financial", "bank_accounts", 0),
        accountcore.Financial: ("financial",),
    }
    return (*paths[cls], name)


def text_fields() -> list[tuple[type, str, int]]:
    """Every text field of the card with its limit."""
    found = []
    for cls in (
        Account, accountcore.Address, accountcore.Summary, accountcore.General,
        accountcore.Contact, Marketing, accountcore.Relations, BankAccount, accountcore.Financial,
    ):  # fmt: skip
        for field in attrs.fields(attrs.resolve_types(cls)):
            if field.type in (str, str | None) or str(field.type) == "typing.Optional[str]":
                found.append((cls, field.name, MAX_LENGTHS.get(cls, {}).get(field.name, 255)))
    return found


#: A value that passes each field's own rule, at any length up to its limit.
def filler(cls: type, name: str, length: int) -> str:
    if name in ("email",):
        return "a" * (length - len("@acme.nl")) + "@acme.nl"
    if name in ("website",):
        return "https://acme.nl/" + "a" * (length - len("https://acme.nl/"))
    if name in ("phone", "fax", "mobile"):
        return "1" * length
    if name == "picture":
        return "a" * (length - 4) + ".png"
    if name == "country":
        return "NL" + " " * (length - 2)
    return "a" * length


class TestTextLimits:
    @pytest.mark.parametrize(("cls", "name", "limit"), text_fields())
    def test_at_limit_read_past_refused(self, cls: type, name: str, limit: int) -> None:
        """Every text field takes text up to its limit, and refuses one character more."""
        path = location(cls, name)
        if name == "country":
            return  # normalised to two letters; its limit only guards the normalising
        if cls is BankAccount and name in ("number", "type"):
            data = with_value(
                path[:-1], {"number": "1", "main": True, name: filler(cls, name, limit)}
            )
        else:
            data = with_value(path, filler(cls, name, limit))
        problems = [p for p in _problems_or_none(data) if p[1] == "too_long"]
        assert problems == []
        too_long = with_value(path, filler(cls, name, limit + 1))
        assert (
            "$" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in path),
            "too_long",
        ) in problems_of(too_long)

    def test_ten_megabyte_email_is_refused_by_its_length(self) -> None:
        """A 10 MB email gets one too_long problem, not an email-syntax verdict."""
        data = with_value(("summary", "email"), "a" * 10_000_000 + "@acme.nl")
        assert problems_of(data) == [("$.summary.email", "too_long")]

    @pytest.mark.parametrize("field", ["website", "phone"])
    def test_other_costly_fields_are_refused_by_length(self, field: str) -> None:
        """Website and phone are held to their length before their patterns run."""
        data = with_value(("summary", field), "1" * 1_000_000)
        assert problems_of(data) == [(f"$.summary.{field}", "too_long")]

    @pytest.mark.parametrize(
        ("path", "raw"),
        [
            (("financial", "vat_number"), "NL" + "1" * 1_000_000),
            (("marketing", "coc_number"), "1" * 1_000_000),
            (("marketing", "duns_number"), "1" * 1_000_000),
            (("financial", "bank_accounts", 0, "iban"), "NL" * 500_000),
        ],
    )
    def test_identifiers_as_typed_are_limited(self, path: tuple[str | int, ...], raw: str) -> None:
        """An identifier longer than MAX_IDENTIFIER_TEXT is invalid_length, unchecked."""
        location_ = "$" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in path)
        assert problems_of(with_value(path, raw)) == [(location_, "invalid_length")]

    def test_identifier_limit_holds_for_direct_parsing(self) -> None:
        """IBAN.parse refuses text past the limit; a spaced IBAN at the limit still parses."""
        spaced = " ".join(IBAN[i : i + 1] for i in range(len(IBAN)))
        assert len(spaced) <= MAX_IDENTIFIER_TEXT
        assert str(accountcore.IBAN.parse(spaced)) == IBAN
        with pytest.raises(ValidationError) as caught:
            accountcore.IBAN.parse(IBAN + " " * MAX_IDENTIFIER_TEXT)
        assert caught.value.problems[0].code == "invalid_length"

    def test_code_is_limited_before_it_is_trimmed(self) -> None:
        """A code of a million spaces is too long, not blank after a costly trim."""
        assert problems_of(record(code=" " * 1_000_000)) == [("$.code", "too_long")]

    def test_python_built_accounts_meet_the_same_limits(self) -> None:
        """Account.new applies the length limits too."""
        with pytest.raises(ValidationError) as caught:
            Account.new(
                code="1",
                name="a" * (DEFAULT_MAX_LENGTH + 1),
                type=AccountType.CUSTOMER,
                address=ADDRESS,
                on=ON,
            )
        assert [(p.location, p.code) for p in caught.value.problems] == [("$.name", "too_long")]


def _problems_or_none(data: object) -> list[tuple[str, str]]:
    try:
        accountcore.from_dict(data)
    except ValidationError as error:
        return [(p.location, p.code) for p in error.problems]
    return []


class TestNumberLimits:
    @pytest.mark.parametrize(
        ("path", "value"),
        [
            (("marketing", "security_level"), 10**5000),
            (("marketing", "rating"), -(10**5000)),
            (("financial", "invoice_copies"), 10**5000),
            (("financial", "invoice_copies"), 1000),
        ],
        ids=["huge-level", "huge-negative-rating", "huge-copies", "copies-1000"],
    )
    def test_integers_out_of_range(self, path: tuple[str, ...], value: int) -> None:
        """Integers past their documented range are out_of_range, however long."""
        assert problems_of(with_value(path, value)) == [("$." + ".".join(path), "out_of_range")]

    @pytest.mark.parametrize(("cls", "name"), [(c, n) for c, f in INT_RANGES.items() for n in f])
    def test_range_ends_are_accepted(self, cls: type, name: str) -> None:
        """Both ends of each integer range are accepted."""
        low, high = INT_RANGES[cls][name]
        section = "marketing" if cls is Marketing else "financial"
        for value in (low, high):
            assert accountcore.from_dict(with_value((section, name), value))

    @pytest.mark.parametrize(
        ("kind", "value", "code"),
        [
            ("number", 10**5000, "out_of_range"),
            ("number", 2**53, "out_of_range"),
            ("amount", "1" * 65, "too_long"),
            ("amount", "1e20", "out_of_range"),
            ("text", "x" * 4001, "too_long"),
        ],
        ids=["huge-number", "unsafe-integer", "long-amount", "large-amount", "long-text"],
    )
    def test_free_field_values(self, kind: str, value: object, code: str) -> None:
        """Free field numbers, amounts and texts have documented ranges and lengths."""
        data = with_value(("free_fields",), [{"name": "f", "kind": kind, "value": value}])
        assert problems_of(data) == [("$.free_fields[0].value", code)]

    @pytest.mark.parametrize("value", [2**53 - 1, -(2**53 - 1), 1.5e300, "99999999999999.99"])
    def test_free_field_values_at_the_edge(self, value: object) -> None:
        """The largest safe integer, a large finite float and a large amount are accepted."""
        kind = "amount" if isinstance(value, str) else "number"
        data = with_value(("free_fields",), [{"name": "f", "kind": kind, "value": value}])
        assert accountcore.from_dict(data).free_fields[0].value is not None

    @pytest.mark.parametrize("value", [float("nan"), 1.5, "10", None, True])
    def test_python_built_security_level_must_be_an_integer(self, value: object) -> None:
        """check_account refuses a security level that is not an integer: NaN passes no test."""
        with pytest.raises(ValidationError) as caught:
            Account.new(
                code="1",
                name="Acme",
                type=AccountType.CUSTOMER,
                address=ADDRESS,
                on=ON,
                marketing=Marketing(security_level=value),
            )  # type: ignore[arg-type]
        problem = caught.value.problems[0]
        code = "required" if value is None else "invalid_type"
        assert (problem.location, problem.code) == ("$.marketing.security_level", code)

    def test_python_built_huge_free_field_is_refused_and_still_printable(self) -> None:
        """A free field of 10**5000 built in Python has a repr, and Account.new refuses it."""
        field = FreeField(name="f", kind=FreeFieldKind.NUMBER, value=10**5000)
        assert "bits" in repr(field)
        amount = FreeField(name="g", kind=FreeFieldKind.AMOUNT, value=Decimal("1e15"))
        for free in (field, amount):
            with pytest.raises(ValidationError):
                Account.new(
                    code="1",
                    name="Acme",
                    type=AccountType.CUSTOMER,
                    address=ADDRESS,
                    on=ON,
                    free_fields=(free,),
                )


class TestListLimits:
    @pytest.mark.parametrize(("cls", "name"), [(c, n) for c, f in MAX_ITEMS.items() for n in f])
    def test_long_lists_are_refused_before_their_items_are_read(self, cls: type, name: str) -> None:
        """A list past its limit is one too_many problem; its (broken) items are not read."""
        limit = MAX_ITEMS[cls][name]
        path = (name,) if cls is Account else ("financial", name)
        data = with_value(path, ["not an object"] * (limit + 1))
        assert problems_of(data) == [("$." + ".".join(path), "too_many")]

    def test_faulty_items_stop_the_list_after_twenty(self) -> None:
        """After 20 faulty items the rest of the list is not checked, and a problem says so."""
        data = with_value(("free_fields",), [{"name": "", "kind": "text"}] * 30)
        problems = problems_of(data)
        assert len(problems) == 21
        assert problems[-1] == ("$.free_fields", "too_many_problems")

    def test_twenty_faulty_items_are_all_reported(self) -> None:
        """Exactly 20 faulty items are reported one by one, with no cut-off problem."""
        data = with_value(("free_fields",), [{"name": "", "kind": "text"}] * 20)
        assert [code for _, code in problems_of(data)] == ["required"] * 20


class TestKeys:
    def test_huge_integer_key_is_a_problem(self) -> None:
        """A key of 10**5000 is an unknown field named by position, not a bare ValueError."""
        data = record()
        data[10**5000] = 1  # type: ignore[index]
        with pytest.raises(ValidationError) as caught:
            accountcore.from_dict(data)
        (problem,) = caught.value.problems
        assert problem.code == "unknown_field"
        assert f"number {len(data)}" in problem.message

    @pytest.mark.parametrize(
        "key",
        [IBAN, "LV80BANK0000435195001", "LV50CBBRLFFHBJGCDAEFA", "NL004495445B01", "x" * 41,
         "tab\there", None, b"k", 5],
    )  # fmt: skip
    def test_unsafe_keys_are_named_by_position(self, key: object) -> None:
        """Keys that could hold a secret, are long, unprintable or not text are not echoed."""
        data = record()
        data[key] = 1  # type: ignore[index]
        with pytest.raises(ValidationError) as caught:
            accountcore.from_dict(data)
        text = str(caught.value)
        assert "number" in text
        if isinstance(key, str):
            assert key not in text and key[-6:] not in text

    def test_plain_keys_are_named(self) -> None:
        """A short, plain unknown key is named, so a typo is easy to find."""
        assert "'adress'" in str(_error(record(adress="x")))

    def test_many_unknown_keys_are_counted_not_listed(self) -> None:
        """The first 20 unknown keys are named; one more problem counts the rest."""
        data = record(**{f"k{i}": 1 for i in range(1000)})
        error = _error(data)
        assert len(error.problems) == 21
        assert "980 more" in error.problems[-1].message

    def test_free_field_keys_follow_the_same_rule(self) -> None:
        """An IBAN-like key inside a free field is not echoed either."""
        data = with_value(("free_fields",), [{"name": "f", "kind": "text", IBAN: "x"}])
        assert IBAN not in str(_error(data))

    def test_edit_of_an_unknown_secret_path_is_not_echoed(self) -> None:
        """workflows.edit names an unknown IBAN-like path by position, at the record itself."""
        account = accountcore.from_dict(record())
        principal = Principal(user_id="mvd", roles=frozenset({"Customer manager"}), clearance=100)
        with pytest.raises(ValidationError) as caught:
            wf.edit_fields(account, {IBAN: "x"}, by=principal, policy=Policy())
        (problem,) = caught.value.problems
        assert (problem.path, problem.code) == ((), "unknown_field")
        assert IBAN not in str(caught.value)


def _error(data: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        accountcore.from_dict(data)
    return caught.value


class TestPatterns:
    @pytest.mark.parametrize("value", ["123\n", "123\r\n", "+31 20\n555"])
    def test_phone_with_a_newline_is_refused(self, value: str) -> None:
        """A phone number with a newline, even a final one, is refused: a one-line field."""
        assert problems_of(with_value(("summary", "phone"), value)) == [
            ("$.summary.phone", "control_character")
        ]


class TestSecrets:
    def test_bank_number_of_iban_type_is_masked(self) -> None:
        """The repr of a bank account of IBAN type does not show the IBAN in its number."""
        data = with_value(
            ("financial", "bank_accounts"),
            [{"type": "IBAN", "number": IBAN, "iban": IBAN, "main": True}],
        )
        account = accountcore.from_dict(data)
        assert IBAN not in repr(account) and IBAN not in str(account)
        assert IBAN[-4:] in repr(account.financial.bank_accounts[0])

    @given(accounts())
    def test_no_repr_shows_an_iban_or_a_tax_number(self, account: Account) -> None:
        """No repr or str of a generated account shows a whole IBAN, bank number or tax number."""
        shown = repr(account) + str(account)
        # Other fields may hold the same digits by chance (a code "00000000", a GLN).
        elsewhere = repr(_without_secrets(account))
        for secret in _secrets(account):
            assert secret not in shown or secret in elsewhere

    @given(accounts(), st.sampled_from(["name", "code"]))
    def test_no_error_shows_an_iban_or_a_tax_number(self, account: Account, field: str) -> None:
        """An error about a broken record never shows the record's IBANs or tax numbers."""
        data = accountcore.to_dict(account)
        data[field] = ""
        for secret in _secrets(account):
            data[secret] = 1  # unknown keys holding the secrets themselves
        error = _error(data)
        shown = str(error) + repr(error) + repr(error.problems)
        for secret in _secrets(account):
            assert secret not in shown


def _without_secrets(account: Account) -> Account:
    financial = attrs.evolve(account.financial, bank_accounts=(), vat_number=None)
    marketing = attrs.evolve(account.marketing, coc_number=None)
    return attrs.evolve(account, financial=financial, marketing=marketing)


def _secrets(account: Account) -> list[str]:
    """The IBANs, bank numbers and tax numbers of an account that hold four digits or more."""
    found = []
    for bank in account.financial.bank_accounts:
        if bank.iban is not None:
            found.append(bank.iban.compact)
        if bank.number is not None and sum(c.isdigit() for c in bank.number) >= 4:
            found.append(bank.number)
    for identifier in (account.financial.vat_number, account.marketing.coc_number):
        if identifier is not None and sum(c.isdigit() for c in identifier.compact) >= 4:
            found.append(identifier.compact)
    return found


class TestDocs:
    def test_docs_list_the_length_limits(self) -> None:
        """docs/validation.md's table of lengths equals MAX_LENGTHS, field by field."""
        text = VALIDATION_DOC.read_text(encoding="utf-8")
        table = text.split("<!-- limits:", 1)[1].split("```", 1)[0]
        rows = re.findall(r"^\| `([a-z_.\[\]]+)`(?: \(text\))? \| ([0-9,]+) \|$", table, re.M)
        documented = {path: int(n.replace(",", "")) for path, n in rows}
        expected = {
            _dotted(location(cls, name)): limit
            for cls, fields in MAX_LENGTHS.items()
            for name, limit in fields.items()
        }
        assert documented == expected


def _dotted(path: tuple[str | int, ...]) -> str:
    """``("free_fields", 0, "name")`` as the docs write it: ``free_fields[].name``."""
    return ".".join(str(step) for step in path).replace(".0.", "[].")


class TestFailedPartsReadOnce:
    def test_every_problem_is_still_reported_at_its_path(self) -> None:
        """A faulty bank account, a faulty email and an unknown key are each reported once."""
        data = record(extra=1)
        data["summary"]["email"] = "not an email"  # type: ignore[index]
        data["financial"]["bank_accounts"][0]["iban"] = "NL91ABNA0417164301"  # type: ignore[index]
        assert sorted(problems_of(data)) == sorted(
            [
                ("$", "unknown_field"),
                ("$.summary.email", "invalid_email"),
                ("$.financial.bank_accounts[0].iban", "invalid_checksum"),
            ]
        )

    def test_one_object_under_two_keys_is_judged_at_both(self) -> None:
        """The same dict as two sections of one object is read for each, with its problems."""
        shared = {"country_name": 5}
        data = record(general=shared, contact=shared)
        assert sorted(problems_of(data)) == [
            ("$.contact", "unknown_field"),
            ("$.general.country_name", "invalid_type"),
        ]
