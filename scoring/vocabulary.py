"""The programme's shared vocabulary: cohorts, sectors, funding stages and the stored figures.

Every layer (intake, storage, scoring, growth model) names things with these identifiers, so a
column called ``rd_expense`` means the same in a CSV header, a database column and a scheme.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "COHORTS",
    "FILING_FIELDS",
    "FUNDING_STAGES",
    "SECTORS",
    "Cohort",
    "FilingField",
    "Sector",
    "is_ratio",
    "priority_sector_codes",
]


class Cohort(StrEnum):
    """The three cohorts of the 3x100 plan."""

    LEADER = "leader"
    HIDDEN_CHAMPION = "hidden-champion"
    SEED = "seed"


COHORTS: tuple[str, ...] = tuple(c.value for c in Cohort)


@dataclass(frozen=True, slots=True)
class Sector:
    """One code of the priority-sector taxonomy (seed/DIGEST.md, measures 1, 4 and 6)."""

    code: str
    group: str
    label_zh: str
    label_en: str
    hard_tech: bool


SECTORS: tuple[Sector, ...] = (
    Sector("ai", "new-generation-it", "人工智能", "Artificial intelligence", True),
    Sector("big-data", "new-generation-it", "大数据", "Big data", True),
    Sector("cloud-computing", "new-generation-it", "云计算", "Cloud computing", True),
    Sector("brain-science", "new-generation-it", "脑科学与类脑计算", "Brain science", True),
    Sector("5g", "new-generation-it", "5G", "5G communications", True),
    Sector("ic-design", "new-generation-it", "集成电路设计", "Integrated-circuit design", True),
    Sector("quantum", "new-generation-it", "量子科学", "Quantum science", True),
    Sector("aero-engines", "intelligent-manufacturing", "航空发动机", "Aero engines", True),
    Sector("micro-nano", "intelligent-manufacturing", "微纳制造", "Micro/nano manufacturing", True),
    Sector(
        "rail-aviation",
        "intelligent-manufacturing",
        "轨道交通与通用航空核心部件",
        "Rail-transit and general-aviation components",
        True,
    ),
    Sector("medical-devices", "intelligent-manufacturing", "现代医疗器械", "Medical devices", True),
    Sector("service-robots", "intelligent-manufacturing", "服务机器人", "Service robots", True),
    Sector("life-sciences", "strategic-leading", "生命科学", "Life sciences", True),
    Sector("new-materials", "strategic-leading", "新材料", "New materials", True),
    Sector(
        "energy-environment",
        "strategic-leading",
        "节能环保与分布式能源",
        "Energy and environmental protection",
        True,
    ),
    Sector("new-economy", "new-economy", "新经济（平台、共享、数字、智能）", "New economy", False),
    Sector("dual-use", "military-civil", "军民融合", "Military–civil dual use", True),
    Sector(
        "network-security",
        "military-civil",
        "网络与信息安全",
        "Network and information security",
        True,
    ),
    Sector(
        "culture-tech", "culture-technology", "文化科技融合", "Culture–technology fusion", False
    ),
    Sector("fintech", "fintech", "金融科技", "Fintech", False),
    Sector("other", "other", "其他", "Other", False),
)

_SECTOR_CODES = frozenset(s.code for s in SECTORS)


def priority_sector_codes() -> frozenset[str]:
    """Codes that fit the industrial positioning of Zhongguancun Science City (not ``other``)."""
    return _SECTOR_CODES - {"other"}


FUNDING_STAGES: tuple[str, ...] = (
    "angel",
    "seed",
    "series-a",
    "series-b",
    "series-c+",
    "pre-ipo",
    "ipo",
    "private-equity",
    "strategic",
)


@dataclass(frozen=True, slots=True)
class FilingField:
    """One yearly figure a firm files; ``kind`` is ``amount`` (yuan), ``count`` or ``ratio``."""

    name: str
    kind: str
    label_zh: str


# The yearly figures of DESIGN.md ("Filing"), in the order the column contract lists them.
FILING_FIELDS: tuple[FilingField, ...] = (
    FilingField("revenue", "amount", "营业收入"),
    FilingField("main_business_revenue", "amount", "主营业务收入"),
    FilingField("net_profit", "amount", "净利润"),
    FilingField("total_costs", "amount", "成本费用总额"),
    FilingField("total_assets", "amount", "资产总额"),
    FilingField("total_liabilities", "amount", "负债总额"),
    FilingField("rd_expense", "amount", "研发费用"),
    FilingField("employees", "count", "职工总数"),
    FilingField("technical_staff", "count", "科技人员数"),
    FilingField("rd_staff", "count", "研发人员数"),
    FilingField("export_revenue", "amount", "出口收入"),
    FilingField("ip_class1", "count", "I类知识产权数"),
    FilingField("ip_class1_self_developed", "count", "自主研发I类知识产权数"),
    FilingField("ip_class1_high_value", "count", "高价值发明专利数"),
    FilingField("ip_class2", "count", "II类知识产权数"),
    FilingField("pct_applications", "count", "PCT专利申请数"),
    FilingField("standards_international", "count", "主导国际标准数"),
    FilingField("standards_national", "count", "主导国家标准数"),
    FilingField("standards_industry", "count", "主导行业标准数"),
    FilingField("tech_transfers", "count", "技术成果转化数"),
    FilingField("segment_market_share", "ratio", "细分市场占有率"),
    FilingField("segment_rank", "count", "细分市场排名"),
    FilingField("alliances_led", "count", "牵头产业技术创新联盟数"),
    FilingField("innovation_centres_led", "count", "牵头创新中心数"),
)


_RATIO_MARKERS = ("intensity", "share", "ratio", "growth", "margin", "cagr")


def is_ratio(name: str) -> bool:
    """Whether an indicator or feature named ``name`` is a ratio (read as a percentage)."""
    return any(marker in name for marker in _RATIO_MARKERS)
