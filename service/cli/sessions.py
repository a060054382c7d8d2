"""``cohorts sessions``: list the live page sessions and revoke one, or every one of a key."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from service.cli import console, database
from service.pages import session as page_session
from service.settings import Settings

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``sessions list`` and ``sessions revoke``."""
    sessions = commands.add_parser("sessions", help="page sign-in sessions").add_subparsers(
        dest="sessions", required=True
    )
    listing = sessions.add_parser("list", help="the unexpired page sessions (never their tokens)")
    listing.add_argument("--key", type=int, default=None, help="only the sessions of key id N")
    listing.set_defaults(handler=_list, needs_database=True)
    revoke = sessions.add_parser("revoke", help="end a session by id, or every session of a key")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int)
    which.add_argument("--key", type=int)
    revoke.set_defaults(handler=_revoke, needs_database=True)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    with database.transaction(settings) as session:
        rows = [
            [
                str(s.id),
                str(s.key_id),
                s.role,
                s.key_label,
                s.created_at.isoformat(timespec="seconds"),
                s.expires_at.isoformat(timespec="seconds"),
                s.user_agent[:40],
            ]
            for s in page_session.list_sessions(session, key_id=args.key)
        ]
    console.print_table(
        ["id", "key", "role", "label", "opened", "expires", "browser"], rows, right=[0, 1]
    )
    return 0


def _revoke(args: argparse.Namespace, settings: Settings) -> int:
    with database.transaction(settings) as session:
        ended = page_session.revoke(session, session_id=args.id, key_id=args.key)
    print(f"ended {ended} page session(s)", file=sys.stderr)
    return 0
