"""Bot fixtures: settings for a test workspace and the services built on a real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.runtime import Runtime, build_runtime
from bot.services import Services
from bot.settings import Settings

SIGNING_SECRET = "test-signing-secret"


def make_settings(database_url: str, api_url: str = "http://127.0.0.1:9/api/", **extra: str) -> Settings:
    """A test workspace's settings; ``extra`` variables win (``SLACK_BOT_TOKEN=""`` unsets the token)."""
    return Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
            "DATABASE_URL": database_url,
            "PEPITES_SECRET_KEY": "test secret key for sealing reporters",
        }
        | extra
    )


@pytest.fixture
def runtime(sqlite_url: str) -> Iterator[Runtime]:
    """A runtime whose tagging process is never started (these tests do not tag)."""
    built = build_runtime(make_settings(sqlite_url), token_verification=False)
    yield built
    built.stop()


@pytest.fixture
def services(runtime: Runtime) -> Services:
    return runtime.services
