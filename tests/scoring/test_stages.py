"""Each stage of ``scoring.engine.score`` on its own, on a few hand-checked firms."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from scoring import engine
from scoring.scheme import (
    GROWTH_CRITERION,
    GROWTH_PROBABILITY,
    Scheme,
    criterion_top_points,
    scheme_fingerprint,
)
from tests.scoring.builders import indicator_frame, scheme_from

NAN = float("nan")


def frame(**columns: list[Any]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return indicator_frame([{"uscc": f"F{i}", **{k: v[i] for k, v in columns.items()}}
                            for i in range(n)])


def crit(cid: str, **extra: Any) -> dict[str, Any]:
    return {"id": cid, "indicator": "revenue", "method": "min-max", "max_points": 10, **extra}


def run_to_points(scheme: Scheme, indicators: pd.DataFrame) -> tuple[
        engine.RawValues, engine.Imputed, engine.Points]:
    criteria = scheme.scored_criteria
    _, eligible = engine.gates(scheme.gates, indicators)
    raw = engine.raw_values(criteria, indicators, None)
    imputed = engine.missing_value_policies(criteria, raw, eligible)
    tops = np.array([criterion_top_points(c) for c in criteria])
    scored = engine.normalise(criteria, raw, imputed, tops)
    return raw, imputed, engine.points(criteria, raw, imputed, scored)


def test_gates_fail_a_missing_value_unless_it_passes_when_missing() -> None:
    scheme = scheme_from([crit("c")], gates=[
        {"id": "young", "indicator": "age_years", "op": "<=", "value": 5},
        {"id": "share", "indicator": "rd_intensity", "op": ">=", "value": 0.1,
         "when_missing": "pass"}])
    traces, eligible = engine.gates(scheme.gates, frame(age_years=[3.0, 9.0, NAN],
                                                        rd_intensity=[NAN, 0.2, 0.0]))
    assert eligible.tolist() == [True, False, False]
    assert traces[0].missing.tolist() == [False, False, True]
    assert traces[1].passed.tolist() == [True, True, False]


def test_raw_values_of_best_of_miss_only_where_every_alternative_misses() -> None:
    scheme = scheme_from([{"id": "rd", "max_points": 10, "best_of": [
        {"id": "a", "indicator": "rd_intensity", "method": "min-max"},
        {"id": "b", "indicator": "revenue", "method": "min-max"}]}])
    raw = engine.raw_values(scheme.scored_criteria,
                            frame(rd_intensity=[NAN, NAN, 0.2], revenue=[1.0, NAN, NAN]), None)
    assert raw.missing[0].tolist() == [False, True, False]
    assert len(raw.alternatives[0]) == 2


def test_missing_value_policies_exclude_then_fill_with_the_pool_median() -> None:
    scheme = scheme_from([crit("c", missing="pool-median"),
                          crit("d", indicator="rd_intensity", missing="exclude")])
    indicators = frame(revenue=[1.0, NAN, 3.0, 100.0], rd_intensity=[0.1, 0.1, 0.1, NAN])
    raw = engine.raw_values(scheme.scored_criteria, indicators, None)
    imputed = engine.missing_value_policies(scheme.scored_criteria, raw, np.ones(4, bool))
    assert imputed.pool.tolist() == [True, True, True, False]  # F3 excluded first
    assert imputed.used[0][0].tolist() == [1.0, 2.0, 3.0, 100.0]  # median of 1 and 3
    assert imputed.imputed_with[0] == 2.0
    assert np.isnan(imputed.imputed_with[1])


def test_normalise_scales_in_the_pool_and_scores_no_value_as_zero() -> None:
    scheme = scheme_from([crit("c")])
    raw = engine.raw_values(scheme.scored_criteria, frame(revenue=[0.0, 5.0, 10.0, NAN]), None)
    imputed = engine.missing_value_policies(scheme.scored_criteria, raw, np.ones(4, bool))
    [[(norm, explicit, unscored)]] = engine.normalise(scheme.scored_criteria, raw, imputed,
                                                       np.array([10.0]))
    assert norm.tolist() == [0.0, 0.5, 1.0, 0.0]
    assert explicit is None
    assert unscored.tolist() == [False, False, False, True]


def test_points_take_the_best_alternative_and_the_first_on_a_tie() -> None:
    scheme = scheme_from([{"id": "rd", "max_points": 10, "best_of": [
        {"id": "a", "indicator": "rd_intensity", "method": "min-max", "lower": 0, "upper": 1},
        {"id": "b", "indicator": "revenue", "method": "min-max", "lower": 0, "upper": 1}]}])
    _, _, pts = run_to_points(scheme, frame(rd_intensity=[0.2, 0.5, NAN],
                                            revenue=[0.4, 0.5, NAN]))
    assert pts.columns[0].tolist() == [4.0, 5.0, 0.0]
    assert pts.chosen[0].tolist() == [1, 0, -1]


def test_growth_model_is_an_ordinary_criterion_scored_like_any_other() -> None:
    scheme = scheme_from([crit("c")], growth_model={"enabled": True, "max_points": 20,
                                                    "cap": 15})
    growth = scheme.scored_criteria[-1]
    assert (growth.id, growth.indicator, growth.method) == (
        GROWTH_CRITERION, GROWTH_PROBABILITY, "probability")
    assert "scored_criteria" not in scheme.model_dump()
    assert scheme_fingerprint(scheme) == scheme_fingerprint(scheme.model_copy())
    _, _, pts = run_to_points(scheme, frame(revenue=[1.0, 2.0, 3.0],
                                            growth_probability=[0.9, 0.5, NAN]))
    assert pts.columns[1].tolist() == [15.0, 10.0, 0.0]  # min(p * 20, 15); missing: zero


def test_aggregate_sums_categories_then_caps_them() -> None:
    scheme = scheme_from([crit("a", category="x"), crit("b", category="x"),
                          crit("c", category="y")],
                         categories=[{"id": "x", "cap": 12}, {"id": "y"}])
    result = engine.score(scheme, frame(revenue=[0.0, 10.0]))
    assert result.subtotals.tolist() == [[0.0, 0.0], [20.0, 10.0]]
    assert result.capped.tolist() == [[0.0, 0.0], [12.0, 10.0]]
    assert result.total.tolist() == [0.0, 22.0]


def test_pass_rules_let_a_bypass_rule_pass_a_firm_below_the_threshold() -> None:
    scheme = scheme_from([crit("c", minimum={"points": 1})], passing={"threshold": 6},
                         bypass=[{"id": "listed", "all": [
                             {"indicator": "listed", "op": "==", "value": True}]}])
    indicators = frame(revenue=[0.0, 5.0, 10.0], listed=[True, False, False])
    rules = engine.pass_rules(scheme, scheme.scored_criteria,
                              [np.array([0.0, 5.0, 10.0])], np.zeros((3, 1)),
                              np.array([0.0, 5.0, 10.0]), indicators, np.ones(3, bool))
    assert rules.bypassed.tolist() == [True, False, False]
    assert rules.minimum_failures["criterion:c"].tolist() == [True, False, False]
    assert rules.passed.tolist() == [True, False, True]


def test_rank_breaks_ties_by_the_declared_keys_and_cuts_at_capacity() -> None:
    scheme = scheme_from([crit("c")], tie_break=[{"indicator": "rd_intensity",
                                                  "order": "desc"}])
    result = engine.score(scheme, frame(revenue=[5.0, 5.0, 10.0, 0.0],
                                        rd_intensity=[0.1, 0.3, 0.0, 0.0]), capacity=2)
    assert result.rank.tolist() == [3, 2, 1, 4]
    assert result.within_capacity is not None
    assert result.within_capacity.tolist() == [False, True, True, False]


def test_a_growth_criterion_written_in_a_scheme_is_refused() -> None:
    with pytest.raises(Exception, match="growth model's method"):
        scheme_from([crit("c", method="probability")])
