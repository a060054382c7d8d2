"""The webhook queue in /metrics: pending deliveries, attempts by outcome, deliveries given up."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from service.webhooks.delivery import Worker
from tests.service.selection.builders import Headers
from tests.service.webhooks.conftest import hook_settings
from tests.service.webhooks.receiver import Receiver, wait_until
from tests.service.webhooks.test_delivery import moves_announced

# A worker runs in threads of its own and commits: each test gets a database of its own.
pytestmark = pytest.mark.own_database


def _webhook_samples(client: TestClient, as_role: Headers) -> dict[tuple[str, str], float]:
    response = client.get("/metrics", headers=as_role("admin"))
    assert response.status_code == 200
    return {
        (sample.name, sample.labels.get("outcome", "")): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name.startswith("cohorts_webhook_")
    }


def _worker(app: FastAPI, **overrides: Any) -> Worker:
    """A worker that counts into ``app``'s metrics, as the app's own worker does."""
    settings = hook_settings(app.state.settings.database_url, **overrides)
    return Worker(app.state.engine, settings, metrics=app.state.metrics)


def _drain_until(
    worker: Worker, client: TestClient, as_role: Headers, sample: tuple[str, str]
) -> bool:
    """Let ``worker`` deliver (retries come due quickly) until ``sample`` reads 1."""

    def counted() -> bool:
        worker.drain()
        return _webhook_samples(client, as_role)[sample] == 1

    return wait_until(counted, timeout=10)


def test_the_queue_depth_counts_pending_deliveries_and_attempts_count_by_outcome(
    hook_app: FastAPI, hook_client: TestClient, as_role: Headers, receiver: Receiver
) -> None:
    assert _webhook_samples(hook_client, as_role)[("cohorts_webhook_queue_depth", "")] == 0
    moves_announced(hook_client, as_role, receiver, "scoring")
    queued = _webhook_samples(hook_client, as_role)
    assert queued[("cohorts_webhook_queue_depth", "")] == 1
    assert queued[("cohorts_webhook_attempts_total", "ok")] == 0

    receiver.status = 500
    worker = _worker(hook_app, webhook_retry_base_seconds=0.01, webhook_retry_max_seconds=0.01)
    try:
        assert worker.run_once() == 1
        failed = _webhook_samples(hook_client, as_role)
        assert failed[("cohorts_webhook_attempts_total", "error")] == 1
        assert failed[("cohorts_webhook_queue_depth", "")] == 1  # waiting for its retry
        assert failed[("cohorts_webhook_failures_total", "")] == 0

        receiver.status = 204
        assert _drain_until(worker, hook_client, as_role, ("cohorts_webhook_attempts_total", "ok"))
    finally:
        worker.stop()
    assert _webhook_samples(hook_client, as_role)[("cohorts_webhook_queue_depth", "")] == 0


def test_a_delivery_given_up_is_counted_as_a_failure(
    hook_app: FastAPI, hook_client: TestClient, as_role: Headers, receiver: Receiver
) -> None:
    receiver.status = 503
    moves_announced(hook_client, as_role, receiver, "scoring")
    worker = _worker(hook_app, webhook_retry_window_seconds=0.3)
    try:
        assert _drain_until(worker, hook_client, as_role, ("cohorts_webhook_failures_total", ""))
    finally:
        worker.stop()
    samples = _webhook_samples(hook_client, as_role)
    assert samples[("cohorts_webhook_queue_depth", "")] == 0
    assert samples[("cohorts_webhook_attempts_total", "error")] >= 1  # one or more, by timing
    assert samples[("cohorts_webhook_attempts_total", "ok")] == 0
