"""Benchmark: the seed scheme on SYNTHETIC firms against a bare numpy sum and scikit-criteria.

Run ``python bench/bench_scoring.py`` (add ``--quick`` for a smaller run). All firms are
synthetic, drawn from a seeded generator; no real firm is involved. Timings are the best of
``--repeat`` interleaved rounds, measured in the same process so the ratios compare like with like:

- ``score``: ``scoring.score(seed scheme, indicators)`` — gates, 15 criteria, categories,
  caps, pass rules, deterministic ranks (no frames: ``scoring.explanations`` builds them);
- ``ratings``: ``score`` with 600,000 reviewer ratings aggregated inside the call, their uscc,
  criterion and reviewer columns strings (as a caller builds them);
- ``keyed``: the same ratings keyed (``scoring.keyed_ratings``: categorical columns, read by
  their codes), as the service hands them over; ``keying`` is that conversion, done once per
  score run (the run scores three times), not per call;
- ``score + summary``: the same plus ``scoring.explanations.summary`` (the per-firm frame);
- ``numpy``: min-max normalisation and a weighted sum over the same 15-column matrix;
- ``skcriteria``: ``mkdm`` + ``MinMaxScaler(target="matrix")`` + ``WeightedSumModel``;
- ``sorts`` and ``floor``: what no exact scorer of this scheme can skip. ``sorts`` is the three
  argsorts of 100,000 values that ``score`` makes (the two percentile criteria and the
  ranking, by ``scoring.sorting.argsort_values`` as this machine chooses it); ``floor`` adds
  the numpy weighted sum over the other 13 columns and the five gates. Where ``floor``
  alone passes a target, no rewrite of ``score`` can meet it.

Page faults. On a virtual machine a page fault costs microseconds, and glibc gives freed
memory back to the kernel (trim, munmap), so a contender that re-allocates memory the process
just freed can spend more time in faults than in arithmetic — how much depends on what ran
before it. The first table is taken with glibc's defaults and shows the faults of each best
run; then the benchmark tells glibc to keep freed memory (``mallopt``: no mmap, no trim) and
measures again, so that the second table compares computation with computation. The ratios
quoted for the targets come from the second table.

Then 1,000,000 synthetic firms are scored once with tracemalloc on, for peak memory.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import resource
import time
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from scoring import explanations, keyed_ratings, score
from scoring.engine import gates
from scoring.scheme import Scheme, criterion_top_points
from scoring.sorting import argsort_values
from seed_data.schemes import load_bundled_scheme

RATING_CRITERIA = ("hard_tech_distinctiveness", "business_model_innovation")


def synthetic_indicators(n: int, seed: int = 0) -> pd.DataFrame:
    """SYNTHETIC indicators for ``n`` firms, all inside the seed scheme's gates."""
    rng = np.random.default_rng(seed)
    index = pd.Index([f"9111010800{i:08d}" for i in range(n)], name="uscc")
    return pd.DataFrame({
        "age_years": rng.uniform(0.2, 5.0, n),
        "in_haidian": np.ones(n, dtype=bool),
        "priority_sector": np.ones(n, dtype=bool),
        "revenue": rng.lognormal(15, 1.5, n).clip(max=1.9e8),
        "hard_tech": rng.random(n) < 0.7,
        "ip_class1": rng.integers(1, 40, n).astype(np.float64),
        "ip_class1_high_value": rng.integers(0, 3, n).astype(np.float64),
        "pct_applications": rng.integers(0, 10, n).astype(np.float64),
        "rd_intensity": rng.uniform(0, 0.6, n),
        "rd_staff_share": rng.uniform(0, 0.8, n),
        "technical_staff_share": rng.uniform(0, 0.9, n),
        "revenue_growth": rng.normal(0.3, 0.5, n),
        "rd_expense_growth": rng.normal(0.2, 0.4, n),
        "funding_rounds_24m": rng.integers(0, 4, n).astype(np.float64),
        "months_since_last_round": rng.uniform(0, 60, n),
        "funding_to_date": rng.lognormal(15, 2, n),
        "valuation_usd": rng.lognormal(16, 1.5, n),
        # reviewer aggregates stand in as indicator columns for the two baselines only
        **{c: rng.uniform(0, 10, n) for c in RATING_CRITERIA},
    }, index=index)


def synthetic_ratings(indicators: pd.DataFrame, reviewers: int = 3,
                      seed: int = 1) -> pd.DataFrame:
    """SYNTHETIC reviewer ratings: every firm rated by ``reviewers`` reviewers per criterion."""
    rng = np.random.default_rng(seed)
    n = len(indicators)
    frames = [pd.DataFrame({"uscc": indicators.index.to_numpy(), "criterion": c,
                            "reviewer": f"r{r}", "score": rng.integers(0, 11, n)})
              for c in RATING_CRITERIA for r in range(reviewers)]
    return pd.concat(frames, ignore_index=True)


def criterion_matrix(scheme: Scheme, indicators: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The same 15 raw columns the scheme scores, and its weights (top points)."""
    columns = [c.indicator or c.id for c in scheme.criteria]
    matrix = indicators[columns].to_numpy(dtype=np.float64)
    weights = np.array([criterion_top_points(c) for c in scheme.criteria])
    return matrix, weights


def numpy_weighted_sum(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    low = matrix.min(axis=0)
    span = matrix.max(axis=0) - low
    result: np.ndarray = ((matrix - low) / span) @ weights
    return result


def sort_inputs(scheme: Scheme, indicators: pd.DataFrame) -> list[np.ndarray]:
    """What ``score`` sorts: each percentile criterion's values, and the totals."""
    return [indicators[c.indicator or c.id].to_numpy(dtype=np.float64)
            for c in scheme.criteria if c.method == "percentile"] + [
        score(scheme, indicators).total]


def _minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def best_of(repeat: int,
            contenders: dict[str, Callable[[], object]]) -> dict[str, tuple[float, int]]:
    """Best time of each contender, and the page faults of that run; rounds interleave the
    contenders so that load hits all alike."""
    best = dict.fromkeys(contenders, (float("inf"), 0))
    for _ in range(repeat):
        for name, run in contenders.items():
            faults = _minor_faults()
            start = time.perf_counter()
            run()
            elapsed = time.perf_counter() - start
            if elapsed < best[name][0]:
                best[name] = (elapsed, _minor_faults() - faults)
    return best


def keep_freed_memory() -> bool:
    """Ask glibc never to return freed memory to the kernel (no mmap, no trim)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        m_trim_threshold, m_mmap_max = -1, -4
        return bool(libc.mallopt(m_mmap_max, 0)) and bool(
            libc.mallopt(m_trim_threshold, 2**31 - 1))
    except (OSError, AttributeError):
        return False


def skcriteria_pipeline(matrix: np.ndarray, weights: np.ndarray) -> Callable[[], object]:
    import skcriteria as skc
    from skcriteria.agg.simple import WeightedSumModel
    from skcriteria.pipelines import mkpipe
    from skcriteria.preprocessing.scalers import MinMaxScaler

    pipe = mkpipe(MinMaxScaler(target="matrix"), WeightedSumModel())

    def run() -> object:
        dm = skc.mkdm(matrix, objectives=[max] * matrix.shape[1], weights=weights)
        return pipe.evaluate(dm)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--quick", action="store_true", help="10,000 and 100,000 firms")
    args = parser.parse_args()
    if args.quick:
        args.firms, args.large, args.repeat = 10_000, 100_000, 3
    warnings.simplefilter("ignore", DeprecationWarning)
    scheme = load_bundled_scheme("seed")
    indicators = synthetic_indicators(args.firms)
    ratings = synthetic_ratings(indicators)
    matrix, weights = criterion_matrix(scheme, indicators)
    assert matrix.shape[1] == len(scheme.criteria) == 15

    percentile = [k for k, c in enumerate(scheme.criteria) if c.method == "percentile"]
    assert len(percentile) == 2
    kept = [k for k in range(matrix.shape[1]) if k not in percentile]
    others, other_weights = np.asfortranarray(matrix[:, kept]), weights[kept]
    sorted_by_score = sort_inputs(scheme, indicators)
    keyed = keyed_ratings(ratings, indicators.index)
    result = score(scheme, indicators, ratings=ratings)
    assert bool(result.eligible.all()), "synthetic firms are built to pass every gate"
    assert np.array_equal(score(scheme, indicators, ratings=keyed).total, result.total)
    labels = {
        "numpy": "numpy min-max weighted sum",
        "skcriteria": "skcriteria MinMaxScaler + WeightedSumModel",
        "score": "scoring.score (rating criteria unrated)",
        "ratings": f"scoring.score, {len(ratings):,} ratings keyed by strings",
        "keyed": f"scoring.score, {len(ratings):,} ratings keyed (categorical)",
        "keying": "  keyed_ratings: the keying, once per score run",
        "summary": "scoring.score + summary frame",
        "sorts": "  floor: the three argsorts score makes",
        "floor": "  floor: those + numpy sum of 13 other columns + gates",
    }
    contenders: dict[str, Callable[[], object]] = {
        "numpy": lambda: numpy_weighted_sum(matrix, weights),
        "skcriteria": skcriteria_pipeline(matrix, weights),
        "score": lambda: score(scheme, indicators),
        "ratings": lambda: score(scheme, indicators, ratings=ratings),
        "keyed": lambda: score(scheme, indicators, ratings=keyed),
        "keying": lambda: keyed_ratings(ratings, indicators.index),
        "summary": lambda: explanations.summary(score(scheme, indicators)),
        "sorts": lambda: [argsort_values(values) for values in sorted_by_score],
        "floor": lambda: ([argsort_values(values) for values in sorted_by_score],
                          numpy_weighted_sum(others, other_weights),
                          gates(scheme.gates, indicators)),
    }
    tables = [("glibc defaults", best_of(args.repeat, contenders))]
    if keep_freed_memory():
        best_of(1, contenders)  # let the heap grow to what every contender needs
        tables.append(("glibc keeping freed memory (no page faults from re-allocation)",
                       best_of(args.repeat, contenders)))
    else:
        print("(mallopt unavailable: only glibc's defaults are measured)")
    for title, times in tables:
        print(f"SYNTHETIC data, seed scheme ({len(scheme.criteria)} criteria), "
              f"{args.firms:,} firms, best of {args.repeat} interleaved rounds, {title}:")
        for key, label in labels.items():
            seconds, faults = times[key]
            print(f"  {label:<55} {seconds * 1000:9.1f} ms   "
                  f"{seconds / times['numpy'][0]:6.2f}x numpy   "
                  f"{seconds / times['skcriteria'][0]:5.2f}x skcriteria   "
                  f"{faults:6,} page faults")

    large = synthetic_indicators(args.large, seed=2)
    large_ratings = synthetic_ratings(large, seed=3)
    tracemalloc.start()
    big = score(scheme, large, ratings=large_ratings)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert big.rank.max() == args.large
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    inputs = large.memory_usage(deep=True).sum() + large_ratings.memory_usage(deep=True).sum()
    print(f"SYNTHETIC data, {args.large:,} firms with {len(large_ratings):,} ratings:")
    print(f"  peak memory allocated while scoring (tracemalloc) {peak / 2**30:6.2f} GiB")
    print(f"  input frames                                     {inputs / 2**30:6.2f} GiB")
    print(f"  process peak resident set (whole benchmark)      {max_rss / 2**30:6.2f} GiB")


if __name__ == "__main__":
    main()
