"""The digest and signals posts: what they show, their controls, Block Kit limits at any size, escaping."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, HeaderBlock, OverflowMenuElement, SectionBlock

from bot import ids
from bot.views.digest import MAX_BLOCKS, digest_blocks, digest_text, signals_blocks, signals_text
from insights.digest.build import Digest, DigestInsight, build_digest
from insights.themes.trends import ThemeTrend
from tests.support.digests import END, HOSTILE, START, big_week, insight, theme

CONTROLS = [
    ids.ACTION_ME_TOO,
    ids.ACTION_ACKNOWLEDGE,
    ids.ACTION_ASSIGN,
    ids.ACTION_RESOLVE,
    ids.ACTION_DISMISS,
    ids.ACTION_REPLY,
]
MORE_URL = "https://acme.slack.com/app_redirect?app=A1&tab=home"


def assert_valid_message(blocks: list[Block]) -> list[dict[str, Any]]:
    """Every limit Slack enforces on a message, including the ones slack_sdk does not check."""
    assert 0 < len(blocks) <= MAX_BLOCKS
    dicts = [block.to_dict() for block in blocks]  # raises SlackObjectFormationError past a checked limit
    block_ids = [d["block_id"] for d in dicts if "block_id" in d]
    assert len(block_ids) == len(set(block_ids))
    for d in dicts:
        if d["type"] == "section":
            assert len(d["text"]["text"]) <= 3000
            assert len(d.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in d.get("fields", []))
        if d["type"] == "actions":
            assert len(d["elements"]) <= 25
            assert all(len(e["text"]["text"]) <= 75 for e in d["elements"] if e["type"] == "button")
        if d["type"] == "context":
            assert len(d["elements"]) <= 10
    return dicts


def rendered(blocks: list[Block]) -> str:
    return json.dumps(assert_valid_message(blocks), ensure_ascii=False)


def controls_of(blocks: list[Block]) -> dict[int, list[str]]:
    """Insight id → the actions each digest item's controls stand for (a button's, each menu option's)."""
    found: dict[int, list[str]] = {}
    for block in blocks:
        if isinstance(block, ActionsBlock) and block.block_id:
            insight_id = ids.insight_id_of_block(block.block_id)
            assert insight_id is not None
            actions: list[str] = []
            for element in block.elements:
                if isinstance(element, OverflowMenuElement):
                    for option in element.options:
                        picked = {"action_id": element.action_id, "selected_option": {"value": option.value}}
                        assert ids.insight_id_of(picked) == insight_id
                        actions.append(ids.chosen_action(picked))
                else:
                    actions.append(str(element.action_id))  # type: ignore[attr-defined]
            found[insight_id] = actions
            assert {e.value for e in block.elements if isinstance(e, ButtonElement)} == {str(insight_id)}
    return found


def week(value_before: float = 0.0) -> Digest:
    """A small, full week: a theme, an escalation, a signal, a success, a fix, an old open escalation."""
    vpn = [insight(i, f"Le VPN est encore tombé ce matin ({i}).", reporter=f"p{i}") for i in (1, 2, 3)]
    escalated = insight(4, "Trois clients ont appelé pour des colis abîmés.", escalated_at=START + timedelta(days=1))
    lead = insight(
        5, "Le DSI de Leroy Merlin cherche un prestataire.", kind="idea", signal="lead", subject="Leroy Merlin"
    )
    win = insight(6, "Signé avec Decathlon grâce à la démo de Léa !", kind="success")
    old = insight(7, "Nobody knows who approves quotes.", kind="dysfunction", escalated_at=START - timedelta(days=20))
    fixed = insight(8, "On ressaisit chaque commande deux fois.", status="resolved", value_eur=1500.0)
    this_week = [*vpn, escalated, lead, win]
    return build_digest(
        this_week,
        {"problem": 2, "success": 2},
        [theme("t1", "VPN pannes", vpn)],
        {"t1": ThemeTrend("t1", "growing", 1, ())},
        [escalated, old],
        [fixed],
        START,
        END,
        value_before_eur=20_000.0,
    )


@pytest.mark.parametrize(
    ("lang", "title", "headline"),
    [
        ("fr", "Pépites — semaine du 16/11/2026 au 22/11/2026", "*6 pépites* cette semaine (+2 par rapport"),
        ("en", "Pépites — week of 2026-11-16 to 2026-11-22", "*6 insights* this week (+2 vs last week)"),
    ],
)
def test_views_digest_header_and_headline_with_deltas(lang: str, title: str, headline: str) -> None:
    blocks = digest_blocks(week(), lang)
    assert isinstance(blocks[0], HeaderBlock) and blocks[0].text.text == title  # type: ignore[union-attr]
    assert isinstance(blocks[1], SectionBlock) and headline in str(blocks[1].text.text)  # type: ignore[union-attr]
    fields = [f.text for f in blocks[1].fields or []]
    assert any("4 (+2)" in f for f in fields) and any("1 (−1)" in f for f in fields)
    assert digest_text(week(), lang)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_views_digest_every_item_carries_me_too_and_one_menu(lang: str) -> None:
    blocks = digest_blocks(week(), lang)
    controls = controls_of(blocks)
    # theme quotes 1 and 2 (votes tie: lowest ids), escalated 4, signal 5, open escalations 4 and 7.
    assert {1, 2, 4, 5, 7} <= set(controls)
    assert all(actions == CONTROLS for actions in controls.values())
    for block in blocks:
        if isinstance(block, ActionsBlock) and ids.insight_id_of_block(str(block.block_id)):
            kinds = [type(e) for e in block.elements]
            assert kinds == [ButtonElement, OverflowMenuElement]  # "me too", then the managers' one menu
    assert 6 not in controls and 8 not in controls  # successes and fixes are told, not acted on
    assert_valid_message(blocks)


@pytest.mark.parametrize(
    ("lang", "money"),
    [("fr", "1\u202f500 € cette semaine, 21\u202f500 € au total"), ("en", "€1,500 this week, €21,500 in all")],
)
def test_views_digest_you_said_we_did_shows_the_euro_total(lang: str, money: str) -> None:
    text = rendered(digest_blocks(week(), lang))
    assert money in text
    assert "On ressaisit chaque commande deux fois." in text


def test_views_digest_open_escalations_oldest_first() -> None:
    open_ones = [
        insight(i, f"escalade {i}", escalated_at=END - timedelta(days=d)) for i, d in [(1, 2), (2, 30), (3, 9)]
    ]
    digest = build_digest([], {}, [], {}, open_ones, [], START, END)
    text = rendered(digest_blocks(digest, "en"))
    text = text[text.index("Open escalations") :]
    assert text.index("escalade 2") < text.index("escalade 3") < text.index("escalade 1")
    assert "open for 30 d" in text


@pytest.mark.parametrize(("people", "quoted"), [(2, False), (3, True)])
def test_views_digest_small_anonymous_theme_shows_no_quote(people: int, quoted: bool) -> None:
    members = [insight(i, f"Mon manager me parle mal {i}", anonymous=True, reporter=f"p{i % people}") for i in range(4)]
    digest = build_digest(members, {}, [theme("t1", "management", members)], {}, [], [], START, END)
    text = rendered(digest_blocks(digest, "fr"))
    assert ("Mon manager me parle mal" in text) is quoted
    assert ("Citations masquées" in text) is not quoted


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("more_url", [None, MORE_URL])
def test_views_digest_a_10000_insight_week_still_fits_one_message(lang: str, more_url: str | None) -> None:
    digest = big_week(10_000)
    text = rendered(digest_blocks(digest, lang, more_url=more_url))
    more, thousand, signals = ("de plus", "1\u202f000", "3\u202f330") if lang == "fr" else ("more", "1,000", "3,330")
    # 1,000 escalated and open (3 shown each), 3,333 signals (3 shown), 200 themes (3 with quotes).
    assert f"997 {more}" in text and f"{signals} {more}" in text
    assert "(200)" in text and f"({thousand})" in text
    assert ("app_redirect" in text) is (more_url is not None)
    assert ("/insight search" in text) is (more_url is None)  # without a link, it says where the rest is
    assert "pepites export" not in text  # people read this in Slack, not in a terminal


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_views_signals_a_10000_insight_week_still_fits_one_message(lang: str) -> None:
    digest = big_week(10_000)
    blocks = signals_blocks(digest, lang, more_url=MORE_URL)
    assert_valid_message(blocks)
    assert len(controls_of(blocks)) == 20  # five per signal
    assert all(actions == [ids.ACTION_ME_TOO] for actions in controls_of(blocks).values())  # no manager's menu
    assert signals_text(digest, lang)


def test_views_digest_shows_each_kind_of_signal_before_a_second_of_any() -> None:
    items = [insight(i, f"lead {i}", signal="lead", subject=f"Prospect {i}") for i in range(1, 6)]
    items.append(insight(9, "Biocoop menace de partir.", signal="at_risk", subject="Biocoop"))
    blocks = digest_blocks(build_digest(items, {}, [], {}, [], [], START, END), "fr")
    assert list(controls_of(blocks)) == [1, 9, 2]


def test_views_signals_grouped_by_signal_with_subject_and_controls() -> None:
    items = [
        insight(1, "Acme dropped their price by 15%.", signal="competitor", subject="Acme"),
        insight(2, "Biocoop menace de passer chez un concurrent.", signal="at_risk", subject="Biocoop"),
    ]
    digest = build_digest(items, {}, [], {}, [], [], START, END)
    blocks = signals_blocks(digest, "fr")
    text = rendered(blocks)
    assert text.index("client à risque") < text.index("concurrent") and "*Biocoop*" in text
    assert set(controls_of(blocks)) == {1, 2}


@pytest.mark.parametrize(("lang", "status"), [("fr", "_résolue_"), ("en", "_resolved_")])
def test_views_digest_a_resolved_escalation_shows_its_status_and_no_controls(lang: str, status: str) -> None:
    done = insight(4, "Colis abîmés chez Biocoop.", status="resolved", escalated_at=START + timedelta(days=1))
    digest = build_digest([done], {}, [], {}, [], [], START, END)
    blocks = digest_blocks(digest, lang)
    text = rendered(blocks)
    assert status in text and "Colis abîmés" in text
    assert 4 not in controls_of(blocks)


def test_views_digest_numbers_insights_as_the_language_does() -> None:
    escalated = insight(28, "Colis abîmés.", escalated_at=START + timedelta(days=1))
    digest = build_digest([escalated], {}, [], {}, [], [], START, END)
    assert "*n°28*" in rendered(digest_blocks(digest, "fr")) and "#28" not in rendered(digest_blocks(digest, "fr"))
    assert "*#28*" in rendered(digest_blocks(digest, "en"))


def test_views_signals_a_week_without_signal_says_so() -> None:
    digest = build_digest([insight(1)], {}, [], {}, [], [], START, END)
    assert "Aucun signal client" in rendered(signals_blocks(digest, "fr"))


def test_views_digest_quotes_the_first_lines_of_a_text_of_a_thousand_lines() -> None:
    text = "Première ligne\n" + "\n".join(f"ligne {n} " + "&<>" * 300 for n in range(1000))
    escalated = insight(1, text, escalated_at=START + timedelta(hours=2))
    rendered_text = rendered(digest_blocks(build_digest([escalated], {}, [], {}, [escalated], [], START, END), "fr"))
    assert "> Première ligne" in rendered_text and "ligne 999" not in rendered_text


def test_views_digest_a_quiet_week_says_so() -> None:
    digest = build_digest([], {}, [], {}, [], [], START, END)
    assert "A quiet week" in rendered(digest_blocks(digest, "en"))


def hostile_week() -> Digest:
    bad = {"permalink": "https://evil|safe>", "subject": HOSTILE, "signal": "lead"}
    items: list[DigestInsight] = [
        insight(i, HOSTILE, reporter=f"p{i}", escalated_at=START + timedelta(hours=i), **bad) for i in range(1, 4)
    ]
    items.append(insight(4, HOSTILE, kind="success", status="open", permalink="javascript:alert(1)"))
    items.append(insight(5, HOSTILE, kind=HOSTILE, signal=HOSTILE, status=HOSTILE))
    resolved = [insight(6, HOSTILE, status="resolved", value_eur=10.0)]
    themes = [theme("t1", HOSTILE, items[:3]), *(theme(f"t{k}", HOSTILE, [items[3]]) for k in range(2, 7))]
    return build_digest(items, {}, themes, {}, items[:3], resolved, START, END)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_views_digest_hostile_text_never_survives(lang: str) -> None:
    digest = hostile_week()
    for blocks in (
        digest_blocks(digest, lang, more_url="https://x.example/|<!channel>"),
        signals_blocks(digest, lang, more_url="https://x.example/>"),
    ):
        text = rendered(blocks)
        for token in (
            "<!channel>",
            "<@U1>",
            "<!here>",
            "<!subteam",
            "javascript:",
            "<https://evil|safe>>",
        ):
            assert token not in text
        # Slack's own tokens as plain words that ping nobody; the link Slack sent stays the link it was.
        assert "@channel" in text and "@here" in text


def test_views_digest_block_ids_name_the_insight() -> None:
    block_id = ids.digest_item_block_id("open", 42)
    assert ids.insight_id_of_block(block_id) == 42
    assert ids.insight_id_of_block("insight-42") is None
    assert ids.insight_id_of_block("digest_item:open:x") is None


def test_views_digest_lists_of_long_links_keep_whole_lines_and_count_the_rest() -> None:
    """Five resolved insights whose permalinks are 900 characters long do not fit one section: the lines that
    fit are shown whole (a cut inside a link would leave a broken ``<https://…`` token), the rest counted."""
    long_link = "https://acme.slack.com/archives/C1/p" + "1" * 864
    fixed = [insight(i, f"Corrigé n°{i}.", status="resolved", permalink=long_link) for i in range(1, 6)]
    digest = build_digest([], {}, [], {}, [], fixed, START, END, value_before_eur=0.0)
    [section] = [
        b for b in digest_blocks(digest, "fr") if isinstance(b, SectionBlock) and "Corrigé" in str(b.text.text)
    ]
    text = str(section.text.text)
    assert len(text) <= 3000 and text.count("<https://") == text.count(">") == 3
    assert "Corrigé n°3." in text and "Corrigé n°4." not in text and "… et 2 de plus." in text
