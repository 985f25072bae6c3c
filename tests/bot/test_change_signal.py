"""The reporter's *change customer signal* control: a form (signal + subject) whose answer is kept as a
person's word (tagging never overwrites it) and redraws the confirmation."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import Mock

from bot import ids
from bot.flows.capture import reporter_fields
from bot.listeners.actions import open_signal_form_callback, signal_submission_callback
from bot.services import Services
from bot.views.signal_modal import SignalFormOrigin
from insights.types import Tags
from models.insights import InsightDraft, add_insight, get_insight, people_said_orgs, save_tags

TEAM, ALICE, BOB = "T1", "U0ALICE", "U0BOB"


def _insight(services: Services, signal: str | None = None, subject: str | None = None) -> int:
    db = services.db
    with db.sessions.begin() as session:
        draft = InsightDraft(
            team_id=TEAM,
            idempotency_key="k1",
            text="Fromageries Duval regardent les offres de Logistar.",
            source="command",
            **reporter_fields(db.vault, TEAM, ALICE, anonymous=False),
        )
        insight, _ = add_insight(session, draft)
        save_tags(session, insight, Tags("fr", "problem", 0.8, signal, subject))
        return insight.id


def _click(services: Services, web_client: Mock, insight_id: int, user: str = ALICE) -> Mock:
    respond = Mock()
    body: dict[str, Any] = {
        "team": {"id": TEAM},
        "user": {"id": user},
        "trigger_id": "trigger-1",
        "container": {"channel_id": "D0ALICE", "message_ts": "1700000000.000100"},
    }
    action = {"action_id": ids.ACTION_CHANGE_SIGNAL, "value": str(insight_id)}
    open_signal_form_callback(services.db, services.workspaces, Mock(), body, action, respond, web_client)
    return respond


def _submit(services: Services, web_client: Mock, insight_id: int, signal: str, subject: str) -> Mock:
    ack = Mock()
    origin = SignalFormOrigin(insight_id, channel="D0ALICE", ts="1700000000.000100")
    view = {
        "private_metadata": origin.dumps(),
        "state": {
            "values": {
                ids.BLOCK_SIGNAL: {ids.INPUT_SIGNAL: {"selected_option": {"value": signal}}},
                ids.BLOCK_SUBJECT: {ids.INPUT_SUBJECT: {"value": subject}},
            }
        },
    }
    body = {"team": {"id": TEAM}, "user": {"id": ALICE}}
    signal_submission_callback(services.db, services.workspaces, ack, body, view, web_client)
    return ack


def test_change_signal_opens_a_form_filled_with_the_current_signal(services: Services, web_client: Mock) -> None:
    insight_id = _insight(services, "at_risk", "Fromageries Duval")
    _click(services, web_client, insight_id)
    view = web_client.views_open.call_args.kwargs["view"].to_dict()
    assert view["callback_id"] == ids.VIEW_SIGNAL
    signal, subject = view["blocks"]
    assert signal["element"]["initial_option"]["value"] == "at_risk"
    assert signal["element"]["initial_option"]["text"]["text"] == "client à risque"
    assert subject["element"]["initial_value"] == "Fromageries Duval"


def test_change_signal_is_refused_on_someone_elses_insight(services: Services, web_client: Mock) -> None:
    respond = _click(services, web_client, _insight(services), user=BOB)
    web_client.views_open.assert_not_called()
    assert respond.call_args.kwargs["response_type"] == "ephemeral"


def test_change_signal_kept_as_a_persons_word_and_shown(services: Services, web_client: Mock) -> None:
    insight_id = _insight(services, "at_risk", "Fromageries Duval")
    ack = _submit(services, web_client, insight_id, "competitor", " Logistar ")
    ack.assert_called_once_with()
    blocks = json.dumps(web_client.chat_update.call_args.kwargs["blocks"], ensure_ascii=False)
    assert "concurrent — Logistar" in blocks
    with services.db.sessions.begin() as session:
        insight = get_insight(session, TEAM, insight_id)
        assert insight is not None
        save_tags(session, insight, Tags("fr", "problem", 0.8, "at_risk", "Fromageries Duval"))  # tagged again
        assert (insight.signal, insight.subject, insight.signal_set_by) == ("competitor", "Logistar", "person")
        assert people_said_orgs(session, TEAM) == [("Logistar", "competitor")]


def test_change_signal_needs_a_name_unless_there_is_no_signal(services: Services, web_client: Mock) -> None:
    insight_id = _insight(services, "lead", "Logistar")
    ack = _submit(services, web_client, insight_id, "lead", "  ")
    assert ack.call_args.kwargs["response_action"] == "errors"
    assert ids.BLOCK_SUBJECT in ack.call_args.kwargs["errors"]
    _submit(services, web_client, insight_id, ids.NO_SIGNAL, "")
    with services.db.sessions.begin() as session:
        insight = get_insight(session, TEAM, insight_id)
        assert insight is not None and (insight.signal, insight.subject) == (None, None)
