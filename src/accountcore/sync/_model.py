"""
The values that cross the accounting-system port: changes, push items, outcomes, links.

Everything here is a frozen attrs value. Constructors guard invariants and raise one
`ValidationError` listing every broken rule, with field paths.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

import attrs

from ..entities import (
    Account,
    Address,
    Contact,
    Financial,
    General,
    Marketing,
    Relations,
    Summary,
)
from ..errors import Problem, ValidationError

__all__ = [
    "Capabilities",
    "Change",
    "ChangeKind",
    "CustomerClass",
    "ErrorBudget",
    "LimitScope",
    "Link",
    "Lookup",
    "OutcomeStatus",
    "Posting",
    "PushItem",
    "PushOperation",
    "PushOutcome",
    "RateLimit",
    "RemoteAccount",
]


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise ValidationError(problems)


def _aware(value: object, path: str, problems: list[Problem]) -> None:
    if not isinstance(value, datetime):
        problems.append(Problem((path,), "invalid_type", f"{path} must be a datetime."))
    elif value.tzinfo is None or value.utcoffset() is None:
        problems.append(Problem((path,), "naive_datetime", f"{path} has no time zone."))


def _text(value: object, path: str, problems: list[Problem]) -> None:
    if not isinstance(value, str):
        problems.append(Problem((path,), "invalid_type", f"{path} must be text."))
    elif not value.strip():
        problems.append(Problem((path,), "required", f"{path} is blank."))


def _count(value: object, path: str, problems: list[Problem], low: int = 1) -> None:
    # A bool is an int to Python, but True attempts or batches is a slip, not a number.
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        message = f"{path} must be an integer of at least {low}."
        problems.append(Problem((path,), "out_of_range", message))


def _duration(
    value: object, path: str, problems: list[Problem], longest: timedelta = timedelta.max
) -> None:
    if not isinstance(value, timedelta):
        problems.append(Problem((path,), "invalid_type", f"{path} must be a timedelta."))
    elif not timedelta(0) < value <= longest:
        limit = "" if longest == timedelta.max else f", at most {longest.days} days"
        message = f"{path} must be a positive duration{limit}."
        problems.append(Problem((path,), "out_of_range", message))


def _flag(value: object, path: str, problems: list[Problem]) -> None:
    if not isinstance(value, bool):
        problems.append(Problem((path,), "invalid_type", f"{path} must be True or False."))


def _member(value: object, kind: type[enum.Enum], path: str, problems: list[Problem]) -> None:
    if not isinstance(value, kind):
        message = f"{path} must be a member of {kind.__name__}."
        problems.append(Problem((path,), "invalid_choice", message))


class ChangeKind(enum.Enum):
    """
    What a queued change asks for. Archiving is an update with an inactive status; there is
    no delete.

    .. versionadded:: 0.1
    """

    CREATE = "create"
    UPDATE = "update"
    LINK = "link"
    UNLINK = "unlink"


class Posting(enum.Enum):
    """
    Where a customer class posts invoices: to the customer's own remote record, or to one
    shared generic customer (then the customer gets no remote record of its own).

    .. versionadded:: 0.1
    """

    ACCOUNT = "account"
    GENERIC = "generic"


@attrs.frozen(kw_only=True)
class CustomerClass:
    """
    A Synkd customer class, as far as sync needs it.

    Args:
        code: the class's code.
        posting: `Posting.ACCOUNT` (a remote record per customer) or `Posting.GENERIC`.
        generic_external_id: the shared remote customer; required for, and only for, generic.
        trade_terms_days: the payment terms the class gives, in days (0 to 365), if any.
        prefixes: the document-number prefixes of the class (say, invoice numbers), each
            non-blank and given once.

    Raises:
        ValidationError: every broken rule, with its field path: a blank or non-text code,
            a ``posting`` that is not a `Posting`, a generic external id missing, blank or
            given to an account class, trade terms outside 0 to 365 days, prefixes that are
            not a tuple of distinct non-blank text.

    .. versionadded:: 0.1
    """

    code: str
    posting: Posting = Posting.ACCOUNT
    generic_external_id: str | None = None
    trade_terms_days: int | None = None
    prefixes: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        _text(self.code, "code", problems)
        _member(self.posting, Posting, "posting", problems)
        days = self.trade_terms_days
        if days is not None and (
            isinstance(days, bool) or not isinstance(days, int) or not (0 <= days <= 365)
        ):
            problems.append(
                Problem(("trade_terms_days",), "out_of_range", "Trade terms are 0 to 365 days.")
            )
        problems += _prefix_problems(self.prefixes)
        generic = self.posting is Posting.GENERIC
        if generic != (self.generic_external_id is not None):
            problems.append(
                Problem(
                    ("generic_external_id",),
                    "required" if generic else "invalid_choice",
                    "A generic class needs a generic external id; an account class has none.",
                )
            )
        elif generic:
            _text(self.generic_external_id, "generic_external_id", problems)
        _raise_if(problems)


def _prefix_problems(prefixes: object) -> list[Problem]:
    if not isinstance(prefixes, tuple):
        return [Problem(("prefixes",), "invalid_type", "prefixes must be a tuple.")]
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, prefix in enumerate(prefixes):
        if not isinstance(prefix, str):
            problems.append(Problem(("prefixes", index), "invalid_type", "A prefix must be text."))
        elif not prefix.strip():
            problems.append(Problem(("prefixes", index), "required", "A prefix is blank."))
        elif prefix in seen:
            problems.append(Problem(("prefixes", index), "duplicate", "The prefix is given twice."))
        else:
            seen.add(prefix)
    return problems


#: The class used when a host does not name one: every customer gets its own remote record.
ACCOUNT_CLASS = CustomerClass(code="ACCOUNT")


@attrs.frozen(kw_only=True)
class Change:
    """
    One saved state of an account customer, queued for the accounting system.

    The host appends a change to its outbox in the same transaction as the save. ``seq`` is
    the account's own counter and the only order sync uses; ``snapshot`` is the whole account
    (never a diff), so a newer change can stand in for older ones nobody has sent yet.

    Args:
        change_id: unique and stable; it becomes the idempotency key of every attempt.
        account_key: our key of the account (``snapshot.id`` when there is a snapshot).
        seq: the account's sequence number; strictly increasing per account.
        kind: create, update, link or unlink.
        saved_at: when the host saved it (aware); decides which schedule run picks it up.
        customer_class: the account's customer class at the time of the save.
        snapshot: the account; required for create and update.
        external_id: the remote record to link to; required for, and only for, link.

    Raises:
        ValidationError: every broken rule, with its field path.

    .. versionadded:: 0.1
    """

    change_id: str
    account_key: str
    seq: int
    kind: ChangeKind
    saved_at: datetime
    customer_class: CustomerClass = ACCOUNT_CLASS
    snapshot: Account | None = attrs.field(default=None, repr=False)
    external_id: str | None = None

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        _text(self.change_id, "change_id", problems)
        _text(self.account_key, "account_key", problems)
        if isinstance(self.seq, bool) or not isinstance(self.seq, int) or self.seq < 0:
            problems.append(Problem(("seq",), "out_of_range", "seq must be an integer >= 0."))
        _aware(self.saved_at, "saved_at", problems)
        needs_snapshot = self.kind in (ChangeKind.CREATE, ChangeKind.UPDATE)
        snapshot: object = self.snapshot
        if snapshot is not None and not isinstance(snapshot, Account):
            # The digital firewall: only account customers reach the accounting system.
            problems.append(
                Problem(
                    ("snapshot",),
                    "not_an_account",
                    "Only an account customer can be queued; an operational customer never is.",
                )
            )
        elif needs_snapshot and (snapshot is None or snapshot.id != self.account_key):
            problems.append(
                Problem(
                    ("snapshot",),
                    "snapshot_mismatch",
                    "A create or update needs the account's snapshot, with id == account_key.",
                )
            )
        if (self.kind is ChangeKind.LINK) != (self.external_id is not None):
            problems.append(
                Problem(("external_id",), "required", "A link, and only a link, names its record.")
            )
        _raise_if(problems)


class PushOperation(enum.Enum):
    """
    What the adapter must do with one item. The engine picks it: a create of an account that
    is already linked goes out as an update, and so on.

    .. versionadded:: 0.1
    """

    CREATE = "create"
    UPDATE = "update"
    LINK = "link"
    UNLINK = "unlink"


@attrs.frozen(kw_only=True)
class PushItem:
    """
    One item of a batch the engine hands to `AccountingSystem.push`.

    Args:
        operation: what to do.
        change: the change being sent; its snapshot is the state to write.
        idempotency_key: the same for every attempt of this change.
        attempt: 1 for the first attempt.
        external_id: the remote record (update, link, unlink).
        base_version: the remote version the update is based on; a system with conditional
            updates answers `OutcomeStatus.CONFLICT` when the record has moved on.
        base_snapshot: the account as last synced (`Link.synced`), for an update: an
            adapter may write only the fields that differ from it.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``base_snapshot``.
    """

    operation: PushOperation
    change: Change
    idempotency_key: str
    attempt: int = 1
    external_id: str | None = None
    base_version: str | None = None
    base_snapshot: Account | None = attrs.field(default=None, repr=False)

    @property
    def account_key(self) -> str:
        """
        Return the account key of the change.
        """
        return self.change.account_key


class OutcomeStatus(enum.Enum):
    """
    The result of one push item.

    .. versionadded:: 0.1
    """

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    RETRYABLE = "retryable"
    RATE_LIMITED = "rate_limited"
    REJECTED = "rejected"


class LimitScope(enum.Enum):
    """
    Which rate limit an accounting system said we hit.

    .. versionadded:: 0.1
    """

    CONCURRENCY = "concurrency"
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"


@attrs.frozen(kw_only=True)
class PushOutcome:
    """
    What happened to one push item. Build one with the classmethods.

    Args:
        status: the kind of result.
        external_id: the remote record (applied and duplicate).
        version: the remote version after the write, or the current one on a conflict.
        maybe_applied: for retryable: the write may have landed (a lost response).
        retry_after: for rate limited: how long the system asked us to wait.
        scope: for rate limited: which limit.
        code: a stable snake_case reason (rejected and retryable).
        message: one English sentence; never a full tax number or IBAN.

    .. versionadded:: 0.1
    """

    status: OutcomeStatus
    external_id: str | None = None
    version: str | None = None
    maybe_applied: bool = False
    retry_after: timedelta | None = None
    scope: LimitScope | None = None
    code: str | None = None
    message: str = ""

    @classmethod
    def applied(cls, external_id: str, version: str | None = None) -> PushOutcome:
        """
        Report that the item was written.
        """
        return cls(status=OutcomeStatus.APPLIED, external_id=external_id, version=version)

    @classmethod
    def duplicate(cls, external_id: str, version: str | None = None) -> PushOutcome:
        """
        Report that the idempotency key was seen before; give the first result's record.
        """
        return cls(status=OutcomeStatus.DUPLICATE, external_id=external_id, version=version)

    @classmethod
    def conflict(cls, version: str | None = None, message: str = "") -> PushOutcome:
        """
        Report that the record's version is not the item's base version.
        """
        return cls(status=OutcomeStatus.CONFLICT, version=version, message=message)

    @classmethod
    def retryable(
        cls, *, maybe_applied: bool, code: str = "unavailable", message: str = ""
    ) -> PushOutcome:
        """
        Report a transient failure; say whether the write may have landed.
        """
        return cls(
            status=OutcomeStatus.RETRYABLE, maybe_applied=maybe_applied, code=code, message=message
        )

    @classmethod
    def rate_limited(cls, scope: LimitScope, retry_after: timedelta | None = None) -> PushOutcome:
        """
        Report that a rate limit refused the item (nothing was written).
        """
        return cls(status=OutcomeStatus.RATE_LIMITED, scope=scope, retry_after=retry_after)

    @classmethod
    def rejected(cls, code: str, message: str = "") -> PushOutcome:
        """
        Report a permanent refusal (validation, a missing record); it is never retried.
        """
        return cls(status=OutcomeStatus.REJECTED, code=code, message=message)

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        status = self.status
        if status in (OutcomeStatus.APPLIED, OutcomeStatus.DUPLICATE) and not self.external_id:
            problems.append(Problem(("external_id",), "required", "A write names its record."))
        if status is OutcomeStatus.RATE_LIMITED and self.scope is None:
            problems.append(Problem(("scope",), "required", "A rate limit names its scope."))
        if self.retry_after is not None and self.retry_after < timedelta(0):
            problems.append(Problem(("retry_after",), "out_of_range", "retry_after is negative."))
        if status is OutcomeStatus.REJECTED and not self.code:
            problems.append(Problem(("code",), "required", "A rejection gives its code."))
        if self.maybe_applied and status is not OutcomeStatus.RETRYABLE:
            problems.append(
                Problem(("maybe_applied",), "invalid_choice", "Only a retryable may have landed.")
            )
        _raise_if(problems)


@attrs.frozen(kw_only=True)
class RemoteAccount:
    """
    A customer record as the accounting system holds it.

    Args:
        external_id: the system's id of the record.
        account_key: our account key stored on the record, if any.
        snapshot: the record read back as an account.
        version: the record's version token (opaque), if the system has one.
        modified_at: when the record last changed (aware, UTC).

    .. versionadded:: 0.1
    """

    external_id: str
    account_key: str | None
    snapshot: Account = attrs.field(repr=False)
    version: str | None
    modified_at: datetime


class Lookup(enum.Enum):
    """
    Why the engine must read the remote record before it writes again.

    ``VERIFY``: an earlier write may have landed; find out before re-creating or re-updating.
    ``REBASE``: take the remote version as the new base (a conflict resolved in our favour,
    or one resolved in the remote's favour before the next change).

    .. versionadded:: 0.1
    """

    VERIFY = "verify"
    REBASE = "rebase"


@attrs.frozen(kw_only=True)
class Link:
    """
    What the outbox knows about an account's own remote record.

    Args:
        account_key: our key.
        external_id: the remote record, or ``None`` when none is known yet.
        version: the remote version last seen.
        lookup: set when the next write must first read the record (see `Lookup`).
        synced: the account as last synced: the snapshot both sides were known to hold (our
            write applied, a read-back that found it, or a remote record taken as the base).
            It is the base of the three-way merge of remote edits (`accountcore.sync.merge`);
            ``None`` while no such snapshot is known.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``synced``.
    """

    account_key: str
    external_id: str | None = None
    version: str | None = None
    lookup: Lookup | None = None
    synced: Account | None = attrs.field(default=None, repr=False)


@attrs.frozen(kw_only=True)
class RateLimit:
    """
    A limit the accounting system advertises: at most ``calls`` calls in any window ``per``.

    Raises:
        ValidationError: every broken rule, with its field path: ``calls`` not an integer of
            at least 1, ``per`` not a positive `timedelta`, ``scope`` not a `LimitScope`.

    .. versionadded:: 0.1
    """

    calls: int
    per: timedelta
    scope: LimitScope = LimitScope.MINUTE

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        _count(self.calls, "calls", problems)
        _duration(self.per, "per", problems)
        _member(self.scope, LimitScope, "scope", problems)
        _raise_if(problems)


@attrs.frozen(kw_only=True)
class ErrorBudget:
    """
    The client errors (HTTP 4xx: rejections, conflicts) an accounting system tolerates: it
    blocks the API key after ``errors`` of them in any window ``per``, as Exact Online does
    after 10 an hour. The engine stays below: it sends no item that could be the
    ``errors``-th, and pauses the tenant until the oldest error leaves the window.

    Raises:
        ValidationError: every broken rule, with its field path: ``errors`` not an integer
            of at least 2 (one error must be allowed), ``per`` not a positive `timedelta`.

    .. versionadded:: 0.2
    """

    errors: int
    per: timedelta

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        _count(self.errors, "errors", problems, low=2)
        _duration(self.per, "per", problems)
        _raise_if(problems)


@attrs.frozen(kw_only=True)
class Capabilities:
    """
    What an adapter declares about its accounting system; the engine and the kit read it.

    Args:
        max_batch: the most items one push may carry.
        idempotency_keys: whether the system honours idempotency keys.
        idempotency_window: how long it remembers them, if known.
        conditional_update: whether an update with a stale base version is refused.
        rate_limits: the advertised limits; the engine never exceeds them.
        error_budget: the client errors the system tolerates before it blocks the key, if
            it does; the engine stays below it.
        changes_since: whether the adapter reads the records changed since a cursor
            (`accountcore.sync.RemoteChanges`), so remote edits can be pulled in.
        stored_fields: the card fields the system stores, as paths (``("summary",
            "address")``, ``("contact", "email")``; a path covers every field below it), or
            ``None`` for every field. Read-backs are compared on these fields only: a lost
            write is recognised, and a remote edit told apart, by what the system can hold;
            a field it cannot store is never taken from it in a merge.

    Raises:
        ValidationError: every broken rule, with its field path: ``max_batch`` not an
            integer of at least 1, a switch that is not a bool, an ``idempotency_window``
            that is not ``None`` or a positive `timedelta`, ``rate_limits`` not a tuple of
            `RateLimit` values, an ``error_budget`` that is not an `ErrorBudget`.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``error_budget``, ``changes_since`` and ``stored_fields``.
    """

    max_batch: int = 1
    idempotency_keys: bool = False
    idempotency_window: timedelta | None = None
    conditional_update: bool = False
    rate_limits: tuple[RateLimit, ...] = ()
    error_budget: ErrorBudget | None = None
    changes_since: bool = False
    stored_fields: tuple[tuple[str, ...], ...] | None = None

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        _count(self.max_batch, "max_batch", problems)
        _flag(self.changes_since, "changes_since", problems)
        if self.stored_fields is not None:
            problems += stored_field_problems(self.stored_fields)
        if self.error_budget is not None and not isinstance(self.error_budget, ErrorBudget):
            message = "error_budget must be an ErrorBudget."
            problems.append(Problem(("error_budget",), "invalid_type", message))
        _flag(self.idempotency_keys, "idempotency_keys", problems)
        _flag(self.conditional_update, "conditional_update", problems)
        if self.idempotency_window is not None:
            _duration(self.idempotency_window, "idempotency_window", problems)
        _raise_if(problems + _limit_problems(self.rate_limits))


def _card_fields(cls: type) -> dict[str, type | None]:
    """The fields of a card object, each with its card-object type (``None`` for a value)."""
    walked = (Address, Contact, Financial, General, Marketing, Relations, Summary)
    found: dict[str, type | None] = {}
    for field in attrs.fields(cls):
        inner = next((kind for kind in walked if kind.__name__ in str(field.type)), None)
        found[field.name] = inner
    return found


def stored_field_problems(paths: object) -> list[Problem]:
    """The problems of a ``stored_fields`` value: a tuple of card field paths."""
    if not isinstance(paths, tuple):
        message = "stored_fields must be a tuple of field paths, or None."
        return [Problem(("stored_fields",), "invalid_type", message)]
    problems: list[Problem] = []
    for index, path in enumerate(paths):
        where = ("stored_fields", index)
        if not isinstance(path, tuple) or not path or not all(isinstance(p, str) for p in path):
            message = "A stored field is a non-empty tuple of field names."
            problems.append(Problem(where, "invalid_type", message))
            continue
        cls: type | None = Account
        for name in path:
            fields = _card_fields(cls) if cls is not None else {}
            if name not in fields or (name == "id" and cls is Account):
                dotted = ".".join(path)
                message = f"{dotted} is not a field of the account card (the key is always stored)."
                problems.append(Problem(where, "unknown_field", message))
                break
            cls = fields[name]
    return problems


def _limit_problems(limits: object) -> list[Problem]:
    if not isinstance(limits, tuple):
        message = "rate_limits must be a tuple of RateLimit values."
        return [Problem(("rate_limits",), "invalid_type", message)]
    return [
        Problem(("rate_limits", i), "invalid_type", "A rate limit must be a RateLimit.")
        for i, limit in enumerate(limits)
        if not isinstance(limit, RateLimit)
    ]
