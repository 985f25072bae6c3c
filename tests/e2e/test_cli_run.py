"""``pepites run`` itself, as an operator starts it: a real process serving HTTP on $PORT."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.bot.conftest import SIGNING_SECRET
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import SlackSender


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(port: int, timeout: float = 30.0) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                return dict(json.loads(answer.read()))
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_cli_run_serves_slack_over_http(tmp_path: Path, fake_slack: FakeSlack) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.base_url,
        "PEPITES_SECRET_KEY": "a secret key for this test run",
        "DATABASE_URL": f"sqlite:///{tmp_path}/run.db",
        "PORT": str(port),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    env.pop("SLACK_APP_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "run"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        health = wait_healthy(port)
        assert health["database"] == "ok"
        fake_slack.wait_for("auth.test")  # the token was checked against the configured Web API
        sender = SlackSender(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET)
        response = sender.command(
            "Le VPN a encore coupé pendant la démo client.", response_url=fake_slack.response_url("run")
        )
        assert response.status == 200 and "Pépite n°1" in response.json()["text"]
        [update] = fake_slack.wait_for("response_url", timeout=90)
        assert "problème" in json.dumps(update.params, ensure_ascii=False)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=20)
    assert "Le VPN a encore coupé" not in err  # logs name insights by id, never by their text
    assert "insight 1 stored" in err
