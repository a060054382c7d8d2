"""The simulation: firm traits, yearly filings, funding histories, names and codes, from one seed.

Every draw comes from one ``numpy.random.Generator`` in a fixed order, so the same seed gives
the same frames bit for bit; the fixed tables it draws from are in ``tables``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd

from schemas import uscc
from scoring.vocabulary import FILING_FIELDS, SECTORS
from seed_data.demo.dataset import DemoData
from seed_data.demo.tables import (
    BRAND_CHARS,
    CANDIDATE_COLUMNS,
    COHORT_BY_STAGE,
    DEFAULT_SEED,
    FISCAL_YEARS,
    FOUNDING_WINDOWS,
    HAIDIAN_REGION,
    HISTORY_STREAM,
    HISTORY_YEARS,
    NON_UNICORN_CAP,
    ORGANISATION_CODE_MARK,
    PLACES,
    RATIO_FIELDS,
    REFERENCE_DATE,
    ROUND_ORDER,
    ROUND_TERMS,
    SECTOR_CODES,
    SECTOR_PROFILES,
    STAGE_HINTS,
    STAGE_SHARES,
)

__all__ = ["MAX_SERIALS", "generate", "scale_rows"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_EPOCH = dt.date(1970, 1, 1)

_HARD_TECH = np.array([s.hard_tech for s in SECTORS], dtype=np.bool_)
_SECTOR_WEIGHTS = np.array([SECTOR_PROFILES[c].weight for c in SECTOR_CODES], dtype=np.float64)
_SECTOR_WEIGHTS /= _SECTOR_WEIGHTS.sum()
_SECTOR_RD = np.array([SECTOR_PROFILES[c].rd_intensity for c in SECTOR_CODES], dtype=np.float64)

_USCC_PREFIX = "91" + HAIDIAN_REGION  # registered by market regulation (9), an enterprise (1)
_SERIAL_DIGITS = 7
MAX_SERIALS = 10**_SERIAL_DIGITS


def _usccs(serials: IntArray) -> list[str]:
    """Haidian USCCs ``91110108`` + ``Y`` + 7-digit serial + GB 11714 check + GB 32100 check."""
    codes: list[str] = []
    for serial in serials.tolist():
        organisation = f"{ORGANISATION_CODE_MARK}{serial:0{_SERIAL_DIGITS}d}"
        body = _USCC_PREFIX + organisation + uscc.organisation_check_character(organisation)
        codes.append(body + uscc.check_character(body))
    return codes


def _day(date: dt.date) -> int:
    """Days since 1970-01-01."""
    return (date - _EPOCH).days


def _iso(days: IntArray) -> npt.NDArray[np.str_]:
    """ISO dates (YYYY-MM-DD) from days since 1970-01-01."""
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D")


def _stage_counts(n: int) -> IntArray:
    """Exact stage counts for n firms, by the shares 45/35/20 (remainder to established)."""
    startups = round(n * STAGE_SHARES[0])
    growth = round(n * STAGE_SHARES[1])
    return np.array([startups, growth, n - startups - growth], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class _Traits:
    """Firm-level latent parameters; one entry per firm, drawn once and reused every year."""

    stage: IntArray
    sector: IntArray
    founded: IntArray
    log_revenue: FloatArray
    growth_mean: FloatArray
    growth_sd: FloatArray
    high_growth: BoolArray
    pre_revenue: BoolArray
    rd_intensity: FloatArray
    rd_floor: FloatArray
    margin: FloatArray
    cost_over_rd: FloatArray
    asset_ratio: FloatArray
    cash: FloatArray
    debt_ratio: FloatArray
    main_share: FloatArray
    export_share: FloatArray
    revenue_per_employee: FloatArray
    staff_floor: FloatArray
    tech_share: FloatArray
    rd_staff_share: FloatArray
    ip_decay: FloatArray
    self_share: FloatArray
    high_value_share: FloatArray
    ip_gamma: FloatArray
    ip2_gamma: FloatArray
    pct_filer: BoolArray
    standards: IntArray
    market_share: FloatArray
    share_trend: FloatArray
    rank_jitter: FloatArray
    alliances: IntArray
    centres: IntArray


def _by_stage(stage: IntArray, values: Sequence[float]) -> FloatArray:
    """Look up one float per firm from a per-stage triple."""
    return np.asarray(values, dtype=np.float64)[stage]


def _draw_traits(rng: np.random.Generator, stage: IntArray) -> _Traits:
    """Draw every firm-level parameter; stage 0 start-up, 1 growth, 2 established."""
    n = len(stage)
    sector = rng.choice(len(SECTOR_CODES), size=n, p=_SECTOR_WEIGHTS).astype(np.int64)
    hard = _HARD_TECH[sector]
    windows = np.array([[_day(a), _day(b)] for a, b in FOUNDING_WINDOWS], dtype=np.int64)
    low, high = windows[stage, 0], windows[stage, 1]
    founded = low + np.floor(rng.random(n) * (high - low + 1)).astype(np.int64)

    # Full-year revenue in the last fiscal year, log-normal by stage (medians 8 M, 300 M, 6 bn).
    log_revenue = _by_stage(stage, (15.9, 19.5, 22.5)) + _by_stage(
        stage, (1.0, 0.9, 1.3)) * rng.standard_normal(n)
    high_growth = rng.random(n) < 0.10
    growth_mean = np.clip(
        _by_stage(stage, (0.35, 0.18, 0.08))
        + _by_stage(stage, (0.30, 0.15, 0.06)) * rng.standard_normal(n)
        + high_growth * _by_stage(stage, (0.50, 0.35, 0.15)),
        -0.3, 2.0,
    )
    pre_revenue = (stage == 0) & (rng.random(n) < 0.05)

    rd_intensity = np.clip(
        _SECTOR_RD[sector] * _by_stage(stage, (1.2, 1.0, 0.7)) * rng.lognormal(0.0, 0.45, n),
        0.002, 0.9,
    )
    # Start-ups spend on R&D before they earn: a floor independent of revenue, high for the
    # pre-revenue ones, modest otherwise so R&D/revenue still spreads over the official bands.
    rd_floor = (stage == 0) * rng.lognormal(np.log(np.where(pre_revenue, 1.2e6, 2.5e5)), 0.7) * (
        np.where(hard, 1.0, 0.4))
    margin = np.where(
        stage == 0, rng.normal(-0.25, 0.35, n),
        np.where(stage == 1, rng.normal(0.08, 0.12, n), rng.normal(0.10, 0.07, n)),
    )
    debt_ratio = np.where(rng.random(n) < 0.02, rng.uniform(0.9, 1.25, n), rng.beta(2.5, 3.5, n))
    main_share = np.where(rng.random(n) < 0.05, rng.uniform(0.3, 0.6, n), rng.beta(9.0, 1.3, n))
    exporter = rng.random(n) < _by_stage(stage, (0.15, 0.40, 0.55))
    export_share = exporter * rng.beta(1.5, 5.0, n)
    tech_share = np.where(hard, rng.beta(6.0, 4.0, n), rng.beta(3.0, 5.0, n))

    # Standards led (international, national, industry): mostly leaders and hidden champions.
    p_std = np.array([[0.0, 0.0, 0.05], [0.05, 0.3, 0.5], [0.3, 0.7, 0.8]])[stage]
    mean_std = np.array([[0.0, 0.0, 0.5], [1.0, 1.5, 2.0], [2.0, 4.0, 6.0]])[stage]
    standards = (rng.random((n, 3)) < p_std) * (1 + rng.poisson(mean_std))
    reports_share = rng.random(n) < _by_stage(stage, (0.15, 0.85, 0.60))
    market_share = np.where(
        stage == 0, rng.beta(1.0, 20.0, n),
        np.where(stage == 1, rng.beta(1.6, 4.0, n), rng.beta(1.5, 6.0, n)),
    )
    market_share = np.where(reports_share, np.clip(market_share, 0.0005, 0.95), np.nan)
    alliances = (rng.random(n) < _by_stage(stage, (0.0, 0.10, 0.60))) * (
        1 + rng.poisson(_by_stage(stage, (0.0, 0.2, 1.5))))
    centres = (rng.random(n) < _by_stage(stage, (0.0, 0.05, 0.40))) * (
        1 + rng.poisson(_by_stage(stage, (0.0, 0.1, 0.8))))

    return _Traits(
        stage=stage,
        sector=sector,
        founded=founded,
        log_revenue=log_revenue,
        growth_mean=growth_mean,
        growth_sd=_by_stage(stage, (0.25, 0.12, 0.06)),
        high_growth=high_growth,
        pre_revenue=pre_revenue,
        rd_intensity=rd_intensity,
        rd_floor=rd_floor,
        margin=margin,
        cost_over_rd=rng.uniform(1.3, 3.0, n),
        asset_ratio=rng.lognormal(np.log(_by_stage(stage, (1.2, 1.3, 1.6))),
                                  _by_stage(stage, (0.4, 0.4, 0.5))),
        cash=(stage < 2) * rng.lognormal(np.log(_by_stage(stage, (8e6, 5e7, 1.0))), 0.8),
        debt_ratio=debt_ratio,
        main_share=main_share,
        export_share=export_share,
        revenue_per_employee=rng.lognormal(np.log(_by_stage(stage, (4e5, 1.2e6, 2.5e6))), 0.5),
        staff_floor=rng.lognormal(np.log(12.0), 0.5, n),
        tech_share=tech_share,
        rd_staff_share=rng.beta(6.0, 3.0, n),
        ip_decay=rng.uniform(0.70, 0.95, n),
        self_share=rng.beta(8.0, 2.0, n),
        high_value_share=np.where(stage == 0, rng.beta(1.5, 6.0, n), rng.beta(2.0, 4.0, n)),
        ip_gamma=rng.gamma(2.0, 0.5, n),
        ip2_gamma=rng.gamma(2.0, 0.5, n),
        pct_filer=rng.random(n) < _by_stage(stage, (0.08, 0.60, 0.85)),
        standards=standards.astype(np.int64),
        market_share=market_share,
        share_trend=rng.normal(0.05, 0.10, n),
        rank_jitter=rng.lognormal(0.0, 0.3, n),
        alliances=alliances.astype(np.int64),
        centres=centres.astype(np.int64),
    )


def _simulate_filings(
    rng: np.random.Generator, t: _Traits, years: Sequence[int],
    growth_shift: FloatArray | None = None,
) -> tuple[dict[str, FloatArray], BoolArray]:
    """Yearly figures as (firm × year) matrices, anchored on the last year; also who filed.

    ``growth_shift`` (firm × year) moves each year's mean growth; the figures also carry
    ``log_full_revenue``, the full-year revenue path, so a history can be anchored on it.
    """
    n, n_years = len(t.stage), len(years)
    year_arr = np.asarray(years, dtype=np.int64)
    age_back = (year_arr[-1] - year_arr)[None, :].astype(np.float64)  # 0 in the anchor year
    year_end = np.array([_day(dt.date(int(y), 12, 31)) for y in years], dtype=np.int64)
    active_days = np.clip(year_end[None, :] - t.founded[:, None] + 1, 0, 365)
    filed = active_days > 0
    active = active_days / 365.0

    # Revenue path: log r[y-1] = log r[y] − log(1 + g[y]), firm-level mean growth persists.
    shift = 0.0 if growth_shift is None else growth_shift
    growth = np.clip(t.growth_mean[:, None] + shift
                     + t.growth_sd[:, None] * rng.standard_normal((n, n_years)), -0.5, 3.0)
    log_path = np.empty((n, n_years))
    log_path[:, -1] = t.log_revenue
    for j in range(n_years - 2, -1, -1):
        log_path[:, j] = log_path[:, j + 1] - np.log1p(growth[:, j + 1])
    scale = np.exp(log_path - t.log_revenue[:, None])  # size relative to the anchor year
    full_revenue = np.exp(log_path)
    revenue = np.where(t.pre_revenue[:, None], 0.0, full_revenue * active)

    intensity = np.clip(t.rd_intensity[:, None] * rng.lognormal(0.0, 0.1, (n, n_years)), 0, 0.95)
    rd = np.maximum(revenue * intensity, t.rd_floor[:, None] * np.sqrt(scale) * active)
    margin = t.margin[:, None] + rng.normal(0.0, 0.05, (n, n_years))
    costs = np.maximum(revenue * (1.0 - margin), rd * t.cost_over_rd[:, None])
    # Start-ups book small grants and interest; without them every pre-revenue firm loses costs.
    other_income = (t.stage == 0)[:, None] * costs * rng.uniform(0.0, 0.05, (n, n_years))
    pre_tax = revenue - costs + other_income
    net_profit = np.where(pre_tax > 0, pre_tax * 0.85, pre_tax)
    assets = full_revenue * active * t.asset_ratio[:, None] + t.cash[:, None] * rng.uniform(
        0.6, 1.2, (n, n_years))
    debt = np.clip(t.debt_ratio[:, None] + rng.normal(0.0, 0.03, (n, n_years)), 0.02, 1.3)
    liabilities = assets * debt
    main_share = np.clip(t.main_share[:, None] + rng.normal(0.0, 0.02, (n, n_years)), 0.2, 1.0)
    main_revenue = revenue * main_share
    export = revenue * np.clip(t.export_share[:, None]
                               * rng.lognormal(0.0, 0.15, (n, n_years)), 0.0, 1.0)

    staff_cap = _by_stage(t.stage, (400.0, 20000.0, 300000.0))[:, None]
    staff_min = _by_stage(t.stage, (2.0, 3.0, 30.0))[:, None]
    employees = np.where(
        t.pre_revenue[:, None],
        t.staff_floor[:, None] * scale ** 0.5,
        np.clip(full_revenue / t.revenue_per_employee[:, None], staff_min, staff_cap),
    ) * rng.lognormal(0.0, 0.05, (n, n_years))
    employees = np.maximum(np.round(employees), 1.0)
    tech_share = np.clip(t.tech_share[:, None] + rng.normal(0.0, 0.03, (n, n_years)), 0.0, 1.0)
    technical = np.round(employees * tech_share)
    rd_staff = np.round(technical * t.rd_staff_share[:, None])

    # Class I IP grows with R&D spend: stock ≈ a·(R&D/1 M yuan)^0.75, thinner outside hard tech.
    hard = np.where(_HARD_TECH[t.sector], 1.0, 0.35)
    rd_anchor = rd[:, -1] / np.maximum(active[:, -1], 1e-9)
    ip_mean = _by_stage(t.stage, (1.2, 2.0, 2.5)) * (rd_anchor / 1e6) ** 0.75 * hard * t.ip_gamma
    ip1_anchor = rng.poisson(ip_mean).astype(np.float64)
    decay = t.ip_decay[:, None] ** age_back
    ip1 = np.round(ip1_anchor[:, None] * decay)
    ip1_self = np.round(ip1 * t.self_share[:, None])
    ip1_high = np.round(ip1 * t.high_value_share[:, None])
    ip2_mean = (1.0 + 0.6 * ip1_anchor + 0.04 * employees[:, -1]) * np.where(
        _HARD_TECH[t.sector], 1.0, 1.5) * t.ip2_gamma
    ip2 = np.round(rng.poisson(ip2_mean).astype(np.float64)[:, None] * decay)
    pct_mean = np.where(t.stage == 2, 0.08 * ip1_anchor,
                        np.where(t.stage == 1, 0.05 * ip1_anchor + 0.5, 0.8)) * t.pct_filer
    pct = rng.poisson(np.repeat(pct_mean[:, None], n_years, axis=1) * decay).astype(np.float64)
    transfers = rng.poisson(np.repeat((0.1 * ip1_anchor ** 0.8 + 0.3)[:, None], n_years, axis=1)
                            * decay).astype(np.float64)
    standards = [np.round(t.standards[:, k, None] * decay) for k in range(3)]

    share = np.clip(t.market_share[:, None] * np.exp(-t.share_trend[:, None] * age_back
                                                     + rng.normal(0.0, 0.05, (n, n_years))),
                    0.0001, 0.95)
    # Rank falls with share: (0.35/share)^1.3, so a 37 % share ranks 1st and a 4 % one about 17th.
    rank = np.clip(np.round((0.35 / share) ** 1.3 * t.rank_jitter[:, None]), 1, 200)
    slow = np.minimum(decay * 1.1, 1.0)  # alliances and centres are led for years
    figures: dict[str, FloatArray] = {
        "revenue": revenue,
        "main_business_revenue": main_revenue,
        "net_profit": net_profit,
        "total_costs": costs,
        "total_assets": assets,
        "total_liabilities": liabilities,
        "rd_expense": rd,
        "employees": employees,
        "technical_staff": technical,
        "rd_staff": rd_staff,
        "export_revenue": export,
        "ip_class1": ip1,
        "ip_class1_self_developed": ip1_self,
        "ip_class1_high_value": ip1_high,
        "ip_class2": ip2,
        "pct_applications": pct,
        "standards_international": standards[0],
        "standards_national": standards[1],
        "standards_industry": standards[2],
        "tech_transfers": transfers,
        "segment_market_share": np.round(share, 4),
        "segment_rank": rank,
        "alliances_led": np.round(t.alliances[:, None] * slow),
        "innovation_centres_led": np.round(t.centres[:, None] * slow),
        "log_full_revenue": log_path,
    }
    # Missing values as filed: optional fields are left blank now and then.
    blank_rates = {
        "main_business_revenue": 0.02, "total_liabilities": 0.01, "rd_staff": 0.02,
        "export_revenue": 0.05, "ip_class1_high_value": 0.08, "pct_applications": 0.03,
        "standards_international": 0.03, "standards_national": 0.03,
        "standards_industry": 0.03, "tech_transfers": 0.05,
    }
    for name, rate in blank_rates.items():
        figures[name] = np.where(rng.random((n, n_years)) < rate, np.nan, figures[name])
    return figures, filed


def _filings_frame(
    codes: Sequence[str], years: Sequence[int], figures: dict[str, FloatArray], filed: BoolArray
) -> pd.DataFrame:
    """Long frame, one row per filed firm-year, amounts in whole yuan (nullable Int64)."""
    firm_idx, year_idx = np.nonzero(filed)
    columns: dict[str, object] = {
        "uscc": pd.array([codes[i] for i in firm_idx.tolist()], dtype="str"),
        "fiscal_year": np.asarray(years, dtype=np.int64)[year_idx],
    }
    for field in FILING_FIELDS:
        values = figures[field.name][firm_idx, year_idx]
        if field.name in RATIO_FIELDS:
            columns[field.name] = values.astype(np.float64)
        else:
            missing = np.isnan(values)
            columns[field.name] = pd.arrays.IntegerArray(
                np.where(missing, 0, np.round(values)).astype(np.int64), missing)
    return pd.DataFrame(columns)


def _history_shift(
    rng: np.random.Generator, t: _Traits, years: Sequence[int]
) -> FloatArray:
    """Mean growth moved by traits and the year: young firms and R&D-heavy ones grow faster.

    shift(i, y) = 0.30·exp(−age_iy / 4) + 0.6·(rd_intensity_i − sector mean) + macro_y, with
    age in years at the end of y and macro_y ~ N(0, 0.04²) shared by every firm that year.
    """
    year_end = np.array([_day(dt.date(int(y), 12, 31)) for y in years], dtype=np.int64)
    age = np.clip((year_end[None, :] - t.founded[:, None]) / 365.25, 0.0, None)
    macro = rng.normal(0.0, 0.04, len(years))
    rd_gap = t.rd_intensity - _SECTOR_RD[t.sector]
    return np.asarray(0.30 * np.exp(-age / 4.0) + 0.6 * rd_gap[:, None] + macro[None, :])


def _history(
    rng: np.random.Generator, codes: Sequence[str], t: _Traits, log_revenue_first: FloatArray
) -> pd.DataFrame:
    """Filings of HISTORY_YEARS, anchored backwards on the first fiscal year's full revenue.

    Drawn from a stream of their own (``HISTORY_STREAM``), after everything else, so the firms
    and the FISCAL_YEARS figures are exactly what they were before the history existed.
    """
    years = (*HISTORY_YEARS, FISCAL_YEARS[0])
    anchored = replace(t, log_revenue=log_revenue_first)
    figures, filed = _simulate_filings(rng, anchored, years, _history_shift(rng, t, years))
    # The anchor year's column is a re-draw of a year that already exists: dropped.
    earlier = {name: values[:, :-1] for name, values in figures.items()}
    return _filings_frame(codes, HISTORY_YEARS, earlier, filed[:, :-1])


_PLACE_ZH = np.array([zh for zh, _ in PLACES], dtype=object)
_PLACE_EN = np.array([en for _, en in PLACES], dtype=object)
_BRAND_ZH = np.array([zh for zh, _ in BRAND_CHARS], dtype=object)
_BRAND_EN_FIRST = np.array([en.capitalize() for _, en in BRAND_CHARS], dtype=object)
_BRAND_EN_SECOND = np.array([en for _, en in BRAND_CHARS], dtype=object)
_WORD_ZH = np.array([SECTOR_PROFILES[c].word_zh for c in SECTOR_CODES], dtype=object)
_WORD_EN = np.array([" " + SECTOR_PROFILES[c].word_en + " " for c in SECTOR_CODES], dtype=object)


def _compose_names(
    place: IntArray, first: IntArray, second: IntArray, sector: IntArray, joint_stock: BoolArray
) -> tuple[list[str], list[str]]:
    """Chinese and English names from drawn parts, element-wise over object arrays."""
    suffix_zh = np.where(joint_stock, "科技股份有限公司", "科技有限公司").astype(object)
    suffix_en = np.where(joint_stock, "Technology Holdings Co., Ltd.",
                         "Technology Co., Ltd.").astype(object)
    zh = _PLACE_ZH[place] + _BRAND_ZH[first] + _BRAND_ZH[second] + _WORD_ZH[sector] + suffix_zh
    en = ("Synthetic " + _PLACE_EN[place] + " " + _BRAND_EN_FIRST[first]
          + _BRAND_EN_SECOND[second] + _WORD_EN[sector] + suffix_en)
    return [str(x) for x in zh], [str(x) for x in en]


def _names(
    rng: np.random.Generator, sector: IntArray, stage: IntArray, listed: BoolArray, unique: bool
) -> tuple[list[str], list[str]]:
    """Chinese and English names, e.g. 上地星辉智能科技有限公司 / Synthetic Shangdi Xinghui …."""
    n = len(sector)
    n_brand = len(BRAND_CHARS)
    place = rng.integers(0, len(PLACES), n)
    first = rng.integers(0, n_brand, n)
    second = (first + rng.integers(1, n_brand, n)) % n_brand
    joint_stock = listed | ((stage == 2) & (rng.random(n) < 0.5))
    names_zh, names_en = _compose_names(place, first, second, sector, joint_stock)
    if not unique:
        return names_zh, names_en
    seen: set[str] = set()
    clashed = False
    for i in range(n):
        while names_zh[i] in seen:
            # A clash is rare; redraw this firm's brand only, so other firms' draws are unaffected.
            clashed = True
            first[i] = rng.integers(0, n_brand)
            second[i] = (first[i] + rng.integers(1, n_brand)) % n_brand
            names_zh[i] = _compose_names(place[i:i + 1], first[i:i + 1], second[i:i + 1],
                                         sector[i:i + 1], joint_stock[i:i + 1])[0][0]
        seen.add(names_zh[i])
    if clashed:
        names_zh, names_en = _compose_names(place, first, second, sector, joint_stock)
    return names_zh, names_en


_NICHES = np.array([n for c in SECTOR_CODES for n in SECTOR_PROFILES[c].niches], dtype=object)
_NICHE_COUNT = np.array([len(SECTOR_PROFILES[c].niches) for c in SECTOR_CODES], dtype=np.int64)
_NICHE_OFFSET = np.concatenate([[0], np.cumsum(_NICHE_COUNT)[:-1]]).astype(np.int64)


def _niches(rng: np.random.Generator, sector: IntArray) -> list[str]:
    """One sub-segment per firm, uniform over its sector's niches."""
    picks = np.floor(rng.random(len(sector)) * _NICHE_COUNT[sector]).astype(np.int64)
    return [str(x) for x in _NICHES[_NICHE_OFFSET[sector] + picks]]


def _round_stages(rng: np.random.Generator, stage: int, listed: bool, unicorn: bool) -> list[str]:
    """An ordered funding history for one firm."""
    stages: list[str] = []
    if stage == 0:
        count = int(rng.choice(5, p=[0.15, 0.35, 0.30, 0.15, 0.05]))
        stages = ["angel", "seed", "series-a", "series-b"][:count]
    elif stage == 1:
        early = ["angel", "seed", "series-a"]
        keep = rng.random(3) < np.array([0.4, 0.5, 0.9])
        stages = [s for s, k in zip(early, keep.tolist(), strict=True) if k]
        later = rng.random(5)
        if later[0] < 0.8:
            stages.append("series-b")
        if later[1] < 0.5:
            stages.append("series-c+")
        if later[2] < 0.3:
            stages.append("strategic")
        if later[3] < 0.3:
            stages.append("private-equity")
        if later[4] < 0.15 or listed:
            stages.append("pre-ipo")
    else:
        extra = rng.random(2)
        if extra[0] < 0.4:
            stages.append("private-equity")
        if extra[1] < 0.35:
            stages.append("strategic")
    if listed:
        stages.append("ipo")
    if unicorn and "series-c+" not in stages:
        stages.append("series-c+")  # a unicorn needs a late private round to carry its valuation
    return sorted(stages, key=ROUND_ORDER.index)


def _funding_rounds(
    rng: np.random.Generator, codes: Sequence[str], t: _Traits, listed: BoolArray,
    unicorn: BoolArray,
) -> pd.DataFrame:
    """Funding histories: dates between founding and the reference date, amounts in yuan."""
    reference = _day(REFERENCE_DATE)
    rows: list[tuple[str, int, str, int, int | None]] = []
    for i, code in enumerate(codes):
        stages = _round_stages(rng, int(t.stage[i]), bool(listed[i]), bool(unicorn[i]))
        if not stages:
            continue
        # Old firms' recorded rounds start with China's modern capital markets, not in the 1980s.
        start = max(int(t.founded[i]) + 30, _day(dt.date(2000, 1, 1)) if t.stage[i] == 2 else 0)
        span = max(reference - start, 1)
        days = np.sort(start + np.floor(rng.random(len(stages)) * span).astype(np.int64))
        last_private = max((k for k, s in enumerate(stages) if s != "ipo"), default=-1)
        for k, (stage_name, day) in enumerate(zip(stages, days.tolist(), strict=True)):
            median, sd, dil_lo, dil_hi = ROUND_TERMS[stage_name]
            amount = float(rng.lognormal(np.log(median), sd))
            dilution = float(rng.uniform(dil_lo, dil_hi))
            disclosed = rng.random() < (0.9 if stage_name == "ipo" else 0.65)
            valuation: float | None = amount / dilution if disclosed else None
            if unicorn[i] and k == last_private:
                valuation = max(float(rng.lognormal(np.log(1.2e10), 0.45)), 7.5e9)
                amount = valuation * dilution * 0.5
            elif valuation is not None and t.stage[i] < 2:
                valuation = min(valuation, NON_UNICORN_CAP)
                amount = min(amount, valuation * dilution)
            rows.append((code, day, stage_name, round(amount),
                         None if valuation is None else round(valuation)))
    frame = pd.DataFrame(
        {
            "uscc": pd.array([r[0] for r in rows], dtype="str"),
            "announced_on": pd.array(_iso(np.array([r[1] for r in rows], dtype=np.int64)),
                                     dtype="str"),
            "stage": pd.array([r[2] for r in rows], dtype="str"),
            "amount": pd.array([r[3] for r in rows], dtype="Int64"),
            "post_money_valuation": pd.array([r[4] for r in rows], dtype="Int64"),
        }
    )
    return frame


def _shuffled_stages(rng: np.random.Generator, n: int) -> IntArray:
    """Exactly 45/35/20 % of n firms per stage, in random order."""
    stage = np.repeat(np.arange(3, dtype=np.int64), _stage_counts(n))
    return rng.permutation(stage)


def _profile_columns(
    codes: Sequence[str],
    names_zh: Sequence[str],
    names_en: Sequence[str],
    traits: _Traits,
    niches: Sequence[str],
    listed: BoolArray,
) -> dict[str, object]:
    """The profile columns a firm frame and a candidate list share, in contract order."""
    return {
        "uscc": pd.array(codes, dtype="str"),
        "name": pd.array(names_zh, dtype="str"),
        "name_en": pd.array(names_en, dtype="str"),
        "founded_on": pd.array(_iso(traits.founded), dtype="str"),
        "sector": pd.array([SECTOR_CODES[s] for s in traits.sector.tolist()], dtype="str"),
        "sub_segment": pd.array(niches, dtype="str"),
        "listed": listed,
    }


def generate(
    seed: int = DEFAULT_SEED, n_firms: int = 1500, *, history_stream: int = HISTORY_STREAM
) -> DemoData:
    """Generate the synthetic demo data set; the same seed gives the same frames, bit for bit.

    The earlier years come from the generator seeded with (seed, history_stream).
    """
    if n_firms < 3:
        raise ValueError(f"n_firms must be at least 3 (one per stage), got {n_firms}")
    if n_firms > MAX_SERIALS:
        raise ValueError(f"n_firms must be at most {MAX_SERIALS}, got {n_firms}")
    rng = np.random.default_rng(seed)
    stage = _shuffled_stages(rng, n_firms)
    codes = _usccs(rng.choice(MAX_SERIALS, size=n_firms, replace=False).astype(np.int64))
    traits = _draw_traits(rng, stage)
    listed = ((stage == 2) & (rng.random(n_firms) < 0.40)) | (
        (stage == 1) & (rng.random(n_firms) < 0.08))
    # About a dozen private growth firms are unicorns; the fastest growers are likeliest.
    n_unicorns = max(1, round(12 * n_firms / 1500))
    momentum = np.where((stage == 1) & ~listed,
                        traits.growth_mean + 0.2 * rng.standard_normal(n_firms), -np.inf)
    unicorn = np.zeros(n_firms, dtype=np.bool_)
    unicorn[np.argsort(-momentum, kind="stable")[:n_unicorns]] = True
    unicorn &= np.isfinite(momentum)

    names_zh, names_en = _names(rng, traits.sector, stage, listed, unique=True)
    niches = _niches(rng, traits.sector)
    figures, filed = _simulate_filings(rng, traits, FISCAL_YEARS)
    filings = _filings_frame(codes, FISCAL_YEARS, figures, filed)
    funding = _funding_rounds(rng, codes, traits, listed, unicorn)
    history = _history(np.random.default_rng([seed, history_stream]), codes, traits,
                       figures["log_full_revenue"][:, 0])
    filings = pd.concat([history, filings], ignore_index=True)
    firms = pd.DataFrame(
        {
            **_profile_columns(codes, names_zh, names_en, traits, niches, listed),
            "region": pd.array([HAIDIAN_REGION] * n_firms, dtype="str"),
            "synthetic": np.ones(n_firms, dtype=np.bool_),
            "stage_hint": pd.array([STAGE_HINTS[s] for s in stage.tolist()], dtype="str"),
        }
    )
    firms = firms.sort_values("uscc", kind="stable", ignore_index=True)
    filings = filings.sort_values(["uscc", "fiscal_year"], kind="stable", ignore_index=True)
    funding = funding.sort_values(["uscc", "announced_on"], kind="stable", ignore_index=True)
    return DemoData(firms=firms, filings=filings, funding_rounds=funding)


def scale_rows(n_rows: int, seed: int = DEFAULT_SEED, *, fiscal_year: int = 2025) -> pd.DataFrame:
    """A synthetic candidate list of exactly n_rows distinct firms (one filing year each)."""
    if not 0 <= n_rows <= MAX_SERIALS:
        raise ValueError(f"n_rows must be between 0 and {MAX_SERIALS}, got {n_rows}")
    rng = np.random.default_rng(seed)
    stage = _shuffled_stages(rng, n_rows)
    codes = _usccs(rng.choice(MAX_SERIALS, size=n_rows, replace=False).astype(np.int64))
    traits = _draw_traits(rng, stage)
    # Firms must exist in the filing year: pull later foundings back into it.
    founded = np.minimum(traits.founded, _day(dt.date(fiscal_year, 9, 30)))
    traits = replace(traits, founded=founded)
    listed = (stage == 2) & (rng.random(n_rows) < 0.40)
    names_zh, names_en = _names(rng, traits.sector, stage, listed, unique=False)
    figures, filed = _simulate_filings(rng, traits, (fiscal_year,))
    filings = _filings_frame(codes, (fiscal_year,), figures, filed)
    niches = _niches(rng, traits.sector)
    head = pd.DataFrame(
        {
            **_profile_columns(codes, names_zh, names_en, traits, niches, listed),
            "cohort": pd.array([COHORT_BY_STAGE[STAGE_HINTS[s]] for s in stage.tolist()],
                               dtype="str"),
        }
    )
    # Every firm files exactly once and _filings_frame keeps firm order, so columns line up.
    assert filed.all()
    rows = pd.concat([head, filings.drop(columns="uscc")], axis=1)
    return rows.loc[:, list(CANDIDATE_COLUMNS)]


