"""Argsort of float64 values through numpy's vectorised sort of plain integers, checked.

``np.argsort`` reaches every value through its index; ``np.sort`` of plain 64-bit integers
moves the integers themselves and is markedly faster on large arrays. ``argsort_values``
turns each value into an integer that sorts like it (its IEEE bit pattern, with the lower 63
bits flipped for negative numbers), overwrites that integer's lowest ``b`` bits with the
element's index (``2**b >= n``), sorts, and reads the indices back from the low bits.

Values that agree in all but their lowest ``b`` bits (a relative difference below about
``2**(b - 52)``) may come out in index order rather than value order. The result is therefore
checked: the gathered values must never decrease. Runs that break the rule are re-sorted
exactly; if there are many, the whole array is argsorted the ordinary way. Either way the
returned order sorts the values; equal values come in an unspecified order, as with
``np.argsort``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["argsort_values"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

# Below this size np.argsort is as fast, and its result needs no check.
PACKED_MIN_SIZE = 4_096
_LOW_63 = np.int64(0x7FFF_FFFF_FFFF_FFFF)


def _ordinary(x: FloatArray) -> tuple[IntArray, FloatArray]:
    order = np.argsort(x)
    return order, x[order]


def argsort_values(x: FloatArray) -> tuple[IntArray, FloatArray]:
    """``(order, x[order])`` with ``x[order]`` non-decreasing; ``x`` must hold no NaN."""
    n = x.shape[0]
    if n < PACKED_MIN_SIZE:
        return _ordinary(x)
    bits = int(n - 1).bit_length()
    low = np.int64((1 << bits) - 1)
    pattern = np.ascontiguousarray(x, dtype=np.float64).view(np.int64)
    key = pattern ^ ((pattern >> 63) & _LOW_63)  # sorts as the values do (-0.0 before 0.0)
    key &= ~low
    key |= np.arange(n, dtype=np.int64)
    key.sort()
    order = (key & low).astype(np.intp)
    ordered = x[order]
    inverted = np.flatnonzero(ordered[1:] < ordered[:-1])
    if inverted.size == 0:
        return order, ordered
    if inverted.size > n // 64:
        return _ordinary(x)
    # Inversions lie within runs of keys equal above the index bits: re-sort those runs.
    high = key >> bits
    run = np.concatenate(([0], np.cumsum(high[1:] != high[:-1])))
    members = np.flatnonzero(np.isin(run, run[inverted + 1]))
    resorted = members[np.lexsort((ordered[members], run[members]))]
    order[members] = order[resorted]
    ordered[members] = ordered[resorted]
    return order, ordered
