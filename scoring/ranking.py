"""Deterministic ranking: total descending, then the scheme's tie-break keys, then uscc."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["rank_pool"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def _ascending_key(values: FloatArray, order: str) -> FloatArray:
    """A key that sorts ascending into the wanted order, missing values last."""
    key = -values if order == "desc" else values.copy()
    key[np.isnan(key)] = np.inf
    return key


def rank_pool(total: FloatArray, pool: BoolArray, keys: list[tuple[FloatArray, str]],
              uscc: npt.NDArray[np.object_]) -> IntArray:
    """1-based ranks of pool firms (0 outside the pool); no two firms share a rank.

    Sort keys, in order: total (descending, NaN last), each ``(values, 'asc'|'desc')``, uscc.
    """
    members = np.flatnonzero(pool)
    primary = _ascending_key(total[members], "desc")
    order = np.argsort(primary)  # ties are re-sorted below
    if members.size > 1:
        ordered = primary[order]
        starts = np.concatenate(([True], ordered[1:] != ordered[:-1]))
        group = np.cumsum(starts)
        tied = np.bincount(group)[group] > 1
        # Only firms tied on the total pay for the secondary keys and the string sort by uscc.
        if tied.any():
            positions = order[tied]
            firms = members[positions]
            secondary = [_ascending_key(values[firms], o) for values, o in keys]
            codes = uscc[firms].astype(str)
            # np.lexsort takes its primary key last.
            sub = np.lexsort([codes, *secondary[::-1], group[tied]])
            order[tied] = positions[sub]
    ranks = np.zeros(total.shape[0], dtype=np.int64)
    ranks[members[order]] = np.arange(1, members.size + 1)
    return ranks
