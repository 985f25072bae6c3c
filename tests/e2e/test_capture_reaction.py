"""The capture reaction over the Events API: one insight per message, retries included."""

from __future__ import annotations

import json

from tests.e2e.conftest import Pepites
from tests.e2e.helpers import stored
from tests.support.slack_requests import reaction_event, slack_message

TS = "1700000100.000100"


def put_message(pepites: Pepites, text: str, ts: str = TS, user: str = "U2") -> None:
    pepites.fake.messages[("C1", ts)] = slack_message(text, user=user, ts=ts)


def test_reaction_stores_the_message_once_for_everyone_who_adds_it(pepites: Pepites) -> None:
    put_message(pepites, "Deliveries to the Lille warehouse are late again, customers keep calling support.")
    for user in ("U1", "U3"):
        response = pepites.slack.event(reaction_event("gem", user=user, item_channel="C1", item_ts=TS, item_user="U2"))
        assert response.status == 200
        pepites.fake.wait_for("chat.postMessage")  # the first reporter's confirmation
    [insight] = stored(pepites.sessions)
    assert (insight.source, insight.reporter_id, insight.author_id, insight.message_ts) == ("reaction", "U1", "U2", TS)
    assert len(pepites.fake.calls("reactions.get")) == 1
    [dm] = pepites.fake.calls("chat.postMessage")
    assert dm.params["channel"] == "U1"
    [update] = pepites.fake.wait_for("chat.update", timeout=60)
    assert "en" in json.dumps(update.params["blocks"])
    tagged = stored(pepites.sessions)[0]
    assert tagged.language == "en" and tagged.kind == "problem"


def test_reaction_retried_delivery_stores_one_insight(pepites: Pepites) -> None:
    put_message(pepites, "La machine à café du 2e est encore en panne.")
    event = reaction_event("gem", user="U1", item_channel="C1", item_ts=TS, item_user="U2")
    first = pepites.slack.event(event, event_id="Ev0001")
    retry = pepites.slack.event(event, event_id="Ev0001", retry_num=1)
    assert (first.status, retry.status) == (200, 200)
    pepites.fake.wait_for("chat.postMessage")
    pepites.fake.wait_for("chat.update", timeout=60)
    assert len(stored(pepites.sessions)) == 1
    assert len(pepites.fake.calls("chat.postMessage")) == 1


def test_reaction_other_emoji_is_ignored_and_skin_tone_counts(pepites: Pepites) -> None:
    put_message(pepites, "Support cleared the backlog in two days, great job.")
    pepites.slack.event(reaction_event("thumbsup", user="U1", item_channel="C1", item_ts=TS, item_user="U2"))
    pepites.slack.event(reaction_event("gem::skin-tone-3", user="U1", item_channel="C1", item_ts=TS, item_user="U2"))
    pepites.fake.wait_for("chat.postMessage")
    assert len(stored(pepites.sessions)) == 1


def test_reaction_on_a_files_only_message_tells_the_person(pepites: Pepites) -> None:
    put_message(pepites, "")
    pepites.slack.event(reaction_event("gem", user="U1", item_channel="C1", item_ts=TS, item_user="U2"))
    [notice] = pepites.fake.wait_for("chat.postEphemeral")
    assert notice.params["user"] == "U1" and "pas de texte" in notice.params["text"]
    assert stored(pepites.sessions) == []
