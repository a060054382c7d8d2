"""argsort_values (either path) and argsort_codes: the sorts order every kind of array exactly."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from scoring import sorting
from scoring.sorting import PACKED_MIN_SIZE, argsort_codes, argsort_values, radix_argsort_values

Sort = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
# The radix path, and argsort_values as this machine chooses it (it may take numpy's argsort).
SORTS = pytest.mark.parametrize("sort", [radix_argsort_values, argsort_values],
                                ids=["radix", "chosen"])


def arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20261128)
    n = 50_000
    return {
        "uniform": rng.uniform(0, 0.6, n),
        "signed": rng.normal(0, 1e3, n),
        "lognormal": rng.lognormal(15, 2, n),
        "few distinct": rng.integers(0, 40, n).astype(np.float64),
        "all equal": np.full(n, 3.25),
        "sorted": np.arange(n, dtype=np.float64),
        "reversed": np.arange(n, dtype=np.float64)[::-1].copy(),
        # Values that differ only in their lowest bits: the packed keys cannot tell them
        # apart, so the exact re-sort (few) or the ordinary argsort (many) must.
        "close, few": np.where(
            rng.random(n) < 0.01, 1.0 + rng.integers(0, 9, n) * 2**-50, rng.uniform(2, 3, n)
        ),
        "close, many": 1.0 + rng.integers(0, 1000, n) * 2**-50,
        "signed zeros": np.where(rng.random(n) < 0.5, -0.0, 0.0),
        "infinities": np.where(
            rng.random(n) < 0.1, np.inf * np.sign(rng.normal(size=n)), rng.normal(size=n)
        ),
        "subnormals": rng.uniform(-1, 1, n) * 5e-324 * 1000,
    }


@SORTS
@pytest.mark.parametrize("name", list(arrays()))
def test_the_order_sorts_the_values_and_is_a_permutation(name: str, sort: Sort) -> None:
    x = arrays()[name]
    order, ordered = sort(x)
    np.testing.assert_array_equal(ordered, np.sort(x))
    np.testing.assert_array_equal(ordered, x[order])
    np.testing.assert_array_equal(np.sort(order), np.arange(x.size))


@pytest.mark.parametrize("n", [0, 1, 2, PACKED_MIN_SIZE - 1, PACKED_MIN_SIZE, 2**13, 2**13 + 1])
@SORTS
def test_every_size(n: int, sort: Sort) -> None:
    x = np.random.default_rng(n).normal(size=n)
    order, ordered = sort(x)
    np.testing.assert_array_equal(ordered, np.sort(x))
    np.testing.assert_array_equal(np.sort(order), np.arange(n))


@SORTS
def test_random_arrays_against_numpy(sort: Sort) -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(PACKED_MIN_SIZE, 3 * PACKED_MIN_SIZE))
        kind = rng.integers(0, 3)
        x: np.ndarray[tuple[int], np.dtype[np.float64]] = (
            rng.normal(size=n)
            if kind == 0
            else rng.integers(-5, 5, n).astype(np.float64)
            if kind == 1
            else (1.0 + rng.integers(0, 50, n) * 2**-48).astype(np.float64)
        )
        order, ordered = sort(x)
        np.testing.assert_array_equal(ordered, np.sort(x))
        np.testing.assert_array_equal(np.sort(order), np.arange(n))


@pytest.mark.parametrize("bound", [1, 2, 11, 2**16, 2**16 + 1, 2**21, 2**40])
def test_codes_sort_stably_as_numpy_does(bound: int) -> None:
    rng = np.random.default_rng(bound)
    codes = rng.integers(0, bound, 30_000)
    np.testing.assert_array_equal(argsort_codes(codes, bound),
                                  np.argsort(codes, kind="stable"))


def test_no_codes() -> None:
    assert argsort_codes(np.zeros(0, dtype=np.int64), 10).tolist() == []


def test_the_choice_is_timed_once_and_kept() -> None:
    sorting.numpy_argsort_is_faster.cache_clear()
    first = sorting.numpy_argsort_is_faster()
    assert sorting.numpy_argsort_is_faster.cache_info().misses == 1
    assert sorting.numpy_argsort_is_faster() is first
    assert sorting.numpy_argsort_is_faster.cache_info().hits == 1
