"""The Bolt app factory: builds the App from settings and services, then one ``register`` per surface."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot.listeners import (
    actions,
    commands,
    conversation,
    history,
    home,
    install,
    messages,
    reactions,
    shortcuts,
    status,
    themes,
)
from bot.services import Services
from bot.slack import db_guard

# ``history`` before ``commands``: Bolt gives a request to the first listener that matches, and
# ``/insight import …`` is history's.
SURFACES = (history, commands, shortcuts, reactions, actions, status, themes, conversation, home, install, messages)


class _ClientWins(logging.Filter):
    """Bolt's ``App`` reads SLACK_BOT_TOKEN from the environment even when given a ``client``, then warns at every
    start that the token "will be unused": our client, built from that same token, is meant to win."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.endswith("`token` will be unused."))


BOLT_LOGGER = logging.getLogger("bot.bolt")
BOLT_LOGGER.addFilter(_ClientWins())


def create_app(services: Services, *, token_verification: bool = True) -> App:
    """The Bolt App, for one workspace token or, with OAuth, for every workspace that installed it.

    ``process_before_response``: Slack gets its 2xx once the listener has returned, so whatever a request
    changes is in the database before Slack is told it arrived (a crash before that means no 2xx, and Slack
    redelivers events; every write is idempotent). Lazy listeners, if any, run on their own sized pool (size
    the DB pool to match).
    """
    settings = services.settings
    oauth_settings = services.workspaces.installations.oauth_settings(services.sessions, settings.language)
    app = App(
        signing_secret=settings.signing_secret or "",
        client=services.client,  # holds the single token, or none: Bolt then gives each request its workspace's
        oauth_settings=oauth_settings,
        before_authorize=db_guard.make_guard(services.sessions),  # events get 503 while the database is away
        token_verification_enabled=token_verification and oauth_settings is None,
        request_verification_enabled=not settings.socket_mode,
        process_before_response=True,
        listener_executor=ThreadPoolExecutor(max_workers=settings.listener_threads, thread_name_prefix="listener"),
        logger=BOLT_LOGGER,
    )
    for surface in SURFACES:
        surface.register(app, services)
    return app
