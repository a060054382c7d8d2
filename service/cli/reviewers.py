"""``cohorts reviewers``: create and list reviewer profiles (a key then belongs to one)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pydantic import ValidationError

from schemas.reviewers import ReviewerIn
from service.access import Role
from service.cli import console, database
from service.keys import Principal
from service.reviewers import service as reviewers_service
from service.settings import Settings

__all__ = ["register"]

_PRINCIPAL = Principal(key_id=None, label="cli:reviewers", role=Role.ADMIN)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``reviewers create`` and ``reviewers list``."""
    reviewers = commands.add_parser("reviewers", help="reviewer profiles").add_subparsers(
        dest="reviewers", required=True
    )
    create = reviewers.add_parser("create", help="create a profile; prints its id on stdout")
    create.add_argument("--name", required=True)
    create.add_argument("--sector", action="append", default=[], help="a sector code (repeatable)")
    create.add_argument(
        "--affiliation", action="append", default=[], help="a USCC or organisation (repeatable)"
    )
    create.add_argument("--notes", default=None)
    create.set_defaults(handler=_create, needs_database=True)
    reviewers.add_parser("list", help="list profiles").set_defaults(
        handler=_list, needs_database=True
    )


def _create(args: argparse.Namespace, settings: Settings) -> int:
    try:
        data = ReviewerIn(
            name=args.name, sectors=args.sector, affiliations=args.affiliation, notes=args.notes
        )
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            print(f"cohorts: {where}: {error['msg']}", file=sys.stderr)
        return 2
    with database.transaction(settings) as session:
        reviewer = reviewers_service.create(session, _PRINCIPAL, data=data)
        print(f"created reviewer profile {reviewer.id} ({reviewer.name!r})", file=sys.stderr)
        print(reviewer.id)
    return 0


def _list(_args: argparse.Namespace, settings: Settings) -> int:
    with database.transaction(settings) as session:
        rows = [
            [str(r.id), r.name, ",".join(r.sectors), ",".join(r.affiliations)]
            for r in reviewers_service.list_reviewers(session, after_id=None, limit=1_000_000)
        ]
    console.print_table(["id", "name", "sectors", "affiliations"], rows, right=[0])
    return 0
