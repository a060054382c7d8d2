"""The shortlist: the latest run's ranked, explained results, with live reviewer aggregates."""

from __future__ import annotations

import copy
from collections.abc import Collection, Hashable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Integer, Select, String, bindparam, func, select
from sqlalchemy.orm import Session

from service.errors import NotFound
from service.keys import Principal
from service.models import (
    Decision,
    Firm,
    Review,
    ReviewConflict,
    ScoreResultRow,
    ScoreRun,
    StoredScheme,
    utcnow,
)
from service.pagination import encode_cursor
from service.rounds import service as rounds_service
from service.schemes import service as schemes_service
from service.selection import rated
from service.selection.rendered import Rendered, RenderedCache, render
from service.selection.reviews import service as reviews_service
from service.selection.runs import service as runs_service
from service.selection.shortlists import export

__all__ = [
    "Shortlist",
    "ShortlistFile",
    "export_shortlist",
    "read_shortlist",
    "shortlist_document",
    "shortlist_version",
]

_HIDDEN_NOTE = "hidden: you declared a conflict of interest with this firm"


@dataclass(frozen=True, slots=True)
class Shortlist:
    """A run and some of its rows, as dicts ready for the API or an export."""

    run: ScoreRun
    criteria: list[str]
    items: list[dict[str, Any]]
    more: bool


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


def _redact(explanation: dict[str, Any], rated_ids: set[str]) -> dict[str, Any]:
    """The explanation without the rated criteria's values (the viewer is conflicted)."""
    hidden = copy.deepcopy(explanation)
    for entry in hidden.get("criteria", []):
        if entry.get("criterion") in rated_ids:
            entry.update(raw=None, normalised=None, points=None, note=_HIDDEN_NOTE)
    return hidden


def read_shortlist(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    cohort: str,
    eligible_only: bool = False,
    sector: str | None = None,
    after_position: int | None = None,
    limit: int | None = None,
    usccs: Collection[str] | None = None,
) -> Shortlist:
    """Rows of the latest run in shortlist order (only ``usccs``, when given); a conflicted
    reviewer sees no ratings of the firms they are conflicted with."""
    rounds_service.get_or_raise(session, round_id)
    run = runs_service.latest_run(session, round_id=round_id, cohort=cohort)
    if run is None:
        raise NotFound(f"Round {round_id} has no {cohort!r} score run yet; an admin scores it.")
    query = _query(run.id, eligible_only=eligible_only, sector=sector)
    if after_position is not None:
        query = query.where(ScoreResultRow.position > after_position)
    if usccs is not None:
        query = query.where(ScoreResultRow.uscc.in_(list(usccs)))
    if limit is not None:
        query = query.limit(limit + 1)
    rows = list(session.execute(query))
    more = limit is not None and len(rows) > limit
    rows = rows[:limit] if limit is not None else rows
    stored = session.get(StoredScheme, run.scheme_pk)
    assert stored is not None  # a foreign key with ON DELETE RESTRICT
    scheme = schemes_service.to_scheme(stored)
    rated_ids = set(rated.rated_criteria(scheme))
    hidden = reviews_service.conflicted_usccs(
        session, round_id=round_id, reviewer_key_id=principal.key_id
    )
    summaries = (
        reviews_service.review_summaries(
            reviews_service.ratings_frame(session, round_id=round_id, cohort=cohort),
            scheme,
            hidden=hidden,
        )
        if rated_ids and rows
        else {}
    )
    items = []
    for result, name, name_en, firm_sector, outcome in rows:
        explanation = result.explanation
        if result.uscc in hidden and rated_ids:
            explanation = _redact(explanation, rated_ids)
        items.append(
            {
                "nomination_id": result.nomination_id,
                "uscc": result.uscc,
                "name": name,
                "name_en": name_en,
                "sector": firm_sector,
                "position": result.position,
                "rank": result.rank,
                "total": result.total,
                "eligible": result.eligible,
                "passed": result.passed,
                "within_capacity": result.within_capacity,
                "stability": result.stability,
                "flags": _live_flags(result.flags, summaries.get(result.uscc, {})),
                "explanation": explanation,
                "reviews": summaries.get(result.uscc, {}),
                "decision": outcome,
            }
        )
    return Shortlist(run=run, criteria=list(run.criteria), items=items, more=more)


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
    conflicts, and the round's rating and decision versions (count, newest id, newest change).
    Built once with bound parameters: building it costs more than running it."""
    round_id = bindparam("round_id", type_=Integer)
    cohort = bindparam("cohort", type_=String)
    key_id = bindparam("key_id", type_=Integer)
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
        select(ScoreRun.created_at).where(ScoreRun.id == latest).scalar_subquery(),
        select(func.aggregate_strings(ReviewConflict.uscc, ","))
        .where(ReviewConflict.round_id == round_id, ReviewConflict.reviewer_key_id == key_id)
        .scalar_subquery(),
        select(func.count(Review.id)).where(reviews).scalar_subquery(),
        select(func.max(Review.id)).where(reviews).scalar_subquery(),
        select(func.max(Review.updated_at)).where(reviews).scalar_subquery(),
        select(func.count(Decision.id)).where(decided).scalar_subquery(),
        select(func.max(Decision.updated_at)).where(decided).scalar_subquery(),
    )


_DEPENDENCIES = _dependencies()


def shortlist_version(
    session: Session, principal: Principal, *, round_id: int, cohort: str
) -> Hashable:
    """What the viewer's shortlist of the cohort depends on, read in one statement: the latest
    run, the viewer's conflicts, and the round's rating and decision versions; 404 without a
    run."""
    row = session.execute(
        _DEPENDENCIES,
        {"round_id": round_id, "cohort": cohort, "key_id": principal.key_id or 0},
    ).one()
    run_id, run_created, conflicts, *versions = row
    if run_id is None:
        rounds_service.get_or_raise(session, round_id)
        raise NotFound(f"Round {round_id} has no {cohort!r} score run yet; an admin scores it.")
    hidden = frozenset(conflicts.split(",")) if conflicts else frozenset()
    return (run_id, run_created, hidden, tuple(versions))


def shortlist_document(
    session: Session,
    principal: Principal,
    cache: RenderedCache,
    *,
    round_id: int,
    cohort: str,
    eligible_only: bool,
    sector: str | None,
    after_position: int | None,
    limit: int,
) -> Rendered:
    """A JSON page of the shortlist, rebuilt only when its run, the viewer's conflicts, or the
    round's ratings or decisions changed (each read from the database on every request)."""
    version = shortlist_version(session, principal, round_id=round_id, cohort=cohort)
    key = ("shortlist", version, cohort, eligible_only, sector, after_position, limit)
    cached = cache.get(key)
    if cached is not None:
        return cached
    shortlist = read_shortlist(
        session,
        principal,
        round_id=round_id,
        cohort=cohort,
        eligible_only=eligible_only,
        sector=sector,
        after_position=after_position,
        limit=limit,
    )
    rendered = render(
        {
            "run": runs_service.run_out(session, shortlist.run),
            "items": shortlist.items,
            "next_cursor": (
                encode_cursor({"position": shortlist.items[-1]["position"]})
                if shortlist.more
                else None
            ),
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


def export_shortlist(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    cohort: str,
    format: Literal["csv", "xlsx"],
    eligible_only: bool,
    sector: str | None,
    lang: Literal["zh", "en"] = "zh",
) -> ShortlistFile:
    """Every row of the latest run matching the filters as CSV or XLSX, headed by the round,
    cohort, scheme version and export time, with the scheme's criterion titles as headers."""
    shortlist = read_shortlist(
        session,
        principal,
        round_id=round_id,
        cohort=cohort,
        eligible_only=eligible_only,
        sector=sector,
    )
    selection_round = rounds_service.get_or_raise(session, round_id)
    stored = session.get(StoredScheme, shortlist.run.scheme_pk)
    assert stored is not None  # a foreign key with ON DELETE RESTRICT
    heading = export.Heading(
        round_id=round_id,
        round_name=selection_round.name,
        cohort=cohort,
        scheme=schemes_service.to_scheme(stored),
        exported_at=utcnow(),
        # The demo data say so in the round's name and in every firm's English name.
        synthetic="synthetic" in selection_round.name.casefold()
        or any("synthetic" in (item["name_en"] or "").casefold() for item in shortlist.items),
        lang=lang,
    )
    name = f"shortlist-round{round_id}-{cohort}-run{shortlist.run.id}.{format}"
    if format == "csv":
        return ShortlistFile(export.shortlist_csv(shortlist, heading), export.CSV_MEDIA_TYPE, name)
    return ShortlistFile(export.shortlist_xlsx(shortlist, heading), export.XLSX_MEDIA_TYPE, name)
