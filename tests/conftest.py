"""Suite-wide fixtures: the service on SQLite and on a throwaway PostgreSQL cluster.

Every test that asks for ``database_url`` (directly or through ``client``) runs once per
database. Set ``COHORTS_TEST_DATABASES=sqlite`` to run on SQLite alone while developing; with
``COHORTS_REQUIRE_POSTGRES=1`` (set by CI) a PostgreSQL that cannot start fails the suite.

Each test gets a fresh app (so fresh caches) whose sessions join one transaction, rolled back
after the test (SQLAlchemy's "join an external transaction" recipe). A test that needs several
real connections (threads racing, a request interleaved with another) is marked
``own_database`` and gets a freshly migrated database of its own instead.

Under pytest-xdist (``make test`` runs ``pytest -n auto``) every session fixture is per worker:
each worker has its own SQLite files (its own ``tmp_path_factory`` folder) and starts its own
PostgreSQL cluster, so workers share no database and need no coordination.
"""

from __future__ import annotations

import importlib
import itertools
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # no stubs

import seed_data.schemes
from service.app import create_app
from service.db import create_db_engine
from service.keys import create_key
from service.migrate import upgrade
from service.settings import Settings
from tests.postgres_cluster import PostgresCluster, start_cluster

ROLES = ("admin", "officer", "reviewer", "chair", "tracker")

# One thread in each of numpy's, SciPy's and scikit-learn's pools, in this process only: the
# suite runs one xdist worker per core, so a pool of one thread per core in each worker
# oversubscribes the cores, and OpenBLAS's idle threads spin (a quarter of the growth tests' CPU
# time). A limit reaches only the pools loaded when it is set, and the service loads scikit-learn
# (with SciPy's own OpenBLAS and OpenMP) on first use, so they are loaded here first; unlimited,
# SciPy's L-BFGS in every logistic fit spun a second thread (3x the fit's CPU). Servers the tests
# start keep their own pools: as in production.
importlib.import_module("sklearn")
threadpool_limits(limits=1)
_BUNDLED_SCHEMES = seed_data.schemes.load_every_bundled_version()
_DATABASES = [
    name.strip()
    for name in os.environ.get("COHORTS_TEST_DATABASES", "sqlite,postgresql").split(",")
    if name.strip()
]


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One cluster for the whole run (for each xdist worker)."""
    try:
        cluster = start_cluster()
    except RuntimeError as exc:
        if os.environ.get("COHORTS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here but could not start: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield cluster
    cluster.stop()


_POSTGRES_TEMPLATE = "cohorts_template"


@pytest.fixture(scope="session")
def postgres_template(postgres_cluster: PostgresCluster) -> str:
    """The name of a migrated PostgreSQL database with the bundled schemes, never connected to
    after: every other database of the run is a copy of it (``CREATE DATABASE … TEMPLATE``, a
    file copy, instead of running the migrations again)."""
    upgrade(postgres_cluster.create_database(_POSTGRES_TEMPLATE), schemes=_BUNDLED_SCHEMES)
    return _POSTGRES_TEMPLATE


@pytest.fixture(scope="session", params=_DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database of each kind with the bundled schemes stored, created once per run
    (tests never commit to it)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'cohorts.db'}"
        upgrade(url, schemes=_BUNDLED_SCHEMES)
        return url
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database(
        "cohorts_test", template=request.getfixturevalue("postgres_template")
    )


@pytest.fixture(scope="session")
def database_engine(database_url: str) -> Iterator[Engine]:
    """One engine per database for the whole run; each test borrows one connection of it."""
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


_OWN_DATABASES = itertools.count(1)


def _own_database(request: pytest.FixtureRequest, database_url: str, folder: Path) -> str:
    """A migrated database with the bundled schemes for one test: a copy of the run's SQLite
    file, or a copy of the PostgreSQL template."""
    if make_url(database_url).get_backend_name() == "sqlite":
        own = folder / "own.db"
        source = sqlite3.connect(str(make_url(database_url).database))
        target = sqlite3.connect(own)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return f"sqlite:///{own}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database(
        f"cohorts_own_{next(_OWN_DATABASES)}", template=request.getfixturevalue("postgres_template")
    )


def _own(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("own_database") is not None


@pytest.fixture
def app_settings(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Settings:
    """The test apps' settings: the run's database, or one of the test's own."""
    url = _own_database(request, database_url, tmp_path) if _own(request) else database_url
    # No background webhook worker: it would contend with the test's own transaction; the
    # webhook tests run workers themselves.
    return Settings(database_url=url, log_json=False, log_level="WARNING", webhook_worker=False)


@pytest.fixture
def bind(request: pytest.FixtureRequest) -> Iterator[Connection | None]:
    """The connection the test's apps share, in a transaction rolled back after the test (None
    for a test on its own database: its apps open connections of their own)."""
    if _own(request):
        yield None
        return
    database_engine: Engine = request.getfixturevalue("database_engine")
    with database_engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def make_app(app_settings: Settings, bind: Connection | None) -> Callable[..., FastAPI]:
    """Build another app on the test's database (and transaction), with ``settings`` or the
    test's."""

    def make(settings: Settings | None = None) -> FastAPI:
        return create_app(settings or app_settings, bind=bind)

    return make


@pytest.fixture
def app(make_app: Callable[..., FastAPI], bind: Connection | None) -> Iterator[FastAPI]:
    """A fresh app (fresh caches) on the test database; nothing it writes outlives the test."""
    application = make_app()
    yield application
    if bind is None:
        application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client on the app."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api_keys(app: FastAPI) -> dict[str, str]:
    """One fresh raw key per role."""
    keys: dict[str, str] = {}
    with app.state.write_sessions.begin() as session:
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
    """An engine of our own on ``url`` (for an ``own_database`` test that needs a second one)."""
    return create_db_engine(url)


REPO_ROOT = Path(__file__).resolve().parent.parent
