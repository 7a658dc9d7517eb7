"""
Duplicate benchmarks (`accountcore.duplicates.find_duplicates`, DOMAIN §9): one
deduplication run over a million accounts on one core, and how well it finds planted twins.

- ``duplicates_find``: ``find_duplicates(accounts)`` (threshold 0.6, ``max_block`` 50, the
  defaults) over `ACCOUNTS` generated accounts. Rows, lower is better:
  seconds per call against a budget of 60 s (row "60 s budget", target: a ratio of at most
  1.0); planted identifier twins (sharing a VAT, KvK or IBAN with their original) not put
  in their original's group, as the one-sided 95% Clopper-Pearson upper bound of the miss
  rate per 10,000 twins, against 100 per 10,000 (target: a ratio of at most 1.0, i.e.
  recall of at least 0.99 with 95% confidence; the note gives the observed recall, and that
  of name-and-postcode twins); reported pairs that are not planted ones per 10,000 pairs,
  one minus the precision (information: generated names do collide by chance); the peak
  memory per account (information, see Memory).

Sizes. `ACCOUNTS` is 1,000,000; with fewer than 100,000 records (``--quick``, or ``-n``
below that) it is `QUICK_ACCOUNTS` (100,000) and the budget 6 s (scaled linearly).

Accounts. One base account per country (`Account.new`: NL 60%, DE 25%, BE 15%), then per
account ``attrs.evolve`` of its address, summary, financial and marketing sections and of
the account, drawn with ``random.Random(seed)`` (the run's ``--seed``): ids ``"D0000000"``
and up; names of two words, a trade and a legal form (40 x 40 x 20 cores, some accented);
postcodes in the country's shape; an email on 86% (70% on the company's own domain, 10% at
a free-mail provider, 5% on a domain shared by about two branches, 1% on one of a few group
domains of about 120 accounts each, whose blocks are skipped); a VAT number on 80%, a Dutch
IBAN on 70%, a KvK number on 70% of the Dutch ones, each unique, built with its check
digits (11-proof NL, ISO 7064 DE, mod 97 BE and IBAN) and read with ``VATNumber.parse``,
``IBAN.parse`` and ``ChamberOfCommerceNumber.parse``.

Twins. `TWIN_SHARE` (2%) of the accounts are twins of distinct originals: 30% share its VAT
number, 25% its KvK number, 25% its IBAN (an original lacking that identifier gets a name
twin instead), the rest only its name and postcode. Identifier twins get a misspelt name (a
letter dropped) and another postcode half of the time; otherwise, and for name twins, a
respelt name (upper case, another legal-form spelling, none, accents dropped, hyphens) and
the same postcode, sometimes without its space. `EXCLUDED_SHARE` (3%) of originals and of
twins are flagged ``exclude_from_merging``: the run must never report them, and pairs with
an excluded side do not count towards recall. The accounts are shuffled; building them is
not timed.

Timing. `time.perf_counter` around each of `ROUNDS` calls; the median counts. The first
call's report is checked (every account read, no excluded account reported) and scored.
The garbage collector stays on; each report is freed outside the timed region.

Memory. The peak `tracemalloc` sees during one run over the first `MEMORY_ACCOUNTS`
(100,000) accounts, its report alive, minus what was traced before, per account: what the
run holds besides its input (ids, key texts, blocks, pairs). The run was made once untraced
on 1,000 accounts first, so lazy imports do not count.
"""

from __future__ import annotations

import gc
import math
import random
import statistics
import time
import tracemalloc
import unicodedata
from dataclasses import dataclass
from datetime import date

import attrs
from stdnum.iso7064 import mod_11_10

from accountcore import IBAN, Account, AccountType, Address, BankAccount, VATNumber
from accountcore.duplicates import DuplicateReport, find_duplicates
from accountcore.identifiers import ChamberOfCommerceNumber

from ._registry import Context, Row, register

__all__ = ["duplicates_find"]

FULL_RECORDS = 100_000
ACCOUNTS = 1_000_000
QUICK_ACCOUNTS = 100_000
BUDGET_S = 60.0
TWIN_SHARE = 0.02
EXCLUDED_SHARE = 0.03
ROUNDS = 3
#: Accounts traced for the memory row (tracemalloc slows the run five- to tenfold).
MEMORY_ACCOUNTS = 100_000

_COUNTRIES = (("NL", 60, "nl", ("B.V.", "N.V.", "V.O.F.")),
              ("DE", 25, "de", ("GmbH", "AG", "GmbH & Co. KG")),
              ("BE", 15, "be", ("NV", "BV", "SRL")))
_RESPELT = {"B.V.": "BV", "N.V.": "nv", "V.O.F.": "VOF", "GmbH": "G.m.b.H.", "AG": "A.G.",
            "GmbH & Co. KG": "GmbH & Co KG", "NV": "N.V.", "BV": "B.V.", "SRL": "S.R.L."}
_FIRST = ("Acme", "Noord", "Delta", "Polder", "Vista", "Atlas", "Orion", "Kroon", "Linde",
          "Meridian", "Tulip", "Zenith", "Harbor", "Granite", "Summit", "Falcon", "Cedar", "Élan",
          "Müller", "Hôtel", "Brücke", "Gärtner", "Çelik", "Søren", "Van Dijk", "De Boer",
          "Jansen", "Peeters", "Schmidt", "Fischer", "Weber", "Becker", "Hoffmann", "Klein",
          "Wolf", "Dubois", "Lefèvre", "Mertens", "Willems", "Claes")
_SECOND = ("Blue", "Green", "North", "South", "Royal", "United", "Prime", "Nova", "Alpha",
           "Omega", "Rapid", "Solid", "Smart", "Fresh", "Golden", "Silver", "Global", "Local",
           "Urban", "Rural", "Coastal", "Central", "Western", "Eastern", "Modern", "Classic",
           "First", "Next", "True", "Bright", "Swift", "Clear", "Happy", "Quality", "Expert",
           "Premier", "Direct", "Total", "Eco", "Star")
_TRADES = ("Trading", "Logistics", "Systems", "Foods", "Bouw", "Consulting", "Textiles",
           "Engineering", "Media", "Pharma", "Metals", "Retail", "Installaties", "Transport",
           "Bakkerij", "Software", "Energie", "Design", "Zorg", "Automotive")
_FREE_MAIL = ("gmail.com", "hotmail.com", "outlook.com", "ziggo.nl", "gmx.de", "telenet.be")
_BANKS = ("ABNA", "INGB", "RABO", "SNSB", "TRIO", "KNAB")
#: Letters NFKD leaves alone, as someone typing without them writes them.
_ASCII = str.maketrans({"ø": "o", "Ø": "O"})
_TWIN_KINDS = (("vat", 30), ("coc", 25), ("iban", 25), ("name", 20))
ON = date(2024, 1, 1)


@dataclass(frozen=True)
class _Planted:
    original: str
    twin: str
    kind: str


@dataclass
class _Dataset:
    accounts: list[Account]
    planted: list[_Planted]
    excluded: frozenset[str]


def _sizes(ctx: Context) -> int:
    return ACCOUNTS if ctx.settings.n >= FULL_RECORDS else QUICK_ACCOUNTS


def _check_digits(country: str, bban: str) -> str:
    """Return the two IBAN check digits (ISO 13616 mod 97) for ``bban`` in ``country``."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{98 - int(digits) % 97:02d}"


def _vat_text(country: str, body: int) -> str | None:
    """Return a valid VAT number of ``country`` from ``body``, or ``None`` if none fits."""
    head = f"{body:08d}"
    if country == "NL":  # an 11-proof check digit, which must not be 10
        check = sum((9 - i) * int(d) for i, d in enumerate(head)) % 11
        return f"NL{head}{check}B01" if check < 10 else None
    if country == "DE":
        return f"DE{head}{mod_11_10.calc_check_digit(head)}"
    return f"BE{head}{97 - int(head) % 97:02d}"  # a BE body starts with 0 or 1


class _Numbers:
    """Hands out unique, valid VAT, IBAN and KvK numbers, each read by accountcore's parse."""

    def __init__(self, rng: random.Random, count: int) -> None:
        self.rng = rng
        self.bodies = {"NL": iter(rng.sample(range(10**7, 10**8), count * 2)),
                       "DE": iter(rng.sample(range(10**7, 10**8), count)),
                       "BE": iter(rng.sample(range(1, 2 * 10**7), count))}
        self.accounts = iter(rng.sample(range(10**9, 10**10), count))
        self.kvks = iter(rng.sample(range(10**7, 10**8), count))

    def vat(self, country: str) -> VATNumber:
        text = None
        while text is None:  # an NL body without an 11-proof check digit is skipped
            text = _vat_text(country, next(self.bodies[country]))
        return VATNumber.parse(text)

    def iban(self) -> IBAN:
        bban = f"{self.rng.choice(_BANKS)}{next(self.accounts):010d}"
        return IBAN.parse(f"NL{_check_digits('NL', bban)}{bban}")

    def kvk(self) -> ChamberOfCommerceNumber:
        return ChamberOfCommerceNumber.parse(f"{next(self.kvks)}", "NL")


def _respell(name: str, suffix: str, rng: random.Random) -> str:
    """Write ``name`` differently but so that it normalises to the same words."""
    core = name[: -len(suffix) - 1]
    form = rng.randrange(5)
    if form == 0:
        return name.upper()
    if form == 1:
        return f"{core} {_RESPELT[suffix]}"
    if form == 2:
        return core
    if form == 3:
        plain = unicodedata.normalize("NFKD", name.translate(_ASCII))
        return plain.encode("ascii", "ignore").decode()
    return core.replace(" ", " - ", 1) + f", {suffix}"


def _misspell(name: str, rng: random.Random) -> str:
    """Drop one letter of the name's first word (so the name key differs)."""
    cut = rng.randrange(1, max(2, name.index(" ")))
    return name[:cut] + name[cut + 1 :]


class _Builder:
    """Builds accounts by evolving one base account per country."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.base = {
            code: Account.new(id="base", code="0", name="Base B.V.", type=AccountType.CUSTOMER,
                              address=Address(line1="Damrak 1", postcode="1012 LG",
                                              city="Amsterdam", country=code), on=ON)
            for code, *_ in _COUNTRIES
        }

    def postcode(self, country: str) -> str:
        rng, letters = self.rng, "ABCDEFGHJKLMNPRSTVWXZ"
        if country == "NL":
            return f"{rng.randrange(1000, 10000)} {rng.choice(letters)}{rng.choice(letters)}"
        return f"{rng.randrange(10000, 100000) if country == 'DE' else rng.randrange(1000, 10000)}"

    def email(self, number: int, slug: str, tld: str, originals: int) -> str | None:
        roll = self.rng.random()
        if roll < 0.70:
            return f"info@{slug}-{number}.{tld}"
        if roll < 0.80:
            return f"{slug}.{number}@{self.rng.choice(_FREE_MAIL)}"
        if roll < 0.85:
            return f"office@branch-{self.rng.randrange(max(1, originals // 40))}.{tld}"
        if roll < 0.86:
            return f"sales@group-{self.rng.randrange(max(1, originals // 12_000))}.com"
        return None

    def account(self, number: int, *, country: str, name: str, postcode: str,
                email: str | None, vat: VATNumber | None, iban: IBAN | None,
                coc: ChamberOfCommerceNumber | None, excluded: bool) -> Account:
        base = self.base[country]
        summary = attrs.evolve(base.summary, email=email,
                               address=attrs.evolve(base.summary.address, postcode=postcode))
        banks = (BankAccount(iban=iban, type="IBAN", number=str(iban), main=True),) if iban \
            else ()
        financial = attrs.evolve(base.financial, vat_number=vat, bank_accounts=banks)
        marketing = attrs.evolve(base.marketing, coc_number=coc, exclude_from_merging=excluded) \
            if coc or excluded else base.marketing
        return attrs.evolve(base, id=f"D{number:07d}", code=f"{number:07d}", name=name,
                            summary=summary, financial=financial, marketing=marketing)


def _dataset(ctx: Context, count: int) -> _Dataset:
    """Return the seeded accounts with planted twins, cached per size."""
    key = f"duplicates.{count}"
    cached: _Dataset | None = ctx.cache.get(key)
    if cached is not None:
        return cached
    rng = random.Random(ctx.settings.seed)
    twins = round(count * TWIN_SHARE)
    originals = count - twins
    build = _Builder(rng)
    info = {code: (tld, suffixes) for code, _, tld, suffixes in _COUNTRIES}
    countries = rng.choices([c[0] for c in _COUNTRIES], [c[1] for c in _COUNTRIES],
                            k=originals)
    numbers = _Numbers(rng, originals)
    accounts: list[Account] = []
    excluded: set[str] = set()
    for number, country in enumerate(countries):
        tld, suffixes = info[country]
        first, second = rng.choice(_FIRST), rng.choice(_SECOND)
        name = f"{first} {second} {rng.choice(_TRADES)} {rng.choice(suffixes)}"
        slug = f"{first}{second}".lower().replace(" ", "")
        vat = numbers.vat(country) if rng.random() < 0.8 else None
        iban = numbers.iban() if rng.random() < 0.7 else None
        coc = numbers.kvk() if country == "NL" and rng.random() < 0.7 else None
        flag = rng.random() < EXCLUDED_SHARE
        accounts.append(build.account(number, country=country, name=name,
                                      postcode=build.postcode(country),
                                      email=build.email(number, slug, tld, originals), vat=vat,
                                      iban=iban, coc=coc, excluded=flag))
        if flag:
            excluded.add(f"D{number:07d}")
    planted = _plant(build, accounts, twins, excluded)
    rng.shuffle(accounts)
    cached = _Dataset(accounts, planted, frozenset(excluded))
    ctx.cache[key] = cached
    return cached


def _plant(build: _Builder, accounts: list[Account], twins: int,
           excluded: set[str]) -> list[_Planted]:
    """Append ``twins`` twins of distinct originals to ``accounts``; return the pairs."""
    rng = build.rng
    planted = []
    first = len(accounts)
    kinds = rng.choices([k for k, _ in _TWIN_KINDS], [w for _, w in _TWIN_KINDS], k=twins)
    for offset, (index, drawn) in enumerate(zip(rng.sample(range(first), twins), kinds,
                                                 strict=True)):
        original = accounts[index]
        banks = original.financial.bank_accounts
        vat, coc = original.financial.vat_number, original.marketing.coc_number
        iban = banks[0].iban if banks else None
        shared = {"vat": vat, "coc": coc, "iban": iban}.get(drawn)
        kind = drawn if shared is not None else "name"
        country = original.summary.address.country
        postcode = original.summary.address.postcode or ""
        suffix = next(s for s in _RESPELT if original.name.endswith(" " + s))
        if kind != "name" and rng.random() < 0.5:
            name, postcode = _misspell(original.name, rng), build.postcode(country)
        else:
            name = _respell(original.name, suffix, rng)
            postcode = postcode.replace(" ", "").lower() if rng.random() < 0.5 else postcode
        email = original.summary.email if rng.random() < 0.3 else None
        flag = rng.random() < EXCLUDED_SHARE
        twin = build.account(first + offset, country=country, name=name, postcode=postcode,
                             email=email, vat=vat if kind == "vat" else None,
                             iban=iban if kind == "iban" else None,
                             coc=coc if kind == "coc" else None, excluded=flag)
        accounts.append(twin)
        assert original.id is not None and twin.id is not None
        if flag:
            excluded.add(twin.id)
        planted.append(_Planted(original.id, twin.id, kind))
    return planted


@dataclass(frozen=True)
class _Quality:
    found: int  # identifier twins grouped with their original
    twins: int  # identifier twins with neither side excluded
    name_found: int
    name_twins: int
    true_pairs: int
    pairs: int


def _check(data: _Dataset, report: DuplicateReport) -> _Quality:
    """Check the report's counts and exclusions; count the planted twins found."""
    if report.accounts != len(data.accounts) or report.excluded != len(data.excluded):
        raise AssertionError(f"read {report.accounts:,} accounts, excluded {report.excluded:,}")
    group_of = {i: n for n, group in enumerate(report.groups) for i in group.account_ids}
    leaked = data.excluded & group_of.keys()
    if leaked:
        raise AssertionError(f"{len(leaked):,} accounts flagged exclude_from_merging reported")
    found: dict[bool, list[bool]] = {True: [], False: []}
    for p in data.planted:
        if p.original not in data.excluded and p.twin not in data.excluded:
            together = p.original in group_of and group_of[p.original] == group_of.get(p.twin)
            found[p.kind != "name"].append(together)
    planted = {frozenset((p.original, p.twin)) for p in data.planted}
    pairs = [frozenset((c.a, c.b)) for group in report.groups for c in group.pairs]
    return _Quality(sum(found[True]), len(found[True]), sum(found[False]), len(found[False]),
                    sum(pair in planted for pair in pairs), len(pairs))


def _miss_bound(misses: int, n: int) -> float:
    """Return the 95% Clopper-Pearson upper bound of a rate seen ``misses`` times in ``n``."""

    def at_most_misses(p: float) -> float:  # P(X <= misses) for X ~ Binomial(n, p)
        log_p, log_q = math.log(p), math.log1p(-p)
        return sum(math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                            + i * log_p + (n - i) * log_q) for i in range(misses + 1))

    if misses >= n:
        return 1.0
    low, high = misses / n, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if at_most_misses(middle) > 0.05 else (low, middle)
    return high


def _peak_per_account(accounts: list[Account]) -> float:
    """Return the bytes traced at the peak of one run, its report alive, per account."""
    find_duplicates(accounts[:1_000])
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        report = find_duplicates(accounts)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    del report
    return peak / len(accounts)


@register("duplicates_find")
def duplicates_find(ctx: Context) -> list[Row]:
    """`find_duplicates` over a million accounts against 60 s; recall, precision, memory."""
    count = _sizes(ctx)
    start = time.perf_counter()
    data = _dataset(ctx, count)
    print(f"duplicates_find: built {count:,} accounts in {time.perf_counter() - start:.1f} s")
    seconds, reports = [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        report = find_duplicates(data.accounts)
        seconds.append(time.perf_counter() - start)
        if not reports:
            reports.append(report)
        del report
    q = _check(data, reports[0])
    groups, skipped = len(reports[0].groups), len(reports[0].skipped_blocks)
    del reports
    ours, budget = statistics.median(seconds), BUDGET_S * count / ACCOUNTS
    time_note = (f"{count / ours:,.0f} accounts per second; {groups:,} groups, "
                 f"{skipped:,} blocks above 50 skipped")
    recall_note = (f"recall {q.found / q.twins:.4f} ({q.found:,} of {q.twins:,} identifier "
                   f"twins); name-and-postcode twins {q.name_found / q.name_twins:.4f} "
                   f"({q.name_found:,} of {q.name_twins:,})")
    precision_note = f"precision {q.true_pairs / q.pairs:.4f} over {q.pairs:,} reported pairs"
    print(f"duplicates_find: {time_note}; {recall_note}; {precision_note}")
    traced = data.accounts[:MEMORY_ACCOUNTS]
    return [
        Row(f"find_duplicates(), median of {ROUNDS} calls ({count:,} accounts)", "s", ours,
            f"{budget:g} s budget", budget, 1.0, time_note),
        Row(f"find_duplicates() identifier twins missed, 95% upper bound ({count:,} accounts)",
            "per 10,000 twins", 1e4 * _miss_bound(q.twins - q.found, q.twins),
            "100 per 10,000 budget (recall >= 0.99)", 100.0, 1.0, recall_note),
        Row(f"find_duplicates() reported pairs not planted, 1 - precision ({count:,} accounts)",
            "per 10,000 pairs", 1e4 * (1 - q.true_pairs / q.pairs), note=precision_note),
        Row(f"find_duplicates() peak memory per account ({len(traced):,} accounts)",
            "bytes/account", _peak_per_account(traced),
            note="ids, keys, blocks, pairs and the report, traced"),
    ]
