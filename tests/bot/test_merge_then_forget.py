"""A merge («+1 à la n°16 à la place») then the other reporter's ``/insight forget``: the merged colleague's
report survives, is theirs, and stays erasable by them (issue 12)."""

from __future__ import annotations

import json
from unittest.mock import Mock

from bot.flows.capture import reporter_fields
from bot.listeners.commands import forget_callback
from bot.listeners.conversation import merge_callback
from bot.services import Services
from models.insights import InsightDraft, add_insight, get_insight
from tests.support.fake_slack import FakeSlack

TEAM, EMMA, DAVID = "T1", "U0EMMA001", "U0DAVID01"


def _add(services: Services, key: str, text: str, who: str) -> int:
    with services.db.sessions.begin() as session:
        draft = InsightDraft(
            team_id=TEAM,
            idempotency_key=key,
            text=text,
            source="command",
            **reporter_fields(services.db.vault, TEAM, who, anonymous=False),
        )
        return add_insight(session, draft)[0].id


def _forget(services: Services, client: Mock, who: str) -> str:
    respond = Mock()
    forget_callback(
        services.db, services.workspaces, Mock(), {"team": {"id": TEAM}, "user": {"id": who}}, respond, client
    )
    return str(respond.call_args.kwargs["text"])


def test_a_merged_report_survives_the_other_reporters_erasure(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    emmas = _add(services, "k16", "Le VPN coupe les appels clients", EMMA)
    davids = _add(services, "k17", "Encore le VPN qui coupe les appels", DAVID)
    body = {"team": {"id": TEAM}, "user": {"id": DAVID}}
    merge_callback(services.db, services.workspaces, Mock(), body, {"value": f"{davids}:{emmas}"}, Mock(), web_client)
    with services.db.sessions.begin() as session:
        assert get_insight(session, TEAM, davids) is None  # merged away: a "me too" on Emma's
    done = _forget(services, web_client, EMMA)
    assert "1 pépite et 0 vote effacés" in done  # real plural forms, no «(s)»
    with services.db.sessions.begin() as session:
        kept = get_insight(session, TEAM, emmas)
        assert kept is not None and kept.reporter_id == DAVID  # David's report survives, and is his
        assert kept.reporter_hash == services.db.vault.hash(TEAM, DAVID)
    told = [c for c in slack_state.calls("chat.postMessage") if c.params["channel"] in (DAVID,)]
    assert told and f"n°{emmas}" in json.dumps(told[-1].params, ensure_ascii=False)
    # ... and stays erasable by its own author.
    assert "1 pépite" in _forget(services, web_client, DAVID)
    with services.db.sessions.begin() as session:
        assert get_insight(session, TEAM, emmas) is None
