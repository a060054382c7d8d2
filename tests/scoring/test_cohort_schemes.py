"""The three cohort schemes: rationales, stage-separating gates, end-to-end on derived data; and
the second versions of leader and seed (issue 10), bundled beside the first."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from scoring import Scheme, derive_indicators, explanations, load_scheme, score
from scoring.vocabulary import COHORTS, FILING_FIELDS
from seed_data.schemes import load_bundled_scheme

REF = dt.date(2025, 6, 30)
VERSIONS = Path(__file__).resolve().parents[2] / "seed_data" / "schemes" / "versions"


def version_2(cohort: str) -> Scheme:
    return load_scheme(VERSIONS / f"{cohort}-2.yaml")


@pytest.mark.parametrize("cohort", COHORTS)
def test_every_criterion_and_gate_says_why(cohort: str) -> None:
    scheme = load_bundled_scheme(cohort)
    assert scheme.cohort == cohort
    assert all(c.rationale for c in scheme.criteria)
    assert all(g.rationale for g in scheme.gates)
    assert any(c.method == "rating" for c in scheme.criteria)
    assert scheme.growth_model is not None
    assert not scheme.growth_model.enabled


def test_seed_has_about_fifteen_criteria_and_the_required_gates() -> None:
    scheme = load_bundled_scheme("seed")
    assert 13 <= len(scheme.criteria) <= 17
    gates = {(g.indicator, g.op, g.value) for g in scheme.gates}
    assert {("age_years", "<=", 5), ("in_haidian", "==", True),
            ("priority_sector", "==", True), ("ip_class1", ">=", 1)} <= gates
    rated = {c.id for c in scheme.criteria if c.method == "rating"}
    assert rated == {"hard_tech_distinctiveness", "business_model_innovation"}


def firm(uscc: str, founded: dt.date, revenue: float, **filing: float) -> tuple[
        dict[str, Any], list[dict[str, Any]]]:
    profile = {"uscc": uscc, "name": uscc, "founded_on": pd.Timestamp(founded), "sector": "ai",
               "sub_segment": "x", "listed": False, "region": "110108"}
    blank = {f.name: math.nan for f in FILING_FIELDS}
    years = [{"uscc": uscc, "fiscal_year": 2022 + i, **blank, "revenue": revenue * (0.8 + 0.1 * i),
              "main_business_revenue": revenue * 0.7, "rd_expense": revenue * 0.1,
              "employees": 50.0, "technical_staff": 20.0, "rd_staff": 15.0, "ip_class1": 2.0,
              "ip_class2": 3.0, "segment_market_share": 0.2, "segment_rank": 2.0, **filing}
             for i in range(3)]
    return profile, years


def derived(firms: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> pd.DataFrame:
    profiles = pd.DataFrame([p for p, _ in firms])
    filings = pd.DataFrame([row for _, rows in firms for row in rows])
    rounds = pd.DataFrame({"uscc": [profiles["uscc"][0]],
                           "announced_on": [pd.Timestamp(2024, 9, 1)],
                           "stage": ["angel"], "amount": [3e6], "post_money_valuation": [3e7]})
    return derive_indicators(profiles, filings, rounds, reference_date=REF, usd_cny=7.2)


def test_gates_separate_the_three_stages() -> None:
    indicators = derived([
        firm("START", dt.date(2022, 1, 1), 5e6),
        firm("GROWING", dt.date(2012, 1, 1), 3e8),
        firm("LEADING", dt.date(2001, 1, 1), 5e9),
    ])
    eligible = {c: dict(zip(indicators.index, score(load_bundled_scheme(c), indicators).eligible,
                            strict=True)) for c in COHORTS}
    assert eligible["seed"] == {"START": True, "GROWING": False, "LEADING": False}
    assert eligible["hidden-champion"] == {"START": False, "GROWING": True, "LEADING": False}
    assert eligible["leader"] == {"START": False, "GROWING": False, "LEADING": True}


def test_seed_scores_a_pool_with_ratings_end_to_end() -> None:
    indicators = derived([firm(f"S{i}", dt.date(2021 + i % 3, 3, 1), 1e6 * (i + 1),
                               ip_class1=float(1 + i)) for i in range(6)])
    ratings = pd.DataFrame([{"uscc": f"S{i}", "criterion": c, "reviewer": f"r{j}",
                             "score": (i + j) % 11}
                            for i in range(5) for j in range(3)
                            for c in ("hard_tech_distinctiveness", "business_model_innovation")])
    result = score(load_bundled_scheme("seed"), indicators, ratings=ratings, capacity=3)
    assert result.eligible.all()
    assert sorted(explanations.summary(result)["rank"].tolist()) == [1, 2, 3, 4, 5, 6]
    assert int(explanations.summary(result)["within_capacity"].sum()) == 3
    s5 = explanations.explain(result, "S5")
    rating = next(c for c in s5["criteria"] if c["criterion"] == "business_model_innovation")
    assert rating["missing"] is True  # S5 was not rated: pool median, flagged
    assert result.total.max() <= 96  # momentum (19 points of criteria) is capped at 15


@pytest.mark.parametrize("cohort", ["leader", "seed"])
def test_version_2_sits_beside_version_1_and_says_why(cohort: str) -> None:
    first, second = load_bundled_scheme(cohort), version_2(cohort)
    assert (first.id, first.version) == (cohort, 1)
    assert (second.id, second.version, second.cohort) == (cohort, 2, cohort)
    assert all(c.rationale for c in second.criteria)
    assert all(g.rationale for g in second.gates)
    assert {c.id for c in first.criteria if c.method == "rating"} == {
        c.id for c in second.criteria if c.method == "rating"}


def test_seed_2_accepts_class_1_or_class_2_ip_with_class_1_weighted_higher() -> None:
    scheme = version_2("seed")
    assert not [g for g in scheme.gates if g.indicator == "ip_class1"]
    points = {c.id: c.max_points for c in scheme.criteria}
    assert points["class1_ip"] is not None
    assert points["class2_ip"] is not None
    assert points["class1_ip"] > points["class2_ip"]
    indicators = derived([
        firm("CLASS1", dt.date(2022, 1, 1), 5e6, ip_class1=3.0, ip_class2=0.0),
        firm("CLASS2", dt.date(2022, 1, 1), 5e6, ip_class1=0.0, ip_class2=3.0),
        firm("NONE", dt.date(2022, 1, 1), 5e6, ip_class1=0.0, ip_class2=0.0),
    ])
    first = dict(zip(indicators.index, score(load_bundled_scheme("seed"), indicators).passed,
                     strict=True))
    assert first == {"CLASS1": True, "CLASS2": False, "NONE": False}
    result = score(scheme, indicators)
    assert dict(zip(indicators.index, result.passed, strict=True)) == {
        "CLASS1": True, "CLASS2": True, "NONE": False}
    assert result.eligible.all()  # no IP fails the own-ip minimum, not a gate
    assert list(result.minimum_failures) == ["category:own-ip"]
    own_ip = {u: explanations.explain(result, u)["criteria"] for u in ("CLASS1", "CLASS2")}
    earned = {u: sum(c["points"] for c in rows if c["criterion"] in {"class1_ip", "class2_ip"})
              for u, rows in own_ip.items()}
    assert earned["CLASS1"] > earned["CLASS2"] > 0


def test_leader_2_scores_listing_and_global_reach() -> None:
    scheme = version_2("leader")
    by_category: dict[str | None, set[str | None]] = {}
    for c in scheme.criteria:
        by_category.setdefault(c.category, set()).add(c.indicator)
    assert by_category["global"] == {"export_share", "pct_applications", "standards_international"}
    assert by_category["capital"] == {"listing_track"}
    reach = {"export_revenue": 2.5e9, "pct_applications": 40.0, "standards_international": 3.0}
    firms = [firm("HOME", dt.date(2001, 1, 1), 5e9, export_revenue=0.0, pct_applications=0.0,
                  standards_international=0.0),
             firm("ABROAD", dt.date(2001, 1, 1), 5e9, **reach),
             firm("LISTED", dt.date(2001, 1, 1), 5e9, export_revenue=0.0,
                  pct_applications=0.0, standards_international=0.0)]
    firms[2][0]["listed"] = True
    indicators = derived(firms)
    result = score(scheme, indicators)
    subtotal = {
        u: {c["category"]: c["subtotal"] for c in explanations.explain(result, u)["categories"]}
        for u in ("HOME", "ABROAD", "LISTED")
    }
    assert subtotal["ABROAD"]["global"] == pytest.approx(20.0)
    assert subtotal["HOME"]["global"] == 0
    assert subtotal["LISTED"]["capital"] == pytest.approx(5.0)
    assert subtotal["HOME"]["capital"] == 0


def test_listing_track_is_listed_or_a_pre_ipo_or_ipo_round() -> None:
    profiles = pd.DataFrame(
        [
            {"uscc": u, "founded_on": dt.date(2001, 1, 1), "sector": "ai", "listed": u == "LISTED"}
            for u in ("LISTED", "PRE_IPO", "SERIES_B", "NONE")
        ]
    )
    filings = pd.DataFrame({"uscc": ["NONE"], "fiscal_year": [2024], "revenue": [1e9]})
    rounds = pd.DataFrame(
        {
            "uscc": ["PRE_IPO", "SERIES_B", "PRE_IPO"],
            "announced_on": [pd.Timestamp(2025, 3, 1), pd.Timestamp(2025, 3, 1),
                             pd.Timestamp(2026, 3, 1)],  # after the reference date: not counted
            "stage": ["pre-ipo", "series-b", "series-b"],
            "amount": [5e8, 2e8, 1e8],
            "post_money_valuation": [None, None, None],
        }
    )
    indicators = derive_indicators(profiles, filings, rounds, reference_date=REF, usd_cny=7.2)
    assert indicators["listing_track"].to_dict() == {
        "LISTED": True, "PRE_IPO": True, "SERIES_B": False, "NONE": False}


# The anchors versions (rating scales in words): each predecessor with anchors added, nothing else.
ANCHORED = [
    ("leader", VERSIONS / "leader-2.yaml", VERSIONS / "leader-3.yaml"),
    ("seed", VERSIONS / "seed-2.yaml", VERSIONS / "seed-3.yaml"),
    ("hidden-champion", None, VERSIONS / "hidden-champion-2.yaml"),
]


def _without_anchors(scheme: Scheme) -> dict[str, Any]:
    document = scheme.model_dump(mode="json", exclude={"version"})
    for criterion in document["criteria"]:
        if criterion.get("rating"):
            criterion["rating"].pop("anchors", None)
    return document


@pytest.mark.parametrize(("cohort", "before", "after"), ANCHORED)
def test_anchors_versions_change_nothing_but_the_anchors(
    cohort: str, before: Path | None, after: Path
) -> None:
    old = load_scheme(before) if before is not None else load_bundled_scheme(cohort)
    new = load_scheme(after)
    assert new.version == old.version + 1
    assert _without_anchors(new) == _without_anchors(old)
    assert "anchors" not in str(old.model_dump(mode="json"))  # old fingerprints stay as stored
    for criterion in new.criteria:
        if criterion.method != "rating":
            continue
        assert criterion.rating is not None
        anchors = criterion.rating.anchors
        assert anchors, criterion.id
        low, high = criterion.rating.range
        assert [a.score for a in anchors] == sorted(a.score for a in anchors)
        assert anchors[0].score == low
        assert anchors[-1].score == high
        assert all(a.zh and a.en and a.zh != a.en for a in anchors)


@pytest.mark.parametrize(("cohort", "before", "after"), ANCHORED)
def test_anchors_leave_every_score_identical(
    cohort: str, before: Path | None, after: Path
) -> None:
    founded = {"seed": dt.date(2022, 1, 1), "hidden-champion": dt.date(2012, 1, 1),
               "leader": dt.date(2001, 1, 1)}[cohort]
    revenue = {"seed": 5e6, "hidden-champion": 3e8, "leader": 5e9}[cohort]
    indicators = derived([firm(f"F{i}", founded, revenue * (1 + i / 4), ip_class1=float(1 + i))
                          for i in range(5)])
    old = load_scheme(before) if before is not None else load_bundled_scheme(cohort)
    new = load_scheme(after)
    rated = [c.id for c in new.criteria if c.method == "rating"]
    ratings = pd.DataFrame([{"uscc": f"F{i}", "criterion": c, "reviewer": f"r{j}",
                             "score": (i * 3 + j) % 11}
                            for i in range(4) for j in range(3) for c in rated])
    first = score(old, indicators, ratings=ratings, capacity=2)
    second = score(new, indicators, ratings=ratings, capacity=2)
    pd.testing.assert_frame_equal(explanations.summary(first), explanations.summary(second))
    for uscc in indicators.index:
        assert explanations.explain(first, uscc)["criteria"] == (
            explanations.explain(second, uscc)["criteria"])


# The titled versions: each predecessor with its gates' (and bypass rules') titles in Chinese and
# English, nothing else.
TITLED = [
    ("leader", VERSIONS / "leader-3.yaml", VERSIONS / "leader-4.yaml"),
    ("seed", VERSIONS / "seed-3.yaml", VERSIONS / "seed-4.yaml"),
    ("hidden-champion", VERSIONS / "hidden-champion-2.yaml", VERSIONS / "hidden-champion-3.yaml"),
    ("tsme-2017", None, VERSIONS / "tsme-2017-2.yaml"),
    ("innovative-sme-2022", None, VERSIONS / "innovative-sme-2022-2.yaml"),
]


def _without_rule_titles(scheme: Scheme) -> dict[str, Any]:
    document = scheme.model_dump(mode="json", exclude={"version"})
    for rule in [*document["gates"], *document["bypass"]]:
        rule.pop("title")
    return document


@pytest.mark.parametrize(("scheme_id", "before", "after"), TITLED)
def test_titled_versions_change_nothing_but_the_rules_titles(
    scheme_id: str, before: Path | None, after: Path
) -> None:
    old = load_scheme(before) if before is not None else load_bundled_scheme(scheme_id)
    new = load_scheme(after)
    assert (new.id, new.version) == (old.id, old.version + 1)
    assert _without_rule_titles(new) == _without_rule_titles(old)
    titles = {g.id: g.title for g in new.gates} | {b.id: b.title for b in new.bypass}
    assert titles
    for rule_id, title in titles.items():
        zh, separator, en = (title or "").partition(" — ")
        assert separator, rule_id
        assert zh.strip(), rule_id
        assert en.isascii(), rule_id
        assert en.strip(), rule_id


@pytest.mark.parametrize(("cohort", "before", "after"), TITLED[:3])
def test_gate_titles_leave_every_score_and_gate_identical(
    cohort: str, before: Path, after: Path
) -> None:
    founded = {"seed": dt.date(2022, 1, 1), "hidden-champion": dt.date(2012, 1, 1),
               "leader": dt.date(2001, 1, 1)}[cohort]
    revenue = {"seed": 1.5e8, "hidden-champion": 7e8, "leader": 8e8}[cohort]
    # Revenues around each cohort's line, so some firms fail a gate.
    indicators = derived([firm(f"F{i}", founded, revenue * (1 + i / 4), ip_class1=float(1 + i))
                          for i in range(5)])
    old, new = load_scheme(before), load_scheme(after)
    first = score(old, indicators, capacity=2)
    second = score(new, indicators, capacity=2)
    assert not first.eligible.all()
    pd.testing.assert_frame_equal(explanations.summary(first), explanations.summary(second))
    pd.testing.assert_frame_equal(explanations.gates(first), explanations.gates(second))
