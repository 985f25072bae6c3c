"""The middle tier's fixtures do what tests rely on: a migrated SQLite copy per test, a predictable stub
tagger, a mocked WebClient that answers like Slack, and response URLs served by the fake Web API."""

from __future__ import annotations

import json
from pathlib import Path
from unittest.mock import Mock

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy import inspect

from models.db import make_engine
from models.migrate import current_revision
from tests.conftest import copy_sqlite
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import (
    PLACEHOLDER_RESPONSE_ROOT,
    command_form,
    message_shortcut_payload,
    slack_message,
)
from tests.support.stub_tagger import StubTagger, stub_tags


def test_sqlite_url_is_a_migrated_copy_of_the_session_template(sqlite_url: str, migrated_sqlite: Path) -> None:
    assert current_revision(sqlite_url) == current_revision(f"sqlite:///{migrated_sqlite}") is not None
    assert Path(sqlite_url.removeprefix("sqlite:///")) != migrated_sqlite
    engine = make_engine(sqlite_url)
    try:
        assert {"insight", "vote", "workspace"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_sqlite_copies_are_independent(
    sqlite_url: str, migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    second = copy_sqlite(migrated_sqlite, tmp_path_factory)
    assert sqlite_url != second
    written, other = make_engine(sqlite_url), make_engine(second)
    try:
        with written.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO workspace (team_id, settings, created_at) VALUES ('T1', '{}', '2024-01-01')"
            )
        with other.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM workspace").scalar() == 0
    finally:
        written.dispose()
        other.dispose()


@pytest.mark.parametrize(
    ("text", "lang", "kind", "signal"),
    [
        ("Le VPN est encore en panne depuis ce matin.", "fr", "dysfunction", None),
        ("Bravo à l'équipe pour la migration.", "fr", "success", None),
        ("Idée : un tableau partagé pour les devis.", "fr", "idea", "lead"),
        ("The printer is down and Kessler wants to cancel.", "en", "problem", "at_risk"),
        ("Lunch at noon.", "en", "other", None),
    ],
)
def test_stub_tagger_tags_from_cue_words(text: str, lang: str, kind: str, signal: str | None) -> None:
    tags = stub_tags(text)
    assert (tags.lang, tags.kind, tags.signal) == (lang, kind, signal)
    assert tags.lemmas and all(w == w.lower() for w in tags.lemmas)


def test_stub_tagger_is_a_batch_tagger(stub_tagger: StubTagger) -> None:
    assert stub_tagger.state == "idle"
    stub_tagger.start()
    assert stub_tagger.state == "ready"
    assert [t.kind for t in stub_tagger.tag_many(["Bravo !", "Le badge ne marche plus."])] == ["success", "problem"]
    assert stub_tagger.tagged == ["Bravo !", "Le badge ne marche plus."]
    stub_tagger.failure = RuntimeError("the tagging process stopped")
    with pytest.raises(RuntimeError):
        stub_tagger.tag_many(["x"])


def test_web_client_answers_like_slack(web_client: Mock, slack_state: FakeSlack) -> None:
    posted = web_client.chat_postMessage(channel="U42", text="Merci", blocks=[{"type": "divider"}])
    assert posted["ok"] and posted["channel"].startswith("D") and posted["ts"]
    assert web_client.conversations_open(users="U42")["channel"]["id"] == posted["channel"]
    assert web_client.views_open(trigger_id="t", view={"type": "modal", "blocks": []})["view"]["id"].startswith("V")
    assert web_client.chat_postEphemeral(channel="C1", user="U1", text="hi")["ok"]
    assert web_client.users_info(user="U7")["user"]["tz"] == "Europe/Paris"
    assert "/archives/C1/p" in web_client.chat_getPermalink(channel="C1", message_ts="1.000200")["permalink"]
    web_client.chat_postMessage.assert_called_once()
    assert [c.method for c in slack_state.calls()][:2] == ["chat.postMessage", "conversations.open"]


def test_web_client_reactions_get_reads_the_configured_message(web_client: Mock, slack_state: FakeSlack) -> None:
    slack_state.messages[("C1", "1700000000.000100")] = slack_message("Le café est froid", user="U2")
    answer = web_client.reactions_get(channel="C1", timestamp="1700000000.000100")
    assert answer["message"]["text"] == "Le café est froid" and answer["message"]["permalink"]
    with pytest.raises(SlackApiError) as refused:
        web_client.reactions_get(channel="C1", timestamp="9.9")
    assert refused.value.response["error"] == "message_not_found"


def test_web_client_faults_raise_like_the_real_client(web_client: Mock, slack_state: FakeSlack) -> None:
    slack_state.fail_next("chat.postMessage", status=429, retry_after=3)
    with pytest.raises(SlackApiError) as refused:
        web_client.chat_postMessage(channel="C1", text="x")
    assert refused.value.response.status_code == 429 and refused.value.response.headers["Retry-After"] == "3"
    assert web_client.chat_postMessage(channel="C1", text="x")["ok"]


def test_default_response_urls_point_at_the_fake_when_given_its_root() -> None:
    with FakeSlack() as fake:
        url = command_form("x", response_root=fake.root_url)["response_url"]
        assert url.startswith(f"{fake.root_url}/default-response/")
        assert WebhookClient(url).send(text="Merci", response_type="ephemeral").status_code == 200
        (sent,) = fake.responses()
        assert sent["text"] == "Merci" and sent["name"] == url.rsplit("/", 1)[1]
        assert fake.calls("response_url") == []  # named response URLs, which tests wait for, stay apart
    shortcut = message_shortcut_payload("save", slack_message("x"))
    assert shortcut["response_url"].startswith(PLACEHOLDER_RESPONSE_ROOT)
    assert json.dumps(shortcut)
