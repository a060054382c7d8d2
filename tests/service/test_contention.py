"""A write that cannot have its lock in time is a 503 with Retry-After, on both databases."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.app import create_app
from service.contention import RETRY_AFTER_SECONDS
from service.db import create_sessionmaker
from service.keys import create_key
from service.models import Firm
from service.settings import Settings
from tests.conftest import make_engine
from tests.service.builders import firm_profile, make_uscc

Headers = Callable[[str], dict[str, str]]


@pytest.mark.own_database
def test_a_write_behind_a_held_lock_is_a_503_with_retry_after(app_settings: Settings) -> None:
    # Two real connections contend, so the test has a database of its own; the app waits only
    # 300 ms for locks.
    database_url = app_settings.database_url
    impatient = create_app(
        Settings(
            database_url=database_url,
            log_json=False,
            log_level="CRITICAL",
            sqlite_busy_timeout_ms=300,
            postgres_lock_timeout_ms=300,
        )
    )
    with create_sessionmaker(impatient.state.engine).begin() as session:
        _key, raw = create_key(session, role="officer", label="impatient")
    headers = {"X-API-Key": raw}
    uscc = make_uscc(60)
    other = make_engine(database_url)
    try:
        with TestClient(impatient) as client:
            created = client.put(f"/v1/firms/{uscc}", json=firm_profile(), headers=headers)
            assert created.status_code == 201, created.text
            with other.connect() as holder:
                # A row lock on PostgreSQL; on SQLite the engine's BEGIN IMMEDIATE takes the
                # whole database's write lock (FOR UPDATE is not SQLite syntax and is left out).
                holder.execute(select(Firm.uscc).where(Firm.uscc == uscc).with_for_update())
                blocked = client.put(
                    f"/v1/firms/{uscc}", json=firm_profile(name="新名称"), headers=headers
                )
                holder.rollback()
            assert blocked.status_code == 503, blocked.text
            assert blocked.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
            assert blocked.headers["content-type"] == "application/problem+json"
            assert blocked.json()["type"] == "/problems/database-busy"
            retried = client.put(
                f"/v1/firms/{uscc}", json=firm_profile(name="新名称"), headers=headers
            )
            assert retried.status_code == 200, retried.text
    finally:
        other.dispose()
        impatient.state.engine.dispose()
