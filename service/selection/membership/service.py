"""Published membership for the tracking app: by cohort, by firm, and a changes feed.

Memberships are immutable and only ever added, so the newest membership id is a version of the
whole table: every document here reads it first, then only rows up to it, which makes each
document a function of its query and that id, safe to serve from ``RenderedCache`` under the
id it read (never one read back from the cache, which another request may have moved on). A
membership's id doubles as the sequence number of the changes feed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models import Membership
from service.pagination import encode_cursor
from service.selection.rendered import Rendered, RenderedCache, render

__all__ = [
    "VERSION_MAX_AGE_S",
    "changes_document",
    "firm_memberships_document",
    "members_document",
    "recent_members_document",
]

# How long a process trusts the newest membership id it read before reading it again. The
# members answers already allow clients to cache for 60 s, so a one-second window adds nothing
# a client could not see anyway, and it lets a hot 304 skip the database entirely.
VERSION_MAX_AGE_S = 1.0

_COLUMNS = (
    Membership.id,
    Membership.uscc,
    Membership.name,
    Membership.name_en,
    Membership.cohort,
    Membership.round_id,
    Membership.valid_from,
    Membership.valid_until,
    Membership.published_at,
    Membership.replaces_id,
)


def _version(session: Session, cache: RenderedCache) -> int:
    """The newest membership id (0 before the first publication), noted for the hot path."""
    version = int(session.scalar(select(func.max(Membership.id))) or 0)
    cache.note_version("memberships", version)
    return version


def _members_key(
    version: Hashable,
    cohort: str,
    round_id: int | None,
    on: dt.date,
    after_id: int | None,
    limit: int,
) -> tuple[object, ...]:
    return ("members", version, cohort, round_id, None if round_id else on, after_id, limit)


def recent_members_document(
    cache: RenderedCache,
    *,
    cohort: str,
    round_id: int | None,
    on: dt.date,
    after_id: int | None,
    limit: int,
) -> Rendered | None:
    """The cached page when the membership version was read within ``VERSION_MAX_AGE_S``."""
    noted = cache.recent_version("memberships", VERSION_MAX_AGE_S)
    if noted is None:
        return None
    return cache.get(_members_key(noted, cohort, round_id, on, after_id, limit))


def _member(row: Any) -> dict[str, Any]:
    """The tracker's view of a membership: no scores, ratings or reasons."""
    return {
        "uscc": row.uscc,
        "name": row.name,
        "name_en": row.name_en,
        "cohort": row.cohort,
        "round_id": row.round_id,
        "valid_from": row.valid_from.isoformat(),
        "valid_until": row.valid_until.isoformat(),
    }


def members_document(
    session: Session,
    cache: RenderedCache,
    *,
    cohort: str,
    round_id: int | None,
    on: dt.date,
    after_id: int | None,
    limit: int,
) -> Rendered:
    """A page of a cohort's members of one round, or (no round) of those valid on ``on``."""
    version = _version(session, cache)
    key = _members_key(version, cohort, round_id, on, after_id, limit)
    cached = cache.get(key)
    if cached is not None:
        return cached
    query = (
        select(*_COLUMNS)
        .where(Membership.cohort == cohort, Membership.id <= version)
        .order_by(Membership.id)
        .limit(limit + 1)
    )
    if round_id is not None:
        query = query.where(Membership.round_id == round_id)
    else:
        query = query.where(Membership.valid_from <= on, Membership.valid_until > on)
    if after_id is not None:
        query = query.where(Membership.id > after_id)
    rows = list(session.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    rendered = render(
        {
            "items": [_member(r) for r in rows],
            "next_cursor": encode_cursor({"id": rows[-1].id}) if more else None,
        }
    )
    cache.put(key, rendered)
    return rendered


def firm_memberships_document(session: Session, cache: RenderedCache, *, uscc: str) -> Rendered:
    """Every published membership of a firm, oldest first (one page: a firm has few)."""
    version = _version(session, cache)
    key = ("firm", version, uscc)
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = session.execute(
        select(*_COLUMNS)
        .where(Membership.uscc == uscc, Membership.id <= version)
        .order_by(Membership.id)
    )
    rendered = render({"items": [_member(r) for r in rows], "next_cursor": None})
    cache.put(key, rendered)
    return rendered


def changes_document(
    session: Session, cache: RenderedCache, *, after_seq: int, limit: int
) -> Rendered:
    """Memberships published after sequence number ``after_seq``, with the cursor to go on."""
    version = _version(session, cache)
    key = ("changes", version, after_seq, limit)
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = list(
        session.execute(
            select(*_COLUMNS)
            .where(Membership.id > after_seq, Membership.id <= version)
            .order_by(Membership.id)
            .limit(limit)
        )
    )
    last = rows[-1].id if rows else after_seq
    rendered = render(
        {
            "items": [
                {
                    **_member(r),
                    "seq": r.id,
                    "change": "added",
                    "replaces": r.replaces_id,
                    "published_at": r.published_at.isoformat(),
                }
                for r in rows
            ],
            "next_cursor": encode_cursor({"seq": last}),
        }
    )
    cache.put(key, rendered)
    return rendered
