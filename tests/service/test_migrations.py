"""Migrations: one head, up to head and down to base on both databases, and no drift from models."""

from __future__ import annotations

from typing import Any

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


def test_0005_gives_reviewer_keys_profiles_and_closes_overlapping_memberships(
    empty_url: str,
) -> None:
    upgrade(empty_url, "0003")
    engine = create_engine(empty_url)
    now = "2026-01-01 00:00:00"
    statements = [
        "INSERT INTO api_keys (id, label, role, prefix, key_hash, created_at) VALUES "
        f"(7, 'old reviewer', 'reviewer', 'p7', 'h7', '{now}'), "
        f"(8, 'a chair', 'chair', 'p8', 'h8', '{now}')",
        "INSERT INTO selection_rounds (id, name, year, reference_date, capacities, "
        f"validity_years, state, created_at, updated_at) VALUES (1, 'r1', 2025, '2025-06-30', "
        f"'{{}}', 3, 'published', '{now}', '{now}'), (2, 'r2', 2026, '2026-06-30', '{{}}', 3, "
        f"'published', '{now}', '{now}')",
        "INSERT INTO firms (uscc, name, founded_on, sector, listed, region, version, created_at,"
        f" updated_at) VALUES ('91110108Y00552304B', 'f', '2020-01-01', 'ai', false, '110108', "
        f"1, '{now}', '{now}')",
        "INSERT INTO nomination_batches (id, round_id, submitted_by, format, mode, "
        "content_sha256, payload, rows_total, rows_stored, rows_rejected, errors, created_at) "
        f"VALUES (1, 1, 'x', 'csv', 'all', 'h', 'p', 1, 1, 0, '[]', '{now}')",
        "INSERT INTO nominations (id, round_id, uscc, cohort, batch_id, nominated_by, state, "
        f"created_at, updated_at) VALUES (1, 1, '91110108Y00552304B', 'seed', 1, 'x', "
        f"'nominated', '{now}', '{now}')",
        "INSERT INTO reviews (round_id, nomination_id, uscc, criterion, reviewer_key_id, "
        "reviewer_label, score, created_at, updated_at) VALUES (1, 1, '91110108Y00552304B', "
        f"'c', 7, 'old reviewer', 6, '{now}', '{now}'), (1, 1, '91110108Y00552304B', 'd', 99, "
        f"'gone', 4, '{now}', '{now}')",
        "INSERT INTO memberships (round_id, cohort, uscc, name, valid_from, valid_until, "
        "published_at) VALUES (1, 'leader', '91110108Y00552304B', 'f', '2025-01-01', "
        f"'2028-01-01', '{now}'), (2, 'seed', '91110108Y00552304B', 'f', '2026-01-01', "
        f"'2029-01-01', '{now}')",
    ]
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()
    upgrade(empty_url)
    engine = create_engine(empty_url)
    try:
        with engine.connect() as connection:
            profiles: dict[Any, Any] = dict(
                connection.exec_driver_sql("SELECT name, id FROM reviewers").all()
            )
            assert set(profiles) == {"old reviewer", "gone"}
            keys: dict[Any, Any] = dict(
                connection.exec_driver_sql("SELECT id, reviewer_id FROM api_keys").all()
            )
            assert keys == {7: profiles["old reviewer"], 8: None}
            rated: dict[Any, Any] = dict(
                connection.exec_driver_sql("SELECT criterion, reviewer_id FROM reviews").all()
            )
            assert rated == {"c": profiles["old reviewer"], "d": profiles["gone"]}
            memberships = connection.exec_driver_sql(
                "SELECT cohort, valid_until, closed_on FROM memberships ORDER BY id"
            ).all()
            assert [(c, str(u), str(e) if e else None) for c, u, e in memberships] == [
                ("leader", "2026-01-01", "2026-01-01"),
                ("seed", "2029-01-01", None),
            ]
    finally:
        engine.dispose()
    downgrade(empty_url, "0003")
    engine = create_engine(empty_url)
    try:
        with engine.connect() as connection:
            back: dict[Any, Any] = dict(
                connection.exec_driver_sql("SELECT criterion, reviewer_key_id FROM reviews").all()
            )
        assert back["c"] == 7
    finally:
        engine.dispose()
