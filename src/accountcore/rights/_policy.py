"""Policy.decide: pure, deterministic, deny by default; a Decision says why."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType

import attrs

from ..entities import Account, AccountType
from ..errors import DefinitionError, RightDenied
from ..status import TypeChangeRules
from ._actions import (
    Action,
    Catalogue,
    ChangeStatus,
    ChangeType,
    Create,
    CustomiseCard,
    Delete,
    EditField,
    Maintain,
    Merge,
    Principal,
    Recode,
    RunDeduplication,
    Settings,
    View,
)
from ._catalogue import _BY_NUMBER, DEFAULT_ROLES, MESSAGES, FunctionRight, Role
from ._checks import is_a, items, refuse, shown
from ._layout import CARD_FIELDS, CardLayout, FieldMode

_R = FunctionRight


@attrs.frozen
class Decision:
    """
    The outcome of `Policy.decide`: allowed or not, and why.

    Attributes:
        allowed: the verdict.
        rule: the rule that decided (``"missing_right"``, ``"role"``, ``"record_security"``...).
        right: the function right that was needed, if any.
        granting_roles: the policy's roles that hold that right.
        message_id: a stable id from `MESSAGES`; ``params`` fill its text.

    .. versionadded:: 0.1
    """

    allowed: bool
    rule: str
    right: FunctionRight | None
    granting_roles: frozenset[str]
    message_id: str
    params: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def problem_code(self) -> str:
        """
        The problem code a denial becomes: ``field_hidden``, ``field_read_only`` or
        ``right_denied``.
        """
        return self.rule if self.rule in _LAYOUT_RULES else "right_denied"

    @property
    def message(self) -> str:
        """
        The decision in one English sentence, rendered from its message id.
        """
        return MESSAGES[self.message_id].format(**dict(self.params))

    @property
    def right_used(self) -> FunctionRight | None:
        """
        The function right the policy checked to allow the action, for the action's event.

        ``right`` when a role or a right held directly granted it; ``None`` when the action
        was denied or no right was checked: the action needs none, or Security: Check - Roles
        is off (``right`` still names the right the action would need).

        .. versionadded:: 0.2
        """
        return self.right if self.allowed and self.rule in _CHECKED_RULES else None


#: Denials by the card layout keep their own problem code; any other is a denied right.
_LAYOUT_RULES = frozenset({"field_hidden", "field_read_only"})
#: The rules that allow an action after checking the user's function right.
_CHECKED_RULES = frozenset({"role", "direct_right"})


def _deny(rule: str, message_id: str, **params: object) -> Decision:
    shown = tuple((k, str(v)) for k, v in params.items())
    return Decision(
        allowed=False,
        rule=rule,
        right=None,
        granting_roles=frozenset(),
        message_id=message_id,
        params=shown,
    )


_NO_RIGHT = Decision(
    allowed=True,
    rule="no_right_needed",
    right=None,
    granting_roles=frozenset(),
    message_id="allowed.no_right_needed",
)
_NEEDS_ACCOUNT = _deny("no_account", "denied.account_required")
_UNKNOWN = _deny("unknown_action", "denied.unknown_action")
_EMPLOYEE = _deny("never_through_card", "denied.employee")
#: A right number the catalogue does not know grants nothing.
_UNKNOWN_RIGHT = _deny("unknown_right", "denied.unknown_action")
_CATALOGUE_RIGHTS = {
    Catalogue.ACCOUNT_SETTINGS: _R.MAINTAIN_ACCOUNT_SETTINGS,
    Catalogue.RATING_RULES: _R.MAINTAIN_RATING_RULES,
    Catalogue.BANK_ACCOUNT_TYPES: _R.MAINTAIN_BANK_ACCOUNT_TYPES,
    Catalogue.CLASSIFICATIONS: _R.MAINTAIN_CLASSIFICATIONS,
}
_STATUS_RIGHTS = {
    AccountType.CUSTOMER: _R.EDIT_CUSTOMER_STATUS,
    AccountType.RESELLER: _R.EDIT_RESELLER_STATUS,
}


def _roles(value: Iterable[Role]) -> tuple[Role, ...]:
    checked: list[Role] = []
    for role in items(value, "Policy.roles", "Role values"):
        if not isinstance(role, Role):
            refuse("Policy.roles", "Role values", role)
        # Two roles of one name would merge into one, whichever the host meant.
        if any(role.name == other.name for other in checked):
            raise DefinitionError(f"Policy.roles: the role {shown(role.name)} is given twice")
        checked.append(role)
    return tuple(checked)


def _params(right: FunctionRight, **more: str) -> tuple[tuple[str, str], ...]:
    return (("right", str(int(right))), ("description", right.description), *more.items())


@attrs.frozen(eq=False)
class Policy:
    """
    Who may do what to which account: roles, settings, type-change rules and card layout.

    `decide` is pure and deterministic and denies by default: an unknown role, right or
    action grants nothing. Every decision a principal's rights can lead to is built once,
    here, so deciding is a few lookups.

    ``roles`` takes any collection of `Role` values, each name once, and keeps a tuple.

    Raises:
        DefinitionError: a role that is not a `Role`, a role name given twice, or settings,
            type-change rules or a layout of the wrong type, naming the field.

    .. versionadded:: 0.1
    """

    roles: tuple[Role, ...] = attrs.field(default=DEFAULT_ROLES, converter=_roles)
    settings: Settings = attrs.field(factory=Settings, validator=is_a(Settings, "Policy.settings"))
    type_rules: TypeChangeRules = attrs.field(
        factory=TypeChangeRules.default, validator=is_a(TypeChangeRules, "Policy.type_rules")
    )
    layout: CardLayout = attrs.field(
        factory=CardLayout.default, validator=is_a(CardLayout, "Policy.layout")
    )
    _granting: Mapping[FunctionRight, frozenset[str]] = attrs.field(init=False, repr=False)
    #: right -> "" (missing), "*" (held directly), "-" (roles not checked) or a role name
    _decisions: Mapping[FunctionRight, Mapping[str, Decision]] = attrs.field(
        init=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        granting = {
            right: frozenset(role.name for role in self.roles if right in role.rights)
            for right in FunctionRight
        }
        decisions = {right: _decisions_for(right, holders) for right, holders in granting.items()}
        object.__setattr__(self, "_granting", MappingProxyType(granting))
        object.__setattr__(self, "_decisions", MappingProxyType(decisions))

    def decide(
        self, principal: Principal, action: Action, account: Account | None = None
    ) -> Decision:
        """
        Decide whether ``principal`` may perform ``action`` (on ``account``).

        Record security comes first and applies whatever the settings: below the account's
        security level only its manager passes, and an account without a manager lets nobody
        pass. Then the action's own rules (Type: Select, Employee, type-change rules, the card
        layout); then, with Security: Check - Roles on, the function right the action needs.

        .. versionadded:: 0.1
        """
        # "not >=" rather than "<": a clearance that is no number (NaN) is below every level.
        if account is not None and not principal.clearance >= account.marketing.security_level:
            manager = account.relations.account_manager
            # Fail closed: an account without a manager has nobody to let through.
            if manager is None or principal.user_id != manager:
                return _deny(
                    "record_security",
                    "denied.security_level",
                    level=account.marketing.security_level,
                    clearance=principal.clearance,
                )
        handler = _HANDLERS.get(action.__class__)
        if handler is None:
            return _UNKNOWN
        needed = handler(self, action, account)
        if isinstance(needed, Decision):
            return needed
        return self._grant(principal, needed)

    def _grant(self, principal: Principal, right: FunctionRight) -> Decision:
        by_key = self._decisions[right]
        if not self.settings.check_roles:
            return by_key["-"]
        if right in principal.rights:
            return by_key["*"]
        granting = self._granting[right]
        if granting.isdisjoint(principal.roles):
            return by_key[""]
        holding = granting & principal.roles
        # The alphabetically first granting role, so the answer never depends on hashing.
        return by_key[next(iter(holding)) if len(holding) == 1 else min(holding)]


def _decisions_for(right: FunctionRight, holders: frozenset[str]) -> Mapping[str, Decision]:
    """
    Every decision a principal's rights can lead to for ``right``, by key: ``""`` (missing),
    ``"*"`` (held directly), ``"-"`` (roles not checked) or the granting role's name.
    """

    def decision(
        allowed: bool, rule: str, message_id: str, params: tuple[tuple[str, str], ...] = ()
    ) -> Decision:
        return Decision(
            allowed=allowed,
            rule=rule,
            right=right,
            granting_roles=holders,
            message_id=message_id,
            params=params,
        )

    roles = ", ".join(sorted(holders)) or "none"
    by_key = {
        "": decision(False, "missing_right", "denied.missing_right", _params(right, roles=roles)),
        "*": decision(True, "direct_right", "allowed.direct", _params(right)),
        "-": decision(True, "roles_not_checked", "allowed.roles_not_checked"),
    }
    for name in holders:
        by_key[name] = decision(True, "role", "allowed.role", _params(right, role=name))
    return MappingProxyType(by_key)


def _create(policy: Policy, action: Create, account: Account | None) -> FunctionRight | Decision:
    if action.type is AccountType.EMPLOYEE:
        return _EMPLOYEE
    if not policy.settings.type_select and action.type is not AccountType.NOT_VALIDATED:
        return _deny("type_select", "denied.type_select_off", type=action.type.name)
    return _NO_RIGHT


def _edit(policy: Policy, action: EditField, account: Account | None) -> FunctionRight | Decision:
    if action.field not in CARD_FIELDS:
        return _deny("unknown_field", "denied.unknown_field", field=action.field)
    rule = policy.layout.rule(action.field)
    if rule.mode is FieldMode.HIDDEN:
        return _deny("field_hidden", "denied.field_hidden", field=action.field)
    if rule.mode is FieldMode.SHOW:
        return _deny("field_read_only", "denied.field_read_only", field=action.field)
    if rule.right is None:
        return _NO_RIGHT
    return _BY_NUMBER.get(rule.right, _UNKNOWN_RIGHT)


def _status(
    policy: Policy, action: ChangeStatus, account: Account | None
) -> FunctionRight | Decision:
    if account is None:
        return _NEEDS_ACCOUNT
    return _STATUS_RIGHTS.get(account.type, _R.EDIT_OTHER_STATUS)


def _type(policy: Policy, action: ChangeType, account: Account | None) -> FunctionRight | Decision:
    if account is None:
        return _NEEDS_ACCOUNT
    if action.target is AccountType.EMPLOYEE:
        return _EMPLOYEE
    right = policy.type_rules.right_for(account.type, action.target)
    if right is None:
        return _deny(
            "type_rules",
            "denied.type_change_not_allowed",
            current=account.type.name,
            target=action.target.name,
        )
    return _BY_NUMBER.get(right, _UNKNOWN_RIGHT)


def _manage(
    policy: Policy, action: Recode | Merge, account: Account | None
) -> FunctionRight | Decision:
    if account is None:
        return _NEEDS_ACCOUNT
    if account.type is AccountType.RESELLER:
        return _R.MANAGE_RESELLER_ACCOUNTS
    return _R.MANAGE_CUSTOMER_ACCOUNTS


def _maintain(
    policy: Policy, action: Maintain, account: Account | None
) -> FunctionRight | Decision:
    return _CATALOGUE_RIGHTS[action.what]


def _fixed(
    right: FunctionRight, *, needs_account: bool = False
) -> Callable[[Policy, Action, Account | None], FunctionRight | Decision]:
    def needed(policy: Policy, action: Action, account: Account | None) -> FunctionRight | Decision:
        return _NEEDS_ACCOUNT if needs_account and account is None else right

    return needed


_HANDLERS: dict[type, Callable[[Policy, Action, Account | None], FunctionRight | Decision]] = {
    View: lambda policy, action, account: _NO_RIGHT if account is not None else _NEEDS_ACCOUNT,
    Create: _create,  # type: ignore[dict-item]
    EditField: _edit,  # type: ignore[dict-item]
    ChangeStatus: _status,  # type: ignore[dict-item]
    ChangeType: _type,  # type: ignore[dict-item]
    Delete: _fixed(_R.DELETE_ACCOUNTS, needs_account=True),
    Recode: _manage,  # type: ignore[dict-item]
    Merge: _manage,  # type: ignore[dict-item]
    CustomiseCard: _fixed(_R.CUSTOMISE_ACCOUNT_CARD),
    RunDeduplication: _fixed(_R.RUN_DEDUPLICATION),
    Maintain: _maintain,  # type: ignore[dict-item]
}


def require(
    policy: Policy, principal: Principal, action: Action, account: Account | None = None
) -> Decision:
    """
    Return the allowing decision, or raise `RightDenied` carrying the denial.

    .. versionadded:: 0.1
    """
    decision = policy.decide(principal, action, account)
    if not decision.allowed:
        raise RightDenied(decision.message, decision=decision)
    return decision


def can_see(principal: Principal, account: Account) -> bool:
    """
    Tell whether ``principal`` may see and act on ``account`` (record security,
    docs/rules.md#record-security).

    The user's clearance must reach the account's security level, or the account must have
    a manager and the user must be it.

    .. versionadded:: 0.1
    """
    if principal.clearance >= account.marketing.security_level:
        return True
    manager = account.relations.account_manager
    return manager is not None and principal.user_id == manager


def visible(principal: Principal, accounts: Iterable[Account]) -> Iterator[Account]:
    """
    Yield the accounts ``principal`` may see, in order.

    .. versionadded:: 0.1
    """
    return (account for account in accounts if can_see(principal, account))
