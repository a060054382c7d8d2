"""Page sessions kept server-side, and the double-submit token every page form carries.

The session cookie holds only a random token; the database keeps its SHA-256 with the key it
signs in, its expiry and the browser that opened it (table ``page_sessions``). A session ends
when it expires, when its holder signs out (the row is deleted), when an admin revokes it
(``cohorts sessions revoke``), or when its key is revoked (``keys.revoke_key`` deletes the key's
sessions, and a revoked key's rows are refused anyway).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from service.access import Role
from service.errors import ValidationFailed
from service.keys import Principal
from service.models import ApiKey, PageSession, utcnow

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "SESSION_COOKIE",
    "LiveSession",
    "end",
    "list_sessions",
    "new_csrf_token",
    "open_session",
    "read",
    "revoke",
    "tokens_match",
]

SESSION_COOKIE = "cohorts_session"
CSRF_COOKIE = "cohorts_csrf"
CSRF_FIELD = "csrf_token"
_TOKEN_CHARS = 43  # secrets.token_urlsafe(32)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, *, key_id: int, lifetime_s: int, user_agent: str) -> str:
    """Store a new session for the key, valid ``lifetime_s`` seconds; its cookie token, once.

    Expired sessions are swept on the way, so the table holds live sessions and a few stale ones.
    """
    now = utcnow()
    session.execute(delete(PageSession).where(PageSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    session.add(
        PageSession(
            token_hash=_hash(token),
            key_id=key_id,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=lifetime_s),
            user_agent=user_agent[:200],
        )
    )
    session.flush()
    return token


# Built once with bound parameters: building the statement cost more than running it.
_LOOKUP = (
    select(ApiKey.id, ApiKey.label, ApiKey.role, ApiKey.reviewer_id)
    .join(PageSession, PageSession.key_id == ApiKey.id)
    .where(
        PageSession.token_hash == bindparam("token_hash"),
        PageSession.expires_at > bindparam("now", type_=PageSession.expires_at.type),
        ApiKey.revoked_at.is_(None),
    )
)


def read(session: Session, cookie: str) -> Principal | None:
    """The principal a session cookie stands for, or None when it is malformed, unknown (signed
    out, revoked), expired, or its key is revoked."""
    if len(cookie) != _TOKEN_CHARS:
        return None
    row = session.execute(_LOOKUP, {"token_hash": _hash(cookie), "now": utcnow()}).one_or_none()
    if row is None:
        return None
    key_id, label, role, reviewer_id = row
    return Principal(key_id=key_id, label=label, role=Role(role), reviewer_id=reviewer_id)


def end(session: Session, cookie: str) -> None:
    """Delete the cookie's session (signing out twice, or with no session, is harmless)."""
    session.execute(delete(PageSession).where(PageSession.token_hash == _hash(cookie)))


@dataclass(frozen=True, slots=True)
class LiveSession:
    """A session an admin sees: its id, the key it signs in, when it opened and expires."""

    id: int
    key_id: int
    key_label: str
    role: str
    created_at: dt.datetime
    expires_at: dt.datetime
    user_agent: str


def list_sessions(session: Session, *, key_id: int | None = None) -> list[LiveSession]:
    """Every unexpired session (of one key, if given), oldest first."""
    query = (
        select(PageSession, ApiKey.label, ApiKey.role)
        .join(ApiKey, ApiKey.id == PageSession.key_id)
        .where(PageSession.expires_at > utcnow())
        .order_by(PageSession.id)
    )
    if key_id is not None:
        query = query.where(PageSession.key_id == key_id)
    return [
        LiveSession(
            id=row.id,
            key_id=row.key_id,
            key_label=label,
            role=role,
            created_at=row.created_at,
            expires_at=row.expires_at,
            user_agent=row.user_agent,
        )
        for row, label, role in session.execute(query)
    ]


def revoke(session: Session, *, session_id: int | None = None, key_id: int | None = None) -> int:
    """End one session by id, or every session of a key; how many ended."""
    if (session_id is None) == (key_id is None):
        raise ValidationFailed("Name one session id or one key id whose sessions to revoke.")
    where = PageSession.id == session_id if session_id is not None else PageSession.key_id == key_id
    ids = list(session.scalars(select(PageSession.id).where(where)))
    if ids:
        session.execute(delete(PageSession).where(PageSession.id.in_(ids)))
    return len(ids)


def new_csrf_token() -> str:
    """A fresh random token for the CSRF cookie and the forms that echo it."""
    return secrets.token_urlsafe(32)


def tokens_match(cookie: str | None, field: str | None) -> bool:
    """Whether a form's token equals the cookie's (both present), in constant time."""
    if not cookie or not field:
        return False
    return hmac.compare_digest(cookie.encode(), field.encode())
