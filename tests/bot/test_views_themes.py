"""Managers' theme controls: a menu on each theme of the digest (none on « autres »), a move menu on each quote,
short forms and a confirmation with "Undo", labels escaped (issue 11)."""

from __future__ import annotations

import json

import pytest

from bot import ids
from bot.views.digest import digest_blocks
from bot.views.themes import (
    ThemeContext,
    confirmation_blocks,
    merge_modal,
    move_modal,
    parse_menu,
    rename_modal,
)
from insights.digest.build import build_digest
from insights.themes.trends import ThemeTrend
from insights.themes.weekly import OTHERS_KEY
from tests.bot.test_views_digest import assert_valid_message
from tests.support.digests import END, START, insight, theme


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_views_themes_digest_themes_carry_the_menu_and_quotes_the_move(lang: str) -> None:
    vpn = [insight(i, f"Le VPN est encore tombé ({i}).", reporter=f"p{i}") for i in (1, 2, 3)]
    rest = [insight(i, f"Autre chose ({i}).", reporter=f"p{i}") for i in (4, 5)]
    digest = build_digest(
        [*vpn, *rest],
        {},
        [theme("th-abc", "VPN <!channel>", vpn), theme(OTHERS_KEY, "autres", rest)],
        {"th-abc": ThemeTrend("th-abc", "growing", 1, ())},
        [],
        [],
        START,
        END,
    )
    dicts = assert_valid_message(digest_blocks(digest, lang))
    menus = [d for d in dicts if (d.get("accessory") or {}).get("action_id") == ids.ACTION_THEME_MENU]
    [menu] = menus  # « autres » has none
    assert menu["block_id"] == "theme:digest:th-abc" and "&lt;!channel&gt;" in menu["text"]["text"]
    values = [o["value"] for o in menu["accessory"]["options"]]
    assert values == [f"{verb}:th-abc" for verb in ids.THEME_VERBS]
    assert [parse_menu(v) for v in values][0] == ("rename", "th-abc") and parse_menu("drop:th-abc") is None
    moves = [
        d["accessory"]["options"][0]["value"]
        for d in dicts
        if (d.get("accessory") or {}).get("action_id") == ids.ACTION_THEME_INSIGHT_MENU
    ]
    assert moves and all(v.startswith("move:") for v in moves)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_views_themes_forms_and_confirmation(lang: str) -> None:
    context = ThemeContext(theme_key="th-abc", response_url="https://hooks.slack.com/x")
    assert ThemeContext.loads(context.dumps()) == context and ThemeContext.loads("{nope") is None
    hostile = "VPN <@U123> & co " + "x" * 200
    for view in (
        rename_modal(lang, hostile, context),
        merge_modal(lang, hostile, [("th-b", hostile)], context),
        merge_modal(lang, hostile, [], context),
        move_modal(lang, context, target_label=hostile),
        move_modal(lang, ThemeContext(insight_id=7), choices=[("th-b", "Notes de frais")]),
    ):
        view.validate_json()
        assert len(view.title.text) <= 24  # type: ignore[union-attr]
    blocks = confirmation_blocks(lang, "theme_renamed", {"label": "<!here> VPN"}, 12)
    text = json.dumps([b.to_dict() for b in blocks])
    assert "&lt;!here&gt;" in text and '"value": "12"' in text and ids.ACTION_THEME_UNDO in text
    assert len(confirmation_blocks(lang, "theme_gone", {}, None)) == 1
