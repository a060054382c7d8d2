"""Time the growth model's training on the whole Crunchbase cohort and its backtest.

Run: ``.venv/bin/python -m bench.bench_growth [DATA_DIR]``
(default DATA_DIR: ../shared/data/crunchbase-2013).
Data from CrunchBase (www.crunchbase.com), October 2013 export, CC-BY.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

from scoring.growth.sources import run_backtest, train_crunchbase_model


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/crunchbase-2013")
    timings: dict[str, float] = {}
    for kind in ("logistic", "gbm", "blend"):
        started = time.perf_counter()
        train_crunchbase_model(data, trained_on=date.today(), kind=kind)
        timings[f"train_{kind}_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    result = run_backtest(data, train_until=2008, test_years=(2009, 2010))
    timings["backtest_s"] = round(time.perf_counter() - started, 2)
    print(json.dumps({**timings, "auc": result["auc"], "kind": result["kind"]}))


if __name__ == "__main__":
    main()
