"""Builders shared by the sync tests: a fake clock, accounts and changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone

import attrs

from accountcore import Account, AccountType, Address
from accountcore.sync import (
    AccountingSystem,
    Capabilities,
    Change,
    ChangeKind,
    CustomerClass,
    Entry,
    EntryState,
    PushItem,
    PushOutcome,
    RemoteAccount,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
_BASE = Account.new(
    id="k0",
    code="1000",
    name="Base B.V.",
    type=AccountType.CUSTOMER,
    address=Address(line1="Damrak 1", postcode="1012 LG", city="Amsterdam", country="NL"),
    on=date(2026, 1, 1),
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def account(key: str, version: int = 1) -> Account:
    """Return a valid account with id ``key``; each version has a different name."""
    return attrs.evolve(_BASE, id=key, code=f"C{key}", name=f"Account {key} v{version}")


def change(
    key: str,
    seq: int,
    kind: ChangeKind = ChangeKind.UPDATE,
    *,
    saved_at: datetime = T0,
    customer_class: CustomerClass | None = None,
    external_id: str | None = None,
) -> Change:
    """Return a change of account ``key`` whose snapshot is version ``seq``."""
    writes = kind in (ChangeKind.CREATE, ChangeKind.UPDATE)
    return Change(
        change_id=f"{key}-{seq}",
        account_key=key,
        seq=seq,
        kind=kind,
        saved_at=saved_at,
        snapshot=account(key, seq) if writes else None,
        external_id=external_id,
        customer_class=customer_class or CustomerClass(code="ACCOUNT"),
    )


def entry(
    key: str,
    seq: int,
    kind: ChangeKind = ChangeKind.UPDATE,
    *,
    state: EntryState = EntryState.QUEUED,
    attempts: int = 0,
    not_before: datetime | None = None,
    saved_at: datetime = T0,
    customer_class: CustomerClass | None = None,
) -> Entry:
    """Return an outbox entry of ``change(key, seq, kind)``."""
    return Entry(
        change=change(key, seq, kind, saved_at=saved_at, customer_class=customer_class),
        state=state,
        attempts=attempts,
        not_before=not_before,
    )


class AsyncWrapper:
    """Any plain system behind coroutines, as an asyncio adapter would be."""

    def __init__(self, inner: AccountingSystem) -> None:
        self.inner = inner

    @property
    def capabilities(self) -> Capabilities:
        return self.inner.capabilities

    async def push(self, items: Sequence[PushItem]) -> Sequence[PushOutcome]:
        return self.inner.push(items)

    async def fetch(self, external_ids: Sequence[str]) -> Mapping[str, RemoteAccount]:
        return self.inner.fetch(external_ids)

    async def find_by_account_keys(
        self, account_keys: Sequence[str]
    ) -> Mapping[str, RemoteAccount]:
        return self.inner.find_by_account_keys(account_keys)
