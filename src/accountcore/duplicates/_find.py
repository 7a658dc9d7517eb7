"""
Find duplicate candidates: file accounts under their keys, score pairs within each key's
block, and join the pairs that reach the threshold into groups.

The input is read once and only ids and key texts are kept, so memory grows with the keys
of the accounts, not with the accounts; pairs come only from accounts sharing a key, so
the work grows with the blocks' sizes, not with the square of the input.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import attrs

from ..entities import Account
from ..errors import Problem, ValidationError
from ._keys import Reason, account_keys

__all__ = ["Candidate", "CandidateGroup", "DuplicateReport", "find_duplicates"]

_REASONS = tuple(Reason)
_BITS = {reason: 1 << position for position, reason in enumerate(_REASONS)}
_REASONS_OF = tuple(
    frozenset(reason for reason in _REASONS if mask & _BITS[reason])
    for mask in range(1 << len(_REASONS))
)
#: Score per reason mask; rounded so that, say, name and postcode alone score exactly 0.6.
_SCORES = tuple(
    round(1 - math.prod(1 - reason.weight for reason in reasons), 6) for reasons in _REASONS_OF
)

#: Key text -> the number of the one account holding it, or of every account holding it.
_Table = dict[str, "int | list[int]"]


@attrs.frozen
class Candidate:
    """
    Two accounts that may be the same company, and why.

    Args:
        a: the lower of the two account ids (ids compare as text).
        b: the higher one.
        score: ``1 - Π(1 - weight)`` over ``reasons``, rounded to six decimals.
        reasons: every reason the two share (never the shared values themselves).

    .. versionadded:: 0.1
    """

    a: str
    b: str
    score: float
    reasons: frozenset[Reason]


@attrs.frozen
class CandidateGroup:
    """
    Accounts joined, directly or through each other, by pairs reaching the threshold.

    Args:
        account_ids: the ids, sorted.
        score: the best pair's score.
        pairs: the pairs that reached the threshold, best first, then by ids.

    .. versionadded:: 0.1
    """

    account_ids: tuple[str, ...]
    score: float
    pairs: tuple[Candidate, ...]

    @property
    def reasons(self) -> frozenset[Reason]:
        """
        Every reason any of the group's pairs has.
        """
        return frozenset().union(*(pair.reasons for pair in self.pairs))


@attrs.frozen
class DuplicateReport:
    """
    The result of one deduplication run.

    Args:
        groups: the candidate groups, best score first, then by their sorted ids.
        skipped_blocks: one ``(reason, size)`` per block of more than ``max_block`` accounts
            sharing one key, in `Reason` order, largest first; such a block forms no pairs
            (the key itself is not reported).
        accounts: how many accounts were read.
        excluded: how many of them were left out: flagged ``exclude_from_merging``, or
            already merged into another (``replaced_by`` set).

    .. versionadded:: 0.1
    """

    groups: tuple[CandidateGroup, ...]
    skipped_blocks: tuple[tuple[Reason, int], ...]
    accounts: int
    excluded: int


def find_duplicates(
    accounts: Iterable[Account], *, threshold: float = 0.6, max_block: int = 50
) -> DuplicateReport:
    """
    Propose groups of accounts that may be the same company, with scores and reasons.

    Every account is filed under its keys (see `Reason` and the table of weights there);
    accounts sharing a key form a block, and every pair within a block gets that key's
    reason. A pair scores ``1 - Π(1 - weight)`` over its distinct reasons; pairs scoring at
    least ``threshold`` join their accounts, and each connected set of accounts is a group.
    A block of more than ``max_block`` accounts (a group's shared email domain, a payment
    provider's IBAN) forms no pairs and is reported in `DuplicateReport.skipped_blocks`; its
    reason still counts for pairs another block forms. Accounts flagged
    ``marketing.exclude_from_merging`` are left out entirely: never in a group, never a link
    between two others; so are accounts already merged into another (``replaced_by`` set).
    The input is iterated once and may be a generator.

    >>> from datetime import date
    >>> from accountcore import Account, AccountType, Address
    >>> def make(id, name):
    ...     address = Address(line1="Damrak 1", postcode="1012 LG", city="Amsterdam",
    ...                       country="NL")
    ...     return Account.new(id=id, code=id, name=name, type=AccountType.CUSTOMER,
    ...                        address=address, on=date(2024, 1, 1))
    >>> report = find_duplicates([make("1", "Acme B.V."), make("2", "ACME bv"),
    ...                           make("3", "Other")])
    >>> [(g.account_ids, g.score, sorted(r.value for r in g.reasons)) for g in report.groups]
    [(('1', '2'), 0.6, ['name_and_postcode'])]

    Args:
        accounts: the accounts; each needs an ``id``, unique among them.
        threshold: the lowest pair score that joins two accounts, above 0 and at most 1.
        max_block: the largest block that still forms pairs, at least 2.

    Returns:
        The report; its groups come in an order that does not depend on the input's order.

    Raises:
        ValidationError: every problem of the input at once: an item that is not an
            `Account` (path ``(index,)``, code ``invalid_type``), an account without an id
            (``(index, "id")``, ``required``) or with one an earlier account has
            (``duplicate``); or a ``threshold`` or ``max_block`` of the wrong type
            (``invalid_type``) or out of range (``out_of_range``), checked first.

    .. versionadded:: 0.1
    """
    _check_settings(threshold, max_block)
    tables: dict[Reason, _Table] = {reason: {} for reason in _REASONS}
    ids, excluded, problems = _read(accounts, tables)
    if problems:
        raise ValidationError(problems)
    count = len(ids)
    pairs, skipped = _pair(tables, max_block, count)
    del tables
    groups = _group(pairs, ids, threshold)
    order = {reason: position for position, reason in enumerate(_REASONS)}
    skipped.sort(key=lambda block: (order[block[0]], -block[1]))
    return DuplicateReport(tuple(groups), tuple(skipped), count + excluded, excluded)


def _check_settings(threshold: object, max_block: object) -> None:
    problems = []
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        message = f"The threshold must be a number, not {type(threshold).__name__}."
        problems.append(Problem(("threshold",), "invalid_type", message))
    elif not 0 < threshold <= 1:
        message = "The threshold must be above 0 and at most 1."
        problems.append(Problem(("threshold",), "out_of_range", message))
    if isinstance(max_block, bool) or not isinstance(max_block, int):
        message = f"The largest block must be a whole number, not {type(max_block).__name__}."
        problems.append(Problem(("max_block",), "invalid_type", message))
    elif max_block < 2:
        message = "The largest block must hold at least 2 accounts."
        problems.append(Problem(("max_block",), "out_of_range", message))
    if problems:
        raise ValidationError(problems)


def _read(
    accounts: Iterable[object], tables: dict[Reason, _Table]
) -> tuple[list[str], int, list[Problem]]:
    """File every account's keys in ``tables``; return the ids, the excluded count, problems."""
    ids: list[str] = []
    seen: set[str] = set()
    problems: list[Problem] = []
    excluded = 0
    for position, account in enumerate(accounts):
        if not isinstance(account, Account):
            problems.append(_not_an_account(position, account))
            continue
        account_id = account.id
        if not isinstance(account_id, str) or not account_id.strip():
            problems.append(_bad_id(position, account_id))
            continue
        if account_id in seen:
            message = "An earlier account has the same id."
            problems.append(Problem((position, "id"), "duplicate", message))
            continue
        seen.add(account_id)
        try:
            if account.marketing.exclude_from_merging or account.replaced_by is not None:
                excluded += 1
                continue
            keys = account_keys(account)
        except (AttributeError, TypeError):  # a section of the wrong type, built by hand
            problems.append(_not_an_account(position, account))
            continue
        if problems:  # the run will fail; keep checking, stop filing
            continue
        number = len(ids)
        ids.append(account_id)
        for reason, key in keys:
            table = tables[reason]
            held = table.get(key)
            if held is None:
                table[key] = number
            elif type(held) is int:
                table[key] = [held, number]
            else:
                held.append(number)  # type: ignore[union-attr]
    return ids, excluded, problems


def _not_an_account(position: int, item: object) -> Problem:
    kind = type(item).__name__
    message = f"Item {position} is not an Account (a {kind}, or one with a malformed section)."
    return Problem((position,), "invalid_type", message)


def _bad_id(position: int, account_id: object) -> Problem:
    if account_id is None or isinstance(account_id, str):
        return Problem((position, "id"), "required", "The account has no id.")
    message = f"The account's id must be text, not {type(account_id).__name__}."
    return Problem((position, "id"), "invalid_type", message)


def _pair(
    tables: dict[Reason, _Table], max_block: int, count: int
) -> tuple[dict[int, int], list[tuple[Reason, int]]]:
    """
    Return every pair sharing a block, as ``a * count + b`` -> reason mask, and the skipped.
    """
    pairs: dict[int, int] = {}
    skipped: list[tuple[Reason, int]] = []
    oversized: dict[int, list[int]] = {}  # account number -> its skipped blocks' positions
    for reason, table in tables.items():
        bit = _BITS[reason]
        for members in table.values():
            if type(members) is int:
                continue
            assert isinstance(members, list)
            if len(members) > max_block:
                for number in members:
                    oversized.setdefault(number, []).append(len(skipped))
                skipped.append((reason, len(members)))
                continue
            get = pairs.get
            for position, a in enumerate(members, start=1):
                base = a * count
                for b in members[position:]:  # numbers grow, so a < b
                    key = base + b
                    pairs[key] = get(key, 0) | bit
    if oversized:
        _add_skipped_reasons(pairs, skipped, oversized, count)
    return pairs, skipped


def _add_skipped_reasons(
    pairs: dict[int, int],
    skipped: list[tuple[Reason, int]],
    oversized: dict[int, list[int]],
    count: int,
) -> None:
    """Give each pair the reasons of the skipped blocks both its accounts are in."""
    for key in pairs:
        a, b = divmod(key, count)
        if a in oversized and b in oversized:
            for block in set(oversized[a]).intersection(oversized[b]):
                pairs[key] |= _BITS[skipped[block][0]]


def _group(pairs: dict[int, int], ids: list[str], threshold: float) -> list[CandidateGroup]:
    """Join the pairs reaching ``threshold`` into connected groups, in the report's order."""
    count = len(ids)
    parent: dict[int, int] = {}

    def root(number: int) -> int:
        while (up := parent.get(number, number)) != number:
            parent[number] = parent.get(up, up)  # path halving
            number = up
        return number

    joined = [(key, mask) for key, mask in pairs.items() if _SCORES[mask] >= threshold]
    for key, _ in joined:
        a, b = root(key // count), root(key % count)
        if a != b:
            parent[max(a, b)] = min(a, b)
    members: dict[int, set[str]] = {}
    candidates: dict[int, list[Candidate]] = {}
    for key, mask in joined:
        a, b = divmod(key, count)
        group = root(a)
        members.setdefault(group, set()).update((ids[a], ids[b]))
        first, second = sorted((ids[a], ids[b]))
        pair = Candidate(first, second, _SCORES[mask], _REASONS_OF[mask])
        candidates.setdefault(group, []).append(pair)
    groups = []
    for group, pairs_of in candidates.items():
        pairs_of.sort(key=lambda pair: (-pair.score, pair.a, pair.b))
        account_ids = tuple(sorted(members[group]))
        groups.append(CandidateGroup(account_ids, pairs_of[0].score, tuple(pairs_of)))
    groups.sort(key=lambda group: (-group.score, group.account_ids))
    return groups
