"""Reviewer profiles: created by an admin; every reviewer key belongs to exactly one."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.reviewers import ReviewerIn
from service import audit, pagination
from service.errors import NotFound, ValidationFailed
from service.keys import Principal
from service.models import Reviewer

__all__ = ["create", "get_many_or_raise", "get_or_raise", "list_reviewers"]


def create(session: Session, principal: Principal, *, data: ReviewerIn) -> Reviewer:
    """Store a new reviewer profile."""
    reviewer = Reviewer(
        name=data.name,
        sectors=list(data.sectors),
        affiliations=list(data.affiliations),
        notes=data.notes,
        created_by=principal.label,
    )
    session.add(reviewer)
    session.flush()
    audit.record(
        session,
        principal,
        action="reviewer.create",
        target_type="reviewer",
        target_id=reviewer.id,
        detail=data.model_dump(mode="json"),
    )
    return reviewer


def get_or_raise(session: Session, reviewer_id: int) -> Reviewer:
    """The profile with ``reviewer_id``, or a 404."""
    reviewer = session.get(Reviewer, reviewer_id)
    if reviewer is None:
        raise NotFound(f"No reviewer profile has id {reviewer_id}.")
    return reviewer


def get_many_or_raise(
    session: Session, reviewer_ids: Collection[int], *, field: list[str | int]
) -> dict[int, Reviewer]:
    """The profiles named, by id; a 422 naming ``field`` when one is unknown."""
    found = {
        r.id: r for r in session.scalars(select(Reviewer).where(Reviewer.id.in_(reviewer_ids)))
    }
    unknown = sorted(set(reviewer_ids) - set(found))
    if unknown:
        raise ValidationFailed(
            f"Unknown reviewer(s) {unknown[:10]}.",
            errors=[{"loc": field, "message": f"no reviewer profile has id {i}"} for i in unknown],
        )
    return found


def list_reviewers(session: Session, *, after_id: int | None, limit: int) -> list[Reviewer]:
    """Profiles in id order."""
    query = pagination.keyset(select(Reviewer), Reviewer.id, after=after_id, limit=limit)
    return list(session.scalars(query))
