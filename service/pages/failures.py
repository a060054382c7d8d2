"""What a failed page says, in the reader's language: a headline for the status, and each of a
form's errors as "企业名：字段：问题" — the firm named, the field in words, the message in words.

The API keeps its English ``detail`` and field paths (``body → decisions → 0 → reason``); the
page shows those only folded away, as the API said them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from service.errors import ServiceError
from service.selection.shortlists import words

__all__ = ["ErrorLine", "Said", "in_words", "refused"]

_HEADLINES: dict[int, str] = {
    400: "请求有误。",
    403: "无权执行此操作，或表单已过期（请刷新页面后重试）。",
    404: "未找到要查看的内容。",
    405: "不支持此操作。",
    409: "当前状态下不能这样做。",
    412: "数据已被他人修改，请刷新后重试。",
    413: "文件过大。",
    415: "不支持此文件类型。",
    422: "表单有误，请修改后重试。",
    429: "提交过于频繁，请稍后再试。",
    503: "系统繁忙，请稍后重试。",
}

# The last named part of an error's path, in words.
_FIELDS: dict[str, tuple[str, str]] = {
    "reason": ("理由", "reason"),
    "score": ("评分", "rating"),
    "criterion": ("评审指标", "criterion"),
    "comment": ("评语", "comment"),
    "moves": ("迁出原梯队", "moving from its current cohort"),
    "grounds": ("异议理由", "grounds"),
    "contact": ("联系方式", "contact"),
    "uscc": ("统一社会信用代码", "unified social credit code"),
    "name": ("名称", "name"),
    "year": ("年度", "year"),
    "reference_date": ("基准日", "reference date"),
    "capacity": ("名额", "places"),
    "file": ("文件", "file"),
    "state": ("状态", "state"),
    "nomination_id": ("推荐编号", "nomination"),
    "decisions": ("决定", "decisions"),
    "ratings": ("评分", "ratings"),
    "sort": ("排序", "sort order"),
    "api_key": ("密钥", "key"),
}

# The API's messages (``service.selection``, the page routes) in Chinese; ``{n}`` is group n.
_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), chinese)
    for pattern, chinese in (
        (
            r"(select|waitlist|reject) of a firm (inside|outside) the capacity line "
            r"\(rank (\d+)\) is an override and needs a reason",
            "名次 {3}，位于名额线{2}，{1}属于改变排名结果，须填写理由",
        ),
        (
            r"selecting a firm whose ratings are incomplete "
            r"\(awaiting ratings: (\d+) of (\d+).*\) needs a reason",
            "评分未齐（已评 {1} 份，共需 {2} 份），入选须填写理由",
        ),
        (r"must lie in \[(.+), (.+)\] for .+", "须在 {1} 到 {2} 之间"),
        (r"one rating per criterion", "每个指标只能评一次"),
        (r"not on the proposed list", "不在公示名单上"),
        (r"duplicate nomination_id", "同一企业出现两次"),
        (r"no outcome chosen", "未选择任何决定"),
        (r"no rating given", "未填写任何评分"),
        (r"not a number", "不是数字"),
        (r"unknown key", "不是可选的值"),
        (r"2 to 4 firms", "请选择 2 至 4 家企业"),
        (r"not a USCC", "不是统一社会信用代码"),
        (r"Field required", "必填"),
        (r".*is blank", "不能为空"),
    )
)
_PLACES = {"inside": "内", "outside": "外"}

# pydantic's error types (a form field the route parses) in Chinese, with its ``ctx`` values.
_TYPES: dict[str, str] = {
    "missing": "必填",
    "string_too_short": "不能为空",
    "string_too_long": "过长（最多 {max_length} 个字符）",
    "less_than_equal": "不能大于 {le}",
    "greater_than_equal": "不能小于 {ge}",
    "int_parsing": "须为整数",
    "float_parsing": "须为数字",
    "finite_number": "须为有限的数字",
    "string_pattern_mismatch": "不是可选的值",
    "date_parsing": "须为日期，如 2026-06-30",
    "date_from_datetime_parsing": "须为日期，如 2026-06-30",
    "date_format": "须为日期，如 2026-06-30",
    "date_value": "不是实际存在的日期",
    "date_type": "须为日期，如 2026-06-30",
    "blank": "不能为空",
    "forbidden_character": "含有不允许的字符",
}


@dataclass(frozen=True, slots=True)
class ErrorLine:
    """One error for a reader: the firm it concerns (if any), the field and the message, each
    ``(Chinese, English)``."""

    firm: str | None
    field: tuple[str, str] | None
    message: tuple[str, str]


@dataclass(frozen=True, slots=True)
class Said:
    """A failure for a reader: the headline and the form's errors, in both languages."""

    headline: tuple[str, str]
    lines: list[ErrorLine]


def _field(loc: list[Any]) -> tuple[str, str] | None:
    """The field an error's path ends in (a form field ``score:<criterion>`` by its kind)."""
    named = [p for p in loc if isinstance(p, str) and p not in ("body", "form", "query")]
    if not named:
        return None
    key = named[-1].partition(":")[0]
    return _FIELDS.get(key, (key, key))


def _message(error: dict[str, Any]) -> tuple[str, str]:
    english = str(error.get("message", ""))
    for pattern, chinese in _MESSAGES:
        matched = pattern.fullmatch(english)
        if matched is not None:
            parts = [_PLACES.get(g, words.named(g)[0]) for g in matched.groups()]
            return chinese.format("", *parts), english
    kind = str(error.get("type") or "")
    if kind in _TYPES:
        try:
            return _TYPES[kind].format_map(dict(error.get("ctx") or {})), english
        except (KeyError, ValueError):
            return _TYPES[kind].partition("（")[0], english
    return english, english


def refused(exc: ValidationError, *under: str | int) -> list[dict[str, Any]]:
    """pydantic's errors as a service error's, each path under ``under``, keeping the type and
    context ``in_words`` reads."""
    return [
        {
            "loc": [*under, *e["loc"]],
            "message": e["msg"],
            "type": e["type"],
            "ctx": e.get("ctx"),
        }
        for e in exc.errors()
    ]


def in_words(error: ServiceError) -> Said:
    """``error`` for the page: a headline by its status (the English page keeps the API's
    detail) and each error line with its firm (an error's ``firm``) and field in words."""
    lines = [
        ErrorLine(
            firm=e.get("firm"),
            field=_field(list(e.get("loc") or ([e["field"]] if e.get("field") else []))),
            message=_message(e),
        )
        for e in error.errors or []
    ]
    headline = _HEADLINES.get(error.status, "无法完成此操作。")
    return Said(headline=(headline, error.detail), lines=lines)
