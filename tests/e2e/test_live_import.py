"""``/insight import #channel`` over signed HTTP, against the fake Web API, with the real tagging process.

A manager imports #retours-clients: the history comes in pages of two, threads included, with a 429 and its
Retry-After in the middle of the history and of a thread; the command is answered at once, the import runs in
the background, the ephemeral answer is replaced by progress then the summary. The marked messages are stored
once, tagged, in their own weeks, with their author as reporter; importing again adds nothing; a channel the
bot is not in is said clearly, nothing written.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.jobs.tagger_process import SubprocessTagger
from tests.e2e.conftest import Pepites, start_pepites
from tests.e2e.helpers import stored
from tests.support.fake_slack import FakeSlack
from tests.support.slack_export import message

BOSS = "U0BOSS0001"
FEED_ID, FEED = "C0FEED0001", "retours-clients"
W1 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=17)
VPN = "Le VPN tombe encore ce matin, impossible de travailler pour toute l'équipe"
REPLY = "Pareil chez nous, le VPN coupe toutes les heures depuis lundi"
PARCELS = "Les colis arrivent abîmés chez Biocoop, ils menacent de partir"
ACME = "The checkout page is broken again for Acme, they are furious"


def history() -> list[dict[str, Any]]:
    vpn = message(W1, VPN, "U0LEA0001", reactions=("gem",))
    parcels = message(W1 + timedelta(hours=3), PARCELS, "U0MARC001", reactions=("gem", "+1"))
    return [
        vpn,
        message(W1 + timedelta(hours=1), "ok merci", "U0MARC001"),
        message(W1 + timedelta(hours=2), "<@U0NEW0001> has joined the channel", "U0NEW0001", subtype="channel_join"),
        parcels,
        message(W1 + timedelta(hours=4), REPLY, "U0SAM0001", reactions=("gem",), thread_ts=vpn["ts"]),
        message(
            W1 + timedelta(hours=5), "On appelle le transporteur demain matin", "U0LEA0001", thread_ts=parcels["ts"]
        ),
        message(W1 + timedelta(hours=6), "Déploiement terminé", "U0DEPLOY1", reactions=("gem",), bot_id="B0DEPLOY"),
        message(W1 + timedelta(days=7), ACME, "U0JOHN001", reactions=("gem",)),
        message(W1 + timedelta(days=7, hours=1), "Bon appétit tout le monde", "U0SAM0001"),
    ]


@pytest.fixture
def app(database_url: str, fake_slack: FakeSlack, shared_tagger: SubprocessTagger) -> Iterator[Pepites]:
    running = start_pepites(database_url, fake_slack, shared_tagger, PEPITES_MANAGERS=BOSS)
    yield running
    running.server.stop()
    running.runtime.stop()


def answers(fake: FakeSlack, name: str, final: str, timeout: float = 120.0) -> list[dict[str, Any]]:
    """What the import posted to the command's response_url, once a post holding ``final`` came."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        posts = fake.responses(name)
        if any(final in str(p.get("text")) for p in posts):
            return posts
        time.sleep(0.1)
    raise AssertionError(f"no answer holding {final!r}; got {[p.get('text') for p in fake.responses(name)]}")


def ask(app: Pepites, text: str, name: str) -> str:
    started = time.monotonic()
    response = app.slack.command(text, user_id=BOSS, response_url=app.fake.response_url(name))
    assert response.status == 200 and time.monotonic() - started < 3.0  # acked within Slack's 3 s
    body = response.json()
    assert body["response_type"] == "ephemeral"
    return str(body["text"])


def test_a_manager_imports_a_channel_with_threads_and_a_429_then_again_adds_nothing(app: Pepites) -> None:
    fake = app.fake
    fake.seed_channel(FEED_ID, FEED, history())
    fake.page_size = 2
    fake.fail_next("conversations.history", status=429, retry_after=1, after=2)
    fake.fail_next("conversations.replies", status=429, retry_after=1)

    acked = ask(app, f"import <#{FEED_ID}|{FEED}>", "first")
    assert acked == "Import de #retours-clients lancé (messages marqués :gem:). L'avancement s'affiche ici."
    posts = answers(fake, "first", "terminé")

    # Progress first, then the summary, each replacing the ephemeral answer; within the response_url's 5 uses.
    assert 2 <= len(posts) <= 4
    assert all(p["replace_original"] is True and p["response_type"] == "ephemeral" for p in posts)
    assert posts[0]["text"].startswith("Import de #retours-clients : 0 messages traités sur 9")
    summary = posts[-1]["text"]
    assert summary.startswith("*Import de #retours-clients terminé* (messages marqués :gem:)")
    assert "• 9 messages lus, 4 pépites enregistrées" in summary
    assert "Ignorés : 3 sans :gem:, 1 messages de Slack (arrivées, sujets…), 1 de bots" in summary
    assert "Thèmes :" in summary

    # The 429s were waited out (Retry-After) and asked again; every page read once otherwise.
    assert [c.status for c in fake.calls("conversations.history")] == [200, 200, 429, 200, 200]  # 7 in pages of 2
    assert [c.status for c in fake.calls("conversations.replies")] == [429, 200, 200]

    rows = stored(app.sessions)
    by_text = {row.text: row for row in rows}
    assert sorted(by_text) == sorted([VPN, REPLY, PARCELS, ACME])
    raw = {m["text"]: m["ts"] for m in history()}
    for text, row in by_text.items():
        assert row.idempotency_key == f"message:T1:{FEED_ID}:{raw[text]}"
        assert row.created_at.replace(tzinfo=UTC) == datetime.fromtimestamp(float(raw[text]), UTC)
        assert row.tagged_at is not None and row.source == "import" and row.channel_name == FEED
    assert (by_text[REPLY].reporter_id, by_text[VPN].reporter_id) == ("U0SAM0001", "U0LEA0001")
    assert by_text[ACME].language == "en" and by_text[VPN].language == "fr"

    fake.reset()
    acked = ask(app, "importer #retours-clients", "second")
    assert acked.startswith("Import de #retours-clients lancé")
    summary = answers(fake, "second", "terminé")[-1]["text"]
    assert "0 pépite enregistrée" in summary and "Rien de nouveau" in summary
    assert [(r.id, r.idempotency_key) for r in stored(app.sessions)] == [(r.id, r.idempotency_key) for r in rows]


def test_a_channel_the_bot_is_not_in_is_said_and_nothing_is_written(app: Pepites) -> None:
    fake = app.fake
    fake.seed_channel("C0SALES001", "ventes", history(), member=False)
    acked = ask(app, "import <#C0SALES001|ventes> since 2026-01-01", "out")
    assert acked.startswith("Import de #ventes lancé")
    [answer] = answers(fake, "out", "Rien n'a été importé")
    assert answer["text"] == (
        "Je ne peux pas lire #ventes : je n'y suis pas (ou ce canal n'existe pas). Invitez-moi dans le canal avec "
        "`/invite @Pépites`, puis relancez `/insight import #ventes`. Rien n'a été importé."
    )
    assert stored(app.sessions) == []


def test_bad_input_and_people_who_are_not_managers_are_answered_at_once(app: Pepites) -> None:
    app.fake.seed_channel(FEED_ID, FEED, history())
    refused = app.slack.command(f"import <#{FEED_ID}|{FEED}>", user_id="U0EMMA001").json()
    assert refused["text"].startswith("Seuls les managers et les administrateurs")
    future = ask(app, f"import <#{FEED_ID}|{FEED}> depuis 2999-01-01", "future")
    assert future.startswith("Le 2999-01-01 est dans le futur")
    malformed = ask(app, "import #retours-clients since 15/01/2026", "bad")
    assert malformed.startswith("« 15/01/2026 » n'est pas une date")
    time.sleep(0.5)
    assert app.fake.calls("conversations.history") == [] and stored(app.sessions) == []
