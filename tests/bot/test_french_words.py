"""What French readers see (issue 12): real plural forms, no «?» or meaningless percentages, «n°28», one date
format, a period named by the days it covers, the chart's weeks by their ISO number."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.flows.digest import DigestPeriod, chart_weeks
from bot.i18n import plural, t
from bot.views.alert import alert_title
from bot.views.confirmation import tag_lines
from bot.views.digest import age, digest_blocks, digest_text
from bot.views.messages import mine_blocks
from insights.digest.build import build_digest
from insights.digest.chart import OFFSET, chart_plan
from models.read import InsightCard
from tests.support.digests import insight, theme


def card(**extra: Any) -> InsightCard:
    values: dict[str, Any] = dict(id=28, text="Le VPN tombe", status="open", anonymous=False, tagged=True)
    values.update(extra)
    return InsightCard(**values)


@pytest.mark.parametrize(
    ("n", "fr", "en"),
    [
        (1, "C'est noté : 1 personne est concernée par la pépite n°9.", "Noted: 1 person is concerned by insight #9."),
        (
            3,
            "C'est noté : 3 personnes sont concernées par la pépite n°9.",
            "Noted: 3 people are concerned by insight #9.",
        ),
    ],
)
def test_me_too_says_how_many_people_with_real_plurals(n: int, fr: str, en: str) -> None:
    assert plural("fr", "me_too_counted", n, id=9) == fr
    assert plural("en", "me_too_counted", n, id=9) == en


def test_alert_and_forget_say_real_plurals() -> None:
    assert alert_title("fr", 9, 1) == "Pépite n°9 remontée par 1 personne"
    assert alert_title("fr", 9, 3) == "Pépite n°9 remontée par 3 personnes"
    assert alert_title("en", 9, 1) == "Insight #9 escalated by 1 person"
    words = {"insights": plural("fr", "count_insights", 5), "votes": plural("fr", "count_votes", 1)}
    assert t("fr", "forget_done", **words) == "C'est fait : 5 pépites et 1 vote effacés."


def test_digest_counts_are_real_plurals_and_an_escalation_of_today_says_so() -> None:
    one = [insight(1, "Le VPN est tombé ce matin.", escalated_at=datetime(2026, 11, 22, tzinfo=UTC))]
    start, end = datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC)
    digest = build_digest(one, {}, [theme("t1", "VPN", one)], {}, [], [], start, end)
    text = str([b.to_dict() for b in digest_blocks(digest, "fr")])
    assert "*1 pépite* cette semaine" in text and "1 pépite · 1 personne" in text
    assert "1 pépites" not in text and "1 personnes" not in text
    assert digest_text(digest, "fr") == "Pépites : le résumé de la semaine (1 pépite)"
    assert age("fr", 0) == "ouverte aujourd'hui" and age("fr", 1) == "ouverte depuis 1 jour"
    assert age("fr", 12) == "ouverte depuis 12 jours" and age("en", 0) == "open since today"


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        (dict(kind="problem", kind_confidence=0.83, language="fr"), "*Type :* problème (83 %) · *Langue :* fr"),
        (dict(kind="idea", kind_confidence=1.0, kind_set_by="person", language="fr"), "*Type :* idée · *Langue :* fr"),
        (dict(kind="other", kind_confidence=0.0, language="fr"), "*Type :* autre · *Langue :* fr"),
        (dict(kind="problem", kind_confidence=0.6, language=None), "*Type :* problème (60 %)"),
    ],
)
def test_confirmation_tags_leave_out_what_means_nothing(extra: dict[str, Any], line: str) -> None:
    assert tag_lines(card(**extra), "fr")[0] == line


def test_mine_shows_the_insight_number_and_date_as_the_language_does() -> None:
    created = datetime(2026, 12, 4, 10, tzinfo=UTC)
    fr = str([b.to_dict() for b in mine_blocks("fr", [card(created_at=created)])])
    en = str([b.to_dict() for b in mine_blocks("en", [card(created_at=created)])])
    assert "*n°28*" in fr and "04/12/2026" in fr and "2026-12-04" not in fr and "#28" not in fr
    assert "*#28*" in en and "2026-12-04" in en


def test_a_week_from_friday_9am_is_named_by_its_seven_days() -> None:
    start, end = datetime(2026, 11, 27, 8, tzinfo=UTC), datetime(2026, 12, 4, 8, tzinfo=UTC)
    digest = build_digest([], {}, [], {}, [], [], start, end)
    title = digest_blocks(digest, "fr")[0].to_dict()["text"]["text"]
    assert title == "Pépites — semaine du 27/11/2026 au 03/12/2026"


def test_the_chart_names_the_current_week_by_its_iso_number() -> None:
    period = DigestPeriod(datetime(2026, 11, 27, 8, tzinfo=UTC), datetime(2026, 12, 4, 8, tzinfo=UTC), start_day())
    weeks = chart_weeks(period, "en")
    assert weeks[-1] == "W49" and weeks[-2] == "W48" and len(weeks) == 8
    assert chart_weeks(period, "fr")[-1] == "S49"


def start_day() -> Any:
    return datetime(2026, 11, 27).date()


def test_a_first_week_is_drawn_as_one_week_of_bars_not_seven_zeros() -> None:
    weeks = [f"W{n}" for n in range(42, 50)]
    plan = chart_plan(weeks, {"VPN": [0] * 7 + [4], "Colis": [0] * 7 + [2]})
    assert plan.weeks == ("W49",) and plan.bars
    later = chart_plan(weeks, {"VPN": [0] * 5 + [1, 2, 4]})
    assert later.weeks == ("W47", "W48", "W49") and not later.bars


def test_equal_lines_are_drawn_side_by_side() -> None:
    weeks = ["W47", "W48", "W49"]
    plan = chart_plan(weeks, {"VPN": [1, 2, 3], "Wifi": [1, 2, 3], "Colis": [3, 1, 0]})
    offsets = {label: offset for label, _, offset in plan.series}
    assert offsets["VPN"] != offsets["Wifi"] and abs(offsets["VPN"] - offsets["Wifi"]) == pytest.approx(OFFSET)
    assert offsets["Colis"] == 0.0
