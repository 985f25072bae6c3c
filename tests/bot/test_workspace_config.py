"""Per-workspace settings: defaults from the environment, stored values over them, checked, cached."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config_values import ConfigError
from bot.settings import Settings
from bot.views.config_modal import config_modal, read_submission
from bot.workspace_config import ConfigCache, WorkspaceConfig, load_config, save_config
from models.workspaces import ensure_workspace

DEFAULTS = WorkspaceConfig.defaults(Settings.from_env({"PEPITES_QUORUM": "4", "PEPITES_DIGEST_CHANNEL": "C0DIG"}))


def test_defaults_come_from_the_environment() -> None:
    assert DEFAULTS.quorum == 4 and DEFAULTS.digest_channel == "C0DIG"
    assert DEFAULTS.digest_weekday == 0 and DEFAULTS.digest_time == time(9, 0) and DEFAULTS.timezone == "Europe/Paris"


def test_stored_values_override_and_bad_ones_are_ignored() -> None:
    config = DEFAULTS.with_stored({"quorum": 2, "language": "en", "timezone": "Mars/Olympus", "nope": 1})
    assert config.quorum == 2 and config.language == "en"
    assert config.timezone == "Europe/Paris"  # the bad stored value keeps the default


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("quorum", 0),
        ("quorum", "three"),
        ("digest_time", "9am"),
        ("digest_channel", "general"),
        ("managers", ["U1", "bob"]),
        ("manager_group", "managers"),
        ("escalation_emojis", " , "),
        ("capture_emoji", "<!channel>"),
        ("language", "de"),
        ("retention_days", 40000),
    ],
)
def test_each_wrong_value_names_its_setting(name: str, value: object) -> None:
    with pytest.raises(ConfigError) as raised:
        DEFAULTS.with_value(name, value)
    assert raised.value.field == name


def test_round_trip_through_the_database(sessions: sessionmaker[Session]) -> None:
    changed = (
        DEFAULTS.with_value("digest_weekday", "fri")
        .with_value("managers", "U1, U2,U1")
        .with_value("escalation_emojis", ":fire:, sos")
    )
    with sessions.begin() as session:
        save_config(session, "T1", changed)
    with sessions.begin() as session:
        assert load_config(session, "T1", DEFAULTS) == changed
        assert load_config(session, "T2", DEFAULTS) == DEFAULTS  # another workspace keeps the defaults
        assert changed.managers == ("U1", "U2") and changed.escalation_emojis == ("fire", "sos")


def test_the_cache_reads_again_after_its_delay_and_at_once_after_a_save(sessions: sessionmaker[Session]) -> None:
    now = [0.0]
    cache = ConfigCache(sessions, DEFAULTS, ttl=30, clock=lambda: now[0])
    assert cache.get("T1").quorum == 4
    with sessions.begin() as session:  # another replica changes it
        ensure_workspace(session, "T1").settings = {"quorum": 7}
    assert cache.get("T1").quorum == 4
    now[0] = 31
    assert cache.get("T1").quorum == 7
    cache.save("T1", DEFAULTS.with_value("quorum", 2))
    assert cache.get("T1").quorum == 2


def _state(config_view: dict[str, object], **values: dict[str, object]) -> dict[str, object]:
    return {"state": {"values": {name: {"value": value} for name, value in values.items()}}}


def test_the_config_modal_shows_the_values_and_reads_them_back() -> None:
    view = config_modal("fr", DEFAULTS).to_dict()
    assert view["callback_id"] == "insight_config" and len(view["blocks"]) <= 100
    submitted = _state(
        view,
        digest_channel={"type": "conversations_select", "selected_conversation": "C0NEW"},
        digest_weekday={"type": "static_select", "selected_option": {"value": "4"}},
        digest_time={"type": "timepicker", "selected_time": "17:30"},
        timezone={"type": "plain_text_input", "value": "America/Montreal"},
        managers={"type": "multi_users_select", "selected_users": ["U1"]},
        quorum={"type": "number_input", "value": "2"},
    )
    config, errors = read_submission(submitted, DEFAULTS, lambda exc: exc.message)
    assert errors == {}
    assert (config.digest_channel, config.digest_weekday, config.digest_time) == ("C0NEW", 4, time(17, 30))
    assert config.timezone == "America/Montreal" and config.managers == ("U1",) and config.quorum == 2


def test_the_config_modal_keeps_wrong_values_as_errors_beside_their_field() -> None:
    submitted = _state(
        {},
        timezone={"type": "plain_text_input", "value": "Paris"},
        quorum={"type": "number_input", "value": "0"},
    )
    config, errors = read_submission(submitted, DEFAULTS, lambda exc: f"Valeur refusée : {exc.message}")
    assert set(errors) == {"timezone", "quorum"} and errors["timezone"].startswith("Valeur refusée")
    assert config.quorum == DEFAULTS.quorum
