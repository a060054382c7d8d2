"""Evaluate gate and bypass conditions (``indicator op value``) over every firm at once."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.errors import ScoringInputError
from scoring.measures import compare
from scoring.scheme import Condition

__all__ = ["column", "evaluate_condition", "numeric_column"]

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


def column(indicators: pd.DataFrame, name: str, *, used_by: str) -> pd.Series:
    """The indicator column ``name``, or an error naming the scheme element that needs it."""
    if name not in indicators.columns:
        raise ScoringInputError(f"{used_by}: the indicators frame has no column {name!r}")
    return indicators[name]


def numeric_column(indicators: pd.DataFrame, name: str, *, used_by: str) -> FloatArray:
    """The indicator as float64 (booleans as 0/1, missing as NaN)."""
    series = column(indicators, name, used_by=used_by)
    try:
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ScoringInputError(f"{used_by}: indicator {name!r} is not numeric") from exc


def evaluate_condition(cond: Condition, indicators: pd.DataFrame,
                       *, used_by: str) -> tuple[BoolArray, BoolArray]:
    """``(holds, missing)`` per firm; a missing value never holds."""
    series = column(indicators, cond.indicator, used_by=used_by)
    value = cond.value
    # Plain numpy booleans or floats (NaN the only missing value) are compared without pandas.
    values = (series.to_numpy() if isinstance(series.dtype, np.dtype)
              and series.dtype.kind in "bf" else None)
    if values is not None:
        missing = (np.isnan(values) if values.dtype.kind == "f"
                   else np.zeros(values.shape, dtype=np.bool_))
    else:
        missing = series.isna().to_numpy(dtype=np.bool_)
    if cond.op in {"in", "not-in"}:
        assert isinstance(value, list)
        hit = series.isin(value).to_numpy(dtype=np.bool_)
        holds = hit if cond.op == "in" else ~hit
    elif isinstance(value, bool | str):
        hit = (values == value if values is not None and isinstance(value, bool)
               else (series == value).fillna(False).to_numpy(dtype=np.bool_))
        holds = hit if cond.op == "==" else ~hit
    else:
        assert isinstance(value, float | int)
        numbers = (values.astype(np.float64, copy=False) if values is not None
                   else numeric_column(indicators, cond.indicator, used_by=used_by))
        holds = compare(numbers, cond.op, float(value))
    return (holds & ~missing if missing.any() else holds), missing
