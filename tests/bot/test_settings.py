"""Settings are read once from the environment, and a missing variable is named."""

from __future__ import annotations

import pytest

from bot.settings import Settings, SettingsError


def test_settings_defaults_need_no_token() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == "sqlite:///pepites.db"
    assert settings.port == 3000 and settings.slack_api_url == "https://slack.com/api/"
    assert settings.capture_emoji == "gem" and settings.language == "fr" and not settings.socket_mode
    assert settings.escalation_emojis == ("arrow_up", "rotating_light") and settings.quorum == 3


def test_settings_parse_every_variable() -> None:
    settings = Settings.from_env(
        {
            "SLACK_API_URL": "http://127.0.0.1:8000/api",
            "PORT": "8080",
            "PEPITES_CAPTURE_EMOJI": ":bulb:",
            "PEPITES_LANGUAGE": "EN",
            "PEPITES_KNOWN_CUSTOMERS": "Biocoop, Leroy Merlin,,",
            "SLACK_APP_TOKEN": "xapp-1",
            "PEPITES_ESCALATION_EMOJIS": ":fire:, sos",
            "PEPITES_QUORUM": "2",
            "PEPITES_MANAGERS": "UMGR1,UMGR2",
            "PEPITES_ALERT_CHANNEL": "C0ALERTS",
        }
    )
    assert settings.escalation_emojis == ("fire", "sos") and settings.quorum == 2
    assert settings.manager_ids == ("UMGR1", "UMGR2") and settings.digest_channel == "C0ALERTS"
    assert settings.slack_api_url == "http://127.0.0.1:8000/api/"
    assert settings.port == 8080 and settings.capture_emoji == "bulb" and settings.language == "en"
    assert settings.known_customers == ("Biocoop", "Leroy Merlin") and settings.socket_mode


OAUTH = {
    "SLACK_CLIENT_ID": "123.456",
    "SLACK_CLIENT_SECRET": "secret",
    "SLACK_SIGNING_SECRET": "s",
    "PEPITES_SECRET_KEY": "k" * 20,
}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, "PEPITES_SECRET_KEY"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-wrong", "PEPITES_SECRET_KEY": "k" * 20},
            "SLACK_APP_TOKEN",
        ),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "PEPITES_SECRET_KEY": "short"},
            "PEPITES_SECRET_KEY",
        ),
        ({**OAUTH, "SLACK_CLIENT_SECRET": ""}, "SLACK_CLIENT_SECRET"),
        ({**OAUTH, "SLACK_BOT_TOKEN": "xoxb-1"}, "not both"),
        ({**OAUTH, "SLACK_APP_TOKEN": "xapp-1"}, "unset SLACK_APP_TOKEN"),
    ],
)
def test_settings_missing_variable_is_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env).require_slack()


def test_settings_oauth_needs_no_bot_token() -> None:
    settings = Settings.from_env(OAUTH | {"SLACK_REDIRECT_URI": "https://pepites.example.com/slack/oauth_redirect"})
    settings.require_slack()
    assert settings.oauth and settings.bot_token is None
    with pytest.raises(SettingsError, match="SLACK_REDIRECT_URI"):
        Settings.from_env(OAUTH | {"SLACK_REDIRECT_URI": "http://pepites.example.com/slack/oauth_redirect"})


def test_settings_socket_mode_needs_no_signing_secret() -> None:
    Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "PEPITES_SECRET_KEY": "k" * 20}
    ).require_slack()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("PEPITES_LANGUAGE", "de"),
        ("SLACK_API_URL", "slack.com"),
        ("PEPITES_QUORUM", "0"),
    ],
)
def test_settings_bad_values_are_refused(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_settings_read_the_workspace_defaults_of_the_digest() -> None:
    settings = Settings.from_env(
        {
            "PEPITES_DIGEST_CHANNEL": "C0DIGEST",
            "PEPITES_ALERT_CHANNEL": "C0ALERTS",  # the older name loses to the new one
            "PEPITES_DIGEST_DAY": "Friday",
            "PEPITES_DIGEST_TIME": "17h30",
            "PEPITES_TIMEZONE": "America/Montreal",
            "PEPITES_SALES_CHANNEL": "C0SALES",
            "PEPITES_MANAGER_GROUP": "S0MANAGERS",
            "PEPITES_RETENTION_DAYS": "365",
        }
    )
    assert settings.digest_channel == "C0DIGEST" and settings.digest_weekday == 4
    assert settings.digest_time.strftime("%H:%M") == "17:30" and settings.timezone == "America/Montreal"
    assert settings.sales_channel == "C0SALES" and settings.manager_group == "S0MANAGERS"
    assert settings.retention_days == 365


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PEPITES_TIMEZONE", "Europe/Lutece"),
        ("PEPITES_DIGEST_TIME", "25:00"),
        ("PEPITES_DIGEST_DAY", "someday"),
        ("PEPITES_DIGEST_CHANNEL", "#general"),
        ("PEPITES_MANAGERS", "alice"),
        ("PEPITES_RETENTION_DAYS", "-1"),
    ],
)
def test_a_wrong_workspace_default_is_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})
