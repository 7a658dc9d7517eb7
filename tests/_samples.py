"""A full, valid account record for tests to copy and break."""

from __future__ import annotations

import copy

_RECORD: dict[str, object] = {
    "id": "acc-1",
    "code": "1001",
    "name": "Acme Retail B.V.",
    "type": "C",
    "type_since": "2024-01-02",
    "status": "A",
    "status_since": "2024-01-02",
    "summary": {
        "address": {
            "line1": "Damrak 1",
            "postcode": "1012 LG",
            "city": "Amsterdam",
            "country": "NL",
        },
        "website": "https://acme-retail.nl",
        "email": "info@acme-retail.nl",
        "phone": "+31 20 555 0100",
        "picture": "logo.png",
    },
    "general": {"country_name": "Netherlands"},
    "remarks": "Prefers email.",
    "free_fields": [
        {"name": "segment", "kind": "text", "value": "retail"},
        {"name": "credit", "kind": "amount", "value": "1500.00"},
    ],
    "contact": {
        "first_name": "Jan",
        "last_name": "de Vries",
        "email": "jan@acme-retail.nl",
        "valid_email": True,
        "email_permission": False,
    },
    "marketing": {
        "security_level": 10,
        "rating": 2,
        "sector": "retail",
        "subsector": "food",
        "coc_number": "34174562",
        "duns_number": "001234567",
        "gln": "8712345678906",
    },
    "relations": {"account_manager": "mvd", "reseller": "2001", "parent": "9000"},
    "financial": {
        "vat_number": "NL004495445B01",
        "invoice_copies": 2,
        "group_invoice": "invoice_debtor",
        "check_date": "2024-03-01",
        "bank_accounts": [
            {
                "iban": "NL91 ABNA 0417 1643 00",
                "bic": "ABNANL2A",
                "number": "417164300",
                "main": True,
            }
        ],
    },
}


def record(**changes: object) -> dict[str, object]:
    """Return a fresh deep copy of the valid record, with top-level keys replaced."""
    data = copy.deepcopy(_RECORD)
    data.update(changes)
    return data


def with_value(path: tuple[str | int, ...], value: object) -> dict[str, object]:
    """Return a fresh record with the value at ``path`` replaced."""
    data = record()
    target: object = data
    for step in path[:-1]:
        target = target[step]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    return data


def without(path: tuple[str | int, ...]) -> dict[str, object]:
    """Return a fresh record with the key at ``path`` removed."""
    data = record()
    target: object = data
    for step in path[:-1]:
        target = target[step]  # type: ignore[index]
    del target[path[-1]]  # type: ignore[attr-defined]
    return data
