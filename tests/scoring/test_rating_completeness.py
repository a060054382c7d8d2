"""Ratings are complete before they count: no invented judgement points, incomplete firms ranked
after complete ones, and every explanation saying what is missing ("awaiting ratings: 2 of 3")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoring import engine, explanations, load_scheme, score, weight_stability
from scoring.scheme import Scheme, scheme_fingerprint
from tests.scoring.builders import indicator_frame, scheme_from
from tests.scoring.golden.cases import SCHEMES, demo_indicators

SEED_SCHEMES = [SCHEMES / "seed.yaml", SCHEMES / "versions" / "seed-2.yaml"]
JUDGEMENT = ("hard_tech_distinctiveness", "business_model_innovation")


def rating_scheme(**rating: object) -> Scheme:
    return scheme_from([
        {"id": "size", "indicator": "revenue", "method": "min-max", "max_points": 10},
        {"id": "judged", "method": "rating", "max_points": 10, "missing": "pool-median",
         "rating": {"range": [0, 10], **rating}},
    ])


def ratings_of(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["uscc", "criterion", "reviewer", "score"])


def firms(*revenues: float) -> pd.DataFrame:
    return indicator_frame([{"uscc": f"F{i}", "revenue": r} for i, r in enumerate(revenues)])


def by_reviewers(uscc: str, *scores: float, criterion: str = "judged"
                 ) -> list[tuple[str, str, str, float]]:
    return [(uscc, criterion, f"r{k}", s) for k, s in enumerate(scores)]


# -- the case: 6 seed firms rated, the rest not ------------------------------------------


@pytest.mark.parametrize("path", SEED_SCHEMES, ids=lambda p: Path(p).stem)
def test_six_rated_seed_firms_rank_above_every_unrated_one(path: Path) -> None:
    scheme = load_scheme(path)
    demo = demo_indicators()
    unrated_run = score(scheme, demo)
    eligible = unrated_run.firms[unrated_run.eligible]
    assert len(eligible) > 50
    # The six weakest eligible firms, rated low: a pool median (or any invented points) would
    # have lifted unrated firms above them.
    weakest = list(eligible[np.argsort(unrated_run.rank[unrated_run.eligible])][-6:])
    rows = [row for uscc in weakest for criterion in JUDGEMENT
            for row in by_reviewers(uscc, 2, 3, 2, criterion=criterion)]
    result = score(scheme, demo, ratings=ratings_of(rows), capacity=100)
    summary = explanations.summary(result)
    in_pool = summary.loc[summary["eligible"]]
    rated = in_pool.loc[in_pool.index.isin(weakest)]
    unrated = in_pool.loc[~in_pool.index.isin(weakest)]
    assert sorted(rated["rank"].tolist()) == [1, 2, 3, 4, 5, 6]
    assert unrated["rank"].min() == 7
    assert rated["ratings_complete"].all()
    assert not unrated["ratings_complete"].any()
    assert set(unrated["awaiting_ratings"]) == {"awaiting ratings: 0 of 3"}
    assert set(rated["awaiting_ratings"]) == {""}
    frame = explanations.criteria(result)
    judged = frame.loc[frame["criterion"].isin(JUDGEMENT)]
    unrated_judged = judged.loc[~judged["uscc"].isin(weakest)]
    assert (unrated_judged["points"] == 0.0).all()  # nothing invented
    assert set(unrated_judged["note"]) == {
        "missing: 0 points (policy zero); awaiting ratings: 0 of 3"}
    record = explanations.explain(result, unrated.index[0])
    assert record["ratings"]["complete"] is False
    assert record["ratings"]["awaiting"] == "awaiting ratings: 0 of 3"
    assert record["ratings"]["awaiting_zh"] == "评分未齐：已评 0 份，共需 3 份"
    assert record["ratings"]["criteria"] == [
        {"criterion": c, "given": 0, "required": 3} for c in JUDGEMENT]
    assert "awaiting-ratings:hard_tech_distinctiveness(0 of 3)" in record["flags"]


@pytest.mark.parametrize("path", SEED_SCHEMES, ids=lambda p: Path(p).stem)
def test_before_any_rating_the_notes_never_print_none(path: Path) -> None:
    result = score(load_scheme(path), demo_indicators())
    notes = explanations.criteria(result)["note"].astype(str)
    assert not notes.str.contains("None").any()
    assert (explanations.criteria(result).query("criterion in @JUDGEMENT")["points"] == 0).all()


# -- the stages --------------------------------------------------------------------------------


def test_missing_value_policies_never_fill_a_rating_and_count_what_it_lacks() -> None:
    scheme = rating_scheme()
    indicators = firms(1.0, 2.0, 3.0)
    ratings = ratings_of(by_reviewers("F0", 8, 9, 10) + by_reviewers("F1", 4, 6))
    criteria = scheme.scored_criteria
    raw = engine.raw_values(criteria, indicators, ratings)
    imputed = engine.missing_value_policies(criteria, raw, np.ones(3, bool), ratings_required=3)
    assert imputed.policies == ("zero", "zero")  # pool-median stated, zero applied
    assert np.isnan(imputed.used[1][0][2])  # F2's rating stays missing
    assert imputed.ratings is not None
    assert imputed.ratings.required == (3,)
    assert imputed.ratings.given[0].tolist() == [3, 2, 0]
    assert imputed.ratings.complete.tolist() == [True, False, False]
    two = engine.missing_value_policies(criteria, raw, np.ones(3, bool), ratings_required=2)
    assert two.ratings is not None
    assert two.ratings.complete.tolist() == [True, True, False]


def test_a_scheme_without_rating_criteria_has_no_rating_status() -> None:
    scheme = scheme_from([{"id": "size", "indicator": "revenue", "method": "min-max",
                           "max_points": 10, "missing": "pool-median"}])
    result = score(scheme, firms(1.0, float("nan"), 3.0))
    assert result.ratings is None
    assert "ratings" not in explanations.explain(result, "F0")
    assert "ratings_complete" not in explanations.summary(result).columns
    assert explanations.criteria(result)["note"].tolist()[1] == (
        "missing: pool median used (policy pool-median) = 2.0")


def test_a_pool_without_values_says_so_instead_of_none() -> None:
    scheme = scheme_from([{"id": "size", "indicator": "revenue", "method": "min-max",
                           "max_points": 10, "missing": "pool-median"}])
    result = score(scheme, firms(float("nan"), float("nan")))
    assert set(explanations.criteria(result)["note"]) == {
        "missing: pool median used (policy pool-median), but no firm of the pool has a value: "
        "0 points"}


def test_rank_puts_every_incomplete_firm_after_the_complete_ones() -> None:
    # F0 is far ahead on size and has two of three ratings, all 10: its total (20) beats F1's
    # (0 + 1), but it awaits a rating and F1 is complete.
    scheme = rating_scheme()
    ratings = ratings_of(by_reviewers("F0", 10, 10) + by_reviewers("F1", 1, 1, 1)
                         + by_reviewers("F2", 2, 2, 2))
    result = score(scheme, firms(100.0, 0.0, 0.0, 50.0), ratings=ratings, capacity=2)
    assert result.total.tolist() == [20.0, 1.0, 2.0, 5.0]
    assert result.rank.tolist() == [3, 2, 1, 4]
    assert result.within_capacity is not None
    assert result.within_capacity.tolist() == [False, True, True, False]
    summary = explanations.summary(result)
    assert summary["awaiting_ratings"].tolist() == [
        "awaiting ratings: 2 of 3", "", "", "awaiting ratings: 0 of 3"]
    notes = explanations.criteria(result).query("criterion == 'judged'")["note"].tolist()
    assert notes == ["awaiting ratings: 2 of 3", "", "",
                     "missing: 0 points (policy zero); awaiting ratings: 0 of 3"]
    # The points come from the two ratings given, not from anyone else's.
    assert explanations.explain(result, "F0")["criteria"][1]["raw"] == 10.0


def test_with_every_firm_complete_the_ranking_is_the_totals() -> None:
    scheme = rating_scheme()
    ratings = ratings_of(by_reviewers("F0", 1, 1, 1) + by_reviewers("F1", 9, 9, 9))
    result = score(scheme, firms(5.0, 0.0), ratings=ratings)
    assert result.total.tolist() == [11.0, 9.0]
    assert result.rank.tolist() == [1, 2]
    assert result.ratings is not None
    assert result.ratings.complete.all()


def test_the_scheme_states_the_ratings_it_needs_else_the_caller_does() -> None:
    ratings = ratings_of(by_reviewers("F0", 5, 5) + by_reviewers("F1", 5))
    stated = score(rating_scheme(required=2), firms(1.0, 2.0), ratings=ratings,
                   ratings_required=5)
    assert stated.ratings is not None
    assert stated.ratings.complete.tolist() == [True, False]
    assert explanations.summary(stated)["awaiting_ratings"].tolist() == [
        "", "awaiting ratings: 1 of 2"]
    asked = score(rating_scheme(), firms(1.0, 2.0), ratings=ratings, ratings_required=1)
    assert asked.ratings is not None
    assert asked.ratings.complete.tolist() == [True, True]
    default = score(rating_scheme(), firms(1.0, 2.0), ratings=ratings)
    assert default.ratings is not None
    assert default.ratings.required == (engine.DEFAULT_RATINGS_REQUIRED,)
    with pytest.raises(ValueError, match="ratings_required"):
        score(rating_scheme(), firms(1.0), ratings_required=0)


def test_an_unstated_requirement_leaves_the_fingerprint_as_it_was() -> None:
    unstated = rating_scheme()
    assert "required" not in unstated.model_dump(mode="json")["criteria"][1]["rating"]
    assert scheme_fingerprint(unstated) != scheme_fingerprint(rating_scheme(required=3))


def test_each_lacking_criterion_is_named_when_they_lack_different_counts() -> None:
    scheme = scheme_from([
        {"id": "a", "method": "rating", "max_points": 5, "rating": {"range": [0, 10]}},
        {"id": "b", "method": "rating", "max_points": 5, "rating": {"range": [0, 10]}},
    ])
    ratings = ratings_of(by_reviewers("F0", 5, 5, criterion="a")
                         + by_reviewers("F0", 5, 5, 5, criterion="b")
                         + by_reviewers("F1", 5, criterion="a") + by_reviewers("F1", 5,
                                                                                criterion="b"))
    result = score(scheme, firms(1.0, 1.0), ratings=ratings)
    assert explanations.awaiting_ratings(result).tolist() == [
        "a awaiting ratings: 2 of 3", "awaiting ratings: 1 of 3"]
    assert explanations.awaiting_ratings(result, zh=True).tolist() == [
        "a 评分未齐：已评 2 份，共需 3 份", "评分未齐：已评 1 份，共需 3 份"]


def test_weight_stability_keeps_incomplete_firms_behind_the_complete_ones() -> None:
    scheme = rating_scheme()
    ratings = ratings_of(by_reviewers("F0", 10, 10) + by_reviewers("F1", 1, 1, 1))
    stability = weight_stability(scheme, firms(100.0, 0.0), capacity=1, draws=50)
    assert stability.tolist() == [1.0, 0.0]  # neither rated: F0 leads every draw
    rated = weight_stability(scheme, firms(100.0, 0.0), capacity=1, draws=50, ratings=ratings)
    assert rated.tolist() == [0.0, 1.0]
