"""A large candidate list is staged in short transactions and published in one: all-or-nothing
through a failing chunk, a failing publish and a ``kill -9``, and small writes are not starved."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select, text, update

from schemas.intake import NominationRow
from service.app import create_app
from service.db import create_sessionmaker
from service.keys import create_key
from service.models import Filing, Firm, Nomination, NominationBatch, intake_staging, utcnow
from service.nominations import staging
from service.settings import Settings
from tests.conftest import make_engine
from tests.service.builders import (
    candidate_row,
    firm_profile,
    make_uscc,
    open_round,
    rows_to_csv,
)
from tests.service.webhooks.receiver import wait_until
from tests.service.webhooks.test_crash import Server

Headers = Callable[[str], dict[str, str]]


def _csv(count: int, *, first: int = 0) -> bytes:
    rows = [candidate_row(first + serial) for serial in range(count)]
    return rows_to_csv(rows).encode("utf-8")


def _post_list(client: TestClient | httpx.Client, round_id: int, body: bytes, key: str) -> int:
    response = client.post(
        f"/v1/rounds/{round_id}/nominations",
        files={"file": ("list.csv", body, "text/csv")},
        headers={"X-API-Key": key},
    )
    return response.status_code


def _counts(engine: Engine) -> dict[str, int]:
    """Rows of every table an import writes, the staging table included."""
    tables = {
        "firms": Firm.__table__,
        "filings": Filing.__table__,
        "nominations": Nomination.__table__,
        "nomination_batches": NominationBatch.__table__,
        "intake_staging": intake_staging,
    }
    with engine.connect() as connection:
        return {
            name: connection.scalar(select(func.count()).select_from(table)) or 0
            for name, table in tables.items()
        }


class OwnDatabase:
    """An app on the test's own database, an engine beside it, and keys."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.database_url
        self.app: FastAPI = create_app(settings)
        self.engine = make_engine(self.url)
        with create_sessionmaker(self.engine).begin() as session:
            self.officer = create_key(session, role="officer", label="officer")[1]
            self.admin = create_key(session, role="admin", label="admin")[1]

    def open_round(self, client: TestClient | httpx.Client) -> int:
        """A new open round's id."""
        response = client.post(
            "/v1/rounds",
            json={"name": "staging round", "year": 2026, "reference_date": "2026-06-30"},
            headers={"X-API-Key": self.admin},
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    def close(self) -> None:
        """Release both engines."""
        self.engine.dispose()
        self.app.state.engine.dispose()


@pytest.fixture
def own(app_settings: Settings) -> Iterator[OwnDatabase]:
    """The test's own database, behind an app of its own."""
    database = OwnDatabase(app_settings)
    yield database
    database.close()


def _install_failure(engine: Engine, table: str, uscc: str) -> None:
    """A real database failure: a trigger that aborts any insert of ``uscc`` into ``table``."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(
                text(
                    f"CREATE TRIGGER injected_failure BEFORE INSERT ON {table} "
                    f"WHEN NEW.uscc = '{uscc}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
                )
            )
            return
        connection.execute(
            text(
                "CREATE FUNCTION injected_failure() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$"
            )
        )
        connection.execute(
            text(
                f"CREATE TRIGGER injected_failure BEFORE INSERT ON {table} FOR EACH ROW "
                f"WHEN (NEW.uscc = '{uscc}') EXECUTE FUNCTION injected_failure()"
            )
        )


@pytest.mark.own_database
@pytest.mark.parametrize("table", ["intake_staging", "nominations"])
def test_a_failure_after_chunks_were_committed_leaves_nothing_visible(
    own: OwnDatabase, table: str
) -> None:
    # Three chunks; the failing row is in the last, so two chunks are committed before it
    # fails (intake_staging), or every chunk is staged and the publish fails (nominations).
    rows = 2 * staging.CHUNK_ROWS + 100
    _install_failure(own.engine, table, make_uscc(rows - 50))
    with TestClient(own.app, raise_server_exceptions=False) as client:
        round_id = own.open_round(client)
        before = _counts(own.engine)
        assert _post_list(client, round_id, _csv(rows), own.officer) == 500
        assert _counts(own.engine) == before
        assert before["intake_staging"] == 0
        # The same list without the failing row goes in whole.
        with own.engine.begin() as connection:
            connection.execute(
                text(
                    "DROP TRIGGER injected_failure"
                    + ("" if own.engine.dialect.name == "sqlite" else f" ON {table}")
                )
            )
        assert _post_list(client, round_id, _csv(rows), own.officer) == 201
    after = _counts(own.engine)
    assert after["nominations"] == before["nominations"] + rows
    assert after["nomination_batches"] == before["nomination_batches"] + 1
    assert after["intake_staging"] == 0


def test_nothing_stays_staged_after_a_stored_list_or_a_refused_one(
    client: TestClient, app: FastAPI, as_role: Headers
) -> None:
    round_id = open_round(client, as_role)

    def post(serials: list[int], cohort: str, mode: str = "all") -> Any:
        body = rows_to_csv([candidate_row(serial, cohort=cohort) for serial in serials])
        return client.post(
            f"/v1/rounds/{round_id}/nominations?mode={mode}",
            content=body.encode(),
            headers={**as_role("officer"), "Content-Type": "text/csv"},
        )

    def staged() -> int:
        with app.state.read_sessions() as session:
            return int(session.scalar(select(func.count()).select_from(intake_staging)) or 0)

    stored = post([1, 2], "seed")
    assert stored.status_code == 201, stored.text
    assert staged() == 0
    # Firm 2 in another cohort: a conflict only the publishing transaction can see.
    refused = post([2, 3], "leader")
    assert refused.status_code == 422, refused.text
    assert [e["row"] for e in refused.json()["errors"]] == [2]  # the header is line 1
    assert staged() == 0
    partial = post([2, 3], "leader", mode="partial")
    assert partial.status_code == 201, partial.text
    assert (partial.json()["rows_stored"], partial.json()["nominations_created"]) == (1, 1)
    assert staged() == 0


@pytest.mark.own_database
@pytest.mark.slow
def test_small_writes_complete_while_a_large_import_is_in_progress_on_sqlite(
    own: OwnDatabase,
) -> None:
    if own.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks rows, not the database: its small writes never queued")
    # The import is held after its first staged chunk has committed and given its connection
    # back, until the small writes are done: on a fast machine it would otherwise finish before
    # any of them came in. Before staging, the import held the write lock from its first row to
    # its commit, never gave its connection back midway, and this hold never came.
    rows = 4 * staging.CHUNK_ROWS
    body = _csv(rows)
    held, resume = threading.Event(), threading.Event()

    app_engine = own.app.state.engine

    @event.listens_for(app_engine, "after_cursor_execute")
    def _mark(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT") and "intake_staging" in statement:
            conn.info["staged"] = True

    @event.listens_for(app_engine, "checkin")
    def _hold(dbapi_connection: Any, record: Any) -> None:
        if record.info.pop("staged", False) and not held.is_set():
            held.set()
            resume.wait(60)

    with TestClient(own.app) as importer, TestClient(own.app) as writer:
        round_id = own.open_round(importer)
        result: list[int] = []
        thread = threading.Thread(
            target=lambda: result.append(_post_list(importer, round_id, body, own.officer))
        )
        thread.start()
        try:
            assert held.wait(120), "the import never gave its connection back between chunks"
            statuses: list[int] = []
            for serial in range(3):
                response = writer.put(
                    f"/v1/firms/{make_uscc(9_000_000 + serial)}",
                    json=firm_profile(name=f"小写入{serial}号科技有限公司"),
                    headers={"X-API-Key": own.officer},
                )
                statuses.append(response.status_code)
            # Committed while the list was half written.
            half = _counts(own.engine)
        finally:
            resume.set()
            thread.join()
    assert statuses == [201, 201, 201], statuses
    assert 0 < half["intake_staging"] < rows, half
    assert half["nominations"] == 0, half
    assert result == [201]
    assert _counts(own.engine)["nominations"] == rows


@pytest.mark.own_database
@pytest.mark.slow
def test_kill_9_mid_import_leaves_nothing_visible_and_the_leftovers_are_purged(
    own: OwnDatabase, tmp_path: Path
) -> None:
    rows = 8 * staging.CHUNK_ROWS
    body = _csv(rows)
    # The server holds its import once the first chunk is staged, so the kill lands mid-import
    # however fast the machine (watching from outside, the whole import could pass between two
    # looks). The hold is test code loaded into the unmodified server by sitecustomize.
    hook, held = tmp_path / "hook", tmp_path / "held"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(HOLD_ONCE_STAGED.format(flag=str(held)))
    server = Server(own.url, tmp_path / "server.log")
    server.env["PYTHONPATH"] = os.pathsep.join(
        [str(hook), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    server.start()
    try:
        with httpx.Client(base_url=server.base, timeout=600) as client:
            round_id = own.open_round(client)
            before = _counts(own.engine)
            thread = threading.Thread(
                target=lambda: _swallow(lambda: _post_list(client, round_id, body, own.officer))
            )
            thread.start()
            assert wait_until(held.exists, timeout=120), server.log.read_text()
            server.kill()
            thread.join()
    finally:
        server.kill()
    left = _counts(own.engine)
    assert left["intake_staging"] > 0
    assert {k: v for k, v in left.items() if k != "intake_staging"} == {
        k: v for k, v in before.items() if k != "intake_staging"
    }
    # An hour on, the next import purges the dead one's rows and stores its own whole.
    with own.engine.begin() as connection:
        connection.execute(
            update(intake_staging).values(staged_at=utcnow() - dt.timedelta(hours=2))
        )
    with TestClient(own.app) as client:
        assert _post_list(client, round_id, _csv(3, first=rows), own.officer) == 201
    after = _counts(own.engine)
    assert after["intake_staging"] == 0
    assert after["nominations"] == before["nominations"] + 3


HOLD_ONCE_STAGED = """
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool


@event.listens_for(Engine, "after_cursor_execute")
def _mark(conn, cursor, statement, *args):
    if statement.lstrip().upper().startswith("INSERT") and "intake_staging" in statement:
        conn.info["staged"] = True


@event.listens_for(Pool, "checkin")
def _hold(dbapi_connection, record):
    # A staged chunk has committed and its connection is back: say so, and never go on.
    if record.info.pop("staged", False):
        open({flag!r}, "w").close()
        threading.Event().wait()
"""


def _swallow(call: Callable[[], object]) -> None:
    """Run ``call``; the connection dropping under it is the point of the test."""
    with contextlib.suppress(httpx.TransportError):
        call()


@pytest.mark.own_database
def test_discard_deletes_one_import_s_rows_in_chunks_and_no_other_s(own: OwnDatabase) -> None:
    sessions = create_sessionmaker(own.engine)
    rows = [(serial + 2, _row(serial)) for serial in range(2 * staging.CHUNK_ROWS + 5)]
    doomed = staging.stage(sessions, rows)
    kept = staging.stage(sessions, rows[:3])
    statements: list[str] = []

    def count_deletes(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM INTAKE_STAGING"):
            statements.append(statement)

    event.listen(own.engine, "before_cursor_execute", count_deletes)
    try:
        staging.discard(sessions, doomed)
    finally:
        event.remove(own.engine, "before_cursor_execute", count_deletes)
    with own.engine.connect() as connection:
        left: dict[str, int] = dict(
            connection.execute(
                select(intake_staging.c.stage_key, func.count()).group_by(
                    intake_staging.c.stage_key
                )
            ).all()
        )
    assert left == {kept: 3}
    # Three full or partial chunks, then one that finds nothing: no transaction held the lock
    # for more than CHUNK_ROWS rows.
    assert len(statements) == 4


def _row(serial: int) -> NominationRow:
    return NominationRow.model_validate(candidate_row(serial))
