"""Request verification, the confirmation buttons, health and the ack that never waits for spaCy."""

from __future__ import annotations

import json
import time
import urllib.request

from tests.e2e.conftest import Pepites, start_pepites
from tests.e2e.helpers import blocks_text, stored
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import FORM, block_actions_payload, command_form, encode_form

TEXT = "On ressaisit chaque commande deux fois, dans le CRM puis dans l'ERP."


def test_requests_bad_or_stale_signature_is_refused(pepites: Pepites) -> None:
    body = encode_form(command_form(TEXT))
    forged = pepites.slack.post(body, FORM, signature="v0=" + "0" * 64)
    stale = pepites.slack.post(body, FORM, timestamp=int(time.time()) - 6 * 60)
    unsigned = pepites.slack.post(body, FORM, sign=False)
    assert (forged.status, stale.status, unsigned.status) == (401, 401, 401)
    assert stored(pepites.sessions) == []


def capture(pepites: Pepites, user: str = "U1") -> int:
    pepites.slack.command(TEXT, user_id=user)
    return stored(pepites.sessions)[-1].id


def test_requests_change_kind_is_saved_as_set_by_a_person(pepites: Pepites) -> None:
    insight_id = capture(pepites)
    url = pepites.fake.response_url("kind")
    option = {"text": {"type": "plain_text", "text": "idée"}, "value": f"{insight_id}:idea"}
    response = pepites.slack.interactive(
        block_actions_payload("insight_change_kind", None, selected_option=option, response_url=url)
    )
    assert response.status == 200
    [replaced] = pepites.fake.wait_for("response_url")
    assert replaced.params["replace_original"] is True and "idée" in blocks_text(replaced.params)
    [insight] = stored(pepites.sessions)
    assert (insight.kind, insight.kind_set_by) == ("idea", "person")


def test_requests_only_the_reporter_can_change_their_insight(pepites: Pepites) -> None:
    insight_id = capture(pepites, user="U1")
    url = pepites.fake.response_url("other")
    pepites.slack.interactive(block_actions_payload("insight_delete", str(insight_id), user_id="U2", response_url=url))
    [answer] = pepites.fake.wait_for("response_url")
    assert answer.params["replace_original"] is False and "Seule la personne" in answer.params["text"]
    assert len(stored(pepites.sessions)) == 1


def test_requests_make_anonymous_then_delete(pepites: Pepites) -> None:
    insight_id = capture(pepites)
    url = pepites.fake.response_url("mine")
    pepites.slack.interactive(block_actions_payload("insight_make_anonymous", str(insight_id), response_url=url))
    pepites.fake.wait_for("response_url")
    [insight] = stored(pepites.sessions)
    assert insight.anonymous and insight.reporter_id is None and insight.reporter_sealed
    assert "U1" not in json.dumps(pepites.fake.calls("response_url")[0].params)
    pepites.slack.interactive(block_actions_payload("insight_delete", str(insight_id), response_url=url))
    calls = pepites.fake.wait_for("response_url", count=2)
    assert f"n°{insight_id} supprimée" in calls[1].params["text"]
    assert stored(pepites.sessions) == []


def test_requests_healthz_reports_database_and_nlp(pepites: Pepites) -> None:
    with urllib.request.urlopen(f"{pepites.server.root_url}/healthz", timeout=5) as answer:
        body = json.loads(answer.read())
    assert answer.status == 200 and body["database"] == "ok" and body["nlp"] in ("loading", "ready")


def test_requests_first_ack_does_not_wait_for_the_model(sqlite_url: str, fake_slack: FakeSlack) -> None:
    started = time.perf_counter()
    app = start_pepites(sqlite_url, fake_slack, None)  # its own tagging process, cold
    try:
        response = app.slack.command(TEXT, response_url=fake_slack.response_url("cold"))
        elapsed = time.perf_counter() - started
        assert response.status == 200 and "Pépite n°1" in blocks_text(response.json())
        assert elapsed < 2.0, f"first answer took {elapsed:.2f} s after start"
        assert app.runtime.services.tagging.tagger.state == "loading"
        # …and the tags still arrive once the model is there.
        fake_slack.wait_for("response_url", timeout=90)
    finally:
        app.server.stop()
        app.runtime.stop()
