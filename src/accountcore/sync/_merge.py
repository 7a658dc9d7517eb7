"""
Three-way merge of an account's remote edits with its local state.

The rule book (docs/rules.md#non-empty-systems): remote edits come back (incremental reads or
webhooks) and are merged field by field against the last synced snapshot; only a field
changed on both sides is a conflict. `merge` is pure (no clock, no I/O): it reports each
conflict and keeps the local value there, so nothing is overwritten silently and the host
decides.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any, TypeAlias

import attrs

from ..entities import (
    Account,
    Address,
    Contact,
    Financial,
    General,
    Marketing,
    Relations,
    Summary,
    account_problems,
)
from ..errors import Problem, ValidationError
from ..identifiers import ChamberOfCommerceNumber, CheckStrength, Identifier, VATNumber
from ._model import stored_field_problems

__all__ = ["ConflictKind", "FieldConflict", "Merged", "merge", "same_stored"]

#: A field's place in the card, as `accountcore.Problem.path` writes it.
Path: TypeAlias = tuple[str | int, ...]
_Leaf: TypeAlias = tuple[str, ...]

#: The card objects walked field by field; any other value is compared whole.
_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(field.name for field in attrs.fields(cls))
    for cls in (Account, Summary, Address, General, Contact, Marketing, Relations, Financial)
}
#: The account key: it must agree, and is never merged.
_IDENTITY = "id"
#: Identifiers whose check depends on the account's country (`accountcore.from_dict` reads
#: them with it).
_COUNTRY_BOUND: tuple[_Leaf, ...] = (("marketing", "coc_number"), ("financial", "vat_number"))


class ConflictKind(enum.Enum):
    """
    Why a field is a conflict.

    .. versionadded:: 0.2
    """

    BOTH_CHANGED = "both_changed"  #: both sides changed it, to different values
    NO_BASE = "no_base"  #: no snapshot is known and the two sides differ
    #: only the remote changed it, but its value breaks a card rule with the merged values
    BREAKS_RULE = "breaks_rule"


@attrs.frozen
class FieldConflict:
    """
    One field the merge could not decide; the merged account holds the local value there.

    Reprs show identifiers masked, as the values' own reprs do (IBANs, VAT and Chamber of
    Commerce numbers, bank account numbers).

    Args:
        path: the field's path (``("summary", "address", "city")``, ``("contact",
            "email")``, ``("financial", "bank_accounts")``).
        base: the value in the last synced snapshot (``None`` when none is known).
        local: the local value, which the merged account keeps.
        remote: the remote value.
        kind: why it is a conflict.

    .. versionadded:: 0.2
    """

    path: Path
    base: object
    local: object
    remote: object
    kind: ConflictKind = ConflictKind.BOTH_CHANGED


@attrs.frozen(kw_only=True)
class Merged:
    """
    The outcome of `merge`.

    Attributes:
        account: the merged account: the local one with the remote wins applied.
        conflicts: the fields left undecided, in path order; each keeps its local value.
        local_wins: the fields only the local side changed (kept), in path order.
        remote_wins: the fields only the remote side changed (taken), in path order.

    .. versionadded:: 0.2
    """

    account: Account
    conflicts: tuple[FieldConflict, ...] = ()
    local_wins: tuple[Path, ...] = ()
    remote_wins: tuple[Path, ...] = ()

    @property
    def clean(self) -> bool:
        """
        Tell whether the merge left no conflict.
        """
        return not self.conflicts


# --- the card's fields ------------------------------------------------------------------------


def _leaves(
    objects: tuple[Any, ...], cls: type, prefix: _Leaf = ()
) -> Iterator[tuple[_Leaf, tuple[Any, ...]]]:
    """Every field of the card by path, with its value on each side; a card object is
    walked when every side holds one of its class, else compared whole (contact ``None``)."""
    for name in _FIELDS[cls]:
        if not prefix and name == _IDENTITY:
            continue
        values = tuple(getattr(obj, name) for obj in objects)
        kind = type(values[0])
        if kind in _FIELDS and all(type(value) is kind for value in values):
            yield from _leaves(values, kind, (*prefix, name))
        else:
            yield (*prefix, name), values


def _key(value: object) -> object:
    """What two values are compared by: identifiers by kind and compact form, so a number
    read unchecked on one side and checked on the other is the same number."""
    if isinstance(value, Identifier):
        return (type(value).__name__, value.compact)
    if isinstance(value, tuple):
        return tuple(_key(item) for item in value)
    cls = type(value)
    if attrs.has(cls):
        return (cls, *(_key(getattr(value, field.name)) for field in attrs.fields(cls)))
    return value


def _same(a: object, b: object) -> bool:
    return _key(a) == _key(b)


def _covered(path: _Leaf, fields: tuple[tuple[str, ...], ...] | None) -> bool:
    """Tell whether the system stores the field at ``path`` (``fields`` ``None``: all)."""
    if fields is None:
        return True
    return any(path[: len(p)] == p or p[: len(path)] == path for p in fields)


def same_stored(a: Account, b: Account, fields: tuple[tuple[str, ...], ...] | None) -> bool:
    """
    Tell whether two accounts agree on every field a system stores (``fields``, as
    `accountcore.sync.Capabilities.stored_fields` gives them; ``None``: every field).
    """
    if fields is None and a == b:
        return True
    return (
        all(
            _same(values[0], values[1])
            for path, values in _leaves((a, b), Account)
            if _covered(path, fields)
        )
        and a.id == b.id
    )


def _get(obj: object, path: _Leaf) -> object:
    """The value at ``path`` in ``obj``."""
    for name in path:
        obj = getattr(obj, name)
    return obj


def _put(obj: Any, path: _Leaf, value: object) -> Any:
    """``obj`` with the field at ``path`` set to ``value``."""
    head, rest = path[0], path[1:]
    inner = _put(getattr(obj, head), rest, value) if rest else value
    return attrs.evolve(obj, **{head: inner})


def _built(local: Account, taken: dict[_Leaf, object]) -> Account:
    account = local
    for path, value in taken.items():
        account = _put(account, path, value)
    return account


# --- validity ---------------------------------------------------------------------------------


def _country_problems(account: Account) -> list[Problem]:
    """A VAT or Chamber of Commerce number that `accountcore.from_dict` would refuse with the
    account's country (a number read for another country is checked again)."""
    country = account.summary.address.country
    problems: list[Problem] = []
    for path in _COUNTRY_BOUND:
        value = _get(account, path)
        if not isinstance(value, (VATNumber, ChamberOfCommerceNumber)):
            continue
        if value.country == country or (
            value.country is None and value.strength is CheckStrength.UNCHECKED
        ):
            continue
        try:
            type(value).parse(value.compact, country)
        except ValidationError as exc:
            problems += [problem.prefixed(path) for problem in exc.problems]
    return problems


def _errors(account: Account, known: frozenset[tuple[Path, str]]) -> list[Problem]:
    """The errors of ``account`` that are not in ``known`` (the local account's own)."""
    found = [p for p in account_problems(account) if not p.is_warning]
    return [p for p in found + _country_problems(account) if (p.path, p.code) not in known]


def _culprits(
    error: Problem, local: Account, taken: dict[_Leaf, object], known: frozenset[tuple[Path, str]]
) -> list[_Leaf]:
    """The fields taken from the remote that go back to local to clear ``error``: those at its
    path; else the first, in path order, whose return alone clears it; else all of them."""
    at = [p for p in taken if error.path[: len(p)] == p or p[: len(error.path)] == error.path]
    if at:
        return at
    wanted = (error.path, error.code)
    for path in sorted(taken):
        rest = {p: value for p, value in taken.items() if p != path}
        if all((p.path, p.code) != wanted for p in _errors(_built(local, rest), known)):
            return [path]
    return list(taken)


# --- the merge --------------------------------------------------------------------------------


def _argument_problems(base: object, local: object, remote: object) -> list[Problem]:
    problems: list[Problem] = []
    for name, value in (("base", base), ("local", local), ("remote", remote)):
        if not isinstance(value, Account) and not (name == "base" and value is None):
            what = "an Account or None" if name == "base" else "an Account"
            message = f"{name} must be {what}, not {type(value).__name__}."
            problems.append(Problem((name,), "invalid_type", message))
    if problems or not isinstance(local, Account) or not isinstance(remote, Account):
        return problems
    if remote.id != local.id:
        message = "The remote account has another account key than the local one."
        problems.append(Problem(("remote", "id"), "snapshot_mismatch", message))
    if isinstance(base, Account) and base.id != local.id:
        message = "The snapshot has another account key than the local account."
        problems.append(Problem(("base", "id"), "snapshot_mismatch", message))
    for name, account in (("local", local), ("remote", remote)):
        problems += [p.prefixed((name,)) for p in account_problems(account) if not p.is_warning]
    return problems


def merge(
    base: Account | None,
    local: Account,
    remote: Account,
    *,
    fields: tuple[tuple[str, ...], ...] | None = None,
) -> Merged:
    """
    Merge the remote account's edits into the local one, field by field against ``base``.

    Each field of the card (by path, such as ``("summary", "address", "city")``) is kept
    when both sides hold the same value, takes the side that alone changed it from ``base``,
    and takes the common value when both changed it alike. Both changed to different values
    is a `FieldConflict`: the merged account keeps the local value, and the host decides.

    - The lists ``("free_fields",)`` and ``("financial", "bank_accounts")`` are each one
      value, compared whole: a list changed on both sides differently is one conflict. So is
      the contact person when one side has none (``("contact",)``).
    - Without ``base`` (no synced snapshot yet, as right after adoption), every field where
      the two sides differ is a conflict (`ConflictKind.NO_BASE`): the merged account is the
      local one.
    - ``id`` is the account key: it must agree. Every other field merges alike, ``code``,
      type, status and their dates included.
    - Values are compared exactly; identifiers by kind and compact form.
    - The merged account must pass `accountcore.check_account`, and its VAT and Chamber of
      Commerce numbers must fit its country as `accountcore.from_dict` reads them. Values
      taken from two sides may break a rule together (the remote's state with the local's
      new country). For the first such error, the fields taken from the remote at the
      error's path go back to their local value; where none is there, the first field taken
      from the remote (in path order) whose return alone clears the error; where none does,
      every field taken from the remote. This repeats until no such error is left, and each
      field put back is a conflict (`ConflictKind.BREAKS_RULE`). At worst the account is the
      local one; an error the local account has itself is never blamed on the remote.

    Args:
        base: the account as last synced to the system (both sides agreed on it), or
            ``None`` when no snapshot is known.
        local: the account as the host holds it now.
        remote: the account as the system holds it now (read back or sent by a webhook).
        fields: the fields the system stores (`accountcore.sync.Capabilities.stored_fields`);
            any other field keeps its local value, whatever the remote holds there.
            ``None`` (the default): every field.

    Returns:
        The `Merged` account with its conflicts and the fields each side won.

    Raises:
        ValidationError: every problem at once: an argument that is not an `Account`
            (``invalid_type`` at ``("base",)``, ``("local",)`` or ``("remote",)``), an
            account key that differs from the local one (``snapshot_mismatch`` at
            ``("remote", "id")`` or ``("base", "id")``), and the card errors of ``local``
            and ``remote`` at their paths under ``("local",)`` and ``("remote",)``, and
            a ``fields`` entry that is not a card field (``unknown_field`` or
            ``invalid_type`` at ``("fields", index)``).

    .. versionadded:: 0.2
    """
    problems = _argument_problems(base, local, remote)
    if fields is not None:
        problems += [
            Problem(("fields", *p.path[1:]), p.code, p.message)
            for p in stored_field_problems(fields)
        ]
    if problems:
        raise ValidationError(problems)
    sides = (local, remote) if base is None else (base, local, remote)
    conflicts: list[FieldConflict] = []
    local_wins: list[_Leaf] = []
    taken: dict[_Leaf, object] = {}
    bases: dict[_Leaf, object] = {}
    for path, values in _leaves(sides, Account):
        was, mine, theirs = (None, *values) if base is None else values
        if not _covered(path, fields) or _same(mine, theirs):
            continue
        if base is None:
            conflicts.append(FieldConflict(path, None, mine, theirs, ConflictKind.NO_BASE))
        elif _same(theirs, was):
            local_wins.append(path)
        elif _same(mine, was):
            taken[path] = theirs
            bases[path] = was
        else:
            conflicts.append(FieldConflict(path, was, mine, theirs))
    account = _built(local, taken)
    known = frozenset((p.path, p.code) for p in _country_problems(local)) if taken else frozenset()
    while taken and (errors := _errors(account, known)):
        for path in sorted(_culprits(errors[0], local, taken, known)):
            theirs = taken.pop(path)
            kind = ConflictKind.BREAKS_RULE
            conflicts.append(FieldConflict(path, bases[path], _get(local, path), theirs, kind))
        account = _built(local, taken)
    return Merged(
        account=account,
        conflicts=tuple(sorted(conflicts, key=lambda conflict: conflict.path)),
        local_wins=tuple(sorted(local_wins)),
        remote_wins=tuple(sorted(taken)),
    )
