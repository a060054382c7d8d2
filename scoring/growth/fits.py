"""The growth models fitted during one piece of work, so that the same fit is made once.

A backtest fits each kind on the years before each calibration year; the training that follows
it (``service.growth.service.train_with_backtest``), and each later origin of a rolling origin,
fit most of those same rows again. A fit is a pure function of its rows, labels, kind,
parameters and seed (``GrowthClassifier`` is seeded), so one ``Fits``, made by the caller for
that piece of work and passed down, hands back a copy of the earlier fit instead of fitting
again: same outputs, fewer fits. It is never shared between pieces of work, nor kept after.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from scoring.growth.model import GrowthClassifier

__all__ = ["Fits", "fit"]


class Fits:
    """Fitted models by what they were fitted on: rows, labels, kind, parameters and seed."""

    def __init__(self) -> None:
        self._fitted: dict[str, GrowthClassifier] = {}

    def fit(self, kind: str, x: pd.DataFrame, y: np.ndarray, *, random_state: int,
            params: Mapping[str, Any] | None = None) -> GrowthClassifier:
        """A copy of the model fitted on exactly these inputs, fitting it on first use; the
        copy's own attributes (``recalibrate`` sets one) leave the stored fit as it was."""
        key = _key(kind, x, y, random_state, params or {})
        if key not in self._fitted:
            self._fitted[key] = _fresh(kind, x, y, random_state, params or {})
        return copy.copy(self._fitted[key])


def fit(fits: Fits | None, kind: str, x: pd.DataFrame, y: np.ndarray, *, random_state: int,
        params: Mapping[str, Any] | None = None) -> GrowthClassifier:
    """``fits.fit``, or a fresh fit when the caller keeps no ``Fits``."""
    if fits is None:
        return _fresh(kind, x, y, random_state, params or {})
    return fits.fit(kind, x, y, random_state=random_state, params=params)


def _fresh(kind: str, x: pd.DataFrame, y: np.ndarray, random_state: int,
           params: Mapping[str, Any]) -> GrowthClassifier:
    return GrowthClassifier(kind, random_state=random_state, **dict(params)).fit(x, y)


def _key(kind: str, x: pd.DataFrame, y: np.ndarray, random_state: int,
         params: Mapping[str, Any]) -> str:
    # Column names and dtypes, every cell (pandas' per-row hashes) and the labels, in row order:
    # the fit's folds are drawn by position, so the same rows in another order are another fit.
    digest = hashlib.sha256()
    digest.update(repr((kind, random_state, sorted(params.items()))).encode())
    digest.update(repr([(str(c), str(t)) for c, t in x.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(x, index=False).to_numpy().tobytes())
    digest.update(np.ascontiguousarray(y).tobytes())
    digest.update(str(np.asarray(y).dtype).encode())
    return digest.hexdigest()
