"""
The checks of one text value in `accountcore.entities._formats`, as `from_dict` and
`check_account` apply them: one-line fields, several email addresses in one field, impossible
dates, and phone numbers checked whole with the account's country.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import pytest
from _samples import record, with_value
from hypothesis import given
from hypothesis import strategies as st

import accountcore
from accountcore import Account, check_account, from_dict
from accountcore.entities import (
    FIELD_RULES,
    Address,
    Contact,
    Financial,
    _formats,
    account_problems,
)

Path = tuple[str | int, ...]

#: Every character a one-line field refuses: C0 and C1 controls, DEL, U+2028, U+2029.
CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))] + ["\u2028", "\u2029"]
_ONE_LINE = st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"))


def _refusal(data: object) -> list[tuple[Path, str]]:
    """Read ``data``, expecting a ValidationError; return its (path, code) pairs."""
    with pytest.raises(accountcore.ValidationError) as info:
        from_dict(data)
    return [(p.path, p.code) for p in info.value.problems]


def _check_refusal(account: Account) -> list[tuple[Path, str]]:
    with pytest.raises(accountcore.ValidationError) as info:
        check_account(account)
    return [(p.path, p.code) for p in info.value.problems]


def _account() -> Account:
    return from_dict(record())


def _with_text(account: Account, path: Path, value: str) -> Account:
    """Return ``account`` with the text at ``path`` (a field of the account or a section)."""
    last: dict[str, Any] = {str(path[-1]): value}
    if len(path) == 1:
        return attrs.evolve(account, **last)
    if path[:2] == ("summary", "address"):
        address = attrs.evolve(account.summary.address, **last)
        return attrs.evolve(account, summary=attrs.evolve(account.summary, address=address))
    section: dict[str, Any] = {str(path[0]): attrs.evolve(getattr(account, str(path[0])), **last)}
    return attrs.evolve(account, **section)


class TestOneLine:
    @pytest.mark.parametrize(
        "control", ["\t", "\n", "\r", "\x00", "\x1b", "\x7f", "\x85", "\u2028"]
    )
    def test_controls_are_refused(self, control: str) -> None:
        """Tabs, line breaks, other C0/C1 controls, DEL and U+2028/9 break a one-line field."""
        assert _formats.one_line(f"Damrak{control}1") == _formats.CONTROL_FAILURE
        assert FIELD_RULES[Address]["line1"](f"Damrak{control}1") == _formats.CONTROL_FAILURE

    @pytest.mark.parametrize(
        "text",
        ["Damrak\u00a01", "Rue\u202fde la Paix", "東京\u3000本社", "Müller & Zoon 🏠", "a\u200bb"],
    )
    def test_printable_unicode_passes(self, text: str) -> None:
        """No-break spaces, ideographic spaces, accents, emoji and format characters pass."""
        assert _formats.one_line(text) is None
        assert from_dict(with_value(("summary", "address", "line1"), text)).summary.address.line1

    def test_blank_text_is_left_to_the_blank_rules(self) -> None:
        """A tab alone is blank: required where the field is mandatory, absent where optional."""
        assert _refusal(record(name="\t")) == [(("name",), "required")]
        assert FIELD_RULES[Account]["name"]("\t")[0] == "required"  # type: ignore[index]
        read = from_dict(with_value(("summary", "address", "line2"), " \t "))
        assert read.summary.address.line2 is None

    def test_code_is_trimmed_before_it_is_checked(self) -> None:
        """A code's surrounding tab or line break is trimmed away; one inside is refused."""
        assert from_dict(record(code="\t1001\n")).code == "1001"
        assert _refusal(record(code="10\t01")) == [(("code",), "control_character")]

    @given(
        st.sampled_from(
            [("name",), ("summary", "address", "city"), ("summary", "address", "line1")]
        ),
        st.text(_ONE_LINE, min_size=1, max_size=20).filter(str.strip),
        st.sampled_from(CONTROLS),
        st.integers(0, 20),
    )
    def test_a_control_anywhere_in_a_one_line_field_is_refused(
        self, path: Path, text: str, control: str, at: int
    ) -> None:
        """from_dict and check_account both refuse it, with control_character at its path."""
        value = text[:at] + control + text[at:]
        assert _refusal(with_value(path, value)) == [(path, "control_character")]
        assert _check_refusal(_with_text(_account(), path, value)) == [(path, "control_character")]

    @given(
        st.sampled_from([("remarks",), ("financial", "extra_description")]),
        st.text(max_size=40).filter(str.strip),
        st.sampled_from(CONTROLS),
        st.integers(0, 40),
    )
    def test_multi_line_fields_keep_their_controls(
        self, path: Path, text: str, control: str, at: int
    ) -> None:
        """The remarks and the extra description take line breaks, tabs and any control."""
        value = text[:at] + control + text[at:]
        account = from_dict(with_value(path, value))
        held: object = account
        for step in path:
            held = getattr(held, str(step))
        assert held == value
        assert check_account(_with_text(_account(), path, value)) == ()

    @given(st.text(max_size=20).filter(str.strip))
    def test_free_text_keeps_its_controls(self, text: str) -> None:
        """A free field's text value is multi-line: anything printable or not is kept."""
        value = f"{text}\r\n\t{text}"
        free = [{"name": "note", "kind": "text", "value": value}]
        account = from_dict(record(free_fields=free))
        assert account.free_fields[0].value == value
        assert check_account(account) == ()
        assert _refusal(record(free_fields=[{**free[0], "name": "no\nte"}])) == [
            (("free_fields", 0, "name"), "control_character")
        ]

    @given(st.text(max_size=30))
    def test_from_dict_agrees_with_the_field_rule(self, text: str) -> None:
        """For any text in an optional one-line field, reading and checking give one verdict."""
        rule = FIELD_RULES[Contact]["job_title"]
        data = record(contact={"job_title": text})
        failure = None if not text or text.isspace() else rule(text)
        if failure is None:
            from_dict(data)
        else:
            assert _refusal(data) == [(("contact", "job_title"), failure[0])]


class TestEmail:
    @pytest.mark.parametrize(
        "text",
        [
            "info@acme.nl; sales@acme.nl",
            "info@acme.nl, sales@acme.nl",
            "info@acme.nl sales@acme.nl",
            "info@acme.nl;sales@acme.nl;",
            "jörg@müller.de, anna@müller.de",
        ],
    )
    def test_several_addresses_have_a_code_of_their_own(self, text: str) -> None:
        """Two or more addresses in one field: multiple_emails, saying the field takes one."""
        assert _formats.email(text) == (
            "multiple_emails",
            "The field takes one email address, and this text holds several.",
        )
        assert _refusal(with_value(("summary", "email"), text)) == [
            (("summary", "email"), "multiple_emails")
        ]

    @pytest.mark.parametrize(
        "text", ["info@@acme.nl", "info@acme.nl;", "sales at acme.nl", "office@", "a@b@c.nl"]
    )
    def test_one_bad_address_stays_invalid_email(self, text: str) -> None:
        """A single malformed address keeps invalid_email."""
        failure = _formats.email(text)
        assert failure is not None and failure[0] == "invalid_email"


class TestDates:
    @pytest.mark.parametrize(
        ("text", "why"),
        [
            ("2024-02-30", "February 2024 has 29 days"),
            ("2023-02-29", "February 2023 has 28 days"),
            ("1900-02-29", "February 1900 has 28 days"),
            ("2024-04-31", "April 2024 has 30 days"),
            ("2024-13-01", "a year has 12 months"),
            ("2024-00-10", "a year has 12 months"),
            ("2024-05-00", "days start at 1"),
            ("0000-01-01", "years start at 1"),
        ],
    )
    def test_impossible_days_say_so(self, text: str, why: str) -> None:
        """A date of the right shape naming no calendar day is refused, saying why."""
        message = f"{text} names a day the calendar lacks: {why}."
        for path in (("type_since",), ("financial", "check_date")):
            with pytest.raises(accountcore.ValidationError) as info:
                from_dict(with_value(path, text))
            assert [(p.path, p.code, p.message) for p in info.value.problems] == [
                (path, "invalid_date", message)
            ]

    @pytest.mark.parametrize(
        "text", ["2024-2-3", "31-12-2022", "2024/02/03", "2024-0a-01", "today"]
    )
    def test_wrong_shapes_keep_their_message(self, text: str) -> None:
        """Text not shaped YYYY-MM-DD is told the shape."""
        with pytest.raises(accountcore.ValidationError) as info:
            from_dict(record(type_since=text))
        (problem,) = info.value.problems
        assert (problem.code, problem.message) == ("invalid_date", "Expected a date as YYYY-MM-DD.")

    def test_free_field_dates_say_so_too(self) -> None:
        """A free field of kind date is read as any date of the card."""
        free = [{"name": "since", "kind": "date", "value": "2023-02-29"}]
        with pytest.raises(accountcore.ValidationError) as info:
            from_dict(record(free_fields=free))
        (problem,) = info.value.problems
        assert problem.path == ("free_fields", 0, "value")
        assert problem.message == (
            "2023-02-29 names a day the calendar lacks: February 2023 has 28 days."
        )

    @given(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99))
    def test_every_shaped_date_is_read_or_refused_saying_why(
        self, year: int, month: int, day: int
    ) -> None:
        """A YYYY-MM-DD of digits reads as date.fromisoformat does, or names itself."""
        text = f"{year:04d}-{month:02d}-{day:02d}"
        try:
            expected = date.fromisoformat(text)
        except ValueError:
            with pytest.raises(accountcore.ValidationError) as info:
                from_dict(record(type_since=text))
            assert info.value.problems[0].message.startswith(f"{text} names a day")
        else:
            assert from_dict(record(type_since=text)).type_since == expected


def _move_to(data: dict[str, object], country: str) -> None:
    """Move the record's address to ``country``, dropping its Dutch register number."""
    data["summary"]["address"]["country"] = country  # type: ignore[index]
    data["marketing"]["coc_number"] = None  # type: ignore[index]


_PHONES: list[Path] = [
    ("summary", "phone"),
    ("summary", "fax"),
    ("contact", "phone"),
    ("contact", "mobile"),
]


class TestPhones:
    @pytest.mark.parametrize("path", _PHONES)
    @pytest.mark.parametrize(
        "text", ["1", "+31 20 12", "+31 20 123 4567 890 12", "+999 123 4567", "06 12"]
    )
    def test_impossible_numbers_are_errors_at_their_field(self, path: Path, text: str) -> None:
        """A number phonenumbers cannot read, or of an impossible length, is invalid_phone."""
        assert _refusal(with_value(path, text)) == [(path, "invalid_phone")]
        account = _with_text(_account(), path, text)
        assert _check_refusal(account) == [(path, "invalid_phone")]

    @pytest.mark.parametrize("path", _PHONES)
    def test_unassigned_numbers_are_warnings(self, path: Path) -> None:
        """A possible number in no assigned range is read, with an unassigned_phone warning."""
        warnings: list[accountcore.Problem] = []
        account = from_dict(with_value(path, "+31 99 123 4567"), warnings=warnings)
        assert [(w.path, w.code, w.is_warning) for w in warnings] == [
            (path, "unassigned_phone", True)
        ]
        assert [(w.path, w.code) for w in check_account(account)] == [(path, "unassigned_phone")]
        assert [p.code for p in account_problems(account)] == ["unassigned_phone"]

    def test_a_number_without_plus_is_read_by_the_account_country(self) -> None:
        """020 555 0100 is Amsterdam for a Dutch account, and too long for a Danish one."""
        data = with_value(("summary", "phone"), "020 555 0100")
        assert from_dict(data).summary.phone == "020 555 0100"
        _move_to(data, "DK")
        assert _refusal(data) == [(("summary", "phone"), "invalid_phone")]
        data["summary"]["phone"] = "+31 20 555 0100"  # type: ignore[index]
        assert from_dict(data).summary.phone == "+31 20 555 0100"

    def test_extensions_are_accepted(self) -> None:
        """An extension typed after the number is part of it."""
        data = with_value(("contact", "phone"), "020 555 0100 ext. 12")
        warnings: list[accountcore.Problem] = []
        assert from_dict(data, warnings=warnings).contact.phone == "020 555 0100 ext. 12"  # type: ignore[union-attr]
        assert warnings == []

    @pytest.mark.parametrize("country", ["AQ", "BV"])
    def test_a_country_without_a_numbering_plan_checks_only_the_shape(self, country: str) -> None:
        """Without a plan to read it by, a number without + gets only its shape checked."""
        data = with_value(("summary", "phone"), "06 12")
        _move_to(data, country)
        assert from_dict(data).summary.phone == "06 12"
        data["summary"]["phone"] = "+31 20 12"  # type: ignore[index]
        assert _refusal(data) == [(("summary", "phone"), "invalid_phone")]

    def test_an_unknown_country_is_reported_once(self) -> None:
        """An unknown country is its own error; the number without + is not held against it."""
        account = _with_text(_account(), ("summary", "phone"), "06 12")
        address = attrs.evolve(account.summary.address, country="XX")
        account = attrs.evolve(account, summary=attrs.evolve(account.summary, address=address))
        assert _check_refusal(account) == [(("summary", "address", "country"), "unknown_country")]

    def test_a_bad_shape_is_reported_by_the_field_rule_alone(self) -> None:
        """Letters in a number: one invalid_phone, from the field rule, in both checks."""
        assert _refusal(with_value(("summary", "phone"), "ask reception")) == [
            (("summary", "phone"), "invalid_phone")
        ]
        account = _with_text(_account(), ("summary", "phone"), "ask reception")
        assert _check_refusal(account) == [(("summary", "phone"), "invalid_phone")]

    def test_account_phones_names_every_phone_field(self) -> None:
        """The rule looks at the summary's phone and fax, the contact's phone and mobile."""
        summary = attrs.evolve(_account().summary, phone="1", fax="2")
        account = attrs.evolve(
            _account(), summary=summary, contact=Contact(phone="3", mobile="4"),
            financial=Financial(),
        )  # fmt: skip
        found = [
            (path, value, country) for path, value, country in _formats.account_phones(account)
        ]
        assert found == [
            (("summary", "phone"), "1", "NL"),
            (("summary", "fax"), "2", "NL"),
            (("contact", "phone"), "3", "NL"),
            (("contact", "mobile"), "4", "NL"),
        ]
