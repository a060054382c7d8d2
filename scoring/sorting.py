"""Argsorts built on numpy's radix sort of 16-bit integers, checked; or numpy's own argsort,
whichever is faster on the machine.

numpy sorts 64-bit values on AVX-512 machines with x86-simd-sort, whose partition step stores
with ``vpcompressq``; AMD Zen 4 runs that store in microcode, and there a sort of 100,000
float64 values takes several times as long as numpy's radix sort of the same number of
16-bit integers (``kind="stable"``), which has no such step (numpy/x86-simd-sort#6). On Intel
AVX-512 machines the same ``np.argsort`` takes less than half the radix path's time. So
``argsort_values`` times both once per process, on a synthetic sample, and keeps the faster
(``numpy_argsort_is_faster``). The choice never changes a result: either way the order sorts
the values, and every caller treats equal values alike (percentile shares are per value;
ranks re-sort ties by their own keys).

- ``argsort_codes``: a stable argsort of integers in ``[0, bound)``, least significant 16-bit
  digit first, each digit by numpy's stable argsort of ``uint16`` (its radix sort).
- ``argsort_values``: each float64 value becomes an integer that sorts like it (its IEEE bit
  pattern, with the lower 63 bits flipped for negative numbers); its offset from the smallest
  such integer keeps its top 32 significant bits, and those 32-bit codes are sorted by
  ``argsort_codes``. Values that agree in all 32 bits (at worst, when the values span every
  magnitude of both signs, a relative difference below about ``2**-20``) may come out in
  index order rather than value order.
  The result is therefore checked: the gathered values must never decrease. Runs of equal
  codes that break the rule are re-sorted exactly; if there are many, the whole array is
  argsorted the ordinary way. Either way the returned order sorts the values; equal values
  come in an unspecified order, as with ``np.argsort``.
"""

from __future__ import annotations

import functools
import time

import numpy as np
import numpy.typing as npt

__all__ = ["argsort_codes", "argsort_values", "numpy_argsort_is_faster", "radix_argsort_values"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

# Below this size np.argsort is as fast, and its result needs no check.
PACKED_MIN_SIZE = 4_096
_LOW_63 = np.int64(0x7FFF_FFFF_FFFF_FFFF)
_CODE_BITS = 32
_DIGIT_BITS = 16


def _ordinary(x: FloatArray) -> tuple[IntArray, FloatArray]:
    order = np.argsort(x)
    return order, x[order]


def argsort_codes(codes: npt.NDArray[np.integer], bound: int) -> IntArray:
    """Stable argsort of ``codes``, integers in ``[0, bound)``."""
    # Casting to uint16 keeps the low 16 bits: each pass's digit.
    order: IntArray = np.argsort(codes.astype(np.uint16), kind="stable")
    for shift in range(_DIGIT_BITS, max(bound - 1, 1).bit_length(), _DIGIT_BITS):
        digit = (codes >> shift).astype(np.uint16)
        order = order[np.argsort(digit[order], kind="stable")]
    return order


@functools.cache
def numpy_argsort_is_faster() -> bool:
    """Whether ``np.argsort`` orders 65,536 float64 values faster than the radix path here:
    the best of five timings each, on one seeded synthetic sample, measured once per process
    (about 20 ms)."""
    sample = np.random.default_rng(0).normal(size=65_536)
    best = {"numpy": float("inf"), "radix": float("inf")}
    for _ in range(5):
        for name, run in (("numpy", _ordinary), ("radix", radix_argsort_values)):
            start = time.perf_counter()
            run(sample)
            best[name] = min(best[name], time.perf_counter() - start)
    return best["numpy"] < best["radix"]


def argsort_values(x: FloatArray) -> tuple[IntArray, FloatArray]:
    """``(order, x[order])`` with ``x[order]`` non-decreasing; ``x`` must hold no NaN. Equal
    values come in an unspecified order, which may differ from one machine to another."""
    if x.shape[0] < PACKED_MIN_SIZE or numpy_argsort_is_faster():
        return _ordinary(x)
    return radix_argsort_values(x)


def radix_argsort_values(x: FloatArray) -> tuple[IntArray, FloatArray]:
    """``argsort_values`` by the radix sort of 32-bit codes, checked (see the module's text)."""
    n = x.shape[0]
    if n < PACKED_MIN_SIZE:
        return _ordinary(x)
    pattern = np.ascontiguousarray(x, dtype=np.float64).view(np.int64)
    key = pattern ^ ((pattern >> 63) & _LOW_63)  # sorts as the values do (-0.0 before 0.0)
    low = key.min()
    shift = max((int(key.max()) - int(low)).bit_length() - _CODE_BITS, 0)
    # key - low may pass 2**63: the wrapped int64 read as uint64 is the exact offset.
    offset = (key - low).view(np.uint64)
    code = (offset >> np.uint64(shift)).astype(np.uint32)
    order = argsort_codes(code, 1 << _CODE_BITS)
    ordered = x[order]
    inverted = np.flatnonzero(ordered[1:] < ordered[:-1])
    if inverted.size == 0:
        return order, ordered
    if inverted.size > n // 64:
        return _ordinary(x)
    # Codes never decrease where values increase: inversions lie within runs of one code,
    # found by bisecting the sorted codes.
    sorted_code = code[order]
    first, at = np.unique(np.searchsorted(sorted_code, sorted_code[inverted]),
                          return_index=True)
    length = np.searchsorted(sorted_code, sorted_code[inverted[at]], side="right") - first
    run = np.repeat(first, length)
    members = run + (np.arange(run.size) - np.repeat(np.cumsum(length) - length, length))
    resorted = members[np.lexsort((ordered[members], run))]
    order[members] = order[resorted]
    ordered[members] = ordered[resorted]
    return order, ordered
