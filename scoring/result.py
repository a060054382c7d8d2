"""The result of a score run: every intermediate the stages computed, kept as arrays.

The frames and explanations derived from a result are built by ``scoring.explanations``, on
demand, so that scoring a large pool does not pay for explanations nobody reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.aggregation import Structure
from scoring.measures import criterion_values
from scoring.scheme import Gate, Measure, Scheme

__all__ = ["CriterionTrace", "GateTrace", "RatingStatus", "ScoreResult"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

@dataclass(frozen=True, eq=False)
class GateTrace:
    """One gate's outcome per firm, with the indicator values it looked at."""

    id: str
    gate: Gate
    passed: BoolArray
    missing: BoolArray
    values: pd.Series


def _column_matrix(n: int, columns: list[npt.NDArray[Any]], dtype: Any) -> npt.NDArray[Any]:
    """``(N, K)`` column-major matrix of K columns of N values."""
    matrix = np.empty((n, len(columns)), dtype=dtype, order="F")
    for k, col in enumerate(columns):
        matrix[:, k] = col
    return matrix


@dataclass(frozen=True, eq=False)
class CriterionTrace:
    """Per criterion k, over the N firms: raw value used, normalised value, points, missing flag.

    Scoring keeps what is costly to redo — a percentile's sort, a best-of choice, the growth
    model's capped points — and, for every other criterion, the measure and the values it
    scored: its normalised values are recomputed on demand by the same pure kernel
    (``scoring.measures.criterion_values``), bit for bit. The ``(N, K)`` matrices are built on
    first use, so a large pool does not pay for explanations nobody reads.
    """

    n: int
    raw_columns: tuple[FloatArray, ...]
    top: FloatArray  # (K,)
    pool: BoolArray  # the pool the criteria were normalised in
    recompute: Mapping[int, Measure]  # criteria recomputed on demand, by their one measure
    kept_normalised: Mapping[int, FloatArray]  # the other criteria's normalised values
    kept_points: Mapping[int, FloatArray]  # kept points that are not normalised * top
    kept_chosen: Mapping[int, npt.NDArray[np.int8]]  # best_of alternative, -1 when none
    missing_columns: tuple[BoolArray, ...]
    policies: tuple[str, ...]
    imputed_with: FloatArray  # (K,) the pool median used, NaN when none was
    rating_spread: Mapping[str, FloatArray]
    notes: Mapping[str, npt.NDArray[np.object_]]  # per-firm text an input gave a criterion
    # The indicator frame scored (a copy-on-write snapshot): raw columns are views of it.
    indicators: pd.DataFrame

    @cached_property
    def _recomputed_columns(self) -> dict[int, tuple[FloatArray, FloatArray | None, BoolArray]]:
        return {}

    def _recomputed(self, k: int) -> tuple[FloatArray, FloatArray | None, BoolArray]:
        # Once per criterion: the normalised, points and chosen matrices all read it.
        columns = self._recomputed_columns.get(k)
        if columns is None:
            columns = criterion_values(self.recompute[k], self.raw_columns[k], self.pool,
                                       float(self.top[k]))
            self._recomputed_columns[k] = columns
        return columns

    def normalised_column(self, k: int) -> FloatArray:
        """Normalised values of criterion ``k`` (0 where it gave no points)."""
        if k in self.recompute:
            return self._recomputed(k)[0]
        return self.kept_normalised[k]

    def points_column(self, k: int) -> FloatArray:
        """Points of criterion ``k`` for every firm (0 where it gave none)."""
        if k in self.recompute:
            norm, explicit, _ = self._recomputed(k)
        else:
            norm, explicit = self.kept_normalised[k], self.kept_points.get(k)
        if explicit is not None:
            return explicit
        points: FloatArray = norm * self.top[k]
        return points

    def chosen_column(self, k: int) -> npt.NDArray[np.int8]:
        """The best_of alternative that gave criterion ``k``'s points (0 for a single measure),
        -1 where none did."""
        if k in self.recompute:
            unscored = self._recomputed(k)[2]
            return np.where(unscored, np.int8(-1), np.int8(0))
        return self.kept_chosen[k]

    @cached_property
    def raw(self) -> FloatArray:
        """``(N, K)`` raw values used (after any pool-median imputation)."""
        return _column_matrix(self.n, list(self.raw_columns), np.float64)

    @cached_property
    def normalised(self) -> FloatArray:
        """``(N, K)`` normalised values (0 where the criterion gave no points)."""
        return _column_matrix(self.n, [self.normalised_column(k) for k in range(len(self.top))],
                              np.float64)

    @cached_property
    def points(self) -> FloatArray:
        """``(N, K)`` points."""
        return _column_matrix(self.n, [self.points_column(k) for k in range(len(self.top))],
                              np.float64)

    @cached_property
    def missing(self) -> BoolArray:
        """``(N, K)`` true where the criterion had no value."""
        return _column_matrix(self.n, list(self.missing_columns), np.bool_)

    @cached_property
    def chosen(self) -> npt.NDArray[np.int8]:
        """``(N, K)`` best_of alternative that gave the points, -1 when none."""
        return _column_matrix(self.n, [self.chosen_column(k) for k in range(len(self.top))],
                              np.int8)

    @cached_property
    def exclusions(self) -> BoolArray:
        """``(N, K)`` true where a missing value excluded the firm (policy ``exclude``)."""
        return _column_matrix(self.n, [m if p == "exclude" else np.zeros_like(m)
                                       for m, p in zip(self.missing_columns, self.policies,
                                                       strict=True)], np.bool_)


@dataclass(frozen=True, eq=False)
class RatingStatus:
    """Per rating criterion: the ratings each firm has and the number a complete rating needs."""

    criteria: tuple[str, ...]
    given: tuple[IntArray, ...]  # (N,) per criterion
    required: tuple[int, ...]

    @cached_property
    def complete(self) -> BoolArray:
        """``(N,)`` true where every rating criterion has its required number of ratings."""
        complete = np.ones(len(self.given[0]), dtype=np.bool_)
        for given, required in zip(self.given, self.required, strict=True):
            complete &= given >= required
        return complete


@dataclass(frozen=True, eq=False)
class ScoreResult:
    """Everything a score run computed, aligned to ``firms`` (the indicator frame's index)."""

    scheme: Scheme
    firms: pd.Index
    structure: Structure
    gate_traces: tuple[GateTrace, ...]
    traces: CriterionTrace
    bypass_hits: BoolArray
    eligible: BoolArray
    bypassed: BoolArray
    subtotals: FloatArray
    capped: FloatArray
    total: FloatArray
    threshold_ok: BoolArray
    minimum_failures: Mapping[str, BoolArray]
    passed: BoolArray
    rank: IntArray  # 1-based among eligible firms, 0 for ineligible ones
    within_capacity: BoolArray | None
    capacity: int | None
    ratings: RatingStatus | None = None  # None when the scheme has no rating criterion
    # Per firm, the growth model's top factors (records) when the growth frame gave them.
    growth_factors: npt.NDArray[np.object_] | None = None

    @cached_property
    def points_matrix(self) -> pd.DataFrame:
        """Wide: firms × criteria points."""
        return pd.DataFrame(self.traces.points, index=self.firms,
                            columns=list(self.structure.criteria))
