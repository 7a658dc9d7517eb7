"""
The exceptions accountcore raises, and the `Problem` they carry.

Every public function either succeeds or raises one of these; nothing else escapes::

    AccountCoreError
    ├── ValidationError(AccountCoreError, ValueError)  .problems: tuple[Problem, ...], never empty
    │   └── ActionRefused                              .decisions: the denying rights decisions
    ├── InvalidTransition                              .account_type, .current, .target, .allowed
    ├── InvalidTypeChange                              .current, .target, .allowed, .blocking_status
    ├── RightDenied                                    .decision (a denied rights.Decision)
    ├── DefinitionError                                malformed policy or table (a host bug)
    └── SyncError                                      the accounting system or its adapter failed
        ├── ConflictError                              the remote record changed under us
        ├── NotFoundError                              the remote record does not exist
        ├── RemoteUnavailableError                     .maybe_applied: the call may have landed
        │   └── RateLimitedError                       .retry_after, .scope
        ├── AuthenticationError                        credentials refused or expired (401/403)
        ├── ConfigurationError                         the connection is set up wrongly
        ├── UnsupportedOperationError                  the adapter cannot do this (say, a big batch)
        └── AdapterError                               the adapter broke the port's contract

A `Problem` names where (``path``), what (``code``, stable snake_case), why (``message``,
one English sentence) and how bad (``severity``): an *error* makes a record invalid, a
*warning* is reported but never does, and never raises. Each code has one severity; the
codes in `WARNING_CODES` are warnings. Messages never echo a full IBAN or tax number.

.. versionadded:: 0.1
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from datetime import timedelta

    from .entities import AccountStatus, AccountType
    from .rights import Decision

__all__ = [
    "CODES",
    "WARNING_CODES",
    "AccountCoreError",
    "ActionRefused",
    "AdapterError",
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "DefinitionError",
    "InvalidTransition",
    "InvalidTypeChange",
    "NotFoundError",
    "Problem",
    "RateLimitedError",
    "RemoteUnavailableError",
    "RightDenied",
    "Severity",
    "SyncError",
    "UnsupportedOperationError",
    "ValidationError",
    "split_problems",
]

#: Every problem code accountcore emits, with what it means. Renaming one is a breaking change;
#: ``docs/errors.md`` lists the same codes and a test keeps the two in step.
CODES: dict[str, str] = {
    "required": "A mandatory value is missing, null or blank.",
    "invalid_type": "The value has the wrong JSON type (say, text where a number belongs).",
    "invalid_choice": "The value is not one of the allowed codes, fields or accounts.",
    "unknown_field": "The object has a key that is not a field of it.",
    "out_of_range": "The number lies outside its allowed range.",
    "too_long": "The text is longer than its field's maximum length.",
    "too_many": "The list holds more items than its field's maximum.",
    "too_many_problems": "So many items had problems that the rest were not checked.",
    "invalid_date": (
        "The text is not an ISO 8601 calendar date (YYYY-MM-DD), or names a day the calendar"
        " lacks (2024-02-30)."
    ),
    "invalid_format": "The value does not have the shape its kind requires.",
    "invalid_length": "The value has the wrong number of characters.",
    "invalid_checksum": "The value's check digits do not match.",
    "invalid_component": "A part of the value (country, bank code, ...) is unknown or wrong.",
    "invalid_email": "The text is not a valid email address.",
    "invalid_url": "The text is not a web address (http or https with a host name).",
    "invalid_phone": (
        "The text is not a phone number: characters a phone number cannot have, or too few or"
        " too many digits for its country."
    ),
    "unassigned_phone": (
        "The phone number has a possible length but lies in no range its country assigns."
    ),
    "control_character": (
        "The text holds a control character (a tab, a line break, ...), which a one-line field"
        " cannot take."
    ),
    "multiple_emails": "The field holds several email addresses; it takes one.",
    "invalid_picture_format": "The picture's file extension is not an accepted image format.",
    "unknown_country": "The country is not an ISO 3166-1 alpha-2 code.",
    "state_not_in_country": "The state is not a subdivision of the address's country.",
    "duplicate": "The value appears twice where it must be unique.",
    "main_bank_account": "There is not exactly one main bank account.",
    "iban_number_mismatch": "The IBAN does not correspond to the domestic bank account number.",
    "bic_bank_mismatch": "The bank registry files the BIC under another bank than the IBAN's.",
    "doubled_prefix": "The VAT number carries its country prefix twice (NL NL ...).",
    "wrong_identifier_kind": (
        "The value is another kind of number than the field takes (a branch number where a"
        " company register number belongs)."
    ),
    "identifier_unchecked": (
        "No rule is known for the identifier's kind and country, so only its shape was checked."
    ),
    "subsector_without_sector": "A subsector is given but no sector.",
    "subsector_not_in_sector": "The subsector does not belong to the account's sector.",
    "self_reference": "The account names itself as its own parent, reseller or replacement.",
    "code_taken": "Another account already holds this code.",
    "unknown_account": "The referenced account does not exist.",
    "not_a_reseller": "The referenced reseller account is not of type Reseller.",
    "parent_cycle": "Following parent accounts leads back to this account.",
    "cost_centre_mismatch": "The cost centre differs from the account manager's cost centre.",
    "naive_datetime": "A recorded instant has no time zone; pass an aware datetime.",
    "before_since": "The effective date lies before the date the current type or status began.",
    "contract_required": "A Customer needs a contract and the host's lookup found none.",
    "contract_lookup_missing": "Mandatory: Contract is on but no contract lookup was given.",
    "vat_not_registered": "The online VAT registry says the number is not registered or active.",
    "vat_check_unavailable": (
        "The online VAT registry could not answer, so the required check was not made; try"
        " again later."
    ),
    "vat_registry_missing": "An online VAT check is required but no VAT registry was given.",
    "unreadable_record": (
        "The record cannot be read at all (a line that is not JSON, a CSV row with more cells"
        " than the header); the file reads on."
    ),
    "record_too_long": (
        "The record is longer than the reading limit; it was skipped unread and the file reads on."
    ),
    "unknown_element": (
        "The XML element is not in the eExact schema where it stands; it was not read (an error"
        " when reading strictly)."
    ),
    "element_not_kept": (
        "The eExact schema allows the element, but the card has no place for it; it was read"
        " and not kept."
    ),
    "to_be_numbered": (
        "The record asks the receiving system to number it (an empty code); allocate codes to"
        " read it as an account."
    ),
    "event_does_not_apply": "A replayed event does not fit the state it meets.",
    "right_denied": "The policy denies the action: a function right, a setting, record security.",
    "field_read_only": "The card layout shows this field read-only, so it cannot be edited.",
    "field_hidden": "The card layout hides this field, so it cannot be edited.",
    "invalid_transition": "The status table does not allow this move for the account's type.",
    "invalid_type_change": "The type-change rules forbid this change, or the status blocks it.",
    "unknown_time_zone": "The time zone is not an IANA zone name such as Europe/Amsterdam.",
    "invalid_time": "The text is not a 24-hour wall-clock time HH:MM.",
    "seq_not_increasing": "A change's sequence number is not above the account's previous one.",
    "duplicate_change": "A change with this id is already in the outbox.",
    "snapshot_mismatch": "The snapshot belongs to another account, or is missing or misplaced.",
    "remote_missing": "The linked remote record no longer exists in the accounting system.",
    "account_key_taken": "The accounting system already holds a record with this account key.",
    "not_found": "The accounting system has no record with this external id.",
    "invalid_account": "The account breaks a rule, so the adapter refused to write it.",
    "access_denied": "The accounting system's access rights refused the write.",
    "constraint": "A constraint of the accounting system's database refused the write.",
    "tryton_user_error": "Tryton refused the write with a user error; the message says why.",
    "unavailable": "The accounting system could not be reached or was busy; try again.",
    "max_attempts": "The change failed on every attempt the sync policy allows.",
    "conflict_kept_remote": "A conflict was resolved by keeping the remote record as it is.",
    "rejected": "The accounting system rejected the change; it will not be retried.",
    "not_an_account": "Only an account customer can be queued for the accounting system.",
    "customer_not_linked": "The operational customer is not linked to an account customer.",
    "no_customer_class": (
        "The account customer has no customer class, so nothing decides where invoices post."
    ),
    "account_blocked": "The account customer is Blocked, so its invoices cannot post.",
    "account_inactive": "The account customer is Inactive, so its invoices cannot post.",
    "account_not_synced": (
        "The account customer has no remote record yet, so an Account-class invoice cannot post."
    ),
    "already_linked": "The operational customer is already linked; unlink it first.",
    "not_linked": "The operational customer is not linked, so there is nothing to unlink.",
    "excluded_from_merging": (
        "The account is flagged exclude-from-merging, so it cannot take part in a merge."
    ),
    "already_merged": (
        "The account was already merged into another account (its replaced_by is set)."
    ),
    "type_mismatch": "An account to merge has another type than the surviving account.",
    "merge_conflicts": "A field of the merge plan holds different values and no choice was made.",
    "plan_stale": "An account changed or vanished since the merge was planned; plan it again.",
}


#: The codes that are warnings: a problem with one of them is reported but never makes a record
#: invalid. Every other code is an error. ``docs/errors.md`` marks the same codes.
WARNING_CODES: frozenset[str] = frozenset({
    "bic_bank_mismatch",
    "element_not_kept",
    "identifier_unchecked",
    "unassigned_phone",
    "unknown_element",
})  # fmt: skip


class Severity(enum.Enum):
    """
    How bad a `Problem` is.

    .. versionadded:: 0.2
    """

    ERROR = "error"  #: the record is invalid
    WARNING = "warning"  #: worth knowing; the record stays valid

    __hash__ = object.__hash__


def _severity_of(code: str) -> Severity:
    return Severity.WARNING if code in WARNING_CODES else Severity.ERROR


def _default_severity(problem: Problem) -> Severity:
    return _severity_of(problem.code)


def _render_path(path: tuple[str | int, ...]) -> str:
    parts = ["$"]
    for step in path:
        parts.append(f"[{step}]" if isinstance(step, int) else f".{step}")
    return "".join(parts)


@attrs.frozen
class Problem:
    """
    One thing wrong with an input, and where.

    Args:
        path: the field path, keys and list indexes; ``()`` is the object itself.
        code: a stable code from `CODES`.
        message: one English sentence for humans.
        severity: `Severity.WARNING` for the codes in `WARNING_CODES`, else
            `Severity.ERROR`; a host may set it for problems of its own rules.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``severity``.
    """

    path: tuple[str | int, ...]
    code: str
    message: str
    severity: Severity = attrs.field(
        default=attrs.Factory(_default_severity, takes_self=True), kw_only=True
    )

    @property
    def is_warning(self) -> bool:
        """
        ``True`` for a warning, which never makes a record invalid.
        """
        return self.severity is Severity.WARNING

    @property
    def location(self) -> str:
        """
        Render the path in JSONPath-like notation, for example ``$.bank_accounts[0].iban``.
        """
        return _render_path(self.path)

    def prefixed(self, prefix: tuple[str | int, ...]) -> Problem:
        """
        Return the same problem located under ``prefix``.
        """
        return Problem(prefix + self.path, self.code, self.message, severity=self.severity)

    def __str__(self) -> str:
        marker = ", warning" if self.severity is Severity.WARNING else ""
        return f"{self.location}: {self.message} [{self.code}{marker}]"


def split_problems(
    problems: Iterable[Problem],
) -> tuple[tuple[Problem, ...], tuple[Problem, ...]]:
    """
    Split ``problems`` into the errors and the warnings, each in their order.

    .. versionadded:: 0.2
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for problem in problems:
        (warnings if problem.severity is Severity.WARNING else errors).append(problem)
    return tuple(errors), tuple(warnings)


class AccountCoreError(Exception):
    """
    Base class of every exception accountcore raises.

    .. versionadded:: 0.1
    """


class ValidationError(AccountCoreError, ValueError):
    """
    Raise when input breaks one or more rules; ``problems`` lists every one of them.

    Only errors make the input invalid: ``problems`` holds the errors (never empty), and
    ``warnings`` any warnings found with them, so that nothing found is lost.

    .. versionadded:: 0.1
    .. versionchanged:: 0.2
       ``warnings``; warnings passed in are filed there.
    """

    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems, self.warnings = split_problems(problems)
        if not self.problems:
            raise ValueError("a ValidationError needs at least one error")
        super().__init__(self.problems)

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count > 1 else ''}"
        return head + ": " + "; ".join(str(p) for p in self.problems)

    def __reduce__(self) -> tuple[type[ValidationError], tuple[tuple[Problem, ...]]]:
        return (type(self), (self.problems + self.warnings,))


class ActionRefused(ValidationError):  # noqa: N818 -- reads as an event
    """
    Raise when a workflow refuses a user action; ``problems`` lists every reason.

    Rights denials appear both as problems (code ``right_denied``, ``field_hidden`` or
    ``field_read_only``) and, whole, in ``decisions``.

    .. versionadded:: 0.1
    """

    decisions: tuple[Decision, ...]

    def __init__(self, problems: Iterable[Problem], decisions: Iterable[Decision] = ()) -> None:
        super().__init__(problems)
        self.decisions = tuple(decisions)

    def __reduce__(  # type: ignore[override]
        self,
    ) -> tuple[type[ActionRefused], tuple[tuple[Problem, ...], tuple[Decision, ...]]]:
        return (type(self), (self.problems + self.warnings, self.decisions))


class InvalidTransition(AccountCoreError):  # noqa: N818 -- reads as an event
    """
    Raise when a status change is not allowed for the account's type and current status.

    Attributes:
        account_type: the account's type.
        current: the status the account has.
        target: the status requested.
        allowed: the statuses the table allows from ``current`` for this type.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        message: str,
        *,
        account_type: AccountType,
        current: AccountStatus,
        target: AccountStatus,
        allowed: frozenset[AccountStatus],
    ) -> None:
        super().__init__(message)
        self.account_type = account_type
        self.current = current
        self.target = target
        self.allowed = allowed


class InvalidTypeChange(AccountCoreError):  # noqa: N818 -- reads as an event
    """
    Raise when a type change is not allowed, or the account must leave its status first.

    Attributes:
        current: the type the account has.
        target: the type requested.
        allowed: the types the rules allow from ``current``.
        blocking_status: the status the new type may not hold (``None`` when the change
            itself is not allowed).

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        message: str,
        *,
        current: AccountType,
        target: AccountType,
        allowed: frozenset[AccountType],
        blocking_status: AccountStatus | None = None,
    ) -> None:
        super().__init__(message)
        self.current = current
        self.target = target
        self.allowed = allowed
        self.blocking_status = blocking_status


class RightDenied(AccountCoreError):  # noqa: N818 -- reads as an event
    """
    Raise when a policy denies an action; ``decision`` says which rule and which right.

    A denial is a normal `Decision`; only `accountcore.rights.require` and the workflows raise.

    .. versionadded:: 0.1
    """

    def __init__(self, message: str, *, decision: Decision) -> None:
        super().__init__(message)
        self.decision = decision


class DefinitionError(AccountCoreError):
    """
    Raise when a host-supplied definition (a table, a layout, a policy) is malformed.

    .. versionadded:: 0.1
    """


class SyncError(AccountCoreError):
    """
    Base class of the errors an accounting-system adapter, an outbox or a sync driver raises.

    Adapters may raise only `SyncError` subclasses; one failed item of a batch is an outcome
    value, not an error, so an exception always means the whole call failed.

    .. versionadded:: 0.1
    """


class ConflictError(SyncError):
    """
    Raise when the remote record or an outbox entry changed since it was read.

    .. versionadded:: 0.1
    """


class NotFoundError(SyncError):
    """
    Raise when a remote record does not exist.

    .. versionadded:: 0.1
    """


class RemoteUnavailableError(SyncError):
    """
    Raise when the accounting system cannot be reached or failed the whole call.

    Attributes:
        maybe_applied: whether the call may have been applied before it failed (a timeout
            after the request was sent, a crash in the middle of a batch). Defaults to true,
            the safe assumption.

    .. versionadded:: 0.1
    """

    def __init__(self, message: str, *, maybe_applied: bool = True) -> None:
        super().__init__(message)
        self.maybe_applied = maybe_applied

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), str(self), self.__dict__))


class RateLimitedError(RemoteUnavailableError):
    """
    Raise when the accounting system refused the whole call for a rate limit (HTTP 429).

    Attributes:
        retry_after: how long the system asked us to wait, if it said.
        scope: which limit was hit, a `accountcore.sync.LimitScope` name such as ``"minute"``.

    .. versionadded:: 0.1
    """

    def __init__(
        self, message: str, *, retry_after: timedelta | None = None, scope: str = "minute"
    ) -> None:
        super().__init__(message, maybe_applied=False)
        self.retry_after = retry_after
        self.scope = scope


class AuthenticationError(SyncError):
    """
    Raise when the accounting system refuses the credentials: an expired or revoked token, a
    key it has blocked, a user without access (HTTP 401, 403).

    The sync engine holds the whole tenant, without using up any change's attempts, until the
    host has fixed the credentials and resumes it (`accountcore.sync.SyncDriver.resume`):
    every call would fail the same way, and each failure counts against the system's
    error limits.

    .. versionadded:: 0.2
    """


class ConfigurationError(SyncError):
    """
    Raise when the connection to the accounting system is set up wrongly: an unknown
    division or company, a missing setting, an endpoint that does not exist. Held like
    `AuthenticationError` until the host resumes the tenant.

    .. versionadded:: 0.2
    """


class UnsupportedOperationError(SyncError):
    """
    Raise when an adapter is asked for something it cannot do, such as a batch above its limit.

    .. versionadded:: 0.1
    """


class AdapterError(SyncError):
    """
    Raise when an adapter breaks the port's contract: the wrong number of outcomes, or an
    exception that is not a `SyncError`. The original exception is the ``__cause__``.

    .. versionadded:: 0.1
    """


def _rebuild(cls: type[SyncError], message: str, state: dict[str, object]) -> SyncError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error
