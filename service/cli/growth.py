"""``cohorts growth``: backtest, train and activate the optional growth model, with progress."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

import seed_data.demo
from scoring.growth import TrainedModel
from service.access import Role
from service.cli import console, database
from service.errors import ValidationFailed
from service.growth import service as growth_service
from service.keys import Principal
from service.settings import Settings

__all__ = ["register"]

_PRINCIPAL = Principal(key_id=None, label="cli:growth", role=Role.ADMIN)
_LABELS = list(growth_service.CRUNCHBASE_SPLITS)
# The figures ``growth backtest`` prints as a table, in order.
_FIGURES = (
    "n_train",
    "n_test",
    "base_rate",
    "auc",
    "brier",
    "precision_at_100",
    "ece",
    "baseline_auc",
    "baseline_precision_at_100",
    "seconds",
)


def _years(text: str) -> tuple[int, int]:
    """``2009-2010`` or ``2009`` as an inclusive pair of years."""
    first, _, last = text.partition("-")
    try:
        return int(first), int(last or first)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YEAR or YEAR-YEAR, got {text!r}") from None


def _year_list(text: str) -> list[int]:
    """``2021-2022`` or ``2022`` as the list of years it spans."""
    first, last = _years(text)
    return list(range(first, last + 1))


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``growth backtest``, ``growth train`` and ``growth activate``."""
    growth = commands.add_parser("growth", help="the optional growth model").add_subparsers(
        dest="growth", required=True
    )
    backtest = growth.add_parser("backtest", help="train on earlier years, test on later ones")
    backtest.add_argument("--source", default="crunchbase-2013", choices=["crunchbase-2013"])
    backtest.add_argument("--data", required=True, help="folder with the three Crunchbase CSVs")
    backtest.add_argument("--train-until", type=int, default=2008)
    backtest.add_argument("--test-years", type=_years, default=(2009, 2010))
    backtest.add_argument("--label", default="series-b-3y", choices=_LABELS)
    backtest.add_argument("--kind", default="auto", choices=["auto", "logistic", "gbm"])
    backtest.add_argument(
        "--rolling-origin",
        action="store_true",
        help="every origin T: train to T, test T+1; mean and spread (ignores the split flags)",
    )
    backtest.add_argument("--json", action="store_true", help="print one JSON object")
    backtest.set_defaults(handler=_backtest)

    train = growth.add_parser("train", help="train and store a versioned model with its card")
    train.add_argument(
        "--source",
        default="synthetic-panel",
        choices=["synthetic-panel", "crunchbase-2013"],
        help="synthetic-panel: the SYNTHETIC Haidian demo panel (usable in scoring); "
        "crunchbase-2013: the real US export (for evaluation only)",
    )
    train.add_argument("--data", default=None, help="data folder (default: bundled demo data)")
    train.add_argument(
        "--label", default="series-b-3y", choices=_LABELS, help="Crunchbase outcome label"
    )
    train.add_argument(
        "--as-of-years",
        type=_year_list,
        default=[2022],
        help="panel years whose 3-year outcome is known, e.g. 2022 or 2021-2022",
    )
    train.add_argument("--kind", default="auto", choices=["auto", "logistic", "gbm", "blend"])
    train.add_argument("--name", dest="label_text", default=None, help="a label for the model")
    train.add_argument("--activate", action="store_true", help="make it the active model")
    train.add_argument(
        "--reason", default=None, help="with --activate: why, when its card shows no evidence"
    )
    train.add_argument("--json", action="store_true", help="print the model card")
    train.set_defaults(handler=_train, needs_database=True)

    activate = growth.add_parser("activate", help="make a stored model the active one")
    activate.add_argument("model_id")
    activate.add_argument(
        "--reason",
        default=None,
        help="why to activate a model whose card shows no backtest beating its baseline "
        "(kept in the audit trail)",
    )
    activate.set_defaults(handler=_activate, needs_database=True)


def _backtest(args: argparse.Namespace, _settings: Settings) -> int:
    if args.rolling_origin:
        return _rolling_origin(args)
    started = time.perf_counter()
    with console.steps("growth backtest", 1) as step:
        step(f"training up to {args.train_until}, testing on {args.test_years[0]}"
             f"-{args.test_years[1]}")
        result = growth_service.backtest(
            Path(args.data),
            train_until=args.train_until,
            test_years=args.test_years,
            label=args.label,
            kind=args.kind,
        )
    result["seconds"] = round(time.perf_counter() - started, 2)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    else:
        for key in _FIGURES:
            print(f"{key:28} {result.get(key)}")
    return 0


def _rolling_origin(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    with console.steps("growth backtest", 1) as step:
        step("backtesting every origin year (train to T, test T+1)")
        result = growth_service.rolling_origin(Path(args.data), label=args.label, kind=args.kind)
    result["seconds"] = round(time.perf_counter() - started, 2)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    else:
        for key, spread in result["summary"].items():
            print(f"{key:28} mean {spread['mean']} std {spread['std']} "
                  f"range {spread['min']}-{spread['max']}")
        print(f"{'seconds':28} {result['seconds']}")
    return 0


def _train(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    with console.steps("growth train", 3) as step:
        trained = (
            _train_crunchbase(args, step)
            if args.source == "crunchbase-2013"
            else _train_panel(args, step)
        )
        seconds = round(time.perf_counter() - started, 2)
        trained.card["training_seconds"] = seconds
        step("storing the model and its card")
        with database.transaction(settings) as session:
            label = args.label_text or args.source
            model = growth_service.store(session, _PRINCIPAL, trained=trained, label=label)
            if args.activate:
                growth_service.activate(
                    session, _PRINCIPAL, model_id=model.id, reason=args.reason
                )
            card = model.card
    print(
        f"stored growth model {card['model_id']} ({args.source}, trained in {seconds} s)"
        + ("; active" if args.activate else ""),
        file=sys.stderr,
    )
    if card.get("synthetic"):
        print(
            "NOTE: trained on SYNTHETIC data; its metrics prove only that the code runs.",
            file=sys.stderr,
        )
    print(json.dumps(card, ensure_ascii=False, default=str) if args.json else card["model_id"])
    return 0


def _train_crunchbase(args: argparse.Namespace, step: console.Step) -> TrainedModel:
    """Backtest the label's honest split for the card, then train on every year."""
    if not args.data:
        raise ValidationFailed("--data DIR (the Crunchbase export) is required.")
    data = Path(args.data)
    step("backtesting on the honest time split")
    metrics = growth_service.backtest_label(data, label=args.label, kind=args.kind)
    step("training on every year")
    return growth_service.train_crunchbase(
        data, label=args.label, kind=args.kind, metrics=metrics, trained_on=dt.date.today()
    )


def _train_panel(args: argparse.Namespace, step: console.Step) -> TrainedModel:
    """Read the demo panel (or the given folder's), then train on it."""
    step("reading the SYNTHETIC demo panel" if not args.data else f"reading {args.data}")
    try:
        demo = seed_data.demo.load(args.data) if args.data else seed_data.demo.load()
    except (ValueError, OSError) as exc:
        raise ValidationFailed(str(exc)) from None
    step(f"training on the panel years {', '.join(map(str, args.as_of_years))}")
    return growth_service.train_panel(
        demo.firms,
        demo.filings,
        demo.funding_rounds,
        as_of_years=args.as_of_years,
        kind=args.kind,
        trained_on=dt.date.today(),
    )


def _activate(args: argparse.Namespace, settings: Settings) -> int:
    with database.transaction(settings) as session:
        done = growth_service.activate(
            session, _PRINCIPAL, model_id=args.model_id, reason=args.reason
        )
        model = done.model
        print(f"active growth model: {model.id} ({model.label})", file=sys.stderr)
        print(
            f"evidence: {done.evidence['reason']}"
            + (f"; activated anyway: {done.override_reason}" if done.override_reason else ""),
            file=sys.stderr,
        )
        if done.drift is not None:
            print(f"drift (round {done.drift['round_id']}): {done.drift['summary_en']}",
                  file=sys.stderr)
    return 0
