"""
The method section of ``docs/performance.md``: how each figure is measured, in prose.
"""

from __future__ import annotations

from ._data import IBAN_POOL
from ._registry import Settings

__all__ = ["method_markdown"]

_TEXT = """\
## Method

Run it with `make bench` or `.venv/bin/python -m benchmarks` from the repository root
(`--quick` for 10,000 records, `-n N` to choose, `--repeats K`, `--only NAME ...`, `--profile`
for a cProfile of `from_dict`). Only a full run (N >= 100,000, every benchmark) rewrites this
page. It takes about eight minutes on two cores.

### Data

`benchmarks/_data.py` writes {n:,} records with one `random.Random({seed})`, in the shape
`accountcore.to_dict` writes (every key present, `null` where empty): ten countries weighted
towards the Benelux (NL, DE, BE, FR, GB, AT, ES, IT, CH, US), real IBANs drawn with
`schwifty.IBAN.random(random=rng)` from a pool of {pool} per country (with the bank's BIC from
schwifty's registry, left out where its country differs from the IBAN's), VAT numbers built
with their check digits (stdnum modules accept each), KvK, SIREN, D-U-N-S and GLN numbers,
emails, websites, phones, 0-3 bank accounts with exactly one main (number absent, domestic,
or the IBAN itself), 0-3 free fields of every kind, a contact on 80% of accounts.

Before timing, `benchmarks/_parity.py` makes every contender read {sample} records and write
them back unchanged, and refuse each of {broken} broken variants of a record (blank name,
unknown country, bad email, URL, phone, picture, out-of-range numbers, wrong types, unknown
key, state outside the country, subsector without sector, own parent, two main banks, bad
IBAN, BIC, VAT, KvK, D-U-N-S and GLN, IBAN/number and BIC/bank mismatches) - and, with
identifier checks off, accept exactly the identifier breaks. A disagreement stops the run.

### Peers and their checks

`benchmarks/peers.py` mirrors the account card as pydantic v2 models
(`ConfigDict(strict=True, extra="forbid", frozen=True)`, read with `Model.model_validate`)
and as msgspec Structs (`frozen=True, forbid_unknown_fields=True`, read with
`msgspec.convert(record, type=Account)`, strict by default). Same nesting, same field types;
dates, enums and the tuple of bank accounts are marked lax in pydantic (`Field(strict=False)`)
because JSON carries them as text and arrays, which msgspec's `convert` reads by default.

Both peers call the very functions accountcore uses (`benchmarks/_checks.py`):

- field rules: `accountcore.entities._formats.non_blank`, `country` (after `str.upper`; code after
  `str.strip`), `email` (email-validator), `url`, `phone`, `picture`; pydantic as
  `AfterValidator`s, msgspec in `__post_init__`;
- ranges as the libraries' own constraints (`Field(ge=, le=)`, `msgspec.Meta(ge=, le=)`);
- identifiers through accountcore's own classes: `IBAN.parse`, `BIC.parse` (schwifty),
  `VATNumber.parse(raw, country)` (python-stdnum, module from
  `stdnum.util.get_cc_module(cc, "vat")`), `ChamberOfCommerceNumber.parse(raw, country)`
  (KvK 8 digits, SIREN via stdnum), `DUNS.parse` (9 digits), `GLN.parse` (GS1 check digit);
  the peers store the compact text, accountcore stores identifier objects;
- the cross-field rules, written out against the same helpers: exactly one main bank
  account, an IBAN-type bank account needs an IBAN, IBAN/number correspondence
  (`IBAN.corresponds_to`), BIC/IBAN bank (`BIC.belongs_to`, schwifty's bank registry), state
  within the country (pycountry), subsector needs a sector, not its own parent or reseller,
  free field names unique; the email flags default on when an email is given.

Not mirrored: accountcore also reads blank optional text as absent, which would cost each peer
one Python call per optional field.

With identifier checks off, accountcore reads identifiers unchecked (compacted, not
validated) and skips the IBAN/number and BIC/bank rules; the peers keep identifier text as
given and skip the same two rules. Every other rule still runs on all three.

### Timing

`time.perf_counter` around a whole pass over all N records, the results kept in a list (as a
program loading accounts would) and freed outside the timed region before the next pass, the
garbage collector on. Each contender first reads {warm} records to warm up; then the passes
run round-robin (accountcore, pydantic, msgspec, accountcore, ...) {repeats} times and the
fastest pass of each counts. Figures are microseconds per record (records per second in
brackets). Right after its last `from_dict` pass, each contender writes the accounts it just
read back to dicts ({repeats} passes, fastest counts) while only its own accounts are alive:
`to_dict` against pydantic's `model_dump(mode="json")` and `msgspec.to_builtins`.

With the collector on, a pass over 100,000 records pays for collections whose cost grows with
everything alive (the records and the accounts read so far), so per-record figures at N =
100,000 are higher than with `--quick`. The share differs by library, with the number of
objects each account adds to the collector's heap (the "gc-tracked objects" rows; msgspec does
not track Structs that hold no containers). The targets are judged with the collector on, as in
real use; the "gc off" rows repeat both `from_dict` comparisons on the first {gc_off_n:,}
records with `gc.disable()` (same warm-up and passes) to show how much of each figure is
collection work. When a verdict flips between the two, the Targets section says so.

### Memory

`tracemalloc` traces while each contender decodes the first {memory_n:,} of the same records
afresh from one JSON text and reads them; the records are then dropped and a full
`gc.collect()` run. The bytes still traced, divided by the count, are what one account keeps
alive, text shared with the input included. The objects the collector tracks are counted the
same way (`len(gc.get_objects())` before and after). Tracing slows reading five- to tenfold, so
by default {memory_n:,} records are traced rather than all N (`--memory-n 100000` traces all;
the records are drawn alike, and 3,000, 10,000, 20,000 and 100,000 records gave per-account
means within 1% of each other).

### Import time

Median of {runs} fresh interpreters each. `python -X importtime -c "import x"`, the cumulative
figure of the top-level import (start-up excluded), is the one held to the target; the wall
clock of `python -c "import x"` minus `python -c "pass"` is shown beside it. "import + first
from_dict" is `import accountcore` plus one `from_dict` call timed inside a fresh interpreter;
"first from_dict call alone" is the second part of it. Every child interpreter caches bytecode
in a private `PYTHONPYCACHEPREFIX` directory (warmed by one uncounted run), as an installed
package would, so a checkout run with `PYTHONDONTWRITEBYTECODE` does not recompile accountcore
on every start.

### Status, rights, sync and duplicates

Each of these modules states its method in its docstring: `benchmarks/status.py`,
`benchmarks/rights.py`, `benchmarks/sync.py`, `benchmarks/duplicates.py` and
`benchmarks/tryton.py` (the Tryton adapter against Tryton's own ORM).

For sync, a queue of 100,000 changes over 10,000 accounts (ten each, a create then updates,
shuffled with the run's seed) is built before timing. Then:

- `plan()` is timed on that queue against a 1 s budget (median of 5 calls);
- `settle()` is timed over 200 batches of 50 seeded outcomes against 5 µs per outcome
  (median of 21 passes);
- `tracemalloc` takes the peak memory of one `plan()` call for 100,000 and for 200,000 changes
  over the same accounts; the ratio shows that planning memory grows with accounts, not with
  changes.

The garbage collector stays on throughout.

For duplicates, 1,000,000 accounts are built before timing from a few bases with
`attrs.evolve`, each with its own valid identifiers, and a few percent carry planted twins.
Some twins share an identifier and some share only name and postcode. `find_duplicates` is
timed over all of them against a 60 s budget (median of 3 calls), and the twins it misses
give the recall. Precision counts the reported pairs that are not planted.

### Noise

The machine line above gives the load average: on a shared machine other processes take turns
on the same cores. While this suite was written, full runs on a shared two-core VM moved the
per-record figures by up to a quarter and the `from_dict` ratios against pydantic by up to 0.2
from run to run; treat a ratio within 0.2 of its target as undecided and rerun.
"""


def method_markdown(settings: Settings) -> str:
    """Return the method section with this run's settings filled in."""
    from . import _parity, card

    return _TEXT.format(
        n=settings.n, seed=settings.seed, pool=IBAN_POOL, sample=_parity.SAMPLE,
        broken=len(_parity.BROKEN), warm=card.WARM_UP, repeats=settings.repeats,
        runs=settings.import_runs, memory_n=settings.memory_n,
        gc_off_n=card.GC_OFF_N,
    )

