"""The Crunchbase 2013 export as a leakage-safe first-round cohort with features and a label.

Data from CrunchBase (www.crunchbase.com), October 2013 export, CC-BY.

Choices, written down once:

- A firm's *first round* is the earliest dated round in the rounds file (after dropping
  duplicates and unparseable dates). The firm enters the cohort when that day holds an ``angel``
  or ``series-a`` round and no later-stage round. The export has no ``seed`` type (seed money is
  filed as ``angel``); a firm whose first day holds only ``venture`` (an unlabelled round of any
  stage) or ``other`` is left out, because its stage on that day cannot be told.
- The *as-of date* is the first round's date. Every feature is computed from rows dated strictly
  before it, plus the firm's own first-day rounds and static attributes (sector, state, region,
  founding date). ``funding_total_usd``, ``funding_rounds``, ``status`` and ``last_*`` of the
  companies file are never features.
- ``series-b-3y``: a round typed series-b, series-c+, private-equity or post-ipo dated in
  (as_of, as_of + 3 years]. ``exit-5y``: an acquisition dated in (as_of, as_of + 5 years], or a
  post-ipo round in that window (the IPO preceded it), or an IPO status with no date (the export
  does not date IPOs; counted as an exit, which can over-count IPOs after year five).
- Right censoring: a firm whose window ends after ``observed_until`` (the export's last day,
  2013-10-01) has an unknown label and is dropped; ``build_cohort`` records how many in
  ``frame.attrs["n_censored"]``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

__all__ = [
    "CATEGORICAL_FEATURES",
    "CRUNCHBASE_FILES",
    "FEATURES",
    "LABELS",
    "OBSERVED_UNTIL",
    "CrunchbaseData",
    "build_cohort",
    "label_horizon_years",
    "parse_crunchbase",
]

CRUNCHBASE_FILES: Final = (
    "crunchbase-companies.csv",
    "crunchbase-rounds.csv",
    "crunchbase-acquisitions.csv",
)
# The export's last recorded day; outcome windows must close on or before it.
OBSERVED_UNTIL: Final = pd.Timestamp("2013-10-01")
LABELS: Final = {"series-b-3y": 3, "exit-5y": 5}

_EARLY_TYPES: Final = frozenset({"angel", "series-a"})
_LATER_TYPES: Final = frozenset({"series-b", "series-c+", "private-equity", "post-ipo"})
_DAYS_PER_YEAR: Final = 365.25
# Smoothing weight of the global rate when a sector or region has few closed windows.
_RATE_PRIOR_WEIGHT: Final = 20.0

CATEGORICAL_FEATURES: Final = ("category_code", "state_code", "region", "first_round_type")
FEATURES: Final = (
    *CATEGORICAL_FEATURES,
    "log_amount",
    "amount_missing",
    "age_years",
    "age_missing",
    "year",
    "quarter",
    "same_day_rounds",
    "same_day_venture",
    "log_sector_first_rounds_prior_year",
    "log_region_first_rounds_prior_year",
    "log_region_later_rounds_prior_year",
    "log_sector_acquisitions_prior_year",
    "sector_followon_rate",
    "region_followon_rate",
    "amount_vs_sector_prior_median",
)


@dataclass(frozen=True)
class CrunchbaseData:
    """The three Crunchbase tables, cleaned of unreadable rows, with their input's fingerprint."""

    companies: pd.DataFrame
    rounds: pd.DataFrame
    acquisitions: pd.DataFrame
    fingerprint: str
    observed_until: pd.Timestamp = OBSERVED_UNTIL
    dropped: dict[str, int] = field(default_factory=dict)


def label_horizon_years(label: str) -> int:
    """Return the outcome window in years of a label name, or raise ValueError."""
    if label not in LABELS:
        raise ValueError(f"unknown label {label!r}; expected one of {sorted(LABELS)}")
    return LABELS[label]


def _parse_dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")


def _text(values: pd.Series) -> pd.Series:
    cleaned = values.astype("string").str.strip()
    # Spreadsheet artefacts and blanks are not categories.
    return cleaned.mask(cleaned.isin(["", "#NAME?"])).fillna("unknown").astype(str)


def parse_crunchbase(companies: pd.DataFrame, rounds: pd.DataFrame, acquisitions: pd.DataFrame,
                     *, fingerprint: str | None = None,
                     observed_until: pd.Timestamp = OBSERVED_UNTIL) -> CrunchbaseData:
    """Clean raw Crunchbase frames: parse dates and amounts, drop unreadable and duplicate rows."""
    if fingerprint is None:
        digest = hashlib.sha256()
        for frame in (companies, rounds, acquisitions):
            digest.update(pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy()
                          .tobytes())
        fingerprint = digest.hexdigest()
    dropped: dict[str, int] = {}

    c = pd.DataFrame({
        "permalink": companies["permalink"].astype("string").str.strip(),
        "category_code": _text(companies["category_code"]),
        "state_code": _text(companies["state_code"]),
        "region": _text(companies["region"]),
        "founded_at": _parse_dates(companies["founded_at"]),
        "status": _text(companies["status"]),
    })
    before = len(c)
    c = c.dropna(subset=["permalink"]).drop_duplicates("permalink").set_index("permalink")
    dropped["companies"] = before - len(c)

    r = pd.DataFrame({
        "permalink": rounds["company_permalink"].astype("string").str.strip(),
        "round_type": _text(rounds["funding_round_type"]),
        "funded_at": _parse_dates(rounds["funded_at"]),
        "amount": pd.to_numeric(rounds["raised_amount_usd"], errors="coerce"),
    })
    before = len(r)
    r = r.dropna(subset=["permalink", "funded_at"])
    r = r[r["amount"].isna() | (r["amount"] > 0)]
    # The same firm, type and day twice is one round entered twice; keep its largest amount.
    r = (r.sort_values(["permalink", "funded_at", "round_type", "amount"], na_position="first")
         .drop_duplicates(["permalink", "funded_at", "round_type"], keep="last")
         .reset_index(drop=True))
    dropped["rounds"] = before - len(r)

    a = pd.DataFrame({
        "permalink": acquisitions["company_permalink"].astype("string").str.strip(),
        "acquired_at": _parse_dates(acquisitions["acquired_at"]),
        "category_code": _text(acquisitions["company_category_code"]),
    })
    before = len(a)
    a = (a.dropna(subset=["permalink", "acquired_at"])
         .sort_values(["permalink", "acquired_at"])
         .drop_duplicates(["permalink", "acquired_at"]).reset_index(drop=True))
    dropped["acquisitions"] = before - len(a)
    return CrunchbaseData(companies=c, rounds=r, acquisitions=a, fingerprint=fingerprint,
                          observed_until=observed_until, dropped=dropped)


def _days(values: pd.Series) -> np.ndarray:
    return np.asarray(values.to_numpy(dtype="datetime64[D]").astype(np.int64))


def _windowed_sum(query_groups: pd.Series, query_days: np.ndarray, event_groups: pd.Series,
                  event_days: np.ndarray, lookback_days: int | None,
                  weights: np.ndarray | None = None) -> np.ndarray:
    """Sum event weights of the query's group dated in [day - lookback, day) (all past if None)."""
    categories = pd.Index(pd.concat([query_groups, event_groups]).unique())
    q_code = categories.get_indexer(query_groups).astype(np.int64)
    e_code = categories.get_indexer(event_groups).astype(np.int64)
    # One sorted key per event (group, day) makes every window two binary searches.
    span = np.int64(10**7)
    keys = e_code * span + event_days.astype(np.int64)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    w = np.ones(len(keys)) if weights is None else np.asarray(weights, dtype=float)[order]
    cum = np.concatenate([[0.0], np.cumsum(w)])
    hi = np.searchsorted(keys, q_code * span + query_days, side="left")
    if lookback_days is None:
        lo = np.searchsorted(keys, q_code * span, side="left")
    else:
        lo = np.searchsorted(keys, q_code * span + query_days - lookback_days, side="left")
    return np.asarray(cum[hi] - cum[lo])


def _type_set(types: pd.Series) -> frozenset[str]:
    return frozenset(str(t) for t in types)


def _first_days(rounds: pd.DataFrame) -> pd.DataFrame:
    """One row per firm: its first round's date, types, amount and count of rounds that day."""
    first_date = rounds.groupby("permalink")["funded_at"].transform("min")
    first = rounds[rounds["funded_at"] == first_date]
    types = first.groupby("permalink")["round_type"].agg(_type_set)
    return pd.DataFrame({
        "as_of": first.groupby("permalink")["funded_at"].first(),
        "types": types,
        "amount": first.groupby("permalink")["amount"].sum(min_count=1),
        "rounds": first.groupby("permalink").size(),
    })


def _later_round_events(rounds: pd.DataFrame, first: pd.DataFrame, horizon_years: int
                        ) -> pd.Series:
    """Whether each firm had a later-stage round in (as_of, as_of + horizon]."""
    later = rounds[rounds["round_type"].isin(_LATER_TYPES)]
    joined = later.join(first["as_of"], on="permalink")
    end = joined["as_of"] + pd.DateOffset(years=horizon_years)
    hit = (joined["funded_at"] > joined["as_of"]) & (joined["funded_at"] <= end)
    return joined[hit].groupby("permalink").size().reindex(first.index, fill_value=0) > 0


def _exit_events(data: CrunchbaseData, first: pd.DataFrame, horizon_years: int) -> pd.Series:
    """Whether each firm was acquired or went public in (as_of, as_of + horizon]."""
    acq = data.acquisitions.join(first["as_of"], on="permalink", how="inner")
    end = acq["as_of"] + pd.DateOffset(years=horizon_years)
    acquired = acq[(acq["acquired_at"] > acq["as_of"]) & (acq["acquired_at"] <= end)]
    ipo_rounds = data.rounds[data.rounds["round_type"] == "post-ipo"].join(
        first["as_of"], on="permalink", how="inner")
    ipo_end = ipo_rounds["as_of"] + pd.DateOffset(years=horizon_years)
    ipo_dated = ipo_rounds[(ipo_rounds["funded_at"] > ipo_rounds["as_of"])
                           & (ipo_rounds["funded_at"] <= ipo_end)]
    status = data.companies["status"].reindex(first.index)
    undated_ipo = (status == "ipo") & ~first.index.isin(
        data.rounds.loc[data.rounds["round_type"] == "post-ipo", "permalink"])
    return pd.Series(first.index.isin(acquired["permalink"]) | first.index.isin(
        ipo_dated["permalink"]) | undated_ipo.to_numpy(), index=first.index)


def build_cohort(data: CrunchbaseData, *, first_round_years: tuple[int, int] = (2005, 2010),
                 label: str = "series-b-3y") -> pd.DataFrame:
    """Return the first-round cohort of those years: FEATURES, ``as_of`` and ``label`` per firm."""
    horizon = label_horizon_years(label)
    start_year, end_year = first_round_years
    if start_year > end_year:
        raise ValueError(f"first_round_years {first_round_years} is not an ordered pair")
    rounds = data.rounds
    first = _first_days(rounds)
    companies = data.companies.reindex(first.index)
    for column in ("category_code", "state_code", "region"):
        companies[column] = companies[column].fillna("unknown")

    # Market context for every firm that ever raised, so counts cover non-cohort firms too.
    first_days = _days(first["as_of"])
    year_days = 365
    sector_firsts = _windowed_sum(companies["category_code"], first_days,
                                  companies["category_code"], first_days, year_days)
    region_firsts = _windowed_sum(companies["region"], first_days, companies["region"],
                                  first_days, year_days)
    later = rounds[rounds["round_type"].isin(_LATER_TYPES)]
    later_region = data.companies["region"].reindex(later["permalink"]).fillna("unknown")
    region_later = _windowed_sum(companies["region"], first_days,
                                 later_region.reset_index(drop=True), _days(later["funded_at"]),
                                 year_days)
    sector_acq = _windowed_sum(companies["category_code"], first_days,
                               data.acquisitions["category_code"],
                               _days(data.acquisitions["acquired_at"]), year_days)

    # Follow-on rate among firms whose 3-year window had closed before this firm's as-of date.
    followed = _later_round_events(rounds, first, 3).to_numpy(dtype=float)
    closes = _days(first["as_of"] + pd.DateOffset(years=3))
    everyone = pd.Series("all", index=first.index)
    global_n = _windowed_sum(everyone, first_days, everyone, closes, None)
    global_k = _windowed_sum(everyone, first_days, everyone, closes, None, followed)
    global_rate = np.where(global_n > 0, global_k / np.maximum(global_n, 1), np.nan)
    rates: dict[str, np.ndarray] = {}
    for column in ("category_code", "region"):
        n = _windowed_sum(companies[column], first_days, companies[column], closes, None)
        k = _windowed_sum(companies[column], first_days, companies[column], closes, None,
                          followed)
        rates[column] = (k + _RATE_PRIOR_WEIGHT * global_rate) / (n + _RATE_PRIOR_WEIGHT)

    log_amount = np.log10(first["amount"].where(first["amount"] > 0))
    # Median first-round amount in the sector over the prior two years, from past rows only.
    prior_median = _prior_median(companies["category_code"], first["as_of"], log_amount)

    age = (first["as_of"] - companies["founded_at"]).dt.days / _DAYS_PER_YEAR
    # A founding date after the first round is a data error; such ages are treated as unknown.
    age = age.where(age >= 0)
    types = first["types"]
    frame = pd.DataFrame({
        "category_code": companies["category_code"].astype(str),
        "state_code": companies["state_code"].astype(str),
        "region": companies["region"].astype(str),
        "first_round_type": np.where(types.map(lambda t: "series-a" in t), "series-a", "angel"),
        "log_amount": log_amount,
        "amount_missing": log_amount.isna().astype(float),
        "age_years": age,
        "age_missing": age.isna().astype(float),
        "year": first["as_of"].dt.year.astype(float),
        "quarter": first["as_of"].dt.quarter.astype(float),
        "same_day_rounds": (first["rounds"] - 1).astype(float),
        "same_day_venture": types.map(lambda t: "venture" in t).astype(float),
        "log_sector_first_rounds_prior_year": np.log1p(sector_firsts),
        "log_region_first_rounds_prior_year": np.log1p(region_firsts),
        "log_region_later_rounds_prior_year": np.log1p(region_later),
        "log_sector_acquisitions_prior_year": np.log1p(sector_acq),
        "sector_followon_rate": rates["category_code"],
        "region_followon_rate": rates["region"],
        "amount_vs_sector_prior_median": log_amount - prior_median,
        "as_of": first["as_of"],
    }, index=first.index)
    frame.index.name = "permalink"

    early = types.map(lambda t: bool(t & _EARLY_TYPES) and not (t & _LATER_TYPES))
    years = first["as_of"].dt.year
    in_years = early & (years >= start_year) & (years <= end_year)
    frame = frame[in_years.to_numpy()]
    window_end = frame["as_of"] + pd.DateOffset(years=horizon)
    censored = window_end > data.observed_until
    frame = frame[~censored.to_numpy()].copy()
    if label == "series-b-3y":
        events = _later_round_events(rounds, first, horizon)
    else:
        events = _exit_events(data, first, horizon)
    frame["label"] = events.reindex(frame.index).fillna(False).astype(int)
    # Date, then permalink: a deterministic order whatever the input's row order.
    ordered = frame.reset_index().sort_values(["as_of", "permalink"])
    frame = pd.DataFrame(ordered.set_index("permalink"))
    frame.attrs["n_censored"] = int(censored.sum())
    frame.attrs["label"] = label
    frame.attrs["fingerprint"] = data.fingerprint
    return frame


def _prior_median(groups: pd.Series, as_of: pd.Series, log_amount: pd.Series) -> np.ndarray:
    """Median log amount of first rounds in the same group within the two years before as_of."""
    out = np.full(len(groups), np.nan)
    frame = pd.DataFrame({"g": groups.to_numpy(), "d": _days(as_of),
                          "v": log_amount.to_numpy(), "i": np.arange(len(groups))})
    for _, part in frame.groupby("g", sort=False):
        part = part.sort_values("d", kind="stable")
        days = part["d"].to_numpy()
        values = part["v"].to_numpy()
        lo = np.searchsorted(days, days - 730, side="left")
        hi = np.searchsorted(days, days, side="left")
        idx = part["i"].to_numpy()
        for row, (a, b) in enumerate(zip(lo, hi, strict=True)):
            window = values[a:b]
            window = window[~np.isnan(window)]
            if len(window) >= 5:
                out[idx[row]] = float(np.median(window))
    return out
