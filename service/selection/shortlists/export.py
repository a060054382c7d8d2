"""Shortlist exports a committee reads: CSV (UTF-8 with BOM, so Excel shows Chinese intact) and
a formatted XLSX, both headed by the round, cohort, scheme version and export time.

Headers are the scheme's criterion titles (Chinese, or English with ``lang=en``); each criterion
shows its points rounded for reading beside the exact points and the raw indicator value; gate
reasons (``words.gate_words``) and flags are in words. The XLSX has a sheet per purpose: the
shortlist, every criterion in detail (exact values), and the scheme's criteria with weights and
rationales.

Firm names and other text come from outside, so a text cell that begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is prefixed with ``'``: a spreadsheet then shows it as
text instead of running it as a formula (OWASP "CSV injection"). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

import scoring
from service.selection.shortlists import words

if TYPE_CHECKING:  # the shortlist use cases import this module to export
    from service.selection.shortlists.service import Shortlist

__all__ = [
    "CSV_MEDIA_TYPE",
    "XLSX_MEDIA_TYPE",
    "Heading",
    "flag_words",
    "neutralise",
    "shortlist_csv",
    "shortlist_xlsx",
    "title_words",
    "titles_of",
]

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Language = Literal["zh", "en"]


@dataclass(frozen=True, slots=True)
class Heading:
    """What an export says about itself at the top, and in which language."""

    round_id: int
    round_name: str
    cohort: str
    scheme: scoring.Scheme
    exported_at: dt.datetime
    synthetic: bool
    lang: Language = "zh"
    growth_model: dict[str, Any] | None = None  # the run's model: id, label, card_url
    growth_drift: dict[str, Any] | None = None  # the run's drift watch (scoring.growth.drift)


def neutralise(value: Any) -> Any:
    """A text value made safe for a spreadsheet cell; other values unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _say(heading: Heading, zh: str, en: str) -> str:
    return en if heading.lang == "en" else zh


def _named(heading: Heading, identifier: str) -> str:
    return words.named(identifier)[0 if heading.lang == "zh" else 1]


def _title(heading: Heading, key: str, titles: dict[str, str]) -> str:
    return title_words(titles, key)[0 if heading.lang == "zh" else 1]


def _meta(heading: Heading, shortlist: Shortlist) -> list[list[Any]]:
    """The lines above the table: round, cohort, scheme, run, export time, synthetic marking."""
    rows: list[list[Any]] = [
        [_say(heading, "轮次", "Round"), f"{heading.round_id} · {heading.round_name}"],
        [_say(heading, "梯队", "Cohort"), f"{_named(heading, heading.cohort)} ({heading.cohort})"],
        [_say(heading, "方案", "Scheme"), f"{heading.scheme.id} v{heading.scheme.version}"],
        [_say(heading, "评分批次", "Score run"), shortlist.run.id],
        [
            _say(heading, "导出时间 (UTC)", "Exported at (UTC)"),
            heading.exported_at.strftime("%Y-%m-%d %H:%M:%S"),
        ],
    ]
    rows.extend(_growth_lines(heading))
    if heading.synthetic:
        rows.append(
            [
                "SYNTHETIC",
                "合成演示数据，非真实企业"
                if heading.lang == "zh"
                else "synthetic demo data, not real firms",
            ]
        )
    return [[neutralise(v) for v in row] for row in rows]


def _growth_lines(heading: Heading) -> list[list[Any]]:
    """The growth model the run used, with its card's address, and the drift watch in words."""
    model = heading.growth_model
    if model is None:
        return []
    rows: list[list[Any]] = [
        [
            _say(heading, "成长模型", "Growth model"),
            f"{model['label']} · {model['id'][:12]} · {_say(heading, '模型卡', 'card')} "
            f"{model['card_url']}",
        ]
    ]
    drift = heading.growth_drift
    if drift is not None:
        summary = drift["summary_en"] if heading.lang == "en" else drift["summary_zh"]
        rows.append([_say(heading, "数据漂移", "Drift"), f"{drift['level']} · {summary}"])
    return rows


def _rated(heading: Heading) -> list[str]:
    return [c.id for c in heading.scheme.criteria if c.method == "rating"]


def _header(heading: Heading, shortlist: Shortlist) -> list[str]:
    titles = titles_of(heading.scheme)
    # The maxima as the explanations state them (a band table's top is its highest band).
    # The first row whose explanation the viewer may see (a reviewer sees only their own).
    shown = [i for i in shortlist.items if i["explanation"].get("criteria")][:1]
    tops = {
        c["criterion"]: c["max_points"] for item in shown for c in item["explanation"]["criteria"]
    }
    say = partial(_say, heading)
    fixed = [
        say("名次", "Rank"),
        say("统一社会信用代码", "USCC"),
        say("企业名称", "Name"),
        say("英文名称", "English name"),
        say("领域", "Sector"),
        say("通过门槛", "Eligible"),
        say("达到最低分", "Meets the minimums"),
        say("名额以内", "Within the places"),
        say("总分", "Total"),
        say("总分（精确）", "Total (exact)"),
        say("稳定性", "Stability"),
        say("决定", "Decision"),
    ]
    per_criterion = []
    for c in shortlist.criteria:
        title = _title(heading, c, titles)
        top = tops.get(c)
        most = (
            f"（满分 {top:g}）"
            if top and heading.lang == "zh"
            else (f" (of {top:g})" if top else "")
        )
        per_criterion += [f"{title}{most}", f"{title} {say('原始值', 'raw value')}"]
    reviews = []
    for c in _rated(heading):
        title = _title(heading, c, titles)
        reviews += [
            f"{title} {say('评审均值', 'reviewer mean')}",
            f"{title} {say('评审人数', 'reviewers')}",
        ]
    if shortlist.compare is not None:
        fixed += [
            say(f"{shortlist.compare} 名次", f"Rank under {shortlist.compare}"),
            say("名次差", "Rank difference"),
        ]
    closing = [
        say("未通过门槛的原因", "Why gates failed"),
        say("评分进度", "Ratings awaited"),
        say("提示", "Flags"),
        say("各项门槛", "Every gate"),
    ]
    return [*fixed, *per_criterion, *reviews, *closing]


def _yes(heading: Heading, value: bool | None) -> str:
    if value is None:
        return ""
    return _say(heading, "是", "yes") if value else _say(heading, "否", "no")


def _rows(heading: Heading, shortlist: Shortlist) -> Iterator[list[Any]]:
    titles = titles_of(heading.scheme)
    rated = _rated(heading)
    for item in shortlist.items:
        explanation = item["explanation"]
        entries = {c["criterion"]: c for c in explanation.get("criteria", [])}
        total = item["total"]
        row: list[Any] = [
            item["rank"],
            item["uscc"],
            item["name"],
            item["name_en"],
            item["sector"],
            _yes(heading, item["eligible"]),
            _yes(heading, item["passed"]),
            _yes(heading, item["within_capacity"]),
            None if total is None else round(total, 2),
            total,
            item["stability"],
            _named(heading, item["decision"]) if item["decision"] else "",
        ]
        if shortlist.compare is not None:
            other = item["compare"] or {}
            row += [other.get("rank"), other.get("rank_difference")]
        for c in shortlist.criteria:
            entry = entries.get(c, {})
            points = entry.get("points")
            row += [None if points is None else round(points, 2), entry.get("raw")]
        for c in rated:
            summary = item["reviews"].get(c)
            row += [
                None if summary is None else round(summary["mean"], 2),
                0 if summary is None else summary["count"],
            ]
        said = words.gates_in_words(heading.scheme, explanation.get("gates", [])).values()
        lines = [gate.line[0 if heading.lang == "zh" else 1] for gate in said]
        failed = [line for gate, line in zip(said, lines, strict=True) if not gate.passed]
        flags = [flag_words(f, titles)[0 if heading.lang == "zh" else 1] for f in item["flags"]]
        ratings = explanation.get("ratings") or {}
        awaiting = ratings.get("awaiting_zh" if heading.lang == "zh" else "awaiting")
        row += ["; ".join(failed), awaiting or "", "; ".join(flags), "; ".join(lines)]
        yield [neutralise(v) for v in row]


def shortlist_csv(shortlist: Shortlist, heading: Heading) -> bytes:
    """The shortlist as CSV, UTF-8 with a byte-order mark: the heading lines, a blank line,
    then the table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(_meta(heading, shortlist))
    writer.writerow([])
    writer.writerow(_header(heading, shortlist))
    for row in _rows(heading, shortlist):
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode("utf-8-sig")


_BOLD = Font(bold=True)
_WARN = Font(bold=True, color="A4161A", size=14)
_BAND = PatternFill("solid", fgColor="F3F6F9")


def _table(
    sheet: Worksheet,
    heading: Heading,
    shortlist: Shortlist,
    header: list[str],
    rows: Iterator[list[Any]],
    formats: dict[int, str],
) -> None:
    """Heading lines, then a bold frozen header with a filter, the rows, widths and formats."""
    for line in _meta(heading, shortlist):
        sheet.append(line)
        sheet.cell(row=sheet.max_row, column=1).font = _BOLD
    if heading.synthetic:
        sheet.cell(row=sheet.max_row, column=1).font = _WARN
        sheet.cell(row=sheet.max_row, column=2).font = _WARN
    sheet.append([])
    sheet.append(header)
    top = sheet.max_row
    for cell in sheet[top]:
        cell.font = _BOLD
        cell.fill = _BAND
    widths = [min(max(len(str(h)) * 1.6, 8), 40) for h in header]
    for row in rows:
        sheet.append(row)
        for j, value in enumerate(row):
            if isinstance(value, str):
                widths[j] = min(max(widths[j], len(value) * 1.3), 60)
    sheet.freeze_panes = f"{get_column_letter(4 if len(header) > 4 else 1)}{top + 1}"
    sheet.auto_filter.ref = f"A{top}:{get_column_letter(len(header))}{max(sheet.max_row, top)}"
    for j, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = width
    for j, number_format in formats.items():
        for (cell,) in sheet.iter_rows(min_row=top + 1, min_col=j, max_col=j):
            cell.number_format = number_format


def _detail(heading: Heading, shortlist: Shortlist) -> tuple[list[str], Iterator[list[Any]]]:
    titles = titles_of(heading.scheme)
    say = partial(_say, heading)
    header = [
        say("统一社会信用代码", "USCC"),
        say("企业名称", "Name"),
        say("指标", "Criterion"),
        say("类别", "Category"),
        say("原始值", "Raw value"),
        say("标准化值", "Normalised"),
        say("得分", "Points"),
        say("满分", "Maximum"),
        say("说明", "Note"),
    ]

    def rows() -> Iterator[list[Any]]:
        for item in shortlist.items:
            for c in item["explanation"].get("criteria", []):
                yield [
                    neutralise(v)
                    for v in (
                        item["uscc"],
                        item["name"],
                        _title(heading, c["criterion"], titles),
                        _title(heading, c["category"], titles),
                        c["raw"],
                        c["normalised"],
                        c["points"],
                        c["max_points"],
                        words.note_words(c["note"])[0 if heading.lang == "zh" else 1],
                    )
                ]

    return header, rows()


def _scheme_rows(heading: Heading) -> tuple[list[str], Iterator[list[Any]]]:
    say = partial(_say, heading)
    titles = titles_of(heading.scheme)
    header = [
        say("指标", "Criterion"),
        say("标识", "Id"),
        say("类别", "Category"),
        say("方法", "Method"),
        say("权重", "Weight"),
        say("满分", "Maximum"),
        say("缺失值处理", "When missing"),
        say("依据", "Rationale"),
    ]
    rows = (
        [
            neutralise(v)
            for v in (
                _title(heading, c.id, titles),
                c.id,
                _title(heading, c.category or "", titles),
                c.method,
                c.weight,
                c.max_points,
                _POLICY_WORDS[c.missing][0 if heading.lang == "zh" else 1],
                c.rationale or "",
            )
        ]
        for c in heading.scheme.scored_criteria
    )
    return header, rows


def shortlist_xlsx(shortlist: Shortlist, heading: Heading) -> bytes:
    """The shortlist as a formatted workbook: shortlist, criteria detail, the scheme."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _say(heading, "短名单", "Shortlist")
    header = _header(heading, shortlist)
    formats = {9: "0.00", 10: "0.000000", 11: "0.00"}
    for j in range(13, 13 + 2 * len(shortlist.criteria), 2):
        formats[j] = "0.00"
    _table(sheet, heading, shortlist, header, _rows(heading, shortlist), formats)
    detail = workbook.create_sheet(_say(heading, "指标明细", "Criteria detail"))
    detail_header, detail_rows = _detail(heading, shortlist)
    _table(detail, heading, shortlist, detail_header, detail_rows, {6: "0.000", 7: "0.00"})
    scheme = workbook.create_sheet(_say(heading, "评分方案", "Scheme"))
    scheme_header, scheme_rows = _scheme_rows(heading)
    _table(scheme, heading, shortlist, scheme_header, scheme_rows, {})
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_FLAG_WORDS = {
    "gate": ("未通过门槛", "failed the gate"),
    "missing": ("缺少数值", "value missing"),
    "disagreement": ("评审意见分歧", "reviewers disagree on"),
    "bypass": ("破格通道", "bypass rule"),
    "below-minimum": ("低于最低分", "below the minimum of"),
    "capped": ("已达上限", "capped at the maximum of"),
    "awaiting-ratings": ("评分未齐", "awaiting ratings"),
    # The pages' flag for ratings that were awaited in the run and are all in now.
    "rated-since-run": ("评分已齐，下次评分时计入", "ratings in, counted at the next score run"),
}

_POLICY_WORDS = {
    "zero": ("记 0 分", "scored 0"),
    "pool-median": ("按中位数计", "pool median used"),
    "exclude": ("不参评", "firm excluded"),
}
_COUNT = re.compile(r"(\d+) of (\d+)")  # the ratings an ``awaiting-ratings`` flag counts


def titles_of(scheme: scoring.Scheme) -> dict[str, str]:
    """Criterion and category id → the scheme's title, or the id when untitled; ``gate:<id>``
    and ``bypass:<id>`` → the rule's title, else its rationale, else its id."""
    out = {c.id: c.title or c.id for c in scheme.categories}
    out.update({c.id: c.title or c.id for c in scheme.scored_criteria})
    out.update({f"gate:{g.id}": g.title or g.rationale or g.id for g in scheme.gates})
    out.update({f"bypass:{r.id}": r.title or r.rationale or r.id for r in scheme.bypass})
    return out


def title_words(titles: dict[str, str], key: str) -> tuple[str, str]:
    """The title of ``key`` (an id of ``titles_of``) in Chinese and English: a bilingual
    ``中文 — English`` title splits; a rule's title or rationale stays whole; a Chinese-only
    criterion or category title is put in English (``words.english_title``)."""
    rule = key.startswith(("gate:", "bypass:"))
    title = titles.get(key) or (key.partition(":")[2] if rule else key)
    split = words.bilingual(title)
    if split != (title, title):
        return split
    if rule:
        return title, title
    return title, words.english_title(title, key)


def flag_words(flag: str, titles: dict[str, str]) -> tuple[str, str]:
    """A flag such as ``missing:pct(zero)`` in words, Chinese and English."""
    kind, _, subject = flag.partition(":")
    subject = subject.removeprefix("category:")
    subject, _, policy = subject.partition("(")
    policy = policy.removesuffix(")")
    zh, en = _FLAG_WORDS.get(kind, (kind, kind))
    key = f"{kind}:{subject}" if kind in ("gate", "bypass") else subject
    title_zh, title_en = title_words(titles, key)
    counted = _COUNT.fullmatch(policy)
    if counted is not None:
        given, required = counted.groups()
        policy_zh, policy_en = f"已评 {given} 份，共需 {required} 份", f"{given} of {required}"
    else:
        policy_zh, policy_en = _POLICY_WORDS.get(policy, (policy, policy))
    extra_zh = f"，{policy_zh}" if policy else ""
    extra_en = f", {policy_en}" if policy else ""
    return f"{zh}：{title_zh}{extra_zh}", f"{en}: {title_en}{extra_en}"
