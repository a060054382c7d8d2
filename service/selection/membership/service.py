"""Published membership for the tracking app: by cohort, by firm, a changes feed; ending one.

Every change to published membership (a membership added, or one ended) is a row of
``membership_changes`` written in the transaction that makes it, so the newest ``seq`` is a
version of the whole membership table: every document here reads it first, which makes each
document a function of its query and that version, safe to serve from ``RenderedCache`` under
the version it read (never one read back from the cache, which another request may have moved
on). The same ``seq`` orders the changes feed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from typing import Any

from sqlalchemy import ColumnElement, exists, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from schemas.selection import MemberOut, MembershipEndIn
from service import audit
from service.errors import Conflict, NotFound, ValidationFailed
from service.keys import Principal
from service.models import Decision, Firm, Membership, MembershipChange, utcnow
from service.pagination import PageParams, encode_cursor, keyset, split_page
from service.selection.rendered import Rendered, RenderedCache, render
from service.webhooks import service as webhooks_service

__all__ = [
    "POLL_AFTER_SECONDS",
    "VERSION_MAX_AGE_S",
    "changes_document",
    "end",
    "firm_memberships_document",
    "member_of",
    "members_document",
    "recent_members_document",
    "record_added",
    "record_ended",
]

# How long a caught-up reader of the changes feed should wait before asking again.
POLL_AFTER_SECONDS = 60

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
    Membership.closed_on,
    Membership.closed_kind,
    Membership.closed_reason,
)


def _version(session: Session, cache: RenderedCache) -> int:
    """The newest change's seq (0 before the first publication), noted for the hot path."""
    version = int(session.scalar(select(func.max(MembershipChange.seq))) or 0)
    cache.note_version("memberships", version)
    return version


def _added_by(version: int) -> ColumnElement[bool]:
    """Memberships whose ``added`` change is at or before ``version``: a document read at a
    version leaves out what a publication committed after it (which the next version shows)."""
    return exists().where(
        MembershipChange.membership_id == Membership.id, MembershipChange.seq <= version
    )


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
    cache: RenderedCache, *, cohort: str, round_id: int | None, on: dt.date, page: PageParams
) -> Rendered | None:
    """The cached page when the membership version was read within ``VERSION_MAX_AGE_S``."""
    noted = cache.recent_version("memberships", VERSION_MAX_AGE_S)
    if noted is None:
        return None
    return cache.get(_members_key(noted, cohort, round_id, on, page.after("id", int), page.limit))


def member_of(membership: Membership) -> MemberOut:
    """A membership as the API shows it."""
    return MemberOut.model_validate(_history(membership))


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


def _history(row: Any) -> dict[str, Any]:
    """A membership with how it ended, if it did: for the firm's history and the changes feed."""
    return {
        **_member(row),
        "ended_on": row.closed_on.isoformat() if row.closed_on else None,
        "ended_kind": (row.closed_kind or "moved") if row.closed_on else None,
        "ended_reason": row.closed_reason,
    }


def members_document(
    session: Session,
    cache: RenderedCache,
    *,
    cohort: str,
    round_id: int | None,
    on: dt.date,
    page: PageParams,
) -> Rendered:
    """A page of a cohort's members of one round, or (no round) of those valid on ``on``."""
    version = _version(session, cache)
    after_id = page.after("id", int)
    key = _members_key(version, cohort, round_id, on, after_id, page.limit)
    cached = cache.get(key)
    if cached is not None:
        return cached
    query = select(*_COLUMNS).where(Membership.cohort == cohort, _added_by(version))
    if round_id is not None:
        query = query.where(Membership.round_id == round_id)
    else:
        query = query.where(Membership.valid_from <= on, Membership.valid_until > on)
    query = keyset(query, Membership.id, after=after_id, limit=page.fetch)
    rows, next_cursor = split_page(list(session.execute(query)), page.limit, lambda r: {"id": r.id})
    rendered = render({"items": [_member(r) for r in rows], "next_cursor": next_cursor})
    cache.put(key, rendered)
    return rendered


def firm_memberships_document(session: Session, cache: RenderedCache, *, uscc: str) -> Rendered:
    """Every published membership of a firm, past and current, oldest first, each with how it
    ended (date, kind, reason) if it did (one page: a firm has few)."""
    version = _version(session, cache)
    key = ("firm", version, uscc)
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = session.execute(
        select(*_COLUMNS)
        .where(Membership.uscc == uscc, _added_by(version))
        .order_by(Membership.id)
    )
    rendered = render({"items": [_history(r) for r in rows], "next_cursor": None})
    cache.put(key, rendered)
    return rendered


def changes_document(
    session: Session, cache: RenderedCache, *, after_seq: int, limit: int
) -> Rendered:
    """The changes after ``after_seq``: ``next_cursor`` while more follow, null once caught up
    (then ``resume_cursor`` is where to poll from, after ``poll_after_seconds``)."""
    version = _version(session, cache)
    key = ("changes", version, after_seq, limit)
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = list(
        session.execute(
            select(
                *_COLUMNS,
                MembershipChange.seq,
                MembershipChange.change,
                MembershipChange.effective_on,
                MembershipChange.changed_at,
            )
            .join(Membership, Membership.id == MembershipChange.membership_id)
            .where(MembershipChange.seq > after_seq, MembershipChange.seq <= version)
            .order_by(MembershipChange.seq)
            .limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].seq if rows else after_seq
    rendered = render(
        {
            "items": [
                {
                    **_history(r),
                    "seq": r.seq,
                    "membership_id": r.id,
                    "change": r.change,
                    "effective_on": r.effective_on.isoformat(),
                    "replaces": r.replaces_id,
                    "published_at": r.published_at.isoformat(),
                    "changed_at": r.changed_at.isoformat(),
                }
                for r in rows
            ],
            "next_cursor": encode_cursor({"seq": last}) if more else None,
            "resume_cursor": encode_cursor({"seq": last}),
            "poll_after_seconds": POLL_AFTER_SECONDS,
        }
    )
    cache.put(key, rendered)
    return rendered


def record_added(session: Session, *, round_id: int) -> None:
    """One ``added`` change per membership of ``round_id`` (just published), in one statement."""
    session.execute(
        insert(MembershipChange).from_select(
            ["membership_id", "change", "effective_on", "changed_at"],
            select(
                Membership.id,
                literal("added"),
                Membership.valid_from,
                Membership.published_at,
            )
            .where(Membership.round_id == round_id)
            .order_by(Membership.id),
        )
    )


def record_ended(session: Session, memberships: list[Membership]) -> None:
    """One ``ended`` change per closed membership, and a ``membership.ended`` event each."""
    if not memberships:
        return
    now = utcnow()
    session.execute(
        insert(MembershipChange),
        [
            {
                "membership_id": m.id,
                "change": "ended",
                "kind": m.closed_kind,
                "effective_on": m.closed_on,
                "reason": m.closed_reason,
                "changed_at": now,
            }
            for m in memberships
        ],
    )
    webhooks_service.enqueue_many(
        session,
        "membership.ended",
        [
            {
                "id": m.id,
                "round_id": m.round_id,
                "cohort": m.cohort,
                "uscc": m.uscc,
                "valid_from": m.valid_from.isoformat(),
                "valid_until": m.valid_until.isoformat(),
                "ended_on": m.closed_on.isoformat() if m.closed_on else None,
                "kind": m.closed_kind,
                "reason": m.closed_reason,
            }
            for m in memberships
        ],
    )


def _current(session: Session, cohort: str, uscc: str) -> Membership:
    """The firm's open membership of ``cohort``, locked, or a 404."""
    membership = session.scalar(
        select(Membership)
        .where(
            Membership.cohort == cohort, Membership.uscc == uscc, Membership.closed_on.is_(None)
        )
        .with_for_update()
    )
    if membership is None:
        raise NotFound(f"Firm {uscc} has no open membership of {cohort!r}.")
    return membership


def end(
    session: Session, principal: Principal, *, cohort: str, uscc: str, data: MembershipEndIn
) -> tuple[Membership, Membership | None]:
    """End a firm's membership on ``data.on`` and, when named, give its place for the rest of
    the validity period to a firm waitlisted for the cohort in the same round."""
    membership = _current(session, cohort, uscc)
    if not membership.valid_from < data.on <= membership.valid_until:
        raise ValidationFailed(
            f"The membership runs from {membership.valid_from} to {membership.valid_until} "
            f"(exclusive); it cannot end on {data.on}.",
            errors=[{"loc": ["body", "on"], "message": "outside the validity period"}],
        )
    until = membership.valid_until
    membership.valid_until = data.on
    membership.closed_on = data.on
    membership.closed_kind = data.kind
    membership.closed_reason = data.reason
    session.flush()
    record_ended(session, [membership])
    replacement = None
    if data.replacement is not None:
        replacement = _fill(session, membership, uscc=data.replacement, until=until)
    audit.record(
        session,
        principal,
        action=f"membership.end.{data.kind}",
        target_type="membership",
        target_id=membership.id,
        detail={
            "cohort": cohort,
            "uscc": uscc,
            "on": data.on.isoformat(),
            "replacement": data.replacement,
        },
        reason=data.reason,
    )
    return membership, replacement


def _fill(session: Session, ended: Membership, *, uscc: str, until: dt.date) -> Membership:
    """A membership for a waitlisted firm of the ended one's round and cohort, from the end
    date to the ended membership's original end."""
    firm = session.execute(
        select(Firm.name, Firm.name_en)
        .join(Decision, Decision.uscc == Firm.uscc)
        .where(
            Decision.round_id == ended.round_id,
            Decision.cohort == ended.cohort,
            Decision.uscc == uscc,
            Decision.outcome == "waitlist",
        )
    ).first()
    if firm is None:
        raise ValidationFailed(
            f"Firm {uscc} is not waitlisted for {ended.cohort!r} in round {ended.round_id}.",
            errors=[{"loc": ["body", "replacement"], "message": "not on the round's waitlist"}],
        )
    now = utcnow()
    added = Membership(
        round_id=ended.round_id,
        cohort=ended.cohort,
        uscc=uscc,
        name=firm.name,
        name_en=firm.name_en,
        valid_from=ended.closed_on,
        valid_until=until,
        published_at=now,
    )
    session.add(added)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"Firm {uscc} is already a member (of this round, or currently of another cohort).",
        ) from exc
    session.add(
        MembershipChange(
            membership_id=added.id, change="added", effective_on=added.valid_from, changed_at=now
        )
    )
    webhooks_service.announce_added(
        session,
        added.round_id,
        [(added.cohort, uscc, added.name, added.name_en)],
        valid_from=added.valid_from,
        valid_until=added.valid_until,
    )
    return added
