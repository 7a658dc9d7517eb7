"""
Applying push items to parties, many at once, inside one Tryton transaction.

`BatchWriter.apply` decides every item first (with a few queries for the whole batch), then
creates the new parties in one ``create``, writes the updated ones in one ``write``, reads
them back together and keeps the written accounts beside them in one more ``write``. Tryton
validates a ``create`` of fifty parties about three times faster than fifty ``create`` calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from ...entities import Account
from ...errors import ValidationError
from ...validation import check_account
from .._model import PushItem, PushOperation, PushOutcome
from ._mapping import PartyFields, to_party
from ._party import Party, Stored
from ._store import PartyStore

__all__: list[str] = []

_CREATE, _UPDATE = PushOperation.CREATE, PushOperation.UPDATE
_LINK = PushOperation.LINK
_NOT_FOUND: Final = PushOutcome.rejected("not_found", "Tryton has no such party.")
_NO_SNAPSHOT: Final = PushOutcome.rejected(
    "snapshot_mismatch", "A create or update needs a snapshot."
)
_CODE_TAKEN: Final = PushOutcome.rejected(
    "code_taken", "Another party holds this code; Tryton keeps party codes unique."
)
_KEY_TAKEN: Final = PushOutcome.rejected(
    "account_key_taken", "Another write already made a party with this account key."
)

#: A write the batch will make: the item, the party it updates (``None`` for a create), and
#: the party fields to write.
_Write = tuple[int, PushItem, Party | None, PartyFields]


class Overlap(Exception):  # noqa: N818 -- a signal between two private functions
    """
    Two items of the batch write one code or touch one party; apply them one by one.
    """


def party_id(external_id: str | None) -> int | None:
    """
    Return the party id an external id names, or ``None`` if it names none.
    """
    if external_id is None or not external_id.isascii() or not external_id.isdigit():
        return None
    value = int(external_id)
    return value if 0 < value < 2**63 else None


def refuse_invalid(snapshot: Account) -> PushOutcome | None:
    """
    Refuse an account that breaks a rule: Tryton would get bad data, and the account kept
    beside the party could not be read back.
    """
    try:
        check_account(snapshot)
    except ValidationError as error:
        where = "; ".join(f"{p.location}: {p.code}" for p in error.problems)
        return PushOutcome.rejected("invalid_account", f"The account breaks rules: {where}.")
    return None


class BatchWriter:
    """
    Apply push items in the current Tryton transaction.
    """

    def __init__(self, store: PartyStore, types: frozenset[str]) -> None:
        self._store = store
        self._types = types

    def apply(self, items: Sequence[PushItem]) -> list[PushOutcome]:
        """
        Apply ``items``; return one outcome per item.

        Raises:
            Overlap: an item's account key, code or party was touched by an earlier write
                of the batch (only for a batch of more than one item).
        """
        store = self._store
        relinks = [item for item in items if item.operation not in (_CREATE, _UPDATE)]
        if relinks and len(items) > 1:
            raise Overlap
        keys = store.ids_of_keys(item.account_key for item in items)
        wanted = {pid for item in items if (pid := self._target(item)) is not None}
        parties = store.read(store.existing({*wanted, *keys.values()}))
        codes = store.code_holders(
            item.change.snapshot.code for item in items if item.change.snapshot is not None
        )
        outcomes: list[PushOutcome | None] = []
        writes: list[_Write] = []
        # Every item is decided on the state before the batch, which is right only while no
        # earlier write of the batch touched its account key, its code or its party.
        touched: set[object] = set()
        for index, item in enumerate(items):
            if touched and not touched.isdisjoint(_touches(item)):
                raise Overlap
            decided = self._decide(item, keys, parties, codes)
            if isinstance(decided, PushOutcome):
                outcomes.append(decided)
                continue
            party, fields = decided
            outcomes.append(None)
            writes.append((index, item, party, fields))
            touched |= {*_touches(item), ("code", fields.code)}
            if party is not None:
                touched.add(("code", party.fields.code))
        for index, outcome in self._write(writes).items():
            outcomes[index] = outcome
        return [outcome for outcome in outcomes if outcome is not None]

    def _target(self, item: PushItem) -> int | None:
        if item.operation is _CREATE:
            return party_id(item.change.customer_class.generic_external_id)
        return party_id(item.external_id)

    def _decide(
        self,
        item: PushItem,
        keys: Mapping[str, int],
        parties: Mapping[int, Party],
        codes: Mapping[str, int],
    ) -> PushOutcome | tuple[Party | None, PartyFields]:
        target = parties.get(self._target(item) or 0)
        if item.operation is _CREATE:
            if item.change.customer_class.generic_external_id is not None:
                # A Generic class posts to one shared party: the create makes nothing.
                return _NOT_FOUND if target is None else _applied(target)
            holder = parties.get(keys.get(item.account_key, 0))
            if holder is not None:
                stored = holder.stored
                if stored is not None and stored.idempotency_key == item.idempotency_key:
                    return PushOutcome.duplicate(str(holder.id), holder.version)
                return _KEY_TAKEN
        elif target is None:
            return _NOT_FOUND
        elif item.operation is not _UPDATE:
            return self._relink(item, target, keys)
        elif item.base_version != target.version:
            return PushOutcome.conflict(target.version, "The party changed since base_version.")
        snapshot = item.change.snapshot
        if snapshot is None:
            return _NO_SNAPSHOT
        if (refusal := refuse_invalid(snapshot)) is not None:
            return refusal
        holder_id = codes.get(snapshot.code)
        if holder_id is not None and (target is None or holder_id != target.id):
            return _CODE_TAKEN
        return target, to_party(snapshot, self._types)

    def _relink(self, item: PushItem, target: Party, keys: Mapping[str, int]) -> PushOutcome:
        store = self._store
        if item.operation is _LINK:
            holder = keys.get(item.account_key)
            if holder is not None and holder != target.id:
                store.set_key(holder, None)
            store.set_key(target.id, item.account_key)
        else:
            store.set_key(target.id, None)
        return _applied(store.read([target.id])[target.id])

    def _write(self, writes: Sequence[_Write]) -> dict[int, PushOutcome]:
        """
        Make the writes, keep each account beside its party, and return the outcomes.
        """
        if not writes:
            return {}
        store = self._store
        created = store.create_many(
            [(item.account_key, fields) for _, item, party, fields in writes if party is None]
        )
        store.update_many([(party, fields) for _, _, party, fields in writes if party])
        new_ids = iter(created)
        ids = [party.id if party else next(new_ids) for _, _, party, _ in writes]
        read = store.read(ids)
        kept = {}
        for pid, (_, item, _, _) in zip(ids, writes, strict=True):
            assert item.change.snapshot is not None  # decided writes carry one
            party = read[pid]
            kept[pid] = Stored(
                account=item.change.snapshot,
                written=party.fields,
                children=party.children,
                idempotency_key=item.idempotency_key,
            )
        store.keep_many(kept)
        stamped = store.restamp_many(read.values())
        return {
            index: _applied(stamped[pid]) for pid, (index, _, _, _) in zip(ids, writes, strict=True)
        }


def _applied(party: Party) -> PushOutcome:
    return PushOutcome.applied(str(party.id), party.version)


def _touches(item: PushItem) -> set[object]:
    """
    Return what an item's decision reads: its account key, its code and its party.
    """
    snapshot = item.change.snapshot
    touches: set[object] = {("key", item.account_key)}
    if item.external_id is not None:
        touches.add(("party", item.external_id))
    if snapshot is not None:
        touches.add(("code", snapshot.code))
    return touches
