"""Replicas started together on an empty PostgreSQL database each run the migrations: one migrates, the
others wait for it and find nothing left to do."""

from __future__ import annotations

import multiprocessing
import os
import uuid

import pytest
from sqlalchemy.engine import make_url

from models.db import normalise_url
from models.migrate import current_revision, head_revision, upgrade
from tests.conftest import POSTGRES_ENV


def test_three_processes_migrating_one_empty_database_at_once_all_succeed() -> None:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}, e.g. postgresql://postgres@127.0.0.1:5432/test")
    import psycopg

    admin = make_url(normalise_url(base))
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"pepites_migrate_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        # Processes, as replicas are (Alembic's command API is not for threads).
        with multiprocessing.get_context("spawn").Pool(3) as pool:
            pool.map(upgrade, [url] * 3)  # raises if any of them failed
        assert current_revision(url) == head_revision()
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]
