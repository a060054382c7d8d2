"""Aggregation kernels: criterion points → category subtotals → total, or TOPSIS closeness.

Weighted sum (the order of operations is fixed):

- ``points[i, k] = normalised[i, k] * top[k]`` (band tables give points directly);
- ``subtotal[i, c] = sum of points[i, k] over criteria k of category c``;
- ``capped[i, c] = min(subtotal[i, c], cap[c])``;
- ``total[i] = min(sum of capped over main categories, max_total) + sum over bonus categories``.

TOPSIS on the weighted matrix ``V = points``, pool ideal ``V+ = max V``, anti-ideal
``V- = min V`` per column: ``closeness = d- / (d+ + d-)`` with Euclidean distances
``d+ = ||V - V+||``, ``d- = ||V - V-||`` (0 when both are 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Structure", "topsis_closeness", "weighted_total"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Structure:
    """The scheme's shape as arrays: criteria, their top points and categories, caps, bonus."""

    criteria: tuple[str, ...]
    top: FloatArray  # (K,) the points a criterion gives at normalised value 1
    categories: tuple[str, ...]
    membership: FloatArray  # (K, C) 1 where criterion k belongs to category c
    cap: FloatArray  # (C,) inf when uncapped
    bonus: BoolArray  # (C,)
    max_total: float  # inf when uncapped
    topsis: bool


def weighted_total(subtotals: FloatArray, structure: Structure) -> tuple[FloatArray, FloatArray]:
    """``(capped subtotals, total)``; works on ``(N, C)`` or ``(N, C, D)`` for D weight draws."""
    if subtotals.ndim == 2:
        # One firm per row: column loops avoid fancy-indexing copies of the whole matrix.
        capped_2d = np.empty_like(subtotals, order="F")
        main_2d = np.zeros(subtotals.shape[0])
        bonus_2d = np.zeros(subtotals.shape[0])
        for c in range(subtotals.shape[1]):
            np.minimum(subtotals[:, c], structure.cap[c], out=capped_2d[:, c])
            if structure.bonus[c]:
                bonus_2d += capped_2d[:, c]
            else:
                main_2d += capped_2d[:, c]
        return capped_2d, np.minimum(main_2d, structure.max_total) + bonus_2d
    cap = structure.cap.reshape((-1,) + (1,) * (subtotals.ndim - 2))
    capped = np.minimum(subtotals, cap)
    bonus = structure.bonus
    main = capped[:, ~bonus].sum(axis=1) if (~bonus).any() else np.zeros(
        capped.shape[:1] + capped.shape[2:])
    total = np.minimum(main, structure.max_total)
    if bonus.any():
        total = total + capped[:, bonus].sum(axis=1)
    return capped, total


def topsis_closeness(weighted: FloatArray, pool: BoolArray) -> FloatArray:
    """TOPSIS relative closeness of every firm to the pool's ideal (weighted matrix given)."""
    if not pool.any():
        return np.zeros(weighted.shape[0])
    ideal = weighted[pool].max(axis=0)
    anti = weighted[pool].min(axis=0)
    d_better = np.sqrt(((weighted - ideal) ** 2).sum(axis=1))
    d_worse = np.sqrt(((weighted - anti) ** 2).sum(axis=1))
    span = d_better + d_worse
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(span > 0, d_worse / span, 0.0)
