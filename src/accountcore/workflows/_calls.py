"""The user actions: create, edit fields, change status, change type, delete."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import attrs

from .. import status as _status
from ..entities import Account, AccountStatus, AccountType
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
from ..serialization import from_dict
from ..status import (
    ContractLookup,
    StatusChanged,
    TransitionTable,
    TypeChanged,
    contract_problems,
)
from ..validation import AccountDirectory, CostCentres, SectorCatalogue, SkippedCheck, validate
from ..vies import VatChecked, VatRegistry, check_one
from ._cost_centre import follow_manager, names_cost_centre, remembered
from ._edits import apply_edits, decide_recode, keep_email_flags
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
        warnings: problems worth knowing that did not refuse the action (creates and
            edits; see `accountcore.Severity`).
        vat_check: the online VAT check the change needed, for the audit trail (a change
            to Customer with setting ``mandatory_vat_check``; see `change_type`).

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``warnings``, ``vat_check``.
    """

    account: Account
    events: tuple[StatusChanged | TypeChanged, ...] = ()
    decisions: tuple[Decision, ...] = ()
    skipped: tuple[SkippedCheck, ...] = ()
    warnings: tuple[Problem, ...] = ()
    vat_check: VatChecked | None = None


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
    refusal.problems += report.problems + report.warnings
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
    vat_registry: VatRegistry | None = None,
) -> Outcome:
    """
    Create an account from an untrusted record, as the card's Save does.

    The record's lifecycle fields may be left out: the account is Active, its type and status
    taking effect ``on``. Empty marketing fields take the company's Account: Defaults. With
    ``cost_centres``, an account with a manager and no cost centre takes the manager's
    (docs/rules.md#relations); a cost centre given must agree with it.

    Args:
        data: the record, as `accountcore.from_dict` reads it.
        by: the user creating it.
        policy: roles, settings (Type: Select, Mandatory: Contract, defaults) and layout.
        on: the creation date.
        directory, sectors, cost_centres: the host's lookups for `accountcore.validate`.
        contracts: the host's contract lookup (needed with Mandatory: Contract).
        vat_registry: the host's online VAT registry (needed with Mandatory: VAT check to
            create a Customer; see `accountcore.vies`).

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
    cost_centres = remembered(cost_centres)
    account, derived = follow_manager(account, cost_centres)
    refusal.problems += derived
    lookups = _Lookups(directory=directory, sectors=sectors, cost_centres=cost_centres)
    skipped = _host_checks(account, policy, lookups, refusal)
    refusal.problems += contract_problems(
        account, account.type, contracts, policy.settings.mandatory_contract
    )
    vat_check = _required_vat_check(
        account, account.type, refusal, by=by, policy=policy, registry=vat_registry
    )
    refusal.raise_if_any()
    return Outcome(
        account,
        decisions=tuple(refusal.allowed),
        skipped=skipped,
        warnings=refusal.warnings,
        vat_check=vat_check,
    )


def _decide_create_from_record(
    data: Mapping[str, object], by: Principal, policy: Policy, refusal: Refusal
) -> None:
    """When the record is unreadable, still report a denial its type would meet."""
    raw = data.get("type")
    if isinstance(raw, str) and raw in {t.value for t in AccountType}:
        refusal.decision(policy.decide(by, Create(AccountType(raw))), ("type",))


# --- edit -------------------------------------------------------------------------------------


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

    A changed code is a recode: it needs the policy's `Recode` decision (right 273, 274 for a
    Reseller; docs/rules.md#function-rights) besides the layout's. A code that differs only
    by surrounding spaces is the same code.

    With ``cost_centres`` (docs/rules.md#relations), an edit that changes the manager gives
    the account the new manager's cost centre (none when the manager has none), unless it
    also gives the cost centre, which must then agree; an account with a manager and no cost
    centre takes the manager's. The derived cost centre is the system's, not the user's edit:
    the layout's mode and right for ``relations.cost_centre`` apply only to a value the user
    gives.

    Returns:
        The edited account, the `Recode` decision when the code changed, and the host rules
        skipped for want of a lookup.

    Raises:
        ActionRefused: every unknown path, every refused field and every broken rule.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       A code change needs the `Recode` decision; the cost centre follows the manager.
    """
    refusal = Refusal()
    if not isinstance(edits, Mapping):
        refusal.problems.append(Problem((), "invalid_type", "Expected edits as {path: value}."))
        refusal.raise_if_any()
    record = apply_edits(account, edits, refusal)
    try:
        after = keep_email_flags(account, from_dict(record))
    except ValidationError as error:
        refusal.error(error)
        refusal.raise_if_any()
    for problem in edit_problems(account, after, by, policy):
        refusal.problems.append(problem)
    if after.code.strip() != account.code.strip():
        decide_recode(account, by, policy, refusal)
    cost_centres = remembered(cost_centres)
    after, derived = follow_manager(
        after, cost_centres, before=account, explicit=names_cost_centre(edits)
    )
    refusal.problems += derived
    lookups = _Lookups(directory=directory, sectors=sectors, cost_centres=cost_centres)
    skipped = _host_checks(after, policy, lookups, refusal)
    refusal.raise_if_any()
    return Outcome(
        after, decisions=tuple(refusal.allowed), skipped=skipped, warnings=refusal.warnings
    )


# --- status and type ------------------------------------------------------------------------


def _right_used(decision: Decision) -> int | None:
    """
    The right an event records: the one the policy checked, ``None`` when it checked none
    (Security: Check - Roles off; docs/rules.md#status-events).
    """
    right = decision.right_used
    return None if right is None else int(right)


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
    the status table decides legality. Both are reported when both refuse. The event records
    the right the policy checked, none with Security: Check - Roles off
    (docs/rules.md#status-events).

    Raises:
        ActionRefused: the denial, the illegal move, a naive ``at`` or a backdated ``on``.

    .. versionadded:: 0.1
    """
    refusal = Refusal()
    decision = policy.decide(by, ChangeStatus(target), account)
    refusal.decision(decision, ("status",))
    right = _right_used(decision)
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


_VAT_PATH: tuple[str | int, ...] = ("financial", "vat_number")


def _required_vat_check(
    account: Account,
    new_type: AccountType,
    refusal: Refusal,
    *,
    by: Principal,
    policy: Policy,
    registry: VatRegistry | None,
) -> VatChecked | None:
    """
    With setting ``mandatory_vat_check``, hold a change to Customer to a valid online check
    (docs/rules.md#identifiers); return the check when it passed.

    A missing number or registry is reported with every other reason; the registry is asked
    only when nothing else refuses the change, so a refused change costs no request.
    """
    if not policy.settings.mandatory_vat_check or new_type is not AccountType.CUSTOMER:
        return None
    vat = account.financial.vat_number
    if vat is None:
        message = "A Customer needs a VAT number first (setting Mandatory: VAT check)."
        refusal.problems.append(Problem(_VAT_PATH, "required", message))
    if registry is None:
        message = "Mandatory: VAT check is on; pass the host's VAT registry."
        refusal.problems.append(Problem(("type",), "vat_registry_missing", message))
    if vat is None or registry is None or any(not p.is_warning for p in refusal.problems):
        return None
    try:
        check = check_one(registry, vat)
    except ValidationError as error:  # the registry cannot check this number (a non-EU one)
        refusal.problems += [Problem(_VAT_PATH, p.code, p.message) for p in error.problems]
        return None
    refusal.problems += check.problems(_VAT_PATH)
    if not check.valid:
        return None
    return VatChecked.of(check, account_id=account.id, account_code=account.code, actor=by.user_id)


def change_type(
    account: Account,
    new_type: AccountType,
    *,
    by: Principal,
    policy: Policy,
    on: date,
    at: datetime,
    contracts: ContractLookup | None = None,
    vat_registry: VatRegistry | None = None,
    table: TransitionTable = _DEFAULT_TABLE,
) -> Outcome:
    """
    Change the type of ``account`` (validating it, when it is Not validated).

    The policy decides (rights 273, 274, 291 or 406 and record security); the type-change
    rules and the status table decide legality; with Mandatory: Contract, a Customer needs a
    contract shown by ``contracts``. The event records the right the policy checked, none with
    Security: Check - Roles off.

    With setting ``mandatory_vat_check``, a Customer needs a VAT number that ``vat_registry``
    calls valid (docs/rules.md#identifiers): no number is ``required`` at
    ``financial.vat_number``, no registry ``vat_registry_missing``, both reported with every
    other reason. The registry is asked only when nothing else refuses the change; an invalid
    answer refuses it with ``vat_not_registered``, an unavailable one with
    ``vat_check_unavailable`` (saying why, and when to retry). A valid answer is kept in the
    outcome's ``vat_check``, with the registry's request identifier and date.

    Raises:
        ActionRefused: every reason, at once.
        AdapterError: the registry broke its port's contract (see `accountcore.vies.check_one`).

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``vat_registry`` and setting ``mandatory_vat_check``.
    """
    refusal = Refusal()
    decision = policy.decide(by, ChangeType(new_type), account)
    refusal.decision(decision, ("type",))
    right = _right_used(decision)
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
    vat_check = _required_vat_check(
        account, new_type, refusal, by=by, policy=policy, registry=vat_registry
    )
    refusal.raise_if_any()
    return Outcome(changed, events=(event,), decisions=(decision,), vat_check=vat_check)


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
