"""Socket Mode ack latency and link recovery, per Socket Mode client, over a fake of Slack's Socket Mode side.

    python -m bench.socket_latency [--client prompt] [--scenarios refresh,clean,abort,drop,stall,load]
        [--rate 50] [--duration 60] [--refresh-every 10] [--apps bare,pepites] [--cap 75]

Clients: ``prompt`` is what ``pepites run`` uses (bot/slack/socket_mode.py: the built-in client with a
prompt link swap and a watchdog, ping 2 s, dead after 5 s); ``builtin-default`` is Bolt's stock
``SocketModeHandler`` (ping 10 s); ``builtin-tuned`` the stock one with ping 2 s, an 8 KiB buffer and 16 workers.

Each app runs in its own child process (spawn) with the chosen client; the fake Slack (Web API with
``apps.connections.open``, and the WebSocket server) and the load generator run here, so ack times are
measured where Slack would measure them: from sending the envelope to reading its ack.

Scenarios:
  refresh  ``disconnect``/``refresh_requested`` (old link kept open 10 s, as Slack does); a command is sent
           on the new link the moment it opens (3 trials), and once 0.5 s later: its ack latency.
  clean / abort / drop / stall
           a close frame without ``disconnect`` / a TCP reset / a FIN without close frame / a link that stops
           reading and answering pings: time until the client opens a new link, and until a command sent
           on it right away is acked. A fresh process per fault.
  load     ``--rate`` commands/s for ``--duration`` s with a refresh every ``--refresh-every`` s:
           count, p50, p99, max, over 3 s, never acked; for each app of ``--apps`` (bare Bolt vs Pépites),
           one after the other in the same run, same client.
"""

from __future__ import annotations

import argparse
import base64
import logging
import math
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

from tests.support.fake_slack import FakeSlack
from tests.support.fake_socket_mode import FakeSocketMode

APP_TOKEN = "xapp-1-A0PEPITES-1-fake"
BOT_TOKEN = "xoxb-bench-socket"
DEADLINE = 3.0
TEXTS = (  # what people type after /insight (as in bench/ack_latency.py)
    "Le client Acme trouve l'export PDF trop lent depuis la dernière mise à jour",
    "Globex hésite à renouveler, ils trouvent l'offre de Initech moins chère",
    "Customers keep asking for SSO with Okta before they sign the annual plan",
    "Bravo à l'équipe onboarding, Umbrella a signé après la démo de jeudi",
    "Hooli wants a reference call with another bank before the pilot",
    "Support tickets about password resets doubled since the new login page",
)

# -- clients -------------------------------------------------------------------------------------------------
# Each maps to how the child builds a started handler around a Bolt App: (kind, options).
CLIENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "builtin-default": ("builtin", {}),  # Bolt's SocketModeHandler as is (ping_interval=10)
    "builtin-tuned": ("builtin", {"ping_interval": 2, "receive_buffer_size": 8192, "concurrency": 16}),
    # what `pepites run` uses: the pool sized like the listener pool (PEPITES_LISTENER_THREADS=16)
    "prompt": ("prompt", {"ping_interval": 2, "stale_after": 5, "concurrency": 16}),
}


def _bare_app(api_url: str) -> Any:
    from slack_bolt import Ack, App
    from slack_sdk import WebClient

    app = App(
        signing_secret="unused-in-socket-mode",
        client=WebClient(token=BOT_TOKEN, base_url=api_url),
        token_verification_enabled=False,
        request_verification_enabled=False,
    )

    @app.command("/insight")
    def insight(ack: Ack) -> None:
        ack()

    @app.event("app_mention")
    def mention(ack: Ack) -> None:
        ack()

    @app.action("noop")
    def action(ack: Ack) -> None:
        ack()

    return app


def _pepites_app(config: dict[str, str]) -> tuple[Any, Any]:
    """The real Pépites app, built as `pepites run` does; returns (app, stop)."""
    from bot.runtime import build_runtime
    from bot.settings import Settings

    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": config["api_url"],
        "DATABASE_URL": config["database_url"],
        "PEPITES_SECRET_KEY": config["secret_key"],
        "PEPITES_LOG_LEVEL": "WARNING",
        "PEPITES_RATE_LIMIT": "0",
    }
    runtime = build_runtime(Settings.from_env(env))
    runtime.start()
    # As bench/ack_latency.py: measure once the NLP has loaded (loading it takes a core for seconds).
    runtime.services.tagging.tagger.wait_ready(120)
    return runtime.app, runtime.stop


def _start_handler(app: Any, client: str, api_url: str) -> Any:
    """A started (non-blocking) Socket Mode handler; returns something with ``close()``."""
    kind, options = CLIENTS[client]
    if kind == "builtin":
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(app, APP_TOKEN, **options)
        handler.connect()
        return handler
    if kind == "prompt":
        from bot.slack.socket_mode import PromptSocketModeHandler

        handler = PromptSocketModeHandler(app, APP_TOKEN, **options)
        handler.connect()
        return handler
    raise ValueError(client)


def _child(app_kind: str, client: str, config: dict[str, str], conn: Pipe) -> None:
    logging.basicConfig(
        level=config.get("log_level", "WARNING"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    stop_app = None
    try:
        if app_kind == "bare":
            app = _bare_app(config["api_url"])
        else:
            app, stop_app = _pepites_app(config)
        handler = _start_handler(app, client, config["api_url"])
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", 0))
    conn.recv()
    try:
        handler.close()
    except Exception:
        pass
    if stop_app is not None:
        stop_app()
    conn.send(("stopped", 0))
    os._exit(0)  # some clients leave non-daemon threads behind


class Child:
    def __init__(self, app_kind: str, client: str, config: dict[str, str]) -> None:
        context = multiprocessing.get_context("spawn")
        self.parent, child = context.Pipe()
        self.process = context.Process(target=_child, args=(app_kind, client, config, child), daemon=False)

    def start(self, timeout: float = 120) -> None:
        self.process.start()
        if not self.parent.poll(timeout):
            raise RuntimeError("app did not start")
        status, value = self.parent.recv()
        if status != "ready":
            raise RuntimeError(str(value))

    def stop(self) -> None:
        try:
            self.parent.send("stop")
            self.parent.poll(10)
        except (OSError, EOFError):
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()


# -- the fake Slack ------------------------------------------------------------------------------------------


def _fakes(refresh_grace: float) -> tuple[FakeSlack, FakeSocketMode, str]:
    """(fake Web API, fake Socket Mode grafted onto it, API base URL)."""
    web = FakeSlack().start()
    fake = FakeSocketMode(with_api=False, refresh_grace=refresh_grace).start()
    fake.attach(web)
    return web, fake, web.base_url


def _config(api_url: str, workdir: Path, app_kind: str, log_level: str) -> dict[str, str]:
    return {
        "api_url": api_url,
        "database_url": f"sqlite:///{workdir / f'{app_kind}.db'}",
        "secret_key": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "log_level": log_level,
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def _ms(value: float | None) -> str:
    return "never" if value is None else f"{value * 1000:,.0f} ms"


# -- scenarios -----------------------------------------------------------------------------------------------


def _warm(fake: Any, n: int = 5) -> None:
    for _ in range(n):
        envelope = fake.send_command("warm up")
        if envelope:
            fake.wait_for_ack(envelope, 5)


def scenario_refresh(fake: Any, trials: int = 3) -> list[str]:
    lines = []
    for trial in range(trials + 1):
        delay = 0.5 if trial == trials else 0.0
        old = fake.current_link()
        t0 = time.monotonic()
        fake.refresh(old)
        new = fake.wait_for_link(after=max(link.id for link in fake.links), timeout=15)
        if new is None:
            lines.append(f"refresh {trial + 1}: no new link within 15 s")
            continue
        if delay:
            time.sleep(delay)
        envelope = fake.send_command("right after a refresh", link=new)
        ack = fake.wait_for_ack(envelope, 15)
        latency = None if ack is None else ack.acked_at - fake.envelopes[envelope].sent_at
        lines.append(
            f"refresh {trial + 1}: new link after {_ms(new.opened_at - t0)}; command sent "
            f"{'+0.5 s' if delay else 'at once'}: ack {_ms(latency)}"
            + ("  OVER 3 s" if latency is None or latency > DEADLINE else "")
        )
        time.sleep(1.0)
    return lines


def scenario_fault(fake: Any, fault: str, cap: float) -> str:
    old = fake.current_link()
    t0 = time.monotonic()
    getattr(fake, {"clean": "close_clean", "abort": "abort", "drop": "drop", "stall": "stall"}[fault])(old)
    new = fake.wait_for_link(after=old.id, timeout=cap)
    if new is None:
        return f"{fault}: not replaced within {cap:.0f} s"
    envelope = fake.send_command("after a dead link", link=new)
    ack = fake.wait_for_ack(envelope, 15)
    restored = None if ack is None else ack.acked_at - t0
    latency = None if ack is None else ack.acked_at - fake.envelopes[envelope].sent_at
    return (
        f"{fault}: replaced after {_ms(new.opened_at - t0)}; first command acked {_ms(restored)} after the fault "
        f"(its own latency {_ms(latency)})"
    )


def scenario_load(fake: Any, rate: float, duration: float, refresh_every: float, web: Any = None) -> dict[str, Any]:
    before = set(fake.envelopes)
    links_before = len(fake.links)
    stop = threading.Event()

    refreshes: list[float] = []

    def refresher() -> None:  # records when each refresh was sent
        while not stop.wait(refresh_every):
            refreshes.append(time.monotonic())
            fake.refresh()

    thread = threading.Thread(target=refresher, daemon=True)
    start = time.monotonic()
    thread.start()
    sent = 0
    i = 0
    while True:
        due = start + i / rate
        if due - start >= duration:
            break
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        extra = {"response_url": web.response_url(f"load-{i}")} if web is not None else {}
        if fake.send_command(TEXTS[i % len(TEXTS)], user_id=f"U{1000 + i % 40}", **extra) is not None:
            sent += 1
        i += 1
    stop.set()
    time.sleep(DEADLINE + 2)
    ids = [envelope for envelope in fake.envelopes if envelope not in before]
    latencies = [lat for lat in (fake.latency(envelope) for envelope in ids) if lat is not None]
    never = len(ids) - len(latencies)
    slow = sorted(
        ((fake.envelopes[e].sent_at, fake.latency(e)) for e in ids),
        key=lambda pair: -(pair[1] if pair[1] is not None else 99.0),
    )[:5]
    where = []
    for sent_at, lat in slow:
        since = [sent_at - r for r in refreshes if r <= sent_at]
        where.append(
            f"{_ms(lat)} at t={sent_at - start:.1f}s" + (f" ({min(since):.1f}s after a refresh)" if since else "")
        )
    return {
        "slowest": "; ".join(where),
        "sent": sent,
        "acked": len(latencies),
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies) if latencies else math.nan,
        "over_3s": sum(1 for lat in latencies if lat > DEADLINE) + never,
        "never": never,
        "links": len(fake.links) - links_before,
    }


def _fmt_load(label: str, r: dict[str, Any]) -> str:
    return (
        f"{label:8} sent {r['sent']:5}  acked {r['acked']:5}  p50 {r['p50'] * 1000:7.1f} ms  "
        f"p99 {r['p99'] * 1000:7.1f} ms  max {r['max'] * 1000:7.1f} ms  over 3 s {r['over_3s']:4}  "
        f"never acked {r['never']:3}  new links {r['links']}\n         slowest: {r['slowest']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--client", default="prompt", choices=sorted(CLIENTS))
    parser.add_argument("--scenarios", default="refresh,clean,abort,drop,stall,load")
    parser.add_argument("--apps", default="bare,pepites", help="apps for the load scenario, in order")
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--refresh-every", type=float, default=10.0)
    parser.add_argument("--refresh-grace", type=float, default=10.0, help="s the fake keeps a refreshed link open")
    parser.add_argument("--cap", type=float, default=75.0, help="s to wait for a dead link to be replaced")
    parser.add_argument("--log-level", default="WARNING", help="log level in the app processes")
    args = parser.parse_args(argv)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    print(f"client {args.client}: {CLIENTS[args.client]}")
    failed = False
    with tempfile.TemporaryDirectory(prefix="socket-latency-") as folder:
        workdir = Path(folder)
        for scenario in scenarios:
            apps = [a.strip() for a in args.apps.split(",")] if scenario == "load" else ["bare"]
            results: dict[str, dict[str, Any]] = {}
            for app_kind in apps:
                web, fake, api_url = _fakes(args.refresh_grace)
                child = Child(app_kind, args.client, _config(api_url, workdir, app_kind, args.log_level))
                try:
                    child.start()
                    if fake.wait_for_link(timeout=15) is None:
                        print(f"[{scenario}/{app_kind}] the client never connected")
                        failed = True
                        continue
                    time.sleep(0.5)
                    _warm(fake)
                    if scenario == "refresh":
                        for line in scenario_refresh(fake):
                            print(f"[{app_kind}] {line}")
                    elif scenario == "load":
                        _warm(fake, 50)
                        results[app_kind] = scenario_load(fake, args.rate, args.duration, args.refresh_every, web)
                        print(
                            f"[load {args.rate:.0f}/s {args.duration:.0f} s, refresh every {args.refresh_every:.0f} s] "
                            + _fmt_load(app_kind, results[app_kind])
                        )
                    else:
                        print(f"[{app_kind}] {scenario_fault(fake, scenario, args.cap)}")
                except RuntimeError as exc:
                    print(f"[{scenario}/{app_kind}] could not run: {exc}")
                    failed = True
                finally:
                    child.stop()
                    fake.close()
                    if web is not None:
                        web.close()
            if scenario == "load" and "bare" in results and len(results) > 1:
                for app_kind, r in results.items():
                    if app_kind == "bare":
                        continue
                    ratio = r["p99"] / results["bare"]["p99"] if results["bare"]["p99"] else math.nan
                    ok = r["over_3s"] == 0 and ratio <= 1.5
                    failed |= not ok
                    print(
                        f"goal (0 over 3 s, p99 <= 1.5x bare): {app_kind} p99 {ratio:.2f}x bare -> "
                        + ("met" if ok else "MISSED")
                    )
            elif scenario == "load":
                failed |= any(r["over_3s"] for r in results.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
