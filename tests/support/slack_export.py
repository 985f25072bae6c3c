"""A small Slack workspace export built by a test: channels.json, users.json, one JSON file per channel day."""

from __future__ import annotations

import json
import zipfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def ts_at(moment: datetime, n: int = 0) -> str:
    """A message ts at that moment (``n`` keeps several in one second apart)."""
    return f"{int(moment.timestamp())}.{n:06d}"


def message(
    moment: datetime,
    text: str,
    user: str = "U1",
    *,
    n: int = 0,
    reactions: tuple[str, ...] = (),
    **extra: Any,
) -> dict[str, Any]:
    """A message as an export holds it."""
    raw: dict[str, Any] = {"type": "message", "ts": ts_at(moment, n), "user": user, "text": text}
    if reactions:
        raw["reactions"] = [{"name": name, "users": ["U9"], "count": 1} for name in reactions]
    raw.update(extra)
    return raw


def write_export(
    path: Path,
    channels: dict[tuple[str, str], list[dict[str, Any]]],
    *,
    bots: tuple[str, ...] = (),
    corrupt: tuple[str, ...] = (),
) -> Path:
    """Write an export: ``channels`` maps (id, name) to its messages; ``corrupt`` day files (``name/day.json``)
    hold broken JSON."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("channels.json", json.dumps([{"id": cid, "name": name} for cid, name in channels]))
        users = [{"id": f"U{n}", "name": f"user{n}"} for n in range(1, 10)]
        users += [{"id": bot, "name": bot.lower(), "is_bot": True} for bot in bots]
        archive.writestr("users.json", json.dumps(users))
        for (_, name), messages in channels.items():
            days: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for raw in messages:
                day = datetime.fromtimestamp(float(raw["ts"]), UTC).date().isoformat()
                days[day].append(raw)
            for day, raws in days.items():
                archive.writestr(f"{name}/{day}.json", json.dumps(raws, ensure_ascii=False))
        for name in corrupt:
            archive.writestr(name, '[{"type": "message", "ts": "17')
    return path
