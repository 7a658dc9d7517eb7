"""
Initial reconciliation: adopt the customers an accounting system already holds.

The rule book (docs/rules.md#non-empty-systems): the first connection to a system that
already holds customers links a record with our account key, or else the same VAT number,
Chamber of Commerce number or code, instead of creating it again; an ambiguous match is
reported, never guessed. `reconcile` is pure (no I/O, clock or randomness); the host applies
`Reconciliation.record` to its outbox. ADR 0021 records the rules.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from typing import TypeAlias

import attrs

from ..entities import Account, check_account
from ..errors import Problem, ValidationError
from ._model import Link, RemoteAccount
from ._ports import Record

__all__ = [
    "Ambiguous",
    "LinkMismatch",
    "Match",
    "MatchBasis",
    "Reconciliation",
    "import_remote",
    "match_remote",
    "reconcile",
]


class MatchBasis(enum.Enum):
    """
    Why a local account and a remote record are one customer, strongest first.

    .. versionadded:: 0.2
    """

    ACCOUNT_KEY = "account_key"  #: the record carries our account key
    VAT_NUMBER = "vat_number"  #: the same VAT number (compact, with its country prefix)
    COC_NUMBER = "coc_number"  #: the same Chamber of Commerce number in the same country
    CODE = "code"  #: the same account code (trimmed, case-insensitive)


@attrs.frozen(kw_only=True)
class Match:
    """
    A local account and the one remote record that is its customer.

    .. versionadded:: 0.2
    """

    account_key: str
    external_id: str
    basis: MatchBasis
    version: str | None = None

    @property
    def link(self) -> Link:
        """
        Return the outbox link this match records.
        """
        return Link(
            account_key=self.account_key, external_id=self.external_id, version=self.version
        )


@attrs.frozen(kw_only=True)
class Ambiguous:
    """
    A local account that is not linked because its match is not certain.

    Args:
        account_key: the account.
        basis: the basis that found candidates (weaker bases were not tried).
        candidates: the remote records found on that basis, sorted.
        rivals: the other accounts (sorted keys) that claim one of the candidates, by a
            match or by an outbox link; empty when the account found several candidates alone.

    .. versionadded:: 0.2
    """

    account_key: str
    basis: MatchBasis
    candidates: tuple[str, ...]
    rivals: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class LinkMismatch:
    """
    A linked account whose link the remote records contradict; it is left as it is.

    The linked record ``external_id`` is missing from the remote records, or carries another
    account key, or another record carries this account's key (``candidates``: every record
    that carries it, sorted).

    .. versionadded:: 0.2
    """

    account_key: str
    external_id: str
    candidates: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Reconciliation:
    """
    Where each local account and each remote record stands; every local account is in exactly
    one of ``matched``, ``already_linked``, ``link_mismatch``, ``to_create`` and ``ambiguous``.

    Args:
        matched: accounts linked to one record by `record` (input order of the accounts).
        already_linked: keys of accounts whose link names a record that is present and agrees.
        link_mismatch: linked accounts that the remote records contradict.
        to_create: keys of accounts without a link or any candidate; sync creates them.
        ambiguous: accounts with several candidates, or a candidate another account claims.
        remote_only: records no account matched, links or is ambiguous about (sorted ids);
            `import_remote` turns one into a local account.

    .. versionadded:: 0.2
    """

    matched: tuple[Match, ...] = ()
    already_linked: tuple[str, ...] = ()
    link_mismatch: tuple[LinkMismatch, ...] = ()
    to_create: tuple[str, ...] = ()
    ambiguous: tuple[Ambiguous, ...] = ()
    remote_only: tuple[str, ...] = ()

    def record(self, *, bases: Iterable[MatchBasis] | None = None) -> Record:
        """
        Return the outbox record that links the matched accounts; apply it atomically.

        Args:
            bases: link only the matches found on these bases (say, leave code matches for a
                person to confirm); every basis when left out.

        Raises:
            ValidationError: when ``bases`` holds something that is not a `MatchBasis`.
        """
        chosen = set(MatchBasis) if bases is None else set(_bases(bases))
        return Record(links=tuple(m.link for m in self.matched if m.basis in chosen))


def _bases(bases: object) -> list[MatchBasis]:
    if not isinstance(bases, Iterable) or isinstance(bases, (str, bytes)):
        message = "bases must be an iterable of MatchBasis values."
        raise ValidationError([Problem(("bases",), "invalid_type", message)])
    items = list(bases)
    wrong = [
        Problem(("bases", i), "invalid_choice", "A basis must be a MatchBasis.")
        for i, basis in enumerate(items)
        if not isinstance(basis, MatchBasis)
    ]
    if wrong:
        raise ValidationError(wrong)
    return items


# --- the keys records are compared by --------------------------------------------------------

Path = tuple[str | int, ...]
#: An account's VAT, Chamber of Commerce and code keys; None where it has none.
_Keys = tuple["str | None", "str | None", "str | None"]
#: One external id, or several: a table holds a tuple only where ids collide.
_Hit: TypeAlias = "str | tuple[str, ...]"
_WEAKER = (MatchBasis.VAT_NUMBER, MatchBasis.COC_NUMBER, MatchBasis.CODE)
_SEPARATORS = re.compile(r"[\s.\-/]+")


def _keys(account: Account) -> _Keys:
    """
    Return the VAT, Chamber of Commerce and code keys of ``account`` (ADR 0021).

    Identifiers lose spaces and ``. - /`` and their case. VAT: with its country prefix (the
    account's country for a number without one, as `VATNumber.parse` reads it), ``XI`` as
    ``GB``. Chamber of Commerce: its country (its own, else the account's) before it. Code:
    trimmed and case-folded as `normalise_code` does; leading zeros count.
    """
    vat, coc, code = account.financial.vat_number, account.marketing.coc_number, account.code
    vat_key = coc_key = None
    if vat is not None:
        compact = vat.compact if vat.compact.isalnum() else _SEPARATORS.sub("", vat.compact)
        if compact and vat.country is None and not compact[:2].isalpha():
            compact = account.summary.address.country.strip() + compact
        compact = compact.upper()
        vat_key = ("GB" + compact[2:] if compact.startswith("XI") else compact) or None
    if coc is not None:
        compact = coc.compact if coc.compact.isalnum() else _SEPARATORS.sub("", coc.compact)
        country = coc.country or account.summary.address.country.strip()
        coc_key = f"{country.upper()} {compact.casefold()}" if compact else None
    code_key = code.strip().casefold() if isinstance(code, str) else None  # normalise_code
    return vat_key, coc_key, code_key or None


def _checked_keys(account: object, path: Path, problems: list[Problem]) -> _Keys | None:
    if not isinstance(account, Account):
        problems.append(Problem(path, "invalid_type", "An account must be an Account."))
        return None
    try:
        return _keys(account)
    except (AttributeError, TypeError):  # an Account built around the wrong values
        message = "The account does not hold the sections and values an Account holds."
        problems.append(Problem(path, "invalid_type", message))
        return None


def _key_of(account: object, path: Path, problems: list[Problem]) -> str | None:
    """Return the account's key, or None after adding its problem."""
    key = getattr(account, "id", None) if isinstance(account, Account) else None
    if isinstance(key, str) and key.strip():
        return key
    if not isinstance(account, Account):
        problems.append(Problem(path, "invalid_type", "An account must be an Account."))
    else:
        code = "required" if key is None or isinstance(key, str) else "invalid_type"
        message = "The account needs its account key as its id."
        problems.append(Problem((*path, "id"), code, message))
    return None


def _many(values: object, name: str, problems: list[Problem]) -> list[object]:
    if isinstance(values, Iterable) and not isinstance(values, (str, bytes, Mapping)):
        return list(values)
    problems.append(Problem((name,), "invalid_type", f"{name} must be an iterable."))
    return []


def _carried(record: RemoteAccount) -> str | None:
    """The account key a record carries; a blank one is none."""
    key = record.account_key
    return key if key and key.strip() else None


def _ids(hit: _Hit) -> tuple[str, ...]:
    return (hit,) if isinstance(hit, str) else hit


def _add(table: dict[str, _Hit], value: str, ext: str) -> None:
    old = table.get(value)
    table[value] = ext if old is None else (*_ids(old), ext)


@attrs.define
class _Index:
    """The remote records by id, and their ids by each basis (identifiers of keyless ones)."""

    records: dict[str, RemoteAccount] = attrs.Factory(dict)
    by_key: dict[str, _Hit] = attrs.Factory(dict)
    by_weaker: tuple[dict[str, _Hit], ...] = attrs.Factory(lambda: ({}, {}, {}))

    def find(
        self, key: str, account: Account, path: Path, problems: list[Problem]
    ) -> tuple[MatchBasis, _Hit] | None:
        """Return the deciding basis of an account and its candidates there, or None."""
        found = self.by_key.get(key)
        if found is not None:
            return MatchBasis.ACCOUNT_KEY, found
        keys = _checked_keys(account, path, problems)  # only now: most accounts need none
        for basis, value, table in zip(_WEAKER, keys or (), self.by_weaker, strict=False):
            if value is not None and (found := table.get(value)) is not None:
                return basis, found
        return None


def _index(remote: object, name: str, problems: list[Problem]) -> _Index:
    index = _Index()
    records, by_key, by_weaker = index.records, index.by_key, index.by_weaker
    for j, record in enumerate(_many(remote, name, problems)):
        path: Path = (name, j)
        if not isinstance(record, RemoteAccount):
            problems.append(Problem(path, "invalid_type", "A record must be a RemoteAccount."))
            continue
        ext, key, start = record.external_id, record.account_key, len(problems)
        if not isinstance(ext, str) or not ext.strip():
            message = "A record needs its external id as text."
            problems.append(Problem((*path, "external_id"), "required", message))
        elif ext in records:
            message = "Another record has this external id."
            problems.append(Problem((*path, "external_id"), "duplicate", message))
        if key is not None and not isinstance(key, str):
            message = "A record's account key must be text or None."
            problems.append(Problem((*path, "account_key"), "invalid_type", message))
        snapshot = record.snapshot
        if not isinstance(snapshot, Account):
            message = "A record's snapshot must be an Account."
            problems.append(Problem((*path, "snapshot"), "invalid_type", message))
        if len(problems) > start:
            continue
        records[ext] = record
        if key and key.strip():  # the record belongs to that account alone
            _add(by_key, key, ext)
            continue
        keys = _checked_keys(snapshot, (*path, "snapshot"), problems)
        for value, table in zip(keys or (), by_weaker, strict=False):
            if value is not None:
                _add(table, value, ext)
    return index


def _links(links: object, problems: list[Problem]) -> dict[str, str]:
    """Return the linked record of each account (by key) that has one."""
    if links is None:
        return {}
    if not isinstance(links, Mapping):
        problems.append(Problem(("links",), "invalid_type", "links must be a mapping."))
        return {}
    linked: dict[str, str] = {}
    owned: set[str] = set()
    for key, link in links.items():
        path: Path = ("links", key) if isinstance(key, str) else ("links",)
        if not isinstance(key, str) or not isinstance(link, Link):
            message = "links must map account keys (text) to Link values."
            problems.append(Problem(path, "invalid_type", message))
            continue
        if link.account_key != key:
            message = "The link is filed under another account key than its own."
            problems.append(Problem((*path, "account_key"), "invalid_choice", message))
        ext = link.external_id
        if ext is not None and (not isinstance(ext, str) or not ext.strip()):
            message = "A link's external id must be text."
            problems.append(Problem((*path, "external_id"), "invalid_type", message))
        elif ext in owned:
            message = "Another link names the same remote record."
            problems.append(Problem((*path, "external_id"), "duplicate", message))
        elif ext is not None:
            owned.add(ext)
            linked[key] = ext
    return linked


# --- the three functions ---------------------------------------------------------------------


def _mismatch(key: str, ext: str, index: _Index) -> LinkMismatch | None:
    """Tell whether the remote records contradict the link of ``key`` to ``ext``."""
    carriers = _ids(index.by_key.get(key, ()))
    record = index.records.get(ext)
    if record is None or _carried(record) not in (None, key) or carriers not in ((), (ext,)):
        return LinkMismatch(account_key=key, external_id=ext, candidates=tuple(sorted(carriers)))
    return None


def reconcile(
    accounts: Iterable[Account],
    remote: Iterable[RemoteAccount],
    *,
    links: Mapping[str, Link] | None = None,
) -> Reconciliation:
    """
    Match local accounts to the customer records an accounting system already holds.

    An account without a link is matched on the first basis that finds any candidate: our
    account key, else the VAT number, else the Chamber of Commerce number, else the code
    (`MatchBasis`). A record that carries another account key is a candidate by that key
    alone. The account is ambiguous, and not linked, when its deciding basis finds several
    records, or when another account claims one of them (by its deciding basis or a link).

    Args:
        accounts: the local accounts; ``account.id`` is the account key.
        remote: every customer record of the system (a linked record missing is reported).
        links: the links the outbox holds, by account key.

    Returns:
        The `Reconciliation`: in the order of ``accounts``, the same for any order of
        ``remote``.

    Raises:
        ValidationError: every broken input, with its path: an account that is not an
            `Account` or has no id, two accounts with one key (``duplicate``), a record that
            is not a `RemoteAccount`, two records with one external id, a malformed link.

    .. versionadded:: 0.2
    """
    problems: list[Problem] = []
    later: list[Problem] = []  # the records' and links' problems, reported after the accounts'
    index = _index(remote, "remote", later)
    linked = _links(links, later)
    decided = _decide(accounts, index, linked, problems)
    if problems or later:
        raise ValidationError(problems + later)
    return _outcome(decided, index, linked)


@attrs.define
class _Pass:
    """
    Each account's deciding basis and candidates, in parallel lists (a tuple per account
    would cost the garbage collector dearly on a large heap), and who claims each record.
    """

    order: list[str] = attrs.Factory(list)
    bases: list[MatchBasis | None] = attrs.Factory(list)  # None: linked, or no candidate
    hits: list[_Hit] = attrs.Factory(list)
    claimant: dict[str, str] = attrs.Factory(dict)  # a record -> the first account claiming it
    contested: dict[str, list[str]] = attrs.Factory(dict)  # -> every claimant, when several


def _decide(
    accounts: object, index: _Index, linked: dict[str, str], problems: list[Problem]
) -> _Pass:
    decided, seen = _Pass(), set[str]()
    claimant, contested = decided.claimant, decided.contested
    for i, account in enumerate(_many(accounts, "accounts", problems)):
        path: Path = ("accounts", i)
        key = _key_of(account, path, problems)
        if key is None or not isinstance(account, Account):  # _key_of reported it
            continue
        if key in seen:
            message = "Another account has the same id."
            problems.append(Problem((*path, "id"), "duplicate", message))
            continue
        seen.add(key)
        found = None if key in linked else index.find(key, account, path, problems)
        decided.order.append(key)
        decided.bases.append(None if found is None else found[0])
        decided.hits.append("" if found is None else found[1])
        for ext in () if found is None else _ids(found[1]):
            first = claimant.setdefault(ext, key)
            if first != key:
                contested.setdefault(ext, [first]).append(key)
    return decided


def _outcome(decided: _Pass, index: _Index, linked: dict[str, str]) -> Reconciliation:
    owner = {ext: key for key, ext in linked.items()}
    matched: list[Match] = []
    ambiguous: list[Ambiguous] = []
    already: list[str] = []
    mismatches: list[LinkMismatch] = []
    to_create: list[str] = []
    records, contested = index.records, decided.contested
    for key, basis, hit in zip(decided.order, decided.bases, decided.hits, strict=True):
        if basis is None:
            ext = linked.get(key)
            mismatch = None if ext is None else _mismatch(key, ext, index)
            if mismatch is not None:
                mismatches.append(mismatch)
            else:
                (to_create if ext is None else already).append(key)
        elif isinstance(hit, str) and hit not in contested and hit not in owner:
            version = records[hit].version
            matched.append(Match(account_key=key, external_id=hit, basis=basis, version=version))
        else:
            ids = _ids(hit)
            rivals = {k for c in ids for k in contested.get(c, ()) if k != key}
            rivals.update(owner[c] for c in ids if c in owner)
            ambiguous.append(Ambiguous(account_key=key, basis=basis,
                                       candidates=tuple(sorted(ids)),
                                       rivals=tuple(sorted(rivals))))  # fmt: skip
    spoken_for = set(owner).union(decided.claimant, *(m.candidates for m in mismatches))
    return Reconciliation(
        matched=tuple(matched),
        already_linked=tuple(already),
        link_mismatch=tuple(mismatches),
        to_create=tuple(to_create),
        ambiguous=tuple(ambiguous),
        remote_only=tuple(sorted(records.keys() - spoken_for)),
    )


def match_remote(account: Account, candidates: Iterable[RemoteAccount]) -> Match | Ambiguous | None:
    """
    Match one account against some remote records, on the bases `reconcile` uses.

    For adoption: a create that meets its key or code taken looks among the records the
    system returns. ``reconcile([account], candidates)`` agrees with it.

    Returns:
        The `Match`; an `Ambiguous` when the deciding basis finds several records; ``None``
        when no basis finds any.

    Raises:
        ValidationError: ``account`` not an `Account` with an id, or bad ``candidates`` (as
            for `reconcile`'s ``remote``).

    .. versionadded:: 0.2
    """
    problems: list[Problem] = []
    key = _key_of(account, ("account",), problems)
    later: list[Problem] = []
    index = _index(candidates, "candidates", later)
    found = None if key is None else index.find(key, account, ("account",), problems)
    if problems or later or key is None:
        raise ValidationError(problems + later)
    if found is None:
        return None
    basis, hit = found
    if not isinstance(hit, str):
        return Ambiguous(account_key=key, basis=basis, candidates=tuple(sorted(hit)))
    return Match(account_key=key, external_id=hit, basis=basis, version=index.records[hit].version)


def import_remote(remote: RemoteAccount, account_key: str) -> tuple[Account, Link]:
    """
    Turn a remote-only record into a local account under ``account_key``, with its link.

    The account is the record's snapshot with ``id`` set to ``account_key`` and its code
    trimmed (as `accountcore.from_dict` trims it; Exact Online pads codes with spaces),
    checked as `accountcore.check_account` checks any account. The host stores the account
    and records the link (``Record(links=(link,))``) in one transaction.

    Raises:
        ValidationError: every problem, with its path: a blank ``account_key``; ``remote``
            not a `RemoteAccount` with an external id and an `Account` snapshot; a record
            that carries another account key (``snapshot_mismatch``); the rules the snapshot
            breaks, under ``remote.snapshot``.

    .. versionadded:: 0.2
    """
    problems: list[Problem] = []
    if not isinstance(account_key, str) or not account_key.strip():
        problems.append(Problem(("account_key",), "required", "The account key must be text."))
    if not isinstance(remote, RemoteAccount):
        problems.append(Problem(("remote",), "invalid_type", "The record must be a RemoteAccount."))
        raise ValidationError(problems)
    ext, snapshot = remote.external_id, remote.snapshot
    if not isinstance(ext, str) or not ext.strip():
        message = "The record needs its external id as text."
        problems.append(Problem(("remote", "external_id"), "required", message))
    if _carried(remote) not in (None, account_key):
        message = "The record carries another account key; it belongs to that account."
        problems.append(Problem(("account_key",), "snapshot_mismatch", message))
    if _checked_keys(snapshot, ("remote", "snapshot"), problems) is None or problems:
        raise ValidationError(problems)
    code = snapshot.code.strip() if isinstance(snapshot.code, str) else snapshot.code
    account = attrs.evolve(snapshot, id=account_key, code=code)
    try:
        check_account(account)
    except ValidationError as error:
        found = (*error.problems, *error.warnings)
        raise ValidationError([p.prefixed(("remote", "snapshot")) for p in found]) from None
    except (AttributeError, TypeError):  # an Account built around the wrong values
        message = "The snapshot does not hold the sections and values an Account holds."
        raise ValidationError([Problem(("remote", "snapshot"), "invalid_type", message)]) from None
    return account, Link(account_key=account_key, external_id=ext, version=remote.version)
