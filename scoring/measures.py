"""Normalisation kernels: one raw-value vector and the pool mask in, normalised values out.

Each kernel works on the whole pool at once; pool statistics use eligible firms with a value.
Formulas are given on ``scoring.scheme.Measure``. Missing raw values (NaN) stay NaN.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from scoring.scheme import Band, Measure, Threshold

__all__ = ["band_points", "compare", "normalise"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Bands, thresholds and gates compare values rounded to this many decimals, so that a rate
# computed as 0.35000000000000003 or 0.34999999999999998 counts as exactly 35 %.
COMPARISON_DECIMALS = 9


def compare(x: FloatArray, op: str, value: float) -> BoolArray:
    """Element-wise ``round(x, 9) op value``; NaN compares false."""
    xr = np.round(x, COMPARISON_DECIMALS)
    out: BoolArray
    with np.errstate(invalid="ignore"):
        if op == "<":
            out = np.less(xr, value)
        elif op == "<=":
            out = np.less_equal(xr, value)
        elif op == ">":
            out = np.greater(xr, value)
        elif op == ">=":
            out = np.greater_equal(xr, value)
        elif op == "==":
            out = np.equal(xr, value)
        elif op == "!=":
            out = np.not_equal(xr, value) & ~np.isnan(xr)
        else:
            raise ValueError(f"unknown comparison {op!r}")
    return out


def band_points(x: FloatArray, bands: list[Band]) -> FloatArray:
    """Points of the band containing each value (bands are validated to cover every number)."""
    points = np.full(x.shape, np.nan)
    for band in bands:
        inside = ~np.isnan(x)
        if band.lower is not None:
            inside &= compare(x, ">=" if band.lower_inclusive else ">", band.lower)
        if band.upper is not None:
            inside &= compare(x, "<=" if band.upper_inclusive else "<", band.upper)
        points[inside] = band.points
    return points


def _threshold(x: FloatArray, threshold: Threshold) -> FloatArray:
    hit = compare(x, threshold.op, threshold.value).astype(np.float64)
    hit[np.isnan(x)] = np.nan
    return hit


def _min_max(x: FloatArray, observed: FloatArray, lower: float | None,
             upper: float | None) -> FloatArray:
    lo = lower if lower is not None else (observed.min() if observed.size else 0.0)
    hi = upper if upper is not None else (observed.max() if observed.size else 0.0)
    if not hi > lo:
        return np.where(np.isnan(x), np.nan, 0.0)
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0)


def _percentile(x: FloatArray, observed: FloatArray) -> FloatArray:
    n = observed.size
    if n <= 1:
        return np.where(np.isnan(x), np.nan, 1.0)
    query_order = np.argsort(x)
    queries = x[query_order]
    if n == x.size:
        # The whole input is the pool: count ties from run boundaries of the sorted values.
        index = np.arange(n)
        starts = np.concatenate(([True], queries[1:] != queries[:-1]))
        ends = np.concatenate((starts[1:], [True]))
        below = np.maximum.accumulate(np.where(starts, index, 0))
        through = np.minimum.accumulate(np.where(ends, index + 1, n)[::-1])[::-1]
    else:
        ordered = np.sort(observed)
        # Searching in query order is cache-friendly and several times faster than random order.
        below = np.searchsorted(ordered, queries, side="left")
        through = np.searchsorted(ordered, queries, side="right")
    # A non-pool value not in the pool has no "self" to discount: max() keeps the share >= 0.
    equal_others = np.maximum(through - below - 1, 0)
    out = np.empty_like(x)
    out[query_order] = np.clip((below + equal_others / 2.0) / (n - 1), 0.0, 1.0)
    out[np.isnan(x)] = np.nan
    return out


def _z_score(x: FloatArray, observed: FloatArray, z_clip: float) -> FloatArray:
    std = observed.std() if observed.size else 0.0
    if not std > 0:
        return np.where(np.isnan(x), np.nan, 0.5)
    z = (x - float(observed.mean())) / float(std)
    out: FloatArray = np.clip((z + z_clip) / (2.0 * z_clip), 0.0, 1.0)
    return out


def normalise(measure: Measure, x: FloatArray, pool: BoolArray) -> FloatArray:
    """Normalised values in [0, 1] (band tables: the band's points, not yet scaled)."""
    method = measure.method
    if method == "bands":
        assert measure.bands is not None
        return band_points(x, measure.bands)
    if method == "threshold":
        assert measure.threshold is not None
        return _threshold(x, measure.threshold)
    if method == "log-min-max":
        x = np.log1p(np.maximum(x, 0.0))
    observed = x[pool & ~np.isnan(x)]
    if method in {"min-max", "log-min-max"}:
        lower = None if measure.lower is None else float(np.log1p(max(measure.lower, 0.0))
                                                         if method == "log-min-max"
                                                         else measure.lower)
        upper = None if measure.upper is None else float(np.log1p(max(measure.upper, 0.0))
                                                         if method == "log-min-max"
                                                         else measure.upper)
        out = _min_max(x, observed, lower, upper)
    elif method == "percentile":
        out = _percentile(x, observed)
    elif method == "z-score":
        out = _z_score(x, observed, measure.z_clip)
    elif method == "rating":
        assert measure.rating is not None
        low, high = measure.rating.range
        out = (x - low) / (high - low)
    else:
        raise ValueError(f"unknown method {method!r}")
    result: FloatArray = 1.0 - out if measure.direction == "lower" else out
    return result
