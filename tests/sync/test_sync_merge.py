"""Merging remote edits field by field against the last synced snapshot
(docs/rules.md#non-empty-systems)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date
from typing import Any

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from accountcore import (
    IBAN,
    Account,
    AccountType,
    Address,
    BankAccount,
    ChamberOfCommerceNumber,
    Contact,
    FreeField,
    FreeFieldKind,
    ValidationError,
    VATNumber,
    check_account,
    from_dict,
    to_dict,
)
from accountcore.sync import ConflictKind, FieldConflict, Merged, merge
from accountcore.testing import accounts

BASE = Account.new(
    id="k1",
    code="1000",
    name="Base B.V.",
    type=AccountType.CUSTOMER,
    address=Address(line1="Damrak 1", city="Amsterdam", country="NL"),
    on=date(2026, 1, 1),
    contact=Contact(first_name="Jan", email="jan@base.nl"),
)
IBAN_A = IBAN.parse("NL91ABNA0417164300")
IBAN_B = IBAN.parse("DE89370400440532013000")
IBAN_C = IBAN.parse("GB29NWBK60161331926819")
VAT = VATNumber.parse("NL123456782B01")
BOTH = ConflictKind.BOTH_CHANGED
BREAKS = ConflictKind.BREAKS_RULE


def put(obj: Any, path: tuple[str, ...], value: object) -> Any:
    """``obj`` (an account) with the field at ``path`` set to ``value``."""
    head, rest = path[0], path[1:]
    inner = put(getattr(obj, head), rest, value) if rest else value
    return attrs.evolve(obj, **{head: inner})


CITY = ("summary", "address", "city")
COUNTRY = ("summary", "address", "country")
STATE = ("summary", "address", "state")
EMAIL = ("contact", "email")
BANKS = ("financial", "bank_accounts")


def banks(*ibans: IBAN) -> tuple[BankAccount, ...]:
    return tuple(BankAccount(iban=iban, main=i == 0) for i, iban in enumerate(ibans))


# --- table tests ------------------------------------------------------------------------------


def test_a_remote_only_edit_is_taken() -> None:
    remote = put(BASE, CITY, "Rotterdam")
    merged = merge(BASE, BASE, remote)
    assert merged.account == remote
    assert merged.remote_wins == (CITY,)
    assert merged.local_wins == ()
    assert merged.clean


def test_a_local_only_edit_is_kept() -> None:
    local = put(BASE, EMAIL, "info@local.nl")
    merged = merge(BASE, local, BASE)
    assert merged.account == local
    assert merged.local_wins == (EMAIL,)
    assert merged.remote_wins == ()
    assert merged.clean


def test_edits_of_different_fields_both_land() -> None:
    local = put(BASE, EMAIL, "info@local.nl")
    remote = put(put(BASE, CITY, "Rotterdam"), ("code",), "2000")
    merged = merge(BASE, local, remote)
    assert merged.account == put(put(local, CITY, "Rotterdam"), ("code",), "2000")
    assert merged.local_wins == (EMAIL,)
    assert merged.remote_wins == (("code",), CITY)
    assert merged.clean


def test_the_same_edit_on_both_sides_is_no_conflict() -> None:
    local = put(BASE, CITY, "Utrecht")
    merged = merge(BASE, local, put(BASE, CITY, "Utrecht"))
    assert merged.account == local
    assert merged == Merged(account=local)


def test_different_edits_of_one_field_are_a_conflict_that_keeps_the_local_value() -> None:
    local = put(put(BASE, CITY, "Utrecht"), ("name",), "Local B.V.")
    remote = put(put(BASE, CITY, "Rotterdam"), EMAIL, "info@remote.nl")
    merged = merge(BASE, local, remote)
    assert merged.conflicts == (FieldConflict(CITY, "Amsterdam", "Utrecht", "Rotterdam", BOTH),)
    assert merged.account == put(local, EMAIL, "info@remote.nl")
    assert merged.local_wins == (("name",),)
    assert merged.remote_wins == (EMAIL,)
    assert not merged.clean


def test_conflicts_come_in_path_order() -> None:
    local = put(put(put(BASE, CITY, "Utrecht"), ("name",), "L"), ("code",), "L1")
    remote = put(put(put(BASE, CITY, "Rotterdam"), ("name",), "R"), ("code",), "R1")
    paths = [conflict.path for conflict in merge(BASE, local, remote).conflicts]
    assert paths == [("code",), ("name",), CITY]


def test_a_bank_account_list_changed_on_both_sides_is_one_conflict() -> None:
    base = put(BASE, BANKS, banks(IBAN_A))
    local = put(base, BANKS, banks(IBAN_A, IBAN_B))
    remote = put(base, BANKS, banks(IBAN_C, IBAN_A))
    merged = merge(base, local, remote)
    assert [c.path for c in merged.conflicts] == [BANKS]
    assert merged.account == local
    assert IBAN_A.compact not in repr(merged.conflicts)
    assert IBAN_B.compact not in repr(merged.conflicts)


def test_a_list_changed_on_one_side_is_taken_whole() -> None:
    fields = (FreeField(name="segment", kind=FreeFieldKind.TEXT, value="retail"),)
    remote = put(put(BASE, ("free_fields",), fields), BANKS, banks(IBAN_B, IBAN_C))
    merged = merge(BASE, BASE, remote)
    assert merged.account == remote
    assert merged.remote_wins == (BANKS, ("free_fields",))


def test_a_contact_person_on_one_side_only_is_one_value() -> None:
    base = attrs.evolve(BASE, contact=None)
    local = attrs.evolve(base, contact=Contact(last_name="Local"))
    remote = attrs.evolve(base, contact=Contact(last_name="Remote"))
    merged = merge(base, local, remote)
    assert [c.path for c in merged.conflicts] == [("contact",)]
    assert merge(base, base, remote).remote_wins == (("contact",),)


def test_identifiers_are_compared_by_their_compact_form() -> None:
    base = put(BASE, ("financial", "vat_number"), VAT)
    remote = put(base, ("financial", "vat_number"), VATNumber.unchecked("NL 1234.56782 B01"))
    merged = merge(base, base, remote)
    assert merged == Merged(account=base)


def test_a_conflict_repr_masks_tax_numbers() -> None:
    local = put(BASE, ("financial", "vat_number"), VAT)
    remote = put(BASE, ("financial", "vat_number"), VATNumber.parse("DE136695976"))
    [conflict] = merge(BASE, local, remote).conflicts
    assert conflict.path == ("financial", "vat_number")
    assert "NL123456782B01" not in repr(conflict)
    assert "DE136695976" not in repr(conflict)
    assert "2B01" in repr(conflict)


def test_without_a_base_every_difference_is_a_conflict() -> None:
    local = put(put(BASE, CITY, "Utrecht"), EMAIL, None)
    remote = put(put(BASE, CITY, "Rotterdam"), ("name",), "Remote")
    merged = merge(None, local, remote)
    kind = ConflictKind.NO_BASE
    assert merged.conflicts == (
        FieldConflict(EMAIL, None, None, "jan@base.nl", kind),
        FieldConflict(("name",), None, "Base B.V.", "Remote", kind),
        FieldConflict(CITY, None, "Utrecht", "Rotterdam", kind),
    )
    assert merged.account == local
    assert (merged.local_wins, merged.remote_wins) == ((), ())
    assert merge(None, local, local) == Merged(account=local)


# --- the merged account stays valid -----------------------------------------------------------


def test_a_remote_value_that_breaks_a_rule_with_a_local_one_goes_back_to_local() -> None:
    local = put(BASE, COUNTRY, "DE")
    remote = put(put(BASE, STATE, "FR"), EMAIL, "info@remote.nl")  # Friesland, NL-FR
    merged = merge(BASE, local, remote)
    assert merged.conflicts == (FieldConflict(STATE, None, None, "FR", BREAKS),)
    assert merged.account == put(local, EMAIL, "info@remote.nl")
    assert merged.remote_wins == (EMAIL,)
    check_account(merged.account)


def test_the_remote_field_whose_return_clears_the_error_goes_back() -> None:
    local = put(BASE, STATE, "FR")
    remote = put(put(BASE, COUNTRY, "DE"), CITY, "Berlin")
    merged = merge(BASE, local, remote)
    assert merged.conflicts == (FieldConflict(COUNTRY, "NL", "NL", "DE", BREAKS),)
    assert merged.account == put(local, CITY, "Berlin")
    assert (merged.local_wins, merged.remote_wins) == ((STATE,), (CITY,))


def test_a_parent_naming_the_new_code_goes_back() -> None:
    local = put(BASE, ("code",), "2000")
    remote = put(BASE, ("relations", "parent"), "2000")
    merged = merge(BASE, local, remote)
    parent = ("relations", "parent")
    assert merged.conflicts == (FieldConflict(parent, None, None, "2000", BREAKS),)
    assert merged.account == local


def test_a_new_code_that_a_local_parent_names_goes_back() -> None:
    local = put(BASE, ("relations", "parent"), "2000")
    remote = put(put(BASE, ("code",), "2000"), CITY, "Rotterdam")
    merged = merge(BASE, local, remote)
    assert merged.conflicts == (FieldConflict(("code",), "1000", "1000", "2000", BREAKS),)
    assert merged.account == put(local, CITY, "Rotterdam")
    assert merged.remote_wins == (CITY,)


def test_a_company_number_the_merged_country_refuses_goes_back() -> None:
    coc = ("marketing", "coc_number")
    local = put(BASE, COUNTRY, "BE")
    remote = put(BASE, coc, ChamberOfCommerceNumber.parse("34071232", "NL"))
    merged = merge(BASE, local, remote)
    assert [(c.path, c.kind) for c in merged.conflicts] == [(coc, BREAKS)]
    assert merged.account == local
    assert "34071232" not in repr(merged.conflicts)


def test_a_problem_the_local_account_has_itself_is_not_blamed_on_the_remote() -> None:
    coc = ChamberOfCommerceNumber.parse("34071232", "NL")
    local = put(put(BASE, COUNTRY, "BE"), ("marketing", "coc_number"), coc)
    remote = put(BASE, CITY, "Rotterdam")
    merged = merge(BASE, local, remote)
    assert merged.clean
    assert merged.remote_wins == (CITY,)


# --- bad input --------------------------------------------------------------------------------


def problems(error: pytest.ExceptionInfo[ValidationError]) -> list[tuple[tuple[Any, ...], str]]:
    return [(p.path, p.code) for p in error.value.problems]


def test_a_remote_with_another_account_key_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        merge(BASE, BASE, attrs.evolve(BASE, id="k2"))
    assert problems(error) == [(("remote", "id"), "snapshot_mismatch")]


def test_a_snapshot_of_another_account_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        merge(attrs.evolve(BASE, id="k2"), BASE, BASE)
    assert problems(error) == [(("base", "id"), "snapshot_mismatch")]


@pytest.mark.parametrize("where", [0, 1, 2])
@pytest.mark.parametrize("wrong", ["k1", 3, {"id": "k1"}, to_dict(BASE)])
def test_an_argument_that_is_not_an_account_is_refused(where: int, wrong: object) -> None:
    arguments: list[Any] = [BASE, BASE, BASE]
    arguments[where] = wrong
    with pytest.raises(ValidationError) as error:
        merge(*arguments)
    assert problems(error) == [((("base", "local", "remote")[where],), "invalid_type")]


def test_none_is_refused_for_local_and_remote() -> None:
    with pytest.raises(ValidationError) as error:
        merge(None, None, None)  # type: ignore[arg-type]
    assert problems(error) == [(("local",), "invalid_type"), (("remote",), "invalid_type")]


def test_an_invalid_side_is_refused_with_its_paths() -> None:
    broken = put(BASE, ("summary", "email"), "not an email")
    with pytest.raises(ValidationError) as error:
        merge(BASE, BASE, broken)
    assert problems(error) == [(("remote", "summary", "email"), "invalid_email")]


# --- properties -------------------------------------------------------------------------------

Leaves = Iterator[tuple[tuple[str, ...], tuple[Any, ...]]]


def leaves(*records: Any, prefix: tuple[str, ...] = ()) -> Leaves:
    """Every field of the records (dicts of `to_dict`) by path: an object is walked when every
    record holds one there, else compared whole; the account key left out."""
    if all(isinstance(record, dict) for record in records):
        for key in records[0]:
            if prefix or key != "id":
                yield from leaves(*(record[key] for record in records), prefix=(*prefix, key))
    else:
        yield prefix, records


def put_in(record: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        record = record[key]
    record[path[-1]] = value


#: What an edit does to a field: nothing (most often), the local side changes it, the remote
#: side does, both alike, both differently.
NONE, LOCAL, REMOTE, ALIKE, APART = range(5)
EDITS = st.sampled_from([NONE, NONE, NONE, LOCAL, REMOTE, ALIKE, APART])


def with_key(account: Account, key: str | None) -> Account:
    return attrs.evolve(account, id=key)


@st.composite
def trios(draw: st.DrawFn) -> tuple[Account, Account, Account]:
    """A snapshot and two valid edits of it, made field by field from two other accounts."""
    base = draw(accounts())
    ours = to_dict(with_key(draw(accounts()), base.id))
    theirs = to_dict(with_key(draw(accounts()), base.id))
    local, remote = to_dict(base), to_dict(base)
    for path, (_, mine, other) in leaves(to_dict(base), ours, theirs):
        edit = draw(EDITS)
        if edit in (LOCAL, ALIKE, APART):
            put_in(local, path, copy.deepcopy(mine))
        if edit in (REMOTE, APART):
            put_in(remote, path, copy.deepcopy(other))
        elif edit == ALIKE:
            put_in(remote, path, copy.deepcopy(mine))
    try:
        return base, from_dict(local), from_dict(remote)
    except ValidationError:
        assume(False)
        raise  # pragma: no cover


NL_COC = ChamberOfCommerceNumber.parse("34071232", "NL")
#: Pairs of edits that may break a card rule together, one per side: (base, one side, the
#: other side), each a few fields set.
CLASHES: list[tuple[dict[tuple[str, ...], Any], ...]] = [
    ({COUNTRY: "NL", STATE: None}, {COUNTRY: "DE"}, {STATE: "FR"}),
    ({COUNTRY: "NL", STATE: None}, {COUNTRY: "US"}, {STATE: "NH"}),
    ({COUNTRY: "NL", STATE: None}, {STATE: "FR"}, {COUNTRY: "BE"}),
    (
        {("code",): "B1", ("relations", "parent"): None},
        {("code",): "C1"},
        {("relations", "parent"): "C1"},
    ),
    (
        {("code",): "B1", ("relations", "reseller"): None},
        {("relations", "reseller"): "C1"},
        {("code",): "C1"},
    ),
    (
        {("marketing", "sector"): "S", ("marketing", "subsector"): None},
        {("marketing", "sector"): None},
        {("marketing", "subsector"): "T"},
    ),
    (
        {COUNTRY: "NL", ("marketing", "coc_number"): None},
        {COUNTRY: "BE"},
        {("marketing", "coc_number"): NL_COC},
    ),
]


def edited(account: Account, *changes: dict[tuple[str, ...], Any]) -> Account:
    for change in changes:
        for path, value in change.items():
            account = put(account, path, value)
    return account


@st.composite
def clashing_trios(draw: st.DrawFn) -> tuple[Account, Account, Account]:
    """A trio of `trios` with two edits that may break a card rule together, one per side."""
    base, local, remote = draw(trios())
    common, one, other = draw(st.sampled_from(CLASHES))
    if draw(st.booleans()):
        one, other = other, one
    base, local = edited(base, common), edited(local, common, one)
    remote = edited(remote, common, other)
    try:
        for account in (local, remote):
            check_account(account)
            from_dict(to_dict(account))
    except ValidationError:
        assume(False)
    return base, local, remote


def same_key_accounts() -> st.SearchStrategy[tuple[Account, Account, Account]]:
    """Three accounts drawn on their own, with one account key."""
    return st.tuples(accounts(), accounts(), accounts()).map(
        lambda t: (t[0], with_key(t[1], t[0].id), with_key(t[2], t[0].id))
    )


def paths(merged: Merged, kind: ConflictKind) -> set[tuple[str | int, ...]]:
    return {conflict.path for conflict in merged.conflicts if conflict.kind is kind}


@given(trios())
def test_no_remote_change_gives_the_local_account(trio: tuple[Account, Account, Account]) -> None:
    base, local, _ = trio
    merged = merge(base, local, base)
    assert merged.account == local
    assert merged.clean
    assert merged.remote_wins == ()


@given(trios())
def test_no_local_change_gives_the_remote_account(trio: tuple[Account, Account, Account]) -> None:
    base, _, remote = trio
    merged = merge(base, base, remote)
    assert to_dict(merged.account) == to_dict(remote)
    assert merged.clean
    assert merged.local_wins == ()


@given(trios())
def test_the_same_account_on_both_sides_is_taken(trio: tuple[Account, Account, Account]) -> None:
    base, local, _ = trio
    assert merge(base, local, local) == Merged(account=local)


@given(trios() | clashing_trios())
def test_the_decisions_follow_the_changes(trio: tuple[Account, Account, Account]) -> None:
    """
    With a base, each field (as `leaves` walks the three records, values compared as their
    dicts hold them) where the local value, the remote value and the base's are pairwise
    different is a BOTH_CHANGED conflict, and no other field is; a field where only the local
    value differs from the base's is a local win; a field where only the remote value does is
    a remote win or, where taking it would break a card rule, a BREAKS_RULE conflict. The
    merged account holds the remote value at the remote wins and the local value everywhere
    else, and is valid: it passes check_account and reads back from its dict.
    """
    base, local, remote = trio
    merged = merge(base, local, remote)
    both, mine, theirs = set(), set(), set()
    for path, (was, ours, other) in leaves(to_dict(base), to_dict(local), to_dict(remote)):
        if was not in (ours, other) and ours != other:
            both.add(path)
        elif ours != was and other == was:
            mine.add(path)
        elif other != was and ours == was:
            theirs.add(path)
    assert paths(merged, BOTH) == both
    assert set(merged.local_wins) == mine
    assert set(merged.remote_wins) | paths(merged, BREAKS) == theirs
    assert not set(merged.remote_wins) & paths(merged, BREAKS)
    assert paths(merged, ConflictKind.NO_BASE) == set()
    records = to_dict(merged.account), to_dict(local), to_dict(remote)
    for path, (held, ours, other) in leaves(*records):
        taken = any(path[: len(won)] == won for won in merged.remote_wins)
        assert held == (other if taken else ours), path
    check_account(merged.account)
    record = to_dict(merged.account)
    assert to_dict(from_dict(record)) == record


@given(trios() | clashing_trios())
def test_swapping_the_sides_swaps_the_wins(trio: tuple[Account, Account, Account]) -> None:
    base, local, remote = trio
    merged, swapped = merge(base, local, remote), merge(base, remote, local)
    assert paths(merged, BOTH) == paths(swapped, BOTH)
    assert set(merged.local_wins) == set(swapped.remote_wins) | paths(swapped, BREAKS)
    assert set(swapped.local_wins) == set(merged.remote_wins) | paths(merged, BREAKS)
    if merged.clean and swapped.clean:
        assert to_dict(merged.account) == to_dict(swapped.account)


@given(same_key_accounts())
def test_any_valid_accounts_merge(trio: tuple[Account, Account, Account]) -> None:
    base, local, remote = trio
    merged = merge(base, local, remote)
    check_account(merged.account)
    assert merged.account.id == local.id


@given(same_key_accounts())
def test_without_a_base_the_local_account_is_kept(trio: tuple[Account, Account, Account]) -> None:
    _, local, remote = trio
    merged = merge(None, local, remote)
    assert merged.account == local
    differing = {p for p, (ours, other) in leaves(to_dict(local), to_dict(remote)) if ours != other}
    assert paths(merged, ConflictKind.NO_BASE) == differing == {c.path for c in merged.conflicts}


# --- the fields a system stores ---------------------------------------------------------------

STORED = (("code",), ("name",), ("summary", "address"))


def test_a_field_the_system_does_not_store_keeps_the_local_value() -> None:
    """The remote reads back without an email it cannot hold: that is no remote edit."""
    remote = put(put(BASE, EMAIL, None), CITY, "Rotterdam")
    merged = merge(BASE, BASE, remote, fields=STORED)
    assert merged.account == put(BASE, CITY, "Rotterdam")
    assert merged.remote_wins == (CITY,)


def test_fields_that_are_not_card_fields_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        merge(BASE, BASE, BASE, fields=(("summary", "adress"), ("id",), ()))  # type: ignore[arg-type]
    assert [(p.path, p.code) for p in caught.value.problems] == [
        (("fields", 0), "unknown_field"),
        (("fields", 1), "unknown_field"),
        (("fields", 2), "invalid_type"),
    ]


@given(trios(), st.sets(st.sampled_from(sorted((*STORED, ("remarks",), ("contact",))))))
def test_only_stored_fields_are_taken(
    trio: tuple[Account, Account, Account], stored: set[tuple[str, ...]]
) -> None:
    """
    With ``fields``, the merge is the full merge restricted to those fields: every field
    outside them keeps its local value, and no decision names one.
    """
    base, local, remote = trio
    fields = tuple(sorted(stored))
    merged = merge(base, local, remote, fields=fields)

    def outside(path: tuple[str | int, ...]) -> bool:
        return not any(path[: len(f)] == f or f[: len(path)] == path for f in fields)

    decided = [c.path for c in merged.conflicts] + list(merged.remote_wins + merged.local_wins)
    assert not any(outside(path) for path in decided)
    full = merge(base, local, remote)
    assert set(merged.local_wins) == {p for p in full.local_wins if not outside(p)}
