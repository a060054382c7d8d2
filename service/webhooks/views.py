"""HTTP routes of webhooks: subscribe, list, unsubscribe, re-enable, the delivery log, retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from schemas.pagination import Page
from schemas.webhooks import (
    AttemptOut,
    DeliveryDetail,
    DeliveryOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
)
from service.deps import PrincipalDep, SessionDep
from service.models import WebhookDelivery, WebhookEvent
from service.pagination import decode_cursor, split_page
from service.webhooks import service

__all__ = ["router"]

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
WebhookIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
DeliveryIdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
CursorQuery = Annotated[str | None, Query(max_length=500)]
LimitQuery = Annotated[int, Query(ge=1, le=1000)]


def _delivery(delivery: WebhookDelivery, event: WebhookEvent) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        message_id=event.message_id,
        event_type=event.event_type,
        state=delivery.state,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at if delivery.state == "pending" else None,
        last_status=delivery.last_status,
        last_error=delivery.last_error,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
    )


@router.post("", response_model=WebhookCreated, status_code=201, summary="Subscribe a receiver")
def post_webhook(
    data: WebhookIn, request: Request, session: SessionDep, principal: PrincipalDep
) -> WebhookCreated:
    """The new endpoint with its signing secret: shown this once, keep it."""
    endpoint, secret = service.create(
        session,
        principal,
        data=data,
        allowed_networks=request.app.state.settings.webhook_allowed_networks,
    )
    out = WebhookOut.model_validate(endpoint, from_attributes=True)
    return WebhookCreated(**out.model_dump(), secret=secret)


@router.get("", response_model=Page[WebhookOut], summary="List webhook endpoints")
def list_webhooks(
    session: SessionDep, cursor: CursorQuery = None, limit: LimitQuery = 100
) -> Page[WebhookOut]:
    """Oldest first; secrets are never shown."""
    position = decode_cursor(cursor, keys={"id": int})
    endpoints = service.list_endpoints(
        session, after_id=int(position["id"]) if position else None, limit=limit + 1
    )
    endpoints, next_cursor = split_page(endpoints, limit, lambda e: {"id": e.id})
    return Page[WebhookOut](
        items=[WebhookOut.model_validate(e, from_attributes=True) for e in endpoints],
        next_cursor=next_cursor,
    )


@router.get("/{webhook_id}", response_model=WebhookOut, summary="Read a webhook endpoint")
def get_webhook(webhook_id: WebhookIdPath, session: SessionDep) -> WebhookOut:
    """One endpoint, without its secret."""
    return WebhookOut.model_validate(
        service.get_or_raise(session, webhook_id), from_attributes=True
    )


@router.delete("/{webhook_id}", status_code=204, summary="Unsubscribe a receiver")
def delete_webhook(
    webhook_id: WebhookIdPath, session: SessionDep, principal: PrincipalDep
) -> Response:
    """The endpoint and its deliveries are removed."""
    service.delete(session, principal, endpoint_id=webhook_id)
    return Response(status_code=204)


@router.post("/{webhook_id}/enable", response_model=WebhookOut, summary="Re-enable an endpoint")
def enable_webhook(
    webhook_id: WebhookIdPath, session: SessionDep, principal: PrincipalDep
) -> WebhookOut:
    """Deliveries that waited while it was disabled are sent now."""
    return WebhookOut.model_validate(
        service.enable(session, principal, endpoint_id=webhook_id), from_attributes=True
    )


@router.get(
    "/{webhook_id}/deliveries", response_model=Page[DeliveryOut], summary="The delivery log"
)
def list_deliveries(
    webhook_id: WebhookIdPath,
    session: SessionDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 100,
) -> Page[DeliveryOut]:
    """Every event owed to this endpoint, newest first, with its state and last answer."""
    position = decode_cursor(cursor, keys={"id": int})
    rows = service.list_deliveries(
        session,
        endpoint_id=webhook_id,
        after_id=int(position["id"]) if position else None,
        limit=limit + 1,
    )
    rows, next_cursor = split_page(rows, limit, lambda row: {"id": row[0].id})
    return Page[DeliveryOut](items=[_delivery(*row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/{webhook_id}/deliveries/{delivery_id}",
    response_model=DeliveryDetail,
    summary="One delivery with its attempts",
)
def get_delivery(
    webhook_id: WebhookIdPath, delivery_id: DeliveryIdPath, session: SessionDep
) -> DeliveryDetail:
    """The payload as sent and every attempt, oldest first."""
    delivery, event = service.get_delivery_or_raise(
        session, endpoint_id=webhook_id, delivery_id=delivery_id
    )
    attempts = service.list_attempts(session, delivery_id=delivery_id)
    return DeliveryDetail(
        **_delivery(delivery, event).model_dump(),
        payload=event.payload,
        log=[AttemptOut.model_validate(a, from_attributes=True) for a in attempts],
    )


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/retry",
    response_model=DeliveryOut,
    status_code=202,
    summary="Send a delivery again",
)
def retry_delivery(
    webhook_id: WebhookIdPath,
    delivery_id: DeliveryIdPath,
    session: SessionDep,
    principal: PrincipalDep,
) -> DeliveryOut:
    """Due at once, with a fresh retry window and the same webhook-id."""
    return _delivery(
        *service.retry(session, principal, endpoint_id=webhook_id, delivery_id=delivery_id)
    )
