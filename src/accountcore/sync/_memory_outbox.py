"""
The reference outbox, held in dicts with per-account indexes (re-exported by `memory`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from types import MappingProxyType

from ..errors import ConflictError, Problem, ValidationError
from ._model import Change, Link
from ._ports import Closed, Disposition, Entry, EntryState, Record, Supersede, TenantState

__all__ = ["InMemoryOutbox"]


class InMemoryOutbox:
    """
    Keep the outbox in dicts, as the reference implementation of the `Outbox` port.

    Attributes:
        appended: how many changes were ever appended.
        closed: every entry that left the outbox, in order (a re-driven dead letter stays
            listed here; `dead_letters` lists those not re-driven).

    .. versionadded:: 0.1
    """

    def __init__(self) -> None:
        self._open: dict[str, Entry] = {}
        self._closed_ids: set[str] = set()
        self._last_seq: dict[str, int] = {}
        self._by_account: dict[str, dict[int, str]] = {}
        self._links: dict[str, Link] = {}
        self._tenant = TenantState()
        self._dead: dict[str, Closed] = {}
        self.appended = 0
        self.closed: list[Closed] = []

    def append(self, changes: Sequence[Change]) -> None:
        """
        Queue changes, all of them or none.

        Raises:
            ValidationError: a change id repeats (``duplicate_change``) or an account's
                ``seq`` does not grow (``seq_not_increasing``); nothing was appended.
        """
        _raise_if(self._append_problems(changes))
        for change in changes:
            self._index(Entry(change=change))
            self._last_seq[change.account_key] = change.seq
        self.appended += len(changes)

    def pending(self) -> list[Entry]:
        """
        Return the open entries in append order.
        """
        return list(self._open.values())

    def links(self, account_keys: Collection[str]) -> dict[str, Link]:
        """
        Return the links of those accounts that have one.
        """
        return {key: self._links[key] for key in account_keys if key in self._links}

    def tenant(self) -> TenantState:
        """
        Return the tenant state.
        """
        return self._tenant

    def record(self, record: Record) -> None:
        """
        Apply a record: all of it, or nothing when it names an entry that is not open.

        Raises:
            ConflictError: an entry to replace or close is not open (or is closed twice), or
                a change to reopen is not a dead letter or not its account's newest change.
        """
        self._check(record)
        for entry in record.reopened:
            self._closed_ids.discard(entry.change_id)
            del self._dead[entry.change_id]
            self._index(entry)
        for entry in record.entries:
            self._drop_seq(self._open[entry.change_id])
            self._index(entry)
        for closed in record.closed:
            self._close(closed)
        for supersede in record.superseded:
            self._supersede(supersede)
        self._links.update((link.account_key, link) for link in record.links)
        for key in record.unlinked:
            self._links.pop(key, None)
        if record.tenant is not None:
            self._tenant = record.tenant

    def dead_letters(self) -> list[Closed]:
        """
        Return the dead-lettered changes that were not re-driven, oldest first.

        .. versionadded:: 0.2
        """
        return list(self._dead.values())

    def entry(self, change_id: str) -> Entry | None:
        """
        Return the open entry with this change id, if there is one.
        """
        return self._open.get(change_id)

    def all_links(self) -> Mapping[str, Link]:
        """
        Return a read-only view of every link, by account key.
        """
        return MappingProxyType(self._links)

    def _append_problems(self, changes: Sequence[Change]) -> list[Problem]:
        problems: list[Problem] = []
        seen: set[str] = set()
        last = dict(self._last_seq)
        for i, change in enumerate(changes):
            cid, key = change.change_id, change.account_key
            if cid in seen or cid in self._open or cid in self._closed_ids:
                message = f"Change id {cid} is already in the outbox."
                problems.append(Problem((i, "change_id"), "duplicate_change", message))
            if key in last and change.seq <= last[key]:
                message = f"seq {change.seq} is not above {last[key]}, the account's last one."
                problems.append(Problem((i, "seq"), "seq_not_increasing", message))
            seen.add(cid)
            last[key] = max(change.seq, last.get(key, change.seq))
        return problems

    def _check(self, record: Record) -> None:
        closing: set[str] = set()
        for closed in record.closed:
            if closed.change_id in closing:
                raise ConflictError(f"Change {closed.change_id} is closed twice in one record.")
            closing.add(closed.change_id)
            entry = self._open.get(closed.change_id)
            if entry is not None and entry.account_key != closed.account_key:
                raise ConflictError(f"Change {closed.change_id} is of another account.")
        for entry in record.entries:
            held = self._open.get(entry.change_id)
            if held is not None and held.change is not entry.change and held.change != entry.change:
                raise ConflictError(f"Change {entry.change_id} is replaced by another change.")
        reopening = {entry.change_id: entry for entry in record.reopened}
        if len(reopening) < len(record.reopened):
            raise ConflictError("A change is re-driven twice in one record.")
        for change_id, entry in sorted(reopening.items()):
            if change_id not in self._dead:
                raise ConflictError(f"Change {change_id} is not a dead letter of the outbox.")
            if self._dead[change_id].change not in (None, entry.change):
                raise ConflictError(f"Change {change_id} is re-driven as another change.")
            if entry.change.seq < self._last_seq.get(entry.account_key, -1):
                # A newer change of the account exists (open, applied or dead): sending this
                # one again could write an older snapshot over a newer one.
                raise ConflictError(f"Change {change_id} is not its account's newest change.")
        for change_id in [entry.change_id for entry in record.entries] + sorted(closing):
            if change_id not in self._open and change_id not in reopening:
                raise ConflictError(f"Change {change_id} is not open in the outbox.")

    def _index(self, entry: Entry) -> None:
        self._open[entry.change_id] = entry
        self._by_account.setdefault(entry.account_key, {})[entry.change.seq] = entry.change_id

    def _drop_seq(self, entry: Entry) -> None:
        seqs = self._by_account[entry.account_key]
        del seqs[entry.change.seq]
        if not seqs:
            del self._by_account[entry.account_key]

    def _close(self, closed: Closed) -> None:
        self._drop_seq(self._open.pop(closed.change_id))
        self._closed_ids.add(closed.change_id)
        self.closed.append(closed)
        if closed.disposition is Disposition.DEAD_LETTERED:
            self._dead[closed.change_id] = closed

    def _supersede(self, supersede: Supersede) -> None:
        seqs = self._by_account.get(supersede.account_key, {})
        for seq, change_id in sorted(seqs.items()):
            entry = self._open[change_id]
            in_range = supersede.first_seq <= seq < supersede.last_seq
            if in_range and entry.state is EntryState.QUEUED:
                self._close(_superseded(entry, supersede))


def _superseded(entry: Entry, supersede: Supersede) -> Closed:
    return Closed(
        change_id=entry.change_id,
        account_key=entry.account_key,
        disposition=Disposition.SUPERSEDED,
        at=supersede.at,
    )


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise ValidationError(problems)
