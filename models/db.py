"""Engine and session factory: SQLite (embedded default) or PostgreSQL through psycopg 3."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATABASE_URL = "sqlite:///pepites.db"
SQLITE_BUSY_TIMEOUT_MS = 5000


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (``postgres://`` included)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername != "postgresql+psycopg":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str = DEFAULT_DATABASE_URL, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """Create the engine with the pragmas or pool settings each backend needs."""
    url = normalise_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = create_engine(
            url, echo=echo, hide_parameters=True, connect_args={"check_same_thread": False, "timeout": 30}
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    # Short connect and pool timeouts: a request must fail fast (and tell the person) rather than miss
    # Slack's 3-second ack while the database is away.
    return create_engine(
        url,
        echo=echo,
        hide_parameters=True,  # error messages never repeat the values (insight texts) of a statement
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=2,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"connect_timeout": 2},
    )


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """The session factory every unit of work opens with ``with sessions.begin() as session:``."""
    return sessionmaker(engine, expire_on_commit=False)


def dialect_insert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """The dialect's own INSERT, so ``ON CONFLICT DO NOTHING`` is the same code on SQLite and PostgreSQL."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect: {dialect}")
