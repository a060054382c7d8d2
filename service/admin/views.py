"""Administration routes: who am I, and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from schemas.pagination import Page
from schemas.scalars import Instant
from service import audit
from service.deps import PrincipalDep, SessionDep
from service.pagination import PageDep, page_of_rows

__all__ = ["router"]

router = APIRouter(tags=["administration"])


class WhoAmI(BaseModel):
    """The caller as the service sees it."""

    key_id: int
    label: str
    role: str
    reviewer_id: int | None = None


class AuditEventOut(BaseModel):
    """One audit event."""

    id: int
    at: dt.datetime
    actor_label: str
    actor_role: str
    action: str
    target_type: str
    target_id: str
    request_id: str | None
    reason: str | None
    detail: dict[str, Any]


@router.get("/v1/whoami", response_model=WhoAmI, summary="The calling key's label and role")
def whoami(principal: PrincipalDep) -> WhoAmI:
    """Lets a client check its key without side effects."""
    return WhoAmI(
        key_id=principal.key_id,
        label=principal.label,
        role=principal.role.value,
        reviewer_id=principal.reviewer_id,
    )


@router.get("/v1/audit", response_model=Page[AuditEventOut], summary="The audit trail")
def get_audit(
    session: SessionDep,
    action: Annotated[str | None, Query(max_length=60)] = None,
    target_type: Annotated[str | None, Query(max_length=40)] = None,
    target_id: Annotated[str | None, Query(max_length=80)] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    since: Instant | None = None,
    until: Instant | None = None,
    *,
    page: PageDep,
) -> Page[AuditEventOut]:
    """Oldest first, filtered by action, target, actor or time."""
    events = audit.list_events(
        session,
        after_id=page.after("id", int),
        limit=page.fetch,
        action=action,
        target_type=target_type,
        target_id=target_id,
        actor_label=actor,
        since=since,
        until=until,
    )
    return page_of_rows(events, page, key="id", out=AuditEventOut)
