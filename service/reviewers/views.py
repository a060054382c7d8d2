"""HTTP routes of reviewer profiles."""

from __future__ import annotations

from fastapi import APIRouter

from schemas.pagination import Page
from schemas.reviewers import ReviewerIn, ReviewerOut
from service.deps import PrincipalDep, SessionDep
from service.pagination import PageDep, page_of_rows
from service.reviewers import service

__all__ = ["router"]

router = APIRouter(prefix="/v1/reviewers", tags=["reviewers"])


@router.post("", response_model=ReviewerOut, status_code=201, summary="Create a reviewer profile")
def post_reviewer(data: ReviewerIn, session: SessionDep, principal: PrincipalDep) -> ReviewerOut:
    """A profile; mint its key with ``cohorts keys create --role reviewer --reviewer ID``."""
    return ReviewerOut.model_validate(
        service.create(session, principal, data=data), from_attributes=True
    )


@router.get("", response_model=Page[ReviewerOut], summary="List reviewer profiles")
def list_reviewers(session: SessionDep, page: PageDep) -> Page[ReviewerOut]:
    """In id order."""
    reviewers = service.list_reviewers(session, after_id=page.after("id", int), limit=page.fetch)
    return page_of_rows(reviewers, page, key="id", out=ReviewerOut)
