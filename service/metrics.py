"""Prometheus metrics, owned by the app: requests by route template and status, intake, score runs.

Each app builds its own registry (``Metrics``), kept in ``app.state.metrics``; ``GET /metrics``
serves it in the Prometheus text format to an admin key. Figures are per process: with several
uvicorn workers, each answers for itself.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from starlette.routing import BaseRoute
from starlette.types import Scope

__all__ = ["SCORE_RUN_ROUTE", "Metrics", "router"]

SCORE_RUN_ROUTE = ("POST", "/v1/rounds/{round_id}/cohorts/{cohort}/score-runs")
"""A score run is computed within its request, so that request's duration is the run's."""

# Seconds; the tail reaches the minutes a 100,000-row import or a large score run may take.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

router = APIRouter(tags=["operations"])


class Metrics:
    """The app's collectors, in a registry of its own (several apps may share a process)."""

    def __init__(self) -> None:
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


def _template(scope: Scope) -> str:
    """The matched route's template, so ids in paths do not explode the label values."""
    route = scope.get("route")
    return route.path if isinstance(route, BaseRoute) and hasattr(route, "path") else "unmatched"


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
