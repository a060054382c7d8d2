"""Numbers and rules in words a committee reads, in Chinese and English: an indicator's unit,
each gate as "营业收入 1.90 亿元，不超过 2 亿元：通过", the identifiers a page shows (cohorts,
states, decisions, roles), scoring's criterion notes and "中文 — English" titles.

One builder for the pages and the exports: ``gate_words`` reads a gate's entry of an
explanation (its ``passed`` and JSON ``value``) with the scheme's gate (indicator, op,
threshold, title), so the words never drift from the rule that decided. The API keeps its
terse ``reason`` string; these words are for people.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import scoring
from scoring.vocabulary import FILING_FIELDS, SECTORS, is_ratio

__all__ = [
    "GateWords",
    "Unit",
    "bilingual",
    "english_title",
    "gate_words",
    "gates_in_words",
    "named",
    "note_words",
    "reading",
    "unit_of",
]

_AMOUNT_INDICATORS = {f.name for f in FILING_FIELDS if f.kind == "amount"} | {
    "net_profit",
    "net_assets",
    "funding_to_date",
    "funding_last_3y",
    "last_round_amount",
}
_SECTORS = {s.code: (s.label_zh, s.label_en) for s in SECTORS}
_BILINGUAL = " — "  # a title such as ``科技型中小企业 — Technology SME``

# The indicators a bundled scheme's gates and bypass rules read, named for people; others fall
# back to the filing's Chinese label, then to the identifier.
_INDICATOR_NAMES: dict[str, tuple[str, str]] = {
    "age_years": ("成立年限", "Age"),
    "in_haidian": ("注册在海淀区", "Registered in Haidian"),
    "priority_sector": ("属于优先产业领域", "In a priority sector"),
    "hard_tech": ("属于硬科技领域", "In a hard-tech sector"),
    "listed": ("已上市", "Listed"),
    "listing_track": ("已上市或拟上市", "Listed or on the way to a listing"),
    "sector": ("领域", "Sector"),
    "revenue": ("营业收入", "Revenue"),
    "total_assets": ("资产总额", "Total assets"),
    "employees": ("职工总数", "Employees"),
    "ip_class1": ("I类知识产权数", "Class I IP"),
    "ip_class2": ("II类知识产权数", "Class II IP"),
    "rd_intensity": ("研发投入强度", "R&D intensity"),
    "standards_led_total": ("主导标准数", "Standards led"),
    "funding_last_3y": ("近三年股权融资额", "Equity funding in the last three years"),
    "funding_to_date": ("累计股权融资额", "Equity funding to date"),
    "valuation_usd": ("最新估值", "Latest valuation"),
}
_FILING_NAMES = {f.name: f.label_zh for f in FILING_FIELDS}

# ``op`` → (Chinese, English) before the threshold; booleans read "须为是" / "must be yes".
_OPS: dict[str, tuple[str, str]] = {
    "<": ("低于", "below"),
    "<=": ("不超过", "at most"),
    ">": ("高于", "above"),
    ">=": ("不低于", "at least"),
    "==": ("须为", "must be"),
    "!=": ("不得为", "must not be"),
    "in": ("须为以下之一：", "must be one of"),
    "not-in": ("不得为以下任一：", "must be none of"),
}
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_PASSED = ("通过", "passed")
_FAILED = ("未通过", "failed")


@dataclass(frozen=True, slots=True)
class Unit:
    """How a raw indicator value is shown: multiplied by ``scale``, then its unit."""

    scale: float
    zh: str
    en: str


def unit_of(indicator: str | None) -> Unit | None:
    """The reading unit of an indicator: 亿元 for yuan amounts, % for ratios, years, months."""
    if indicator is None:
        return None
    if indicator in _AMOUNT_INDICATORS:
        return Unit(1e-8, "亿元", "100M yuan")
    if indicator == "valuation_usd":
        return Unit(1e-8, "亿美元", "100M USD")
    if indicator == "age_years":
        return Unit(1.0, "年", "years")
    if indicator == "months_since_last_round":
        return Unit(1.0, "个月", "months")
    if is_ratio(indicator):
        return Unit(100.0, "%", "%")
    return None


@dataclass(frozen=True, slots=True)
class GateWords:
    """One gate for a reader; every text is ``(Chinese, English)``. ``said`` reads
    ``营业收入 1.90 亿元，不超过 2 亿元`` (a yes/no or missing value after a colon)."""

    gate: str
    passed: bool
    title: tuple[str, str]
    value: tuple[str, str]
    rule: tuple[str, str]
    verdict: tuple[str, str]
    said: tuple[str, str]

    @property
    def sentence(self) -> tuple[str, str]:
        """What was said and the verdict: ``营业收入 1.90 亿元，不超过 2 亿元：通过``."""
        return f"{self.said[0]}：{self.verdict[0]}", f"{self.said[1]}: {self.verdict[1]}"

    @property
    def line(self) -> tuple[str, str]:
        """The sentence after the gate's title: ``科技型中小企业：营业收入 …：通过`` (the title
        once, when the sentence already opens with it)."""
        zh, en = self.sentence
        return (
            zh if zh.startswith(self.title[0]) else f"{self.title[0]}：{zh}",
            en if en.startswith(self.title[1]) else f"{self.title[1]}: {en}",
        )


def bilingual(title: str) -> tuple[str, str]:
    """A ``中文 — English`` title split in two; any other title as both."""
    if _BILINGUAL in title:
        zh, _, en = title.partition(_BILINGUAL)
        return zh, en
    return title, title


# The bundled schemes' Chinese-only criterion and category titles in English, by the title
# without its parenthesised suffix (one id may carry different titles across schemes).
_ENGLISH_TITLES: dict[str, str] = {
    "资本市场": "Capital markets",
    "产业链引领": "Industry-chain leadership",
    "关键核心技术": "Key core technology",
    "整合国内外资源": "Domestic and global resources",
    "成长性": "Growth",
    "成长性指标": "Growth",
    "创新能力指标": "Innovation capability",
    "专利与标准": "Patents and standards",
    "评审专家评议": "Expert reviewers' assessment",
    "融资与潜力": "Funding and potential",
    "细分领域市场地位": "Standing in its market niche",
    "自主知识产权": "Own intellectual property",
    "研发投入": "R&D input",
    "规模": "Scale",
    "专业化指标": "Specialisation",
    "硬科技": "Hard technology",
    "硬科技与自主知识产权": "Hard technology and own IP",
    "独角兽潜力": "Unicorn potential",
    "牵头产业技术创新战略联盟": "Technology-innovation alliances led",
    "商业模式创新": "Business-model innovation",
    "I类知识产权数量": "Class I IP",
    "II类知识产权数量": "Class II IP",
    "上年度资产负债率": "Debt ratio, last year",
    "主营业务占比": "Main-business share",
    "累计融资额": "Funding to date",
    "硬科技特色": "Hard-tech distinctiveness",
    "硬科技领域": "Hard-tech sector",
    "高价值发明专利": "High-value invention patents",
    "牵头创新中心": "Innovation centres led",
    "PCT国际专利申请": "PCT international applications",
    "主导国际标准": "International standards led",
    "发明专利等I类知识产权": "Invention patents and other Class I IP",
    "与企业主导产品相关的有效知识产权数量": "Valid IP related to the main product",
    "科技成果指标": "Technology results",
    "上市或拟上市": "Listed or preparing to list",
    "上年度主营业务收入增长率": "Main-business revenue growth, last year",
    "上年度主营业务收入总额占营业收入总额比重": "Main business as a share of revenue, last year",
    "距上轮融资月数": "Months since the last round",
    "境外收入占比": "Overseas revenue share",
    "出口收入占比": "Export revenue share",
    "PCT专利申请": "PCT applications",
    "净利润率": "Net profit margin",
    "净资产增长率": "Net-asset growth",
    "研发费用总额": "R&D expense",
    "研发费用增长率": "R&D expense growth",
    "研发投入指标": "R&D input",
    "研发投入强度": "R&D intensity",
    "上年度研发费用总额占营业收入总额比重": "R&D expense as a share of revenue, last year",
    "研发强度提升": "Rise in R&D intensity",
    "研发人员占比": "R&D staff share",
    "近三年融资额": "Funding in the last three years",
    "近两年融资轮次": "Funding rounds in the last two years",
    "营业收入": "Revenue",
    "营业收入复合增长率": "Compound revenue growth",
    "营业收入增长率": "Revenue growth",
    "销售收入增长率": "Sales growth",
    "细分市场排名": "Rank in its market segment",
    "细分市场占有率": "Share of its market segment",
    "主导标准": "Standards led",
    "主导标准总数": "Standards led in total",
    "主导产品所属领域情况": "The main product's field",
    "科技人员指标": "Technical staff",
    "科技人员占比": "Technical staff share",
    "估值": "Valuation",
}
# A title's parenthesised suffix: its points ("(20分)", "(满分30分)"), who rates it, its unit.
_TITLE_SUFFIX = re.compile(r"(.+?)\s*\((满分)?(\d+)分\)|(.+?)\s*\((评审|美元)\)")
_SUFFIX_WORDS = {"评审": "rated by reviewers", "美元": "US dollars"}


def english_title(title: str, key: str) -> str:
    """A criterion's or category's Chinese-only ``title`` in English (its points, rater or unit
    kept), or its id ``key`` in words when the title is not one of the bundled schemes'."""
    matched = _TITLE_SUFFIX.fullmatch(title)
    if matched is None:
        base, suffix = title, ""
    elif matched.group(3) is not None:
        base = matched.group(1)
        most = "at most " if matched.group(2) else ""
        suffix = f" ({most}{matched.group(3)} points)"
    else:
        base, suffix = matched.group(4), f" ({_SUFFIX_WORDS[matched.group(5)]})"
    english = _ENGLISH_TITLES.get(base)
    return key.replace("_", " ").replace("-", " ") if english is None else english + suffix


def _title(gate: scoring.scheme.Gate) -> tuple[str, str]:
    """The gate's title, else its rationale, else its id, in Chinese and English."""
    return bilingual(gate.title or gate.rationale or gate.id)


def _subject(indicator: str) -> tuple[str, str]:
    named = _INDICATOR_NAMES.get(indicator)
    if named is not None:
        return named
    spaced = indicator.replace("_", " ")
    return _FILING_NAMES.get(indicator, indicator), spaced[:1].upper() + spaced[1:]


@dataclass(frozen=True, slots=True)
class _Reading:
    """How one language shows a number: times ``factor``, ``digits`` decimals, then ``unit``;
    ``pad`` keeps trailing zeros (亿元 read as 1.90)."""

    factor: float
    unit: str
    digits: int
    pad: bool = False


def _readings(indicator: str, number: float) -> tuple[_Reading, _Reading]:
    """The Chinese and English reading of ``number`` of ``indicator``."""
    if indicator in _AMOUNT_INDICATORS or indicator == "valuation_usd":
        usd = indicator == "valuation_usd"
        large = abs(number) >= 1e9
        return (
            _Reading(1e-8, " 亿美元" if usd else " 亿元", 2, pad=True),
            _Reading(1e-9 if large else 1e-6,
                     f" {'billion' if large else 'million'} {'USD' if usd else 'yuan'}", 2),
        )
    unit = unit_of(indicator)
    if unit is None:
        return _Reading(1.0, "", 2), _Reading(1.0, "", 2)
    if unit.zh == "%":
        return _Reading(100.0, "%", 1), _Reading(100.0, "%", 1)
    return _Reading(unit.scale, f" {unit.zh}", 1), _Reading(unit.scale, f" {unit.en}", 1)


def _shown(number: float, reading: _Reading, digits: int) -> str:
    text = f"{number * reading.factor:,.{digits}f}"
    if not reading.pad and "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{'0' if text == '-0' else text}{reading.unit}"


def _digits(number: float, reading: _Reading, op: str, threshold: Any) -> int:
    """The reading's decimals, or more while rounding would misstate the comparison (5.04 years
    shown as 5.0 against "at most 5")."""
    compare = _COMPARE.get(op)
    if compare is None or isinstance(threshold, bool) or not isinstance(threshold, int | float):
        return reading.digits
    exact = compare(number, float(threshold))
    for digits in range(reading.digits, 9):
        rounded = round(number * reading.factor, digits)
        if compare(rounded, float(threshold) * reading.factor) == exact:
            return digits
    return 9


def _words(indicator: str, value: Any, *, op: str = "", threshold: Any = None) -> tuple[str, str]:
    """A value of ``indicator`` with its unit, rounded for reading but never across
    ``threshold`` (a rule's own value passes none: it is shown exactly)."""
    if isinstance(value, bool):
        return ("是", "yes") if value else ("否", "no")
    if isinstance(value, list):
        said = [_words(indicator, v) for v in value]
        return "、".join(w[0] for w in said), ", ".join(w[1] for w in said)
    if isinstance(value, str):
        return _SECTORS.get(value, (value, value))
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "无数值", "no value"
    number = float(value)
    zh, en = _readings(indicator, number)
    if threshold is None:  # a rule's threshold: exact, without padding
        return (_shown(number, _Reading(zh.factor, zh.unit, 6), 6),
                _shown(number, _Reading(en.factor, en.unit, 6), 6))
    return (_shown(number, zh, _digits(number, zh, op, threshold)),
            _shown(number, en, _digits(number, en, op, threshold)))


def gate_words(gate: scoring.scheme.Gate, *, passed: bool, value: Any) -> GateWords:
    """``gate`` for a firm whose JSON-safe ``value`` (``None`` when missing) passed or not."""
    op_zh, op_en = _OPS[gate.op]
    threshold_zh, threshold_en = _words(gate.indicator, gate.value)
    if isinstance(gate.value, bool):
        rule = (f"{op_zh}{threshold_zh}", f"{op_en} {threshold_en}")
    else:
        rule = (f"{op_zh} {threshold_zh}".replace("： ", "："), f"{op_en} {threshold_en}")
    if value is None and gate.when_missing == "pass":
        rule = ("无数值时视为通过", "passes without a value")
    subject = _subject(gate.indicator)
    shown = _words(gate.indicator, value, op=gate.op, threshold=gate.value)
    verdict = _PASSED if passed else _FAILED
    colon = value is None or isinstance(value, bool)
    return GateWords(
        gate=gate.id,
        passed=passed,
        title=_title(gate),
        value=shown,
        rule=rule,
        verdict=verdict,
        said=(
            f"{subject[0]}{'：' if colon else ' '}{shown[0]}，{rule[0]}",
            f"{subject[1]}{':' if colon else ''} {shown[1]}, {rule[1]}",
        ),
    )


def gates_in_words(
    scheme: scoring.Scheme, entries: Sequence[dict[str, Any]]
) -> dict[str, GateWords]:
    """An explanation's ``gates`` entries in words, by gate id (entries the scheme lacks are
    left out)."""
    rules = {g.id: g for g in scheme.gates}
    return {
        e["gate"]: gate_words(rules[e["gate"]], passed=bool(e["passed"]), value=e["value"])
        for e in entries
        if e["gate"] in rules
    }


# Identifiers a page shows (cohorts, round states, decisions, aggregations, roles), for people.
_NAMES: dict[str, tuple[str, str]] = {
    "leader": ("领军企业100", "Leader 100"),
    "hidden-champion": ("隐形冠军100", "Hidden Champion 100"),
    "seed": ("种子企业100", "Seed 100"),
    "open": ("征集中", "open"),
    "scoring": ("评审中", "scoring"),
    "decided": ("已决定", "decided"),
    "notice": ("公示中", "in notice"),
    "published": ("已公布", "published"),
    "select": ("入选", "selected"),
    "waitlist": ("候补", "waitlisted"),
    "reject": ("不入选", "rejected"),
    "undecided": ("未决定", "undecided"),
    "weighted-sum": ("加权求和", "weighted sum"),
    "topsis": ("TOPSIS 逼近理想解排序", "TOPSIS"),
    "admin": ("管理员", "admin"),
    "officer": ("业务经办人", "programme officer"),
    "reviewer": ("评审专家", "reviewer"),
    "chair": ("评审委员会主任", "committee chair"),
    "tracker": ("跟踪统计员", "tracker"),
}


def named(identifier: str | None) -> tuple[str, str]:
    """A cohort, round state, decision, aggregation or role by its name in Chinese and English
    (an unknown identifier as itself)."""
    if identifier is None:
        return "—", "—"
    return _NAMES.get(identifier, (identifier, identifier))


# The notes scoring writes (``scoring.explanations.notes``), each part in Chinese; any other
# text a criterion's input carried is shown as written.
_NOTE_PARTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"missing: 0 points \(policy zero\)"), "缺少数值：记 0 分"),
    (re.compile(r"missing: firm excluded \(policy exclude\)"), "缺少数值：企业不参评"),
    (
        re.compile(r"missing: pool median used \(policy pool-median\) = (.+)"),
        "缺少数值：按合格企业中位数 {0} 计",
    ),
    (
        re.compile(r"missing: pool median used \(policy pool-median\) \(per alternative\)"),
        "缺少数值：按合格企业中位数计（各备选指标分别计）",
    ),
    (
        re.compile(
            r"missing: pool median used \(policy pool-median\), "
            r"but no firm of the pool has a value: 0 points"
        ),
        "缺少数值：合格企业均无数值，记 0 分",
    ),
    (re.compile(r"awaiting ratings: (\d+) of (\d+)"), "评分未齐：已评 {0} 份，共需 {1} 份"),
    (re.compile(r"best of: (.+)"), "取较优者：{0}"),
    (
        re.compile(r"reviewers disagree \(spread (.+) > (.+)\)"),
        "评审意见分歧（极差 {0}，超过 {1}）",
    ),
)


def note_words(note: str | None) -> tuple[str, str]:
    """A criterion's note in Chinese and English (its parts, separated by ``; ``)."""
    if not note:
        return "", ""
    parts = []
    for part in note.split("; "):
        for pattern, chinese in _NOTE_PARTS:
            matched = pattern.fullmatch(part)
            if matched is not None:
                parts.append(chinese.format(*matched.groups()))
                break
        else:
            parts.append(part)
    return "；".join(parts), note


def reading(value: Any) -> str:
    """A raw value for reading: a whole number whole, else two decimals; a dash when missing."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value is None else str(value)
    if not math.isfinite(value):
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"
