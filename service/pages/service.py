"""What each page shows, composed from the API's own use cases (one query, two renderings).

Nothing here reads the database directly: every number comes from the use case that serves the
same data as JSON, and is only arranged, sorted, filtered, scaled into SVG geometry or given a
unit here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

import scoring
from schemas.notice import NoticeIn
from schemas.reviewers import CohortProgressOut
from schemas.selection import DecisionIn, RatingIn
from scoring.growth.factors import FEATURE_NAMES
from service import intake
from service.access import rule_for
from service.errors import NotFound, ValidationFailed
from service.firms import service as firms_service
from service.growth import service as growth_service
from service.keys import Principal
from service.models import SelectionRound, utcnow
from service.pages.failures import refused
from service.rounds import service as rounds_service
from service.schemes import service as schemes_service
from service.selection import nominations as selection_nominations
from service.selection import rated
from service.selection.decisions import service as decisions_service
from service.selection.explained import ExplanationCache
from service.selection.kpis import service as kpis_service
from service.selection.notice import service as notice_service
from service.selection.progress import service as progress_service
from service.selection.publication import service as publication_service
from service.selection.reviews import service as reviews_service
from service.selection.runs import service as runs_service
from service.selection.shortlists import service as shortlists_service
from service.selection.shortlists import words
from service.selection.transitions import service as transitions_service
from service.settings import Settings

__all__ = [
    "COHORTS",
    "Bar",
    "Dashboard",
    "FirmView",
    "RoundPanel",
    "ShortlistView",
    "Step",
    "card_words",
    "dashboard",
    "decision_summary",
    "feature_words",
    "file_headers",
    "firm_view",
    "firm_views",
    "growth_card_view",
    "name_firm",
    "notice_view",
    "rate",
    "record_decisions",
    "round_panel",
    "shortlist_view",
    "take_step",
    "years_text",
]

COHORTS = ("leader", "hidden-champion", "seed")
SORT_KEYS = ("position", "total", "name", "stability")
BELOW_LINE_ROWS = 30  # rows shown below the line (and of the ineligible) until "show all"
CHART_WIDTH = 300.0  # px of the widest bar in the criterion chart
STACK_WIDTH = 160.0  # px of a full score in the shortlist's stacked bar


@dataclass(frozen=True, slots=True)
class Bar:
    """One SVG bar: its label, the exact value it stands for, and its drawn width."""

    label: str
    value: float
    width: float
    category: str = ""


@dataclass(slots=True)
class Dashboard:
    """A round's state, what may come next, and per cohort its nominations, run and decisions."""

    round: SelectionRound
    next_states: list[str]
    cohorts: list[dict[str, Any]] = field(default_factory=list)
    kpis: list[dict[str, Any]] = field(default_factory=list)


def dashboard(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    usd_cny: float,
    explained: ExplanationCache | None = None,
) -> Dashboard:
    """The round dashboard: counts per cohort, each latest run, decisions against capacity."""
    selection_round = rounds_service.get_or_raise(session, round_id)
    view = Dashboard(
        round=selection_round,
        next_states=sorted(transitions_service.ALLOWED[selection_round.state]),
    )
    for cohort in COHORTS:
        nominated = selection_nominations.cohort_nominations(
            session, round_id=round_id, cohort=cohort
        )
        run = runs_service.latest(session, round_id=round_id, cohort=cohort)
        decisions: Counter[str] = Counter()
        if run is not None:
            listed = shortlists_service.read(
                session, principal, round_id=round_id, cohort=cohort, explained=explained
            )
            decisions = Counter(item["decision"] or "undecided" for item in listed.items)
        capacity = rounds_service.capacity(selection_round, cohort)
        view.cohorts.append(
            {
                "cohort": cohort,
                "nominations": len(nominated),
                "capacity": capacity,
                "run": runs_service.describe(session, run) if run is not None else None,
                "decisions": dict(decisions),
                "selected_width": _scaled(decisions.get("select", 0), capacity, CHART_WIDTH),
            }
        )
    if selection_round.state == "published":
        report = kpis_service.measure(session, round_id=round_id, usd_cny=usd_cny)
        for cohort in report["cohorts"]:
            for target in cohort["targets"]:
                full = max(target["target_max"] or target["target_min"], target["count"], 1)
                view.kpis.append(
                    {
                        **target,
                        "cohort": cohort["cohort"],
                        "bar": _scaled(target["count"], full, CHART_WIDTH),
                        "mark": _scaled(target["target_min"], full, CHART_WIDTH),
                    }
                )
    return view


@dataclass(frozen=True, slots=True)
class RoundPanel:
    """What the panel (chair, admin) sees on a dashboard besides the counts: assignment and
    rating progress and the notice's objections; None where the caller's role may not read it."""

    progress: list[CohortProgressOut] | None
    objections: list[dict[str, Any]] | None


def _may(principal: Principal, method: str, path: str) -> bool:
    """Whether the API's access table lets the caller's role call ``method path``."""
    return principal.role in (rule_for(method, path) or frozenset())


def round_panel(session: Session, principal: Principal, *, round_id: int) -> RoundPanel:
    """The round's progress and objections, each shown only to the roles the API shows it to."""
    progress = (
        progress_service.for_round(session, round_id=round_id)
        if _may(principal, "GET", "/v1/rounds/{round_id}/progress")
        else None
    )
    objections = None
    if _may(principal, "GET", "/v1/rounds/{round_id}/objections"):
        listed = notice_service.list_objections(
            session, round_id=round_id, after_id=None, limit=1000
        )
        names = {
            uscc: firms_service.get_by_uscc_or_raise(session, uscc).name
            for uscc in {o.uscc for o in listed}
        }
        objections = [
            {
                "id": o.id,
                "uscc": o.uscc,
                "name": names[o.uscc],
                "cohort": o.cohort,
                "state": o.state,
                "grounds": o.grounds,
                "resolution_reason": o.resolution_reason,
                "created_at": o.created_at,
            }
            for o in listed
        ]
    return RoundPanel(progress=progress, objections=objections)


def notice_view(session: Session, *, round_id: int, today: dt.date) -> dict[str, Any]:
    """The public notice as the API serves it, with its length in days and whether objections
    are still taken today."""
    document = notice_service.notice(session, round_id=round_id)
    starts_on, ends_on = document["starts_on"], document["ends_on"]
    order = {c: i for i, c in enumerate(COHORTS)}
    return {
        **document,
        "cohorts": sorted(document["cohorts"], key=lambda c: order.get(c["cohort"], len(order))),
        "days": (ends_on - starts_on).days + 1,
        "open": document["state"] == "notice" and today <= ends_on,
        "proposed": sum(len(c["firms"]) for c in document["cohorts"]),
    }


Step = Literal["notice", "publish"]


def take_step(
    session: Session, principal: Principal, *, round_id: int, step: Step, settings: Settings
) -> None:
    """Open a decided round's public notice for the default number of days, or publish a round
    whose notice has ended with the default validity from today."""
    if step == "notice":
        notice_service.open_notice(
            session,
            principal,
            round_id=round_id,
            data=NoticeIn(),
            today=utcnow().date(),
            default_days=settings.notice_days,
        )
    else:
        publication_service.publish(
            session,
            principal,
            round_id=round_id,
            valid_from=None,
            validity_years=None,
            usd_cny=settings.usd_cny,
        )


def _scaled(value: float | None, full: float, width: float) -> float:
    """``value / full`` of ``width``, clipped to [0, width] (0 for a missing value)."""
    if value is None or full <= 0:
        return 0.0
    return round(max(0.0, min(width, width * value / full)), 2)


@dataclass(frozen=True, slots=True)
class ShortlistView:
    """A shortlist page: the run, the scheme, rows within and below the capacity line."""

    run: dict[str, Any]
    scheme: scoring.Scheme
    categories: list[str]
    within: list[dict[str, Any]]
    below: list[dict[str, Any]]
    ineligible: list[dict[str, Any]]
    query: dict[str, str]
    hidden_rows: int
    rated_since_run: bool = False  # a row's rating count is newer than the run's


# A run's completeness flag, ``awaiting-ratings:<criterion>(<given> of <required>)``.
_AWAITING = re.compile(re.escape(rated.AWAITING_FLAG) + r"(.+)\((\d+) of (\d+)\)")


def _counted_now(item: dict[str, Any]) -> dict[str, Any]:
    """The item with each awaiting-ratings flag counting the ratings given until now, as the
    ratings beside it do (``rated-since-run`` once they are all in), not those the run had;
    a firm whose reviews the viewer may not see keeps the run's flags."""
    if "withheld" in item["explanation"]:
        return item
    flags = []
    for flag in item["flags"]:
        matched = _AWAITING.fullmatch(flag)
        if matched is None:
            flags.append(flag)
            continue
        criterion, required = matched.group(1), int(matched.group(3))
        given = int((item["reviews"].get(criterion) or {}).get("count", 0))
        kind = "awaiting-ratings" if given < required else "rated-since-run"
        flags.append(f"{kind}:{criterion}({given} of {required})")
    return item if flags == item["flags"] else {**item, "flags": flags, "rated_since_run": True}


def _max_total(explanation: dict[str, Any]) -> float:
    """The most points a firm can reach: each category's criterion maxima, capped."""
    tops: dict[str, float] = {}
    for entry in explanation.get("criteria", []):
        tops[entry["category"]] = tops.get(entry["category"], 0.0) + float(entry["max_points"] or 0)
    total = 0.0
    for entry in explanation.get("categories", []):
        top = tops.get(entry["category"], 0.0)
        total += min(top, float(entry["cap"])) if entry["cap"] is not None else top
    return total or 100.0


def _stack(item: dict[str, Any], full: float) -> list[Bar]:
    return [
        Bar(entry["category"], entry["capped"], _scaled(entry["capped"], full, STACK_WIDTH))
        for entry in item["explanation"].get("categories", [])
        if entry.get("capped") is not None
    ]


def shortlist_view(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    cohort: str,
    sort: str,
    descending: bool,
    search: str,
    decision: str,
    flagged: bool,
    all_rows: bool,
    explained: ExplanationCache | None = None,
) -> ShortlistView:
    """The shortlist as the API reads it, sorted and filtered for the page; unless ``all_rows``,
    the rows within the places and the next ``BELOW_LINE_ROWS`` of each other section."""
    listed = shortlists_service.read(
        session, principal, round_id=round_id, cohort=cohort, explained=explained
    )
    scheme = listed.scheme
    full = _max_total(listed.items[0]["explanation"]) if listed.items else 100.0
    rows = []
    needle = search.strip().casefold()
    counted = [_counted_now(item) for item in listed.items]
    for item in counted:
        if (
            needle
            and needle not in f"{item['name']} {item['name_en'] or ''} {item['uscc']}".casefold()
        ):
            continue
        if decision and (item["decision"] or "undecided") != decision:
            continue
        if flagged and not item["flags"]:
            continue
        rows.append({**item, "stack": _stack(item, full)})
    if sort != "position":
        missing_last = float("-inf") if descending else float("inf")

        def key(row: dict[str, Any]) -> Any:
            value = row.get(sort)
            if sort == "name":
                return str(value)
            return missing_last if value is None else float(value)

        rows.sort(key=key, reverse=descending)
    elif descending:
        rows.reverse()
    below = [r for r in rows if r["eligible"] and not r["within_capacity"]]
    ineligible = [r for r in rows if not r["eligible"]]
    hidden = 0
    if not all_rows:
        hidden = max(0, len(below) - BELOW_LINE_ROWS) + max(0, len(ineligible) - BELOW_LINE_ROWS)
        below, ineligible = below[:BELOW_LINE_ROWS], ineligible[:BELOW_LINE_ROWS]
    return ShortlistView(
        run=runs_service.describe(session, listed.run),
        scheme=scheme,
        categories=[c.id for c in scheme.categories],
        within=[r for r in rows if r["eligible"] and r["within_capacity"]],
        below=below,
        ineligible=ineligible,
        query={"q": search, "decision": decision, "sort": sort},
        hidden_rows=hidden,
        rated_since_run=any(item.get("rated_since_run") for item in counted),
    )


@dataclass(frozen=True, slots=True)
class FirmView:
    """One firm's explanation arranged for reading: the shortlist item plus chart geometry."""

    item: dict[str, Any]
    run: dict[str, Any]
    scheme: scoring.Scheme
    groups: list[dict[str, Any]]
    rated: dict[str, scoring.scheme.Rating]
    conflicted: bool
    withheld: bool  # a reviewer's view of a firm not assigned to them: no details, no form
    mine: dict[str, tuple[float, str | None]]  # the viewing reviewer's ratings, to edit


def _groups(item: dict[str, Any], scheme: scoring.Scheme) -> list[dict[str, Any]]:
    """Criteria grouped by category, each with its bar, unit and raw value for reading."""
    indicators = {c.id: c.indicator for c in scheme.criteria}
    widest = (
        max(
            (float(c["max_points"] or 0.0) for c in item["explanation"].get("criteria", [])),
            default=1.0,
        )
        or 1.0
    )
    groups: dict[str, dict[str, Any]] = {
        c.id: {"category": c.id, "title": c.title, "cap": None, "capped": None, "criteria": []}
        for c in scheme.categories
    }
    for entry in item["explanation"].get("categories", []):
        group = groups.get(entry["category"])
        if group is not None:
            group.update(cap=entry["cap"], capped=entry["capped"], subtotal=entry["subtotal"])
    for entry in item["explanation"].get("criteria", []):
        unit = words.unit_of(indicators.get(entry["criterion"]))
        raw = entry["raw"]
        shown = raw * unit.scale if unit is not None and isinstance(raw, int | float) else raw
        groups[entry["category"]]["criteria"].append(
            {
                **entry,
                "unit": unit,
                "shown": shown,
                "bar": _scaled(entry["points"], widest, CHART_WIDTH),
                "track": _scaled(entry["max_points"], widest, CHART_WIDTH),
            }
        )
    return [g for g in groups.values() if g["criteria"]]


def firm_views(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    cohort: str,
    usccs: list[str],
    explained: ExplanationCache | None = None,
) -> list[FirmView]:
    """The explanations of ``usccs`` (in that order) from the shortlist the API serves."""
    listed = shortlists_service.read(
        session, principal, round_id=round_id, cohort=cohort, usccs=usccs, explained=explained
    )
    by_uscc = {item["uscc"]: item for item in listed.items}
    unknown = [u for u in usccs if u not in by_uscc]
    if unknown:
        raise NotFound(f"Firm(s) {', '.join(unknown)} are not in the latest {cohort!r} run.")
    scheme = listed.scheme
    run = runs_service.describe(session, listed.run)
    # The rating form follows the scheme ratings are checked against: the cohort's active one.
    _stored, active = schemes_service.get_active_for_cohort(session, cohort)
    rating_rules = rated.rated_criteria(active)
    views = []
    for uscc in usccs:
        item = _counted_now(by_uscc[uscc])
        conflicted = any(
            "conflict of interest" in str(entry.get("note") or "")
            for entry in item["explanation"].get("criteria", [])
        )
        withheld = "withheld" in item["explanation"]
        views.append(
            FirmView(
                item=item,
                run=run,
                scheme=scheme,
                groups=_groups(item, scheme),
                rated=rating_rules,
                conflicted=conflicted,
                withheld=withheld,
                mine=(
                    {}
                    if withheld or conflicted
                    else reviews_service.own_ratings(
                        session,
                        nomination_id=item["nomination_id"],
                        reviewer_id=principal.reviewer_id,
                    )
                ),
            )
        )
    return views


def firm_view(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    cohort: str,
    uscc: str,
    explained: ExplanationCache | None = None,
) -> FirmView:
    """One firm's explanation page."""
    views = firm_views(
        session, principal, round_id=round_id, cohort=cohort, usccs=[uscc], explained=explained
    )
    return views[0]


Outcome = Literal["select", "waitlist", "reject"]


def decision_summary(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    cohort: str,
    chosen: dict[int, tuple[Outcome, str | None]],
) -> dict[str, Any]:
    """What a batch of decisions would do: each firm, whether it overrides the line, and the
    count selected against capacity once recorded."""
    _decisions(session, round_id=round_id, chosen=chosen)
    listed = shortlists_service.read(session, principal, round_id=round_id, cohort=cohort)
    selection_round = rounds_service.get_or_raise(session, round_id)
    rows = []
    outcomes = {item["nomination_id"]: item["decision"] for item in listed.items}
    for item in listed.items:
        if item["nomination_id"] not in chosen:
            continue
        outcome, reason = chosen[item["nomination_id"]]
        outcomes[item["nomination_id"]] = outcome
        override = decisions_service.is_override(
            outcome, within_capacity=bool(item["within_capacity"])
        )
        rows.append({**item, "outcome": outcome, "reason": reason, "override": override})
    unknown = set(chosen) - {r["nomination_id"] for r in rows}
    if unknown:
        raise NotFound(f"Nomination(s) {sorted(unknown)} are not in the latest {cohort!r} run.")
    # Recording refuses to select a firm awaiting ratings without a reason: say so here first.
    awaiting = decisions_service.awaiting_ratings(
        session,
        round_id=round_id,
        cohort=cohort,
        nomination_ids=[r["nomination_id"] for r in rows if r["outcome"] == "select"],
    )
    for row in rows:
        row["awaiting"] = awaiting.get(row["nomination_id"])
    return {
        "rows": rows,
        "selected": sum(1 for o in outcomes.values() if o == "select"),
        "capacity": rounds_service.capacity(selection_round, cohort),
        "missing_reasons": [
            r for r in rows if (r["override"] or r["awaiting"]) and not r["reason"]
        ],
    }


def record_decisions(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    cohort: str,
    chosen: dict[int, tuple[Outcome, str | None]],
) -> int:
    """Record the chair's confirmed batch as the API does; its errors name their firm (the
    API's say ``decisions[i]``). How many decisions were recorded."""
    decisions = _decisions(session, round_id=round_id, chosen=chosen)
    try:
        decisions_service.record(
            session, principal, round_id=round_id, cohort=cohort, decisions=decisions
        )
    except ValidationFailed as exc:
        _name_decided(session, exc, round_id=round_id, nomination_ids=list(chosen))
        raise
    return len(decisions)


def _decisions(
    session: Session, *, round_id: int, chosen: dict[int, tuple[Outcome, str | None]]
) -> list[DecisionIn]:
    """The chair's choices as the API's decisions; none chosen, or a reason the API refuses (too
    long, a control character), is the form's error naming the firm, as the API's would be."""
    if not chosen:
        raise ValidationFailed(
            "Choose an outcome for at least one firm.",
            errors=[{"loc": ["body", "decisions"], "message": "no outcome chosen"}],
        )
    decisions: list[DecisionIn] = []
    errors: list[dict[str, Any]] = []
    for i, (nomination_id, (outcome, reason)) in enumerate(chosen.items()):
        try:
            decision = DecisionIn(nomination_id=nomination_id, outcome=outcome, reason=reason)
        except PydanticValidationError as exc:
            errors.extend(refused(exc, "body", "decisions", i))
            continue
        decisions.append(decision)
    if errors:
        error = ValidationFailed("The decisions are invalid.", errors=errors)
        _name_decided(session, error, round_id=round_id, nomination_ids=list(chosen))
        raise error
    return decisions


def _name_decided(
    session: Session, error: ValidationFailed, *, round_id: int, nomination_ids: list[int]
) -> None:
    """Let each of ``error``'s errors about ``decisions[i]`` name the firm of the i-th of
    ``nomination_ids`` (the API's say only ``decisions[i]``)."""
    for entry in error.errors or []:
        loc = entry.get("loc") or []
        if len(loc) > 2 and loc[1] == "decisions" and isinstance(loc[2], int):
            nominated = selection_nominations.get_nomination_or_raise(
                session, round_id=round_id, nomination_id=nomination_ids[loc[2]]
            )
            entry["firm"] = firms_service.get_by_uscc_or_raise(session, nominated.uscc).name


def rate(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    uscc: str,
    nomination_id: int,
    ratings: list[RatingIn],
) -> None:
    """Store the reviewer's ratings as the API does; its errors name the firm."""
    try:
        reviews_service.rate(
            session, principal, round_id=round_id, nomination_id=nomination_id, ratings=ratings
        )
    except ValidationFailed as exc:
        name_firm(session, exc, uscc=uscc)
        raise


def name_firm(session: Session, error: ValidationFailed, *, uscc: str) -> None:
    """Let each of ``error``'s errors name the firm they concern, for the page to say."""
    name = firms_service.get_by_uscc_or_raise(session, uscc).name
    for entry in error.errors or []:
        entry["firm"] = name


def file_headers(
    content: bytes, *, filename: str | None, content_type: str | None, max_xlsx_uncompressed: int
) -> dict[str, str]:
    """Contract column → the header the officer's CSV or XLSX used for it."""
    return intake.header_names(
        content,
        filename=filename,
        content_type=content_type,
        max_xlsx_uncompressed=max_xlsx_uncompressed,
    )


# The growth model card's codes in words: (Chinese, English), and for each metric what it means.
_CARD_WORDS: dict[str, tuple[str, str]] = {
    "registry": ("企业年度申报数据", "the firms' yearly filings"),
    "crunchbase-2013": ("CrunchBase 2013 年公开数据", "the CrunchBase 2013 export"),
    "logistic": ("逻辑回归", "logistic regression"),
    "gbm": ("梯度提升树", "gradient-boosted trees"),
    "blend": ("逻辑回归与梯度提升树的平均", "logistic regression and boosted trees averaged"),
    "oecd-high-growth-3y": ("三年高成长（OECD 定义）", "high growth in three years (OECD)"),
    "series-b-3y": ("三年内获得 B 轮及以后融资", "a series B or later round within 3 years"),
    "exit-5y": ("五年内被收购或上市", "acquired or public within 5 years"),
    "model": ("本模型", "this model"),
    "baseline": ("简单基线", "simple baseline"),
    "amount_only_baseline": ("仅用金额的基线", "amount-only baseline"),
    "base_rate_predictor": ("按总体比例预测", "base-rate predictor"),
    "on_validation_year": ("验证年", "on the validation year"),
    "on_backtest_test_years": ("回测的测试年份", "on the backtest's test years"),
    "first_as_of": ("最早观测日", "first as-of date"),
    "last_as_of": ("最晚观测日", "last as-of date"),
    "as_of_years": ("观测年份", "as-of years"),
    "last_filed_year": ("最近申报年度", "last filed year"),
    "bin": ("分箱", "bin"),
    "n": ("企业数", "firms"),
    "mean_predicted": ("平均预测概率", "mean predicted"),
    "observed": ("实际比例", "observed share"),
    "backtest": ("时间切分回测", "time-split backtest"),
    "calibration": ("概率校准表", "calibration table"),
    "data_range": ("数据时间范围", "data range"),
    "label": ("预测目标", "label"),
    "label_definition": ("预测目标定义", "label definition"),
    "features": ("特征", "features"),
    "library_versions": ("依赖库版本", "library versions"),
    "reference": ("特征分布参照", "feature reference"),
}
_LABEL_DEFINITIONS_ZH: dict[str, str] = {
    "oecd-high-growth-3y": "未来三个会计年度营业收入或职工人数的年均增长率不低于 20%，即 "
    "(X_{t+3} / X_t)^(1/3) − 1 ≥ 0.20，仅计观测年 t 职工不少于 10 人的企业（OECD 定义）；"
    "t+3 年未申报时为未知；融资不计入",
    "series-b-3y": "首轮（天使轮或 A 轮）融资后 3 年内获得 B 轮、C 轮及以后、私募股权或上市后融资",
    "exit-5y": "首轮（天使轮或 A 轮）融资后 5 年内被收购或上市",
}
_METRICS: dict[str, tuple[str, str, str, str]] = {
    "auc": (
        "ROC AUC",
        "ROC AUC",
        "随机取一家高成长企业和一家非高成长企业，模型给前者更高概率的机会；0.5 为随机，1 为完美。",
        "The chance that the model ranks a random high-growth firm above a random other firm; "
        "0.5 is chance, 1 is perfect.",
    ),
    "brier": (
        "Brier 分数",
        "Brier score",
        "预测概率与实际结果（0 或 1）之差的平方的平均；越低越好。",
        "The mean squared gap between the predicted probability and the outcome (0 or 1); "
        "lower is better.",
    ),
    "precision_at_100": (
        "前 100 名精确率",
        "Precision at 100",
        "模型概率最高的 100 家企业中实际高成长的比例。",
        "The share of firms that did grow fast among the 100 the model rates highest.",
    ),
    "ece": (
        "期望校准误差",
        "Expected calibration error",
        "按概率分箱，预测概率与实际比例之差的加权平均；越低说明概率越可信。",
        "The mean gap, weighted over probability bins, between the predicted probability and "
        "the observed share; lower means the probabilities can be taken at their word.",
    ),
}
_CALIBRATION_METHODS: dict[str, tuple[str, str]] = {
    "platt-pooled": (
        "Platt 映射 p' = sigmoid(slope·logit(p) + intercept)，在逐年外推的合并得分上拟合"
        "（每个校准年份由此前年份训练的模型打分）",
        "a Platt map p' = sigmoid(slope·logit(p) + intercept) fitted on pooled out-of-time "
        "scores (each calibration year scored by a model fitted on the years before it)",
    ),
    "platt-validation": (
        "Platt 映射 p' = sigmoid(slope·logit(p) + intercept)，在验证年的得分上拟合",
        "a Platt map p' = sigmoid(slope·logit(p) + intercept) fitted on the validation year",
    ),
}


def card_words(code: Any) -> tuple[str, str]:
    """A growth model card's code (source, kind, label, row or column) in Chinese and English;
    an unknown code as itself."""
    text = str(code)
    return _CARD_WORDS.get(text, (text, text.replace("_", " ")))


def feature_words(code: Any) -> tuple[str, str]:
    """A growth model's feature in Chinese and English (the words its reasons use); an unknown
    feature as its code."""
    text = str(code)
    return FEATURE_NAMES.get(text, (text, text.replace("_", " ")))


def years_text(value: Any) -> str:
    """Years for reading: ``[2012, 2020]`` (a from–until pair) or a run of consecutive years as
    ``2012–2020``, other lists joined, a single year as itself."""
    if isinstance(value, list | tuple):
        years = [int(v) for v in value if isinstance(v, int) and not isinstance(v, bool)]
        if len(years) != len(value) or not years:
            return ", ".join(str(v) for v in value)
        if len(years) == 1:
            return str(years[0])
        if len(years) == 2 or years == list(range(years[0], years[-1] + 1)):
            return f"{years[0]}–{years[-1]}"
        return ", ".join(str(y) for y in years)
    return "—" if value is None else str(value)


def growth_card_view(card: growth_service.Card) -> dict[str, Any]:
    """A growth model's card for reading: codes in words, years as spans, each metric with a
    line saying what it means, the evidence for activation in both languages."""
    document = card.model.card
    backtest = document.get("backtest") if isinstance(document.get("backtest"), dict) else None
    metrics: list[str] = list((backtest or {}).get("model") or {})
    rows = []
    if backtest is not None:
        rows.append((card_words("model"), backtest.get("model") or {}))
        for name, entry in backtest.items():
            if (name.endswith("baseline") or name == "base_rate_predictor") and isinstance(
                entry, dict
            ):
                zh, en = card_words(name)
                features = [feature_words(f) for f in entry.get("features") or []]
                if features:
                    zh = f"{zh}（{'、'.join(f[0] for f in features)}）"
                    en = f"{en} ({', '.join(f[1] for f in features)})"
                rows.append(((zh, en), entry))
    evidence = card.evidence
    if "model_auc" in evidence:
        known = evidence["baseline_auc"].items()
        baselines = "、".join(f"{card_words(n)[0]} {a}" for n, a in known)
        years = years_text(evidence["test_years"])
        verdict = "高于" if evidence["passes"] else "未高于"
        evidence_zh = f"测试年份 {years} 上 ROC AUC {evidence['model_auc']}，{verdict}{baselines}"
    else:
        evidence_zh = "模型卡缺少可判断的时间切分回测"
    definition = str(document.get("label_definition") or "")
    calibration = document.get("calibration")
    method = None
    if isinstance(calibration, dict):
        code = str((document.get("metrics") or {}).get("calibration_method"))
        method = _CALIBRATION_METHODS.get(code, (str(calibration.get("method", "")),) * 2)
    return {
        "source": card_words(card.model.source),
        "kind": card_words(document.get("kind")),
        "label": card_words(document.get("label")),
        "definition": (
            _LABEL_DEFINITIONS_ZH.get(str(document.get("label")), definition),
            definition,
        ),
        "backtest": backtest,
        "train_years": years_text((backtest or {}).get("train_years")),
        "test_years": years_text((backtest or {}).get("test_years")),
        "metrics": [(m, *_METRICS.get(m, (m, m, "", ""))) for m in metrics],
        "rows": rows,
        "evidence": (evidence_zh, evidence["reason"]),
        "method": method,
        "missing": [card_words(s) for s in card.missing_sections],
        "features": [(f, *feature_words(f)) for f in document.get("features") or []],
        "data_range": [
            (card_words(k), years_text(v) if isinstance(v, list) else v)
            for k, v in (document.get("data_range") or {}).items()
        ],
    }
