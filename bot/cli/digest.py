"""``pepites digest --workspace T [--dry-run]``: a workspace's digest of the last 7 days, built now.

A dry run prints the digest's Block Kit JSON (and the sales channel's post) and writes the chart to a PNG
file whose path it prints; it needs no Slack token. Without ``--dry-run`` the digest is posted to the
workspace's digest channel like a scheduled one, but it claims no period and stores no themes: the
scheduled digest of the week still goes out, once.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from bot.flows.digest import build_weekly, last_days
from bot.jobs.digest_delivery import DigestNotPosted, post_weekly
from bot.jobs.scheduler import utc_now
from bot.settings import Settings, SettingsError
from bot.slack.client import make_web_client
from bot.slack.installations import Installations
from bot.workspace_config import WorkspaceConfig
from models.db import make_engine, make_sessions
from models.migrate import upgrade
from models.workspaces import find_workspace


def run_digest_command(settings: Settings, team_id: str, *, dry_run: bool, chart: str | None, out: TextIO) -> int:
    """Build (and unless ``dry_run`` post) one digest; the exit status."""
    if not dry_run and not (settings.bot_token or settings.oauth):
        raise SettingsError("SLACK_BOT_TOKEN (or SLACK_CLIENT_ID) is needed to post the digest (or use --dry-run)")
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    client = None
    try:
        if not dry_run:
            base = make_web_client(settings.bot_token, settings.slack_api_url, timeout=settings.slack_timeout)
            client = Installations(settings, engine, base).client_for(team_id)
            if client is None:
                print(f"pepites: workspace {team_id!r} has not installed the app", file=sys.stderr)
                return 1
        with make_sessions(engine).begin() as session:
            workspace = find_workspace(session, team_id)
            if workspace is None:
                print(f"pepites: no workspace {team_id!r} in this database", file=sys.stderr)
                return 1
            config = WorkspaceConfig.defaults(settings).with_stored(workspace.settings)
            weekly = build_weekly(session, workspace.id, config, last_days(utc_now(), config), persist=False)
    finally:
        engine.dispose()
    if dry_run:
        path = Path(chart) if chart else Path(tempfile.mkstemp(prefix="pepites-chart-", suffix=".png")[1])
        path.write_bytes(weekly.chart_png)
        payload = {
            "text": weekly.text,
            "blocks": weekly.blocks,
            "sales": {"text": weekly.signal_text, "blocks": weekly.signal_blocks},
            "chart": str(path),
        }
        out.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        print(f"chart: {path}", file=sys.stderr)
        return 0
    assert client is not None
    try:
        ts = post_weekly(client, config, weekly)
    except DigestNotPosted as exc:
        print(f"pepites: Slack refused the digest: {exc.error}", file=sys.stderr)
        return 1
    print(f"digest posted to {config.digest_channel} (ts {ts})", file=sys.stderr)
    return 0
