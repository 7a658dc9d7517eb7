"""The entities themselves: enums, immutability, the contact's email flags."""

from __future__ import annotations

import pickle
from datetime import date

import attrs
import pytest

from accountcore import (
    Account,
    AccountStatus,
    AccountType,
    Address,
    Contact,
)
from accountcore.entities import CARD_TYPES


class TestEnums:
    def test_codes_are_exacts_letters(self) -> None:
        """Types and statuses are looked up by Exact's one-letter codes."""
        assert AccountType("C") is AccountType.CUSTOMER
        assert AccountType("T") is AccountType.SUSPECT
        assert AccountStatus("E") is AccountStatus.INACTIVE
        assert AccountStatus("S") is AccountStatus.PASSIVE
        assert len(AccountType) == 11 and len(AccountStatus) == 6

    def test_types_and_statuses_never_compare_equal(self) -> None:
        """Colliding letters (P, S, ...) never make a type equal a status or a string."""
        assert AccountType.PROSPECT != AccountStatus.PILOT  # type: ignore[comparison-overlap]
        assert AccountType.SUPPLIER != AccountStatus.PASSIVE  # type: ignore[comparison-overlap]
        assert AccountType.CUSTOMER != "C"  # type: ignore[comparison-overlap]

    def test_card_types(self) -> None:
        """The card creates nine types: never Employee nor Not validated."""
        assert {t.value for t in CARD_TYPES} == set("ABCDLPRST")


class TestImmutability:
    def test_accounts_are_frozen_and_hashable(self) -> None:
        """An account cannot be changed in place; equal accounts hash alike."""
        address = Address(line1="a", city="b", country="NL")
        one = Account.new(
            code="1", name="n", type=AccountType.LEAD, address=address, on=date(2024, 1, 1)
        )
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            one.name = "other"  # type: ignore[misc]
        two = attrs.evolve(one)
        assert one == two and hash(one) == hash(two)
        assert pickle.loads(pickle.dumps(one)) == one


class TestContactEmail:
    def test_first_email_switches_both_flags_on(self) -> None:
        """The first email given sets valid_email and email_permission."""
        contact = Contact(last_name="J").with_email("j@x.example")
        assert contact.valid_email and contact.email_permission

    def test_change_keeps_the_permission(self) -> None:
        """A later change keeps the permission flag as it was and marks the address valid."""
        contact = Contact(email="old@x.example", valid_email=False, email_permission=False)
        changed = contact.with_email("new@x.example")
        assert changed.valid_email and not changed.email_permission

    def test_removal_clears_validity_only(self) -> None:
        """Removing the email clears valid_email and keeps the permission."""
        contact = Contact(email="a@x.example", valid_email=True, email_permission=True)
        removed = contact.with_email(None)
        assert removed.email is None and not removed.valid_email and removed.email_permission
