"""The digest as plain data: counts and deltas, themes and the small-group rule, escalations, signals, €."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from insights.digest.build import build_digest, count_by_kind
from insights.themes.trends import ThemeTrend
from tests.support.digests import END, START, big_week, insight, theme


def test_digest_headline_counts_and_deltas_against_last_week() -> None:
    items = [
        insight(1, "Trois clients ont appelé pour des colis abîmés."),
        insight(2, "The new label printer jams every morning."),
        insight(3, "Encore une panne du VPN…"),
        insight(4, "Signé avec Decathlon grâce à la démo de Léa !", kind="success"),
        insight(5, "Quelqu'un sait où est le chargeur ?", kind=None),
    ]
    digest = build_digest(items, {"problem": 1, "success": 2, "idea": 1}, [], {}, [], [], START, END)
    assert (digest.total.count, digest.total.previous, digest.total.delta) == (5, 4, 1)
    deltas = {c.key: (c.count, c.delta) for c in digest.by_kind}
    assert deltas == {
        "problem": (3, 2),
        "dysfunction": (0, 0),
        "success": (1, -1),
        "idea": (0, -1),
        "other": (0, 0),
        "pending": (1, 1),
    }
    assert (digest.period_start, digest.period_end) == (START, END)


def test_digest_count_by_kind_counts_untagged_and_unknown_as_pending() -> None:
    counts = count_by_kind([insight(1), insight(2, kind=None), insight(3, kind="nonsense")])
    assert counts["problem"] == 1 and counts["pending"] == 2 and sum(counts.values()) == 3


@pytest.mark.parametrize(("people", "quotes"), [(1, 0), (2, 0), (3, 2), (5, 2)])
def test_digest_small_group_rule_hides_quotes_of_fewer_than_three_anonymous_reporters(people: int, quotes: int) -> None:
    members = [insight(i, f"Le VPN tombe, encore {i}", anonymous=True, reporter=f"p{i % people}") for i in range(6)]
    digest = build_digest(members, {}, [theme("t1", "VPN pannes", members)], {}, [], [], START, END)
    [summary] = digest.themes
    assert summary.reporters == people
    assert len(summary.quotes) == quotes
    assert summary.quotes_withheld is (quotes == 0)


def test_digest_small_group_rule_counts_anonymous_insights_without_a_key_as_nobody() -> None:
    members = [insight(i, "VPN down again", anonymous=True, reporter=None) for i in range(5)]
    digest = build_digest(members, {}, [theme("t1", "VPN outages", members)], {}, [], [], START, END)
    assert digest.themes[0].quotes == () and digest.themes[0].quotes_withheld


def test_digest_small_mixed_theme_quotes_only_the_named_insights() -> None:
    members = [insight(1, "Nommé", anonymous=False), insight(2, "Anonyme", anonymous=True)]
    digest = build_digest(members, {}, [theme("t1", "machine à café", members)], {}, [], [], START, END)
    assert [q.insight_id for q in digest.themes[0].quotes] == [1]


def test_digest_quotes_are_the_most_voted_then_the_closest_with_their_permalinks() -> None:
    members = [insight(i, f"Retard de livraison n°{i}") for i in range(1, 6)]
    digest = build_digest(
        members,
        {},
        [theme("t1", "délais de livraison", members)],
        {"t1": ThemeTrend("t1", "growing", 2, ())},
        [],
        [],
        START,
        END,
        votes={4: 3},
        centrality={2: 0.9, 5: 0.5},
    )
    [summary] = digest.themes
    assert [q.insight_id for q in summary.quotes] == [4, 2]
    assert summary.quotes[0].permalink == members[3].permalink
    assert (summary.trend, summary.previous_size, summary.size, summary.reporters) == ("growing", 2, 5, 5)


def test_digest_themes_biggest_first_and_new_without_a_trend() -> None:
    small, big = [insight(1)], [insight(i) for i in range(2, 6)]
    digest = build_digest(
        small + big, {}, [theme("a", "petit", small), theme("b", "gros", big)], {}, [], [], START, END
    )
    assert [t.label for t in digest.themes] == ["gros", "petit"]
    assert {t.trend for t in digest.themes} == {"new"}


def test_digest_resolved_since_last_gives_the_running_euro_total() -> None:
    resolved = [
        insight(1, "On ressaisit chaque commande deux fois.", status="resolved", value_eur=1200.5),
        insight(2, "Nobody knows who approves quotes above 10k.", status="resolved"),
        insight(3, "Quatre signatures pour une note de 12 €.", status="resolved", value_eur=300.0),
    ]
    digest = build_digest([], {}, [], {}, [], resolved, START, END, value_before_eur=10_000.0)
    assert digest.resolved.value_eur == pytest.approx(1500.5)
    assert digest.resolved.running_value_eur == pytest.approx(11_500.5)
    assert [i.id for i in digest.resolved.items] == [1, 2, 3]


def test_digest_open_escalations_oldest_first_with_their_age_in_days() -> None:
    open_ones = [insight(i, escalated_at=END - timedelta(days=days, hours=1)) for i, days in [(1, 3), (2, 20), (3, 7)]]
    digest = build_digest([], {}, [], {}, open_ones, [], START, END)
    assert [(e.insight.id, e.age_days) for e in digest.open_escalations] == [(2, 20), (3, 7), (1, 3)]


def test_digest_escalated_this_period_once_from_every_source() -> None:
    this_week = insight(1, escalated_at=START + timedelta(days=1))
    older_open = insight(2, created_at=START - timedelta(days=9), escalated_at=START + timedelta(days=2))
    long_ago = insight(3, created_at=START - timedelta(days=30), escalated_at=START - timedelta(days=20))
    fixed = insight(4, status="resolved", escalated_at=START + timedelta(hours=3))
    digest = build_digest([this_week], {}, [], {}, [this_week, older_open, long_ago], [fixed], START, END)
    assert [i.id for i in digest.escalated] == [4, 1, 2]


def test_digest_signals_grouped_by_signal_with_subject() -> None:
    items = [
        insight(1, "Acme dropped their price by 15%.", signal="competitor", subject="Acme"),
        insight(2, "Le DSI de Leroy Merlin cherche un prestataire.", signal="lead", subject="Leroy Merlin"),
        insight(3, "Biocoop menace de partir.", signal="at_risk", subject="Biocoop"),
        insight(4, "Moulinex veut bien témoigner.", kind="success", signal="reference", subject="Moulinex"),
        insight(5, "Pas de signal ici."),
    ]
    digest = build_digest(items, {}, [], {}, [], [], START, END)
    assert [(g.signal, [i.subject for i in g.items]) for g in digest.signals] == [
        ("lead", ["Leroy Merlin"]),
        ("at_risk", ["Biocoop"]),
        ("reference", ["Moulinex"]),
        ("competitor", ["Acme"]),
    ]
    assert digest.signal_count == 4


def test_digest_successes_to_celebrate_most_voted_first_and_not_dismissed() -> None:
    items = [
        insight(1, "Support cleared the backlog in two days.", kind="success"),
        insight(2, "Signé avec Decathlon !", kind="success"),
        insight(3, "Pas de souci avec le nouveau transporteur.", kind="success", status="dismissed"),
        insight(4, "Le VPN tombe."),
    ]
    digest = build_digest(items, {}, [], {}, [], [], START, END, votes={2: 4})
    assert [i.id for i in digest.successes] == [2, 1]


def test_digest_keeps_no_reporter_key_in_what_it_shows() -> None:
    members = [insight(i, anonymous=True, reporter=f"secret-key-{i}") for i in range(4)]
    digest = build_digest(members, {}, [theme("t1", "x", members)], {}, [], [], START, END)
    shown = repr((digest.total, digest.by_kind, digest.themes))
    assert "secret-key" not in shown


def test_digest_a_week_of_10000_insights_builds_in_well_under_a_second() -> None:
    started = time.perf_counter()
    digest = big_week(10_000)
    assert time.perf_counter() - started < 3.0
    assert digest.total.count == 10_000
    assert len(digest.themes) == 200 and all(len(t.quotes) == 2 for t in digest.themes)
    assert len(digest.open_escalations) == 1000
