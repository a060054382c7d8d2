"""Serving the app: uvicorn, and with several workers, each new connection to the worker that
holds the fewest.

uvicorn's own multi-worker mode lets every worker take connections from the shared socket as
fast as its event loop wakes, so a burst of new keep-alive connections (a proxy's upstream pool,
16 clients connecting at once) lands mostly on whichever worker wakes first. Measured with 16
clients and two workers: splits of 14/2 and 16/0, one core idle while the other's queue doubled
the page latencies. Here a supervisor starts the workers on one listening socket; each worker
accepts in a thread of its own, one connection at a time, and takes the next only when no worker
holds fewer open connections (waiting at most ``TURN_WAIT_S``, so a worker that is starting,
stuck or gone delays the others by no more than that). Open connections are counted in shared
memory, a slot per worker. A worker that dies is replaced in its slot.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import signal
import socket
import threading
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

__all__ = ["TURN_WAIT_S", "run"]

logger = logging.getLogger("uvicorn.error")

TURN_WAIT_S = 0.02  # the longest a worker defers to a peer holding fewer connections
_TURN_POLL_S = 0.0005


def run(config: uvicorn.Config) -> int:
    """Serve ``config`` until SIGINT or SIGTERM; the exit status (3: a worker could not start)."""
    if config.workers <= 1:
        server = uvicorn.Server(config)
        server.run()
        return 0 if server.started else STARTUP_FAILURE
    return _supervise(config)


class _Worker(uvicorn.Server):
    """A uvicorn server that accepts from the shared socket in a thread, one connection at a
    time, deferring to any worker that holds fewer open connections."""

    def __init__(self, config: uvicorn.Config, slot: int, counts: Any) -> None:
        super().__init__(config)
        self._slot = slot
        self._counts = counts
        self._open = 0
        self._lock = threading.Lock()
        self._adopting: set[asyncio.Future[Any]] = set()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """The app's start-up, then an accepting thread per socket (uvicorn listens on none)."""
        await super().startup(sockets=[])
        if not self.started:
            return
        loop = asyncio.get_running_loop()
        for sock in sockets or []:
            threading.Thread(
                target=self._accept, args=(sock, loop), name="accept", daemon=True
            ).start()

    def _count(self, change: int) -> None:
        with self._lock:
            self._open += change
            self._counts[self._slot] = self._open

    def _wait_turn(self) -> None:
        deadline = time.monotonic() + TURN_WAIT_S
        while self._counts[self._slot] > min(self._counts) and time.monotonic() < deadline:
            time.sleep(_TURN_POLL_S)

    def _accept(self, sock: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        while not self.should_exit:
            self._wait_turn()
            try:
                connection, _address = sock.accept()
            except OSError as exc:  # out of descriptors, a connection reset while queued
                logger.warning("accept failed: %s", exc)
                time.sleep(0.1)
                continue
            if self.should_exit:
                connection.close()
                return
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._count(+1)
            loop.call_soon_threadsafe(self._adopt, connection)

    def _adopt(self, connection: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        adopting = asyncio.ensure_future(loop.connect_accepted_socket(self._protocol, connection))
        self._adopting.add(adopting)
        adopting.add_done_callback(self._adopted)

    def _adopted(self, adopting: asyncio.Future[Any]) -> None:
        self._adopting.discard(adopting)
        if adopting.cancelled() or adopting.exception() is not None:
            self._count(-1)  # never reached the protocol, so connection_lost will not count it

    def _protocol(self) -> asyncio.Protocol:
        protocol: asyncio.Protocol = self.config.http_protocol_class(  # type: ignore[call-arg]
            config=self.config, server_state=self.server_state, app_state=self.lifespan.state
        )
        lost = protocol.connection_lost

        def connection_lost(exc: Exception | None) -> None:
            lost(exc)
            self._count(-1)

        protocol.connection_lost = connection_lost  # type: ignore[method-assign]
        return protocol


def _work(config: uvicorn.Config, sockets: Sequence[socket.socket], slot: int, counts: Any) -> None:
    config.configure_logging()
    for sock in sockets:
        sock.setblocking(True)
    _Worker(config, slot, counts).run(sockets=list(sockets))


def _supervise(config: uvicorn.Config) -> int:
    sock = config.bind_socket()
    sock.listen(config.backlog)
    context = multiprocessing.get_context("spawn")
    counts = context.Array(ctypes.c_int, config.workers, lock=False)
    stop = threading.Event()
    status = 0

    def start(slot: int) -> BaseProcess:
        counts[slot] = 0
        process = context.Process(
            target=_work, args=(config, [sock], slot, counts), name=f"worker-{slot}"
        )
        process.start()
        return process

    def ask_to_stop(_signal: int, _frame: object) -> None:
        stop.set()

    for each in (signal.SIGINT, signal.SIGTERM):
        signal.signal(each, ask_to_stop)
    workers = [start(slot) for slot in range(config.workers)]
    logger.info("Serving on %s with %d workers", sock.getsockname(), config.workers)
    while not stop.wait(0.5):
        for slot, process in enumerate(workers):
            if process.is_alive():
                continue
            if process.exitcode == STARTUP_FAILURE:
                logger.error("Worker %s could not start; stopping.", process.pid)
                status = STARTUP_FAILURE
                stop.set()
                break
            logger.warning(
                "Worker %s exited (%s); starting another.", process.pid, process.exitcode
            )
            workers[slot] = start(slot)
    for process in workers:
        process.terminate()
    for process in workers:
        process.join()
    sock.close()
    return status
