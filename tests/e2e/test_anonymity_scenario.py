"""Battery 8 (anonymity): a full scenario with anonymous reporters, then a scan of everything it left behind.

Two people report anonymously (the capture form's checkbox, from ``/insight`` and from the message shortcut,
and an insight made anonymous afterwards), a third reports under their name as a control. Colleagues vote, the
escalation alert goes out, a manager writes to an anonymous reporter who answers, insights are acknowledged and
resolved with a note and a € value, the weekly digest is posted by the scheduler (on a passed-in clock), people
ask ``/insight mine`` and ``search`` and open App Home, and a manager exports everything with ``pepites export``.
The root logger runs at DEBUG (slack_sdk, Bolt and SQLAlchemy's engine included) through the privacy filter,
installed exactly as ``pepites run`` installs it.

Then every column of every table, every call the fake Web API received, every HTTP answer of the app, both
export files and every formatted log line are searched for the anonymous reporters' user ids. The only place
such an id may appear is the address of a message to that very person (a DM's ``channel``, App Home's
``user_id``): Slack needs it to deliver. The named reporter's id is found, which shows the scan can find ids.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, text

from bot import ids
from bot.cli.main import _logging
from bot.cli.main import main as pepites_cli
from bot.jobs.tagger_process import SubprocessTagger
from bot.log_privacy import PrivacyFilter
from models.schema import Insight, Vote
from tests.bot.conftest import SIGNING_SECRET
from tests.e2e.conftest import Pepites, start_pepites
from tests.e2e.test_battery_requests import settle, track
from tests.e2e.test_capture_modal import state
from tests.support.fake_slack import Call, FakeSlack
from tests.support.slack_requests import (
    Response,
    SlackSender,
    block_actions_payload,
    message_shortcut_payload,
    reaction_event,
    slack_message,
    text_input_state,
    view_submission_payload,
)

TEAM = "T1"
# Ids shaped like Slack's (the privacy filter recognises user ids of nine characters and more).
ANON_A = "U07ANONA1B2"  # anonymous from the start (``/insight`` alone → the form, box ticked)
ANON_B = "U07ANONB3C4"  # makes a named insight anonymous afterwards, and ticks the box on the shortcut's form
NAMED = "U07NAMED5D6"  # the control: reports under their name
MANAGER = "U07MANAGER1"
VOTERS = ("U07VOTER001", "U07VOTER002", "U07VOTER003")
AUTHOR = "U07AUTHOR01"  # wrote the message ANON_B saves with the shortcut
ASSIGNEE = "U07OPSTEAM1"
DIGEST = "C07DIGEST01"
CHANNEL = "C07GENERAL1"
SHARED_TS = "1700000700.000100"
NAMED_TS = "1700000800.000100"

VPN = "Le VPN coupe pendant les démos client, on perd des ventes."
SIGNATURES = "Il faut quatre signatures pour une note de frais de 12 €, c'est absurde."
BIOCOOP = "Le client Biocoop menace de partir si les retards de livraison continuent."
COFFEE = "La machine à café du 3e est en panne depuis lundi, tout le monde descend au 1er."
# Methods whose ``channel`` (or ``user``) is where the message goes: a person's id there is an address.
ADDRESSED = {"chat.postMessage": ("channel",), "chat.update": ("channel",), "chat.postEphemeral": ("channel", "user")}


class RecordingSender(SlackSender):
    """Sends like Slack and keeps every answer the app gave, to be scanned too."""

    def __init__(self, url: str, signing_secret: str) -> None:
        super().__init__(url, signing_secret)
        self.answers: list[Response] = []

    def post(self, body: bytes, content_type: str, **kwargs: Any) -> Response:
        response = super().post(body, content_type, **kwargs)
        self.answers.append(response)
        return response


@dataclass
class CapturedLogs:
    """What ``pepites run`` would print (its format, through its privacy filter), and every record's logger."""

    lines: io.StringIO = field(default_factory=io.StringIO)
    loggers: set[str] = field(default_factory=set)


class _Names(logging.Handler):
    def __init__(self, seen: set[str]) -> None:
        super().__init__(logging.DEBUG)
        self.seen = seen

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.add(record.name)


@pytest.fixture
def cli_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[CapturedLogs]:
    """The CLI's own ``_logging("DEBUG")`` on an empty root logger, its stream caught; libraries at DEBUG."""
    captured = CapturedLogs()
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    quiet = {name: logging.getLogger(name).level for name in ("sqlalchemy.engine", "sqlalchemy.pool")}
    for handler in saved_handlers:  # pytest's own handlers; basicConfig does nothing while the root has any
        root.removeHandler(handler)
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stderr", captured.lines)
        _logging("DEBUG")
    [cli_handler] = root.handlers
    assert any(isinstance(f, PrivacyFilter) for f in cli_handler.filters)
    names = _Names(captured.loggers)
    root.addHandler(names)  # after the CLI's handler, so it sees records as rewritten
    for handler in saved_handlers:
        root.addHandler(handler)
    for name in quiet:  # what ``create_engine(echo="debug")`` turns on: statements, parameters and rows
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        root.removeHandler(cli_handler)
        root.removeHandler(names)
        cli_handler.close()
        root.setLevel(saved_level)
        for name, level in quiet.items():
            logging.getLogger(name).setLevel(level)
        for handler in saved_handlers:
            if handler not in root.handlers:
                root.addHandler(handler)


class Clock:
    """Real time until the test moves it to after the next digest is due."""

    def __init__(self) -> None:
        self.moved: datetime | None = None

    def __call__(self) -> datetime:
        return self.moved or datetime.now(UTC)


@pytest.fixture
def scenario_app(
    database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger, cli_logging: CapturedLogs
) -> Iterator[tuple[Pepites, Clock]]:
    clock = Clock()
    app = start_pepites(
        database_url,
        fake_slack,
        shared_tagger,
        schedule=True,
        clock=clock,
        tick_seconds=0.2,
        PEPITES_QUORUM="3",
        PEPITES_MANAGERS=MANAGER,
        PEPITES_DIGEST_CHANNEL=DIGEST,
        PEPITES_RATE_LIMIT="1000",
    )
    app.slack = RecordingSender(app.server.events_url, SIGNING_SECRET)
    track(app)
    fake_slack.messages[(CHANNEL, SHARED_TS)] = slack_message(BIOCOOP, user=AUTHOR, ts=SHARED_TS)
    fake_slack.messages[(CHANNEL, NAMED_TS)] = slack_message(COFFEE, user=AUTHOR, ts=NAMED_TS)
    yield app, clock
    app.server.stop()
    app.runtime.stop()


# -- the scenario, one step at a time -----------------------------------------------------------------


class Scenario:
    def __init__(self, app: Pepites) -> None:
        self.app = app
        self.fake = app.fake
        self.urls = 0

    def response_url(self) -> str:
        """A fresh response URL served by the fake; opaque, like Slack's (it names nobody)."""
        self.urls += 1
        return self.fake.response_url(f"r{self.urls:04d}")

    def ok(self, response: Response) -> Response:
        assert response.status == 200, response.text
        return response

    def interact(self, payload: dict[str, Any]) -> Response:
        return self.ok(self.app.slack.interactive(payload))

    def command(self, text: str, user: str) -> Response:
        return self.ok(self.app.slack.command(text, user_id=user, response_url=self.response_url()))

    def click(self, action_id: str, value: str | None, user: str, **extra: Any) -> Response:
        payload = block_actions_payload(action_id, value, user_id=user, response_url=self.response_url(), **extra)
        return self.interact(payload)

    def event(self, event: dict[str, Any]) -> Response:
        return self.ok(self.app.slack.event(event))

    def opened_form(self, before: int, callback_id: str) -> dict[str, Any]:
        view: dict[str, Any] = self.fake.wait_for("views.open", count=before + 1)[before].params["view"]
        assert view["callback_id"] == callback_id
        return view

    def submit(self, callback_id: str, values: dict[str, Any], user: str, metadata: str = "") -> Response:
        payload = view_submission_payload(callback_id, values, private_metadata=metadata, user_id=user)
        response = self.interact(payload)
        assert response.body == b"", response.text  # the form closed: no errors
        return response

    def insight(self, **where: Any) -> Insight:
        with self.app.sessions.begin() as session:
            found = session.scalars(select(Insight).filter_by(**where).order_by(Insight.id.desc())).first()
            assert found is not None, where
            session.expunge(found)
            return found

    def dms_to(self, user: str) -> list[dict[str, Any]]:
        return [c.params for c in self.fake.calls("chat.postMessage") if c.params.get("channel") == user]

    def wait_until_idle(self) -> None:
        """Every listener run finished and tagging done (listeners go on after their ack)."""
        settle([self.app])


def capture_anonymously_with_the_form(s: Scenario) -> int:
    """ANON_A: ``/insight`` alone opens the form; the anonymous box is ticked."""
    before = len(s.fake.calls("views.open"))
    s.command("", ANON_A)
    view = s.opened_form(before, ids.VIEW_CAPTURE)
    s.submit(ids.VIEW_CAPTURE, state(VPN, anonymous=True), ANON_A, view["private_metadata"])
    return s.insight(text=VPN).id


def capture_then_make_anonymous(s: Scenario) -> int:
    """ANON_B: ``/insight <text>`` under their name, then the confirmation's "make anonymous" button."""
    s.command(SIGNATURES, ANON_B)
    insight_id = s.insight(text=SIGNATURES).id
    s.wait_until_idle()
    s.click(ids.ACTION_MAKE_ANONYMOUS, str(insight_id), ANON_B)
    s.wait_until_idle()
    made = s.insight(id=insight_id)
    assert made.anonymous and made.reporter_id is None
    return insight_id


def capture_anonymously_from_a_message(s: Scenario) -> int:
    """ANON_B: "Save as insight" on a colleague's message, anonymous box ticked."""
    before = len(s.fake.calls("views.open"))
    message = s.fake.messages[(CHANNEL, SHARED_TS)]
    s.interact(
        message_shortcut_payload(
            ids.SHORTCUT_SAVE, message, channel_id=CHANNEL, user_id=ANON_B, response_url=s.response_url()
        )
    )
    view = s.opened_form(before, ids.VIEW_CAPTURE)
    s.submit(ids.VIEW_CAPTURE, state(BIOCOOP, anonymous=True), ANON_B, view["private_metadata"])
    return s.insight(text=BIOCOOP).id


def capture_named(s: Scenario) -> int:
    """The control: NAMED shares with ``/insight`` and with the capture reaction."""
    s.command("Le nouveau portail fournisseur plante tous les lundis matin.", NAMED)
    reaction = reaction_event(
        ids.DEFAULT_CAPTURE_EMOJI, user=NAMED, item_channel=CHANNEL, item_ts=NAMED_TS, item_user=AUTHOR
    )
    s.event(reaction)
    s.wait_until_idle()
    return s.insight(text=COFFEE).id


def vote_and_escalate(s: Scenario, insight_id: int, shared_id: int) -> dict[str, Any]:
    """Three colleagues say "me too" on ANON_A's insight: the alert goes to the digest channel."""
    for voter in VOTERS:
        s.click(ids.ACTION_ME_TOO, str(insight_id), voter)
    escalate = reaction_event("arrow_up", user=VOTERS[0], item_channel=CHANNEL, item_ts=SHARED_TS, item_user=AUTHOR)
    s.event(escalate)  # a vote on ANON_B's saved message too
    s.wait_until_idle()
    [alert] = [
        c.params
        for c in s.fake.calls("chat.postMessage")
        if c.params.get("channel") == DIGEST and f"n°{insight_id}" in str(c.params.get("text"))
    ]
    with s.app.sessions.begin() as session:
        assert session.get(Insight, insight_id).escalated_at is not None  # type: ignore[union-attr]
        assert session.scalars(select(Vote.voter_id).where(Vote.insight_id == shared_id)).all() == [VOTERS[0]]
    return alert


def reply_and_answer(s: Scenario, insight_id: int) -> None:
    """The manager writes to ANON_A through the bot; ANON_A answers, still anonymous."""
    before = len(s.fake.calls("views.open"))
    s.click(ids.ACTION_REPLY, str(insight_id), MANAGER, block_id=ids.digest_item_block_id("escalated", insight_id))
    view = s.opened_form(before, ids.VIEW_REPLY)
    note = {ids.BLOCK_NOTE: {"value": text_input_state("Merci ! Depuis quand exactement ?")}}
    s.submit(ids.VIEW_REPLY, note, MANAGER, view["private_metadata"])
    s.wait_until_idle()
    relayed = next(p for p in reversed(s.dms_to(ANON_A)) if "Depuis quand" in json.dumps(p, ensure_ascii=False))
    answer = next(
        e["value"]
        for b in relayed["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ids.ACTION_ANSWER
    )
    before = len(s.fake.calls("views.open"))
    s.click(ids.ACTION_ANSWER, answer, ANON_A)
    view = s.opened_form(before, ids.VIEW_ANSWER)
    note = {ids.BLOCK_NOTE: {"value": text_input_state("Depuis lundi, surtout l'après-midi.")}}
    s.submit(ids.VIEW_ANSWER, note, ANON_A, view["private_metadata"])
    s.wait_until_idle()
    assert any("Depuis lundi" in json.dumps(p, ensure_ascii=False) for p in s.dms_to(MANAGER))


def resolve_from_the_alert(s: Scenario, insight_id: int, alert: dict[str, Any]) -> None:
    """The manager resolves from the alert with a note and a € value; ANON_A is told by DM."""
    block_id = next(b["block_id"] for b in alert["blocks"] if b["type"] == "actions")
    before = len(s.fake.calls("views.open"))
    s.click(ids.ACTION_RESOLVE, str(insight_id), MANAGER, block_id=block_id)
    view = s.opened_form(before, ids.VIEW_RESOLVE)
    form = {
        ids.BLOCK_NOTE: {"value": text_input_state("Nouveau boîtier VPN installé en salle de démo.")},
        ids.BLOCK_VALUE: {"value": text_input_state("4 500 €")},
    }
    s.submit(ids.VIEW_RESOLVE, form, MANAGER, view["private_metadata"])
    s.wait_until_idle()
    assert len([p for p in s.dms_to(ANON_A) if "résolue" in str(p["text"])]) == 1
    resolved = s.insight(id=insight_id)
    assert resolved.status == "resolved" and resolved.value_eur == 4500


def manage_the_others(s: Scenario, made_anonymous: int, from_message: int, named: int) -> None:
    """Acknowledged, assigned, dismissed: each reporter told, ANON_B through the sealed id."""
    s.click(
        ids.ACTION_ACKNOWLEDGE, str(made_anonymous), MANAGER, block_id=ids.digest_item_block_id("open", made_anonymous)
    )
    assign = block_actions_payload(
        ids.ACTION_ASSIGN,
        None,
        user_id=MANAGER,
        block_id=ids.digest_item_block_id("signals", from_message),
        response_url=s.response_url(),
    )
    assign["actions"][0].update({"type": "users_select", "selected_user": ASSIGNEE})
    s.interact(assign)
    s.click(ids.ACTION_DISMISS, str(named), MANAGER, block_id=ids.digest_item_block_id("open", named))
    s.wait_until_idle()
    for user, statuses in ((ANON_B, ("prise en compte", "assignée")), (NAMED, ("écartée",))):
        for status in statuses:
            assert len([p for p in s.dms_to(user) if status in str(p["text"])]) == 1, (user, status)


def look_back(s: Scenario) -> None:
    """``/insight mine``, ``search``, App Home: for the reporters, a voter and the manager."""
    for user, words in ((ANON_A, "VPN"), (ANON_B, "signatures"), (NAMED, "portail")):
        mine = s.command("mine", user).json()
        assert words in json.dumps(mine, ensure_ascii=False)  # anonymous ones too: found by the keyed hash
    for query in ("search vpn", "search biocoop", "search signatures"):
        s.command(query, VOTERS[1])
    homes = len(s.fake.calls("views.publish"))
    for user in (ANON_A, ANON_B, NAMED, MANAGER):
        s.event({"type": "app_home_opened", "user": user, "channel": "D07HOME0001", "tab": "home", "event_ts": "1.1"})
    published = s.fake.wait_for("views.publish", count=homes + 4)
    mine = next(c.params["view"] for c in published if c.params["user_id"] == ANON_A)
    assert "VPN" in json.dumps(mine, ensure_ascii=False)  # ANON_A sees their own insight at home


def weekly_digest(s: Scenario, clock: Clock, started: datetime) -> None:
    """Move the scheduler's clock past the next Monday 09:00 (Paris): the week's digest is posted."""
    clock.moved = started + timedelta(days=7)
    s.fake.wait_for("files.completeUploadExternal", timeout=180)
    digest = [c.params for c in s.fake.calls("chat.postMessage") if c.params.get("channel") == DIGEST]
    assert any("VPN" in json.dumps(p.get("blocks"), ensure_ascii=False) for p in digest)


def export_everything(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``pepites export`` in both formats, as a manager would run it."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    written = []
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"export.{fmt}"
        assert pepites_cli(["export", "--workspace", TEAM, "--format", fmt, "--output", str(out)]) == 0
        written.append(out.read_text(encoding="utf-8"))
    return written


# -- the scan -----------------------------------------------------------------------------------------


def every_cell(engine: Engine) -> dict[str, list[str]]:
    """Every value of every column of every table of the real database (tables found by inspection)."""
    cells: dict[str, list[str]] = {}
    with engine.connect() as connection:
        inspector = inspect(connection)
        for table in inspector.get_table_names():
            columns = [c["name"] for c in inspector.get_columns(table)]
            result = connection.execute(text(f'SELECT * FROM "{table}"'))
            for row in result:
                for column, value in zip(columns, row, strict=True):
                    cells.setdefault(f"{table}.{column}", []).append(
                        json.dumps(value, ensure_ascii=False, default=str) if value is not None else ""
                    )
    return cells


def dm_channel(fake: FakeSlack, user: str) -> str:
    """The DM channel id the fake gives a person's direct messages (it names them as surely as their id)."""
    return fake._dm_channel(user)


def without_addresses(call: Call, people: set[str]) -> dict[str, Any]:
    """A call's params, less the address of a message to one of ``people`` (needed to deliver it)."""
    params = dict(call.params)
    for key in ADDRESSED.get(call.method, ()):
        if params.get(key) in people:
            params.pop(key)
    if call.method == "views.publish" and params.get("user_id") in people:
        params.pop("user_id")
    if call.method == "conversations.open" and params.get("users") in people:
        params.pop("users")
    return params


def as_text(value: Any) -> str:
    def fallback(v: Any) -> str:
        return v.decode("latin-1") if isinstance(v, bytes) else repr(v)

    return json.dumps(value, ensure_ascii=False, default=fallback)


def found(needle: str, haystacks: dict[str, str]) -> list[str]:
    return [where for where, hay in haystacks.items() if needle in hay]


def test_anonymity_full_scenario_leaves_no_anonymous_reporter_id_anywhere(
    scenario_app: tuple[Pepites, Clock],
    cli_logging: CapturedLogs,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app, clock = scenario_app
    s = Scenario(app)
    started = datetime.now(UTC) - timedelta(seconds=5)

    anon_a = capture_anonymously_with_the_form(s)
    made_anonymous = capture_then_make_anonymous(s)
    from_message = capture_anonymously_from_a_message(s)
    named = capture_named(s)
    s.wait_until_idle()
    alert = vote_and_escalate(s, anon_a, from_message)
    reply_and_answer(s, anon_a)
    resolve_from_the_alert(s, anon_a, alert)
    manage_the_others(s, made_anonymous, from_message, named)
    look_back(s)
    weekly_digest(s, clock, started)
    s.wait_until_idle()
    exports = export_everything(tmp_path, database_url, monkeypatch)

    # What the scenario went through, so the scan has something to search.
    with app.sessions.begin() as session:
        insights = {i.id: i for i in session.scalars(select(Insight))}
        assert [insights[i].anonymous for i in (anon_a, made_anonymous, from_message, named)] == [
            True,
            True,
            True,
            False,
        ]
    assert len(s.dms_to(ANON_A)) >= 3 and len(s.dms_to(ANON_B)) >= 3  # confirmations, relay, status notes
    assert all('"reporter": "anonymous"' in line or NAMED in line for line in exports[0].splitlines())

    anonymous = {ANON_A, ANON_B}
    addresses = anonymous | {dm_channel(s.fake, user) for user in anonymous}
    cells = every_cell(app.runtime.engine)
    haystacks: dict[str, str] = {f"table {column}": "\n".join(values) for column, values in cells.items()}
    for n, call in enumerate(s.fake.calls()):
        haystacks[f"Web API call {n} ({call.method})"] = as_text(without_addresses(call, addresses))
    assert isinstance(app.slack, RecordingSender)
    for n, answer in enumerate(app.slack.answers):
        haystacks[f"HTTP answer {n}"] = answer.text
    for fmt, content in zip(("jsonl", "csv"), exports, strict=True):
        haystacks[f"export {fmt}"] = content
    log = cli_logging.lines.getvalue()
    for n, line in enumerate(log.splitlines()):
        haystacks[f"log line {n}"] = line

    # The scan can find an id: the named reporter's is in the database, the payloads and the export.
    control = found(NAMED, haystacks)
    assert "table insight.reporter_id" in control
    assert any(w.startswith("Web API call") for w in control) and "export jsonl" in control
    # Everything was logged at DEBUG: Web API calls, Bolt's request handling, every SQL statement and row.
    assert {"slack_sdk.web.base_client", "bot.bolt", "sqlalchemy.engine.Engine"} <= cli_logging.loggers
    assert "api/chat.postMessage" in log and "SELECT" in log and "Row [redacted]" in log
    assert len(cells) >= 40 and len(haystacks) > 1000
    for user in sorted(anonymous):
        assert found(user, haystacks) == [], f"{user} found in clear"
    # A DM channel id names the person at the other end as surely as their id: it appears only as a message's
    # address, never in a table (an anonymous reporter's confirmation address is kept sealed), log or payload.
    for user in sorted(anonymous):
        assert found(dm_channel(s.fake, user), haystacks) == [], f"{user}'s DM channel found"
