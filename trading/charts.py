"""Geometry of the statistics page's SVG charts (drawn by ``templates/charts.html``; no
chart library, nothing from a CDN). Made to read well with little data: bars keep a
modest width whatever their number, every bar carries its value as text, empty periods
stay on the axis (a zero is shown, not skipped), and no data says so in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gis.web.maps import land_use_colour
from trading.stats import Group

WIDTH = 680
LABEL_W, ROW, PAD = 150, 30, 24
COL_H, COL_MAX_W = 180, 46
METHOD_COLOURS = {"listing": "#2b83ba", "auction": "#d7191c", "tender": "#fdae61"}
WAN = Decimal(10000)


@dataclass(frozen=True)
class Bar:
    """One bar in SVG user units: ``x``/``y`` its top left corner, ``w``/``h`` its size."""

    x: float
    y: float
    w: float
    h: float
    label: str
    value: str
    note: str
    colour: str


def _wan(total: Decimal) -> str:
    return f"{(total / WAN).quantize(Decimal('0.01')):,.2f}"


def hbars(title: str, groups: list[Group], colours: list[str]) -> dict[str, Any]:
    """Horizontal bars of total price (万元), one row per group, labelled left, valued right."""
    top = max((g.total for g in groups), default=Decimal(0)) or Decimal(1)
    span = WIDTH - LABEL_W - 170
    bars = [
        Bar(
            LABEL_W,
            PAD + i * ROW,
            float(g.total / top) * span if g.total else 0.0,
            ROW * 0.62,
            g.label,
            f"{_wan(g.total)} 万元",
            f"{g.count} 宗 sales",
            colour,
        )
        for i, (g, colour) in enumerate(zip(groups, colours, strict=True))
    ]
    height = PAD * 2 + ROW * len(bars)
    return {"kind": "hbar", "title": title, "width": WIDTH, "height": height, "bars": bars}


def columns(title: str, groups: list[Group], colour: str) -> dict[str, Any]:
    """Vertical columns of sales count per period; the total (万元) is written above."""
    top = max((g.count for g in groups), default=0) or 1
    step = (WIDTH - 2 * PAD) / max(1, len(groups))
    width = min(COL_MAX_W, step * 0.7)
    bars = []
    for i, g in enumerate(groups):
        h = COL_H * g.count / top
        x = PAD + i * step + (step - width) / 2
        bars.append(Bar(x, PAD + COL_H - h, width, h, g.label, f"{g.count}", _wan(g.total), colour))
    return {
        "kind": "column",
        "title": title,
        "width": WIDTH,
        "height": COL_H + PAD * 2 + 30,
        "base": PAD + COL_H,
        "bars": bars,
    }


def summary_charts(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The four charts of the statistics page: by quarter, year, use and method."""
    uses = summary["by_use"]
    methods = summary["by_method"]
    return [
        columns(
            "每季度成交宗数 sales per quarter (宗 count; 万元 total)",
            summary["by_quarter"],
            "#2b83ba",
        ),
        hbars(
            "按年度成交总价 total by year",
            summary["by_year"],
            ["#4d9221"] * len(summary["by_year"]),
        ),
        hbars("按用途成交总价 total by land use", uses, [land_use_colour(g.key) for g in uses]),
        hbars(
            "按出让方式成交总价 total by method",
            methods,
            [METHOD_COLOURS.get(g.key, "#777") for g in methods],
        ),
    ]
