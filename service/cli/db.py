"""``cohorts db``: migrate the database up or down, and say where it is."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import seed_data.schemes
from service import migrate
from service.cli import database
from service.settings import Settings

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``db upgrade``, ``db downgrade`` and ``db current``."""
    db = commands.add_parser("db", help="migrations").add_subparsers(dest="db", required=True)
    up = db.add_parser(
        "upgrade", help="migrate up (default: head; at head, store the bundled schemes too)"
    )
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=_upgrade)
    down = db.add_parser("downgrade", help="migrate down to REVISION ('base' empties)")
    down.add_argument("revision")
    down.set_defaults(handler=_downgrade)
    db.add_parser("current", help="the database's revision").set_defaults(handler=_current)


def _upgrade(args: argparse.Namespace, settings: Settings) -> int:
    head = args.revision == "head"
    schemes = seed_data.schemes.load_every_bundled_version() if head else ()
    migrate.upgrade(settings.database_url, args.revision, schemes=schemes)
    stored = ", bundled schemes stored" if head else ""
    print(f"database at {args.revision}{stored}", file=sys.stderr)
    return 0


def _downgrade(args: argparse.Namespace, settings: Settings) -> int:
    migrate.downgrade(settings.database_url, args.revision)
    print(f"database at {args.revision}", file=sys.stderr)
    return 0


def _current(_args: argparse.Namespace, settings: Settings) -> int:
    engine = database.create_engine(settings)
    try:
        print(f"current: {migrate.current_revision(engine)}  head: {migrate.head_revision()}")
    finally:
        engine.dispose()
    return 0
