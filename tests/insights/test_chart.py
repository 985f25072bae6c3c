"""The themes chart: a PNG of a fixed size, whatever the number of themes."""

from __future__ import annotations

import struct

import pytest

from insights.digest.chart import HEIGHT_PX, MAX_SERIES, WIDTH_PX, theme_chart_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WEEKS = [f"2026-W{n:02d}" for n in range(40, 48)]


def pixel_size(png: bytes) -> tuple[int, int]:
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.mark.parametrize("themes", [0, 1, 3, MAX_SERIES + 4])
def test_chart_is_a_png_of_the_expected_size(themes: int) -> None:
    series = {f"thème {k} délais de livraison": [(k + w) % 7 for w in range(len(WEEKS))] for k in range(themes)}
    png = theme_chart_png(WEEKS, series, "Thèmes des 8 dernières semaines")
    assert png.startswith(PNG_SIGNATURE)
    assert pixel_size(png) == (WIDTH_PX, HEIGHT_PX)


def test_chart_with_one_week_and_labels_matplotlib_would_parse() -> None:
    png = theme_chart_png(["2026-W47"], {"prix $5 vs $x_1 \\o/ " + "long" * 40: [3]}, "Top themes $$")
    assert png.startswith(PNG_SIGNATURE) and pixel_size(png) == (WIDTH_PX, HEIGHT_PX)


def test_chart_is_deterministic() -> None:
    series = {"VPN outages": [1, 2, 3, 4, 5, 6, 7, 8]}
    assert theme_chart_png(WEEKS, series, "Top themes") == theme_chart_png(WEEKS, series, "Top themes")


def test_chart_refuses_a_series_that_does_not_match_the_weeks() -> None:
    with pytest.raises(ValueError, match="VPN"):
        theme_chart_png(WEEKS, {"VPN": [1, 2]}, "Top themes")
