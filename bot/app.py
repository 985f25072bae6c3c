"""The Bolt app factory: builds the App from settings and services, then one ``register`` per surface."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot.listeners import actions, commands, conversation, reactions, shortcuts, status
from bot.services import Services

SURFACES = (commands, shortcuts, reactions, actions, status, conversation)


def create_app(services: Services, *, token_verification: bool = True) -> App:
    """A Bolt App for one workspace token; listeners run on their own sized pool (size the DB pool to match)."""
    settings = services.settings
    app = App(
        token=settings.bot_token,
        signing_secret=settings.signing_secret or "",
        client=services.client,
        token_verification_enabled=token_verification,
        request_verification_enabled=not settings.socket_mode,
        listener_executor=ThreadPoolExecutor(max_workers=settings.listener_threads, thread_name_prefix="listener"),
        logger=logging.getLogger("bot.bolt"),
    )
    for surface in SURFACES:
        surface.register(app, services)
    return app
