"""The golden cases with ratings, handed over keyed (categorical columns), match the outputs
stored from the string-keyed engine: every score, rank, explanation, note and flag."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial

import pandas as pd
import pytest

from scoring import keyed_ratings
from scoring.result import ScoreResult
from tests.scoring.golden.cases import cases, digest, read_stored

RATED = {name: run for name, run in cases()
         if isinstance(run, partial) and run.keywords.get("ratings") is not None}


def _categorical(ratings: pd.DataFrame, firms: pd.Index) -> pd.DataFrame:
    """Categories as pandas infers them (sorted, only the firms rated): mapped to the firms."""
    return ratings.astype({"uscc": "category", "criterion": "category", "reviewer": "category"})


def test_the_rated_cases_are_found() -> None:
    assert {"bench-seed-ratings", "demo-leader-growth"} <= set(RATED)


@pytest.mark.parametrize("keyed", [keyed_ratings, _categorical])
@pytest.mark.parametrize("name", sorted(RATED))
def test_keyed_ratings_give_the_stored_outputs(
        name: str, keyed: Callable[[pd.DataFrame, pd.Index], pd.DataFrame]) -> None:
    run = RATED[name]
    assert isinstance(run, partial)
    indicators = run.args[1]
    ratings = keyed(run.keywords["ratings"], indicators.index)
    result: ScoreResult = run.func(*run.args, **{**run.keywords, "ratings": ratings})
    # A JSON round trip: floats compare exactly, as repr writes them.
    actual = json.loads(json.dumps(digest(result), sort_keys=True, allow_nan=True))
    assert actual == read_stored(name)
