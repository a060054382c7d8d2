"""The scoring entry point: a short pipeline of named stages, each vectorised over firms.

``score`` validates the inputs, then runs, in scikit-criteria's order written down:
``gates`` → ``raw_values`` → ``missing_value_policies`` → ``normalise`` → ``points`` →
``aggregate`` → ``pass_rules`` → ``rank``. Loops run over gates and criteria only. The stages
see criteria only (``Scheme.scored_criteria``): the growth model is one of them.

Reviewer ratings are never invented: a rating criterion takes no pool median, and a firm with
fewer ratings than a criterion requires is *awaiting ratings* and ranked after every firm whose
ratings are complete ("rank the complete ones first", ``missing_value_policies`` and ``rank``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.aggregation import Structure, topsis_closeness, weighted_total
from scoring.conditions import evaluate_condition, numeric_column
from scoring.errors import ScoringInputError
from scoring.measures import compare, criterion_values
from scoring.ranking import rank_pool
from scoring.ratings import RatingRows, aggregate_rows, rating_rows
from scoring.result import CriterionTrace, GateTrace, RatingStatus, ScoreResult
from scoring.scheme import (
    GROWTH_PROBABILITY,
    Criterion,
    Gate,
    Measure,
    Scheme,
    criterion_top_points,
)

__all__ = [
    "DEFAULT_RATINGS_REQUIRED",
    "aggregate",
    "gates",
    "missing_value_policies",
    "normalise",
    "pass_rules",
    "points",
    "rank",
    "raw_values",
    "score",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ObjectArray = npt.NDArray[np.object_]
Scored = tuple[FloatArray, FloatArray | None, BoolArray]  # normalised, explicit points, unscored

# Normalisations whose result the trace keeps: a percentile costs a sort of the pool. Every
# other method is recomputed from the values it scored when an explanation asks for it.
_KEPT_METHODS = frozenset({"percentile"})
DEFAULT_CATEGORY = "general"
# Ratings a complete rating needs when neither the scheme nor the caller says: the programme's
# usual number of reviewers per nomination.
DEFAULT_RATINGS_REQUIRED = 3


def score(scheme: Scheme, indicators: pd.DataFrame, *, ratings: pd.DataFrame | None = None,
          growth: pd.DataFrame | None = None, capacity: int | None = None,
          ratings_required: int | None = None) -> ScoreResult:
    """Score every firm of ``indicators`` (indexed or keyed by uscc) under ``scheme``.

    ``ratings`` feeds the rating criteria (its key columns strings, or categoricals read by
    their codes: ``scoring.keyed_ratings``); ``growth`` (uscc, probability, optional
    explanation) feeds the ``growth_probability`` input that an enabled growth model scores;
    ``ratings_required`` (the round's reviewers per nomination, default 3) is how many ratings a
    rating criterion needs where the scheme does not say (``Rating.required``).
    """
    if capacity is not None and capacity < 0:
        raise ScoringInputError("capacity must be >= 0")
    if ratings_required is not None and ratings_required < 1:
        raise ScoringInputError("ratings_required must be >= 1")
    criteria = scheme.scored_criteria
    indicators = _firm_index(indicators)
    reads_growth = any(c.indicator == GROWTH_PROBABILITY for c in criteria)
    input_notes: dict[str, ObjectArray] = {}
    growth_factors: ObjectArray | None = None
    if reads_growth:
        indicators, input_notes, growth_factors = _with_growth(indicators, growth)
    structure = _structure(scheme, criteria)

    gate_traces, eligible = gates(scheme.gates, indicators)
    raw = raw_values(criteria, indicators, ratings)
    imputed = missing_value_policies(criteria, raw, eligible,
                                     ratings_required or DEFAULT_RATINGS_REQUIRED)
    scored = normalise(criteria, raw, imputed, structure.top)
    kept = points(criteria, raw, imputed, scored)
    traces = CriterionTrace(
        n=len(indicators), raw_columns=kept.raw_columns, top=structure.top, pool=imputed.pool,
        recompute=kept.recompute, kept_normalised=kept.normalised, kept_points=kept.points,
        kept_chosen=kept.chosen, missing_columns=raw.missing,
        policies=imputed.policies, imputed_with=imputed.imputed_with,
        rating_spread=raw.spreads,
        notes={c.id: input_notes[c.indicator] for c in criteria if c.indicator in input_notes},
        indicators=indicators,
    )
    subtotals, capped, total = aggregate(structure, kept.columns, traces, imputed.pool)
    rules = pass_rules(scheme, criteria, kept.columns, capped, total, indicators, imputed.pool)
    ranks, within = rank(scheme, structure, traces, capped, total, indicators, imputed.pool,
                         rules.passed, capacity, imputed.ratings)
    return ScoreResult(
        scheme=scheme, firms=indicators.index, structure=structure,
        gate_traces=gate_traces, traces=traces, bypass_hits=rules.bypass_hits,
        eligible=imputed.pool, bypassed=rules.bypassed, subtotals=subtotals, capped=capped,
        total=total, threshold_ok=rules.threshold_ok, minimum_failures=rules.minimum_failures,
        passed=rules.passed, rank=ranks, within_capacity=within, capacity=capacity,
        ratings=imputed.ratings, growth_factors=growth_factors,
    )


# -- inputs -------------------------------------------------------------------------------------


def _firm_index(indicators: pd.DataFrame) -> pd.DataFrame:
    if "uscc" in indicators.columns:
        indicators = indicators.set_index("uscc")
    if indicators.index.has_duplicates:
        dupes = indicators.index[indicators.index.duplicated()].unique()[:5].tolist()
        raise ScoringInputError(f"indicators: duplicate uscc {dupes}")
    # A copy-on-write snapshot: the result keeps views of its columns, and a later edit of the
    # caller's frame copies the caller's data instead of changing what was scored.
    return indicators.copy(deep=False)


def _with_growth(indicators: pd.DataFrame, growth: pd.DataFrame | None
                 ) -> tuple[pd.DataFrame, dict[str, ObjectArray], ObjectArray | None]:
    """The indicators with a ``growth_probability`` column (NaN where the growth frame has no
    probability); the growth frame's text explanations as that input's notes; and its factor
    records (an explanation that is a list: mappings, or ``(feature, contribution)`` pairs)."""
    firms = indicators.index
    if growth is None:
        return indicators.assign(**{GROWTH_PROBABILITY: np.full(len(firms), np.nan)}), {}, None
    frame = growth.set_index("uscc") if "uscc" in growth.columns else growth
    if "probability" not in frame.columns:
        raise ScoringInputError("growth frame needs a 'probability' column")
    if frame.index.has_duplicates:
        raise ScoringInputError("growth frame: duplicate uscc")
    prob = frame["probability"].reindex(firms).to_numpy(dtype=np.float64, na_value=np.nan)
    if ((prob < 0) | (prob > 1)).any():
        raise ScoringInputError("growth frame: probabilities must lie in [0, 1]")
    notes: dict[str, ObjectArray] = {}
    factors: ObjectArray | None = None
    if "explanation" in frame.columns:
        column = frame["explanation"].reindex(firms).tolist()
        factors = np.empty(len(firms), dtype=object)
        text = np.full(len(firms), "", dtype=object)
        for i, value in enumerate(column):
            factors[i] = _factor_records(value) if isinstance(value, list | tuple) else []
            if isinstance(value, str):
                text[i] = value
        notes[GROWTH_PROBABILITY] = text
    return indicators.assign(**{GROWTH_PROBABILITY: prob}), notes, factors


def _factor_records(value: list[Any] | tuple[Any, ...]) -> list[dict[str, Any]]:
    """A firm's growth factors as mappings; a ``(feature, contribution)`` pair becomes one."""
    out: list[dict[str, Any]] = []
    for item in value:
        if isinstance(item, Mapping):
            out.append(dict(item))
        else:
            feature, contribution = item
            out.append({"feature": str(feature), "contribution": float(contribution)})
    return out


def _structure(scheme: Scheme, criteria: Sequence[Criterion]) -> Structure:
    """The scheme's shape as arrays (criteria, top points, categories, caps, bonus)."""
    categories = [c.id for c in scheme.categories] or [DEFAULT_CATEGORY]
    membership = np.zeros((len(criteria), len(categories)))
    for k, crit in enumerate(criteria):
        membership[k, categories.index(crit.category or DEFAULT_CATEGORY)] = 1.0
    caps = np.array([c.cap if c.cap is not None else np.inf for c in scheme.categories]
                    or [np.inf])
    bonus = np.array([c.bonus for c in scheme.categories] or [False], dtype=np.bool_)
    return Structure(
        criteria=tuple(c.id for c in criteria),
        top=np.array([criterion_top_points(c) for c in criteria], dtype=np.float64),
        categories=tuple(categories), membership=membership, cap=caps, bonus=bonus,
        max_total=scheme.max_total if scheme.max_total is not None else np.inf,
        topsis=scheme.aggregation == "topsis",
    )


def _measures(criterion: Criterion) -> list[Measure]:
    return list(criterion.best_of) if criterion.best_of else [criterion]


# -- stages -------------------------------------------------------------------------------------


def gates(scheme_gates: Sequence[Gate], indicators: pd.DataFrame
          ) -> tuple[tuple[GateTrace, ...], BoolArray]:
    """Each gate's outcome per firm, and which firms pass them all (a missing value fails a
    gate unless its ``when_missing`` is ``pass``)."""
    traces: list[GateTrace] = []
    eligible = np.ones(len(indicators), dtype=np.bool_)
    for i, gate in enumerate(scheme_gates):
        holds, missing = evaluate_condition(gate, indicators, used_by=f"gates[{i}]")
        passed = holds | missing if gate.when_missing == "pass" else holds
        traces.append(GateTrace(gate.id, gate, passed, missing, indicators[gate.indicator]))
        eligible &= passed
    return tuple(traces), eligible


@dataclass(frozen=True)
class RawValues:
    """Per criterion, the raw values of each of its measures, and where all of them miss."""

    alternatives: list[list[FloatArray]]
    missing: tuple[BoolArray, ...]
    spreads: dict[str, FloatArray]  # reviewer spread per rating criterion
    counts: dict[str, npt.NDArray[np.int64]]  # ratings given per rating criterion


def raw_values(criteria: Sequence[Criterion], indicators: pd.DataFrame,
               ratings: pd.DataFrame | None) -> RawValues:
    """Each measure's raw values: an indicator column, or the reviewers' aggregate."""
    alternatives: list[list[FloatArray]] = []
    missing: list[BoolArray] = []
    spreads: dict[str, FloatArray] = {}
    counts: dict[str, npt.NDArray[np.int64]] = {}
    rows: RatingRows | None = None
    keyed = False  # the ratings are keyed by firm once, when the first rating criterion asks
    for k, crit in enumerate(criteria):
        values: list[FloatArray] = []
        for measure in _measures(crit):
            if measure.method == "rating":
                assert measure.rating is not None
                if not keyed:
                    rows, keyed = rating_rows(ratings, indicators.index), True
                agg = aggregate_rows(rows, crit.id, measure.rating, len(indicators))
                values.append(agg.value)
                spreads[crit.id] = agg.spread
                counts[crit.id] = agg.count
            else:
                assert measure.indicator is not None
                values.append(numeric_column(indicators, measure.indicator,
                                             used_by=f"criteria[{k}]"))
        gap = np.isnan(values[0])
        for other in values[1:]:
            gap &= np.isnan(other)
        alternatives.append(values)
        missing.append(gap)
    return RawValues(alternatives, tuple(missing), spreads, counts)


@dataclass(frozen=True)
class Imputed:
    """The pool after ``exclude`` policies, the values each measure scores, the policy each
    criterion applied, and the firms' rating completeness (None without rating criteria)."""

    pool: BoolArray
    used: list[list[FloatArray]]
    imputed_with: FloatArray  # (K,) the pool median used, NaN when none was
    policies: tuple[str, ...]
    ratings: RatingStatus | None


def missing_value_policies(criteria: Sequence[Criterion], raw: RawValues,
                           eligible: BoolArray,
                           ratings_required: int = DEFAULT_RATINGS_REQUIRED) -> Imputed:
    """Apply each criterion's missing-value policy: ``exclude`` shrinks the pool (before anything
    is normalised), ``pool-median`` fills with the median of the pool's known values, ``zero``
    leaves the gap for the measure to score 0.

    A rating criterion is never filled: its ``pool-median`` acts as ``zero``, since a judgement
    nobody made cannot be borrowed from the pool. Each rating criterion needs
    ``Rating.required`` ratings (else ``ratings_required``); a firm with fewer, on any of them,
    is incomplete (``RatingStatus.complete``), and ``rank`` puts it after the complete ones.
    """
    pool = eligible.copy()
    for crit, gap in zip(criteria, raw.missing, strict=True):
        if crit.missing == "exclude":
            pool &= ~gap
    policies = tuple("zero" if c.method == "rating" and c.missing == "pool-median" else c.missing
                     for c in criteria)
    used: list[list[FloatArray]] = []
    imputed_with = np.full(len(criteria), np.nan)
    for k, policy in enumerate(policies):
        gap = raw.missing[k]
        if policy != "pool-median" or not gap.any():
            used.append(raw.alternatives[k])
            continue
        filled = [_impute_pool_median(values, gap, pool) for values in raw.alternatives[k]]
        used.append([values for values, _ in filled])
        if len(filled) == 1:
            imputed_with[k] = filled[0][1]
    rated = [(c.id, c.rating) for c in criteria if c.method == "rating" and c.rating is not None]
    status = None if not rated else RatingStatus(
        criteria=tuple(cid for cid, _ in rated),
        given=tuple(raw.counts[cid] for cid, _ in rated),
        required=tuple(rule.required or ratings_required for _, rule in rated),
    )
    return Imputed(pool, used, imputed_with, policies, status)


def _impute_pool_median(values: FloatArray, fill: BoolArray,
                        pool: BoolArray) -> tuple[FloatArray, float]:
    """``values`` with the ``fill`` positions set to the median of the pool's known values
    (NaN when the pool knows none), and that median."""
    observed = values[pool & ~np.isnan(values)]
    median = float(np.median(observed)) if observed.size else np.nan
    return np.where(fill, median, values), median


def normalise(criteria: Sequence[Criterion], raw: RawValues, imputed: Imputed,
              tops: FloatArray) -> list[list[Scored]]:
    """Each measure's normalised values in the pool, with a band table's or a probability's
    points (``scoring.measures.criterion_values``)."""
    out: list[list[Scored]] = []
    for k, crit in enumerate(criteria):
        top = float(tops[k])
        measures = _measures(crit)
        if len(measures) == 1:
            used = imputed.used[k][0]
            # Unimputed values: their gaps are the criterion's, already known.
            known = raw.missing[k] if used is raw.alternatives[k][0] else None
            out.append([criterion_values(crit, used, imputed.pool, top, missing=known)])
        else:
            out.append([criterion_values(m, u, imputed.pool, top)
                        for m, u in zip(measures, imputed.used[k], strict=True)])
    return out


@dataclass(frozen=True)
class Points:
    """Per criterion: its points, the raw values it scored, and what the trace keeps of it."""

    columns: list[FloatArray]
    raw_columns: tuple[FloatArray, ...]
    recompute: dict[int, Measure]
    normalised: dict[int, FloatArray]
    points: dict[int, FloatArray]
    chosen: dict[int, npt.NDArray[np.int8]]


def points(criteria: Sequence[Criterion], raw: RawValues, imputed: Imputed,
           scored: list[list[Scored]]) -> Points:
    """Points per criterion: ``normalised * top`` (or the explicit points); a ``best_of``
    criterion takes its best alternative, the first on a tie."""
    columns: list[FloatArray] = []
    raw_columns: list[FloatArray] = []
    recompute: dict[int, Measure] = {}
    kept_normalised: dict[int, FloatArray] = {}
    kept_points: dict[int, FloatArray] = {}
    kept_chosen: dict[int, npt.NDArray[np.int8]] = {}
    for k, crit in enumerate(criteria):
        top = float(criterion_top_points(crit))
        if len(scored[k]) == 1:
            (norm, explicit, unscored), = scored[k]
            used = imputed.used[k][0]
            if crit.method in _KEPT_METHODS:
                kept_normalised[k] = norm
                kept_chosen[k] = -unscored.view(np.int8)  # -1 where unscored, else 0
                column = norm * top if explicit is None else explicit
            else:
                recompute[k] = crit
                # Not kept (recomputed on demand): its array can take the points in place.
                column = np.multiply(norm, top, out=norm) if explicit is None else explicit
        else:
            n = len(raw.missing[k])
            alt_points = np.stack([norm * top if explicit is None else explicit
                                   for norm, explicit, _ in scored[k]])
            alt_unscored = np.stack([unscored for _, _, unscored in scored[k]])
            best = np.argmax(np.where(alt_unscored, -np.inf, alt_points), axis=0)
            unscored = np.logical_and.reduce(alt_unscored, axis=0)
            cols = np.arange(n)
            column = alt_points[best, cols]
            used = np.stack(imputed.used[k])[best, cols]
            kept_normalised[k] = np.stack([norm for norm, _, _ in scored[k]])[best, cols]
            kept_points[k] = column
            kept_chosen[k] = np.where(unscored, -1, best).astype(np.int8)
        columns.append(column)
        raw_columns.append(used)
    return Points(columns, tuple(raw_columns), recompute, kept_normalised, kept_points,
                  kept_chosen)


def aggregate(structure: Structure, columns: list[FloatArray], traces: CriterionTrace,
              pool: BoolArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(subtotals, capped, total)``: category sums, then caps and ``max_total``
    (``scoring.aggregation``), or TOPSIS closeness on the points matrix."""
    subtotals = np.empty((traces.n, len(structure.categories)), order="F")
    for c, members in enumerate(structure.membership.T):
        ks = np.flatnonzero(members)
        if ks.size == 0:
            subtotals[:, c] = 0.0
            continue
        # 0 + first column, written as first + 0 (the same IEEE sum: -0.0 becomes 0.0), then
        # the others in criterion order: the sums a zeroed matrix would hold, one pass fewer.
        np.add(columns[ks[0]], 0.0, out=subtotals[:, c])
        for k in ks[1:]:
            subtotals[:, c] += columns[k]
    if structure.topsis:
        return subtotals, subtotals, topsis_closeness(traces.points, pool)
    capped, total = weighted_total(subtotals, structure)
    return subtotals, capped, total


@dataclass(frozen=True)
class PassRules:
    """Threshold and minimums per firm, the bypass rules that hit, and who passes."""

    threshold_ok: BoolArray
    minimum_failures: dict[str, BoolArray]
    bypass_hits: BoolArray
    bypassed: BoolArray
    passed: BoolArray


def pass_rules(scheme: Scheme, criteria: Sequence[Criterion], columns: list[FloatArray],
               capped: FloatArray, total: FloatArray, indicators: pd.DataFrame,
               pool: BoolArray) -> PassRules:
    """A pool firm passes when a bypass rule holds, or when the total reaches the threshold
    and every criterion and category minimum holds."""
    n = len(total)
    minimum_failures: dict[str, BoolArray] = {}
    for crit, column in zip(criteria, columns, strict=True):
        if crit.minimum is not None:
            minimum_failures[f"criterion:{crit.id}"] = ~compare(
                column, crit.minimum.op, crit.minimum.points)
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
    return PassRules(threshold_ok, minimum_failures, bypass_hits, bypassed, passed)


def rank(scheme: Scheme, structure: Structure, traces: CriterionTrace, capped: FloatArray,
         total: FloatArray, indicators: pd.DataFrame, pool: BoolArray, passed: BoolArray,
         capacity: int | None, ratings: RatingStatus | None = None
         ) -> tuple[npt.NDArray[np.int64], BoolArray | None]:
    """Ranks of the pool (total, then the tie-break keys, then uscc; 0 outside the pool), and
    which passing firms fall within ``capacity``.

    Firms whose ratings are complete rank first; firms awaiting ratings follow, in the same
    order among themselves, so a firm awaiting ratings never overtakes a complete one whatever
    its total (its total is no lower bound: the missing judgement points are simply not there).
    """
    # Tie-break keys are checked now and computed only if two firms tie on the total.
    keys: list[tuple[Callable[[], FloatArray], str]] = []
    for i, tb in enumerate(scheme.tie_break):
        if tb.criterion is not None:
            if tb.criterion not in structure.criteria:
                raise ScoringInputError(f"tie_break[{i}]: criterion {tb.criterion!r} is not "
                                        "scored (growth model disabled?)")
            keys.append((partial(traces.points_column, structure.criteria.index(tb.criterion)),
                         tb.order))
        elif tb.category is not None:
            keys.append((partial(_column, capped, structure.categories.index(tb.category)),
                         tb.order))
        else:
            assert tb.indicator is not None
            values = numeric_column(indicators, tb.indicator, used_by=f"tie_break[{i}]")
            keys.append((partial(_same, values), tb.order))
    uscc = indicators.index.to_numpy(dtype=object)
    awaiting = pool & ~ratings.complete if ratings is not None else None
    first = pool & ~awaiting if awaiting is not None else pool
    if awaiting is None or not awaiting.any():
        ranks = rank_pool(total, pool, keys, uscc)
    elif not first.any():
        # Every pool firm awaits ratings: one ranking, with nobody before it.
        ranks = rank_pool(total, awaiting, keys, uscc)
    else:
        ranks = rank_pool(total, first, keys, uscc)
        later = rank_pool(total, awaiting, keys, uscc)
        ranks = np.where(awaiting, later + np.int64(first.sum()), ranks)
    if capacity is None:
        return ranks, None
    passed_ranks = np.sort(ranks[passed])
    cutoff = passed_ranks[capacity - 1] if 0 < capacity <= passed_ranks.size else (
        np.iinfo(np.int64).max if capacity > 0 else 0)
    return ranks, passed & (ranks <= cutoff)


def _column(matrix: FloatArray, c: int) -> FloatArray:
    column: FloatArray = matrix[:, c]
    return column


def _same(values: FloatArray) -> FloatArray:
    return values
