"""The golden cases: every bundled scheme over the demo data and the benchmark pool.

Each case is scored by the current engine and reduced to a JSON-safe digest: every firm's
explanation (scores, ranks, totals, subtotals, notes, flags — floats written with ``repr``, so
exact) and a SHA-256 of each long frame. ``python -m tests.scoring.golden.cases`` rewrites the
stored digests; only do that when a change of behaviour is intended.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import lzma
import sys
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from scoring import derive_indicators, explanations, load_scheme, score
from scoring.growth.factors import factor_record
from scoring.result import ScoreResult
from scoring.scheme import Scheme

ROOT = Path(__file__).resolve().parents[3]
STORED = Path(__file__).resolve().parent / "stored"
SCHEMES = ROOT / "seed_data" / "schemes"
DEMO = ROOT / "seed_data" / "demo"
REFERENCE_DATE = dt.date(2025, 6, 30)
USD_CNY = 7.2
BENCH_FIRMS = 1_500
CAPACITY = 100


def _bench_module() -> Any:
    spec = importlib.util.spec_from_file_location("bench_scoring",
                                                  ROOT / "bench" / "bench_scoring.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_scoring", module)
    spec.loader.exec_module(module)
    return module


def demo_indicators() -> pd.DataFrame:
    """Indicators of the demo firms as of the golden reference date."""
    firms = pd.read_csv(DEMO / "firms.csv", dtype={"uscc": str, "region": str},
                        parse_dates=["founded_on"])
    filings = pd.read_csv(DEMO / "filings.csv", dtype={"uscc": str})
    rounds = pd.read_csv(DEMO / "funding_rounds.csv", dtype={"uscc": str},
                         parse_dates=["announced_on"])
    return derive_indicators(firms, filings, rounds, reference_date=REFERENCE_DATE,
                             usd_cny=USD_CNY)


def scheme_document(path: Path, *, growth: bool) -> dict[str, Any]:
    """The scheme file as a mapping, with its growth model switched on when asked."""
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    if growth:
        document["growth_model"] = {**document["growth_model"], "enabled": True}
    return document


def ratings_for(scheme: Scheme, firms: pd.Index, seed: int) -> pd.DataFrame | None:
    """Seeded reviewer ratings of about four firms in five on each rating criterion."""
    rated = [c.id for c in scheme.criteria if c.method == "rating"]
    if not rated:
        return None
    rng = np.random.default_rng(seed)
    rows = [(u, c, f"r{r}", int(rng.integers(0, 11)))
            for c in rated for u in firms if rng.random() < 0.8 for r in range(3)]
    return pd.DataFrame(rows, columns=["uscc", "criterion", "reviewer", "score"])


def growth_for(firms: pd.Index, seed: int) -> pd.DataFrame:
    """Seeded growth probabilities (some firms without one) with two factor records each."""
    rng = np.random.default_rng(seed)
    keep = rng.random(len(firms)) < 0.9
    probability = rng.random(len(firms))
    revenue = rng.normal(15, 2, len(firms))
    return pd.DataFrame({"uscc": firms[keep], "probability": probability[keep],
                         "explanation": [[factor_record("log_revenue", float(r), p - 0.5),
                                          factor_record("rd_intensity", None, 0.5 - p / 2)]
                                         for p, r in zip(probability[keep], revenue[keep],
                                                         strict=True)]})


def cases() -> Iterator[tuple[str, Callable[[], ScoreResult]]]:
    """Every golden case by name, each a function that scores it."""
    demo = demo_indicators()
    for path in sorted(SCHEMES.glob("*.yaml")):
        plain = load_scheme(scheme_document(path, growth=False))
        yield f"demo-{path.stem}", partial(score, plain, demo)
        ratings = ratings_for(plain, demo.index, seed=len(path.stem))
        if "growth_model" in scheme_document(path, growth=False):
            grown = load_scheme(scheme_document(path, growth=True))
            growth = growth_for(demo.index, seed=len(path.stem))
            yield (f"demo-{path.stem}-growth",
                   partial(score, grown, demo, ratings=ratings, growth=growth,
                           capacity=CAPACITY))
        else:
            yield (f"demo-{path.stem}-capacity",
                   partial(score, plain, demo, ratings=ratings, capacity=CAPACITY))
    bench = _bench_module()
    seed_scheme = load_scheme(SCHEMES / "seed.yaml")
    pool = bench.synthetic_indicators(BENCH_FIRMS)
    pool_ratings = bench.synthetic_ratings(pool)
    yield "bench-seed", partial(score, seed_scheme, pool)
    yield "bench-seed-ratings", partial(score, seed_scheme, pool, ratings=pool_ratings)


def _frame_digest(frame: pd.DataFrame) -> str:
    text = frame.to_csv() + "\n" + frame.dtypes.to_string() + "\n" + repr(frame.index.name)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def digest(result: ScoreResult) -> dict[str, Any]:
    """What the golden test compares: every explanation and a hash of every frame."""
    return {
        "records": explanations.explain_all(result),
        "frames": {
            "summary": _frame_digest(explanations.summary(result)),
            "gates": _frame_digest(explanations.gates(result)),
            "criteria": _frame_digest(explanations.criteria(result)),
            "categories": _frame_digest(explanations.categories(result)),
            "points_matrix": _frame_digest(result.points_matrix),
        },
    }


def stored_path(name: str) -> Path:
    """Where a case's digest is kept."""
    return STORED / f"{name}.json.xz"


def read_stored(name: str) -> Any:
    """A stored digest."""
    return json.loads(lzma.decompress(stored_path(name).read_bytes()).decode("utf-8"))


def write_stored(name: str, value: dict[str, Any]) -> None:
    """Store a digest, compressed."""
    STORED.mkdir(exist_ok=True)
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=True)
    stored_path(name).write_bytes(lzma.compress(text.encode("utf-8"), preset=9))


if __name__ == "__main__":
    for case_name, run in cases():
        write_stored(case_name, digest(run()))
        print(case_name, stored_path(case_name).stat().st_size)
