"""Our weighted sum and TOPSIS rank exactly as scikit-criteria's on the same matrix and weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skcriteria as skc
from skcriteria.agg.simple import WeightedSumModel
from skcriteria.agg.topsis import TOPSIS

from scoring import score
from tests.scoring.builders import scheme_from

COLUMNS = ("revenue", "rd_intensity", "employees", "ip_class1", "export_share")


def matrix_and_weights(seed: int, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((n, len(COLUMNS))), rng.uniform(0.5, 5.0, len(COLUMNS))


def ours(matrix: np.ndarray, weights: np.ndarray, aggregation: str) -> tuple[np.ndarray,
                                                                             np.ndarray]:
    # min-max with fixed [0, 1] bounds leaves the already normalised matrix as it is
    scheme = scheme_from([{"id": c, "indicator": c, "method": "min-max", "lower": 0, "upper": 1,
                           "weight": float(w)} for c, w in zip(COLUMNS, weights, strict=True)],
                         aggregation=aggregation)
    frame = pd.DataFrame(matrix, columns=list(COLUMNS),
                         index=pd.Index([f"F{i:03d}" for i in range(len(matrix))], name="uscc"))
    result = score(scheme, frame)
    return result.rank, result.total


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weighted_sum_matches_skcriteria(seed: int) -> None:
    matrix, weights = matrix_and_weights(seed)
    rank, total = ours(matrix, weights, "weighted-sum")
    dm = skc.mkdm(matrix, objectives=[max] * len(COLUMNS), weights=weights)
    theirs = WeightedSumModel().evaluate(dm)
    assert np.array_equal(rank, theirs.rank_)
    np.testing.assert_allclose(total, theirs.e_.score, rtol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_topsis_matches_skcriteria(seed: int) -> None:
    matrix, weights = matrix_and_weights(seed)
    rank, total = ours(matrix, weights, "topsis")
    dm = skc.mkdm(matrix, objectives=[max] * len(COLUMNS), weights=weights)
    theirs = TOPSIS().evaluate(dm)
    assert np.array_equal(rank, theirs.rank_)
    np.testing.assert_allclose(total, theirs.e_.similarity, rtol=1e-12)
