"""Reading untrusted records with from_dict, and writing them back with to_dict."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType

import attrs
import cattrs
import pytest
from _samples import record, with_value, without

import accountcore
from accountcore import (
    BIC,
    DUNS,
    GLN,
    IBAN,
    Account,
    AccountStatus,
    AccountType,
    ChamberOfCommerceNumber,
    CheckStrength,
    FreeFieldKind,
    GroupInvoice,
    Problem,
    Severity,
    ValidationError,
    VATNumber,
    from_dict,
    to_dict,
)
from accountcore.serialization import configure_converter, make_converter, problems_of

Path = tuple[str | int, ...]


def problems(data: object, **kwargs: bool) -> set[tuple[Path, str]]:
    with pytest.raises(ValidationError) as caught:
        from_dict(data, **kwargs)
    return {(p.path, p.code) for p in caught.value.problems}


class TestValidRecord:
    def test_reads_every_section(self) -> None:
        """A full valid record becomes an Account with typed values in every section."""
        account = from_dict(record())
        assert account.type is AccountType.CUSTOMER
        assert account.status is AccountStatus.ACTIVE
        assert account.type_since == date(2024, 1, 2)
        assert account.summary.address.city == "Amsterdam"
        assert account.financial.group_invoice is GroupInvoice.ON_INVOICE_DEBTOR
        assert account.financial.check_date == date(2024, 3, 1)
        assert account.financial.bank_accounts[0].iban == IBAN.parse("NL91ABNA0417164300")
        assert account.free_fields[1].value == Decimal("1500.00")
        assert account.free_fields[1].kind is FreeFieldKind.AMOUNT

    def test_minimal_record_takes_defaults(self) -> None:
        """Only code, name, type, dates and address are needed; the rest takes defaults."""
        data = {
            "code": "7",
            "name": "Mini",
            "type": "T",
            "type_since": "2024-01-01",
            "status_since": "2024-01-01",
            "summary": {"address": {"line1": "a", "city": "b", "country": "DE"}},
        }
        account = from_dict(data)
        assert account.status is AccountStatus.ACTIVE
        assert account.financial.bank_accounts == ()
        assert account.contact is None
        assert account.id is None

    def test_accepts_any_mapping_at_the_root(self) -> None:
        """A read-only mapping is as good as a dict at the top level."""
        data: Mapping[str, object] = MappingProxyType(record())
        assert from_dict(data) == from_dict(record())

    def test_code_is_trimmed_and_country_upper_cased(self) -> None:
        """The code is stored trimmed and the country code in upper case."""
        data = record(code="  1001 ")
        data["summary"]["address"]["country"] = "nl"  # type: ignore[index]
        account = from_dict(data)
        assert account.code == "1001"
        assert account.summary.address.country == "NL"

    @pytest.mark.parametrize("blank", ["", "   ", None])
    def test_blank_optional_text_reads_as_absent(self, blank: str | None) -> None:
        """Empty or whitespace-only text in an optional field reads as None."""
        account = from_dict(with_value(("summary", "website"), blank))
        assert account.summary.website is None

    def test_blank_optional_identifier_reads_as_absent(self) -> None:
        """A blank VAT number column means no VAT number."""
        assert from_dict(with_value(("financial", "vat_number"), " ")).financial.vat_number is None


class TestStrictTypes:
    @pytest.mark.parametrize(
        ("path", "value", "code"),
        [
            (("marketing", "rating"), "3", "invalid_type"),
            (("marketing", "rating"), 3.0, "invalid_type"),
            (("marketing", "security_level"), True, "invalid_type"),
            (("marketing", "exclude_from_merging"), 1, "invalid_type"),
            (("marketing", "exclude_from_merging"), "true", "invalid_type"),
            (("name",), 42, "invalid_type"),
            (("name",), None, "required"),
            (("name",), ["Acme"], "invalid_type"),
            (("type",), "Customer", "invalid_choice"),
            (("type",), "c", "invalid_choice"),
            (("status",), "X", "invalid_choice"),
            (("type",), 3, "invalid_type"),
            (("type_since",), "2024-1-2", "invalid_date"),
            (("type_since",), "2024-02-30", "invalid_date"),
            (("type_since",), "20240102", "invalid_date"),
            (("type_since",), "2024-01-02T10:00:00", "invalid_date"),
            (("type_since",), 20240102, "invalid_type"),
            (("summary",), "Damrak 1", "invalid_type"),
            (("summary", "address"), ["Damrak 1"], "invalid_type"),
            (("financial", "bank_accounts"), {"iban": "x"}, "invalid_type"),
            (("financial", "bank_accounts"), "NL91ABNA0417164300", "invalid_type"),
            (("financial", "group_invoice"), "yes", "invalid_choice"),
            (("free_fields",), {"a": 1}, "invalid_type"),
        ],
    )
    def test_no_coercion(self, path: Path, value: object, code: str) -> None:
        """A value of the wrong JSON type is refused, never coerced."""
        assert (path, code) in problems(with_value(path, value))

    @pytest.mark.parametrize("root", [None, [], "x", 3, b"{}", {1, 2}])
    def test_root_must_be_an_object(self, root: object) -> None:
        """Anything but a mapping at the top level is one problem at the root."""
        found = problems(root)
        assert {code for _, code in found} <= {"invalid_type", "required"}
        assert {path for path, _ in found} == {()}


class TestRequiredAndUnknown:
    @pytest.mark.parametrize(
        "path",
        [
            ("code",),
            ("name",),
            ("type",),
            ("type_since",),
            ("status_since",),
            ("summary",),
            ("summary", "address"),
            ("summary", "address", "line1"),
            ("summary", "address", "city"),
            ("summary", "address", "country"),
        ],
    )
    def test_missing_mandatory_field(self, path: Path) -> None:
        """A missing mandatory field is reported as required at its path."""
        assert (path, "required") in problems(without(path))

    @pytest.mark.parametrize(
        "parent",
        [
            (),
            ("summary",),
            ("summary", "address"),
            ("financial",),
            ("financial", "bank_accounts", 0),
        ],
    )
    def test_unknown_key_is_refused_at_its_object(self, parent: Path) -> None:
        """An unknown key is reported on the object that holds it, naming the key."""
        data = record()
        target: object = data
        for step in parent:
            target = target[step]  # type: ignore[index]
        target["colour"] = "red"  # type: ignore[index]
        with pytest.raises(ValidationError) as caught:
            from_dict(data)
        (problem,) = caught.value.problems
        assert (problem.path, problem.code) == (parent, "unknown_field")
        assert "colour" in problem.message

    def test_every_problem_is_reported_at_once(self) -> None:
        """Problems in several sections come back together in one error."""
        data = record(code=" ", type="X")
        data["marketing"]["rating"] = 9  # type: ignore[index]
        data["summary"]["email"] = "not-an-email"  # type: ignore[index]
        data["financial"]["bank_accounts"][0]["iban"] = "NL91ABNA0417164301"  # type: ignore[index]
        data["summary"]["address"]["state"] = "ZZ"  # type: ignore[index]
        assert problems(data) == {
            (("code",), "required"),
            (("type",), "invalid_choice"),
            (("marketing", "rating"), "out_of_range"),
            (("summary", "email"), "invalid_email"),
            (("financial", "bank_accounts", 0, "iban"), "invalid_checksum"),
            (("summary", "address", "state"), "state_not_in_country"),
        }


class TestIdentifiersInRecords:
    def test_vat_without_prefix_uses_the_account_country(self) -> None:
        """A VAT number without a prefix is checked by the rules of the address's country."""
        account = from_dict(with_value(("financial", "vat_number"), "004495445B01"))
        vat = account.financial.vat_number
        assert vat is not None
        assert (vat.compact, vat.strength) == ("NL004495445B01", CheckStrength.CHECKSUM)

    def test_vat_of_the_wrong_country_fails(self) -> None:
        """A German VAT number without prefix on a Dutch account fails the Dutch check."""
        found = problems(with_value(("financial", "vat_number"), "136695976"))
        assert {path for path, _ in found} == {("financial", "vat_number")}

    def test_coc_number_uses_the_account_country(self) -> None:
        """A KvK number is checked as 8 digits on a Dutch account."""
        assert (("marketing", "coc_number"), "invalid_length") in problems(
            with_value(("marketing", "coc_number"), "1234567")
        )

    def test_unchecked_mode_skips_identifier_checks_only(self) -> None:
        """Without identifier checks a bad IBAN passes, marked unchecked; other rules still run."""
        data = with_value(("financial", "bank_accounts", 0, "iban"), "NL00 0000 0000 0000 00")
        account = from_dict(data, check_identifiers=False)
        iban = account.financial.bank_accounts[0].iban
        assert iban is not None and iban.strength is CheckStrength.UNCHECKED
        data["name"] = ""
        assert problems(data, check_identifiers=False) == {(("name",), "required")}

    def test_iban_number_mismatch(self) -> None:
        """A domestic number that does not match the IBAN is refused."""
        data = with_value(("financial", "bank_accounts", 0, "number"), "123456789")
        assert problems(data) == {
            (("financial", "bank_accounts", 0, "iban"), "iban_number_mismatch")
        }

    def test_bic_of_another_bank(self) -> None:
        """A BIC of another Dutch bank than the IBAN's is a warning: the record stays valid."""
        data = with_value(("financial", "bank_accounts", 0, "bic"), "RABONL2U")
        warnings: list[Problem] = []
        account = from_dict(data, warnings=warnings)
        assert account.financial.bank_accounts[0].bic == BIC.parse("RABONL2U")
        assert [(w.path, w.code, w.severity) for w in warnings] == [
            (("financial", "bank_accounts", 0, "bic"), "bic_bank_mismatch", Severity.WARNING)
        ]

    def test_warnings_are_looked_for_only_when_asked(self) -> None:
        """Without a list to receive them, from_dict reads a record with a warning as valid."""
        data = with_value(("financial", "bank_accounts", 0, "bic"), "RABONL2U")
        assert from_dict(data) == from_dict(data, warnings=[])

    def test_no_identifier_warnings_with_checks_off(self) -> None:
        """Read with identifier checks off, the unchecked identifiers raise no warning."""
        data = with_value(("financial", "bank_accounts", 0, "bic"), "RABONL2U")
        warnings: list[Problem] = []
        from_dict(data, check_identifiers=False, warnings=warnings)
        assert warnings == []

    def test_messages_never_echo_the_iban(self) -> None:
        """A rejected IBAN does not appear in any message."""
        data = with_value(("financial", "bank_accounts", 0, "iban"), "NL91ABNA0417164301")
        with pytest.raises(ValidationError) as caught:
            from_dict(data)
        assert "0417164301" not in str(caught.value)


class TestContactFlags:
    def test_first_email_switches_both_flags_on(self) -> None:
        """A contact given an email without flags gets valid_email and email_permission."""
        data = with_value(("contact",), {"last_name": "Jansen", "email": "j@x.example"})
        contact = from_dict(data).contact
        assert contact is not None and contact.valid_email and contact.email_permission

    def test_explicit_flags_win(self) -> None:
        """Flags given in the record are kept as given."""
        contact = from_dict(record()).contact
        assert contact is not None and contact.valid_email and not contact.email_permission

    def test_no_email_no_flags(self) -> None:
        """A contact without email keeps both flags off."""
        contact = from_dict(with_value(("contact",), {"last_name": "Jansen"})).contact
        assert contact is not None and not contact.valid_email and not contact.email_permission


class TestFreeFields:
    @pytest.mark.parametrize(
        ("kind", "value", "expected"),
        [
            ("text", "gold", "gold"),
            ("number", 3, 3),
            ("number", 2.5, 2.5),
            ("amount", "12.50", Decimal("12.50")),
            ("amount", 12, Decimal(12)),
            ("date", "2024-05-01", date(2024, 5, 1)),
            ("yes_no", True, True),
            ("yes_no", None, None),
        ],
    )
    def test_values_by_kind(self, kind: str, value: object, expected: object) -> None:
        """Each kind reads its own JSON type and round-trips."""
        data = record(free_fields=[{"name": "f", "kind": kind, "value": value}])
        account = from_dict(data)
        assert account.free_fields[0].value == expected
        assert from_dict(to_dict(account)) == account

    @pytest.mark.parametrize(
        ("kind", "value", "code"),
        [
            ("text", 3, "invalid_type"),
            ("number", True, "invalid_type"),
            ("number", "3", "invalid_type"),
            ("number", float("nan"), "out_of_range"),
            ("amount", 12.5, "invalid_type"),
            ("amount", "twelve", "invalid_format"),
            ("amount", "Infinity", "invalid_format"),
            ("date", "01-05-2024", "invalid_date"),
            ("yes_no", "yes", "invalid_type"),
        ],
    )
    def test_wrong_value_for_kind(self, kind: str, value: object, code: str) -> None:
        """A value that does not fit the field's kind is refused at the value."""
        data = record(free_fields=[{"name": "f", "kind": kind, "value": value}])
        assert problems(data) == {(("free_fields", 0, "value"), code)}

    def test_unknown_kind_and_missing_name(self) -> None:
        """A free field needs a name and a known kind."""
        data = record(free_fields=[{"kind": "colour", "value": 1, "x": 2}])
        assert problems(data) == {
            (("free_fields", 0), "unknown_field"),
            (("free_fields", 0, "name"), "required"),
            (("free_fields", 0, "kind"), "invalid_choice"),
        }

    def test_names_are_unique(self) -> None:
        """Two free fields with the same name (ignoring case) are refused."""
        data = record(
            free_fields=[
                {"name": "Seg", "kind": "text", "value": "a"},
                {"name": "seg ", "kind": "text", "value": "b"},
            ]
        )
        assert problems(data) == {(("free_fields", 1, "name"), "duplicate")}


class TestToDict:
    def test_round_trip(self) -> None:
        """Writing and reading back gives an equal account."""
        account = from_dict(record())
        assert from_dict(to_dict(account)) == account

    def test_output_is_json_ready(self) -> None:
        """The dict survives json.dumps and reads back equal."""
        account = from_dict(record())
        text = json.dumps(to_dict(account))
        assert from_dict(json.loads(text)) == account

    def test_shapes_of_values(self) -> None:
        """Identifiers write as compact text, enums as codes, dates as ISO text."""
        data = to_dict(from_dict(record()))
        financial = data["financial"]
        assert isinstance(financial, dict)
        bank = financial["bank_accounts"][0]  # type: ignore[index]
        assert bank["iban"] == "NL91ABNA0417164300"  # type: ignore[index]
        assert data["type"] == "C" and data["type_since"] == "2024-01-02"
        assert financial["vat_number"] == "NL004495445B01"
        assert financial["group_invoice"] == "invoice_debtor"


@attrs.frozen
class Import:
    """A host's own class holding accountcore types."""

    batch: str
    account: Account


class TestConverters:
    def test_make_converter_is_fresh(self) -> None:
        """Each call returns a new converter that reads accounts like from_dict."""
        first, second = make_converter(), make_converter()
        assert first is not second
        assert first.structure(record(), Account) == from_dict(record())

    def test_host_converter_keeps_its_own_behaviour(self) -> None:
        """configure_converter changes accountcore types only, not the host's str or int."""
        conv = cattrs.Converter()
        configure_converter(conv)
        assert conv.structure("3", int) == 3
        assert conv.structure(record(), Account) == from_dict(record())

    def test_problems_inside_a_host_class(self) -> None:
        """problems_of walks cattrs' error groups into problems with full paths."""
        conv = cattrs.Converter()
        configure_converter(conv)
        bad = with_value(("marketing", "rating"), 0)
        with pytest.raises(Exception) as caught:
            conv.structure({"batch": "b1", "account": bad}, Import)
        found = {(p.path, p.code) for p in problems_of(caught.value)}
        assert found == {(("account", "marketing", "rating"), "out_of_range")}

    def test_host_classes_may_hold_every_identifier_kind(self) -> None:
        """Every identifier kind reads and writes through a host converter as compact text."""
        conv = cattrs.Converter()
        configure_converter(conv)
        values = {
            IBAN: "NL91ABNA0417164300",
            BIC: "ABNANL2A",
            VATNumber: "DE136695976",
            ChamberOfCommerceNumber: "34174562",
            DUNS: "001234567",
            GLN: "8712345678906",
        }
        for kind, raw in values.items():
            value = conv.structure(raw, kind)
            assert type(value) is kind and conv.unstructure(value) == raw
        with pytest.raises(ValidationError):
            conv.structure("NL91ABNA0417164301", IBAN)

    def test_unchecked_converter(self) -> None:
        """A converter made without identifier checks marks identifiers unchecked."""
        account = make_converter(check_identifiers=False).structure(record(), Account)
        assert account.financial.vat_number is not None
        assert account.financial.vat_number.strength is CheckStrength.UNCHECKED

    def test_lazy_attributes(self) -> None:
        """from_dict and to_dict are reachable from the package root."""
        assert accountcore.from_dict is from_dict and accountcore.to_dict is to_dict
        with pytest.raises(AttributeError):
            accountcore.no_such_name  # type: ignore[attr-defined]  # noqa: B018
