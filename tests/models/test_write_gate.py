"""SQLite writers of one process queue at the database's write gate: a request's write goes before the background
workers' (the tagging worker, the event inbox), and a writer gets in as soon as the previous one is done."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from models.db import background_writes, make_engine, write_gate


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/gate.db")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE written (id INTEGER PRIMARY KEY, who TEXT NOT NULL)"))
    yield engine
    engine.dispose()


def _write(engine: Engine, who: str, *, background: bool = False) -> None:
    if background:
        with background_writes(), engine.begin() as connection:
            connection.execute(text("INSERT INTO written (who) VALUES (:who)"), {"who": who})
    else:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO written (who) VALUES (:who)"), {"who": who})


def _queued(tmp_path: Path, count: int) -> None:
    gate = write_gate(str(tmp_path / "gate.db"))
    assert gate is not None
    deadline = time.monotonic() + 5
    while sum(len(q) for q in gate._queues) < count:
        assert time.monotonic() < deadline, "the writers never queued at the gate"
        time.sleep(0.005)


def _order(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text("SELECT who FROM written ORDER BY id"))]


def test_a_request_write_goes_before_background_writes_queued_earlier(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as holder:
        holder.execute(text("INSERT INTO written (who) VALUES ('holder')"))
        tagging = threading.Thread(target=_write, args=(engine, "tagging"), kwargs={"background": True})
        tagging.start()
        _queued(tmp_path, 1)
        request = threading.Thread(target=_write, args=(engine, "request"))
        request.start()
        _queued(tmp_path, 2)
    tagging.join(5)
    request.join(5)
    assert _order(engine) == ["holder", "request", "tagging"]


def test_writers_of_one_kind_go_in_the_order_they_came(engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as holder:
        holder.execute(text("INSERT INTO written (who) VALUES ('holder')"))
        threads = []
        for n in range(3):
            thread = threading.Thread(target=_write, args=(engine, f"request {n}"))
            thread.start()
            _queued(tmp_path, n + 1)
            threads.append(thread)
    for thread in threads:
        thread.join(5)
    assert _order(engine) == ["holder", "request 0", "request 1", "request 2"]


@pytest.mark.parametrize("end", ["commit", "rollback", "autocommit"])
def test_the_gate_is_free_again_once_a_write_is_over(engine: Engine, end: str) -> None:
    if end == "autocommit":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("INSERT INTO written (who) VALUES ('first')"))
            other = threading.Thread(target=_write, args=(engine, "second"))
            other.start()
            other.join(2)  # while the autocommit connection is still open
            assert not other.is_alive()
    else:
        with engine.connect() as connection:
            connection.execute(text("INSERT INTO written (who) VALUES ('first')"))
            connection.commit() if end == "commit" else connection.rollback()
            other = threading.Thread(target=_write, args=(engine, "second"))
            other.start()
            other.join(2)
            assert not other.is_alive()
    assert _order(engine)[-1] == "second"
