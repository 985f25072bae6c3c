"""``/insight import #channel [since YYYY-MM-DD] [all]`` (``importer … [depuis …] [tout]``): managers import a
channel's past messages. Registered before ``commands``, for ``/insight`` texts whose first word is
``import``; bad input and people who may not are answered at once, the import itself is queued and acked
(it runs in :mod:`bot.jobs.history_import`)."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import ids
from bot.flows.live_import import ImportUsage, LiveImportRequest, is_import, parse_import
from bot.i18n import t
from bot.jobs.history_import import LiveImports
from bot.services import Services, Workspaces
from bot.slack.payloads import team_of
from bot.views.blocks import as_dicts
from bot.views.history import channel_shown, what_text
from bot.views.messages import text_blocks
from bot.views.safe import safe
from insights.slack_export import ExportChannel

log = logging.getLogger(__name__)


def is_import_command(body: dict[str, Any]) -> bool:
    return is_import(body.get("text") or "")


def import_command_callback(
    imports: LiveImports, workspaces: Workspaces, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    """Answer within Slack's 3 s: refused, or queued (the import's progress then replaces this answer)."""
    team_id, user_id = team_of(body), body["user_id"]
    config = workspaces.config(team_id)
    lang = config.language

    def answer(message: str) -> None:
        ack(response_type="ephemeral", text=message, blocks=as_dicts(text_blocks(message)))

    refused = workspaces.managers.configure_refusal(client, config, team_id, user_id, "import_not_allowed")
    if refused:
        answer(t(lang, refused))  # not a manager nor an admin, or Slack did not answer in time
        return
    words = (body.get("text") or "").split()[1:]
    try:
        args = parse_import(words, datetime.now(config.tz).date())
    except ImportUsage as exc:
        values = {key: safe(value, 60) for key, value in exc.values.items()}
        usage = t(lang, "import_usage", emoji=safe(config.capture_emoji, 100))
        answer(f"{t(lang, exc.key, **values)}\n{usage}")
        return
    here = None
    if body.get("channel_id") and body.get("channel_name"):
        here = ExportChannel(str(body["channel_id"]), str(body["channel_name"]))
    request = LiveImportRequest(team_id, user_id, args, body.get("response_url"), here)
    outcome = imports.submit(request)
    channel = channel_shown(args.channel.shown)
    if outcome == "already":
        answer(t(lang, "import_already", channel=channel))
        return
    what = what_text(lang, config.capture_emoji, args.everything, args.since)
    log.info("an import was asked (%s)", outcome)
    answer(t(lang, "import_started" if outcome == "started" else "import_queued", channel=channel, what=what))


def register(app: App, services: Services) -> None:
    callback = partial(import_command_callback, services.imports, services.workspaces)
    app.command(ids.COMMAND, matchers=[is_import_command])(callback)
