"""The ``pepites`` command: run the bot, migrate, export, import history, and the offline demo and batch tools."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.settings import Settings, SettingsError


def _settings() -> Settings:
    from dotenv import load_dotenv

    load_dotenv(dotenv_path=Path.cwd() / ".env", override=False)
    return Settings.from_env()


def _logging(level: str) -> None:
    """Log to stderr through the privacy filter: no message text, user id or token in any line."""
    from bot.log_privacy import install_privacy_filter

    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    install_privacy_filter()


class _StopRequest:
    """Set by SIGTERM or SIGINT; the handler only flips a flag (nothing that could block inside a handler)."""

    def __init__(self) -> None:
        self.signal: str | None = None
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, frame: object) -> None:
        self.signal = signal.Signals(signum).name

    def wait(self) -> str:
        while self.signal is None:
            time.sleep(0.1)
        return self.signal


def cmd_run(args: argparse.Namespace) -> int:
    """Serve until SIGTERM or SIGINT, then drain within ``PEPITES_SHUTDOWN_GRACE`` seconds and exit 0."""
    settings = _settings()
    _logging(settings.log_level)
    log = logging.getLogger("bot.run")
    from bot.runtime import build_runtime

    stop = _StopRequest()
    runtime = build_runtime(settings)
    runtime.start()
    if settings.socket_mode:
        from bot.slack.socket_server import SocketModeRefused, SocketModeServer

        log.info("starting in Socket Mode")
        try:
            socket_mode = SocketModeServer(runtime, settings, host=settings.host).start()
        except SocketModeRefused as refused:  # a revoked token, Slack unreachable: say why and exit 1
            log.error("%s", refused)
            runtime.stop(0)
            return 1
        received = stop.wait()
        draining = time.monotonic()
        if not socket_mode.close(settings.shutdown_grace):
            log.warning(
                "Socket Mode: envelopes still running after %ss; Slack will send them again", settings.shutdown_grace
            )
        grace = max(settings.shutdown_grace - (time.monotonic() - draining), 0.1)
        server = None
    else:
        from bot.slack.server import Server

        server = Server(runtime.wsgi, host=settings.host, port=settings.port, threads=settings.http_threads).start()
        received = stop.wait()
        grace = settings.shutdown_grace
    log.info(
        "%s received, stopping: /healthz answers 503, new requests are refused, draining for up to %ss",
        received,
        settings.shutdown_grace,
    )
    stopped = runtime.stop(grace)
    if server is not None:
        server.flush(timeout=1.0)
    log.info(
        "stopped in %.1fs: %d request(s) in flight %s, events being run %s, %d event(s) left to run at the next"
        " start, tagging batch %s, %d insight(s) left to tag at the next start",
        stopped.seconds,
        stopped.requests_in_flight,
        "finished" if stopped.requests_finished else "NOT all finished",
        "finished" if stopped.events_finished else "NOT all finished",
        stopped.events_left,
        "finished" if stopped.tagging_finished else "NOT finished",
        stopped.left_untagged,
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from models.migrate import current_revision, upgrade

    settings = _settings()
    upgrade(settings.database_url)
    print(f"database at revision {current_revision(settings.database_url)}")
    return 0


def cmd_db_revision(args: argparse.Namespace) -> int:
    from alembic import command

    from models.migrate import alembic_config, upgrade

    settings = _settings()
    upgrade(settings.database_url)
    command.revision(alembic_config(settings.database_url), message=args.message, autogenerate=True)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.cli.export import write_export
    from models.db import make_engine, make_sessions

    settings = _settings()
    engine = make_engine(settings.database_url)
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
    try:
        count = write_export(make_sessions(engine), args.workspace, args.format, out)
    finally:
        if args.output:
            out.close()
        engine.dispose()
    print(f"{count} insight(s) exported", file=sys.stderr)
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    from bot.cli.digest import run_digest_command

    settings = _settings()
    _logging(settings.log_level if args.dry_run else "WARNING")
    return run_digest_command(settings, args.workspace, dry_run=args.dry_run, chart=args.chart, out=sys.stdout)


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.cli.demo import run_demo

    logging.basicConfig(level=logging.WARNING)
    if args.database:
        return run_demo(args.database, sys.stdout, lang=args.lang)
    with tempfile.TemporaryDirectory(prefix="pepites-demo-") as folder:
        return run_demo(f"sqlite:///{folder}/demo.db", sys.stdout, lang=args.lang)


def cmd_tag(args: argparse.Namespace) -> int:
    from insights.embedding import embed_sentences
    from insights.pipeline import load_pipelines
    from insights.tagging.stream import tag_lines
    from insights.tagging.tagger import Tagger

    settings = _settings()
    tagger = Tagger(load_pipelines(), model_dir=settings.model_dir, embed=embed_sentences)
    return tag_lines(sys.stdin, sys.stdout, sys.stderr, tagger)


def cmd_themes(args: argparse.Namespace) -> int:
    from insights.pipeline import load_pipelines
    from insights.themes.stream import themes_lines

    catalogue, stored, lang = _stored_catalogue(args.catalogue) if args.catalogue else (None, None, "fr")
    summary = open(args.summary, "w", encoding="utf-8") if args.summary else sys.stderr
    try:
        pipelines = load_pipelines(sentence_vector=True)
        return themes_lines(
            sys.stdin,
            sys.stdout,
            summary,
            pipelines,
            progress=sys.stderr,
            catalogue=catalogue,
            stored=stored,
            lang=lang,
        )
    finally:
        if args.summary:
            summary.close()


def _stored_catalogue(team_id: str) -> tuple[Any, Any, str]:
    """A workspace's theme catalogue, the readings its themes are made of, and its language (read only: the
    lines are assigned against it, the database is not changed)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from bot.flows.themes import SPACE_WEEKS
    from models.db import make_engine, make_sessions
    from models.schema import Workspace
    from models.themes import catalogue_of, member_readings

    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        with make_sessions(engine)() as session:  # never committed
            workspace = session.scalars(select(Workspace).where(Workspace.team_id == team_id)).one_or_none()
            if workspace is None:
                raise SystemExit(f"pepites themes: no workspace {team_id} in the database")
            lang = str((workspace.settings or {}).get("language") or settings.language)
            catalogue = catalogue_of(session, workspace.id)
            since = datetime.now(UTC) - timedelta(weeks=SPACE_WEEKS)
            stored = member_readings(session, catalogue, workspace.id, since)
    finally:
        engine.dispose()
    print(f"catalogue of {team_id}: {len(catalogue.active_themes())} themes, {len(stored)} readings", file=sys.stderr)
    return catalogue, stored, lang


def cmd_import(args: argparse.Namespace) -> int:
    from bot.cli.history import run_import_command

    settings = _settings()
    _logging("WARNING")
    return run_import_command(
        settings,
        args.export,
        args.workspace,
        channels=args.channel or (),
        since=args.since,
        everything=args.all,
        dry_run=args.dry_run,
        out=sys.stdout,
        err=sys.stderr,
    )


def cmd_train(args: argparse.Namespace) -> int:
    from insights.tagging.training import retrain
    from models.db import make_engine, make_sessions
    from models.insights import kind_corrections

    settings = _settings()
    engine = make_engine(settings.database_url)
    with make_sessions(engine).begin() as session:
        corrections = kind_corrections(session)
    engine.dispose()
    report = retrain(corrections, settings.model_dir)
    print(f"{report.corrections} correction(s) made in Slack, {report.train_examples} training example(s)")
    if report.held_out:
        print(
            f"kind accuracy on {report.held_out} held-out correction(s): current model {report.old_score:.3f}, "
            f"retrained model {report.new_score:.3f}"
        )
    if report.kept:
        print(f"kept the retrained model in {settings.model_dir}; restart `pepites run` to use it")
    else:
        print("kept the current model (the retrained one did not score better, or there were too few corrections)")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="pepites", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "run", help="start the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP on $PORT)"
    ).set_defaults(func=cmd_run)
    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply the migrations to DATABASE_URL").set_defaults(func=cmd_db_upgrade)
    revision = db.add_parser("revision", help="(development) write a migration from the models' changes")
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(func=cmd_db_revision)
    export = sub.add_parser("export", help="all insights of a workspace with tags and status")
    export.add_argument("--workspace", required=True, help="Slack team id, e.g. T0123ABCD")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--output", help="file to write (default: standard output)")
    export.set_defaults(func=cmd_export)
    digest = sub.add_parser("digest", help="build a workspace's digest of the last 7 days now, and post it")
    digest.add_argument("--workspace", required=True, help="Slack team id, e.g. T0123ABCD")
    digest.add_argument(
        "--dry-run", action="store_true", help="print the Block Kit JSON and the chart's path; post nothing"
    )
    digest.add_argument("--chart", help="where to write the chart PNG (default: a new temporary file)")
    digest.set_defaults(func=cmd_digest)
    demo = sub.add_parser("demo", help="offline demo on SQLite, no Slack token needed")
    demo.add_argument("--database", help="database URL to keep the demo's data (default: a temporary SQLite file)")
    demo.add_argument("--lang", choices=("fr", "en"), default=os.environ.get("PEPITES_LANGUAGE", "fr"))
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("tag", help="tag JSON Lines from stdin ({id, text}) to stdout").set_defaults(func=cmd_tag)
    themes = sub.add_parser("themes", help="group JSON Lines ({id, text, week?, reporter?}) into themes")
    themes.add_argument("--summary", help="write the per-theme summary here instead of stderr")
    themes.add_argument(
        "--catalogue",
        metavar="TEAM_ID",
        help="assign against this workspace's stored themes (DATABASE_URL; read only)",
    )
    themes.set_defaults(func=cmd_themes)
    history = sub.add_parser("import", help="import past insights from a Slack workspace export (.zip)")
    history.add_argument("export", help="the export's .zip file")
    history.add_argument("--workspace", "--team", required=True, help="Slack team id, e.g. T0123ABCD")
    history.add_argument("--channel", action="append", metavar="NAME", help="only this channel (repeatable)")
    history.add_argument("--since", metavar="YYYY-MM-DD", help="only messages from this day on")
    history.add_argument(
        "--all", action="store_true", help="every message the classifier reads as an insight, not only marked ones"
    )
    history.add_argument("--dry-run", action="store_true", help="read, select and count; write nothing")
    history.set_defaults(func=cmd_import)
    sub.add_parser("train", help="retrain the kind classifier from corrections made in Slack").set_defaults(
        func=cmd_train
    )
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as exc:
        print(f"pepites: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
