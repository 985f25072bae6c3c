"""Build the requests Slack sends to an app, sign them, and send them over real HTTP.

The shapes follow Slack's reference pages for slash commands, interaction payloads and the Events API.
"""

from __future__ import annotations

import http.client
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier

# The deprecated verification token Slack still puts in payloads; apps must ignore it and check signatures.
VERIFICATION_TOKEN = "legacy-verification-token"
API_APP_ID = "A0PEPITES"
TEAM_DOMAIN = "pepites-test"
BOT_USER_ID = "UBOT"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

# Where a request built without a response_url (or a ``response_root``) says to answer: Slack's host, unreachable
# from tests. ``SlackSender(..., response_root=fake.root_url)`` replaces it with a path the local fake serves.
PLACEHOLDER_RESPONSE_ROOT = "https://hooks.slack.com"

_serial = itertools.count(1)


@dataclass(frozen=True)
class Response:
    """What the app answered: status, lower-cased headers, raw body."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def new_trigger_id() -> str:
    """A fresh trigger id shaped like Slack's."""
    n = next(_serial)
    return f"{1_700_000_000_000 + n}.{1_000_000_000 + n}.{n:032x}"


def signed_headers(signing_secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The two headers Slack signs a request with, computed over the exact raw body."""
    ts = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=str(ts), body=body)
    if signature is None:
        raise ValueError("a signing secret is needed to sign a request")
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": signature}


def default_response_url(kind: str, team_id: str, response_root: str | None = None) -> str:
    """A fresh response URL: ``<root>/default-response/<kind>-<team>-<n>`` on a fake Web API (which records what
    it gets as "default_response_url"), else a hooks.slack.com placeholder."""
    n = next(_serial)
    if response_root:
        return f"{response_root.rstrip('/')}/default-response/{kind}-{team_id}-{n}"
    return f"{PLACEHOLDER_RESPONSE_ROOT}/{kind}/{team_id}/{n}/placeholder"


def _user(user_id: str, team_id: str) -> dict[str, str]:
    name = f"user_{user_id.lower()}"
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str) -> dict[str, str]:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def command_form(
    text: str,
    *,
    command: str = "/insight",
    team_id: str = "T1",
    user_id: str = "U1",
    channel_id: str = "C1",
    trigger_id: str | None = None,
    response_url: str | None = None,
    user_name: str | None = None,
    response_root: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """The form fields of a slash command invocation, in the order Slack sends them.

    Without ``response_url`` the command gets a fresh one under ``response_root`` (a FakeSlack's ``root_url``).
    """
    form = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": "directmessage" if channel_id.startswith("D") else "general",
        "user_id": user_id,
        "user_name": user_name or f"user_{user_id.lower()}",
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url or default_response_url("commands", team_id, response_root),
        "trigger_id": trigger_id or new_trigger_id(),
    }
    form.update(extra)
    return form


def encode_form(fields: dict[str, str]) -> bytes:
    """URL-encode form fields the way Slack does."""
    return urlencode(fields).encode("utf-8")


def slack_message(
    text: str,
    *,
    user: str = "U2",
    ts: str = "1700000000.000100",
    team_id: str = "T1",
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """A message as Slack shows it to apps (in shortcuts, reactions.get, events); ``text`` is already escaped."""
    message: dict[str, Any] = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "team": team_id,
        "blocks": [
            {
                "type": "rich_text",
                "block_id": f"rt{ts.replace('.', '')[-6:]}",
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
            }
        ],
    }
    if thread_ts is not None:
        message["thread_ts"] = thread_ts
    return message


def block_actions_payload(
    action_id: str,
    value: str | None,
    *,
    user_id: str = "U1",
    team_id: str = "T1",
    channel_id: str | None = None,
    message_ts: str | None = None,
    container: dict[str, Any] | None = None,
    response_url: str | None = None,
    view: dict[str, Any] | None = None,
    selected_option: dict[str, Any] | None = None,
    block_id: str = "actions",
    message: dict[str, Any] | None = None,
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload: a button (``value``) or a static select (``selected_option``) was used."""
    action: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "action_ts": f"{time.time():.6f}"}
    if selected_option is not None:
        action.update({"type": "static_select", "selected_option": selected_option})
    else:
        action.update({"type": "button", "value": value, "text": {"type": "plain_text", "text": action_id}})
    if container is None:
        if view is not None:
            container = {"type": "view", "view_id": view.get("id", "V1")}
        else:
            container = {"type": "message", "message_ts": message_ts, "channel_id": channel_id, "is_ephemeral": False}
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [action],
    }
    if channel_id is not None:
        payload["channel"] = {"id": channel_id, "name": "general"}
    if message_ts is not None or message is not None:
        payload["message"] = message or {
            "type": "message",
            "subtype": "bot_message",
            "user": BOT_USER_ID,
            "bot_id": "BBOT",
            "app_id": API_APP_ID,
            "text": "",
            "ts": message_ts,
            "team": team_id,
            "blocks": [],
        }
    if view is not None:
        payload["view"] = view
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_submission_payload(
    callback_id: str,
    state_values: dict[str, dict[str, dict[str, Any]]],
    *,
    private_metadata: str = "",
    user_id: str = "U1",
    team_id: str = "T1",
    view_id: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    response_urls: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A ``view_submission`` payload; ``state_values`` is ``{block_id: {action_id: {type, value...}}}``."""
    view_id = view_id or f"V{next(_serial):08d}"
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": state_values},
            "hash": f"{int(time.time())}.{view_id.lower()}",
            "title": {"type": "plain_text", "text": "Pépites"},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Cancel"},
            "submit": {"type": "plain_text", "text": "Save"},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": API_APP_ID,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": "BBOT",
        },
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def text_input_state(value: str | None) -> dict[str, Any]:
    """The state Slack reports for a plain_text_input (``None`` when left empty)."""
    return {"type": "plain_text_input", "value": value}


def static_select_state(value: str | None, text: str = "") -> dict[str, Any]:
    """The state Slack reports for a static_select (``None`` when nothing is chosen)."""
    option = None if value is None else {"text": {"type": "plain_text", "text": text or value}, "value": value}
    return {"type": "static_select", "selected_option": option}


def checkboxes_state(values: list[str]) -> dict[str, Any]:
    """The state Slack reports for checkboxes, with the ticked option values."""
    options = [{"text": {"type": "plain_text", "text": v}, "value": v} for v in values]
    return {"type": "checkboxes", "selected_options": options}


def message_shortcut_payload(
    callback_id: str,
    message: dict[str, Any],
    *,
    channel_id: str = "C1",
    user_id: str = "U1",
    team_id: str = "T1",
    trigger_id: str | None = None,
    response_url: str | None = None,
    response_root: str | None = None,
) -> dict[str, Any]:
    """A ``message_action`` payload: the user chose a message shortcut on ``message``.

    Without ``response_url`` it gets a fresh one under ``response_root`` (a FakeSlack's ``root_url``).
    """
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "channel": {"id": channel_id, "name": "general"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "response_url": response_url or default_response_url("app", team_id, response_root),
        "message_ts": message.get("ts"),
        "message": message,
    }


def reaction_event(
    reaction: str,
    *,
    user: str,
    item_channel: str,
    item_ts: str,
    item_user: str,
    added: bool = True,
) -> dict[str, Any]:
    """The inner ``reaction_added`` / ``reaction_removed`` event."""
    return {
        "type": "reaction_added" if added else "reaction_removed",
        "user": user,
        "reaction": reaction,
        "item_user": item_user,
        "item": {"type": "message", "channel": item_channel, "ts": item_ts},
        "event_ts": f"{time.time():.6f}",
    }


def event_envelope(
    event: dict[str, Any],
    *,
    team_id: str = "T1",
    event_id: str | None = None,
    authorizations: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The ``event_callback`` envelope the Events API wraps an event in."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_serial):010d}",
        "event_time": int(time.time()),
        "authorizations": authorizations
        or [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{next(_serial):012x}",
    }


def _team_of(payload: dict[str, Any]) -> str:
    team = payload.get("team")
    return str(team.get("id", "T1")) if isinstance(team, dict) else "T1"


class SlackSender:
    """Sends signed Slack requests over real HTTP to an app's events URL (http://127.0.0.1:<port>/slack/events).

    With ``response_root`` (a FakeSlack's ``root_url``), commands and payloads that carry a placeholder response
    URL get one the fake serves and records, so the app's answers are seen and never wait on hooks.slack.com.
    ``after_event`` runs after each :meth:`event` (the in-process app waits there for its event inbox to have
    run what it recorded, so a test reads what the event did).
    """

    def __init__(
        self,
        url: str,
        signing_secret: str,
        *,
        timeout: float = 10.0,
        response_root: str | None = None,
        after_event: Callable[[], object] | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"expected an http:// URL, got {url!r}")
        self.url = url
        self.signing_secret = signing_secret
        self.timeout = timeout
        self.response_root = response_root
        self.after_event = after_event
        self._host = parts.hostname
        self._port = parts.port or 80
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        sign: bool = True,
        extra_headers: dict[str, str] | None = None,
    ) -> Response:
        """POST a raw body; signed now unless told otherwise (a forged ``signature``, a stale ``timestamp``, none)."""
        headers = {"Content-Type": content_type}
        if sign:
            headers.update(signed_headers(self.signing_secret, body, timestamp=timestamp))
            if signature is not None:
                headers["X-Slack-Signature"] = signature
        headers.update(extra_headers or {})
        connection = http.client.HTTPConnection(self._host, self._port, timeout=self.timeout)
        try:
            connection.request("POST", self._path, body=body, headers=headers)
            answer = connection.getresponse()
            return Response(
                status=answer.status,
                headers={k.lower(): v for k, v in answer.getheaders()},
                body=answer.read(),
            )
        finally:
            connection.close()

    def command(
        self,
        text: str,
        *,
        command: str = "/insight",
        team_id: str = "T1",
        user_id: str = "U1",
        channel_id: str = "C1",
        trigger_id: str | None = None,
        response_url: str | None = None,
        user_name: str | None = None,
        **extra: str,
    ) -> Response:
        """Send a slash command invocation."""
        form = command_form(
            text,
            command=command,
            team_id=team_id,
            user_id=user_id,
            channel_id=channel_id,
            trigger_id=trigger_id,
            response_url=response_url,
            user_name=user_name,
            response_root=self.response_root,
            **extra,
        )
        return self.post(encode_form(form), FORM)

    def interactive(self, payload: dict[str, Any]) -> Response:
        """Send an interaction payload (block_actions, view_submission, message_action…) as ``payload=<json>``."""
        url = payload.get("response_url")
        if self.response_root and isinstance(url, str) and url.startswith(PLACEHOLDER_RESPONSE_ROOT):
            kind = url[len(PLACEHOLDER_RESPONSE_ROOT) :].strip("/").split("/")[0] or "app"
            payload = {**payload, "response_url": default_response_url(kind, _team_of(payload), self.response_root)}
        return self.post(encode_form({"payload": json.dumps(payload)}), FORM)

    def event(
        self,
        event: dict[str, Any],
        *,
        team_id: str = "T1",
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        authorizations: list[dict[str, Any]] | None = None,
    ) -> Response:
        """Send an Events API ``event_callback``; with ``retry_num`` it carries Slack's retry headers."""
        envelope = event_envelope(event, team_id=team_id, event_id=event_id, authorizations=authorizations)
        headers = None
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        answer = self.post(json.dumps(envelope).encode("utf-8"), JSON, extra_headers=headers)
        if self.after_event is not None and 200 <= answer.status < 300:  # a refused event recorded nothing
            self.after_event()
        return answer
