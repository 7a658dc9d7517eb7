"""
The VIES client against a local stand-in of the VIES REST API on the loopback address: the
documented answers and errors, retries with backoff, Retry-After, timeouts, refused
connections, the rate limit, the request body, and the async twin on the same server.

No test reaches beyond the machine: every client is built on a loopback base URL, and an
autouse guard fails any test that resolves or connects to another host.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from _vies_server import (
    INVALID,
    LOOPBACK,
    VALID,
    Reply,
    ViesServer,
    closed_port,
    error,
    user_error,
    vies_server,
)

pytest.importorskip("httpx", reason="needs httpx, the accountcore[vies] extra")

import httpx

from accountcore.errors import DefinitionError, ValidationError
from accountcore.identifiers import VATNumber, mask
from accountcore.vies._http import DEFAULT_BASE_URL, AsyncViesClient, ViesClient
from accountcore.vies._port import UnavailableReason, VatOutcome

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
NL = VATNumber.parse("NL004495445B01")
REQUESTER = VATNumber.parse("DE136695976")
_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


# --- no test leaves the machine ----------------------------------------------------------------


def _loopback(host: object) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any test that resolves or connects to a host other than the loopback address."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    strays: list[object] = []
    connect = socket.socket.connect
    getaddrinfo = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            strays.append(address)
            raise OSError(f"test guard: no connection beyond the loopback address: {address}")
        connect(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _loopback(host.decode() if isinstance(host, bytes) else host):
            strays.append(host)
            raise OSError(f"test guard: no name lookup beyond the loopback address: {host}")
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield
    assert not strays, f"a test tried to leave the machine: {strays}"


@pytest.fixture
def server() -> Iterator[ViesServer]:
    with vies_server() as running:
        yield running


class FakeTime:
    """An injected clock and sleep: sleeping records the seconds and moves the clock."""

    def __init__(self) -> None:
        self.now = T0
        self.slept: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def _settings(url: str, time: FakeTime, settings: dict[str, Any]) -> dict[str, Any]:
    assert urlsplit(url).hostname == LOOPBACK, "tests build clients on the loopback address only"
    return {
        "base_url": url,
        "clock": time.clock,
        "random": lambda: 0.5,
        "min_interval": timedelta(0),
        "timeout": timedelta(seconds=5),
        **settings,
    }


def client(url: str, time: FakeTime, **settings: Any) -> ViesClient:
    """A blocking client on ``url`` (loopback only), with fake time and a fixed jitter draw."""
    return ViesClient(sleep=time.sleep, **_settings(url, time, settings))


def async_client(url: str, time: FakeTime, **settings: Any) -> AsyncViesClient:
    """The async twin of `client`."""
    return AsyncViesClient(**{"sleep": time.asleep, **_settings(url, time, settings)})


# --- answers -----------------------------------------------------------------------------------


class TestAnswers:
    def test_a_valid_number_brings_name_address_and_consultation_number(
        self, server: ViesServer
    ) -> None:
        """A valid answer maps to VALID with the registered details and the request date."""
        server.reply(Reply(body=VALID))
        time = FakeTime()
        with client(server.url, time, requester=REQUESTER) as vies:
            check = vies.check(NL)
        assert check.outcome is VatOutcome.VALID and check.valid and check.vat == NL
        assert check.request_id == "WAPIAAAAZ1qXy9Tb"
        assert check.name == "ACME TRADING B.V."
        assert check.address == "KERKSTRAAT 00001\n1234AB AMSTERDAM"
        assert check.checked_at == datetime(2026, 3, 2, 10, 15, 30, 123000, tzinfo=timezone.utc)
        assert (check.reason, check.retry_after) == (None, None)
        assert server.hits == 1 and time.slept == []

    def test_the_request_carries_the_number_and_the_requester(self, server: ViesServer) -> None:
        """POST {base}/check-vat-number with the VIES prefix, the number and the requester."""
        server.reply(Reply(body=VALID))
        with client(server.url, FakeTime(), requester=REQUESTER) as vies:
            vies.check(NL)
        (sent,) = server.requests
        assert sent.method == "POST"
        assert sent.path == "/taxation_customs/vies/rest-api/check-vat-number"
        assert sent.headers["content-type"] == "application/json"
        assert sent.headers["accept"] == "application/json"
        assert sent.body == {
            "countryCode": "NL",
            "vatNumber": "004495445B01",
            "requesterMemberStateCode": "DE",
            "requesterNumber": "136695976",
        }

    @pytest.mark.parametrize(
        ("raw", "country", "code", "number"),
        [
            ("EL094014201", None, "EL", "094014201"),
            ("GR 094014201", None, "EL", "094014201"),
            ("XI 432525179", "GB", "XI", "432525179"),
            ("FR53000004605", "MC", "FR", "53000004605"),
            ("DE 136 695 976", None, "DE", "136695976"),
        ],
    )
    def test_the_country_code_is_the_vies_prefix(
        self, server: ViesServer, raw: str, country: str | None, code: str, number: str
    ) -> None:
        """Greece is EL, Northern Ireland XI, Monaco FR; the number goes without its prefix."""
        server.reply(Reply(body=dict(INVALID, countryCode=code, vatNumber=number)))
        with client(server.url, FakeTime()) as vies:
            vies.check(VATNumber.parse(raw, country=country))
        assert server.requests[0].body == {"countryCode": code, "vatNumber": number}

    def test_an_unregistered_number_is_invalid(self, server: ViesServer) -> None:
        """valid: false maps to INVALID; ``---`` and an empty identifier map to None."""
        server.reply(Reply(body=INVALID))
        time = FakeTime()
        with client(server.url, time) as vies:
            check = vies.check(NL)
        assert check.outcome is VatOutcome.INVALID and not check.valid
        assert (check.name, check.address, check.request_id) == (None, None, None)
        assert check.checked_at == datetime(2026, 3, 2, 10, 15, 31, 1000, tzinfo=timezone.utc)
        assert server.hits == 1 and time.slept == []

    def test_the_get_endpoints_field_names_are_read_too(self, server: ViesServer) -> None:
        """``isValid`` and ``userError: VALID`` (the shape of VIES's GET answer) read alike."""
        body = {"isValid": True, "userError": "VALID", "name": "ACME", "address": ""}
        server.reply(Reply(body=body))
        time = FakeTime()
        with client(server.url, time) as vies:
            check = vies.check(NL)
        assert check.valid and check.name == "ACME" and check.address is None
        assert check.checked_at == T0  # no request date: the clock

    @pytest.mark.parametrize("date", ["2026-08-29+02:00", "2026-03-02T10:15:30", None, 7])
    def test_a_request_date_without_time_or_offset_falls_back_to_the_clock(
        self, server: ViesServer, date: object
    ) -> None:
        """Only an instant with a time and an offset becomes checked_at; else the clock's now."""
        server.reply(Reply(body=dict(VALID, requestDate=date)))
        with client(server.url, FakeTime()) as vies:
            assert vies.check(NL).checked_at == T0

    def test_invalid_input_is_an_invalid_number(self, server: ViesServer) -> None:
        """INVALID_INPUT: VIES refuses the number as malformed, so it is not registered."""
        server.reply(Reply(status=400, body=error("INVALID_INPUT")))
        time = FakeTime()
        with client(server.url, time) as vies:
            check = vies.check(NL)
        assert check.outcome is VatOutcome.INVALID and check.checked_at == T0
        assert server.hits == 1 and time.slept == []

    def test_invalid_requester_info_is_a_host_configuration_error(self, server: ViesServer) -> None:
        """INVALID_REQUESTER_INFO raises DefinitionError, masking the requester's number."""
        server.reply(Reply(body=error("INVALID_REQUESTER_INFO")))
        vies = client(server.url, FakeTime(), requester=REQUESTER)
        with vies, pytest.raises(DefinitionError) as caught:
            vies.check(NL)
        message = str(caught.value)
        assert REQUESTER.compact not in message and mask(REQUESTER.compact) in message
        assert server.hits == 1


# --- unavailable, retries and backoff ----------------------------------------------------------

RETRIED = [
    ("MS_UNAVAILABLE", UnavailableReason.MEMBER_STATE),
    ("TIMEOUT", UnavailableReason.TIMEOUT),
    ("SERVICE_UNAVAILABLE", UnavailableReason.SERVICE),
    ("MS_MAX_CONCURRENT_REQ", UnavailableReason.RATE_LIMITED),
    ("MS_MAX_CONCURRENT_REQ_TIME", UnavailableReason.RATE_LIMITED),
    ("GLOBAL_MAX_CONCURRENT_REQ", UnavailableReason.RATE_LIMITED),
    ("GLOBAL_MAX_CONCURRENT_REQ_TIME", UnavailableReason.RATE_LIMITED),
]
NOT_RETRIED = [
    ("IP_BLOCKED", UnavailableReason.RATE_LIMITED),
    ("VAT_BLOCKED", UnavailableReason.SERVICE),
    ("SOMETHING_NEW", UnavailableReason.SERVICE),
]


class TestUnavailable:
    @pytest.mark.parametrize("shape", [error, user_error])
    @pytest.mark.parametrize(("code", "reason"), RETRIED)
    def test_a_passing_error_is_retried_then_reported(
        self, server: ViesServer, code: str, reason: UnavailableReason, shape: Any
    ) -> None:
        """Each transient VIES error is asked again `retries` times with backoff, then given."""
        server.reply(*[Reply(body=shape(code))] * 3)
        time = FakeTime()
        with client(server.url, time, retries=2) as vies:
            check = vies.check(NL)
        assert check.outcome is VatOutcome.UNAVAILABLE and check.unavailable
        assert (check.reason, check.retry_after) == (reason, None)
        assert server.hits == 3
        assert time.slept == [0.75, 1.5]  # 1 s, then 2 s, at the draw 0.5: three quarters
        assert check.checked_at == T0 + timedelta(seconds=2.25)

    @pytest.mark.parametrize(("code", "reason"), NOT_RETRIED)
    def test_a_lasting_error_is_reported_at_once(
        self, server: ViesServer, code: str, reason: UnavailableReason
    ) -> None:
        """Blocked callers or numbers, and unknown codes, are not asked again."""
        server.reply(Reply(body=error(code)))
        time = FakeTime()
        with client(server.url, time, retries=2) as vies:
            check = vies.check(NL)
        assert (check.outcome, check.reason) == (VatOutcome.UNAVAILABLE, reason)
        assert server.hits == 1 and time.slept == []

    def test_a_retry_that_gets_an_answer_returns_it(self, server: ViesServer) -> None:
        """MS_UNAVAILABLE, then a valid answer: the check is valid after one backoff."""
        server.reply(Reply(body=error("MS_UNAVAILABLE")), Reply(body=VALID))
        time = FakeTime()
        with client(server.url, time) as vies:
            assert vies.check(NL).valid
        assert server.hits == 2 and time.slept == [0.75]

    @pytest.mark.parametrize("status", [500, 502, 503, 504])
    def test_a_server_error_is_the_service_failing(self, server: ViesServer, status: int) -> None:
        """HTTP 5xx without a VIES code: SERVICE, retried."""
        server.reply(*[Reply(status=status, body={"message": "Internal Server Error"})] * 2)
        time = FakeTime()
        with client(server.url, time, retries=1) as vies:
            check = vies.check(NL)
        assert check.reason is UnavailableReason.SERVICE and server.hits == 2
        assert time.slept == [0.75]

    def test_a_server_error_with_a_code_takes_the_code(self, server: ViesServer) -> None:
        """An error envelope on HTTP 500 maps by its code."""
        server.reply(Reply(status=500, body=error("MS_UNAVAILABLE")))
        with client(server.url, FakeTime(), retries=0) as vies:
            assert vies.check(NL).reason is UnavailableReason.MEMBER_STATE

    @pytest.mark.parametrize("status", [400, 403, 404])
    def test_a_client_error_without_a_code_is_not_retried(
        self, server: ViesServer, status: int
    ) -> None:
        """HTTP 4xx without a VIES code (a wrong base URL, a gateway's refusal): SERVICE, once."""
        server.reply(Reply(status=status, body={"message": "nope"}))
        time = FakeTime()
        with client(server.url, time) as vies:
            check = vies.check(NL)
        assert check.reason is UnavailableReason.SERVICE
        assert server.hits == 1 and time.slept == []

    def test_an_answer_that_is_not_vies_json_is_the_service_failing(
        self, server: ViesServer
    ) -> None:
        """A maintenance page on HTTP 200, or JSON without ``valid``: SERVICE, retried."""
        server.reply(Reply(body=b"<html>maintenance</html>"), Reply(body={"actionSucceed": False}))
        time = FakeTime()
        with client(server.url, time, retries=1) as vies:
            check = vies.check(NL)
        assert check.reason is UnavailableReason.SERVICE and server.hits == 2

    def test_rate_limited_honours_retry_after(self, server: ViesServer) -> None:
        """HTTP 429 is RATE_LIMITED; a Retry-After longer than the backoff sets the wait."""
        limited = Reply(
            status=429, body={"message": "Too Many Requests"}, headers={"Retry-After": "7"}
        )
        server.reply(limited, limited, limited)
        time = FakeTime()
        with client(server.url, time, retries=2) as vies:
            check = vies.check(NL)
        assert check.reason is UnavailableReason.RATE_LIMITED
        assert check.retry_after == timedelta(seconds=7)
        assert server.hits == 3 and time.slept == [7.0, 7.0]

    def test_a_shorter_retry_after_keeps_the_backoff(self, server: ViesServer) -> None:
        """The wait is the longer of the backoff and Retry-After."""
        server.reply(Reply(status=503, headers={"Retry-After": "0"}), Reply(body=VALID))
        time = FakeTime()
        with client(server.url, time) as vies:
            assert vies.check(NL).valid
        assert time.slept == [0.75]

    def test_retry_after_as_an_http_date(self, server: ViesServer) -> None:
        """Retry-After may be an HTTP date: the wait runs until then, by the client's clock."""
        when = format_datetime(T0 + timedelta(seconds=20), usegmt=True)
        server.reply(Reply(status=503, headers={"Retry-After": when}), Reply(body=VALID))
        time = FakeTime()
        with client(server.url, time) as vies:
            assert vies.check(NL).valid
        assert time.slept == [20.0]

    def test_a_retry_after_beyond_the_cap_ends_the_retries(self, server: ViesServer) -> None:
        """Asked to come back in an hour, the client does not wait: it reports it."""
        server.reply(Reply(status=429, headers={"Retry-After": "3600"}))
        time = FakeTime()
        with client(server.url, time, retries=3) as vies:
            check = vies.check(NL)
        assert check.reason is UnavailableReason.RATE_LIMITED
        assert check.retry_after == timedelta(hours=1)
        assert server.hits == 1 and time.slept == []

    @pytest.mark.parametrize(
        ("draw", "waits"), [(0.0, [0.5, 1.0, 1.5, 1.5]), (0.5, [0.75, 1.5, 2.25, 2.25])]
    )
    def test_the_backoff_doubles_up_to_the_cap_with_jitter(
        self, server: ViesServer, draw: float, waits: list[float]
    ) -> None:
        """Each wait is half to all of min(cap, backoff * 2**n), by the injected random source."""
        server.reply(*[Reply(status=503)] * 5)
        time = FakeTime()
        settings = {"retries": 4, "backoff_cap": timedelta(seconds=3), "random": lambda: draw}
        with client(server.url, time, **settings) as vies:
            vies.check(NL)
        assert server.hits == 5 and time.slept == waits

    def test_no_retries_asks_once(self, server: ViesServer) -> None:
        """retries=0: one request, no wait."""
        server.reply(Reply(status=503))
        time = FakeTime()
        with client(server.url, time, retries=0) as vies:
            assert vies.check(NL).reason is UnavailableReason.SERVICE
        assert server.hits == 1 and time.slept == []


class TestTransport:
    def test_a_slow_answer_is_a_timeout(self, server: ViesServer) -> None:
        """No answer within the client's timeout: TIMEOUT (the server did get the request)."""
        server.reply(Reply(stall=True))
        with client(server.url, FakeTime(), timeout=timedelta(milliseconds=200), retries=0) as vies:
            check = vies.check(NL)
        assert (check.outcome, check.reason) == (VatOutcome.UNAVAILABLE, UnavailableReason.TIMEOUT)
        assert server.hits == 1

    def test_a_refused_connection_is_the_network(self) -> None:
        """Nothing listening: NETWORK, retried with backoff."""
        url = f"http://{LOOPBACK}:{closed_port()}/rest-api"
        time = FakeTime()
        with client(url, time, retries=1) as vies:
            check = vies.check(NL)
        assert check.reason is UnavailableReason.NETWORK and time.slept == [0.75]

    @pytest.mark.parametrize(
        ("raised", "reason"),
        [
            (httpx.ReadTimeout, UnavailableReason.TIMEOUT),
            (httpx.ConnectTimeout, UnavailableReason.TIMEOUT),
            (httpx.RemoteProtocolError, UnavailableReason.NETWORK),
            (httpx.ReadError, UnavailableReason.NETWORK),
            (httpx.DecodingError, UnavailableReason.NETWORK),
        ],
    )
    def test_nothing_from_httpx_escapes(
        self, raised: type[Exception], reason: UnavailableReason
    ) -> None:
        """Whatever the transport raises becomes an unavailable check."""

        def fail(request: Any) -> Any:
            raise raised("boom")

        with httpx.Client(transport=httpx.MockTransport(fail)) as transport:
            vies = client(f"http://{LOOPBACK}:9/rest-api", FakeTime(), client=transport, retries=0)
            check = vies.check(NL)
        assert (check.outcome, check.reason) == (VatOutcome.UNAVAILABLE, reason)

    def test_an_injected_client_is_used_and_left_open(self, server: ViesServer) -> None:
        """The host's httpx.Client sends; closing the VIES client does not close it."""
        server.reply(Reply(body=VALID))
        with httpx.Client(headers={"User-Agent": "host-agent"}) as own:
            with client(server.url, FakeTime(), client=own) as vies:
                assert vies.check(NL).valid
            assert not own.is_closed
        assert server.requests[0].headers["user-agent"] == "host-agent"

    def test_a_closed_client_refuses_to_check(self, server: ViesServer) -> None:
        """After close, a check raises DefinitionError instead of an httpx error."""
        vies = client(server.url, FakeTime())
        vies.close()
        with pytest.raises(DefinitionError):
            vies.check(NL)
        assert server.hits == 0

    def test_the_default_base_url_is_the_official_endpoint(self) -> None:
        """Without base_url the client points at the Commission's REST API (nothing is sent)."""
        vies = ViesClient()
        try:
            assert vies.base_url == DEFAULT_BASE_URL
            assert DEFAULT_BASE_URL == "https://ec.europa.eu/taxation_customs/vies/rest-api"
        finally:
            vies.close()

    def test_a_trailing_slash_in_the_base_url_is_dropped(self, server: ViesServer) -> None:
        server.reply(Reply(body=VALID))
        with client(server.url + "/", FakeTime()) as vies:
            vies.check(NL)
        assert server.requests[0].path.endswith("/rest-api/check-vat-number")


# --- the rate limit ----------------------------------------------------------------------------


class TestRateLimit:
    def test_requests_are_spaced_by_the_minimum_interval(self, server: ViesServer) -> None:
        """Back-to-back checks wait for the interval; a check after it waits for nothing."""
        server.reply(*[Reply(body=VALID)] * 4)
        time = FakeTime()
        with client(server.url, time, min_interval=timedelta(seconds=2)) as vies:
            vies.check(NL)
            vies.check(NL)
            vies.check(NL)
            assert time.slept == [2.0, 2.0]
            time.now += timedelta(seconds=5)
            vies.check(NL)
        assert time.slept == [2.0, 2.0] and server.hits == 4

    def test_a_partly_elapsed_interval_waits_for_the_rest(self, server: ViesServer) -> None:
        server.reply(*[Reply(body=VALID)] * 2)
        time = FakeTime()
        with client(server.url, time, min_interval=timedelta(seconds=2)) as vies:
            vies.check(NL)
            time.now += timedelta(seconds=1.5)
            vies.check(NL)
        assert time.slept == [0.5]

    def test_retries_keep_the_interval_too(self, server: ViesServer) -> None:
        """Each retry is a request: after the backoff it still waits for the rest of the slot."""
        server.reply(Reply(status=503), Reply(body=VALID))
        time = FakeTime()
        with client(server.url, time, min_interval=timedelta(seconds=2)) as vies:
            assert vies.check(NL).valid
        assert time.slept == [0.75, 1.25]

    def test_the_interval_is_per_client(self, server: ViesServer) -> None:
        server.reply(*[Reply(body=VALID)] * 2)
        time = FakeTime()
        with (
            client(server.url, time, min_interval=timedelta(seconds=2)) as first,
            client(server.url, time, min_interval=timedelta(seconds=2)) as second,
        ):
            first.check(NL)
            second.check(NL)
        assert time.slept == []


# --- what the client refuses -------------------------------------------------------------------


class TestRefusals:
    @pytest.mark.parametrize(
        ("raw", "country"),
        [("CHE-116.281.710 MWST", None), ("US 12-3456789", None), ("GB980780684", None),
         ("EU372000041", None), ("123456789", None)],
    )  # fmt: skip
    def test_a_number_vies_does_not_serve_is_refused(
        self, server: ViesServer, raw: str, country: str | None
    ) -> None:
        """Outside the EU and Northern Ireland, or without a country: refused, nothing sent."""
        vat = VATNumber.parse(raw, country=country)
        vies = client(server.url, FakeTime())
        with vies, pytest.raises(ValidationError) as caught:
            vies.check(vat)
        (problem,) = caught.value.problems
        assert (problem.path, problem.code) == (("vat",), "invalid_component")
        assert vat.compact not in problem.message
        assert server.hits == 0

    def test_a_check_needs_a_vat_number(self, server: ViesServer) -> None:
        vies = client(server.url, FakeTime())
        with vies, pytest.raises(ValidationError) as caught:
            vies.check("NL004495445B01")  # type: ignore[arg-type]
        assert caught.value.problems[0].code == "invalid_type"

    def test_bad_settings_are_all_reported(self) -> None:
        """Every broken setting is a problem at its name."""
        with pytest.raises(ValidationError) as caught:
            ViesClient(
                base_url="ftp://example.invalid",
                requester=VATNumber.parse("CHE-116.281.710 MWST"),
                timeout=timedelta(0),
                retries=True,
                backoff=3,  # type: ignore[arg-type]
                backoff_cap=timedelta(days=2),
                min_interval=timedelta(seconds=-1),
                client=object(),  # type: ignore[arg-type]
                clock="now",  # type: ignore[arg-type]
            )
        found = {(p.path[0], p.code) for p in caught.value.problems}
        assert found == {
            ("client", "invalid_type"),
            ("base_url", "invalid_url"),
            ("requester", "invalid_component"),
            ("timeout", "out_of_range"),
            ("retries", "invalid_type"),
            ("backoff", "invalid_type"),
            ("backoff_cap", "out_of_range"),
            ("min_interval", "out_of_range"),
            ("clock", "invalid_type"),
        }

    def test_a_naive_clock_is_refused(self, server: ViesServer) -> None:
        server.reply(Reply(body=VALID))
        vies = client(server.url, FakeTime(), clock=lambda: datetime(2026, 3, 2))
        with vies, pytest.raises(ValidationError) as caught:
            vies.check(NL)
        assert caught.value.problems[0].code == "naive_datetime"

    def test_the_async_client_takes_an_async_client_only(self) -> None:
        with httpx.Client() as blocking, pytest.raises(ValidationError) as caught:
            AsyncViesClient(client=blocking)  # type: ignore[arg-type]
        assert caught.value.problems[0].path == ("client",)


# --- the async twin ----------------------------------------------------------------------------


class TestAsync:
    def test_the_async_client_answers_alike(self, server: ViesServer) -> None:
        """Valid, invalid, a retried error and a rate limit, on the same server."""
        server.reply(
            Reply(body=VALID),
            Reply(body=INVALID),
            Reply(body=error("MS_UNAVAILABLE")),
            Reply(status=429, headers={"Retry-After": "4"}),
            Reply(body=VALID),
        )
        time = FakeTime()

        async def run() -> list[Any]:
            async with async_client(server.url, time, requester=REQUESTER) as vies:
                return [await vies.check(NL), await vies.check(NL), await vies.check(NL)]

        valid, invalid, retried = asyncio.run(run())
        assert valid.valid and valid.request_id == "WAPIAAAAZ1qXy9Tb"
        assert invalid.outcome is VatOutcome.INVALID
        assert retried.valid
        assert time.slept == [0.75, 4.0]
        assert server.hits == 5
        assert server.requests[0].body == {
            "countryCode": "NL",
            "vatNumber": "004495445B01",
            "requesterMemberStateCode": "DE",
            "requesterNumber": "136695976",
        }

    def test_the_async_client_gives_up_like_the_blocking_one(self, server: ViesServer) -> None:
        server.reply(*[Reply(body=error("MS_MAX_CONCURRENT_REQ"))] * 3)
        time = FakeTime()

        async def run() -> Any:
            async with async_client(server.url, time) as vies:
                return await vies.check(NL)

        check = asyncio.run(run())
        assert check.reason is UnavailableReason.RATE_LIMITED
        assert server.hits == 3 and time.slept == [0.75, 1.5]

    def test_async_timeouts_and_refused_connections(self, server: ViesServer) -> None:
        server.reply(Reply(stall=True))
        refused = f"http://{LOOPBACK}:{closed_port()}/rest-api"

        async def run() -> list[Any]:
            fast = {"timeout": timedelta(milliseconds=200), "retries": 0}
            async with async_client(server.url, FakeTime(), **fast) as slow:
                timed_out = await slow.check(NL)
            async with async_client(refused, FakeTime(), retries=0) as nobody:
                unreachable = await nobody.check(NL)
            return [timed_out, unreachable]

        timed_out, unreachable = asyncio.run(run())
        assert timed_out.reason is UnavailableReason.TIMEOUT
        assert unreachable.reason is UnavailableReason.NETWORK

    def test_concurrent_async_checks_share_the_rate_limit(self, server: ViesServer) -> None:
        """Three checks at once, the clock standing still: they take the next three slots."""
        server.reply(*[Reply(body=VALID)] * 3)
        time = FakeTime()
        waits: list[float] = []

        async def record(seconds: float) -> None:
            waits.append(seconds)

        async def run() -> None:
            interval = timedelta(seconds=1)
            async with async_client(server.url, time, min_interval=interval, sleep=record) as vies:
                await asyncio.gather(vies.check(NL), vies.check(NL), vies.check(NL))

        asyncio.run(run())
        assert sorted(waits) == [1.0, 2.0] and server.hits == 3

    def test_an_injected_async_client_is_left_open_and_a_closed_one_refuses(
        self, server: ViesServer
    ) -> None:
        server.reply(Reply(body=VALID))

        async def run() -> bool:
            async with httpx.AsyncClient() as own:
                async with async_client(server.url, FakeTime(), client=own) as vies:
                    assert (await vies.check(NL)).valid
                still_open = not own.is_closed
            with pytest.raises(DefinitionError):
                await vies.check(NL)
            return still_open

        assert asyncio.run(run())


def test_importing_the_client_module_loads_no_httpx() -> None:
    """httpx loads when a client is built, not when the package or the module is imported."""
    code = (
        "import sys, accountcore, accountcore.vies, accountcore.vies._http\n"
        "print('httpx' in sys.modules)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert shown.strip() == "False"
