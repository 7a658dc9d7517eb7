"""
Initial reconciliation (`accountcore.sync.reconcile`): what adopting the customers of an
accounting system that is not empty costs, on one core, against a time budget.

- ``sync_reconcile``: one ``reconcile(accounts, remote)`` call over the run's accounts
  (100,000 at full size) against as many remote records. The figure is the median seconds
  of `ROUNDS` calls, against a budget of 5 s (row "5 s budget", target: a ratio of at most
  1.0). The budget scales in proportion to the accounts (``--quick``, ``-n``).

Data. The local accounts are the run's records (`benchmarks._data.make_records`) read with
`accountcore.from_dict`, each given the key ``"L000000"``, ``"L000001"``, ... Each account
draws a role with ``random.Random(seed)`` (the run's ``--seed``) from `MIX`, and the remote
records follow from it:

- ``key`` (80%): a record that carries the account's key, its snapshot the account itself;
- ``vat`` (5%): a keyless copy with another code (an account without a VAT number falls to
  ``code``);
- ``coc`` (4%): a keyless copy without the VAT number and with another code (without a
  Chamber of Commerce number: ``code``);
- ``code`` (4%): a keyless copy without either number, its code padded with leading
  spaces to 18 characters, as Exact Online stores codes;
- ``ambiguous`` (1%): two keyless copies of the account: ambiguous on its deciding basis;
- ``create`` (6%): no record.

Remote-only records fill the remote list up to as many records as accounts: keyless copies
of accounts drawn at random, without either number and with a code no account has. The
remote list is shuffled with the same generator; there are no links.

Checks, before timing: every account lands in exactly one category; the matches by key and
the ambiguous accounts are exactly as drawn; the matches by VAT number, Chamber of Commerce
number and code, the accounts to create and the remote-only records are within 1% of the
draw (generated VAT and KvK numbers may coincide by chance, which makes such a pair
ambiguous); `Reconciliation.record` links every match.

Timing. `time.perf_counter` around each call; one untimed warm-up call, then `ROUNDS`
calls; the median counts. The garbage collector stays on. Building the accounts and records
is outside the timed region.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from datetime import datetime, timezone

import attrs

from accountcore import Account, from_dict
from accountcore.sync import MatchBasis, Reconciliation, RemoteAccount, reconcile

from ._registry import Context, Row, register

__all__ = ["sync_reconcile"]

#: The budget is for this many accounts; it scales in proportion to the run's ``-n``.
FULL_RECORDS = 100_000
BUDGET_S = 5.0
ROUNDS = 5
#: The roles of the accounts, in percent.
MIX: tuple[tuple[str, int], ...] = (
    ("key", 80),
    ("vat", 5),
    ("coc", 4),
    ("code", 4),
    ("ambiguous", 1),
    ("create", 6),
)
EXACT_CODE_WIDTH = 18
AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def _remote(ext: str, key: str | None, snapshot: Account) -> RemoteAccount:
    return RemoteAccount(
        external_id=ext, account_key=key, snapshot=snapshot, version="1", modified_at=AT
    )


def _without(account: Account, *, vat: bool = False, coc: bool = False, code: str) -> Account:
    financial = attrs.evolve(account.financial, vat_number=None) if vat else account.financial
    marketing = attrs.evolve(account.marketing, coc_number=None) if coc else account.marketing
    return attrs.evolve(account, id=None, code=code, financial=financial, marketing=marketing)


def _world(ctx: Context) -> tuple[list[Account], list[RemoteAccount], Counter[str]]:
    """Return the accounts, the remote records and the roles drawn, cached."""
    if "sync_reconcile.world" in ctx.cache:
        cached: tuple[list[Account], list[RemoteAccount], Counter[str]]
        cached = ctx.cache["sync_reconcile.world"]
        return cached
    rng = random.Random(ctx.settings.seed)
    accounts = [
        attrs.evolve(from_dict(record), id=f"L{i:06d}") for i, record in enumerate(ctx.records)
    ]
    roles = rng.choices([r for r, _ in MIX], weights=[w for _, w in MIX], k=len(accounts))
    remote: list[RemoteAccount] = []
    drawn: Counter[str] = Counter()
    for i, (account, draw) in enumerate(zip(accounts, roles, strict=True)):
        key, role = account.id, draw
        if role == "vat" and account.financial.vat_number is None:
            role = "code"
        if role == "coc" and account.marketing.coc_number is None:
            role = "code"
        drawn[role] += 1
        ext = f"E{i:06d}"
        if role == "key":
            remote.append(_remote(ext, key, account))
        elif role == "vat":
            remote.append(_remote(ext, None, attrs.evolve(account, id=None, code=f"V{i}")))
        elif role == "coc":
            remote.append(_remote(ext, None, _without(account, vat=True, code=f"K{i}")))
        elif role == "code":
            padded = account.code.rjust(EXACT_CODE_WIDTH)
            remote.append(_remote(ext, None, _without(account, vat=True, coc=True, code=padded)))
        elif role == "ambiguous":
            copy = attrs.evolve(account, id=None)
            remote += [_remote(ext, None, copy), _remote(f"{ext}-2", None, copy)]
    for j in range(len(accounts) - len(remote)):
        source = rng.choice(accounts)
        remote.append(
            _remote(f"O{j:06d}", None, _without(source, vat=True, coc=True, code=f"O{j}"))
        )
    drawn["remote_only"] = sum(1 for r in remote if r.external_id.startswith("O"))
    rng.shuffle(remote)
    ctx.cache["sync_reconcile.world"] = (accounts, remote, drawn)
    return accounts, remote, drawn


def _check(result: Reconciliation, accounts: list[Account], drawn: Counter[str]) -> None:
    """Make sure the reconciliation is what the draw says."""
    by_basis = Counter(m.basis for m in result.matched)
    placed = (
        len(result.matched)
        + len(result.already_linked)
        + len(result.link_mismatch)
        + len(result.to_create)
        + len(result.ambiguous)
    )
    problems = []
    if placed != len(accounts):
        problems.append(f"{placed:,} accounts placed of {len(accounts):,}")
    if by_basis[MatchBasis.ACCOUNT_KEY] != drawn["key"]:
        problems.append(f"{by_basis[MatchBasis.ACCOUNT_KEY]:,} key matches, drew {drawn['key']:,}")
    nearly = (
        ("vat", by_basis[MatchBasis.VAT_NUMBER]),
        ("coc", by_basis[MatchBasis.COC_NUMBER]),
        ("code", by_basis[MatchBasis.CODE]),
        ("create", len(result.to_create)),
        ("remote_only", len(result.remote_only)),
    )
    slack = max(len(accounts) // 100, 1)
    problems += [
        f"{got:,} {role}, drew {drawn[role]:,}"
        for role, got in nearly
        if abs(got - drawn[role]) > slack
    ]
    if not drawn["ambiguous"] <= len(result.ambiguous) <= drawn["ambiguous"] + slack:
        problems.append(f"{len(result.ambiguous):,} ambiguous, drew {drawn['ambiguous']:,}")
    if len(result.record().links) != len(result.matched):
        problems.append("the record does not link every match")
    if problems:
        raise AssertionError("the reconciliation is not what the draw says: " + "; ".join(problems))


@register("sync_reconcile")
def sync_reconcile(ctx: Context) -> list[Row]:
    """One `reconcile` of the run's accounts against as many remote records, against 5 s."""
    accounts, remote, drawn = _world(ctx)
    _check(reconcile(accounts, remote), accounts, drawn)
    seconds = []
    for round_ in range(ROUNDS + 1):  # the first round warms up
        start = time.perf_counter()
        result = reconcile(accounts, remote)
        elapsed = time.perf_counter() - start
        if round_:
            seconds.append(elapsed)
        del result
    ours = statistics.median(seconds)
    budget = BUDGET_S * len(accounts) / FULL_RECORDS
    label = (
        f"reconcile(), median of {ROUNDS} calls ({len(accounts):,} accounts against "
        f"{len(remote):,} remote records)"
    )
    mix = ", ".join(f"{role} {drawn[role]:,}" for role, _ in MIX)
    note = f"{len(accounts) / ours:,.0f} accounts reconciled per second; {mix}"
    print(f"sync_reconcile: {ours:.3f} s; {note}")
    return [Row(label, "s", ours, f"{budget:g} s budget", budget, 1.0, note)]
