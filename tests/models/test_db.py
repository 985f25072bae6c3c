"""Engine set-up, migrations and the reporter vault."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text

from models.db import make_engine, normalise_url
from models.migrate import current_revision, head_revision, upgrade
from models.privacy import ReporterVault


def test_db_postgres_urls_use_psycopg3() -> None:
    assert normalise_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_db_migrations_create_every_table_and_are_idempotent(database_url: str, engine: Engine) -> None:
    upgrade(database_url)  # a second run changes nothing
    assert current_revision(database_url) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"workspace", "insight", "vote", "theme", "status_change", "digest_run", "reply"} <= tables
    assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= tables
    indexes = {ix["name"] for ix in inspect(engine).get_indexes("insight")}
    assert {"ix_insight_workspace_created", "ix_insight_workspace_status"} <= indexes


def test_db_sqlite_runs_in_wal_with_foreign_keys(tmp_path: pytest.TempPathFactory) -> None:
    from models.db import make_engine

    url = f"sqlite:///{tmp_path}/p.db"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    engine.dispose()


def test_privacy_sealed_id_opens_only_with_its_key() -> None:
    vault = ReporterVault("first secret key, long enough")
    sealed = vault.seal("T1", "U123")
    assert "U123" not in sealed
    assert vault.unseal(sealed) == ("T1", "U123")
    with pytest.raises(ValueError, match="another key"):
        ReporterVault("second secret key, long enough").unseal(sealed)


def test_privacy_hash_is_stable_per_team_and_user() -> None:
    vault = ReporterVault("first secret key, long enough")
    assert vault.hash("T1", "U1") == vault.hash("T1", "U1")
    assert vault.hash("T1", "U1") != vault.hash("T2", "U1")
    assert vault.hash("T1", "U1") != ReporterVault("another secret key, long").hash("T1", "U1")
    with pytest.raises(ValueError):
        ReporterVault("short")


def test_migrations_match_the_models(database_url: str) -> None:
    """What Alembic builds is what the models declare: no column, index or constraint left behind."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from models.schema import Base

    engine = make_engine(database_url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_vault_seals_a_confirmation_address_and_tells_it_from_a_sealed_id() -> None:
    vault = ReporterVault("a secret key of sixteen+ chars")
    sealed = vault.seal_where({"channel": "D0ANON42", "ts": "1700000000.000100"})
    assert set(sealed) == {"sealed"} and "D0ANON42" not in sealed["sealed"]
    assert vault.unseal_where(sealed) == {"channel": "D0ANON42", "ts": "1700000000.000100"}
    assert vault.unseal_where({"response_url": "https://hooks"}) == {"response_url": "https://hooks"}
    with pytest.raises(ValueError):
        vault.unseal_where({"sealed": vault.seal("T1", "U1")})  # a sealed reporter id is not an address
    with pytest.raises(ValueError):
        ReporterVault("another secret key, sixteen+").unseal_where(sealed)
