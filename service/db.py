"""Engines and sessions: SQLite in WAL mode with foreign keys and a busy timeout, or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["READ_ONLY", "create_db_engine", "create_sessionmaker", "is_sqlite"]

READ_ONLY = "cohorts_read_only"


def is_sqlite(engine: Engine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"


def create_db_engine(
    url: str, *, busy_timeout_ms: int = 30_000, lock_timeout_ms: int = 0, echo: bool = False
) -> Engine:
    """Build the engine for ``url``; a SQLite file's folder is created on first use.

    ``busy_timeout_ms`` bounds SQLite's wait for the write lock, ``lock_timeout_ms`` (0: none)
    PostgreSQL's wait for any lock; past either the statement fails, and the app answers 503.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        connect_args = (
            {"options": f"-c lock_timeout={int(lock_timeout_ms)}"} if lock_timeout_ms else {}
        )
        # No pre-ping: it costs a round trip on every checkout of the hot read paths; recycling
        # connections bounds their age instead, and a dropped one fails its request only. 16
        # kept (a worker's requests at 16 clients each hold one), 30 at most per worker as
        # before: beyond the kept ones, each checkout opens a connection (a server process).
        return create_engine(
            url,
            echo=echo,
            pool_recycle=1800,
            pool_size=16,
            max_overflow=14,
            connect_args=connect_args,
        )
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # A file's pool as deep as the requests one worker serves at once (anyio runs up to 40
    # threads): with SQLAlchemy's default of 5, every sixth concurrent request opened a
    # connection (five PRAGMAs) and closed it again, a tenth of a page request's CPU at 16
    # clients. An in-memory database keeps SQLAlchemy's one connection per thread.
    in_memory = not database or database == ":memory:" or "mode=memory" in str(parsed)
    pool: dict[str, Any] = {} if in_memory else {"pool_size": 16, "max_overflow": 24}
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        **pool,
    )
    _configure_sqlite(engine, busy_timeout_ms)
    return engine


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Take transaction control from pysqlite so BEGIN is explicit and writers queue politely."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's implicit BEGIN breaks SAVEPOINT and BEGIN IMMEDIATE; we issue BEGIN ourselves.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 64 MiB of page cache (the default is 2 MiB): a large import's publish updates several
        # indexes of 100,000-row tables, and with the default cache most of that is disk I/O
        # done while the write lock is held.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock at BEGIN, so two writers never deadlock on lock upgrade;
        # read-only sessions begin DEFERRED so WAL readers never wait for a writer. A deferred
        # BEGIN takes no lock and cannot fail, so it goes straight to the driver: through
        # SQLAlchemy's statement machinery it cost as much CPU as the query a page request
        # begins it for. BEGIN IMMEDIATE can meet a held lock and must fail as SQLAlchemy's
        # error, which the app answers with a 503.
        if connection.get_execution_options().get(READ_ONLY, False):
            connection.connection.driver_connection.execute("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(
    bind: Engine | Connection, *, read_only: bool = False
) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (responses are built after it).

    On a ``Connection`` the caller owns, sessions join its transaction through a savepoint
    (SQLAlchemy's "join an external transaction"), so they read and write as that connection does.
    """
    if read_only and isinstance(bind, Engine):
        options: dict[str, object] = {READ_ONLY: True}
        if not is_sqlite(bind):
            # PostgreSQL runs each statement on its own snapshot under READ COMMITTED anyway;
            # autocommit spares reads the BEGIN and ROLLBACK round trips.
            options["isolation_level"] = "AUTOCOMMIT"
        bind = bind.execution_options(**options)
    return sessionmaker(
        bind=bind,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )
