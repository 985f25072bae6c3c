"""A person of another organisation (Slack Connect) who reports an insight is thanked with their own text and told
what happened to it, never shown the workspace's internal details (tags, customer signal, similar insights, who
acted, to whom it is assigned, the manager's note); managers see such an insight flagged external (issue 15)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import Mock

import pytest
from slack_bolt import BoltContext
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot.flows.capture import reporter_fields
from bot.flows.confirmations import update_confirmation
from bot.flows.digest import build_weekly, due_period
from bot.listeners.reactions import reaction_added_callback
from bot.listeners.shortcuts import capture_submission_callback, save_shortcut_callback
from bot.listeners.status import assign_callback, resolve_submission_callback
from bot.services import Services
from bot.views.alert import escalation_alert_blocks
from bot.views.confirmation import confirmation_blocks
from bot.views.home import ManagerHome, home_blocks
from bot.views.manage import INPUT, ModalContext, resolve_modal
from bot.views.messages import search_blocks
from bot.workspace_config import WorkspaceConfig
from models.home import HomeEscalation
from models.insights import InsightDraft, add_insight
from models.read import InsightCard, card_by_id
from models.schema import Insight
from tests.support.fake_slack import FakeSlack
from tests.support.seed import escalate, make_workspace, resolve, seed_week

TEAM, ENTERPRISE, PARTNER_TEAM = "T1", "E1", "T0EXT"
CHANNEL = "C0SHARED1"
PARTNER, COLLEAGUE, BOSS, DAVID = "U0PARTNER", "W0EMMA001", "W0BOSS001", "W0DAVID01"
TEXT = "Vos livraisons arrivent en retard depuis trois semaines, on envisage de changer de fournisseur."
# What a reporter of the workspace is shown once the insight is read, and someone of another organisation never.
INTERNAL = ("Type", "Signal client", "Mots-clés", "Kestrel Pharma", "Changer le type", "Changer le signal")


def _tagged(card: InsightCard, **extra: Any) -> InsightCard:
    values: dict[str, Any] = dict(
        kind="problem",
        kind_confidence=0.8,
        language="fr",
        signal="at_risk",
        subject="Kestrel Pharma",
        keywords=("livraison", "retard"),
        tagged=True,
        duplicate_of=7,
        duplicate_text="Le client Kestrel Pharma se plaint des retards",
    )
    values.update(extra)
    return InsightCard(**{**card.__dict__, **values})


def _shown(blocks: Any) -> str:
    return json.dumps([b if isinstance(b, dict) else b.to_dict() for b in blocks], ensure_ascii=False)


def _action_ids(blocks: list[Any]) -> list[str]:
    return [e["action_id"] for b in blocks if b.get("type") == "actions" for e in b["elements"]]


def _store(services: Services, reporter: str, *, external: bool, key: str = "k1") -> int:
    with services.db.sessions.begin() as session:
        draft = InsightDraft(
            team_id=TEAM,
            idempotency_key=key,
            text=TEXT,
            source="reaction",
            external=external,
            **reporter_fields(services.db.vault, TEAM, reporter, anonymous=False),
        )
        return add_insight(session, draft)[0].id


def _read(services: Services, insight_id: int) -> None:
    """The insight as the tagger leaves it: a customer at risk, keywords."""
    with services.db.sessions.begin() as session:
        session.execute(
            update(Insight)
            .where(Insight.id == insight_id)
            .values(
                kind="problem",
                signal="at_risk",
                subject="Kestrel Pharma",
                keywords=["livraison", "retard"],
                tagged_at=datetime.now(UTC),
            )
        )


def _partner_message(ts: str) -> dict[str, Any]:
    """A message a partner wrote in the shared channel, as Slack gives it (their own team named)."""
    return {"type": "message", "user": PARTNER, "user_team": PARTNER_TEAM, "text": TEXT, "ts": ts}


def _dms(slack: FakeSlack, user: str) -> list[str]:
    calls = [c for c in slack.calls("chat.postMessage") if c.params.get("channel") == user]
    return [json.dumps([c.params.get("text"), c.params.get("blocks")], ensure_ascii=False) for c in calls]


def test_a_partner_who_reports_by_reaction_is_thanked_without_internal_details(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    slack_state.messages[(CHANNEL, "1.1")] = _partner_message("1.1")
    event = {
        "type": "reaction_added",
        "user": PARTNER,
        "user_team": PARTNER_TEAM,
        "reaction": "gem",
        "item_user": PARTNER,
        "item": {"type": "message", "channel": CHANNEL, "ts": "1.1"},
    }
    context = BoltContext(team_id=TEAM, enterprise_id=ENTERPRISE, bot_id="BBOT", bot_user_id="UBOT")
    body = {"is_ext_shared_channel": True}
    reaction_added_callback(services.capture, services.workspaces, event, body, web_client, context)
    [confirmation] = _dms(slack_state, PARTNER)
    assert "enregistrée, merci" in confirmation and "Vos livraisons arrivent en retard" in confirmation
    assert "L'équipe va la lire" in confirmation
    assert "Analyse en cours" not in confirmation  # nothing of the tagging is shown, so nothing is updated
    [call] = [c for c in slack_state.calls("chat.postMessage") if c.params["channel"] == PARTNER]
    assert _action_ids(call.params["blocks"]) == [ids.ACTION_MAKE_ANONYMOUS, ids.ACTION_DELETE]
    with services.db.sessions.begin() as session:
        card = card_by_id(session, 1)
    assert card is not None and card.external


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_read_external_insight_shows_its_reporter_no_tag_signal_or_similar_insight(lang: str) -> None:
    external = _tagged(InsightCard(id=12, text=TEXT, status="open", anonymous=False, external=True))
    shown = _shown(confirmation_blocks(external, lang))
    for word in (*INTERNAL, "Customer signal", "Keywords", "Kind", "ressemble", "looks like", "+1"):
        assert word not in shown
    assert TEXT in shown
    internal = _shown(confirmation_blocks(_tagged(InsightCard(id=12, text=TEXT, status="open", anonymous=False)), "fr"))
    assert all(word in internal for word in ("Signal client", "Kestrel Pharma", "Mots-clés"))  # what is left out


def test_tagging_leaves_an_external_confirmation_as_it_is(web_client: Mock, slack_state: FakeSlack) -> None:
    where = {"channel": "D0PARTNER", "ts": "1.2"}
    external = _tagged(InsightCard(id=12, text=TEXT, status="open", anonymous=False, external=True))
    assert update_confirmation(web_client, external, "fr", where)
    assert slack_state.calls("chat.update") == []
    update_confirmation(web_client, _tagged(InsightCard(id=13, text=TEXT, status="open", anonymous=False)), "fr", where)
    assert len(slack_state.calls("chat.update")) == 1  # a colleague's is updated with the tags


def test_a_dm_refused_to_a_partner_is_answered_in_the_channel_without_pointing_to_the_workspace(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    slack_state.messages[(CHANNEL, "1.3")] = _partner_message("1.3")
    slack_state.fail_next("chat.postMessage", error="cannot_dm_bot")
    event = {
        "type": "reaction_added",
        "user": PARTNER,
        "user_team": PARTNER_TEAM,
        "reaction": "gem",
        "item_user": PARTNER,
        "item": {"type": "message", "channel": CHANNEL, "ts": "1.3"},
    }
    context = BoltContext(team_id=TEAM, enterprise_id=ENTERPRISE, bot_id="BBOT", bot_user_id="UBOT")
    reaction_added_callback(
        services.capture, services.workspaces, event, {"is_ext_shared_channel": True}, web_client, context
    )
    [told] = slack_state.calls("chat.postEphemeral")
    assert told.params["user"] == PARTNER and "L'équipe va la lire" in told.params["text"]
    assert "/insight" not in told.params["text"]


def test_a_partner_saving_a_message_a_colleague_saved_first_is_shown_no_internal_detail(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    insight_id = _store(services, COLLEAGUE, external=False, key=f"message:{TEAM}:{CHANNEL}:2.2")
    _read(services, insight_id)
    shortcut = {
        "team": {"id": TEAM},
        "user": {"id": PARTNER, "team_id": PARTNER_TEAM},
        "trigger_id": "t1",
        "channel": {"id": CHANNEL, "name": "projet-kestrel"},
        "message": {"user": PARTNER, "ts": "2.2", "text": TEXT},
    }
    save_shortcut_callback(services.workspaces, Mock(), shortcut, web_client)
    [opened] = slack_state.calls("views.open")
    view = opened.params["view"]
    submitted = {
        "type": "modal",
        "id": "V2",
        "private_metadata": view["private_metadata"],
        "state": {"values": {ids.BLOCK_TEXT: {ids.INPUT_TEXT: {"value": TEXT}}}},
    }
    body = {"team": {"id": TEAM}, "user": {"id": PARTNER, "team_id": PARTNER_TEAM}}
    capture_submission_callback(services.capture, services.workspaces, Mock(), body, submitted, web_client)
    [confirmation] = _dms(slack_state, PARTNER)
    assert "déjà enregistré" in confirmation
    assert not [word for word in INTERNAL if word in confirmation]
    [call] = [c for c in slack_state.calls("chat.postMessage") if c.params["channel"] == PARTNER]
    assert _action_ids(call.params["blocks"]) == []  # not theirs: nothing to change or delete


def test_a_partner_is_told_their_insight_was_dealt_with_but_not_by_whom_nor_the_note(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    insight_id = _store(services, PARTNER, external=True)
    # Assigned from the digest's menu: the partner learns someone is on it, not who.
    body = {"team": {"id": TEAM}, "user": {"id": BOSS}, "container": {"type": "message"}, "actions": []}
    action = {
        "action_id": ids.ACTION_ASSIGN,
        "selected_user": DAVID,
        "block_id": ids.digest_item_block_id("open", insight_id),
    }
    assign_callback(services.db, services.workspaces, Mock(), body, action, Mock(), web_client)
    # Resolved with a note meant for the team.
    note = "Kestrel Pharma est à risque : David rappelle leur acheteur lundi."
    view = {
        "type": "modal",
        "id": "V3",
        "private_metadata": ModalContext(insight_id).dumps(),
        "state": {
            "values": {
                ids.BLOCK_NOTE: {INPUT: {"type": "plain_text_input", "value": note}},
                ids.BLOCK_VALUE: {INPUT: {"type": "plain_text_input", "value": "15 k€"}},
            }
        },
    }
    resolve_submission_callback(
        services.db, services.workspaces, Mock(), {"team": {"id": TEAM}, "user": {"id": BOSS}}, view, web_client
    )
    assigned, resolved = _dms(slack_state, PARTNER)
    assert f"n°{insight_id}" in assigned and "quelqu'un de l'équipe s'en occupe" in assigned
    assert "l'équipe l'a traitée" in resolved and "Vos livraisons arrivent en retard" in resolved
    for told in (assigned, resolved):
        assert BOSS not in told and DAVID not in told and "Kestrel" not in told and "mot du manager" not in told
    assert f"<@{BOSS}>" in _dms(slack_state, DAVID)[0]  # the assignee, of the team, is told who


def test_a_colleague_is_still_told_who_acted_and_the_note(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    insight_id = _store(services, COLLEAGUE, external=False)
    view = {
        "type": "modal",
        "id": "V4",
        "private_metadata": ModalContext(insight_id).dumps(),
        "state": {"values": {ids.BLOCK_NOTE: {INPUT: {"type": "plain_text_input", "value": "Rappel lundi."}}}},
    }
    resolve_submission_callback(
        services.db, services.workspaces, Mock(), {"team": {"id": TEAM}, "user": {"id": BOSS}}, view, web_client
    )
    [resolved] = _dms(slack_state, COLLEAGUE)
    assert f"<@{BOSS}>" in resolved and "Rappel lundi." in resolved


@pytest.mark.parametrize(("lang", "marker"), [("fr", "externe (Slack Connect)"), ("en", "external (Slack Connect)")])
def test_managers_see_an_external_insight_flagged_on_every_card(lang: str, marker: str) -> None:
    external = InsightCard(
        id=12, text=TEXT, status="open", anonymous=False, external=True, created_at=datetime.now(UTC)
    )
    colleague = InsightCard(id=13, text="Le VPN tombe.", status="open", anonymous=False, created_at=datetime.now(UTC))
    alert = _shown(escalation_alert_blocks(external, lang, 3))
    search = _shown(search_blocks(lang, "retard", [external, colleague]))
    resolve = json.dumps(resolve_modal(lang, external, ModalContext(12)).to_dict(), ensure_ascii=False)
    for shown in (alert, search, resolve):
        assert marker in shown
    assert search.count(marker) == 1  # on the partner's insight, not the colleague's
    assert marker not in _shown(escalation_alert_blocks(colleague, lang, 3))
    assert "interne" in resolve or "Internal" in resolve  # the note stays with the team


def test_app_home_flags_an_external_escalation() -> None:
    external = InsightCard(
        id=12, text=TEXT, status="open", anonymous=False, external=True, created_at=datetime.now(UTC)
    )
    manager = ManagerHome([HomeEscalation(external, 3, 2)], 1, [], 0, [], 0.0)
    assert "externe (Slack Connect)" in _shown(home_blocks("fr", [], 0, manager))


def _texts_of(blocks: list[dict[str, Any]]) -> list[str]:
    """Each block's text (a section's with its fields, a context's elements)."""
    out = []
    for block in blocks:
        parts = [str((block.get("text") or {}).get("text") or "")]
        parts += [str(e.get("text") or "") for e in block.get("elements") or [] if isinstance(e, dict)]
        out.append("\n".join(parts))
    return out


@pytest.mark.parametrize(("lang", "marker"), [("fr", "externe (Slack Connect)"), ("en", "external (Slack Connect)")])
def test_the_digest_flags_what_partners_reported_and_only_that(
    sessions: sessionmaker[Session], lang: str, marker: str
) -> None:
    now = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)
    config = WorkspaceConfig(digest_channel="C0DIGEST", language=lang)
    period = due_period(now, config)
    workspace_id = make_workspace(sessions, TEAM, now - timedelta(days=60))
    week = seed_week(sessions, TEAM, period.start, 12)
    partner, colleague = week[0], week[1]
    escalate(sessions, partner, period.start + timedelta(days=1))
    escalate(sessions, colleague, period.start + timedelta(days=1))
    resolve(sessions, week[2], period.start + timedelta(days=2), value_eur=100)
    with sessions.begin() as session:
        session.execute(update(Insight).where(Insight.id.in_([partner, week[2]])).values(external=True))
    with sessions.begin() as session:
        weekly = build_weekly(session, workspace_id, config, period, persist=False)
    assert {i.id for i in weekly.digest.escalated if i.external} == {partner}
    texts = _texts_of(weekly.blocks)
    ref = "n°{}" if lang == "fr" else "#{}"
    flagged = [text for text in texts if marker in text]
    # The escalated item of the partner, and the resolved one in «you said, we did»; the colleague's is not.
    assert any(f"*{ref.format(partner)}*" in text for text in flagged)
    assert any(ref.format(week[2]) in text for text in flagged)
    escalated_colleague = [text for text in texts if text.startswith(f"*{ref.format(colleague)}*")]
    assert escalated_colleague and all(marker not in text for text in escalated_colleague)
    for text in flagged:  # every marker sits next to a partner's insight
        lines = [line for line in text.splitlines() if marker in line]
        heads = [line for line in text.splitlines() if line.startswith("*") or line.startswith("•")]
        assert lines and all(ref.format(partner) in line or ref.format(week[2]) in line for line in lines), heads
