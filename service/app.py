"""The FastAPI application, assembled from its routers by ``create_app``."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError
from starlette.staticfiles import StaticFiles

from service import health, metrics, tracing
from service.access import PUBLIC, RULES
from service.admin.views import router as admin_router
from service.allow import AllowMiddleware
from service.body_limit import BodyLimitMiddleware
from service.contention import install_lock_handler
from service.db import create_db_engine, create_sessionmaker, is_sqlite
from service.deps import authorize, principal_of_key
from service.docs import install_docs
from service.firms.views import router as firms_router
from service.growth.jobs import service as growth_jobs
from service.growth.jobs.views import router as growth_jobs_router
from service.growth.views import router as growth_router
from service.keys import PrincipalCache
from service.limiter import RateLimiter
from service.metrics import Metrics
from service.nominations.views import router as nominations_router
from service.openapi import install_openapi
from service.pages import rendering as page_rendering
from service.pages import session as page_session
from service.pages.views import install_page_errors
from service.pages.views import router as pages_router
from service.parameters import refuse_nul_parameters
from service.params import known_query_only
from service.problems import install_problem_handlers
from service.request_context import RequestContextMiddleware, configure_logging
from service.reviewers.views import router as reviewers_router
from service.rounds.views import router as rounds_router
from service.schemes.views import router as schemes_router
from service.selection.explained import ExplanationCache
from service.selection.rendered import RenderedCache
from service.selection.routers import ROUTERS as SELECTION_ROUTERS
from service.settings import Settings, get_settings
from service.webhooks import service as webhooks_service
from service.webhooks.delivery import Worker as WebhookWorker
from service.webhooks.views import router as webhooks_router

__all__ = ["create_app"]

DESCRIPTION = """
Keeps applicant technology firms and scores them, openly and reproducibly, for the three
100-firm cohorts of the Zhongguancun Science City "3×100" plan: `leader`, `hidden-champion`
and `seed`.

Send an API key in the `X-API-Key` header. Errors are `application/problem+json` (RFC 9457);
validation errors list `{row, field, message}` (files) or `{loc, message}` (JSON).
Lists are paginated with an opaque `cursor`; follow `next_cursor` until it is null.
"""


def create_app(settings: Settings | None = None, *, bind: Connection | None = None) -> FastAPI:
    """Build the app for ``settings`` (the environment's by default), with its own caches.

    Its sessions run on an engine of its own for ``settings.database_url``, or, given ``bind``, on
    that connection, which the caller owns: they join its transaction, and the app leaves the
    connection and its engine open.
    """
    settings = settings or get_settings()
    configure_logging(settings.log_level, as_json=settings.log_json)
    engine = (
        bind.engine
        if bind is not None
        else create_db_engine(
            settings.database_url,
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
            lock_timeout_ms=settings.postgres_lock_timeout_ms,
        )
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        page_rendering.compile_templates()
        # Everything imported and built so far lives as long as the process: move it out of the
        # collector's generations, so full collections under load stay short (tail latency).
        gc.collect()
        gc.freeze()
        worker = (
            WebhookWorker(engine, settings, metrics=_app.state.metrics).start()
            if settings.webhook_worker
            else None
        )
        if settings.metrics_port is not None:
            _app.state.metrics_server = metrics.serve(
                _app.state.metrics, host=settings.metrics_host, port=settings.metrics_port
            )
        # Training jobs of a process that is gone would otherwise read as running forever.
        growth_jobs.sweep_interrupted(
            _app.state.write_sessions, stale_seconds=settings.growth_job_stale_seconds
        )
        yield
        if _app.state.metrics_server is not None:
            _app.state.metrics_server.stop()
            _app.state.metrics_server = None
        if worker is not None:
            worker.stop()
        if _app.state.tracing is not None:
            _app.state.tracing.shutdown()
        if bind is None:
            engine.dispose()

    app = FastAPI(
        title="Cohort selection service",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        dependencies=[
            Depends(authorize),
            Depends(refuse_nul_parameters),
            Depends(known_query_only),
        ],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.write_sessions = create_sessionmaker(bind or engine)
    app.state.read_sessions = create_sessionmaker(bind or engine, read_only=True)
    app.state.reads_inline = is_sqlite(engine)  # service.deps.read_small
    app.state.principal_cache = PrincipalCache(settings.key_cache_seconds)
    app.state.rendered_documents = RenderedCache(settings.rendered_cache_entries)

    def webhook_queue_depth() -> int | None:
        # A database that cannot answer leaves the gauge out; the rest of the scrape still works.
        try:
            with app.state.read_sessions() as session:
                return webhooks_service.count_pending(session)
        except SQLAlchemyError:
            return None

    app.state.metrics = Metrics(webhook_queue_depth=webhook_queue_depth)
    app.state.metrics_server = None  # metrics.MetricsServer while the metrics port is served
    app.state.explanations = ExplanationCache()
    app.state.declared_query = {}  # route id → its query parameter names (service.params)
    app.state.objection_limiter = RateLimiter(
        limit=settings.objection_rate_limit, window_seconds=settings.objection_rate_window_seconds
    )

    install_problem_handlers(app)
    install_lock_handler(app)
    install_page_errors(app)
    install_docs(app)
    install_openapi(app)
    app.mount("/ui/assets", StaticFiles(directory=page_rendering.ASSETS), name="page-assets")
    app.include_router(health.router)
    if settings.metrics_port is None:
        app.include_router(metrics.router)
    app.include_router(firms_router)
    app.include_router(rounds_router)
    app.include_router(nominations_router)
    app.include_router(schemes_router)
    app.include_router(growth_jobs_router)
    app.include_router(growth_router)
    app.include_router(admin_router)
    app.include_router(reviewers_router)
    app.include_router(webhooks_router)
    for selection_router in SELECTION_ROUTERS:
        app.include_router(selection_router)
    app.include_router(pages_router)

    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        public_routes=[route for route, roles in RULES.items() if roles == PUBLIC],
        max_public_bytes=settings.max_public_body_bytes,
        session_cookie=page_session.SESSION_COOKIE,
        check_key=principal_of_key,
    )
    app.add_middleware(AllowMiddleware, routes=RULES)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET"],
            allow_headers=["X-API-Key", "If-None-Match", "X-Request-ID"],
            expose_headers=["ETag", "X-Request-ID"],
            max_age=600,
        )
    # None (and no cost) unless OTEL_* ask for it; its middleware wraps the whole stack, error
    # handling included, so the request-context middleware below runs inside the server span.
    app.state.tracing = tracing.install(app, engine)
    app.add_middleware(
        RequestContextMiddleware,
        observe=app.state.metrics.observe_request,
        annotate=tracing.tag_request_id if app.state.tracing is not None else None,
    )
    return app
