"""``pepites import EXPORT.zip --workspace T [--channel NAME …] [--since YYYY-MM-DD] [--all] [--dry-run]``.

Reads a Slack workspace export one day file at a time and imports its past insights (see
:mod:`bot.flows.history`). Bad input (not a zip, not a Slack export, an unknown channel, a date in the
future, an unknown workspace) is refused before anything is written; a corrupt day file is named and the
rest imported. Progress goes to stderr, the summary to stdout.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TextIO

from bot.flows.history import HistoryImport, ImportReport
from bot.jobs.tagging import BatchTagger
from bot.settings import Settings
from bot.workspace_config import WorkspaceConfig
from insights.slack_export import ExportError, SlackExport
from insights.types import KnownOrgs
from models.db import make_engine, make_sessions
from models.migrate import upgrade
from models.privacy import ReporterVault
from models.workspaces import find_workspace


class ImportRefused(Exception):
    """Bad input: said to the person, nothing written."""


def parse_since(text: str | None, today: date) -> date | None:
    """``--since``: a past date (YYYY-MM-DD); raises :class:`ImportRefused` otherwise."""
    if not text:
        return None
    try:
        since = date.fromisoformat(text)
    except ValueError as exc:
        raise ImportRefused(f"--since {text!r} is not a date (YYYY-MM-DD)") from exc
    if since > today:
        raise ImportRefused(f"--since {since} is in the future")
    return since


class ProgressLine:
    """At most one line a second on stderr: per channel and in all, with an ETA from the bytes read."""

    def __init__(self, out: TextIO, export: SlackExport | None = None, total_bytes: int = 0) -> None:
        self.out, self.export, self.total = out, export, total_bytes
        self.last = 0.0

    def __call__(self, report: ImportReport, channel: str, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.last < 1.0:
            return
        self.last = now
        elapsed = max(now - report.started, 1e-6)
        count = report.channels.get(channel)
        eta = ""
        if self.export is not None and self.total and self.export.bytes_read:
            left = elapsed * (self.total - self.export.bytes_read) / self.export.bytes_read
            eta = f", ETA {left:.0f}s"
        here = f"#{channel}: read {count.read}, found {count.found}, stored {count.stored}; " if count else ""
        print(
            f"{here}all: read {report.read} ({report.read / elapsed:.0f}/s), found {report.found}, "
            f"tagged {report.tagged}{eta}",
            file=self.out,
            flush=True,
        )


def summary(report: ImportReport, dry_run: bool) -> str:
    """What the import did, in a few lines."""
    lines = [
        f"{'dry run: ' if dry_run else ''}{report.read} message(s) read, {report.found} insight(s) found, "
        f"{report.stored} stored and tagged, in {time.perf_counter() - report.started:.1f}s",
    ]
    if report.resumed:
        lines.append(f"{report.resumed} message(s) imported by an earlier run (resumed after its checkpoint)")
    if report.skipped:
        reasons = ", ".join(f"{reason} {n}" for reason, n in report.skipped.most_common())
        lines.append(f"skipped: {reasons}")
    for name, count in report.channels.items():
        lines.append(f"  #{name}: read {count.read}, found {count.found}, stored {count.stored}")
    lines.append(f"themes: {report.themes_built} new ({report.themes_after} in the catalogue)")
    if report.learned:
        lines.append(f"organisations found: {', '.join(sorted(set(report.learned))[:20])}")
    for name in report.corrupt:
        lines.append(f"corrupt day file skipped: {name}")
    return "\n".join(lines)


def run_import_command(
    settings: Settings,
    path: str,
    team_id: str,
    *,
    channels: Sequence[str] = (),
    since: str | None = None,
    everything: bool = False,
    dry_run: bool = False,
    out: TextIO,
    err: TextIO,
    tagger: BatchTagger | None = None,
    now: datetime | None = None,
) -> int:
    """Import an export into one workspace; the exit status (2: bad input, nothing written)."""
    now = now or datetime.now(UTC)
    try:
        since_day = parse_since(since, now.date())
        export = SlackExport.open(path)
        chosen = export.select(channels)
    except (ImportRefused, ExportError) as exc:
        print(f"pepites import: {exc}", file=err)
        return 2
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    sessions = make_sessions(engine)
    try:
        with sessions.begin() as session:
            workspace = find_workspace(session, team_id)
        if workspace is None:
            print(f"pepites import: no workspace {team_id!r} in this database (install the app first)", file=err)
            return 2
        config = WorkspaceConfig.defaults(settings).with_stored(workspace.settings)
        own_tagger = tagger is None
        if tagger is None:
            tagger = _production_tagger(settings, err)
        progress = ProgressLine(err, export, export.size(chosen, since_day))
        run = HistoryImport(
            sessions,
            ReporterVault(settings.secret_key or ""),
            tagger,
            team_id,
            config,
            source="export",
            everything=everything,
            since=since_day,
            dry_run=dry_run,
            known=KnownOrgs(customers=settings.known_customers, competitors=settings.known_competitors),
            bot_users=export.bot_users,
            now=now,
            progress=progress,
        )
        try:
            for channel in chosen:
                run.channel(channel.id, channel.name, export.messages(channel, since_day))
                progress(run.report, channel.name, force=True)
            print("building the themes of the imported weeks…", file=err, flush=True)
            report = run.finish()
        finally:
            if own_tagger:
                tagger.stop()
        report.corrupt = list(export.corrupt)
        for name in export.corrupt:
            print(f"pepites import: corrupt day file {name} skipped (the rest is imported)", file=err)
        print(summary(report, dry_run), file=out)
        return 0
    finally:
        engine.dispose()


def _production_tagger(settings: Settings, err: TextIO) -> BatchTagger:
    """The spaCy child process the bot uses (the same models, the same batches)."""
    from bot.jobs.tagger_process import SubprocessTagger

    print("loading the language models…", file=err, flush=True)
    tagger = SubprocessTagger(settings.model_dir)
    tagger.start()
    if not tagger.wait_ready():
        raise SystemExit("pepites import: the tagging process did not start")
    return tagger
