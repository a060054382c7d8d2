"""The shortlist: the latest run's ranked, explained results, with live reviewer aggregates.

What a reviewer sees is narrowed twice. A firm they declared a conflict with is left out of
every format (JSON, CSV, XLSX) — its total, rank, subtotals and figures all depend on, or are,
what they must not see — and the ranks of the firms they do see count only those firms, so no
gap betrays where the hidden one stood. The explanation and reviews of a nomination not
assigned to them are withheld: a reviewer sees the details of their own assignments only.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Integer, Select, String, bindparam, cast, func, select
from sqlalchemy.orm import Session, defer

import scoring
from service.errors import NotFound, ValidationFailed
from service.growth import service as growth_service
from service.keys import Principal
from service.models import (
    Assignment,
    Decision,
    Firm,
    Review,
    ReviewConflict,
    ScoreResultRow,
    ScoreRun,
    StoredScheme,
    utcnow,
)
from service.pagination import PageParams, split_page
from service.rounds import service as rounds_service
from service.schemes import service as schemes_service
from service.selection import rated
from service.selection.assignments import service as assignments_service
from service.selection.explained import ExplanationCache
from service.selection.rendered import Rendered, RenderedCache, render
from service.selection.reviews import service as reviews_service
from service.selection.runs import service as runs_service
from service.selection.shortlists import export as export_formats

__all__ = [
    "PageQuery",
    "Shortlist",
    "ShortlistFile",
    "export",
    "kept_page",
    "read",
    "render_page",
    "shortlist_version",
]

_NOT_ASSIGNED = {
    "withheld": "not assigned to you: a reviewer sees the details of their own assignments only"
}


@dataclass(frozen=True, slots=True)
class Shortlist:
    """A run, its scheme and some of its rows, as dicts ready for the API or an export."""

    run: ScoreRun
    criteria: list[str]
    scheme: scoring.Scheme
    items: list[dict[str, Any]]
    next_cursor: str | None
    compare: str | None = None


def _query(
    run_id: int, *, eligible_only: bool, sector: str | None
) -> Select[ScoreResultRow, str, str | None, str, str]:
    query = (
        select(ScoreResultRow, Firm.name, Firm.name_en, Firm.sector, Decision.outcome)
        .join(Firm, Firm.uscc == ScoreResultRow.uscc)
        .outerjoin(Decision, Decision.nomination_id == ScoreResultRow.nomination_id)
        .where(ScoreResultRow.run_id == run_id)
        .order_by(ScoreResultRow.position)
    )
    if eligible_only:
        query = query.where(ScoreResultRow.eligible.is_(True))
    if sector is not None:
        query = query.where(Firm.sector == sector)
    return query


def _visible_rank(rank: int | None, hidden_ranks: list[int]) -> int | None:
    """The rank among the firms the viewer may see (hidden firms ranked above are not counted)."""
    if rank is None:
        return None
    return rank - sum(1 for r in hidden_ranks if r < rank)


@dataclass(frozen=True, slots=True)
class _Hidden:
    """The ranks of the firms hidden from the viewer: the scheme's, the other aggregation's,
    and with each criterion left out."""

    ranks: list[int]
    compare: list[int]
    left_out: dict[str, list[int]]

    @classmethod
    def of(cls, explanations: list[dict[str, Any]]) -> _Hidden:
        ranks: list[int] = []
        compare: list[int] = []
        left_out: dict[str, list[int]] = {}
        for explanation in explanations:
            if explanation.get("rank") is None:
                continue
            ranks.append(int(explanation["rank"]))
            robustness = explanation.get("robustness") or {}
            if (robustness.get("compare") or {}).get("rank") is not None:
                compare.append(int(robustness["compare"]["rank"]))
            for criterion, entry in (robustness.get("leave_one_out") or {}).items():
                left_out.setdefault(criterion, []).append(int(entry["rank"]))
        return cls(ranks, compare, left_out)

    def explanation(self, explanation: dict[str, Any]) -> dict[str, Any]:
        """The explanation with every rank counted among the firms the viewer may see."""
        if not self.ranks:
            return explanation
        rank = _visible_rank(explanation.get("rank"), self.ranks)
        out = {**explanation, "rank": rank}
        robustness = explanation.get("robustness") or {}
        compared = robustness.get("compare")
        if compared and compared.get("rank") is not None and rank is not None:
            other = _visible_rank(compared["rank"], self.compare)
            compared = {**compared, "rank": other, "rank_difference": (other or 0) - rank}
        left_out = {
            criterion: {
                **entry,
                "rank": _visible_rank(entry["rank"], self.left_out.get(criterion, [])),
            }
            for criterion, entry in (robustness.get("leave_one_out") or {}).items()
        }
        if robustness:
            out["robustness"] = {
                **robustness,
                "compare": compared,
                "leave_one_out": left_out or robustness.get("leave_one_out"),
            }
        return out


def read(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    cohort: str,
    eligible_only: bool = False,
    sector: str | None = None,
    page: PageParams | None = None,
    compare: str | None = None,
    usccs: Collection[str] | None = None,
    explained: ExplanationCache | None = None,
) -> Shortlist:
    """Rows of the latest run in shortlist order (one page, or all without ``page``; only
    ``usccs``, when given), narrowed for a reviewer (module docstring); the explanations from
    ``explained`` when given (each row decoded once), else read with the rows."""
    rounds_service.get_or_raise(session, round_id)
    run = runs_service.latest(session, round_id=round_id, cohort=cohort)
    if run is None:
        raise NotFound(f"Round {round_id} has no {cohort!r} score run yet; an admin scores it.")
    query = _query(run.id, eligible_only=eligible_only, sector=sector)
    if explained is not None:
        query = query.options(defer(ScoreResultRow.explanation, raiseload=True))
    hidden = reviews_service.conflicted_usccs(
        session, round_id=round_id, reviewer_id=principal.reviewer_id
    )
    of_hidden: list[Any] = []  # the hidden rows' positions (or explanations, read uncached)
    if hidden:
        query = query.where(ScoreResultRow.uscc.not_in(sorted(hidden)))
        of_hidden = list(
            session.scalars(
                select(
                    ScoreResultRow.position if explained is not None else ScoreResultRow.explanation
                ).where(ScoreResultRow.run_id == run.id, ScoreResultRow.uscc.in_(sorted(hidden)))
            )
        )
    assigned = (
        assignments_service.assigned_nomination_ids(
            session, round_id=round_id, reviewer_id=principal.reviewer_id
        )
        if principal.reviewer_id is not None
        else None
    )
    if usccs is not None:
        query = query.where(ScoreResultRow.uscc.in_(list(usccs)))
    next_cursor = None
    if page is None:
        rows = list(session.execute(query))
    else:
        after_position = page.after("position", int)
        if after_position is not None:
            query = query.where(ScoreResultRow.position > after_position)
        rows, next_cursor = split_page(
            list(session.execute(query.limit(page.fetch))),
            page.limit,
            lambda row: {"position": row[0].position},
        )
    # Only the rows read and the hidden ones are decoded (a firm's page needs one or two).
    explanations = (
        explained.of_run(session, run.id, [row[0].position for row in rows] + of_hidden)
        if explained is not None
        else None
    )
    unseen = _Hidden.of(
        [explanations[p] for p in of_hidden] if explanations is not None else of_hidden
    )
    stored = session.get(StoredScheme, run.scheme_pk)
    assert stored is not None  # a foreign key with ON DELETE RESTRICT
    scheme = schemes_service.to_scheme(stored)
    if compare is not None and compare == scheme.aggregation:
        raise ValidationFailed(
            f"Scheme {scheme.id}@{scheme.version} already ranks by {compare}; compare with the "
            "other aggregation.",
            errors=[{"loc": ["query", "compare"], "message": f"the scheme's own is {compare}"}],
        )
    rated_ids = set(rated.rated_criteria(scheme))
    summaries = (
        reviews_service.review_summaries(
            reviews_service.ratings_frame(session, round_id=round_id, cohort=cohort),
            scheme,
            hidden=hidden,
            only=None if usccs is None else {row[0].uscc for row in rows},
        )
        if rated_ids and rows
        else {}
    )
    items = []
    for result, name, name_en, firm_sector, outcome in rows:
        shown = assigned is None or result.nomination_id in assigned
        reviews = summaries.get(result.uscc, {}) if shown else {}
        explanation = unseen.explanation(
            explanations[result.position] if explanations is not None else result.explanation
        )
        items.append(
            {
                "nomination_id": result.nomination_id,
                "uscc": result.uscc,
                "name": name,
                "name_en": name_en,
                "sector": firm_sector,
                "position": result.position,
                "rank": _visible_rank(result.rank, unseen.ranks),
                "total": result.total,
                "eligible": result.eligible,
                "passed": result.passed,
                "within_capacity": result.within_capacity,
                "stability": result.stability,
                "ratings_complete": not rated.awaiting_ratings(list(result.flags)),
                "flags": _live_flags(result.flags, reviews),
                "explanation": explanation if shown else dict(_NOT_ASSIGNED),
                "growth": explanation.get("growth") if shown else None,
                "reviews": reviews,
                "decision": outcome,
                "compare": (explanation.get("robustness", {}).get("compare") if compare else None),
            }
        )
    return Shortlist(
        run=run,
        criteria=list(run.criteria),
        items=items,
        next_cursor=next_cursor,
        compare=compare,
        scheme=scheme,
    )


def _live_flags(flags: list[str], reviews: dict[str, Any]) -> list[str]:
    """The run's flags plus a disagreement flag for ratings given since the run."""
    out = list(flags)
    for criterion, summary in reviews.items():
        flag = f"disagreement:{criterion}"
        if summary["disagreement"] and flag not in out:
            out.append(flag)
    return out


def _dependencies() -> Select[Any]:
    """One statement for everything a shortlist page depends on: the latest run, the viewer's
    conflicts and assignments, the round's rating and decision versions (count, newest id,
    newest change), and the cohort's newest stored scheme (the firm page's rating form and its
    anchors follow the active scheme, not the run's). Built once with bound parameters:
    building it costs more than running it."""
    round_id = bindparam("round_id", type_=Integer)
    cohort = bindparam("cohort", type_=String)
    reviewer_id = bindparam("reviewer_id", type_=Integer)
    latest = (
        select(ScoreRun.id)
        .where(ScoreRun.round_id == round_id, ScoreRun.cohort == cohort)
        .order_by(ScoreRun.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    reviews = Review.round_id == round_id
    decided = Decision.round_id == round_id
    return select(
        latest,
        select(func.aggregate_strings(ReviewConflict.uscc, ","))
        .where(ReviewConflict.round_id == round_id, ReviewConflict.reviewer_id == reviewer_id)
        .scalar_subquery(),
        select(func.aggregate_strings(cast(Assignment.nomination_id, String), ","))
        .where(Assignment.round_id == round_id, Assignment.reviewer_id == reviewer_id)
        .scalar_subquery(),
        select(func.count(Review.id)).where(reviews).scalar_subquery(),
        select(func.max(Review.id)).where(reviews).scalar_subquery(),
        select(func.max(Review.updated_at)).where(reviews).scalar_subquery(),
        select(func.count(Decision.id)).where(decided).scalar_subquery(),
        select(func.max(Decision.updated_at)).where(decided).scalar_subquery(),
        # Stored versions never change and only go up, so the newest id names the active one.
        select(func.max(StoredScheme.id))
        .where(StoredScheme.scheme_id == cohort, StoredScheme.cohort == cohort)
        .scalar_subquery(),
    )


_DEPENDENCIES = _dependencies()


def shortlist_version(
    session: Session, principal: Principal, *, round_id: int, cohort: str
) -> Hashable:
    """What the viewer's shortlist of the cohort depends on, read in one statement: the latest
    run (its id alone names its rows: runs are never deleted or rewritten), the viewer's
    conflicts and assignments, the round's rating and decision versions and the cohort's active
    scheme; 404 without a run."""
    row = session.execute(
        _DEPENDENCIES,
        {"round_id": round_id, "cohort": cohort, "reviewer_id": principal.reviewer_id or 0},
    ).one()
    run_id, conflicts, assigned, *versions = row
    if run_id is None:
        rounds_service.get_or_raise(session, round_id)
        raise NotFound(f"Round {round_id} has no {cohort!r} score run yet; an admin scores it.")
    hidden = frozenset(conflicts.split(",")) if conflicts else frozenset()
    mine = principal.reviewer_id is not None and frozenset((assigned or "").split(","))
    return (run_id, hidden, mine, tuple(versions))


@dataclass(frozen=True, slots=True)
class PageQuery:
    """What a JSON page of the shortlist shows: the round's cohort, the filters, the page and
    the other aggregation to compare with."""

    round_id: int
    cohort: str
    eligible_only: bool
    sector: str | None
    page: PageParams
    compare: str | None = None


def _page_key(session: Session, principal: Principal, query: PageQuery) -> Hashable:
    version = shortlist_version(
        session, principal, round_id=query.round_id, cohort=query.cohort
    )
    return (
        "shortlist",
        version,
        query.cohort,
        query.eligible_only,
        query.sector,
        query.page.after("position", int),
        query.page.limit,
        query.compare,
    )


def kept_page(
    session: Session, principal: Principal, cache: RenderedCache, query: PageQuery
) -> Rendered | None:
    """The JSON page ``render_page`` rendered earlier for this viewer and query, if what it
    shows has not changed since, else None (one statement: the version)."""
    return cache.get(_page_key(session, principal, query))


def render_page(
    session: Session,
    principal: Principal,
    cache: RenderedCache,
    query: PageQuery,
    explained: ExplanationCache | None = None,
) -> Rendered:
    """A JSON page of the shortlist, rebuilt only when its run, the viewer's conflicts, or the
    round's ratings or decisions changed (each read from the database on every request)."""
    key = _page_key(session, principal, query)
    cached = cache.get(key)
    if cached is not None:
        return cached
    shortlist = read(
        session,
        principal,
        round_id=query.round_id,
        cohort=query.cohort,
        eligible_only=query.eligible_only,
        sector=query.sector,
        page=query.page,
        compare=query.compare,
        explained=explained,
    )
    rendered = render(
        {
            "run": runs_service.describe(session, shortlist.run),
            "items": shortlist.items,
            "next_cursor": shortlist.next_cursor,
        }
    )
    cache.put(key, rendered)
    return rendered


@dataclass(frozen=True, slots=True)
class ShortlistFile:
    """An exported shortlist: the file's bytes, media type and download name."""

    body: bytes
    media_type: str
    filename: str


def export(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    cohort: str,
    format: Literal["csv", "xlsx"],
    eligible_only: bool,
    sector: str | None,
    compare: str | None = None,
    lang: Literal["zh", "en"] = "zh",
) -> ShortlistFile:
    """Every row of the latest run matching the filters as CSV or XLSX, headed by the round,
    cohort, scheme version and export time, with the scheme's criterion titles as headers."""
    shortlist = read(
        session,
        principal,
        round_id=round_id,
        cohort=cohort,
        eligible_only=eligible_only,
        sector=sector,
        compare=compare,
    )
    selection_round = rounds_service.get_or_raise(session, round_id)
    heading = export_formats.Heading(
        round_id=round_id,
        round_name=selection_round.name,
        cohort=cohort,
        scheme=shortlist.scheme,
        exported_at=utcnow(),
        # The demo data say so in the round's name and in every firm's English name.
        synthetic="synthetic" in selection_round.name.casefold()
        or any("synthetic" in (item["name_en"] or "").casefold() for item in shortlist.items),
        lang=lang,
        growth_model=growth_service.ref_by_id(session, shortlist.run.growth_model_id),
        growth_drift=shortlist.run.growth_drift,
    )
    name = f"shortlist-round{round_id}-{cohort}-run{shortlist.run.id}.{format}"
    if format == "csv":
        body = export_formats.shortlist_csv(shortlist, heading)
        return ShortlistFile(body, export_formats.CSV_MEDIA_TYPE, name)
    body = export_formats.shortlist_xlsx(shortlist, heading)
    return ShortlistFile(body, export_formats.XLSX_MEDIA_TYPE, name)
