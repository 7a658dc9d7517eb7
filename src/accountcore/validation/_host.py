"""The rules that need the host's data, through the lookups the host passes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import attrs

from ..entities import Account, AccountType, Marketing, account_problems
from ..errors import Problem, ValidationError, split_problems

Path = tuple[str | int, ...]


# --- host lookups ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DirectoryEntry:
    """
    What the host's directory knows of one stored account.

    .. versionadded:: 0.1
    """

    id: str
    type: AccountType
    parent: str | None = None


class AccountDirectory(Protocol):
    """
    The host's accounts, looked up by code (compare trimmed and case-insensitively).

    .. versionadded:: 0.1
    """

    def lookup(self, code: str) -> DirectoryEntry | None:
        """Return the stored account holding ``code``, or ``None``."""
        ...


class SectorCatalogue(Protocol):
    """
    The host's sectors and subsectors.

    .. versionadded:: 0.1
    """

    def sector_of(self, subsector: str) -> str | None:
        """Return the sector a subsector belongs to, or ``None`` for an unknown subsector."""
        ...


class CostCentres(Protocol):
    """
    The host's cost centres per account manager.

    .. versionadded:: 0.1
    """

    def cost_centre_of(self, manager: str) -> str | None:
        """Return the manager's cost centre, or ``None`` when the manager has none."""
        ...


@attrs.frozen
class SkippedCheck:
    """
    A rule that was not checked because its lookup was not given.

    .. versionadded:: 0.1
    """

    rule: str
    needs: str

    def __str__(self) -> str:
        return f"{self.rule} not checked: pass {self.needs}"


@attrs.frozen
class ValidationReport:
    """
    The outcome of `validate`: every error and warning found, and every rule not checked.

    Attributes:
        problems: the errors; the account is valid when there are none.
        skipped: the rules not checked for want of their lookup.
        warnings: the warnings, which leave the account valid.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``warnings``; ``problems`` holds only errors.
    """

    problems: tuple[Problem, ...]
    skipped: tuple[SkippedCheck, ...]
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """
        ``True`` when no error was found (warnings and skipped rules do not count).
        """
        return not self.problems

    @property
    def complete(self) -> bool:
        """
        ``True`` when every rule was checked.
        """
        return not self.skipped

    def raise_for_problems(self) -> None:
        """
        Raise `ValidationError` listing the errors (and the warnings), if there are errors.
        """
        if self.problems:
            raise ValidationError(self.problems + self.warnings)


# --- rules that need the host's data --------------------------------------------------------


def _directory_problems(account: Account, directory: AccountDirectory) -> Iterator[Problem]:
    holder = directory.lookup(account.code)
    if holder is not None and holder.id != account.id:
        yield Problem(("code",), "code_taken", "Another account already has this code.")
    reseller = account.relations.reseller
    if reseller is not None:
        entry = directory.lookup(reseller)
        if entry is None:
            yield Problem(("relations", "reseller"), "unknown_account", "No account has this code.")
        elif entry.type is not AccountType.RESELLER:
            yield Problem(
                ("relations", "reseller"), "not_a_reseller", "The reseller is not a Reseller."
            )
    yield from _parent_problems(account, directory)


def _parent_problems(account: Account, directory: AccountDirectory) -> Iterator[Problem]:
    parent = account.relations.parent
    if parent is None:
        return
    path = ("relations", "parent")
    own = account.code.strip().casefold()
    seen = {own}
    current: str | None = parent
    while current is not None:
        key = current.strip().casefold()
        if key in seen:
            if key == own:
                yield Problem(path, "parent_cycle", "The parent chain leads back to this account.")
            return
        seen.add(key)
        entry = directory.lookup(current)
        if entry is None:
            if current is parent:
                yield Problem(path, "unknown_account", "No account has this code.")
            return
        current = entry.parent


def _sector_problems(marketing: Marketing, sectors: SectorCatalogue) -> Iterator[Problem]:
    if marketing.subsector is None or marketing.sector is None:
        return
    if sectors.sector_of(marketing.subsector) != marketing.sector:
        yield Problem(
            ("marketing", "subsector"),
            "subsector_not_in_sector",
            "The subsector does not belong to the sector.",
        )


def _cost_centre_problems(account: Account, cost_centres: CostCentres) -> Iterator[Problem]:
    relations = account.relations
    if relations.account_manager is None or relations.cost_centre is None:
        return
    if cost_centres.cost_centre_of(relations.account_manager) != relations.cost_centre:
        yield Problem(
            ("relations", "cost_centre"),
            "cost_centre_mismatch",
            "The cost centre differs from the account manager's.",
        )


def validate(
    account: Account,
    *,
    directory: AccountDirectory | None = None,
    sectors: SectorCatalogue | None = None,
    cost_centres: CostCentres | None = None,
) -> ValidationReport:
    """
    Check ``account`` against every rule, using the host lookups given.

    Args:
        account: the account to check.
        directory: the host's accounts by code (code taken, reseller, parent cycle).
        sectors: the host's subsector -> sector catalogue.
        cost_centres: the host's manager -> cost centre lookup.

    Returns:
        A report with every error and warning, and each rule skipped for want of its lookup.

    .. versionadded:: 0.1
    """
    problems = account_problems(account)
    skipped: list[SkippedCheck] = []
    if directory is None:
        skipped += [
            SkippedCheck("code_taken", "directory"),
            SkippedCheck("reseller_is_reseller", "directory"),
            SkippedCheck("parent_cycle", "directory"),
        ]
    else:
        problems += _directory_problems(account, directory)
    if sectors is None:
        skipped.append(SkippedCheck("subsector_in_sector", "sectors"))
    else:
        problems += _sector_problems(account.marketing, sectors)
    if cost_centres is None:
        skipped.append(SkippedCheck("cost_centre_from_manager", "cost_centres"))
    else:
        problems += _cost_centre_problems(account, cost_centres)
    errors, warnings = split_problems(problems)
    return ValidationReport(errors, tuple(skipped), warnings)
