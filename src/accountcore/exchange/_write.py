"""Write accounts out: JSON Lines and JSON here; CSV and Exact XML in their own modules."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO

from ..entities import Account
from ..serialization import to_dict


def write_jsonl(accounts: Iterable[Account], stream: IO[str]) -> int:
    """
    Write each account as one line of JSON (the record `accountcore.to_dict` writes).

    Streams: one account at a time. `accountcore.exchange.read` reads the file back to equal
    accounts.

    Returns:
        How many accounts were written.

    .. versionadded:: 0.2
    """
    count = 0
    dumps, write = json.dumps, stream.write
    for account in accounts:
        write(dumps(to_dict(account), ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count


def write_json(accounts: Iterable[Account], stream: IO[str]) -> int:
    """
    Write the accounts as one JSON array of records, streaming, one record per line.

    Returns:
        How many accounts were written.

    .. versionadded:: 0.2
    """
    count = 0
    stream.write("[")
    for account in accounts:
        stream.write(",\n" if count else "\n")
        stream.write(json.dumps(to_dict(account), ensure_ascii=False, separators=(",", ":")))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count
