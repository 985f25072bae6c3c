"""Hand-built digest inputs shared by the digest tests (domain and view)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from insights.digest.build import Digest, DigestInsight, build_digest
from insights.themes.weekly import ThemeCluster
from insights.types import KINDS, SIGNALS

START = datetime(2026, 11, 16, tzinfo=UTC)
END = START + timedelta(days=7)
HOSTILE = "<!channel> <@U1> <https://evil|safe> <!here> & <!subteam^S1>"


def insight(id: int, text: str = "Les colis arrivent abîmés chez Biocoop.", **fields: Any) -> DigestInsight:
    """An open, named, tagged insight of this week unless told otherwise."""
    values: dict[str, Any] = {
        "kind": "problem",
        "signal": None,
        "subject": None,
        "status": "open",
        "reporter": f"r{id}",
        "anonymous": False,
        "permalink": f"https://acme.slack.com/archives/C1/p{1000 + id}",
        "created_at": START + timedelta(hours=id % 150),
    }
    values.update(fields)
    return DigestInsight(id=id, text=text, **values)


def theme(key: str, label: str, members: list[DigestInsight]) -> ThemeCluster:
    return ThemeCluster(
        key=key,
        label=label,
        keywords=tuple(label.split()),
        member_ids=tuple(str(m.id) for m in members),
        size=len(members),
        reporters=len({m.reporter for m in members if m.reporter}),
        centroid=(1.0, 0.0),
    )


def big_week(n: int = 10_000, themes: int = 200, text: str = "Le VPN tombe encore ce matin.") -> Digest:
    """A week of ``n`` insights spread over ``themes`` themes, every part of the digest crowded."""
    items = [
        insight(
            i,
            f"{text} #{i}",
            kind=KINDS[i % len(KINDS)],
            signal=SIGNALS[i % 4] if i % 3 == 0 else None,
            subject=f"Client {i}" if i % 3 == 0 else None,
            anonymous=i % 2 == 0,
            reporter=f"r{i % 500}",
            escalated_at=START + timedelta(hours=1) if i % 10 == 0 else None,
            value_eur=float(i % 100),
        )
        for i in range(1, n + 1)
    ]
    clusters = [theme(f"t{k + 1}", f"thème {k + 1}", items[k::themes]) for k in range(themes)]
    escalated = [i for i in items if i.escalated_at]
    resolved = [i for i in items if i.kind == "idea"]
    return build_digest(items, {"problem": n // 2}, clusters, {}, escalated, resolved, START, END)
