"""
The port to an online VAT registry (the European Commission's VIES): what a check returns, and
the two protocols a registry client implements, blocking and async.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, NoReturn, Protocol, TypeVar

import attrs

from ..errors import AccountCoreError, AdapterError, DefinitionError, Problem, ValidationError
from ..identifiers import VATNumber, mask


class VatOutcome(enum.Enum):
    """
    What the registry said of a VAT number.

    .. versionadded:: 0.2
    """

    VALID = "valid"  #: registered and active
    INVALID = "invalid"  #: not registered, or no longer active
    UNAVAILABLE = "unavailable"  #: the registry could not answer; ask again later

    __hash__ = object.__hash__


class UnavailableReason(enum.Enum):
    """
    Why the registry could not answer.

    .. versionadded:: 0.2
    """

    MEMBER_STATE = "member_state"  #: the member state's own service is down (MS_UNAVAILABLE)
    SERVICE = "service"  #: VIES itself is down or failed (SERVICE_UNAVAILABLE, HTTP 5xx)
    TIMEOUT = "timeout"  #: no answer in time (TIMEOUT, or the client's own timeout)
    RATE_LIMITED = "rate_limited"  #: too many requests (MS_MAX_CONCURRENT_REQ, HTTP 429, ...)
    NETWORK = "network"  #: the service could not be reached

    __hash__ = object.__hash__


#: How a message says why the registry could not answer.
_WHY = {
    UnavailableReason.MEMBER_STATE: "the member state's service is down",
    UnavailableReason.SERVICE: "the registry's service is down",
    UnavailableReason.TIMEOUT: "it did not answer in time",
    UnavailableReason.RATE_LIMITED: "it is receiving too many requests",
    UnavailableReason.NETWORK: "it could not be reached",
}


def _refuse(where: str, expected: str, value: object) -> NoReturn:
    # Only the type is shown: the value may be a VAT number, which a message never echoes.
    shown = type(value).__name__
    raise DefinitionError(f"{where}: expected {expected}, got a value of type {shown}")


#: An attrs validator: called with the instance, the attribute and the value.
_Validator = Callable[[Any, Any, Any], None]


def _is_a(kind: type, expected: str, where: str) -> _Validator:
    def check(instance: object, attribute: object, value: Any) -> None:
        if not isinstance(value, kind):
            _refuse(where, expected, value)

    return check


def _optional_text(where: str) -> _Validator:
    def check(instance: object, attribute: object, value: Any) -> None:
        if value is not None and not (isinstance(value, str) and value.strip()):
            _refuse(where, "a non-blank string or None", value)

    return check


def _aware(instance: object, attribute: object, value: Any) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        _refuse("VatCheck.checked_at", "a time-zone aware datetime", value)


def _reason(instance: VatCheck, attribute: object, value: Any) -> None:
    if instance.outcome is VatOutcome.UNAVAILABLE:
        if not isinstance(value, UnavailableReason):
            _refuse("VatCheck.reason", "an UnavailableReason for an unavailable answer", value)
    elif value is not None:
        _refuse("VatCheck.reason", "None for an answer the registry gave", value)


def _retry_after(instance: VatCheck, attribute: object, value: Any) -> None:
    if value is None:
        return
    if instance.outcome is not VatOutcome.UNAVAILABLE:
        _refuse("VatCheck.retry_after", "None for an answer the registry gave", value)
    if not isinstance(value, timedelta) or value < timedelta(0):
        _refuse("VatCheck.retry_after", "a timedelta of zero or more, or None", value)


@attrs.frozen(kw_only=True)
class VatCheck:
    """
    The answer of one online check.

    Attributes:
        vat: the number checked.
        outcome: valid, invalid or unavailable.
        checked_at: when the registry answered (its request date), or when the client gave
            up; always time-zone aware.
        request_id: the registry's consultation number, for the audit trail (VIES gives one
            when the requester's own VAT number is sent).
        name: the registered name, when the registry gives it.
        address: the registered address, when the registry gives it.
        reason: why the registry could not answer (given exactly when unavailable).
        retry_after: how long to wait before asking again, when known (only when
            unavailable).

    Raises:
        DefinitionError: a field of the wrong type, a naive ``checked_at``, a reason missing
            from an unavailable answer or given with another, a negative ``retry_after``.

    .. versionadded:: 0.2
    """

    vat: VATNumber = attrs.field(validator=_is_a(VATNumber, "a VATNumber", "VatCheck.vat"))
    outcome: VatOutcome = attrs.field(
        validator=_is_a(VatOutcome, "a VatOutcome", "VatCheck.outcome")
    )
    checked_at: datetime = attrs.field(validator=_aware)
    request_id: str | None = attrs.field(
        default=None, validator=_optional_text("VatCheck.request_id")
    )
    name: str | None = attrs.field(default=None, validator=_optional_text("VatCheck.name"))
    address: str | None = attrs.field(default=None, validator=_optional_text("VatCheck.address"))
    reason: UnavailableReason | None = attrs.field(default=None, validator=_reason)
    retry_after: timedelta | None = attrs.field(default=None, validator=_retry_after)

    @property
    def valid(self) -> bool:
        """``True`` when the registry says the number is registered and active."""
        return self.outcome is VatOutcome.VALID

    @property
    def unavailable(self) -> bool:
        """``True`` when the registry could not answer."""
        return self.outcome is VatOutcome.UNAVAILABLE

    @property
    def retry_at(self) -> datetime | None:
        """
        The instant from which asking again makes sense: ``checked_at`` plus ``retry_after``,
        or ``None`` when the registry said no time.
        """
        return None if self.retry_after is None else self.checked_at + self.retry_after

    def problems(self, path: tuple[str | int, ...] = ()) -> tuple[Problem, ...]:
        """
        The problems this answer makes for a check that must pass, located at ``path``.

        None when the number is valid; ``vat_not_registered`` when it is invalid (naming the
        request identifier, for the audit trail); ``vat_check_unavailable`` when the registry
        could not answer, saying why and from when to try again. Messages mask the number.
        """
        shown = mask(self.vat.compact)
        if self.outcome is VatOutcome.VALID:
            return ()
        if self.outcome is VatOutcome.INVALID:
            request = f" (request {self.request_id})" if self.request_id else ""
            message = (
                f"The VAT registry says VAT number {shown} is not registered or not"
                f" active{request}."
            )
            return (Problem(path, "vat_not_registered", message),)
        why = _WHY[self.reason] if self.reason is not None else "it gave no reason"
        retry_at = self.retry_at
        when = "later" if retry_at is None else f"after {retry_at.isoformat(timespec='seconds')}"
        message = f"The VAT registry could not check VAT number {shown}: {why}; try again {when}."
        return (Problem(path, "vat_check_unavailable", message),)


class VatRegistry(Protocol):
    """
    An online VAT registry, blocking. A check never raises for an answer it could not get:
    it returns an unavailable `VatCheck` with the reason.

    .. versionadded:: 0.2
    """

    def check(self, vat: VATNumber) -> VatCheck:
        """Check ``vat`` against the registry."""
        ...


class AsyncVatRegistry(Protocol):
    """
    An online VAT registry, for asyncio: the twin of `VatRegistry`.

    .. versionadded:: 0.2
    """

    async def check(self, vat: VATNumber) -> VatCheck:
        """Check ``vat`` against the registry."""
        ...


# --- holding a registry to the port ----------------------------------------------------------

_T = TypeVar("_T")


def require_vat(value: object, path: tuple[str | int, ...] = ()) -> VATNumber:
    """Return ``value`` when it is a `VATNumber`; raise a `ValidationError` otherwise."""
    if not isinstance(value, VATNumber):
        message = f"Expected a VATNumber, not {type(value).__name__}."
        raise ValidationError([Problem(path, "invalid_type", message)])
    return value


def answer_of(vat: VATNumber, answer: object) -> VatCheck:
    """
    Return the registry's ``answer`` to ``vat``, when it keeps the port's contract.

    Raises:
        AdapterError: the answer is not a `VatCheck`, or is for another number.
    """
    if not isinstance(answer, VatCheck):
        name = type(answer).__name__
        raise AdapterError(f"The VAT registry's check must return a VatCheck, not {name}.")
    if answer.vat.compact != vat.compact:
        raise AdapterError("The VAT registry answered for another number than it was asked.")
    return answer


def broken(error: Exception) -> AdapterError:
    """The error for a registry that raised instead of answering unavailable."""
    name = type(error).__name__
    return AdapterError(f"The VAT registry's check raised {name} instead of answering.")


def ask(registry: VatRegistry, vat: VATNumber) -> VatCheck:
    """Check ``vat`` with ``registry``, holding it to the port (see `check_one`)."""
    try:
        answer = registry.check(vat)
    except AccountCoreError:
        raise
    except Exception as error:
        raise broken(error) from error
    return answer_of(vat, answer)


async def ask_async(registry: AsyncVatRegistry, vat: VATNumber) -> VatCheck:
    """Check ``vat`` with an async ``registry``, holding it to the port."""
    try:
        answer = await registry.check(vat)
    except AccountCoreError:
        raise
    except Exception as error:
        raise broken(error) from error
    return answer_of(vat, answer)


def check_one(registry: VatRegistry, vat: VATNumber) -> VatCheck:
    """
    Check one number with ``registry``, holding the registry to the port's contract.

    The workflows call this: a registry's own bug surfaces as an accountcore error, never as
    whatever the registry raised.

    Raises:
        ValidationError: ``vat`` is not a `VATNumber` (``invalid_type``).
        AdapterError: the registry raised anything but an accountcore error, or answered with
            something other than a `VatCheck` for this number.

    .. versionadded:: 0.2
    """
    return ask(registry, require_vat(vat))


# --- the clock -------------------------------------------------------------------------------


def utc_now() -> datetime:
    """The system clock, in UTC: the documented default of the clients that take ``clock``."""
    return datetime.now(timezone.utc)


def checked_now(now: Callable[[], datetime], who: str) -> datetime:
    """
    Read ``clock``, refusing a naive time.

    Raises:
        ValidationError: ``naive_datetime``.
    """
    value = now()
    if not isinstance(value, datetime) or value.utcoffset() is None:
        message = f"{who}: now() must return a time-zone aware datetime."
        raise ValidationError([Problem(("now",), "naive_datetime", message)])
    return value


def callable_or_default(
    value: Callable[[], _T] | None, default: Callable[[], _T], where: str
) -> Callable[[], _T]:
    """Return ``value``, or ``default`` when it is ``None``; refuse what cannot be called."""
    if value is None:
        return default
    if not callable(value):
        _refuse(where, "a callable or None", value)
    return value
