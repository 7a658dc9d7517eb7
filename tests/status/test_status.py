"""The status machine and type changes against docs/rules.md#statuses and #type-changes."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

import attrs
import pytest
from _paths import DOCS

from accountcore import (
    Account,
    AccountStatus,
    AccountType,
    Address,
    DefinitionError,
    ValidationError,
)
from accountcore.errors import InvalidTransition, InvalidTypeChange
from accountcore.status import (
    DEFAULT_ROWS,
    Operation,
    StatusChanged,
    TransitionTable,
    TypeChanged,
    TypeChangeRules,
    allowed_targets,
    can_transact,
    can_transition,
    change_type,
    holdable_statuses,
    replay,
    to_dot,
    to_mermaid,
    transition,
)

T, S = AccountType, AccountStatus
AT = datetime(2024, 6, 1, 9, 30, tzinfo=timezone.utc)
ON = date(2024, 6, 1)
START = date(2024, 1, 1)

# docs/rules.md#statuses, written out independently of the library's rows.
FROM_ACTIVE = {
    S.REFERENCE: {T.CUSTOMER, T.RESELLER},
    S.BLOCKED: {T.CUSTOMER, T.RESELLER, T.SUPPLIER},
    S.PILOT: {T.CUSTOMER},
    S.PASSIVE: {T.CUSTOMER},
    S.INACTIVE: set(T),
}


def domain_allows(account_type: AccountType, current: AccountStatus, target: AccountStatus) -> bool:
    if current is S.ACTIVE:
        return account_type in FROM_ACTIVE.get(target, set())
    return target is S.ACTIVE


def make(account_type: AccountType = T.CUSTOMER, status: AccountStatus = S.ACTIVE) -> Account:
    account = Account.new(
        code="1001",
        name="Acme",
        type=account_type,
        on=START,
        id="acc-1",
        address=Address(line1="Damrak 1", city="Amsterdam", country="NL"),
    )
    if status is not S.ACTIVE:
        account = attrs.evolve(account, status=status)
    return account


def _fields(account: Account) -> dict[str, object]:
    return {f.name: getattr(account, f.name) for f in attrs.fields(Account)}


class TestDefaultTable:
    @pytest.mark.parametrize(
        ("account_type", "current", "target"), list(itertools.product(T, S, S))
    )
    def test_every_triple(
        self, account_type: AccountType, current: AccountStatus, target: AccountStatus
    ) -> None:
        """Each (type, from, to) triple is allowed as docs/rules.md#status-transitions says."""
        expected = domain_allows(account_type, current, target)
        assert can_transition(account_type, current, target) is expected
        assert (target in allowed_targets(account_type, current)) is expected

    def test_every_move_starts_or_ends_at_active(self) -> None:
        """No allowed move joins two non-active statuses."""
        table = TransitionTable.default()
        for account_type, by_status in table.moves.items():
            for current, targets in by_status.items():
                for target in targets:
                    assert S.ACTIVE in (current, target), (account_type, current, target)

    def test_no_dead_ends(self) -> None:
        """From every status, every type can get back to Active."""
        for account_type in T:
            for status in S:
                if status is not S.ACTIVE:
                    assert S.ACTIVE in allowed_targets(account_type, status)


class TestTransition:
    def test_moves_and_records_an_event(self) -> None:
        """A legal move returns the new account (status_since = on) and a full event."""
        account = make()
        moved, event = transition(account, S.PILOT, on=ON, at=AT, actor="mvd", right=292)
        assert (moved.status, moved.status_since) == (S.PILOT, ON)
        assert event == StatusChanged(
            account_id="acc-1",
            account_code="1001",
            old=S.ACTIVE,
            new=S.PILOT,
            on=ON,
            at=AT,
            actor="mvd",
            right=292,
        )
        assert _fields(moved) | {"status": S.ACTIVE, "status_since": START} == _fields(account)

    def test_illegal_move_names_what_is_allowed(self) -> None:
        """A refused move raises InvalidTransition carrying type, statuses and allowed targets."""
        with pytest.raises(InvalidTransition) as caught:
            transition(make(T.SUPPLIER), S.PILOT, on=ON, at=AT)
        error = caught.value
        assert (error.account_type, error.current, error.target) == (T.SUPPLIER, S.ACTIVE, S.PILOT)
        assert error.allowed == {S.BLOCKED, S.INACTIVE}
        assert "BLOCKED, INACTIVE" in str(error)

    def test_same_status_is_an_error(self) -> None:
        """Moving to the status the account already has is refused."""
        with pytest.raises(InvalidTransition, match="already ACTIVE"):
            transition(make(), S.ACTIVE, on=ON, at=AT)

    def test_naive_instant_and_backdating_are_refused(self) -> None:
        """The recorded instant needs a time zone; the effective date may not go back."""
        with pytest.raises(ValidationError) as caught:
            transition(make(), S.INACTIVE, on=START - timedelta(days=1), at=datetime(2024, 1, 1))
        assert {p.code for p in caught.value.problems} == {"naive_datetime", "before_since"}


class TestCustomTables:
    @pytest.mark.parametrize(
        ("rows", "message"),
        [
            ([("A", "X", ["C"])], "unknown status code 'X'"),
            ([("A", "B", ["Q"])], "unknown account type code 'Q'"),
            ([("A", "A", ["C"])], "to itself"),
            ([("A", "B", [])], "no account type"),
            ([("A", "B", "C")], "collection"),
            ([("A", "B")], "expected"),
            ([(s.value, "A", list("ABCDELNPRST")) for s in S if s is not S.ACTIVE], "unreachable"),
            (
                [*DEFAULT_ROWS[:5], *(r for r in DEFAULT_ROWS[5:] if r[0] is not S.PILOT)],
                "cannot return to ACTIVE from: PILOT",
            ),
        ],
    )
    def test_broken_tables_are_refused(self, rows: list[tuple[object, ...]], message: str) -> None:
        """A flawed table raises DefinitionError naming the flaw."""
        with pytest.raises(DefinitionError, match=message):
            TransitionTable.from_rows(rows)  # type: ignore[arg-type]

    def test_seed_seven_type_reference_reading(self) -> None:
        """The seed's seven-type reading of Reference works end to end as a custom table."""
        seven = {"A", "P", "C", "B", "N", "L", "T"}
        rows = [
            (src, dst, seven if dst is S.REFERENCE else types) for src, dst, types in DEFAULT_ROWS
        ]
        table = TransitionTable.from_rows(rows)
        assert can_transition(T.PROSPECT, S.ACTIVE, S.REFERENCE, table)
        assert not can_transition(T.RESELLER, S.ACTIVE, S.REFERENCE, table)
        lead = make(T.LEAD)
        moved, event = transition(lead, S.REFERENCE, on=ON, at=AT, table=table)
        back, _ = transition(moved, S.ACTIVE, on=ON, at=AT, table=table)
        assert replay(lead, [event], table=table) == moved
        assert back.status is S.ACTIVE
        with pytest.raises(InvalidTransition):
            transition(lead, S.REFERENCE, on=ON, at=AT)


class TestOperations:
    @pytest.mark.parametrize(("status", "operation"), list(itertools.product(S, Operation)))
    def test_what_a_status_blocks(self, status: AccountStatus, operation: Operation) -> None:
        """Blocked and Inactive refuse all; Passive refuses service sales; others accept all."""
        refused = status in (S.BLOCKED, S.INACTIVE) or (
            status is S.PASSIVE and operation is Operation.SERVICE_SALE
        )
        assert can_transact(status, operation) is not refused


# docs/rules.md#type-changes, written out independently: (old, new) -> right.
CARD = set(T) - {T.EMPLOYEE, T.NOT_VALIDATED}
OTHERS = CARD - {T.CUSTOMER, T.RESELLER}


def domain_right(old: AccountType, new: AccountType) -> int | None:
    if old is new or new in (T.EMPLOYEE, T.NOT_VALIDATED):
        return None
    if old is T.NOT_VALIDATED:
        return 274 if new is T.RESELLER else 273
    if old in OTHERS and (new in OTHERS or new is T.CUSTOMER):
        return 291
    if (old, new) == (T.CUSTOMER, T.RESELLER):
        return 406
    return None


class Contracts:
    def __init__(self, *codes: str) -> None:
        self.codes = set(codes)

    def has_contract(self, account: Account) -> bool:
        return account.code in self.codes


class TestTypeChanges:
    @pytest.mark.parametrize(("old", "new"), list(itertools.product(T, T)))
    def test_every_pair(self, old: AccountType, new: AccountType) -> None:
        """Each of the 11 x 11 type changes is allowed, with its right, as docs/rules.md says."""
        rules = TypeChangeRules.default()
        expected = domain_right(old, new)
        assert rules.right_for(old, new) == expected
        account = make(old)
        if expected is None:
            with pytest.raises(InvalidTypeChange) as caught:
                change_type(account, new, on=ON, at=AT)
            assert caught.value.blocking_status is None
            assert caught.value.allowed == rules.allowed(old)
        else:
            changed, event = change_type(account, new, on=ON, at=AT, right=expected)
            assert (changed.type, changed.type_since, changed.status) == (new, ON, S.ACTIVE)
            assert event == TypeChanged(
                account_id="acc-1",
                account_code="1001",
                old=old,
                new=new,
                on=ON,
                at=AT,
                right=expected,
            )

    def test_status_the_new_type_cannot_hold(self) -> None:
        """A Pilot customer cannot become a Reseller; the error names the status to leave."""
        with pytest.raises(InvalidTypeChange, match="PILOT: move it to ACTIVE first") as caught:
            change_type(make(T.CUSTOMER, S.PILOT), T.RESELLER, on=ON, at=AT)
        assert caught.value.blocking_status is S.PILOT

    def test_status_the_new_type_can_hold_is_kept(self) -> None:
        """A Blocked customer becoming a Reseller stays Blocked; Inactive is kept by every type."""
        changed, _ = change_type(make(T.CUSTOMER, S.BLOCKED), T.RESELLER, on=ON, at=AT)
        assert changed.status is S.BLOCKED
        changed, _ = change_type(make(T.LEAD, S.INACTIVE), T.PROSPECT, on=ON, at=AT)
        assert changed.status is S.INACTIVE
        assert holdable_statuses(T.SUPPLIER) == {S.ACTIVE, S.BLOCKED, S.INACTIVE}

    def test_mandatory_contract(self) -> None:
        """With Mandatory: Contract, becoming a Customer needs a contract the lookup shows."""
        prospect = make(T.PROSPECT)
        changed, _ = change_type(
            prospect, T.CUSTOMER, on=ON, at=AT, contract_required=True, contracts=Contracts("1001")
        )
        assert changed.type is T.CUSTOMER
        for contracts, code in (
            (Contracts(), "contract_required"),
            (None, "contract_lookup_missing"),
        ):
            with pytest.raises(ValidationError) as caught:
                change_type(
                    prospect, T.CUSTOMER, on=ON, at=AT, contract_required=True, contracts=contracts
                )
            assert [(p.location, p.code) for p in caught.value.problems] == [("$.type", code)]
        changed, _ = change_type(prospect, T.LEAD, on=ON, at=AT, contract_required=True)
        assert changed.type is T.LEAD

    @pytest.mark.parametrize(
        ("rows", "message"),
        [
            ([("C", "C", 291)], "itself"),
            ([("C", "E", 291)], "Employee"),
            ([("C", "X", 291)], "known codes"),
            ([("C", "R", 0)], "positive"),
            ([("C", "R", True)], "positive"),
            ([("C", "R", 406), ("C", "R", 406)], "twice"),
        ],
    )
    def test_broken_rules_are_refused(self, rows: list[tuple[str, str, int]], message: str) -> None:
        """Flawed type-change rules raise DefinitionError naming the flaw."""
        with pytest.raises(DefinitionError, match=message):
            TypeChangeRules.from_rows(rows)

    def test_custom_rules(self) -> None:
        """A host's own rules allow what they list, with their rights."""
        rules = TypeChangeRules.from_rows([("R", "C", 999)])
        changed, _ = change_type(make(T.RESELLER), T.CUSTOMER, on=ON, at=AT, rules=rules)
        assert changed.type is T.CUSTOMER and rules.right_for(T.RESELLER, T.CUSTOMER) == 999


class TestReplay:
    def test_replay_gives_the_last_account(self) -> None:
        """Folding the events over the first account gives the last one."""
        first = make(T.PROSPECT)
        a1, e1 = change_type(first, T.CUSTOMER, on=date(2024, 2, 1), at=AT)
        a2, e2 = transition(a1, S.PILOT, on=date(2024, 3, 1), at=AT)
        a3, e3 = transition(a2, S.ACTIVE, on=date(2024, 4, 1), at=AT)
        assert replay(first, [e1, e2, e3]) == a3
        assert replay(first, []) == first

    @pytest.mark.parametrize("case", ["wrong_old", "other_account", "backdated", "illegal"])
    def test_event_that_does_not_apply(self, case: str) -> None:
        """An event that does not fit the state it meets is refused at its index."""
        first = make(T.CUSTOMER)
        _, good = transition(first, S.PILOT, on=ON, at=AT)
        fields = {
            "account_id": "acc-1",
            "account_code": "1001",
            "old": S.ACTIVE,
            "new": S.PILOT,
            "on": ON,
            "at": AT,
        }
        changes = {
            "wrong_old": {"old": S.BLOCKED},
            "other_account": {"account_id": "acc-2"},
            "backdated": {"on": START - timedelta(days=1)},
            "illegal": {"new": S.REFERENCE, "old": S.ACTIVE},
        }[case]
        bad = StatusChanged(**{**fields, **changes})  # type: ignore[arg-type]
        start = make(T.SUPPLIER) if case == "illegal" else first
        with pytest.raises(ValidationError) as caught:
            replay(start, [good, bad] if case != "illegal" else [bad])
        (problem,) = caught.value.problems
        assert problem.code == "event_does_not_apply"
        assert problem.path == ("events", 1 if case != "illegal" else 0)

    def test_legality_check_can_be_skipped(self) -> None:
        """With table=None, events recorded under other rules replay as long as they fit."""
        event = StatusChanged(
            account_id=None, account_code="1001", old=S.ACTIVE, new=S.PILOT, on=ON, at=AT
        )
        assert replay(make(T.SUPPLIER), [event], table=None).status is S.PILOT


STATUS_DOC = DOCS / "status.md"


class TestDiagrams:
    def test_docs_show_the_generated_diagram(self) -> None:
        """docs/status.md holds the default table's Mermaid diagram exactly as generated."""
        assert to_mermaid(TransitionTable.default()) in STATUS_DOC.read_text()

    def test_per_type_diagram(self) -> None:
        """A supplier's diagram shows only the supplier's moves."""
        text = to_mermaid(TransitionTable.default(), T.SUPPLIER)
        assert "Active --> Blocked" in text and "Pilot" in text.split("Active --> Blocked")[1]
        assert "Active --> Pilot" not in text and "Active --> Reference" not in text

    def test_dot_lists_every_edge(self) -> None:
        """The DOT drawing has one edge per table row, labelled with the type codes."""
        text = to_dot(TransitionTable.default())
        assert text.startswith("digraph") and text.count(" -> ") == len(DEFAULT_ROWS)
        assert 'Active -> Reference [label="C, R"];' in text
