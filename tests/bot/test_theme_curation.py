"""Managers curate the theme catalogue from Slack: rename, merge, move, hide, each recorded and undoable; people
who are not managers are refused (issue 11)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import Mock

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot.flows.themes import catch_up
from bot.listeners import themes as listeners
from bot.services import Services
from bot.views.themes import INPUT, ThemeContext
from models.schema import CatalogueTheme, Insight, ThemeEvent
from models.themes import catalogue_of
from models.workspaces import ensure_workspace
from tests.support.fake_slack import FakeSlack
from tests.support.seed import make_workspace, seed_week

TEAM, BOSS, EMMA = "T1", "U0BOSS001", "U0EMMA001"
URL = "https://hooks.slack.com/actions/T1/1/abc"


@pytest.fixture
def themed(services: Services) -> list[CatalogueTheme]:
    """A workspace with one manager and a week of insights grouped into catalogue themes, biggest first."""
    now = datetime.now(UTC)
    make_workspace(services.db.sessions, TEAM, now - timedelta(days=60), managers=[BOSS])
    seed_week(services.db.sessions, TEAM, now - timedelta(days=7), 24)
    with services.db.sessions.begin() as session:
        workspace_id = ensure_workspace(session, TEAM).id
        catch_up(session, workspace_id, now, found_new=True)
    return _themes(services.db.sessions)


def _themes(sessions: sessionmaker[Session]) -> list[CatalogueTheme]:
    with sessions.begin() as session:
        rows = session.scalars(
            select(CatalogueTheme).where(CatalogueTheme.merged_into.is_(None)).order_by(CatalogueTheme.size.desc())
        )
        themes = list(rows)
        session.expunge_all()
    assert len(themes) >= 2, "the seeded week should give at least two themes"
    return themes


def _theme(sessions: sessionmaker[Session], key: str) -> CatalogueTheme:
    with sessions.begin() as session:
        row = session.scalars(select(CatalogueTheme).where(CatalogueTheme.key == key)).one()
        session.expunge(row)
        return row


def _body(user: str = BOSS, *, home: bool = False, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"team": {"id": TEAM}, "user": {"id": user}, "trigger_id": "1.2.3", **extra}
    if home:
        body["view"] = {"type": "home", "id": "VHOME"}
    else:
        body["response_url"] = URL
        body["container"] = {"type": "message"}
    return body


def _menu(verb: str, key: str) -> dict[str, Any]:
    return {
        "action_id": ids.ACTION_THEME_MENU,
        "type": "overflow",
        "block_id": f"theme:digest:{key}",
        "selected_option": {"value": f"{verb}:{key}"},
    }


def _submission(callback_id: str, metadata: str, values: dict[str, Any]) -> dict[str, Any]:
    return {"callback_id": callback_id, "id": "V1", "private_metadata": metadata, "state": {"values": values}}


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What the listeners post to response URLs (the digest's ephemeral confirmations)."""
    posted: list[dict[str, Any]] = []
    monkeypatch.setattr(listeners, "send_to_response_url", lambda url, payload: posted.append(payload) or True)
    return posted


def _opened(slack_state: FakeSlack) -> dict[str, Any]:
    view = slack_state.calls("views.open")[-1].params["view"]
    return view if isinstance(view, dict) else json.loads(view)


def _undo_seq(payload: dict[str, Any]) -> int:
    [button] = [e for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == ids.ACTION_THEME_UNDO
    return int(button["value"])


def test_rename_from_the_digest_is_recorded_and_undone(
    services: Services, web_client: Mock, slack_state: FakeSlack, themed: list[CatalogueTheme], sent: list[Any]
) -> None:
    db, workspaces, key = services.db, services.workspaces, themed[0].key
    listeners.theme_menu_callback(db, workspaces, Mock(), _body(), _menu("rename", key), Mock(), web_client)
    view = _opened(slack_state)
    assert view["callback_id"] == ids.VIEW_THEME_RENAME
    values = {ids.BLOCK_THEME_NAME: {INPUT: {"type": "plain_text_input", "value": "  Pannes du VPN <b> "}}}
    ack = Mock()
    submission = _submission(ids.VIEW_THEME_RENAME, view["private_metadata"], values)
    listeners.rename_submission_callback(db, workspaces, ack, _body(), submission, web_client)
    ack.assert_called_once_with()
    assert _theme(db.sessions, key).curated_label == "Pannes du VPN <b>"
    [confirmation] = sent
    assert "Pannes du VPN &lt;b&gt;" in json.dumps(confirmation["blocks"], ensure_ascii=False)
    assert confirmation["response_type"] == "ephemeral"
    with db.sessions.begin() as session:
        event = session.scalars(select(ThemeEvent).where(ThemeEvent.kind == "renamed")).one()
        assert (event.by, event.at is not None) == (BOSS, True)  # who and when
    respond = Mock()
    undo = {"action_id": ids.ACTION_THEME_UNDO, "value": str(_undo_seq(confirmation))}
    listeners.undo_callback(db, workspaces, Mock(), _body(), undo, respond, web_client)
    assert _theme(db.sessions, key).curated_label is None
    assert respond.call_args.kwargs["replace_original"] is True


def test_merge_sends_the_insights_to_the_theme_picked(
    services: Services, web_client: Mock, slack_state: FakeSlack, themed: list[CatalogueTheme], sent: list[Any]
) -> None:
    db, workspaces = services.db, services.workspaces
    keep, other = themed[0], themed[1]
    listeners.theme_menu_callback(db, workspaces, Mock(), _body(), _menu("merge", other.key), Mock(), web_client)
    view = _opened(slack_state)
    options = [o["value"] for b in view["blocks"] for o in (b.get("element") or {}).get("options", [])]
    assert keep.key in options and other.key not in options
    values = {ids.BLOCK_THEME_TARGET: {INPUT: {"type": "static_select", "selected_option": {"value": keep.key}}}}
    submission = _submission(ids.VIEW_THEME_MERGE, view["private_metadata"], values)
    listeners.merge_submission_callback(db, workspaces, Mock(), _body(), submission, web_client)
    assert _theme(db.sessions, other.key).merged_into == keep.key
    assert _theme(db.sessions, keep.key).size == keep.size + other.size
    with db.sessions.begin() as session:
        keys = set(session.scalars(select(Insight.theme_key).where(Insight.theme_key.is_not(None))))
    assert other.key not in keys
    undo = {"action_id": ids.ACTION_THEME_UNDO, "value": str(_undo_seq(sent[-1]))}
    listeners.undo_callback(db, workspaces, Mock(), _body(), undo, Mock(), web_client)
    assert _theme(db.sessions, other.key).merged_into is None
    assert _theme(db.sessions, keep.key).size == keep.size


def test_move_an_insight_from_its_menu_and_by_number(
    services: Services, web_client: Mock, slack_state: FakeSlack, themed: list[CatalogueTheme], sent: list[Any]
) -> None:
    db, workspaces = services.db, services.workspaces
    source, target = themed[0], themed[1]
    with db.sessions.begin() as session:
        first, second = session.scalars(select(Insight.id).where(Insight.theme_key == source.key).limit(2)).all()
    action = {"action_id": ids.ACTION_THEME_INSIGHT_MENU, "selected_option": {"value": f"move:{first}"}}
    listeners.insight_menu_callback(db, workspaces, Mock(), _body(), action, Mock(), web_client)
    view = _opened(slack_state)
    assert ThemeContext.loads(view["private_metadata"]) == ThemeContext(None, first, URL, False)
    values = {ids.BLOCK_THEME_TARGET: {INPUT: {"selected_option": {"value": target.key}}}}
    submission = _submission(ids.VIEW_THEME_MOVE, view["private_metadata"], values)
    listeners.move_submission_callback(db, workspaces, Mock(), _body(), submission, web_client)
    # By number, from the target theme's menu: a wrong number keeps the form open and says why.
    listeners.theme_menu_callback(db, workspaces, Mock(), _body(), _menu("move", target.key), Mock(), web_client)
    metadata = _opened(slack_state)["private_metadata"]
    ack = Mock()
    wrong = {ids.BLOCK_THEME_INSIGHT: {INPUT: {"value": "999999"}}}
    listeners.move_submission_callback(
        db, workspaces, ack, _body(), _submission(ids.VIEW_THEME_MOVE, metadata, wrong), web_client
    )
    assert ack.call_args.kwargs["response_action"] == "errors"
    typed = {ids.BLOCK_THEME_INSIGHT: {INPUT: {"value": f"#{second}"}}}
    listeners.move_submission_callback(
        db, workspaces, Mock(), _body(), _submission(ids.VIEW_THEME_MOVE, metadata, typed), web_client
    )
    with db.sessions.begin() as session:
        rows = session.execute(select(Insight.id, Insight.theme_key).where(Insight.id.in_([first, second])))
        moved = {int(i): k for i, k in rows}
        cat = catalogue_of(session, ensure_workspace(session, TEAM).id)
    assert moved == {first: target.key, second: target.key}
    assert {str(first), str(second)} <= cat.themes[target.key].pinned  # moved insights steer the theme
    assert len(sent) == 2 and all(f"n°{i}" in p["text"] for i, p in zip((first, second), sent, strict=True))


def test_hide_from_home_is_one_click_confirmed_by_dm_and_republished(
    services: Services, web_client: Mock, slack_state: FakeSlack, themed: list[CatalogueTheme]
) -> None:
    db, workspaces, key = services.db, services.workspaces, themed[0].key
    listeners.theme_menu_callback(db, workspaces, Mock(), _body(home=True), _menu("hide", key), Mock(), web_client)
    assert _theme(db.sessions, key).hidden is True
    [dm] = [c.params for c in slack_state.calls("chat.postMessage") if c.params["channel"] == BOSS]
    assert "masqué" in dm["text"]
    assert slack_state.calls("views.publish")  # App Home shows the change
    undo = {"action_id": ids.ACTION_THEME_UNDO, "value": str(_undo_seq(dm))}
    listeners.undo_callback(db, workspaces, Mock(), _body(), undo, Mock(), web_client)
    assert _theme(db.sessions, key).hidden is False


def test_people_who_are_not_managers_are_refused(
    services: Services, web_client: Mock, slack_state: FakeSlack, themed: list[CatalogueTheme], sent: list[Any]
) -> None:
    db, workspaces, key = services.db, services.workspaces, themed[0].key
    respond = Mock()
    listeners.theme_menu_callback(db, workspaces, Mock(), _body(EMMA), _menu("hide", key), respond, web_client)
    assert "manager" in respond.call_args.kwargs["text"].lower()
    assert not slack_state.calls("views.open")
    metadata = ThemeContext(theme_key=key, response_url=URL).dumps()
    values = {ids.BLOCK_THEME_NAME: {INPUT: {"value": "Renommé en douce"}}}
    ack = Mock()
    listeners.rename_submission_callback(
        db, workspaces, ack, _body(EMMA), _submission(ids.VIEW_THEME_RENAME, metadata, values), web_client
    )
    assert ack.call_args.kwargs["response_action"] == "errors"
    listeners.undo_callback(db, workspaces, Mock(), _body(EMMA), {"value": "1"}, Mock(), web_client)
    theme = _theme(db.sessions, key)
    assert (theme.hidden, theme.curated_label) == (False, None)
    with db.sessions.begin() as session:
        assert not session.scalars(select(ThemeEvent).where(ThemeEvent.by == EMMA)).all()


def test_a_theme_merged_away_meanwhile_is_said_not_raised(
    services: Services, web_client: Mock, themed: list[CatalogueTheme], sent: list[Any]
) -> None:
    db, workspaces = services.db, services.workspaces
    keep, other = themed[0].key, themed[1].key
    metadata = ThemeContext(theme_key=other, response_url=URL).dumps()
    values = {ids.BLOCK_THEME_TARGET: {INPUT: {"selected_option": {"value": keep}}}}
    for _ in range(2):  # the second merge names a theme that is gone
        listeners.merge_submission_callback(
            db, workspaces, Mock(), _body(), _submission(ids.VIEW_THEME_MERGE, metadata, values), web_client
        )
    assert "n'existe plus" in sent[-1]["text"] and not any(b["type"] == "actions" for b in sent[-1]["blocks"])
