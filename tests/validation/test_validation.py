"""check_account, Account.new, and validate with the host's lookups."""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from _samples import record

from accountcore import (
    IBAN,
    Account,
    AccountType,
    Address,
    BankAccount,
    Contact,
    Financial,
    Marketing,
    Relations,
    ValidationError,
    check_account,
    from_dict,
    validate,
)
from accountcore.validation import DirectoryEntry, SkippedCheck

ADDRESS = Address(line1="Damrak 1", city="Amsterdam", country="NL")


def account(**changes: object) -> Account:
    return attrs.evolve(from_dict(record()), **changes)


class TestAccountNew:
    def test_new_account_is_active_from_the_given_date(self) -> None:
        """Account.new sets status Active and both dates to the effective date."""
        new = Account.new(
            code=" 42 ",
            name="Acme",
            type=AccountType.PROSPECT,
            address=ADDRESS,
            on=date(2024, 5, 1),
        )
        assert new.code == "42"
        assert new.type_since == new.status_since == date(2024, 5, 1)
        assert new.status.name == "ACTIVE"

    def test_new_checks_every_rule(self) -> None:
        """Account.new raises one error listing every broken rule of the Python-built values."""
        with pytest.raises(ValidationError) as caught:
            Account.new(
                code="",
                name="Acme",
                type=AccountType.CUSTOMER,
                address=Address(line1="x", city=" ", country="XX"),
                on=date(2024, 5, 1),
                marketing=Marketing(rating=0, subsector="food"),
            )
        assert {(p.location, p.code) for p in caught.value.problems} == {
            ("$.code", "required"),
            ("$.summary.address.city", "required"),
            ("$.summary.address.country", "unknown_country"),
            ("$.marketing.rating", "out_of_range"),
            ("$.marketing.subsector", "subsector_without_sector"),
        }


class TestCheckAccount:
    def test_valid_account_passes(self) -> None:
        """An account read by from_dict passes check_account."""
        check_account(from_dict(record()))

    @pytest.mark.parametrize(
        ("changes", "location", "code"),
        [
            ({"contact": Contact(email="nope")}, "$.contact.email", "invalid_email"),
            ({"contact": Contact(mobile="call me")}, "$.contact.mobile", "invalid_phone"),
            ({"relations": Relations(parent="1001")}, "$.relations.parent", "self_reference"),
            ({"relations": Relations(reseller=" 1001")}, "$.relations.reseller", "self_reference"),
            (
                {"financial": Financial(invoice_copies=-1)},
                "$.financial.invoice_copies",
                "out_of_range",
            ),
            (
                {"financial": Financial(bank_accounts=(BankAccount(), BankAccount()))},
                "$.financial.bank_accounts",
                "main_bank_account",
            ),
            (
                {"financial": Financial(bank_accounts=(BankAccount(type="IBAN", main=True),))},
                "$.financial.bank_accounts[0].iban",
                "required",
            ),
        ],
    )
    def test_rules_on_python_built_values(
        self, changes: dict[str, object], location: str, code: str
    ) -> None:
        """Values built in Python get the same rules as values read from a record."""
        with pytest.raises(ValidationError) as caught:
            check_account(account(**changes))
        assert [(p.location, p.code) for p in caught.value.problems] == [(location, code)]

    def test_iban_type_number_must_be_the_iban(self) -> None:
        """For a bank account of the IBAN type, the number is the IBAN itself."""
        iban = IBAN.parse("NL91ABNA0417164300")
        ok = BankAccount(type="IBAN", iban=iban, number="NL91 ABNA 0417 1643 00", main=True)
        bad = attrs.evolve(ok, number="417164300")
        check_account(account(financial=Financial(bank_accounts=(ok,))))
        with pytest.raises(ValidationError):
            check_account(account(financial=Financial(bank_accounts=(bad,))))

    def test_state_may_be_given_whole(self) -> None:
        """A state can be the part after the dash or the full ISO 3166-2 code."""
        for state in ("CA", "US-CA", "ca"):
            address = Address(line1="1 Main St", city="LA", state=state, country="US")
            check_account(account(summary=attrs.evolve(account().summary, address=address)))

    def test_countries_without_subdivisions_accept_any_state(self) -> None:
        """A state is not checked for a country whose subdivisions are unknown."""
        address = Address(line1="Piazza", city="Vatican", state="X", country="VA")
        check_account(account(summary=attrs.evolve(account().summary, address=address)))

    def test_remarks_with_angle_brackets_are_html(self) -> None:
        """Remarks holding both < and > are HTML; others are plain text."""
        assert account(remarks="<b>vip</b>").remarks_are_html
        assert not account(remarks="a < b").remarks_are_html
        assert not account(remarks=None).remarks_are_html


@attrs.frozen
class Directory:
    """A fake host directory keyed by trimmed, case-folded code."""

    entries: dict[str, DirectoryEntry]

    def lookup(self, code: str) -> DirectoryEntry | None:
        return self.entries.get(code.strip().casefold())


@attrs.frozen
class Sectors:
    def sector_of(self, subsector: str) -> str | None:
        return {"food": "retail", "steel": "industry"}.get(subsector)


@attrs.frozen
class CostCentres:
    def cost_centre_of(self, manager: str) -> str | None:
        return {"mvd": "CC-10"}.get(manager)


DIRECTORY = Directory(
    {
        "1001": DirectoryEntry(id="acc-1", type=AccountType.CUSTOMER, parent="9000"),
        "2001": DirectoryEntry(id="acc-2", type=AccountType.RESELLER),
        "2002": DirectoryEntry(id="acc-3", type=AccountType.CUSTOMER),
        "9000": DirectoryEntry(id="acc-9", type=AccountType.ASSOCIATE, parent="9001"),
        "9001": DirectoryEntry(id="acc-10", type=AccountType.ASSOCIATE),
    }
)


def relations(**changes: object) -> Relations:
    return attrs.evolve(account().relations, **changes)


class TestValidateWithLookups:
    def test_without_lookups_every_host_rule_is_skipped(self) -> None:
        """Without lookups, validate reports which rules it could not check."""
        report = validate(account())
        assert report.ok and not report.complete
        assert {s.rule for s in report.skipped} == {
            "code_taken",
            "reseller_is_reseller",
            "parent_cycle",
            "subsector_in_sector",
            "cost_centre_from_manager",
        }
        assert (
            str(SkippedCheck("code_taken", "directory")) == "code_taken not checked: pass directory"
        )

    def test_with_every_lookup_the_report_is_complete(self) -> None:
        """With all lookups, a consistent account passes and nothing is skipped."""
        report = validate(
            account(relations=relations(cost_centre="CC-10")),
            directory=DIRECTORY,
            sectors=Sectors(),
            cost_centres=CostCentres(),
        )
        assert report.ok and report.complete
        report.raise_for_problems()

    @pytest.mark.parametrize(
        ("changes", "location", "code"),
        [
            ({"id": "acc-other"}, "$.code", "code_taken"),
            ({"id": None}, "$.code", "code_taken"),
            ({"relations": relations(reseller="2002")}, "$.relations.reseller", "not_a_reseller"),
            ({"relations": relations(reseller="7777")}, "$.relations.reseller", "unknown_account"),
            ({"relations": relations(parent="7777")}, "$.relations.parent", "unknown_account"),
        ],
    )
    def test_directory_rules(self, changes: dict[str, object], location: str, code: str) -> None:
        """The directory catches taken codes, non-reseller resellers and unknown accounts."""
        report = validate(account(**changes), directory=DIRECTORY)
        assert [(p.location, p.code) for p in report.problems] == [(location, code)]
        with pytest.raises(ValidationError):
            report.raise_for_problems()

    def test_parent_cycle(self) -> None:
        """A parent chain that leads back to the account is a cycle."""
        entries = dict(DIRECTORY.entries)
        entries["9001"] = DirectoryEntry(id="acc-10", type=AccountType.ASSOCIATE, parent="1001")
        report = validate(account(), directory=Directory(entries))
        assert [(p.location, p.code) for p in report.problems] == [
            ("$.relations.parent", "parent_cycle")
        ]

    def test_cycle_above_the_account_terminates(self) -> None:
        """A cycle among ancestors that does not include the account ends the walk quietly."""
        entries = dict(DIRECTORY.entries)
        entries["9001"] = DirectoryEntry(id="acc-10", type=AccountType.ASSOCIATE, parent="9000")
        assert validate(account(), directory=Directory(entries)).ok

    def test_subsector_outside_sector(self) -> None:
        """A subsector of another sector is refused."""
        bad = account(marketing=attrs.evolve(account().marketing, subsector="steel"))
        report = validate(bad, sectors=Sectors())
        assert [p.code for p in report.problems] == ["subsector_not_in_sector"]

    def test_cost_centre_must_follow_the_manager(self) -> None:
        """A cost centre other than the manager's is refused."""
        bad = account(relations=relations(cost_centre="CC-99"))
        report = validate(bad, cost_centres=CostCentres())
        assert [p.code for p in report.problems] == ["cost_centre_mismatch"]
