"""Webhook use cases: endpoints, the transactional outbox, the delivery log and manual retries.

``enqueue`` is called by the code that makes a change, in its transaction: the event and one
delivery per subscribed endpoint commit or roll back with the change, so no committed change goes
unannounced and no rolled-back one is announced. ``service.webhooks.delivery`` sends them.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from typing import Any, get_args

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from schemas.webhooks import EventType, WebhookIn
from service import audit, pagination
from service.errors import NotFound, ValidationFailed
from service.keys import Principal
from service.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    utcnow,
)
from service.webhooks import addresses

__all__ = [
    "EVENT_TYPES",
    "announce_added",
    "announce_publication",
    "count_pending",
    "create",
    "delete",
    "enable",
    "enqueue",
    "enqueue_many",
    "get_delivery_or_raise",
    "get_or_raise",
    "list_attempts",
    "list_deliveries",
    "list_endpoints",
    "retry",
]

EVENT_TYPES: frozenset[str] = frozenset(get_args(EventType))


def _new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def create(
    session: Session, principal: Principal, *, data: WebhookIn, allowed_networks: Sequence[str]
) -> tuple[WebhookEndpoint, str]:
    """Subscribe ``data.url``; the secret is returned here and never again."""
    try:
        addresses.check(data.url, allowed_networks=allowed_networks)
    except addresses.UnsafeURL as exc:
        raise ValidationFailed(
            f"The webhook URL is refused: {exc}.",
            errors=[{"loc": ["body", "url"], "message": str(exc)}],
        ) from None
    secret = _new_secret()
    endpoint = WebhookEndpoint(
        url=data.url,
        event_types=sorted(set(data.event_types)),
        description=data.description,
        secret=secret,
        enabled=True,
        consecutive_failures=0,
        created_by=principal.label,
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session,
        principal,
        action="webhook.create",
        target_type="webhook",
        target_id=endpoint.id,
        detail={"url": endpoint.url, "event_types": endpoint.event_types},
    )
    return endpoint, secret


def count_pending(session: Session) -> int:
    """Deliveries pending, due now or waiting for a retry (the metrics' queue depth)."""
    query = select(func.count()).select_from(WebhookDelivery)
    return session.scalar(query.where(WebhookDelivery.state == "pending")) or 0


def get_or_raise(
    session: Session, endpoint_id: int, *, for_update: bool = False
) -> WebhookEndpoint:
    """The endpoint with ``endpoint_id``, or a 404."""
    endpoint = session.get(WebhookEndpoint, endpoint_id, with_for_update=for_update)
    if endpoint is None:
        raise NotFound(f"No webhook endpoint has id {endpoint_id}.")
    return endpoint


def list_endpoints(session: Session, *, after_id: int | None, limit: int) -> list[WebhookEndpoint]:
    """Endpoints, oldest first."""
    query = pagination.keyset(
        select(WebhookEndpoint), WebhookEndpoint.id, after=after_id, limit=limit
    )
    return list(session.scalars(query))


def delete(session: Session, principal: Principal, *, endpoint_id: int) -> None:
    """Unsubscribe: the endpoint, its pending deliveries and its log are removed."""
    endpoint = get_or_raise(session, endpoint_id, for_update=True)
    url = endpoint.url
    session.delete(endpoint)
    session.flush()
    audit.record(
        session,
        principal,
        action="webhook.delete",
        target_type="webhook",
        target_id=endpoint_id,
        detail={"url": url},
    )


def enable(session: Session, principal: Principal, *, endpoint_id: int) -> WebhookEndpoint:
    """Re-enable an endpoint; what waited for it is due now, with a fresh retry window."""
    endpoint = get_or_raise(session, endpoint_id, for_update=True)
    now = utcnow()
    was = endpoint.enabled
    endpoint.enabled = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = None
    endpoint.consecutive_failures = 0
    endpoint.failing_since = None
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.state == "pending")
        .values(next_attempt_at=now, retry_from=now)
    )
    session.flush()
    audit.record(
        session,
        principal,
        action="webhook.enable",
        target_type="webhook",
        target_id=endpoint_id,
        detail={"was_enabled": was},
    )
    return endpoint


def enqueue(session: Session, event_type: str, payload: dict[str, Any]) -> int:
    """Announce one change in the caller's transaction; the number of deliveries owed."""
    return enqueue_many(session, event_type, [payload])


def enqueue_many(session: Session, event_type: str, payloads: Sequence[dict[str, Any]]) -> int:
    """Announce changes of one type in the caller's transaction: one event per payload and one
    delivery per subscribed endpoint, in two multi-row inserts; the number of deliveries owed."""
    if event_type not in EVENT_TYPES:  # a programming error, not a client's
        raise ValueError(f"unknown webhook event type {event_type!r}")
    if not payloads:
        return 0
    endpoints = [
        endpoint_id
        for endpoint_id, types in session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.event_types)
        )
        if event_type in types
    ]
    if not endpoints:  # nobody listens: nothing is owed, nothing is stored
        return 0
    now = utcnow()
    stamp = now.isoformat()
    event_rows = session.execute(
        insert(WebhookEvent).returning(WebhookEvent.id),
        [
            {
                "message_id": f"msg_{uuid.uuid4().hex}",
                "event_type": event_type,
                "payload": {"type": event_type, "timestamp": stamp, "data": payload},
                "created_at": now,
            }
            for payload in payloads
        ],
    )
    event_ids = list(event_rows.scalars())
    session.execute(
        insert(WebhookDelivery),
        [
            {
                "endpoint_id": endpoint_id,
                "event_id": event_id,
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "retry_from": now,
                "created_at": now,
            }
            for event_id in event_ids
            for endpoint_id in endpoints
        ],
    )
    return len(event_ids) * len(endpoints)


def announce_publication(
    session: Session,
    round_id: int,
    members: Sequence[tuple[str, str, str, str | None]],
    *,
    valid_from: dt.date,
    valid_until: dt.date,
) -> int:
    """A round's ``notice → published`` and one ``membership.added`` per (cohort, uscc, name,
    name_en) member, in the caller's transaction; the number of deliveries owed."""
    owed = enqueue(
        session, "round.state_changed", {"round_id": round_id, "from": "notice", "to": "published"}
    )
    return owed + announce_added(
        session, round_id, members, valid_from=valid_from, valid_until=valid_until
    )


def announce_added(
    session: Session,
    round_id: int,
    members: Sequence[tuple[str, str, str, str | None]],
    *,
    valid_from: dt.date,
    valid_until: dt.date,
) -> int:
    """One ``membership.added`` per (cohort, uscc, name, name_en) member of ``round_id``, in the
    caller's transaction; the number of deliveries owed."""
    return enqueue_many(
        session,
        "membership.added",
        [
            {
                "round_id": round_id,
                "cohort": cohort,
                "uscc": uscc,
                "name": name,
                "name_en": name_en,
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat(),
            }
            for cohort, uscc, name, name_en in members
        ],
    )


def list_deliveries(
    session: Session, *, endpoint_id: int, after_id: int | None, limit: int
) -> list[tuple[WebhookDelivery, WebhookEvent]]:
    """An endpoint's delivery log, newest first."""
    get_or_raise(session, endpoint_id)
    query = pagination.keyset(
        select(WebhookDelivery, WebhookEvent)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == endpoint_id),
        WebhookDelivery.id,
        after=after_id,
        limit=limit,
        newest_first=True,
    )
    return [(delivery, event) for delivery, event in session.execute(query)]


def get_delivery_or_raise(
    session: Session, *, endpoint_id: int, delivery_id: int, for_update: bool = False
) -> tuple[WebhookDelivery, WebhookEvent]:
    """One delivery of one endpoint, or a 404."""
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=for_update)
    if delivery is None or delivery.endpoint_id != endpoint_id:
        raise NotFound(f"Webhook endpoint {endpoint_id} has no delivery {delivery_id}.")
    event = session.get(WebhookEvent, delivery.event_id)
    assert event is not None  # the foreign key cascades
    return delivery, event


def list_attempts(session: Session, *, delivery_id: int) -> list[WebhookAttempt]:
    """Every attempt of a delivery, oldest first."""
    return list(
        session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.id)
        )
    )


def retry(
    session: Session,
    principal: Principal,
    *,
    endpoint_id: int,
    delivery_id: int,
) -> tuple[WebhookDelivery, WebhookEvent]:
    """Send a delivery again now (even a delivered one), with a fresh retry window."""
    get_or_raise(session, endpoint_id)
    delivery, event = get_delivery_or_raise(
        session, endpoint_id=endpoint_id, delivery_id=delivery_id, for_update=True
    )
    now = utcnow()
    before = delivery.state
    delivery.state = "pending"
    delivery.next_attempt_at = now
    delivery.retry_from = now
    session.flush()
    audit.record(
        session,
        principal,
        action="webhook.retry",
        target_type="webhook_delivery",
        target_id=delivery_id,
        detail={"endpoint_id": endpoint_id, "state_before": before},
    )
    return delivery, event
