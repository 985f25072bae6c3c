"""Escalation by reactions over the Events API, the managers' alert, and the reporter told of the outcome."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.jobs.tagger_process import SubprocessTagger
from models.schema import StatusChange, Vote
from tests.e2e.conftest import Pepites, start_pepites
from tests.e2e.helpers import stored
from tests.e2e.test_capture_modal import state
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import (
    block_actions_payload,
    message_shortcut_payload,
    reaction_event,
    slack_message,
    text_input_state,
    view_submission_payload,
)

TS = "1700000200.000100"
MANAGER = "UMGR"
ALERTS = "CALERT"


@pytest.fixture
def pepites(database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger) -> Iterator[Pepites]:
    app = start_pepites(
        database_url,
        fake_slack,
        shared_tagger,
        PEPITES_QUORUM="3",
        PEPITES_MANAGERS=MANAGER,
        PEPITES_ALERT_CHANNEL=ALERTS,
    )
    app.fake.messages[("C1", TS)] = slack_message("Le VPN coupe pendant les démos client.", user="U2", ts=TS)
    yield app
    app.server.stop()
    app.runtime.stop()


def react(
    pepites: Pepites, user: str, emoji: str = "arrow_up", added: bool = True, event_id: str | None = None
) -> None:
    event = reaction_event(emoji, user=user, item_channel="C1", item_ts=TS, item_user="U2", added=added)
    assert pepites.slack.event(event, event_id=event_id).status == 200


def alerts(pepites: Pepites) -> list[object]:
    return [c for c in pepites.fake.calls("chat.postMessage") if c.params["channel"] == ALERTS]


def votes(pepites: Pepites) -> int:
    with pepites.sessions.begin() as session:
        return int(session.scalar(select(func.count()).select_from(Vote)) or 0)


def wait_votes(pepites: Pepites, expected: int) -> None:
    import time

    deadline = time.monotonic() + 10
    while votes(pepites) != expected:  # events are handled after their ack
        assert time.monotonic() < deadline, f"expected {expected} votes, have {votes(pepites)}"
        time.sleep(0.05)


def test_escalation_three_people_alert_managers_once(pepites: Pepites) -> None:
    for user in ("U1", "U3", "U4"):
        react(pepites, user, "rotating_light" if user == "U3" else "arrow_up")
        wait_votes(pepites, ("U1", "U3", "U4").index(user) + 1)
    # The alert is posted after the third vote is committed: wait for it (U1's confirmation, then the alert)
    # before a fourth person votes, whose vote must not alert again.
    pepites.fake.wait_for("chat.postMessage", count=2)
    react(pepites, "U5")
    wait_votes(pepites, 4)
    [alert] = alerts(pepites)
    shown = json.dumps(alert.params["blocks"], ensure_ascii=False)
    assert "remontée par 3 personnes" in shown and "VPN" in shown
    [insight] = stored(pepites.sessions)
    # The message's author reports it, whoever voted first (issue 12): voters only vote.
    assert insight.escalated_at is not None and insight.reporter_id == "U2"


def test_escalation_one_person_three_times_is_one_vote(pepites: Pepites) -> None:
    react(pepites, "U1", "arrow_up", event_id="Ev1")
    react(pepites, "U1", "arrow_up", event_id="Ev1")  # a retried delivery
    react(pepites, "U1", "rotating_light")
    wait_votes(pepites, 1)
    assert alerts(pepites) == []
    assert stored(pepites.sessions)[0].escalated_at is None


def test_escalation_removed_reaction_takes_the_vote_back(pepites: Pepites) -> None:
    react(pepites, "U1")
    react(pepites, "U3")
    wait_votes(pepites, 2)
    react(pepites, "U3", added=False)
    wait_votes(pepites, 1)
    react(pepites, "U4")
    wait_votes(pepites, 2)
    assert alerts(pepites) == []
    react(pepites, "U5")
    pepites.fake.wait_for("chat.postMessage", count=2)  # the capture confirmation, then the alert
    assert len(alerts(pepites)) == 1


def test_escalation_one_manager_is_enough(pepites: Pepites) -> None:
    react(pepites, MANAGER)
    wait_votes(pepites, 1)
    pepites.fake.wait_for("chat.postMessage", count=2)
    assert len(alerts(pepites)) == 1


def test_escalation_concurrent_votes_alert_once(pepites: Pepites) -> None:
    react(pepites, "U1")  # captured first, so the race is on the votes
    wait_votes(pepites, 1)
    threads = [threading.Thread(target=react, args=(pepites, user)) for user in ("U3", "U4", "U5", "U6", "U7")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_votes(pepites, 6)
    pepites.fake.wait_for("chat.postMessage", count=2)  # U1's confirmation, then the alert
    assert len(alerts(pepites)) == 1


def capture_anonymously(pepites: Pepites) -> int:
    message = slack_message("Le VPN coupe pendant les démos client.", user="U2", ts=TS)
    pepites.slack.interactive(message_shortcut_payload("save_as_insight", message, user_id="U9"))
    [opened] = pepites.fake.wait_for("views.open")
    pepites.slack.interactive(
        view_submission_payload(
            "insight_capture",
            state("Le VPN coupe pendant les démos client.", anonymous=True),
            private_metadata=opened.params["view"]["private_metadata"],
            user_id="U9",
        )
    )
    pepites.fake.wait_for("chat.postMessage")
    return stored(pepites.sessions)[0].id


def resolve_with_form(pepites: Pepites, insight_id: int, note: str, value: str, *, response_url: str) -> None:
    """A manager clicks Resolve on the alert, fills the form, and submits it."""
    opened_before = len(pepites.fake.calls("views.open"))
    click = block_actions_payload(
        "insight_resolve", str(insight_id), user_id=MANAGER, response_url=response_url, block_id=f"alert-{insight_id}"
    )
    pepites.slack.interactive(click)
    opened = pepites.fake.wait_for("views.open", count=opened_before + 1)[-1]
    assert opened.params["view"]["callback_id"] == "insight_resolve"
    form = {"note": {"value": text_input_state(note)}, "value_eur": {"value": text_input_state(value)}}
    submission = view_submission_payload(
        "insight_resolve", form, private_metadata=opened.params["view"]["private_metadata"], user_id=MANAGER
    )
    response = pepites.slack.interactive(submission)
    assert response.status == 200 and response.body == b""


def test_escalation_resolution_tells_the_anonymous_reporter_only(pepites: Pepites) -> None:
    insight_id = capture_anonymously(pepites)
    for user in ("U1", "U3", "U4"):
        react(pepites, user)
    calls = pepites.fake.wait_for("chat.postMessage", count=2)
    [alert] = [c for c in calls if c.params["channel"] == ALERTS]
    assert "U9" not in json.dumps(alert.params)
    url = pepites.fake.response_url("alert")
    stranger = block_actions_payload(
        "insight_resolve", str(insight_id), user_id="U3", response_url=url, block_id=f"alert-{insight_id}"
    )
    pepites.slack.interactive(stranger)
    [refused] = pepites.fake.wait_for("response_url")
    assert "Seuls les managers" in refused.params["text"]
    assert pepites.fake.calls("views.open") == [pepites.fake.calls("views.open")[0]]  # only the capture form
    resolve_with_form(pepites, insight_id, "Nouveau boîtier VPN <!channel> installé.", "1 200,50 €", response_url=url)
    updates = pepites.fake.wait_for("response_url", count=2)
    assert "résolue par" in json.dumps(updates[1].params, ensure_ascii=False)
    notes = pepites.fake.wait_for("chat.postMessage", count=3)
    told = [c for c in notes if c.params["channel"] == "U9" and "résolue" in c.params["text"]]
    assert len(told) == 1
    shown = json.dumps(told[0].params["blocks"], ensure_ascii=False)
    assert "Nouveau boîtier VPN &lt;!channel&gt; installé." in shown and "<!channel>" not in shown
    # A second submission (a double click on Submit) changes nothing and tells the reporter nothing more.
    resolve_with_form(pepites, insight_id, "encore", "5", response_url=url)
    pepites.fake.wait_for("chat.postMessage", count=4)  # the manager is told it was already done
    assert len([c for c in pepites.fake.calls("chat.postMessage") if c.params["channel"] == "U9"]) == 2
    with pepites.sessions.begin() as session:
        changes = list(session.scalars(select(StatusChange)))
        assert [(c.from_status, c.to_status, c.by) for c in changes] == [("open", "resolved", MANAGER)]
        assert changes[0].note == "Nouveau boîtier VPN <!channel> installé."
    [insight] = stored(pepites.sessions)
    assert insight.status == "resolved" and insight.reporter_id is None and insight.value_eur == 1200.5
    payloads = json.dumps([c.params for c in pepites.fake.calls() if c.params.get("channel") != "U9"])
    assert "U9" not in payloads  # only the DM's address holds the anonymous reporter's id


def test_a_wrong_amount_keeps_the_resolve_form_open(pepites: Pepites) -> None:
    insight_id = capture_anonymously(pepites)
    form = {"note": {"value": text_input_state(None)}, "value_eur": {"value": text_input_state("beaucoup")}}
    context = json.dumps({"i": insight_id, "u": None, "r": None})
    response = pepites.slack.interactive(
        view_submission_payload("insight_resolve", form, private_metadata=context, user_id=MANAGER)
    )
    assert response.json()["response_action"] == "errors" and "value_eur" in response.json()["errors"]
    assert stored(pepites.sessions)[0].status == "open"
