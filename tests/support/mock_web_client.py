"""A ``Mock(spec=WebClient)`` whose methods answer like Slack, for the middle tier (no HTTP at all).

Answers come from :meth:`FakeSlack.answer`, so they are the same realistic payloads the end-to-end tier gets
over HTTP; calls are recorded both by the mock (``client.chat_postMessage.assert_called_once()``) and by the
fake (``fake.calls("chat.postMessage")``, with blocks and views as dicts), and ``fake.fail_next`` makes a
method raise :class:`SlackApiError` as the real client would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from unittest.mock import Mock

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from tests.support.fake_slack import Call, FakeSlack

# The Web API methods the fake answers, as WebClient spells them (chat_postMessage for chat.postMessage).
METHODS = (
    "auth.test",
    "chat.postMessage",
    "chat.postEphemeral",
    "chat.scheduleMessage",
    "chat.update",
    "chat.delete",
    "chat.getPermalink",
    "views.open",
    "views.push",
    "views.update",
    "views.publish",
    "reactions.get",
    "conversations.open",
    "conversations.join",
    "conversations.history",
    "conversations.replies",
    "conversations.info",
    "conversations.list",
    "users.info",
    "usergroups.users.list",
)
TOKEN = "xoxb-test-token"


def _plain(value: Any) -> Any:
    """Blocks, views and attachments as the JSON slack_sdk would send (typed models turned into dicts)."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else value


def _method(client: Mock, fake: FakeSlack, method: str) -> Callable[..., SlackResponse]:
    def call(*args: Any, **kwargs: Any) -> SlackResponse:
        if args:
            raise TypeError(f"WebClient.{method.replace('.', '_')} takes keyword arguments only")
        params = {k: _plain(v) for k, v in kwargs.items() if v is not None}
        token = params.pop("token", None) or client.token
        fault = fake._record(Call(method, params, token))
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.error is not None:
            data: dict[str, Any] = {"ok": False, "error": fault.error}
            headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
            status = fault.status
        else:
            data, headers, status = fake.answer(method, params, token), {}, 200
        response = SlackResponse(
            client=client,
            http_verb="POST",
            api_url=f"{client.base_url}{method}",
            req_args={"params": params},
            data=data,
            headers=headers,
            status_code=status,
        )
        if not data.get("ok"):
            raise SlackApiError(f"The request to the Slack API failed. (url: {response.api_url})", response)
        return response

    return call


def mock_web_client(fake: FakeSlack | None = None, *, token: str = TOKEN) -> Mock:
    """A ``Mock(spec=WebClient)`` answering through ``fake`` (a new, never-served FakeSlack by default)."""
    fake = fake or FakeSlack()
    client = Mock(spec=WebClient)
    client.token = token
    client.base_url = "https://slack.com/api/"
    client.fake = fake
    for method in METHODS:
        getattr(client, method.replace(".", "_")).side_effect = _method(client, fake, method)
    return client
