"""The strategies in accountcore.testing draw what they promise."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import accountcore
from accountcore import (
    BIC,
    DUNS,
    GLN,
    IBAN,
    Account,
    AccountStatus,
    AccountType,
    Address,
    BankAccount,
    ChamberOfCommerceNumber,
    CheckStrength,
    Contact,
    FreeField,
    ValidationError,
    VATNumber,
    check_account,
    from_dict,
)
from accountcore import testing as at

BUILT_VAT_COUNTRIES = ("AT", "BE", "DE", "DK", "ES", "FR", "GB", "GR", "IE", "IT", "NL", "PT")
TABLE_VAT_COUNTRIES = ("CH", "CZ", "EE", "FI", "HR", "HU", "LT", "LU", "LV", "NO", "PL", "RO")
BREAKAGES = (
    "wrong_type", "blank", "unknown_key", "out_of_range", "invalid_identifier", "bad_date",
    "bad_choice", "missing_key",
)  # fmt: skip


class TestIdentifierStrategies:
    @given(at.ibans())
    def test_ibans_parse_with_checksum_strength(self, iban: IBAN) -> None:
        """Every drawn IBAN re-parses to itself and was checked by its check digits."""
        assert IBAN.parse(iban.formatted) == iban
        assert iban.strength is CheckStrength.CHECKSUM

    @pytest.mark.parametrize("country", ["NL", "DE", "GB", "FR"])
    @settings(max_examples=20)
    @given(data=st.data())
    def test_ibans_of_one_country(self, country: str, data: st.DataObject) -> None:
        """Asking for a country draws IBANs of that country only."""
        assert data.draw(at.ibans(country)).country == country

    @given(at.bics())
    def test_bics_parse_with_format_strength(self, bic: BIC) -> None:
        """Every drawn BIC re-parses to itself and was checked for its format."""
        assert BIC.parse(str(bic)) == bic
        assert bic.strength is CheckStrength.FORMAT

    @given(at.vat_numbers())
    def test_vat_numbers_parse_with_checksum_strength(self, vat: VATNumber) -> None:
        """Every drawn VAT number carries its country prefix and was checked by its checksum."""
        assert vat.strength is CheckStrength.CHECKSUM
        assert vat.country is not None and vat.compact.startswith(vat.country)
        assert VATNumber.parse(vat.compact) == vat

    @pytest.mark.parametrize("country", BUILT_VAT_COUNTRIES + TABLE_VAT_COUNTRIES)
    @settings(max_examples=20)
    @given(data=st.data())
    def test_vat_numbers_of_each_country(self, country: str, data: st.DataObject) -> None:
        """Each supported country yields checked numbers of that country."""
        vat = data.draw(at.vat_numbers(country))
        assert (vat.country, vat.strength) == (country, CheckStrength.CHECKSUM)

    @pytest.mark.parametrize("make", [at.ibans, at.vat_numbers, at.coc_numbers])
    def test_unknown_country_is_an_invalid_argument(self, make: Callable[[str], object]) -> None:
        """Asking for identifiers of a country the strategy cannot serve fails at once."""
        with pytest.raises(InvalidArgument):
            make("ZZ")

    @pytest.mark.parametrize(
        ("country", "strength"),
        [
            ("NL", CheckStrength.FORMAT),
            ("FR", CheckStrength.CHECKSUM),
            ("DK", CheckStrength.CHECKSUM),
            ("DE", CheckStrength.FORMAT),
            ("NO", CheckStrength.CHECKSUM),
            ("US", CheckStrength.UNCHECKED),
            ("JP", CheckStrength.UNCHECKED),
        ],
    )
    @settings(max_examples=20)
    @given(data=st.data())
    def test_coc_numbers_by_country(
        self, country: str, strength: CheckStrength, data: st.DataObject
    ) -> None:
        """A country's register numbers re-parse in that country, as strongly as it checks."""
        coc = data.draw(at.coc_numbers(country))
        assert (coc.country, coc.strength) == (country, strength)
        assert ChamberOfCommerceNumber.parse(coc.compact, country) == coc

    @given(at.coc_numbers())
    def test_coc_numbers_of_any_country(self, coc: ChamberOfCommerceNumber) -> None:
        """Register numbers drawn without a country are bound to one and re-parse there."""
        assert ChamberOfCommerceNumber.parse(coc.compact, coc.country) == coc

    @given(at.duns_numbers(), at.glns())
    def test_duns_and_glns(self, duns: DUNS, gln: GLN) -> None:
        """D-U-N-S numbers are format-checked and GLNs checksum-checked, and both re-parse."""
        assert DUNS.parse(duns.formatted) == duns and duns.strength is CheckStrength.FORMAT
        assert GLN.parse(str(gln)) == gln and gln.strength is CheckStrength.CHECKSUM


class TestEntityStrategies:
    @given(at.account_types(), at.account_statuses())
    def test_enums(self, type_: AccountType, status: AccountStatus) -> None:
        """Types and statuses are members of their enums."""
        assert isinstance(type_, AccountType) and isinstance(status, AccountStatus)

    @given(at.addresses())
    def test_addresses_pass_the_rules(self, address: Address) -> None:
        """Drawn addresses, placed in an account, raise no problem."""
        check_account(_account_with(summary=accountcore.Summary(address=address)))

    @given(at.contacts())
    def test_contacts_pass_the_rules(self, contact: Contact) -> None:
        """Drawn contacts, placed in an account, raise no problem."""
        check_account(_account_with(contact=contact))

    @given(at.bank_accounts())
    def test_bank_accounts_are_consistent(self, bank: BankAccount) -> None:
        """A drawn bank account is not main, and its number and BIC agree with its IBAN."""
        assert not bank.main
        main = attrs.evolve(bank, main=True)
        check_account(_account_with(financial=accountcore.Financial(bank_accounts=(main,))))

    @given(at.bank_account_lists())
    def test_bank_account_lists_have_one_main(self, banks: tuple[BankAccount, ...]) -> None:
        """A non-empty list of bank accounts has exactly one main account and passes the rules."""
        assert not banks or sum(bank.main for bank in banks) == 1
        check_account(_account_with(financial=accountcore.Financial(bank_accounts=banks)))

    @given(at.free_fields())
    def test_free_fields_have_unique_names(self, fields: tuple[FreeField, ...]) -> None:
        """Free field names are unique within an account and the fields pass the rules."""
        names = [field.name.strip().casefold() for field in fields]
        assert len(names) == len(set(names))
        check_account(_account_with(free_fields=fields))


class TestAccountStrategies:
    @settings(max_examples=100)
    @given(at.accounts())
    def test_accounts_pass_check_account(self, account: Account) -> None:
        """Every drawn account passes every rule that needs no outside data."""
        check_account(account)

    @settings(max_examples=100)
    @given(at.account_dicts())
    def test_account_dicts_are_json_and_readable(self, data: dict[str, object]) -> None:
        """Every drawn record survives JSON and is read without a problem."""
        assert json.loads(json.dumps(data, allow_nan=False)) == data
        assert isinstance(from_dict(data), Account)

    @given(at.accounts())
    def test_country_bound_identifiers_follow_the_address(self, account: Account) -> None:
        """The register number is bound to the address country, as from_dict binds it."""
        coc = account.marketing.coc_number
        assert coc is None or coc.country == account.summary.address.country


class TestBrokenStrategies:
    @given(at.json_values())
    def test_json_values_are_json(self, value: object) -> None:
        """Every drawn value is something json.dumps writes."""
        json.dumps(value)

    @given(at.broken_records())
    def test_broken_records_fail_at_their_path(self, record: at.BrokenRecord) -> None:
        """Each broken record is refused with a problem of an expected code at its path."""
        json.dumps(record.data)
        with pytest.raises(ValidationError) as caught:
            from_dict(record.data)
        found = {(p.path, p.code) for p in caught.value.problems}
        assert any((record.path, code) in found for code in record.expected_codes), found

    @settings(max_examples=50)
    @given(at.broken_account_dicts())
    def test_broken_account_dicts_are_refused(self, data: dict[str, object]) -> None:
        """Broken account dicts are refused with a ValidationError."""
        with pytest.raises(ValidationError):
            from_dict(data)

    @pytest.mark.parametrize("breakage", BREAKAGES)
    @settings(max_examples=20)
    @given(data=st.data())
    def test_each_breakage_fails_at_its_path(self, breakage: str, data: st.DataObject) -> None:
        """Each kind of breakage can be asked for alone, and fails at its path."""
        record = data.draw(at.broken_records([breakage]))
        assert record.breakage == breakage
        with pytest.raises(ValidationError) as caught:
            from_dict(record.data)
        found = {(p.path, p.code) for p in caught.value.problems}
        assert any((record.path, code) in found for code in record.expected_codes), found

    def test_unknown_breakage_is_refused(self) -> None:
        """Asking for a kind of breakage that does not exist is an invalid argument."""
        with pytest.raises(InvalidArgument):
            at.broken_records(["on_fire"])


class TestModule:
    def test_every_public_name_is_documented(self) -> None:
        """Every name in __all__ exists and carries a docstring with its version."""
        for name in at.__all__:
            doc = getattr(at, name).__doc__
            assert doc and ".. versionadded:: 0.1" in doc, name


def _account_with(**sections: object) -> Account:
    base = {
        "code": "1001",
        "name": "Acme",
        "type": AccountType.CUSTOMER,
        "type_since": date(2024, 1, 1),
        "status_since": date(2024, 1, 1),
        "summary": accountcore.Summary(
            address=Address(line1="Damrak 1", city="Amsterdam", country="NL")
        ),
    }
    return Account(**{**base, **sections})  # type: ignore[arg-type]
