"""
The Tryton adapter (`accountcore.sync.tryton`): what pushing accounts through the sync engine
and the adapter costs, against writing the same parties straight through Tryton's ORM.

- ``tryton_push``: one `SyncDriver.run_due()` against `TrytonAccountingSystem` (``max_batch``
  `BATCH`) on a fresh SQLite database, with an `InMemoryOutbox` holding one never-sent
  create for each of `ACCOUNTS` (1,000) accounts: plan, and for each of the 20 batches
  `begin`, the push (the batch in one Tryton transaction: the accounts checked and mapped,
  the parties created in one ``create`` with their addresses, contact mechanisms and
  identifiers, read back together, and the accounts kept as JSON on them in one ``write``),
  `settle`, and the outbox records, end to end. Against it, on another fresh
  database, the same parties created the way an integrator writing them by hand would:
  ``Pool(database).get("party.party").create(values)`` of `BATCH` parties per transaction
  (``Transaction().start(database, 0, context={"active_test": False})``, committed), 20
  transactions, with the fields the adapter writes. The figure is microseconds per account
  (target: a ratio of at most 1.5). Same size with ``--quick``; only the passes change.

Data. The first `ACCOUNTS` of the run's records (`benchmarks._data.make_records`, the run's
``--seed``; the records every other benchmark reads), read with `accountcore.from_dict`, each
given the account key ``"T00000"``, ``"T00001"``, ... as its id: companies in ten countries
weighted towards the Benelux, with their own codes and a street address; most have an email
on a domain of their own (``info@delta-foods123.nl``), a website and phone numbers (3.2
contact mechanisms per party on average), three in four a valid VAT number, some French ones
a SIREN (0.8 identifiers per party); and bank accounts, free fields and a contact person,
which Tryton has no field for: the adapter keeps them in the account JSON on the party. Tryton
checks every email and VAT number again (its test mode, which `create_database` sets, skips
the DNS look-up of email domains). One `Change` per account (seq 1, `ChangeKind.CREATE`,
saved the day before `NOW`), the default customer class. The driver's clock is the fixed
`NOW` (five minutes after the daily 02:00 Europe/Amsterdam run, so every change is due), its
random source ``random.Random(seed).random``; nothing reads the real clock.

The direct writes get, per account, the values the adapter's own mapping gives
(`accountcore.sync.tryton._mapping.to_party`, with the identifier types the database
accepts), worked out before timing: name, code and active; one address (street lines joined
by newlines, postal code, city, country id; a subdivision id where the database has the
subdivision, which the template has not); contact mechanisms for the email, phone, mobile,
fax and website the account has; identifiers for its VAT and register numbers where Tryton
has a type for them. Inside the timed region it reads the country and subdivision ids (one
query each, as the adapter does) and builds the value dicts. It writes neither the account
key nor the account JSON: that, the checks and the read-back are what the adapter costs.

Databases. Every database is a copy of the template `accountcore.sync.tryton.create_database`
builds once in ``.cache/tryton`` (party and ``accountcore_sync`` activated, every ISO country
loaded; the tests share it), made in one temporary folder for the run (trytond's database
folder is process-wide) and deleted after its pass. Copying it, opening its pool
(``Pool.init``, in the adapter's constructor for the adapter and by hand for the ORM), and
filling the outbox all happen before timing; ``Pool.stop`` after.

Checks, after every pass: the driver applied every change (``RunReport.applied`` equal to the
accounts, 20 push calls, an empty outbox); both databases hold `ACCOUNTS` parties, every one
of the adapter's holding its account key, and read back alike: by party code the name, active
flag, address (street, postal code, city, country, subdivision), contact mechanisms and
identifiers, compared as sets. A difference stops the run.

Timing. `time.perf_counter` around ``run_due`` and around the 20 ORM transactions
(`benchmarks._timing.best_of`, one pass of each per round, adapter first). An untimed
warm-up round of `BATCH` accounts on each side first (lazy imports, first queries); then
`PASSES` rounds (`QUICK_PASSES` with fewer than 100,000 records, as ``--quick``), each on
fresh databases; the fastest pass of each side counts. The garbage collector stays on. Both
sides run on SQLite in write-ahead-log mode with ``synchronous = NORMAL`` (trytond's
settings), so commits do not wait for the disk: a server database, where every transaction
costs a round trip, would charge the adapter's one transaction per account more.
"""

from __future__ import annotations

import itertools
import random
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs

from accountcore import Account, from_dict
from accountcore.sync import Change, ChangeKind, RunReport, Schedule, SyncDriver
from accountcore.sync.memory import InMemoryOutbox

from ._data import make_records
from ._registry import Context, Row, register
from ._timing import best_of, per_record_us

__all__ = ["tryton_push"]

#: At least this many records (the run's ``-n``) means full passes; fewer, as ``--quick``.
FULL_RECORDS = 100_000
ACCOUNTS = 1_000
BATCH = 50
PASSES = 3
QUICK_PASSES = 1
TARGET = 1.5
#: The template survives between runs here, shared with the tests (``tests/_tryton.py``).
CACHE = Path(__file__).resolve().parent.parent / ".cache" / "tryton"

SCHEDULE = Schedule.daily("02:00", "Europe/Amsterdam")
SAVED_AT = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
#: 02:05 in Amsterdam, five minutes after the run that picks up the day's changes.
NOW = datetime(2026, 1, 6, 1, 5, tzinfo=timezone.utc)
_MECHANISMS = ("email", "phone", "mobile", "fax", "website")
_IDENTIFIERS = ("vat", "coc")
_NAMES = itertools.count(1)

#: What a party reads back as: name, active, address, mechanisms, identifiers.
Contents = dict[str, tuple[Any, ...]]


def _key(index: int) -> str:
    return f"T{index:05d}"


def _accounts(ctx: Context) -> list[Account]:
    """Return the first `ACCOUNTS` records as accounts keyed ``T00000``..., cached."""
    cached: list[Account] | None = ctx.cache.get("tryton.accounts")
    if cached is None:
        records = ctx.records
        if len(records) < ACCOUNTS:
            records = make_records(ACCOUNTS, ctx.settings.seed)
        cached = [
            attrs.evolve(from_dict(record), id=_key(i))
            for i, record in enumerate(records[:ACCOUNTS])
        ]
        ctx.cache["tryton.accounts"] = cached
    return cached


def _changes(accounts: Sequence[Account]) -> list[Change]:
    return [
        Change(
            change_id=f"{account.id}-1",
            account_key=str(account.id),
            seq=1,
            kind=ChangeKind.CREATE,
            saved_at=SAVED_AT,
            snapshot=account,
        )
        for account in accounts
    ]


def _folder(ctx: Context) -> Path:
    """Return the run's database folder, made on first use."""
    if "tryton.dir" not in ctx.cache:
        ctx.cache["tryton.dir"] = tempfile.TemporaryDirectory(prefix="accountcore-bench-tryton-")
    return Path(ctx.cache["tryton.dir"].name)


def _database(ctx: Context) -> str:
    """Copy the template into a new database of the run's folder; return its name."""
    from accountcore.sync.tryton import create_database

    return create_database(f"bench{next(_NAMES)}", directory=_folder(ctx), cache_dir=CACHE)


def _drop(ctx: Context, database: str) -> None:
    """Stop the database's pool and delete its files."""
    from trytond.pool import Pool

    Pool.stop(database)
    for path in _folder(ctx).glob(f"{database}.sqlite*"):
        path.unlink()


def _transaction(database: str) -> Any:
    from trytond.transaction import Transaction

    return Transaction().start(database, 0, context={"active_test": False})


def _identifier_types(database: str) -> frozenset[str]:
    """Return the identifier types the database accepts (as the adapter asks for them)."""
    pool = _open(database)
    with _transaction(database):
        Identifier = pool.get("party.identifier")  # noqa: N806
        return frozenset(str(value) for value, _ in Identifier.get_types() if value)


def _fields(ctx: Context, database: str) -> list[Any]:
    """Return the party fields the adapter writes for each account, cached."""
    cached: list[Any] | None = ctx.cache.get("tryton.fields")
    if cached is None:
        from accountcore.sync.tryton._mapping import to_party

        types = _identifier_types(database)
        cached = [to_party(account, types) for account in _accounts(ctx)]
        ctx.cache["tryton.fields"] = cached
    return cached


# --- the two sides ----------------------------------------------------------------------------


def _driver(
    ctx: Context, database: str, accounts: Sequence[Account]
) -> tuple[SyncDriver, InMemoryOutbox]:
    """Return a driver on the adapter and a filled outbox, ready to push (untimed)."""
    from accountcore.sync.tryton import TrytonAccountingSystem

    outbox = InMemoryOutbox()
    outbox.append(_changes(accounts))
    system = TrytonAccountingSystem(database, max_batch=BATCH)
    driver = SyncDriver(
        system,
        outbox,
        schedule=SCHEDULE,
        clock=lambda: NOW,
        random=random.Random(ctx.settings.seed).random,
    )
    return driver, outbox


def _open(database: str) -> Any:
    """Open the database's pool, as the adapter's constructor does (untimed)."""
    from trytond.pool import Pool

    pool = Pool(database)
    pool.init()
    return pool


def _direct(pool: Any, database: str, fields: Sequence[Any]) -> int:
    """Create the parties through the ORM, `BATCH` per transaction; return how many."""
    Party = pool.get("party.party")  # noqa: N806
    with _transaction(database):
        countries = {
            row["code"]: row["id"]
            for row in pool.get("country.country").search_read([], fields_names=["code"])
        }
        codes = sorted({f.subdivision for f in fields if f.subdivision})
        subdivisions = {
            row["code"]: row["id"]
            for row in pool.get("country.subdivision").search_read(
                [("code", "in", codes)], fields_names=["code"]
            )
        }
    created = 0
    for start in range(0, len(fields), BATCH):
        values = []
        for f in fields[start : start + BATCH]:
            party: dict[str, Any] = {"name": f.name, "code": f.code, "active": f.active}
            party["addresses"] = [
                (
                    "create",
                    [
                        {
                            "street": f.street or None,
                            "postal_code": f.postal_code,
                            "city": f.city or None,
                            "country": countries.get(f.country),
                            "subdivision": subdivisions.get(f.subdivision),
                        }
                    ],
                )
            ]
            mechanisms = [
                {"type": kind, "value": getattr(f, kind)}
                for kind in _MECHANISMS
                if getattr(f, kind) is not None
            ]
            if mechanisms:
                party["contact_mechanisms"] = [("create", mechanisms)]
            identifiers = [
                {"type": value[0], "code": value[1]}
                for role in _IDENTIFIERS
                if (value := getattr(f, role)) is not None
            ]
            if identifiers:
                party["identifiers"] = [("create", identifiers)]
            values.append(party)
        with _transaction(database) as transaction:
            created += len(Party.create(values))
            transaction.commit()
    return created


# --- checks -----------------------------------------------------------------------------------


def _contents(database: str) -> tuple[Contents, int]:
    """Read every party back by code; also count those holding an account key."""
    from trytond.pool import Pool

    pool = Pool(database)
    with _transaction(database):
        parties = pool.get("party.party").search_read(
            [], fields_names=["code", "name", "active", "accountcore_key"]
        )
        code = {row["id"]: row["code"] for row in parties}
        children: dict[str, list[tuple[Any, ...]]] = {c: [] for c in code.values()}
        countries = {
            row["id"]: row["code"]
            for row in pool.get("country.country").search_read([], fields_names=["code"])
        }
        for row in pool.get("party.address").search_read(
            [], fields_names=["party", "street", "postal_code", "city", "country", "subdivision"]
        ):
            children[code[row["party"]]].append(
                (
                    "address",
                    row["street"],
                    row["postal_code"],
                    row["city"],
                    countries.get(row["country"]),
                    row["subdivision"],
                )
            )
        for row in pool.get("party.contact_mechanism").search_read(
            [], fields_names=["party", "type", "value"]
        ):
            children[code[row["party"]]].append(("mechanism", row["type"], row["value"]))
        for row in pool.get("party.identifier").search_read(
            [], fields_names=["party", "type", "code"]
        ):
            children[code[row["party"]]].append(("identifier", row["type"], row["code"]))
    contents = {
        row["code"]: (row["name"], row["active"], frozenset(children[row["code"]]))
        for row in parties
    }
    keyed = sum(1 for row in parties if row["accountcore_key"])
    return contents, keyed


def _check(
    ours: str, theirs: str, report: RunReport, outbox: InMemoryOutbox, accounts: int
) -> None:
    """Make sure the adapter applied every change and both databases read back alike."""
    calls = -(-accounts // BATCH)
    if outbox.pending() or report.applied != accounts or report.calls != calls:
        raise AssertionError(f"the run did not apply every change: {report}")
    pushed, keyed = _contents(ours)
    direct, _ = _contents(theirs)
    if len(pushed) != accounts or keyed != accounts:
        raise AssertionError(f"the adapter wrote {len(pushed)} parties, {keyed} with a key")
    if pushed != direct:
        differ = sorted(c for c in pushed.keys() | direct.keys() if pushed.get(c) != direct.get(c))
        raise AssertionError(
            f"the databases differ in {len(differ)} parties, first {differ[0]}: "
            f"{pushed.get(differ[0])} != {direct.get(differ[0])}"
        )


def _round(
    ctx: Context, accounts: Sequence[Account], fields: Sequence[Any], best: dict[str, float]
) -> None:
    """One round on fresh databases: prepare both sides, time one pass each, check both."""
    ours, theirs = _database(ctx), _database(ctx)
    driver, outbox = _driver(ctx, ours, accounts)
    pool = _open(theirs)
    reports: dict[str, Any] = {}
    passes: dict[str, Callable[[], Any]] = {
        "accountcore": driver.run_due,
        "Tryton ORM": lambda: _direct(pool, theirs, fields),
    }
    seconds = best_of(passes, 1, last=reports.__setitem__)
    _check(ours, theirs, reports["accountcore"], outbox, len(accounts))
    if reports["Tryton ORM"] != len(accounts):
        raise AssertionError(f"the ORM created {reports['Tryton ORM']} parties")
    del driver, outbox, passes, reports
    _drop(ctx, ours)
    _drop(ctx, theirs)
    for name, elapsed in seconds.items():
        best[name] = min(best.get(name, elapsed), elapsed)


@register("tryton_push")
def tryton_push(ctx: Context) -> list[Row]:
    """1,000 accounts through the engine and the adapter, against the ORM alone."""
    accounts = _accounts(ctx)
    warm_up = _database(ctx)
    fields = _fields(ctx, warm_up)
    _drop(ctx, warm_up)
    passes = PASSES if ctx.settings.n >= FULL_RECORDS else QUICK_PASSES
    _round(ctx, accounts[:BATCH], fields[:BATCH], {})
    best: dict[str, float] = {}
    for _ in range(passes):
        _round(ctx, accounts, fields, best)
    ours = per_record_us(best["accountcore"], len(accounts))
    theirs = per_record_us(best["Tryton ORM"], len(accounts))
    label = (
        f"Tryton push, SyncDriver.run_due() + TrytonAccountingSystem, best of {passes} "
        f"({len(accounts):,} accounts, batches of {BATCH}, SQLite)"
    )
    note = f"{1e6 / ours:,.0f} accounts/s pushed, {1e6 / theirs:,.0f} parties/s created"
    print(f"tryton_push: {note}")
    return [
        Row(
            label,
            "µs/account",
            ours,
            f"Tryton ORM, Party.create of {BATCH} per transaction",
            theirs,
            TARGET,
            note,
        )
    ]
