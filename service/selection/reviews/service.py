"""Reviewer ratings of qualitative criteria, and declared conflicts of interest."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

import scoring
from schemas.selection import RatingIn
from service import audit
from service.bulk import upsert_rows
from service.errors import Conflict, Forbidden, ValidationFailed
from service.keys import Principal
from service.models import Assignment, Nomination, Review, ReviewConflict, Reviewer, utcnow
from service.rounds import service as rounds_service
from service.schemes import service as schemes_service
from service.selection import calibration, nominations, rated
from service.selection import frames as scoring_frames
from service.selection.assignments import service as assignments_service

__all__ = [
    "conflicted_usccs",
    "declare_conflict",
    "own_ratings",
    "rate",
    "ratings_frame",
    "review_summaries",
]

RATING_FRAME_COLUMNS = ["uscc", "criterion", "reviewer", "reviewer_label", "score"]


def _reviewer_id(principal: Principal) -> int:
    if principal.reviewer_id is None:
        raise Forbidden("Ratings and conflicts need a reviewer's own API key.")
    return principal.reviewer_id


def _reviewer_name(session: Session, reviewer_id: int) -> str:
    profile = session.get(Reviewer, reviewer_id)
    assert profile is not None  # a key's profile is kept by a foreign key
    return profile.name


def conflicted_usccs(session: Session, *, round_id: int, reviewer_id: int | None) -> set[str]:
    """Firms this reviewer declared a conflict with in the round."""
    if reviewer_id is None:
        return set()
    return set(
        session.scalars(
            select(ReviewConflict.uscc).where(
                ReviewConflict.round_id == round_id,
                ReviewConflict.reviewer_id == reviewer_id,
            )
        )
    )


def rate(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    nomination_id: int,
    ratings: Sequence[RatingIn],
) -> list[Review]:
    """Store (or replace) the caller's ratings of a nomination; the range is the scheme's."""
    reviewer = _reviewer_id(principal)
    selection_round = rounds_service.get_or_raise(session, round_id)
    rounds_service.require_state(selection_round, "scoring", doing="rating")
    nomination = nominations.get_nomination_or_raise(
        session, round_id=round_id, nomination_id=nomination_id
    )
    if nomination.uscc in conflicted_usccs(session, round_id=round_id, reviewer_id=reviewer):
        raise Conflict(
            f"You declared a conflict of interest with firm {nomination.uscc}; you cannot rate it."
        )
    if not assignments_service.is_assigned(
        session, nomination_id=nomination.id, reviewer_id=reviewer
    ):
        raise Forbidden(
            f"Nomination {nomination.id} is not assigned to you; a reviewer rates only the "
            "nominations an admin assigned to them."
        )
    name = _reviewer_name(session, reviewer)
    _stored, scheme = schemes_service.get_active_for_cohort(session, nomination.cohort)
    rules = rated.rated_criteria(scheme)
    errors: list[dict[str, Any]] = []
    for i, rating in enumerate(ratings):
        rule = rules.get(rating.criterion)
        if rule is None:
            known = ", ".join(sorted(rules)) or "none"
            errors.append(
                {
                    "loc": ["body", "ratings", i, "criterion"],
                    "message": f"{rating.criterion!r} is not rated by reviewers in "
                    f"scheme {scheme.id}@{scheme.version} (rated: {known})",
                }
            )
            continue
        low, high = rule.range
        if not low <= rating.score <= high:
            errors.append(
                {
                    "loc": ["body", "ratings", i, "score"],
                    "message": f"must lie in [{low:g}, {high:g}] for {rating.criterion}",
                }
            )
    if len({r.criterion for r in ratings}) != len(ratings):
        errors.append({"loc": ["body", "ratings"], "message": "one rating per criterion"})
    if errors:
        raise ValidationFailed("The ratings break the scheme's rules.", errors=errors)
    now = utcnow()
    upsert_rows(
        session,
        Review,
        [
            {
                "round_id": round_id,
                "nomination_id": nomination.id,
                "uscc": nomination.uscc,
                "criterion": r.criterion,
                "reviewer_id": reviewer,
                "reviewer_label": name,
                "score": r.score,
                "comment": r.comment,
                "created_at": now,
                "updated_at": now,
            }
            for r in ratings
        ],
        conflict_columns=("nomination_id", "criterion", "reviewer_id"),
        update_columns=("score", "comment", "updated_at"),
    )
    audit.record_many(
        session,
        principal,
        action="review.rate",
        target_type="nomination",
        targets=[
            (
                str(nomination.id),
                {
                    "round_id": round_id,
                    "uscc": nomination.uscc,
                    "criterion": r.criterion,
                    "score": r.score,
                },
            )
            for r in ratings
        ],
    )
    return list(
        session.scalars(
            select(Review)
            .where(Review.nomination_id == nomination.id, Review.reviewer_id == reviewer)
            .order_by(Review.criterion)
        )
    )


def own_ratings(
    session: Session, *, nomination_id: int, reviewer_id: int | None
) -> dict[str, tuple[float, str | None]]:
    """Criterion → this reviewer's rating of the nomination and its comment (none without a
    reviewer)."""
    if reviewer_id is None:
        return {}
    return {
        criterion: (score, comment)
        for criterion, score, comment in session.execute(
            select(Review.criterion, Review.score, Review.comment).where(
                Review.nomination_id == nomination_id, Review.reviewer_id == reviewer_id
            )
        )
    }


def declare_conflict(
    session: Session,
    principal: Principal,
    *,
    round_id: int,
    nomination_id: int,
    reason: str | None,
) -> tuple[ReviewConflict, int, Assignment | None]:
    """Record the caller's conflict with the nomination's firm; their ratings of it are removed,
    and their assignment to it goes to the least-loaded eligible reviewer.

    Returns the conflict, how many earlier ratings were withdrawn and the replacement assignment
    (None when there was no assignment or no eligible reviewer is left). Declaring twice is
    harmless and returns the first declaration.
    """
    reviewer = _reviewer_id(principal)
    selection_round = rounds_service.get_or_raise(session, round_id)
    rounds_service.require_state(selection_round, "open", "scoring", doing="declaring a conflict")
    nomination = nominations.get_nomination_or_raise(
        session, round_id=round_id, nomination_id=nomination_id
    )
    existing = session.scalars(
        select(ReviewConflict).where(
            ReviewConflict.round_id == round_id,
            ReviewConflict.uscc == nomination.uscc,
            ReviewConflict.reviewer_id == reviewer,
        )
    ).one_or_none()
    if existing is not None:
        return existing, 0, None
    conflict = ReviewConflict(
        round_id=round_id,
        nomination_id=nomination.id,
        uscc=nomination.uscc,
        reviewer_id=reviewer,
        reviewer_label=_reviewer_name(session, reviewer),
        reason=reason,
    )
    session.add(conflict)
    withdrawn = session.execute(
        delete(Review).where(
            Review.round_id == round_id,
            Review.uscc == nomination.uscc,
            Review.reviewer_id == reviewer,
        )
    )
    session.flush()
    count = int(getattr(withdrawn, "rowcount", 0) or 0)
    replacement = assignments_service.replace_after_conflict(
        session, principal, nomination=nomination, reviewer_id=reviewer
    )
    audit.record(
        session,
        principal,
        action="review.conflict",
        target_type="nomination",
        target_id=nomination.id,
        detail={
            "round_id": round_id,
            "uscc": nomination.uscc,
            "ratings_withdrawn": count,
            "replacement_reviewer_id": replacement.reviewer_id if replacement else None,
        },
        reason=reason,
    )
    return conflict, count, replacement


def ratings_frame(
    session: Session,
    *,
    round_id: int,
    usccs: Collection[str] | None = None,
    cohort: str | None = None,
) -> pd.DataFrame:
    """Ratings of the round (of ``cohort``'s nominations, or of ``usccs``), sorted, with the
    columns the scoring library reads plus ``reviewer_label``."""
    query = select(
        Review.uscc, Review.criterion, Review.reviewer_id, Review.reviewer_label, Review.score
    ).where(Review.round_id == round_id)
    if cohort is not None:
        query = query.join(Nomination, Nomination.id == Review.nomination_id).where(
            Nomination.cohort == cohort
        )
    rows: list[Any] = []
    if usccs is None:
        rows = list(session.execute(query).all())
    else:
        ordered = sorted(usccs)
        for start in range(0, len(ordered), scoring_frames.IN_CHUNK):
            chunk = ordered[start : start + scoring_frames.IN_CHUNK]
            rows.extend(session.execute(query.where(Review.uscc.in_(chunk))).all())
    # Every read of an unrated round lands here: a copy costs 0.1 ms, building a frame 3 ms.
    return _frame_of(rows) if rows else _NO_RATINGS.copy()


def _frame_of(rows: list[Any]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=RATING_FRAME_COLUMNS)
    frame["reviewer"] = frame["reviewer"].astype("int64").astype(str)
    frame["score"] = frame["score"].astype("float64")
    return frame.sort_values(["uscc", "criterion", "reviewer"], ignore_index=True)


_NO_RATINGS = _frame_of([])


def review_summaries(
    ratings: pd.DataFrame,
    scheme: scoring.Scheme,
    *,
    hidden: Collection[str] = (),
    only: Collection[str] | None = None,
) -> dict[str, dict[str, Any]]:
    """Per uscc and rated criterion: every rating raw and calibrated, their aggregates, spread
    and the disagreement flag; firms in ``hidden`` (the viewer's conflicts) are left out, and
    given ``only``, every firm not in it (each reviewer is calibrated on all their ratings)."""
    rules = rated.rated_criteria(scheme)
    known = ratings.loc[ratings["criterion"].isin(list(rules))]
    if known.empty:
        return {}
    known = known.assign(
        calibrated=calibration.calibrate(known, {c: r.range for c, r in rules.items()})
    )
    if only is not None:
        known = known.loc[known["uscc"].isin(list(only))]
    out: dict[str, dict[str, Any]] = {}
    hidden_set = set(hidden)
    for (uscc, criterion), group in known.groupby(["uscc", "criterion"], sort=True):
        if uscc in hidden_set:
            continue
        rule = rules[str(criterion)]
        raw = group["score"].to_numpy(dtype=np.float64)
        spread = float(raw.max() - raw.min())
        out.setdefault(str(uscc), {})[str(criterion)] = {
            "count": int(raw.size),
            "mean": float(raw.mean()),
            "median": float(np.median(raw)),
            "mean_calibrated": float(group["calibrated"].mean()),
            "spread": spread,
            "disagreement": rule.disagreement is not None and spread > rule.disagreement,
            "ratings": [
                {"reviewer": str(label), "raw": float(s), "calibrated": float(c)}
                for label, s, c in zip(
                    group["reviewer_label"], group["score"], group["calibrated"], strict=True
                )
            ],
        }
    return out
