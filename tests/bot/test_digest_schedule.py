"""Which digest is due: each workspace's day, time and time zone, daylight saving included."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.flows.digest import due_period
from bot.workspace_config import WorkspaceConfig

PARIS = WorkspaceConfig()  # Monday 09:00, Europe/Paris


@pytest.mark.parametrize(
    ("now", "end", "week"),
    [
        # Monday 23 November 2026, 08:00 UTC = 09:00 in Paris: this Monday's digest is due.
        (datetime(2026, 11, 23, 8, 0, tzinfo=UTC), datetime(2026, 11, 23, 8, 0, tzinfo=UTC), date(2026, 11, 16)),
        # One minute earlier: still last Monday's.
        (datetime(2026, 11, 23, 7, 59, tzinfo=UTC), datetime(2026, 11, 16, 8, 0, tzinfo=UTC), date(2026, 11, 9)),
        # Down all Monday, back on Wednesday: Monday's digest is the one due.
        (datetime(2026, 11, 25, 15, 0, tzinfo=UTC), datetime(2026, 11, 23, 8, 0, tzinfo=UTC), date(2026, 11, 16)),
        # Summer time: 09:00 in Paris is 07:00 UTC.
        (datetime(2026, 6, 15, 7, 30, tzinfo=UTC), datetime(2026, 6, 15, 7, 0, tzinfo=UTC), date(2026, 6, 8)),
    ],
)
def test_the_latest_scheduled_moment_ends_the_period(now: datetime, end: datetime, week: date) -> None:
    period = due_period(now, PARIS)
    assert period.end == end and period.week == week
    assert (period.end - period.start).days == 7 or period.week.month == 3  # 7 days, bar a DST change


def test_the_week_spanning_the_clock_change_is_one_hour_shorter() -> None:
    period = due_period(datetime(2026, 3, 30, 9, 0, tzinfo=UTC), PARIS)  # clocks went forward on 29 March
    assert period.start == datetime(2026, 3, 23, 8, 0, tzinfo=UTC) and period.end == datetime(
        2026, 3, 30, 7, 0, tzinfo=UTC
    )


def test_another_day_time_and_zone() -> None:
    montreal = (
        WorkspaceConfig()
        .with_value("digest_weekday", "fri")
        .with_value("digest_time", "17:30")
        .with_value("timezone", "America/Montreal")
    )
    period = due_period(datetime(2026, 11, 23, 12, 0, tzinfo=UTC), montreal)
    assert period.end == datetime(2026, 11, 20, 22, 30, tzinfo=UTC)  # Friday 17:30 EST
    assert period.week == date(2026, 11, 13) and period.key == "2026-W46"
