"""``cohorts webhooks deliver``: the worker alone, once (in process) or as a real process until
SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from schemas.webhooks import WebhookIn
from service.access import Role
from service.db import create_db_engine, create_sessionmaker
from service.keys import Principal
from service.migrate import upgrade
from service.models import WebhookDelivery
from service.webhooks import service as webhooks
from tests.service.command_line import Cli
from tests.service.webhooks.receiver import Receiver, wait_until

LOOPBACK = ["127.0.0.0/8"]


def _command() -> list[str]:
    return [sys.executable, "-m", "service.cli", "webhooks", "deliver"]


def test_the_worker_runs_alone_once_or_until_sigterm(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'alone.db'}"
    upgrade(url)
    engine = create_db_engine(url)
    sessions = create_sessionmaker(engine)
    receiver = Receiver().start()
    variables = {
        "COHORTS_DATABASE_URL": url,
        "COHORTS_WEBHOOK_ALLOWED_NETWORKS": json.dumps(LOOPBACK),
        "COHORTS_WEBHOOK_POLL_SECONDS": "0.05",
    }
    admin = Principal(None, "test-admin", Role.ADMIN)
    try:
        with sessions.begin() as session:
            webhooks.create(
                session,
                admin,
                data=WebhookIn(url=receiver.url, event_types=["objection.filed"]),
                allowed_networks=LOOPBACK,
            )
            webhooks.enqueue(session, "objection.filed", {"n": 1})
        once = Cli(capsys, monkeypatch)("webhooks", "deliver", "--once", env=variables)
        assert once.returncode == 0, once.stderr
        assert once.stdout.strip() == "1 delivery attempts"
        assert len(receiver.requests) == 1

        running = subprocess.Popen(_command(), env=os.environ | variables)
        try:
            with sessions.begin() as session:
                webhooks.enqueue(session, "objection.filed", {"n": 2})
            assert wait_until(lambda: len(receiver.requests) == 2, timeout=60)
            running.send_signal(signal.SIGTERM)
            assert running.wait(30) == 0
        finally:
            # A failed wait must not leave the worker polling every 50 ms for the rest of the run.
            if running.poll() is None:
                running.kill()
                running.wait(10)
        with sessions.begin() as session:
            assert set(session.scalars(select(WebhookDelivery.state))) == {"delivered"}
    finally:
        receiver.stop()
        engine.dispose()
