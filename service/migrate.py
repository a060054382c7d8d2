"""Alembic, driven from code: upgrade, downgrade, and whether the database is at head."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

import migrations
import scoring
from service.db import create_db_engine, create_sessionmaker
from service.schemes import service as schemes_service

__all__ = ["alembic_config", "current_revision", "downgrade", "head_revision", "upgrade"]


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the installed ``migrations`` package."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    # ConfigParser treats % as interpolation; URLs may contain escaped characters.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(
    database_url: str, revision: str = "head", *, schemes: Sequence[scoring.Scheme] = ()
) -> None:
    """Migrate the database up to ``revision``, then store ``schemes`` (the bundled schemes,
    which the caller owns and passes in; only at ``head``) above every stored version."""
    if schemes and revision != "head":
        raise ValueError("bundled schemes are stored only by an upgrade to head")
    command.upgrade(alembic_config(database_url), revision)
    if not schemes:
        return
    engine = create_db_engine(database_url)
    try:
        with create_sessionmaker(engine).begin() as session:
            schemes_service.store_bundled(session, schemes)
    finally:
        engine.dispose()


def downgrade(database_url: str, revision: str) -> None:
    """Migrate the database down to ``revision`` (``base`` empties it)."""
    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    """The newest revision the code ships (one head, enforced by a test)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return script.get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
