"""The capture modal (from ``/insight``) and the "Save as insight" message shortcut, over real HTTP."""

from __future__ import annotations

import json

from tests.e2e.conftest import Pepites
from tests.e2e.helpers import stored
from tests.support.slack_requests import (
    checkboxes_state,
    message_shortcut_payload,
    slack_message,
    static_select_state,
    text_input_state,
    view_submission_payload,
)


def state(
    text: str | None, kind: str | None = None, anonymous: bool = False, customer: str | None = None
) -> dict[str, dict[str, dict[str, object]]]:
    return {
        "text": {"text_input": text_input_state(text)},
        "kind": {"kind_select": static_select_state(kind)},
        "anonymous": {"anonymous_check": checkboxes_state(["anonymous"] if anonymous else [])},
        "customer": {"customer_input": text_input_state(customer)},
    }


def test_modal_submission_stores_an_anonymous_insight(pepites: Pepites) -> None:
    payload = view_submission_payload(
        "insight_capture",
        state("Il faut quatre signatures pour une note de frais de 12 €.", "dysfunction", True, "Biocoop"),
        private_metadata=json.dumps({"source": "modal", "channel_id": "C1"}),
        user_id="U7",
    )
    response = pepites.slack.interactive(payload)
    assert response.status == 200 and response.body == b""
    [insight] = stored(pepites.sessions)
    assert insight.source == "modal" and insight.anonymous and insight.reporter_id is None
    assert insight.reporter_sealed and "U7" not in insight.reporter_sealed
    assert (insight.kind, insight.kind_set_by, insight.customer) == ("dysfunction", "person", "Biocoop")
    [dm] = pepites.fake.wait_for("chat.postMessage")
    assert dm.params["channel"] == "U7"
    assert "nobody will know" in json.dumps(dm.params["blocks"]) or "personne ne saura" in json.dumps(
        dm.params["blocks"]
    )
    # The DM is updated with the tags once read; the kind the person chose is kept.
    [update] = pepites.fake.wait_for("chat.update", timeout=60)
    assert "dysfonctionnement" in json.dumps(update.params["blocks"], ensure_ascii=False)


def test_modal_empty_text_keeps_the_modal_open_with_an_error(pepites: Pepites) -> None:
    response = pepites.slack.interactive(view_submission_payload("insight_capture", state("   \n ")))
    answer = response.json()
    assert answer["response_action"] == "errors" and "text" in answer["errors"]
    assert stored(pepites.sessions) == []


def test_modal_submitted_twice_stores_once(pepites: Pepites) -> None:
    payload = view_submission_payload("insight_capture", state("On pourrait filmer les sessions d'accueil."))
    pepites.slack.interactive(payload)
    pepites.slack.interactive(payload)
    assert len(stored(pepites.sessions)) == 1


def test_shortcut_prefills_the_modal_and_keeps_author_channel_and_permalink(pepites: Pepites) -> None:
    message = slack_message("Le client Biocoop menace de partir &amp; il a raison", user="U2", ts="1700000001.000200")
    response = pepites.slack.interactive(
        message_shortcut_payload("save_as_insight", message, channel_id="C9", user_id="U1")
    )
    assert response.status == 200
    [opened] = pepites.fake.wait_for("views.open")
    view = opened.params["view"]
    assert view["blocks"][1]["element"]["initial_value"] == "Le client Biocoop menace de partir & il a raison"
    submission = view_submission_payload(
        "insight_capture",
        state("Le client Biocoop menace de partir & il a raison"),
        private_metadata=view["private_metadata"],
        user_id="U1",
    )
    assert pepites.slack.interactive(submission).status == 200
    pepites.fake.wait_for("chat.update", timeout=60)  # tagged: everything about it is stored by then
    [insight] = stored(pepites.sessions)
    assert (insight.source, insight.author_id, insight.channel_id, insight.message_ts) == (
        "shortcut",
        "U2",
        "C9",
        "1700000001.000200",
    )
    assert insight.reporter_id == "U1"
    assert insight.permalink and "1700000001000200" in insight.permalink.replace(".", "")


def test_shortcut_on_a_files_only_message_explains_why_not(pepites: Pepites) -> None:
    message = slack_message("", user="U2", ts="1700000002.000100")
    pepites.slack.interactive(message_shortcut_payload("save_as_insight", message))
    [opened] = pepites.fake.wait_for("views.open")
    assert "pas de texte" in json.dumps(opened.params["view"], ensure_ascii=False)
    assert stored(pepites.sessions) == []
