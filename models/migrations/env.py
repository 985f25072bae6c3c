"""Alembic environment: the URL comes from the caller's config, the metadata from models.schema."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool, text

from models.schema import Base

config = context.config
target_metadata = Base.metadata
MIGRATION_LOCK = 0x7065706974657301  # "pepites" + 1: the advisory lock every migrating process takes


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas started together all migrate: one at a time, the others then find nothing to do.
            # (A session lock, released when this connection closes, whatever happens.)
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
