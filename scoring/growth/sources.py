"""Reading the growth model's data sources from disk: the one module of ``scoring`` that opens
data files (a scheme file aside, ``scoring.scheme.load_scheme``).

Everything else in ``scoring.growth`` takes frames; the functions here read the Crunchbase 2013
export as published, fingerprint it, and hand the frames on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from scoring.growth.backtest import backtest, rolling_backtest
from scoring.growth.card import TrainedModel, train_on_crunchbase
from scoring.growth.crunchbase import (
    CRUNCHBASE_FILES,
    OBSERVED_UNTIL,
    CrunchbaseData,
    parse_crunchbase,
)
from scoring.growth.fits import Fits
from scoring.growth.progress import Progress

__all__ = [
    "fingerprint_files",
    "load_crunchbase",
    "run_backtest",
    "run_rolling_origin",
    "train_crunchbase_model",
]


def fingerprint_files(paths: Iterable[Path]) -> str:
    """Return sha256 over the files' names and sha256 digests, in the given order."""
    outer = hashlib.sha256()
    for path in paths:
        outer.update(path.name.encode())
        outer.update(hashlib.sha256(path.read_bytes()).hexdigest().encode())
    return outer.hexdigest()


def _read_published(path: Path) -> pd.DataFrame:
    # Bare CR line endings and latin-1, as Crunchbase published them; every column as text.
    return pd.read_csv(path, lineterminator="\r", encoding="latin-1", dtype=str,
                       keep_default_na=True)


def load_crunchbase(data_dir: Path, *, observed_until: pd.Timestamp = OBSERVED_UNTIL
                    ) -> CrunchbaseData:
    """Read the three files of ``data_dir`` as published and clean them (``parse_crunchbase``)."""
    paths = [data_dir / name for name in CRUNCHBASE_FILES]
    companies, rounds, acquisitions = (_read_published(p) for p in paths)
    return parse_crunchbase(companies, rounds, acquisitions,
                            fingerprint=fingerprint_files(paths), observed_until=observed_until)


def run_backtest(data_dir: Path, *, train_until: int, test_years: tuple[int, int],
                 label: str = "series-b-3y", kind: str = "auto", train_from: int = 2005,
                 random_state: int = 0, progress: Progress | None = None,
                 fits: Fits | None = None) -> dict[str, Any]:
    """Read the Crunchbase export in ``data_dir`` and backtest it (``backtest.backtest``)."""
    return backtest(load_crunchbase(data_dir), train_until=train_until, test_years=test_years,
                    label=label, kind=kind, train_from=train_from, random_state=random_state,
                    progress=progress, fits=fits)


def run_rolling_origin(data_dir: Path, *, label: str = "series-b-3y", kind: str = "auto",
                       train_from: int = 2005, origins: Sequence[int] | None = None,
                       random_state: int = 0, progress: Progress | None = None
                       ) -> dict[str, Any]:
    """Read the Crunchbase export in ``data_dir`` and run ``backtest.rolling_backtest`` on it."""
    return rolling_backtest(load_crunchbase(data_dir), label=label, kind=kind,
                            train_from=train_from, origins=origins, random_state=random_state,
                            progress=progress)


def train_crunchbase_model(data_dir: Path, *, trained_on: date, label: str = "series-b-3y",
                           first_round_years: tuple[int, int] = (2005, 2010),
                           kind: str = "auto", metrics: Mapping[str, Any] | None = None,
                           random_state: int = 0, progress: Progress | None = None,
                           fits: Fits | None = None) -> TrainedModel:
    """Read the Crunchbase export in ``data_dir`` and train on it (``card.train_on_crunchbase``)."""
    return train_on_crunchbase(load_crunchbase(data_dir), trained_on=trained_on, label=label,
                               first_round_years=first_round_years, kind=kind, metrics=metrics,
                               random_state=random_state, progress=progress, fits=fits)
