"""``cohorts``: what an operator does at a terminal; every command reads COHORTS_DATABASE_URL."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from service.access import Role
from service.db import create_db_engine, create_sessionmaker
from service.errors import ServiceError
from service.settings import Settings, get_settings

__all__ = ["main"]

Handler = Callable[[argparse.Namespace, Settings], int]


def _engine(settings: Settings) -> Engine:
    return create_db_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)


@contextmanager
def _transaction(settings: Settings) -> Iterator[Session]:
    """One session in one transaction on the configured database; the engine is closed after."""
    engine = _engine(settings)
    try:
        with create_sessionmaker(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from service.migrate import upgrade

    is_sqlite = make_url(settings.database_url).get_backend_name() == "sqlite"
    if args.migrate or (args.migrate is None and is_sqlite):
        upgrade(settings.database_url)
    uvicorn.run(
        "service.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=True,
    )
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from service.migrate import upgrade

    upgrade(settings.database_url, args.revision)
    print(f"database at {args.revision}", file=sys.stderr)
    return 0


def _db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    from service.migrate import downgrade

    downgrade(settings.database_url, args.revision)
    print(f"database at {args.revision}", file=sys.stderr)
    return 0


def _db_current(_args: argparse.Namespace, settings: Settings) -> int:
    from service.migrate import current_revision, head_revision

    engine = _engine(settings)
    try:
        print(f"current: {current_revision(engine)}  head: {head_revision()}")
    finally:
        engine.dispose()
    return 0


def _keys_create(args: argparse.Namespace, settings: Settings) -> int:
    from service.keys import create_key

    with _transaction(settings) as session:
        key, raw = create_key(
            session, role=args.role, label=args.label, reviewer_id=args.reviewer
        )
        profile = f", reviewer profile {key.reviewer_id}" if key.reviewer_id else ""
        print(
            f"created key id {key.id} ({key.role}, {key.label!r}{profile}); it is shown once",
            file=sys.stderr,
        )
    print(raw)
    return 0


def _reviewers_create(args: argparse.Namespace, settings: Settings) -> int:
    from pydantic import ValidationError

    from schemas.reviewers import ReviewerIn
    from service.keys import Principal
    from service.reviewers import service as reviewers_service

    try:
        data = ReviewerIn(
            name=args.name, sectors=args.sector, affiliations=args.affiliation, notes=args.notes
        )
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            print(f"cohorts: {where}: {error['msg']}", file=sys.stderr)
        return 2
    with _transaction(settings) as session:
        reviewer = reviewers_service.create(
            session, Principal(key_id=None, label="cli:reviewers", role=Role.ADMIN), data=data
        )
        print(f"created reviewer profile {reviewer.id} ({reviewer.name!r})", file=sys.stderr)
        print(reviewer.id)
    return 0


def _reviewers_list(_args: argparse.Namespace, settings: Settings) -> int:
    from service.reviewers import service as reviewers_service

    with _transaction(settings) as session:
        for r in reviewers_service.list_reviewers(session, after_id=None, limit=1_000_000):
            print(f"{r.id}\t{r.name}\t{','.join(r.sectors)}\t{','.join(r.affiliations)}")
    return 0


def _keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from service.keys import revoke_key

    with _transaction(settings) as session:
        key = revoke_key(session, key_id=args.id, prefix=args.prefix)
        print(f"revoked key id {key.id} ({key.role}, {key.label!r})", file=sys.stderr)
    return 0


def _keys_list(_args: argparse.Namespace, settings: Settings) -> int:
    from service.keys import list_keys

    with _transaction(settings) as session:
        for key in list_keys(session):
            state = "revoked" if key.revoked_at else "active"
            print(f"{key.id}\t{key.prefix}\t{key.role}\t{state}\t{key.label}")
    return 0


def _keys_demo(_args: argparse.Namespace, settings: Settings) -> int:
    from service.keys import mint_demo_keys

    with _transaction(settings) as session:
        minted = mint_demo_keys(session)
    print("Demo API keys (for local use only; earlier demo keys are now revoked):")
    for role, raw in minted.items():
        print(f"  {role:<9} {raw}")
    return 0


def _seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    from service.demo import load_demo

    with _transaction(settings) as session:
        summary = load_demo(session, with_round=not args.no_round)
    for key, value in summary.items():
        print(f"{key}: {value}", file=sys.stderr)
    return 0


def _scheme_list(_args: argparse.Namespace, settings: Settings) -> int:
    from service.schemes.service import get_active_for_cohort, list_schemes

    with _transaction(settings) as session:
        stored = list_schemes(session)
        active = {get_active_for_cohort(session, s.cohort)[0].id for s in stored if s.cohort}
        print("scheme_id\tversion\tcohort\tactive\tfingerprint\ttitle")
        for s in stored:
            flag = "yes" if s.id in active else ""
            cohort = s.cohort or "-"
            cells = [s.scheme_id, str(s.version), cohort, flag, s.fingerprint[:12], s.title]
            print("\t".join(cells))
    return 0


def _scheme_evaluate(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt
    import json
    from pathlib import Path

    from service.errors import ValidationFailed
    from service.intake import parse_candidate_list
    from service.schemes.service import evaluate_rows, get_or_raise

    path = Path(args.input)
    try:
        reference_date = dt.date.fromisoformat(args.reference_date or dt.date.today().isoformat())
        data = path.read_bytes()
    except (ValueError, OSError) as exc:
        raise ValidationFailed(str(exc)) from None
    parsed = parse_candidate_list(
        data,
        filename=path.name,
        content_type=None,
        max_rows=settings.max_rows,
        max_xlsx_uncompressed=settings.max_xlsx_uncompressed_bytes,
    )
    if parsed.errors:
        for error in parsed.errors:
            print(f"row {error.row}, {error.field}: {error.message}", file=sys.stderr)
        raise ValidationFailed(f"{path.name} has invalid rows; nothing was evaluated.")
    with _transaction(settings) as session:
        stored = get_or_raise(session, args.scheme, version=args.version)
        result = evaluate_rows(
            stored,
            [row for _, row in parsed.rows],
            reference_date=reference_date,
            usd_cny=settings.usd_cny,
        )
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(
        f"scheme {result['scheme']['id']}@{result['scheme']['version']}  "
        f"reference date {result['reference_date']}  firms {result['firms']}"
    )
    print("rank\tuscc\ttotal\tpassed\teligible\tfailed gates")
    for record in result["results"]:
        failed = ", ".join(g["gate"] for g in record["gates"] if not g["passed"])
        total = "" if record["total"] is None else f"{record['total']:.2f}"
        print(
            f"{record['rank'] or '-'}\t{record['uscc']}\t{total}\t"
            f"{'yes' if record['passed'] else 'no'}\t{'yes' if record['eligible'] else 'no'}\t"
            f"{failed}"
        )
    return 0


def _years(text: str) -> tuple[int, int]:
    """``2009-2010`` or ``2009`` as an inclusive pair of years."""
    first, _, last = text.partition("-")
    try:
        return int(first), int(last or first)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YEAR or YEAR-YEAR, got {text!r}") from None


def _growth_backtest(args: argparse.Namespace, _settings: Settings) -> int:
    import json
    import time
    from pathlib import Path

    from service.errors import ValidationFailed

    if args.source != "crunchbase-2013":
        raise ValidationFailed("Backtests run on --source crunchbase-2013 (real data).")
    from scoring.growth.backtest import run_backtest

    started = time.perf_counter()
    try:
        result = run_backtest(
            Path(args.data),
            train_until=args.train_until,
            test_years=args.test_years,
            label=args.label,
            kind=args.kind,
        )
    except (ValueError, OSError) as exc:
        raise ValidationFailed(str(exc)) from None
    result["seconds"] = round(time.perf_counter() - started, 2)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, default=str))
    else:
        for key in (
            "n_train",
            "n_test",
            "base_rate",
            "auc",
            "brier",
            "precision_at_100",
            "baseline_auc",
            "baseline_precision_at_100",
            "seconds",
        ):
            print(f"{key:28} {result.get(key)}")
    return 0


_CLI_ADMIN = "cli:growth"


def _growth_train(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt
    import json
    import time
    from pathlib import Path

    from service.access import Role
    from service.errors import ValidationFailed
    from service.growth.service import activate, store
    from service.keys import Principal

    started = time.perf_counter()
    today = dt.date.today()
    try:
        if args.source == "crunchbase-2013":
            from scoring.growth import run_backtest, train_crunchbase_model

            if not args.data:
                raise ValidationFailed("--data DIR (the Crunchbase export) is required.")
            # The card carries the honest time-split figures next to the model trained on all years.
            split = {"series-b-3y": (2008, (2009, 2010)), "exit-5y": (2006, (2007, 2008))}
            train_until, test_years = split[args.label]
            metrics = run_backtest(
                Path(args.data),
                train_until=train_until,
                test_years=test_years,
                label=args.label,
                kind=args.kind,
            )
            trained = train_crunchbase_model(
                Path(args.data),
                trained_on=today,
                label=args.label,
                kind=args.kind,
                metrics=metrics,
            )
        else:
            from scoring.growth import train_panel_model
            from seed_data.demo import load

            demo = load(args.data) if args.data else load()
            trained = train_panel_model(
                demo.firms,
                demo.filings,
                demo.funding_rounds,
                as_of_years=args.as_of_years,
                trained_on=today,
                kind="logistic" if args.kind == "auto" else args.kind,
            )
    except (ValueError, OSError) as exc:
        raise ValidationFailed(str(exc)) from None
    seconds = round(time.perf_counter() - started, 2)
    trained.card["training_seconds"] = seconds
    principal = Principal(key_id=None, label=_CLI_ADMIN, role=Role.ADMIN)
    with _transaction(settings) as session:
        model = store(session, principal, trained=trained, label=args.label_text or args.source)
        if args.activate:
            activate(session, principal, model_id=model.id)
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


def _growth_activate(args: argparse.Namespace, settings: Settings) -> int:
    from service.access import Role
    from service.growth.service import activate
    from service.keys import Principal

    with _transaction(settings) as session:
        model = activate(
            session,
            Principal(key_id=None, label=_CLI_ADMIN, role=Role.ADMIN),
            model_id=args.model_id,
        )
        print(f"active growth model: {model.id} ({model.label})", file=sys.stderr)
    return 0


def _year_list(text: str) -> list[int]:
    first, last = _years(text)
    return list(range(first, last + 1))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cohorts", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--migrate",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="migrate to head first (default: only for SQLite)",
    )
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="migrations").add_subparsers(dest="db", required=True)
    up = db.add_parser("upgrade", help="migrate up (default: head)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=_db_upgrade)
    down = db.add_parser("downgrade", help="migrate down to REVISION ('base' empties)")
    down.add_argument("revision")
    down.set_defaults(handler=_db_downgrade)
    db.add_parser("current", help="the database's revision").set_defaults(handler=_db_current)

    seed = commands.add_parser("seed", help="load data").add_subparsers(dest="seed", required=True)
    demo = seed.add_parser("demo", help="load the SYNTHETIC demo firms (safe to run twice)")
    demo.add_argument("--no-round", action="store_true", help="do not open a demo round")
    demo.set_defaults(handler=_seed_demo)

    keys = commands.add_parser("keys", help="API keys").add_subparsers(dest="keys", required=True)
    create = keys.add_parser("create", help="mint a key; prints it alone on stdout, once")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--label", required=True)
    create.add_argument(
        "--reviewer",
        type=int,
        default=None,
        help="the reviewer profile a reviewer key belongs to (default: a new profile)",
    )
    create.set_defaults(handler=_keys_create)

    reviewers = commands.add_parser("reviewers", help="reviewer profiles").add_subparsers(
        dest="reviewers", required=True
    )
    add = reviewers.add_parser("create", help="create a profile; prints its id on stdout")
    add.add_argument("--name", required=True)
    add.add_argument("--sector", action="append", default=[], help="a sector code (repeatable)")
    add.add_argument(
        "--affiliation", action="append", default=[], help="a USCC or organisation (repeatable)"
    )
    add.add_argument("--notes", default=None)
    add.set_defaults(handler=_reviewers_create)
    reviewers.add_parser("list", help="list profiles").set_defaults(handler=_reviewers_list)
    revoke = keys.add_parser("revoke", help="revoke a key by id or prefix")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int)
    which.add_argument("--prefix")
    revoke.set_defaults(handler=_keys_revoke)
    keys.add_parser(
        "demo", help="revoke earlier demo keys and mint one per role (printed once)"
    ).set_defaults(handler=_keys_demo)
    keys.add_parser("list", help="list keys (never the keys themselves)").set_defaults(
        handler=_keys_list
    )
    growth = commands.add_parser("growth", help="the optional growth model").add_subparsers(
        dest="growth", required=True
    )
    backtest = growth.add_parser("backtest", help="train on earlier years, test on later ones")
    backtest.add_argument("--source", default="crunchbase-2013", choices=["crunchbase-2013"])
    backtest.add_argument("--data", required=True, help="folder with the three Crunchbase CSVs")
    backtest.add_argument("--train-until", type=int, default=2008)
    backtest.add_argument("--test-years", type=_years, default=(2009, 2010))
    backtest.add_argument("--label", default="series-b-3y", choices=["series-b-3y", "exit-5y"])
    backtest.add_argument("--kind", default="auto", choices=["auto", "logistic", "gbm"])
    backtest.add_argument("--json", action="store_true", help="print one JSON object")
    backtest.set_defaults(handler=_growth_backtest)
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
        "--label",
        default="series-b-3y",
        choices=["series-b-3y", "exit-5y"],
        help="Crunchbase outcome label",
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
    train.add_argument("--json", action="store_true", help="print the model card")
    train.set_defaults(handler=_growth_train)
    activate_cmd = growth.add_parser("activate", help="make a stored model the active one")
    activate_cmd.add_argument("model_id")
    activate_cmd.set_defaults(handler=_growth_activate)

    scheme = commands.add_parser("scheme", help="scoring schemes").add_subparsers(
        dest="scheme", required=True
    )
    scheme.add_parser("list", help="stored scheme versions").set_defaults(handler=_scheme_list)
    evaluate = scheme.add_parser("evaluate", help="score a candidate-list file; stores nothing")
    evaluate.add_argument("--scheme", required=True, help="scheme id, e.g. seed or tsme-2017")
    evaluate.add_argument("--version", type=int, default=None)
    evaluate.add_argument("--input", required=True, help="CSV or XLSX in the intake contract")
    evaluate.add_argument("--reference-date", default=None, help="YYYY-MM-DD (default: today)")
    evaluate.add_argument("--format", choices=["table", "json"], default="table")
    evaluate.set_defaults(handler=_scheme_evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a service error prints its message and exits 2."""
    args = _parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args, get_settings())
    except ServiceError as exc:
        print(f"cohorts: {exc.detail}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
