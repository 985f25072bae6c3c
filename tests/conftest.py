"""Fixtures shared by every tier (databases, a stub tagger, a mocked Slack client) and the tier marks.

Tiers (see tests/README.md): everything not marked ``e2e`` runs with the README's ``.venv/bin/pytest``;
``e2e`` (tests/e2e/, and tests that start processes or PostgreSQL clusters) runs in CI with ``-m e2e``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from unittest.mock import Mock

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_sessions, normalise_url
from models.migrate import upgrade
from tests.support.fake_slack import FakeSlack
from tests.support.mock_web_client import mock_web_client
from tests.support.stub_tagger import StubTagger

POSTGRES_ENV = "PEPITES_TEST_POSTGRES_URL"
TABLES = (
    "reply",
    "status_change",
    "vote",
    "insight",
    "theme",
    "digest_run",
    "workspace",
    "slack_installations",
    "slack_bots",
    "slack_oauth_states",
    "slack_event",
)

TESTS_DIR = Path(__file__).parent
# Outside tests/e2e/, what also belongs to the end-to-end (CI) tier, by node id prefix, and why. A test that
# moves without this list following it just runs in the default tier again: slower, never lost.
E2E_ELSEWHERE = (
    # Three processes migrating one PostgreSQL database at once.
    "tests/models/test_migrate_together.py::",
    # The README's `pepites demo`, whole: real spaCy pipelines loaded in-process, 20 insights tagged, themes.
    "tests/bot/test_cli.py::test_cli_demo_prints_tagged_insights_and_themes",
    # A scale battery: 10,000 insights through the database into one digest (the views' 10k test stays fast).
    "tests/bot/test_weekly_digest.py::test_ten_thousand_insights_still_give_one_valid_message",
)
# Modules whose Hypothesis properties are reliability batteries (hundreds of examples each): the properties
# go to CI; the module's fixed regression cases stay in the default run.
BATTERY_MODULES = ("tests/bot/test_escaping_battery.py::",)
# Fixtures that load the real spaCy pipelines (or train the default model) in-process: ``slow``.
SPACY_FIXTURES = frozenset({"pipelines", "tagger", "fr", "model"})


def _is_e2e(item: pytest.Item, e2e_dir: Path) -> bool:
    if e2e_dir in item.path.parents or item.nodeid.startswith(E2E_ELSEWHERE):
        return True
    is_property = getattr(getattr(item, "obj", None), "is_hypothesis_test", False)
    return bool(is_property) and item.nodeid.startswith(BATTERY_MODULES)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tiers before ``-m`` selects: ``e2e`` by place (and the lists above), ``slow`` by spaCy fixtures."""
    e2e_dir = TESTS_DIR / "e2e"
    for item in items:
        if _is_e2e(item, e2e_dir):
            item.add_marker(pytest.mark.e2e)
        if SPACY_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session, migrated once, dropped at the end."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}, e.g. postgresql://postgres@127.0.0.1:5432/test")
    import psycopg

    admin_url = make_url(normalise_url(base))
    name = f"pepites_test_{uuid.uuid4().hex[:10]}"
    conninfo = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session: the template every test database is copied from."""
    path = tmp_path_factory.mktemp("template") / "pepites.db"
    upgrade(f"sqlite:///{path}")
    # Fold the write-ahead log into the file, so copying the one file copies the whole database.
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path


def copy_sqlite(template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh copy of the migrated template in its own directory; its URL."""
    path = tmp_path_factory.mktemp("db") / "pepites.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database: a copy of the session's migrated SQLite file, or the session's PostgreSQL
    database emptied."""
    if request.param == "sqlite":
        yield copy_sqlite(request.getfixturevalue("migrated_sqlite"), tmp_path_factory)
        return
    url = request.getfixturevalue("postgres_database")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


@pytest.fixture
def sqlite_url(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite database (a copy of the session's template), for tests where the backend is not the point."""
    return copy_sqlite(migrated_sqlite, tmp_path_factory)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on ``database_url``, disposed after the test."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    """The session factory on ``engine``; tests open ``with sessions.begin() as session:`` like the bot."""
    return make_sessions(engine)


@pytest.fixture
def stub_tagger() -> Iterator[StubTagger]:
    """A BatchTagger without spaCy: deterministic tags from cue words (tests/support/stub_tagger.py)."""
    tagger = StubTagger()
    yield tagger
    tagger.stop()


@pytest.fixture
def slack_state() -> FakeSlack:
    """The fake Web API's state and recorder, not served: what ``web_client`` answers from and records into."""
    return FakeSlack()


@pytest.fixture
def web_client(slack_state: FakeSlack) -> Mock:
    """``Mock(spec=WebClient)`` answering like Slack (ts, channel, view ids, DM ids); calls also in ``slack_state``."""
    return mock_web_client(slack_state)
