"""Robustness read off a scored pool: the ranking under the other aggregation, and whether each
firm stays within capacity when one criterion is left out.

- ``alternative_ranking``: a weighted-sum scheme is ranked again by TOPSIS closeness on its
  points (``aggregation.topsis_closeness``); a TOPSIS scheme by its capped weighted sum
  (``aggregation.weighted_total``). Ranks count eligible firms only, higher first, ties broken
  by the scheme's own rank; ``rank_difference = alternative rank − scheme rank``.
- ``leave_one_out_capacity``: ``sensitivity.leave_one_out`` gives each eligible firm's rank
  with criterion ``k`` dropped (``scheme rank + change``); the firm is *in* when that rank is
  within ``capacity`` (passing is not re-checked).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.aggregation import topsis_closeness, weighted_total
from scoring.result import ScoreResult

__all__ = ["alternative_ranking", "leave_one_out_capacity"]


def alternative_ranking(result: ScoreResult) -> tuple[str, pd.DataFrame]:
    """``(method, frame)``: per uscc the alternative rank and its difference from the scheme's
    rank (NA for ineligible firms)."""
    structure = result.structure
    if structure.topsis:
        method = "weighted-sum"
        _capped, total = weighted_total(result.subtotals, structure)
    else:
        method = "topsis"
        total = topsis_closeness(result.traces.points, result.eligible)
    pool = np.flatnonzero(result.eligible)
    order = pool[np.lexsort((result.rank[pool], -total[pool]))]
    alternative = np.zeros(len(result.firms), dtype=np.int64)
    alternative[order] = np.arange(1, order.size + 1)
    frame = pd.DataFrame(
        {"rank": alternative, "rank_difference": alternative - result.rank},
        index=result.firms,
    ).astype("Int64")
    frame.loc[~result.eligible] = pd.NA
    return method, frame


def leave_one_out_capacity(
    result: ScoreResult, change: pd.DataFrame, *, capacity: int
) -> dict[str, dict[str, dict[str, int | bool]]]:
    """Per eligible uscc and criterion left out: the new rank and whether it is within
    ``capacity``; ``change`` is ``sensitivity.leave_one_out``'s frame."""
    ranks = pd.Series(result.rank, index=result.firms)
    out: dict[str, dict[str, dict[str, int | bool]]] = {}
    for uscc in result.firms[result.eligible]:
        row = change.loc[uscc]
        out[str(uscc)] = {
            str(criterion): {
                "rank": int(ranks[uscc] + delta),
                "within_capacity": bool(ranks[uscc] + delta <= capacity),
            }
            for criterion, delta in row.items()
            if not pd.isna(delta)
        }
    return out
