"""
Merge plans as values, applying them, and running a deduplication, under the rights policy
(docs/rules.md#function-rights and #duplicates).

`MergePlan` (made by `accountcore.duplicates.plan_merge`) lists per field the winner, the
conflicts and clashes left, and every value the merge would drop. `apply_merge` turns a
ready plan into the merged survivor, the replaced accounts (each with ``replaced_by`` set)
and one `AccountsMerged` event, or raises one `ActionRefused` that lists every reason at
once, as the workflows do. `run_deduplication` checks right 608 before it looks for
duplicates.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

from ..entities import Account, Address, Contact, FreeField, account_problems
from ..errors import Problem
from ..identifiers import Identifier, mask
from ..rights import Decision, Merge, Policy, Principal, RunDeduplication
from ..workflows import Refusal

if TYPE_CHECKING:
    from ._find import DuplicateReport

__all__ = [
    "AccountsMerged",
    "Clash",
    "Conflict",
    "Dropped",
    "MergeOutcome",
    "MergePlan",
    "apply_merge",
    "run_deduplication",
]


_SHOWN_LENGTH = 60


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


def render(value: object) -> str:
    """Show a value in one line, masking tax numbers and IBANs (for plans and messages)."""
    if isinstance(value, Identifier):
        return mask(value.compact) if value.masked else value.compact
    if isinstance(value, FreeField):
        return render(value.value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Address):
        number = " ".join(part for part in (value.house_number, value.house_number_suffix) if part)
        parts = (value.line1, number, value.line2, value.line3, value.postcode, value.city)
        return ", ".join(part for part in (*parts, value.state, value.country) if part)
    if isinstance(value, Contact):
        names = (value.first_name, value.middle_name, value.last_name)
        name = " ".join(part for part in names if part)
        return f"{name} <{value.email}>".strip() if value.email else name
    text = " ".join(str(value).split())
    return text if len(text) <= _SHOWN_LENGTH else text[: _SHOWN_LENGTH - 1] + "…"


@attrs.frozen
class Conflict:
    """
    A field holding two or more different values and no choice between them yet.

    Args:
        path: the field's dotted path (``"summary.email"``, ``"free_fields.segment"``).
        values_by_account: account id -> the value as shown (identifiers masked).

    .. versionadded:: 0.1
    """

    path: str
    values_by_account: Mapping[str, str] = attrs.field(converter=_frozen, hash=False)


@attrs.frozen
class Clash:
    """
    An identifier (VAT, Chamber of Commerce, D-U-N-S, GLN) that differs between the accounts.

    A clash stays listed after a choice resolves it: merging two companies with different
    VAT numbers is usually a mistake, so a host should show it and ask again.

    Args:
        path: the identifier's dotted path (one of `IDENTIFIER_PATHS`).
        values_by_account: account id -> the identifier, masked where it is a tax number.

    .. versionadded:: 0.1
    """

    path: str
    values_by_account: Mapping[str, str] = attrs.field(converter=_frozen, hash=False)


@attrs.frozen
class Dropped:
    """
    A non-empty value of one merged account that the merged account will not hold.

    Args:
        path: the field's dotted path; a bank account's detail is
            ``"financial.bank_accounts.<index in that account>.<field>"``.
        account_id: the account that held it.
        shown: the value as shown (identifiers masked, long text cut).

    .. versionadded:: 0.1
    """

    path: str
    account_id: str
    shown: str


@attrs.frozen(kw_only=True)
class MergePlan:
    """
    What merging ``other_ids`` into ``survivor_id`` would produce; made by `plan_merge`.

    Attributes:
        survivor_id: the account that stays.
        other_ids: the accounts merged into it, in the order given.
        result: the merged account as it would be stored, every decided winner applied; an
            undecided conflict keeps the survivor's value.
        winners: field path -> the id of the account whose value the field takes.
        choices: the choices the plan was made with (to plan again when it went stale).
        conflicts: fields that still need a choice; the plan is not ready while any remain.
        clashes: identifiers that differ between the accounts, chosen or not.
        dropped: every non-empty value of any account that ``result`` does not hold.
        base: the accounts as planned, survivor first (`apply_merge` refuses a stale plan).

    .. versionadded:: 0.1
    """

    survivor_id: str
    other_ids: tuple[str, ...]
    result: Account = attrs.field(repr=False)
    winners: Mapping[str, str] = attrs.field(converter=_frozen, hash=False)
    choices: Mapping[str, str] = attrs.field(converter=_frozen, hash=False)
    conflicts: tuple[Conflict, ...]
    clashes: tuple[Clash, ...]
    dropped: tuple[Dropped, ...]
    base: tuple[Account, ...] = attrs.field(repr=False)

    @property
    def is_ready(self) -> bool:
        """
        Tell whether every conflict has been resolved by a choice.
        """
        return not self.conflicts


@attrs.frozen(kw_only=True)
class AccountsMerged:
    """
    A merge: which accounts were replaced by which, when it took effect and who did it.

    ``on`` is the effective date; ``at`` the recorded instant (timezone-aware); ``actor``
    the principal's user id; ``right`` the function right used (273, or 274 for resellers),
    ``None`` when no right decided.

    .. versionadded:: 0.1
    """

    survivor_id: str
    replaced_ids: tuple[str, ...]
    on: date
    at: datetime
    actor: str | None = None
    right: int | None = None


@attrs.frozen(kw_only=True)
class MergeOutcome:
    """
    What an applied merge produced; the host stores all of it, in one transaction.

    Attributes:
        survivor: the merged account (the plan's ``result``).
        replaced: each merged account with ``replaced_by`` set to the survivor's id and
            nothing else changed (its status included).
        event: the `AccountsMerged` event.
        decisions: the policy decisions that allowed it, one per account.

    .. versionadded:: 0.1
    """

    survivor: Account
    replaced: tuple[Account, ...]
    event: AccountsMerged
    decisions: tuple[Decision, ...] = ()


def _places(plan: MergePlan) -> list[tuple[tuple[str | int, ...], Account]]:
    others = [(("others", i), account) for i, account in enumerate(plan.base[1:])]
    return [(("survivor",), plan.base[0]), *others]


def _freshness(plan: MergePlan, current: Mapping[str, Account]) -> list[Problem]:
    """An account changed, vanished or already merged since the plan was made."""
    problems = []
    for where, planned in _places(plan):
        now = current.get(str(planned.id))
        if now is None:
            message = "The account is no longer stored; plan the merge again."
            problems.append(Problem(where, "plan_stale", message))
        elif now.replaced_by is not None:
            message = "The account was already merged into another account."
            problems.append(Problem((*where, "replaced_by"), "already_merged", message))
        elif now != planned:
            message = "The account changed since the merge was planned; plan it again."
            problems.append(Problem(where, "plan_stale", message))
    return problems


def _conflicts(plan: MergePlan) -> list[Problem]:
    return [
        Problem(
            ("choices", conflict.path), "merge_conflicts", "Choose which value this field keeps."
        )
        for conflict in plan.conflicts
    ]


def _instant(at: datetime) -> list[Problem]:
    if at.tzinfo is None or at.utcoffset() is None:
        return [Problem(("at",), "naive_datetime", "The recorded instant needs a time zone.")]
    return []


def apply_merge(
    plan: MergePlan,
    *,
    current: Mapping[str, Account],
    by: Principal,
    policy: Policy,
    on: date,
    at: datetime,
) -> MergeOutcome:
    """
    Apply a ready merge plan: the merged survivor, the replaced accounts, and the event.

    The replaced accounts keep their status: ``replaced_by`` marks them, and a status change
    would need a status right (292-294) and a legal move that a merge right does not imply.
    Hosts that want them Inactive call `accountcore.workflows.change_status` afterwards.

    Args:
        plan: a plan from `plan_merge` with no conflict left.
        current: the host's accounts as stored now, by id; must hold every account of the
            plan unchanged. After the host stores an outcome, applying the same plan again
            is refused (``already_merged``, ``plan_stale``).
        by: the user merging.
        policy: decides `accountcore.rights.Merge` on every account of the plan: right 273,
            or 274 for Reseller accounts, and record security.
        on: the effective date of the merge.
        at: the instant it is recorded (timezone-aware).

    Returns:
        The outcome, which the host stores at once.

    Raises:
        ActionRefused: every reason at once: each unresolved conflict
            (``merge_conflicts`` at ``("choices", path)``), each denial (with the decision
            in ``decisions``), each account that changed or vanished (``plan_stale``) or
            was merged meanwhile (``already_merged``), a naive ``at`` (``naive_datetime``),
            and any card rule the merged account breaks (at ``("result", ...)``).

    .. versionadded:: 0.1
    """
    refusal = Refusal(unique_denials=True)
    refusal.problems += _conflicts(plan)
    for where, account in _places(plan):
        refusal.decision(policy.decide(by, Merge(), account), where)
    refusal.problems += _freshness(plan, current)
    refusal.problems += _instant(at)
    refusal.problems += [p.prefixed(("result",)) for p in account_problems(plan.result)]
    refusal.raise_if_any()
    survivor_id = plan.survivor_id
    replaced = tuple(attrs.evolve(account, replaced_by=survivor_id) for account in plan.base[1:])
    decision = refusal.allowed[0]
    right = decision.right_used  # none when Security: Check - Roles is off
    event = AccountsMerged(
        survivor_id=survivor_id,
        replaced_ids=plan.other_ids,
        on=on,
        at=at,
        actor=by.user_id,
        right=int(right) if right is not None else None,
    )
    return MergeOutcome(
        survivor=plan.result, replaced=replaced, event=event, decisions=tuple(refusal.allowed)
    )


def run_deduplication(
    accounts: Iterable[Account],
    *,
    by: Principal,
    policy: Policy,
    threshold: float = 0.6,
    max_block: int = 50,
) -> DuplicateReport:
    """
    Run a deduplication (right 608) and return the candidate groups.

    Args:
        accounts: the accounts to search; each needs a unique id.
        by: the user running it.
        policy: decides `accountcore.rights.RunDeduplication`.
        threshold, max_block: as for `accountcore.duplicates.find_duplicates`.

    Returns:
        The report of `accountcore.duplicates.find_duplicates`.

    Raises:
        ActionRefused: the denial (code ``right_denied``, the decision in ``decisions``).
        ValidationError: a bad account or setting, as `find_duplicates` raises it.

    .. versionadded:: 0.1
    """
    refusal = Refusal(unique_denials=True)
    refusal.decision(policy.decide(by, RunDeduplication(), None), ())
    refusal.raise_if_any()
    from ._find import find_duplicates

    return find_duplicates(accounts, threshold=threshold, max_block=max_block)
