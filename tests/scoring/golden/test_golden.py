"""Scores, ranks and explanations stay bit-identical to the stored outputs of the engine."""

from __future__ import annotations

import json

import pytest

from scoring import explanations, sorting
from tests.scoring.golden.cases import cases, digest, read_stored, stored_path

CASES = dict(cases())


def test_every_case_is_stored() -> None:
    assert sorted(p.name for p in stored_path("x").parent.glob("*.json.xz")) == sorted(
        stored_path(name).name for name in CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_stored_output(name: str) -> None:
    result = CASES[name]()
    # A JSON round trip: floats compare exactly, as repr writes them.
    actual = json.loads(json.dumps(digest(result), sort_keys=True, allow_nan=True))
    expected = read_stored(name)
    assert actual["frames"] == expected["frames"]
    assert len(actual["records"]) == len(expected["records"])
    for got, want in zip(actual["records"], expected["records"], strict=True):
        assert got == want, got["uscc"]
    first = expected["records"][0]["uscc"]
    one = explanations.explain(result, first)
    assert json.loads(json.dumps(one, allow_nan=True)) == expected["records"][0]


@pytest.mark.parametrize("numpy_sort", [False, True], ids=["radix", "numpy-argsort"])
@pytest.mark.parametrize("name", ["bench-seed", "bench-seed-ratings", "demo-leader-growth"])
def test_either_sort_gives_the_stored_output(name: str, numpy_sort: bool,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """``scoring.sorting`` takes numpy's argsort or its radix path, whichever is faster on the
    machine; with every sort at least this small size large enough for the choice, both give
    the stored output."""
    monkeypatch.setattr(sorting, "PACKED_MIN_SIZE", 2)
    monkeypatch.setattr(sorting, "numpy_argsort_is_faster", lambda: numpy_sort)
    actual = json.loads(json.dumps(digest(CASES[name]()), sort_keys=True, allow_nan=True))
    assert actual == read_stored(name)
