"""A scheme's reviewer-rated criteria, their rating ranges, and how many ratings they need."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import scoring
from scoring.scheme import Rating
from service.models import Assignment

__all__ = ["AWAITING_FLAG", "awaiting_ratings", "rated_criteria", "ratings_required"]

AWAITING_FLAG = "awaiting-ratings:"  # the prefix of scoring's per-criterion completeness flag


def rated_criteria(scheme: scoring.Scheme) -> dict[str, Rating]:
    """Criterion id → its rating rule, for every criterion scored by reviewers."""
    return {
        c.id: c.rating for c in scheme.criteria if c.method == "rating" and c.rating is not None
    }


def ratings_required(session: Session, *, round_id: int, cohort: str) -> int:
    """Ratings a criterion needs where its scheme does not say: the cohort's reviewers per
    nomination in the round (the most reviewers assigned to any of its nominations, which is
    the ``reviewers_per_nomination`` its assignment was solved with), or the programme's
    default of 3 before anyone is assigned."""
    per_nomination = (
        select(func.count().label("reviewers"))
        .where(Assignment.round_id == round_id, Assignment.cohort == cohort)
        .group_by(Assignment.nomination_id)
        .subquery()
    )
    most = session.scalar(select(func.max(per_nomination.c.reviewers)))
    return int(most) if most else scoring.DEFAULT_RATINGS_REQUIRED


def awaiting_ratings(flags: list[str]) -> list[str]:
    """The completeness flags among a scored firm's flags (empty when its ratings are complete)."""
    return [flag for flag in flags if flag.startswith(AWAITING_FLAG)]
