"""API keys: minted once, stored as SHA-256 hashes, looked up by a public prefix."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.access import Role
from service.errors import NotFound, ValidationFailed
from service.models import ApiKey, PageSession, Reviewer, utcnow

__all__ = [
    "Principal",
    "PrincipalCache",
    "authenticate",
    "create_key",
    "hash_key",
    "list_keys",
    "mint_demo_keys",
    "revoke_key",
]

_KEY_PREFIX = "ck"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's id, label and role, and a reviewer key's profile."""

    key_id: int | None
    label: str
    role: Role
    reviewer_id: int | None = None


def hash_key(raw_key: str) -> str:
    """SHA-256 of the whole key, hex."""
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def _split(raw_key: str) -> str | None:
    parts = raw_key.split("_", 2)
    if len(parts) != 3 or parts[0] != _KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    # Minted prefixes are hex: anything else (a NUL, which PostgreSQL refuses) is no key's.
    if not (parts[1].isascii() and parts[1].isalnum()):
        return None
    return parts[1]


def _profile_for(session: Session, role: Role, label: str, reviewer_id: int | None) -> int | None:
    """The reviewer profile a new key belongs to: the one named, or a new one for a reviewer."""
    if role is not Role.REVIEWER:
        if reviewer_id is not None:
            raise ValidationFailed(
                f"Only reviewer keys belong to a reviewer profile, not {role.value!r} keys.",
                errors=[{"loc": ["reviewer"], "message": "only with --role reviewer"}],
            )
        return None
    if reviewer_id is None:
        # A key minted without a profile starts one named after its label (sectors added later).
        profile = Reviewer(name=label, sectors=[], affiliations=[], created_by="keys.create")
        session.add(profile)
        session.flush()
        return profile.id
    if session.get(Reviewer, reviewer_id) is None:
        raise ValidationFailed(
            f"No reviewer profile has id {reviewer_id}.",
            errors=[{"loc": ["reviewer"], "message": f"unknown reviewer {reviewer_id}"}],
        )
    return reviewer_id


def create_key(
    session: Session, *, role: str, label: str, reviewer_id: int | None = None
) -> tuple[ApiKey, str]:
    """Mint a key for ``role`` (a reviewer's for profile ``reviewer_id``, or a new profile); the
    raw key is returned once and never stored."""
    try:
        checked_role = Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ValidationFailed(f"Unknown role {role!r}; known roles: {known}.") from None
    label = label.strip()
    if not label or len(label) > 200:
        raise ValidationFailed("A key needs a label of 1 to 200 characters.")
    profile = _profile_for(session, checked_role, label, reviewer_id)
    prefix = secrets.token_hex(6)
    raw = f"{_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        label=label,
        role=checked_role.value,
        prefix=prefix,
        key_hash=hash_key(raw),
        reviewer_id=profile,
    )
    session.add(key)
    session.flush()
    return key, raw


def authenticate(session: Session, raw_key: str) -> Principal | None:
    """The principal behind ``raw_key``, or None for an unknown, malformed or revoked key."""
    prefix = _split(raw_key)
    if prefix is None:
        return None
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.key_hash, hash_key(raw_key)):
        return None
    return Principal(
        key_id=key.id, label=key.label, role=Role(key.role), reviewer_id=key.reviewer_id
    )


def revoke_key(session: Session, *, key_id: int | None = None, prefix: str | None = None) -> ApiKey:
    """Revoke a key by id or prefix, ending its page sessions; revoking twice is harmless."""
    query = select(ApiKey)
    if key_id is not None:
        query = query.where(ApiKey.id == key_id)
    elif prefix is not None:
        query = query.where(ApiKey.prefix == prefix)
    else:
        raise ValidationFailed("Name the key to revoke by id or prefix.")
    key = session.scalars(query).one_or_none()
    if key is None:
        raise NotFound("No such API key.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    session.execute(delete(PageSession).where(PageSession.key_id == key.id))
    return key


DEMO_LABEL_PREFIX = "demo-"


def mint_demo_keys(session: Session) -> dict[str, str]:
    """Revoke earlier demo keys and mint one per role, for local use; returns role → raw key.

    The demo reviewer's key belongs to the earlier demo reviewer's profile (a rotation), else to
    the demo panel's first profile."""
    now = utcnow()
    # The demo panel's first profile (``cohorts seed demo``), if there is one.
    profile: int | None = session.scalar(
        select(Reviewer.id).where(Reviewer.name.startswith("Demo reviewer")).order_by(Reviewer.id)
    )
    for key in session.scalars(
        select(ApiKey).where(
            ApiKey.label.startswith(DEMO_LABEL_PREFIX), ApiKey.revoked_at.is_(None)
        )
    ):
        key.revoked_at = now
        profile = key.reviewer_id or profile
    return {
        role.value: create_key(
            session,
            role=role.value,
            label=f"{DEMO_LABEL_PREFIX}{role.value}",
            reviewer_id=profile if role is Role.REVIEWER else None,
        )[1]
        for role in Role
    }


class PrincipalCache:
    """Recently authenticated keys, by hash, for ``ttl`` seconds: the hot read paths skip a query.

    A revoked key therefore keeps working for at most ``ttl`` seconds in a process that had
    just seen it; ``ttl = 0`` disables the cache.
    """

    def __init__(self, ttl: float, *, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, raw_key: str) -> Principal | None:
        """The cached principal for ``raw_key`` if seen less than ``ttl`` seconds ago."""
        if self.ttl <= 0:
            return None
        entry = self._entries.get(hash_key(raw_key))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, raw_key: str, principal: Principal) -> None:
        """Remember a successful authentication."""
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # bounded memory; the next requests simply re-query
            self._entries[hash_key(raw_key)] = (time.monotonic() + self.ttl, principal)

    def clear(self) -> None:
        """Forget every entry (after a revocation in this process)."""
        with self._lock:
            self._entries.clear()


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, newest first (hashes only, never raw keys)."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))
