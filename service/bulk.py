"""Set-based writes: one INSERT … ON CONFLICT per table, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Select, Table, literal, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from service.models import Base

__all__ = ["Source", "upsert_rows"]

Source = Sequence[dict[str, Any]] | Select[Any]
"""Rows as dicts, or a SELECT whose column labels name the target's columns."""


def upsert_rows(
    session: Session,
    model: type[Base],
    source: Source,
    *,
    conflict_columns: Sequence[str],
    update_columns: Sequence[str] = (),
    only_if_changed: Sequence[str] = (),
    extra_set: dict[str, Any] | None = None,
    constants: Mapping[str, Any] | None = None,
) -> None:
    """Insert ``source`` with ``constants`` on every row; on a key conflict update
    ``update_columns`` (or do nothing when empty).

    ``only_if_changed`` limits the update to rows where one of those columns differs, so an
    unchanged resubmission does not bump versions. A SELECT source runs as one
    ``INSERT … SELECT`` inside the database; it must yield each key at most once.
    """
    table = cast(Table, model.__table__)
    constants = constants or {}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    if isinstance(source, Select):
        query = source.add_columns(
            *(literal(value, table.c[name].type).label(name) for name, value in constants.items())
        )
        statement = statement.from_select(list(query.selected_columns.keys()), query)
    elif not source:
        return
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
    if isinstance(source, Select):
        session.execute(statement)
        return
    # executemany: pysqlite runs it in C; psycopg batches it into multi-row VALUES pages.
    session.execute(statement, [{**row, **constants} for row in source])
