"""Normalisation kernels: one raw-value vector and the pool mask in, normalised values out.

Each kernel works on the whole pool at once; pool statistics use eligible firms with a value.
Formulas are given on ``scoring.scheme.Measure``. Missing raw values (NaN) stay NaN.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from scoring.scheme import Band, Criterion, Measure, Threshold
from scoring.sorting import argsort_values

__all__ = ["band_points", "compare", "criterion_values", "normalise"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Bands, thresholds and gates compare values rounded to this many decimals, so that a rate
# computed as 0.35000000000000003 or 0.34999999999999998 counts as exactly 35 %.
COMPARISON_DECIMALS = 9


_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
            "==": np.equal}


def compare(x: FloatArray, op: str, value: float, *, rounded: bool = False) -> BoolArray:
    """Element-wise ``round(x, 9) op value``; NaN compares false.

    ``rounded`` says that ``x`` is already rounded (band tables round once for all bands).
    """
    xr = x if rounded else np.round(x, COMPARISON_DECIMALS)
    out: BoolArray
    with np.errstate(invalid="ignore"):
        if op in _COMPARE:
            out = _COMPARE[op](xr, value)
        elif op == "!=":
            out = np.not_equal(xr, value) & ~np.isnan(xr)
        else:
            raise ValueError(f"unknown comparison {op!r}")
    return out


def band_points(x: FloatArray, bands: list[Band]) -> FloatArray:
    """Points of the band containing each value (bands are validated to cover every number)."""
    xr = np.round(x, COMPARISON_DECIMALS)
    points = np.zeros(x.shape)
    for band in bands:
        inside = np.ones(x.shape, dtype=np.bool_)
        if band.lower is not None:
            inside &= compare(xr, ">=" if band.lower_inclusive else ">", band.lower, rounded=True)
        if band.upper is not None:
            inside &= compare(xr, "<=" if band.upper_inclusive else "<", band.upper, rounded=True)
        # Bands do not overlap: each value gains the points of its one band, 0 from the rest.
        # (Arithmetic on the mask, not a masked copy: several times faster on mixed masks.)
        points += inside * float(band.points)
    nan = np.isnan(x)
    if nan.any():
        points[nan] = np.nan
    return points


def _threshold(x: FloatArray, threshold: Threshold) -> FloatArray:
    hit = compare(x, threshold.op, threshold.value).astype(np.float64)
    hit[np.isnan(x)] = np.nan
    return hit


def _min_max(x: FloatArray, observed: FloatArray, lower: float | None,
             upper: float | None, *, in_place: bool = False) -> FloatArray:
    lo = lower if lower is not None else (observed.min() if observed.size else 0.0)
    hi = upper if upper is not None else (observed.max() if observed.size else 0.0)
    if not hi > lo:
        return np.where(np.isnan(x), np.nan, 0.0)
    out = np.subtract(x, lo, out=x if in_place else None)
    out /= hi - lo
    clipped: FloatArray = np.clip(out, 0.0, 1.0, out=out)
    return clipped


def _log_scale(x: FloatArray) -> FloatArray:
    """``ln(1 + max(x, 0))``, as ``log`` of ``1 + x``: twice as fast as numpy's ``log1p``.

    (The two differ only in rounding ``1 + x``, below 1e-16 for the values scored here.)
    """
    out = np.maximum(x, 0.0)
    out += 1.0
    logged: FloatArray = np.log(out, out=out)
    return logged


def _percentile(x: FloatArray, valid: BoolArray, n: int, missing: BoolArray) -> FloatArray:
    """Mid-rank share of the ``n`` pool values (``valid``) below each value, in one sort.

    For each value: ``(pool values < x + max(pool values == x, minus 1, 0) / 2) / (n - 1)``;
    a value outside the pool discounts one equal pool value as if it were itself.
    ``missing`` is ``np.isnan(x)``.
    """
    if n <= 1:
        return np.where(missing, np.nan, 1.0)
    if n < x.size and missing.any():
        # Sort the known values only (NaN also slows numpy's sorts down several times).
        known = np.flatnonzero(~missing)
        sub, queries = argsort_values(x[known])
        head = known[sub]
    else:
        head, queries = argsort_values(x)
    m = head.size
    # cum[i]: pool values among the i smallest values
    if n == x.size:
        cum = np.arange(n + 1)  # the whole input is the pool
    else:
        cum = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(valid[head], out=cum[1:])
    new_value = np.ones(m, dtype=np.bool_)
    np.not_equal(queries[1:], queries[:-1], out=new_value[1:])
    if new_value.all():
        # No ties: a value's run is itself, so equal others are 0.
        share = cum[:-1] / (n - 1)
    else:
        starts = np.flatnonzero(new_value)
        bounds = np.append(starts, m)
        below = cum[starts]
        equal_others = np.maximum(cum[bounds[1:]] - below - 1, 0)
        share = np.repeat((below + equal_others / 2.0) / (n - 1), np.diff(bounds))
    out = np.empty_like(x)
    # Shares of pool values lie in [0, 1] already; a value outside the pool may exceed 1.
    out[head] = share if n == x.size else np.clip(share, 0.0, 1.0)
    if m < x.size:
        out[missing] = np.nan
    return out


def _z_score(x: FloatArray, observed: FloatArray, z_clip: float) -> FloatArray:
    std = observed.std() if observed.size else 0.0
    if not std > 0:
        return np.where(np.isnan(x), np.nan, 0.5)
    z = (x - float(observed.mean())) / float(std)
    out: FloatArray = np.clip((z + z_clip) / (2.0 * z_clip), 0.0, 1.0)
    return out


def normalise(measure: Measure, x: FloatArray, pool: BoolArray, *,
              missing: BoolArray | None = None) -> FloatArray:
    """Normalised values in [0, 1] (band tables: the band's points, not yet scaled).

    ``missing``, when the caller has it, is ``np.isnan(x)``.
    """
    method = measure.method
    if method == "bands":
        assert measure.bands is not None
        return band_points(x, measure.bands)
    if method == "probability":
        return x.copy()  # a probability is already in [0, 1]; the copy is the caller's own
    if method == "threshold":
        assert measure.threshold is not None
        return _threshold(x, measure.threshold)
    if method == "rating":
        assert measure.rating is not None
        low, high = measure.rating.range
        out: FloatArray = (x - low) / (high - low)
    else:
        lower, upper = measure.lower, measure.upper
        if method == "log-min-max":
            x = _log_scale(x)  # NaN where x is NaN
            lower = None if lower is None else float(_log_scale(np.array([lower]))[0])
            upper = None if upper is None else float(_log_scale(np.array([upper]))[0])
        if missing is None:
            missing = np.isnan(x)
        if not missing.any() and pool.all():
            # Every firm in the pool with a value: the pool statistics need no mask or copy.
            valid, n, observed = pool, x.size, x
        else:
            valid = pool & ~missing
            n = int(np.count_nonzero(valid))
            observed = x[valid]
        if method in {"min-max", "log-min-max"}:
            # A log-scaled x is this call's own array: scale it in place.
            out = _min_max(x, observed, lower, upper, in_place=method == "log-min-max")
        elif method == "percentile":
            out = _percentile(x, valid, n, missing)
        elif method == "z-score":
            out = _z_score(x, observed, measure.z_clip)
        else:
            raise ValueError(f"unknown method {method!r}")
    result: FloatArray = 1.0 - out if measure.direction == "lower" else out
    return result


def criterion_values(measure: Measure, x: FloatArray, pool: BoolArray, top: float, *,
                     missing: BoolArray | None = None
                     ) -> tuple[FloatArray, FloatArray | None, BoolArray]:
    """One measure scored: ``(normalised, explicit points or None, unscored)``.

    Points are ``normalised * top``, except for a band table, whose points are the bands', and
    a probability, whose points are ``min(x * weight, top)`` (then ``normalised = points /
    top``). Where a value gives no points (``unscored``), the normalised value and the points
    are 0. ``missing``, when the caller has it, is ``np.isnan(x)``.
    """
    norm = normalise(measure, x, pool, missing=missing)
    explicit: FloatArray | None = None
    if measure.method == "bands":
        explicit = norm
        norm = norm / top
    elif measure.method == "probability":
        assert isinstance(measure, Criterion)
        assert measure.weight is not None
        explicit = np.minimum(norm * measure.weight, top)
        norm = explicit / top
    unscored = np.isnan(norm if explicit is None else explicit)
    if unscored.any():
        # Both arrays are this call's own: normalise returns new arrays.
        norm[unscored] = 0.0
        if explicit is not None:
            explicit[unscored] = 0.0
    return norm, explicit, unscored
