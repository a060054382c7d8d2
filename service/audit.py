"""The audit trail: every write records who (key label and role), what, when and the request id."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service import pagination
from service.keys import Principal
from service.models import AuditEvent, utcnow
from service.request_context import current_request_id

__all__ = ["list_events", "record", "record_many"]


def record(
    session: Session,
    principal: Principal,
    *,
    action: str,
    target_type: str,
    target_id: str | int,
    detail: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Append one event in the caller's transaction, so it commits or rolls back with the write."""
    record_many(
        session,
        principal,
        action=action,
        target_type=target_type,
        targets=[(str(target_id), detail or {})],
        reason=reason,
    )


def record_many(
    session: Session,
    principal: Principal,
    *,
    action: str,
    target_type: str,
    targets: list[tuple[str, dict[str, Any]]],
    reason: str | None = None,
) -> None:
    """Append one event per target in one multi-row insert."""
    if not targets:
        return
    now = utcnow()
    request_id = current_request_id()
    session.execute(
        insert(AuditEvent),
        [
            {
                "at": now,
                "actor_key_id": principal.key_id,
                "actor_label": principal.label,
                "actor_role": principal.role.value,
                "action": action,
                "target_type": target_type,
                "target_id": target_id,
                "request_id": request_id,
                "reason": reason,
                "detail": detail,
            }
            for target_id, detail in targets
        ],
    )


def list_events(
    session: Session,
    *,
    after_id: int | None = None,
    limit: int = 100,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    actor_label: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[AuditEvent]:
    """Events in id order after the cursor, filtered."""
    query = pagination.keyset(select(AuditEvent), AuditEvent.id, after=after_id, limit=limit)
    if action:
        query = query.where(AuditEvent.action == action)
    if target_type:
        query = query.where(AuditEvent.target_type == target_type)
    if target_id:
        query = query.where(AuditEvent.target_id == target_id)
    if actor_label:
        query = query.where(AuditEvent.actor_label == actor_label)
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    return list(session.scalars(query))
