"""``Idempotency-Key``: a retried request gets the first response, and nothing is stored twice."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.errors import Conflict, ValidationFailed
from service.keys import Principal
from service.models import IdempotencyRecord

__all__ = ["StoredResponse", "find_replay", "fingerprint", "remember"]

MAX_KEY_LENGTH = 200


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A response kept for replay."""

    status_code: int
    body: Any


def fingerprint(*parts: bytes | str) -> str:
    """SHA-256 over the request's meaningful parts, each length-prefixed so none run together."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def _check_key(key: str) -> None:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
            errors=[{"loc": ["header", "Idempotency-Key"], "message": "invalid key"}],
        )


def find_replay(
    session: Session, principal: Principal, *, key: str, method: str, path: str, request_sha256: str
) -> StoredResponse | None:
    """The stored first response for this key, or None; the key on another request is a 422."""
    _check_key(key)
    record = session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.api_key_id == principal.key_id, IdempotencyRecord.key == key
        )
    ).one_or_none()
    if record is None:
        return None
    if (record.method, record.path, record.request_sha256) != (method, path, request_sha256):
        raise ValidationFailed(
            "This Idempotency-Key was already used for a different request; use a new key.",
            errors=[
                {"loc": ["header", "Idempotency-Key"], "message": "key reused with another body"}
            ],
        )
    return StoredResponse(status_code=record.status_code, body=json.loads(record.response_body))


def remember(
    session: Session,
    principal: Principal,
    *,
    key: str,
    method: str,
    path: str,
    request_sha256: str,
    response: StoredResponse,
) -> None:
    """Keep the response in the same transaction as the writes it reports."""
    session.add(
        IdempotencyRecord(
            api_key_id=principal.key_id,
            key=key,
            method=method,
            path=path,
            request_sha256=request_sha256,
            status_code=response.status_code,
            response_body=json.dumps(response.body, ensure_ascii=False, default=str),
        )
    )
    try:
        session.flush()
    except IntegrityError:
        # A concurrent request with the same key won the race; this one must not store anything.
        raise Conflict(
            "A request with this Idempotency-Key is being processed; retry to get its response."
        ) from None
