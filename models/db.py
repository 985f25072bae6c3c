"""Engine and session factory: SQLite (embedded default) or PostgreSQL through psycopg 3.

SQLite lets one connection write at a time. Left to itself, a connection that finds the write lock taken sleeps
and tries again (1, 2, 5 … then 100 ms at a time, up to the busy timeout), so under load a request's short write
waits hundreds of milliseconds behind background writers that keep winning the lock (the ack of a capture went
past a second). Within a process, writers therefore queue at a :class:`WriteGate` instead: the first INSERT,
UPDATE or DELETE of a transaction waits for its turn, which comes as soon as the previous writer commits or rolls
back, and a thread that serves a request goes before background threads (:func:`background_writes`). Other
processes writing the same file are still kept apart by SQLite's lock and its busy timeout.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATABASE_URL = "sqlite:///pepites.db"
SQLITE_BUSY_TIMEOUT_MS = 5000
_WRITES: tuple[str, ...] = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_thread_state = threading.local()


@contextmanager
def background_writes() -> Iterator[None]:
    """This thread's SQLite writes wait while a request's are queued (the workers that run after the ack)."""
    before = getattr(_thread_state, "background", False)
    _thread_state.background = True
    try:
        yield
    finally:
        _thread_state.background = before


def mark_background() -> None:
    """For a thread's whole life (a worker thread, a pool's ``initializer``): see :func:`background_writes`."""
    _thread_state.background = True


class WriteGate:
    """One SQLite database's writing transactions in this process, one at a time: first come, first served,
    threads serving a request before background ones. A waiter that is not let in within ``timeout`` goes on
    anyway (SQLite's own lock and busy timeout then decide)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._holder: object | None = None
        self._holder_thread: int | None = None
        self._queues: tuple[deque[object], deque[object]] = (deque(), deque())  # requests, background

    def acquire(self, owner: object, timeout: float) -> bool:
        """Wait for ``owner``'s turn; True once it holds the gate (until :meth:`release`)."""
        me = threading.get_ident()
        with self._changed:
            if self._holder is None and not any(self._queues):
                self._holder, self._holder_thread = owner, me
                return True
            if self._holder_thread == me:
                return False  # this thread already writes through another connection: waiting would deadlock
            queue = self._queues[1 if getattr(_thread_state, "background", False) else 0]
            queue.append(owner)
            try:
                let_in = self._changed.wait_for(lambda: self._holder is None and self._next() is owner, timeout)
            finally:
                queue.remove(owner)
            if let_in:
                self._holder, self._holder_thread = owner, me
            else:
                self._changed.notify_all()  # the waiters behind this one move up
            return let_in

    def release(self, owner: object) -> None:
        with self._changed:
            if self._holder is owner:
                self._holder = self._holder_thread = None
                self._changed.notify_all()

    def _next(self) -> object | None:
        requests, background = self._queues
        return requests[0] if requests else background[0] if background else None


_GATES: dict[str, WriteGate] = {}
_GATES_LOCK = threading.Lock()


def write_gate(database: str) -> WriteGate | None:
    """The process's gate of one SQLite file (None for an in-memory database: it has a single connection)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    key = str(Path(database).resolve())
    with _GATES_LOCK:
        return _GATES.setdefault(key, WriteGate())


class _GatedCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> _GatedCursor:
        connection: _GatedConnection = self.connection  # type: ignore[assignment]
        connection.before_statement(sql)
        try:
            return super().execute(sql, parameters)
        finally:
            connection.after_statement()

    def executemany(self, sql: str, parameters: Any, /) -> _GatedCursor:
        connection: _GatedConnection = self.connection  # type: ignore[assignment]
        connection.before_statement(sql)
        try:
            return super().executemany(sql, parameters)
        finally:
            connection.after_statement()


class _GatedConnection(sqlite3.Connection):
    """A sqlite3 connection that takes its database's :class:`WriteGate` before the first write of a
    transaction and gives it back once the transaction is over (commit, rollback, close)."""

    gate: WriteGate | None = None
    holding = False

    def cursor(self, factory: Any = None) -> Any:  # noqa: D102 - sqlite3's, with the gated cursor
        return super().cursor(factory or _GatedCursor)

    def before_statement(self, sql: str) -> None:
        if self.gate is not None and not self.holding and sql.lstrip()[:7].upper().startswith(_WRITES):
            self.holding = self.gate.acquire(self, SQLITE_BUSY_TIMEOUT_MS / 1000)

    def after_statement(self) -> None:
        if self.holding and not self.in_transaction:  # autocommit: the write is already over
            self._let_go()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._let_go()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._let_go()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._let_go()

    def _let_go(self) -> None:
        if self.holding and self.gate is not None:
            self.holding = False
            self.gate.release(self)


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
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        gate = write_gate(parsed.database or "")
        connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": 30}
        pool: dict[str, Any] = {}
        if gate is not None:
            connect_args["factory"] = _GatedConnection
            # Connections kept open for every thread that may write at once (requests and the workers): past the
            # pool, each unit of work would open a connection and set its pragmas again.
            pool = {"pool_size": pool_size, "max_overflow": pool_size}
        engine = create_engine(url, echo=echo, hide_parameters=True, connect_args=connect_args, **pool)

        def on_connect(dbapi_connection: Any, record: Any) -> None:
            _on_sqlite_connect(dbapi_connection, record)
            if isinstance(dbapi_connection, _GatedConnection):
                dbapi_connection.gate = gate

        event.listen(engine, "connect", on_connect)
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
