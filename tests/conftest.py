"""Suite-wide fixtures: the service on SQLite and on a throwaway PostgreSQL cluster.

Every test that asks for ``database_url`` (directly or through ``client``) runs once per
database. Set ``COHORTS_TEST_DATABASES=sqlite`` to run on SQLite alone while developing; with
``COHORTS_REQUIRE_POSTGRES=1`` (set by CI) a PostgreSQL that cannot start fails the suite.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.app import create_app
from service.db import create_db_engine, create_sessionmaker
from service.keys import create_key
from service.migrate import upgrade
from service.models import Base
from service.settings import Settings
from tests.postgres_cluster import PostgresCluster, start_cluster

ROLES = ("admin", "officer", "reviewer", "chair", "tracker")
_DATABASES = [
    name.strip()
    for name in os.environ.get("COHORTS_TEST_DATABASES", "sqlite,postgresql").split(",")
    if name.strip()
]


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One cluster for the whole run."""
    try:
        cluster = start_cluster()
    except RuntimeError as exc:
        if os.environ.get("COHORTS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here but could not start: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield cluster
    cluster.stop()


_APPS: dict[str, FastAPI] = {}


@pytest.fixture(scope="session", params=_DATABASES)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database of each kind, created once per run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'cohorts.db'}"
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.create_database("cohorts_test")
    upgrade(url)
    yield url
    application = _APPS.pop(url, None)
    if application is not None:
        application.state.engine.dispose()


@pytest.fixture
def engine(database_url: str, app: FastAPI) -> Engine:
    """The app's engine (the database is emptied after each test)."""
    result: Engine = app.state.engine
    return result


def _empty(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def app(database_url: str) -> Iterator[FastAPI]:
    """The app on the test database; every table is emptied afterwards."""
    if database_url not in _APPS:
        _APPS[database_url] = create_app(
            Settings(database_url=database_url, log_json=False, log_level="WARNING")
        )
    application = _APPS[database_url]
    yield application
    _empty(application.state.engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client on the app."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api_keys(app: FastAPI) -> dict[str, str]:
    """One fresh raw key per role."""
    maker = create_sessionmaker(app.state.engine)
    keys: dict[str, str] = {}
    with maker.begin() as session:
        for role in ROLES:
            _key, raw = create_key(session, role=role, label=f"test-{role}")
            keys[role] = raw
    return keys


@pytest.fixture
def as_role(api_keys: dict[str, str]) -> Callable[[str], dict[str, str]]:
    """Headers that authenticate as ``role``."""

    def headers(role: str) -> dict[str, str]:
        return {"X-API-Key": api_keys[role]}

    return headers


def make_engine(url: str) -> Engine:
    """An engine of our own on ``url`` (for tests that need a second connection)."""
    return create_db_engine(url)


REPO_ROOT = Path(__file__).resolve().parent.parent
