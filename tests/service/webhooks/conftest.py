"""Fixtures for webhooks: an app that may call loopback, a worker under the test's control,
and a real receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.settings import Settings
from service.webhooks.delivery import Worker
from tests.service.webhooks.receiver import Receiver

LOOPBACK = ["127.0.0.0/8", "::1/128"]


def hook_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for webhook tests: loopback allowed, quick retries, no worker in the app."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "log_json": False,
        "log_level": "WARNING",
        "webhook_worker": False,
        "webhook_allowed_networks": LOOPBACK,
        "webhook_poll_seconds": 0.05,
        "webhook_timeout_seconds": 2.0,
        "webhook_retry_base_seconds": 0.05,
        "webhook_retry_max_seconds": 0.2,
        "webhook_lease_seconds": 5.0,
    }
    return Settings(**(values | overrides))


@pytest.fixture
def hook_app(make_app: Callable[..., FastAPI], app_settings: Settings) -> Iterator[FastAPI]:
    """The app with loopback allowed, on the test's own database (workers and receivers use
    real connections of their own, which a rolled-back test transaction cannot serve)."""
    application = make_app(hook_settings(app_settings.database_url))
    yield application
    application.state.engine.dispose()


@pytest.fixture
def hook_client(hook_app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client on that app."""
    with TestClient(hook_app) as test_client:
        yield test_client


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver listening on a free loopback port."""
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def make_worker(hook_app: FastAPI, app_settings: Settings) -> Iterator[Any]:
    """Workers on the test database with the given setting overrides; stopped afterwards."""
    workers: list[Worker] = []

    def make(**overrides: Any) -> Worker:
        worker = Worker(
            hook_app.state.engine, hook_settings(app_settings.database_url, **overrides)
        )
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.stop()
