"""
Reading and writing parties through Tryton's ORM, inside a transaction the caller opened.

`PartyStore` knows Tryton's models; it does not know the sync port. Every method runs in
the current Tryton transaction and raises Tryton's own exceptions, which the adapter maps.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Final

import attrs

from ._mapping import COC_TYPES, MECHANISMS, ROLES, PartyFields
from ._party import Party, Stored, digest

__all__: list[str] = []

_PARTY_FIELDS: Final = (
    "code",
    "name",
    "active",
    "accountcore_key",
    "accountcore_snapshot",
    "_timestamp",
    "create_date",
    "write_date",
)
_STAMPS: Final = ("_timestamp", "create_date", "write_date")
_ADDRESS_FIELDS: Final = (
    "party",
    "street",
    "postal_code",
    "city",
    "country",
    "subdivision",
    "active",
)
#: Children the store manages, by role: the address, each mechanism type, each identifier.
_CHILD_ROLES: Final = ("address", *MECHANISMS, *ROLES)

#: The identifier types of company registers.
_COC_TYPES: Final = frozenset(COC_TYPES.values())
#: The model kind of each child role.
_KIND: Final = {"address": "address", **dict.fromkeys(MECHANISMS, "mechanism")} | dict.fromkeys(
    ROLES, "identifier"
)
#: A row as Tryton's ``read`` returns it.
Row = dict[str, Any]
#: A party's place in the order of changes: the time of its latest change (UTC), and its id.
Mark = tuple[datetime, int]
#: The models whose records make up a party, with the column naming the party.
_PARTS: Final = (
    ("party.party", "id"),
    ("party.address", "party"),
    ("party.contact_mechanism", "party"),
    ("party.identifier", "party"),
)


def _utc(value: datetime) -> datetime:
    # Tryton keeps naive UTC datetimes.
    return value.replace(tzinfo=timezone.utc)


def _stamp(row: Row) -> datetime:
    return _utc(row.get("write_date") or row["create_date"])


def _timestamp(value: object) -> datetime:
    """A timestamp out of a raw query, in UTC: SQLite gives text, PostgreSQL a datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"Not a timestamp: {value!r}")
    if value.tzinfo is None:
        return _utc(value)
    return value.astimezone(timezone.utc)


def _naive(value: datetime) -> datetime:
    # Tryton's columns hold naive UTC datetimes; compare with them in their own terms.
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def _sql(module: str) -> Any:
    # python-sql, the SQL builder trytond is written with; it ships no type hints.
    return importlib.import_module(module)


class PartyStore:
    """
    Parties in one Tryton pool; use it inside a transaction of that pool's database, with
    ``active_test`` off in the context so inactive records are found too.
    """

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self.Party = pool.get("party.party")
        self.Address = pool.get("party.address")
        self.Mechanism = pool.get("party.contact_mechanism")
        self.Identifier = pool.get("party.identifier")
        self.Country = pool.get("country.country")
        self.Subdivision = pool.get("country.subdivision")
        self._country_ids: dict[str, int] = {}
        self._country_codes: dict[int, str] = {}

    # --- reading -------------------------------------------------------------------------

    def identifier_types(self) -> frozenset[str]:
        """
        Return the identifier types the database accepts.
        """
        # The types the party configuration allows, not every type Tryton knows.
        return frozenset(str(value) for value, _ in self.Identifier.get_types() if value)

    def ids_of_keys(self, keys: Iterable[str]) -> dict[str, int]:
        """
        Return the party holding each account key, for the keys some party holds.
        """
        wanted = sorted({k for k in keys if k})
        if not wanted:
            return {}
        rows = self.Party.search_read(
            [("accountcore_key", "in", wanted)],
            fields_names=["accountcore_key"],
        )
        return {row["accountcore_key"]: row["id"] for row in rows}

    def existing(self, ids: Iterable[int]) -> list[int]:
        """
        Return those of ``ids`` that are parties, inactive ones included.
        """
        wanted = sorted(set(ids))
        if not wanted:
            return []
        return [p.id for p in self.Party.search([("id", "in", wanted)], order=[("id", "ASC")])]

    def page(self, after: int, limit: int) -> list[int]:
        """
        Return up to ``limit`` party ids above ``after``, inactive ones included, in order.
        """
        found = self.Party.search([("id", ">", after)], order=[("id", "ASC")], limit=limit)
        return [p.id for p in found]

    def now(self) -> datetime:
        """
        Return the database's current time, in UTC: the time Tryton stamps the writes of
        this transaction with.
        """
        from trytond.transaction import Transaction

        current = _sql("sql.functions").CurrentTimestamp().as_("now")
        cursor = Transaction().connection.cursor()
        cursor.execute(*_sql("sql").Select([current]))
        (value,) = cursor.fetchone()
        return _timestamp(value)

    def changed(self, after: Mark | None, limit: int) -> list[Mark]:
        """
        Return up to ``limit`` parties in the order of their latest change, after ``after``
        (``None``: from the first), each with that change's mark.

        A party's latest change is the latest create or write date of the party and of
        its addresses, contact mechanisms and identifiers: the records its version covers.
        """
        from trytond.transaction import Transaction

        sql = _sql("sql")
        coalesce = _sql("sql.conditionals").Coalesce
        parts = []
        for name, column in _PARTS:
            table = self._pool.get(name).__table__()
            at = coalesce(table.write_date, table.create_date)
            # Only records stamped at or after the mark can make a party's latest change
            # later than it; the latest of those is the party's latest of all.
            where = None if after is None else at >= _naive(after[0])
            parts.append(
                table.select(getattr(table, column).as_("party"), at.as_("at"), where=where)
            )
        stamps = sql.Union(*parts, all_=True)
        latest = stamps.select(
            stamps.party,
            _sql("sql.aggregate").Max(stamps.at).as_("at"),
            group_by=[stamps.party],
        )
        where = None
        if after is not None:
            at, party = _naive(after[0]), after[1]
            where = (latest.at > at) | ((latest.at == at) & (latest.party > party))
        query = latest.select(
            latest.party,
            latest.at,
            where=where,
            order_by=[latest.at.asc, latest.party.asc],
            limit=limit,
        )
        cursor = Transaction().connection.cursor()
        cursor.execute(*query)
        return [(_timestamp(at), int(party)) for party, at in cursor.fetchall()]

    def read(self, ids: Sequence[int]) -> dict[int, Party]:
        """
        Read the parties ``ids`` (which must exist) with their children, in four queries.
        """
        if not ids:
            return {}
        parties = self.Party.read(list(ids), list(_PARTY_FIELDS))
        children: dict[int, list[tuple[str, Row]]] = {party["id"]: [] for party in parties}
        domain = [("party", "in", list(ids))]
        sources = (
            ("address", self.Address, [*_ADDRESS_FIELDS, *_STAMPS]),
            ("mechanism", self.Mechanism, ["party", "type", "value", "active", *_STAMPS]),
            ("identifier", self.Identifier, ["party", "type", "code", *_STAMPS]),
        )
        for kind, model, names in sources:
            rows = model.search_read(domain, fields_names=names, order=[("id", "ASC")])
            for row in rows:
                children[row["party"]].append((kind, row))
        countries = self._codes(
            {
                r["country"]
                for rows in children.values()
                for k, r in rows
                if k == "address" and r["country"]
            }
        )
        subdivisions = self._subdivisions(
            {
                r["subdivision"]
                for rows in children.values()
                for k, r in rows
                if k == "address" and r["subdivision"]
            }
        )
        return {
            party["id"]: self._party(party, children[party["id"]], countries, subdivisions)
            for party in parties
        }

    def _party(
        self,
        row: Row,
        children: list[tuple[str, Row]],
        countries: Mapping[int, str],
        subdivisions: Mapping[int, str],
    ) -> Party:
        stored = Stored.loads(row["accountcore_snapshot"])
        known = stored.children if stored is not None else {}
        chosen = _choose(children, known)
        address = chosen.get("address")
        values: dict[str, Any] = {"name": row["name"] or "", "code": row["code"] or ""}
        values["active"] = bool(row["active"])
        if address is not None:
            values.update(
                street=address["street"] or "",
                postal_code=address["postal_code"] or None,
                city=address["city"] or "",
                country=countries.get(address["country"], ""),
                subdivision=subdivisions.get(address["subdivision"]),
            )
        for kind in MECHANISMS:
            if (mechanism := chosen.get(kind)) is not None:
                values[kind] = mechanism["value"] or None
        for role in ROLES:
            if (identifier := chosen.get(role)) is not None:
                values[role] = (identifier["type"], identifier["code"])
        child_stamps = tuple(
            sorted(f"{kind}:{child['id']}:{child['_timestamp']}" for kind, child in children)
        )
        version = digest((f"party:{row['id']}:{row['_timestamp']}", *child_stamps))
        modified = max([_stamp(row), *(_stamp(child) for _, child in children)])
        return Party(
            id=row["id"],
            key=row["accountcore_key"],
            fields=PartyFields(**values),
            children={role: child["id"] for role, child in chosen.items()},
            stored=stored,
            version=version,
            child_stamps=child_stamps,
            modified_at=modified,
            created=row["create_date"].date(),
        )

    def _codes(self, ids: set[int]) -> dict[int, str]:
        missing = [i for i in ids if i not in self._country_codes]
        if missing:
            for row in self.Country.read(missing, ["code"]):
                self._country_codes[row["id"]] = row["code"] or ""
        return {i: self._country_codes[i] for i in ids}

    def _subdivisions(self, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        return {row["id"]: row["code"] for row in self.Subdivision.read(list(ids), ["code"])}

    # --- writing -------------------------------------------------------------------------

    def country_id(self, code: str) -> int | None:
        """
        Return the id of the country with ISO code ``code``, or ``None`` if Tryton has none.
        """
        if not self._country_ids:
            for row in self.Country.search_read([], fields_names=["code"]):
                if row["code"]:
                    self._country_ids[row["code"]] = row["id"]
                    self._country_codes[row["id"]] = row["code"]
        return self._country_ids.get(code)

    def subdivision_id(self, code: str | None) -> int | None:
        """
        Return the id of the subdivision with ISO 3166-2 code ``code``, if Tryton has it.
        """
        if not code:
            return None
        found = self.Subdivision.search([("code", "=", code)], limit=1)
        return found[0].id if found else None

    def create_many(self, parties: Sequence[tuple[str, PartyFields]]) -> list[int]:
        """
        Create a party per ``(account key, fields)`` in one call; return their ids in order.
        """
        if not parties:
            return []
        created = self.Party.create([self._create_values(k, f) for k, f in parties])
        return [int(party.id) for party in created]

    def _create_values(self, key: str, fields: PartyFields) -> Row:
        values: Row = {"accountcore_key": key, **self._party_values(fields)}
        values["addresses"] = [("create", [self._address_values(fields)])]
        mechanisms = [
            {"type": kind, "value": getattr(fields, kind)}
            for kind in MECHANISMS
            if getattr(fields, kind) is not None
        ]
        if mechanisms:
            values["contact_mechanisms"] = [("create", mechanisms)]
        identifiers = [
            {"type": value[0], "code": value[1]}
            for role in ROLES
            if (value := getattr(fields, role)) is not None
        ]
        if identifiers:
            values["identifiers"] = [("create", identifiers)]
        return values

    def update_many(self, parties: Sequence[tuple[Party, PartyFields]]) -> None:
        """
        Write each ``(party, fields)`` in one call, reusing the child records of each role.
        """
        if parties:
            arguments: list[Any] = []
            for party, fields in parties:
                arguments += [[self.Party(party.id)], self._update_values(party, fields)]
            self.Party.write(*arguments)

    def _update_values(self, party: Party, fields: PartyFields) -> Row:
        values = self._party_values(fields)
        children = party.children
        address = self._address_values(fields)
        if "address" in children:
            values["addresses"] = [("write", [children["address"]], address)]
        else:
            values["addresses"] = [("create", [address])]
        mechanisms = self._child_actions(
            children,
            MECHANISMS,
            lambda kind: (
                None
                if getattr(fields, kind) is None
                else {"type": kind, "value": getattr(fields, kind)}
            ),
        )
        if mechanisms:
            values["contact_mechanisms"] = mechanisms
        identifiers = self._child_actions(
            children,
            ROLES,
            lambda role: (
                None
                if (value := getattr(fields, role)) is None
                else {"type": value[0], "code": value[1]}
            ),
        )
        if identifiers:
            values["identifiers"] = identifiers
        return values

    @staticmethod
    def _child_actions(
        children: Mapping[str, int], roles: Sequence[str], wanted: Any
    ) -> list[tuple[Any, ...]]:
        actions: list[tuple[Any, ...]] = []
        creates: list[Row] = []
        for role in roles:
            value = wanted(role)
            child = children.get(role)
            if value is None and child is not None:
                actions.append(("delete", [child]))
            elif value is not None and child is not None:
                actions.append(("write", [child], value))
            elif value is not None:
                creates.append(value)
        if creates:
            actions.append(("create", creates))
        return actions

    def code_holders(self, codes: Iterable[str]) -> dict[str, int]:
        """
        Return the party holding each of ``codes``, for the codes some party holds.
        """
        wanted = sorted(set(codes))
        if not wanted:
            return {}
        rows = self.Party.search_read([("code", "in", wanted)], fields_names=["code"])
        return {row["code"]: row["id"] for row in rows}

    def restamp_many(self, parties: Iterable[Party]) -> dict[int, Party]:
        """
        Return ``parties`` with the version and time of their latest write to the party row
        (after `keep_many`, which touches only that row), by id.
        """
        by_id = {party.id: party for party in parties}
        rows = self.Party.read(list(by_id), ["id", *_STAMPS])
        stamped = {}
        for row in rows:
            party = by_id[row["id"]]
            stamps = (f"party:{party.id}:{row['_timestamp']}", *party.child_stamps)
            modified = max(party.modified_at, _stamp(row))
            stamped[party.id] = attrs.evolve(party, version=digest(stamps), modified_at=modified)
        return stamped

    def set_key(self, party_id: int, key: str | None) -> None:
        """
        Put ``key`` on the party (``None`` takes it off).
        """
        self.Party.write([self.Party(party_id)], {"accountcore_key": key})

    def keep_many(self, stored: Mapping[int, Stored]) -> None:
        """
        Keep each party's `Stored` on it, in one call.
        """
        if stored:
            arguments: list[Any] = []
            for pid, kept in stored.items():
                arguments += [[self.Party(pid)], {"accountcore_snapshot": kept.dumps()}]
            self.Party.write(*arguments)

    def _party_values(self, fields: PartyFields) -> Row:
        return {"name": fields.name, "code": fields.code, "active": fields.active}

    def _address_values(self, fields: PartyFields) -> Row:
        return {
            "street": fields.street or None,
            "postal_code": fields.postal_code,
            "city": fields.city or None,
            "country": self.country_id(fields.country),
            "subdivision": self.subdivision_id(fields.subdivision),
        }


def _choose(children: list[tuple[str, Row]], known: Mapping[str, int]) -> dict[str, Row]:
    """
    Pick the active child record of each role: the one accountcore wrote if it is still
    there, else the first of its kind (an identifier of a VAT or register type).
    """
    # Ids are per model: an address and a mechanism may share one. An archived record
    # counts as removed.
    by_id = {(kind, row["id"]): row for kind, row in children if row.get("active", True)}
    chosen: dict[str, Row] = {}
    for role in _CHILD_ROLES:
        if role in known and (row := by_id.get((_KIND[role], known[role]))) is not None:
            chosen[role] = row
    for kind, row in children:
        found = _role_of(kind, row)
        if found is not None and found not in chosen and found not in known:
            chosen[found] = row
    return chosen


def _role_of(kind: str, row: Row) -> str | None:
    if not row.get("active", True):
        return None
    if kind == "address":
        return "address"
    if kind == "mechanism":
        return str(row["type"]) if row["type"] in MECHANISMS else None
    if row["type"] in _COC_TYPES:
        return "coc"
    return "vat" if _is_vat_type(row["type"]) else None


def _is_vat_type(kind: str | None) -> bool:
    return bool(kind) and str(kind).endswith("_vat")
