"""The App Home tab: what a person and a manager see, the managers' controls, limits at any size, escaping."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import ActionsBlock, ButtonElement
from slack_sdk.models.views import View

from bot import ids
from bot.i18n import MESSAGES
from bot.views.home import (
    MAX_BLOCKS,
    ManagerHome,
    channel_mention,
    home_view,
    user_mention,
)
from models.home import HomeEscalation, HomeTheme
from models.read import InsightCard

HOSTILE = "<!channel> <@U1ABC> <https://evil.example|looks safe> <!here> <!everyone> & <!subteam^S1ABC>"
# Settings values keep exact-id mentions (what channel_mention/user_mention build), so their hostile text
# carries a labelled one, which is not.
HOSTILE_SETTING = HOSTILE.replace("<@U1ABC>", "<@U1ABC|boss>")
CONTROLS = [
    ids.ACTION_ACKNOWLEDGE,
    ids.ACTION_ASSIGN,
    ids.ACTION_RESOLVE,
    ids.ACTION_DISMISS,
    ids.ACTION_REPLY,
    ids.ACTION_ME_TOO,
]
CREATED = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)
# A < or > that is not an entity: only quote marks, the links the view builds and the mentions it allows.
# The insights' own links, the channels and people the view names, and the link Slack sent in HOSTILE.
ALLOWED_TOKENS = re.compile(
    r"(?m)^> |<https://acme\.slack\.com/archives/C1/p\d+\|[^<>]*>|<#C[A-Z0-9]+>|<@U[A-Z0-9]+>"
    r"|<https://evil\.example\|looks safe>"
)


def card(id: int, text: str = "Les colis arrivent abîmés chez Biocoop.", **fields: Any) -> InsightCard:
    values: dict[str, Any] = {
        "status": "open",
        "anonymous": False,
        "kind": "problem",
        "permalink": f"https://acme.slack.com/archives/C1/p{1000 + id}",
        "created_at": CREATED,
    }
    values.update(fields)
    return InsightCard(id=id, text=text, **values)


def manager_home(**fields: Any) -> ManagerHome:
    values: dict[str, Any] = {
        "escalations": [
            HomeEscalation(card(21, "Nobody knows who approves quotes.", kind="dysfunction"), votes=4, age_days=3),
            HomeEscalation(card(20, "Le VPN tombe tous les matins.", status="acknowledged"), votes=6, age_days=12),
        ],
        "escalations_total": 2,
        "themes": [HomeTheme("VPN pannes", size=14, reporters=9, trend="growing")],
        "themes_total": 1,
        "settings": [
            ("Canal du résumé", channel_mention("C0123ABC")),
            ("Managers", ", ".join(user_mention(u) for u in ("U0AAA111", "W0BBB222"))),
            ("Jour du résumé", "lundi, 09:00 (Europe/Paris)"),
        ],
        "value_eur_total": 21_500.0,
    }
    values.update(fields)
    return ManagerHome(**values)


def valid(view: View) -> dict[str, Any]:
    """Every limit Slack enforces on a Home view, including the ones slack_sdk does not check."""
    assert isinstance(view, View)
    d = view.to_dict()  # raises SlackObjectFormationError past a checked limit
    assert d["type"] == "home"
    assert "private_metadata" not in d and "title" not in d and "submit" not in d and "close" not in d
    assert 0 < len(d["blocks"]) <= MAX_BLOCKS == 100
    block_ids = [b["block_id"] for b in d["blocks"] if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))
    for b in d["blocks"]:
        if b["type"] == "header":
            assert 0 < len(b["text"]["text"]) <= 150
        if b["type"] == "section":
            assert "text" in b or "fields" in b
            if "text" in b:
                assert 0 < len(b["text"]["text"]) <= 3000
            assert len(b.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in b.get("fields", []))
        if b["type"] == "actions":
            assert len(b["elements"]) <= 25
            assert all(len(e["text"]["text"]) <= 75 for e in b["elements"] if e["type"] == "button")
        if b["type"] == "context":
            assert 0 < len(b["elements"]) <= 10
            assert all(len(e["text"]) <= 3000 for e in b["elements"])
    return d


def texts(d: dict[str, Any]) -> list[str]:
    """Every mrkdwn/plain text of the view (sections, their fields, contexts, headers)."""
    found: list[str] = []
    for b in d["blocks"]:
        if "text" in b:
            found.append(b["text"]["text"])
        found += [f["text"] for f in b.get("fields", [])]
        if b["type"] == "context":
            found += [e["text"] for e in b["elements"]]
    return found


def rendered(view: View) -> str:
    return "\n".join(texts(valid(view)))


def assert_no_raw_control(text: str) -> None:
    """No broadcast, mention, subteam or link survives except the ones the view builds itself."""
    rest = ALLOWED_TOKENS.sub("", text)
    assert "<" not in rest and ">" not in rest, rest[:500]
    for token in ("<!channel>", "<!here>", "<!everyone>", "<!subteam", "<@U1ABC>", "<https://evil.example|https"):
        assert token not in text


def controls_of(view: View) -> dict[int, list[str]]:
    """Insight id → the action ids of its controls, read back from the block id as the listener does."""
    found: dict[int, list[str]] = {}
    for block in view.blocks or []:
        if isinstance(block, ActionsBlock):
            assert block.block_id
            insight_id = ids.insight_id_of_block(block.block_id)
            assert insight_id is not None
            found[insight_id] = [str(e.action_id) for e in block.elements]  # type: ignore[union-attr]
            assert {e.value for e in block.elements if isinstance(e, ButtonElement)} == {str(insight_id)}
    return found


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_person_with_no_insight_is_told_how_to_share_one(lang: str) -> None:
    view = home_view(lang, [], 0, None)
    text = rendered(view)
    assert MESSAGES[lang]["home_mine_empty"] in text
    assert ("`/insight &lt;texte&gt;`" if lang == "fr" else "`/insight &lt;text&gt;`") in text  # shows as <texte>
    assert_no_raw_control(text)
    assert not controls_of(view)
    assert MESSAGES[lang]["home_manager_title"] not in text


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_person_with_three_insights_sees_them_with_their_statuses(lang: str) -> None:
    mine = [
        card(3, f"Les clients disent {HOSTILE} à chaque livraison.", status="open"),
        card(2, "Signé avec Decathlon grâce à la démo de Léa !", kind="success", status="resolved", anonymous=True),
        card(1, "Idée : un chatbot pour les devis", kind=None, status="acknowledged", permalink=None),
    ]
    view = home_view(lang, mine, 3, None)
    text = rendered(view)
    statuses = {"fr": ("ouverte", "résolue", "prise en compte"), "en": ("open", "resolved", "acknowledged")}
    kinds = {"fr": ("problème", "succès", "en analyse"), "en": ("problem", "success", "being read")}
    for word in (*statuses[lang], *kinds[lang]):
        assert word in text
    for number in (1, 2, 3):  # «n°1» in French, "#1" in English
        assert (f"*n°{number}*" if lang == "fr" else f"*#{number}*") in text
    assert ("18/11/2026" if lang == "fr" else "2026-11-18") in text
    assert MESSAGES[lang]["home_anonymous"] in text
    # Stored as Slack sent it, shown readable: broadcasts and people as plain words, Slack's link as a link.
    assert "@channel" in text and "@U1ABC" in text and "<https://evil.example|looks safe>" in text
    assert "<https://acme.slack.com/archives/C1/p1003|" in text  # the insight's own link
    assert "p1001" not in text  # no permalink, no link
    assert MESSAGES[lang]["home_mine"].format(count=3) in text
    assert "/insight mine" not in text  # nothing hidden
    assert MESSAGES[lang]["home_mine_empty"] not in text
    assert not controls_of(view)
    assert_no_raw_control(text)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_more_insights_than_shown_point_to_insight_mine(lang: str) -> None:
    mine = [card(i) for i in range(40, 10, -1)]
    text = rendered(home_view(lang, mine, 57, None))
    n = "n°" if lang == "fr" else "#"
    assert f"*{n}40*" in text and f"*{n}31*" in text and f"*{n}30*" not in text  # the 10 newest
    assert MESSAGES[lang]["home_mine_more"].format(count=47) in text
    assert "`/insight mine`" in text


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_manager_sees_escalations_with_controls_themes_settings_and_the_total(lang: str) -> None:
    view = home_view(lang, [card(5)], 1, manager_home())
    d = valid(view)
    text = "\n".join(texts(d))
    assert MESSAGES[lang]["home_manager_title"] in text
    # Oldest escalation first, each followed by its controls, whose block id names the insight.
    n = "n°" if lang == "fr" else "#"
    assert text.index(f"*{n}20*") < text.index(f"*{n}21*")
    assert controls_of(view) == {20: CONTROLS, 21: CONTROLS}
    types = [b["type"] for b in d["blocks"]]
    first = next(i for i, b in enumerate(d["blocks"]) if f"*{n}20*" in b.get("text", {}).get("text", ""))
    assert types[first + 1] == "actions" and ids.insight_id_of_block(d["blocks"][first + 1]["block_id"]) == 20
    assert all(ids.BLOCK_DIGEST_ITEM in b["block_id"] for b in d["blocks"] if b["type"] == "actions")
    votes = "remontée par 6 personnes" if lang == "fr" else "escalated by 6 people"
    assert votes in text and ("depuis 12 jours" if lang == "fr" else "for 12 days") in text
    assert ("prise en compte" if lang == "fr" else "acknowledged") in text
    # This week's themes.
    assert "*VPN pannes*" in text and "14" in text and "9" in text
    assert ("📈 en hausse" if lang == "fr" else "📈 growing") in text
    # The settings keep the mentions built by the caller.
    assert "<#C0123ABC>" in text and "<@U0AAA111>, <@W0BBB222>" in text
    assert "*Jour du résumé*\nlundi, 09:00 (Europe/Paris)" in text
    assert "`/insight config`" in text
    # The running total.
    assert ("21\u202f500 €" if lang == "fr" else "€21,500") in text


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_manager_with_nothing_open_sees_empty_states(lang: str) -> None:
    view = home_view(
        lang,
        [],
        0,
        manager_home(escalations=[], escalations_total=0, themes=[], themes_total=0, settings=[], value_eur_total=0.0),
    )
    text = rendered(view)
    for key in ("home_escalations_none", "home_themes_none", "home_settings_none", "home_mine_empty"):
        assert MESSAGES[lang][key] in text
    assert not controls_of(view)
    assert MESSAGES[lang]["home_value_total"].format(total="0 €" if lang == "fr" else "€0") in text


def test_an_escalation_listed_twice_shows_once() -> None:
    twice = HomeEscalation(card(9), votes=3, age_days=2)
    view = home_view("fr", [], 0, manager_home(escalations=[twice, twice], escalations_total=2))
    valid(view)  # block ids stay unique
    assert list(controls_of(view)) == [9]


def test_settings_values_are_escaped_except_built_mentions() -> None:
    settings = [
        ("Fuseau <!channel>", HOSTILE_SETTING),
        ("Canal", channel_mention("<!channel>")),
        ("Pas une mention", "&lt;@U0AAA111&gt;"),
        ("Libellé\navec *saut*", "<#C0123ABC|général> <@U0AAA111|bob> " + "x" * 3000),
    ]
    text = rendered(home_view("en", [], 0, manager_home(settings=settings)))
    assert_no_raw_control(text)
    assert "&lt;!channel&gt;" in text and "&amp;lt;" not in text  # channel_mention's fallback is not escaped twice
    assert "<@U0AAA111>" not in text  # an escaped mention never turns back into one
    assert "&lt;#C0123ABC|général&gt;" in text  # a labelled token is not what channel_mention builds
    assert "&lt;@U1ABC|boss&gt;" in text and "&lt;https://evil.example|looks safe&gt;" in text
    assert "*Fuseau &lt;!channel&gt;*" in text and "*Libellé avec *saut**" in text
    assert "x" * 400 in text and "x" * 600 not in text  # a long value is bounded


def test_settings_values_may_combine_mentions_with_words() -> None:
    value = f"{channel_mention('C0123ABC')} (chaque lundi & jeudi) · {user_mention('U0AAA111')}"
    text = rendered(home_view("fr", [], 0, manager_home(settings=[("Canal", value)])))
    assert "<#C0123ABC> (chaque lundi &amp; jeudi) · <@U0AAA111>" in text


def test_mention_helpers_accept_only_slack_ids() -> None:
    assert channel_mention("C0123ABC") == "<#C0123ABC>"
    assert channel_mention("G0123ABC") == "<#G0123ABC>"
    assert user_mention("U0123ABC") == "<@U0123ABC>"
    assert user_mention("W0123ABC") == "<@W0123ABC>"
    for bad in ("<!channel>", "C0123ABC>", "c0123abc", "C0123ABC\n", "C1", "U0123ABC", "C0123|x", ""):
        assert "<" not in channel_mention(bad).replace("&lt;", "")
        assert channel_mention(bad) != f"<#{bad}>"
    assert user_mention("<!here>") == "&lt;!here&gt;"
    assert user_mention("C0123ABC") == "C0123ABC"
    assert user_mention("U0123ABC\n") != "<@U0123ABC\n>"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_thousand_of_everything_with_hostile_texts_still_fits(lang: str) -> None:
    long = (HOSTILE + "\n" + "é&<>" * 300 + "\n") * 8
    assert len(long) >= 5000
    mine = [
        card(i, long[:5000], kind=f"<!here>{i}" if i % 7 == 0 else "problem", status=f"<@U1ABC>{i % 3}")
        for i in range(1, 1001)
    ]
    hostile_url = "https://acme.slack.com/archives/C1/p1?" + "&" * 990
    escalations = [
        HomeEscalation(card(10_000 + i, long[:5000], permalink=hostile_url), votes=i, age_days=i % 97)
        for i in range(1000)
    ]
    themes = [
        HomeTheme(long[:5000], size=i, reporters=i % 50, trend="<!channel>" if i % 2 else "new") for i in range(1000)
    ]
    hostile_setting = (HOSTILE_SETTING + "\n" + "é&<>" * 300 + "\n") * 8
    settings = [(hostile_setting[:5000], hostile_setting[:5000] + " <#C0123ABC> " * 300) for _ in range(1000)]
    manager = ManagerHome(escalations, 1000, themes, 1000, settings, value_eur_total=float("inf"))
    view = home_view(lang, mine, 1000, manager)
    d = valid(view)
    assert len(d["blocks"]) <= 100
    text = "\n".join(texts(d))
    assert_no_raw_control(text)
    assert len(controls_of(view)) == 10
    oldest = sorted(escalations, key=lambda e: -e.age_days)[:10]
    assert set(controls_of(view)) == {e.card.id for e in oldest}
    assert MESSAGES[lang]["home_mine_more"].format(count="990") in text
    assert text.count(MESSAGES[lang]["home_more"].format(count="990")) == 2  # escalations and themes
    assert MESSAGES[lang]["home_more"].format(count="980") in text  # settings: 20 shown
    json.dumps(d)


def test_an_unknown_language_falls_back_to_french() -> None:
    assert rendered(home_view("de", [], 0, None)) == rendered(home_view("fr", [], 0, None))
