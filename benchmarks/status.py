"""
Status machine benchmarks (DOMAIN §2): what asking and moving cost, against bare lookups and
two state-machine libraries. Every figure is nanoseconds per call, lower is better.

- ``status_check``: `accountcore.status.can_transition(type, current, target)` against a bare
  ``(type, current, target) in TRIPLES``, ``TRIPLES`` being the frozenset of allowed triples
  built from the same default table (target: at most 1.5x).
- ``status_targets``: `accountcore.status.allowed_targets(type, status)` against a bare
  ``MOVES[(type, status)]``, a dict built from the same table (target: at most 1.5x, set by
  this suite to match ``status_check``; nothing else asks for one).
- ``status_peers``: `can_transition` against the same question asked of the same machine
  modelled in ``transitions`` and in ``python-statemachine`` (targets: at least 40x and 100x
  faster, i.e. ratios of at most 1/40 and 1/100).
- ``status_transition``: `accountcore.status.transition(account, target, on=, at=)` (check,
  new Account, `StatusChanged` event) against a bare
  ``attrs.evolve(account, status=target, status_since=on)`` of the same accounts (target: at
  most 1.3x).

Queries. One list of `CHECKS` (type, current, target) triples, drawn with
``random.Random(seed)`` (the run's ``--seed``): each draw picks, with even odds, one of the
allowed triples or one of the refused ones (moves between two non-active statuses, to the same
status, or not open to the type), uniformly within the half. ``status_check`` and
``status_targets`` time every query; ``status_peers`` the first `PEER_CHECKS`, with
`can_transition` timed again on that same slice in the same rounds. Each contender's pass is
the same loop over the same list, making one call (or one bare lookup) per query and counting
the answers; the counts must agree. Passes run round-robin `ROUNDS` times after one warm-up
pass each and the fastest counts, with the garbage collector on (these loops keep nothing).

The peer models, checked against `can_transition` on every (type, from, to) triple before
timing (a disagreement stops the run):

- transitions: one ``Machine`` per account type, built from the table: the six
  `AccountStatus` members as states, one trigger per target status (`TRIGGERS`: ``activate``,
  ``block``, ...) with a transition from each status the type may leave for it, no
  conditions, ``auto_transitions=False`` (its ``to_<state>`` triggers would allow every move).
  Six plain model objects per machine, one added in each status (``add_model(m,
  initial=status)``), stand for accounts; the question is the documented
  ``model.may_trigger(name)`` (what ``model.may_<trigger>()`` calls; it also answers ``False``
  for a trigger the type's machine lacks).
- python-statemachine (3.x): one ``StateChart`` subclass per account type, states from
  ``States.from_enum(AccountStatus, initial=ACTIVE)``, one event per target status composed
  with ``|`` from ``<from>.to(<target>)`` transitions, no guards;
  ``validate_disconnected_states = False`` because the table lets, say, a Supplier return to
  Active from Pilot though it can never reach Pilot. One instance per (type, status), started
  there with ``start_value``; the question is ``event in sm.allowed_events`` (the current
  state's events; ``enabled_events()`` also runs guards and is slower still).

One machine per type rather than one machine with a condition on the account type: the
structure is then fixed, so neither library evaluates a condition callback per question, which
favours both. Building the query (the model or instance in the account's status, and the
trigger name) is done before timing, which favours them too.

``status_transition`` reads the first `MOVE_N` records with `accountcore.from_dict` and gives
each account a target drawn from its allowed targets (same seed), effective `ON`, recorded at
`AT`. Both passes call once per account with keyword arguments and keep only the last result;
the two must produce equal accounts.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timezone
from functools import cache
from typing import Any

import attrs
from statemachine import StateChart
from statemachine.states import States
from transitions import Machine

import accountcore
from accountcore import AccountStatus, AccountType
from accountcore.status import TransitionTable, allowed_targets, can_transition, transition

from ._registry import Context, Row, register
from ._timing import best_of

__all__ = ["status_check", "status_peers", "status_targets", "status_transition"]

UNIT = "ns/call"
CHECKS = 200_000
PEER_CHECKS = 20_000
MOVE_N = 10_000
#: Short passes want more rounds than the per-record benchmarks' default of two.
ROUNDS = 7
ON = date(2025, 1, 1)
AT = datetime(2025, 1, 1, 9, 0, tzinfo=timezone.utc)

Triple = tuple[AccountType, AccountStatus, AccountStatus]
Key = tuple[AccountType, AccountStatus]

_S = AccountStatus
#: The trigger (transitions) or event (python-statemachine) that moves to each status.
TRIGGERS: dict[AccountStatus, str] = {
    _S.ACTIVE: "activate", _S.REFERENCE: "mark_reference", _S.BLOCKED: "block",
    _S.PILOT: "mark_pilot", _S.PASSIVE: "mark_passive", _S.INACTIVE: "deactivate",
}


def _table() -> Mapping[AccountType, Mapping[AccountStatus, frozenset[AccountStatus]]]:
    return TransitionTable.default().moves


def _by_code(statuses: frozenset[AccountStatus]) -> list[AccountStatus]:
    return sorted(statuses, key=lambda s: s.value)


def _every_triple() -> list[Triple]:
    return [(t, c, g) for t in AccountType for c in AccountStatus for g in AccountStatus]


def _allowed_triples() -> frozenset[Triple]:
    return frozenset((t, c, g) for t, by_status in _table().items()
                     for c, targets in by_status.items() for g in targets)


@cache
def _queries(seed: int) -> tuple[Triple, ...]:
    """Return the seeded query list: half allowed, half refused triples."""
    allowed = _allowed_triples()
    every = _every_triple()
    yes = [q for q in every if q in allowed]
    no = [q for q in every if q not in allowed]
    rng = random.Random(seed)
    return tuple(rng.choice(yes if rng.random() < 0.5 else no) for _ in range(CHECKS))


def _per_call_ns(seconds: float, calls: int) -> float:
    return seconds / calls * 1e9


def _time(passes: dict[str, Callable[[], int]], calls: int) -> dict[str, float]:
    """Warm every pass once, check they count alike, time them; ns per call by name."""
    counts = {name: fn() for name, fn in passes.items()}
    if len(set(counts.values())) != 1:
        raise AssertionError(f"the contenders answer differently: {counts}")
    seconds = best_of(passes, ROUNDS)
    return {name: _per_call_ns(s, calls) for name, s in seconds.items()}


def _rows(label: str, ours: str, figures: dict[str, float],
          targets: dict[str, float]) -> list[Row]:
    return [Row(label, UNIT, figures[ours], peer, theirs, targets.get(peer))
            for peer, theirs in figures.items() if peer != ours]


def _checking(queries: Sequence[Triple]) -> Callable[[], int]:
    def run() -> int:
        can = can_transition
        n = 0
        for t, c, g in queries:
            if can(t, c, g):
                n += 1
        return n

    return run


@register("status_check")
def status_check(ctx: Context) -> list[Row]:
    """`can_transition` against a bare frozenset lookup, same queries, same loop."""
    queries = _queries(ctx.settings.seed)
    allowed = _allowed_triples()

    def bare() -> int:
        triples = allowed
        n = 0
        for t, c, g in queries:
            if (t, c, g) in triples:
                n += 1
        return n

    figures = _time({"can_transition": _checking(queries), "frozenset lookup": bare},
                    len(queries))
    label = f"can_transition ({len(queries):,} seeded checks)"
    return _rows(label, "can_transition", figures, {"frozenset lookup": 1.5})


@register("status_targets")
def status_targets(ctx: Context) -> list[Row]:
    """`allowed_targets` against a bare dict lookup, same (type, status) pairs, same loop."""
    pairs = [(t, c) for t, c, _ in _queries(ctx.settings.seed)]
    moves = {(t, c): targets for t, by_status in _table().items()
             for c, targets in by_status.items()}

    def ours() -> int:
        targets_of = allowed_targets
        n = 0
        for t, c in pairs:
            n += len(targets_of(t, c))
        return n

    def bare() -> int:
        table = moves
        n = 0
        for t, c in pairs:
            n += len(table[(t, c)])
        return n

    figures = _time({"allowed_targets": ours, "dict lookup": bare}, len(pairs))
    label = f"allowed_targets ({len(pairs):,} seeded lookups)"
    return _rows(label, "allowed_targets", figures, {"dict lookup": 1.5})


class _Model:
    """An account as transitions sees it: the machine adds ``state`` and its methods."""


def _transitions_models() -> dict[Key, Any]:
    """One transitions ``Machine`` per account type; one model per (type, status)."""
    models: dict[Key, Any] = {}
    for account_type, by_status in _table().items():
        moves = [{"trigger": TRIGGERS[target], "source": source, "dest": target}
                 for source in AccountStatus for target in _by_code(by_status[source])]
        machine = Machine(model=None, states=list(AccountStatus), transitions=moves,
                          initial=AccountStatus.ACTIVE, auto_transitions=False)
        for status in AccountStatus:
            model = _Model()
            machine.add_model(model, initial=status)
            models[(account_type, status)] = model
    return models


def _statemachine_instances() -> dict[Key, Any]:
    """One python-statemachine ``StateChart`` class per account type; one instance per status."""
    instances: dict[Key, Any] = {}
    for account_type, by_status in _table().items():
        states = States.from_enum(AccountStatus, initial=AccountStatus.ACTIVE)
        namespace: dict[str, Any] = {"_": states, "validate_disconnected_states": False}
        for target in AccountStatus:
            sources = [s for s in AccountStatus if target in by_status[s]]
            event = None
            for source in sources:
                move = getattr(states, source.name).to(getattr(states, target.name))
                event = move if event is None else event | move
            if event is not None:
                namespace[TRIGGERS[target]] = event
        name = f"{account_type.name.title().replace('_', '')}Status"
        chart = type(name, (StateChart,), namespace)
        for status in AccountStatus:
            instances[(account_type, status)] = chart(start_value=status)
    return instances


def _verify_peers(models: Mapping[Key, Any], instances: Mapping[Key, Any]) -> None:
    """Make both peer models answer like `can_transition` on every (type, from, to) triple."""
    wrong = []
    for t, c, g in _every_triple():
        ours = can_transition(t, c, g)
        theirs = {
            "transitions": models[(t, c)].may_trigger(TRIGGERS[g]),
            "python-statemachine": TRIGGERS[g] in instances[(t, c)].allowed_events,
        }
        wrong += [f"{peer}: {t.name} {c.name} -> {g.name} says {answer}"
                  for peer, answer in theirs.items() if answer is not ours]
        if models[(t, c)].state is not c or instances[(t, c)].current_state_value is not c:
            raise AssertionError(f"a peer model is not in {c.name}")
    if wrong:
        raise AssertionError("peer models disagree with can_transition:\n" + "\n".join(wrong))


@register("status_peers")
def status_peers(ctx: Context) -> list[Row]:
    """`can_transition` against transitions and python-statemachine, same slice of queries."""
    queries = _queries(ctx.settings.seed)[:PEER_CHECKS]
    models = _transitions_models()
    instances = _statemachine_instances()
    _verify_peers(models, instances)
    for_transitions = [(models[(t, c)], TRIGGERS[g]) for t, c, g in queries]
    for_statemachine = [(instances[(t, c)], TRIGGERS[g]) for t, c, g in queries]

    def with_transitions() -> int:
        n = 0
        for model, trigger in for_transitions:
            if model.may_trigger(trigger):
                n += 1
        return n

    def with_statemachine() -> int:
        n = 0
        for machine, event in for_statemachine:
            if event in machine.allowed_events:
                n += 1
        return n

    figures = _time({"can_transition": _checking(queries), "transitions": with_transitions,
                     "python-statemachine": with_statemachine}, len(queries))
    label = f"can_transition vs state-machine libraries (first {len(queries):,} checks)"
    return _rows(label, "can_transition", figures,
                 {"transitions": 1 / 40, "python-statemachine": 1 / 100})


@register("status_transition")
def status_transition(ctx: Context) -> list[Row]:
    """A full `transition` against a bare ``attrs.evolve`` of the same accounts."""
    accounts = [accountcore.from_dict(r) for r in ctx.records[:MOVE_N]]
    rng = random.Random(ctx.settings.seed)
    items = [(a, rng.choice(_by_code(allowed_targets(a.type, a.status)))) for a in accounts]
    for account, target in items:
        moved, event = transition(account, target, on=ON, at=AT)
        evolved = attrs.evolve(account, status=target, status_since=ON)
        if moved != evolved or event.new is not target or event.old is not account.status:
            raise AssertionError(f"transition and evolve differ on account {account.code!r}")

    def ours() -> int:
        move = transition
        on, at = ON, AT
        result = None
        for account, target in items:
            result = move(account, target, on=on, at=at)
        return int(result is not None)

    def bare() -> int:
        evolve = attrs.evolve
        on = ON
        result = None
        for account, target in items:
            result = evolve(account, status=target, status_since=on)
        return int(result is not None)

    figures = _time({"transition()": ours, "attrs.evolve": bare}, len(items))
    label = f"transition(): check + new Account + event ({len(items):,} accounts)"
    return _rows(label, "transition()", figures, {"attrs.evolve": 1.3})
