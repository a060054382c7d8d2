"""Scheme language: validation errors name the bad key; JSON Schema; fingerprints."""

from __future__ import annotations

from typing import Any

import pytest

from scoring import (
    SchemeError,
    load_scheme,
    scheme_fingerprint,
    scheme_json_schema,
)


def band_criterion(**overrides: Any) -> dict[str, Any]:
    return {"id": "share", "indicator": "technical_staff_share", "method": "bands",
            "bands": [{"upper": 0.1, "points": 0}, {"lower": 0.1, "points": 5}], **overrides}


def scheme_dict(*criteria: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": "t", "version": 1, "title": "t", "criteria": list(criteria), **extra}


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(SchemeError) as info:
        load_scheme(data)
    return str(info.value)


def test_a_valid_scheme_loads() -> None:
    assert load_scheme(scheme_dict(band_criterion())).criteria[0].id == "share"


@pytest.mark.parametrize(("criterion", "path"), [
    (band_criterion(bands=[{"upper": 0.1, "points": 0}, {"lower": 0.2, "points": 5}]),
     "criteria[1].bands[1].lower: must equal bands[0].upper"),
    (band_criterion(bands=[{"upper": 0.1, "points": 0}, {"lower": "x", "points": 5}]),
     "criteria[1].bands[1].lower: Input should be a valid number"),
    (band_criterion(bands=[{"upper": 0.1, "upper_inclusive": True, "points": 0},
                           {"lower": 0.1, "points": 5}]),
     "criteria[1].bands[1].lower_inclusive"),
    (band_criterion(bands=[{"lower": 0, "upper": 0.1, "points": 0}, {"lower": 0.1, "points": 5}]),
     "criteria[1].bands[0].lower: the first band must be open below"),
    (band_criterion(colour="red"), "criteria[1].colour: Extra inputs are not permitted"),
    (band_criterion(indicator="no_such"), "criteria[1].indicator: unknown indicator"),
    (band_criterion(max_points=7), "criteria[1].max_points: a band table gives its own points"),
    ({"id": "mm", "indicator": "revenue", "method": "min-max"},
     "criteria[1].max_points: give weight or max_points"),
    ({"id": "mm", "indicator": "revenue", "method": "min-max", "weight": 1, "max_points": 2},
     "criteria[1].weight: give weight or max_points, not both"),
    ({"id": "r", "method": "rating", "max_points": 5}, "criteria[1].rating: required"),
    ({"id": "r", "method": "rating", "max_points": 5,
      "rating": {"range": [1, 5], "anchors": [{"score": 6, "zh": "满分", "en": "top"}]}},
     "criteria[1].rating.anchors[0].score: must lie in [1, 5]"),
    ({"id": "r", "method": "rating", "max_points": 5,
      "rating": {"range": [1, 5], "anchors": [{"score": 3, "zh": "中", "en": "mid"},
                                              {"score": 1, "zh": "低", "en": "low"}]}},
     "criteria[1].rating.anchors: scores must be distinct and ascending"),
    ({"id": "r", "method": "rating", "max_points": 5,
      "rating": {"range": [1, 5], "anchors": [{"score": 1, "zh": "低"}]}},
     "criteria[1].rating.anchors[0]: Field required"),
    ({"id": "mm", "indicator": "revenue", "method": "warp", "weight": 1},
     "criteria[1].method: Input should be"),
    ({"id": "b", "max_points": 5, "best_of": [{"id": "x", "indicator": "revenue",
                                               "method": "min-max"}]},
     "criteria[1].best_of: needs at least two alternatives"),
])
def test_errors_name_the_key_path(criterion: dict[str, Any], path: str) -> None:
    message = error_of(scheme_dict(band_criterion(id="ok"), criterion))
    assert path in message


@pytest.mark.parametrize(("extra", "path"), [
    ({"gates": [{"id": "g", "indicator": "age_years", "op": "<=", "value": "five"}]},
     "gates[0].value: <= compares numbers"),
    ({"gates": [{"id": "g", "indicator": "sector_x", "op": "==", "value": True}]},
     "gates[0].indicator: unknown indicator"),
    ({"categories": [{"id": "a", "cap": -1}]}, "categories[0].cap"),
    ({"tie_break": [{"criterion": "nope"}]}, "tie_break[0].criterion: unknown criterion"),
    ({"passing": {"threshold": 60, "op": "=>"}}, "passing.op"),
    ({"growth_model": {"enabled": True}}, "growth_model.max_points"),
    ({"growth_model": {"enabled": True, "max_points": 10, "cap": 20}}, "growth_model.cap"),
    ({"cohort": "unicorns"}, "cohort: must be one of"),
    ({"version": 0}, "version: Input should be greater than or equal to 1"),
    ({"aggregation": "topsis", "categories": [{"id": "a", "cap": 5}]}, "categories[0]: topsis"),
])
def test_scheme_level_errors(extra: dict[str, Any], path: str) -> None:
    criterion = band_criterion(category="a") if "categories" in extra else band_criterion()
    assert path in error_of(scheme_dict(criterion, **extra))


def test_undeclared_category_is_named() -> None:
    message = error_of(scheme_dict(band_criterion(category="zz"),
                                   categories=[{"id": "a"}]))
    assert "criteria[0].category: unknown category 'zz'" in message


def test_yaml_text_and_bad_yaml() -> None:
    text = "id: t\nversion: 1\ntitle: t\ncriteria:\n  - {id: a, indicator: revenue, " \
           "method: min-max, weight: 1}\n"
    assert load_scheme(text).criteria[0].weight == 1
    with pytest.raises(SchemeError, match="not valid YAML"):
        load_scheme("id: [unclosed\n")
    with pytest.raises(SchemeError, match="a scheme is a mapping"):
        load_scheme("- just\n- a list\n")


def test_json_schema_describes_the_language() -> None:
    schema = scheme_json_schema()
    assert schema["title"] == "Scheme"
    assert {"criteria", "gates", "passing", "growth_model"} <= set(schema["properties"])


def test_fingerprint_is_stable_and_sensitive() -> None:
    a = load_scheme(scheme_dict(band_criterion()))
    same = load_scheme(scheme_dict(band_criterion(missing="zero")))  # the default, spelled out
    other = load_scheme(scheme_dict(band_criterion(missing="exclude")))
    assert scheme_fingerprint(a) == scheme_fingerprint(same)
    assert scheme_fingerprint(a) != scheme_fingerprint(other)
    assert len(scheme_fingerprint(a)) == 64


def test_anchors_are_display_only_and_left_out_of_dumps_when_unstated() -> None:
    plain = {"id": "r", "method": "rating", "max_points": 5, "rating": {"range": [1, 5]}}
    anchored = {**plain, "rating": {"range": [1, 5], "anchors": [
        {"score": 1, "zh": "很弱", "en": "very weak"},
        {"score": 5, "zh": "很强", "en": "very strong"}]}}
    without = load_scheme(scheme_dict(plain))
    with_anchors = load_scheme(scheme_dict(anchored))
    assert "anchors" not in str(without.model_dump(mode="json"))
    rating = with_anchors.criteria[0].rating
    assert rating is not None
    assert rating.anchors is not None
    assert [(a.score, a.zh, a.en) for a in rating.anchors] == [
        (1, "很弱", "very weak"), (5, "很强", "very strong")]
    assert scheme_fingerprint(without) != scheme_fingerprint(with_anchors)
    assert "Anchor" in str(scheme_json_schema())
