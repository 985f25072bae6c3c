"""``/insight import #channel``: the words read, who may, the channel read through the Web API (threads, pages,
a 429 waited out), the right messages stored once, progress and a summary in the workspace's language, and a
channel the bot is not in said clearly with nothing written."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest.mock import Mock

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.flows.live_import import (
    ImportArgs,
    ImportUsage,
    LiveImportDeps,
    LiveImportRequest,
    is_import,
    parse_import,
)
from bot.jobs.history_import import LiveImports
from bot.listeners.history import import_command_callback
from bot.services import Services
from bot.slack.channel_history import ChannelRef, ChannelUnreadable, read_channel
from bot.slack.client import make_web_client
from bot.workspace_config import WorkspaceConfig
from insights.slack_export import ExportChannel
from models.privacy import ReporterVault
from models.schema import ImportCheckpoint, Insight, Workspace
from tests.support.fake_slack import FakeSlack, running_fake_slack
from tests.support.slack_export import message
from tests.support.stub_tagger import StubTagger

NOW = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)
TODAY = date(2026, 11, 23)
FEED = ExportChannel("C0FEED0001", "retours-clients")
W1 = NOW - timedelta(days=20)


def channel_messages() -> list[dict[str, Any]]:
    vpn = message(W1, "Le VPN tombe encore ce matin, impossible de travailler", "U1", reactions=("gem",))
    parcels = message(
        W1 + timedelta(hours=5), "Les colis arrivent abîmés chez Biocoop depuis lundi", "U4", reactions=("gem",)
    )
    return [
        vpn,
        message(W1 + timedelta(hours=1), "ok merci", "U2"),
        # A reply counts (its author is the reporter), and comes after a later top-level message.
        message(
            W1 + timedelta(hours=6),
            "Pareil chez nous, le VPN coupe toutes les heures",
            "U3",
            reactions=("gem",),
            thread_ts=vpn["ts"],
        ),
        message(W1 + timedelta(hours=2), "<@U5> has joined the channel", "U5", subtype="channel_join"),
        message(W1 + timedelta(hours=3), "Déploiement terminé", "UBOTX", reactions=("gem",), bot_id="B0BOT"),
        parcels,
        message(W1 + timedelta(hours=7), "On regarde ça demain avec le transporteur", "U5", thread_ts=parcels["ts"]),
        message(W1 + timedelta(hours=8), "Le client Acme trouve la facture illisible", "U6", reactions=("gem", "+1")),
    ]


# -- the words -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("<#C0FEED0001|retours-clients>", ImportArgs(ChannelRef("C0FEED0001", "retours-clients"))),
        ("#retours-clients since 2026-01-15", ImportArgs(ChannelRef(None, "retours-clients"), date(2026, 1, 15))),
        ("#Terrain depuis 2026-1-5 tout", ImportArgs(ChannelRef(None, "terrain"), date(2026, 1, 5), True)),
        ("all <#C0FEED0001> 2026-03-01", ImportArgs(ChannelRef("C0FEED0001", None), date(2026, 3, 1), True)),
        ("C0FEED0001", ImportArgs(ChannelRef("C0FEED0001", None))),
    ],
)
def test_the_command_reads_a_channel_a_past_day_and_all_in_french_or_english(words: str, expected: ImportArgs) -> None:
    assert parse_import(words.split(), TODAY) == expected
    assert is_import(f"import {words}") and is_import("Importer #x") and not is_import("importe le VPN")


@pytest.mark.parametrize(
    ("words", "key", "values"),
    [
        ("", "import_no_channel", {}),
        ("since 2026-01-15", "import_no_channel", {}),
        ("#ventes since 2026-13-45", "import_bad_date", {"value": "2026-13-45"}),
        ("#ventes depuis hier", "import_bad_date", {"value": "hier"}),
        ("#ventes since", "import_bad_date", {"value": ""}),
        ("#ventes since 2026-11-24", "import_future_date", {"value": "2026-11-24"}),
        ("#ventes #terrain", "import_unknown_word", {"word": "#terrain"}),
        ("ventes", "import_unknown_word", {"word": "ventes"}),
    ],
)
def test_bad_words_are_refused_with_the_reason(words: str, key: str, values: dict[str, str]) -> None:
    with pytest.raises(ImportUsage) as refused:
        parse_import(words.split(), TODAY)
    assert (refused.value.key, refused.value.values) == (key, values)


# -- the listener --------------------------------------------------------------------------------------


class QueuedImports:
    def __init__(self, outcome: str = "started") -> None:
        self.outcome = outcome
        self.requests: list[LiveImportRequest] = []

    def submit(self, request: LiveImportRequest) -> str:
        self.requests.append(request)
        return self.outcome


def _ask(services: Services, client: Mock, text: str, imports: QueuedImports, user: str = "U0ADMIN01") -> str:
    ack = Mock()
    body = {
        "team_id": "T1",
        "user_id": user,
        "channel_id": "C0HERE0001",
        "channel_name": "general",
        "text": text,
        "response_url": "https://hooks.slack.com/commands/T1/1/x",
    }
    import_command_callback(imports, services.workspaces, ack, body, client)  # type: ignore[arg-type]
    [call] = ack.call_args_list
    assert call.kwargs["response_type"] == "ephemeral"
    return str(call.kwargs["text"])


def _no_insight_written(sessions: sessionmaker[Session]) -> bool:
    with sessions.begin() as session:
        return not session.scalar(select(func.count()).select_from(Insight)) and not session.scalar(
            select(func.count()).select_from(ImportCheckpoint)
        )


def test_a_manager_starts_an_import_and_is_answered_at_once(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    slack_state.users["U0ADMIN01"] = {"is_admin": True}
    imports = QueuedImports()
    answer = _ask(services, web_client, "import <#C0FEED0001|retours-clients> depuis 2026-01-15 tout", imports)
    assert (
        answer == "Import de #retours-clients lancé (tous les messages, lus par l'analyse, depuis le 15/01/2026). "
        "L'avancement s'affiche ici."
    )
    [request] = imports.requests
    assert request.args == ImportArgs(ChannelRef("C0FEED0001", "retours-clients"), date(2026, 1, 15), True)
    assert request.here == ExportChannel("C0HERE0001", "general") and request.user_id == "U0ADMIN01"
    queued = _ask(services, web_client, "import #ventes", QueuedImports("queued"))
    assert "dès que l'import en cours est fini" in queued
    already = _ask(services, web_client, "import #ventes", QueuedImports("already"))
    assert already == "Un import de #ventes est déjà prévu ou en cours."


def test_someone_who_is_not_a_manager_may_not_import(services: Services, web_client: Mock) -> None:
    imports = QueuedImports()
    answer = _ask(services, web_client, "import #retours-clients", imports, user="U0EMMA001")
    assert "Seuls les managers et les administrateurs" in answer
    assert imports.requests == [] and _no_insight_written(services.db.sessions)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("import", "Quel canal ?"),
        ("importer #ventes since 2026-02-30", "« 2026-02-30 » n'est pas une date : écrivez-la AAAA-MM-JJ"),
        ("import #ventes since 2999-01-01", "Le 2999-01-01 est dans le futur"),
    ],
)
def test_bad_input_is_answered_with_the_usage_and_nothing_is_queued(
    services: Services, web_client: Mock, slack_state: FakeSlack, text: str, said: str
) -> None:
    slack_state.users["U0ADMIN01"] = {"is_admin": True}
    imports = QueuedImports()
    answer = _ask(services, web_client, text, imports)
    assert said in answer and "`/insight import #canal [depuis AAAA-MM-JJ] [tout]`" in answer
    assert imports.requests == [] and _no_insight_written(services.db.sessions)


def test_the_command_routes_import_to_the_import_listener(services: Services) -> None:
    """``/insight import …`` is never stored as an insight: the import listener is registered first."""
    from bot.app import SURFACES
    from bot.listeners import commands, history

    assert SURFACES.index(history) < SURFACES.index(commands)


# -- the import, run -----------------------------------------------------------------------------------


class Sent:
    def __init__(self, accept: bool = True) -> None:
        self.posts: list[dict[str, Any]] = []
        self.accept = accept

    def __call__(self, url: str, payload: dict[str, Any]) -> bool:
        self.posts.append(payload)
        return self.accept

    @property
    def texts(self) -> list[str]:
        return [p["text"] for p in self.posts]


def _imports(
    sessions: sessionmaker[Session], client: Mock, tagger: StubTagger, sent: Sent, config: WorkspaceConfig | None = None
) -> LiveImports:
    deps = LiveImportDeps(sessions, ReporterVault("test secret key for sealing reporters"), tagger)
    return LiveImports(
        deps,
        lambda _team: config or WorkspaceConfig(),
        lambda _team: client,
        send=sent,
        reader=lambda c: c,
        clock=lambda: NOW,
    )


def _request(text: str = "#retours-clients", here: ExportChannel | None = None) -> LiveImportRequest:
    return LiveImportRequest("T1", "U0ADMIN01", parse_import(text.split(), TODAY), "https://hooks.example/r", here)


def _stored(sessions: sessionmaker[Session]) -> list[tuple[str, str | None, str, str]]:
    with sessions.begin() as session:
        rows = session.scalars(select(Insight).order_by(Insight.created_at))
        return [(r.idempotency_key, r.reporter_id, r.source, r.text) for r in rows]


def test_marked_messages_and_thread_replies_are_stored_once_with_a_summary(
    sqlite_url: str, sessions: sessionmaker[Session], web_client: Mock, slack_state: FakeSlack, stub_tagger: StubTagger
) -> None:
    slack_state.seed_channel(FEED.id, FEED.name, channel_messages())
    slack_state.page_size = 2
    sent = Sent()
    report = _imports(sessions, web_client, stub_tagger, sent).run(_request())
    assert report is not None
    rows = _stored(sessions)
    raw = {m["text"]: m["ts"] for m in channel_messages()}
    assert [(key, reporter) for key, reporter, _, _ in rows] == [
        (f"message:T1:{FEED.id}:{raw['Le VPN tombe encore ce matin, impossible de travailler']}", "U1"),
        (f"message:T1:{FEED.id}:{raw['Les colis arrivent abîmés chez Biocoop depuis lundi']}", "U4"),
        (f"message:T1:{FEED.id}:{raw['Pareil chez nous, le VPN coupe toutes les heures']}", "U3"),
        (f"message:T1:{FEED.id}:{raw['Le client Acme trouve la facture illisible']}", "U6"),
    ]
    assert {source for _, _, source, _ in rows} == {"import"}
    # Every page of history and of both threads was read (page size 2), the channel named by the list.
    assert len(slack_state.calls("conversations.history")) == 3
    assert len(slack_state.calls("conversations.replies")) == 2
    assert [c.params["types"] for c in slack_state.calls("conversations.list")] == ["public_channel,private_channel"]
    # Progress first (how many there are to go through), then the summary, each replacing the last.
    assert sent.texts[0] == "Import de #retours-clients : 0 messages traités sur 8, 0 pépite enregistrée…"
    summary = sent.texts[-1]
    assert summary.startswith("*Import de #retours-clients terminé* (messages marqués :gem:)")
    assert "• 8 messages lus, 4 pépites enregistrées" in summary
    assert "Ignorés : 2 sans :gem:, 1 messages de Slack (arrivées, sujets…), 1 de bots" in summary
    assert "Thèmes :" in summary
    assert all(p["replace_original"] is True and p["response_type"] == "ephemeral" for p in sent.posts)


def test_importing_twice_adds_nothing_and_says_so(
    sessions: sessionmaker[Session], web_client: Mock, slack_state: FakeSlack, stub_tagger: StubTagger
) -> None:
    slack_state.seed_channel(FEED.id, FEED.name, channel_messages())
    sent = Sent()
    jobs = _imports(sessions, web_client, stub_tagger, sent, WorkspaceConfig(language="en"))
    jobs.run(_request())
    slack_state.reset()
    again = jobs.run(_request("<#C0FEED0001|retours-clients>"))
    # Threads with nothing newer than the checkpoint are not read again: the 6 top-level messages are.
    assert slack_state.calls("conversations.replies") == []
    assert again is not None and (again.read, again.resumed, again.stored) == (6, 6, 0)
    assert len(_stored(sessions)) == 4
    assert "• 6 messages read, 0 insights stored\n• 6 messages imported by an earlier run" in sent.texts[-1]
    assert sent.texts[-1].endswith("Nothing new: importing again adds no duplicate.")


def test_a_channel_the_bot_is_not_in_is_said_clearly_and_nothing_is_written(
    sessions: sessionmaker[Session], web_client: Mock, slack_state: FakeSlack, stub_tagger: StubTagger
) -> None:
    slack_state.seed_channel(FEED.id, FEED.name, channel_messages(), member=False)
    sent = Sent()
    assert _imports(sessions, web_client, stub_tagger, sent).run(_request("<#C0FEED0001|retours-clients>")) is None
    assert sent.texts == [
        "Je ne peux pas lire #retours-clients : je n'y suis pas (ou ce canal n'existe pas). Invitez-moi dans le "
        "canal avec `/invite @Pépites`, puis relancez `/insight import #retours-clients`. Rien n'a été importé."
    ]
    with sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(Workspace)) == 0
    assert _no_insight_written(sessions) and stub_tagger.tagged == []


def test_a_channel_name_nobody_can_find_is_said_the_same_way(
    sessions: sessionmaker[Session], web_client: Mock, slack_state: FakeSlack, stub_tagger: StubTagger
) -> None:
    slack_state.seed_channel(FEED.id, FEED.name, channel_messages())
    sent = Sent()
    _imports(sessions, web_client, stub_tagger, sent, WorkspaceConfig(language="en")).run(_request("#ventes"))
    assert sent.texts[0].startswith("I can't read #ventes: I'm not in it (or it doesn't exist).")
    assert _no_insight_written(sessions)


def test_the_channel_the_command_was_typed_in_needs_no_lookup(
    sessions: sessionmaker[Session], web_client: Mock, slack_state: FakeSlack, stub_tagger: StubTagger
) -> None:
    slack_state.seed_channel(FEED.id, FEED.name, channel_messages())
    _imports(sessions, web_client, stub_tagger, Sent()).run(_request("#retours-clients", here=FEED))
    assert slack_state.calls("conversations.list") == [] and len(_stored(sessions)) == 4


def test_all_uses_the_classifier_and_since_leaves_older_messages_out(
    sessions: sessionmaker[Session], web_client: Mock, slack_state: FakeSlack, stub_tagger: StubTagger
) -> None:
    older = message(W1 - timedelta(days=30), "Le VPN tombait déjà le mois dernier, toute la journée", "U7")
    slack_state.seed_channel(FEED.id, FEED.name, [*channel_messages(), older])
    since = (W1 - timedelta(days=1)).date().isoformat()
    _imports(sessions, web_client, stub_tagger, Sent()).run(_request(f"<#{FEED.id}|{FEED.name}> since {since} all"))
    # With `all`, marks do not matter: what the classifier reads as an insight does (the stub: cue words).
    assert [text for _, _, _, text in _stored(sessions)] == [
        "Le VPN tombe encore ce matin, impossible de travailler",
        "Pareil chez nous, le VPN coupe toutes les heures",
    ]
    # The history was read from the day asked.
    [first] = slack_state.calls("conversations.history")[:1]
    assert float(first.params["oldest"]) == datetime.fromisoformat(since).replace(tzinfo=UTC).timestamp()


def test_a_summary_the_response_url_no_longer_takes_goes_by_dm(
    sessions: sessionmaker[Session], web_client: Mock, slack_state: FakeSlack, stub_tagger: StubTagger
) -> None:
    slack_state.seed_channel(FEED.id, FEED.name, channel_messages())
    _imports(sessions, web_client, stub_tagger, Sent(accept=False)).run(_request())
    [dm] = slack_state.calls("chat.postMessage")
    assert dm.params["channel"] == "U0ADMIN01" and "Import de #retours-clients terminé" in dm.params["text"]


# -- rate limits, over HTTP ----------------------------------------------------------------------------


def test_reading_waits_out_a_429_in_the_middle_and_reads_every_message_once() -> None:
    with running_fake_slack() as fake:
        fake.seed_channel(FEED.id, FEED.name, channel_messages())
        fake.page_size = 2
        fake.fail_next("conversations.history", status=429, retry_after=1, after=1)
        fake.fail_next("conversations.replies", status=429, retry_after=1)
        client = make_web_client("xoxb-test", fake.base_url, timeout=5, rate_limit_retries=5)
        messages = read_channel(client, FEED)
        statuses = [c.status for c in fake.calls("conversations.history")]
        replies = [c.status for c in fake.calls("conversations.replies")]
    assert [m.ts for m in messages] == sorted((m["ts"] for m in channel_messages()), key=float)
    assert statuses == [200, 429, 200, 200] and replies == [429, 200, 200]  # 3 pages of 2, 2 threads


def test_reading_gives_up_when_slack_keeps_refusing() -> None:
    with running_fake_slack() as fake:
        fake.seed_channel(FEED.id, FEED.name, channel_messages())
        fake.fail_next("conversations.history", status=429, retry_after=0, times=3)
        client = make_web_client("xoxb-test", fake.base_url, timeout=5, rate_limit_retries=1)
        with pytest.raises(ChannelUnreadable) as refused:
            read_channel(client, FEED)
    assert refused.value.error == "ratelimited" and not refused.value.not_in_channel


def test_imports_run_in_the_background_one_at_a_time_and_a_stop_interrupts_them(
    sessions: sessionmaker[Session], web_client: Mock, slack_state: FakeSlack, stub_tagger: StubTagger
) -> None:
    slack_state.seed_channel(FEED.id, FEED.name, channel_messages())
    release = threading.Event()

    def client_for(_team: str) -> Mock:
        release.wait(10)  # the first import is still under way while more are asked
        return web_client

    sent = Sent()
    deps = LiveImportDeps(sessions, ReporterVault("test secret key for sealing reporters"), stub_tagger)
    jobs = LiveImports(deps, lambda _team: WorkspaceConfig(), client_for, send=sent, reader=lambda c: c)
    assert jobs.submit(_request()) == "started"
    assert jobs.submit(_request()) == "already"
    assert jobs.submit(_request("#ventes")) == "queued"
    assert sent.posts == []  # nothing ran in the caller's thread
    release.set()
    assert jobs.wait_idle(10)
    assert len(_stored(sessions)) == 4 and sum("terminé" in text for text in sent.texts) == 1
    assert sent.texts[-1].startswith("Je ne peux pas lire #ventes")
    assert jobs.stop(1)
    # Stopped: an import asked now is not read past its first page, and the manager is told to run it again.
    tagged = len(stub_tagger.tagged)
    jobs.run(_request("<#C0FEED0001|retours-clients> all"))
    assert len(stub_tagger.tagged) == tagged
    assert sent.texts[-1] == (
        "L'import de #retours-clients a été interrompu (Pépites redémarre) : relancez la commande, elle reprendra "
        "où elle s'est arrêtée."
    )
    assert len(_stored(sessions)) == 4


def test_nothing_older_than_the_workspace_retention_is_read_or_imported(
    sessions: sessionmaker[Session], web_client: Mock, slack_state: FakeSlack, stub_tagger: StubTagger
) -> None:
    recent = message(
        NOW - timedelta(days=3), "Le VPN coupe encore toutes les heures cette semaine", "U2", reactions=("gem",)
    )
    slack_state.seed_channel(FEED.id, FEED.name, [*channel_messages(), recent])
    config = WorkspaceConfig(retention_days=10)
    _imports(sessions, web_client, stub_tagger, Sent(), config).run(
        _request(f"<#{FEED.id}|{FEED.name}> since 2026-01-01")
    )
    assert [text for _, _, _, text in _stored(sessions)] == [recent["text"]]
    [first] = slack_state.calls("conversations.history")
    assert float(first.params["oldest"]) == (NOW - timedelta(days=10)).timestamp()  # later than the day asked


def test_a_private_channel_the_command_was_typed_in_is_named_by_slack_not_by_its_placeholder(
    sessions: sessionmaker[Session], web_client: Mock, slack_state: FakeSlack, stub_tagger: StubTagger
) -> None:
    slack_state.seed_channel("G0SECRET01", "direction", channel_messages(), private=True)
    sent = Sent()
    here = ExportChannel("G0SECRET01", "privategroup")  # what a slash command says of a private channel
    _imports(sessions, web_client, stub_tagger, sent).run(_request("G0SECRET01", here=here))
    assert sent.texts[-1].startswith("*Import de #direction terminé*")
    with sessions.begin() as session:
        assert set(session.scalars(select(Insight.channel_name))) == {"direction"}
