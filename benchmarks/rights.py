"""
Rights benchmarks (DOMAIN §4): what `Policy.decide` costs per call, against a time budget, a
bare set lookup and an authorisation library. Every figure is nanoseconds per call, lower is
better, and every figure is a median, not a best.

- ``rights_decide``: ``Policy().decide(principal, action, account)`` on every query, against
  a budget of 1 µs (row "1 µs budget", target: a ratio of at most 1.0, i.e. a median of at
  most 1 µs per call) and against the same decisions as a bare ``needed in effective``,
  ``effective`` being the principal's rights (its roles' rights and its direct rights) as a
  precomputed frozenset of right numbers and ``needed`` the query's right number, also
  precomputed (information only: the ratio is what the `Decision` value, the action's own
  rules and the role lookup cost over a set membership test).
- ``rights_casbin``: ``decide`` against pycasbin's ``Enforcer.enforce(user, "account",
  right)`` on the same queries, in the same rounds (target: at least 100x faster, i.e. a
  ratio of at most 1/100).

Queries. `PRINCIPAL_N` principals drawn with ``random.Random(seed)`` (the run's ``--seed``),
each of one kind with even odds: no roles and no rights; one or two default roles (sometimes
with an ``"Auditor"`` role the policy does not know, which grants nothing); one to three
rights held directly; roles and direct rights both. Every principal has clearance 100 and
every account security level 0 and no account manager, so record security passes and the
function rights decide. The accounts are one Customer, Reseller, Supplier, Prospect and Not
validated account each (`Account.new`). Each of `QUERY_N` queries draws a principal and, with
even odds, one kind of action that needs a right: `ChangeStatus` on the Customer, Reseller or
Supplier account (rights 292, 293, 294), `Delete` (355) or `Merge` (273, 274) on one of those
three, `ChangeType` of any account to a type the default type-change rules allow (273, 274,
291, 406), `Maintain` of one of the four catalogues (222, 261, 278, 319), `CustomiseCard`
(498). The right each query needs is written out here from DOMAIN §4 (and the default
type-change rules) and checked against ``decide(...).right`` on every query before timing,
as are the bare lookup's and casbin's answers against ``decide(...).allowed``; any
disagreement stops the run. About a quarter of the queries are allowed (seed 20240601:
466 of 2,000, 275 through a role and 191 through a direct right).

The casbin model is the same RBAC model, built from text with ``casbin.Enforcer``'s
``new_model(text=...)`` and no adapter: ``r = sub, obj, act``, ``p = sub, obj, act``,
``g = _, _``, effect ``some(where (p.eft == allow))``, matcher ``g(r.sub, p.sub) && r.obj ==
p.obj && r.act == p.act``. Policy lines: each default role grants each of its rights as the
right's number in text (``"292"``) on the object ``"account"``; each direct right of a
principal is a policy line for that user; grouping lines put each user in each of its roles.
The query's user id and right text are built before timing, which favours casbin. The peer
column names casbin's installed version (the machine section's list does not).

Timing. A batch is one loop over the query list making one call (or one bare lookup) per
query and counting the allowed answers; the counts must agree. Each contender runs one
warm-up batch, then the batches run round-robin (decide, bare, decide, bare, ...): `BATCHES`
rounds for ``rights_decide``, `CASBIN_BATCHES` rounds over the first `CASBIN_QUERY_N`
queries for ``rights_casbin`` (casbin is slow enough that a batch takes a noticeable share of
a second). The figure is the median batch's time divided by its queries, with the garbage
collector on (these loops keep nothing).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import date
from importlib.metadata import version
from typing import Any

import casbin  # type: ignore[import-untyped]

from accountcore import Account, AccountStatus, AccountType, Address
from accountcore.rights import (
    DEFAULT_ROLES,
    Action,
    Catalogue,
    ChangeStatus,
    ChangeType,
    CustomiseCard,
    Delete,
    Maintain,
    Merge,
    Policy,
    Principal,
)
from accountcore.status import TypeChangeRules

from ._registry import Context, Row, register

__all__ = ["rights_casbin", "rights_decide"]

UNIT = "ns/call"
PRINCIPAL_N = 40
QUERY_N = 2_000
CASBIN_QUERY_N = 1_000
BATCHES = 101
CASBIN_BATCHES = 11
#: The per-call budget of ``rights_decide``, in the unit of the rows.
BUDGET_NS = 1_000.0
UNKNOWN_ROLE = "Auditor"
CLEARANCE = 100
ON = date(2024, 1, 1)

_T = AccountType
#: The right each action needs (DOMAIN §4), written out rather than read from the policy.
STATUS_RIGHTS = {_T.CUSTOMER: 292, _T.RESELLER: 293, _T.SUPPLIER: 294}
MERGE_RIGHTS = {_T.CUSTOMER: 273, _T.RESELLER: 274, _T.SUPPLIER: 273}
DELETE_RIGHT = 355
CATALOGUE_RIGHTS = {Catalogue.ACCOUNT_SETTINGS: 222, Catalogue.RATING_RULES: 261,
                    Catalogue.BANK_ACCOUNT_TYPES: 278, Catalogue.CLASSIFICATIONS: 319}
CUSTOMISE_RIGHT = 498
ACCOUNT_TYPES = (_T.CUSTOMER, _T.RESELLER, _T.SUPPLIER, _T.PROSPECT, _T.NOT_VALIDATED)

CASBIN_MODEL = """\
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
"""
CASBIN_OBJECT = "account"

#: One query: who asks, for what, on which account, and the right number that needs.
Query = tuple[Principal, Action, Account, int]


def _accounts() -> dict[AccountType, Account]:
    address = Address(line1="Damrak 1", city="Amsterdam", country="NL")
    return {t: Account.new(code=str(i), name=f"{t.name.title()} account", type=t,
                           address=address, on=ON)
            for i, t in enumerate(ACCOUNT_TYPES, start=1)}


def _principals(rng: random.Random) -> list[Principal]:
    role_names = [role.name for role in DEFAULT_ROLES]
    right_numbers = sorted({int(r) for role in DEFAULT_ROLES for r in role.rights})
    principals = []
    for i in range(PRINCIPAL_N):
        kind = rng.randrange(4)
        roles: set[str] = set()
        rights: set[int] = set()
        if kind in (1, 3):
            roles = set(rng.sample(role_names, rng.randint(1, 2)))
            if rng.random() < 0.25:
                roles.add(UNKNOWN_ROLE)
        if kind in (2, 3):
            rights = set(rng.sample(right_numbers, rng.randint(1, 3)))
        principals.append(Principal(user_id=f"user{i:03d}", roles=frozenset(roles),
                                    rights=frozenset(rights), clearance=CLEARANCE))
    return principals


Drawn = tuple[Action, Account, int]


def _action(rng: random.Random, accounts: dict[AccountType, Account]) -> Drawn:
    """Draw one action needing a right, the account it applies to, and that right's number."""
    status_side = [accounts[t] for t in STATUS_RIGHTS]
    kind = rng.randrange(6)
    if kind == 0:
        account = rng.choice(status_side)
        status = rng.choice(list(AccountStatus))
        return ChangeStatus(status), account, STATUS_RIGHTS[account.type]
    if kind == 1:
        return Delete(), rng.choice(status_side), DELETE_RIGHT
    if kind == 2:
        account = rng.choice(status_side)
        return Merge(), account, MERGE_RIGHTS[account.type]
    if kind == 3:
        changes = sorted(((a, b, r) for (a, b), r in TypeChangeRules.default().rights.items()
                          if a in accounts), key=lambda c: (c[0].value, c[1].value))
        current, target, right = rng.choice(changes)
        return ChangeType(target), accounts[current], right
    if kind == 4:
        what = rng.choice(list(Catalogue))
        return Maintain(what), rng.choice(status_side), CATALOGUE_RIGHTS[what]
    return CustomiseCard(), rng.choice(status_side), CUSTOMISE_RIGHT


_CACHE_KEY = "rights.queries"


def _queries(ctx: Context) -> tuple[list[Principal], list[Query]]:
    """Return the seeded principals and queries, built once per run and checked."""
    cached = ctx.cache.get(_CACHE_KEY)
    if cached is not None:
        principals, queries = cached
        return principals, queries
    rng = random.Random(ctx.settings.seed)
    principals = _principals(rng)
    accounts = _accounts()
    queries = []
    for _ in range(QUERY_N):
        principal = rng.choice(principals)
        action, account, right = _action(rng, accounts)
        queries.append((principal, action, account, right))
    _verify_rights(Policy(), queries)
    ctx.cache[_CACHE_KEY] = (principals, queries)
    return principals, queries


def _verify_rights(policy: Policy, queries: Sequence[Query]) -> None:
    """Make sure `decide` needs the right this module expects, and no record rule decides."""
    wrong = []
    for principal, action, account, right in queries:
        decision = policy.decide(principal, action, account)
        if decision.right is None or int(decision.right) != right:
            wrong.append(f"{action!r} on {account.type.name}: decide needs {decision.right}, "
                         f"expected {right} ({decision.rule})")
    if wrong:
        raise AssertionError("decide needs other rights than expected:\n" + "\n".join(wrong[:20]))


def _effective(principal: Principal) -> frozenset[int]:
    """The principal's rights as numbers: its known roles' rights and its direct rights."""
    held = {int(r) for role in DEFAULT_ROLES if role.name in principal.roles for r in role.rights}
    return frozenset(held | set(principal.rights))


def _enforcer(principals: Sequence[Principal]) -> Any:
    """Build the casbin enforcer: the same roles, role assignments and direct rights."""
    enforcer = casbin.Enforcer(casbin.Enforcer.new_model(text=CASBIN_MODEL))
    lines = [[role.name, CASBIN_OBJECT, str(int(r))] for role in DEFAULT_ROLES
             for r in sorted(role.rights)]
    lines += [[p.user_id, CASBIN_OBJECT, str(r)] for p in principals for r in sorted(p.rights)]
    groups = [[p.user_id, name] for p in principals for name in sorted(p.roles)]
    enforcer.add_policies(lines)
    enforcer.add_grouping_policies(groups)
    return enforcer


def _deciding(policy: Policy, queries: Sequence[Query]) -> Callable[[], int]:
    items = [(p, a, acc) for p, a, acc, _ in queries]

    def run() -> int:
        decide = policy.decide
        n = 0
        for principal, action, account in items:
            if decide(principal, action, account).allowed:
                n += 1
        return n

    return run


def _median_ns(passes: dict[str, Callable[[], int]], calls: int,
               batches: int) -> dict[str, float]:
    """Warm every pass once, check they count alike, time ``batches`` rounds; median ns/call."""
    counts = {name: fn() for name, fn in passes.items()}
    if len(set(counts.values())) != 1:
        raise AssertionError(f"the contenders answer differently: {counts}")
    times: dict[str, list[float]] = {name: [] for name in passes}
    for _ in range(batches):
        for name, fn in passes.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(seconds) / calls * 1e9 for name, seconds in times.items()}


@register("rights_decide")
def rights_decide(ctx: Context) -> list[Row]:
    """`Policy.decide` against a 1 µs budget and a bare frozenset lookup, same queries."""
    principals, queries = _queries(ctx)
    policy = Policy()
    effective = {p.user_id: _effective(p) for p in principals}
    bare_items = [(effective[p.user_id], right) for p, _, _, right in queries]
    wrong = [q for q, (rights, right) in zip(queries, bare_items, strict=True)
             if (right in rights) is not policy.decide(q[0], q[1], q[2]).allowed]
    if wrong:
        raise AssertionError(f"the bare lookup disagrees with decide on {len(wrong)} queries")

    def bare() -> int:
        n = 0
        for rights, right in bare_items:
            if right in rights:
                n += 1
        return n

    figures = _median_ns({"decide": _deciding(policy, queries), "frozenset lookup": bare},
                         len(queries), BATCHES)
    ours = figures["decide"]
    label = f"Policy.decide, median of {BATCHES} batches ({len(queries):,} seeded queries)"
    return [Row(label, UNIT, ours, f"{BUDGET_NS / 1000:g} µs budget", BUDGET_NS, 1.0),
            Row(label, UNIT, ours, "frozenset lookup", figures["frozenset lookup"])]


@register("rights_casbin")
def rights_casbin(ctx: Context) -> list[Row]:
    """`Policy.decide` against casbin's `enforce` with the same RBAC model, same queries."""
    principals, every_query = _queries(ctx)
    policy = Policy()
    enforcer = _enforcer(principals)
    wrong = []
    for principal, action, account, right in every_query:
        ours = policy.decide(principal, action, account).allowed
        theirs = enforcer.enforce(principal.user_id, CASBIN_OBJECT, str(right))
        if theirs is not ours:
            wrong.append(f"{principal.user_id} {sorted(principal.roles)} "
                         f"{sorted(principal.rights)} right {right}: casbin says {theirs}")
    if wrong:
        raise AssertionError(f"casbin disagrees with decide on {len(wrong)} queries:\n"
                             + "\n".join(wrong[:20]))
    queries = every_query[:CASBIN_QUERY_N]
    requests = [(p.user_id, str(right)) for p, _, _, right in queries]

    def with_casbin() -> int:
        enforce = enforcer.enforce
        obj = CASBIN_OBJECT
        n = 0
        for user, right in requests:
            if enforce(user, obj, right):
                n += 1
        return n

    figures = _median_ns({"decide": _deciding(policy, queries), "casbin": with_casbin},
                         len(queries), CASBIN_BATCHES)
    label = (f"Policy.decide vs casbin, median of {CASBIN_BATCHES} batches "
             f"(first {len(queries):,} queries)")
    return [Row(label, UNIT, figures["decide"], f"casbin {version('casbin')}",
                figures["casbin"], 1 / 100)]
