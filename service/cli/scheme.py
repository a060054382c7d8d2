"""``cohorts scheme``: list the stored schemes; score a candidate-list file without storing it."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from service.cli import console, database
from service.errors import ValidationFailed
from service.intake import parse_candidate_list
from service.schemes import service as schemes_service
from service.settings import Settings

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``scheme list`` and ``scheme evaluate``."""
    scheme = commands.add_parser("scheme", help="scoring schemes").add_subparsers(
        dest="scheme", required=True
    )
    scheme.add_parser("list", help="stored scheme versions").set_defaults(
        handler=_list, needs_database=True
    )
    evaluate = scheme.add_parser("evaluate", help="score a candidate-list file; stores nothing")
    evaluate.add_argument("--scheme", required=True, help="scheme id, e.g. seed or tsme-2017")
    evaluate.add_argument("--version", type=int, default=None)
    evaluate.add_argument("--input", required=True, help="CSV or XLSX in the intake contract")
    evaluate.add_argument("--reference-date", default=None, help="YYYY-MM-DD (default: today)")
    evaluate.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="table: aligned columns with firm names; json: the endpoint's result",
    )
    evaluate.set_defaults(handler=_evaluate, needs_database=True)


def _list(_args: argparse.Namespace, settings: Settings) -> int:
    with database.transaction(settings) as session:
        stored = schemes_service.list_schemes(session)
        active = {
            schemes_service.get_active_for_cohort(session, s.cohort)[0].id
            for s in stored
            if s.cohort
        }
        rows = [
            [s.scheme_id, str(s.version), s.cohort or "-", "yes" if s.id in active else "",
             s.fingerprint[:12], s.title]
            for s in stored
        ]
    console.print_table(
        ["scheme_id", "version", "cohort", "active", "fingerprint", "title"], rows, right=[1]
    )
    return 0


def _evaluate(args: argparse.Namespace, settings: Settings) -> int:
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
    rows = [row for _, row in parsed.rows]
    with database.transaction(settings) as session:
        stored = schemes_service.get_or_raise(session, args.scheme, version=args.version)
        result = schemes_service.evaluate_rows(
            stored, rows, reference_date=reference_date, usd_cny=settings.usd_cny
        )
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        _print_results(result, names={row.uscc: row.name for row in rows})
    return 0


def _print_results(result: dict[str, Any], *, names: dict[str, str]) -> None:
    """A heading line, then one aligned row per firm in rank order (unranked firms last)."""
    print(
        f"scheme {result['scheme']['id']}@{result['scheme']['version']}  "
        f"reference date {result['reference_date']}  firms {result['firms']}"
    )
    rows = [
        [
            str(record["rank"] or "-"),
            record["uscc"],
            names.get(record["uscc"], ""),
            "" if record["total"] is None else f"{record['total']:.2f}",
            "yes" if record["passed"] else "no",
            "yes" if record["eligible"] else "no",
            ", ".join(g["gate"] for g in record["gates"] if not g["passed"]),
        ]
        for record in result["results"]
    ]
    console.print_table(
        ["rank", "uscc", "name", "total", "passed", "eligible", "failed gates"],
        rows,
        right=[0, 3],
    )
