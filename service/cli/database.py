"""The command's database: one engine, one transaction, and the check that the schema is at head."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from service.db import create_db_engine, create_sessionmaker
from service.migrate import current_revision, head_revision
from service.settings import Settings

__all__ = ["DatabaseNotReady", "create_engine", "is_sqlite", "require_migrated", "transaction"]

_HINT = "run `cohorts db upgrade`"


class DatabaseNotReady(Exception):
    """The database cannot be reached, or its schema is not the one this code expects."""


def create_engine(settings: Settings) -> Engine:
    """The engine for the configured database (dispose it when done)."""
    return create_db_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)


def is_sqlite(settings: Settings) -> bool:
    """Whether the configured database is a SQLite file."""
    return make_url(settings.database_url).get_backend_name() == "sqlite"


@contextmanager
def transaction(settings: Settings) -> Iterator[Session]:
    """One session in one transaction on the configured database; the engine is closed after."""
    engine = create_engine(settings)
    try:
        with create_sessionmaker(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def require_migrated(settings: Settings) -> None:
    """Raise ``DatabaseNotReady`` with a one-line hint unless the schema is at the code's head."""
    url = make_url(settings.database_url)
    shown = url.render_as_string(hide_password=True)
    file = url.database or ":memory:"
    on_disk = is_sqlite(settings) and not file.startswith((":memory:", "file:"))
    # Connecting would create an empty SQLite file; say there is none instead.
    if on_disk and not Path(file).exists():
        raise DatabaseNotReady(f"there is no database at {shown} yet; {_HINT}")
    engine = create_engine(settings)
    try:
        current = current_revision(engine)
    except DBAPIError as exc:
        first_line = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise DatabaseNotReady(f"cannot reach the database at {shown}: {first_line}") from None
    finally:
        engine.dispose()
    head = head_revision()
    if current is None:
        raise DatabaseNotReady(f"the database at {shown} is not migrated; {_HINT}")
    if current != head:
        raise DatabaseNotReady(
            f"the database at {shown} is at revision {current}, this code at {head}; {_HINT}"
        )
