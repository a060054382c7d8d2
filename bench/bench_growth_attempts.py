"""Features and hyper-parameters tried for the Crunchbase growth model, scored on validation years.

Run: ``nice -n 10 .venv/bin/python -m bench.bench_growth_attempts [DATA_DIR]``
(default DATA_DIR: ../shared/data/crunchbase-2013). Prints one JSON line per attempt: the mean
ROC AUC and precision at 100 of each kind on the validation years 2007 and 2008, each scored by
a model fitted on the first-round years before it. The test years 2009–10 are never read, so an
attempt is kept only on this evidence (README: growth model). Every extra feature uses rows
dated before the firm's as-of date only; follow-on rates count only windows closed by then.
Data from CrunchBase (www.crunchbase.com), October 2013 export, CC-BY.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring.growth import crunchbase
from scoring.growth.metrics import score_predictions
from scoring.growth.model import GrowthClassifier
from scoring.growth.sources import load_crunchbase

_YEAR = 365
_VALIDATION_YEARS = (2007, 2008)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, lineterminator="\r", encoding="latin-1", dtype=str)


def _extra_features(data: crunchbase.CrunchbaseData, data_dir: Path) -> pd.DataFrame:
    """Candidate features per firm, each from rows dated strictly before its first round."""
    # The cohort's own window helpers, so a candidate counts exactly as the kept features do.
    first = crunchbase._first_days(data.rounds)
    windowed = crunchbase._windowed_sum
    days = crunchbase._days
    companies = data.companies.reindex(first.index)
    raw = _read(data_dir / "crunchbase-companies.csv").set_index("permalink")
    city = raw["city"].reindex(first.index).fillna("unknown").astype(str).str.strip()
    as_of = days(first["as_of"])
    later = data.rounds[data.rounds["round_type"].isin(crunchbase._LATER_TYPES)]
    later_days = days(later["funded_at"])

    def of_later(column: pd.Series) -> pd.Series:
        return column.reindex(later["permalink"]).fillna("unknown").astype(str).reset_index(
            drop=True)

    acq = _read(data_dir / "crunchbase-acquisitions.csv")
    acq["acquired_at"] = pd.to_datetime(acq["acquired_at"], errors="coerce")
    acq = acq.dropna(subset=["acquired_at"]).reset_index(drop=True)
    followed = crunchbase._later_round_events(
        data.rounds, first, 3).to_numpy(dtype=float)
    closes = days(first["as_of"] + pd.DateOffset(years=3))
    everyone = pd.Series("all", index=first.index)
    global_n = windowed(everyone, as_of, everyone, closes, None)
    global_rate = np.where(global_n > 0, windowed(everyone, as_of, everyone, closes, None,
                                                  followed) / np.maximum(global_n, 1), np.nan)
    city_n = windowed(city, as_of, city, closes, None)
    city_k = windowed(city, as_of, city, closes, None, followed)
    founded = companies["founded_at"]
    sector = companies["category_code"]
    return pd.DataFrame({
        "city": city,
        "city_first_rounds": np.log1p(windowed(city, as_of, city, as_of, _YEAR)),
        "sector_later_rounds": np.log1p(windowed(
            sector, as_of, of_later(data.companies["category_code"]), later_days, _YEAR)),
        "city_later_rounds": np.log1p(windowed(
            city, as_of, of_later(raw["city"].str.strip()), later_days, _YEAR)),
        "region_all_rounds": np.log1p(windowed(
            companies["region"], as_of,
            data.companies["region"].reindex(data.rounds["permalink"]).fillna("unknown")
            .reset_index(drop=True), days(data.rounds["funded_at"]), _YEAR)),
        "city_followon_rate": (city_k + 20 * global_rate) / (city_n + 20),
        "global_followon_rate": global_rate,
        "date_first_of_month": (first["as_of"].dt.day == 1).astype(float),
        "date_first_of_year": ((first["as_of"].dt.day == 1)
                               & (first["as_of"].dt.month == 1)).astype(float),
        "founded_first_of_year": ((founded.dt.day == 1) & (founded.dt.month == 1)).astype(float),
        "acquirer_sector_acquisitions": np.log1p(windowed(
            sector, as_of, acq["acquirer_category_code"].fillna("unknown").astype(str),
            days(acq["acquired_at"]), _YEAR)),
        "region_acquisitions": np.log1p(windowed(
            companies["region"], as_of, acq["company_region"].fillna("unknown").astype(str),
            days(acq["acquired_at"]), _YEAR)),
        "sector_first_rounds_2y": np.log1p(windowed(sector, as_of, sector, as_of, 2 * _YEAR)),
        "sector_first_rounds_90d": np.log1p(windowed(sector, as_of, sector, as_of, 91)),
    }, index=first.index)


def _validate(cohort: pd.DataFrame, features: Sequence[str], *, train_from: int = 2005,
              params: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """Mean validation ROC AUC and precision at 100 of logistic, gbm and their blend."""
    scores: dict[str, list[tuple[float, float]]] = {}
    years = cohort["as_of"].dt.year
    for year in _VALIDATION_YEARS:
        fit = cohort[(years >= train_from) & (years < year)]
        valid = cohort[years == year]
        proba = {kind: GrowthClassifier(kind, **dict((params or {}).get(kind, {})))
                 .fit(fit[list(features)], fit["label"].to_numpy(dtype=int))
                 .predict_proba(valid[list(features)])[:, 1] for kind in ("logistic", "gbm")}
        proba["blend"] = (proba["logistic"] + proba["gbm"]) / 2
        for kind, p in proba.items():
            metrics = score_predictions(valid["label"].to_numpy(dtype=int), p)
            scores.setdefault(kind, []).append((metrics["auc"], metrics["precision_at_100"]))
    return {kind: {"auc": round(float(np.mean([a for a, _ in v])), 4),
                   "precision_at_100": round(float(np.mean([b for _, b in v])), 3)}
            for kind, v in scores.items()}


def main() -> None:
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/crunchbase-2013")
    data = load_crunchbase(data_dir)
    cohort = crunchbase.build_cohort(data, first_round_years=(2000, 2008))
    cohort = cohort.join(_extra_features(data, data_dir))
    base = list(crunchbase.FEATURES)
    attempts: list[tuple[str, list[str], int, dict[str, dict[str, Any]]]] = [
        ("current features", base, 2005, {}),
        ("training from 2000", base, 2000, {}),
        ("without year", [f for f in base if f != "year"], 2005, {}),
        ("logistic C 0.03, gbm min_samples_leaf 160", base, 2005,
         {"logistic": {"C": 0.03}, "gbm": {"min_samples_leaf": 160}}),
    ]
    for extra in (["city"], ["city_first_rounds"], ["sector_later_rounds"], ["city_later_rounds"],
                  ["region_all_rounds"], ["city_followon_rate"], ["global_followon_rate"],
                  ["date_first_of_month", "date_first_of_year"], ["founded_first_of_year"],
                  ["acquirer_sector_acquisitions"], ["region_acquisitions"],
                  ["sector_first_rounds_2y", "sector_first_rounds_90d"]):
        attempts.append((f"+ {', '.join(extra)}", base + extra, 2005, {}))
    for kind, kind_params in (("logistic", {"C": 0.3}), ("logistic", {"C": 1.0}),
                         ("logistic", {"min_category_frequency": 30}),
                         ("gbm", {"learning_rate": 0.03, "max_iter": 300}),
                         ("gbm", {"min_samples_leaf": 40}),
                         ("gbm", {"max_leaf_nodes": 7, "max_iter": 300})):
        attempts.append((f"{kind} {kind_params}", base, 2005, {kind: dict(kind_params)}))
    for name, features, train_from, params in attempts:
        result = _validate(cohort, features, train_from=train_from, params=params)
        print(json.dumps({"attempt": name, **result}), flush=True)


if __name__ == "__main__":
    main()
