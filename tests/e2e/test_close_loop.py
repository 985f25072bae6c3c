"""Closing the loop end to end: a manager's reply relayed to an anonymous reporter and their answer relayed back,
"me too" votes reaching the quorum, assigning from the digest, "+1 instead" for a near-duplicate, App Home."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bot.cli.export import write_export
from bot.jobs.scheduler import utc_now
from bot.jobs.tagger_process import SubprocessTagger
from bot.log_privacy import PrivacyFilter
from models.schema import Insight, Reply, StatusChange, Vote
from tests.e2e.conftest import Pepites, start_pepites
from tests.e2e.helpers import stored
from tests.e2e.test_capture_modal import state
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import (
    block_actions_payload,
    text_input_state,
    view_submission_payload,
)

MANAGER = "UMGR"
CHANNEL = "CDIGEST"
REPORTER = "U09SECRET1"
VPN = "Le VPN coupe pendant les démos client, on perd des ventes."


@pytest.fixture
def pepites(database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger) -> Iterator[Pepites]:
    app = start_pepites(
        database_url,
        fake_slack,
        shared_tagger,
        PEPITES_QUORUM="3",
        PEPITES_MANAGERS=MANAGER,
        PEPITES_DIGEST_CHANNEL=CHANNEL,
    )
    yield app
    app.server.stop()
    app.runtime.stop()


def capture(pepites: Pepites, text: str = VPN, *, user: str = REPORTER, anonymous: bool = True) -> int:
    before = {i.id for i in stored(pepites.sessions)}
    payload = view_submission_payload("insight_capture", state(text, anonymous=anonymous), user_id=user)
    assert pepites.slack.interactive(payload).status == 200
    [new] = [i.id for i in stored(pepites.sessions) if i.id not in before]
    return new


def click(pepites: Pepites, action_id: str, value: str | None, user: str, **extra: object) -> None:
    payload = block_actions_payload(action_id, value, user_id=user, **extra)  # type: ignore[arg-type]
    assert pepites.slack.interactive(payload).status == 200


def dms_to(pepites: Pepites, user: str) -> list[dict[str, object]]:
    return [c.params for c in pepites.fake.calls("chat.postMessage") if c.params.get("channel") == user]


def submit(pepites: Pepites, callback_id: str, text: str, user: str) -> None:
    opened = pepites.fake.calls("views.open")[-1]
    assert opened.params["view"]["callback_id"] == callback_id
    form = {"note": {"value": text_input_state(text)}}
    metadata = opened.params["view"]["private_metadata"]
    payload = view_submission_payload(callback_id, form, private_metadata=metadata, user_id=user)
    assert pepites.slack.interactive(payload).body == b""


def test_a_reply_reaches_the_anonymous_reporter_and_their_answer_comes_back(
    pepites: Pepites, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    insight_id = capture(pepites)
    pepites.fake.wait_for("chat.postMessage")  # the reporter's confirmation
    click(pepites, "insight_reply", str(insight_id), MANAGER, block_id=f"digest_item:escalated:{insight_id}")
    pepites.fake.wait_for("views.open")
    submit(pepites, "insight_reply", "Merci ! Depuis quand ? <!channel>", MANAGER)
    pepites.fake.wait_for("chat.postMessage", count=2)
    [_, relayed] = dms_to(pepites, REPORTER)
    shown = json.dumps(relayed["blocks"], ensure_ascii=False)
    assert "Depuis quand ? &lt;!channel&gt;" in shown and "<!channel>" not in shown
    answer = next(
        e
        for b in relayed["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "insight_answer"
    )
    # Someone else cannot answer in the reporter's place.
    click(pepites, "insight_answer", answer["value"], "U3", response_url=pepites.fake.response_url("stranger"))
    [refused] = pepites.fake.wait_for("response_url")
    assert "Seule la personne" in refused.params["text"]
    click(pepites, "insight_answer", answer["value"], REPORTER)
    pepites.fake.wait_for("views.open", count=2)
    submit(pepites, "insight_answer", "Depuis lundi, surtout l'après-midi.", REPORTER)
    pepites.fake.wait_for("chat.postMessage", count=3)
    [to_manager] = dms_to(pepites, MANAGER)
    said = json.dumps(to_manager, ensure_ascii=False)
    assert "Depuis lundi" in said and REPORTER not in said
    with pepites.sessions.begin() as session:
        replies = [(r.direction, r.by, r.to) for r in session.scalars(select(Reply).order_by(Reply.id))]
    assert replies == [("to_reporter", MANAGER, None), ("to_manager", None, MANAGER)]
    everything_but_the_dm = [c.params for c in pepites.fake.calls() if c.params.get("channel") != REPORTER]
    assert REPORTER not in json.dumps(everything_but_the_dm)
    # Nothing stored or exported holds the reporter's id; our own log lines never did, and what the libraries
    # log at DEBUG (Bolt's request bodies name the clicking user) passes through the privacy filter.
    out = io.StringIO()
    write_export(pepites.sessions, "T1", "jsonl", out)
    assert REPORTER not in out.getvalue() and '"reporter": "anonymous"' in out.getvalue()
    with pepites.sessions.begin() as session:
        rows = [json.dumps([str(v) for v in row]) for t in ("insight", "vote", "reply", "status_change")
                for row in session.execute(text(f"SELECT * FROM {t}"))]  # fmt: skip
    assert rows and not any(REPORTER in row for row in rows)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("bot.") and r.name != "bot.bolt"]
    assert ours and not any(REPORTER in line for line in ours)
    privacy = PrivacyFilter()
    for record in caplog.records:
        privacy.filter(record)
    assert not any(REPORTER in record.getMessage() for record in caplog.records)


def test_me_too_from_three_people_escalates_once_and_one_person_counts_once(pepites: Pepites) -> None:
    insight_id = capture(pepites, anonymous=False, user="U1")
    for _ in range(3):
        click(pepites, "insight_me_too", str(insight_id), "U2", response_url=pepites.fake.response_url("u2"))
    pepites.fake.wait_for("response_url", count=3)
    with pepites.sessions.begin() as session:
        assert session.get(Insight, insight_id).escalated_at is None  # type: ignore[union-attr]
    for user in ("U3", "U4"):
        click(pepites, "insight_me_too", str(insight_id), user, response_url=pepites.fake.response_url(user))
    pepites.fake.wait_for("response_url", count=5)
    alerts = [c for c in pepites.fake.calls("chat.postMessage") if c.params["channel"] == CHANNEL]
    assert len(alerts) == 1 and "3 personnes" in alerts[0].params["text"]
    with pepites.sessions.begin() as session:
        votes = sorted(v.voter_id for v in session.scalars(select(Vote)))
    assert votes == ["U2", "U3", "U4"]


def test_assigning_from_the_digest_logs_it_and_tells_assignee_and_reporter(pepites: Pepites) -> None:
    insight_id = capture(pepites)
    pepites.fake.wait_for("chat.postMessage")
    payload = block_actions_payload(
        "insight_assign",
        None,
        user_id=MANAGER,
        block_id=f"digest_item:open:{insight_id}",
        response_url=pepites.fake.response_url("digest"),
    )
    payload["actions"][0].update({"type": "users_select", "selected_user": "UOPS"})
    pepites.slack.interactive(payload)
    pepites.fake.wait_for("chat.postMessage", count=3)
    assert len(dms_to(pepites, "UOPS")) == 1 and "assignée" in str(dms_to(pepites, REPORTER)[-1]["text"])
    [line] = pepites.fake.wait_for("response_url")
    assert line.params["replace_original"] is False  # the digest stays as it is; the manager gets a line
    with pepites.sessions.begin() as session:
        changes = [(c.to_status, c.by) for c in session.scalars(select(StatusChange))]
        insight = session.get(Insight, insight_id)
        assert insight is not None and insight.assignee_id == "UOPS" and changes == [("assigned", MANAGER)]


def test_a_near_duplicate_offers_plus_one_instead_and_merges(pepites: Pepites) -> None:
    first = capture(pepites, anonymous=False, user="U1")
    pepites.fake.wait_for("chat.postMessage")
    response = pepites.slack.command(
        "Le VPN coupe pendant les démos clients, on perd des ventes !",
        user_id="U5",
        response_url=pepites.fake.response_url("dup"),
    )
    assert response.status == 200
    [update] = pepites.fake.wait_for("response_url", timeout=60)  # the confirmation once tagged
    merge = next(
        e
        for b in update.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "insight_merge"
    )
    second = int(merge["value"].split(":")[0])
    assert merge["value"] == f"{second}:{first}"
    click(pepites, "insight_merge", merge["value"], "U6", response_url=pepites.fake.response_url("other"))
    pepites.fake.wait_for("response_url", count=2)
    assert {i.id for i in stored(pepites.sessions)} == {first, second}  # only the reporter may merge
    click(pepites, "insight_merge", merge["value"], "U5", response_url=pepites.fake.response_url("dup"))
    pepites.fake.wait_for("response_url", count=3)
    assert [i.id for i in stored(pepites.sessions)] == [first]
    with pepites.sessions.begin() as session:
        assert [(v.voter_id, v.kind) for v in session.scalars(select(Vote))] == [("U5", "me_too")]


def test_app_home_shows_my_insights_and_managers_see_escalations(pepites: Pepites) -> None:
    insight_id = capture(pepites, anonymous=False, user="U1")
    click(pepites, "insight_me_too", str(insight_id), MANAGER, response_url=pepites.fake.response_url("m"))
    pepites.fake.wait_for("response_url")
    for user in ("U1", MANAGER):
        event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home", "event_ts": "1.1"}
        assert pepites.slack.event(event).status == 200
    published = pepites.fake.wait_for("views.publish", count=2)
    by_user = {c.params["user_id"]: json.dumps(c.params["view"], ensure_ascii=False) for c in published}
    assert "démos client" in by_user["U1"] and "insight_acknowledge" not in by_user["U1"]
    assert f"digest_item:home:{insight_id}" in by_user[MANAGER]  # one manager's "me too" escalated it


def test_an_alert_slack_refused_is_posted_by_the_scheduler_once(
    database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger
) -> None:
    now = [utc_now()]
    app = start_pepites(
        database_url,
        fake_slack,
        shared_tagger,
        schedule=True,
        clock=lambda: now[0],
        PEPITES_QUORUM="3",
        PEPITES_MANAGERS=MANAGER,
        PEPITES_DIGEST_CHANNEL=CHANNEL,
    )
    try:
        insight_id = capture(app, anonymous=False, user="U1")
        click(app, "insight_me_too", str(insight_id), "U2", response_url=fake_slack.response_url("u2"))
        click(app, "insight_me_too", str(insight_id), "U3", response_url=fake_slack.response_url("u3"))
        fake_slack.wait_for("response_url", count=2)
        since = len(fake_slack.calls("chat.postMessage"))  # the reporter's confirmation
        fake_slack.fail_next("chat.postMessage", status=500, times=3)  # the alert, and the client's 2 retries
        click(app, "insight_me_too", str(insight_id), "U4", response_url=fake_slack.response_url("u4"))
        tried = fake_slack.wait_for("chat.postMessage", count=since + 3)[since:]
        assert [(c.params["channel"], c.status) for c in tried] == [(CHANNEL, 500)] * 3
        now[0] += timedelta(minutes=3)  # the scheduler tries it again once the escalating process is done
        deadline = time.monotonic() + 20
        while not [
            c for c in fake_slack.calls("chat.postMessage") if c.status == 200 and c.params["channel"] == CHANNEL
        ]:
            assert time.monotonic() < deadline, "the refused alert was never posted"
            time.sleep(0.05)
        scheduler = app.runtime.scheduler
        assert scheduler is not None
        ticks = scheduler.ticks
        while scheduler.ticks < ticks + 3:
            time.sleep(0.05)
    finally:
        app.server.stop()
        app.runtime.stop()
    posted = [c for c in fake_slack.calls("chat.postMessage") if c.status == 200 and c.params["channel"] == CHANNEL]
    assert len(posted) == 1 and "3 personnes" in str(posted[0].params["text"])
    with app.sessions.begin() as session:
        insight = session.get(Insight, insight_id)
        assert insight is not None and insight.alerted_at is not None
