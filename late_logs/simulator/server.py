"""The simulated Late API on a real port, for `python -m late_logs simulate` and out-of-process tests.

Each HTTP request is turned into an `httpx.Request` and answered by the same `SimulatedLate.handle` the
in-process transport uses, so both ways behave identically.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

import httpx

from .service import Faults, SimulatedLate


def _handler_for(sim: SimulatedLate) -> type[BaseHTTPRequestHandler]:
    class SimulatedLateHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "late-logs-simulator"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            content = self.rfile.read(length) if length > 0 else b""
            host = (
                self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
            )
            request = httpx.Request(
                self.command,
                f"http://{host}{self.path}",
                headers=[(k, v) for k, v in self.headers.items()],
                content=content,
            )
            response = sim.handle(request)
            body = response.content
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = _answer
        do_POST = _answer
        do_PUT = _answer
        do_DELETE = _answer
        do_PATCH = _answer

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            # Quiet: request lines would flood the terminal, and the sim keeps its own request_log.
            return

    return SimulatedLateHandler


def make_server(
    port: int = 8787, host: str = "127.0.0.1", sim: SimulatedLate | None = None
) -> ThreadingHTTPServer:
    """A bound (not yet serving) HTTP server for `sim`; port 0 picks a free port."""
    server = ThreadingHTTPServer((host, port), _handler_for(sim or SimulatedLate()))
    server.daemon_threads = True
    return server


def serve(
    port: int = 8787,
    host: str = "127.0.0.1",
    sim: SimulatedLate | None = None,
    *,
    faults: Faults | None = None,
    ready: Callable[[ThreadingHTTPServer], None] | None = None,
) -> None:
    """Serve the simulated Late API until interrupted (or until `ready`'s server is shut down).

    `faults` replaces the sim's faults (e.g. `Faults(server_error_rate=0.1)`); `ready` is called with the
    bound server before serving starts, so a caller can learn the port or call `server.shutdown()`.
    The client's base URL is `http://<host>:<port>/api` (any prefix before /v1 works).
    """
    sim = sim or SimulatedLate()
    if faults is not None:
        sim.faults = faults
    server = make_server(port, host, sim)
    try:
        if ready is not None:
            ready(server)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
