"""Small SVG bar charts drawn here (no chart library, nothing from a CDN)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from html import escape
from typing import Any

from gis.web.maps import land_use_colour

WIDTH, HEIGHT, PAD = 720, 260, 40


def bars(
    title: str, labels: list[str], values: list[Decimal], colours: list[str], unit: str
) -> str:
    """A vertical bar chart as an <svg> element; each bar has a <title> with its value."""
    if not values:
        return f"<h2>{escape(title)}</h2><p>暂无数据 no data</p>"
    top = max(values) or Decimal(1)
    step = (WIDTH - 2 * PAD) / len(values)
    parts = [
        f'<svg class="chart" width="{WIDTH}" height="{HEIGHT + 40}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{PAD}" y1="{HEIGHT}" x2="{WIDTH - PAD}" y2="{HEIGHT}" stroke="#333"/>',
    ]
    for i, (label, value, colour) in enumerate(zip(labels, values, colours, strict=True)):
        h = float(value / top) * (HEIGHT - PAD)
        x = PAD + i * step + step * 0.1
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{HEIGHT - h:.1f}" width="{step * 0.8:.1f}" '
            f'height="{h:.1f}" fill="{colour}"><title>{escape(label)}: {value} {escape(unit)}'
            "</title></rect>"
        )
        parts.append(
            f'<text x="{x + step * 0.4:.1f}" y="{HEIGHT + 16}" font-size="11" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append(f'<text x="{PAD}" y="14" font-size="12">max {top} {escape(unit)}</text></svg>')
    return f"<h2>{escape(title)}</h2>" + "".join(parts)


def monthly_chart(rows: list[dict[str, Any]]) -> str:
    """Number of sales per month (all classes)."""
    by_month: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        by_month[r["month"]] += r["count"]
    months = sorted(by_month)
    return bars(
        "每月成交宗数 sales per month",
        months,
        [by_month[m] for m in months],
        ["#2b83ba"] * len(months),
        "sales",
    )


def class_chart(rows: list[dict[str, Any]]) -> str:
    """Total price per first-level land-use class, in 10,000 yuan (万元)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    names: dict[str, str] = {}
    for r in rows:
        totals[r["land_class"]] += Decimal(r["total_price"])
        names[r["land_class"]] = f"{r['land_class']} {r['land_class_zh']}"
    classes = sorted(totals)
    return bars(
        "按用途成交总价 total price by land use (万元)",
        [names[c] for c in classes],
        [(totals[c] / 10000).quantize(Decimal("0.01")) for c in classes],
        [land_use_colour(c) for c in classes],
        "万元",
    )


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "<tr><th>月份 month</th><th>用途 class</th><th>宗数 count</th><th>面积 area m²</th>"
        "<th>总价 total ¥</th><th>单价中位数 median ¥/m²</th></tr>"
    )
    body = "".join(
        f"<tr><td>{r['month']}</td><td>{r['land_class']} {escape(r['land_class_zh'])} "
        f"{escape(r['land_class_en'])}</td><td>{r['count']}</td><td>{r['area_m2']}</td>"
        f"<td>{r['total_price']}</td><td>{r['median_price_per_m2']}</td></tr>"
        for r in rows
    )
    return f'<h2>明细 details</h2><table class="stats">{head}{body}</table>'
