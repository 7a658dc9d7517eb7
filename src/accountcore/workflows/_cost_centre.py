"""
The cost centre follows the account manager (docs/rules.md#relations).

With the host's `CostCentres` lookup, the workflows derive the cost centre from the manager:
a new account, or one saved without a cost centre, takes its manager's; an account whose
manager changes takes the new manager's, unless the same edit names the cost centre, which
must then agree. Validation (`accountcore.validate`) reports a given cost centre that
disagrees; the one disagreement it cannot see, a cost centre cleared by the user while the
manager has one, is reported here.

A derived cost centre is set by the system, not edited by the user: the card layout's mode
and field right for ``relations.cost_centre`` limit what the user edits, not what is derived.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..entities import Account
from ..errors import Problem, ValidationError
from ..serialization import from_dict, to_dict
from ..validation import CostCentres

#: Where the cost centre sits in a record and in problems.
PATH: tuple[str, str] = ("relations", "cost_centre")


class _Remembered:
    """The host's lookup, asked once per manager within one action."""

    def __init__(self, lookup: CostCentres) -> None:
        self._lookup = lookup
        self._answers: dict[str, str | None] = {}

    def cost_centre_of(self, manager: str) -> str | None:
        if manager not in self._answers:
            self._answers[manager] = self._lookup.cost_centre_of(manager)
        return self._answers[manager]


def remembered(lookup: CostCentres | None) -> CostCentres | None:
    """
    Wrap the host's lookup for one action, so that deriving and validating the cost centre
    see one answer per manager and the host is asked once.
    """
    return None if lookup is None else _Remembered(lookup)


def names_cost_centre(edits: Mapping[str, object]) -> bool:
    """
    Tell whether ``edits`` give the cost centre explicitly: by its path, or as a key of a
    whole ``relations`` section.
    """
    for path, value in edits.items():
        if path == ".".join(PATH):
            return True
        if path == PATH[0] and isinstance(value, Mapping) and PATH[1] in value:
            return True
    return False


def follow_manager(
    account: Account,
    cost_centres: CostCentres | None,
    *,
    before: Account | None = None,
    explicit: bool = False,
) -> tuple[Account, list[Problem]]:
    """
    Give ``account`` the cost centre of its manager where the rule derives it.

    Args:
        account: the account as created or edited.
        cost_centres: the host's lookup; without it nothing is derived.
        before: the stored account, for an edit; ``None`` for a create.
        explicit: the edit names the cost centre, so it is kept and must agree.

    Returns:
        The account, with the derived cost centre where one is derived, and the problems:
        ``cost_centre_mismatch`` for a cost centre the user cleared while the manager has
        one, or the problems of a derived value the record cannot hold.
    """
    manager = account.relations.account_manager
    if cost_centres is None or manager is None:
        return account, []
    expected = _blank_as_none(cost_centres.cost_centre_of(manager))
    current = account.relations.cost_centre
    if explicit:
        if current is None and expected is not None:
            message = "The cost centre must be the account manager's, which is not empty."
            return account, [Problem(PATH, "cost_centre_mismatch", message)]
        # A given value that disagrees: validation reports cost_centre_mismatch.
        return account, []
    moved = before is not None and before.relations.account_manager != manager
    if current is not None and not moved:
        # Kept as stored; validation reports it when it no longer agrees.
        return account, []
    return _with_cost_centre(account, expected)


def _blank_as_none(value: object) -> object:
    """A blank cost centre is none, as a record reads it."""
    return None if isinstance(value, str) and not value.strip() else value


def _with_cost_centre(account: Account, value: object) -> tuple[Account, list[Problem]]:
    """Set the cost centre through the record reader, so a derived value meets every rule."""
    if account.relations.cost_centre == value:
        return account, []
    record = to_dict(account)
    relations = record.get("relations")
    if not isinstance(relations, dict):  # to_dict always writes the section
        relations = record["relations"] = {}
    relations[PATH[1]] = value  # type: ignore[assignment]
    try:
        return from_dict(record), []
    except ValidationError as error:
        prefix = "The account manager's cost centre, from the host's lookup, is refused: "
        return account, [
            Problem(problem.path, problem.code, prefix + problem.message)
            for problem in error.problems
        ]
