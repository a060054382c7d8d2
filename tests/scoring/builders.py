"""Plain typed builders for scoring tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

from scoring.result import ScoreResult
from scoring.scheme import Scheme, load_scheme


def uscc_for(i: int) -> str:
    """A deterministic 18-character identifier (test data, not checksum-valid)."""
    return f"91110108{i:010d}"


def indicator_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Indicators indexed by uscc; each row needs a ``uscc`` key."""
    return pd.DataFrame(rows).set_index("uscc")


def one_firm(**values: Any) -> pd.DataFrame:
    """A single-firm indicator frame with uscc ``F``."""
    return indicator_frame([{"uscc": "F", **values}])


def scheme_from(criteria: list[dict[str, Any]], **extra: Any) -> Scheme:
    """A test scheme with the given criteria and top-level keys."""
    return load_scheme({"id": "test", "version": 1, "title": "test", "criteria": criteria,
                        **extra})


def points_of(result: ScoreResult, uscc: str, criterion: str) -> float:
    """Points one firm earned on one criterion."""
    return float(result.points_matrix[criterion].to_numpy()[result.firms.get_loc(uscc)])
