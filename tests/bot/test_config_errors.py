"""Settings errors are said in the workspace's language, beside their field (issue 12)."""

from __future__ import annotations

import re
from pathlib import Path
from unittest.mock import Mock

import pytest

from bot.i18n import MESSAGES
from bot.listeners.commands import config_submission_callback
from bot.services import Services
from tests.support.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]


def _submission(**values: dict[str, object]) -> dict[str, object]:
    return {"state": {"values": {name: {"value": value} for name, value in values.items()}}}


def test_config_errors_in_the_french_form_are_french(
    services: Services, web_client: Mock, slack_state: FakeSlack
) -> None:
    slack_state.users["U0ADMIN01"] = {"is_admin": True}
    view = _submission(
        timezone={"type": "plain_text_input", "value": "Paris"},
        quorum={"type": "number_input", "value": "0"},
        manager_group={"type": "plain_text_input", "value": "devs"},
    )
    ack = Mock()
    body = {"team": {"id": "T1"}, "user": {"id": "U0ADMIN01"}, "view": {"id": "V1"}}
    config_submission_callback(services.workspaces, ack, body, view, web_client)
    errors = ack.call_args.kwargs["errors"]
    assert errors["timezone"] == "Valeur refusée : fuseau horaire inconnu : « Paris » (par exemple Europe/Paris)"
    assert errors["quorum"] == "Valeur refusée : entre 1 et 100, pas 0"
    assert "groupe d'utilisateurs" in errors["manager_group"]
    assert not any(english in " ".join(errors.values()) for english in ("unknown", "not a Slack", "between"))


def test_config_errors_keep_english_for_the_environment() -> None:
    from bot.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="unknown time zone 'Paris'"):
        Settings.from_env({"PEPITES_TIMEZONE": "Paris"})


def test_the_shortcut_is_named_as_the_manifest_names_it_and_said_where_it_is() -> None:
    """Slack shows the manifest's one name in every language: French texts call it the message shortcut
    « Save as insight » (never a translated name Slack would not show), and help and Home say where it is."""
    [name] = re.findall(r"shortcuts:\s*\n\s*- name: (.+)", (ROOT / "manifest.yml").read_text())
    quoted = f"« {name.strip()} »"
    mentions = {key: text for key, text in MESSAGES["fr"].items() if "Save as" in text or "Enregistrer comme" in text}
    assert {"help", "home_mine_empty"} <= set(mentions)
    for key, text in mentions.items():
        assert re.search(f"[Rr]accourci de message {quoted}", text), key
    for key in ("help", "home_mine_empty"):
        assert "menu ⋯ d'un message" in MESSAGES["fr"][key] and "⋯ menu" in MESSAGES["en"][key], key
