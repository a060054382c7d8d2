"""``python -m seed_data.demo``: generate the demo data, write the CSV files, print a summary."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from seed_data.demo.dataset import DemoData, write
from seed_data.demo.simulation import generate
from seed_data.demo.tables import DEFAULT_SEED, FISCAL_YEARS, UNICORN_YUAN

__all__ = ["main"]


def _summary(data: DemoData) -> str:
    """A few headline figures, for the command line."""
    latest = data.filings[data.filings["fiscal_year"] == FISCAL_YEARS[-1]]
    revenue = latest["revenue"].astype("float64")
    valuations = data.funding_rounds.merge(data.firms[["uscc", "stage_hint"]], on="uscc")
    unicorns = valuations[(valuations["stage_hint"] == "growth")
                          & (valuations["post_money_valuation"] >= UNICORN_YUAN)]["uscc"]
    return "\n".join([
        f"SYNTHETIC demo data: {len(data.firms)} firms, {len(data.filings)} filings, "
        f"{len(data.funding_rounds)} funding rounds",
        "stages: " + ", ".join(f"{k} {v}" for k, v in
                               data.firms["stage_hint"].value_counts().sort_index().items()),
        f"{FISCAL_YEARS[-1]} revenue >= 100 bn yuan: {int((revenue >= 1e11).sum())}, "
        f">= 10 bn: {int((revenue >= 1e10).sum())}, >= 100 M: {int((revenue >= 1e8).sum())}",
        f"growth-stage unicorns (post-money >= {UNICORN_YUAN:.1e} yuan): {unicorns.nunique()}",
        f"listed firms: {int(data.firms['listed'].sum())}",
    ])


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate the demo data and write it to --out."""
    parser = argparse.ArgumentParser(
        prog="python -m seed_data.demo", description="Write the SYNTHETIC demo data set.")
    parser.add_argument("--out", type=Path, default=Path("seed_data/demo"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--n-firms", type=int, default=1500)
    args = parser.parse_args(argv)
    data = generate(seed=args.seed, n_firms=args.n_firms)
    for path in write(data, args.out):
        print(f"wrote {path}")
    print(_summary(data))
    return 0

