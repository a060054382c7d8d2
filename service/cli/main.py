"""Parse the command line, check the database, run one handler; expected failures are one line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from service.cli import (
    database,
    db,
    growth,
    keys,
    reviewers,
    scheme,
    seed,
    serve,
    sessions,
    webhooks,
)
from service.cli.console import Handler
from service.errors import ServiceError
from service.settings import get_settings

__all__ = ["build_parser", "main"]

# The command groups, in the order ``cohorts --help`` lists them.
_GROUPS = (serve, db, seed, keys, sessions, reviewers, scheme, growth, webhooks)

# What a shell reports for a process ended by SIGPIPE (128 + 13), as ``head`` readers expect.
_BROKEN_PIPE_STATUS = 141


def build_parser() -> argparse.ArgumentParser:
    """The ``cohorts`` parser: one sub-command per group, each handler set as a default."""
    parser = argparse.ArgumentParser(
        prog="cohorts",
        description="What an operator does at a terminal; every command reads "
        "COHORTS_DATABASE_URL (default sqlite:///var/cohorts.db).",
    )
    parser.set_defaults(needs_database=False)
    commands = parser.add_subparsers(dest="command", required=True)
    for group in _GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; an expected failure prints one line and exits 2."""
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    settings = get_settings()
    try:
        if args.needs_database:
            database.require_migrated(settings)
        status = handler(args, settings)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
    except ServiceError as exc:
        print(f"cohorts: {exc.detail}", file=sys.stderr)
        return 2
    except database.DatabaseNotReady as exc:
        print(f"cohorts: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (``| head -1``) has gone: stop quietly. Point stdout at /dev/null so the
        # interpreter's final flush does not raise again (the recipe in Python's signal docs).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return _BROKEN_PIPE_STATUS
    except KeyboardInterrupt:
        print("cohorts: interrupted", file=sys.stderr)
        return 130
    return status
