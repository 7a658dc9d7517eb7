"""
Write the sample bundled with accountcore, ``src/accountcore/data/sample_accounts.jsonl``.

Usage: ``python scripts/make_sample.py [--seed N] [--count N] [--out PATH]``

The records come from the benchmarks' seeded generator (`benchmarks._data.make_records`: ten
countries, real IBANs with their banks' BICs, valid VAT and register numbers), then get:

- a type from every one of the eleven, weighted as a typical Exact database holds them, and a
  status the type can hold (mostly Active);
- in `FAULT_SHARE` of them, one real-world fault (a few get two), taken in turn from `FAULTS`:
  a mistyped IBAN check digit, a VAT number typed without its prefix on an account of
  another country, a missing city, a broken email address, ``UK`` for Great Britain, two main
  bank accounts, an impossible date, ...

Empty values are left out, as a hand-written export would. The script checks its own output:
every clean record must pass `accountcore.from_dict`, and every faulty one must fail with the
problem code its fault should cause. Same seed, same file.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from accountcore import AccountStatus, AccountType, ValidationError, from_dict  # noqa: E402
from accountcore.status import holdable_statuses  # noqa: E402
from benchmarks._data import make_records  # noqa: E402

OUT = ROOT / "src" / "accountcore" / "data" / "sample_accounts.jsonl"
SEED = 20240917
COUNT = 1000
FAULT_SHARE = 0.04
DOUBLE_FAULTS = 4
TYPE_WEIGHTS = {
    "C": 34,
    "S": 15,
    "P": 11,
    "L": 8,
    "T": 8,
    "R": 5,
    "A": 5,
    "E": 5,
    "D": 3,
    "B": 3,
    "N": 3,
}
STATUS_WEIGHTS = {"A": 80, "R": 3, "B": 5, "P": 4, "S": 4, "E": 4}

Record = dict[str, object]
Fault = Callable[[Record, random.Random], bool]
#: A number of the wrong shape or check digits; which one depends on the country's rules.
BAD_NUMBER = "invalid_format|invalid_length|invalid_checksum"


def _section(record: Record, name: str) -> dict[str, object]:
    part = record.setdefault(name, {})
    assert isinstance(part, dict)
    return part


def _banks(record: Record) -> list[dict[str, object]]:
    banks = _section(record, "financial").get("bank_accounts", [])
    assert isinstance(banks, list)
    return banks


def bad_iban_checksum(record: Record, rng: random.Random) -> bool:
    """Change one check digit of the first IBAN (a typing slip)."""
    banks = [b for b in _banks(record) if b.get("iban")]
    if not banks:
        return False
    iban = str(banks[0]["iban"])
    digit = (int(iban[3]) + rng.randint(1, 9)) % 10
    banks[0]["iban"] = f"{iban[:3]}{digit}{iban[4:]}"
    banks[0]["number"] = None
    return True


def vat_of_another_country(record: Record, rng: random.Random) -> bool:
    """Copy a Dutch VAT number without its prefix onto a Belgian or German account."""
    country = _section(record, "summary")["address"]
    assert isinstance(country, dict)
    if country["country"] not in ("BE", "DE"):
        return False
    _section(record, "financial")["vat_number"] = "004495445B01"
    return True


def missing_city(record: Record, rng: random.Random) -> bool:
    """Leave the city of the address empty."""
    address = _section(record, "summary")["address"]
    assert isinstance(address, dict)
    address["city"] = rng.choice(("", None, " "))
    return True


def bad_email(record: Record, rng: random.Random) -> bool:
    """Break the account's email address the way people do."""
    summary = _section(record, "summary")
    summary["email"] = rng.choice(("info@@acme.nl", "sales at example.com", "office@", "info@x"))
    return True


def unknown_country(record: Record, rng: random.Random) -> bool:
    """Write a country code that is not ISO 3166-1: UK for Great Britain, EN, XX."""
    address = _section(record, "summary")["address"]
    assert isinstance(address, dict)
    address["country"] = rng.choice(("UK", "EN", "XX"))
    return True


def two_main_banks(record: Record, rng: random.Random) -> bool:
    """Mark every bank account main, where the account has two or more."""
    banks = _banks(record)
    if len(banks) < 2:
        return False
    for bank in banks:
        bank["main"] = True
    return True


def impossible_date(record: Record, rng: random.Random) -> bool:
    """Set a status date that is no calendar day (or written the Dutch way)."""
    record["status_since"] = rng.choice(("2023-02-30", "31-12-2022", "2024-13-01"))
    return True


def unknown_type(record: Record, rng: random.Random) -> bool:
    """Set a type letter Exact does not know."""
    record["type"] = rng.choice(("K", "X", "customer"))
    return True


def short_coc(record: Record, rng: random.Random) -> bool:
    """Drop the last digit of a Dutch KvK number."""
    address = _section(record, "summary")["address"]
    marketing = _section(record, "marketing")
    assert isinstance(address, dict)
    if address["country"] != "NL" or not marketing.get("coc_number"):
        return False
    marketing["coc_number"] = str(marketing["coc_number"])[:-1]
    return True


def misspelt_field(record: Record, rng: random.Random) -> bool:
    """Add a field the record format does not have (a typo in an export column)."""
    _section(record, "summary")[rng.choice(("emial", "web_site", "telephone"))] = "n/a"
    return True


def letters_in_phone(record: Record, rng: random.Random) -> bool:
    """Put words where the phone number belongs."""
    _section(record, "summary")["phone"] = rng.choice(("unknown", "ask reception", "n.v.t."))
    return True


#: Each fault, with the problem code it must cause (alternatives separated by ``|``).
FAULTS: tuple[tuple[Fault, str], ...] = (
    (bad_iban_checksum, "invalid_checksum"),
    (vat_of_another_country, BAD_NUMBER),
    (missing_city, "required"),
    (bad_email, "invalid_email"),
    (unknown_country, "unknown_country"),
    (two_main_banks, "main_bank_account"),
    (impossible_date, "invalid_date"),
    (unknown_type, "invalid_choice"),
    (short_coc, BAD_NUMBER),
    (misspelt_field, "unknown_field"),
    (letters_in_phone, "invalid_phone"),
)


def _sparse(value: object) -> object:
    """Drop empty values (None, empty lists and objects), as a hand-written export would."""
    if isinstance(value, dict):
        kept = {k: _sparse(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None and v not in ([], {})}
    if isinstance(value, list):
        return [_sparse(v) for v in value]
    return value


def _lifecycle(record: Record, rng: random.Random) -> None:
    """Draw a type, weighted, and a status that type can hold."""
    letter = rng.choices(list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values()))[0]
    holdable = {s.value for s in holdable_statuses(AccountType(letter))}
    statuses = [s for s in STATUS_WEIGHTS if s in holdable]
    record["type"] = letter
    record["status"] = rng.choices(statuses, [STATUS_WEIGHTS[s] for s in statuses])[0]


def _place(records: list[Record], rng: random.Random, fault: Fault, taken: set[int]) -> int:
    """Apply ``fault`` to a random record it fits, outside ``taken``; return its index."""
    while True:
        index = rng.randrange(len(records))
        if index in taken:
            continue
        trial = copy.deepcopy(records[index])
        if fault(trial, rng):
            records[index] = trial
            return index


def make_sample(count: int, seed: int) -> tuple[list[Record], dict[int, list[str]]]:
    """Return the records and, by index, the faults (``name:codes``) of the faulty ones."""
    rng = random.Random(seed)
    records = [_sparse(r) for r in make_records(count, seed)]
    typed: list[Record] = [r for r in records if isinstance(r, dict)]
    for record in typed:
        _lifecycle(record, rng)
    expected: dict[int, list[str]] = {}
    for n in range(round(count * FAULT_SHARE)):
        fault, code = FAULTS[n % len(FAULTS)]
        index = _place(typed, rng, fault, set(expected))
        expected[index] = [f"{fault.__name__}:{code}"]
    for index in rng.sample(sorted(expected), DOUBLE_FAULTS):
        fault, code = rng.choice(FAULTS)
        trial = copy.deepcopy(typed[index])
        label = f"{fault.__name__}:{code}"
        if label not in expected[index] and fault(trial, rng):
            typed[index] = trial
            expected[index].append(label)
    return typed, expected


def verify(records: list[Record], expected: dict[int, list[str]]) -> Counter[str]:
    """Check every record against its expected outcome; return the counts by outcome."""
    seen: Counter[str] = Counter()
    for index, record in enumerate(records):
        try:
            account = from_dict(record)
        except ValidationError as error:
            codes = {p.code for p in error.problems}
            wanted = expected.get(index, ["(valid)"])
            missing = [w for w in wanted if not codes & set(w.split(":")[-1].split("|"))]
            assert not missing, f"record {index + 1}: expected {missing}, got {error.problems}"
            seen.update(f"fault {label.split(':')[0]}" for label in expected[index])
            continue
        assert index not in expected, f"record {index + 1} should be invalid: {expected[index]}"
        seen[f"type {AccountType(account.type).name.lower()}"] += 1
        seen[f"status {AccountStatus(account.status).name.lower()}"] += 1
    return seen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    records, expected = make_sample(args.count, args.seed)
    seen = verify(records, expected)
    with args.out.open("w", encoding="utf-8", newline="\n") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    for key, value in sorted(seen.items()):
        print(f"{key:32} {value:5}")
    print(f"wrote {len(records)} records ({len(expected)} faulty) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
