"""A ``kill -9`` of the real server between commit and delivery loses no event: the outbox row
outlives the process, its lease runs out, and the next server sends it with the same webhook-id."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from service.db import create_db_engine, create_sessionmaker
from service.keys import create_key
from service.migrate import upgrade
from service.models import WebhookDelivery, WebhookEvent
from tests.conftest import REPO_ROOT
from tests.service.webhooks.receiver import Receiver, wait_until

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """``uvicorn service.asgi:app`` in a subprocess of its own, webhook worker included."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.port = _free_port()
        self.env = os.environ | {
            "COHORTS_DATABASE_URL": database_url,
            "COHORTS_LOG_LEVEL": "WARNING",
            "COHORTS_WEBHOOK_WORKER": "true",
            "COHORTS_WEBHOOK_ALLOWED_NETWORKS": json.dumps(["127.0.0.0/8"]),
            "COHORTS_WEBHOOK_POLL_SECONDS": "0.05",
            "COHORTS_WEBHOOK_LEASE_SECONDS": "2",
            "COHORTS_WEBHOOK_TIMEOUT_SECONDS": "20",
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        """The server's address."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        """Start and wait until it answers."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "service.asgi:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

        def up() -> bool:
            try:
                return httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            assert wait_until(up, timeout=60, step=0.1), self.log.read_text()
        except BaseException:
            # Not yet the caller's to kill: left running, it would poll its database every
            # 50 ms for the rest of the run.
            self.kill()
            raise
        return self

    def kill(self) -> None:
        """SIGKILL: no lifespan shutdown, no cleanup of any kind."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    """Servers started by the test, all killed afterwards."""
    started: list[Server] = []
    yield started
    for server in started:
        server.kill()


def test_kill_9_between_commit_and_delivery_loses_no_event(
    tmp_path: Path, servers: list[Server]
) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    upgrade(url)
    engine = create_db_engine(url)
    sessions = create_sessionmaker(engine)
    with sessions.begin() as session:
        _key, admin_key = create_key(session, role="admin", label="crash-test")
    admin = {"X-API-Key": admin_key}

    receiver = Receiver().start()
    receiver.hold = threading.Event()  # the first sends hang, so the server dies mid-delivery
    try:
        first = Server(url, tmp_path / "server.log").start()
        servers.append(first)
        created = httpx.post(
            f"{first.base}/v1/webhooks",
            json={"url": receiver.url, "event_types": ["round.state_changed"]},
            headers=admin,
        ).json()
        round_id = httpx.post(
            f"{first.base}/v1/rounds",
            json={"name": "Crash round (SYNTHETIC)", "year": 2026, "reference_date": "2026-06-30"},
            headers=admin,
        ).json()["id"]
        for state in ("scoring", "decided"):
            moved = httpx.post(
                f"{first.base}/v1/rounds/{round_id}/state", json={"state": state}, headers=admin
            )
            assert moved.status_code == 200, moved.text  # committed

        assert receiver.arrived.wait(30), "the worker never started a delivery"
        first.kill()
        receiver.hold.set()
        receiver.hold = None
        assert wait_until(lambda: len(receiver.requests) >= 1)
        half_sent = set(receiver.message_ids())
        receiver.requests.clear()
        with sessions.begin() as session:
            owed = {
                message_id: state
                for message_id, state in session.execute(
                    select(WebhookEvent.message_id, WebhookDelivery.state).join(
                        WebhookDelivery, WebhookDelivery.event_id == WebhookEvent.id
                    )
                )
            }
        assert len(owed) == 2
        assert set(owed.values()) == {"pending"}  # nobody learnt of an answer
        assert half_sent <= set(owed)

        servers.append(Server(url, tmp_path / "server2.log").start())
        assert wait_until(lambda: set(receiver.message_ids()) == set(owed), timeout=30)
        verifier = Webhook(created["secret"])
        moves = sorted(
            (p["data"]["from"], p["data"]["to"])
            for p in (verifier.verify(r.body, r.headers) for r in receiver.requests)
        )
        assert moves == [("open", "scoring"), ("scoring", "decided")]

        def all_delivered() -> bool:
            with sessions.begin() as session:
                states = set(session.scalars(select(WebhookDelivery.state)))
            return states == {"delivered"}

        assert wait_until(all_delivered)
    finally:
        receiver.stop()
        engine.dispose()
