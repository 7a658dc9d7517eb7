"""Initial reconciliation with a system that is not empty (docs/rules.md#non-empty-systems)."""

from __future__ import annotations

import random
from datetime import date, datetime, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accountcore import (
    Account,
    AccountType,
    Address,
    ChamberOfCommerceNumber,
    ValidationError,
    VATNumber,
)
from accountcore.sync import (
    Ambiguous,
    Link,
    LinkMismatch,
    Match,
    MatchBasis,
    Reconciliation,
    Record,
    RemoteAccount,
    import_remote,
    match_remote,
    reconcile,
)
from accountcore.testing import accounts as drawn_accounts

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
_BASE = Account.new(
    code="1000",
    name="Base B.V.",
    type=AccountType.CUSTOMER,
    address=Address(line1="Damrak 1", city="Amsterdam", country="NL"),
    on=date(2026, 1, 1),
)
KEY = MatchBasis.ACCOUNT_KEY
VAT = MatchBasis.VAT_NUMBER
COC = MatchBasis.COC_NUMBER
CODE = MatchBasis.CODE


def account(
    key: str | None,
    code: str = "1000",
    *,
    vat: VATNumber | str | None = None,
    coc: ChamberOfCommerceNumber | str | None = None,
    country: str = "NL",
) -> Account:
    """An account; a VAT or CoC number given as text is parsed (CoC by ``country``'s rules)."""
    if isinstance(vat, str):
        vat = VATNumber.parse(vat, country)
    if isinstance(coc, str):
        coc = ChamberOfCommerceNumber.parse(coc, country)
    address = attrs.evolve(_BASE.summary.address, country=country)
    return attrs.evolve(
        _BASE,
        id=key,
        code=code,
        summary=attrs.evolve(_BASE.summary, address=address),
        financial=attrs.evolve(_BASE.financial, vat_number=vat),
        marketing=attrs.evolve(_BASE.marketing, coc_number=coc),
    )


def remote(ext: str, key: str | None = None, snapshot: Account | None = None) -> RemoteAccount:
    return RemoteAccount(
        external_id=ext,
        account_key=key,
        snapshot=snapshot or account(None, f"X{ext}"),
        version=f"v-{ext}",
        modified_at=T0,
    )


def match(key: str, ext: str, basis: MatchBasis) -> Match:
    return Match(account_key=key, external_id=ext, basis=basis, version=f"v-{ext}")


def categories(result: Reconciliation) -> list[str]:
    """Every local account key, once per category it appears in."""
    return [
        *(m.account_key for m in result.matched),
        *result.already_linked,
        *(m.account_key for m in result.link_mismatch),
        *result.to_create,
        *(a.account_key for a in result.ambiguous),
    ]


# --- one table per basis ---------------------------------------------------------------------


def test_the_account_key_decides_first() -> None:
    """A record with our key wins over a keyless record with the same VAT number."""
    local = account("a", "1001", vat="NL004495445B01")
    same_vat = remote("R1", None, account(None, "1001", vat="NL004495445B01"))
    result = reconcile([local], [same_vat, remote("R2", "a")])
    assert result.matched == (match("a", "R2", KEY),)
    assert result.remote_only == ("R1",)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (VATNumber.parse("NL004495445B01"), VATNumber.parse("NL 0044.95445.B01")),
        (VATNumber.parse("DE136695976"), VATNumber.parse("de 136 695 976")),
        (VATNumber.parse("BE0403019261"), VATNumber.parse("BE 0403.019.261")),
        # A number without its prefix is the account's country's (NL here).
        (VATNumber.unchecked("004495445B01"), VATNumber.parse("NL004495445B01")),
        # Northern Ireland's XI number is the same registration as the GB one.
        (VATNumber.parse("GB980780684"), VATNumber.parse("XI980780684")),
    ],
    ids=["nl", "de", "be", "no-prefix", "xi-gb"],
)
def test_vat_number(ours: VATNumber, theirs: VATNumber) -> None:
    assert VATNumber.is_valid(theirs.compact)  # real numbers, check digits and all
    assert ours.country is None or VATNumber.is_valid(ours.compact)
    result = reconcile(
        [account("a", "1001", vat=ours)], [remote("R1", None, account(None, "9", vat=theirs))]
    )
    assert result.matched == (match("a", "R1", VAT),)


@pytest.mark.parametrize(
    ("ours", "theirs", "matched"),
    [
        (("34171230", "NL"), ("3417 1230", "NL"), True),
        # An unchecked number takes its country from the account's address.
        (("34171230", "NL"), ("unchecked:3417 1230", "NL"), True),
        (("34171230", "NL"), ("unchecked:34171230", "DE"), False),
        (("HRB 12345", "DE"), ("hrb 12345", "DE"), True),
        (("34171230", "NL"), ("34174562", "NL"), False),
    ],
    ids=["kvk", "unchecked", "other-country", "hrb", "other-number"],
)
def test_coc_number(ours: tuple[str, str], theirs: tuple[str, str], matched: bool) -> None:
    text, country = theirs
    if text.startswith("unchecked:"):
        coc: ChamberOfCommerceNumber | str = ChamberOfCommerceNumber.unchecked(text[10:])
    else:
        assert ChamberOfCommerceNumber.is_valid(text, country)
        coc = text
    local = account("a", "1001", coc=ours[0], country=ours[1])
    result = reconcile([local], [remote("R1", None, account(None, "9", coc=coc, country=country))])
    assert result.matched == ((match("a", "R1", COC),) if matched else ())


@pytest.mark.parametrize(
    ("ours", "theirs", "matched"),
    [
        ("1001", "     1001", True),  # Exact Online pads codes to 18 characters
        ("1001", "1001".rjust(18), True),
        ("ACME", " acme ", True),
        ("1001", "01001", False),  # leading zeros count (ADR 0021)
        ("1001", "1002", False),
    ],
)
def test_code(ours: str, theirs: str, matched: bool) -> None:
    result = reconcile([account("a", ours)], [remote("R1", None, account(None, theirs))])
    assert result.matched == ((match("a", "R1", CODE),) if matched else ())
    assert result.to_create == (() if matched else ("a",))


def test_a_weaker_basis_is_tried_only_when_stronger_ones_find_nothing() -> None:
    """The VAT number decides before the code, and an ambiguous VAT does not fall through."""
    local = account("a", "1001", vat="DE136695976")
    records = [
        remote("R1", None, account(None, "5", vat="DE136695976")),
        remote("R2", None, account(None, "1001")),
    ]
    assert reconcile([local], records).matched == (match("a", "R1", VAT),)
    twice = [*records, remote("R3", None, account(None, "6", vat="DE136695976"))]
    result = reconcile([local], twice)
    assert result.ambiguous == (Ambiguous(account_key="a", basis=VAT, candidates=("R1", "R3")),)
    assert result.matched == () and result.remote_only == ("R2",)


# --- ambiguity, foreign keys, links ----------------------------------------------------------


def test_two_records_with_the_same_vat_number_are_ambiguous() -> None:
    records = [
        remote("R2", None, account(None, "7", vat="NL004495445B01")),
        remote("R1", None, account(None, "8", vat="NL004495445B01")),
    ]
    result = reconcile([account("a", "1001", vat="NL004495445B01")], records)
    assert result.ambiguous == (Ambiguous(account_key="a", basis=VAT, candidates=("R1", "R2")),)
    assert result.matched == ()
    assert result.remote_only == ()
    assert result.record() == Record()


def test_two_accounts_with_the_same_code_are_ambiguous() -> None:
    result = reconcile(
        [account("a", "1001"), account("b", " 1001")], [remote("R1", None, account(None, "1001"))]
    )
    assert result.ambiguous == (
        Ambiguous(account_key="a", basis=CODE, candidates=("R1",), rivals=("b",)),
        Ambiguous(account_key="b", basis=CODE, candidates=("R1",), rivals=("a",)),
    )
    assert result.record() == Record()


def test_two_records_with_our_key_are_ambiguous() -> None:
    result = reconcile([account("a")], [remote("R1", "a"), remote("R2", "a")])
    assert result.ambiguous == (Ambiguous(account_key="a", basis=KEY, candidates=("R1", "R2")),)


def test_claims_on_different_bases_are_ambiguous_too() -> None:
    """One record, claimed by one account's VAT number and another's code: no guess."""
    record = remote("R1", None, account(None, "2002", vat="NL004495445B01"))
    result = reconcile([account("a", "1001", vat="NL004495445B01"), account("b", "2002")], [record])
    assert [(a.account_key, a.basis, a.rivals) for a in result.ambiguous] == [
        ("a", VAT, ("b",)),
        ("b", CODE, ("a",)),
    ]


def test_a_candidate_of_an_ambiguous_account_is_not_adopted_by_another() -> None:
    """The result must not depend on which account comes first."""
    records = [
        remote("R1", None, account(None, "2002", vat="DE136695976")),
        remote("R2", None, account(None, "7", vat="DE136695976")),
    ]
    local = [account("a", "1001", vat="DE136695976"), account("b", "2002")]
    for order in (local, local[::-1]):
        result = reconcile(order, records)
        assert result.matched == ()
        assert {(a.account_key, a.candidates, a.rivals) for a in result.ambiguous} == {
            ("a", ("R1", "R2"), ("b",)),
            ("b", ("R1",), ("a",)),
        }


def test_a_record_with_another_account_key_is_not_matched_by_vat() -> None:
    theirs = remote("R1", "someone-else", account(None, "1001", vat="NL004495445B01"))
    result = reconcile([account("a", "1001", vat="NL004495445B01")], [theirs])
    assert result.to_create == ("a",)
    assert result.remote_only == ("R1",)


def test_blank_account_key_on_a_record_is_none() -> None:
    result = reconcile([account("a", "1001")], [remote("R1", "  ", account(None, "1001"))])
    assert result.matched == (match("a", "R1", CODE),)


def test_links_already_present() -> None:
    links = {
        "a": Link(account_key="a", external_id="R1", version="v-R1"),
        "b": Link(account_key="b", external_id="R9"),  # the record is gone
        "c": Link(account_key="c", external_id="R3"),  # another record carries c's key
        "d": Link(account_key="d", external_id="R5"),  # the record carries another key
        "e": Link(account_key="e"),  # no record known yet: matched as if unlinked
    }
    records = [
        remote("R1", "a"),
        remote("R3"),
        remote("R4", "c"),
        remote("R5", "x"),
        remote("R6", "e"),
        remote("R7"),
    ]
    local = [account(k, f"C{k}") for k in "abcde"]
    result = reconcile(local, records, links=links)
    assert result.already_linked == ("a",)
    assert result.link_mismatch == (
        LinkMismatch(account_key="b", external_id="R9"),
        LinkMismatch(account_key="c", external_id="R3", candidates=("R4",)),
        LinkMismatch(account_key="d", external_id="R5"),
    )
    assert result.matched == (match("e", "R6", KEY),)
    assert result.remote_only == ("R7",)
    assert result.record() == Record(links=(match("e", "R6", KEY).link,))


def test_a_record_linked_to_another_account_is_not_adopted() -> None:
    """A keyless record another account links is that account's: a match on it is reported."""
    links = {"other": Link(account_key="other", external_id="R1")}
    record = remote("R1", None, account(None, "1001"))
    result = reconcile([account("a", "1001")], [record], links=links)
    assert result.ambiguous == (
        Ambiguous(account_key="a", basis=CODE, candidates=("R1",), rivals=("other",)),
    )
    assert result.remote_only == ()


def test_remote_only_records_are_sorted_and_importable() -> None:
    records = [remote("R3"), remote("R1"), remote("R2", "gone")]
    result = reconcile([], records)
    assert result.remote_only == ("R1", "R2", "R3")
    padded = remote("R1", None, account(None, "     1001"))
    imported, link = import_remote(padded, "new-1")
    assert (imported.id, imported.code) == ("new-1", "1001")
    assert link == Link(account_key="new-1", external_id="R1", version="v-R1")
    # Imported, then reconciled again with the link: nothing left to do.
    again = reconcile([imported], [padded], links={"new-1": link})
    assert again.already_linked == ("new-1",) and again.remote_only == ()


def test_record_links_the_matches_of_the_chosen_bases() -> None:
    records = [remote("R1", "a"), remote("R2", None, account(None, "2002"))]
    result = reconcile([account("a"), account("b", "2002")], records)
    assert result.record() == Record(
        links=(match("a", "R1", KEY).link, match("b", "R2", CODE).link)
    )
    assert result.record(bases=[KEY]) == Record(links=(match("a", "R1", KEY).link,))
    with pytest.raises(ValidationError) as caught:
        result.record(bases=[KEY, "code"])  # type: ignore[list-item]
    assert [(p.path, p.code) for p in caught.value.problems] == [(("bases", 1), "invalid_choice")]


def test_match_remote() -> None:
    local = account("a", "1001", vat="NL004495445B01")
    assert match_remote(local, []) is None
    assert match_remote(local, [remote("R1", None, account(None, " 1001 "))]) == match(
        "a", "R1", CODE
    )
    two = [remote("R1", "a"), remote("R2", "a")]
    assert match_remote(local, two) == Ambiguous(
        account_key="a", basis=KEY, candidates=("R1", "R2")
    )


# --- bad input -------------------------------------------------------------------------------


def problems_of(
    error: pytest.ExceptionInfo[ValidationError],
) -> list[tuple[tuple[str | int, ...], str]]:
    return [(p.path, p.code) for p in error.value.problems]


def test_bad_accounts_are_reported_with_their_paths() -> None:
    bad: list[object] = [account("a"), "not an account", account("a"), account(None), account(" ")]
    with pytest.raises(ValidationError) as caught:
        reconcile(bad, [])  # type: ignore[arg-type]
    assert problems_of(caught) == [
        (("accounts", 1), "invalid_type"),
        (("accounts", 2, "id"), "duplicate"),
        (("accounts", 3, "id"), "required"),
        (("accounts", 4, "id"), "required"),
    ]


def test_bad_records_are_reported_with_their_paths() -> None:
    bad: list[object] = [
        remote("R1"),
        remote("R1"),
        account("x"),
        attrs.evolve(remote("R2"), snapshot="text"),  # type: ignore[arg-type]
        attrs.evolve(remote("R3"), account_key=7),  # type: ignore[arg-type]
        attrs.evolve(remote("R4"), external_id=" "),
    ]
    with pytest.raises(ValidationError) as caught:
        reconcile([], bad)  # type: ignore[arg-type]
    assert problems_of(caught) == [
        (("remote", 1, "external_id"), "duplicate"),
        (("remote", 2), "invalid_type"),
        (("remote", 3, "snapshot"), "invalid_type"),
        (("remote", 4, "account_key"), "invalid_type"),
        (("remote", 5, "external_id"), "required"),
    ]


def test_bad_links_and_containers_are_reported() -> None:
    links: dict[object, object] = {
        "a": Link(account_key="b", external_id="R1"),
        "c": Link(account_key="c", external_id="R1"),
        "d": "R2",
        5: Link(account_key="5"),
    }
    with pytest.raises(ValidationError) as caught:
        reconcile([], [], links=links)  # type: ignore[arg-type]
    assert problems_of(caught) == [
        (("links", "a", "account_key"), "invalid_choice"),
        (("links", "c", "external_id"), "duplicate"),
        (("links", "d"), "invalid_type"),
        (("links",), "invalid_type"),
    ]
    with pytest.raises(ValidationError) as caught:
        reconcile(account("a"), "R1", links=[])  # type: ignore[arg-type]
    assert problems_of(caught) == [
        (("accounts",), "invalid_type"),
        (("remote",), "invalid_type"),
        (("links",), "invalid_type"),
    ]


def test_an_account_built_around_wrong_values_is_reported() -> None:
    broken = attrs.evolve(account("a"), financial="no section")  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as caught:
        reconcile([broken], [])
    assert problems_of(caught) == [(("accounts", 0), "invalid_type")]
    with pytest.raises(ValidationError) as caught:
        match_remote(broken, [attrs.evolve(remote("R1"), snapshot=broken)])
    assert problems_of(caught) == [
        (("account",), "invalid_type"),
        (("candidates", 0, "snapshot"), "invalid_type"),
    ]


def test_import_remote_refuses_bad_input() -> None:
    with pytest.raises(ValidationError) as caught:
        import_remote(remote("R1", "someone-else"), "new-1")
    assert problems_of(caught) == [(("account_key",), "snapshot_mismatch")]
    with pytest.raises(ValidationError) as caught:
        import_remote(remote("R1", None, attrs.evolve(account(None), name=" ")), " ")
    assert problems_of(caught) == [(("account_key",), "required")]
    with pytest.raises(ValidationError) as caught:
        import_remote(remote("R1", None, attrs.evolve(account(None), name=" ")), "new-1")
    assert problems_of(caught) == [(("remote", "snapshot", "name"), "required")]
    with pytest.raises(ValidationError) as caught:
        import_remote("R1", "new-1")  # type: ignore[arg-type]
    assert problems_of(caught) == [(("remote",), "invalid_type")]
    with pytest.raises(ValidationError) as caught:
        import_remote(attrs.evolve(remote("R1"), snapshot=None), "new-1")  # type: ignore[arg-type]
    assert problems_of(caught) == [(("remote", "snapshot"), "invalid_type")]


# --- properties ------------------------------------------------------------------------------

KEYS = ("a", "b", "c", "d", "e")
VATS = (None, "NL004495445B01", "DE136695976", "BE0403019261")
COCS = (None, "34171230", "34174562")
CODES = ("1001", " 1001", "01001", "ACME", "acme", "2002")
EXTS = tuple(f"R{i}" for i in range(8))


@st.composite
def snapshots(draw: st.DrawFn, key: str | None) -> Account:
    vat = draw(st.sampled_from(VATS))
    coc = draw(st.sampled_from(COCS))
    return account(
        key,
        draw(st.sampled_from(CODES)),
        vat=VATNumber.parse(vat) if vat else None,
        coc=ChamberOfCommerceNumber.unchecked(coc) if coc else None,  # the country decides
        country=draw(st.sampled_from(("NL", "NL", "BE"))),
    )


@st.composite
def records(draw: st.DrawFn, ext: str) -> RemoteAccount:
    key = draw(st.sampled_from((None, None, None, *KEYS, "stranger")))
    return remote(ext, key, draw(snapshots(None)))


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[Account], list[RemoteAccount], dict[str, Link]]:
    keys = draw(st.lists(st.sampled_from(KEYS), unique=True))
    local = [draw(snapshots(key)) for key in keys]
    exts = draw(st.lists(st.sampled_from(EXTS), unique=True))
    remote_records = [draw(records(ext)) for ext in exts]
    linked_keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=3))
    targets = draw(st.permutations((*EXTS, "R98", "R99")))
    links = {
        k: Link(account_key=k, external_id=ext)
        for k, ext in zip(linked_keys, targets, strict=False)
    }
    return local, remote_records, links


def _oracle(basis: MatchBasis, ours: Account, theirs: RemoteAccount) -> bool:
    """Tell, independently of the module, whether the two share ``basis``."""
    snap = theirs.snapshot
    if basis is KEY:
        return theirs.account_key == ours.id
    if theirs.account_key is not None:
        return False
    if basis is VAT:
        mine, other = ours.financial.vat_number, snap.financial.vat_number
        return mine is not None and other is not None and mine.compact == other.compact
    if basis is COC:
        mine_coc, other_coc = ours.marketing.coc_number, snap.marketing.coc_number
        return (
            mine_coc is not None
            and other_coc is not None
            and mine_coc.compact == other_coc.compact
            and ours.summary.address.country == snap.summary.address.country
        )
    return ours.code.strip().casefold() == snap.code.strip().casefold()


@given(worlds())
def test_every_account_lands_in_exactly_one_category(
    world: tuple[list[Account], list[RemoteAccount], dict[str, Link]],
) -> None:
    local, records_, links = world
    result = reconcile(local, records_, links=links)
    assert sorted(categories(result)) == sorted(a.id for a in local if a.id)


@given(worlds())
def test_matches_are_one_to_one_and_share_their_basis(
    world: tuple[list[Account], list[RemoteAccount], dict[str, Link]],
) -> None:
    local, records_, links = world
    result = reconcile(local, records_, links=links)
    by_key = {a.id: a for a in local}
    by_ext = {r.external_id: r for r in records_}
    matched_ids = [m.external_id for m in result.matched]
    assert len(matched_ids) == len(set(matched_ids))
    linked_ids = {link.external_id for link in links.values()}
    assert not set(matched_ids) & (linked_ids | set(result.remote_only))
    for m in result.matched:
        ours, theirs = by_key[m.account_key], by_ext[m.external_id]
        assert _oracle(m.basis, ours, theirs)
        assert m.version == theirs.version
        stronger = list(MatchBasis)[: list(MatchBasis).index(m.basis)]
        assert not any(_oracle(b, ours, r) for b in stronger for r in records_)
    for a in result.ambiguous:
        assert len(a.candidates) > 1 or a.rivals
        assert not set(a.candidates) & set(result.remote_only)


@given(worlds(), st.randoms(use_true_random=False))
def test_the_order_of_the_remote_records_does_not_matter(
    world: tuple[list[Account], list[RemoteAccount], dict[str, Link]],
    rng: random.Random,
) -> None:
    local, records_, links = world
    shuffled = list(records_)
    rng.shuffle(shuffled)
    first, second = reconcile(local, records_, links=links), reconcile(local, shuffled, links=links)
    assert first == second  # remote ids are sorted, so even the order is the same
    assert set(first.matched) == set(second.matched)
    # The accounts' order only orders the lists.
    backwards = reconcile(local[::-1], shuffled, links=links)
    for name in ("matched", "already_linked", "link_mismatch", "to_create", "ambiguous"):
        assert set(getattr(backwards, name)) == set(getattr(first, name))
    assert backwards.remote_only == first.remote_only


@given(worlds())
def test_record_links_exactly_the_matched_accounts(
    world: tuple[list[Account], list[RemoteAccount], dict[str, Link]],
) -> None:
    local, records_, links = world
    result = reconcile(local, records_, links=links)
    record = result.record()
    assert {(x.account_key, x.external_id, x.version) for x in record.links} == {
        (m.account_key, m.external_id, m.version) for m in result.matched
    }
    touched = {x.account_key for x in record.links}
    assert not touched & {a.account_key for a in result.ambiguous}
    assert not (record.entries or record.closed or record.unlinked or record.tenant)


@given(worlds())
def test_match_remote_agrees_with_reconcile(
    world: tuple[list[Account], list[RemoteAccount], dict[str, Link]],
) -> None:
    local, records_, _ = world
    for one in local:
        assert one.id is not None
        alone = reconcile([one], records_)
        found = match_remote(one, records_)
        if isinstance(found, Match):
            assert alone.matched == (found,)
        elif isinstance(found, Ambiguous):
            assert alone.ambiguous == (found,)
        else:
            assert alone.to_create == (one.id,)


@given(st.lists(drawn_accounts(), max_size=4))
def test_accounts_find_their_own_copies(drawn: list[Account]) -> None:
    """Against keyless copies of themselves, accounts match their own copy or are ambiguous."""
    local = [attrs.evolve(a, id=f"k{i}") for i, a in enumerate(drawn)]
    copies = [remote(f"R{i}", None, a) for i, a in enumerate(drawn)]
    result = reconcile(local, copies)
    assert result.to_create == ()
    assert all(m.external_id == f"R{m.account_key[1:]}" for m in result.matched)
    assert len(result.matched) + len(result.ambiguous) == len(local)
