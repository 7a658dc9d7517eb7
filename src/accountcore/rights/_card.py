"""The card layout applied to accounts: mandatory fields, what a user sees and may edit.

See ``docs/rules.md#card-layout``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from ..entities import Account, Contact
from ..errors import Problem
from ._actions import EditField, Principal, View
from ._layout import CARD_FIELDS, CardLayout, FieldMode
from ._policy import Policy, require

if TYPE_CHECKING:
    from ..serialization import JSONObject, JSONValue

#: Each card field's path as steps, for problem paths and for walking a record.
_STEPS: dict[str, tuple[str, ...]] = {path: tuple(path.split(".")) for path in CARD_FIELDS}
#: Each card field's reader; ``attrgetter`` follows the dots.
_READERS: dict[str, Callable[[Account], object]] = {
    path: operator.attrgetter(path) for path in sorted(CARD_FIELDS)
}
_EMPTY_CONTACT = Contact()
#: Lifecycle fields in the order their problems are reported, with why they are not edited.
_LIFECYCLE_REASONS: dict[str, str] = {
    "id": "The field id is the host's key and is never edited on the card.",
    "type": "The field type changes only through type changes.",
    "type_since": "The field type_since changes only through type changes.",
    "status": "The field status changes only through status changes.",
    "status_since": "The field status_since changes only through status changes.",
    "replaced_by": "The field replaced_by changes only through merges.",
}


def layout_problems(account: Account, layout: CardLayout) -> list[Problem]:
    """
    List a ``required`` problem for every mandatory field of ``layout`` that ``account`` lacks.

    A field is missing when it is ``None``, blank text or an empty tuple; every field of an
    absent contact is missing.

    Args:
        account: the account to check.
        layout: the card layout whose mandatory set applies.

    Returns:
        One problem per missing field, ordered by path; empty when none is missing.

    .. versionadded:: 0.1
    """
    return [
        Problem(_STEPS[path], "required", f"The card layout makes {path} mandatory.")
        for path in sorted(layout.mandatory)
        if _is_missing(account, path)
    ]


def _is_missing(account: Account, path: str) -> bool:
    if account.contact is None and path.startswith("contact."):
        return True
    value = _READERS[path](account)
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, tuple) and not value)


def redact(account: Account, principal: Principal, policy: Policy) -> JSONObject:
    """
    Write ``account`` as `accountcore.to_dict` does, without the fields the layout hides.

    A hidden field's key is absent from the result, at whatever depth it sits.

    Args:
        account: the account to show.
        principal: the user who will see it.
        policy: the policy whose card layout and record security apply.

    Returns:
        A JSON-ready dict of what ``principal`` may see.

    Raises:
        RightDenied: record security keeps ``principal`` from seeing ``account`` at all.

    .. versionadded:: 0.1
    """
    # cattrs loads when a record is first written, not with `import accountcore.rights`.
    from ..serialization import to_dict

    require(policy, principal, View(), account)
    data = to_dict(account)
    for path, rule in policy.layout.fields.items():
        if rule.mode is FieldMode.HIDDEN:
            _drop(data, _STEPS[path])
    return data


def _drop(data: JSONObject, steps: tuple[str, ...]) -> None:
    node: JSONValue = data
    for step in steps[:-1]:
        if not isinstance(node, dict):
            return
        node = node.get(step)
    if isinstance(node, dict):
        node.pop(steps[-1], None)


def changed_fields(before: Account, after: Account) -> frozenset[str]:
    """
    Return the card field paths whose values differ between two versions of an account.

    An absent contact reads as an empty one, so adding a contact changes only the fields
    it fills in. Lifecycle fields (id, type, status and their dates) are not card fields.

    Args:
        before: the account as stored.
        after: the account as edited.

    Returns:
        Dotted paths from `CARD_FIELDS`, such as ``"marketing.rating"``.

    .. versionadded:: 0.1
    """
    old, new = _with_contact(before), _with_contact(after)
    return frozenset(path for path, read in _READERS.items() if read(old) != read(new))


def _automatic_flags(before: Account, after: Account) -> frozenset[str]:
    """The email flags an email change sets by itself (`Contact.with_email`), not the user."""
    old, new = _with_contact(before).contact, _with_contact(after).contact
    if old is None or new is None or old.email == new.email:
        return frozenset()
    expected = old.with_email(new.email)
    return frozenset(
        f"contact.{flag}"
        for flag in ("valid_email", "email_permission")
        if getattr(new, flag) == getattr(expected, flag)
    )


def _with_contact(account: Account) -> Account:
    if account.contact is not None:
        return account
    return attrs.evolve(account, contact=_EMPTY_CONTACT)


def edit_problems(
    before: Account, after: Account, principal: Principal, policy: Policy
) -> list[Problem]:
    """
    List a problem for every change from ``before`` to ``after`` that ``principal`` may not make.

    Each changed card field is decided as `EditField` on ``before``: a hidden field gives
    ``field_hidden``, a read-only one ``field_read_only``, any other denial (a field right
    the user lacks) ``right_denied``. A changed lifecycle field gives ``field_read_only``:
    it changes only through status and type changes.

    Args:
        before: the account as stored.
        after: the account as edited.
        principal: the user who edited it.
        policy: the policy whose card layout, settings and roles apply.

    Returns:
        The problems, lifecycle fields first, then card fields by path; a single
        ``right_denied`` problem at ``()`` when record security hides ``before`` from the
        user; empty when every change is allowed.

    .. versionadded:: 0.1
    """
    sight = policy.decide(principal, View(), before)
    if not sight.allowed:
        return [Problem((), "right_denied", sight.message)]
    problems = [
        Problem((field,), "field_read_only", reason)
        for field, reason in _LIFECYCLE_REASONS.items()
        if getattr(before, field) != getattr(after, field)
    ]
    for path in sorted(changed_fields(before, after) - _automatic_flags(before, after)):
        decision = policy.decide(principal, EditField(path), before)
        if not decision.allowed:
            problems.append(Problem(_STEPS[path], decision.problem_code, decision.message))
    return problems
