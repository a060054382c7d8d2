"""The embedded default: SQLite in WAL mode, foreign keys on, a busy timeout."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.pool import QueuePool, SingletonThreadPool

from service.db import create_db_engine


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'nested' / 'p.db'}", busy_timeout_ms=1234)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 1234
            assert connection.execute(text("PRAGMA cache_size")).scalar() == -65536
        assert (tmp_path / "nested" / "p.db").exists()
    finally:
        engine.dispose()


def test_a_sqlite_file_pools_a_workers_concurrent_requests_and_memory_keeps_its_own(
    tmp_path: Path,
) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'pooled.db'}")
    try:
        assert isinstance(engine.pool, QueuePool)
        assert engine.pool.size() == 16
    finally:
        engine.dispose()
    for url in ("sqlite://", "sqlite:///:memory:"):
        memory = create_db_engine(url)
        try:
            assert isinstance(memory.pool, SingletonThreadPool)
            with memory.connect() as connection:
                assert connection.execute(text("select 1")).scalar() == 1
        finally:
            memory.dispose()
