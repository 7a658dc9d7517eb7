"""
Remote edits coming back: the records changed since a cursor (`RemoteChanges`), a webhook's
records, or a record read before a write, merged field by field into the host's accounts.

The rule book (docs/rules.md#non-empty-systems): a remote edit is merged against the last
synced snapshot (`Link.synced`); only a field both sides changed is a conflict. The engine
holds no accounts: it asks the host for its current ones (`LocalAccounts.accounts`) and hands
the merged ones back (`LocalAccounts.take`) before it records anything, so a crash in between
only repeats the merge, which then finds nothing new.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

import attrs

from ..entities import Account
from ..errors import Problem, ValidationError
from ._events import SyncEvent, SyncEventKind
from ._merge import Merged, merge, same_stored
from ._model import ChangeKind, Link, Lookup, OutcomeStatus, PushOutcome, RemoteAccount
from ._ports import Closed, Disposition, Entry, EntryState, Record

__all__ = [
    "AsyncRemoteChanges",
    "ChangePage",
    "Incoming",
    "LocalAccounts",
    "PullReport",
    "RemoteChanges",
    "TakenIn",
    "remote_edited",
    "take_in",
]

#: How remote edits reach the engine (the ``code`` of their events, `Incoming.source`).
SOURCES = ("pull", "webhook", "read_before_write")
_WRITES = (ChangeKind.CREATE, ChangeKind.UPDATE)
#: Sent changes still without their result; the merge carries what they carried.
_PINNED = (EntryState.IN_FLIGHT, EntryState.WAITING, EntryState.PARKED)


@attrs.frozen(kw_only=True)
class ChangePage:
    """
    One page of the records an accounting system changed since a cursor.

    Args:
        records: the records changed after the cursor, each as it is now, oldest change
            first; a record is listed once per page. Records that carry no account key of
            ours are listed too (the host may import them).
        cursor: where the next read starts: after the last change this page covers.
        more: another page follows at once.

    Raises:
        ValidationError: every broken rule, with its field path: ``records`` not a tuple of
            `RemoteAccount`, ``cursor`` not non-blank text, ``more`` not a bool.

    .. versionadded:: 0.2
    """

    records: tuple[RemoteAccount, ...]
    cursor: str
    more: bool = False

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        if not isinstance(self.records, tuple):
            message = "records must be a tuple of RemoteAccount."
            problems.append(Problem(("records",), "invalid_type", message))
        else:
            problems += [
                Problem(("records", i), "invalid_type", "A record must be a RemoteAccount.")
                for i, record in enumerate(self.records)
                if not isinstance(record, RemoteAccount)
            ]
        if not isinstance(self.cursor, str) or not self.cursor.strip():
            problems.append(Problem(("cursor",), "required", "A page gives its next cursor."))
        if not isinstance(self.more, bool):
            problems.append(Problem(("more",), "invalid_type", "more must be True or False."))
        if problems:
            raise ValidationError(problems)


@runtime_checkable
class RemoteChanges(Protocol):
    """
    The optional read of an `AccountingSystem` whose ``capabilities.changes_since`` is set:
    the records changed since a cursor, a page at a time.

    .. versionadded:: 0.2
    """

    def changes_since(self, cursor: str | None) -> ChangePage:
        """
        Return the records changed after ``cursor`` (``None``: since the beginning).

        The page's cursor, given back, continues after the page: a record changed again
        later comes again. Only a `SyncError` may escape, as for every call of the port.
        """


@runtime_checkable
class AsyncRemoteChanges(Protocol):
    """
    The asyncio twin of `RemoteChanges`.

    .. versionadded:: 0.2
    """

    async def changes_since(self, cursor: str | None) -> ChangePage:
        """
        Return the records changed after ``cursor`` (``None``: since the beginning).
        """


@attrs.frozen(kw_only=True)
class Incoming:
    """
    A remote edit merged into one of the host's accounts.

    The host saves `account` whenever `save` or `push` is true, as it saves any edit: in the
    transaction that appends its change to the outbox. The change then takes the local wins
    (and, until the host decides otherwise, the local value of each conflict) to the
    accounting system.

    Args:
        account_key: the account.
        remote: the record as the accounting system holds it.
        local: the account as the host held it.
        merged: the three-way merge (`accountcore.sync.merge`) of the two against the last
            synced snapshot.
        source: ``pull``, ``webhook`` or ``read_before_write``.
        change_id: for ``read_before_write``: the change the edit held back (it closes as
            superseded by the saved account).
        save: the host's account must change (the merge took remote edits).
        push: the record must change (the merge kept local edits or conflicts).

    .. versionadded:: 0.2
    """

    account_key: str
    remote: RemoteAccount = attrs.field(repr=False)
    local: Account = attrs.field(repr=False)
    merged: Merged = attrs.field(repr=False)
    source: str
    change_id: str | None = None
    save: bool = False
    push: bool = False

    @property
    def account(self) -> Account:
        """
        Return the merged account: the one for the host to save.
        """
        return self.merged.account


@runtime_checkable
class LocalAccounts(Protocol):
    """
    The host's accounts, as the engine needs them to merge remote edits in.

    .. versionadded:: 0.2
    """

    def accounts(self, account_keys: Collection[str]) -> Mapping[str, Account]:
        """
        Return the host's current accounts among ``account_keys`` (those it has).
        """

    def take(self, incoming: Sequence[Incoming]) -> None:
        """
        Save each incoming account (`Incoming.account`), appending its change to the outbox
        in the same transaction, as for any save; all of them or none.
        """


@attrs.frozen(kw_only=True)
class PullReport:
    """
    What a pull (or a webhook's records) brought in.

    Args:
        calls: calls made to the accounting system.
        records: records read.
        incoming: the merges handed to the host (`LocalAccounts.take`).
        unmatched: records of no account linked here (the host may import or reconcile
            them: `accountcore.sync.import_remote`, `accountcore.sync.reconcile`), and of
            accounts the host no longer has.
        cursor: the cursor after the pull.
        events: what the host may show (merges, conflicts, pauses), in order.

    .. versionadded:: 0.2
    """

    calls: int = 0
    records: int = 0
    incoming: tuple[Incoming, ...] = ()
    unmatched: tuple[RemoteAccount, ...] = attrs.field(default=(), repr=False)
    cursor: str | None = None
    events: tuple[SyncEvent, ...] = ()


@attrs.frozen(kw_only=True)
class TakenIn:
    """
    What `take_in` decided: the outbox record to apply after the host took the merges.

    .. versionadded:: 0.2
    """

    record: Record
    incoming: tuple[Incoming, ...]
    unmatched: tuple[RemoteAccount, ...]
    events: tuple[SyncEvent, ...]


def remote_edited(
    entry: Entry,
    link: Link | None,
    found: RemoteAccount | None,
    fields: tuple[tuple[str, ...], ...] | None,
) -> bool:
    """
    Tell whether the record read before ``entry`` goes out was edited in the accounting
    system since the last sync, and does not hold the entry's own snapshot (a write that
    landed).

    .. versionadded:: 0.2
    """
    snapshot = entry.change.snapshot
    if (
        found is None
        or link is None
        or link.synced is None
        or snapshot is None
        or entry.change.kind not in _WRITES
        or link.external_id != found.external_id
        or entry.lookup is Lookup.REBASE  # the host kept the local side: write it over
    ):
        return False
    return not same_stored(found.snapshot, link.synced, fields) and not same_stored(
        found.snapshot, snapshot, fields
    )


def held_back(entry: Entry, found: RemoteAccount) -> Entry:
    """
    ``entry`` parked: a remote edit holds it back, and no host accounts were given to merge
    it in. Resolving it keeps the local side (written over the edit) or the remote one.

    .. versionadded:: 0.2
    """
    outcome = PushOutcome(
        status=OutcomeStatus.CONFLICT,
        version=found.version,
        code="remote_edited",
        message="The record was edited in the accounting system since the last sync.",
    )
    return attrs.evolve(
        entry, state=EntryState.PARKED, not_before=None, lookup=None, last_outcome=outcome
    )


def _events(incoming: Incoming, now: datetime) -> list[SyncEvent]:
    merged = incoming.merged
    found = (
        (SyncEventKind.REMOTE_WON, merged.remote_wins, "Remote edits were merged in."),
        (SyncEventKind.LOCAL_WON, merged.local_wins, "Local edits were kept."),
        (
            SyncEventKind.CONFLICT,
            tuple(conflict.path for conflict in merged.conflicts),
            "Both sides changed these fields; the local values are kept until decided.",
        ),
    )
    return [
        SyncEvent(
            kind=kind,
            at=now,
            code=incoming.source,
            message=message,
            account_key=incoming.account_key,
            change_id=incoming.change_id,
            external_id=incoming.remote.external_id,
            fields=paths,
        )
        for kind, paths, message in found
        if paths
    ]


def _latest(records: Iterable[RemoteAccount]) -> list[RemoteAccount]:
    """The records, each external id once, as its last listing has it, in that order."""
    by_id: dict[str, RemoteAccount] = {}
    for record in records:
        by_id.pop(record.external_id, None)
        by_id[record.external_id] = record
    return list(by_id.values())


def take_in(
    records: Iterable[RemoteAccount],
    links: Mapping[str, Link],
    pending: Iterable[Entry],
    local: Mapping[str, Account],
    *,
    now: datetime,
    source: str = "pull",
    fields: tuple[tuple[str, ...], ...] | None = None,
    held: Mapping[str, str] | None = None,
) -> TakenIn:
    """
    Merge remote records into the host's accounts.

    A record linked to one of our accounts (it carries the account key, and the account's
    link names it) that differs from the last synced snapshot (on the fields the system
    stores) is merged with the host's account (`accountcore.sync.merge`); the record becomes
    the new synced snapshot and base version. A record that matches the snapshot is our own
    write coming back: only its version is kept. The account's sent changes still without
    their result (in flight, waiting for a retry, or parked on a conflict) close as
    superseded (code ``merged``): the host's account holds what they carried, the merge
    decided the conflict field by field, and the merged account's change follows.

    Args:
        records: the records read (a page, a webhook's payload, a read-back).
        links: the links of the records' account keys (``Outbox.links``).
        pending: the open outbox entries (``Outbox.pending()``).
        local: the host's current accounts (``LocalAccounts.accounts``).
        now: the current time.
        source: ``pull``, ``webhook`` or ``read_before_write``.
        fields: the fields the system stores (``Capabilities.stored_fields``).
        held: for ``read_before_write``: the change each account's read was made for, by
            account key; it closes as superseded too, whatever its state.

    Returns:
        A `TakenIn`: hand ``incoming`` to ``LocalAccounts.take`` first, then apply
        ``record``.

    .. versionadded:: 0.2
    """
    held = held or {}
    open_by_key: dict[str, list[Entry]] = {}
    for entry in pending:
        open_by_key.setdefault(entry.change.account_key, []).append(entry)
    new_links: list[Link] = []
    closed: list[Closed] = []
    incoming: list[Incoming] = []
    unmatched: list[RemoteAccount] = []
    events: list[SyncEvent] = []
    for record in _latest(records):
        key = record.account_key
        link = links.get(key) if key is not None else None
        if key is None or link is None or link.external_id != record.external_id:
            unmatched.append(record)
            continue
        base = link.synced
        if base is not None and same_stored(record.snapshot, base, fields):
            if link.version != record.version:
                new_links.append(attrs.evolve(link, version=record.version))
            continue
        mine = local.get(key)
        if mine is None:
            unmatched.append(record)
            continue
        try:
            merged = merge(base, mine, record.snapshot, fields=fields)
        except ValidationError as error:
            events.append(_refused(record, key, error, source, now))
            continue
        change_id = held.get(key)
        taken = Incoming(
            account_key=key,
            remote=record,
            local=mine,
            merged=merged,
            source=source,
            change_id=change_id,
            save=merged.account != mine,
            push=not same_stored(merged.account, record.snapshot, fields),
        )
        incoming.append(taken)
        events += _events(taken, now)
        synced = Link(
            account_key=key,
            external_id=record.external_id,
            version=record.version,
            synced=record.snapshot,
        )
        new_links.append(synced)
        for entry in open_by_key.get(key, ()):
            if entry.change_id == change_id or entry.state in _PINNED:
                closed.append(_merged_away(entry, now))
    return TakenIn(
        record=Record(closed=tuple(closed), links=tuple(new_links)),
        incoming=tuple(incoming),
        unmatched=tuple(unmatched),
        events=tuple(events),
    )


def _merged_away(entry: Entry, now: datetime) -> Closed:
    return Closed(
        change_id=entry.change_id,
        account_key=entry.account_key,
        disposition=Disposition.SUPERSEDED,
        at=now,
        code="merged",
    )


def _refused(
    record: RemoteAccount, key: str, error: ValidationError, source: str, now: datetime
) -> SyncEvent:
    """A record that could not be merged (a card rule broken on one side): say so."""
    paths = tuple(problem.path for problem in error.problems)
    return SyncEvent(
        kind=SyncEventKind.CONFLICT,
        at=now,
        code="merge_refused",
        message=f"The {source} record could not be merged: it or the account breaks a card rule.",
        account_key=key,
        external_id=record.external_id,
        fields=paths,
    )
