"""``pepites run`` in Socket Mode, as the README starts it (no signing secret), against a local fake of Slack's
Socket Mode side (tests/support/fake_socket_mode.py) grafted onto the fake Web API: a command, an event and an
interaction acked; a refresh, an abrupt close and a stalled link survived; /healthz 200, then 503 with a reason
once Slack is gone; two processes on one app token store every capture once, post one digest and one alert."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import ids
from models.db import make_engine, make_sessions
from models.schema import Insight
from tests.e2e.test_replicas import alerted_ids, digest_posts, seed
from tests.support.fake_slack import FakeSlack
from tests.support.fake_socket_mode import FakeSocketMode
from tests.support.replicas import REPO_ROOT, Replicas, free_port
from tests.support.slack_requests import message_shortcut_payload, reaction_event, slack_message

APP_TOKEN = "xapp-1-A0PEPITES-1-e2e"
DEADLINE = 3.0  # Slack's: an envelope not acked within 3 s is an error for the user
FORBIDDEN_IN_LOGS = ("token` will be unused", "Running job", "executed successfully", "EOFError", "Traceback")


def readme_env(database_url: str, api_url: str, port: int, app_token: str = APP_TOKEN) -> dict[str, str]:
    """Exactly the README's variables for Socket Mode (plus the fake's API URL): no SLACK_SIGNING_SECRET."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(REPO_ROOT),
        "SLACK_BOT_TOKEN": "xoxb-socket-e2e",
        "SLACK_APP_TOKEN": app_token,
        "PEPITES_SECRET_KEY": "a secret key for the Socket Mode run",
        "DATABASE_URL": database_url,
        "SLACK_API_URL": api_url,
        "PORT": str(port),
    }


def healthz(port: int) -> tuple[int, dict[str, str]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as answer:
            return answer.status, dict(json.loads(answer.read()))
    except urllib.error.HTTPError as error:
        return error.code, dict(json.loads(error.read()))
    except OSError:
        return 0, {}


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout:.0f} s")
        time.sleep(0.1)


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    web: FakeSlack
    socket: FakeSocketMode

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def acked_within(self, envelope: str | None, seconds: float = DEADLINE) -> dict[str, object]:
        assert envelope is not None, "no link open to send on"
        ack = self.socket.wait_for_ack(envelope, seconds + 2)
        latency = self.socket.latency(envelope)
        assert ack is not None and latency is not None, f"not acked\n{self.log_text()[-3000:]}"
        assert latency < seconds, f"acked after {latency * 1000:.0f} ms"
        return ack.payload if isinstance(ack.payload, dict) else {}


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    with FakeSlack() as web:
        socket = FakeSocketMode(app_token=APP_TOKEN, with_api=False, refresh_grace=5).start()
        socket.attach(web)
        port = free_port()
        log = tmp_path / "run.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli.main", "run"],
                env=readme_env(f"sqlite:///{tmp_path}/socket.db", web.base_url, port),
                cwd=tmp_path,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            link = socket.wait_for_link(timeout=60)
            assert link is not None, f"no Socket Mode link; exit code {process.poll()}\n{log.read_text()[-3000:]}"
            yield Running(process, port, log, web, socket)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            socket.close()


def test_socket_mode_run_serves_slack_and_survives_link_faults(running: Running) -> None:
    fake, web = running.socket, running.web
    wait_for(lambda: healthz(running.port)[0] == 200, 20, "/healthz 200 once the session is up")
    assert healthz(running.port)[1]["slack"] == "connected"

    confirmation = running.acked_within(
        fake.send_command("Le VPN a encore coupé pendant la démo client.", response_url=web.response_url("sm"))
    )
    assert "Pépite n°1" in json.dumps(confirmation, ensure_ascii=False)
    running.acked_within(fake.send_event({"type": "app_home_opened", "user": "U1001", "channel": "D1", "tab": "home"}))
    web.wait_for("views.publish")
    shortcut = message_shortcut_payload(ids.SHORTCUT_SAVE, slack_message("Le client trouve l'export lent"))
    running.acked_within(fake.send_interactive(shortcut))
    web.wait_for("views.open")

    # Slack's routine refresh: a command on the new link right away is acked in time (stock client: ~3.1 s).
    old = fake.refresh()
    assert old is not None
    new = fake.wait_for_link(after=old.id, timeout=5)
    assert new is not None
    running.acked_within(fake.send_command("juste après le refresh", link=new))

    # An abrupt close (TCP reset), then a stalled link: each replaced within a few seconds.
    for fault, within in (("abort", 5.0), ("stall", 10.0)):
        old = fake.current_link()
        assert old is not None
        getattr(fake, fault)(old)
        new = fake.wait_for_link(after=max(link.id for link in fake.links), timeout=within)
        assert new is not None, f"no new link within {within} s after {fault}\n{running.log_text()[-3000:]}"
        running.acked_within(fake.send_command(f"après {fault}", link=new))

    # Slack gone for good: /healthz says so.
    wait_for(lambda: healthz(running.port)[0] == 200, 10, "/healthz 200 again")
    fake.close()
    wait_for(lambda: healthz(running.port)[0] == 503, 15, "/healthz 503 once the link is lost")
    body = healthz(running.port)[1]
    assert body["slack"] == "disconnected" and body["database"] == "ok" and "Socket Mode" in body["reason"]

    log = running.log_text()
    assert "Socket Mode session established (start)" in log
    assert "Le VPN a encore coupé" not in log
    for line in FORBIDDEN_IN_LOGS:
        assert line not in log, line


def test_socket_mode_sigterm_lets_the_envelope_being_run_finish_and_ack(running: Running) -> None:
    """SIGTERM while a command is being run (a name lookup Slack answers slowly): its insight is stored and its
    ack sent before the link closes, so Slack has nothing to send again; the process exits 0."""
    fake, web = running.socket, running.web
    wait_for(lambda: healthz(running.port)[0] == 200, 20, "/healthz 200 once the session is up")
    web.fail_next("users.info", delay=0.9)
    envelope = fake.send_command("<@U2002> dit que le VPN coupe pendant les démos.", response_url=web.response_url("t"))
    assert envelope is not None
    wait_for(lambda: web.calls("users.info"), 5, "the command looking its mention up")
    running.process.terminate()
    ack = fake.wait_for_ack(envelope, 10)
    assert ack is not None, f"the envelope in flight at SIGTERM was not acked\n{running.log_text()[-3000:]}"
    assert running.process.wait(timeout=30) == 0, running.log_text()[-3000:]
    sessions = make_sessions(make_engine(f"sqlite:///{running.log.parent}/socket.db"))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Insight)) == 1


def test_socket_mode_run_with_a_refused_token_exits_1_saying_why(tmp_path: Path) -> None:
    with FakeSlack() as web:
        socket = FakeSocketMode(app_token=APP_TOKEN, with_api=False).start()
        socket.attach(web)
        try:
            env = readme_env(f"sqlite:///{tmp_path}/refused.db", web.base_url, free_port(), app_token="xapp-revoked")
            done = subprocess.run(
                [sys.executable, "-m", "bot.cli.main", "run"], env=env, cwd=tmp_path, capture_output=True, timeout=90
            )
        finally:
            socket.close()
    err = done.stderr.decode()
    assert done.returncode == 1, err[-3000:]
    assert "cannot start Socket Mode (SLACK_APP_TOKEN): invalid_auth" in err
    for line in FORBIDDEN_IN_LOGS:
        assert line not in err, line


@pytest.mark.postgres
def test_socket_mode_two_processes_on_one_token_capture_once_one_digest_one_alert(
    postgres_database: str, tmp_path: Path
) -> None:
    """Slack spreads envelopes over the app's connections (up to 10); it redelivers events to any of them."""
    engine = make_engine(postgres_database)
    sessions = make_sessions(engine)
    with FakeSlack() as web:
        socket = FakeSocketMode(app_token=APP_TOKEN, with_api=False, routing="spread").start()
        socket.attach(web)
        seed(sessions, web)  # a workspace whose digest is due, last week's insights, messages to escalate
        env = {"SLACK_APP_TOKEN": APP_TOKEN, "SLACK_SIGNING_SECRET": "", "PEPITES_RATE_LIMIT": "0"}
        try:
            with Replicas(postgres_database, web.base_url, "", tmp_path, count=2, env=env) as replicas:
                wait_for(lambda: len(socket.open_links()) == 2, 60, "two Socket Mode links")
                for replica in replicas.replicas:
                    wait_for(lambda r=replica: r.health()["slack"] == "connected", 20, "/healthz 200 on each")
                with sessions.begin() as session:
                    before = session.scalar(select(func.count(Insight.id))) or 0
                envelopes = [
                    socket.send_command(f"Capture {n} du VPN qui coupe", user_id=f"U0C{n:04d}") for n in range(20)
                ]
                for link in socket.open_links():  # each reaction delivered once on each link (a retry)
                    for voter in ("U0VOTE001", "U0VOTE002", "U0VOTE003"):
                        event = reaction_event(
                            ids.DEFAULT_ESCALATION_EMOJIS[0],
                            user=voter,
                            item_channel="C0TALK",
                            item_ts="1700000100.000000",
                            item_user="U0AUTHOR",
                        )
                        socket.send_event(
                            event, event_id=f"Ev{voter}", link=link, retry_attempt=1 if link.id % 2 == 0 else 0
                        )
                for envelope in envelopes:
                    assert envelope is not None and socket.wait_for_ack(envelope, 10) is not None
                assert {socket.acks[str(e)].link_id for e in envelopes} == {link.id for link in socket.open_links()}
                wait_for(lambda: len(alerted_ids(web)) >= 1 and len(digest_posts(web)) >= 1, 60, "alert and digest")
                time.sleep(3)  # time for a duplicate to show up, were there one
                with sessions.begin() as session:
                    after = session.scalar(select(func.count(Insight.id))) or 0
        finally:
            socket.close()
            engine.dispose()
        assert after - before == 20 + 1  # every command once, the escalated message once
        assert len(digest_posts(web)) == 1
        assert len(alerted_ids(web)) == 1
