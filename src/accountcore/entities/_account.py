"""
The `Account` itself, and the checking of every rule of the card that needs no outside data.

`Account.new` checks the account it makes, so the checking lives beside the class: the rules
of the sections and of the account's own fields come from `._rules`, which cannot import the
`Account` class that calls it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, NamedTuple

import attrs

from ..errors import Problem, ValidationError
from ..identifiers import (
    ChamberOfCommerceNumber,
    CheckStrength,
    Identifier,
    VATNumber,
)
from ._card import (
    AccountStatus,
    AccountType,
    Address,
    BankAccount,
    Contact,
    Financial,
    FreeField,
    General,
    Marketing,
    Relations,
    Summary,
)
from ._formats import Failure
from ._rules import (
    ACCOUNT_LIMITS,
    ACCOUNT_OWN_RULES,
    SECTION_CLASS_RULES,
    SECTION_LIMITS,
    WARNING_RULES,
    account_class_problems,
    account_warning_problems,
    field_rules_of,
    not_null,
    section_field_rules,
)

_NO_GENERAL = General()
_NO_MARKETING = Marketing()
_NO_RELATIONS = Relations()
_NO_FINANCIAL = Financial()


@attrs.frozen(kw_only=True, weakref_slot=False)
class Account:
    """
    A company account: lifecycle fields plus one object per card section.

    ``id`` is the host's stable key (``None`` until the host stores the account); ``code`` is
    the unique, user-visible code. ``type``/``status`` change only through the status and
    type-change functions, which also set ``type_since``/``status_since``. ``replaced_by`` is
    the id of the account this one was merged into (``None`` unless it was); only
    `accountcore.duplicates.apply_merge` sets it.

    .. versionadded:: 0.1
    """

    id: str | None = None
    code: str
    name: str
    type: AccountType
    type_since: date
    status: AccountStatus = AccountStatus.ACTIVE
    status_since: date
    replaced_by: str | None = None
    summary: Summary
    general: General = _NO_GENERAL
    remarks: str | None = None
    free_fields: tuple[FreeField, ...] = ()
    contact: Contact | None = None
    marketing: Marketing = _NO_MARKETING
    relations: Relations = _NO_RELATIONS
    financial: Financial = _NO_FINANCIAL

    @property
    def remarks_are_html(self) -> bool:
        """
        Tell whether the remarks are HTML: text holding both ``<`` and ``>``.

        The library stores HTML remarks as given and never renders them; treat them as
        untrusted markup.
        """
        r = self.remarks
        return r is not None and "<" in r and ">" in r

    @classmethod
    def new(
        cls,
        *,
        code: str,
        name: str,
        type: AccountType,
        address: Address,
        on: date,
        id: str | None = None,
        summary: Summary | None = None,
        general: General = _NO_GENERAL,
        remarks: str | None = None,
        free_fields: tuple[FreeField, ...] = (),
        contact: Contact | None = None,
        marketing: Marketing = _NO_MARKETING,
        relations: Relations = _NO_RELATIONS,
        financial: Financial = _NO_FINANCIAL,
    ) -> Account:
        """
        Create a new, Active account whose type and status take effect ``on`` that date.

        ``address`` is placed in the summary (``summary``, when given, supplies the rest of
        that section). The code is trimmed. Every rule that needs no outside data is checked.

        Raises:
            ValidationError: listing every problem found.
        """
        summary = attrs.evolve(summary, address=address) if summary else Summary(address=address)
        account = cls(
            id=id,
            code=code.strip(),
            name=name,
            type=type,
            type_since=on,
            status_since=on,
            summary=summary,
            general=general,
            remarks=remarks,
            free_fields=free_fields,
            contact=contact,
            marketing=marketing,
            relations=relations,
            financial=financial,
        )
        check_account(account)
        return account


# --- the card's own rules, filed by class ----------------------------------------------------

Path = tuple[str | int, ...]

_LIMITS = {Account: ACCOUNT_LIMITS, **SECTION_LIMITS}
#: class -> text field -> the longest text it takes, in characters, where it is not
#: `DEFAULT_MAX_LENGTH`.
MAX_LENGTHS: Mapping[type, Mapping[str, int]] = MappingProxyType(
    {cls: limits.lengths for cls, limits in _LIMITS.items() if limits.lengths}
)
#: class -> integer field -> the lowest and highest value it takes.
INT_RANGES: Mapping[type, Mapping[str, tuple[int, int]]] = MappingProxyType(
    {cls: limits.ranges for cls, limits in _LIMITS.items() if limits.ranges}
)
#: class -> list field -> the most items it holds.
MAX_ITEMS: Mapping[type, Mapping[str, int]] = MappingProxyType(
    {cls: limits.items for cls, limits in _LIMITS.items() if limits.items}
)


class Tables(NamedTuple):
    """The card's own rules, by class: built on first use, so `import accountcore` stays light."""

    #: class -> field -> rule, for every text, integer and list field of the card.
    field_rules: Mapping[type, Mapping[str, Callable[[Any], Failure | None]]]
    #: class -> the rule relating the fields of one object, with paths relative to it.
    class_rules: Mapping[type, Callable[[Any], Iterator[Problem]]]
    #: class -> the ruled fields that must not be null (an account built in Python may hold
    #: None there; one read from a record cannot).
    not_null: Mapping[type, frozenset[str]]


@functools.cache
def tables() -> Tables:
    """The card's own rules, by class."""
    own = field_rules_of(Account, ACCOUNT_LIMITS, ACCOUNT_OWN_RULES)
    field_rules = MappingProxyType({Account: MappingProxyType(own), **section_field_rules()})
    return Tables(
        field_rules=field_rules,
        class_rules=MappingProxyType({Account: account_class_problems, **SECTION_CLASS_RULES}),
        not_null=MappingProxyType({cls: not_null(cls, r) for cls, r in field_rules.items()}),
    )


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
    rules = tables()
    not_null = rules.not_null.get(type(obj), frozenset())
    for name, rule in rules.field_rules.get(type(obj), {}).items():
        value = getattr(obj, name)
        if value is None:
            if name in not_null:
                yield Problem((*path, name), "required", "This field is required.")
        elif (failure := rule(value)) is not None:
            yield Problem((*path, name), *failure)
    class_rule = rules.class_rules.get(type(obj))
    if class_rule is not None:
        for problem in class_rule(obj):
            yield problem.prefixed(path)


def _unchecked_identifiers(account: Account) -> Iterator[Problem]:
    """Identifiers left unchecked although a rule for them is known: a weaker check than usual."""
    marketing, financial = account.marketing, account.financial
    places: list[tuple[Path, str, Identifier | None]] = [
        (("marketing", "coc_number"), "Chamber of Commerce number", marketing.coc_number),
        (("marketing", "duns_number"), "D-U-N-S number", marketing.duns_number),
        (("marketing", "gln"), "GLN", marketing.gln),
        (("financial", "vat_number"), "VAT number", financial.vat_number),
    ]
    for i, bank in enumerate(financial.bank_accounts):
        where = ("financial", "bank_accounts", i)
        places += [((*where, "iban"), "IBAN", bank.iban), ((*where, "bic"), "BIC", bank.bic)]
    unchecked = CheckStrength.UNCHECKED
    for path, kind, value in places:
        if (
            value is not None
            and value.strength is unchecked
            and _rule_known(value, account.summary.address.country)
        ):
            message = f"The {kind} was not checked, though a rule for it is known."
            yield Problem(path, "identifier_unchecked", message)


def _rule_known(value: Identifier, country: str) -> bool:
    """Tell whether a rule checks ``value`` (for national numbers, with the account's country)."""
    national = isinstance(value, (VATNumber, ChamberOfCommerceNumber))
    try:
        checked = (
            type(value).parse(value.compact, value.country or country)  # type: ignore[call-arg,attr-defined]
            if national
            else type(value).parse(value.compact)
        )
    except ValidationError:
        return True  # a rule is known, and the value fails it
    return checked.strength is not CheckStrength.UNCHECKED


def account_warnings(account: Account, *, identifiers: bool = True) -> list[Problem]:
    """
    List the warnings about ``account``: things worth knowing that leave it valid.

    Args:
        account: the account.
        identifiers: ``False`` leaves out the warnings that an identifier was not checked
            although a rule for it is known (for accounts read with
            ``check_identifiers=False``, whose identifiers all are unchecked).

    .. versionadded:: 0.2
    """
    found = list(account_warning_problems(account))
    bank_rule = WARNING_RULES[BankAccount]
    for i, bank in enumerate(account.financial.bank_accounts):
        found += [p.prefixed(("financial", "bank_accounts", i)) for p in bank_rule(bank)]
    if identifiers:
        found += _unchecked_identifiers(account)
    return found


def account_problems(account: Account) -> list[Problem]:
    """
    List every problem with ``account`` that needs no outside data; empty when it has none.

    Errors come first, then warnings (`accountcore.Problem.severity` tells them apart).

    .. versionadded:: 0.2
    """
    errors = [p for obj, path in _objects(account) for p in _object_problems(obj, path)]
    return errors + account_warnings(account)


def check_account(account: Account) -> tuple[Problem, ...]:
    """
    Check every rule of the card that needs no outside data.

    Returns:
        The warnings: problems worth knowing that leave the account valid (empty when none).

    Raises:
        ValidationError: listing every error found (and, in ``warnings``, the warnings).

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       Returns the warnings.
    """
    problems = account_problems(account)
    if any(not p.is_warning for p in problems):
        raise ValidationError(problems)
    return tuple(problems)
