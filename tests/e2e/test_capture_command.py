"""``/insight`` over real HTTP: quick capture, its confirmation updated with real tags, and bad input."""

from __future__ import annotations

import time

from tests.e2e.conftest import Pepites, start_pepites
from tests.e2e.helpers import blocks_text, stored
from tests.support.fake_slack import FakeSlack

VPN = "Encore une panne du VPN ce matin, toute l'équipe support a perdu une heure."


def test_command_stores_insight_and_confirmation_shows_real_tags(pepites: Pepites) -> None:
    response = pepites.slack.command(VPN, response_url=pepites.fake.response_url("r1"))
    assert response.status == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    assert "Pépite n°1 enregistrée" in blocks_text(answer)
    [insight] = stored(pepites.sessions)
    assert (insight.text, insight.source, insight.reporter_id, insight.channel_id) == (VPN, "command", "U1", "C1")
    [update] = pepites.fake.wait_for("response_url", timeout=60)
    body = update.params
    assert body["replace_original"] is True
    shown = blocks_text(body)
    assert "Type :" in shown and "problème" in shown and "Langue :* fr" in shown
    [tagged] = stored(pepites.sessions)
    assert tagged.tagged_at is not None and tagged.kind == "problem" and tagged.language == "fr"
    assert "vpn" in [k.lower() for k in tagged.keywords]


def test_command_echoes_a_broadcast_escaped(pepites: Pepites) -> None:
    text = "<!channel> <@U999> le client <https://evil.example|https://biocoop.fr> est furieux &lt;!here&gt;"
    response = pepites.slack.command(text)
    shown = blocks_text(response.json())
    # Slack's own tokens as words that ping nobody; a link whose label claims another address shows its URL.
    assert "<!channel>" not in shown and "<@U999>" not in shown and "|https://biocoop.fr>" not in shown
    assert "@channel" in shown and "@user_u999" in shown and "<https://evil.example|https://evil.example>" in shown
    assert "&lt;!here&gt;" in shown  # typed characters shown as typed
    [insight] = stored(pepites.sessions)
    assert insight.text.startswith("<!channel> <@U999|user_u999>")  # as Slack sent it, the mention named


def test_command_alone_opens_the_capture_modal(pepites: Pepites) -> None:
    response = pepites.slack.command("   ")
    assert response.status == 200
    [call] = pepites.fake.wait_for("views.open")
    view = call.params["view"]
    assert view["callback_id"] == "insight_capture"
    assert '"source": "modal"' in view["private_metadata"]
    assert stored(pepites.sessions) == []


def test_command_help_and_unknown_subcommand_are_answered(pepites: Pepites) -> None:
    help_text = blocks_text(pepites.slack.command("help").json())
    assert "/insight mine" in help_text and ":gem:" in help_text
    unknown = blocks_text(pepites.slack.command("hepl").json())
    assert "`hepl`" in unknown and "/insight help" in unknown
    later = blocks_text(pepites.slack.command("export all").json())
    assert "`export`" in later
    assert stored(pepites.sessions) == []


def test_command_too_long_text_is_refused_and_handed_back(pepites: Pepites) -> None:
    text = "Le transporteur perd nos colis. " * 130  # about 4,160 characters
    answer = pepites.slack.command(text).json()
    shown = blocks_text(answer)
    assert "4000" in shown and "Le transporteur perd nos colis." in shown
    assert stored(pepites.sessions) == []


def test_command_mine_lists_my_insights_only(pepites: Pepites) -> None:
    pepites.slack.command(VPN, user_id="U1")
    pepites.slack.command("Signé avec Biocoop grâce à la démo de Léa !", user_id="U2")
    mine = blocks_text(pepites.slack.command("mine", user_id="U1").json())
    assert "VPN" in mine and "Biocoop" not in mine
    empty = blocks_text(pepites.slack.command("mine", user_id="U3").json())
    assert "aucune pépite" in empty


def test_command_database_down_tells_the_person_and_keeps_the_text(
    fake_slack: FakeSlack, shared_tagger: object
) -> None:
    app = start_pepites("postgresql://postgres@127.0.0.1:1/none", fake_slack, shared_tagger, migrate=False)  # type: ignore[arg-type]
    try:
        started = time.perf_counter()
        response = app.slack.command(VPN)
        assert time.perf_counter() - started < 3.0  # still within Slack's ack window
        shown = blocks_text(response.json())
        assert "base de données indisponible" in shown and "panne du VPN" in shown
    finally:
        app.server.stop()
        app.runtime.stop()


def test_command_naming_someone_is_answered_in_time_while_users_info_hangs(pepites: Pepites) -> None:
    pepites.fake.users["U0FARID09"] = {"profile": {"display_name": "Farid"}}
    pepites.fake.fail_next("users.info", delay=6.0)  # Slack hangs on the name before the 2xx
    pepites.fake.fail_next("users.info", delay=1.5)  # and answers the later lookup after the text is read below
    text = "Biocoop attend l'export PDF depuis un mois, <@U0FARID09> l'a promis pour lundi"
    started = time.perf_counter()
    response = pepites.slack.command(text)
    took = time.perf_counter() - started

    assert response.status == 200 and took < 3.0  # Slack's ack window, whatever users.info does
    assert "Pépite n°1 enregistrée" in blocks_text(response.json())
    [insight] = stored(pepites.sessions)
    assert insight.text == text  # stored at once; the name is read after the 2xx
    deadline = time.monotonic() + 10
    while "|Farid>" not in stored(pepites.sessions)[0].text and time.monotonic() < deadline:
        time.sleep(0.1)
    mine = blocks_text(pepites.slack.command("mine", user_id="U1").json())
    assert "@Farid" in mine and "U0FARID09" not in mine
