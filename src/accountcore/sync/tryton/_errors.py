"""
What each Tryton failure becomes: an outcome for one push item, or an error for a read.
"""

from __future__ import annotations

from ...errors import AdapterError, RemoteUnavailableError, SyncError
from .._model import PushOutcome

__all__: list[str] = []


def _message(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error)
    return " ".join(str(message).split())


def outcome_of(error: Exception, *, maybe_applied: bool) -> PushOutcome:
    """
    Map an exception from Tryton during one item onto an outcome.
    """
    from trytond import backend
    from trytond.exceptions import ConcurrencyException, UserError, UserWarning
    from trytond.model.exceptions import AccessError, SQLConstraintError

    if isinstance(error, ConcurrencyException):
        return PushOutcome.conflict(None, _message(error))
    if isinstance(error, AccessError):
        return PushOutcome.rejected("access_denied", _message(error))
    if isinstance(error, SQLConstraintError):
        # The adapter checks the account key and the code first, in the same transaction;
        # this is another constraint, or a concurrent writer won the race.
        return PushOutcome.rejected("constraint", _message(error))
    if isinstance(error, (UserError, UserWarning)):
        return PushOutcome.rejected("tryton_user_error", _message(error))
    if isinstance(error, backend.DatabaseIntegrityError):
        return PushOutcome.rejected("constraint", _message(error))
    if isinstance(error, (backend.DatabaseOperationalError, backend.DatabaseTimeoutError)):
        # A locked or lost database: the item may be tried again.
        return PushOutcome.retryable(
            maybe_applied=maybe_applied,
            code="unavailable",
            message=f"{type(error).__name__}: {_message(error)}",
        )
    if isinstance(error, SyncError):
        raise error
    raise AdapterError(
        f"The Tryton adapter failed: {type(error).__name__}: {_message(error)}"
    ) from error


def error_of(error: Exception) -> SyncError:
    """
    Map an exception from Tryton during a read onto a sync error.
    """
    from trytond import backend
    from trytond.exceptions import UserError

    if isinstance(error, UserError):
        return AdapterError(f"Tryton refused the read: {_message(error)}")
    if not isinstance(error, (backend.DatabaseOperationalError, backend.DatabaseTimeoutError)):
        return AdapterError(f"The Tryton adapter failed: {type(error).__name__}: {error}")
    return RemoteUnavailableError(
        f"Tryton could not be read: {type(error).__name__}: {_message(error)}",
        maybe_applied=False,
    )
