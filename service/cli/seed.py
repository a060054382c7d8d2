"""``cohorts seed demo``: load the SYNTHETIC demo firms, with a progress bar."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from typing import Any

import seed_data.demo
from service import demo
from service.cli import console, database
from service.settings import Settings

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``seed demo``."""
    seed = commands.add_parser("seed", help="load data").add_subparsers(dest="seed", required=True)
    load = seed.add_parser("demo", help="load the SYNTHETIC demo firms (safe to run twice)")
    load.add_argument("--no-round", action="store_true", help="do not open a demo round")
    load.add_argument(
        "--no-growth-model",
        action="store_true",
        help="do not train, backtest and activate the growth model on the demo records",
    )
    load.set_defaults(handler=_demo, needs_database=True)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    with console.steps("seed demo", 3) as step:
        step("reading the SYNTHETIC demo data")
        data = seed_data.demo.load()
        with database.transaction(settings) as session:
            step("storing firms, filings and funding rounds" + ("" if args.no_round else
                 ", and nominating every firm in the demo round"))
            summary: dict[str, object] = {
                **demo.load_demo(session, with_round=not args.no_round, data=data)
            }
            step("committing")
    if not args.no_growth_model:
        started = time.perf_counter()
        with (
            console.progress_bar("growth model") as progress,
            database.transaction(settings) as session,
        ):
            model_id = demo.train_demo_model(session, trained_on=dt.date.today(), progress=progress)
        summary["growth_model"] = (
            f"{model_id[:12]} trained on the SYNTHETIC records in "
            f"{time.perf_counter() - started:.1f} s, backtested and active"
            if model_id
            else "a registry model is already stored"
        )
    for key, value in summary.items():
        print(f"{key}: {value}", file=sys.stderr)
    return 0
