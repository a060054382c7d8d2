"""Migrations: one head, up to head and down to base on both databases, and no drift from models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from service.db import create_db_engine
from service.migrate import alembic_config, current_revision, downgrade, head_revision, upgrade
from service.models import Base
from tests.postgres_cluster import PostgresCluster


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('migrate') / 'm.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database(
        f"migrate_{request.node.name[-12:].strip('[]').replace('-', '_')}"
    )


def test_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_upgrade_matches_models_and_downgrade_empties(empty_url: str) -> None:
    upgrade(empty_url)
    engine = create_db_engine(empty_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            diff = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
            )
        assert diff == [], f"models and migrations disagree: {diff}"
    finally:
        engine.dispose()

    downgrade(empty_url, "base")
    bare = create_engine(empty_url)
    try:
        assert set(inspect(bare).get_table_names()) <= {"alembic_version"}
    finally:
        bare.dispose()
    upgrade(empty_url)  # and back up again: every step is reversible
    again = create_db_engine(empty_url)
    try:
        assert current_revision(again) == head_revision()
    finally:
        again.dispose()


def test_step_by_step_round_trip(empty_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(empty_url))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        upgrade(empty_url, revision)
    for previous in [*reversed(revisions[:-1]), "base"]:
        downgrade(empty_url, previous)
