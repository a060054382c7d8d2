"""Sign-in cookies bound to an API key, and the double-submit token every page form carries.

The session cookie is ``<key id>.<expiry>.<signature>`` where the signature is
``HMAC-SHA256(secret, "<key id>.<expiry>.<key hash>")``: it names no raw key, it dies at its
expiry, and it dies with its key (a revoked or re-minted key fails the lookup or the signature).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from sqlalchemy.orm import Session

from service.access import Role
from service.keys import Principal
from service.models import ApiKey

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "SESSION_COOKIE",
    "expired",
    "key_hash_of",
    "new_csrf_token",
    "read",
    "seal",
    "tokens_match",
]

SESSION_COOKIE = "cohorts_session"
CSRF_COOKIE = "cohorts_csrf"
CSRF_FIELD = "csrf_token"


def _signature(secret: bytes, key_id: int, expires: int, key_hash: str) -> str:
    message = f"{key_id}.{expires}.{key_hash}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def seal(secret: bytes, *, key_id: int, key_hash: str, lifetime_s: int) -> str:
    """A session cookie value for the key, valid for ``lifetime_s`` seconds from now."""
    expires = int(time.time()) + lifetime_s
    return f"{key_id}.{expires}.{_signature(secret, key_id, expires, key_hash)}"


def expired(cookie: str) -> bool:
    """Whether a session cookie is malformed or past its expiry (its signature unchecked)."""
    parts = cookie.split(".")
    return len(parts) != 3 or not parts[1].isdigit() or int(parts[1]) < time.time()


def read(session: Session, secret: bytes, cookie: str) -> Principal | None:
    """The principal a session cookie stands for, or None when it is malformed, expired,
    tampered with, or its key is revoked."""
    parts = cookie.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    key_id, expires = int(parts[0]), int(parts[1])
    if expires < time.time() or key_id > 2**31 - 1:
        return None
    key = session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(parts[2], _signature(secret, key_id, expires, key.key_hash)):
        return None
    return Principal(
        key_id=key.id, label=key.label, role=Role(key.role), reviewer_id=key.reviewer_id
    )


def key_hash_of(session: Session, key_id: int) -> str:
    """The stored hash of an API key, which the session's signature binds to."""
    key = session.get(ApiKey, key_id)
    assert key is not None  # just authenticated
    return key.key_hash


def new_csrf_token() -> str:
    """A fresh random token for the CSRF cookie and the forms that echo it."""
    return secrets.token_urlsafe(32)


def tokens_match(cookie: str | None, field: str | None) -> bool:
    """Whether a form's token equals the cookie's (both present), in constant time."""
    if not cookie or not field:
        return False
    return hmac.compare_digest(cookie.encode(), field.encode())
