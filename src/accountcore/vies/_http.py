"""
The VIES client: EU VAT numbers checked online against the European Commission's VIES REST API,
on httpx (the ``vies`` extra: ``pip install 'accountcore[vies]'``).

`ViesClient` (blocking, a `VatRegistry`) and `AsyncViesClient` (asyncio, an
`AsyncVatRegistry`) share one run of a check: the generator `_Core._steps` decides, the two
clients only send and sleep. This module does not import httpx; constructing a client does, and
raises `ImportError` naming the extra when httpx is missing.

The client sends ``POST {base_url}/check-vat-number`` with ``countryCode`` (the VIES prefix:
``EL`` for Greece, ``XI`` for Northern Ireland), ``vatNumber`` (the number without it) and,
when a requester is configured, ``requesterMemberStateCode`` and ``requesterNumber``: VIES
then answers with a consultation number, the `VatCheck.request_id`.

The clients' default sleep and random source live here, and nowhere else; their default clock
is the port's `utc_now`, the system clock in UTC.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from datetime import datetime, timedelta, timezone
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

import attrs

from ..errors import DefinitionError, Problem, ValidationError
from ..identifiers import VATNumber, mask
from ._port import UnavailableReason, VatCheck, VatOutcome, utc_now

if TYPE_CHECKING:
    import httpx
    from typing_extensions import Self

__all__ = ["DEFAULT_BASE_URL", "VIES_PREFIXES", "AsyncViesClient", "ViesClient"]

#: The official endpoint of the VIES REST API.
DEFAULT_BASE_URL: Final = "https://ec.europa.eu/taxation_customs/vies/rest-api"

#: The prefixes VIES checks: the 27 EU member states (``EL`` for Greece) and ``XI`` for
#: Northern Ireland.
VIES_PREFIXES: Final = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI",
})  # fmt: skip

_EXTRA = "accountcore's VIES client needs the vies extra: pip install 'accountcore[vies]'"
_HEADERS: Final = MappingProxyType({"Accept": "application/json"})

_TIMEOUT = timedelta(seconds=30)
_BACKOFF = timedelta(seconds=1)
_BACKOFF_CAP = timedelta(seconds=30)
_MIN_INTERVAL = timedelta(milliseconds=500)
_RETRIES = 2
#: Bounds of the settings, with their words: beyond them a value is a slip.
_LONGEST_TIMEOUT = (timedelta(minutes=10), "10 minutes")
_LONGEST_WAIT = timedelta(days=1)
_LONGEST_BACKOFF = (_LONGEST_WAIT, "a day")
_LONGEST_INTERVAL = (timedelta(hours=1), "an hour")
_MOST_RETRIES = 10

#: VIES error codes that mean "no answer now": the reason, and whether asking again after a
#: backoff may help. ``INVALID_INPUT`` and ``INVALID_REQUESTER_INFO`` are answered apart.
_UNAVAILABLE: Mapping[str, tuple[UnavailableReason, bool]] = MappingProxyType({
    "MS_UNAVAILABLE": (UnavailableReason.MEMBER_STATE, True),
    "TIMEOUT": (UnavailableReason.TIMEOUT, True),
    "SERVICE_UNAVAILABLE": (UnavailableReason.SERVICE, True),
    "SERVER_BUSY": (UnavailableReason.SERVICE, True),
    "GLOBAL_MAX_CONCURRENT_REQ": (UnavailableReason.RATE_LIMITED, True),
    "GLOBAL_MAX_CONCURRENT_REQ_TIME": (UnavailableReason.RATE_LIMITED, True),
    "MS_MAX_CONCURRENT_REQ": (UnavailableReason.RATE_LIMITED, True),
    "MS_MAX_CONCURRENT_REQ_TIME": (UnavailableReason.RATE_LIMITED, True),
    # VIES blocked the caller's address, or refuses queries about this number: asking again
    # at once would not help.
    "IP_BLOCKED": (UnavailableReason.RATE_LIMITED, False),
    "VAT_BLOCKED": (UnavailableReason.SERVICE, False),
})  # fmt: skip
#: What VIES writes for a name or address it does not give.
_UNKNOWN_TEXT = frozenset({"", "---"})
#: ``userError`` values that are no error.
_NO_ERROR = frozenset({"", "VALID", "INVALID"})

_INSTANT = re.compile(
    r"\s*([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:[.,]([0-9]+))?)?\s*(Z|[+-][0-9]{2}(?::?[0-9]{2})?)\s*",
    re.ASCII | re.IGNORECASE,
)
_SECONDS = re.compile(r"\s*([0-9]{1,12})\s*", re.ASCII)


def _require_httpx() -> None:
    """Import httpx, or raise `ImportError` naming the extra."""
    try:
        import httpx  # noqa: F401
    except ImportError as exc:
        raise ImportError(_EXTRA) from exc


# --- steps -------------------------------------------------------------------------------------


@attrs.frozen
class _Send:
    """Send the request once; the answer is a `_Reply`, or the reason none came."""

    payload: Mapping[str, str]


@attrs.frozen
class _Sleep:
    """Sleep this many seconds."""

    seconds: float


@attrs.frozen
class _Reply:
    """What came back over HTTP."""

    status: int
    retry_after: str | None
    content: bytes


@attrs.frozen
class _Miss:
    """No answer: why, whether to ask again soon, and when the service said to."""

    reason: UnavailableReason
    retry: bool
    retry_after: timedelta | None = None


_Step = _Send | _Sleep
_Got = _Reply | UnavailableReason | None


# --- reading answers ---------------------------------------------------------------------------


def _instant(value: object) -> datetime | None:
    """
    Read VIES's ``requestDate`` as an aware instant; ``None`` unless it has a time and an offset
    (a bare date, ``2024-05-02+02:00``, says too little).
    """
    if not isinstance(value, str):
        return None
    found = _INSTANT.fullmatch(value)
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = found.groups()
    try:
        if offset.upper() == "Z":
            zone = timezone.utc
        else:
            digits = offset[1:].replace(":", "")
            delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            zone = timezone(-delta if offset[0] == "-" else delta)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        return datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, zone
        )
    except ValueError:
        return None


def _retry_after(value: str | None, now: datetime) -> timedelta | None:
    """Read a ``Retry-After`` header: seconds or an HTTP date; at most a day."""
    if value is None:
        return None
    seconds = _SECONDS.fullmatch(value)
    if seconds is not None:
        return min(timedelta(seconds=int(seconds.group(1))), _LONGEST_WAIT)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT
        when = when.replace(tzinfo=timezone.utc)
    return min(max(when - now, timedelta(0)), _LONGEST_WAIT)


def _text(value: object) -> str | None:
    """A name or address as VIES gives it; ``None`` for none or ``---``."""
    if not isinstance(value, str) or value.strip() in _UNKNOWN_TEXT:
        return None
    return value.strip()


def _error_codes(body: object) -> list[str]:
    """The VIES error codes of an answer: its ``userError``, then its ``errorWrappers``."""
    if not isinstance(body, dict):
        return []
    codes: list[str] = []
    user = body.get("userError")
    if isinstance(user, str) and user.strip().upper() not in _NO_ERROR:
        codes.append(user.strip().upper())
    wrappers = body.get("errorWrappers")
    for wrapper in wrappers if isinstance(wrappers, list) else ():
        error = wrapper.get("error") if isinstance(wrapper, dict) else None
        if isinstance(error, str) and error.strip():
            codes.append(error.strip().upper())
    return codes


def _json(content: bytes) -> object:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None


# --- the settings and the run shared by both clients -------------------------------------------


def _vies_parts(vat: VATNumber, path: str, problems: list[Problem]) -> tuple[str, str]:
    """The ``countryCode`` and ``vatNumber`` VIES takes for ``vat``, or a problem."""
    prefix = vat.prefix
    if prefix is None:
        message = "VIES needs the VAT number's country, and this number has none."
        problems.append(Problem((path,), "invalid_component", message))
        return "", ""
    if prefix not in VIES_PREFIXES:
        message = (
            f"VIES checks only numbers of the EU member states and Northern Ireland, not {prefix}."
        )
        problems.append(Problem((path,), "invalid_component", message))
        return "", ""
    # The compact form leads with the prefix, except Greece's (GR...); Monaco's national
    # form keeps its FR, which VIES takes as the country code.
    compact = vat.compact
    number = compact[len(prefix) :] if compact.startswith(prefix) else vat.national
    return prefix, number


def _duration(
    value: object, path: str, problems: list[Problem], longest: tuple[timedelta, str]
) -> None:
    """Check a positive duration (``min_interval`` may be zero) up to ``longest``."""
    most, words = longest
    zero = path == "min_interval"
    if not isinstance(value, timedelta):
        problems.append(Problem((path,), "invalid_type", f"{path} must be a timedelta."))
    elif not (timedelta(0) <= value if zero else timedelta(0) < value) or value > most:
        low = "zero or a positive duration" if zero else "a positive duration"
        message = f"{path} must be {low} of at most {words}."
        problems.append(Problem((path,), "out_of_range", message))


def _web_address(value: object) -> bool:
    """Tell whether ``value`` is an http or https address with a host name."""
    if not isinstance(value, str):
        return False
    try:
        url = urlsplit(value.strip())
        return url.scheme in ("http", "https") and bool(url.hostname) and url.port != 0
    except ValueError:  # a malformed host or port
        return False


def _callable(value: object, path: str, problems: list[Problem]) -> None:
    if value is not None and not callable(value):
        problems.append(Problem((path,), "invalid_type", f"{path} must be callable."))


class _Core:
    """The settings, the rate-limit slot and the run of one check, without I/O."""

    def __init__(
        self,
        *,
        base_url: str,
        requester: VATNumber | None,
        timeout: timedelta,
        retries: int,
        backoff: timedelta,
        backoff_cap: timedelta,
        min_interval: timedelta,
        clock: Callable[[], datetime] | None,
        sleep: object,
        random: Callable[[], float] | None,
        problems: list[Problem],
    ) -> None:
        if not _web_address(base_url):
            message = "base_url must be an http or https address with a host name."
            problems.append(Problem(("base_url",), "invalid_url", message))
        if requester is not None:
            if isinstance(requester, VATNumber):
                _vies_parts(requester, "requester", problems)
            else:
                message = "requester must be a VATNumber or None."
                problems.append(Problem(("requester",), "invalid_type", message))
        _duration(timeout, "timeout", problems, _LONGEST_TIMEOUT)
        if isinstance(retries, bool) or not isinstance(retries, int):
            problems.append(Problem(("retries",), "invalid_type", "retries must be an integer."))
        elif not 0 <= retries <= _MOST_RETRIES:
            message = f"retries must lie between 0 and {_MOST_RETRIES}."
            problems.append(Problem(("retries",), "out_of_range", message))
        _duration(backoff, "backoff", problems, _LONGEST_BACKOFF)
        _duration(backoff_cap, "backoff_cap", problems, _LONGEST_BACKOFF)
        _duration(min_interval, "min_interval", problems, _LONGEST_INTERVAL)
        _callable(clock, "clock", problems)
        _callable(sleep, "sleep", problems)
        _callable(random, "random", problems)
        if problems:
            raise ValidationError(problems)
        #: The REST API's root, without a trailing slash.
        self.base_url: str = base_url.strip().rstrip("/")
        #: The requester's own VAT number, sent so that VIES gives a consultation number.
        self.requester = requester
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.min_interval = min_interval
        self.clock: Callable[[], datetime] = clock or utc_now
        if random is None:
            import random as _random

            random = _random.Random().random
        self.random: Callable[[], float] = random
        self._url = self.base_url + "/check-vat-number"
        self._lock = threading.Lock()
        self._next_slot: datetime | None = None

    def _now(self) -> datetime:
        value = self.clock()
        if not isinstance(value, datetime) or value.utcoffset() is None:
            message = "The clock must return an aware datetime."
            raise ValidationError([Problem(("clock",), "naive_datetime", message)])
        return value

    def _payload(self, vat: VATNumber) -> dict[str, str]:
        problems: list[Problem] = []
        if not isinstance(vat, VATNumber):
            problems.append(Problem(("vat",), "invalid_type", "vat must be a VATNumber."))
            raise ValidationError(problems)
        country, number = _vies_parts(vat, "vat", problems)
        if problems:
            raise ValidationError(problems)
        payload = {"countryCode": country, "vatNumber": number}
        if self.requester is not None:
            own_country, own_number = _vies_parts(self.requester, "requester", problems)
            payload["requesterMemberStateCode"] = own_country
            payload["requesterNumber"] = own_number
        return payload

    def _reserve(self) -> float:
        """Take the next request slot; return how long to wait for it, in seconds."""
        if not self.min_interval:
            return 0.0
        now = self._now()
        with self._lock:
            start = now if self._next_slot is None else max(now, self._next_slot)
            self._next_slot = start + self.min_interval
        return (start - now).total_seconds()

    def _pause(self, attempt: int, retry_after: timedelta | None) -> float | None:
        """
        The wait before retry ``attempt`` (0 for the first): between half and all of
        ``min(backoff_cap, backoff * 2**attempt)``, and at least ``retry_after``; ``None``
        when ``retry_after`` is beyond ``backoff_cap`` (give up now).
        """
        ceiling = min(self.backoff_cap, self.backoff * (1 << attempt))
        draw = self.random()
        # Written so NaN, which fails every comparison, waits longest instead of raising.
        share = 0.0 if draw < 0.0 else draw if draw <= 1.0 else 1.0
        wait = ceiling * (0.5 + share / 2)
        if retry_after is not None:
            if retry_after > self.backoff_cap:
                return None
            wait = max(wait, retry_after)
        return wait.total_seconds()

    def _answer(self, vat: VATNumber, reply: _Reply) -> VatCheck | _Miss:
        """Read one HTTP answer: a check (valid or invalid), or why there was none."""
        now = self._now()
        body = _json(reply.content)
        retry_after = _retry_after(reply.retry_after, now)
        codes = _error_codes(body)
        if codes:
            return self._coded(vat, codes[0], now, retry_after)
        status = reply.status
        if status == 429:
            return _Miss(UnavailableReason.RATE_LIMITED, True, retry_after)
        if status == 408:
            return _Miss(UnavailableReason.TIMEOUT, True, retry_after)
        if status >= 500:
            return _Miss(UnavailableReason.SERVICE, True, retry_after)
        if not 200 <= status < 300:
            # Another client error without a VIES code: a wrong base URL or a gateway's refusal.
            return _Miss(UnavailableReason.SERVICE, False, retry_after)
        fields = body if isinstance(body, dict) else {}
        valid = fields.get("valid", fields.get("isValid"))
        if not isinstance(valid, bool):
            # Not VIES's answer (a maintenance page, say): treated like a failing service.
            return _Miss(UnavailableReason.SERVICE, True, retry_after)
        request_id = fields.get("requestIdentifier")
        return VatCheck(
            vat=vat,
            outcome=VatOutcome.VALID if valid else VatOutcome.INVALID,
            checked_at=_instant(fields.get("requestDate")) or now,
            request_id=(request_id.strip() or None) if isinstance(request_id, str) else None,
            name=_text(fields.get("name")),
            address=_text(fields.get("address")),
        )

    def _coded(
        self, vat: VATNumber, code: str, now: datetime, retry_after: timedelta | None
    ) -> VatCheck | _Miss:
        if code == "INVALID_INPUT":
            # VIES refuses the number as malformed for its member state: it is not registered.
            return VatCheck(vat=vat, outcome=VatOutcome.INVALID, checked_at=now)
        if code == "INVALID_REQUESTER_INFO":
            own = mask(self.requester.compact) if self.requester is not None else "none"
            raise DefinitionError(
                f"VIES refused the client's requester VAT number ({own}) as invalid"
                " (INVALID_REQUESTER_INFO), so the requester setting must be fixed."
            )
        reason, retry = _UNAVAILABLE.get(code, (UnavailableReason.SERVICE, False))
        return _Miss(reason, retry, retry_after)

    def _unavailable(self, vat: VATNumber, miss: _Miss) -> VatCheck:
        return VatCheck(
            vat=vat,
            outcome=VatOutcome.UNAVAILABLE,
            checked_at=self._now(),
            reason=miss.reason,
            retry_after=miss.retry_after,
        )

    def _steps(
        self, vat: VATNumber, payload: Mapping[str, str]
    ) -> Generator[_Step, _Got, VatCheck]:
        """
        Run one check: wait for the rate-limit slot, send, read the answer, and retry with
        backoff while the registry is unavailable and retries are left.
        """
        attempt = 0
        while True:
            wait = self._reserve()
            if wait > 0:
                yield _Sleep(wait)
            got = yield _Send(payload)
            if isinstance(got, _Reply):
                answer = self._answer(vat, got)
            else:
                answer = _Miss(got or UnavailableReason.NETWORK, True)
            if isinstance(answer, VatCheck):
                return answer
            if not answer.retry or attempt >= self.retries:
                return self._unavailable(vat, answer)
            pause = self._pause(attempt, answer.retry_after)
            if pause is None:
                return self._unavailable(vat, answer)
            attempt += 1
            yield _Sleep(pause)


_CLOSED = "The VIES client's HTTP client is closed, so it cannot check a number."


def _failure(exc: Exception) -> UnavailableReason:
    """Why a request that raised got no answer: its timeout, or the network."""
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return UnavailableReason.TIMEOUT
    return UnavailableReason.NETWORK


def _transport_errors() -> tuple[type[Exception], ...]:
    import httpx

    return (httpx.HTTPError, httpx.StreamError, httpx.InvalidURL)


def _reply(response: httpx.Response) -> _Reply:
    return _Reply(response.status_code, response.headers.get("Retry-After"), response.content)


class ViesClient(_Core):
    """
    Check EU VAT numbers against the European Commission's VIES REST API, blocking: a
    `VatRegistry`.

    A check that gets no answer (VIES or the member state down, a timeout, a rate limit, no
    network) is retried with exponential backoff and jitter, honouring ``Retry-After``, up to
    ``retries`` times, then returns an unavailable `VatCheck` with the reason. Requests are
    spaced at least ``min_interval`` apart, per client. Nothing from httpx escapes.

    Args:
        base_url: the REST API's root; defaults to the official endpoint,
            ``https://ec.europa.eu/taxation_customs/vies/rest-api``.
        requester: the host's own VAT number, sent with each check so that VIES returns a
            consultation number (`VatCheck.request_id`); without it there is none.
        timeout: the longest wait for each request (connect, send, read); also applied to an
            injected client. Defaults to 30 seconds.
        retries: how many times an unavailable answer is asked again (0 to 10); defaults to 2.
        backoff: the first retry waits between half and all of this; each further retry
            doubles it. Defaults to 1 second.
        backoff_cap: no backoff waits longer; a ``Retry-After`` beyond it ends the retries at
            once. Defaults to 30 seconds.
        min_interval: the least time between two requests of this client (zero turns the rate
            limit off); defaults to half a second.
        client: an `httpx.Client` to send with (its transport, proxies, certificates); the
            client does not close it. Defaults to a new one, closed by `close`.
        clock: returns the current aware time; defaults to the system clock, in UTC.
        sleep: sleeps for seconds; defaults to `time.sleep`.
        random: floats in ``[0, 1)`` for the jitter; defaults to a fresh `random.Random`.

    Raises:
        ImportError: httpx is not installed (``pip install 'accountcore[vies]'``).
        ValidationError: every broken setting, with its name as the path: ``invalid_url``,
            ``invalid_type``, ``out_of_range``, or ``invalid_component`` for a requester that
            VIES does not serve.

    .. versionadded:: 0.2
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        requester: VATNumber | None = None,
        timeout: timedelta = _TIMEOUT,
        retries: int = _RETRIES,
        backoff: timedelta = _BACKOFF,
        backoff_cap: timedelta = _BACKOFF_CAP,
        min_interval: timedelta = _MIN_INTERVAL,
        client: httpx.Client | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] | None = None,
        random: Callable[[], float] | None = None,
    ) -> None:
        _require_httpx()
        import httpx

        problems: list[Problem] = []
        if client is not None and not isinstance(client, httpx.Client):
            message = "client must be an httpx.Client or None."
            problems.append(Problem(("client",), "invalid_type", message))
        super().__init__(
            base_url=base_url,
            requester=requester,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            backoff_cap=backoff_cap,
            min_interval=min_interval,
            clock=clock,
            sleep=sleep,
            random=random,
            problems=problems,
        )
        self.sleep: Callable[[float], None] = sleep or time.sleep
        self._owned = client is None
        self._client = client if client is not None else httpx.Client()

    def check(self, vat: VATNumber) -> VatCheck:
        """
        Check ``vat`` against VIES.

        Returns:
            The answer: valid (with the registered name, address and the consultation number
            when VIES gives them), invalid, or unavailable with the reason.

        Raises:
            ValidationError: ``vat`` is not a `VATNumber` (``invalid_type``), or VIES does not
                serve its country (``invalid_component``: outside the EU, Great Britain
                without Northern Ireland's ``XI``, or no country).
            DefinitionError: VIES refused the requester VAT number
                (``INVALID_REQUESTER_INFO``), or the client was closed.
        """
        steps = self._steps(vat, self._payload(vat))
        got: _Got = None
        while True:
            try:
                step = steps.send(got)
            except StopIteration as stop:
                result: VatCheck = stop.value
                return result
            if isinstance(step, _Sleep):
                self.sleep(step.seconds)
                got = None
            else:
                got = self._send(step)

    def _send(self, step: _Send) -> _Reply | UnavailableReason:
        if self._client.is_closed:
            raise DefinitionError(_CLOSED)
        try:
            response = self._client.post(
                self._url,
                json=dict(step.payload),
                headers=dict(_HEADERS),
                timeout=self.timeout.total_seconds(),
            )
        except _transport_errors() as exc:
            return _failure(exc)
        return _reply(response)

    def close(self) -> None:
        """Close the HTTP client this client made; an injected one stays open."""
        if self._owned:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncViesClient(_Core):
    """
    Check EU VAT numbers against VIES with asyncio: an `AsyncVatRegistry`, the twin of
    `ViesClient` with the same settings and answers.

    Args:
        client: an `httpx.AsyncClient` to send with; the client does not close it. Defaults
            to a new one, closed by `aclose`.
        sleep: awaits for seconds; defaults to `asyncio.sleep`.

    The other arguments are `ViesClient`'s. Concurrent checks share the rate limit: each
    request takes the next free slot.

    Raises:
        ImportError: httpx is not installed (``pip install 'accountcore[vies]'``).
        ValidationError: every broken setting, with its name as the path.

    .. versionadded:: 0.2
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        requester: VATNumber | None = None,
        timeout: timedelta = _TIMEOUT,
        retries: int = _RETRIES,
        backoff: timedelta = _BACKOFF,
        backoff_cap: timedelta = _BACKOFF_CAP,
        min_interval: timedelta = _MIN_INTERVAL,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        random: Callable[[], float] | None = None,
    ) -> None:
        _require_httpx()
        import asyncio

        import httpx

        problems: list[Problem] = []
        if client is not None and not isinstance(client, httpx.AsyncClient):
            message = "client must be an httpx.AsyncClient or None."
            problems.append(Problem(("client",), "invalid_type", message))
        super().__init__(
            base_url=base_url,
            requester=requester,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            backoff_cap=backoff_cap,
            min_interval=min_interval,
            clock=clock,
            sleep=sleep,
            random=random,
            problems=problems,
        )
        self.sleep: Callable[[float], Awaitable[None]] = sleep or asyncio.sleep
        self._owned = client is None
        self._client = client if client is not None else httpx.AsyncClient()

    async def check(self, vat: VATNumber) -> VatCheck:
        """
        Check ``vat`` against VIES; see `ViesClient.check`.

        Raises:
            ValidationError: ``vat`` is not a `VATNumber`, or VIES does not serve its country.
            DefinitionError: VIES refused the requester VAT number, or the client was closed.
        """
        steps = self._steps(vat, self._payload(vat))
        got: _Got = None
        while True:
            try:
                step = steps.send(got)
            except StopIteration as stop:
                result: VatCheck = stop.value
                return result
            if isinstance(step, _Sleep):
                await self.sleep(step.seconds)
                got = None
            else:
                got = await self._send(step)

    async def _send(self, step: _Send) -> _Reply | UnavailableReason:
        if self._client.is_closed:
            raise DefinitionError(_CLOSED)
        try:
            response = await self._client.post(
                self._url,
                json=dict(step.payload),
                headers=dict(_HEADERS),
                timeout=self.timeout.total_seconds(),
            )
        except _transport_errors() as exc:
            return _failure(exc)
        return _reply(response)

    async def aclose(self) -> None:
        """Close the HTTP client this client made; an injected one stays open."""
        if self._owned:
            await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
