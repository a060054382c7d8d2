"""``cohorts serve``: run the HTTP service."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import uvicorn

import seed_data.schemes
from service import migrate, serving
from service.cli import database
from service.settings import Settings

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``serve``."""
    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--migrate",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="migrate to head and store the bundled schemes first (default: only for SQLite)",
    )
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    if settings.metrics_port is not None and args.workers > 1:
        # Every worker would bind the same port; the metrics are per process.
        print(
            "COHORTS_METRICS_PORT serves one process's metrics: run --workers 1 per container "
            "(or unset it and scrape /metrics with an admin key)",
            file=sys.stderr,
        )
        return 2
    if args.migrate or (args.migrate is None and database.is_sqlite(settings)):
        migrate.upgrade(
            settings.database_url, schemes=seed_data.schemes.load_every_bundled_version()
        )
    config = uvicorn.Config(
        "service.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=True,
    )
    # With several workers, each new connection goes to the worker holding the fewest
    # (service.serving): uvicorn's own workers race for them.
    return serving.run(config)
