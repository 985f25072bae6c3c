"""A standard Slack workspace export, read as a stream: one day file at a time, whatever the export's size.

An export is a zip holding ``channels.json``, ``users.json`` and one folder per channel with one JSON file per
day (``general/2025-03-14.json``: a list of messages). Days are read in date order and each day's messages in
``ts`` order, so a channel's messages come oldest first (the export puts every message in the day of its own
``ts``, in one time zone). A day file that does not parse is named in :attr:`SlackExport.corrupt` and skipped.
Pure: no Slack API, no database.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

DAY_FILE = re.compile(r"^(?P<channel>[^/]+)/(?P<day>\d{4}-\d{2}-\d{2})\.json$")


class ExportError(Exception):
    """The input cannot be imported at all (not a zip, not a Slack export, an unknown channel)."""


@dataclass(frozen=True)
class ExportChannel:
    id: str
    name: str


@dataclass(frozen=True)
class ExportMessage:
    """One message as the export (or ``conversations.history``) gives it, with the fields import reads."""

    channel_id: str
    channel_name: str
    ts: str
    user: str | None
    text: str
    reactions: tuple[str, ...] = ()
    thread_ts: str | None = None
    subtype: str | None = None
    bot_id: str | None = None
    files: int = 0

    @property
    def is_reply(self) -> bool:
        return bool(self.thread_ts) and self.thread_ts != self.ts


def message_of(raw: dict[str, Any], channel: ExportChannel) -> ExportMessage | None:
    """The message in a Slack message object (export or Web API alike); None when it has no ``ts``."""
    ts = raw.get("ts")
    if not isinstance(ts, str) or not ts:
        return None
    reactions = tuple(str(r.get("name")) for r in raw.get("reactions") or () if isinstance(r, dict) and r.get("name"))
    files = raw.get("files")
    return ExportMessage(
        channel_id=channel.id,
        channel_name=channel.name,
        ts=ts,
        user=_text(raw, "user"),
        text=_text(raw, "text") or "",
        reactions=reactions,
        thread_ts=_text(raw, "thread_ts"),
        subtype=_text(raw, "subtype"),
        bot_id=_text(raw, "bot_id"),
        files=len(files) if isinstance(files, list) else 0,
    )


def _text(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return value if isinstance(value, str) else None


@dataclass
class SlackExport:
    """An opened export: its channels, its bot users, and a stream of each channel's messages."""

    path: Path
    channels: tuple[ExportChannel, ...]
    bot_users: frozenset[str]
    corrupt: list[str] = field(default_factory=list)
    bytes_read: int = 0  # of the day files read so far (uncompressed), for an ETA

    @classmethod
    def open(cls, path: str | Path) -> SlackExport:
        """Check that ``path`` is a Slack export and read its channel list; raises :class:`ExportError`."""
        path = Path(path)
        if not path.is_file():
            raise ExportError(f"{path}: no such file")
        if not zipfile.is_zipfile(path):
            raise ExportError(f"{path}: not a zip file (a Slack export is the .zip Slack gives you)")
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "channels.json" not in names:
                raise ExportError(f"{path}: not a Slack export (no channels.json at the top of the zip)")
            try:
                raw_channels = json.loads(archive.read("channels.json"))
                raw_users = json.loads(archive.read("users.json")) if "users.json" in names else []
            except (ValueError, UnicodeDecodeError) as exc:
                raise ExportError(f"{path}: channels.json or users.json does not parse ({exc})") from exc
        if not isinstance(raw_channels, list):
            raise ExportError(f"{path}: not a Slack export (channels.json is not a list)")
        channels = tuple(
            ExportChannel(str(c.get("id") or c["name"]), str(c["name"]))
            for c in raw_channels
            if isinstance(c, dict) and c.get("name")
        )
        bots = frozenset(str(u["id"]) for u in raw_users if isinstance(u, dict) and u.get("id") and u.get("is_bot"))
        return cls(path, channels, bots)

    def select(self, names: Sequence[str]) -> list[ExportChannel]:
        """The channels named (``#`` optional), all when none is; raises :class:`ExportError` on an unknown one."""
        if not names:
            return list(self.channels)
        by_name = {c.name: c for c in self.channels}
        wanted = [n.lstrip("#") for n in names]
        unknown = [n for n in wanted if n not in by_name]
        if unknown:
            known = ", ".join(sorted(by_name)) or "none"
            raise ExportError(f"unknown channel(s) {', '.join(unknown)} in this export (it has: {known})")
        return [by_name[n] for n in dict.fromkeys(wanted)]

    def days(self, channel: ExportChannel, since: date | None = None) -> list[str]:
        """The channel's day files, oldest first (those before ``since`` left out)."""
        with zipfile.ZipFile(self.path) as archive:
            found = []
            for name in archive.namelist():
                match = DAY_FILE.match(name)
                if match and match["channel"] == channel.name:
                    if since is None or date.fromisoformat(match["day"]) >= since:
                        found.append(name)
        return sorted(found)

    def size(self, channels: Sequence[ExportChannel], since: date | None = None) -> int:
        """The uncompressed size of those channels' day files (what :attr:`bytes_read` counts towards)."""
        wanted = {c.name for c in channels}
        with zipfile.ZipFile(self.path) as archive:
            return sum(
                info.file_size
                for info in archive.infolist()
                if (m := DAY_FILE.match(info.filename))
                and m["channel"] in wanted
                and (since is None or date.fromisoformat(m["day"]) >= since)
            )

    def messages(self, channel: ExportChannel, since: date | None = None) -> Iterator[ExportMessage]:
        """The channel's messages oldest first, one day file in memory at a time; a corrupt day is named in
        :attr:`corrupt` and skipped."""
        days = self.days(channel, since)
        with zipfile.ZipFile(self.path) as archive:
            for name in days:
                try:
                    data = archive.read(name)
                    self.bytes_read += len(data)
                    raw = json.loads(data)
                    if not isinstance(raw, list):
                        raise ValueError("not a list of messages")
                except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, OSError):
                    self.corrupt.append(name)
                    continue
                day = [m for m in (message_of(r, channel) for r in raw if isinstance(r, dict)) if m is not None]
                day.sort(key=lambda m: float(m.ts))
                yield from day
