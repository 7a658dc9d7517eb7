"""
A stand-in for the VIES REST API on the loopback address: it replays scripted answers in the
shapes VIES documents and records every request it receives.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs

#: The loopback address the server listens on; tests never talk to anything else.
LOOPBACK = "127.0.0.1"

# --- answers in VIES's shapes ----------------------------------------------------------------

#: A valid number checked with the requester's number: name, address, consultation number.
VALID: dict[str, Any] = {
    "countryCode": "NL",
    "vatNumber": "004495445B01",
    "requestDate": "2026-03-02T10:15:30.123Z",
    "valid": True,
    "requestIdentifier": "WAPIAAAAZ1qXy9Tb",
    "name": "ACME TRADING B.V.",
    "address": "KERKSTRAAT 00001\n1234AB AMSTERDAM",
    "traderName": "---",
    "traderStreet": "---",
    "traderPostalCode": "---",
    "traderCity": "---",
    "traderCompanyType": "---",
    "traderNameMatch": "NOT_PROCESSED",
    "traderStreetMatch": "NOT_PROCESSED",
    "traderPostalCodeMatch": "NOT_PROCESSED",
    "traderCityMatch": "NOT_PROCESSED",
    "traderCompanyTypeMatch": "NOT_PROCESSED",
}

#: A number that is not registered: VIES writes ``---`` for the name and address it lacks.
INVALID: dict[str, Any] = {
    "countryCode": "NL",
    "vatNumber": "004495445B01",
    "requestDate": "2026-03-02T10:15:31.001Z",
    "valid": False,
    "requestIdentifier": "",
    "name": "---",
    "address": "---",
}


def error(code: str) -> dict[str, Any]:
    """VIES's error envelope for ``code``."""
    return {"actionSucceed": False, "errorWrappers": [{"error": code, "message": code}]}


def user_error(code: str) -> dict[str, Any]:
    """An answer that says ``valid: false`` but carries an error in ``userError``."""
    return {"valid": False, "userError": code, "requestDate": "2026-03-02T10:15:31.001Z"}


# --- the server ------------------------------------------------------------------------------


@attrs.frozen
class Reply:
    """One scripted answer; ``stall`` holds it until the test ends (beyond any timeout)."""

    status: int = 200
    body: object = attrs.field(factory=lambda: dict(VALID))
    headers: Mapping[str, str] = attrs.field(factory=dict)
    stall: bool = False


@attrs.frozen
class Request:
    """One request the server received."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__((LOOPBACK, 0), _Handler)
        self.replies: deque[Reply] = deque()
        self.requests: list[Request] = []
        self.release = threading.Event()
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        with self.server.lock:
            self.server.requests.append(
                Request("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            reply = self.server.replies.popleft() if self.server.replies else Reply(status=599)
        if reply.stall:
            self.server.release.wait(10)
        content = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(content)
        except OSError:  # the client gave up (its timeout)
            pass

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


class ViesServer:
    """The running server: script answers with `reply`, read `requests`, use `url`."""

    def __init__(self, server: _Server) -> None:
        self._server = server

    @property
    def url(self) -> str:
        """The REST API root on the loopback address."""
        return f"http://{LOOPBACK}:{self._server.server_address[1]}/taxation_customs/vies/rest-api"

    @property
    def requests(self) -> list[Request]:
        with self._server.lock:
            return list(self._server.requests)

    @property
    def hits(self) -> int:
        return len(self.requests)

    def reply(self, *replies: Reply) -> None:
        with self._server.lock:
            self._server.replies.extend(replies)


@contextmanager
def vies_server() -> Iterator[ViesServer]:
    """Run a server in a thread for the ``with`` block."""
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield ViesServer(server)
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


def closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
    return port
