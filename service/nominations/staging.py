"""Staged intake: a list's validated rows are written in short transactions, then published in one.

On SQLite one transaction holds the database's only write lock, so a 100,000-row list written
in one would make every small write wait (past the busy timeout: a 503). Instead each chunk of
``CHUNK_ROWS`` rows is its own short transaction into ``intake_staging`` under a fresh key, which
no read ever looks at; the import then publishes the staged rows with a few set-based
``INSERT … SELECT`` statements, in the request's one transaction, which is the whole list's
commit point. A failure or a crash before it commits leaves nothing visible.

The publishing transaction holds the lock only for what must be atomic: the rows going in. The
staged rows are deleted after it commits (``discard``), again in chunks of their own, as are a
failed list's; rows a crash leaves behind belong to no visible state and are purged by a later
import once older than ``STALE_AFTER``.

What the lock is still held for: the publish inserts every row into its final tables (firms,
filings, funding rounds, nominations and their indexes), so its length grows with the list:
5.5–6.5 s for 100,000 new firms measured alone on the loaded 2-core test machine, 8–10 s in
``bench/bench_write_latency.py``. Bounding it whatever the list's size would take rows written
ahead into the final tables behind a visibility flag that every read of those tables honours
(about sixty queries in twelve modules); that is not built.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Select, and_, delete, exists, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from schemas.intake import NominationRow
from schemas.uscc import uscc_region
from service.firms import service as firms_service
from service.models import Nomination, intake_staging, utcnow

__all__ = [
    "CHUNK_ROWS",
    "STALE_AFTER",
    "cohort_conflicts",
    "discard",
    "drop_conflicting",
    "filings",
    "funding_rounds",
    "nominations",
    "profiles",
    "publish_done",
    "stage",
]

CHUNK_ROWS = 2_000
"""Rows per staging (and clearing) transaction: a small write waits a fraction of a second."""

STALE_AFTER = dt.timedelta(hours=1)
"""Staged rows this old belong to an import that died (one stages in well under a minute)."""

_staged = intake_staging.c
_FROM_ROW = {column.name for column in intake_staging.c} & set(NominationRow.model_fields)


def _values(
    key: str, number: int, row: NominationRow, now: dt.datetime, flags: tuple[bool, bool]
) -> dict[str, Any]:
    values = row.model_dump(include=_FROM_ROW)
    values.update(
        stage_key=key,
        row_no=number,
        staged_at=now,
        region=uscc_region(row.uscc),
        firm_row=flags[0],
        funding_row=flags[1],
    )
    return values


def _flags(rows: Sequence[tuple[int, NominationRow]]) -> list[tuple[bool, bool]]:
    """Per row: is it its firm's last row, and its funding round's last row?

    Marked here, where the whole list is at hand, so the publishing transaction selects one row
    per target key with a plain filter instead of grouping 100,000 rows while it holds the lock.
    """
    last_of_firm = {row.uscc: index for index, (_, row) in enumerate(rows)}
    last_of_round = {
        (row.uscc, row.round_date, row.round_stage): index
        for index, (_, row) in enumerate(rows)
        if row.round_date is not None and row.round_stage is not None
    }
    return [
        (
            last_of_firm[row.uscc] == index,
            row.round_date is not None
            and row.round_stage is not None
            and last_of_round[(row.uscc, row.round_date, row.round_stage)] == index,
        )
        for index, (_, row) in enumerate(rows)
    ]


def stage(sessions: sessionmaker[Session], rows: Sequence[tuple[int, NominationRow]]) -> str:
    """Write ``rows`` under a new key, one short transaction per chunk; return the key."""
    key = uuid.uuid4().hex
    now = utcnow()
    with sessions.begin() as session:
        session.execute(delete(intake_staging).where(_staged.staged_at < now - STALE_AFTER))
    flags = _flags(rows)
    try:
        for start in range(0, len(rows), CHUNK_ROWS):
            values = [
                _values(key, number, row, now, flags[start + offset])
                for offset, (number, row) in enumerate(rows[start : start + CHUNK_ROWS])
            ]
            with sessions.begin() as session:
                session.execute(insert(intake_staging), values)
    except BaseException:
        discard(sessions, key)
        raise
    return key


def discard(sessions: sessionmaker[Session], key: str) -> None:
    """Delete an import's staged rows, published or not, ``CHUNK_ROWS`` per transaction; if the
    lock cannot be had, a later purge will (staged rows are invisible to every read)."""
    with contextlib.suppress(OperationalError):
        while True:
            chunk = (
                select(_staged.row_no)
                .where(_staged.stage_key == key)
                .order_by(_staged.row_no)
                .limit(CHUNK_ROWS)
            )
            with sessions.begin() as session:
                deleted = session.execute(
                    delete(intake_staging).where(
                        _staged.stage_key == key, _staged.row_no.in_(chunk)
                    )
                )
            if not cast(CursorResult[Any], deleted).rowcount:
                return


def publish_done(session: Session, key: str) -> None:
    """Delete the staged rows inside the transaction that published them (small, trusted lists)."""
    session.execute(delete(intake_staging).where(_staged.stage_key == key))


def _conflicting(round_id: int) -> Any:
    """A staged row names a firm nominated for another cohort of the round."""
    return exists().where(
        Nomination.round_id == round_id,
        Nomination.uscc == _staged.uscc,
        Nomination.cohort != _staged.cohort,
    )


def cohort_conflicts(session: Session, key: str, round_id: int) -> list[tuple[int, str, str]]:
    """Staged rows (number, USCC, existing cohort) of firms nominated for another cohort."""
    query = (
        select(_staged.row_no, _staged.uscc, Nomination.cohort)
        .join(
            Nomination,
            and_(Nomination.round_id == round_id, Nomination.uscc == _staged.uscc),
        )
        .where(_staged.stage_key == key, Nomination.cohort != _staged.cohort)
        .order_by(_staged.row_no)
    )
    return [(number, uscc, cohort) for number, uscc, cohort in session.execute(query)]


def drop_conflicting(session: Session, key: str, round_id: int) -> None:
    """Leave out the staged rows that :func:`cohort_conflicts` reports."""
    session.execute(delete(intake_staging).where(_staged.stage_key == key, _conflicting(round_id)))


def profiles(key: str) -> Select[Any]:
    """One profile per staged firm (rows of one firm agree on it, validation saw to that)."""
    fields = (_staged[name] for name in firms_service.PROFILE_FIELDS)
    return (
        select(_staged.uscc, _staged.region, *fields)
        .where(_staged.stage_key == key, _staged.firm_row)
        .order_by(_staged.uscc)
    )


def filings(key: str) -> Select[Any]:
    """The staged yearly figures (validation left at most one row per firm and year)."""
    figures = (_staged[name] for name in firms_service.FIGURES)
    return (
        select(_staged.uscc, _staged.fiscal_year, *figures)
        .where(_staged.stage_key == key, _staged.fiscal_year.is_not(None))
        .order_by(_staged.uscc, _staged.fiscal_year)
    )


def funding_rounds(key: str) -> Select[Any]:
    """The staged funding rounds, the last row's amounts for a round repeated on several rows."""
    return select(
        _staged.uscc,
        _staged.round_date.label("announced_on"),
        _staged.round_stage.label("stage"),
        _staged.round_amount.label("amount"),
        _staged.round_valuation.label("post_money_valuation"),
    ).where(_staged.stage_key == key, _staged.funding_row)


def nominations(key: str) -> Select[Any]:
    """One nomination per staged firm."""
    return (
        select(_staged.uscc, _staged.cohort)
        .where(_staged.stage_key == key, _staged.firm_row)
        .order_by(_staged.uscc)
    )
