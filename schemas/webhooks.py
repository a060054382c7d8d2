"""Webhook endpoints, their deliveries and the delivery log (Standard Webhooks)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.scalars import ShortText

__all__ = [
    "AttemptOut",
    "DeliveryDetail",
    "DeliveryOut",
    "EventType",
    "WebhookCreated",
    "WebhookIn",
    "WebhookOut",
]

EventType = Literal[
    "membership.added",
    "membership.ended",
    "round.state_changed",
    "notice.opened",
    "objection.filed",
]


class WebhookIn(BaseModel):
    """What an admin gives to subscribe a receiver."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1,
        max_length=2000,
        description="http(s) only; the host must resolve to public addresses.",
    )
    event_types: list[EventType] = Field(min_length=1, max_length=20)
    description: ShortText | None = None


class WebhookOut(BaseModel):
    """An endpoint as stored, without its secret."""

    id: int
    url: str
    event_types: list[str]
    description: str | None
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    consecutive_failures: int
    created_at: datetime


class WebhookCreated(WebhookOut):
    """A new endpoint with its signing secret, shown this once."""

    secret: str = Field(
        description="whsec_… (base64 key): verify each delivery with any Standard Webhooks library."
    )


class DeliveryOut(BaseModel):
    """One event owed to one endpoint."""

    id: int
    message_id: str = Field(description="The webhook-id header: stable across retries.")
    event_type: str
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class AttemptOut(BaseModel):
    """One HTTP attempt."""

    at: datetime
    status: int | None
    error: str | None
    duration_ms: int


class DeliveryDetail(DeliveryOut):
    """A delivery with its payload and every attempt, oldest first."""

    payload: dict[str, Any]
    log: list[AttemptOut]
