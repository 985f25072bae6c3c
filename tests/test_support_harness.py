"""The end-to-end harness itself: the fake Web API, signed requests, the WSGI server helper."""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.support.fake_slack import FakeSlack, running_fake_slack
from tests.support.slack_requests import (
    FORM,
    SlackSender,
    block_actions_payload,
    command_form,
    encode_form,
    message_shortcut_payload,
    reaction_event,
    signed_headers,
    slack_message,
    text_input_state,
    view_submission_payload,
)
from tests.support.wsgi_server import BackgroundWSGIServer

SECRET = "test-signing-secret"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "Merci !"}}]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with running_fake_slack() as fake:
        yield fake


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.base_url, timeout=5)


def test_fake_slack_records_post_message_with_blocks_decoded(fake: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="hi", blocks=BLOCKS)
    second = client.chat_postMessage(channel="C1", text="again")

    [call, _] = fake.wait_for("chat.postMessage", 2)
    assert call.params["blocks"] == BLOCKS
    assert call.params["channel"] == "C1"
    assert call.token == "xoxb-test"
    assert first["channel"] == "C1" and first["message"]["blocks"] == BLOCKS
    assert float(second["ts"]) > float(first["ts"])


def test_fake_slack_decodes_json_strings_in_form_bodies(fake: FakeSlack, client: WebClient) -> None:
    client.api_call("chat.update", params={"channel": "C1", "ts": "1.2", "blocks": json.dumps(BLOCKS)})

    assert fake.calls("chat.update")[0].params["blocks"] == BLOCKS


def test_fake_slack_token_in_form_when_no_header(fake: FakeSlack) -> None:
    WebClient(base_url=fake.base_url).api_call("auth.test", params={"token": "xoxb-form"})

    assert fake.calls("auth.test")[0].token == "xoxb-form"


def test_fake_slack_without_token_answers_not_authed(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as raised:
        WebClient(base_url=fake.base_url).chat_postMessage(channel="C1", text="x")

    assert raised.value.response["error"] == "not_authed"


def test_fake_slack_429_retry_after_is_retried_then_succeeds(fake: FakeSlack) -> None:
    client = WebClient(
        token="xoxb-test",
        base_url=fake.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    fake.fail_next("chat.postMessage", status=429, retry_after=0)

    response = client.chat_postMessage(channel="C1", text="hi")

    assert response["ok"] is True
    assert [c.status for c in fake.calls("chat.postMessage")] == [429, 200]


def test_fake_slack_429_carries_retry_after_header(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"


def test_fake_slack_server_error_times_then_ok(fake: FakeSlack) -> None:
    client = WebClient(
        token="xoxb-test",
        base_url=fake.base_url,
        retry_handlers=[
            ServerErrorRetryHandler(max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01))
        ],
    )
    fake.fail_next("views.open", status=503, times=2)

    client.views_open(trigger_id="t", view={"type": "modal", "title": {"type": "plain_text", "text": "x"}})

    assert [c.status for c in fake.calls("views.open")] == [503, 503, 200]


def test_fake_slack_slack_error_with_http_200(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", error="not_in_channel")

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C9", text="hi")
    client.chat_postMessage(channel="C9", text="hi")

    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == "not_in_channel"
    assert [c.status for c in fake.calls("chat.postMessage")] == [200, 200]


def test_fake_slack_delay_makes_client_time_out(fake: FakeSlack) -> None:
    fake.fail_next("users.info", delay=1.5)
    # urllib takes a float timeout although slack_sdk annotates it as int.
    client = WebClient(token="xoxb-test", base_url=fake.base_url, timeout=0.3)  # type: ignore[arg-type]

    with pytest.raises(TimeoutError):
        client.users_info(user="U1")


def test_fake_slack_reactions_get_returns_stored_message(fake: FakeSlack, client: WebClient) -> None:
    stored = slack_message("Le client &lt;Acme&gt; veut l'export PDF", user="U2", ts="1700000000.000200")
    fake.messages[("C1", "1700000000.000200")] = stored

    found = client.reactions_get(channel="C1", timestamp="1700000000.000200")

    assert found["type"] == "message" and found["channel"] == "C1"
    assert found["message"]["text"] == stored["text"] and found["message"]["user"] == "U2"
    with pytest.raises(SlackApiError) as raised:
        client.reactions_get(channel="C1", timestamp="1700000000.999999")
    assert raised.value.response["error"] == "message_not_found"


def test_fake_slack_realistic_answers(fake: FakeSlack, client: WebClient) -> None:
    fake.usergroups["S1"] = ["U7", "U8"]
    posted = client.chat_postMessage(channel="C1", text="x")
    link = client.chat_getPermalink(channel="C1", message_ts=posted["ts"])
    opened = client.views_open(trigger_id="t", view={"type": "modal", "callback_id": "cb", "blocks": BLOCKS})
    updated = client.views_update(view_id=opened["view"]["id"], view={"type": "modal", "blocks": []})
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": BLOCKS})
    dm = client.conversations_open(users="U1")
    to_user = client.chat_postMessage(channel="U1", text="x")

    assert link["permalink"].endswith(f"/archives/C1/p{posted['ts'].replace('.', '')}")
    assert opened["view"]["id"].startswith("V") and opened["view"]["callback_id"] == "cb"
    assert fake.calls("views.open")[0].params["view"]["blocks"] == BLOCKS
    assert updated["view"]["id"] == opened["view"]["id"]
    assert home["view"]["type"] == "home"
    assert dm["channel"]["id"].startswith("D") and to_user["channel"] == dm["channel"]["id"]
    assert client.auth_test()["user_id"] == fake.bot_user_id
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U7", "U8"]
    assert client.users_info(user="U3")["user"]["id"] == "U3"
    assert client.chat_postEphemeral(channel="C1", user="U1", text="x")["message_ts"]
    assert client.chat_delete(channel="C1", ts=posted["ts"])["ok"] is True
    assert client.api_call("team.info")["ok"] is True


def test_fake_slack_file_upload_v2_is_served_and_recorded(fake: FakeSlack, client: WebClient) -> None:
    done = client.files_upload_v2(channel="C1", content=b"\x89PNG fake", filename="themes.png", title="Themes")

    [upload] = fake.calls("file_upload")
    assert upload.params["data"] == b"\x89PNG fake"
    assert done["file"]["id"] == upload.params["file_id"] and done["file"]["title"] == "Themes"
    assert fake.calls("files.completeUploadExternal")[0].params["files"][0]["id"] == upload.params["file_id"]


def test_fake_slack_records_response_url_posts(fake: FakeSlack) -> None:
    WebhookClient(fake.response_url("cmd-1")).send(text="Merci", response_type="ephemeral")

    [call] = fake.wait_for("response_url")
    assert call.params["name"] == "cmd-1" and call.params["text"] == "Merci"


def test_fake_slack_wait_for_times_out_listing_calls(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()

    with pytest.raises(AssertionError, match="auth.test"):
        fake.wait_for("chat.postMessage", timeout=0.2)


def test_fake_slack_reset_forgets_calls_and_faults(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    fake.fail_next("auth.test", error="invalid_auth")
    fake.reset()

    assert client.auth_test()["ok"] is True
    assert len(fake.calls()) == 1


def test_signed_request_verifies_and_tampered_does_not() -> None:
    body = encode_form(command_form("le café est froid"))
    headers = signed_headers(SECRET, body)
    verifier = SignatureVerifier(SECRET)
    ts, signature = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]

    assert verifier.is_valid(body=body, timestamp=ts, signature=signature)
    assert not verifier.is_valid(body=body.replace(b"froid", b"chaud"), timestamp=ts, signature=signature)
    assert not SignatureVerifier("other").is_valid(body=body, timestamp=ts, signature=signature)


def test_signed_request_six_minutes_old_is_stale() -> None:
    body = b"payload=%7B%7D"
    headers = signed_headers(SECRET, body, timestamp=int(time.time()) - 360)

    assert not SignatureVerifier(SECRET).is_valid(
        body=body, timestamp=headers["X-Slack-Request-Timestamp"], signature=headers["X-Slack-Signature"]
    )


@pytest.fixture
def bolt_app(fake: FakeSlack) -> Iterator[tuple[SlackSender, queue.Queue[dict[str, Any]]]]:
    """A tiny Bolt app behind waitress that hands over the bodies it was given (events run after the ack)."""
    seen: queue.Queue[dict[str, Any]] = queue.Queue()
    app = App(
        signing_secret=SECRET,
        client=WebClient(token="xoxb-test", base_url=fake.base_url),
        token_verification_enabled=False,
    )

    def remember(ack: Any, body: dict[str, Any]) -> None:
        seen.put(body)
        ack()

    app.command("/insight")(remember)
    app.action("vote")(remember)
    app.view("capture")(remember)
    app.shortcut("save")(remember)
    app.event("reaction_added")(remember)
    with BackgroundWSGIServer(SlackRequestHandler(app), threads=4) as server:
        yield SlackSender(server.events_url, SECRET), seen


def test_sender_requests_reach_bolt_listeners(bolt_app: tuple[SlackSender, queue.Queue[dict[str, Any]]]) -> None:
    sender, seen = bolt_app
    message = slack_message("Acme hésite", ts="1700000000.000300")

    responses = [
        sender.command("le <!channel> café", user_id="U5"),
        sender.interactive(block_actions_payload("vote", "42", channel_id="C1", message_ts="1700000000.000100")),
        sender.interactive(view_submission_payload("capture", {"text": {"text_input": text_input_state("x")}})),
        sender.interactive(message_shortcut_payload("save", message)),
        sender.event(
            reaction_event("gem", user="U3", item_channel="C1", item_ts="1700000000.000300", item_user="U2"),
            event_id="Ev1",
            retry_num=1,
        ),
    ]

    bodies = [seen.get(timeout=5) for _ in responses]
    assert [r.status for r in responses] == [200] * 5
    assert [b.get("type") for b in bodies] == [
        None,
        "block_actions",
        "view_submission",
        "message_action",
        "event_callback",
    ]
    assert bodies[0]["text"] == "le <!channel> café" and bodies[0]["user_id"] == "U5"
    assert bodies[4]["event_id"] == "Ev1"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"signature": "v0=" + "0" * 64},
        {"timestamp": int(time.time()) - 360},
        {"sign": False},
    ],
    ids=["forged", "stale", "unsigned"],
)
def test_sender_bad_signatures_are_refused(
    bolt_app: tuple[SlackSender, queue.Queue[dict[str, Any]]], kwargs: dict[str, Any]
) -> None:
    sender, seen = bolt_app

    response = sender.post(encode_form(command_form("x")), FORM, **kwargs)

    assert response.status == 401
    assert seen.empty()


def _thread_channel(fake: FakeSlack) -> None:
    fake.seed_channel(
        "C0FEED",
        "retours-clients",
        [
            {"type": "message", "ts": "100.000001", "user": "U1", "text": "un"},
            {"type": "message", "ts": "101.000001", "user": "U2", "text": "deux"},
            {"type": "message", "ts": "102.000001", "user": "U3", "text": "réponse", "thread_ts": "100.000001"},
            {"type": "message", "ts": "103.000001", "user": "U1", "text": "trois"},
            {"type": "message", "ts": "104.000001", "user": "U2", "text": "encore", "thread_ts": "100.000001"},
        ],
    )
    fake.seed_channel("C0SECRET", "secret", [], member=False, private=True)
    fake.seed_channel("C0OUT", "dehors", [], member=False)


def test_fake_slack_history_pages_newest_first_with_threads(fake: FakeSlack, client: WebClient) -> None:
    _thread_channel(fake)
    fake.page_size = 2
    first = client.conversations_history(channel="C0FEED", limit=200)
    assert [m["ts"] for m in first["messages"]] == ["103.000001", "101.000001"] and first["has_more"] is True
    second = client.conversations_history(channel="C0FEED", cursor=first["response_metadata"]["next_cursor"])
    [parent] = second["messages"]
    assert (parent["ts"], parent["reply_count"], parent["latest_reply"]) == ("100.000001", 2, "104.000001")
    assert second["has_more"] is False and second["response_metadata"]["next_cursor"] == ""
    thread = client.conversations_replies(channel="C0FEED", ts="100.000001")
    assert [m["ts"] for m in thread["messages"]] == ["100.000001", "102.000001"]
    rest = client.conversations_replies(
        channel="C0FEED", ts="100.000001", cursor=thread["response_metadata"]["next_cursor"]
    )
    assert [m["ts"] for m in rest["messages"]] == ["104.000001"]
    assert [m["ts"] for m in client.conversations_history(channel="C0FEED", oldest="101.000001")["messages"]] == [
        "103.000001"
    ]
    # A channel nobody seeded has no history (what the digest's look-back has always seen).
    assert client.conversations_history(channel="C0OTHER")["messages"] == []


def test_fake_slack_history_refuses_a_channel_the_bot_is_not_in(fake: FakeSlack, client: WebClient) -> None:
    _thread_channel(fake)
    with pytest.raises(SlackApiError) as public:
        client.conversations_history(channel="C0OUT")
    with pytest.raises(SlackApiError) as private:
        client.conversations_history(channel="C0SECRET")
    assert (public.value.response["error"], private.value.response["error"]) == ("not_in_channel", "channel_not_found")
    listed = client.conversations_list(types="public_channel,private_channel")["channels"]
    assert [(c["id"], c["is_member"]) for c in listed] == [("C0FEED", True), ("C0OUT", False)]
    assert client.conversations_info(channel="C0FEED")["channel"]["name"] == "retours-clients"


def test_fake_slack_fault_after_some_calls_answers_a_429_in_the_middle(fake: FakeSlack) -> None:
    _thread_channel(fake)
    fake.page_size = 1
    fake.fail_next("conversations.history", status=429, retry_after=1, after=1)
    client = WebClient(
        token="xoxb-test", base_url=fake.base_url, timeout=5, retry_handlers=[RateLimitErrorRetryHandler()]
    )
    seen, cursor = [], None
    started = time.monotonic()
    while True:
        page = client.conversations_history(channel="C0FEED", cursor=cursor)
        seen += [m["ts"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == ["103.000001", "101.000001", "100.000001"]
    assert [c.status for c in fake.calls("conversations.history")] == [200, 429, 200, 200]
    assert time.monotonic() - started >= 1.0  # Retry-After was waited
