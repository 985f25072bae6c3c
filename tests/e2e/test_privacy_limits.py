"""Privacy and limits end to end: /insight forget after a confirmation, the per-person capture limit."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.jobs.tagger_process import SubprocessTagger
from models.schema import Vote
from tests.e2e.conftest import Pepites, start_pepites
from tests.e2e.helpers import blocks_text, stored
from tests.e2e.test_capture_modal import state
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import block_actions_payload, new_trigger_id, view_submission_payload


@pytest.fixture
def pepites(database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger) -> Iterator[Pepites]:
    app = start_pepites(database_url, fake_slack, shared_tagger, PEPITES_RATE_LIMIT="3")
    yield app
    app.server.stop()
    app.runtime.stop()


def test_forget_erases_what_a_person_shared_and_their_votes_after_a_confirmation(pepites: Pepites) -> None:
    pepites.slack.command("Le badge du parking ne marche plus.", user_id="U7")
    anonymous = view_submission_payload("insight_capture", state("Mon manager ne répond jamais.", anonymous=True))
    anonymous["user"]["id"] = "U7"
    pepites.slack.interactive(anonymous)
    pepites.slack.command("La machine à café fuit.", user_id="U8")
    others = [i.id for i in stored(pepites.sessions) if i.reporter_id == "U8"]
    pepites.slack.interactive(block_actions_payload("insight_me_too", str(others[0]), user_id="U7"))
    deadline = time.monotonic() + 10
    while not _votes(pepites):  # the vote is counted after the click's ack
        assert time.monotonic() < deadline
        time.sleep(0.02)
    asked = pepites.slack.command("forget", user_id="U7").json()
    assert "insight_forget" in blocks_text(asked) and "confirm" in blocks_text(asked)
    assert len(stored(pepites.sessions)) == 3  # nothing erased before the confirmation
    url = pepites.fake.response_url("forget")
    pepites.slack.interactive(block_actions_payload("insight_forget", "forget", user_id="U7", response_url=url))
    [done] = pepites.fake.wait_for("response_url")
    assert "2 pépites" in done.params["text"]
    assert [i.id for i in stored(pepites.sessions)] == others
    assert _votes(pepites) == []


def _votes(pepites: Pepites) -> list[str]:
    with pepites.sessions.begin() as session:
        return list(session.scalars(select(Vote.voter_id)))


def test_past_the_limit_a_capture_is_refused_with_its_text_and_a_retry_still_counts(pepites: Pepites) -> None:
    first_trigger = new_trigger_id()
    for n in range(3):
        trigger = first_trigger if n == 0 else new_trigger_id()
        response = pepites.slack.command(f"Remarque numéro {n} sur les devis.", user_id="U5", trigger_id=trigger)
        assert "enregistrée" in blocks_text(response.json())
    refused = blocks_text(pepites.slack.command("Une quatrième remarque sur les devis.", user_id="U5").json())
    assert "3 pépites en une minute" in refused and "Une quatrième remarque sur les devis." in refused
    again = blocks_text(
        pepites.slack.command("Remarque numéro 0 sur les devis.", user_id="U5", trigger_id=first_trigger).json()
    )
    assert "déjà enregistré" in again  # Slack's retry of an accepted capture is never refused
    assert "enregistrée" in blocks_text(pepites.slack.command("Un autre avis.", user_id="U6").json())  # per person
    assert len(stored(pepites.sessions)) == 4
