"""Deterministic ranking: total descending, then the scheme's tie-break keys, then uscc."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from scoring.sorting import argsort_values

__all__ = ["rank_pool"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def _ascending_key(values: FloatArray, order: str) -> FloatArray:
    """A key that sorts ascending into the wanted order, missing values last."""
    key = -values if order == "desc" else values.copy()
    missing = np.isnan(key)
    if missing.any():
        key[missing] = np.inf
    return key


def rank_pool(total: FloatArray, pool: BoolArray,
              keys: list[tuple[Callable[[], FloatArray], str]],
              uscc: npt.NDArray[np.object_]) -> IntArray:
    """1-based ranks of pool firms (0 outside the pool); no two firms share a rank.

    Sort keys, in order: total (descending, NaN last), each ``(values, 'asc'|'desc')``, uscc.
    Each key's values come from a function called only when firms tie on the total.
    """
    whole = bool(pool.all())
    members = np.arange(total.shape[0]) if whole else np.flatnonzero(pool)
    # Every firm in the pool (the usual case): no gather of the totals.
    primary = _ascending_key(total if whole else total[members], "desc")
    order, ordered = argsort_values(primary)  # ties are re-sorted below
    if members.size > 1:
        new_value = ordered[1:] != ordered[:-1]
        # Only firms tied on the total pay for the secondary keys and the string sort by uscc.
        if not new_value.all():
            starts = np.concatenate(([True], new_value))
            group = np.cumsum(starts)
            tied = np.bincount(group)[group] > 1
            positions = order[tied]
            firms = members[positions]
            secondary = [_ascending_key(values()[firms], o) for values, o in keys]
            codes = uscc[firms].astype(str)
            # np.lexsort takes its primary key last.
            sub = np.lexsort([codes, *secondary[::-1], group[tied]])
            order[tied] = positions[sub]
    ranks = np.zeros(total.shape[0], dtype=np.int64)
    ranks[order if whole else members[order]] = np.arange(1, members.size + 1)
    return ranks
