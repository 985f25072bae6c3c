"""The weekly digest of one workspace: which period is due, building it from the database, posting it.

Periods follow each workspace's schedule in its own time zone: the digest due at ``now`` covers the
7 days before the latest scheduled moment (default Monday 09:00, Europe/Paris) that is not after ``now``.
Building reads the period's insights with the lemmas stored at tagging time (no spaCy here), groups
them into themes, matches the themes to the 8 weeks before for trends and the chart, and renders the
blocks. Posting sends the digest to the digest channel, the chart in its thread, and the customer
signals to the sales channel; only the digest message itself decides whether the run was posted.

Delivered once as the channel sees it: a scheduled digest carries message metadata naming its period, and
every attempt first looks for it in the channel (an earlier attempt whose answer never came, or whose
process died before recording the post, may have posted it). Found, it is taken as posted and only what
followed it (chart, sales post) is completed. A post that got no answer (time-out, dropped connection) is
not retried at once: the run is recorded as failed and the next claim looks before posting again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.i18n import t
from bot.slack.client import NO_ANSWER
from bot.views.digest import digest_blocks, digest_text, signals_blocks, signals_text
from bot.workspace_config import WorkspaceConfig
from insights.digest.build import Digest, build_digest
from insights.digest.chart import theme_chart_png
from insights.themes.trends import ThemeTrend, theme_trends
from insights.themes.weekly import ThemeCluster, cluster_lemmas
from models.digests import (
    kind_counts,
    open_escalations,
    past_themes,
    resolved_between,
    store_themes,
    value_before,
    vote_counts,
    week_key,
    week_rows,
)
from models.schema import Workspace

log = logging.getLogger(__name__)

HISTORY_WEEKS: Final = 8
CHART_THEMES: Final = 6
CHART_FILENAME: Final = "pepites-themes.png"
# The metadata event type of the digest's posts; its payload names the period and the part posted.
DIGEST_EVENT: Final = "pepites_digest"
# Messages read back when looking for a post an earlier attempt may have made (the newest first).
LOOK_BACK_MESSAGES: Final = 100


@dataclass(frozen=True)
class DigestPeriod:
    """``[start, end)`` in UTC; ``week`` is the local date the period starts on (the claim's key)."""

    start: datetime
    end: datetime
    week: date

    @property
    def key(self) -> str:
        return week_key(self.week)


def due_period(now: datetime, config: WorkspaceConfig) -> DigestPeriod:
    """The period of the latest digest due at ``now``, by the workspace's day, time and time zone."""
    tz = config.tz
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - config.digest_weekday) % 7)
    end = datetime.combine(day, config.digest_time, tzinfo=tz)
    if end > local:
        day -= timedelta(days=7)
        end = datetime.combine(day, config.digest_time, tzinfo=tz)
    start = datetime.combine(day - timedelta(days=7), config.digest_time, tzinfo=tz)
    return DigestPeriod(start.astimezone(UTC), end.astimezone(UTC), start.date())


def last_days(now: datetime, config: WorkspaceConfig, days: int = 7) -> DigestPeriod:
    """The ``days`` days up to ``now`` (``pepites digest`` builds one at any moment)."""
    start = now - timedelta(days=days)
    return DigestPeriod(start.astimezone(UTC), now.astimezone(UTC), start.astimezone(config.tz).date())


@dataclass(frozen=True)
class WeeklyDigest:
    """A built digest: the data, its Block Kit, the sales post and the chart."""

    digest: Digest
    blocks: list[dict[str, Any]]
    text: str
    signal_blocks: list[dict[str, Any]]
    signal_text: str
    chart_png: bytes
    themes: list[ThemeCluster]
    trends: dict[str, ThemeTrend]
    # The scheduled period this digest is the run of; None for one posted by hand (``pepites digest``).
    run: DigestPeriod | None = None


def _chart_series(themes: list[ThemeCluster], trends: dict[str, ThemeTrend], weeks: list[str]) -> dict[str, list[int]]:
    """Insights per week of the biggest themes: this week's size, and the sizes of the themes they matched."""
    series: dict[str, list[int]] = {}
    for theme in sorted(themes, key=lambda t: -t.size)[:CHART_THEMES]:
        sizes = dict.fromkeys(weeks, 0)
        trend = trends.get(theme.key)
        for match in trend.matches if trend else ():
            if str(match.week) in sizes:
                sizes[str(match.week)] += match.size
        sizes[weeks[-1]] = theme.size
        label = theme.label if theme.label not in series else f"{theme.label} ({theme.key})"
        series[label] = [sizes[w] for w in weeks]
    return series


def build_weekly(
    session: Session, workspace: Workspace, config: WorkspaceConfig, period: DigestPeriod, *, persist: bool
) -> WeeklyDigest:
    """Build one workspace's digest of ``period``; ``persist`` stores its themes (the scheduled run does)."""
    rows = week_rows(session, workspace.id, period.start, period.end)
    ids = [str(i.id) for i in rows.insights]
    themes = cluster_lemmas(ids, rows.lemmas, [i.reporter for i in rows.insights])
    first_week = period.week - timedelta(weeks=HISTORY_WEEKS)
    history = past_themes(session, workspace.id, first_week, period.week)
    trends = theme_trends(themes, history, period.key)
    if persist:
        store_themes(session, workspace.id, period.week, themes, trends)
    previous = kind_counts(session, workspace.id, period.start - timedelta(days=7), period.start)
    last_week = {str(kind) if kind else "pending": count for kind, count in previous.items()}
    escalations = open_escalations(session, workspace.id)
    resolved = resolved_between(session, workspace.id, period.start, period.end)
    votes = vote_counts(session, [i.id for i in rows.insights] + [i.id for i in escalations])
    digest = build_digest(
        rows.insights,
        last_week,
        themes,
        trends,
        escalations,
        resolved,
        period.start,
        period.end,
        votes=votes,
        value_before_eur=value_before(session, workspace.id, period.start),
    )
    lang = config.language
    weeks = [week_key(period.week - timedelta(weeks=n)) for n in range(HISTORY_WEEKS - 1, -1, -1)]
    chart = theme_chart_png(weeks, _chart_series(themes, trends, weeks), t(lang, "digest_chart_title"))
    return WeeklyDigest(
        digest=digest,
        blocks=[b.to_dict() for b in digest_blocks(digest, lang)],
        text=digest_text(digest, lang),
        signal_blocks=[b.to_dict() for b in signals_blocks(digest, lang)],
        signal_text=signals_text(digest, lang),
        chart_png=chart,
        themes=themes,
        trends=trends,
        run=period if persist else None,
    )


class DigestNotPosted(Exception):
    """Slack refused the digest message; ``error`` is its error code (``channel_not_found``…)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def post_weekly(client: WebClient, config: WorkspaceConfig, weekly: WeeklyDigest) -> str:
    """Post the digest (or find it posted already), then its chart and the sales post; the digest's ts.

    Raises DigestNotPosted when Slack refused the digest or gave no answer; nothing after the digest
    message can fail the run, since a failed run is tried again and would post the digest twice.
    """
    channel = config.digest_channel
    if not channel:
        raise DigestNotPosted("no_digest_channel")
    ts = _posted_before(client, channel, weekly, "digest")
    again = ts is not None
    if ts is None:
        ts = _post(client, channel, weekly.text, weekly.blocks, _metadata(weekly, "digest"))
    else:
        log.info("the digest was found in its channel, posted by an earlier attempt: not posted again")
    posted = ts
    _after_digest("the digest's chart", lambda: _post_chart(client, config, weekly, posted, again))
    _after_digest("the customer signals' post", lambda: _post_signals(client, config, weekly, again))
    return ts


def _post_chart(client: WebClient, config: WorkspaceConfig, weekly: WeeklyDigest, ts: str, again: bool) -> None:
    """Upload the chart in the digest's thread; when the digest was posted before, only if no file is there."""
    channel = str(config.digest_channel)
    if again and _thread_has_file(client, channel, ts):
        return
    client.files_upload_v2(
        channel=channel,
        thread_ts=ts,
        content=weekly.chart_png,
        filename=CHART_FILENAME,
        title=t(config.language, "digest_chart_title"),
    )


def _post_signals(client: WebClient, config: WorkspaceConfig, weekly: WeeklyDigest, again: bool) -> None:
    """The customer signals to the sales channel, once: a retry looks for the earlier post first."""
    channel = config.sales_channel
    if not channel or not weekly.digest.signals:
        return
    if again and _posted_before(client, channel, weekly, "signals") is not None:
        return
    _post(client, channel, weekly.signal_text, weekly.signal_blocks, _metadata(weekly, "signals"))


def _after_digest(what: str, step: Callable[[], None]) -> None:
    """Run a step that follows the digest message; a failure is logged, never raised (the digest is out)."""
    try:
        step()
    except DigestNotPosted as exc:
        log.warning("%s failed: %s", what, exc.error)
    except SlackApiError as exc:
        log.warning("%s failed: %s", what, exc.response.get("error"))
    except Exception as exc:  # noqa: BLE001 - raising would fail the run, and its retry would post the digest again
        log.warning("%s failed: %s", what, type(exc).__name__)


def _metadata(weekly: WeeklyDigest, part: str) -> dict[str, Any] | None:
    """What marks a scheduled digest's post so that a later attempt can find it (none for a manual post)."""
    if weekly.run is None:
        return None
    return {"event_type": DIGEST_EVENT, "event_payload": {"period": weekly.run.week.isoformat(), "part": part}}


def _posted_before(client: WebClient, channel: str, weekly: WeeklyDigest, part: str) -> str | None:
    """The ts of this run's ``part`` if an earlier attempt posted it in ``channel``; None when not found.

    Reading the channel needs the ``channels:history`` scope (``groups:history`` for a private channel);
    when the channel cannot be read the answer is "not found", so a digest is never lost for it.
    """
    marker = _metadata(weekly, part)
    if marker is None or weekly.run is None:
        return None
    try:
        response = client.conversations_history(
            channel=channel,
            oldest=f"{weekly.run.end.timestamp():.6f}",
            limit=LOOK_BACK_MESSAGES,
            include_all_metadata=True,
        )
    except SlackApiError as exc:
        log.warning("could not look for an earlier post of the digest: %s", exc.response.get("error"))
        return None
    except NO_ANSWER as exc:
        log.warning("could not look for an earlier post of the digest: %s", type(exc).__name__)
        return None
    for message in response.get("messages") or []:
        metadata = message.get("metadata") or {}
        if (
            metadata.get("event_type") == marker["event_type"]
            and metadata.get("event_payload") == marker["event_payload"]
        ):
            return str(message["ts"])
    return None


def _thread_has_file(client: WebClient, channel: str, ts: str) -> bool:
    """Whether the digest's thread already holds a file (the chart of an earlier attempt)."""
    try:
        response = client.conversations_replies(channel=channel, ts=ts, limit=LOOK_BACK_MESSAGES)
    except (SlackApiError, *NO_ANSWER):
        return False
    return any(message.get("files") for message in response.get("messages") or [] if message.get("ts") != ts)


def _post(
    client: WebClient, channel: str, text: str, blocks: list[dict[str, Any]], metadata: dict[str, Any] | None
) -> str:
    """Post a message; a bot not in a public channel joins it and tries once more. Raises DigestNotPosted."""
    try:
        try:
            return str(client.chat_postMessage(channel=channel, text=text, blocks=blocks, metadata=metadata)["ts"])
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "unknown_error")
        if error == "not_in_channel":  # Slack answered: nothing was posted, so posting again is safe
            try:
                client.conversations_join(channel=channel)
                return str(client.chat_postMessage(channel=channel, text=text, blocks=blocks, metadata=metadata)["ts"])
            except SlackApiError as exc:
                error = str(exc.response.get("error") or "unknown_error")
    except NO_ANSWER as exc:
        # Slack may have posted it: the next attempt looks for it before posting (see _posted_before).
        error = "timeout" if isinstance(exc, TimeoutError) else "no_answer"
    raise DigestNotPosted(error)
