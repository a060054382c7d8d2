"""Prometheus metrics, owned by the app: requests by route template and status, intake, score
runs, webhook deliveries.

Each app builds its own registry (``Metrics``), kept in ``app.state.metrics``. By default
``GET /metrics`` serves it in the Prometheus text format to an admin key; with
``COHORTS_METRICS_PORT`` set, the API has no ``/metrics`` and a server of its own (``serve``)
answers it on that port, unauthenticated, bound to ``COHORTS_METRICS_HOST`` (loopback by
default). Figures are per process: with several uvicorn workers, each answers for itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    start_http_server,
)
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute
from starlette.types import Scope

__all__ = ["SCORE_RUN_ROUTE", "Metrics", "MetricsServer", "router", "serve"]

SCORE_RUN_ROUTE = ("POST", "/v1/rounds/{round_id}/cohorts/{cohort}/score-runs")
"""A score run is computed within its request, so that request's duration is the run's."""

# Seconds; the tail reaches the minutes a 100,000-row import or a large score run may take.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

router = APIRouter(tags=["operations"])


class _QueueDepth(Collector):
    """Webhook deliveries still pending, read from the database at each scrape."""

    def __init__(self, count: Callable[[], int | None]) -> None:
        self._count = count

    def describe(self) -> list[Metric]:
        return [self._family()]

    def collect(self) -> Iterator[Metric]:
        family = self._family()
        depth = self._count()
        if depth is not None:  # None: the database did not answer; no sample rather than a lie
            family.add_metric([], depth)
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "cohorts_webhook_queue_depth",
            "Webhook deliveries pending (due now or waiting for a retry).",
        )


class Metrics:
    """The app's collectors, in a registry of its own (several apps may share a process).

    ``webhook_queue_depth`` counts pending deliveries when scraped (the app passes a query that
    answers None when the database cannot).
    """

    def __init__(self, *, webhook_queue_depth: Callable[[], int | None] | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "cohorts_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "cohorts_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ("method", "route"),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.intake_rows = Counter(
            "cohorts_intake_rows",
            "Candidate-list rows received, by outcome (stored or rejected).",
            ("outcome",),
            registry=self.registry,
        )
        self.intake_lists = Counter(
            "cohorts_intake_lists",
            "Candidate lists received, by status code.",
            ("status",),
            registry=self.registry,
        )
        self.score_run_seconds = Histogram(
            "cohorts_score_run_duration_seconds",
            "Duration of score runs that completed (201).",
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.webhook_attempts = Counter(
            "cohorts_webhook_attempts",
            "Webhook delivery attempts, by outcome (ok: a 2xx; error: any other answer or none).",
            ("outcome",),
            registry=self.registry,
        )
        self.webhook_failures = Counter(
            "cohorts_webhook_failures",
            "Webhook deliveries given up on: still failing when their retry window closed.",
            registry=self.registry,
        )
        # Known label values start at 0, so a rate over them is defined before the first event.
        for outcome in ("ok", "error"):
            self.webhook_attempts.labels(outcome=outcome)
        for outcome in ("stored", "rejected"):
            self.intake_rows.labels(outcome=outcome)
        if webhook_queue_depth is not None:
            self.registry.register(_QueueDepth(webhook_queue_depth))

    def observe_request(self, scope: Scope, status: int, seconds: float) -> None:
        """Count and time one HTTP request by its route template and status."""
        method, route = scope["method"], _template(scope)
        self.requests.labels(method=method, route=route, status=str(status)).inc()
        self.latency.labels(method=method, route=route).observe(seconds)
        if (method, route) == SCORE_RUN_ROUTE and status == 201:
            self.score_run_seconds.observe(seconds)

    def observe_intake(self, *, status: int, rows_stored: int, rows_rejected: int) -> None:
        """Count one candidate list and its rows."""
        self.intake_lists.labels(status=str(status)).inc()
        self.intake_rows.labels(outcome="stored").inc(rows_stored)
        self.intake_rows.labels(outcome="rejected").inc(rows_rejected)

    def observe_webhook_attempts(self, *, ok: int, error: int, given_up: int) -> None:
        """Count one batch of delivery attempts and the deliveries it gave up on."""
        self.webhook_attempts.labels(outcome="ok").inc(ok)
        self.webhook_attempts.labels(outcome="error").inc(error)
        self.webhook_failures.inc(given_up)


def _template(scope: Scope) -> str:
    """The matched route's template, so ids in paths do not explode the label values."""
    route = scope.get("route")
    return route.path if isinstance(route, BaseRoute) and hasattr(route, "path") else "unmatched"


@dataclass(slots=True)
class MetricsServer:
    """The metrics port's HTTP server, in a daemon thread of this process."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        """The port it listens on (the one asked for, or the one drawn for port 0)."""
        return int(self.server.server_port)

    def stop(self) -> None:
        """Stop answering and release the port."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(metrics: Metrics, *, host: str, port: int) -> MetricsServer:
    """Answer ``metrics`` to anyone who reaches ``host:port``, in a thread of this process."""
    server, thread = start_http_server(port, addr=host, registry=metrics.registry)
    return MetricsServer(server=server, thread=thread)


@router.get(
    "/metrics",
    summary="Prometheus metrics of this process",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
def get_metrics(request: Request) -> Response:
    """Request counts and latencies by route template and status, intake rows, score runs."""
    metrics: Metrics = request.app.state.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
