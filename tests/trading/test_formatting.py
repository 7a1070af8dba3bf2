"""Money, date and area formatting of the trading pages; the demo market's terms; the
statistics' empty periods and the charts' bars with little data; no HTML in trading/*.py."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import trading
from trading import charts, demo_terms
from trading.formatting import area, date_zh, datetime_zh, duration_zh, wan, yuan
from trading.stats import Group, _quarters


def test_money_in_wan_with_separators() -> None:
    assert wan(Decimal("8200000.00")) == "820.00 万元"
    assert wan("123456789.00") == "12,345.68 万元"
    assert wan(Decimal("5000")) == "0.50 万元"
    assert wan(None) == "—"
    assert yuan(Decimal("1250000")) == "1,250,000.00 元"


def test_dates_the_chinese_way() -> None:
    assert date_zh(date(2026, 12, 3)) == "2026年12月3日"
    assert date_zh("2026-01-05") == "2026年1月5日"
    # an instant is put into the bureau's zone (Asia/Shanghai) first: 16:30 UTC is the next day
    assert datetime_zh(datetime(2026, 12, 2, 16, 30, tzinfo=UTC)) == "2026年12月3日 00:30"
    assert date_zh(datetime(2026, 12, 2, 16, 30, tzinfo=UTC)) == "2026年12月3日"
    assert duration_zh(3 * 86400 + 4 * 3600 + 5 * 60 + 6) == "3天 d 04:05:06"
    assert duration_zh(59) == "00:00:59" and duration_zh(-5) == "00:00:00"
    assert area(Decimal("666.67")) == "666.67 m²（1.00 亩）"


def test_demo_terms_are_plausible_and_deterministic() -> None:
    for use in ("0701", "0501", "0601"):
        a = demo_terms.prices(random.Random(1), use, Decimal("3000"))
        assert a == demo_terms.prices(random.Random(1), use, Decimal("3000"))
        start, inc = Decimal(a["start_price"]), Decimal(a["increment"])
        assert start % 100000 == 0 and Decimal(a["reserve_price"]) >= start
        assert inc <= start / 50 and Decimal(a["deposit"]) == (start / 5).quantize(Decimal(10000))
        per_m2 = start / 3000
        assert (Decimal(900) <= per_m2 <= 1600) if use[:2] == "06" else per_m2 > 10000
    states = {p.state for p in demo_terms.PLANS}
    assert states >= {"upcoming", "open", "awaiting_close", "onsite", "closed", "sold"}
    assert 15 <= len(demo_terms.PLANS) <= 30


def test_statistics_keep_empty_quarters_and_bars_stay_narrow() -> None:
    assert _quarters(date(2025, 11, 1), date(2026, 4, 2)) == [
        "2025Q4",
        "2026Q1",
        "2026Q2",
    ]
    one = [Group("2026Q1", "2026Q1", 1, Decimal(1000), Decimal(8200000))]
    col = charts.columns("t", one, "#000")
    assert col["bars"][0].w <= charts.COL_MAX_W  # one sale is not a wall of colour
    empty = [Group("2025", "2025年", 0, Decimal(0), Decimal(0)), *one]
    bars = charts.hbars("t", empty, ["#000", "#000"])["bars"]
    assert bars[0].w == 0 and bars[0].value == "0.00 万元" and bars[1].value == "820.00 万元"


def test_no_html_in_trading_python() -> None:
    """#17: every page of trading is a Jinja2 template; no markup or escape() in Python."""
    tag = re.compile(r"[\"'][^\"']*</?(div|table|tr|td|th|p|a|span|h\d|svg|rect|script|style)\b")
    for path in Path(trading.__file__).parent.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "escape(" not in source and not tag.search(source), path.name
