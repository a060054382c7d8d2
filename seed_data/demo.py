"""Deterministic SYNTHETIC demo data: Haidian firms, their yearly filings and funding rounds.

Nothing here describes a real firm. English names start with "Synthetic", every firm row carries
``synthetic = True``, and every organisation code starts with the marker letter ``Y`` so a code
from this module is recognisable at a glance. Metrics computed on these data prove only that the
code runs.

Run ``python -m seed_data.demo --out seed_data/demo`` to regenerate the committed files.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from scoring.vocabulary import FILING_FIELDS, SECTORS, Cohort

__all__ = [
    "CANDIDATE_COLUMNS",
    "COHORT_BY_STAGE",
    "DEFAULT_SEED",
    "FIRM_COLUMNS",
    "FISCAL_YEARS",
    "FUNDING_COLUMNS",
    "HAIDIAN_REGION",
    "ORGANISATION_CODE_MARK",
    "REFERENCE_DATE",
    "STAGE_HINTS",
    "DemoData",
    "candidate_rows",
    "generate",
    "load",
    "main",
    "organisation_check_char",
    "scale_rows",
    "write",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DEFAULT_SEED = 2018
REFERENCE_DATE = dt.date(2025, 12, 31)
FISCAL_YEARS: tuple[int, ...] = (2022, 2023, 2024, 2025)
HAIDIAN_REGION = "110108"
ORGANISATION_CODE_MARK = "Y"

STAGE_HINTS: tuple[str, ...] = ("start-up", "growth", "established")
STAGE_SHARES: tuple[float, ...] = (0.45, 0.35, 0.20)
COHORT_BY_STAGE: dict[str, str] = {
    "start-up": Cohort.SEED.value,
    "growth": Cohort.HIDDEN_CHAMPION.value,
    "established": Cohort.LEADER.value,
}

FIRM_COLUMNS: tuple[str, ...] = (
    "uscc", "name", "name_en", "founded_on", "sector", "sub_segment", "listed", "region",
    "synthetic", "stage_hint",
)
FILING_COLUMNS: tuple[str, ...] = ("uscc", "fiscal_year", *(f.name for f in FILING_FIELDS))
FUNDING_COLUMNS: tuple[str, ...] = (
    "uscc", "announced_on", "stage", "amount", "post_money_valuation",
)
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "uscc", "name", "name_en", "founded_on", "sector", "sub_segment", "listed", "cohort",
    "fiscal_year", *(f.name for f in FILING_FIELDS),
)

_FILES = {"firms": "firms.csv", "filings": "filings.csv", "funding_rounds": "funding_rounds.csv"}
_RATIO_FIELDS = frozenset(f.name for f in FILING_FIELDS if f.kind == "ratio")
_INTEGER_FIELDS = tuple(f.name for f in FILING_FIELDS if f.kind != "ratio")

# Founding windows (inclusive) per stage. The calendar years 2020 and 2010 are left out of the
# growth and established windows so that a stage holds whether age counts whole years (2020-06-01
# is 5 at 2025-12-31) or exact years (5.6): start-ups are at most 5 either way, growth firms
# between 6 and 15, established firms older than 16.
_FOUNDING_WINDOWS: tuple[tuple[dt.date, dt.date], ...] = (
    (dt.date(2020, 12, 31), dt.date(2025, 9, 30)),
    (dt.date(2011, 1, 1), dt.date(2019, 12, 31)),
    (dt.date(1984, 5, 1), dt.date(2009, 12, 31)),
)
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class _SectorProfile:
    """How one sector's synthetic firms look: mix weight, R&D intensity, name word, niches."""

    weight: float
    rd_intensity: float
    word_zh: str
    word_en: str
    niches: tuple[str, ...]


_PROFILES: dict[str, _SectorProfile] = {
    "ai": _SectorProfile(0.10, 0.18, "智能", "Intelligent",
                         ("计算机视觉", "语音识别", "自然语言处理", "自动驾驶", "智能推荐")),
    "big-data": _SectorProfile(0.07, 0.10, "数据", "Data",
                               ("数据治理", "商业智能", "时空大数据", "工业大数据")),
    "cloud-computing": _SectorProfile(0.06, 0.12, "云计算", "Cloud",
                                      ("云原生平台", "边缘计算", "分布式存储", "分布式数据库")),
    "brain-science": _SectorProfile(0.02, 0.22, "类脑", "Neuroscience",
                                    ("脑机接口", "类脑芯片", "神经调控", "脑影像分析")),
    "5g": _SectorProfile(0.04, 0.12, "通信", "Communications",
                         ("基站射频器件", "5G专网", "光通信模块", "物联网模组")),
    "ic-design": _SectorProfile(0.07, 0.20, "微电子", "Microelectronics",
                                ("模拟芯片", "存储控制芯片", "射频芯片", "图像传感器芯片",
                                 "FPGA", "EDA工具")),
    "quantum": _SectorProfile(0.015, 0.25, "量子", "Quantum",
                              ("量子通信", "量子计算", "量子精密测量")),
    "aero-engines": _SectorProfile(0.015, 0.08, "航空动力", "Aero Power",
                                   ("燃烧室部件", "高温合金叶片", "发动机控制系统")),
    "micro-nano": _SectorProfile(0.025, 0.10, "微纳", "Micro-Nano",
                                 ("MEMS传感器", "微流控芯片", "纳米压印", "精密光学器件")),
    "rail-aviation": _SectorProfile(0.025, 0.06, "轨道装备", "Transit Equipment",
                                    ("列车控制系统", "轨道检测装备", "通航机载设备",
                                     "牵引变流器")),
    "medical-devices": _SectorProfile(0.06, 0.10, "医疗器械", "Medical",
                                      ("医学影像设备", "体外诊断", "手术机器人", "可穿戴监测",
                                       "介入器械")),
    "service-robots": _SectorProfile(0.04, 0.12, "机器人", "Robotics",
                                     ("配送机器人", "清洁机器人", "康养机器人", "教育机器人")),
    "life-sciences": _SectorProfile(0.08, 0.20, "生物", "Bioscience",
                                    ("精准医疗", "基因编辑", "基因测序", "创新药研发",
                                     "细胞治疗")),
    "new-materials": _SectorProfile(0.05, 0.06, "新材料", "Advanced Materials",
                                    ("石墨烯", "超材料", "高性能膜材料", "第三代半导体材料")),
    "energy-environment": _SectorProfile(0.05, 0.05, "能源环保", "Energy and Environment",
                                         ("分布式光伏", "储能系统", "氢能", "水处理",
                                          "智慧能源管理")),
    "new-economy": _SectorProfile(0.08, 0.04, "数字", "Digital",
                                  ("平台经济", "共享经济", "数字经济", "智能经济服务")),
    "dual-use": _SectorProfile(0.025, 0.08, "特种装备", "Special Equipment",
                               ("军民两用材料", "大型无人机", "北斗导航应用", "特种电源")),
    "network-security": _SectorProfile(0.05, 0.15, "信息安全", "Information Security",
                                       ("网络安全", "数据安全", "密码技术", "工控安全")),
    "culture-tech": _SectorProfile(0.05, 0.05, "文化传媒", "Culture and Media",
                                   ("原创设计", "知识共享", "动漫游戏", "新媒体")),
    "fintech": _SectorProfile(0.05, 0.07, "金融信息", "Financial Information",
                              ("智能投顾", "区块链金融", "智能风控", "生物识别支付",
                               "量化投资")),
    "other": _SectorProfile(0.06, 0.03, "技术", "Engineering",
                            ("科技咨询", "检验检测", "工程设计")),
}
# Follow the vocabulary's order so sector indices are stable however the dict above is edited.
_SECTOR_CODES: tuple[str, ...] = tuple(s.code for s in SECTORS)
_HARD_TECH = np.array([s.hard_tech for s in SECTORS], dtype=np.bool_)
_SECTOR_WEIGHTS = np.array([_PROFILES[c].weight for c in _SECTOR_CODES], dtype=np.float64)
_SECTOR_WEIGHTS /= _SECTOR_WEIGHTS.sum()
_SECTOR_RD = np.array([_PROFILES[c].rd_intensity for c in _SECTOR_CODES], dtype=np.float64)

_PLACES: tuple[tuple[str, str], ...] = (
    ("上地", "Shangdi"), ("知春", "Zhichun"), ("中关村", "Zhongguancun"), ("西山", "Xishan"),
    ("翠湖", "Cuihu"), ("永丰", "Yongfeng"), ("温泉", "Wenquan"), ("万柳", "Wanliu"),
    ("五道口", "Wudaokou"), ("紫竹", "Zizhu"), ("稻香", "Daoxiang"), ("香山", "Xiangshan"),
    ("玉泉", "Yuquan"), ("清河", "Qinghe"), ("西北旺", "Xibeiwang"), ("马连洼", "Malianwa"),
    ("四季青", "Sijiqing"), ("苏州街", "Suzhoujie"), ("学院路", "Xueyuanlu"), ("北坞", "Beiwu"),
    ("海淀", "Haidian"),
)
_BRAND_CHARS: tuple[tuple[str, str], ...] = (
    ("星", "xing"), ("辉", "hui"), ("智", "zhi"), ("源", "yuan"), ("启", "qi"), ("明", "ming"),
    ("睿", "rui"), ("拓", "tuo"), ("衡", "heng"), ("博", "bo"), ("远", "yuan"), ("华", "hua"),
    ("融", "rong"), ("思", "si"), ("创", "chuang"), ("极", "ji"), ("芯", "xin"), ("达", "da"),
    ("晟", "sheng"), ("泰", "tai"), ("瀚", "han"), ("联", "lian"), ("图", "tu"), ("驰", "chi"),
    ("航", "hang"), ("诺", "nuo"), ("鼎", "ding"), ("安", "an"), ("维", "wei"), ("尚", "shang"),
    ("卓", "zhuo"), ("越", "yue"), ("捷", "jie"), ("宇", "yu"), ("澜", "lan"), ("峰", "feng"),
    ("朗", "lang"), ("溪", "xi"), ("弘", "hong"), ("域", "yu"),
)

# GB 11714 organisation-code check and GB 32100 USCC check, written out so they vectorise.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_USCC_WEIGHTS = np.array(
    [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64
)
_USCC_PREFIX = "91" + HAIDIAN_REGION  # registered by market regulation (9), an enterprise (1)
_SERIAL_DIGITS = 7
_MAX_SERIALS = 10**_SERIAL_DIGITS


@dataclass(frozen=True, slots=True)
class DemoData:
    """The three synthetic frames: firm profiles, yearly filings and funding rounds."""

    firms: pd.DataFrame
    filings: pd.DataFrame
    funding_rounds: pd.DataFrame


def _gb11714_value(char: str) -> int:
    """Digit value of one organisation-code character (0–9, then A = 10 … Z = 35)."""
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def organisation_check_char(body: str) -> str:
    """GB 11714 check: c = 11 − (Σ vᵢ·wᵢ mod 11), w = (3,7,9,10,5,8,4,2); c = 10 → 'X', 11 → '0'."""
    if len(body) != len(_ORG_WEIGHTS):
        raise ValueError(f"an organisation-code body has 8 characters, got {body!r}")
    total = sum(_gb11714_value(c) * int(w) for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


_ALPHABET_CHARS = np.array(list(_USCC_ALPHABET), dtype=object)


def _usccs(serials: IntArray) -> list[str]:
    """Haidian USCCs ``91110108`` + ``Y`` + 7-digit serial + GB 11714 check + GB 32100 check."""
    n = len(serials)
    digits = (serials[:, None] // 10 ** np.arange(_SERIAL_DIGITS - 1, -1, -1)) % 10
    mark = _gb11714_value(ORGANISATION_CODE_MARK)
    org_values = np.hstack([np.full((n, 1), mark, dtype=np.int64), digits])
    org_check = 11 - (org_values @ _ORG_WEIGHTS) % 11
    # The check value 10 is written 'X' and 11 is written '0'; both are in the USCC alphabet.
    org_index = np.where(org_check == 10, _USCC_ALPHABET.index("X"),
                         np.where(org_check == 11, 0, org_check))
    prefix = np.array([_USCC_ALPHABET.index(c) for c in _USCC_PREFIX + ORGANISATION_CODE_MARK],
                      dtype=np.int64)
    indices = np.hstack([np.tile(prefix, (n, 1)), digits, org_index[:, None]])
    final = (31 - (indices @ _USCC_WEIGHTS) % 31) % 31
    serial_text = np.char.zfill(serials.astype(str), _SERIAL_DIGITS).astype(object)
    codes = (_USCC_PREFIX + ORGANISATION_CODE_MARK + serial_text + _ALPHABET_CHARS[org_index]
             + _ALPHABET_CHARS[final])
    return [str(c) for c in codes]


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
    sector = rng.choice(len(_SECTOR_CODES), size=n, p=_SECTOR_WEIGHTS).astype(np.int64)
    hard = _HARD_TECH[sector]
    windows = np.array([[_day(a), _day(b)] for a, b in _FOUNDING_WINDOWS], dtype=np.int64)
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
    rng: np.random.Generator, t: _Traits, years: Sequence[int]
) -> tuple[dict[str, FloatArray], BoolArray]:
    """Yearly figures as (firm × year) matrices, anchored on the last year; also who filed."""
    n, n_years = len(t.stage), len(years)
    year_arr = np.asarray(years, dtype=np.int64)
    age_back = (year_arr[-1] - year_arr)[None, :].astype(np.float64)  # 0 in the anchor year
    year_end = np.array([_day(dt.date(int(y), 12, 31)) for y in years], dtype=np.int64)
    active_days = np.clip(year_end[None, :] - t.founded[:, None] + 1, 0, 365)
    filed = active_days > 0
    active = active_days / 365.0

    # Revenue path: log r[y-1] = log r[y] − log(1 + g[y]), firm-level mean growth persists.
    growth = np.clip(t.growth_mean[:, None]
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
        if field.name in _RATIO_FIELDS:
            columns[field.name] = values.astype(np.float64)
        else:
            missing = np.isnan(values)
            columns[field.name] = pd.arrays.IntegerArray(
                np.where(missing, 0, np.round(values)).astype(np.int64), missing)
    return pd.DataFrame(columns)


_PLACE_ZH = np.array([zh for zh, _ in _PLACES], dtype=object)
_PLACE_EN = np.array([en for _, en in _PLACES], dtype=object)
_BRAND_ZH = np.array([zh for zh, _ in _BRAND_CHARS], dtype=object)
_BRAND_EN_FIRST = np.array([en.capitalize() for _, en in _BRAND_CHARS], dtype=object)
_BRAND_EN_SECOND = np.array([en for _, en in _BRAND_CHARS], dtype=object)
_WORD_ZH = np.array([_PROFILES[c].word_zh for c in _SECTOR_CODES], dtype=object)
_WORD_EN = np.array([" " + _PROFILES[c].word_en + " " for c in _SECTOR_CODES], dtype=object)


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
    n_brand = len(_BRAND_CHARS)
    place = rng.integers(0, len(_PLACES), n)
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


_NICHES = np.array([n for c in _SECTOR_CODES for n in _PROFILES[c].niches], dtype=object)
_NICHE_COUNT = np.array([len(_PROFILES[c].niches) for c in _SECTOR_CODES], dtype=np.int64)
_NICHE_OFFSET = np.concatenate([[0], np.cumsum(_NICHE_COUNT)[:-1]]).astype(np.int64)


def _niches(rng: np.random.Generator, sector: IntArray) -> list[str]:
    """One sub-segment per firm, uniform over its sector's niches."""
    picks = np.floor(rng.random(len(sector)) * _NICHE_COUNT[sector]).astype(np.int64)
    return [str(x) for x in _NICHES[_NICHE_OFFSET[sector] + picks]]


# Funding: stage → (median amount in yuan, log-sd, dilution range for the post-money valuation).
_ROUND_TERMS: dict[str, tuple[float, float, float, float]] = {
    "angel": (2e6, 0.6, 0.10, 0.25),
    "seed": (5e6, 0.6, 0.10, 0.25),
    "series-a": (3e7, 0.7, 0.10, 0.25),
    "series-b": (1.2e8, 0.7, 0.08, 0.20),
    "series-c+": (5e8, 0.8, 0.06, 0.18),
    "pre-ipo": (8e8, 0.7, 0.05, 0.15),
    "ipo": (1.5e9, 0.8, 0.10, 0.25),
    "private-equity": (3e8, 0.9, 0.03, 0.15),
    "strategic": (2e8, 1.0, 0.03, 0.15),
}
_UNICORN_YUAN = 7.2e9  # US$1 billion at about 7.2 yuan
_NON_UNICORN_CAP = 6.5e9


_ROUND_ORDER: tuple[str, ...] = (
    "angel", "seed", "series-a", "series-b", "series-c+", "strategic", "private-equity",
    "pre-ipo", "ipo",
)


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
    return sorted(stages, key=_ROUND_ORDER.index)


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
            median, sd, dil_lo, dil_hi = _ROUND_TERMS[stage_name]
            amount = float(rng.lognormal(np.log(median), sd))
            dilution = float(rng.uniform(dil_lo, dil_hi))
            disclosed = rng.random() < (0.9 if stage_name == "ipo" else 0.65)
            valuation: float | None = amount / dilution if disclosed else None
            if unicorn[i] and k == last_private:
                valuation = max(float(rng.lognormal(np.log(1.2e10), 0.45)), 7.5e9)
                amount = valuation * dilution * 0.5
            elif valuation is not None and t.stage[i] < 2:
                valuation = min(valuation, _NON_UNICORN_CAP)
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


def generate(seed: int = DEFAULT_SEED, n_firms: int = 1500) -> DemoData:
    """Generate the synthetic demo data set; the same seed gives the same frames, bit for bit."""
    if n_firms < 3:
        raise ValueError(f"n_firms must be at least 3 (one per stage), got {n_firms}")
    if n_firms > _MAX_SERIALS:
        raise ValueError(f"n_firms must be at most {_MAX_SERIALS}, got {n_firms}")
    rng = np.random.default_rng(seed)
    stage = _shuffled_stages(rng, n_firms)
    codes = _usccs(rng.choice(_MAX_SERIALS, size=n_firms, replace=False).astype(np.int64))
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
    firms = pd.DataFrame(
        {
            "uscc": pd.array(codes, dtype="str"),
            "name": pd.array(names_zh, dtype="str"),
            "name_en": pd.array(names_en, dtype="str"),
            "founded_on": pd.array(_iso(traits.founded), dtype="str"),
            "sector": pd.array([_SECTOR_CODES[s] for s in traits.sector.tolist()], dtype="str"),
            "sub_segment": pd.array(niches, dtype="str"),
            "listed": listed,
            "region": pd.array([HAIDIAN_REGION] * n_firms, dtype="str"),
            "synthetic": np.ones(n_firms, dtype=np.bool_),
            "stage_hint": pd.array([STAGE_HINTS[s] for s in stage.tolist()], dtype="str"),
        }
    )
    firms = firms.sort_values("uscc", kind="stable", ignore_index=True)
    filings = filings.sort_values(["uscc", "fiscal_year"], kind="stable", ignore_index=True)
    funding = funding.sort_values(["uscc", "announced_on"], kind="stable", ignore_index=True)
    return DemoData(firms=firms, filings=filings, funding_rounds=funding)


def write(data: DemoData, out_dir: str | Path) -> list[Path]:
    """Write firms.csv, filings.csv and funding_rounds.csv (UTF-8, LF, fixed float format)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for attr, filename in _FILES.items():
        path = out / filename
        frame: pd.DataFrame = getattr(data, attr)
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n",
                     float_format="%.4f")
        written.append(path)
    return written


def _read(source: Path | Traversable, filename: str) -> pd.DataFrame:
    """Read one committed CSV with the dtypes ``generate`` produces."""
    dtypes: dict[str, str] = {c: "str" for c in (*FIRM_COLUMNS, *FUNDING_COLUMNS)}
    dtypes.update({"listed": "bool", "synthetic": "bool", "fiscal_year": "int64",
                   "amount": "Int64", "post_money_valuation": "Int64"})
    dtypes.update({name: "Int64" for name in _INTEGER_FIELDS})
    dtypes.update({name: "float64" for name in _RATIO_FIELDS})
    with source.joinpath(filename).open("rb") as handle:
        return pd.read_csv(handle, dtype=dtypes, encoding="utf-8", keep_default_na=False,
                           na_values=[""])


def load(dir: str | Path | None = None) -> DemoData:
    """Read the committed demo data (default: the package's own ``seed_data/demo/``)."""
    source: Path | Traversable = (
        resources.files("seed_data").joinpath("demo") if dir is None else Path(dir)
    )
    return DemoData(
        firms=_read(source, _FILES["firms"]),
        filings=_read(source, _FILES["filings"]),
        funding_rounds=_read(source, _FILES["funding_rounds"]),
    )


def candidate_rows(
    data: DemoData, *, fiscal_years: Sequence[int] = (2023, 2024, 2025)
) -> pd.DataFrame:
    """The demo data as a candidate list: one row per firm and filed fiscal year, with a cohort."""
    firms = data.firms.assign(cohort=data.firms["stage_hint"].map(COHORT_BY_STAGE).astype("str"))
    filings = data.filings[data.filings["fiscal_year"].isin(list(fiscal_years))]
    rows = firms.merge(filings, on="uscc", how="inner", validate="one_to_many")
    rows = rows.sort_values(["uscc", "fiscal_year"], kind="stable", ignore_index=True)
    return rows.loc[:, list(CANDIDATE_COLUMNS)]


def scale_rows(n_rows: int, seed: int = DEFAULT_SEED, *, fiscal_year: int = 2025) -> pd.DataFrame:
    """A synthetic candidate list of exactly n_rows distinct firms (one filing year each)."""
    if not 0 <= n_rows <= _MAX_SERIALS:
        raise ValueError(f"n_rows must be between 0 and {_MAX_SERIALS}, got {n_rows}")
    rng = np.random.default_rng(seed)
    stage = _shuffled_stages(rng, n_rows)
    codes = _usccs(rng.choice(_MAX_SERIALS, size=n_rows, replace=False).astype(np.int64))
    traits = _draw_traits(rng, stage)
    # Firms must exist in the filing year: pull later foundings back into it.
    founded = np.minimum(traits.founded, _day(dt.date(fiscal_year, 9, 30)))
    traits = replace(traits, founded=founded)
    listed = (stage == 2) & (rng.random(n_rows) < 0.40)
    names_zh, names_en = _names(rng, traits.sector, stage, listed, unique=False)
    figures, filed = _simulate_filings(rng, traits, (fiscal_year,))
    filings = _filings_frame(codes, (fiscal_year,), figures, filed)
    head = pd.DataFrame(
        {
            "uscc": pd.array(codes, dtype="str"),
            "name": pd.array(names_zh, dtype="str"),
            "name_en": pd.array(names_en, dtype="str"),
            "founded_on": pd.array(_iso(traits.founded), dtype="str"),
            "sector": pd.array([_SECTOR_CODES[s] for s in traits.sector.tolist()], dtype="str"),
            "sub_segment": pd.array(_niches(rng, traits.sector), dtype="str"),
            "listed": listed,
            "cohort": pd.array([COHORT_BY_STAGE[STAGE_HINTS[s]] for s in stage.tolist()],
                               dtype="str"),
        }
    )
    # Every firm files exactly once and _filings_frame keeps firm order, so columns line up.
    assert filed.all()
    rows = pd.concat([head, filings.drop(columns="uscc")], axis=1)
    return rows.loc[:, list(CANDIDATE_COLUMNS)]


def _summary(data: DemoData) -> str:
    """A few headline figures, for the command line."""
    latest = data.filings[data.filings["fiscal_year"] == FISCAL_YEARS[-1]]
    revenue = latest["revenue"].astype("float64")
    valuations = data.funding_rounds.merge(data.firms[["uscc", "stage_hint"]], on="uscc")
    unicorns = valuations[(valuations["stage_hint"] == "growth")
                          & (valuations["post_money_valuation"] >= _UNICORN_YUAN)]["uscc"]
    return "\n".join([
        f"SYNTHETIC demo data: {len(data.firms)} firms, {len(data.filings)} filings, "
        f"{len(data.funding_rounds)} funding rounds",
        "stages: " + ", ".join(f"{k} {v}" for k, v in
                               data.firms["stage_hint"].value_counts().sort_index().items()),
        f"{FISCAL_YEARS[-1]} revenue >= 100 bn yuan: {int((revenue >= 1e11).sum())}, "
        f">= 10 bn: {int((revenue >= 1e10).sum())}, >= 100 M: {int((revenue >= 1e8).sum())}",
        f"growth-stage unicorns (post-money >= {_UNICORN_YUAN:.1e} yuan): {unicorns.nunique()}",
        f"listed firms: {int(data.firms['listed'].sum())}",
    ])


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate the demo data and write it to --out."""
    parser = argparse.ArgumentParser(
        prog="python -m seed_data.demo", description="Write the SYNTHETIC demo data set.")
    parser.add_argument("--out", type=Path, default=Path("seed_data/demo"))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--n-firms", type=int, default=1500)
    args = parser.parse_args(argv)
    data = generate(seed=args.seed, n_firms=args.n_firms)
    for path in write(data, args.out):
        print(f"wrote {path}")
    print(_summary(data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
