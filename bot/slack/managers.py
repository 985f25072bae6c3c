"""Who is a manager of a workspace: its configured user ids, the members of its user group, and who may
change its settings (managers, and the workspace's admins and owners).

User group members and admin flags come from the Web API (``usergroups.users.list``, ``users.info``) and
are kept :data:`CACHE_SECONDS`, so a button click costs at most one call every few minutes. These calls run
before the request's 2xx (Slack's 3 s): each waits at most :data:`bot.slack.directory.PRE_ACK_BUDGET` and is
not retried; with no answer the last list read is used, and with none the person is refused this time with
"Slack is slow, try again" (:meth:`ManagerDirectory.act_refusal`; the next click asks Slack again: nothing
unanswered is kept).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Final

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.cache import TTLCache
from bot.slack.client import NO_ANSWER
from bot.slack.directory import PRE_ACK_BUDGET, quick_client
from bot.workspace_config import WorkspaceConfig

log = logging.getLogger(__name__)

CACHE_SECONDS: Final = 300.0


SLACK_SLOW: Final = "slack_slow"  # the refusal when Slack did not answer in time and nothing was known


class _Unanswered(Exception):
    """Slack did not answer a manager check in time, and no earlier answer is known."""


class ManagerDirectory:
    """Answers "is this person a manager here?" and "may they change the settings?"."""

    def __init__(self, ttl: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._groups: TTLCache[str, frozenset[str]] = TTLCache(ttl, clock)
        self._admins: TTLCache[tuple[str, str], bool] = TTLCache(ttl, clock)

    def managers(self, client: WebClient, config: WorkspaceConfig) -> frozenset[str]:
        """Every manager's user id: the configured ones and the members of the manager group."""
        people = set(config.managers)
        if config.manager_group:
            people |= self._group_members(client, config.manager_group)
        return frozenset(people)

    def is_manager(self, client: WebClient, config: WorkspaceConfig, user_id: str) -> bool:
        try:
            return user_id in config.managers or user_id in self.managers(client, config)
        except _Unanswered:
            return False

    def may_act(self, client: WebClient, config: WorkspaceConfig, user_id: str) -> bool:
        """Managers' buttons: anyone when the workspace names no manager, else managers only."""
        return self.act_refusal(client, config, user_id) is None

    def may_configure(self, client: WebClient, config: WorkspaceConfig, team_id: str, user_id: str) -> bool:
        """``/insight config``: the workspace's managers, admins and owners."""
        return self.configure_refusal(client, config, team_id, user_id, "config_not_allowed") is None

    def act_refusal(
        self, client: WebClient, config: WorkspaceConfig, user_id: str, key: str = "not_manager"
    ) -> str | None:
        """None when :meth:`may_act`; else the message key to answer: ``key``, or :data:`SLACK_SLOW`."""
        if not config.has_managers or user_id in config.managers:
            return None
        try:
            return None if user_id in self.managers(client, config) else key
        except _Unanswered:
            return SLACK_SLOW

    def configure_refusal(
        self, client: WebClient, config: WorkspaceConfig, team_id: str, user_id: str, key: str
    ) -> str | None:
        """None when :meth:`may_configure`; else the message key to answer: ``key``, or :data:`SLACK_SLOW`."""
        unanswered = False
        try:
            if user_id in config.managers or user_id in self.managers(client, config):
                return None
        except _Unanswered:
            unanswered = True
        try:
            return None if self._is_admin(client, team_id, user_id) else SLACK_SLOW if unanswered else key
        except _Unanswered:
            return SLACK_SLOW

    def _group_members(self, client: WebClient, group: str) -> frozenset[str]:
        def load() -> frozenset[str]:
            response = quick_client(client, PRE_ACK_BUDGET).usergroups_users_list(usergroup=group)
            return frozenset(str(u) for u in response.get("users") or [])

        try:
            return self._groups.get_or_load(group, load)
        except SlackApiError as exc:
            log.warning("could not list the manager group: %s", exc.response.get("error"))
        except NO_ANSWER as exc:
            log.warning("no answer listing the manager group in time (%s)", type(exc).__name__)
            if not self._groups.has(group):
                raise _Unanswered from exc
        return self._groups.last(group, frozenset())

    def _is_admin(self, client: WebClient, team_id: str, user_id: str) -> bool:
        def load() -> bool:
            user = quick_client(client, PRE_ACK_BUDGET).users_info(user=user_id).get("user") or {}
            return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))

        try:
            return self._admins.get_or_load((team_id, user_id), load)
        except SlackApiError as exc:
            log.warning("could not read a user's admin flag: %s", exc.response.get("error"))
            return False
        except NO_ANSWER as exc:
            log.warning("no answer reading a user's admin flag in time (%s)", type(exc).__name__)
            if not self._admins.has((team_id, user_id)):
                raise _Unanswered from exc
        return self._admins.last((team_id, user_id), False)
