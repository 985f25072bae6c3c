"""Whose bot token speaks for a workspace: the one ``SLACK_BOT_TOKEN``, or each workspace's installation.

With ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` set, workspaces install Pépites through Slack's OAuth
flow (``GET /slack/install``, then Slack redirects to ``/slack/oauth_redirect``). Installations and the
one-time OAuth states are kept by slack_sdk's SQLAlchemy stores in the app's own database (tables created by
migration 0003), so every replica sees every installation. Bolt finds the installation of each request's
workspace itself; work that no request carries (tagging updates, digests) asks :class:`Installations`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Final

from slack_bolt import BoltResponse
from slack_bolt.error import BoltError
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, and_
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import t
from bot.ids import BOT_SCOPES
from bot.settings import Settings
from bot.slack import messenger
from bot.slack.cache import TTLCache
from bot.slack.client import make_web_client
from models.schema import SLACK_BOTS_TABLE, SLACK_INSTALLATIONS_TABLE, SLACK_OAUTH_STATES_TABLE
from models.workspaces import ensure_workspace, installation_of

log = logging.getLogger(__name__)

INSTALL_PATH: Final = "/slack/install"
REDIRECT_PATH: Final = "/slack/oauth_redirect"
STATE_SECONDS: Final = 600  # an installer has 10 minutes between /slack/install and Slack's redirect
TOKEN_CACHE_SECONDS: Final = 30.0


class InstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's store on the app's tables; a failed save becomes Bolt's "storage_error" page."""

    def __init__(self, client_id: str, engine: Engine) -> None:
        super().__init__(
            client_id=client_id,
            engine=engine,
            bots_table_name=SLACK_BOTS_TABLE,
            installations_table_name=SLACK_INSTALLATIONS_TABLE,
            logger=logging.getLogger("bot.slack.installations.store"),
        )

    def save(self, installation: Installation) -> None:
        try:
            super().save(installation)
        except SQLAlchemyError as exc:
            log.error("storing an installation failed (%s)", type(exc).__name__)
            raise BoltError("the installation could not be stored") from exc


class OAuthStateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's state store, with a consume that is atomic across replicas (one DELETE, one winner)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(
            expiration_seconds=STATE_SECONDS,
            engine=engine,
            logger=logging.getLogger("bot.slack.installations.state"),
            table_name=SLACK_OAUTH_STATES_TABLE,
        )

    def consume(self, state: str) -> bool:
        """True once for a state issued less than ``STATE_SECONDS`` ago; a replayed or old state is refused."""
        columns = self.oauth_states.c
        now = datetime.now(UTC).replace(tzinfo=None)  # the library stores naive UTC
        try:
            with self.engine.begin() as connection:
                result = connection.execute(
                    self.oauth_states.delete().where(and_(columns.state == state, columns.expire_at > now))
                )
                return bool(result.rowcount == 1)
        except SQLAlchemyError as exc:
            log.error("checking an OAuth state failed (%s)", type(exc).__name__)
            return False


class Installations:
    """The client of each workspace: the single token's, or the workspace's installed bot token."""

    def __init__(self, settings: Settings, engine: Engine, base_client: WebClient) -> None:
        self._settings = settings
        self._base = base_client
        self._engine = engine
        self.store = InstallationStore(settings.client_id, engine) if settings.client_id else None
        self._clients: TTLCache[str, WebClient | None] = TTLCache(TOKEN_CACHE_SECONDS)

    def client_for(self, team_id: str) -> WebClient | None:
        """A client with the workspace's bot token; None when the workspace has not installed the app.

        On Enterprise Grid the store keys a bot by its org too (and an org-wide install by its org only), as
        the workspace row says; a workspace keyed by an enterprise id is an org-wide install.
        """
        store = self.store
        if store is None:
            return self._base

        def load() -> WebClient | None:
            enterprise_id, org_wide = self._installation(team_id)
            bot = store.find_bot(
                enterprise_id=enterprise_id, team_id=None if org_wide else team_id, is_enterprise_install=org_wide
            )
            if bot is None or not bot.bot_token:
                return None
            return make_web_client(bot.bot_token, self._base.base_url, timeout=self._base.timeout)

        return self._clients.get_or_load(team_id, load)

    def _installation(self, team_id: str) -> tuple[str | None, bool]:
        try:
            with Session(self._engine) as session:
                enterprise_id, org_wide = installation_of(session, team_id)
        except SQLAlchemyError as exc:
            log.warning("reading a workspace's installation failed (%s)", type(exc).__name__)
            enterprise_id, org_wide = None, False
        if enterprise_id is None and team_id.startswith("E"):
            return team_id, True  # the workspace of an org-wide install is its org
        return enterprise_id, org_wide

    def forget(self, team_id: str) -> None:
        """Drop a cached client (the app was uninstalled or its tokens revoked)."""
        self._clients.forget(team_id)

    def oauth_settings(self, sessions: sessionmaker[Session], language: str) -> OAuthSettings | None:
        """Bolt's OAuth settings in OAuth mode (install and redirect paths, stores, callbacks); else None."""
        settings = self._settings
        if self.store is None or settings.client_id is None:
            return None

        def success(args: SuccessArgs) -> BoltResponse:
            welcome(sessions, self._base, args.installation, language)
            return args.default.success(args)

        def failure(args: FailureArgs) -> BoltResponse:
            log.warning("an installation failed: %s", args.reason)
            return args.default.failure(args)

        return OAuthSettings(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            redirect_uri=settings.redirect_uri,
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            installation_store=self.store,
            installation_store_bot_only=True,
            state_store=OAuthStateStore(self.store.engine),
            state_expiration_seconds=STATE_SECONDS,
            callback_options=CallbackOptions(success=success, failure=failure),
        )


def welcome(sessions: sessionmaker[Session], base: WebClient, installation: Installation, language: str) -> None:
    """After an install: the workspace exists from now on (no digest of the weeks before it), and the
    person who installed is told how to set it up."""
    org_wide = bool(installation.is_enterprise_install and installation.enterprise_id)
    team_id = (installation.enterprise_id if org_wide else installation.team_id) or ""
    name = installation.enterprise_name if org_wide else installation.team_name
    try:
        with sessions.begin() as session:
            ensure_workspace(
                session, team_id, name, enterprise_id=installation.enterprise_id, is_enterprise_install=org_wide
            )
    except (SQLAlchemyError, ValueError) as exc:  # the workspace is created on its first insight instead
        log.warning("recording an installed workspace failed (%s)", type(exc).__name__)
    log.info("Pépites installed in workspace %s", team_id)
    if not installation.bot_token or not installation.user_id:
        return
    text = t(language, "installed_welcome")
    failure = "could not welcome the installer"
    messenger.post(base, installation.user_id, text, failure=failure, token=installation.bot_token)
