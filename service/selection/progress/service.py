"""Assignment and rating progress: who is assigned what, and how much of it they have rated.

A reviewer's share of a firm is complete when they have rated every reviewer-rated criterion of
the cohort's active scheme (the scheme ``reviews.rate`` checks ratings against); only ratings by
an assigned reviewer count, as for the decisions' completeness check.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from schemas.reviewers import CohortProgressOut, ReviewerProgressOut
from scoring.vocabulary import COHORTS
from service.errors import NotFound
from service.models import Assignment, Firm, Nomination, Review, ReviewConflict, SelectionRound
from service.rounds import service as rounds_service
from service.schemes import service as schemes_service
from service.selection import rated
from service.selection.assignments import service as assignments_service

__all__ = [
    "AssignedFirm",
    "ReviewerRound",
    "for_reviewer",
    "for_round",
]


@dataclass(frozen=True, slots=True)
class AssignedFirm:
    """One firm assigned to the reviewer: the criteria they rated of those the scheme rates."""

    nomination_id: int
    uscc: str
    name: str
    rated: int
    required: int

    @property
    def done(self) -> bool:
        """Every reviewer-rated criterion rated by this reviewer."""
        return self.rated >= self.required


@dataclass(slots=True)
class ReviewerRound:
    """A reviewer's assignments in one round and cohort, with the firms done of assigned."""

    round_id: int
    round_name: str
    round_state: str
    cohort: str
    criteria: list[str]
    firms: list[AssignedFirm] = field(default_factory=list)

    @property
    def done(self) -> int:
        """Firms whose every rated criterion this reviewer has rated."""
        return sum(1 for f in self.firms if f.done)


def _criteria(session: Session, cohort: str) -> list[str]:
    """The reviewer-rated criteria of the cohort's active scheme (none without a scheme)."""
    try:
        _stored, scheme = schemes_service.get_active_for_cohort(session, cohort)
    except NotFound:
        return []
    return sorted(rated.rated_criteria(scheme))


def _given(
    session: Session, *, round_id: int, criteria: dict[str, list[str]], reviewer_id: int | None
) -> Counter[tuple[int, int]]:
    """(nomination id, reviewer id) → ratings given on the cohort's rated criteria, counting
    only assigned reviewers."""
    query = (
        select(Review.nomination_id, Review.reviewer_id, Review.criterion, Assignment.cohort)
        .join(
            Assignment,
            (Assignment.nomination_id == Review.nomination_id)
            & (Assignment.reviewer_id == Review.reviewer_id),
        )
        .where(Review.round_id == round_id)
    )
    if reviewer_id is not None:
        query = query.where(Review.reviewer_id == reviewer_id)
    given: Counter[tuple[int, int]] = Counter()
    for nomination_id, reviewer, criterion, cohort in session.execute(query):
        if criterion in criteria.get(cohort, ()):
            given[(int(nomination_id), int(reviewer))] += 1
    return given


def for_reviewer(session: Session, *, reviewer_id: int) -> list[ReviewerRound]:
    """The reviewer's assignments in every round, per round (newest first) and cohort; firms
    they declared a conflict with are left out."""
    rows = session.execute(
        select(Assignment, Firm.name, SelectionRound.name, SelectionRound.state)
        .join(Firm, Firm.uscc == Assignment.uscc)
        .join(SelectionRound, SelectionRound.id == Assignment.round_id)
        .where(Assignment.reviewer_id == reviewer_id)
        .order_by(Assignment.round_id.desc(), Assignment.cohort, Firm.name, Assignment.uscc)
    ).all()
    conflicted = {
        (int(round_id), str(uscc))
        for round_id, uscc in session.execute(
            select(ReviewConflict.round_id, ReviewConflict.uscc).where(
                ReviewConflict.reviewer_id == reviewer_id
            )
        )
    }
    criteria = {c: _criteria(session, c) for c in {a.cohort for a, *_ in rows}}
    given: Counter[tuple[int, int]] = Counter()
    for round_id in sorted({a.round_id for a, *_ in rows}):
        given.update(_given(session, round_id=round_id, criteria=criteria, reviewer_id=reviewer_id))
    out: dict[tuple[int, str], ReviewerRound] = {}
    for assignment, firm_name, round_name, round_state in rows:
        if (assignment.round_id, assignment.uscc) in conflicted:
            continue
        group = out.setdefault(
            (assignment.round_id, assignment.cohort),
            ReviewerRound(
                round_id=assignment.round_id,
                round_name=round_name,
                round_state=round_state,
                cohort=assignment.cohort,
                criteria=criteria[assignment.cohort],
            ),
        )
        group.firms.append(
            AssignedFirm(
                nomination_id=assignment.nomination_id,
                uscc=assignment.uscc,
                name=firm_name,
                rated=given[(assignment.nomination_id, reviewer_id)],
                required=len(criteria[assignment.cohort]),
            )
        )
    return list(out.values())


def for_round(session: Session, *, round_id: int) -> list[CohortProgressOut]:
    """Per cohort: nominations assigned, ratings given of owed, and each reviewer's progress."""
    rounds_service.get_or_raise(session, round_id)
    nominated = Counter(
        {
            str(cohort): int(count)
            for cohort, count in session.execute(
                select(Nomination.cohort, func.count())
                .where(Nomination.round_id == round_id)
                .group_by(Nomination.cohort)
            )
        }
    )
    assignments = list(session.scalars(select(Assignment).where(Assignment.round_id == round_id)))
    names = assignments_service.reviewer_names(session, assignments)
    criteria = {c: _criteria(session, c) for c in COHORTS}
    given = _given(session, round_id=round_id, criteria=criteria, reviewer_id=None)
    out = []
    for cohort in COHORTS:
        owed = len(criteria[cohort])
        mine = [a for a in assignments if a.cohort == cohort]
        per_reviewer: dict[int, list[Assignment]] = {}
        for a in mine:
            per_reviewer.setdefault(a.reviewer_id, []).append(a)
        reviewers = []
        for reviewer, theirs in sorted(per_reviewer.items()):
            firms_done = sum(1 for a in theirs if given[(a.nomination_id, reviewer)] >= owed)
            reviewers.append(
                ReviewerProgressOut(
                    reviewer_id=reviewer,
                    name=names.get(reviewer, str(reviewer)),
                    firms_done=firms_done,
                    firms_assigned=len(theirs),
                    ratings_given=sum(
                        min(given[(a.nomination_id, reviewer)], owed) for a in theirs
                    ),
                    ratings_required=owed * len(theirs),
                    # Behind: some assigned firm still awaits a rating from this reviewer.
                    behind=firms_done < len(theirs),
                )
            )
        out.append(
            CohortProgressOut(
                cohort=cohort,
                nominations=nominated[cohort],
                assigned_nominations=len({a.nomination_id for a in mine}),
                assignments=len(mine),
                ratings_given=sum(r.ratings_given for r in reviewers),
                ratings_required=sum(r.ratings_required for r in reviewers),
                reviewers=reviewers,
            )
        )
    return out
