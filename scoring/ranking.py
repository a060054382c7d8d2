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
    numeric = [_ascending_key(total[members], "desc")]
    numeric += [_ascending_key(values[members], order) for values, order in keys]
    # np.lexsort takes its primary key last.
    order = np.lexsort(numeric[::-1]) if members.size else np.empty(0, np.int64)
    if members.size > 1:
        stacked = np.stack([k[order] for k in numeric])
        starts = np.concatenate(([True], np.any(stacked[:, 1:] != stacked[:, :-1], axis=0)))
        group = np.cumsum(starts)
        sizes = np.bincount(group)
        tied = sizes[group] > 1
        # Only firms tied on every numeric key pay for the string sort by uscc.
        if tied.any():
            positions = order[tied]
            codes = uscc[members[positions]].astype(str)
            sub = np.lexsort((codes, group[tied]))
            order[tied] = positions[sub]
    ranks = np.zeros(total.shape[0], dtype=np.int64)
    ranks[members[order]] = np.arange(1, members.size + 1)
    return ranks
