"""Batteries over real HTTP against the real app.

Battery 1 (signatures): every kind of request the app takes, sent with every way a signature can be wrong
(forged, missing, stale, replayed over another body, another version…): all answered 401, nothing stored, no
Slack call made. The same bodies, rightly signed, are then accepted, so the refusals are the signature's doing.

Battery 2 (retries): every request that writes, delivered four times (``X-Slack-Retry-Num`` 1..3 on the
repeats, the same ``trigger_id`` / ``event_id`` / ``action_ts``), one after another and all at once, to two
app instances on one database (two replicas): exactly one row each, and the reporter told once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot import ids
from bot.jobs.tagger_process import SubprocessTagger
from models.schema import Insight, Reply, StatusChange, Vote, Workspace
from tests.bot.conftest import SIGNING_SECRET
from tests.e2e.conftest import Pepites, start_pepites
from tests.e2e.test_capture_modal import state
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import (
    FORM,
    JSON,
    Response,
    SlackSender,
    block_actions_payload,
    command_form,
    encode_form,
    event_envelope,
    message_shortcut_payload,
    new_trigger_id,
    reaction_event,
    slack_message,
    text_input_state,
    view_submission_payload,
)

TEAM = "T1"
MANAGER = "UMGR"
ALERTS = "CALERT"
CHANNEL = "C1"
REPORTER = "U1"
TS = "1700000300.000100"
TEXT = "Le VPN coupe pendant les démos client, on perd des ventes."


# -- shared helpers ---------------------------------------------------------------------------------


def table_rows(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table of the real database (found by inspection), as sorted strings."""
    rows: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in sorted(inspect(connection).get_table_names()):
            result = connection.execute(text(f'SELECT * FROM "{table}"'))
            rows[table] = sorted(json.dumps([str(v) for v in row]) for row in result)
    return rows


class InFlight:
    """Counts the listener runs an app has under way (Bolt runs listeners, and their work after ``ack``, on
    its executor): the test knows when everything a request started is done, however busy the machine is."""

    def __init__(self, app: Pepites) -> None:
        self.running = 0
        self._lock = threading.Lock()
        executor = app.runtime.app.listener_runner.listener_executor
        submit = executor.submit

        def counted(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.running += 1
            future = submit(fn, *args, **kwargs)
            future.add_done_callback(self._done)
            return future

        executor.submit = counted  # type: ignore[method-assign]

    def _done(self, _: object) -> None:
        with self._lock:
            self.running -= 1


_IN_FLIGHT: dict[int, InFlight] = {}


def track(app: Pepites) -> Pepites:
    """Start counting an app's listener runs (see :func:`settle`)."""
    _IN_FLIGHT[id(app)] = InFlight(app)
    return app


def settle(apps: list[Pepites], *, quiet: float = 0.3, timeout: float = 180.0) -> None:
    """Wait until the apps are done: no listener running, tagging idle, and nothing new for ``quiet`` seconds.

    Listeners keep working after their ack (events are acked before they run) and tagging comes after them.
    """
    deadline = time.monotonic() + timeout

    def busy() -> bool:
        return any(_IN_FLIGHT[id(app)].running for app in apps if id(app) in _IN_FLIGHT)

    def seen() -> tuple[int, str]:
        with apps[0].runtime.engine.connect() as connection:
            counts = [
                connection.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one()
                for t in sorted(inspect(connection).get_table_names())
            ]
        return len(apps[0].fake.calls()), json.dumps(counts)

    last = seen()
    stable_since = time.monotonic()
    while busy() or time.monotonic() - stable_since < quiet:
        assert time.monotonic() < deadline, "the apps never settled"
        for app in apps:
            assert app.runtime.services.tagging.wait_idle(max(deadline - time.monotonic(), 0.1))
        time.sleep(0.05)
        now = seen()
        if now != last or busy():
            last, stable_since = now, time.monotonic()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}``, computed here independently of slack_sdk."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


# -- battery 1: signatures --------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of request the app takes: its content type and a body builder (``variant`` changes its content)."""

    name: str
    content_type: str
    build: Callable[[int], bytes]


@dataclass(frozen=True)
class Attack:
    """A way to get the signature wrong: the body actually sent and the headers sent with it."""

    name: str
    forge: Callable[[bytes, bytes], tuple[bytes, dict[str, str]]]


def _now() -> int:
    return int(time.time())


def _headers(timestamp: str | None, sig: str | None) -> dict[str, str]:
    headers = {}
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = timestamp
    if sig is not None:
        headers["X-Slack-Signature"] = sig
    return headers


def _signed(body: bytes, *, at: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    ts = str(_now() if at is None else at)
    return _headers(ts, signature(secret, ts, body))


def _prefixed(body: bytes, prefix: str) -> dict[str, str]:
    headers = _signed(body)
    headers["X-Slack-Signature"] = prefix + headers["X-Slack-Signature"].removeprefix("v0=")
    return headers


def _uppercase(body: bytes) -> dict[str, str]:
    headers = _signed(body)
    headers["X-Slack-Signature"] = "v0=" + headers["X-Slack-Signature"].removeprefix("v0=").upper()
    return headers


def _appended(body: bytes) -> bytes:
    """The body with one byte more that keeps it well-formed (a form field separator, or JSON whitespace)."""
    return body + (b" " if body.startswith(b"{") else b"&")


def _moved_timestamp(body: bytes) -> dict[str, str]:
    headers = _signed(body, at=_now() - 10)
    headers["X-Slack-Request-Timestamp"] = str(_now())  # the signature was made for another timestamp
    return headers


ATTACKS = (
    Attack("wrong secret", lambda body, other: (body, _signed(body, secret="not-the-signing-secret"))),
    Attack("forged signature", lambda body, other: (body, _headers(str(_now()), "v0=" + "0" * 64))),
    Attack("no signature header", lambda body, other: (body, _headers(str(_now()), None))),
    Attack("no timestamp header", lambda body, other: (body, _headers(None, _signed(body)["X-Slack-Signature"]))),
    Attack("no header at all", lambda body, other: (body, {})),
    Attack("empty signature", lambda body, other: (body, _headers(str(_now()), ""))),
    Attack("timestamp 6 min old", lambda body, other: (body, _signed(body, at=_now() - 6 * 60))),
    Attack("timestamp 6 min ahead", lambda body, other: (body, _signed(body, at=_now() + 6 * 60))),
    Attack("timestamp moved after signing", lambda body, other: (body, _moved_timestamp(body))),
    Attack("signature replayed with another body", lambda body, other: (other, _signed(body))),
    Attack("one byte appended after signing", lambda body, other: (_appended(body), _signed(body))),
    Attack("version prefix v1", lambda body, other: (body, _prefixed(body, "v1="))),
    Attack("no version prefix", lambda body, other: (body, _prefixed(body, ""))),
    Attack("signature in upper case", lambda body, other: (body, _uppercase(body))),
    Attack("signature of an empty body", lambda body, other: (body, _signed(b""))),
    Attack("timestamp not a number", lambda body, other: (body, _headers("soon", _signed(body)["X-Slack-Signature"]))),
    Attack("malformed body, unsigned", lambda body, other: (b"{" if body.startswith(b"{") else b"payload=%7B", {})),
)


def _form(fields: dict[str, str]) -> bytes:
    return encode_form(fields)


def _payload(payload: dict[str, Any]) -> bytes:
    return encode_form({"payload": json.dumps(payload)})


def _event(event: dict[str, Any], variant: int) -> bytes:
    return json.dumps(event_envelope(event, event_id=f"EvSIG{variant:06d}")).encode()


def request_kinds(fake: FakeSlack, insight_id: int, reply_id: int) -> list[Kind]:
    """Every kind of request Pépites answers: the command and its subcommands, the shortcut, every view
    submission, every button and select, every event it subscribes to."""
    url = fake.response_url("signatures")

    def command(text_of: Callable[[int], str]) -> Callable[[int], bytes]:
        return lambda v: _form(command_form(text_of(v), response_url=url, user_id=f"U{v}", channel_id=CHANNEL))

    def action(action_id: str, value: str | None, **extra: Any) -> Callable[[int], bytes]:
        return lambda v: _payload(
            block_actions_payload(action_id, value, user_id=MANAGER if v else "U2", response_url=url, **extra)
        )

    def submission(callback_id: str, values: dict[str, Any], metadata: str) -> Callable[[int], bytes]:
        return lambda v: _payload(
            view_submission_payload(callback_id, values, private_metadata=metadata, user_id=f"U{v}")
        )

    assign = block_actions_payload(
        ids.ACTION_ASSIGN, None, user_id=MANAGER, block_id=ids.digest_item_block_id("open", insight_id)
    )
    assign["actions"][0].update({"type": "users_select", "selected_user": "UOPS"})
    kind_option = {"text": {"type": "plain_text", "text": "idée"}, "value": f"{insight_id}:idea"}
    note = {ids.BLOCK_NOTE: {"value": text_input_state("Merci, on regarde.")}}
    resolve = {**note, ids.BLOCK_VALUE: {"value": text_input_state("120")}}
    context = json.dumps({"i": insight_id, "u": None, "r": None})
    answer_context = json.dumps({"i": insight_id, "u": None, "r": reply_id})
    config = {"quorum": {"value": {"type": "plain_text_input", "value": "5"}}}
    home = {"type": "app_home_opened", "user": REPORTER, "channel": "D1", "tab": "home", "event_ts": "1.1"}

    def reaction(emoji: str, added: bool = True) -> Callable[[int], bytes]:
        return lambda v: _event(
            reaction_event(emoji, user=f"U{v + 3}", item_channel=CHANNEL, item_ts=TS, item_user="U2", added=added), v
        )

    return [
        Kind("/insight <text>", FORM, command(lambda v: f"{TEXT} ({v})")),
        Kind("/insight (modal)", FORM, command(lambda v: "")),
        Kind("/insight help", FORM, command(lambda v: "help" if v else "aide")),
        Kind("/insight mine", FORM, command(lambda v: "mine" if v else "mes")),
        Kind("/insight search", FORM, command(lambda v: f"search vpn {v}")),
        Kind("/insight forget", FORM, command(lambda v: "forget" if v else "oublier")),
        Kind("/insight config", FORM, command(lambda v: "config" if v else "settings")),
        Kind(
            "message shortcut",
            FORM,
            lambda v: _payload(
                message_shortcut_payload(
                    ids.SHORTCUT_SAVE, slack_message(f"{TEXT} {v}", ts=TS), response_url=url, user_id=f"U{v}"
                )
            ),
        ),
        Kind("capture form", FORM, submission(ids.VIEW_CAPTURE, state(TEXT, anonymous=True), "")),
        Kind("resolve form", FORM, submission(ids.VIEW_RESOLVE, resolve, context)),
        Kind("reply form", FORM, submission(ids.VIEW_REPLY, note, context)),
        Kind("answer form", FORM, submission(ids.VIEW_ANSWER, note, answer_context)),
        Kind("config form", FORM, submission(ids.VIEW_CONFIG, config, "")),
        Kind(
            "change kind",
            FORM,
            lambda v: _payload(
                block_actions_payload(
                    ids.ACTION_CHANGE_KIND, None, selected_option=kind_option, user_id=f"U{v}", response_url=url
                )
            ),
        ),
        Kind("make anonymous", FORM, action(ids.ACTION_MAKE_ANONYMOUS, str(insight_id))),
        Kind("delete", FORM, action(ids.ACTION_DELETE, str(insight_id))),
        Kind("acknowledge", FORM, action(ids.ACTION_ACKNOWLEDGE, str(insight_id))),
        Kind("dismiss", FORM, action(ids.ACTION_DISMISS, str(insight_id))),
        Kind("resolve button", FORM, action(ids.ACTION_RESOLVE, str(insight_id), block_id=f"alert-{insight_id}")),
        Kind("assign select", FORM, lambda v: _payload({**assign, "user": {**assign["user"], "id": f"U{v}"}})),
        Kind("reply button", FORM, action(ids.ACTION_REPLY, str(insight_id))),
        Kind("answer button", FORM, action(ids.ACTION_ANSWER, str(reply_id))),
        Kind("me too", FORM, action(ids.ACTION_ME_TOO, str(insight_id))),
        Kind("merge", FORM, action(ids.ACTION_MERGE, f"{insight_id}:{insight_id}")),
        Kind("forget confirmation", FORM, action(ids.ACTION_FORGET, "forget")),
        Kind("reaction_added (capture)", JSON, reaction(ids.DEFAULT_CAPTURE_EMOJI)),
        Kind("reaction_added (escalate)", JSON, reaction("arrow_up")),
        Kind("reaction_removed", JSON, reaction("arrow_up", added=False)),
        Kind("app_home_opened", JSON, lambda v: _event({**home, "user": f"U{v + 1}"}, v)),
    ]


def post_raw(sender: SlackSender, body: bytes, content_type: str, headers: dict[str, str]) -> Response:
    return sender.post(body, content_type, sign=False, extra_headers=headers)


@pytest.fixture
def pepites(database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger) -> Iterator[Pepites]:
    app = start_pepites(
        database_url,
        fake_slack,
        shared_tagger,
        PEPITES_QUORUM="1",
        PEPITES_MANAGERS=MANAGER,
        PEPITES_DIGEST_CHANNEL=ALERTS,
        PEPITES_RATE_LIMIT="1000",
    )
    fake_slack.messages[(CHANNEL, TS)] = slack_message(TEXT, user="U2", ts=TS)
    track(app)
    yield app
    app.server.stop()
    app.runtime.stop()


def _seed(pepites: Pepites) -> tuple[int, int]:
    """One insight and a manager's message about it, so every action has something it could change."""
    response = pepites.slack.command(TEXT, user_id=REPORTER, response_url=pepites.fake.response_url("seed"))
    assert response.status == 200
    with pepites.sessions.begin() as session:
        insight_id = session.scalars(select(Insight.id)).one()
        reply = Reply(insight_id=insight_id, direction="to_reporter", by=MANAGER, to=None, text="Depuis quand ?")
        session.add(reply)
        session.flush()
        reply_id = reply.id
    # The confirmation, updated once tagged (generous: the machine may be busy with other tests).
    pepites.fake.wait_for("response_url", timeout=180)
    settle([pepites])
    pepites.fake.reset()
    return insight_id, reply_id


def test_battery_signatures_every_bad_signature_is_refused_and_changes_nothing(pepites: Pepites) -> None:
    insight_id, reply_id = _seed(pepites)
    kinds = request_kinds(pepites.fake, insight_id, reply_id)
    before = table_rows(pepites.runtime.engine)
    refused: list[tuple[str, str, int]] = []
    for kind in kinds:
        body, other = kind.build(1), kind.build(2)
        assert body != other, kind.name
        for attack in ATTACKS:
            sent, headers = attack.forge(body, other)
            response = post_raw(pepites.slack, sent, kind.content_type, headers)
            refused.append((kind.name, attack.name, response.status))
    tried = len(refused)
    wrong = [r for r in refused if r[2] != 401]
    print(f"\nbattery 1: {tried} forged requests tried ({len(kinds)} kinds × {len(ATTACKS)} attacks), all 401")
    assert tried == len(kinds) * len(ATTACKS) and tried >= 400
    assert wrong == []
    settle([pepites])
    assert pepites.fake.calls() == []  # the app called Slack for none of them
    assert table_rows(pepites.runtime.engine) == before  # and stored nothing, in any table
    # The same bodies, rightly signed, are taken: the refusals above were the signature's doing.
    accepted = []
    for kind in kinds:
        body = kind.build(1)
        accepted.append((kind.name, post_raw(pepites.slack, body, kind.content_type, _signed(body)).status))
    assert [a for a in accepted if a[1] != 200] == []
    settle([pepites])
    assert pepites.fake.calls() != [] and table_rows(pepites.runtime.engine) != before


# -- battery 2: retries -----------------------------------------------------------------------------

DELIVERIES = 4
CMD_TEXT = "On ressaisit chaque commande deux fois, dans le CRM puis dans l'ERP."


@dataclass
class Replicas:
    """Two app instances on one database and one fake Web API, and what was delivered to them."""

    apps: list[Pepites]
    concurrent: bool
    delivered: list[str]

    @property
    def fake(self) -> FakeSlack:
        return self.apps[0].fake

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.apps[0].sessions

    def once(self, body: bytes, content_type: str) -> Response:
        """One ordinary delivery (to set a case up)."""
        response = self.apps[0].slack.post(body, content_type)
        assert response.status == 200, response.text
        return response

    def four_times(self, name: str, body: bytes, content_type: str) -> list[Response]:
        """The same body four times, alternately to each replica, the repeats marked as Slack marks retries."""

        def deliver(n: int) -> Response:
            retry = {"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"} if n else None
            return self.apps[n % 2].slack.post(body, content_type, extra_headers=retry)

        if self.concurrent:
            answers: list[Response | None] = [None] * DELIVERIES
            start = threading.Barrier(DELIVERIES)

            def run(n: int) -> None:
                start.wait()
                answers[n] = deliver(n)

            threads = [threading.Thread(target=run, args=(n,)) for n in range(DELIVERIES)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            responses = [a for a in answers if a is not None]
        else:
            responses = [deliver(n) for n in range(DELIVERIES)]
        assert [r.status for r in responses] == [200] * DELIVERIES, (name, [r.text for r in responses])
        self.delivered.extend([name] * DELIVERIES)
        settle(self.apps)
        return responses

    def mark(self) -> int:
        return len(self.fake.calls())

    def posted_to(self, channel: str, since: int) -> list[dict[str, Any]]:
        return [
            c.params
            for c in self.fake.calls()[since:]
            if c.method == "chat.postMessage" and c.params.get("channel") == channel
        ]

    def count(self, statement: Any) -> int:
        with self.sessions.begin() as session:
            return int(session.scalar(statement) or 0)

    def insight(self, key: str) -> Insight:
        with self.sessions.begin() as session:
            found = session.scalars(select(Insight).where(Insight.idempotency_key == key)).one()
            session.expunge(found)
            return found

    def changes(self, insight_id: int) -> list[tuple[str | None, str]]:
        with self.sessions.begin() as session:
            rows = session.scalars(select(StatusChange).where(StatusChange.insight_id == insight_id))
            return [(c.from_status, c.to_status) for c in rows]

    def votes(self, insight_id: int) -> list[tuple[str, str]]:
        with self.sessions.begin() as session:
            return sorted(
                (v.voter_id, v.kind) for v in session.scalars(select(Vote).where(Vote.insight_id == insight_id))
            )

    def captured(self, user: str, text: str) -> Insight:
        """Set-up: ``user`` shares ``text`` with ``/insight``; the stored insight."""
        trigger = new_trigger_id()
        url = self.fake.response_url(f"setup-{user}")
        self.once(_form(command_form(text, user_id=user, trigger_id=trigger, response_url=url)), FORM)
        settle(self.apps)
        return self.insight(f"command:{TEAM}:{trigger}")

    def click(self, action_id: str, value: str | None, user: str, **extra: Any) -> bytes:
        url = self.fake.response_url(f"{action_id}-{user}")
        return _payload(block_actions_payload(action_id, value, user_id=user, response_url=url, **extra))


def retry_capture_by_command(r: Replicas) -> None:
    trigger = new_trigger_id()
    url = r.fake.response_url("command-capture")
    body = _form(command_form(CMD_TEXT, user_id="UCMD", trigger_id=trigger, response_url=url))
    answers = r.four_times("capture by command", body, FORM)
    insight = r.insight(f"command:{TEAM}:{trigger}")
    assert r.count(select(func.count()).select_from(Insight).where(Insight.reporter_id == "UCMD")) == 1
    assert all(f"n°{insight.id}" in a.json()["text"] for a in answers)
    # The confirmation is updated once with the tags, not once per delivery.
    assert len([c for c in r.fake.calls("response_url") if c.params["name"] == "command-capture"]) == 1


def retry_capture_by_shortcut_and_modal(r: Replicas) -> None:
    ts = "1700000400.000100"
    message = slack_message("Le client Biocoop menace de partir si les retards continuent.", user="U2", ts=ts)
    shortcut = message_shortcut_payload(
        ids.SHORTCUT_SAVE, message, user_id="USHORT", response_url=r.fake.response_url("shortcut")
    )
    opened_before = len(r.fake.calls("views.open"))
    stored_before = r.count(select(func.count()).select_from(Insight))
    r.four_times("message shortcut", _payload(shortcut), FORM)
    assert r.count(select(func.count()).select_from(Insight)) == stored_before  # the shortcut only opens the form
    opened = r.fake.calls("views.open")[opened_before]
    since = r.mark()
    submission = view_submission_payload(
        ids.VIEW_CAPTURE,
        state("Le client Biocoop menace de partir si les retards continuent."),
        private_metadata=opened.params["view"]["private_metadata"],
        user_id="USHORT",
    )
    r.four_times("capture form (from the shortcut)", _payload(submission), FORM)
    insight = r.insight(f"message:{TEAM}:{CHANNEL}:{ts}")
    assert (insight.source, insight.reporter_id, insight.author_id) == ("shortcut", "USHORT", "U2")
    assert r.count(select(func.count()).select_from(Insight).where(Insight.reporter_id == "USHORT")) == 1
    saved = [p for p in r.posted_to("USHORT", since) if "déjà" not in str(p["text"])]
    assert len(saved) == 1  # one "saved" confirmation; a repeat is only ever told it was already saved


def retry_capture_by_reaction(r: Replicas) -> None:
    ts = "1700000500.000100"
    r.fake.messages[(CHANNEL, ts)] = slack_message("Le nouveau portail fournisseur plante chaque lundi.", ts=ts)
    since = r.mark()
    event = reaction_event(ids.DEFAULT_CAPTURE_EMOJI, user="UREACT", item_channel=CHANNEL, item_ts=ts, item_user="U2")
    body = json.dumps(event_envelope(event, event_id="EvRETRYCAPTURE")).encode()
    r.four_times("capture reaction", body, JSON)
    insight = r.insight(f"message:{TEAM}:{CHANNEL}:{ts}")
    assert (insight.source, insight.reporter_id) == ("reaction", "UREACT")
    assert len(r.posted_to("UREACT", since)) == 1  # one confirmation


def _reaction_body(emoji: str, user: str, ts: str, event_id: str, added: bool = True) -> bytes:
    event = reaction_event(emoji, user=user, item_channel=CHANNEL, item_ts=ts, item_user="U2", added=added)
    return json.dumps(event_envelope(event, event_id=event_id)).encode()


def retry_escalation_reaction_and_its_removal(r: Replicas) -> None:
    ts = "1700000600.000100"
    r.fake.messages[(CHANNEL, ts)] = slack_message("Trois clients ont reçu des colis abîmés cette semaine.", ts=ts)
    r.once(_reaction_body(ids.DEFAULT_CAPTURE_EMOJI, "UESC", ts, "EvESCCAPTURE"), JSON)
    settle(r.apps)
    insight = r.insight(f"message:{TEAM}:{CHANNEL}:{ts}")
    since = r.mark()
    r.four_times("escalation reaction", _reaction_body("arrow_up", MANAGER, ts, "EvESCVOTE"), JSON)
    assert r.votes(insight.id) == [(MANAGER, "escalate")]
    assert r.insight(insight.idempotency_key).escalated_at is not None
    assert len(r.posted_to(ALERTS, since)) == 1  # one manager's vote escalates: one alert
    r.four_times("reaction removed", _reaction_body("arrow_up", MANAGER, ts, "EvESCUNVOTE", added=False), JSON)
    assert r.votes(insight.id) == []
    assert len(r.posted_to(ALERTS, since)) == 1


def retry_me_too(r: Replicas) -> None:
    insight = r.captured("UMETOO", "Le VPN coupe pendant les démos client, on perd des ventes.")
    since = r.mark()
    r.four_times("me too", r.click(ids.ACTION_ME_TOO, str(insight.id), MANAGER), FORM)
    assert r.votes(insight.id) == [(MANAGER, "me_too")]
    assert len(r.posted_to(ALERTS, since)) == 1


def _status_change(r: Replicas, action_id: str, reporter: str, to_status: str) -> None:
    insight = r.captured(reporter, f"La machine à café du 3e est en panne depuis lundi ({reporter}).")
    since = r.mark()
    body = r.click(action_id, str(insight.id), MANAGER, block_id=ids.digest_item_block_id("open", insight.id))
    r.four_times(action_id, body, FORM)
    assert r.changes(insight.id) == [("open", to_status)]
    assert len(r.posted_to(reporter, since)) == 1  # the reporter is told once


def retry_acknowledge(r: Replicas) -> None:
    _status_change(r, ids.ACTION_ACKNOWLEDGE, "UACK", "acknowledged")


def retry_dismiss(r: Replicas) -> None:
    _status_change(r, ids.ACTION_DISMISS, "UDISMISS", "dismissed")


def retry_assign(r: Replicas) -> None:
    insight = r.captured("UASSIGN", "Personne ne sait qui valide les devis au-dessus de 10k.")
    since = r.mark()
    payload = block_actions_payload(
        ids.ACTION_ASSIGN,
        None,
        user_id=MANAGER,
        block_id=ids.digest_item_block_id("open", insight.id),
        response_url=r.fake.response_url("assign"),
    )
    payload["actions"][0].update({"type": "users_select", "selected_user": "UOPS"})
    r.four_times("assign", _payload(payload), FORM)
    assert r.changes(insight.id) == [("open", "assigned")]
    assert r.insight(insight.idempotency_key).assignee_id == "UOPS"
    assert len(r.posted_to("UASSIGN", since)) == 1 and len(r.posted_to("UOPS", since)) == 1


def retry_resolve_form(r: Replicas) -> None:
    submission = view_submission_payload(
        ids.VIEW_CAPTURE, state("Il faut quatre signatures pour une note de frais de 12 €.", anonymous=True),
        user_id="UANON",
    )  # fmt: skip
    r.once(_payload(submission), FORM)
    settle(r.apps)
    insight = r.insight(f"view:{TEAM}:{submission['view']['id']}")
    assert insight.anonymous and insight.reporter_id is None
    opened_before = len(r.fake.calls("views.open"))
    button = r.click(ids.ACTION_RESOLVE, str(insight.id), MANAGER, block_id=f"alert-{insight.id}")
    r.four_times("resolve button", button, FORM)
    opened = r.fake.calls("views.open")[opened_before]
    form = {ids.BLOCK_NOTE: {"value": text_input_state("Une seule signature désormais.")}}
    form[ids.BLOCK_VALUE] = {"value": text_input_state("300")}
    since = r.mark()
    resolve = view_submission_payload(
        ids.VIEW_RESOLVE, form, private_metadata=opened.params["view"]["private_metadata"], user_id=MANAGER
    )
    r.four_times("resolve form", _payload(resolve), FORM)
    assert r.changes(insight.id) == [("open", "resolved")]
    assert r.insight(insight.idempotency_key).value_eur == 300
    told = [p for p in r.posted_to("UANON", since) if "résolue" in str(p["text"])]
    assert len(told) == 1  # the anonymous reporter is told once, through their sealed id


def retry_forget(r: Replicas) -> None:
    mine = [r.captured("UFORGET", f"Le badge du parking ne marche plus, essai {n}.") for n in (1, 2)]
    other = r.captured("UKEEP", "Les réunions du lundi durent deux heures de trop.")
    r.once(r.click(ids.ACTION_ME_TOO, str(other.id), "UFORGET"), FORM)
    settle(r.apps)
    r.four_times("forget confirmation", r.click(ids.ACTION_FORGET, "forget", "UFORGET"), FORM)
    with r.sessions.begin() as session:
        assert session.scalars(select(Insight.id).where(Insight.id.in_([i.id for i in mine]))).all() == []
        assert session.scalars(select(Vote.voter_id).where(Vote.voter_id == "UFORGET")).all() == []
        assert session.get(Insight, other.id) is not None


def retry_confirmation_buttons(r: Replicas) -> None:
    insight = r.captured("UOWN", "On pourrait filmer les sessions d'accueil des nouveaux.")
    option = {"text": {"type": "plain_text", "text": "succès"}, "value": f"{insight.id}:success"}
    kind = block_actions_payload(
        ids.ACTION_CHANGE_KIND, None, selected_option=option, user_id="UOWN", response_url=r.fake.response_url("k")
    )
    r.four_times("change kind", _payload(kind), FORM)
    changed = r.insight(insight.idempotency_key)
    assert (changed.kind, changed.kind_set_by) == ("success", "person")
    r.four_times("make anonymous", r.click(ids.ACTION_MAKE_ANONYMOUS, str(insight.id), "UOWN"), FORM)
    hidden = r.insight(insight.idempotency_key)
    assert hidden.anonymous and hidden.reporter_id is None and hidden.reporter_sealed
    r.four_times("delete", r.click(ids.ACTION_DELETE, str(insight.id), "UOWN"), FORM)
    assert r.count(select(func.count()).select_from(Insight).where(Insight.id == insight.id)) == 0


def retry_merge(r: Replicas) -> None:
    first = r.captured("UFIRST", "Les écrans de la salle B ne s'allument plus.")
    second = r.captured("USECOND", "Les écrans de la salle B ne s'allument plus du tout.")
    r.four_times("merge", r.click(ids.ACTION_MERGE, f"{second.id}:{first.id}", "USECOND"), FORM)
    assert r.count(select(func.count()).select_from(Insight).where(Insight.id == second.id)) == 0
    assert r.votes(first.id) == [("USECOND", "me_too")]


def retry_home_and_config(r: Replicas) -> None:
    home = {"type": "app_home_opened", "user": "UHOME", "channel": "DHOME", "tab": "home", "event_ts": "1.1"}
    r.four_times("app_home_opened", json.dumps(event_envelope(home, event_id="EvRETRYHOME")).encode(), JSON)
    config = {"retention_days": {"value": {"type": "plain_text_input", "value": "0"}}}
    submission = view_submission_payload(ids.VIEW_CONFIG, config, user_id=MANAGER)
    r.four_times("config form", _payload(submission), FORM)
    assert r.count(select(func.count()).select_from(Workspace)) == 1


def retry_reply_and_answer(r: Replicas) -> None:
    submission = view_submission_payload(
        ids.VIEW_CAPTURE, state("Le devis type ne prévoit pas la remise fidélité.", anonymous=True), user_id="UASK"
    )
    r.once(_payload(submission), FORM)
    settle(r.apps)
    insight = r.insight(f"view:{TEAM}:{submission['view']['id']}")
    r.once(r.click(ids.ACTION_REPLY, str(insight.id), MANAGER), FORM)
    settle(r.apps)
    opened = r.fake.calls("views.open")[-1]
    note = {ids.BLOCK_NOTE: {"value": text_input_state("Quel client l'a demandée ?")}}
    since = r.mark()
    reply = view_submission_payload(
        ids.VIEW_REPLY, note, private_metadata=opened.params["view"]["private_metadata"], user_id=MANAGER
    )
    r.four_times("reply form", _payload(reply), FORM)
    [relayed] = [p for p in r.posted_to("UASK", since) if "Quel client" in json.dumps(p["blocks"])]
    [reply_id] = [e["value"] for b in relayed["blocks"] for e in b.get("elements", []) if e.get("value")]
    r.once(r.click(ids.ACTION_ANSWER, str(reply_id), "UASK"), FORM)
    settle(r.apps)
    opened = r.fake.calls("views.open")[-1]
    words = {ids.BLOCK_NOTE: {"value": text_input_state("Biocoop, deux fois ce mois-ci.")}}
    since = r.mark()
    answer = view_submission_payload(
        ids.VIEW_ANSWER, words, private_metadata=opened.params["view"]["private_metadata"], user_id="UASK"
    )
    r.four_times("answer form", _payload(answer), FORM)
    assert len(r.posted_to(MANAGER, since)) == 1
    with r.sessions.begin() as session:
        rows = session.execute(select(Reply.direction, Reply.to).where(Reply.insight_id == insight.id)).all()
    assert sorted(rows) == [("to_manager", MANAGER), ("to_reporter", None)]


RETRY_CASES = (
    retry_capture_by_command,
    retry_capture_by_shortcut_and_modal,
    retry_capture_by_reaction,
    retry_escalation_reaction_and_its_removal,
    retry_me_too,
    retry_acknowledge,
    retry_dismiss,
    retry_assign,
    retry_resolve_form,
    retry_forget,
    retry_confirmation_buttons,
    retry_merge,
    retry_home_and_config,
    retry_reply_and_answer,
)


@pytest.fixture
def two_replicas(database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger) -> Iterator[list[Pepites]]:
    """Two replicas: two app instances, each with its own server, pool and workers, on one database."""
    apps = [
        track(
            start_pepites(
                database_url,
                fake_slack,
                shared_tagger,
                PEPITES_QUORUM="3",
                PEPITES_MANAGERS=MANAGER,
                PEPITES_DIGEST_CHANNEL=ALERTS,
                PEPITES_RATE_LIMIT="1000",
            )
        )
        for _ in range(2)
    ]
    yield apps
    for app in apps:
        app.server.stop()
        app.runtime.stop()


@pytest.mark.parametrize("concurrent", [False, True], ids=["one-after-another", "all-at-once"])
def test_battery_retries_four_deliveries_to_two_replicas_write_once(
    two_replicas: list[Pepites], concurrent: bool
) -> None:
    replicas = Replicas(two_replicas, concurrent, [])
    for case in RETRY_CASES:
        case(replicas)
    kinds = sorted(set(replicas.delivered))
    tried = len(replicas.delivered)
    mode = "concurrently" if concurrent else "sequentially"
    print(f"\nbattery 2: {tried} deliveries tried {mode} ({len(kinds)} kinds × {DELIVERIES}, 2 replicas): {kinds}")
    assert tried == len(kinds) * DELIVERIES
