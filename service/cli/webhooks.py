"""``cohorts webhooks deliver``: the delivery worker alone, for deployments that separate it."""

from __future__ import annotations

import argparse
from typing import Any

from service.settings import Settings
from service.webhooks import delivery

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``webhooks deliver``."""
    hooks = commands.add_parser("webhooks", help="webhook delivery").add_subparsers(
        dest="hooks", required=True
    )
    deliver = hooks.add_parser("deliver", help="run the delivery worker alone (SIGTERM stops it)")
    deliver.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    deliver.set_defaults(handler=_deliver, needs_database=True)


def _deliver(args: argparse.Namespace, settings: Settings) -> int:
    return delivery.run_alone(settings, once=args.once)
