"""
The values the Tryton adapter passes around: a party as read, what accountcore keeps on it,
and the pages of an import.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Final

import attrs

from ...entities import Account
from ...errors import Problem, ValidationError
from ...serialization import from_dict, to_dict
from .._model import RemoteAccount
from ._mapping import ROLES, PartyFields, from_party, overlay

__all__ = ["ImportPage", "ImportProblem"]

#: The version of the JSON layout kept in ``accountcore_snapshot``.
_LAYOUT: Final = 1


@attrs.frozen(kw_only=True)
class Stored:
    """
    What ``accountcore_snapshot`` keeps: the account, the party fields as written (read back
    after the write, so Tryton's normalising is included), the child record of each role,
    and the idempotency key of the write.
    """

    account: Account
    written: PartyFields
    children: Mapping[str, int]
    idempotency_key: str

    def dumps(self) -> str:
        """
        Return the JSON text kept on the party.
        """
        return json.dumps(
            {
                "layout": _LAYOUT,
                "account": to_dict(self.account),
                "written": attrs.asdict(self.written),
                "children": dict(self.children),
                "idempotency_key": self.idempotency_key,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def loads(cls, text: str | None) -> Stored | None:
        """
        Read the JSON text kept on a party; ``None`` when it is absent or not ours.
        """
        if not text:
            return None
        try:
            data = json.loads(text)
            if data.get("layout") != _LAYOUT:
                return None
            written = dict(data["written"])
            for role in ROLES:
                if written.get(role) is not None:
                    written[role] = tuple(written[role])
            return cls(
                account=_load_account(data["account"]),
                written=PartyFields(**written),
                children={str(k): int(v) for k, v in data["children"].items()},
                idempotency_key=str(data["idempotency_key"]),
            )
        except (ValueError, TypeError, KeyError, AttributeError):  # ValidationError too
            # Someone edited the field by hand: the party reads as if we never wrote it.
            return None


@attrs.frozen(kw_only=True)
class Party:
    """
    One party as the adapter sees it: its fields, what accountcore stored, and its version.
    """

    id: int
    key: str | None
    fields: PartyFields
    children: Mapping[str, int]
    stored: Stored | None
    version: str
    child_stamps: tuple[str, ...] = attrs.field(repr=False)
    modified_at: datetime
    created: date

    def account(self) -> Account:
        """
        Return the account the party holds: the stored one with Tryton's edits laid over it,
        or, for a party accountcore never wrote, one built from its fields.
        """
        if self.stored is None:
            return from_party(self.fields, key=self.key, created=self.created)
        return overlay(self.stored.account, self.stored.written, self.fields)


@attrs.frozen(kw_only=True)
class ImportProblem:
    """
    A party that does not read as a valid account, and everything wrong with it.

    .. versionadded:: 0.1
    """

    external_id: str
    problems: tuple[Problem, ...]


@attrs.frozen(kw_only=True)
class ImportPage:
    """
    One page of parties read back as accounts, with the cursor of the next page.

    Args:
        accounts: the parties that read as valid accounts, in party order.
        problems: the parties that did not, with their problems.
        cursor: pass it to the next call; ``None`` when this was the last page.

    .. versionadded:: 0.1
    """

    accounts: tuple[RemoteAccount, ...]
    problems: tuple[ImportProblem, ...]
    cursor: str | None


def _load_account(data: object) -> Account:
    # The adapter writes only accounts that pass every rule, so they read back checked; an
    # identifier whose rules have tightened since still reads, unchecked.
    try:
        return from_dict(data)
    except ValidationError:
        return from_dict(data, check_identifiers=False)


def digest(stamps: Sequence[str]) -> str:
    # The version: a digest of Tryton's timestamps of the party and of each child record,
    # so an edit of an address or a mechanism alone moves it too.
    return hashlib.blake2b("|".join(stamps).encode(), digest_size=8).hexdigest()
