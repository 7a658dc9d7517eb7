"""
Collect every reason a user action is refused, then raise them together as one
`ActionRefused` (the workflows and the merges share it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ActionRefused, Problem, ValidationError

if TYPE_CHECKING:
    from .rights import Decision

__all__ = ["Refusal"]


class Refusal:
    """
    Collects problems and rights decisions; ``unique_denials`` lists a repeated denial once
    (a merge asks the same right for every account in it).
    """

    def __init__(self, *, unique_denials: bool = False) -> None:
        self.problems: list[Problem] = []
        self.denials: list[Decision] = []
        self.allowed: list[Decision] = []
        self._unique = unique_denials

    def decision(self, decision: Decision, path: tuple[str | int, ...]) -> None:
        if decision.allowed:
            self.allowed.append(decision)
            return
        if not (self._unique and decision in self.denials):
            self.denials.append(decision)
        self.problems.append(Problem(path, decision.problem_code, decision.message))

    def error(self, error: ValidationError, prefix: tuple[str | int, ...] = ()) -> None:
        self.problems += [problem.prefixed(prefix) for problem in error.problems]

    def raise_if_any(self) -> None:
        if self.problems:
            raise ActionRefused(self.problems, self.denials)
