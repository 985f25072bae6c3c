"""Reading Slack's payloads: whose workspace a request is, and what a submitted closing-the-loop form holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.request.internals import build_context

from bot import ids
from bot.views.manage import ModalContext, submitted_text


def workspace_of(context: BoltContext) -> str:
    """The workspace that installed the app, as Bolt's context says: never the team of the person acting.

    In a channel shared across an org's workspaces or with another organisation (Slack Connect), the payload's
    own ``team_id`` or ``user.team`` may be the person's team; Bolt reads the installed one (``authorizations``,
    ``view.app_installed_team_id``). An org-wide install is one workspace, keyed by its enterprise id: its
    events carry no team, its forms the person's own workspace. "" only for a request without either.
    """
    if context.is_enterprise_install and context.enterprise_id:
        return str(context.enterprise_id)
    return str(context.team_id or context.enterprise_id or "")


def context_of(body: dict[str, Any]) -> BoltContext:
    """Bolt's context of a request, for code that holds its body only (Bolt builds it from the body alike)."""
    return build_context(BoltContext(), body)


def team_of(body: dict[str, Any]) -> str:
    """:func:`workspace_of` for code that holds the request's body only."""
    return workspace_of(context_of(body))


def is_external(context: BoltContext, actor_team: str | None, ext_shared: bool | None = None) -> bool:
    """A person of another organisation (Slack Connect): their team is not the installed workspace's.

    Events say whether the channel is shared with another organisation (``is_ext_shared_channel``); a form
    does not, so there another team counts as external unless the install is org-wide (every team of the
    org is at home): a person shown too little rather than too much.
    """
    if not actor_team or actor_team in (context.team_id, context.enterprise_id):
        return False
    if ext_shared is not None:
        return ext_shared
    return not (context.is_enterprise_install and context.enterprise_id)


@dataclass(frozen=True)
class Form:
    """A submitted reply, answer or resolve form: who sent it from where, what it is about, its id."""

    team_id: str
    user_id: str
    context: ModalContext | None
    view_id: str

    def text(self, view: dict[str, Any], block: str) -> str:
        return submitted_text(view, block)


def form_of(body: dict[str, Any], view: dict[str, Any]) -> Form:
    """The form's sender and context; ``view_id`` is the same on every delivery of one submission."""
    context = ModalContext.loads(str(view.get("private_metadata") or ""))
    return Form(team_of(body), body["user"]["id"], context, str((body.get("view") or {}).get("id") or ""))


def chose(*action_ids: str) -> Callable[[dict[str, Any]], bool]:
    """A Bolt matcher: the digest item menu's option picked stands for one of ``action_ids``."""

    def matcher(action: dict[str, Any]) -> bool:
        return ids.chosen_action(action) in action_ids

    return matcher
