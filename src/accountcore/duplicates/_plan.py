"""
Merge plans: which value wins per field, which conflicts remain, and what would be lost.

`plan_merge` is pure. It reads the survivor, the accounts to merge into it and the user's
choices, and returns a `MergePlan` whose ``result`` previews the merged account. Nothing is
dropped silently: every non-empty value that does not reach the result is listed in
`MergePlan.dropped` (Odoo's merge deleted rows on a uniqueness clash without a word).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from ..entities import (
    Account,
    BankAccount,
    Contact,
    Financial,
    FreeField,
    General,
    Marketing,
    Relations,
    Summary,
)
from ..errors import Problem, ValidationError
from ..identifiers import ChamberOfCommerceNumber, CheckStrength, Identifier, VATNumber, mask
from ._merge import Clash, Conflict, Dropped, MergePlan, render

__all__ = ["IDENTIFIER_PATHS", "plan_merge"]

#: Identifier fields that must agree: two different ones usually mean two companies.
IDENTIFIER_PATHS: tuple[str, ...] = (
    "financial.vat_number",
    "marketing.coc_number",
    "marketing.duns_number",
    "marketing.gln",
)

_SECTIONS: dict[str, type] = {
    "summary": Summary,
    "general": General,
    "marketing": Marketing,
    "relations": Relations,
    "financial": Financial,
}
_FREE = "free_fields."
_BANKS = "financial.bank_accounts"
_RELATIONS = frozenset({"relations.parent", "relations.reseller"})
_COUNTRY_BOUND = frozenset({"marketing.coc_number", "financial.vat_number"})
_EMPTY_CONTACT = Contact()


# --- values -----------------------------------------------------------------------------------


def _is_empty(value: object, blank: object = None) -> bool:
    """None, blank text, an empty contact or free field, or the field's default."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, FreeField):
        return _is_empty(value.value)
    if isinstance(value, Contact):
        return value == _EMPTY_CONTACT
    return blank is not attrs.NOTHING and value == blank


def _key(value: object) -> object:
    """What two values are compared by: an identifier by kind and compact form."""
    if isinstance(value, Identifier):
        return (type(value).__name__, value.compact)
    if isinstance(value, FreeField):
        return (value.kind, _key(value.value))
    return value


def _norm(name: str) -> str:
    """Free fields are matched by name as the card's uniqueness rule matches them."""
    return name.strip().casefold()


def _choice_key(path: str) -> str:
    return _FREE + _norm(path[len(_FREE) :]) if path.startswith(_FREE) else path


# --- the fields a merge decides -----------------------------------------------------------------


@attrs.frozen
class _Slot:
    path: str
    read: Callable[[Account], object]
    blank: object  # the field's default; attrs.NOTHING when it has none


def _default(field: attrs.Attribute[object]) -> object:
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return default.factory()  # type: ignore[attr-defined]
    return default


def _slots() -> tuple[_Slot, ...]:
    """Every scalar field by its dotted path, in an order that decides a field before the
    fields that depend on it (address before identifiers, sector before subsector)."""
    slots = [
        _Slot("name", operator.attrgetter("name"), attrs.NOTHING),
        _Slot("remarks", operator.attrgetter("remarks"), None),
        _Slot("contact", operator.attrgetter("contact"), None),
    ]
    for section, cls in _SECTIONS.items():
        for field in attrs.fields(cls):
            path = f"{section}.{field.name}"
            if path != _BANKS:
                slots.append(_Slot(path, operator.attrgetter(path), _default(field)))
    return tuple(slots)


_SLOTS = _slots()
_SLOT_PATHS = frozenset(slot.path for slot in _SLOTS)


# --- refusals ---------------------------------------------------------------------------------


def _account_problems(
    where: tuple[str | int, ...], account: Account, survivor: Account, seen: set[str]
) -> Iterator[Problem]:
    if account.id is None or not account.id.strip():
        yield Problem((*where, "id"), "required", "An account needs an id to be merged.")
    elif account.id in seen:
        yield Problem((*where, "id"), "duplicate", "This account is already part of the merge.")
    else:
        seen.add(account.id)
    if account.marketing.exclude_from_merging:
        message = "The account is flagged exclude-from-merging."
        yield Problem(
            (*where, "marketing", "exclude_from_merging"), "excluded_from_merging", message
        )
    if account.replaced_by is not None:
        message = "The account was already merged into another account."
        yield Problem((*where, "replaced_by"), "already_merged", message)
    if account.type is not survivor.type:
        message = (
            f"A {account.type.name} account cannot be merged into a {survivor.type.name} "
            "account; change its type first."
        )
        yield Problem((*where, "type"), "type_mismatch", message)


def _choice_problems(
    choices: Mapping[str, str], known: frozenset[str], ids: frozenset[str]
) -> Iterator[Problem]:
    for path, chosen in choices.items():
        if not isinstance(path, str) or _choice_key(path) not in known:
            message = f"There is no field {str(path)[:60]!r} to choose a value for."
            yield Problem(("choices", str(path)[:60]), "invalid_choice", message)
        elif chosen not in ids:
            message = f"Account {str(chosen)[:60]!r} is not part of this merge."
            yield Problem(("choices", path), "invalid_choice", message)


def _refusals(
    accounts: tuple[Account, ...], choices: Mapping[str, str], known: frozenset[str]
) -> list[Problem]:
    survivor, others = accounts[0], accounts[1:]
    problems: list[Problem] = []
    if not others:
        message = "Name at least one account to merge into the survivor."
        problems.append(Problem(("others",), "required", message))
    seen: set[str] = set()
    places = [("survivor",), *(("others", i) for i in range(len(others)))]
    for where, account in zip(places, accounts, strict=True):
        problems += _account_problems(where, account, survivor, seen)
    problems += _choice_problems(choices, known, frozenset(seen))
    return problems


# --- the planner ------------------------------------------------------------------------------


class _Planner:
    """Decides field by field, recording winners, conflicts, clashes and dropped values."""

    def __init__(self, accounts: tuple[Account, ...], choices: Mapping[str, str]) -> None:
        self.accounts = accounts
        self.ids = [str(account.id) for account in accounts]
        self.choices = {_choice_key(path): chosen for path, chosen in choices.items()}
        self.codes = frozenset(account.code.strip().casefold() for account in accounts)
        self.values: dict[str, object] = {}
        self.winners: dict[str, str] = {}
        self.conflicts: list[Conflict] = []
        self.clashes: list[Clash] = []
        self.dropped: list[Dropped] = []

    def admissible(self, path: str, account: Account, value: object) -> bool:
        """Whether ``value`` may stand in the merged account at all."""
        if value is None:
            return True
        if path in _RELATIONS:
            # A link to any account of the merge would point at the survivor itself.
            return str(value).strip().casefold() not in self.codes
        if path == "marketing.subsector":
            sector = self.values["marketing.sector"]
            return sector is not None and _key(account.marketing.sector) == _key(sector)
        if path in _COUNTRY_BOUND and isinstance(value, (VATNumber, ChamberOfCommerceNumber)):
            return self._fits_country(value)
        return True

    def _fits_country(self, value: VATNumber | ChamberOfCommerceNumber) -> bool:
        """Whether from_dict would read the number with the merged account's country."""
        country = self.values["summary.address"].country  # type: ignore[attr-defined]
        if value.country == country:
            return True
        if value.country is None and value.strength is CheckStrength.UNCHECKED:
            return True  # read with identifier checks off: the host checks elsewhere
        return value.is_valid(value.compact, country)

    def decide(self, path: str, values: Sequence[object], blank: object) -> object:
        """Pick the value ``path`` takes; ``values`` holds one per account, survivor first."""
        pairs = list(zip(self.ids, self.accounts, values, strict=True))
        filled = [(aid, value) for aid, _, value in pairs if not _is_empty(value, blank)]
        candidates = [
            (aid, value)
            for aid, account, value in pairs
            if not _is_empty(value, blank) and self.admissible(path, account, value)
        ]
        distinct = {_key(value): (aid, value) for aid, value in reversed(candidates)}
        if path in IDENTIFIER_PATHS and len({_key(value) for _, value in filled}) > 1:
            self.clashes.append(Clash(path, {aid: render(value) for aid, value in filled}))
        chosen = self.choices.get(_choice_key(path))
        if chosen is not None:
            where = self.ids.index(chosen)
            value = self._or_blank(path, where, values[where], blank)
            self.winners[path] = chosen
        elif len(distinct) == 1:
            [(winner, value)] = distinct.values()
            self.winners[path] = winner
        else:
            if distinct:
                shown = {aid: render(value) for aid, value in candidates}
                self.conflicts.append(Conflict(path, shown))
            value = self._or_blank(path, 0, values[0], blank)
        self._drop(path, filled, value, blank)
        self.values[path] = value
        return value

    def _or_blank(self, path: str, where: int, value: object, blank: object) -> object:
        """The account's value, or the field's empty value where it may not stand."""
        return value if self.admissible(path, self.accounts[where], value) else blank

    def _drop(
        self, path: str, filled: list[tuple[str, object]], kept: object, blank: object
    ) -> None:
        kept_key = None if _is_empty(kept, blank) else _key(kept)
        for aid, value in filled:
            if kept_key is None or _key(value) != kept_key:
                self.dropped.append(Dropped(path, aid, render(value)))

    def free_fields(self) -> tuple[FreeField, ...]:
        """Every free field by name; an empty one is kept when no account fills it."""
        spelled: dict[str, str] = {}
        for account in self.accounts:
            for free in account.free_fields:
                spelled.setdefault(_norm(free.name), free.name)
        merged: list[FreeField] = []
        for name, first in spelled.items():
            fields = [
                next((f for f in account.free_fields if _norm(f.name) == name), None)
                for account in self.accounts
            ]
            path = _FREE + first
            value = self.decide(path, fields, None)
            if value is None and _choice_key(path) not in self.choices:
                value = next((f for f in fields if f is not None), None)
            if isinstance(value, FreeField):
                merged.append(value)
        return tuple(merged)

    def bank_accounts(self) -> tuple[BankAccount, ...]:
        """The union of every account's bank accounts, one per IBAN (or number)."""
        merged: dict[object, BankAccount] = {}
        sources: list[tuple[str, int, BankAccount, object]] = []
        main: object = None
        for aid, account in zip(self.ids, self.accounts, strict=True):
            for index, bank in enumerate(account.financial.bank_accounts):
                key = _bank_key(bank)
                sources.append((aid, index, bank, key))
                if bank.main and main is None:
                    main = key
                kept = merged.get(key)
                merged[key] = bank if kept is None else _fill(kept, bank)
        if merged and main is None:
            main = next(iter(merged))
        result = {key: attrs.evolve(bank, main=key == main) for key, bank in merged.items()}
        for aid, index, bank, key in sources:
            for field in attrs.fields(BankAccount):
                value = getattr(bank, field.name)
                if not _is_empty(value, field.default) and _key(value) != _key(
                    getattr(result[key], field.name)
                ):
                    path = f"{_BANKS}.{index}.{field.name}"
                    # A bank number may be the IBAN itself: shown masked, as the IBAN is.
                    shown = mask(value) if field.name == "number" else render(value)
                    self.dropped.append(Dropped(path, aid, shown))
        return tuple(result.values())


def _bank_key(bank: BankAccount) -> object:
    if bank.iban is not None:
        return ("iban", bank.iban.compact)
    if bank.number is not None and bank.number.strip():
        return ("number", "".join(bank.number.split()).upper())
    return ("whole", attrs.evolve(bank, main=False))


def _fill(kept: BankAccount, duplicate: BankAccount) -> BankAccount:
    """Take the BIC and holder a duplicate of the same IBAN adds; never its number or type,
    whose rules depend on each other."""
    return attrs.evolve(
        kept,
        bic=kept.bic if kept.bic is not None else duplicate.bic,
        holder_name=kept.holder_name if not _is_empty(kept.holder_name) else duplicate.holder_name,
    )


def _result(planner: _Planner, survivor: Account) -> Account:
    for slot in _SLOTS:
        planner.decide(slot.path, [slot.read(account) for account in planner.accounts], slot.blank)
    values = planner.values
    changes: dict[str, Any] = {name: values[name] for name in ("name", "remarks", "contact")}
    for section, cls in _SECTIONS.items():
        fields = {
            field.name: values[f"{section}.{field.name}"]
            for field in attrs.fields(cls)
            if f"{section}.{field.name}" in values
        }
        if section == "financial":
            fields["bank_accounts"] = planner.bank_accounts()
        changes[section] = attrs.evolve(getattr(survivor, section), **fields)
    changes["free_fields"] = planner.free_fields()
    return attrs.evolve(survivor, **changes)


def plan_merge(
    survivor: Account, others: Sequence[Account], *, choices: Mapping[str, str] | None = None
) -> MergePlan:
    """
    Plan merging ``others`` into ``survivor``, field by field, without changing anything.

    Each scalar field (by dotted path: ``"name"``, ``"summary.email"``,
    ``"marketing.coc_number"``) takes the one non-empty value the accounts hold, the
    survivor's when they agree; two or more different values are a `Conflict` until
    ``choices`` names the account whose value wins (an empty value may be chosen too).
    ``summary.address`` and ``contact`` are decided whole, so one company's street never
    meets another's city. Free fields are merged by name (``"free_fields.<name>"``). Bank
    accounts are united, one per IBAN (or number), the survivor's main staying main. The
    lifecycle fields (id, code, type, status, their dates, replaced_by) are the survivor's.
    A value equal to its field's default (security level 0, one invoice copy, a yes/no that
    is off) counts as empty; text is compared exactly, identifiers by compact form.

    All accounts must share the survivor's type: merging a Supplier into a Customer would
    silently change what the supplier is (ERPNext merged customers across currencies, #40291);
    change the type first, with its own right.

    Some values cannot stand in the merged account and are dropped (and listed): a parent
    or reseller naming an account of the merge, a subsector of another sector, a VAT or
    Chamber of Commerce number the merged account's country does not accept.

    Args:
        survivor: the account that stays.
        others: the accounts merged into it; of the survivor's type.
        choices: field path -> the id of the account whose value the field takes.

    Returns:
        The plan; ``plan.is_ready`` when no conflict remains.

    Raises:
        ValidationError: every problem at once, at ``("survivor", ...)``,
            ``("others", i, ...)`` or ``("choices", path)``: no others (``required``),
            an account without an id (``required``) or named twice (``duplicate``), one
            flagged exclude-from-merging (``excluded_from_merging``) or already merged
            (``already_merged``), one of another type than the survivor
            (``type_mismatch``), a choice of an unknown field or of an account outside
            the merge (``invalid_choice``).

    .. versionadded:: 0.1
    """
    accounts = (survivor, *others)
    picked = dict(choices or {})
    names = {_FREE + _norm(f.name) for account in accounts for f in account.free_fields}
    problems = _refusals(accounts, picked, _SLOT_PATHS | names)
    if problems:
        raise ValidationError(problems)
    planner = _Planner(accounts, picked)
    result = _result(planner, survivor)
    return MergePlan(
        survivor_id=planner.ids[0],
        other_ids=tuple(planner.ids[1:]),
        result=result,
        winners=planner.winners,
        choices=picked,
        conflicts=tuple(planner.conflicts),
        clashes=tuple(planner.clashes),
        dropped=tuple(planner.dropped),
        base=accounts,
    )
