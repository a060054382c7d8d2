"""Per-reviewer z-score calibration of ratings, so a lenient and a severe reviewer compare.

For criterion ``c`` with panel mean ``m`` and population standard deviation ``s`` over all
ratings, a reviewer ``r`` with mean ``m_r`` and deviation ``s_r`` over their own ratings of
``c`` (at least two) has each rating ``x`` calibrated to

    clip(m + (x - m_r) / s_r * s, low, high)     (``m`` when ``s_r`` is 0)

and a reviewer with a single rating of ``c`` keeps it raw. ``[low, high]`` is the scheme's range.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["calibrate"]


def calibrate(ratings: pd.DataFrame, ranges: Mapping[str, tuple[float, float]]) -> pd.Series:
    """Calibrated scores aligned to ``ratings`` (columns ``criterion``, ``reviewer``, ``score``)."""
    if ratings.empty:
        return pd.Series([], index=ratings.index, dtype="float64", name="calibrated")
    score = ratings["score"].astype("float64")
    by_criterion = score.groupby(ratings["criterion"])
    panel_mean = by_criterion.transform("mean")
    panel_std = by_criterion.transform(lambda v: v.std(ddof=0))
    keys = [ratings["criterion"], ratings["reviewer"]]
    by_reviewer = score.groupby(keys)
    own_mean = by_reviewer.transform("mean")
    own_std = by_reviewer.transform(lambda v: v.std(ddof=0))
    own_count = by_reviewer.transform("size")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(own_std > 0, (score - own_mean) / own_std.where(own_std > 0), 0.0)
    calibrated = pd.Series(
        np.where(own_count >= 2, panel_mean + z * panel_std, score), index=ratings.index
    )
    low = ratings["criterion"].map(lambda c: ranges[c][0]).astype("float64")
    high = ratings["criterion"].map(lambda c: ranges[c][1]).astype("float64")
    return calibrated.clip(lower=low, upper=high).rename("calibrated")
