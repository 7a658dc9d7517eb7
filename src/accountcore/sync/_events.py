"""What sync did that a host may want to show: pauses, holds, adoptions, merges, dead letters."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

__all__ = ["SyncEvent", "SyncEventKind"]


class SyncEventKind(enum.Enum):
    """
    What happened.

    - ``PAUSED``: the tenant waits until ``until``; ``code`` says why: ``rate_limited`` (the
      system said so), ``unavailable`` (whole calls failed: network, 5xx, timeouts; the
      tenant backs off) or ``error_budget`` (one more client error could block the key).
    - ``HELD``: the tenant waits until the host resumes it; ``code`` is the
      `accountcore.sync.HoldReason` value (``authentication``, ``configuration``).
    - ``RESUMED``: the host resumed the tenant.
    - ``ADOPTED``: a create met its account key on a record already there; the account is
      linked to it (``external_id``).
    - ``DEAD_LETTERED``: a change was given up (``code``, as in its `accountcore.sync.Closed`).
    - ``REDRIVEN``: the host opened a dead-lettered change again.
    - ``REMOTE_WON``: remote edits were merged into the account (``fields``: the fields
      taken from the remote); ``code`` says how they came: ``pull``, ``webhook`` or
      ``read_before_write``.
    - ``LOCAL_WON``: the merge kept local edits the remote did not make (``fields``).
    - ``CONFLICT``: both sides changed these ``fields`` differently; the account keeps its
      local values there until the host decides (`accountcore.sync.Incoming`). For a
      change held back by a remote edit (no way to merge), ``code`` is ``remote_edited``.

    .. versionadded:: 0.2
    """

    PAUSED = "paused"
    HELD = "held"
    RESUMED = "resumed"
    ADOPTED = "adopted"
    DEAD_LETTERED = "dead_lettered"
    REDRIVEN = "redriven"
    REMOTE_WON = "remote_won"
    LOCAL_WON = "local_won"
    CONFLICT = "conflict"


@attrs.frozen(kw_only=True)
class SyncEvent:
    """
    One thing a run (or a host action on the driver) did, for the host to show or log.

    Args:
        kind: what happened.
        at: when.
        code: why, a stable snake_case code (see `SyncEventKind`).
        message: one English sentence, or the adapter's message for a hold; never a full tax
            number or IBAN.
        account_key: the account concerned, for account events.
        change_id: the change concerned, for change events.
        external_id: the remote record, for an adoption.
        until: for a pause: when sending starts again.
        fields: for a merge: the card fields concerned, as paths
            (``("summary", "address", "city")``).

    .. versionadded:: 0.2
    """

    kind: SyncEventKind
    at: datetime
    code: str | None = None
    message: str = ""
    account_key: str | None = None
    change_id: str | None = None
    external_id: str | None = None
    until: datetime | None = None
    fields: tuple[tuple[str | int, ...], ...] = ()
