"""The test API server is the tests' own: a stranger already answering on the port it chose
(another session's server, a local platform) is never taken for it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import api_server
import pytest
from api_server import USER, ApiServer, listens
from common.airflow_state import AirflowApi, HttpTransport


class _Stranger(BaseHTTPRequestHandler):
    """Answers every request 200, health checks included, as any Airflow would."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"metadatabase": {"status": "healthy"}}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stranger() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stranger)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def test_a_port_taken_before_the_server_binds_is_never_served_by_a_stranger(
    stranger: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first port start() is offered is taken between the choice and the bind.
    offered = iter([stranger])
    free_port = api_server.free_port
    monkeypatch.setattr(api_server, "free_port", lambda: next(offered, None) or free_port())

    server = ApiServer(password="own-server-pw").start()
    try:
        assert server.port != stranger
        assert server.process is not None and listens(server.process.pid, server.port)
        assert AirflowApi(HttpTransport(server.url, USER, server.password)).get("/pools")
    finally:
        server.stop()
