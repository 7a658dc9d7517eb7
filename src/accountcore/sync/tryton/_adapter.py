"""
`TrytonAccountingSystem`: the `AccountingSystem` port on a Tryton database, embedded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final, TypeVar

from ...entities import Account
from ...errors import (
    AdapterError,
    Problem,
    SyncError,
    UnsupportedOperationError,
    ValidationError,
)
from ...validation import check_account
from .._model import (
    Capabilities,
    CustomerClass,
    Posting,
    PushItem,
    PushOperation,
    PushOutcome,
    RemoteAccount,
)
from ._errors import error_of, outcome_of
from ._mapping import to_party
from ._party import ImportPage, ImportProblem, Party, Stored
from ._store import PartyStore

__all__ = ["ImportPage", "ImportProblem", "TrytonAccountingSystem"]

_T = TypeVar("_T")
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
#: The largest batch the adapter takes; each item is its own Tryton transaction.
MAX_BATCH: Final = 100


def _party_id(external_id: str | None) -> int | None:
    if external_id is None or not external_id.isascii() or not external_id.isdigit():
        return None
    value = int(external_id)
    return value if 0 < value < 2**63 else None


class TrytonAccountingSystem:
    """
    Push accounts to ``party.party`` in a Tryton database this process opens itself.

    Each push item runs in a transaction of its own, so a refused item leaves its
    neighbours applied. Versions are digests of Tryton's own timestamps of the party and its
    addresses, contact mechanisms and identifiers. An account key lives in the unique field
    ``accountcore_key`` of the Tryton module ``accountcore_sync``, which the database must
    have activated.

    Args:
        database: the name of the Tryton database (configure trytond to find it first).
        user: the Tryton user id the adapter acts as (0 is root). Tryton checks access
            rights only when the context sets ``_check_access``.
        max_batch: the largest batch the adapter declares (1 to 100).
        generic_party: the code of the party a Generic customer class posts to.
        context: extra Tryton context for every transaction (say, ``{"language": "nl"}``).

    Raises:
        ValidationError: ``max_batch`` is out of range.
        AdapterError: the database is missing, or it has not activated ``accountcore_sync``.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        database: str,
        *,
        user: int = 0,
        max_batch: int = 50,
        generic_party: str | None = None,
        context: Mapping[str, object] | None = None,
    ) -> None:
        if not 1 <= max_batch <= MAX_BATCH:
            raise ValidationError(
                [Problem(("max_batch",), "out_of_range", f"max_batch is 1 to {MAX_BATCH}.")]
            )
        self._database = database
        self._user = user
        # Inactive parties are accounts too: every search must find them.
        self._context = {**(context or {}), "active_test": False}
        self._capabilities = Capabilities(
            max_batch=max_batch, idempotency_keys=False, conditional_update=True
        )
        self._pool = _open_pool(database)
        self._store = PartyStore(self._pool)
        with self._transaction(readonly=True):
            self._types = self._store.identifier_types()
            self._generic = self._generic_id(generic_party)

    def _generic_id(self, code: str | None) -> str | None:
        if code is None:
            return None
        found = self._store.Party.search([("code", "=", code)], limit=1)
        if not found:
            raise AdapterError(f"Tryton has no party with code {code!r} for the generic class.")
        return str(found[0].id)

    @property
    def capabilities(self) -> Capabilities:
        """
        Return what the adapter supports: conditional updates, no idempotency keys.
        """
        return self._capabilities

    @property
    def database(self) -> str:
        """
        Return the name of the Tryton database.
        """
        return self._database

    def generic_class(
        self, code: str, *, trade_terms_days: int | None = None, prefixes: tuple[str, ...] = ()
    ) -> CustomerClass:
        """
        Return a Generic customer class that posts to the configured generic party.

        Raises:
            AdapterError: no ``generic_party`` was configured.
            ValidationError: the class's own rules (see `CustomerClass`).
        """
        if self._generic is None:
            raise AdapterError("Configure generic_party to use a Generic customer class.")
        return CustomerClass(
            code=code,
            posting=Posting.GENERIC,
            generic_external_id=self._generic,
            trade_terms_days=trade_terms_days,
            prefixes=prefixes,
        )

    # --- the port -------------------------------------------------------------------------

    def push(self, items: Sequence[PushItem]) -> list[PushOutcome]:
        """
        Apply each item in its own Tryton transaction; return one outcome per item.

        Raises:
            UnsupportedOperationError: the batch is longer than ``capabilities.max_batch``.
        """
        if len(items) > self._capabilities.max_batch:
            raise UnsupportedOperationError(
                f"A batch of {len(items)} items exceeds max_batch {self._capabilities.max_batch}."
            )
        return [self._push_one(item) for item in items]

    def fetch(self, external_ids: Sequence[str]) -> dict[str, RemoteAccount]:
        """
        Return the parties that exist among ``external_ids``.

        Raises:
            RemoteUnavailableError: the database could not be read.
        """
        wanted = {i: pid for i in external_ids if (pid := _party_id(i)) is not None}

        def read() -> dict[str, RemoteAccount]:
            existing = set(self._store.existing(wanted.values()))
            parties = self._store.read(sorted(existing))
            return {i: _remote(parties[pid]) for i, pid in wanted.items() if pid in existing}

        return self._read(read)

    def find_by_account_keys(self, account_keys: Sequence[str]) -> dict[str, RemoteAccount]:
        """
        Return, per account key, the party that holds it.

        Raises:
            RemoteUnavailableError: the database could not be read.
        """

        def read() -> dict[str, RemoteAccount]:
            ids = self._store.ids_of_keys(account_keys)
            parties = self._store.read(sorted(ids.values()))
            return {key: _remote(parties[pid]) for key, pid in ids.items()}

        return self._read(read)

    def import_parties(self, *, cursor: str | None = None, limit: int = 100) -> ImportPage:
        """
        Read a page of parties back as accounts, those accountcore never wrote included.

        A party accountcore wrote reads back as the account it wrote, with the edits made in
        Tryton since. Any other party becomes a Customer since the day Tryton created it,
        with the fields of the mapping; the parties that do not make a valid account that
        way come back as problems, never dropped in silence.

        Args:
            cursor: ``None`` for the first page, else the cursor of the page before.
            limit: how many parties a page reads (1 to 1,000).

        Raises:
            ValidationError: ``cursor`` is not one this method returned, or ``limit`` is
                out of range.
            RemoteUnavailableError: the database could not be read.
        """
        problems = []
        after = 0 if cursor is None else _party_id(cursor)
        if cursor is not None and after is None:
            problems.append(Problem(("cursor",), "invalid_format", "Not an import cursor."))
        if not 1 <= limit <= 1000:
            problems.append(Problem(("limit",), "out_of_range", "limit is 1 to 1,000."))
        if problems:
            raise ValidationError(problems)
        assert after is not None

        def read() -> ImportPage:
            ids = self._store.page(after, limit)
            parties = self._store.read(ids)
            accounts, refused = [], []
            for pid in ids:
                party = parties[pid]
                try:
                    remote = _remote(party)
                    check_account(remote.snapshot)
                except ValidationError as error:
                    refused.append(ImportProblem(external_id=str(pid), problems=error.problems))
                    continue
                accounts.append(remote)
            next_cursor = str(ids[-1]) if len(ids) == limit else None
            return ImportPage(accounts=tuple(accounts), problems=tuple(refused), cursor=next_cursor)

        return self._read(read)

    # --- one item -------------------------------------------------------------------------

    def _push_one(self, item: PushItem) -> PushOutcome:
        committing = False
        try:
            with self._transaction() as finish:
                outcome = self._apply(item)
                committing = True
                finish(outcome.status.value in ("applied",))
            return outcome
        except Exception as error:
            return outcome_of(error, maybe_applied=committing)

    def _apply(self, item: PushItem) -> PushOutcome:
        operation = item.operation
        if operation is PushOperation.CREATE:
            return self._create(item)
        party_id = _party_id(item.external_id)
        existing = self._store.existing([party_id]) if party_id is not None else []
        if not existing:
            return _NOT_FOUND
        (party,) = self._store.read(existing).values()
        if operation is PushOperation.UPDATE:
            return self._update(item, party)
        if operation is PushOperation.LINK:
            holders = self._store.ids_of_keys([item.account_key])
            holder = holders.get(item.account_key)
            if holder is not None and holder != party.id:
                self._store.set_key(holder, None)
            self._store.set_key(party.id, item.account_key)
        else:
            self._store.set_key(party.id, None)
        return PushOutcome.applied(str(party.id), self._version(party.id))

    def _create(self, item: PushItem) -> PushOutcome:
        generic = item.change.customer_class.generic_external_id
        if generic is not None:
            # A Generic class posts to one shared party: the create makes nothing.
            party_id = _party_id(generic)
            if party_id is None or not self._store.existing([party_id]):
                return _NOT_FOUND
            return PushOutcome.applied(generic, self._version(party_id))
        holder = self._store.ids_of_keys([item.account_key]).get(item.account_key)
        if holder is not None:
            party = self._store.read([holder])[holder]
            if party.stored is not None and party.stored.idempotency_key == item.idempotency_key:
                return PushOutcome.duplicate(str(holder), party.version)
            return _KEY_TAKEN
        snapshot = item.change.snapshot
        if snapshot is None:
            return _NO_SNAPSHOT
        if (refusal := _refuse_invalid(snapshot)) is not None:
            return refusal
        if self._store.code_taken(snapshot.code, None):
            return _CODE_TAKEN
        fields = to_party(snapshot, self._types)
        party_id = self._store.create(item.account_key, fields)
        return self._keep(party_id, item)

    def _update(self, item: PushItem, party: Party) -> PushOutcome:
        if item.base_version != party.version:
            return PushOutcome.conflict(party.version, "The party changed since base_version.")
        snapshot = item.change.snapshot
        if snapshot is None:
            return _NO_SNAPSHOT
        if (refusal := _refuse_invalid(snapshot)) is not None:
            return refusal
        if self._store.code_taken(snapshot.code, party.id):
            return _CODE_TAKEN
        self._store.update(party, to_party(snapshot, self._types))
        return self._keep(party.id, item)

    def _keep(self, party_id: int, item: PushItem) -> PushOutcome:
        """
        Read the party back as Tryton stored it and keep the account beside it.
        """
        assert item.change.snapshot is not None
        party = self._store.read([party_id])[party_id]
        stored = Stored(
            account=item.change.snapshot,
            written=party.fields,
            children=party.children,
            idempotency_key=item.idempotency_key,
        )
        self._store.keep(party_id, stored)
        return PushOutcome.applied(str(party_id), self._store.restamp(party).version)

    def _version(self, party_id: int) -> str:
        return self._store.read([party_id])[party_id].version

    # --- transactions ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _transaction(self, *, readonly: bool = False) -> Iterator[Callable[[bool], None]]:
        """
        Run the body in one Tryton transaction; the body calls ``finish(commit)`` to say
        whether to commit. An exception rolls back.
        """
        from trytond.transaction import Transaction

        decision = {"commit": False}

        def finish(commit: bool) -> None:
            decision["commit"] = commit

        transaction = Transaction().start(
            self._database, self._user, readonly=readonly, context=self._context
        )
        try:
            yield finish
        except BaseException:
            transaction.stop(False)
            raise
        transaction.stop(decision["commit"])

    def _read(self, body: Callable[[], _T]) -> _T:
        try:
            with self._transaction(readonly=True):
                return body()
        except SyncError:
            raise
        except ValidationError:
            raise
        except Exception as error:
            raise error_of(error) from error


def _refuse_invalid(snapshot: Account) -> PushOutcome | None:
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


def _remote(party: Party) -> RemoteAccount:
    return RemoteAccount(
        external_id=str(party.id),
        account_key=party.key,
        snapshot=party.account(),
        version=party.version,
        modified_at=party.modified_at,
    )


def _open_pool(database: str) -> Any:
    from trytond.pool import Pool

    # Constructing a Pool registers its name, so ask before constructing it.
    started = database in Pool.database_list()
    pool = Pool(database)
    try:
        if not started:
            pool.init()
        pool.get("party.party").accountcore_key  # noqa: B018 -- is the module activated?
    except AttributeError:
        raise AdapterError(
            f"The Tryton database {database!r} has not activated the module accountcore_sync."
        ) from None
    except Exception as error:
        raise AdapterError(
            f"The Tryton database {database!r} cannot be opened: {type(error).__name__}: {error}"
        ) from error
    return pool
