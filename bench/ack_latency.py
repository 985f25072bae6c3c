"""Ack latency of ``/insight <text>`` and of a :gem: ``reaction_added``: the real Pépites HTTP app against a bare
Bolt app, same load, same run.

    python -m bench.ack_latency [--rate 50] [--duration 60] [--warmup 3] [--only bare|pepites]
                                [--surface command|reaction|both] [--postgres postgresql://…]

A reaction's 2xx comes once the insight is stored and its confirmation sent (the message is read with
``reactions.get`` from the fake Web API first), so it measures the whole capture.

Each app runs in its own process (as behind a load balancer: the load generator does not share its GIL),
behind waitress with the same thread count; the load generator and a fake Slack Web API (for the real
app's follow-up calls and response URLs) run here. Goals: p99 <= 50 ms, and p50 <= 1.5x the bare app's.
Exits 1 when a goal is missed or an app could not be measured. The real app stores in a fresh SQLite file per
run, or with ``--postgres`` in a throwaway database created on that server for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import logging
import math
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.loadgen import LoadResult, RequestFactory, run_load
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import (
    FORM,
    JSON,
    command_form,
    encode_form,
    event_envelope,
    new_trigger_id,
    reaction_event,
    signed_headers,
    slack_message,
)

SIGNING_SECRET = "bench-signing-secret"
P99_GOAL_MS = 50.0
P50_RATIO_GOAL = 1.5
# What people type after /insight: short, mixed French and English, some naming customers or competitors.
TEXTS = (
    "Le client Acme trouve l'export PDF trop lent depuis la dernière mise à jour",
    "Trois personnes au support m'ont dit que la facturation en ligne plante le lundi matin",
    "Globex hésite à renouveler, ils trouvent l'offre de Initech moins chère",
    "La machine à café du 3e est encore en panne, ça fait deux semaines",
    "Customers keep asking for SSO with Okta before they sign the annual plan",
    "Bravo à l'équipe onboarding, Umbrella a signé après la démo de jeudi",
    "Le nouveau formulaire de contact perd les pièces jointes au-delà de 10 Mo",
    "Hooli wants a reference call with another bank before the pilot",
    "On perd du temps à recopier les commandes de l'ERP vers le CRM à la main",
    "Les commerciaux ne savent pas où trouver la dernière grille tarifaire",
    "Support tickets about password resets doubled since the new login page",
    "Stark Industries se plaint des délais de livraison en Belgique",
)


@dataclass
class Measured:
    """One app's run: its label, the load result, and what the fake Slack saw meanwhile."""

    label: str
    result: LoadResult | None
    surface: str = "command"
    note: str = ""
    follow_ups: int = 0


def insight_requests(fake: FakeSlack, label: str) -> RequestFactory:
    """Signed ``/insight <text>`` bodies, each from one of 40 people, with its own trigger id and response URL."""

    def make(i: int) -> tuple[bytes, dict[str, str]]:
        form = command_form(
            TEXTS[i % len(TEXTS)],
            user_id=f"U{1000 + i % 40}",
            channel_id=f"C{100 + i % 5}",
            trigger_id=new_trigger_id(),
            response_url=fake.response_url(f"{label}-{i}"),
        )
        body = encode_form(form)
        return body, {"Content-Type": FORM, **signed_headers(SIGNING_SECRET, body)}

    return make


def reaction_requests(fake: FakeSlack, label: str) -> RequestFactory:
    """Signed ``reaction_added`` :gem: events, each on its own message (the fake's ``reactions.get`` has it)."""
    prefix = f"{abs(hash(label)) % 10_000:04d}"

    def make(i: int) -> tuple[bytes, dict[str, str]]:
        channel, ts = f"C{100 + i % 5}", f"17{prefix}{i:05d}.000100"
        fake.messages[(channel, ts)] = slack_message(TEXTS[i % len(TEXTS)], user=f"U{2000 + i % 40}", ts=ts)
        event = reaction_event("gem", user=f"U{1000 + i % 40}", item_channel=channel, item_ts=ts, item_user="U2")
        body = json.dumps(event_envelope(event)).encode()
        return body, {"Content-Type": JSON, **signed_headers(SIGNING_SECRET, body)}

    return make


REQUESTS: dict[str, Callable[[FakeSlack, str], RequestFactory]] = {
    "command": insight_requests,
    "reaction": reaction_requests,
}


# -- the two apps, each served in a child process ---------------------------------------------------


def _serve_bare(config: Mapping[str, str], conn: Connection) -> Callable[[], None]:
    from bench.bare_bolt import serve_bare_app

    server = serve_bare_app(SIGNING_SECRET, threads=int(config["threads"]), api_url=config["api_url"])
    conn.send(("ready", server.port))
    return server.stop


def _serve_pepites(config: Mapping[str, str], conn: Connection) -> Callable[[], None]:
    from bot.runtime import build_runtime
    from bot.settings import Settings
    from tests.support.wsgi_server import BackgroundWSGIServer

    env = {
        "SLACK_BOT_TOKEN": "xoxb-bench-pepites",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": config["api_url"],
        "DATABASE_URL": config["database_url"],
        "PEPITES_SECRET_KEY": config["secret_key"],
        "PEPITES_HTTP_THREADS": config["threads"],
        "PEPITES_LOG_LEVEL": "WARNING",
        # 40 people sending 75 insights a minute each: far past the per-person limit, which would answer
        # most of them "wait a little" and measure that path instead of the capture.
        "PEPITES_RATE_LIMIT": "0",
    }
    settings = Settings.from_env(env)
    runtime = build_runtime(settings)
    runtime.start()
    server = BackgroundWSGIServer(runtime.wsgi, threads=settings.http_threads).start()
    conn.send(("ready", server.port))

    def stop() -> None:
        server.stop()
        runtime.stop()

    return stop


SERVERS: dict[str, Callable[[Mapping[str, str], Connection], Callable[[], None]]] = {
    "bare": _serve_bare,
    "pepites": _serve_pepites,
}


def _child(kind: str, config: dict[str, str], conn: Connection) -> None:
    """Child process body: serve one app until the parent says stop."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        stop = SERVERS[kind](config, conn)
    except Exception as exc:  # the parent reports why this app could not be measured
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.recv()
    stop()
    conn.send(("stopped", 0))


def _get_json(port: int, path: str) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        body = answer.read()
        try:
            return answer.status, json.loads(body)
        except ValueError:
            return answer.status, None
    finally:
        connection.close()


def _wait_ready(port: int, timeout: float) -> str:
    """Wait for /healthz to answer 200 with the NLP loaded (or failed); returns the NLP state seen."""
    deadline = time.monotonic() + timeout
    state = "unknown"
    while time.monotonic() < deadline:
        try:
            status, body = _get_json(port, "/healthz")
        except OSError:
            status, body = 0, None
        if status == 200 and isinstance(body, dict):
            state = str(body.get("nlp", "unknown"))
            if state in ("ready", "failed", "unknown"):
                return state
        time.sleep(0.25)
    return f"{state} after {timeout:.0f}s"


@contextmanager
def _database(postgres: str | None, workdir: Path, name: str) -> Iterator[str]:
    """A fresh database for one run: a SQLite file in ``workdir``, or a PostgreSQL database created on the
    ``postgres`` server (its URL names the database to connect to for that) and dropped after the run."""
    if not postgres:
        yield f"sqlite:///{workdir / f'{name}.db'}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    from models.db import normalise_url

    server = make_url(normalise_url(postgres))
    database = f"pepites_bench_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    conninfo = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    try:
        yield server.set(database=database).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def measure(kind: str, surface: str, fake: FakeSlack, args: argparse.Namespace, workdir: Path) -> Measured:
    """Start one app in a child process, warm it up, load it with one surface's requests, stop it."""
    if kind == "bare":  # no database
        return _measure(kind, surface, fake, args, f"sqlite:///{workdir / f'{kind}-{surface}.db'}")
    with _database(args.postgres, workdir, f"{kind}-{surface}") as database_url:
        return _measure(kind, surface, fake, args, database_url)


def _measure(kind: str, surface: str, fake: FakeSlack, args: argparse.Namespace, database_url: str) -> Measured:
    requests = REQUESTS[surface]
    config = {
        "threads": str(args.threads),
        "api_url": fake.base_url,
        "database_url": database_url,
        "secret_key": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_child, args=(kind, config, child), name=f"bench-{kind}", daemon=False)
    process.start()
    try:
        if not parent.poll(args.start_timeout):
            return Measured(kind, None, surface, f"did not start within {args.start_timeout:.0f}s")
        status, value = parent.recv()
        if status != "ready":
            return Measured(kind, None, surface, str(value))
        port = int(value)
        note = ""
        if kind == "pepites":
            note = f"nlp {_wait_ready(port, args.start_timeout)} before the load"
        url = f"http://127.0.0.1:{port}/slack/events"
        if args.warmup > 0:
            run_load(requests(fake, f"{kind}-{surface}-warmup"), url, args.rate, args.warmup, args.concurrency)
        before = len(fake.calls())
        result = run_load(requests(fake, f"{kind}-{surface}"), url, args.rate, args.duration, args.concurrency)
        return Measured(kind, result, surface, note, follow_ups=len(fake.calls()) - before)
    finally:
        if process.is_alive():
            parent.send("stop")
            parent.poll(15)
        process.join(15)
        if process.is_alive():
            process.terminate()
            process.join(5)


# -- report -----------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return "   n/a" if math.isnan(value) else f"{value:6.1f}"


def report_all(runs: list[Measured], args: argparse.Namespace) -> bool:
    """One table per surface; True when every goal is met on each."""
    met = True
    for surface in REQUESTS:
        measured = [run for run in runs if run.surface == surface]
        if measured:
            met &= report(measured, args, surface)
    return met


def report(runs: list[Measured], args: argparse.Namespace, surface: str = "command") -> bool:
    """Print the table, ratios and goals; True when every goal is met."""
    what = "/insight <text>" if surface == "command" else "reaction_added (:gem: capture)"
    print(
        f"\nack latency of {what}: {args.rate:g} req/s for {args.duration:g}s, open loop, "
        f"{args.concurrency} keep-alive connections, waitress {args.threads} threads, "
        f"{os.cpu_count()} CPUs, {'PostgreSQL' if args.postgres else 'SQLite'}\n"
    )
    print(f"{'app':8} {'planned':>7} {'sent':>6} {'2xx':>6} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6}  errors")
    for run in runs:
        if run.result is None:
            print(f"{run.label:8} not measured: {run.note}")
            continue
        r, p = run.result, run.result.percentiles()
        errors = ", ".join(f"{k}x{v}" for k, v in sorted(r.errors.items())) or "none"
        print(
            f"{run.label:8} {r.planned:7d} {r.sent:6d} {r.ok:6d} {_ms(p['p50'])} {_ms(p['p95'])} "
            f"{_ms(p['p99'])} {_ms(p['max'])}  {errors}"
        )
        if run.note:
            print(f"{'':8} {run.note}")
        if run.follow_ups or run.label == "pepites":
            print(f"{'':8} {run.follow_ups} calls to the fake Slack during the run (follow-ups after the ack)")
    by_label = {run.label: run.result for run in runs if run.result is not None}
    bare, real = by_label.get("bare"), by_label.get("pepites")
    met = all(run.result is not None and not run.result.errors for run in runs)
    if real is not None:
        p99 = real.percentiles()["p99"]
        ok = p99 <= P99_GOAL_MS
        met &= ok
        print(f"\ngoal p99 <= {P99_GOAL_MS:g} ms: {'met' if ok else 'MISSED'} ({p99:.1f} ms)")
    if bare is not None and real is not None:
        pb, pr = bare.percentiles(), real.percentiles()
        ratios = {k: pr[k] / pb[k] if pb[k] else math.inf for k in ("p50", "p95", "p99")}
        print("ratios pepites/bare: " + ", ".join(f"{k} x{v:.2f}" for k, v in ratios.items()))
        ok = ratios["p50"] <= P50_RATIO_GOAL
        met &= ok
        print(f"goal p50 <= {P50_RATIO_GOAL:g}x bare: {'met' if ok else 'MISSED'} (x{ratios['p50']:.2f})")
    if any(run.result is not None and run.result.errors for run in runs):
        print("errors during the load: the figures above only count 2xx answers")
    return met


def _save(runs: list[Measured], args: argparse.Namespace, path: Path) -> None:
    data = {
        "rate": args.rate,
        "duration": args.duration,
        "concurrency": args.concurrency,
        "threads": args.threads,
        "cpus": os.cpu_count(),
        "database": "postgresql" if args.postgres else "sqlite",
        "runs": [
            {
                "app": run.label,
                "surface": run.surface,
                "note": run.note,
                "measured": run.result is not None,
                **(
                    {
                        "planned": run.result.planned,
                        "sent": run.result.sent,
                        "ok": run.result.ok,
                        "errors": dict(run.result.errors),
                        "percentiles_ms": run.result.percentiles(),
                    }
                    if run.result is not None
                    else {}
                ),
            }
            for run in runs
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line; 0 when the goals are met."""
    parser = argparse.ArgumentParser(prog="python -m bench.ack_latency", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second (default 50)")
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds per app (default 60)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unmeasured load first (default 3)")
    parser.add_argument("--concurrency", type=int, default=32, help="load generator connections (default 32)")
    parser.add_argument("--threads", type=int, default=16, help="waitress threads for both apps (default 16)")
    parser.add_argument("--only", choices=sorted(SERVERS), help="measure one app only")
    parser.add_argument("--surface", choices=(*REQUESTS, "both"), default="both", help="what to send (default both)")
    parser.add_argument("--start-timeout", type=float, default=120.0, help="seconds to wait for an app to start")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="store in PostgreSQL: a throwaway database created on this server per run (default: SQLite files)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file (e.g. bench/results/…)")
    args = parser.parse_args(argv)

    kinds = [args.only] if args.only else ["bare", "pepites"]
    with tempfile.TemporaryDirectory(prefix="pepites-bench-") as tmp, FakeSlack() as fake:
        surfaces = list(REQUESTS) if args.surface == "both" else [args.surface]
        runs = [measure(kind, surface, fake, args, Path(tmp)) for surface in surfaces for kind in kinds]
    met = report_all(runs, args)
    if args.json:
        _save(runs, args, args.json)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
