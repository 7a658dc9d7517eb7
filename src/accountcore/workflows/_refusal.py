"""
Collect every reason a user action is refused, then raise them together as one
`ActionRefused` (the workflows and the merges share it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ActionRefused, Problem, ValidationError

if TYPE_CHECKING:
    from ..rights import Decision


class Refusal:
    """
    Collect every reason a user action is refused, then raise them together.

    A host writing an action of its own collects each rights decision (with the path it
    concerns) and each `ValidationError` here, and calls `raise_if_any` once: the user then
    sees every reason at once, as in the workflows and merges.

    Args:
        unique_denials: list a repeated denial once (a merge asks the same right for every
            account in it).

    .. versionadded:: 0.2
    """

    def __init__(self, *, unique_denials: bool = False) -> None:
        self.problems: list[Problem] = []
        self.denials: list[Decision] = []
        self.allowed: list[Decision] = []
        self._unique = unique_denials

    def decision(self, decision: Decision, path: tuple[str | int, ...]) -> None:
        """Record a rights decision; a denial becomes a problem at ``path``."""
        if decision.allowed:
            self.allowed.append(decision)
            return
        if not (self._unique and decision in self.denials):
            self.denials.append(decision)
        self.problems.append(Problem(path, decision.problem_code, decision.message))

    def error(self, error: ValidationError, prefix: tuple[str | int, ...] = ()) -> None:
        """Record every problem of ``error``, warnings included, located under ``prefix``."""
        found = error.problems + error.warnings
        self.problems += [problem.prefixed(prefix) for problem in found]

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """
        The warnings recorded: reported with the outcome, never a reason to refuse.
        """
        return tuple(problem for problem in self.problems if problem.is_warning)

    def raise_if_any(self) -> None:
        """
        Raise `ActionRefused` with every problem and denial recorded, if any is an error.

        Warnings alone never refuse an action; with an error, they ride along in the
        exception's ``warnings``.
        """
        if any(not problem.is_warning for problem in self.problems):
            raise ActionRefused(self.problems, self.denials)
