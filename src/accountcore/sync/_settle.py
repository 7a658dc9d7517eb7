"""
Turning what happened into outbox records: begin an attempt, settle outcomes, absorb
lookups, push now, resolve a parked conflict. Pure functions; ``now`` and the random source
are arguments.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime

import attrs

from ..errors import Problem, ValidationError
from ._engine import Batch
from ._merge import same_stored
from ._model import (
    ChangeKind,
    Link,
    Lookup,
    OutcomeStatus,
    Posting,
    PushItem,
    PushOperation,
    PushOutcome,
    RateLimit,
    RemoteAccount,
)
from ._policy import (
    DEFAULT_POLICY,
    ConflictRule,
    RandomSource,
    Resolution,
    SyncPolicy,
    backoff,
    charge,
    default_pause,
    pause,
)
from ._ports import Closed, Disposition, Entry, EntryState, Record, TenantState

__all__ = ["absorb", "begin", "expedite", "resolve_conflict", "settle"]

_DONE = (OutcomeStatus.APPLIED, OutcomeStatus.DUPLICATE)
#: A create's account key is held by a record already there: look it up and adopt it.
_KEY_TAKEN = "account_key_taken"


def begin(
    batch: Batch,
    tenant: TenantState,
    *,
    now: datetime,
    limits: tuple[RateLimit, ...],
    policy: SyncPolicy = DEFAULT_POLICY,
) -> Record:
    """
    Record, before the call, that each entry of ``batch`` is in flight and the call is made.

    An attempt whose result never gets recorded (a crash) counts, once its lease ends, as one
    that may have landed.

    .. versionadded:: 0.1
    """
    lease = now + policy.lease
    flying = EntryState.IN_FLIGHT
    entries = tuple(
        Entry(
            change=entry.change,
            state=flying,
            attempts=entry.attempts + 1,
            not_before=lease,
            lookup=entry.lookup,
            last_outcome=entry.last_outcome,
        )
        for entry in batch.entries
    )
    return Record(entries=entries, tenant=charge(tenant, limits, now))


class _Settler:
    def __init__(
        self, now: datetime, random: RandomSource, policy: SyncPolicy, tenant: TenantState
    ) -> None:
        self.now = now
        self.random = random
        self.policy = policy
        self.tenant = tenant
        self.entries: list[Entry] = []
        self.closed: list[Closed] = []
        self.links: list[Link] = []
        self.unlinked: list[str] = []

    def close(
        self,
        entry: Entry,
        disposition: Disposition,
        outcome: PushOutcome | None,
        code: str | None = None,
    ) -> None:
        dead = disposition is Disposition.DEAD_LETTERED
        self.closed.append(
            Closed(
                change_id=entry.change.change_id,
                account_key=entry.change.account_key,
                disposition=disposition,
                at=self.now,
                code=code,
                outcome=outcome,
                change=entry.change if dead else None,
            )
        )

    def retry_later(
        self, entry: Entry, attempts: int, outcome: PushOutcome, lookup: Lookup | None, link: Link
    ) -> None:
        if attempts >= self.policy.max_attempts:
            self.close(entry, Disposition.DEAD_LETTERED, outcome, "max_attempts")
            if lookup is Lookup.VERIFY:
                self.links.append(attrs.evolve(link, lookup=Lookup.VERIFY))
            return
        policy = self.policy
        wait = backoff(attempts, self.random(), base=policy.backoff_base, cap=policy.backoff_cap)
        self.entries.append(
            attrs.evolve(
                entry,
                state=EntryState.WAITING,
                attempts=attempts,
                not_before=self.now + wait,
                lookup=lookup,
                last_outcome=outcome,
            )
        )

    def adopt(self, entry: Entry, attempts: int, outcome: PushOutcome) -> None:
        """
        A create met its account key on a record already there (a system that is not empty,
        an outbox rebuilt with new change ids, a replay the system did not recognise): read
        that record at once and adopt it (`absorb`), rather than dead-letter the change.
        """
        if attempts >= self.policy.max_attempts:
            self.close(entry, Disposition.DEAD_LETTERED, outcome, _KEY_TAKEN)
            return
        self.read_now(entry, attempts, outcome)

    def read_now(self, entry: Entry, attempts: int, outcome: PushOutcome) -> None:
        """Read the record at once (in the same run), before the entry goes again: to adopt
        it, or to merge its remote edits (`ConflictRule.MERGE`)."""
        self.entries.append(
            attrs.evolve(
                entry,
                state=EntryState.WAITING,
                attempts=attempts,
                not_before=self.now,
                lookup=Lookup.VERIFY,
                last_outcome=outcome,
            )
        )

    def one(self, item: PushItem, entry: Entry, outcome: PushOutcome) -> None:
        status = outcome.status
        key = item.change.account_key
        if status in _DONE:
            self.close(entry, Disposition.APPLIED, outcome)
            if item.operation is PushOperation.UNLINK:
                self.unlinked.append(key)
            else:
                external = outcome.external_id or item.external_id
                wrote = item.operation is not PushOperation.LINK
                self.links.append(
                    Link(
                        account_key=key,
                        external_id=external,
                        version=outcome.version,
                        synced=item.change.snapshot if wrote else None,
                    )
                )
            return
        link = Link(
            account_key=key,
            external_id=item.external_id,
            version=item.base_version,
            synced=item.base_snapshot,
        )
        attempts = entry.attempts + 1
        if status is OutcomeStatus.RETRYABLE:
            writes = item.operation in (PushOperation.CREATE, PushOperation.UPDATE)
            lookup = Lookup.VERIFY if outcome.maybe_applied and writes else None
            self.retry_later(entry, attempts, outcome, lookup, link)
        elif status is OutcomeStatus.RATE_LIMITED:
            scope = outcome.scope
            assert scope is not None  # checked by PushOutcome
            wait = outcome.retry_after
            until = self.now + (default_pause(scope) if wait is None else wait)
            self.tenant = pause(self.tenant, until)
            self.entries.append(attrs.evolve(entry, not_before=until, last_outcome=outcome))
        elif status is OutcomeStatus.CONFLICT:
            rule = self.policy.on_conflict
            if rule is ConflictRule.LOCAL_WINS:
                self.retry_later(entry, attempts, outcome, Lookup.REBASE, link)
            elif rule is ConflictRule.MERGE and link.synced is not None:
                self.read_now(entry, attempts, outcome)
            else:
                self.entries.append(
                    attrs.evolve(
                        entry,
                        state=EntryState.PARKED,
                        attempts=attempts,
                        not_before=None,
                        lookup=None,
                        last_outcome=outcome,
                    )
                )
        elif outcome.code == _KEY_TAKEN and item.operation is PushOperation.CREATE:
            self.adopt(entry, attempts, outcome)
        elif outcome.code == "not_found" and item.operation is PushOperation.UNLINK:
            # The record is gone: no record carries our key through this link any more.
            self.close(entry, Disposition.APPLIED, outcome)
            self.unlinked.append(key)
        else:
            self.close(entry, Disposition.DEAD_LETTERED, outcome, outcome.code or "rejected")
            if outcome.code == "not_found" and item.external_id is not None:
                self.links.append(attrs.evolve(link, lookup=Lookup.REBASE))

    def record(self, tenant_changed: bool) -> Record:
        return Record(
            entries=tuple(self.entries),
            closed=tuple(self.closed),
            links=tuple(self.links),
            unlinked=tuple(self.unlinked),
            tenant=self.tenant if tenant_changed else None,
        )


def settle(
    batch: Batch,
    outcomes: Sequence[PushOutcome],
    tenant: TenantState,
    *,
    now: datetime,
    random: RandomSource,
    policy: SyncPolicy = DEFAULT_POLICY,
) -> Record:
    """
    Turn the outcomes of a pushed batch into an outbox record.

    Applied and duplicate close the entry and update the link. Retryable waits with backoff
    (full jitter) and dead-letters after ``policy.max_attempts``; if the write may have
    landed, the next attempt first reads the remote record. Rate limited pauses the tenant and
    does not count as an attempt. A create rejected with ``account_key_taken`` reads the
    record that holds the key at once and adopts it (see `absorb`); it dead-letters only after
    ``policy.max_attempts``. Any other rejection dead-letters at once: it is never retried.
    Conflict, under `ConflictRule.MERGE` (the default) with a synced snapshot known, reads
    the record at once to merge its remote edits; else it parks the entry, or, under
    `ConflictRule.LOCAL_WINS`, rebases and retries.

    Args:
        batch: the batch as planned (the entries as they were before `begin`).
        outcomes: one per item, in order.
        tenant: the tenant state now.
        now: when the outcomes arrived.
        random: floats in ``[0, 1)`` for the jitter.
        policy: the sync policy.

    Raises:
        ValidationError: ``outcomes`` does not have one outcome per item.

    .. versionadded:: 0.1
    """
    if len(outcomes) != len(batch.items):
        raise ValidationError(
            [Problem(("outcomes",), "invalid_length", "Give exactly one outcome per item.")]
        )
    settler = _Settler(now, random, policy, tenant)
    for item, entry, outcome in zip(batch.items, batch.entries, outcomes, strict=True):
        settler.one(item, entry, outcome)
    return settler.record(settler.tenant is not tenant)


def _park(entry: Entry, outcome: PushOutcome) -> Entry:
    return attrs.evolve(
        entry, state=EntryState.PARKED, not_before=None, lookup=None, last_outcome=outcome
    )


def _ready(entry: Entry, now: datetime) -> Entry:
    """The entry, looked up and due now (a crashed attempt becomes an ordinary retry)."""
    if entry.state is EntryState.IN_FLIGHT:
        return attrs.evolve(entry, state=EntryState.WAITING, not_before=now, lookup=None)
    return attrs.evolve(entry, lookup=None)


def _missing(entry: Entry, base: Link, lookup: Lookup, known: bool, now: datetime) -> Record:
    cleared = _ready(entry, now)
    writes = entry.change.kind in (ChangeKind.CREATE, ChangeKind.UPDATE)
    if writes and base.external_id is not None and lookup is Lookup.VERIFY:
        outcome = PushOutcome(
            status=OutcomeStatus.CONFLICT,
            code="remote_missing",
            message="The linked record is gone from the accounting system.",
        )
        return Record(entries=(_park(entry, outcome),))
    # Nothing landed, or the remote side was accepted: start again without a record.
    return Record(entries=(cleared,), unlinked=(base.account_key,) if known else ())


def _found_record(
    entry: Entry,
    link: Link | None,
    found: RemoteAccount | None,
    *,
    policy: SyncPolicy,
    now: datetime,
    fields: tuple[tuple[str, ...], ...] | None,
) -> Record:
    key = entry.change.account_key
    base = link if link is not None else Link(account_key=key)
    lookup = entry.lookup or base.lookup or Lookup.VERIFY
    if entry.change.customer_class.posting is Posting.GENERIC and entry.change.kind in (
        ChangeKind.CREATE,
        ChangeKind.UPDATE,
    ):
        # A generic change only unlinks: adopt the record found (the next plan unlinks it),
        # or drop the link when there is none (the next plan closes the change locally).
        ready = _ready(entry, now)
        if found is None:
            return Record(entries=(ready,), unlinked=(key,) if link is not None else ())
        relink = Link(account_key=key, external_id=found.external_id, version=found.version)
        return Record(entries=(ready,), links=(relink,))
    if found is None:
        return _missing(entry, base, lookup, link is not None, now)
    same_record = base.external_id == found.external_id
    # The synced snapshot stays while the record is the same one; a rebase takes the
    # record as it is as the new base (the conflict was decided).
    synced = found.snapshot if lookup is Lookup.REBASE else base.synced if same_record else None
    adopted = Link(
        account_key=key, external_id=found.external_id, version=found.version, synced=synced
    )
    snapshot = entry.change.snapshot
    if (
        lookup is Lookup.VERIFY
        and snapshot is not None
        and same_stored(found.snapshot, snapshot, fields)
    ):
        adopted = attrs.evolve(adopted, synced=snapshot)
        closed = Closed(
            change_id=entry.change.change_id,
            account_key=key,
            disposition=Disposition.APPLIED,
            at=now,
            outcome=PushOutcome.applied(found.external_id, found.version),
        )
        return Record(closed=(closed,), links=(adopted,))
    moved = base.external_id is not None and found.version != base.version
    # A record that moved on parks the change, unless a merge decides (a synced snapshot to
    # merge against; a moved record with edits is merged before this, `take_in`).
    merges = policy.on_conflict is ConflictRule.MERGE and base.synced is not None
    if (
        lookup is Lookup.VERIFY
        and moved
        and snapshot is not None
        and policy.on_conflict is not ConflictRule.LOCAL_WINS
        and not merges
    ):
        outcome = PushOutcome.conflict(
            found.version, "The record changed in the accounting system."
        )
        return Record(entries=(_park(entry, outcome),), links=(attrs.evolve(base, lookup=None),))
    return Record(entries=(_ready(entry, now),), links=(adopted,))


def absorb(
    lookups: Iterable[Entry],
    found: Mapping[str, RemoteAccount],
    links: Mapping[str, Link],
    *,
    now: datetime,
    policy: SyncPolicy = DEFAULT_POLICY,
    fields: tuple[tuple[str, ...], ...] | None = None,
) -> Record:
    """
    Apply what a lookup by account key found, before the looked-up entries are sent.

    For a write that may have landed (`Lookup.VERIFY`): a remote record equal to the change's
    snapshot means it did land (the entry closes as applied); a record found for an unlinked
    account is adopted (the create becomes an update of it); a record whose version moved on
    since our link is a conflict. For `Lookup.REBASE`, the remote version and record become
    the base (`Link.version`, `Link.synced`). A record is compared with a snapshot on the
    fields the system stores (``fields``, `accountcore.sync.Capabilities.stored_fields`).

    Args:
        lookups: the entries of `Plan.lookups`.
        found: ``AccountingSystem.find_by_account_keys`` of their account keys.
        links: the links of their accounts (``Outbox.links``).
        now: the current time.
        policy: the sync policy.
        fields: the fields the system stores; ``None``: every field.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``fields``; links keep their synced snapshot.
    """
    parts = [
        _found_record(
            entry,
            links.get(entry.change.account_key),
            found.get(entry.change.account_key),
            policy=policy,
            now=now,
            fields=fields,
        )
        for entry in lookups
    ]
    return Record(
        entries=tuple(e for p in parts for e in p.entries),
        closed=tuple(c for p in parts for c in p.closed),
        links=tuple(k for p in parts for k in p.links),
        unlinked=tuple(u for p in parts for u in p.unlinked),
    )


def expedite(entries: Iterable[Entry], account_keys: Collection[str], *, now: datetime) -> Record:
    """
    Push now: make the open changes of these accounts due at ``now``, schedule or not.

    Waiting retries become due too; a rate-limit pause and a parked conflict still hold.

    .. versionadded:: 0.1
    """
    keys = frozenset(account_keys)
    due: list[Entry] = []
    for entry in entries:
        if entry.change.account_key not in keys:
            continue
        if entry.state in (EntryState.QUEUED, EntryState.WAITING) and (
            entry.not_before is None or entry.not_before > now
        ):
            due.append(attrs.evolve(entry, not_before=now))
    return Record(entries=tuple(due))


def resolve_conflict(
    entry: Entry, resolution: Resolution, link: Link | None, *, now: datetime
) -> Record:
    """
    Resolve a parked conflict.

    `Resolution.KEEP_LOCAL` sends the change again on top of the remote's current version;
    `Resolution.KEEP_REMOTE` dead-letters it (code ``conflict_kept_remote``) and makes the
    account's next change start from the remote's current version: the parked snapshot
    becomes the link's synced one, so the next merge (a pull, or the read before the next
    change goes) takes the remote's values over the parked change's, and keeps only what
    the host changed since.

    Raises:
        ValidationError: the entry is not parked (code ``invalid_choice``).

    .. versionadded:: 0.1
    """
    if entry.state is not EntryState.PARKED:
        raise ValidationError(
            [Problem(("entry", "state"), "invalid_choice", "Only a parked entry can be resolved.")]
        )
    if resolution is Resolution.KEEP_LOCAL:
        waiting = attrs.evolve(
            entry, state=EntryState.WAITING, not_before=now, lookup=Lookup.REBASE
        )
        return Record(entries=(waiting,))
    closed = Closed(
        change_id=entry.change.change_id,
        account_key=entry.change.account_key,
        disposition=Disposition.DEAD_LETTERED,
        at=now,
        code="conflict_kept_remote",
        outcome=entry.last_outcome,
        change=entry.change,
    )
    base = link if link is not None else Link(account_key=entry.change.account_key)
    # The parked snapshot counts as synced: what the remote holds in its place wins in the
    # next merge, so its fields do not land later with the account's next change.
    snapshot = entry.change.snapshot
    synced = snapshot if snapshot is not None and base.external_id is not None else base.synced
    relinked = (
        ()
        if entry.change.kind in (ChangeKind.LINK, ChangeKind.UNLINK)
        else (attrs.evolve(base, lookup=Lookup.REBASE, synced=synced),)
    )
    return Record(closed=(closed,), links=relinked)
