"""The generator's fixed tables: dates, stages, columns, sector profiles, name banks, funding terms.

Nothing here is drawn at random; ``simulation`` draws from these tables with one seeded generator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scoring.vocabulary import FILING_FIELDS, SECTORS, Cohort

__all__ = [
    "BRAND_CHARS",
    "CANDIDATE_COLUMNS",
    "COHORT_BY_STAGE",
    "DEFAULT_SEED",
    "FILES",
    "FILING_COLUMNS",
    "FIRM_COLUMNS",
    "FISCAL_YEARS",
    "FOUNDING_WINDOWS",
    "FUNDING_COLUMNS",
    "HAIDIAN_REGION",
    "HISTORY_STREAM",
    "HISTORY_YEARS",
    "INTEGER_FIELDS",
    "NON_UNICORN_CAP",
    "ORGANISATION_CODE_MARK",
    "PLACES",
    "RATIO_FIELDS",
    "REFERENCE_DATE",
    "ROUND_ORDER",
    "ROUND_TERMS",
    "SECTOR_CODES",
    "SECTOR_PROFILES",
    "STAGE_HINTS",
    "STAGE_SHARES",
    "UNICORN_YUAN",
    "SectorProfile",
]

DEFAULT_SEED = 2018
REFERENCE_DATE = dt.date(2025, 12, 31)
FISCAL_YEARS: tuple[int, ...] = (2022, 2023, 2024, 2025)
# Earlier years, simulated so the growth model has outcomes to learn from and a real time split.
HISTORY_YEARS: tuple[int, ...] = tuple(range(2012, 2022))
HISTORY_STREAM = 1  # the history's generator is seeded with (seed, HISTORY_STREAM)
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

FILES = {"firms": "firms.csv", "filings": "filings.csv", "funding_rounds": "funding_rounds.csv"}
RATIO_FIELDS = frozenset(f.name for f in FILING_FIELDS if f.kind == "ratio")
INTEGER_FIELDS = tuple(f.name for f in FILING_FIELDS if f.kind != "ratio")

# Founding windows (inclusive) per stage. The calendar years 2020 and 2010 are left out of the
# growth and established windows so that a stage holds whether age counts whole years (2020-06-01
# is 5 at 2025-12-31) or exact years (5.6): start-ups are at most 5 either way, growth firms
# between 6 and 15, established firms older than 16.
FOUNDING_WINDOWS: tuple[tuple[dt.date, dt.date], ...] = (
    (dt.date(2020, 12, 31), dt.date(2025, 9, 30)),
    (dt.date(2011, 1, 1), dt.date(2019, 12, 31)),
    (dt.date(1984, 5, 1), dt.date(2009, 12, 31)),
)


@dataclass(frozen=True, slots=True)
class SectorProfile:
    """How one sector's synthetic firms look: mix weight, R&D intensity, name word, niches."""

    weight: float
    rd_intensity: float
    word_zh: str
    word_en: str
    niches: tuple[str, ...]


SECTOR_PROFILES: dict[str, SectorProfile] = {
    "ai": SectorProfile(0.10, 0.18, "智能", "Intelligent",
                         ("计算机视觉", "语音识别", "自然语言处理", "自动驾驶", "智能推荐")),
    "big-data": SectorProfile(0.07, 0.10, "数据", "Data",
                               ("数据治理", "商业智能", "时空大数据", "工业大数据")),
    "cloud-computing": SectorProfile(0.06, 0.12, "云计算", "Cloud",
                                      ("云原生平台", "边缘计算", "分布式存储", "分布式数据库")),
    "brain-science": SectorProfile(0.02, 0.22, "类脑", "Neuroscience",
                                    ("脑机接口", "类脑芯片", "神经调控", "脑影像分析")),
    "5g": SectorProfile(0.04, 0.12, "通信", "Communications",
                         ("基站射频器件", "5G专网", "光通信模块", "物联网模组")),
    "ic-design": SectorProfile(0.07, 0.20, "微电子", "Microelectronics",
                                ("模拟芯片", "存储控制芯片", "射频芯片", "图像传感器芯片",
                                 "FPGA", "EDA工具")),
    "quantum": SectorProfile(0.015, 0.25, "量子", "Quantum",
                              ("量子通信", "量子计算", "量子精密测量")),
    "aero-engines": SectorProfile(0.015, 0.08, "航空动力", "Aero Power",
                                   ("燃烧室部件", "高温合金叶片", "发动机控制系统")),
    "micro-nano": SectorProfile(0.025, 0.10, "微纳", "Micro-Nano",
                                 ("MEMS传感器", "微流控芯片", "纳米压印", "精密光学器件")),
    "rail-aviation": SectorProfile(0.025, 0.06, "轨道装备", "Transit Equipment",
                                    ("列车控制系统", "轨道检测装备", "通航机载设备",
                                     "牵引变流器")),
    "medical-devices": SectorProfile(0.06, 0.10, "医疗器械", "Medical",
                                      ("医学影像设备", "体外诊断", "手术机器人", "可穿戴监测",
                                       "介入器械")),
    "service-robots": SectorProfile(0.04, 0.12, "机器人", "Robotics",
                                     ("配送机器人", "清洁机器人", "康养机器人", "教育机器人")),
    "life-sciences": SectorProfile(0.08, 0.20, "生物", "Bioscience",
                                    ("精准医疗", "基因编辑", "基因测序", "创新药研发",
                                     "细胞治疗")),
    "new-materials": SectorProfile(0.05, 0.06, "新材料", "Advanced Materials",
                                    ("石墨烯", "超材料", "高性能膜材料", "第三代半导体材料")),
    "energy-environment": SectorProfile(0.05, 0.05, "能源环保", "Energy and Environment",
                                         ("分布式光伏", "储能系统", "氢能", "水处理",
                                          "智慧能源管理")),
    "new-economy": SectorProfile(0.08, 0.04, "数字", "Digital",
                                  ("平台经济", "共享经济", "数字经济", "智能经济服务")),
    "dual-use": SectorProfile(0.025, 0.08, "特种装备", "Special Equipment",
                               ("军民两用材料", "大型无人机", "北斗导航应用", "特种电源")),
    "network-security": SectorProfile(0.05, 0.15, "信息安全", "Information Security",
                                       ("网络安全", "数据安全", "密码技术", "工控安全")),
    "culture-tech": SectorProfile(0.05, 0.05, "文化传媒", "Culture and Media",
                                   ("原创设计", "知识共享", "动漫游戏", "新媒体")),
    "fintech": SectorProfile(0.05, 0.07, "金融信息", "Financial Information",
                              ("智能投顾", "区块链金融", "智能风控", "生物识别支付",
                               "量化投资")),
    "other": SectorProfile(0.06, 0.03, "技术", "Engineering",
                            ("科技咨询", "检验检测", "工程设计")),
}
# Follow the vocabulary's order so sector indices are stable however the dict above is edited.
SECTOR_CODES: tuple[str, ...] = tuple(s.code for s in SECTORS)

PLACES: tuple[tuple[str, str], ...] = (
    ("上地", "Shangdi"), ("知春", "Zhichun"), ("中关村", "Zhongguancun"), ("西山", "Xishan"),
    ("翠湖", "Cuihu"), ("永丰", "Yongfeng"), ("温泉", "Wenquan"), ("万柳", "Wanliu"),
    ("五道口", "Wudaokou"), ("紫竹", "Zizhu"), ("稻香", "Daoxiang"), ("香山", "Xiangshan"),
    ("玉泉", "Yuquan"), ("清河", "Qinghe"), ("西北旺", "Xibeiwang"), ("马连洼", "Malianwa"),
    ("四季青", "Sijiqing"), ("苏州街", "Suzhoujie"), ("学院路", "Xueyuanlu"), ("北坞", "Beiwu"),
    ("海淀", "Haidian"),
)
BRAND_CHARS: tuple[tuple[str, str], ...] = (
    ("星", "xing"), ("辉", "hui"), ("智", "zhi"), ("源", "yuan"), ("启", "qi"), ("明", "ming"),
    ("睿", "rui"), ("拓", "tuo"), ("衡", "heng"), ("博", "bo"), ("远", "yuan"), ("华", "hua"),
    ("融", "rong"), ("思", "si"), ("创", "chuang"), ("极", "ji"), ("芯", "xin"), ("达", "da"),
    ("晟", "sheng"), ("泰", "tai"), ("瀚", "han"), ("联", "lian"), ("图", "tu"), ("驰", "chi"),
    ("航", "hang"), ("诺", "nuo"), ("鼎", "ding"), ("安", "an"), ("维", "wei"), ("尚", "shang"),
    ("卓", "zhuo"), ("越", "yue"), ("捷", "jie"), ("宇", "yu"), ("澜", "lan"), ("峰", "feng"),
    ("朗", "lang"), ("溪", "xi"), ("弘", "hong"), ("域", "yu"),
)


# Funding: stage → (median amount in yuan, log-sd, dilution range for the post-money valuation).
ROUND_TERMS: dict[str, tuple[float, float, float, float]] = {
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
UNICORN_YUAN = 7.2e9  # US$1 billion at about 7.2 yuan
NON_UNICORN_CAP = 6.5e9


ROUND_ORDER: tuple[str, ...] = (
    "angel", "seed", "series-a", "series-b", "series-c+", "strategic", "private-equity",
    "pre-ipo", "ipo",
)
