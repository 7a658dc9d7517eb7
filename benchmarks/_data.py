"""
Seeded, realistic account records in the shape `accountcore.to_dict` writes.

`make_records(n, seed)` returns ``n`` JSON-ready dicts: every key present (``None`` where
empty), countries weighted towards the Benelux and its neighbours, real IBANs from schwifty's
bank registry (with the bank's BIC), valid VAT, KvK, D-U-N-S and GLN numbers, 0-3 bank
accounts with exactly one main, 0-3 free fields, and a contact person on most accounts.

IBANs come from a pool of `IBAN_POOL` distinct values per country, drawn with
``schwifty.IBAN.random(random=rng)``; schwifty needs about 0.2 ms per IBAN, so drawing a fresh
one for each of 150,000 bank accounts would dominate the run. Every contender checks the
same values, so the repetition favours none of them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import schwifty

from . import _vat

__all__ = ["COUNTRIES", "IBAN_POOL", "Country", "make_records"]

IBAN_POOL = 400

Record = dict[str, object]


@dataclass(frozen=True)
class Country:
    """What the generator needs to know to write plausible records of one country."""

    code: str
    name: str
    weight: int
    tld: str
    dial: str
    suffixes: tuple[str, ...]
    cities: tuple[str, ...]
    states: tuple[str, ...] = ()
    vat: _vat.Maker | None = None
    coc: _vat.Maker | None = None
    has_iban: bool = True
    us_bics: tuple[str, ...] = ()
    #: Leading digits of the national number that phonenumbers files as assigned, each
    #: followed by `phone_tail` drawn digits (a US exchange starts with 2-9, so its first
    #: digit is in the prefix).
    phones: tuple[str, ...] = ()
    phone_tail: int = 7


COUNTRIES: tuple[Country, ...] = (
    Country("NL", "Netherlands", 30, "nl", "+31", ("B.V.", "N.V.", "V.O.F."),
            ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Delft", "Zwolle"),
            ("NH", "ZH", "UT"), _vat.vat_nl, _vat.kvk,
            phones=("20", "10", "30", "40", "15", "50", "70", "24", "13", "38")),
    Country("DE", "Germany", 18, "de", "+49", ("GmbH", "AG", "KG"),
            ("Berlin", "Hamburg", "München", "Köln", "Düsseldorf"), ("BY", "NW", "BE"),
            _vat.vat_de, phones=("30", "40", "89", "221", "211", "69")),
    Country("BE", "Belgium", 10, "be", "+32", ("NV", "BV", "SRL"),
            ("Brussel", "Antwerpen", "Gent", "Liège"), (), _vat.vat_be,
            phones=("45", "46", "47", "48", "49")),
    Country("FR", "France", 10, "fr", "+33", ("SA", "SARL", "SAS"),
            ("Paris", "Lyon", "Lille", "Nantes"), (), _vat.vat_fr, _vat.siren,
            phones=("14", "15", "16", "42", "43", "47", "53", "61", "62", "76")),
    Country("GB", "United Kingdom", 10, "co.uk", "+44", ("Ltd", "PLC", "LLP"),
            ("London", "Manchester", "Leeds", "Bristol"), (), _vat.vat_gb,
            _vat.company_number_gb, phones=("207", "208", "161", "141", "151", "191")),
    Country("AT", "Austria", 5, "at", "+43", ("GmbH", "AG"), ("Wien", "Graz", "Linz"),
            (), _vat.vat_at, phones=("316", "732", "662", "512", "463")),
    Country("ES", "Spain", 4, "es", "+34", ("S.L.", "S.A."), ("Madrid", "Barcelona"),
            (), _vat.vat_es, phones=("91", "93", "95", "96")),
    Country("IT", "Italy", 4, "it", "+39", ("S.r.l.", "S.p.A."), ("Milano", "Roma"),
            (), _vat.vat_it, phones=("02", "011", "055", "081", "051")),
    Country("CH", "Switzerland", 3, "ch", "+41", ("AG", "GmbH"), ("Zürich", "Basel"),
            phones=("44", "61", "31", "21", "22", "41")),
    Country("US", "United States", 6, "com", "+1", ("Inc.", "LLC", "Corp."),
            ("New York", "Chicago", "Austin", "San Jose"), ("CA", "NY", "TX", "WA"),
            has_iban=False, us_bics=("CHASUS33", "BOFAUS3N", "CITIUS33"),
            phones=("2125", "3125", "5124", "4087", "6175", "2064"), phone_tail=6),
)

_WORDS = ("Acme", "Noord", "Delta", "Polder", "Vista", "Atlas", "Orion", "Kroon", "Linde",
          "Meridian", "Tulip", "Zenith", "Harbor", "Granite", "Summit", "Falcon", "Cedar")
_TRADES = ("Trading", "Logistics", "Systems", "Foods", "Bouw", "Consulting", "Textiles",
           "Engineering", "Media", "Pharma", "Metals", "Retail")
_STREETS = ("Damrak", "Hauptstraße", "Rue de la Paix", "High Street", "Main Street",
            "Kerkstraat", "Stationsweg", "Via Roma", "Calle Mayor", "Ringstraße")
_FIRST = ("Anna", "Jan", "Sophie", "Lukas", "Emma", "Noah", "Marie", "Pieter", "Chloé", "Tom")
_LAST = ("de Vries", "Müller", "Janssens", "Martin", "Smith", "Bakker", "Rossi", "García")
_JOBS = ("Purchasing manager", "CFO", "Office manager", "Owner", "Sales director")
_SECTORS = {"RETAIL": ("FOOD", "FASHION"), "INDUSTRY": ("METAL", "CHEMICALS"),
            "SERVICES": ("IT", "LEGAL", "FINANCE")}
_FREE = ("Region", "Customer since", "Credit limit", "Discount %", "Newsletter",
         "Preferred carrier", "Branch count")
_CARD_TYPES = ("A", "B", "C", "D", "L", "P", "R", "S", "T")
_STATUSES = ("A", "A", "A", "A", "R", "B", "P", "S", "E")
_EPOCH = date(2000, 1, 1)


@dataclass(frozen=True)
class _Bank:
    iban: str
    bic: str | None
    account_code: str


def _iban_pool(country: Country, rng: random.Random) -> tuple[_Bank, ...]:
    if not country.has_iban:
        return ()
    banks = []
    for _ in range(IBAN_POOL):
        iban = schwifty.IBAN.random(country_code=country.code, random=rng)
        bic = iban.bic
        # The registry lists a few banks under a BIC of a neighbouring territory (a French
        # IBAN with a Réunion BIC); accountcore refuses those pairs, so leave the BIC out.
        bic_text = str(bic.compact) if bic and bic.country_code == country.code else None
        banks.append(_Bank(str(iban.compact), bic_text, str(iban.account_code)))
    return tuple(banks)


class _Generator:
    """Writes one record at a time from a seeded `random.Random`."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pools = {c.code: _iban_pool(c, self.rng) for c in COUNTRIES}
        self.weights = [c.weight for c in COUNTRIES]

    def maybe(self, p: float) -> bool:
        return self.rng.random() < p

    def day(self) -> str:
        return (_EPOCH + timedelta(days=self.rng.randrange(9000))).isoformat()

    def digits(self, count: int) -> str:
        return f"{self.rng.randrange(10**count):0{count}d}"

    def phone(self, country: Country) -> str:
        # Three draws, as before assigned numbers were drawn, so every other value stays.
        pick, tail = self.rng.randint(10, 99), self.digits(3) + self.digits(4)
        national = country.phones[pick % len(country.phones)] + tail[7 - country.phone_tail:]
        return f"{country.dial} {national[:-7]} {national[-7:-4]} {national[-4:]}"

    def record(self, index: int) -> Record:
        country = self.rng.choices(COUNTRIES, self.weights)[0]
        name = f"{self.rng.choice(_WORDS)} {self.rng.choice(_TRADES)}"
        slug = name.lower().replace(" ", "-") + str(self.rng.randint(1, 999))
        code = f"{index + 1:06d}"
        return {
            "id": f"{self.rng.getrandbits(64):016x}" if self.maybe(0.7) else None,
            "code": code,
            "name": f"{name} {self.rng.choice(country.suffixes)}",
            "type": self.rng.choice(_CARD_TYPES),
            "type_since": self.day(),
            "status": self.rng.choice(_STATUSES),
            "status_since": self.day(),
            "replaced_by": f"{self.rng.getrandbits(64):016x}" if self.maybe(0.02) else None,
            "summary": self.summary(country, slug),
            "general": {"country_name": country.name if self.maybe(0.5) else None,
                        "phone_queue": None},
            "remarks": self.remarks(),
            "free_fields": self.free_fields(),
            "contact": self.contact(country, slug) if self.maybe(0.8) else None,
            "marketing": self.marketing(country),
            "relations": self.relations(code),
            "financial": self.financial(country, name),
        }

    def summary(self, country: Country, slug: str) -> Record:
        has_web = self.maybe(0.8)
        return {
            "address": self.address(country),
            "website": self.website(slug, country) if has_web else None,
            "email": f"info@{slug}.{country.tld}" if self.maybe(0.85) else None,
            "phone": self.phone(country),
            "phone_extension": str(self.rng.randint(10, 999)) if self.maybe(0.2) else None,
            "fax": self.phone(country) if self.maybe(0.2) else None,
            "picture": f"logos/{slug}.{self.rng.choice(('png', 'jpg', 'svg'))}"
            if self.maybe(0.3) else None,
        }

    def website(self, slug: str, country: Country) -> str:
        form = self.rng.randrange(3)
        if form == 0:
            return f"www.{slug}.{country.tld}"
        if form == 1:
            return f"https://{slug}.{country.tld}"
        return f"https://www.{slug}.{country.tld}/contact"

    def address(self, country: Country) -> Record:
        return {
            "line1": f"{self.rng.choice(_STREETS)} {self.rng.randint(1, 250)}",
            "house_number": None,
            "house_number_suffix": None,
            "line2": f"Unit {self.rng.randint(1, 40)}" if self.maybe(0.15) else None,
            "line3": None,
            "postcode": self.digits(4) + " AB" if country.code == "NL" else self.digits(5),
            "city": self.rng.choice(country.cities),
            "state": self.rng.choice(country.states)
            if country.states and self.maybe(0.6) else None,
            "country": country.code,
        }

    def remarks(self) -> str | None:
        roll = self.rng.random()
        if roll < 0.6:
            return None
        if roll < 0.9:
            return "Prefers invoices by email. Visit quarterly."
        return "<p>Key account, <b>net 30</b> terms.</p>"

    def free_fields(self) -> list[Record]:
        names = self.rng.sample(_FREE, self.rng.choice((0, 0, 1, 2, 3)))
        return [self.free_field(n) for n in names]

    def free_field(self, name: str) -> Record:
        kind = self.rng.choice(("text", "number", "amount", "date", "yes_no"))
        values: dict[str, object] = {
            "text": self.rng.choice(_WORDS),
            "number": self.rng.randint(0, 5000),
            "amount": f"{self.rng.randint(0, 99999)}.{self.rng.randint(0, 99):02d}",
            "date": self.day(),
            "yes_no": self.maybe(0.5),
        }
        return {"name": name, "kind": kind, "value": values[kind]}

    def contact(self, country: Country, slug: str) -> Record:
        first, last = self.rng.choice(_FIRST), self.rng.choice(_LAST)
        has_email = self.maybe(0.9)
        local = f"{first}.{last.split()[-1]}".lower().encode("ascii", "ignore").decode()
        return {
            "title": self.rng.choice(("Mr", "Ms", None)),
            "initials": first[0] + ".",
            "first_name": first,
            "middle_name": None,
            "last_name": last,
            "job_description": self.rng.choice(_JOBS) if self.maybe(0.5) else None,
            "job_title": None,
            "email": f"{local}@{slug}.{country.tld}" if has_email else None,
            "phone": self.phone(country) if self.maybe(0.6) else None,
            "mobile": self.phone(country) if self.maybe(0.5) else None,
            "valid_email": has_email,
            "email_permission": has_email and self.maybe(0.8),
        }

    def marketing(self, country: Country) -> Record:
        sector = self.rng.choice((*_SECTORS, None))
        subsector = self.rng.choice(_SECTORS[sector]) if sector and self.maybe(0.6) else None
        return {
            "security_level": self.rng.choice((0, 0, 10, 50, 100)),
            "classification": self.rng.choice(("A", "B", "C", None)),
            "rating": self.rng.randint(1, 7) if self.maybe(0.5) else None,
            "source": self.rng.choice(("Fair", "Website", "Referral", None)),
            "sector": sector,
            "subsector": subsector,
            "size": self.rng.choice(("S", "M", "L", None)),
            "coc_number": country.coc(self.rng) if country.coc and self.maybe(0.7) else None,
            "duns_number": _vat.duns(self.rng) if self.maybe(0.3) else None,
            "gln": _vat.gln(self.rng) if self.maybe(0.2) else None,
            "document": None,
            "exclude_from_merging": self.maybe(0.05),
        }

    def relations(self, code: str) -> Record:
        other = f"{self.rng.randint(1, 999999):06d}"
        return {
            "account_manager": self.rng.choice(("jdevries", "mmuller", "asmith", None)),
            "cost_centre": self.rng.choice(("100", "200", None)),
            "reseller": other if other != code and self.maybe(0.1) else None,
            "parent": other if other != code and self.maybe(0.15) else None,
        }

    def financial(self, country: Country, name: str) -> Record:
        count = self.rng.choice((0, 1, 1, 1, 2, 3))
        main = self.rng.randrange(count) if count else -1
        return {
            "division": self.rng.choice(("100", "200")),
            "debtor_code": self.digits(6) if self.maybe(0.6) else None,
            "creditor_code": self.digits(6) if self.maybe(0.2) else None,
            "customer_code_at_supplier": None,
            "check_date": self.day() if self.maybe(0.3) else None,
            "debtor_account": self.rng.choice(("1300", None)),
            "creditor_account": self.rng.choice(("1600", None)),
            "bank_accounts": [self.bank(country, name, i == main) for i in range(count)],
            "offset_account": None,
            "extra_description": None,
            "partial_delivery_allowed": self.maybe(0.5),
            "back_order": self.maybe(0.3),
            "invoice_copies": self.rng.choice((0, 1, 1, 2)),
            "extra_duty": False,
            "group_invoice": self.rng.choice(("no", "no", "invoice_debtor", "order_debtor")),
            "payee_name": None,
            "vat_number": country.vat(self.rng) if country.vat and self.maybe(0.8) else None,
        }

    def bank(self, country: Country, holder: str, main: bool) -> Record:
        if not country.has_iban:
            return self.domestic_bank(country, holder, main)
        bank = self.rng.choice(self.pools[country.code])
        form = self.rng.randrange(3)
        return {
            "number": (None, bank.account_code, bank.iban)[form],
            "type": "IBAN" if form == 2 else None,
            "iban": bank.iban,
            "bic": bank.bic if self.maybe(0.8) else None,
            "holder_name": holder if self.maybe(0.5) else None,
            "main": main,
        }

    def domestic_bank(self, country: Country, holder: str, main: bool) -> Record:
        return {
            "number": self.digits(10),
            "type": None,
            "iban": None,
            "bic": self.rng.choice(country.us_bics) if country.us_bics else None,
            "holder_name": holder,
            "main": main,
        }


def make_records(n: int, seed: int = 20240601) -> list[Record]:
    """
    Return ``n`` valid account records, the same for the same ``seed``.

    Args:
        n: how many records.
        seed: seeds the one `random.Random` every choice is drawn from.

    Returns:
        JSON-ready dicts, as `accountcore.to_dict` writes them.
    """
    generator = _Generator(seed)
    return [generator.record(i) for i in range(n)]
