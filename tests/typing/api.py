"""Public-API usage that must type-check under mypy --strict (never run)."""

from __future__ import annotations

import json
from datetime import date

import cattrs

import accountcore
from accountcore import (
    IBAN,
    Account,
    AccountType,
    Address,
    CheckStrength,
    CodeAllocation,
    Problem,
    ValidationError,
    ValidationReport,
    VATNumber,
)
from accountcore.serialization import JSONObject, configure_converter, make_converter
from accountcore.validation import DirectoryEntry


def read(text: str) -> Account | tuple[Problem, ...]:
    try:
        return accountcore.from_dict(json.loads(text))
    except ValidationError as error:
        return error.problems


def write(account: Account) -> str:
    data: JSONObject = accountcore.to_dict(account)
    return json.dumps(data)


def build() -> Account:
    address = Address(line1="Damrak 1", city="Amsterdam", country="NL")
    return Account.new(
        code="1", name="Acme", type=AccountType.CUSTOMER, address=address, on=date.today()
    )


def identifiers() -> tuple[str, bool, CheckStrength]:
    iban: IBAN = IBAN.parse("NL91ABNA0417164300")
    vat: VATNumber = VATNumber.parse("004495445B01", country="NL")
    return iban.formatted, VATNumber.is_valid("x"), vat.strength


class Directory:
    def lookup(self, code: str) -> DirectoryEntry | None:
        return None


def report(account: Account) -> ValidationReport:
    return accountcore.validate(account, directory=Directory())


def codes() -> CodeAllocation:
    return accountcore.allocate_code("A", ["A", "1"])


def converter() -> cattrs.Converter:
    conv = make_converter(check_identifiers=False)
    configure_converter(cattrs.Converter())
    return conv


def lifecycle(account: Account) -> Account:
    from datetime import datetime, timezone

    from accountcore import AccountStatus
    from accountcore.status import (
        DEFAULT_ROWS,
        StatusChanged,
        TransitionTable,
        TypeChanged,
        change_type,
        replay,
        transition,
    )

    at = datetime.now(timezone.utc)
    table = TransitionTable.from_rows([(row[0], row[1], set(row[2])) for row in DEFAULT_ROWS])
    moved, event = transition(account, AccountStatus.INACTIVE, on=date.today(), at=at, table=table)
    _, type_event = change_type(moved, AccountType.RESELLER, on=date.today(), at=at)
    events: list[StatusChanged | TypeChanged] = [event, type_event]
    return replay(account, events, table=None)


def rights_and_workflows(account: Account) -> Account:
    from datetime import datetime, timezone

    from accountcore import AccountStatus
    from accountcore.errors import ActionRefused
    from accountcore.rights import (
        CardLayout,
        ChangeStatus,
        Decision,
        FieldMode,
        FieldRule,
        Policy,
        Principal,
        Settings,
        redact,
    )
    from accountcore.workflows import Outcome, change_status, edit_fields

    layout = CardLayout.build({"marketing.size": FieldRule(mode=FieldMode.HIDDEN)})
    policy = Policy(settings=Settings(type_select=False), layout=layout)
    user = Principal(user_id="ann", roles={"Customer manager"}, clearance=10)
    decision: Decision = policy.decide(user, ChangeStatus(AccountStatus.BLOCKED), account)
    visible: JSONObject = redact(account, user, policy)
    try:
        outcome: Outcome = edit_fields(account, {"marketing.rating": 2}, by=user, policy=policy)
    except ActionRefused as error:
        denials: tuple[Decision, ...] = error.decisions
        assert denials or not decision.allowed or not visible
        return account
    at = datetime.now(timezone.utc)
    return change_status(
        outcome.account, AccountStatus.BLOCKED, by=user, policy=policy, on=date.today(), at=at
    ).account


def duplicates_usage(accounts: list[accountcore.Account]) -> None:
    from accountcore.duplicates import DuplicateReport, MergePlan, find_duplicates, plan_merge

    report: DuplicateReport = find_duplicates(accounts, threshold=0.6, max_block=50)
    plan: MergePlan = plan_merge(accounts[0], accounts[1:], choices={"name": "1"})
    ready: bool = plan.is_ready
    del report, ready
