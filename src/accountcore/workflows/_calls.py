"""The user actions: create, edit fields, change status, change type, delete."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date, datetime

import attrs

from .. import status as _status
from ..entities import Account, AccountStatus, AccountType, Contact
from ..errors import (
    InvalidTransition,
    InvalidTypeChange,
    Problem,
    ValidationError,
)
from ..rights import (
    ChangeStatus,
    ChangeType,
    Create,
    Decision,
    Delete,
    Policy,
    Principal,
    edit_problems,
    layout_problems,
)
from ..serialization import JSONObject, describe_key, from_dict, is_nameable, to_dict
from ..status import (
    ContractLookup,
    StatusChanged,
    TransitionTable,
    TypeChanged,
    contract_problems,
)
from ..validation import AccountDirectory, CostCentres, SectorCatalogue, SkippedCheck, validate
from ._refusal import Refusal

_DEFAULT_TABLE = TransitionTable.default()


@attrs.frozen
class Outcome:
    """
    What an allowed action produced.

    Attributes:
        account: the new or changed account.
        events: the status or type changes it recorded (empty for creates and edits).
        decisions: the policy decisions that allowed it.
        skipped: host rules not checked for want of a lookup (see `accountcore.validate`).

    .. versionadded:: 0.1
    """

    account: Account
    events: tuple[StatusChanged | TypeChanged, ...] = ()
    decisions: tuple[Decision, ...] = ()
    skipped: tuple[SkippedCheck, ...] = ()


@attrs.frozen(kw_only=True)
class _Lookups:
    directory: AccountDirectory | None = None
    sectors: SectorCatalogue | None = None
    cost_centres: CostCentres | None = None


def _host_checks(
    account: Account, policy: Policy, lookups: _Lookups, refusal: Refusal
) -> tuple[SkippedCheck, ...]:
    report = validate(
        account,
        directory=lookups.directory,
        sectors=lookups.sectors,
        cost_centres=lookups.cost_centres,
    )
    refusal.problems += report.problems
    refusal.problems += layout_problems(account, policy.layout)
    return report.skipped


# --- create ---------------------------------------------------------------------------------


def _with_defaults(data: Mapping[str, object], policy: Policy, on: date) -> dict[str, object]:
    """Fill the lifecycle fields of a new account and the company's Account: Defaults."""
    record = dict(data)
    record.setdefault("status", AccountStatus.ACTIVE.value)
    record.setdefault("type_since", on.isoformat())
    record.setdefault("status_since", on.isoformat())
    defaults = attrs.asdict(policy.settings.defaults)
    marketing = record.get("marketing", {})
    if isinstance(marketing, Mapping) and any(v is not None for v in defaults.values()):
        given = {k: v for k, v in marketing.items() if not _empty(v)}
        record["marketing"] = {**{k: v for k, v in defaults.items() if v is not None}, **given}
    return record


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _new_account_problems(account: Account, on: date) -> list[Problem]:
    problems = []
    if account.status is not AccountStatus.ACTIVE:
        problems.append(Problem(("status",), "field_read_only", "A new account is Active."))
    for name in ("type_since", "status_since"):
        if getattr(account, name) != on:
            message = "A new account's type and status take effect on the creation date."
            problems.append(Problem((name,), "field_read_only", message))
    if account.replaced_by is not None:
        message = "Only a merge replaces an account; a new account is replaced by none."
        problems.append(Problem(("replaced_by",), "field_read_only", message))
    return problems


def create_account(
    data: Mapping[str, object],
    *,
    by: Principal,
    policy: Policy,
    on: date,
    directory: AccountDirectory | None = None,
    sectors: SectorCatalogue | None = None,
    cost_centres: CostCentres | None = None,
    contracts: ContractLookup | None = None,
) -> Outcome:
    """
    Create an account from an untrusted record, as the card's Save does.

    The record's lifecycle fields may be left out: the account is Active, its type and status
    taking effect ``on``. Empty marketing fields take the company's Account: Defaults.

    Args:
        data: the record, as `accountcore.from_dict` reads it.
        by: the user creating it.
        policy: roles, settings (Type: Select, Mandatory: Contract, defaults) and layout.
        on: the creation date.
        directory, sectors, cost_centres: the host's lookups for `accountcore.validate`.
        contracts: the host's contract lookup (needed with Mandatory: Contract).

    Returns:
        The new account and the decision that allowed it.

    Raises:
        ActionRefused: every problem of the record and every denial, at once.

    .. versionadded:: 0.1
    """
    refusal = Refusal()
    if not isinstance(data, Mapping):
        refusal.problems.append(Problem((), "invalid_type", "Expected a record (an object)."))
        refusal.raise_if_any()
    try:
        account = from_dict(_with_defaults(data, policy, on))
    except ValidationError as error:
        refusal.error(error)
        _decide_create_from_record(data, by, policy, refusal)
        refusal.raise_if_any()
    refusal.decision(policy.decide(by, Create(account.type)), ("type",))
    refusal.problems += _new_account_problems(account, on)
    lookups = _Lookups(directory=directory, sectors=sectors, cost_centres=cost_centres)
    skipped = _host_checks(account, policy, lookups, refusal)
    refusal.problems += contract_problems(
        account, account.type, contracts, policy.settings.mandatory_contract
    )
    refusal.raise_if_any()
    return Outcome(account, decisions=tuple(refusal.allowed), skipped=skipped)


def _decide_create_from_record(
    data: Mapping[str, object], by: Principal, policy: Policy, refusal: Refusal
) -> None:
    """When the record is unreadable, still report a denial its type would meet."""
    raw = data.get("type")
    if isinstance(raw, str) and raw in {t.value for t in AccountType}:
        refusal.decision(policy.decide(by, Create(AccountType(raw))), ("type",))


# --- edit -------------------------------------------------------------------------------------


def _apply_edits(account: Account, edits: Mapping[str, object], refusal: Refusal) -> JSONObject:
    record = copy.deepcopy(to_dict(account))
    for position, (path, value) in enumerate(edits.items(), start=1):
        steps = path.split(".") if isinstance(path, str) else []
        target: object = record
        for step in steps[:-1]:
            target = target.get(step) if isinstance(target, dict) else None
            if target is None and step == "contact":
                record["contact"] = target = attrs.asdict(Contact())
        if not steps or not isinstance(target, dict) or steps[-1] not in target:
            # An unknown path is echoed only when it cannot hold an IBAN or a tax number.
            where = tuple(steps[:-1]) if is_nameable(path) else ()
            message = f"Unknown field {describe_key(path, position)}."
            refusal.problems.append(Problem(where, "unknown_field", message))
            continue
        target[steps[-1]] = value
    return record


def _keep_email_flags(before: Account, after: Account) -> Account:
    """A changed contact email follows the card's flag rules, not the copied flags."""
    if after.contact is None or before.contact is None:
        return after
    if after.contact.email == before.contact.email:
        return after
    contact = attrs.evolve(
        before.contact.with_email(after.contact.email),
        **{
            f.name: getattr(after.contact, f.name)
            for f in attrs.fields(type(after.contact))
            if f.name not in ("email", "valid_email", "email_permission")
        },
    )
    return attrs.evolve(after, contact=contact)


def edit_fields(
    account: Account,
    edits: Mapping[str, object],
    *,
    by: Principal,
    policy: Policy,
    directory: AccountDirectory | None = None,
    sectors: SectorCatalogue | None = None,
    cost_centres: CostCentres | None = None,
) -> Outcome:
    """
    Edit fields of ``account``, given as dotted paths and record values.

    ``edits`` maps paths such as ``"marketing.rating"`` or ``"summary.address.city"`` to
    values as a record holds them (``3``, ``"Utrecht"``, ``null``). Each changed field must
    be editable in the card layout by this user; the result must pass every rule.

    Raises:
        ActionRefused: every unknown path, every refused field and every broken rule.

    .. versionadded:: 0.1
    """
    refusal = Refusal()
    if not isinstance(edits, Mapping):
        refusal.problems.append(Problem((), "invalid_type", "Expected edits as {path: value}."))
        refusal.raise_if_any()
    record = _apply_edits(account, edits, refusal)
    try:
        after = _keep_email_flags(account, from_dict(record))
    except ValidationError as error:
        refusal.error(error)
        refusal.raise_if_any()
    for problem in edit_problems(account, after, by, policy):
        refusal.problems.append(problem)
    lookups = _Lookups(directory=directory, sectors=sectors, cost_centres=cost_centres)
    skipped = _host_checks(after, policy, lookups, refusal)
    refusal.raise_if_any()
    return Outcome(after, skipped=skipped)


# --- status and type ------------------------------------------------------------------------


def change_status(
    account: Account,
    target: AccountStatus,
    *,
    by: Principal,
    policy: Policy,
    on: date,
    at: datetime,
    table: TransitionTable = _DEFAULT_TABLE,
) -> Outcome:
    """
    Move ``account`` to ``target``, as the card's status buttons do.

    The policy decides (right 292, 293 or 294 by the account's type, and record security);
    the status table decides legality. Both are reported when both refuse.

    Raises:
        ActionRefused: the denial, the illegal move, a naive ``at`` or a backdated ``on``.

    .. versionadded:: 0.1
    """
    refusal = Refusal()
    decision = policy.decide(by, ChangeStatus(target), account)
    refusal.decision(decision, ("status",))
    right = int(decision.right) if decision.allowed and decision.right is not None else None
    try:
        changed, event = _status.transition(
            account, target, on=on, at=at, actor=by.user_id, right=right, table=table
        )
    except InvalidTransition as error:
        refusal.problems.append(Problem(("status",), "invalid_transition", str(error)))
    except ValidationError as error:
        refusal.error(error)
    refusal.raise_if_any()
    return Outcome(changed, events=(event,), decisions=(decision,))


def change_type(
    account: Account,
    new_type: AccountType,
    *,
    by: Principal,
    policy: Policy,
    on: date,
    at: datetime,
    contracts: ContractLookup | None = None,
    table: TransitionTable = _DEFAULT_TABLE,
) -> Outcome:
    """
    Change the type of ``account`` (validating it, when it is Not validated).

    The policy decides (rights 273, 274, 291 or 406 and record security); the type-change
    rules and the status table decide legality; with Mandatory: Contract, a Customer needs a
    contract shown by ``contracts``.

    Raises:
        ActionRefused: every reason, at once.

    .. versionadded:: 0.1
    """
    refusal = Refusal()
    decision = policy.decide(by, ChangeType(new_type), account)
    refusal.decision(decision, ("type",))
    right = int(decision.right) if decision.allowed and decision.right is not None else None
    try:
        changed, event = _status.change_type(
            account,
            new_type,
            on=on,
            at=at,
            actor=by.user_id,
            right=right,
            contract_required=policy.settings.mandatory_contract,
            contracts=contracts,
            rules=policy.type_rules,
            table=table,
        )
    except InvalidTypeChange as error:
        refusal.problems.append(Problem(("type",), "invalid_type_change", str(error)))
    except ValidationError as error:
        refusal.error(error)
    refusal.raise_if_any()
    return Outcome(changed, events=(event,), decisions=(decision,))


def delete_account(account: Account, *, by: Principal, policy: Policy) -> Decision:
    """
    Decide a delete (right 355 and record security); the host then deletes.

    Returns:
        The allowing decision.

    Raises:
        ActionRefused: with the denial.

    .. versionadded:: 0.1
    """
    refusal = Refusal()
    decision = policy.decide(by, Delete(), account)
    refusal.decision(decision, ())
    refusal.raise_if_any()
    return decision
