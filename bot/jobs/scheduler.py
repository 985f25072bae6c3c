"""The scheduler every process runs: one interval tick that posts the digests that are due, exactly once.

APScheduler's job stores cannot be shared between processes, so each process keeps an in-memory
``BackgroundScheduler`` with a single job, :meth:`DigestScheduler.tick` (``coalesce``, one instance at a
time, no misfire limit). The tick asks the database which workspaces have a digest due and claims each
(workspace, period) with a unique ``digest_run`` row before building and posting it
(:func:`models.digests.claim_digest`): with several processes, or after a restart, one of them posts
it. The due period is always the latest one, so a process that was down on Monday catches the digest up
once at its first tick, and does not post the weeks it missed one after another.

A workspace installed after a period ended does not get that period's digest. The same tick runs the retention
job (insights older than a workspace's retention days are erased). Clocks are passed in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.flows.digest import DigestPeriod, build_weekly, due_period
from bot.flows.escalation import alert_managers
from bot.flows.themes import catch_up
from bot.jobs.digest_delivery import DigestNotPosted, post_weekly
from bot.slack.managers import ManagerDirectory
from bot.workspace_config import WorkspaceConfig
from models.db import background_writes
from models.digests import claim_digest, finish_digest
from models.privacy import purge_older_than
from models.read import card_by_id
from models.votes import claim_unsent_alerts, voters
from models.workspaces import all_workspaces

log = logging.getLogger(__name__)
# APScheduler logs "Running job" and "executed successfully" at INFO on every tick, forever; its failures
# ("raised an exception", "missed by") are ERROR and WARNING and still show.
logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)

TICK_SECONDS: Final = 60.0
PURGE_BATCHES: Final = 20  # at most 20,000 insights erased per workspace and tick
# An escalation alert not out is tried again by the tick after 2 minutes (the escalating process may still be
# posting it), for a day at most (a channel deleted for good).
ALERT_RETRY_AFTER: Final = timedelta(minutes=2)
ALERT_GIVE_UP: Final = timedelta(days=1)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TickResult:
    """What one tick did for one workspace: ``posted``, ``failed`` (with Slack's error)."""

    team_id: str
    outcome: str
    error: str | None = None


class DigestScheduler:
    """Posts each workspace's digest when it is due; safe to run in every replica."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clients: Callable[[str], WebClient | None],
        defaults: WorkspaceConfig,
        *,
        clock: Callable[[], datetime] = utc_now,
        interval: float = TICK_SECONDS,
        managers: ManagerDirectory | None = None,
    ) -> None:
        self._sessions = sessions
        self._clients = clients
        self._defaults = defaults
        self._clock = clock
        self._interval = interval
        self._scheduler: BackgroundScheduler | None = None
        self._managers = managers or ManagerDirectory()  # the listeners' directory: one cache per process
        self.ticks = 0
        # Digests Slack accepted whose row could not be marked posted (the database went away in between):
        # (run id, message ts, when). Recorded first thing at the next tick, before anything is claimed.
        self._unrecorded: list[tuple[int, str | None, datetime]] = []

    def start(self) -> None:
        """Tick at once, then every ``interval`` seconds, on APScheduler's own thread."""
        if self._scheduler is not None:
            return
        scheduler = BackgroundScheduler(timezone=UTC)
        scheduler.add_job(
            self._tick_safely,
            IntervalTrigger(seconds=self._interval, timezone=UTC),
            id="digest-tick",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC),
        )
        scheduler.start()
        self._scheduler = scheduler

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None

    def _tick_safely(self) -> None:
        try:
            with background_writes():  # a request's writes go first (models.db.WriteGate)
                self.tick()
        except Exception:  # noqa: BLE001 - the next tick tries again; the scheduler must keep running
            log.exception("the digest tick failed")

    def tick(self) -> list[TickResult]:
        """Claim and post every digest due now; what was done, per workspace that had one to do."""
        now = self._clock()
        self._record_posted()
        with self._sessions.begin() as session:
            workspaces = all_workspaces(session)
        results = []
        for workspace in workspaces:
            workspace_id, team_id, created_at = workspace.id, workspace.team_id, workspace.created_at
            config = self._defaults.with_stored(workspace.settings)
            if config.retention_days:
                self._purge(workspace_id, now - timedelta(days=config.retention_days))
            self._retry_alerts(workspace_id, team_id, config, now)
            self._group_themes(workspace_id, config, now)
            if not config.digest_channel:
                continue
            period = due_period(now, config)
            if period.end < created_at:
                continue  # installed after that digest was due
            try:
                result = self._run(workspace_id, team_id, config, period, now)
            except Exception:  # noqa: BLE001 - one workspace's failure must not stop the others'
                log.exception("the digest of workspace %s failed", workspace_id)
                continue
            if result is not None:
                results.append(result)
        self.ticks += 1
        return results

    def _group_themes(self, workspace_id: int, config: WorkspaceConfig, now: datetime) -> None:
        """The week's insights no theme took: grouped into new catalogue themes (the Home shows them)."""
        try:
            with self._sessions.begin() as session:
                catch_up(session, workspace_id, now, found_new=True, lang=config.language)
        except Exception:  # noqa: BLE001 - the digest and the alerts must not wait on themes
            log.exception("grouping the themes of workspace %s failed", workspace_id)

    def _record_posted(self) -> None:
        """Mark posted the digests this process posted but could not record (raises while the database is away)."""
        while self._unrecorded:
            run_id, ts, at = self._unrecorded[0]
            with self._sessions.begin() as session:
                finish_digest(session, run_id, at, message_ts=ts)
            self._unrecorded.pop(0)
            log.info("digest run %s recorded as posted", run_id)

    def _retry_alerts(self, workspace_id: int, team_id: str, config: WorkspaceConfig, now: datetime) -> int:
        """Post the escalation alerts that did not go out when the insight was escalated (Slack refused or did
        not answer, or the process died); each claimed by one replica at a time. How many went out."""
        sent = 0
        try:
            with self._sessions.begin() as session:
                claimed = claim_unsent_alerts(session, workspace_id, now, ALERT_RETRY_AFTER, ALERT_GIVE_UP)
            if not claimed:
                return 0
            client = self._clients(team_id)
            if client is None:
                return 0
            managers = sorted(self._managers.managers(client, config))
            for insight_id in claimed:
                with self._sessions.begin() as session:
                    card = card_by_id(session, insight_id)
                    if card is None:
                        continue
                    votes = len(voters(session, insight_id))
                if alert_managers(self._sessions, client, config, managers, card, votes):
                    sent += 1
        except Exception:  # noqa: BLE001 - retried at the next tick
            log.exception("retrying the alerts of workspace %s failed", workspace_id)
        if sent:
            log.info("%d escalation alert(s) of workspace %s sent late", sent, workspace_id)
        return sent

    def _purge(self, workspace_id: int, before: datetime) -> int:
        """The retention job: erase the workspace's insights older than its retention, a batch at a time."""
        erased = 0
        try:
            for _ in range(PURGE_BATCHES):
                with self._sessions.begin() as session:
                    count = purge_older_than(session, workspace_id, before)
                erased += count
                if count == 0:
                    break
        except Exception:  # noqa: BLE001 - retried at the next tick
            log.exception("purging old insights of workspace %s failed", workspace_id)
        if erased:
            log.info("retention: %d insight(s) of workspace %s erased", erased, workspace_id)
        return erased

    def _run(
        self, workspace_id: int, team_id: str, config: WorkspaceConfig, period: DigestPeriod, now: datetime
    ) -> TickResult | None:
        client = self._clients(team_id)
        if client is None:
            log.warning("workspace %s has no installation: its digest is not posted", workspace_id)
            return None
        with self._sessions.begin() as session:
            run = claim_digest(session, workspace_id, period.week, now)
            run_id = run.id if run is not None else None
        if run_id is None:
            return None
        log.info("digest of workspace %s for the week of %s claimed", workspace_id, period.week.isoformat())
        try:
            with self._sessions.begin() as session:
                weekly = build_weekly(session, workspace_id, config, period, persist=True)
            ts = post_weekly(client, config, weekly)
        except DigestNotPosted as exc:
            with self._sessions.begin() as session:
                finish_digest(session, run_id, now, error=exc.error)
            log.warning("the digest of workspace %s was not posted: %s", workspace_id, exc.error)
            return TickResult(team_id, "failed", exc.error)
        except Exception:
            with self._sessions.begin() as session:
                finish_digest(session, run_id, now, error="internal_error")
            raise
        try:
            with self._sessions.begin() as session:
                finish_digest(session, run_id, now, message_ts=ts)
        except SQLAlchemyError:
            # Posted but not recorded: without this the run would look abandoned and be posted again.
            self._unrecorded.append((run_id, ts, now))
            log.error("digest of workspace %s posted; recording it failed, retried at the next tick", workspace_id)
            return TickResult(team_id, "posted")
        log.info("digest of workspace %s posted", workspace_id)
        return TickResult(team_id, "posted")
