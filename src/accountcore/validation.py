"""
The card's rules, applied to an `Account`, and the limits every value is held to.

Two entry points:

- `check_account` checks every rule that needs no outside data and raises one
  `ValidationError` listing every problem. `accountcore.from_dict` and `Account.new` call it.
- `validate` runs those rules and, for each host lookup given, the rules that need the host's
  data (code taken, reseller is a Reseller, no parent cycle, subsector within its sector, cost
  centre from the manager). A rule whose lookup is missing is reported in
  `ValidationReport.skipped`, never silently passed.

Both hold every value to a limit first, before any costly check: text to its field's length
(`MAX_LENGTHS`, else `DEFAULT_MAX_LENGTH`), identifiers as typed to `MAX_IDENTIFIER_TEXT`
characters, integers to `INT_RANGES`, lists to `MAX_ITEMS`, and free fields' numbers and
amounts to `MAX_SAFE_INTEGER` and `AMOUNT_LIMIT`. ``docs/validation.md`` lists them.

.. versionadded:: 0.1
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import attrs

from ._countries import ALPHA2
from ._identifier import MAX_IDENTIFIER_TEXT
from ._rules import (
    AMOUNT_LIMIT,
    DEFAULT_MAX_LENGTH,
    FIELD_RULES,
    INT_RANGES,
    MAX_ITEMS,
    MAX_LENGTHS,
    MAX_SAFE_INTEGER,
    NOT_NULL,
)
from .entities import (
    IBAN_BANK_ACCOUNT_TYPE,
    Account,
    AccountType,
    Address,
    BankAccount,
    Financial,
    Marketing,
)
from .errors import Problem, ValidationError
from .identifiers import CheckStrength

__all__ = [
    "AMOUNT_LIMIT",
    "DEFAULT_MAX_LENGTH",
    "INT_RANGES",
    "MAX_IDENTIFIER_TEXT",
    "MAX_ITEMS",
    "MAX_LENGTHS",
    "MAX_SAFE_INTEGER",
    "AccountDirectory",
    "CostCentres",
    "DirectoryEntry",
    "SectorCatalogue",
    "SkippedCheck",
    "ValidationReport",
    "check_account",
    "validate",
]

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
    The outcome of `validate`: every problem found and every rule not checked.

    .. versionadded:: 0.1
    """

    problems: tuple[Problem, ...]
    skipped: tuple[SkippedCheck, ...]

    @property
    def ok(self) -> bool:
        """
        ``True`` when no problem was found (skipped rules do not count as problems).
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
        Raise `ValidationError` listing the problems, if there are any.
        """
        if self.problems:
            raise ValidationError(self.problems)


# --- rules that need no outside data --------------------------------------------------------


def _state_problems(address: Address) -> Iterator[Problem]:
    if address.state is None or address.country not in ALPHA2:
        return
    state = address.state.upper()
    code = state if state.startswith(address.country + "-") else f"{address.country}-{state}"
    # Codes of the length of real ones are remembered; longer text is looked up each time.
    outside = _outside_subdivisions if len(code) <= 12 else _outside_subdivisions.__wrapped__
    if outside(address.country, code):
        message = f"The state is not a subdivision of {address.country}."
        yield Problem(("state",), "state_not_in_country", message)


@functools.lru_cache(maxsize=4096)
def _outside_subdivisions(country: str, code: str) -> bool:
    """Tell whether pycountry lists subdivisions of ``country``, but not ``code`` (ISO 3166-2)."""
    import pycountry

    known = pycountry.subdivisions.get(country_code=country)  # type: ignore[no-untyped-call]
    return bool(known) and pycountry.subdivisions.get(code=code) is None  # type: ignore[no-untyped-call]


def _marketing_problems(marketing: Marketing) -> Iterator[Problem]:
    if marketing.subsector is not None and marketing.sector is None:
        yield Problem(("subsector",), "subsector_without_sector", "A subsector needs a sector.")


def _bank_account_problems(bank: BankAccount) -> Iterator[Problem]:
    is_iban_type = (bank.type or "").upper() == IBAN_BANK_ACCOUNT_TYPE
    if is_iban_type and bank.iban is None:
        yield Problem(("iban",), "required", "A bank account of the IBAN type needs an IBAN.")
    if bank.iban is None or bank.iban.strength is CheckStrength.UNCHECKED:
        return  # the IBAN rules below are identifier checks
    if bank.number is not None:
        matches = (
            bank.number.replace(" ", "").upper() == bank.iban.compact
            if is_iban_type
            else bank.iban.corresponds_to(bank.number)
        )
        if not matches:
            yield Problem(
                ("iban",),
                "iban_number_mismatch",
                "The IBAN does not correspond to the bank account number.",
            )
    checked_bic = bank.bic is not None and bank.bic.strength is not CheckStrength.UNCHECKED
    if checked_bic and bank.bic.belongs_to(bank.iban) is False:  # type: ignore[union-attr]
        yield Problem(("bic",), "bic_bank_mismatch", "The BIC does not belong to the IBAN's bank.")


def _financial_problems(financial: Financial) -> Iterator[Problem]:
    banks = financial.bank_accounts
    if banks and sum(bank.main for bank in banks) != 1:
        yield Problem(
            ("bank_accounts",),
            "main_bank_account",
            "Exactly one bank account must be the main one.",
        )


def _account_problems(account: Account) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, free in enumerate(account.free_fields):
        key = free.name.strip().casefold()
        if key in seen:
            yield Problem(
                ("free_fields", i, "name"), "duplicate", "Two free fields have the same name."
            )
        seen.add(key)
    own = account.code.strip().casefold()
    for name in ("parent", "reseller"):
        other = getattr(account.relations, name)
        if other is not None and other.strip().casefold() == own:
            yield Problem(
                ("relations", name), "self_reference", f"An account cannot be its own {name}."
            )
    if account.replaced_by is not None and account.replaced_by == account.id:
        message = "An account cannot be replaced by itself."
        yield Problem(("replaced_by",), "self_reference", message)


#: Rules relating fields of one object, with paths relative to it. They run as soon as the
#: object is read (so a problem elsewhere in the record does not hide them).
CLASS_RULES: dict[type, Callable[[Any], Iterator[Problem]]] = {
    Address: _state_problems,
    Marketing: _marketing_problems,
    BankAccount: _bank_account_problems,
    Financial: _financial_problems,
    Account: _account_problems,
}


def _objects(account: Account) -> Iterator[tuple[object, Path]]:
    yield account, ()
    yield account.summary, ("summary",)
    yield account.summary.address, ("summary", "address")
    yield account.general, ("general",)
    if account.contact is not None:
        yield account.contact, ("contact",)
    yield account.marketing, ("marketing",)
    yield account.relations, ("relations",)
    yield account.financial, ("financial",)
    for i, free in enumerate(account.free_fields):
        yield free, ("free_fields", i)
    for i, bank in enumerate(account.financial.bank_accounts):
        yield bank, ("financial", "bank_accounts", i)


def _object_problems(obj: object, path: Path) -> Iterator[Problem]:
    not_null = NOT_NULL.get(type(obj), frozenset())
    for name, rule in FIELD_RULES.get(type(obj), {}).items():
        value = getattr(obj, name)
        if value is None:
            if name in not_null:
                yield Problem((*path, name), "required", "This field is required.")
        elif (failure := rule(value)) is not None:
            yield Problem((*path, name), *failure)
    class_rule = CLASS_RULES.get(type(obj))
    if class_rule is not None:
        for problem in class_rule(obj):
            yield problem.prefixed(path)


def account_problems(account: Account) -> list[Problem]:
    """Every problem that needs no outside data."""
    return [p for obj, path in _objects(account) for p in _object_problems(obj, path)]


def check_account(account: Account) -> None:
    """
    Check every rule of the card that needs no outside data.

    Raises:
        ValidationError: listing every problem found.

    .. versionadded:: 0.1
    """
    problems = account_problems(account)
    if problems:
        raise ValidationError(problems)


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
        A report with every problem, and each rule skipped for want of its lookup.

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
    return ValidationReport(tuple(problems), tuple(skipped))
