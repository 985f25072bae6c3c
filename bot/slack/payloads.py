"""Reading Slack's payloads: whose workspace a request is, and what a submitted closing-the-loop form holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.views.manage import ModalContext, submitted_text


def team_of(body: dict[str, Any]) -> str:
    """The workspace a request comes from, wherever its payload puts it."""
    team = body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("view") or {}).get("team_id")
    return str(team or "")


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
