"""Sensitivity of a ranking to the scheme's weights: which selections are robust.

Both analyses reweight the scored pool without re-normalising: criterion ``k`` of firm ``i``
earns ``normalised[i, k] * w[k]`` under weights ``w`` (the scheme's own weights are the
criteria's top points ``W``), then categories, caps, bonus, ``max_total`` (or TOPSIS),
minimums and the pass threshold apply exactly as in ``score``. Ties keep the scheme's order.

- ``weight_stability``: ``w = D * sum(W)`` with ``D ~ Dirichlet(concentration * W / sum(W))``;
  a firm's stability is the share of draws in which it passes and ranks within ``capacity``
  among passing firms. Larger ``concentration`` means draws closer to the scheme's weights.
- ``leave_one_out``: ``w = W`` with ``w[k] = 0``; the change of rank among eligible firms
  (positive = a worse rank without criterion ``k``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.aggregation import Structure, weighted_total
from scoring.engine import score
from scoring.errors import ScoringInputError
from scoring.measures import compare
from scoring.result import ScoreResult
from scoring.scheme import Scheme

__all__ = ["leave_one_out", "weight_stability"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Upper bound on firms x categories x draws held at once (about 160 MB of float64).
_CHUNK_CELLS = 20_000_000


def _totals(norm: FloatArray, weights: FloatArray, structure: Structure) -> tuple[
        FloatArray, FloatArray]:
    """``(capped (N, C, D), total (N, D))`` for weight columns ``weights`` of shape (K, D)."""
    if structure.topsis:
        ideal = norm.max(axis=0)
        anti = norm.min(axis=0)
        squared = weights ** 2
        d_better = np.sqrt(((norm - ideal) ** 2) @ squared)
        d_worse = np.sqrt(((norm - anti) ** 2) @ squared)
        span = d_better + d_worse
        with np.errstate(invalid="ignore", divide="ignore"):
            total = np.where(span > 0, d_worse / span, 0.0)
        empty = np.zeros((norm.shape[0], 0, weights.shape[1]))
        return empty, total
    subtotals = np.stack([norm[:, members] @ weights[members]
                          for members in structure.membership.T.astype(bool)], axis=1)
    capped, total = weighted_total(subtotals, structure)
    return capped, total


def _passes(result: ScoreResult, pool_idx: npt.NDArray[np.intp], norm: FloatArray,
            weights: FloatArray, capped: FloatArray, total: FloatArray) -> BoolArray:
    """Which pool firms pass under each weight column (bypass, threshold and minimums)."""
    scheme = result.scheme
    ok = (compare(total, scheme.passing.op, scheme.passing.threshold)
          if scheme.passing is not None else np.ones(total.shape, dtype=np.bool_))
    for k, crit in enumerate(scheme.scored_criteria):
        if crit.minimum is not None:
            ok &= compare(norm[:, [k]] * weights[k], crit.minimum.op, crit.minimum.points)
    for c, cat in enumerate(scheme.categories):
        if cat.minimum is not None and capped.shape[1]:
            ok &= compare(capped[:, c], cat.minimum.op, cat.minimum.points)
    bypassed: BoolArray = result.bypassed[pool_idx][:, None]
    return bypassed | ok


def _pool_in_rank_order(result: ScoreResult) -> npt.NDArray[np.intp]:
    pool_idx = np.flatnonzero(result.eligible)
    return pool_idx[np.argsort(result.rank[pool_idx], kind="stable")]


def _positions(key: FloatArray) -> npt.NDArray[np.int64]:
    """0-based position of each row per column, higher key first, earlier row on ties."""
    order = np.argsort(-key, axis=0, kind="stable")
    positions = np.empty_like(order)
    np.put_along_axis(positions, order, np.arange(key.shape[0])[:, None], axis=0)
    return positions


def weight_stability(scheme: Scheme, indicators: pd.DataFrame, *, capacity: int,
                     draws: int = 1000, seed: int = 0, concentration: float = 100.0,
                     ratings: pd.DataFrame | None = None,
                     growth: pd.DataFrame | None = None) -> pd.Series:
    """Per uscc, the share of Dirichlet weight draws that keep the firm within ``capacity``."""
    if draws < 1 or concentration <= 0 or capacity < 0:
        raise ScoringInputError("draws >= 1, concentration > 0 and capacity >= 0 are required")
    result = score(scheme, indicators, ratings=ratings, growth=growth, capacity=capacity)
    structure = result.structure
    pool_idx = _pool_in_rank_order(result)
    norm = result.traces.normalised[pool_idx]
    base = structure.top
    rng = np.random.default_rng(seed)
    weights = (rng.dirichlet(concentration * base / base.sum(), size=draws) * base.sum()).T
    kept = np.zeros(pool_idx.size)
    cells = max(1, pool_idx.size * len(structure.categories))
    step = max(1, _CHUNK_CELLS // cells)
    for start in range(0, draws, step):
        w = weights[:, start:start + step]
        capped, total = _totals(norm, w, structure)
        passes = _passes(result, pool_idx, norm, w, capped, total)
        position = _positions(np.where(passes, total, -np.inf))
        kept += ((position < capacity) & passes).sum(axis=1)
    share = np.zeros(len(result.firms))
    share[pool_idx] = kept / draws
    return pd.Series(share, index=result.firms, name="weight_stability")


def leave_one_out(scheme: Scheme, indicators: pd.DataFrame, *,
                  ratings: pd.DataFrame | None = None,
                  growth: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per uscc (rows) and criterion left out (columns): new rank minus scheme rank."""
    result = score(scheme, indicators, ratings=ratings, growth=growth)
    structure = result.structure
    pool_idx = _pool_in_rank_order(result)
    norm = result.traces.normalised[pool_idx]
    k = len(structure.criteria)
    weights = structure.top[:, None] * (1.0 - np.eye(k))
    _, total = _totals(norm, weights, structure)
    new_rank = _positions(total) + 1
    change = new_rank - result.rank[pool_idx][:, None]
    out = np.zeros((len(result.firms), k), dtype=np.int64)
    out[pool_idx] = change
    frame = pd.DataFrame(out, index=result.firms, columns=list(structure.criteria)).astype(
        "Int64")
    frame.loc[~result.eligible] = pd.NA
    return frame
