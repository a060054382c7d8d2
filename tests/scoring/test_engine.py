"""The engine: normalisations, missing-value policies, caps, best-of, bypass, ranks, growth."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from scoring import ScoringInputError, explanations, score
from tests.scoring.builders import indicator_frame, points_of, scheme_from


def pool(values: list[float], column: str = "revenue", **other: list[Any]) -> pd.DataFrame:
    rows = [{"uscc": f"F{i}", column: v, **{k: vs[i] for k, vs in other.items()}}
            for i, v in enumerate(values)]
    return indicator_frame(rows)


def normalised(method: str, values: list[float], **options: Any) -> list[float]:
    scheme = scheme_from([{"id": "c", "indicator": "revenue", "method": method, "weight": 10,
                           **options}])
    result = score(scheme, pool(values))
    return [round(float(v), 9) for v in result.traces.normalised[:, 0]]


def test_min_max_and_direction_and_fixed_bounds() -> None:
    assert normalised("min-max", [10, 20, 30]) == [0, 0.5, 1]
    assert normalised("min-max", [10, 20, 30], direction="lower") == [1, 0.5, 0]
    assert normalised("min-max", [0, 50, 200], lower=0, upper=100) == [0, 0.5, 1]
    assert normalised("min-max", [7, 7]) == [0, 0]


def test_log_percentile_z_threshold() -> None:
    assert normalised("log-min-max", [0, math.e - 1, math.e ** 2 - 1]) == [0, 0.5, 1]
    assert normalised("percentile", [5, 1, 3, 3]) == [1, 0, 0.5, 0.5]
    assert normalised("z-score", [1, 3], z_clip=2) == [0.25, 0.75]
    assert normalised("threshold", [4, 5, 6], threshold={"op": ">=", "value": 5}) == [0, 1, 1]


def test_points_scale_by_weight_and_total_adds_up() -> None:
    scheme = scheme_from([
        {"id": "a", "indicator": "revenue", "method": "min-max", "max_points": 60},
        {"id": "b", "indicator": "rd_intensity", "method": "min-max", "weight": 40}])
    result = score(scheme, pool([0, 10], rd_intensity=[0.2, 0.1]))
    assert result.total.tolist() == [40, 60]
    assert explanations.summary(result)["rank"].tolist() == [2, 1]


def missing_scheme(policy: str) -> dict[str, Any]:
    return {"id": "c", "indicator": "revenue", "method": "min-max", "weight": 10,
            "missing": policy}


def test_missing_zero_gives_zero_points_flagged() -> None:
    result = score(scheme_from([missing_scheme("zero")]), pool([0, float("nan"), 10]))
    assert result.total.tolist() == [0, 0, 10]
    row = explanations.criteria(result).iloc[1]
    assert bool(row["missing"])
    assert "policy zero" in str(row["note"])
    assert "missing:c(zero)" in str(explanations.summary(result)["flags"].iloc[1])


def test_missing_pool_median_uses_the_eligible_pool() -> None:
    scheme = scheme_from([missing_scheme("pool-median")],
                         gates=[{"id": "small", "indicator": "employees", "op": "<=",
                                 "value": 100}])
    frame = pool([0, float("nan"), 10, 4, 1000], employees=[1, 1, 1, 1, 500])
    result = score(scheme, frame)
    # median of eligible observed values {0, 10, 4} is 4; the ineligible 1000 is not in the pool
    assert result.traces.raw[1, 0] == 4
    assert points_of(result, "F1", "c") == 4
    assert "pool median used" in str(explanations.criteria(result).iloc[1]["note"])


def test_missing_exclude_makes_the_firm_ineligible() -> None:
    result = score(scheme_from([missing_scheme("exclude")]), pool([0, float("nan"), 10]))
    assert result.eligible.tolist() == [True, False, True]
    assert explanations.summary(result)["rank"].isna().tolist() == [False, True, False]
    gates = explanations.gates(result)
    gate = gates[(gates["uscc"] == "F1") & (gates["gate"] == "missing:c")]
    assert not bool(gate["passed"].iloc[0])
    # the excluded firm does not stretch the min-max scale of the others
    assert result.total.tolist()[::2] == [0, 10]


def test_category_caps_max_total_and_bonus() -> None:
    scheme = scheme_from(
        [{"id": "a", "indicator": "revenue", "method": "min-max", "weight": 30, "category": "x"},
         {"id": "b", "indicator": "rd_intensity", "method": "min-max", "weight": 30,
          "category": "x"},
         {"id": "c", "indicator": "employees", "method": "min-max", "weight": 50,
          "category": "y"},
         {"id": "d", "indicator": "ip_class1", "method": "threshold", "weight": 5,
          "threshold": {"op": ">=", "value": 1}, "category": "extra"}],
        categories=[{"id": "x", "cap": 40}, {"id": "y"}, {"id": "extra", "bonus": True}],
        max_total=80)
    frame = pool([0, 10], rd_intensity=[0, 1], employees=[0, 10], ip_class1=[1, 1])
    result = score(scheme, frame)
    cats = explanations.categories(result).set_index(["uscc", "category"])
    assert cats.at[("F1", "x"), "subtotal"] == 60
    assert cats.at[("F1", "x"), "capped"] == 40
    # min(40 + 50, 80) + 5 bonus
    assert result.total.tolist() == [5, 85]
    assert "capped:x" in str(explanations.summary(result)["flags"].iloc[1])


def test_best_of_takes_the_larger_points_and_says_which() -> None:
    scheme = scheme_from([{"id": "rd", "max_points": 10, "best_of": [
        {"id": "by_revenue", "indicator": "rd_intensity", "method": "min-max"},
        {"id": "by_costs", "indicator": "rd_to_total_costs", "method": "min-max"}]}])
    frame = pool([0, 1, 2], column="rd_intensity", rd_to_total_costs=[2, 0, float("nan")])
    result = score(scheme, frame)
    assert result.total.tolist() == [10, 5, 10]
    assert explanations.criteria(result)["note"].tolist() == [
        "best of: by_costs", "best of: by_revenue", "best of: by_revenue"]


def test_bypass_passes_a_low_scorer_but_not_an_ineligible_one() -> None:
    scheme = scheme_from(
        [{"id": "c", "indicator": "revenue", "method": "min-max", "weight": 100}],
        passing={"threshold": 50, "op": ">"},
        gates=[{"id": "g", "indicator": "employees", "op": "<", "value": 10}],
        bypass=[{"id": "std", "all": [{"indicator": "standards_led_total", "op": ">=",
                                       "value": 1}]}])
    frame = pool([0, 50, 100, 0], employees=[1, 1, 1, 99], standards_led_total=[1, 0, 0, 1])
    s = explanations.summary(score(scheme, frame))
    assert s["passed"].tolist() == [True, False, True, False]  # 50 is not > 50
    assert s["bypassed"].tolist() == [True, False, False, False]


def test_ties_break_by_declared_keys_then_uscc() -> None:
    scheme = scheme_from(
        [{"id": "a", "indicator": "revenue", "method": "threshold", "weight": 10,
          "threshold": {"op": ">", "value": 0}},
         {"id": "b", "indicator": "employees", "method": "threshold", "weight": 10,
          "threshold": {"op": ">", "value": 0}}],
        tie_break=[{"criterion": "b", "order": "desc"}, {"indicator": "age_years",
                                                         "order": "asc"}])
    frame = indicator_frame([
        {"uscc": "Z", "revenue": 1, "employees": 0, "age_years": 1},
        {"uscc": "Y", "revenue": 0, "employees": 1, "age_years": 3},
        {"uscc": "X", "revenue": 0, "employees": 1, "age_years": 2},
        {"uscc": "W", "revenue": 0, "employees": 1, "age_years": 2},
        {"uscc": "V", "revenue": 1, "employees": 1, "age_years": 9}])
    ranks = explanations.summary(score(scheme, frame))["rank"].to_dict()
    assert ranks == {"V": 1, "W": 2, "X": 3, "Y": 4, "Z": 5}


def test_same_inputs_same_outputs_whatever_the_row_order() -> None:
    rng = np.random.default_rng(7)
    frame = pool(list(rng.integers(0, 5, 200).astype(float)),
                 rd_intensity=list(rng.integers(0, 3, 200).astype(float)))
    scheme = scheme_from([
        {"id": "a", "indicator": "revenue", "method": "percentile", "weight": 3},
        {"id": "b", "indicator": "rd_intensity", "method": "min-max", "weight": 2}])
    first = explanations.summary(score(scheme, frame))
    again = explanations.summary(score(scheme, frame))
    shuffled = explanations.summary(score(scheme, frame.sample(frac=1.0, random_state=3)))
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, shuffled.loc[first.index])
    assert sorted(first["rank"].tolist()) == list(range(1, 201))


def rating_scheme(**rating: Any) -> Any:
    return scheme_from([{"id": "model", "method": "rating", "max_points": 10,
                         "rating": {"range": [0, 10], **rating}}])


def ratings_frame(scores: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame([{"uscc": u, "criterion": "model", "reviewer": f"r{i}", "score": s}
                         for u, ss in scores.items() for i, s in enumerate(ss)])


@pytest.mark.parametrize(("aggregate", "expected"), [
    ("mean", (4.4, 5.5)), ("median", (4.0, 5.5)), ("trimmed-mean", (4.0, 5.5))])
def test_rating_aggregates(aggregate: str, expected: tuple[float, float]) -> None:
    frame = pool([0, 0, 0])
    ratings = ratings_frame({"F1": [4, 7, 6, 5], "F0": [9, 3, 4, 5, 1], "ELSEWHERE": [2]})
    result = score(rating_scheme(aggregate=aggregate, trim=0.2), frame, ratings=ratings)
    assert result.traces.raw[:2, 0].tolist() == pytest.approx(list(expected))
    assert points_of(result, "F0", "model") == pytest.approx(expected[0])
    assert bool(result.traces.missing[2, 0])


def test_rating_disagreement_is_flagged_and_out_of_range_rejected() -> None:
    frame = pool([0, 0, 0])
    ratings = ratings_frame({"F0": [1, 9], "F1": [5, 6]})
    result = score(rating_scheme(disagreement=3), frame, ratings=ratings)
    assert "reviewers disagree" in str(explanations.criteria(result)["note"].iloc[0])
    assert "disagreement:model" in str(explanations.summary(result)["flags"].iloc[0])
    assert "disagreement" not in str(explanations.summary(result)["flags"].iloc[1])
    assert bool(result.traces.missing[2, 0])  # no ratings at all
    with pytest.raises(ScoringInputError, match="must lie in"):
        score(rating_scheme(), frame, ratings=ratings_frame({"F0": [11]}))


def growth_scheme(section: dict[str, Any] | None) -> Any:
    extra = {} if section is None else {"growth_model": section}
    return scheme_from([{"id": "a", "indicator": "revenue", "method": "min-max", "weight": 50}],
                       **extra)


def test_growth_model_disabled_equals_absent() -> None:
    frame = pool([1, 5, 9])
    growth = pd.DataFrame({"uscc": ["F0", "F1", "F2"], "probability": [0.9, 0.1, 0.5]})
    absent = score(growth_scheme(None), frame)
    disabled = score(growth_scheme({"enabled": False, "max_points": 20}), frame, growth=growth)
    pd.testing.assert_frame_equal(explanations.summary(absent), explanations.summary(disabled))
    pd.testing.assert_frame_equal(explanations.criteria(absent), explanations.criteria(disabled))


def test_growth_model_enabled_is_a_capped_criterion_with_explanations() -> None:
    frame = pool([1, 5, 9])
    growth = pd.DataFrame({"uscc": ["F0", "F1"], "probability": [0.9, 0.1],
                           "explanation": ["strong funding momentum", "flat revenue"]})
    result = score(growth_scheme({"enabled": True, "max_points": 20, "cap": 15}), frame,
                   growth=growth)
    assert [points_of(result, u, "growth_model") for u in ("F0", "F1", "F2")] == [15, 2, 0]
    rows = explanations.criteria(result)
    notes = rows.loc[rows["criterion"] == "growth_model", "note"].tolist()
    assert notes[0] == "strong funding momentum"
    assert "policy zero" in notes[2]
    assert result.total.tolist() == [15, 27, 50]


def test_topsis_ranks_by_closeness() -> None:
    scheme = scheme_from([
        {"id": "a", "indicator": "revenue", "method": "min-max", "weight": 1},
        {"id": "b", "indicator": "rd_intensity", "method": "min-max", "weight": 1}],
        aggregation="topsis")
    result = score(scheme, pool([0, 1, 0.5], rd_intensity=[1, 0, 0.5]))
    assert result.total.tolist() == pytest.approx([0.5, 0.5, 0.5])
    result = score(scheme, pool([1, 0, 0.6], rd_intensity=[1, 0, 0.6]))
    assert result.total.tolist() == pytest.approx([1, 0, 0.6])


def test_capacity_marks_the_top_passing_firms() -> None:
    scheme = scheme_from([{"id": "a", "indicator": "revenue", "method": "min-max", "weight": 10}],
                         passing={"threshold": 3})
    result = score(scheme, pool([0, 10, 5, 2.5, 8]), capacity=2)
    within = explanations.summary(result)["within_capacity"].tolist()
    assert within == [False, True, False, False, True]


def test_explain_and_records_are_json() -> None:
    scheme = scheme_from([missing_scheme("zero")], gates=[
        {"id": "young", "indicator": "age_years", "op": "<=", "value": 5}])
    result = score(scheme, pool([1, float("nan"), 3], age_years=[1, 2, 9]))
    explained = explanations.explain(result, "F2")
    assert explained["eligible"] is False
    assert explained["gates"][0]["reason"] == "age_years = 9 fails <= 5.0"
    assert explained["rank"] is None
    assert json.loads(json.dumps(explanations.explain_all(result)))[0]["uscc"] == "F0"
    assert explanations.explain(result, "F1")["criteria"][0]["raw"] is None


def test_unknown_indicator_column_is_named() -> None:
    scheme = scheme_from([{"id": "a", "indicator": "revenue", "method": "min-max", "weight": 1}])
    with pytest.raises(ScoringInputError, match=r"criteria\[0\].*'revenue'"):
        score(scheme, pool([1], column="employees"))


def mixed_pool(n: int = 300, seed: int = 11) -> pd.DataFrame:
    """SYNTHETIC firms with gaps, ties and a few firms outside the gates."""
    rng = np.random.default_rng(seed)
    revenue = rng.lognormal(15, 1.5, n)
    revenue[rng.random(n) < 0.1] = np.nan
    return pool(list(revenue),
                rd_intensity=list(np.round(rng.uniform(0, 0.5, n), 2)),
                employees=list(rng.integers(0, 50, n).astype(float)),
                age_years=list(rng.uniform(0, 8, n)))


MIXED_CRITERIA: list[dict[str, Any]] = [
    {"id": "scale", "indicator": "revenue", "method": "log-min-max", "max_points": 7,
     "missing": "pool-median", "category": "a"},
    {"id": "rank", "indicator": "rd_intensity", "method": "percentile", "max_points": 5,
     "category": "a"},
    {"id": "staff", "indicator": "employees", "method": "bands", "category": "b",
     "bands": [{"upper": 10, "points": 1}, {"lower": 10, "upper": 30, "points": 3},
               {"lower": 30, "points": 4}]},
    {"id": "young", "indicator": "age_years", "method": "min-max", "direction": "lower",
     "max_points": 3, "category": "b"},
    {"id": "either", "best_of": [
        {"id": "z", "indicator": "revenue", "method": "z-score"},
        {"id": "t", "indicator": "rd_intensity", "method": "threshold",
         "threshold": {"op": ">=", "value": 0.25}}], "max_points": 2, "category": "b"},
]


def mixed_scheme() -> Any:
    return scheme_from(
        MIXED_CRITERIA, categories=[{"id": "a"}, {"id": "b", "cap": 8}],
        gates=[{"id": "g", "indicator": "age_years", "op": "<=", "value": 7}])


def test_trace_points_add_up_to_the_subtotals_bit_for_bit() -> None:
    # Points of criteria that are cheap to redo are recomputed from the trace on demand; they
    # must be the very numbers the subtotals were summed from.
    result = score(mixed_scheme(), mixed_pool())
    trace, structure = result.traces, result.structure
    assert not result.eligible.all(), "the pool must leave some firms out"
    again = np.zeros_like(result.subtotals)
    for k in range(len(structure.criteria)):
        again[:, int(np.argmax(structure.membership[k]))] += trace.points[:, k]
    np.testing.assert_array_equal(again, result.subtotals)
    top = structure.top
    derived = trace.normalised * top
    staff = structure.criteria.index("staff")  # a band table gives its points directly
    either = structure.criteria.index("either")  # the chosen alternative's points
    for k in range(len(top)):
        if k not in {staff, either}:
            np.testing.assert_array_equal(trace.points[:, k], derived[:, k])
    assert set(np.unique(trace.points[:, staff])) <= {0.0, 1.0, 3.0, 4.0}
    assert set(np.unique(trace.chosen[:, either])) <= {-1, 0, 1}
    # Recomputing gives the same arrays each time.
    np.testing.assert_array_equal(trace.normalised_column(0), trace.normalised_column(0))


def test_a_result_does_not_change_when_the_caller_edits_the_frame() -> None:
    frame = mixed_pool()
    # No gates: a gate keeps its indicator as a Series, which alone would protect the data.
    scheme = scheme_from(MIXED_CRITERIA, categories=[{"id": "a"}, {"id": "b", "cap": 8}])
    result = score(scheme, frame)
    before = (result.traces.raw.copy(), result.traces.points.copy(),
              json.dumps(explanations.explain_all(result), sort_keys=True))
    fresh = score(scheme, frame)
    # In-place edits after scoring, of columns the result holds views of.
    frame.loc[frame.index[:50], "revenue"] = 1.0
    column = frame.columns.get_loc("rd_intensity")
    assert isinstance(column, int)
    frame.iloc[:50, column] = 0.0
    assert np.array_equal(fresh.traces.raw, before[0], equal_nan=True)
    np.testing.assert_array_equal(fresh.traces.points, before[1])
    assert json.dumps(explanations.explain_all(fresh), sort_keys=True) == before[2]


def test_flags_come_in_a_fixed_order_per_firm() -> None:
    result = score(mixed_scheme(), mixed_pool())
    summary = explanations.summary(result)
    for i in range(len(result.firms)):
        expected = ["gate:g"] if not result.gate_traces[0].passed[i] else []
        expected += [f"missing:{cid}({result.traces.policies[j]})"
                     for j, cid in enumerate(result.structure.criteria)
                     if result.traces.missing[i, j]]
        expected += [f"capped:{cat}" for c, cat in enumerate(result.structure.categories)
                     if result.subtotals[i, c] > result.capped[i, c]]
        assert explanations.flags(result, i) == expected
        assert summary["flags"].iloc[i] == "; ".join(expected)
    assert any(len(explanations.flags(result, i)) >= 2 for i in range(len(result.firms)))
