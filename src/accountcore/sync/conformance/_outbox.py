"""
A conformance kit for `Outbox` implementations: a pytest contract and a state machine that
drives an outbox beside the in-memory reference.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta, timezone
from typing import TypeVar

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ...entities import Account
from ...errors import ConflictError, ValidationError
from .._model import Change, ChangeKind, Link, Lookup, PushOutcome
from .._ports import (
    Closed,
    Disposition,
    Entry,
    EntryState,
    Hold,
    HoldReason,
    Outbox,
    Record,
    Supersede,
    TenantState,
)
from ..memory import InMemoryOutbox
from ._support import _named, _snapshot

__all__ = ["OutboxContract", "OutboxStateMachine", "make_outbox_machine"]

_AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
_ResultT = TypeVar("_ResultT")
_NAMES = ("a", "b", "c")
_STATES = tuple(EntryState)


def _codes(error: ValidationError) -> set[str]:
    return {problem.code for problem in error.problems}


def _describe(record: Record) -> str:
    """Return a record in one short line: ids, states and keys, no snapshots."""
    parts = [
        *(f"entry {e.change_id} {e.state.name} x{e.attempts}" for e in record.entries),
        *(f"close {c.change_id} {c.disposition.name}" for c in record.closed),
        *(f"supersede {s.account_key} [{s.first_seq}, {s.last_seq})" for s in record.superseded),
        *(
            f"link {link.account_key}{' synced' if link.synced is not None else ''}"
            for link in record.links
        ),
        *(f"unlink {key}" for key in record.unlinked),
        *(["tenant"] if record.tenant is not None else []),
        *(f"redrive {e.change_id}" for e in record.reopened),
    ]
    return f"({', '.join(parts)})"


class _CheckedOutbox:
    """
    Call an outbox and turn each broken promise of the port into an `AssertionError`.
    """

    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    def append(self, changes: Sequence[Change]) -> None:
        self._call("append", lambda: self._outbox.append(changes), ValidationError)

    def record(self, record: Record) -> None:
        self._call("record", lambda: self._outbox.record(record), ConflictError)

    def pending(self) -> list[Entry]:
        entries = list(self._call("pending", self._outbox.pending, None))
        assert all(isinstance(entry, Entry) for entry in entries), "pending() returned a non-Entry"
        ids = [entry.change_id for entry in entries]
        assert len(set(ids)) == len(ids), f"pending() lists a change twice: {ids}"
        return entries

    def links(self, account_keys: Collection[str]) -> dict[str, Link]:
        found = dict(self._call("links", lambda: self._outbox.links(account_keys), None))
        for key, link in found.items():
            assert key in account_keys, f"links() returned {key!r}, not asked for"
            assert isinstance(link, Link), f"links() returned a non-Link for {key!r}"
            assert link.account_key == key, (
                f"links() returned the link of {link.account_key!r} under {key!r}"
            )
        return found

    def tenant(self) -> TenantState:
        tenant = self._call("tenant", self._outbox.tenant, None)
        assert isinstance(tenant, TenantState), "tenant() returned a non-TenantState"
        return tenant

    def _call(
        self, name: str, call: Callable[[], _ResultT], allowed: type[Exception] | None
    ) -> _ResultT:
        try:
            return call()
        except Exception as error:
            if allowed is not None and isinstance(error, allowed):
                raise
            may = f"only {allowed.__name__}" if allowed else "nothing"
            raise AssertionError(
                f"{name} raised {type(error).__name__}: {error}; it may raise {may}"
            ) from error


class _OutboxBuilders:
    """
    The builders the outbox contract and machine share; override them in a subclass.
    """

    def account_key(self, name: str) -> str:
        """
        Return the account key the kit uses for the account it calls ``name``.
        """
        return name

    def snapshot(self, key: str, version: int = 1) -> Account:
        """
        Return a valid account with id ``key``; each ``version`` differs in name and remarks.
        """
        return _snapshot(key, version)

    def change(self, key: str, seq: int = 1, *, change_id: str | None = None) -> Change:
        """
        Return an update of account ``key`` at ``seq``, its id ``{key}-{seq}`` by default.
        """
        return Change(
            change_id=change_id or f"{key}-{seq}",
            account_key=key,
            seq=seq,
            kind=ChangeKind.UPDATE,
            saved_at=_AT,
            snapshot=self.snapshot(key, seq),
        )

    def closed(self, change: Change, disposition: Disposition = Disposition.APPLIED) -> Closed:
        """
        Return the closing of ``change``; a dead letter carries its change.
        """
        dead = disposition is Disposition.DEAD_LETTERED
        return Closed(
            change_id=change.change_id,
            account_key=change.account_key,
            disposition=disposition,
            at=_AT,
            code="rejected" if dead else None,
            change=change if dead else None,
        )


class OutboxContract(_OutboxBuilders):
    """
    The contract every `Outbox` keeps, as pytest tests; override the ``outbox`` fixture.

    The rules are those of the reference, `accountcore.sync.memory.InMemoryOutbox`: ``append``
    queues all of its changes or none, refusing a repeated change id (``duplicate_change``)
    and a per-account ``seq`` that does not grow (``seq_not_increasing``) with a
    `ValidationError`; ``pending`` lists the open entries in append order, a replaced entry in
    its place; ``record`` applies all of a `Record` or none of it, refusing with a
    `ConflictError` an entry to replace or close that is not open, a change closed twice, and
    a re-drive of a change that is not a dead letter or not its account's newest change;
    links and the tenant state read back exactly as recorded.

    .. versionadded:: 0.2
    """

    @pytest.fixture
    def outbox(self) -> Outbox:
        """
        Return a fresh, empty outbox under test; override this fixture.
        """
        raise NotImplementedError("override the `outbox` fixture")

    def _ids(self, port: _CheckedOutbox) -> list[str]:
        return [entry.change_id for entry in port.pending()]

    def _refused_append(self, port: _CheckedOutbox, changes: list[Change], code: str) -> None:
        before = port.pending()
        try:
            port.append(changes)
        except ValidationError as error:
            assert code in _codes(error), (
                f"append refused {[c.change_id for c in changes]} with {sorted(_codes(error))}, "
                f"not {code}"
            )
        else:
            raise AssertionError(
                f"append accepted {[(c.change_id, c.seq) for c in changes]}: expected {code}"
            )
        assert port.pending() == before, "a refused append changed pending()"

    def _refused_record(self, port: _CheckedOutbox, record: Record, why: str) -> None:
        keys = [self.account_key(name) for name in _NAMES]
        before = (port.pending(), port.links(keys), port.tenant())
        try:
            port.record(record)
        except ConflictError:
            pass
        else:
            raise AssertionError(f"record accepted {why}; it must raise ConflictError")
        after = (port.pending(), port.links(keys), port.tenant())
        assert after[0] == before[0], f"a record refused for {why} changed pending()"
        assert after[1] == before[1], f"a record refused for {why} changed links()"
        assert after[2] == before[2], f"a record refused for {why} changed tenant()"

    def _append(self, port: _CheckedOutbox, changes: list[Change]) -> None:
        try:
            port.append(changes)
        except ValidationError as error:
            ids = [(c.change_id, c.seq) for c in changes]
            raise AssertionError(f"append refused {ids}: {error}") from error

    def _record(self, port: _CheckedOutbox, record: Record) -> None:
        try:
            port.record(record)
        except ConflictError as error:
            raise AssertionError(f"record refused {_describe(record)}: {error}") from error

    def test_is_an_empty_outbox(self, outbox: Outbox) -> None:
        """
        A fresh outbox satisfies the protocol, with nothing pending, no links, a blank tenant.
        """
        assert isinstance(outbox, Outbox), "the outbox does not satisfy the Outbox protocol"
        port = _CheckedOutbox(outbox)
        assert port.pending() == [], "a fresh outbox has pending entries"
        assert port.links([self.account_key("a")]) == {}, "a fresh outbox has links"
        assert port.tenant() == TenantState(), "a fresh outbox's tenant is not TenantState()"

    def test_pending_keeps_append_order(self, outbox: Outbox) -> None:
        """
        Appended changes come back queued, as appended, in append order across calls.
        """
        port = _CheckedOutbox(outbox)
        a, b = self.account_key("a"), self.account_key("b")
        changes = [self.change(b), self.change(a), self.change(b, 2)]
        self._append(port, changes[:2])
        self._append(port, changes[2:])
        want = [Entry(change=change) for change in changes]
        got = port.pending()
        assert [e.change_id for e in got] == [e.change_id for e in want], (
            f"pending() lists {[e.change_id for e in got]}, appended {[e.change_id for e in want]}"
        )
        assert got == want, "pending() does not read back the appended changes, queued"

    def test_repeated_change_id_is_refused(self, outbox: Outbox) -> None:
        """
        A change id already open, or twice in one batch, is refused with duplicate_change.
        """
        port = _CheckedOutbox(outbox)
        a, b = self.account_key("a"), self.account_key("b")
        self._append(port, [self.change(a)])
        self._refused_append(port, [self.change(b, change_id=f"{a}-1")], "duplicate_change")
        twice = [self.change(b), self.change(b, 2, change_id=f"{b}-1")]
        self._refused_append(port, twice, "duplicate_change")

    def test_closed_change_id_is_refused(self, outbox: Outbox) -> None:
        """
        A change id that left the outbox (applied) cannot be appended again.
        """
        port = _CheckedOutbox(outbox)
        a = self.account_key("a")
        first = self.change(a)
        self._append(port, [first])
        self._record(port, Record(closed=(self.closed(first),)))
        self._refused_append(
            port, [self.change(a, 2, change_id=first.change_id)], "duplicate_change"
        )

    def test_seq_must_grow_per_account(self, outbox: Outbox) -> None:
        """
        A seq not above its account's last one is refused: against the outbox (also after
        that change left it), and within one batch; other accounts count their own.
        """
        port = _CheckedOutbox(outbox)
        a, b = self.account_key("a"), self.account_key("b")
        self._append(port, [self.change(a, 2)])
        self._refused_append(port, [self.change(a, 2, change_id=f"{a}-x")], "seq_not_increasing")
        self._refused_append(port, [self.change(a, 1)], "seq_not_increasing")
        self._refused_append(
            port, [self.change(b, 5), self.change(b, 5, change_id=f"{b}-y")], "seq_not_increasing"
        )
        self._record(port, Record(closed=(self.closed(self.change(a, 2)),)))
        self._refused_append(port, [self.change(a, 1)], "seq_not_increasing")
        self._append(port, [self.change(b, 1), self.change(a, 3)])
        assert self._ids(port) == [f"{b}-1", f"{a}-3"], "growing seqs were not appended"

    def test_failed_append_appends_nothing(self, outbox: Outbox) -> None:
        """
        One bad change refuses the whole batch; its good changes can be appended after.
        """
        port = _CheckedOutbox(outbox)
        a, b = self.account_key("a"), self.account_key("b")
        good = [self.change(a), self.change(b)]
        self._refused_append(
            port, [*good, self.change(a, 1, change_id=f"{a}-again")], "seq_not_increasing"
        )
        self._refused_append(
            port, [*good, self.change(b, 2, change_id=f"{a}-1")], "duplicate_change"
        )
        self._append(port, good)
        assert self._ids(port) == [f"{a}-1", f"{b}-1"], "the good changes were not appended after"

    def test_replaced_entry_keeps_its_place(self, outbox: Outbox) -> None:
        """
        Replacing an entry changes it as recorded, and not its place in pending().
        """
        port = _CheckedOutbox(outbox)
        a, b, c = (self.account_key(name) for name in _NAMES)
        changes = [self.change(a), self.change(b), self.change(c)]
        self._append(port, changes)
        sent = Entry(
            change=changes[1],
            state=EntryState.WAITING,
            attempts=2,
            not_before=_AT + timedelta(minutes=5),
            lookup=Lookup.VERIFY,
            last_outcome=PushOutcome.retryable(maybe_applied=True, code="timeout"),
        )
        self._record(port, Record(entries=(sent,)))
        want = [Entry(change=changes[0]), sent, Entry(change=changes[2])]
        assert self._ids(port) == [e.change_id for e in want], (
            f"after a replace pending() lists {self._ids(port)}, not {[e.change_id for e in want]}"
        )
        assert port.pending() == want, "the replaced entry does not read back as recorded"

    def test_closed_entries_leave_pending(self, outbox: Outbox) -> None:
        """
        Applied and dead-lettered entries leave pending(); the others stay, in order.
        """
        port = _CheckedOutbox(outbox)
        a, b, c = (self.account_key(name) for name in _NAMES)
        changes = [self.change(a), self.change(b), self.change(c)]
        self._append(port, changes)
        dead = self.closed(changes[2], Disposition.DEAD_LETTERED)
        self._record(port, Record(closed=(self.closed(changes[0]), dead)))
        assert self._ids(port) == [f"{b}-1"], f"after closing two, pending() is {self._ids(port)}"

    def test_record_refuses_entries_that_are_not_open(self, outbox: Outbox) -> None:
        """
        Replacing or closing an unknown or closed entry, or closing one twice, is a conflict.
        """
        port = _CheckedOutbox(outbox)
        a, b = self.account_key("a"), self.account_key("b")
        first, second, unknown = (
            self.change(a),
            self.change(b),
            self.change(b, 9, change_id=f"{b}-zz"),
        )
        self._append(port, [first, second])
        self._record(port, Record(closed=(self.closed(first),)))
        cases = [
            (Record(entries=(Entry(change=unknown),)), "the replace of an unknown entry"),
            (Record(closed=(self.closed(unknown),)), "the close of an unknown entry"),
            (Record(entries=(Entry(change=first),)), "the replace of a closed entry"),
            (Record(closed=(self.closed(first),)), "the close of a closed entry"),
            (
                Record(closed=(self.closed(second), self.closed(second))),
                "the same entry closed twice in one record",
            ),
        ]
        for record, why in cases:
            self._refused_record(port, record, why)

    def test_refused_record_changes_nothing(self, outbox: Outbox) -> None:
        """
        A record with one bad part applies none of its good parts: entries, closes,
        supersedes, links, unlinks, the tenant and re-drives all stay as they were.
        """
        port = _CheckedOutbox(outbox)
        a, b, c = (self.account_key(name) for name in _NAMES)
        changes = [self.change(a), self.change(b), self.change(b, 2), self.change(c)]
        self._append(port, changes)
        dead = self.closed(changes[3], Disposition.DEAD_LETTERED)
        self._record(
            port,
            Record(
                closed=(dead,),
                links=(Link(account_key=b, external_id="R2", synced=self.snapshot(b)),),
                tenant=TenantState(cursor="c1", outages=1),
            ),
        )
        good = Record(
            entries=(Entry(change=changes[0], state=EntryState.IN_FLIGHT, attempts=1),),
            closed=(self.closed(changes[2]),),
            superseded=(Supersede(account_key=b, first_seq=1, last_seq=2, by=f"{b}-2", at=_AT),),
            links=(Link(account_key=a, external_id="R1", version="1"),),
            unlinked=(b,),
            tenant=TenantState(paused_until=_AT),
            reopened=(Entry(change=changes[3]),),
        )
        unknown = self.change(c, 9, change_id=f"{c}-zz")
        bad = [
            (
                attrs.evolve(good, entries=(*good.entries, Entry(change=unknown))),
                "an unknown replace",
            ),
            (attrs.evolve(good, closed=(*good.closed, self.closed(unknown))), "an unknown close"),
            (attrs.evolve(good, closed=good.closed * 2), "an entry closed twice"),
            (attrs.evolve(good, reopened=(Entry(change=changes[1]),)), "an open entry re-driven"),
        ]
        for record, why in bad:
            self._refused_record(port, record, why)
        self._record(port, good)
        assert self._ids(port) == [f"{a}-1", f"{c}-1"], (
            f"the record without its bad part leaves pending() at {self._ids(port)}"
        )

    def test_supersede_closes_only_queued_entries_in_range(self, outbox: Outbox) -> None:
        """
        Supersede closes its account's queued entries with first_seq <= seq < last_seq, and
        no sent entry, no entry out of range and no other account's entry.
        """
        port = _CheckedOutbox(outbox)
        a, b = self.account_key("a"), self.account_key("b")
        self._append(port, [self.change(a, seq) for seq in range(1, 6)] + [self.change(b, 2)])
        self._record(
            port, Record(entries=(Entry(change=self.change(a, 2), state=EntryState.IN_FLIGHT),))
        )
        supersede = Supersede(account_key=a, first_seq=1, last_seq=4, by=f"{a}-4", at=_AT)
        self._record(port, Record(superseded=(supersede,)))
        want = [f"{a}-2", f"{a}-4", f"{a}-5", f"{b}-2"]
        assert self._ids(port) == want, f"after the supersede pending() is {self._ids(port)}"

    def test_link_reads_back_as_recorded(self, outbox: Outbox) -> None:
        """
        A link reads back whole (external id, version, lookup, synced snapshot); a new link
        replaces it whole; an unlink removes it; only links asked for come back.
        """
        port = _CheckedOutbox(outbox)
        a, b, c = (self.account_key(name) for name in _NAMES)
        old = Link(account_key=a, external_id="R1", version="1", synced=self.snapshot(a))
        bare = Link(account_key=b)
        self._record(port, Record(links=(old, bare)))
        got = port.links([a, b, c])
        assert got == {a: old, b: bare}, f"the links read back as {got}"
        assert got[a].synced == self.snapshot(a), "the link's synced snapshot did not read back"
        assert port.links([b]) == {b: bare}, "links() returned links not asked for"
        new = Link(account_key=a, external_id="R1", version="2", lookup=Lookup.REBASE)
        self._record(port, Record(links=(new,), unlinked=(b, c)))
        got = port.links([a, b, c])
        assert got == {a: new}, f"after a replace and an unlink, the links read back as {got}"
        assert got[a].synced is None, "a replaced link kept the old link's synced snapshot"

    def test_tenant_reads_back_as_recorded(self, outbox: Outbox) -> None:
        """
        The tenant state reads back whole, stays when a record does not set it, and is
        replaced whole when one does.
        """
        port = _CheckedOutbox(outbox)
        tenant = TenantState(
            paused_until=_AT + timedelta(minutes=1),
            calls=(_AT, _AT + timedelta(seconds=1)),
            held=Hold(reason=HoldReason.AUTHENTICATION, message="Token refused.", since=_AT),
            outages=3,
            errors=(_AT,),
            cursor="cursor-7",
        )
        self._record(port, Record(tenant=tenant))
        assert port.tenant() == tenant, f"the tenant reads back as {port.tenant()}"
        self._record(port, Record(links=(Link(account_key=self.account_key("a")),)))
        assert port.tenant() == tenant, "a record without a tenant changed the tenant"
        self._record(port, Record(tenant=TenantState(cursor="cursor-8")))
        assert port.tenant() == TenantState(cursor="cursor-8"), (
            f"the tenant was not replaced whole: {port.tenant()}"
        )

    def test_redriven_dead_letter_comes_back_open(self, outbox: Outbox) -> None:
        """
        A dead letter re-driven is open again as recorded; it can be closed again, and a
        second re-drive of it while open is refused.
        """
        port = _CheckedOutbox(outbox)
        a, b = self.account_key("a"), self.account_key("b")
        first, other = self.change(a), self.change(b)
        self._append(port, [first, other])
        self._record(port, Record(closed=(self.closed(first, Disposition.DEAD_LETTERED),)))
        entry = Entry(change=first, not_before=_AT)
        self._record(port, Record(reopened=(entry,)))
        got = {e.change_id: e for e in port.pending()}
        assert got.get(first.change_id) == entry, "the re-driven dead letter is not open again"
        assert other.change_id in got, "the re-drive lost another entry"
        self._refused_record(port, Record(reopened=(entry,)), "a re-drive of an open entry")
        self._record(port, Record(closed=(self.closed(first),)))
        assert self._ids(port) == [other.change_id], "the re-driven entry could not be closed"
        self._refused_record(port, Record(reopened=(entry,)), "a re-drive of an applied change")

    def test_redrive_refused_unless_newest_dead_letter(self, outbox: Outbox) -> None:
        """
        A re-drive of a change never seen, or of a dead letter whose account has a newer
        change (open or closed), is refused.
        """
        port = _CheckedOutbox(outbox)
        a = self.account_key("a")
        first, second = self.change(a), self.change(a, 2)
        self._append(port, [first])
        self._record(port, Record(closed=(self.closed(first, Disposition.DEAD_LETTERED),)))
        unknown = Entry(change=self.change(a, 9, change_id=f"{a}-zz"))
        self._refused_record(port, Record(reopened=(unknown,)), "a re-drive of an unknown change")
        self._append(port, [second])
        stale = Entry(change=first)
        self._refused_record(port, Record(reopened=(stale,)), "a re-drive behind an open change")
        self._record(port, Record(closed=(self.closed(second),)))
        self._refused_record(port, Record(reopened=(stale,)), "a re-drive behind an applied change")


# -- the state machine --------------------------------------------------------------------

_TENANTS = st.builds(
    TenantState,
    paused_until=st.sampled_from((None, _AT, _AT + timedelta(minutes=1))),
    calls=st.sampled_from(((), (_AT,), (_AT, _AT + timedelta(seconds=1)))),
    held=st.sampled_from(
        (None, Hold(reason=HoldReason.CONFIGURATION, message="No ledger.", since=_AT))
    ),
    outages=st.integers(0, 3),
    errors=st.sampled_from(((), (_AT,))),
    cursor=st.sampled_from((None, "c1", "c2")),
)
_DISPOSITIONS = st.sampled_from((Disposition.APPLIED, Disposition.DEAD_LETTERED))
_OUTCOMES = st.sampled_from(
    (
        None,
        PushOutcome.applied("R1", "1"),
        PushOutcome.retryable(maybe_applied=True, code="timeout"),
    )
)


class OutboxStateMachine(_OutboxBuilders, RuleBasedStateMachine):
    """
    Drive an outbox and an `InMemoryOutbox` with the same random appends and records.

    Appends mix three accounts with growing ``seq`` and fresh change ids; some spoil one
    change (a ``seq`` that does not grow past the account's last one, also a closed one; an
    id already open, closed, or earlier in the batch). Records are drawn from the open
    entries and dead letters: replaced entries (new state, attempts, due time, lookup, last
    outcome), closes (applied, or dead-lettered with their change), supersede ranges, links
    with and without a synced snapshot, unlinks, tenant states and re-drives; about half add
    one bad part (an unknown or closed entry, a close twice, a re-drive of an open entry or
    of an older dead letter). Further steps re-drive one dead letter (the newest of its
    account or not) or supersede a range of one account's entries (sent or not).
    A drawn record never names one entry in two parts, nor one account both in a supersede
    and in a replace or close, nor one key in both links and unlinks: it stays clear of
    the order in which an outbox applies a record's parts.

    After each call both must accept it, or both refuse it (`ValidationError` from
    ``append``, `ConflictError` from ``record``); and after each step they must give the
    same ``pending()`` (in order; a re-driven entry may stand anywhere after its account's
    older entries), the same ``links()`` of every key and the same ``tenant()``.

    Build one with `make_outbox_machine`, or subclass and override `make_outbox`.

    Attributes:
        outbox: the outbox under test, behind the kit's checks.
        model: the reference outbox.

    .. versionadded:: 0.2
    """

    def __init__(self) -> None:
        super().__init__()
        self.outbox = _CheckedOutbox(self.make_outbox())
        self.model = InMemoryOutbox()
        self._reopened: set[str] = set()
        self._last: dict[str, int] = {}
        self._serial = 0

    def make_outbox(self) -> Outbox:
        """
        Return a fresh, empty outbox under test.
        """
        raise NotImplementedError("build the machine with make_outbox_machine(factory)")

    @rule(
        steps=st.lists(
            st.tuples(st.sampled_from(_NAMES), st.sampled_from((1, 1, 2))), min_size=1, max_size=4
        ),
        spoil=st.sampled_from(("", "", "", "", "", "seq", "open", "closed", "batch")),
        index=st.integers(0, 7),
    )
    def append(self, steps: list[tuple[str, int]], spoil: str, index: int) -> None:
        """
        Append one batch to both: each account's seq steps up, ids are fresh; some batches
        spoil one change: its seq does not grow, or its id repeats an open one, a closed
        one or one earlier in the batch.
        """
        last = dict(self._last)
        changes: list[Change] = []
        for name, step in steps:
            key = self.account_key(name)
            last[key] = last.get(key, 0) + step
            self._serial += 1
            changes.append(self.change(key, last[key], change_id=f"{key}-{self._serial}"))
        changes = self._spoil_batch(changes, spoil, index)
        want = self._outcome(lambda: self.model.append(changes), ValidationError)
        got = self._outcome(lambda: self.outbox.append(changes), ValidationError)
        what = f"append of {[(c.change_id, c.seq) for c in changes]}"
        self._agree(what, want, got)
        if want is None:
            self._last = last

    def _spoil_batch(self, changes: list[Change], spoil: str, index: int) -> list[Change]:
        at = index % len(changes)
        change = changes[at]
        open_ids = [entry.change_id for entry in self.model.pending()]
        pool = {
            "open": open_ids,
            "closed": [c.change_id for c in self.model.closed if c.change_id not in open_ids],
            "batch": [c.change_id for c in changes[:at]],
        }.get(spoil, [])
        if pool:
            change = attrs.evolve(change, change_id=pool[index % len(pool)])
        elif spoil == "seq" and self._last:
            # An account absent from the batch, at (or one below) its last seq ever: the
            # outbox must remember it, also when that change has left the outbox.
            keys = sorted(self._last, key=lambda key: any(c.account_key == key for c in changes))
            key = keys[0]
            seq = max(0, self._last[key] - index % 2)
            self._serial += 1
            return [*changes, self.change(key, seq, change_id=f"{key}-{self._serial}")]
        return [*changes[:at], change, *changes[at + 1 :]]

    @rule(data=st.data())
    def record(self, data: st.DataObject) -> None:
        """
        Record one drawn record on both.
        """
        self._apply(self._draw_record(data))

    def _apply(self, record: Record) -> None:
        want = self._outcome(lambda: self.model.record(record), ConflictError)
        got = self._outcome(lambda: self.outbox.record(record), ConflictError)
        self._agree(f"record {_describe(record)}", want, got)
        if want is None:
            self._reopened.update(entry.change_id for entry in record.reopened)

    @precondition(lambda self: bool(self.model.dead_letters()))
    @rule(data=st.data())
    def redrive(self, data: st.DataObject) -> None:
        """
        Re-drive one dead letter on both; it may not be its account's newest change.
        """
        letter = data.draw(st.sampled_from(self.model.dead_letters()), label="dead letter")
        assert letter.change is not None  # the kit's dead letters carry their change
        self._apply(Record(reopened=(Entry(change=letter.change, not_before=_AT),)))

    @precondition(lambda self: bool(self.model.pending()))
    @rule(data=st.data())
    def supersede(self, data: st.DataObject) -> None:
        """
        Supersede a range of one account's entries on both, sent or not.
        """
        pending = self.model.pending()
        key = data.draw(st.sampled_from(sorted({e.account_key for e in pending})), label="key")
        self._apply(Record(superseded=(self._draw_supersede(data, key, pending),)))

    @invariant()
    def outboxes_agree(self) -> None:
        """
        Require the same pending entries, links and tenant state as the reference.
        """
        want, got = self.model.pending(), self.outbox.pending()
        want_ids, got_ids = [e.change_id for e in want], [e.change_id for e in got]
        assert sorted(got_ids) == sorted(want_ids), (
            f"pending() lists {got_ids}, the reference {want_ids}"
        )
        kept = [i for i in got_ids if i not in self._reopened]
        assert kept == [i for i in want_ids if i not in self._reopened], (
            f"pending() lists {got_ids} in another order than the reference's {want_ids}"
        )
        by_id = {e.change_id: e for e in got}
        for entry in want:
            assert by_id[entry.change_id] == entry, (
                f"entry {entry.change_id!r} reads back as {by_id[entry.change_id]!r}, "
                f"the reference {entry!r}"
            )
        for key in {e.account_key for e in got}:
            seqs = [e.change.seq for e in got if e.account_key == key]
            assert seqs == sorted(seqs), f"pending() lists account {key!r} out of seq order"
        keys = [self.account_key(name) for name in _NAMES]
        links, model_links = self.outbox.links(keys), self.model.links(keys)
        assert links == model_links, f"links() reads {links}, the reference {model_links}"
        tenant, model_tenant = self.outbox.tenant(), self.model.tenant()
        assert tenant == model_tenant, f"tenant() reads {tenant}, the reference {model_tenant}"

    def _outcome(
        self, call: Callable[[], None], allowed: type[Exception]
    ) -> type[Exception] | None:
        try:
            call()
        except allowed as error:
            return type(error)
        return None

    def _agree(self, what: str, want: type[Exception] | None, got: type[Exception] | None) -> None:
        def said(error: type[Exception] | None) -> str:
            return "accepts" if error is None else f"refuses ({error.__name__})"

        assert (want is None) == (got is None), (
            f"{what}: the reference {said(want)}, the outbox {said(got)}"
        )

    def _draw_record(self, data: st.DataObject) -> Record:
        pending = self.model.pending()
        order = data.draw(st.permutations(range(len(pending))), label="order")
        n_replace = data.draw(st.integers(0, min(3, len(order))), label="replace")
        n_close = data.draw(st.integers(0, min(2, len(order) - n_replace)), label="close")
        entries: list[Entry] = []
        for i in order[:n_replace]:
            entries.append(
                attrs.evolve(
                    pending[i],
                    state=data.draw(st.sampled_from(_STATES)),
                    attempts=data.draw(st.integers(0, 3)),
                    not_before=data.draw(st.sampled_from((None, _AT))),
                    lookup=data.draw(st.sampled_from((None, *Lookup))),
                    last_outcome=data.draw(_OUTCOMES),
                )
            )
        closed = [
            self.closed(pending[i].change, data.draw(_DISPOSITIONS))
            for i in order[n_replace : n_replace + n_close]
        ]
        touched = {pending[i].account_key for i in order[: n_replace + n_close]}
        reopened: list[Entry] = []
        dead = self.model.dead_letters()
        redrive: bool = data.draw(st.booleans(), label="redrive")
        if dead and redrive:
            letter = data.draw(st.sampled_from(dead))
            if letter.change is not None and letter.account_key not in touched:
                reopened.append(Entry(change=letter.change, not_before=_AT))
                touched.add(letter.account_key)
        superseded = []
        free = [name for name in _NAMES if self.account_key(name) not in touched]
        queued = [n for n in free if any(e.account_key == self.account_key(n) for e in pending)]
        supersede: bool = data.draw(st.booleans(), label="supersede")
        if free and supersede:
            key = self.account_key(data.draw(st.sampled_from(queued or free)))
            superseded.append(self._draw_supersede(data, key, pending))
        names = data.draw(st.lists(st.sampled_from(_NAMES), unique=True, max_size=3))
        split = data.draw(st.integers(0, len(names)))
        links = tuple(
            Link(
                account_key=self.account_key(name),
                external_id=data.draw(st.sampled_from((None, "R1", "R2"))),
                version=data.draw(st.sampled_from((None, "1", "2"))),
                lookup=data.draw(st.sampled_from((None, *Lookup))),
                synced=self.snapshot(self.account_key(name), data.draw(st.integers(1, 2)))
                if data.draw(st.booleans())
                else None,
            )
            for name in names[:split]
        )
        record = Record(
            entries=tuple(entries),
            closed=tuple(closed),
            superseded=tuple(superseded),
            links=links,
            unlinked=tuple(self.account_key(name) for name in names[split:]),
            tenant=data.draw(st.none() | _TENANTS, label="tenant"),
            reopened=tuple(reopened),
        )
        return self._spoil(record, data)

    def _draw_supersede(self, data: st.DataObject, key: str, pending: list[Entry]) -> Supersede:
        seqs = sorted(e.change.seq for e in pending if e.account_key == key)
        first = data.draw(st.sampled_from(sorted({0, *seqs})), label="first_seq")
        ends = sorted({first, *(seq + 1 for seq in seqs if seq >= first)})
        last = data.draw(st.sampled_from(ends), label="last_seq")
        return Supersede(account_key=key, first_seq=first, last_seq=last, by="by", at=_AT)

    def _spoil(self, record: Record, data: st.DataObject) -> Record:
        """Add one bad part to a record, about one time in two."""
        how = data.draw(
            st.sampled_from(("", "", "", "", "", "unknown", "closed", "twice", "open", "older"))
        )
        pending = self.model.pending()
        named = {e.change_id for e in (*pending, *record.reopened)}
        gone = [c for c in self.model.closed if c.change_id not in named]
        if how == "unknown":
            key = self.account_key("a")
            stranger = Entry(change=self.change(key, 99, change_id=f"{key}-unknown"))
            if data.draw(st.booleans()):
                return attrs.evolve(record, entries=(*record.entries, stranger))
            return attrs.evolve(record, closed=(*record.closed, self.closed(stranger.change)))
        if how == "closed" and gone:
            left = data.draw(st.sampled_from(gone))
            again = attrs.evolve(left, disposition=Disposition.APPLIED, code=None, change=None)
            return attrs.evolve(record, closed=(*record.closed, again))
        if how == "twice" and record.closed:
            return attrs.evolve(record, closed=(*record.closed, record.closed[0]))
        older = [
            letter.change
            for letter in self.model.dead_letters()
            if letter.change is not None
            and letter.change.seq < self._last.get(letter.account_key, 0)
            and letter.change_id not in {e.change_id for e in record.reopened}
        ]
        if how == "older" and older:
            change = data.draw(st.sampled_from(older))
            return attrs.evolve(record, reopened=(*record.reopened, Entry(change=change)))
        if how == "open" and pending:
            entry = data.draw(st.sampled_from(pending))
            return attrs.evolve(record, reopened=(*record.reopened, Entry(change=entry.change)))
        return record


def make_outbox_machine(factory: Callable[[], Outbox]) -> type[OutboxStateMachine]:
    """
    Return an `OutboxStateMachine` over the outboxes ``factory`` makes.

    Collect it with ``TestMine = make_outbox_machine(MyOutbox).TestCase``. It runs 50
    examples of up to 20 steps, without a deadline and without the explain phase; every
    other setting comes from the Hypothesis profile active at this call. Change them with
    ``TestMine.settings = hypothesis.settings(...)``.

    Args:
        factory: returns a fresh, empty outbox on every call.

    Returns:
        A new state machine class.

    .. versionadded:: 0.2
    """

    class Machine(OutboxStateMachine):
        def make_outbox(self) -> Outbox:
            return factory()

    return _named(Machine, factory, "Outbox")
