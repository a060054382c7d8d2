"""Set-based writes: one INSERT … ON CONFLICT per table, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from service.models import Base

__all__ = ["upsert_rows"]


def upsert_rows(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    conflict_columns: Sequence[str],
    update_columns: Sequence[str] = (),
    only_if_changed: Sequence[str] = (),
    extra_set: dict[str, Any] | None = None,
) -> None:
    """Insert ``rows``; on a key conflict update ``update_columns`` (or do nothing when empty).

    ``only_if_changed`` limits the update to rows where one of those columns differs, so an
    unchanged resubmission does not bump versions.
    """
    if not rows:
        return
    table = cast(Table, model.__table__)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    if not update_columns:
        statement = statement.on_conflict_do_nothing(index_elements=list(conflict_columns))
    else:
        excluded = statement.excluded
        values: dict[str, Any] = {name: excluded[name] for name in update_columns}
        values.update(extra_set or {})
        where: ColumnElement[bool] | None = None
        if only_if_changed:
            where = or_(
                *(table.c[name].is_distinct_from(excluded[name]) for name in only_if_changed)
            )
        statement = statement.on_conflict_do_update(
            index_elements=list(conflict_columns),
            set_=values,
            where=where,
        )
    # executemany: pysqlite runs it in C; psycopg batches it into multi-row VALUES pages.
    session.execute(statement, list(rows))
