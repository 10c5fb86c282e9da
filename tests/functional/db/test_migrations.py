"""The migrations build the schema the models describe, on every backend, and undo it."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from masakari_lite.db import migration
from masakari_lite.db.models import Base

TABLES = {"failover_segments", "hosts", "notifications", "recovery_steps", "vmoves"}


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_to_head_then_downgrade_to_base(db_url):
    migration.upgrade(db_url)
    assert TABLES <= _tables(db_url)
    engine = create_engine(db_url)
    assert migration.current(engine) == migration.head()
    engine.dispose()

    migration.downgrade(db_url, "base")
    assert _tables(db_url) == set()


def test_models_match_migrations(db_url):
    migration.upgrade(db_url)
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_every_migration_step_walks_up_and_down(db_url):
    """Each revision upgrades from its parent and downgrades back (not only head/base)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migration.alembic_config())
    revisions = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    for rev in revisions:
        migration.upgrade(db_url, rev)
        parent = script.get_revision(rev).down_revision or "base"
        migration.downgrade(db_url, parent)
        migration.upgrade(db_url, rev)
    engine = create_engine(db_url)
    assert migration.current(engine) == revisions[-1]
    engine.dispose()
