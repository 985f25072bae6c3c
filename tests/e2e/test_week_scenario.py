"""A week of Pépites in a French-speaking company, replayed end to end (issue 12), and what each person receives.

Every capture path (``/insight <text>``, the form from ``/insight`` alone, the message shortcut, a :gem:
reaction), Slack's markup (a link, a mention, a channel, ``<!here>``), a near-duplicate merged («+1 à la n°1 à
la place») then its first reporter's ``/insight forget``, an escalation by three people, an assignment from the
digest item's menu, a resolution worth «15 k€», and the weekly digest in French with its sales post. The fake
Web API records every call: the test reads what Slack would have shown each person.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import ids
from bot.jobs import tagging
from bot.jobs.tagger_process import SubprocessTagger
from models.schema import Insight
from tests.e2e.conftest import Pepites, start_pepites
from tests.e2e.test_battery_requests import settle, track
from tests.e2e.test_capture_modal import state
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import (
    Response,
    block_actions_payload,
    message_shortcut_payload,
    reaction_event,
    slack_message,
    text_input_state,
    view_submission_payload,
)

TEAM = "T1"
EMMA, DAVID, FARID, LEA, HUGO = "U0EMMA001", "U0DAVID01", "U0FARID01", "U0LEA0001", "U0HUGO001"
KARIM, NINA = "U0KARIM01", "U0NINA001"  # authors of messages others capture or escalate
VOTERS = ("U0VOTE001", "U0VOTE002", "U0VOTE003")
SARAH = "U0SARAH01"  # the manager
DIGEST, SALES, VENTES, GENERAL = "C0DIGEST1", "C0SALES01", "C0VENTES1", "C0GENERAL"
NAMES = {EMMA: "Emma", DAVID: "David", FARID: "Farid", LEA: "Léa", HUGO: "Hugo", KARIM: "Karim", NINA: "Nina"}

VPN = (
    "Le VPN coupe les appels clients depuis lundi, voir <https://intranet.example/vpn|la page VPN> "
    "et <#C0SUPPORT|support> <!here>"
)
VPN_AGAIN = "Encore le VPN qui coupe les appels clients depuis lundi matin"
BIOCOOP_LEAD = "Biocoop Lyon est prête à signer pour 40 magasins si on livre avant mars."
PROMO_TS, SUCCESS_TS, PARCELS_TS = "1764000100.000100", "1764000200.000100", "1764000300.000100"
PROMO = (
    f"Grosse promo chez <https://www.logistar.fr/promo|Logistar> sur les capteurs, vu par <@{FARID}> "
    f"dans <#{VENTES}|ventes>"
)
SUCCESS = "Signé avec Decathlon grâce à la démo de Léa, bravo à toute l'équipe !"
PARCELS = "Les colis arrivent abîmés chez Fromageries Duval, trois clients ont appelé cette semaine."


class Clock:
    """Real time until the test moves it to when the week's digest is due."""

    def __init__(self) -> None:
        self.moved: datetime | None = None

    def __call__(self) -> datetime:
        return self.moved or datetime.now(UTC)


@pytest.fixture
def week(
    database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Pepites, Clock]]:
    # The near-duplicate index is rebuilt every 30 s in production; here David's report comes seconds after
    # Emma's, so it is rebuilt at each use.
    monkeypatch.setattr(tagging, "DUPLICATE_INDEX_SECONDS", 0.0)
    clock = Clock()
    app = start_pepites(
        database_url,
        fake_slack,
        shared_tagger,
        schedule=True,
        clock=clock,
        PEPITES_QUORUM="3",
        PEPITES_MANAGERS=SARAH,
        PEPITES_DIGEST_CHANNEL=DIGEST,
        PEPITES_SALES_CHANNEL=SALES,
        PEPITES_LANGUAGE="fr",
        PEPITES_RATE_LIMIT="1000",
    )
    track(app)
    for user, name in NAMES.items():
        fake_slack.users[user] = {"profile": {"display_name": name, "real_name": name}}
    fake_slack.messages[(VENTES, PROMO_TS)] = slack_message(PROMO, user=NINA, ts=PROMO_TS)
    fake_slack.messages[(GENERAL, SUCCESS_TS)] = slack_message(SUCCESS, user=NINA, ts=SUCCESS_TS)
    fake_slack.messages[(GENERAL, PARCELS_TS)] = slack_message(PARCELS, user=KARIM, ts=PARCELS_TS)
    yield app, clock
    app.server.stop()
    app.runtime.stop()


class Week:
    def __init__(self, app: Pepites) -> None:
        self.app, self.fake, self.urls = app, app.fake, 0

    def url(self) -> str:
        self.urls += 1
        return self.fake.response_url(f"r{self.urls:03d}")

    def ok(self, response: Response) -> Response:
        assert response.status == 200, response.text
        return response

    def command(self, text: str, user: str, url: str | None = None) -> Response:
        return self.ok(self.app.slack.command(text, user_id=user, channel_id=GENERAL, response_url=url or self.url()))

    def interact(self, payload: dict[str, Any]) -> Response:
        return self.ok(self.app.slack.interactive(payload))

    def click(self, action_id: str, value: str | None, user: str, **extra: Any) -> Response:
        return self.interact(block_actions_payload(action_id, value, user_id=user, response_url=self.url(), **extra))

    def pick(self, action_id: str, insight_id: int, user: str) -> Response:
        """A digest item's menu: the option standing for ``action_id``."""
        option = {"value": ids.menu_value(action_id, insight_id), "text": {"type": "plain_text", "text": "…"}}
        payload = block_actions_payload(
            ids.ACTION_ITEM_MENU,
            None,
            user_id=user,
            channel_id=DIGEST,
            message_ts="1764000900.000100",
            selected_option=option,
            block_id=ids.digest_item_block_id("escalated", insight_id),
            response_url=self.url(),
        )
        payload["actions"][0]["type"] = "overflow"
        return self.interact(payload)

    def react(self, emoji: str, user: str, channel: str, ts: str, author: str) -> None:
        self.ok(
            self.app.slack.event(reaction_event(emoji, user=user, item_channel=channel, item_ts=ts, item_user=author))
        )

    def form(self, before: int, callback_id: str) -> dict[str, Any]:
        view: dict[str, Any] = self.fake.wait_for("views.open", count=before + 1)[before].params["view"]
        assert view["callback_id"] == callback_id
        return view

    def submit(self, callback_id: str, values: dict[str, Any], user: str, metadata: str) -> None:
        payload = view_submission_payload(callback_id, values, private_metadata=metadata, user_id=user)
        assert self.interact(payload).body == b""  # the form closed: no error

    def insight(self, **where: Any) -> Insight:
        with self.app.sessions.begin() as session:
            found = session.scalars(select(Insight).filter_by(**where).order_by(Insight.id.desc())).first()
            assert found is not None, where
            session.expunge(found)
            return found

    def settle(self) -> None:
        settle([self.app])

    def received(self, user: str) -> str:
        """Everything Slack showed ``user``: DMs (posted or updated), ephemeral messages."""
        shown = [
            c.params
            for c in self.fake.calls()
            if (c.method in ("chat.postMessage", "chat.update") and c.params.get("channel") == user)
            or (c.method == "chat.postEphemeral" and c.params.get("user") == user)
        ]
        return json.dumps(shown, ensure_ascii=False)

    def answers(self, url_name: str) -> str:
        return json.dumps(self.fake.responses(url_name), ensure_ascii=False)


def test_a_week_of_pepites_in_french(week: tuple[Pepites, Clock]) -> None:
    app, clock = week
    w = Week(app)
    started = datetime.now(UTC)

    # Monday. Emma: /insight with a link, a channel and <!here>: shown as written, pinging nobody.
    emma_url = w.url()
    answer = json.dumps(w.command(VPN, EMMA, emma_url).json(), ensure_ascii=False)
    vpn = w.insight(reporter_id=EMMA).id
    assert f"Pépite n°{vpn} enregistrée" in answer
    assert "<https://intranet.example/vpn|la page VPN>" in answer and "#support" in answer
    assert "<!here>" not in answer and "@here" in answer
    w.settle()

    # David says the same thing: his tagged confirmation offers «+1 à la n°1 à la place», he takes it.
    david_url = w.url()
    w.command(VPN_AGAIN, DAVID, david_url)
    w.settle()
    davids = w.insight(reporter_id=DAVID).id
    offer = w.fake.responses(david_url.rsplit("/", 1)[1])[-1]
    merge = next(
        e
        for b in offer["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("action_id") == ids.ACTION_MERGE
    )
    assert merge["value"] == f"{davids}:{vpn}" and f"n°{vpn}" in json.dumps(merge, ensure_ascii=False)
    merged_url = w.url()
    w.interact(block_actions_payload(ids.ACTION_MERGE, merge["value"], user_id=DAVID, response_url=merged_url))
    w.settle()
    assert f"n°{vpn}" in w.answers(merged_url.rsplit("/", 1)[1])

    # Tuesday. Farid: /insight alone opens the form; he names the customer.
    before = len(w.fake.calls("views.open"))
    w.command("", FARID)
    view = w.form(before, ids.VIEW_CAPTURE)
    w.submit(ids.VIEW_CAPTURE, state(BIOCOOP_LEAD, customer="Biocoop Lyon"), FARID, view["private_metadata"])
    lead = w.insight(reporter_id=FARID).id

    # Léa saves Nina's message with the shortcut: the form shows readable text, the DM the link and @Farid.
    before = len(w.fake.calls("views.open"))
    message = w.fake.messages[(VENTES, PROMO_TS)]
    w.interact(message_shortcut_payload(ids.SHORTCUT_SAVE, message, channel_id=VENTES, user_id=LEA))
    view = w.form(before, ids.VIEW_CAPTURE)
    shown_form = json.dumps(view["blocks"], ensure_ascii=False)
    assert "<https://" not in shown_form and f"<@{FARID}>" not in shown_form and "@Farid" in shown_form
    prefilled = next(b["element"]["initial_value"] for b in view["blocks"] if b.get("block_id") == ids.BLOCK_TEXT)
    w.submit(ids.VIEW_CAPTURE, state(prefilled), LEA, view["private_metadata"])
    promo = w.insight(reporter_id=LEA).id

    # Hugo: a :gem: on Nina's success.
    w.react(ids.DEFAULT_CAPTURE_EMOJI, HUGO, GENERAL, SUCCESS_TS, NINA)
    success = w.insight(reporter_id=HUGO).id

    # Wednesday. Three people escalate Karim's message: Karim is its reporter, each voter sees the count.
    for voter in VOTERS:
        w.react("arrow_up", voter, GENERAL, PARCELS_TS, KARIM)
    w.settle()
    parcels = w.insight(reporter_id=KARIM)
    assert parcels.escalated_at is not None
    alerts = [c.params for c in w.fake.calls("chat.postMessage") if c.params.get("channel") == DIGEST]
    [alert] = [a for a in alerts if f"n°{parcels.id}" in str(a.get("text"))]
    assert "remontée par 3 personnes" in json.dumps(alert, ensure_ascii=False)
    for n, voter in enumerate(VOTERS, start=1):
        assert f"{n}/3" in w.received(voter), voter
        assert f"n°{parcels.id} enregistrée" not in w.received(voter)  # voters are not the reporter

    # Thursday. Sarah assigns it to David from the digest item's menu, then resolves it: worth 15 k€.
    before = len(w.fake.calls("views.open"))
    w.pick(ids.ACTION_ASSIGN, parcels.id, SARAH)
    view = w.form(before, ids.VIEW_ASSIGN)
    picked = {ids.BLOCK_ASSIGNEE: {"value": {"type": "users_select", "selected_user": DAVID}}}
    w.submit(ids.VIEW_ASSIGN, picked, SARAH, view["private_metadata"])
    before = len(w.fake.calls("views.open"))
    w.pick(ids.ACTION_RESOLVE, parcels.id, SARAH)
    view = w.form(before, ids.VIEW_RESOLVE)
    resolved_form = {
        ids.BLOCK_NOTE: {"value": text_input_state("Nouveau transporteur pour Fromageries Duval.")},
        ids.BLOCK_VALUE: {"value": text_input_state("15 k€")},
    }
    w.submit(ids.VIEW_RESOLVE, resolved_form, SARAH, view["private_metadata"])
    w.settle()
    done = w.insight(id=parcels.id)
    assert done.status == "resolved" and done.value_eur == 15_000 and done.assignee_id == DAVID

    # Friday. Emma erases everything she shared: her VPN report lives on as David's, and he is told.
    w.command("forget", EMMA)
    forget_url = w.url()
    w.interact(block_actions_payload(ids.ACTION_FORGET, "forget", user_id=EMMA, response_url=forget_url))
    w.settle()
    assert "1 pépite et 0 vote effacés" in w.answers(forget_url.rsplit("/", 1)[1])
    assert w.insight(id=vpn).reporter_id == DAVID

    # Monday 09:00: the digest, in French, and the sales post.
    clock.moved = started + timedelta(days=7)
    w.fake.wait_for("files.completeUploadExternal", timeout=180)
    w.settle()
    posted = [c.params for c in w.fake.calls("chat.postMessage")]
    [digest] = [p for p in posted if p.get("channel") == DIGEST and "semaine du" in json.dumps(p, ensure_ascii=False)]
    text = json.dumps(digest["blocks"], ensure_ascii=False)
    assert re.search(r"semaine du \d\d/\d\d/\d{4} au \d\d/\d\d/\d{4}", text)
    assert f"n°{parcels.id}" in text and "_résolue_" in text and "15\u202f000 €" in text
    assert "pepites export" not in text and "/insight search" in text
    assert "(s)" not in text and not re.search(r"\*#\d", text)
    resolved_block = next(b for b in digest["blocks"] if f"n°{parcels.id}" in json.dumps(b, ensure_ascii=False))
    assert ids.digest_item_block_id("escalated", parcels.id) not in text  # a resolved escalation: no controls
    assert resolved_block["type"] == "section"
    menus = [e for b in digest["blocks"] if b["type"] == "actions" for e in b["elements"] if e["type"] == "overflow"]
    assert menus and all(len(m["options"]) == 5 for m in menus)
    sales = [p for p in posted if p.get("channel") == SALES]
    assert sales and f"n°{lead}" in json.dumps(sales, ensure_ascii=False)
    assert "overflow" not in json.dumps(sales) and ids.ACTION_RESOLVE not in json.dumps(sales)

    # What each person received.
    everything = json.dumps([c.params for c in w.fake.calls()], ensure_ascii=False, default=lambda _: "")
    assert "<!here>" not in everything.replace("&lt;!here&gt;", "")  # no broadcast ever sent in the bot's name
    assert "personne(s)" not in everything and "pépite(s)" not in everything
    emma = w.answers(emma_url.rsplit("/", 1)[1])
    assert f"n°{vpn}" in emma  # her tagged confirmation, through the command's response URL
    david = w.received(DAVID)
    assert f"La pépite n°{parcels.id} vous a été assignée par" in david  # the assignee, in the message itself
    assert f"n°{vpn}" in david  # Emma's report handed over to him
    karim = w.received(KARIM)
    assert f"n°{parcels.id}" in karim and "assignée" in karim and "résolue" in karim and f"<@{DAVID}>" in karim
    farid = w.received(FARID)
    assert f"Pépite n°{lead} enregistrée" in farid
    lea = w.received(LEA)
    assert f"Pépite n°{promo} enregistrée" in lea
    assert "<https://www.logistar.fr/promo|Logistar>" in lea and "@Farid" in lea and "#ventes" in lea
    assert f"<@{FARID}>" not in lea
    assert f"Pépite n°{success} enregistrée" in w.received(HUGO)
    assert "Langue : ?" not in everything and "autre (0 %)" not in everything and "ouverte depuis 0 j" not in everything
