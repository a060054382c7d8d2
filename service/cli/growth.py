"""``cohorts growth``: backtest, train and activate the optional growth model, with progress."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

from service.access import Role
from service.cli import console, database
from service.errors import ValidationFailed
from service.growth import service as growth_service
from service.keys import Principal
from service.selection.frames import ScoringFrames
from service.settings import Settings

__all__ = ["register"]

_PRINCIPAL = Principal(key_id=None, label="cli:growth", role=Role.ADMIN)
_SOURCES = list(growth_service.SOURCE_LABELS)
_LABELS = [label for labels in growth_service.SOURCE_LABELS.values() for label in labels]
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


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``growth backtest``, ``growth train`` and ``growth activate``."""
    growth = commands.add_parser("growth", help="the optional growth model").add_subparsers(
        dest="growth", required=True
    )
    backtest = growth.add_parser("backtest", help="train on earlier years, test on later ones")
    backtest.add_argument(
        "--source",
        default="crunchbase-2013",
        choices=_SOURCES,
        help="registry: the firms, filings and rounds this service stores; "
        "crunchbase-2013: the real US export in --data",
    )
    backtest.add_argument("--data", default=None, help="folder with the three Crunchbase CSVs")
    backtest.add_argument(
        "--train-until",
        type=int,
        default=None,
        help="last training year, the one that chooses the kind (crunchbase default 2008; "
        "registry default: the third-last labelled year)",
    )
    backtest.add_argument("--test-years", type=_years, default=None)
    backtest.add_argument("--label", default=None, choices=_LABELS)
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
        default="registry",
        choices=_SOURCES,
        help="registry: the firms, filings and rounds this service stores (usable in scoring); "
        "crunchbase-2013: the real US export in --data (for evaluation only)",
    )
    train.add_argument("--data", default=None, help="the Crunchbase export's folder")
    train.add_argument("--label", default=None, choices=_LABELS, help="the outcome label")
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


def _crunchbase_dir(args: argparse.Namespace) -> Path:
    if not args.data:
        raise ValidationFailed("--data DIR (the Crunchbase export) is required.")
    return Path(args.data)


def _registry(settings: Settings) -> ScoringFrames:
    database.require_migrated(settings)
    with database.transaction(settings) as session:
        return growth_service.load_registry(session)


def _backtest(args: argparse.Namespace, settings: Settings) -> int:
    label = growth_service.check_label(args.source, args.label)
    started = time.perf_counter()
    with console.progress_bar("growth backtest") as progress:
        if args.source == "registry":
            frames = _registry(settings)
            if args.rolling_origin:
                result = growth_service.rolling_registry(
                    frames, kind=args.kind, progress=progress
                )
            else:
                result = growth_service.backtest_registry(
                    frames,
                    train_until=args.train_until,
                    test_years=args.test_years,
                    kind=args.kind,
                    progress=progress,
                )
        elif args.rolling_origin:
            result = growth_service.rolling_origin(
                _crunchbase_dir(args), label=label, kind=args.kind, progress=progress
            )
        else:
            result = growth_service.backtest(
                _crunchbase_dir(args),
                train_until=2008 if args.train_until is None else args.train_until,
                test_years=args.test_years or (2009, 2010),
                label=label,
                kind=args.kind,
                progress=progress,
            )
    result["seconds"] = round(time.perf_counter() - started, 2)
    if result.get("synthetic"):
        print("NOTE: SYNTHETIC data; these figures prove only that the code runs.", file=sys.stderr)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    elif args.rolling_origin:
        for key, spread in result["summary"].items():
            print(f"{key:28} mean {spread['mean']} std {spread['std']} "
                  f"range {spread['min']}-{spread['max']}")
        print(f"{'seconds':28} {result['seconds']}")
    else:
        for key in ("train_years", "test_years", *_FIGURES):
            print(f"{key:28} {result.get(key)}")
    return 0


def _train(args: argparse.Namespace, settings: Settings) -> int:
    label = growth_service.check_label(args.source, args.label)
    started = time.perf_counter()
    with console.progress_bar("growth train") as progress:
        trained = growth_service.train_with_backtest(
            args.source,
            label=label,
            kind=args.kind,
            trained_on=dt.date.today(),
            registry=_registry(settings) if args.source == "registry" else None,
            crunchbase_dir=_crunchbase_dir(args) if args.source != "registry" else None,
            progress=progress,
        )
    seconds = round(time.perf_counter() - started, 2)
    trained.card["training_seconds"] = seconds
    with database.transaction(settings) as session:
        model = growth_service.store(
            session, _PRINCIPAL, trained=trained, label=args.label_text or args.source
        )
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
