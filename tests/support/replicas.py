"""Several real ``pepites run`` processes on one database and one fake Web API, as replicas behind a balancer.

Each replica is the production entry point (``python -m bot.cli.main run``) in its own process group, so its
tagging child goes with it: :meth:`Replica.kill` is a crash (SIGKILL to the group), and leaving the
:class:`Replicas` context stops whatever is still running, whatever happened. The database must already
be migrated: replicas then start without racing each other through the migrations.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.slack_requests import Response, SlackSender

REPO_ROOT = Path(__file__).resolve().parents[2]
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
STOP_GRACE_SECONDS = 10.0


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def replica_env(
    database_url: str, api_url: str, signing_secret: str, port: int, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of one replica: HTTP mode on ``port``, Web API at ``api_url``, no per-person capture limit."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-replica-token",
        "SLACK_SIGNING_SECRET": signing_secret,
        "SLACK_API_URL": api_url,
        "PEPITES_SECRET_KEY": "one secret key shared by every replica",
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "PYTHONPATH": str(REPO_ROOT),
        # Load tests send far more than a person's per-minute limit; the limit is not what they measure.
        "PEPITES_RATE_LIMIT": "0",
    }
    env.pop("SLACK_APP_TOKEN", None)  # Socket Mode would not listen on PORT
    env.update(extra or {})
    return env


@dataclass
class Replica:
    """One running app process: its port, its log file, and whether it was killed."""

    index: int
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    killed: bool = False

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{EVENTS_PATH}"

    @property
    def alive(self) -> bool:
        return not self.killed and self.process.poll() is None

    def health(self, timeout: float = 2.0) -> dict[str, Any]:
        """What /healthz answers (raises OSError while nothing listens)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{HEALTH_PATH}", timeout=timeout) as answer:
            return dict(json.loads(answer.read()))

    def wait_healthy(self, timeout: float) -> dict[str, Any]:
        """Poll /healthz until it answers; fail at once, with the log's end, if the process exits first."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"replica {self.index} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                return self.health()
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"replica {self.index} not healthy within {timeout:.0f}s:\n{self.log_tail()}"
                    ) from None
                time.sleep(0.1)

    def kill(self) -> None:
        """Crash it: SIGKILL to the whole process group (the app and its tagging child), no clean-up."""
        self.killed = True
        _signal_group(self.process, signal.SIGKILL)
        self.process.wait(timeout=STOP_GRACE_SECONDS)

    def terminate(self, timeout: float = STOP_GRACE_SECONDS) -> int | None:
        """SIGTERM the app process alone (as Kubernetes signals a container's first process) and wait for it:
        its exit code, or None when it did not exit within ``timeout``."""
        self.killed = True
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            _signal_group(self.process, signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM the group, then SIGKILL what is left after a grace period."""
        if self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        # The group may outlive its leader (a tagging child still loading): SIGKILL it in every case.
        _signal_group(self.process, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=STOP_GRACE_SECONDS)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return "(no log)"


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)  # the group id is the leader's pid (start_new_session)
    except ProcessLookupError:
        pass


class Replicas:
    """``count`` app processes on one migrated database and one (fake) Web API; a context manager.

    ``api_url`` is where their ``WebClient`` goes: ``FakeSlack.base_url`` in tests.
    """

    def __init__(
        self,
        database_url: str,
        api_url: str,
        signing_secret: str,
        workdir: Path,
        *,
        count: int = 3,
        env: Mapping[str, str] | None = None,
        start_timeout: float = 60.0,
    ) -> None:
        if count < 1:
            raise ValueError("at least one replica")
        self.database_url = database_url
        self.api_url = api_url
        self.signing_secret = signing_secret
        self.workdir = workdir
        self.count = count
        self.env = dict(env or {})
        self.start_timeout = start_timeout
        self.replicas: list[Replica] = []

    def start(self) -> Replicas:
        """Start every process at once (their start-ups overlap, as in a rollout), then wait for each /healthz."""
        try:
            for index in range(self.count):
                self.replicas.append(self._spawn(index))
            for replica in self.replicas:
                replica.wait_healthy(self.start_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, index: int) -> Replica:
        port = free_port()
        folder = self.workdir / f"replica-{index}"
        folder.mkdir(parents=True, exist_ok=True)  # its working directory: no stray .env, its own model dir
        log_path = folder / "stderr.log"
        env = replica_env(self.database_url, self.api_url, self.signing_secret, port, self.env)
        with open(log_path, "ab") as log:  # a restarted replica writes after its former self
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli.main", "run"],
                env=env,
                cwd=folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return Replica(index, port, process, log_path)

    def stop(self) -> None:
        for replica in self.replicas:
            replica.stop()

    def __enter__(self) -> Replicas:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __getitem__(self, index: int) -> Replica:
        return self.replicas[index]

    def __len__(self) -> int:
        return len(self.replicas)

    def live(self) -> list[Replica]:
        """The replicas neither killed nor exited."""
        return [replica for replica in self.replicas if replica.alive]

    def restart(self, index: int, *, wait: bool = True) -> Replica:
        """Start replica ``index`` again (on a new port) once it is gone; with ``wait``, wait for its /healthz."""
        self.replicas[index].stop()
        replica = self._spawn(index)
        self.replicas[index] = replica
        if wait:
            replica.wait_healthy(self.start_timeout)
        return replica

    def kill(self, index: int) -> Replica:
        """SIGKILL one replica (and its tagging child); the others go on."""
        replica = self.replicas[index]
        replica.kill()
        return replica

    def logs(self) -> str:
        """Every replica's log end, for a failing test's message."""
        return "\n".join(f"--- replica {r.index} (port {r.port}) ---\n{r.log_tail()}" for r in self.replicas)


@dataclass(frozen=True)
class Delivered:
    """How a request finally got through: the replica that answered, its answer, the replicas that failed first."""

    replica: int
    response: Response
    failed_over: tuple[int, ...] = ()


def deliver(
    replicas: Replicas,
    first: int,
    send: Callable[[SlackSender, int], Response],
    *,
    timeout: float = 10.0,
) -> Delivered:
    """Send to replica ``first``; when it cannot be reached (refused, reset mid-request), to the next live one.

    That is what a balancer and Slack's retries do together when a replica dies: the same request
    (same ``event_id``, same ``trigger_id``) reaches another replica. ``send(sender, attempt)`` gets the
    attempt number (0 first) so events can carry ``X-Slack-Retry-Num``.
    """
    failed: list[int] = []
    order = [(first + step) % len(replicas) for step in range(len(replicas))]
    for index in order:
        replica = replicas[index]
        if not replica.alive and index != first:
            continue
        try:
            response = send(SlackSender(replica.events_url, replicas.signing_secret, timeout=timeout), len(failed))
        except (OSError, http.client.HTTPException):
            failed.append(index)
            continue
        return Delivered(index, response, tuple(failed))
    raise ConnectionError(f"no replica answered (tried {failed})")
