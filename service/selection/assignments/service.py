"""Reviewer assignment: each nomination of a cohort to ``k`` reviewers, solved, never conflicted.

The solver is ``scoring.assignment.assign_reviewers`` (an integer programme, HiGHS through
scipy): loads balanced (no reviewer more than one above another) or capped by ``max_load``,
sector match maximised, declared conflicts and affiliations excluded. Re-assigning a cohort
keeps what must not move: manual assignments and every pair whose reviewer already rated the
nomination. A reviewer rates, and sees the details of, only the nominations assigned to them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from schemas.reviewers import AssignmentEditIn, AssignRequest
from scoring import assignment as solver
from scoring.errors import AssignmentInfeasible, ScoringInputError
from service import audit
from service.errors import Conflict, NotFound, ValidationFailed
from service.keys import Principal
from service.models import (
    Assignment,
    Firm,
    Nomination,
    Review,
    ReviewConflict,
    Reviewer,
    utcnow,
)
from service.reviewers import service as reviewers_service
from service.rounds import service as rounds_service
from service.selection import nominations as round_nominations

__all__ = [
    "assign_cohort",
    "assigned_nomination_ids",
    "edit",
    "is_assigned",
    "list_assignments",
    "missing_ratings",
    "replace_after_conflict",
    "reviewer_names",
]

_EDITABLE_STATES = ("open", "scoring")


def _pool(session: Session) -> list[Reviewer]:
    """Every reviewer profile: the panel (a profile rates once an admin mints it a key)."""
    return list(session.scalars(select(Reviewer).order_by(Reviewer.id)))


def _solver_reviewer(reviewer: Reviewer) -> solver.Reviewer:
    return solver.Reviewer(
        id=reviewer.id,
        sectors=frozenset(str(s) for s in reviewer.sectors),
        affiliations=frozenset(str(a) for a in reviewer.affiliations),
    )


def _solver_nominations(
    session: Session, *, round_id: int, cohort: str, ids: Collection[int] | None = None
) -> list[solver.Nomination]:
    query = (
        select(Nomination.id, Firm.sector, Nomination.uscc, Firm.name)
        .join(Firm, Firm.uscc == Nomination.uscc)
        .where(Nomination.round_id == round_id, Nomination.cohort == cohort)
        .order_by(Nomination.id)
    )
    if ids is not None:
        query = query.where(Nomination.id.in_(ids))
    return [
        solver.Nomination(id=i, sector=sector, uscc=uscc, firm_name=name)
        for i, sector, uscc, name in session.execute(query)
    ]


def _conflict_pairs(
    session: Session, *, round_id: int, cohort: str
) -> list[tuple[int, int]]:
    """(nomination, reviewer) for every declared conflict with a firm of the cohort."""
    rows = session.execute(
        select(Nomination.id, ReviewConflict.reviewer_id)
        .join(ReviewConflict, ReviewConflict.uscc == Nomination.uscc)
        .where(
            Nomination.round_id == round_id,
            Nomination.cohort == cohort,
            ReviewConflict.round_id == round_id,
        )
    )
    return [(int(n), int(r)) for n, r in rows]


def _write(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    cohort: str,
    solved: Sequence[solver.Assignment],
    usccs: dict[int, str],
    source: str,
) -> None:
    now = utcnow()
    session.add_all(
        Assignment(
            round_id=round_id,
            cohort=cohort,
            nomination_id=a.nomination,
            uscc=usccs[a.nomination],
            reviewer_id=a.reviewer,
            source=source,
            sector_match=a.sector_match,
            reason=a.reason,
            created_by=principal.label,
            created_at=now,
        )
        for a in solved
    )
    session.flush()


def assign_cohort(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    cohort: str,
    request: AssignRequest,
) -> list[Assignment]:
    """Solve the cohort's assignment afresh, keeping manual and already-rated pairs; 409 naming
    what is short when it cannot be done."""
    selection_round = rounds_service.get_or_raise(session, round_id, for_update=True)
    rounds_service.require_state(selection_round, *_EDITABLE_STATES, doing="assigning reviewers")
    k = request.reviewers_per_nomination
    pool = _pool(session)
    if k > len(pool):
        raise ValidationFailed(
            f"{k} reviewers per nomination is more than the {len(pool)} reviewer profiles.",
            errors=[
                {
                    "loc": ["body", "reviewers_per_nomination"],
                    "message": f"larger than the pool of {len(pool)} reviewers",
                }
            ],
        )
    noms = _solver_nominations(session, round_id=round_id, cohort=cohort)
    if not noms:
        raise Conflict(f"Round {round_id} has no {cohort!r} nominations to assign.")
    usccs = {n.id: n.uscc for n in noms}
    current = list(
        session.scalars(
            select(Assignment).where(Assignment.round_id == round_id, Assignment.cohort == cohort)
        )
    )
    rated = {
        (int(n), int(r))
        for n, r in session.execute(
            select(Review.nomination_id, Review.reviewer_id)
            .where(Review.round_id == round_id, Review.nomination_id.in_(list(usccs)))
            .distinct()
        )
    }
    keep = [
        a for a in current if a.source == "manual" or (a.nomination_id, a.reviewer_id) in rated
    ]
    try:
        solved = solver.assign_reviewers(
            noms,
            [_solver_reviewer(r) for r in pool],
            k=k,
            conflicts=_conflict_pairs(session, round_id=round_id, cohort=cohort),
            fixed=[(a.nomination_id, a.reviewer_id) for a in keep],
            max_load=request.max_load,
        )
    except AssignmentInfeasible as exc:
        raise Conflict(
            f"No assignment fits: {exc}",
            extra={
                "short_nominations": {str(i): c for i, c in exc.short_nominations.items()},
                "short_reviewers": {str(i): c for i, c in exc.short_reviewers.items()},
            },
        ) from None
    except ScoringInputError as exc:
        raise ValidationFailed(str(exc), errors=[{"loc": ["body"], "message": str(exc)}]) from None
    kept = {(a.nomination_id, a.reviewer_id): a for a in keep}
    session.execute(
        delete(Assignment).where(
            Assignment.round_id == round_id,
            Assignment.cohort == cohort,
            Assignment.id.not_in([a.id for a in keep] or [0]),
        )
    )
    for a in solved:  # a kept pair keeps its origin; its reason now states the load too
        if (a.nomination, a.reviewer) in kept:
            kept[(a.nomination, a.reviewer)].reason = a.reason
            kept[(a.nomination, a.reviewer)].sector_match = a.sector_match
    _write(
        session,
        principal,
        round_id=round_id,
        cohort=cohort,
        solved=[a for a in solved if (a.nomination, a.reviewer) not in kept],
        usccs=usccs,
        source="solver",
    )
    loads = Counter(a.reviewer for a in solved)
    audit.record(
        session,
        principal,
        action="assignment.solve",
        target_type="round",
        target_id=round_id,
        detail={
            "cohort": cohort,
            "reviewers_per_nomination": k,
            "max_load": request.max_load,
            "nominations": len(noms),
            "reviewers": len(pool),
            "kept": len(kept),
            "sector_matches": sum(a.sector_match for a in solved),
            "load_min": min(loads.values()) if loads else 0,
            "load_max": max(loads.values()) if loads else 0,
        },
    )
    return list_assignments(session, principal, round_id=round_id, cohort=cohort)


def list_assignments(
    session: Session, principal: Principal, *, round_id: int, cohort: str | None = None
) -> list[Assignment]:
    """The round's assignments (a reviewer's own only, for a reviewer key)."""
    rounds_service.get_or_raise(session, round_id)
    query = (
        select(Assignment)
        .where(Assignment.round_id == round_id)
        .order_by(Assignment.cohort, Assignment.nomination_id, Assignment.reviewer_id)
    )
    if cohort is not None:
        query = query.where(Assignment.cohort == cohort)
    if principal.reviewer_id is not None:
        query = query.where(Assignment.reviewer_id == principal.reviewer_id)
    return list(session.scalars(query))


def reviewer_names(session: Session, assignments: Sequence[Assignment]) -> dict[int, str]:
    """Profile id → name for the reviewers of ``assignments``."""
    ids = {a.reviewer_id for a in assignments}
    if not ids:
        return {}
    rows = session.execute(select(Reviewer.id, Reviewer.name).where(Reviewer.id.in_(ids)))
    return {int(i): str(name) for i, name in rows}


def is_assigned(session: Session, *, nomination_id: int, reviewer_id: int) -> bool:
    """True when the reviewer is assigned to the nomination."""
    found = session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.nomination_id == nomination_id, Assignment.reviewer_id == reviewer_id)
    )
    return bool(found)


def assigned_nomination_ids(session: Session, *, round_id: int, reviewer_id: int) -> set[int]:
    """Nominations of the round assigned to the reviewer."""
    return set(
        session.scalars(
            select(Assignment.nomination_id).where(
                Assignment.round_id == round_id, Assignment.reviewer_id == reviewer_id
            )
        )
    )


def missing_ratings(
    session: Session, *, nomination_ids: Collection[int], criteria: Collection[str]
) -> dict[int, str]:
    """Nomination id → "awaiting ratings: g of n on c" for each nomination some of whose
    assigned reviewers have not yet rated every reviewer-rated criterion (none when unassigned).
    """
    if not nomination_ids or not criteria:
        return {}
    assigned = Counter(
        session.scalars(
            select(Assignment.nomination_id).where(Assignment.nomination_id.in_(nomination_ids))
        )
    )
    given = Counter(
        (int(n), str(c))
        for n, c in session.execute(
            select(Review.nomination_id, Review.criterion)
            .join(
                Assignment,
                (Assignment.nomination_id == Review.nomination_id)
                & (Assignment.reviewer_id == Review.reviewer_id),
            )
            .where(Review.nomination_id.in_(nomination_ids))
        )
    )
    out: dict[int, str] = {}
    for nomination, needed in sorted(assigned.items()):
        short = [
            f"{given[(nomination, c)]} of {needed} on {c}"
            for c in sorted(criteria)
            if given[(nomination, c)] < needed
        ]
        if short:
            out[nomination] = "awaiting ratings: " + ", ".join(short)
    return out


def edit(
    session: Session, principal: Principal, *, round_id: int, data: AssignmentEditIn
) -> Assignment | None:
    """Add or remove one assignment by hand, with a reason; the added one, or None."""
    selection_round = rounds_service.get_or_raise(session, round_id, for_update=True)
    rounds_service.require_state(selection_round, *_EDITABLE_STATES, doing="editing assignments")
    nomination = round_nominations.get_nomination_or_raise(
        session, round_id=round_id, nomination_id=data.nomination_id
    )
    reviewer = reviewers_service.get_many_or_raise(
        session, [data.reviewer_id], field=["body", "reviewer_id"]
    )[data.reviewer_id]
    existing = session.scalars(
        select(Assignment).where(
            Assignment.nomination_id == nomination.id, Assignment.reviewer_id == reviewer.id
        )
    ).one_or_none()
    detail = {"round_id": round_id, "nomination_id": nomination.id, "reviewer_id": reviewer.id}
    if data.action == "remove":
        if existing is None:
            raise NotFound(
                f"Reviewer {reviewer.id} is not assigned to nomination {nomination.id}."
            )
        session.delete(existing)
        session.flush()
        audit.record(session, principal, action="assignment.remove", target_type="nomination",
                     target_id=nomination.id, detail=detail, reason=data.reason)
        return None
    if existing is not None:
        raise ValidationFailed(
            f"Reviewer {reviewer.id} is already assigned to nomination {nomination.id}.",
            errors=[{"loc": ["body", "reviewer_id"], "message": "reviewer assigned twice"}],
        )
    conflicted = session.scalar(
        select(func.count())
        .select_from(ReviewConflict)
        .where(
            ReviewConflict.round_id == round_id,
            ReviewConflict.uscc == nomination.uscc,
            ReviewConflict.reviewer_id == reviewer.id,
        )
    )
    firm = session.get(Firm, nomination.uscc)
    assert firm is not None  # a nomination's firm is kept by a foreign key
    target = solver.Nomination(nomination.id, firm.sector, firm.uscc, firm.name)
    try:  # the solver alone decides eligibility (conflicts and affiliations)
        placed = solver.assign_reviewers(
            [target],
            [_solver_reviewer(reviewer)],
            k=1,
            conflicts=[(nomination.id, reviewer.id)] if conflicted else [],
        )
    except AssignmentInfeasible:
        raise Conflict(
            f"Reviewer {reviewer.id} declared a conflict with, or is affiliated to, firm "
            f"{nomination.uscc}; they cannot be assigned to it."
        ) from None
    added = Assignment(
        round_id=round_id,
        cohort=nomination.cohort,
        nomination_id=nomination.id,
        uscc=nomination.uscc,
        reviewer_id=reviewer.id,
        source="manual",
        sector_match=placed[0].sector_match,
        reason="added by hand: " + data.reason,
        created_by=principal.label,
    )
    session.add(added)
    session.flush()
    audit.record(session, principal, action="assignment.add", target_type="nomination",
                 target_id=nomination.id, detail=detail, reason=data.reason)
    return added


def replace_after_conflict(
    session: Session, principal: Principal, *, nomination: Nomination, reviewer_id: int
) -> Assignment | None:
    """Remove the conflicted reviewer's assignment and assign the least-loaded eligible
    reviewer in their place (sector match preferred); the replacement, or None."""
    removed = session.execute(
        delete(Assignment).where(
            Assignment.nomination_id == nomination.id, Assignment.reviewer_id == reviewer_id
        )
    )
    if not int(getattr(removed, "rowcount", 0) or 0):
        return None
    on_it = set(
        session.scalars(
            select(Assignment.reviewer_id).where(Assignment.nomination_id == nomination.id)
        )
    )
    conflicted = set(
        session.scalars(
            select(ReviewConflict.reviewer_id).where(
                ReviewConflict.round_id == nomination.round_id,
                ReviewConflict.uscc == nomination.uscc,
            )
        )
    )
    candidates = [
        r for r in _pool(session) if r.id not in on_it | conflicted | {reviewer_id}
    ]
    loads = Counter(
        session.scalars(
            select(Assignment.reviewer_id).where(
                Assignment.round_id == nomination.round_id, Assignment.cohort == nomination.cohort
            )
        )
    )
    target = _solver_nominations(
        session, round_id=nomination.round_id, cohort=nomination.cohort, ids=[nomination.id]
    )
    # The least-loaded candidates first: the solver picks among them (eligibility, sector).
    for level in sorted({loads.get(r.id, 0) for r in candidates}):
        tier = [_solver_reviewer(r) for r in candidates if loads.get(r.id, 0) <= level]
        try:
            placed = solver.assign_reviewers(target, tier, k=1)
        except AssignmentInfeasible:
            continue
        chosen = placed[0]
        replacement = Assignment(
            round_id=nomination.round_id,
            cohort=nomination.cohort,
            nomination_id=nomination.id,
            uscc=nomination.uscc,
            reviewer_id=chosen.reviewer,
            source="solver",
            sector_match=chosen.sector_match,
            reason=f"replacement after a declared conflict; "
            f"{'sector match' if chosen.sector_match else 'no sector match'}; "
            f"reviewer load {loads.get(chosen.reviewer, 0) + 1}",
            created_by=principal.label,
        )
        session.add(replacement)
        session.flush()
        return replacement
    return None
