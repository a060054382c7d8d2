"""The scoring entry point: validate the inputs against a scheme, run the kernels, keep everything.

Order of operations (scikit-criteria's, written down): gates → missing values → normalise in
the eligible pool → weight (points) → aggregate (categories and caps, or TOPSIS) → pass rules
→ rank. Loops run over gates and criteria only; every step is vectorised over firms.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.aggregation import Structure, topsis_closeness, weighted_total
from scoring.conditions import evaluate_condition, numeric_column
from scoring.errors import ScoringInputError
from scoring.measures import compare, criterion_values
from scoring.ranking import rank_pool
from scoring.ratings import aggregate_ratings
from scoring.result import CriterionTrace, GateTrace, ScoreResult
from scoring.scheme import Criterion, Measure, Scheme, criterion_top_points

__all__ = ["GROWTH_CRITERION", "score"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

GROWTH_CRITERION = "growth_model"
# Normalisations whose result the trace keeps: a percentile costs a sort of the pool. Every
# other method is recomputed from the values it scored when an explanation asks for it.
_KEPT_METHODS = frozenset({"percentile"})
DEFAULT_CATEGORY = "general"


def _firm_index(indicators: pd.DataFrame) -> pd.DataFrame:
    if "uscc" in indicators.columns:
        indicators = indicators.set_index("uscc")
    if indicators.index.has_duplicates:
        dupes = indicators.index[indicators.index.duplicated()].unique()[:5].tolist()
        raise ScoringInputError(f"indicators: duplicate uscc {dupes}")
    # A copy-on-write snapshot: the result keeps views of its columns, and a later edit of the
    # caller's frame copies the caller's data instead of changing what was scored.
    return indicators.copy(deep=False)


def _growth_probability(growth: pd.DataFrame | None,
                        firms: pd.Index) -> tuple[FloatArray, pd.Series | None]:
    """Probability per firm (NaN when the growth frame has none) and optional explanations."""
    if growth is None:
        return np.full(len(firms), np.nan), None
    frame = growth.set_index("uscc") if "uscc" in growth.columns else growth
    if "probability" not in frame.columns:
        raise ScoringInputError("growth frame needs a 'probability' column")
    if frame.index.has_duplicates:
        raise ScoringInputError("growth frame: duplicate uscc")
    prob = frame["probability"].reindex(firms).to_numpy(dtype=np.float64, na_value=np.nan)
    if ((prob < 0) | (prob > 1)).any():
        raise ScoringInputError("growth frame: probabilities must lie in [0, 1]")
    explanation = frame["explanation"].reindex(firms) if "explanation" in frame.columns else None
    return prob, explanation


def _measure_raw(measure: Measure, criterion: Criterion, indicators: pd.DataFrame,
                 ratings: pd.DataFrame | None, path: str) -> tuple[FloatArray, FloatArray | None]:
    """Raw values of one measure (and rating spreads for rating criteria)."""
    if measure.method == "rating":
        assert measure.rating is not None
        agg = aggregate_ratings(ratings, criterion.id, measure.rating, indicators.index)
        return agg.value, agg.spread
    assert measure.indicator is not None
    return numeric_column(indicators, measure.indicator, used_by=path), None


def score(scheme: Scheme, indicators: pd.DataFrame, *, ratings: pd.DataFrame | None = None,
          growth: pd.DataFrame | None = None, capacity: int | None = None) -> ScoreResult:
    """Score every firm of ``indicators`` (indexed or keyed by uscc) under ``scheme``."""
    if capacity is not None and capacity < 0:
        raise ScoringInputError("capacity must be >= 0")
    indicators = _firm_index(indicators)
    firms = indicators.index
    n = len(firms)
    uscc = firms.to_numpy(dtype=object)

    gates: list[GateTrace] = []
    eligible = np.ones(n, dtype=np.bool_)
    for i, gate in enumerate(scheme.gates):
        holds, missing = evaluate_condition(gate, indicators, used_by=f"gates[{i}]")
        passed = holds | missing if gate.when_missing == "pass" else holds
        gates.append(GateTrace(gate.id, gate, passed, missing, indicators[gate.indicator]))
        eligible &= passed

    # Raw values first: an ``exclude`` policy shrinks the pool before anything is normalised.
    use_growth = scheme.growth_model is not None and scheme.growth_model.enabled
    raws: list[list[FloatArray]] = []
    spreads: dict[str, FloatArray] = {}
    crit_missing: list[BoolArray] = []
    for k, crit in enumerate(scheme.criteria):
        measures: list[Measure] = list(crit.best_of) if crit.best_of else [crit]
        alt_raw = []
        for measure in measures:
            raw, spread = _measure_raw(measure, crit, indicators, ratings, f"criteria[{k}]")
            alt_raw.append(raw)
            if spread is not None:
                spreads[crit.id] = spread
        raws.append(alt_raw)
        missing = np.isnan(alt_raw[0])
        for other in alt_raw[1:]:
            missing &= np.isnan(other)
        crit_missing.append(missing)
    growth_prob, growth_explanation = _growth_probability(growth if use_growth else None, firms)
    if use_growth:
        crit_missing.append(np.isnan(growth_prob))

    policies = [c.missing for c in scheme.criteria]
    if use_growth:
        assert scheme.growth_model is not None
        policies.append(scheme.growth_model.missing)
    pool = eligible.copy()
    for missing, policy in zip(crit_missing, policies, strict=True):
        if policy == "exclude":
            pool &= ~missing

    criteria_ids = [c.id for c in scheme.criteria] + ([GROWTH_CRITERION] if use_growth else [])
    k_total = len(criteria_ids)
    tops = np.array([criterion_top_points(c) for c in scheme.criteria] + (
        [_growth_points(scheme)[1]] if use_growth else []), dtype=np.float64)
    structure = _structure(scheme, criteria_ids, tops, use_growth)
    category = np.argmax(structure.membership, axis=1)
    # Points go straight into their category's subtotal, criterion by criterion; the trace
    # keeps only what is costly to redo (see CriterionTrace), not an (N, K) matrix.
    subtotals = np.zeros((n, len(structure.categories)), order="F")
    raw_cols: list[FloatArray] = []
    recompute: dict[int, Measure] = {}
    kept_normalised: dict[int, FloatArray] = {}
    kept_points: dict[int, FloatArray] = {}
    kept_chosen: dict[int, npt.NDArray[np.int8]] = {}
    imputed_with = np.full(k_total, np.nan)
    minimum_failures: dict[str, BoolArray] = {}
    for k, crit in enumerate(scheme.criteria):
        top = float(tops[k])
        measures = list(crit.best_of) if crit.best_of else [crit]
        alt_used: list[FloatArray] = []
        for raw in raws[k]:
            used = raw
            if crit.missing == "pool-median" and crit_missing[k].any():
                used, median = _impute_pool_median(raw, crit_missing[k], pool)
                if len(measures) == 1:
                    imputed_with[k] = median
            alt_used.append(used)
        if len(measures) == 1:
            used = alt_used[0]
            known_missing = crit_missing[k] if used is raws[k][0] else None
            norm, explicit, unscored = criterion_values(crit, used, pool, top,
                                                        missing=known_missing)
            if crit.method in _KEPT_METHODS:
                kept_normalised[k] = norm
                kept_chosen[k] = np.where(unscored, np.int8(-1), np.int8(0))
                points = norm * top if explicit is None else explicit
            else:
                recompute[k] = crit
                # Not kept (recomputed on demand): its array can take the points in place.
                points = np.multiply(norm, top, out=norm) if explicit is None else explicit
        else:
            alternatives = [criterion_values(m, u, pool, top)
                            for m, u in zip(measures, alt_used, strict=True)]
            alt_points = np.stack([norm * top if explicit is None else explicit
                                   for norm, explicit, _ in alternatives])
            alt_unscored = np.stack([unscored for _, _, unscored in alternatives])
            # The first alternative wins a tie: the order in the scheme is the order of preference.
            best = np.argmax(np.where(alt_unscored, -np.inf, alt_points), axis=0)
            unscored = np.logical_and.reduce(alt_unscored, axis=0)
            cols = np.arange(n)
            points = alt_points[best, cols]
            used = np.stack(alt_used)[best, cols]
            kept_normalised[k] = np.stack([norm for norm, _, _ in alternatives])[best, cols]
            kept_points[k] = points
            kept_chosen[k] = np.where(unscored, -1, best).astype(np.int8)
        raw_cols.append(used)
        subtotals[:, category[k]] += points
        if crit.minimum is not None:
            minimum_failures[f"criterion:{crit.id}"] = ~compare(
                points, crit.minimum.op, crit.minimum.points)
    if use_growth:
        section = scheme.growth_model
        assert section is not None
        k = k_total - 1
        top, cap = _growth_points(scheme)
        missing = crit_missing[k]
        used = growth_prob
        if section.missing == "pool-median" and missing.any():
            used, imputed_with[k] = _impute_pool_median(growth_prob, missing, pool)
        pts = np.minimum(used * top, cap)
        scored = ~np.isnan(pts)
        raw_cols.append(used)
        kept_normalised[k] = np.where(scored, pts / cap, 0.0)
        kept_points[k] = np.where(scored, pts, 0.0)
        kept_chosen[k] = np.where(scored, 0, -1).astype(np.int8)
        subtotals[:, category[k]] += kept_points[k]
    notes = ({} if growth_explanation is None else {
        GROWTH_CRITERION: growth_explanation.fillna("").astype(str).to_numpy(dtype=object)})
    traces = CriterionTrace(
        n=n, raw_columns=tuple(raw_cols), top=tops, pool=pool, recompute=recompute,
        kept_normalised=kept_normalised, kept_points=kept_points, kept_chosen=kept_chosen,
        missing_columns=tuple(crit_missing), policies=tuple(policies),
        imputed_with=imputed_with, rating_spread=spreads, notes=notes,
        indicators=indicators,
    )
    if structure.topsis:
        capped = subtotals
        total = topsis_closeness(traces.points, pool)
    else:
        capped, total = weighted_total(subtotals, structure)

    for c, cat in enumerate(scheme.categories):
        if cat.minimum is not None:
            minimum_failures[f"category:{cat.id}"] = ~compare(
                capped[:, c], cat.minimum.op, cat.minimum.points)
    minimum_ok = np.ones(n, dtype=np.bool_)
    for failure in minimum_failures.values():
        minimum_ok &= ~failure
    threshold_ok = (compare(total, scheme.passing.op, scheme.passing.threshold)
                    if scheme.passing is not None else np.ones(n, dtype=np.bool_))

    bypass_hits = np.zeros((n, len(scheme.bypass)), dtype=np.bool_)
    for b, rule in enumerate(scheme.bypass):
        hit = np.ones(n, dtype=np.bool_)
        for j, cond in enumerate(rule.all):
            holds, _ = evaluate_condition(cond, indicators, used_by=f"bypass[{b}].all[{j}]")
            hit &= holds
        bypass_hits[:, b] = hit
    bypassed = pool & bypass_hits.any(axis=1)
    passed = pool & (bypassed | (threshold_ok & minimum_ok))

    # Tie-break keys are checked now and computed only if two firms tie on the total.
    keys: list[tuple[Callable[[], FloatArray], str]] = []
    for i, tb in enumerate(scheme.tie_break):
        if tb.criterion is not None:
            if tb.criterion not in criteria_ids:
                raise ScoringInputError(f"tie_break[{i}]: criterion {tb.criterion!r} is not "
                                        "scored (growth model disabled?)")
            keys.append((partial(traces.points_column, criteria_ids.index(tb.criterion)),
                         tb.order))
        elif tb.category is not None:
            keys.append((partial(_column, capped, structure.categories.index(tb.category)),
                         tb.order))
        else:
            assert tb.indicator is not None
            values = numeric_column(indicators, tb.indicator, used_by=f"tie_break[{i}]")
            keys.append((partial(_same, values), tb.order))
    rank = rank_pool(total, pool, keys, uscc)

    within: BoolArray | None = None
    if capacity is not None:
        passed_ranks = np.sort(rank[passed])
        cutoff = passed_ranks[capacity - 1] if 0 < capacity <= passed_ranks.size else (
            np.iinfo(np.int64).max if capacity > 0 else 0)
        within = passed & (rank <= cutoff)

    return ScoreResult(
        scheme=scheme, firms=firms, structure=structure, gate_traces=tuple(gates), traces=traces,
        bypass_hits=bypass_hits, eligible=pool, bypassed=bypassed, subtotals=subtotals,
        capped=capped, total=total, threshold_ok=threshold_ok, minimum_failures=minimum_failures,
        passed=passed, rank=rank, within_capacity=within, capacity=capacity,
    )


def _impute_pool_median(values: FloatArray, fill: BoolArray,
                        pool: BoolArray) -> tuple[FloatArray, float]:
    """``values`` with the ``fill`` positions set to the median of the pool's known values
    (NaN when the pool knows none), and that median."""
    observed = values[pool & ~np.isnan(values)]
    median = float(np.median(observed)) if observed.size else np.nan
    return np.where(fill, median, values), median


def _growth_points(scheme: Scheme) -> tuple[float, float]:
    """The growth model's points at probability 1 (max_points or weight) and its cap (the
    same when it has none): its top points are the cap."""
    section = scheme.growth_model
    assert section is not None
    top = float(section.max_points or section.weight or 0.0)
    return top, float(section.cap) if section.cap is not None else top


def _column(matrix: FloatArray, c: int) -> FloatArray:
    column: FloatArray = matrix[:, c]
    return column


def _same(values: FloatArray) -> FloatArray:
    return values


def _structure(scheme: Scheme, criteria_ids: list[str], tops: FloatArray,
               use_growth: bool) -> Structure:
    categories = [c.id for c in scheme.categories] or [DEFAULT_CATEGORY]
    membership = np.zeros((len(criteria_ids), len(categories)))
    for k, crit in enumerate(scheme.criteria):
        membership[k, categories.index(crit.category or DEFAULT_CATEGORY)] = 1.0
    if use_growth:
        assert scheme.growth_model is not None
        membership[-1, categories.index(scheme.growth_model.category or DEFAULT_CATEGORY)] = 1.0
    caps = np.array([c.cap if c.cap is not None else np.inf for c in scheme.categories]
                    or [np.inf])
    bonus = np.array([c.bonus for c in scheme.categories] or [False], dtype=np.bool_)
    return Structure(
        criteria=tuple(criteria_ids), top=tops, categories=tuple(categories),
        membership=membership, cap=caps, bonus=bonus,
        max_total=scheme.max_total if scheme.max_total is not None else np.inf,
        topsis=scheme.aggregation == "topsis",
    )
