"""A real HTTP receiver on loopback that records what it is sent (a test double of the tracker)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["Received", "Receiver", "wait_until"]


@dataclass(frozen=True)
class Received:
    """One request as it arrived."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def message_id(self) -> str:
        """The Standard Webhooks ``webhook-id``."""
        return self.headers["webhook-id"]


class _Server(ThreadingHTTPServer):
    # socketserver's listen backlog is 5: three workers' 24 concurrent connects overflowed it,
    # and each dropped SYN was retried only after a second. A real receiver's is larger.
    request_queue_size = 128


class Receiver:
    """Answers every POST with ``status`` (after ``hold`` is released, when one is set)."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.status = 204
        self.hold: threading.Event | None = None
        self.requests: list[Received] = []
        self.arrived = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Where to send webhooks."""
        return f"http://127.0.0.1:{self.port}/hooks"

    def message_ids(self) -> list[str]:
        """Every ``webhook-id`` received, in arrival order."""
        with self._lock:
            return [r.message_id for r in self.requests]

    def start(self) -> Receiver:
        """Listen (again) on ``port``, or on a free port the first time."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.arrived.set()
                if receiver.hold is not None:
                    receiver.hold.wait(30)
                with receiver._lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = _Server(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        # A short poll: shutdown() waits for it (0.5 s by default, in every test's teardown).
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until ``start`` again."""
        if self._server is not None:
            if self.hold is not None:
                self.hold.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def wait_until(condition: Callable[[], bool], *, timeout: float = 15.0, step: float = 0.02) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()
