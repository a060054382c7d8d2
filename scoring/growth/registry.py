"""The registry source: the service's own firms, filings and funding rounds as a leakage-safe
panel of (firm, as-of year) rows with the OECD high-growth label, trained and backtested on an
honest time split.

The as-of date of year t is 31 December of t. Features (``panel.panel_features``) use filings of
fiscal years ≤ t and funding rounds announced on or before that day only. Label
``oecd-high-growth-3y``, for a firm with at least 10 employees in year t, with X_t revenue or
employees:

    high_growth = (R_{t+3} / R_t)^(1/3) − 1 ≥ 0.20  or  (E_{t+3} / E_t)^(1/3) − 1 ≥ 0.20

(revenue growth only where R_t > 0); unknown (the row is dropped, and counted as censored) when
year t has fewer than 10 employees or no filing, or year t + 3 is not filed. Funding rounds are
features, never the label. The time split is ``backtest.backtest_cohort``'s: every kind fitted on
as-of years ≤ T − 1 and chosen on year T, refitted on ≤ T and recalibrated on T's scores, tested
on years after T; the baseline is a logistic model on the last year's revenue and employee
growth alone (``BASELINE_FEATURES``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Final

import pandas as pd

from scoring.growth.backtest import backtest_cohort, rolling_origin
from scoring.growth.card import TrainedModel, fingerprint_frame, train_time_split
from scoring.growth.fits import Fits
from scoring.growth.labels import REGISTRY_LABEL, REGISTRY_SOURCE
from scoring.growth.panel import PANEL_FEATURES, panel_features
from scoring.growth.progress import Progress, report, within

__all__ = [
    "BASELINE_FEATURES",
    "HORIZON",
    "backtest_registry",
    "build_panel",
    "build_registry_cohort",
    "check_registry_split",
    "default_split",
    "labelled_years",
    "oecd_label",
    "rolling_registry",
    "train_registry_model",
]

HORIZON: Final = 3
_GROWTH_THRESHOLD: Final = 0.20
_MIN_EMPLOYEES: Final = 10
BASELINE_FEATURES: Final = ("revenue_growth_1y", "employee_growth_1y")


def oecd_label(filings: pd.DataFrame, index: pd.Index, as_of_year: int) -> pd.Series:
    """The label of the firms in ``index`` for as-of year t (see module); NaN where unknown."""
    def year(y: int) -> pd.DataFrame:
        rows = filings[pd.to_numeric(filings["fiscal_year"], errors="coerce") == y]
        return rows.drop_duplicates("uscc", keep="last").set_index("uscc").reindex(index)

    start, end = year(as_of_year), year(as_of_year + HORIZON)

    def annualised(column: str) -> pd.Series:
        first = pd.to_numeric(start[column], errors="coerce")
        last = pd.to_numeric(end[column], errors="coerce").clip(lower=0)
        return (last / first.where(first > 0)) ** (1 / HORIZON) - 1

    # A rounding tolerance, so growth of exactly 20% (1.728 over three years) counts.
    threshold = _GROWTH_THRESHOLD - 1e-9
    fast = annualised("revenue").ge(threshold) | annualised("employees").ge(threshold)
    staff = pd.to_numeric(start["employees"], errors="coerce")
    known = staff.ge(_MIN_EMPLOYEES) & pd.to_numeric(end["employees"], errors="coerce").notna()
    return fast.astype(float).where(known)


def build_panel(firms: pd.DataFrame, filings: pd.DataFrame, funding_rounds: pd.DataFrame,
                *, as_of_year: int) -> pd.DataFrame:
    """Rows of one as-of year: PANEL_FEATURES, ``has_history``, ``as_of_year`` and ``label``."""
    frame = panel_features(firms, filings, funding_rounds, as_of_year=as_of_year)
    frame["as_of_year"] = as_of_year
    frame["label"] = oecd_label(filings, frame.index, as_of_year)
    return frame


def labelled_years(filings: pd.DataFrame) -> tuple[int, int]:
    """The first and last as-of years whose label can be known: filed years up to the last − 3."""
    years = pd.to_numeric(filings["fiscal_year"], errors="coerce").dropna()
    if years.empty:
        raise ValueError("the registry holds no filings; the growth model needs filed years")
    first, last = int(years.min()), int(years.max()) - HORIZON
    if last < first:
        raise ValueError(f"the registry's filings span {first}-{last + HORIZON}; the label needs "
                         f"{HORIZON} more filed years after an as-of year")
    return first, last


def build_registry_cohort(firms: pd.DataFrame, filings: pd.DataFrame,
                          funding_rounds: pd.DataFrame, *, as_of_years: Sequence[int],
                          progress: Progress | None = None) -> pd.DataFrame:
    """Labelled rows of every as-of year: ``uscc``, PANEL_FEATURES, ``as_of`` and ``label``.

    ``attrs`` carry ``label``, ``n_censored`` (rows with history whose label is unknown) and
    ``fingerprint`` (of the labelled frame).
    """
    parts = []
    censored = 0
    for i, year in enumerate(as_of_years):
        report(progress, f"computing features as of {year}", i / max(len(as_of_years), 1))
        panel = build_panel(firms, filings, funding_rounds, as_of_year=year)
        with_history = panel[panel["has_history"]]
        censored += int(with_history["label"].isna().sum())
        parts.append(with_history[with_history["label"].notna()])
    cohort = (pd.concat(parts) if parts else pd.DataFrame(columns=[*PANEL_FEATURES, "label"]))
    cohort = cohort.reset_index()
    cohort["as_of"] = pd.to_datetime(
        {"year": cohort["as_of_year"].astype(int), "month": 12, "day": 31})
    cohort["label"] = cohort["label"].astype(int)
    cohort = cohort.sort_values(["as_of", "uscc"], kind="stable", ignore_index=True)
    cohort.attrs["label"] = REGISTRY_LABEL
    cohort.attrs["n_censored"] = censored
    cohort.attrs["fingerprint"] = fingerprint_frame(cohort[["uscc", "as_of_year",
                                                            *PANEL_FEATURES, "label"]])
    return cohort


def check_registry_split(*, train_from: int, train_until: int, test_years: tuple[int, int],
                         labelled: tuple[int, int]) -> None:
    """Raise ValueError unless train years precede test years and every test year's label can
    be known (see module); the first training year fits, the last one chooses the kind."""
    first, last = test_years
    if first > last:
        raise ValueError(f"test years {first}-{last} are not in order")
    if train_from >= train_until:
        raise ValueError(f"training years {train_from}-{train_until} need two years at least: "
                         "the earlier ones fit, the last one chooses the kind")
    if first <= train_until:
        raise ValueError(f"test years {first}-{last} overlap the training years "
                         f"{train_from}-{train_until}: test years must come after training")
    if train_from < labelled[0] or last > labelled[1]:
        raise ValueError(f"as-of years with a known label are {labelled[0]}-{labelled[1]} "
                         f"(the label needs the filing {HORIZON} years later); got "
                         f"{train_from}-{last}")


def default_split(labelled: tuple[int, int]) -> tuple[int, int, tuple[int, int]]:
    """train_from, train_until and test years: the last two labelled years are the test."""
    first, last = labelled
    return first, last - 2, (last - 1, last)


def backtest_registry(firms: pd.DataFrame, filings: pd.DataFrame, funding_rounds: pd.DataFrame,
                      *, train_until: int | None = None, test_years: tuple[int, int] | None = None,
                      train_from: int | None = None, kind: str = "auto", random_state: int = 0,
                      progress: Progress | None = None, fits: Fits | None = None
                      ) -> dict[str, Any]:
    """The registry's time-split backtest (defaults: ``default_split``), as on Crunchbase."""
    labelled = labelled_years(filings)
    default_from, default_until, default_test = default_split(labelled)
    train_from = default_from if train_from is None else train_from
    train_until = default_until if train_until is None else train_until
    test_years = default_test if test_years is None else test_years
    check_registry_split(train_from=train_from, train_until=train_until, test_years=test_years,
                         labelled=labelled)
    cohort = build_registry_cohort(firms, filings, funding_rounds,
                                   as_of_years=range(train_from, test_years[1] + 1),
                                   progress=within(progress, 0.0, 0.2))
    result = backtest_cohort(cohort, train_from=train_from, train_until=train_until,
                             test_years=test_years, kind=kind, random_state=random_state,
                             features=PANEL_FEATURES, baseline_features=BASELINE_FEATURES,
                             progress=within(progress, 0.2, 1.0), fits=fits)
    result["source"] = REGISTRY_SOURCE
    return result


def rolling_registry(firms: pd.DataFrame, filings: pd.DataFrame, funding_rounds: pd.DataFrame,
                     *, origins: Sequence[int] | None = None, train_from: int | None = None,
                     kind: str = "auto", random_state: int = 0,
                     progress: Progress | None = None) -> dict[str, Any]:
    """Each origin T: fit to T − 1, choose on T, test T + 1; every metric's mean and spread."""
    labelled = labelled_years(filings)
    train_from = labelled[0] if train_from is None else train_from
    chosen = list(origins) if origins is not None else list(range(train_from + 1, labelled[1]))
    for origin in chosen:
        check_registry_split(train_from=train_from, train_until=origin,
                             test_years=(origin + 1, origin + 1), labelled=labelled)
    if not chosen:
        raise ValueError(f"as-of years {train_from}-{labelled[1]} leave no origin: each needs "
                         "two training years and one test year")
    cohort = build_registry_cohort(firms, filings, funding_rounds,
                                   as_of_years=range(train_from, max(chosen) + 2),
                                   progress=within(progress, 0.0, 0.1))
    result = rolling_origin(cohort, origins=chosen, train_from=train_from, kind=kind,
                            random_state=random_state, features=PANEL_FEATURES,
                            baseline_features=BASELINE_FEATURES,
                            progress=within(progress, 0.1, 1.0))
    result["source"] = REGISTRY_SOURCE
    return result


def train_registry_model(firms: pd.DataFrame, filings: pd.DataFrame,
                         funding_rounds: pd.DataFrame, *, trained_on: date, kind: str = "auto",
                         as_of_years: Sequence[int] | None = None, synthetic: bool = False,
                         metrics: dict[str, Any] | None = None, random_state: int = 0,
                         progress: Progress | None = None, fits: Fits | None = None
                         ) -> TrainedModel:
    """Train on every labelled as-of year (default: all); the last one picks ``auto`` and
    recalibrates (``card.train_time_split``). ``synthetic`` marks the card SYNTHETIC."""
    years = list(as_of_years) if as_of_years is not None else list(
        range(labelled_years(filings)[0], labelled_years(filings)[1] + 1))
    cohort = build_registry_cohort(firms, filings, funding_rounds, as_of_years=years,
                                   progress=within(progress, 0.0, 0.2))
    if len(years) < 2 or cohort.empty or cohort["label"].nunique() < 2:
        raise ValueError(f"as-of years {years} hold {len(cohort)} labelled rows; training needs "
                         "two years at least (the last chooses the kind) and both outcomes")
    trained = train_time_split(cohort, features=PANEL_FEATURES, label=REGISTRY_LABEL,
                               source=REGISTRY_SOURCE, trained_on=trained_on, kind=kind,
                               metrics=metrics, random_state=random_state,
                               progress=within(progress, 0.2, 1.0), fits=fits)
    card = trained.card
    card["synthetic"] = synthetic
    if synthetic:
        card["warning"] = ("SYNTHETIC: trained and backtested on synthetic demo data; its "
                           "metrics prove only that the code runs, not that the model works.")
    card["as_of_years"] = years
    card["n_censored_dropped"] = int(cohort.attrs["n_censored"])
    card["data_range"] |= {"as_of_years": [years[0], years[-1]],
                           "last_filed_year": int(pd.to_numeric(filings["fiscal_year"]).max())}
    return trained
