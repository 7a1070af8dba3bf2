"""Public pages, no login, no CDN: the auction map, a live listing page, the statistics page.

Only the public view of a listing (trading/views.py) reaches these pages, so the
reserve price and bidder identities cannot appear before the result is published.
"""

from __future__ import annotations

from html import escape
from typing import Any

import folium
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from shapely.geometry import shape
from sqlalchemy.orm import Session

from gis.db import get_session
from gis.demo import CENTRE_LONLAT
from gis.replica import get_read_session
from gis.web.maps import add_vector_basemap, offline_map, page_root, render
from trading import charts, clock, repository, service, stats, views

router = APIRouter(tags=["maps"], include_in_schema=False)
PHASE_COLOURS = {
    "upcoming": "#2b83ba",
    "open": "#1a9641",
    "awaiting_close": "#fdae61",
    "onsite": "#d7191c",
    "closed": "#777777",
    "result_published": "#7b3294",
}
NAV = (
    '<nav><a href="/maps/auctions">土地交易 auctions</a>'
    '<a href="/maps/trading/statistics">统计 statistics</a><a href="/docs">API</a></nav>'
)


def popup_html(item: dict[str, Any]) -> str:
    """The popup of one listing: parcel codes, use, area, prices, deadlines, result."""
    parcels = ", ".join(p["parcel_code"] for p in item["parcels"])
    outcome = item["outcome"]["zh"] + " " + item["outcome"]["en"] if item["outcome"] else "—"
    rows = [
        ("编号 listing", f'<a href="/maps/auctions/{item["id"]}">{escape(item["code"])}</a>'),
        ("宗地 parcels", escape(parcels)),
        (
            "用途 use",
            escape(f"{item['land_use']['code']} {item['land_use']['zh']} {item['land_use']['en']}"),
        ),
        ("方式 method", escape(f"{item['method']['zh']} {item['method']['en']}")),
        ("面积 area", f"{item['area_m2']} m²"),
        ("起始价 start price", f"¥{item['start_price']}"),
        ("当前价 current price", f"¥{item['current_price']}" if item["current_price"] else "—"),
        ("状态 status", escape(f"{item['phase']['zh']} {item['phase']['en']}")),
        ("竞价开始 bidding opens", escape(item["bid_start"][:16].replace("T", " "))),
        ("截止 deadline", escape(item["deadline"][:16].replace("T", " "))),
        ("结果 result", escape(outcome)),
    ]
    if "final_price" in item and item["final_price"]:
        rows.append(("成交价 final price", f"¥{item['final_price']}"))
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="auction-popup" data-listing="{item["id"]}">{cells}</table>'


BASEMAP_LAYERS = {
    "parcels": {
        "style": {
            "weight": 0.4,
            "color": "#9a9a9a",
            "fill": True,
            "fillColor": "#ece9e2",
            "fillOpacity": 0.7,
        }
    },
    "roads": {"style": {"weight": 3, "color": "#ffffff"}},
}


@router.get("/maps/auctions", response_class=HTMLResponse)
def auction_map(session: Session = Depends(get_session)) -> HTMLResponse:
    """Upcoming, open and closed listings coloured by status, each with a popup."""
    now = clock.now()
    rows = repository.map_rows(session)
    lon, lat = CENTRE_LONLAT
    fmap = offline_map((lat, lon), zoom=14)
    add_vector_basemap(fmap, BASEMAP_LAYERS)  # the district's own parcels and roads, offline
    if rows:
        boxes = [shape(row.geometry).bounds for row in rows]
        fmap.fit_bounds(
            [
                [min(b[1] for b in boxes), min(b[0] for b in boxes)],
                [max(b[3] for b in boxes), max(b[2] for b in boxes)],
            ],
            max_zoom=16,
        )
    for row in rows:
        item = views.listing_public(session, service.get_listing(session, row.id), now)
        colour = PHASE_COLOURS.get(item["phase"]["code"], "#777777")
        layer = folium.GeoJson(
            {"type": "Feature", "geometry": row.geometry, "properties": {"id": row.id}},
            style_function=lambda f, c=colour: {
                "fillColor": c,
                "color": c,
                "weight": 2,
                "fillOpacity": 0.5,
            },
            tooltip=f"{item['code']} · {item['phase']['zh']}",
        )
        layer.add_child(folium.Popup(popup_html(item), max_width=360))
        layer.add_to(fmap)
    page_root(fmap).html.add_child(folium.Element(_legend()))
    return HTMLResponse(render(fmap, "土地交易地图 land auctions", NAV))


def _legend() -> str:
    from trading.rules import PHASES

    items = "".join(
        f'<div><i style="background:{c}"></i>{PHASES[p][0]} {PHASES[p][1]}</div>'
        for p, c in PHASE_COLOURS.items()
    )
    return (
        '<div class="legend" style="position:absolute;bottom:28px;right:10px;z-index:1000">'
        f"{items}</div>"
    )


LIVE_JS = """
<script>
(function () {
  var id = %(id)d, left = %(left)d, timer = null;
  function two(n) { return (n < 10 ? '0' : '') + n; }
  function show(s) {
    var d = Math.floor(s / 86400), h = Math.floor(s %% 86400 / 3600);
    var text = two(h) + ':' + two(Math.floor(s %% 3600 / 60)) + ':' + two(s %% 60);
    document.getElementById('countdown').textContent = (d > 0 ? d + '天 d ' : '') + text;
  }
  function set(id_, v) { document.getElementById(id_).textContent = v === null ? '—' : v; }
  function poll() {
    fetch('/api/v1/trading/listings/' + id + '/live', {cache: 'no-store'})
      .then(function (r) { return r.json(); })
      .then(function (d) {
        set('current-price', d.current_price); set('next-minimum', d.next_minimum);
        set('bid-count', d.bid_count); set('phase', d.phase.zh + ' ' + d.phase.en);
        set('deadline', d.deadline.replace('T', ' ').slice(0, 19));
        left = d.seconds_left; show(left);
        document.body.dataset.polls = String(Number(document.body.dataset.polls || 0) + 1);
      }).catch(function () {});
  }
  show(left);
  setInterval(function () { if (left > 0) { left -= 1; show(left); } }, 1000);
  setInterval(poll, %(every)d);
})();
</script>
"""
PAGE_CSS = """
<style>
body { font-family: "Noto Sans CJK SC", sans-serif; margin: 0; }
main { padding: 52px 20px 20px; max-width: 900px; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 3px 10px; border-bottom: 1px solid #ddd; }
.big { font-size: 28px; font-weight: bold; color: #b2182b; }
.landgis-bar { position: fixed; }
</style>
"""


def _when(iso: str) -> str:
    """An ISO instant as 'YYYY-MM-DD hh:mm:ss' (it is already in Asia/Shanghai)."""
    return iso[:19].replace("T", " ")


def _bar(title: str) -> str:
    return f'<div class="landgis-bar"><a href="/">landgis</a> · {escape(title)}{NAV}</div>'


def _live_block(item: dict[str, Any]) -> str:
    """The figures the page script keeps up to date (ids are what the script fills in)."""
    phase = escape(item["phase"]["zh"] + " " + item["phase"]["en"])
    deadline = escape(_when(item["deadline"]))
    current = item["current_price"] or "—"
    return (
        f'<p>当前价 current price: <span class="big" id="current-price">{current}</span></p>'
        "<p>下一口最低价 next minimum: "
        f'<span id="next-minimum">{item["next_minimum"] or "—"}</span> · '
        f'出价次数 bids: <span id="bid-count">{item["bid_count"]}</span> · '
        f'状态 status: <span id="phase">{phase}</span></p>'
        f'<p>截止 deadline: <span id="deadline">{deadline}</span> · '
        '倒计时 countdown: <span id="countdown" class="big"></span></p>'
    )


@router.get("/maps/auctions/{listing_id}", response_class=HTMLResponse)
def listing_page(listing_id: int, session: Session = Depends(get_session)) -> HTMLResponse:
    """One listing with its live price and countdown, updated by polling (no reload)."""
    listing = service.get_listing(session, listing_id)
    item = views.listing_public(session, listing)
    rows = [
        ("方式 method", f"{item['method']['zh']} {item['method']['en']}"),
        (
            "用途 use",
            f"{item['land_use']['code']} {item['land_use']['zh']} {item['land_use']['en']}",
        ),
        ("宗地 parcels", ", ".join(p["unit_code"] for p in item["parcels"])),
        ("面积 area", f"{item['area_m2']} m²"),
        ("容积率 floor-area ratio", f"{item['far_min']} – {item['far_max']}"),
        ("年限 term", f"{item['term_years']} 年 years"),
        ("起始价 start price", f"¥{item['start_price']}"),
        ("加价幅度 increment", f"¥{item['increment']}"),
        ("保证金 deposit", f"¥{item['deposit']}"),
        ("公告日期 announced", item["announcement_date"]),
        ("竞价开始 bidding opens", _when(item["bid_start"])),
        ("挂牌/竞价截止 bidding ends", _when(item["bid_end"])),
    ]
    if item["outcome"]:
        rows.append(("结果 result", f"{item['outcome']['zh']} {item['outcome']['en']}"))
    if item.get("final_price"):
        rows += [
            ("成交价 final price", f"¥{item['final_price']}"),
            ("底价 reserve", f"¥{item['reserve_price']}"),
        ]
        winner = item.get("winner")
        if winner:
            rows.append(("竞得人 buyer", winner["name"]))
    table = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    live = _live_block(item)
    script = LIVE_JS % {"id": listing.id, "left": item["seconds_left"], "every": 1500}
    body = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(item['code'])}</title>"
        f'<link rel="stylesheet" href="/static/landgis.css">{PAGE_CSS}</head><body>'
        f"{_bar(item['code'] + ' ' + item['title'])}<main><h1>{escape(item['title'])}</h1>"
        f"{live}<table>{table}</table></main>{script}</body></html>"
    )
    return HTMLResponse(body)


def _filter_form(district: str | None, land_use: str | None) -> str:
    return (
        '<form method="get"><label>地籍区 district <input name="district" size="10" '
        f'placeholder="441900001" value="{escape(district or "")}"></label> '
        '<label>用途 land use <input name="land_use" size="5" placeholder="07" '
        f'value="{escape(land_use or "")}"></label> <button>筛选 filter</button></form>'
    )


@router.get("/maps/trading/statistics", response_class=HTMLResponse)
def statistics_page(
    district: str | None = None,
    land_use: str | None = None,
    session: Session = Depends(get_read_session),  # public read: replica (#15)
) -> HTMLResponse:
    """Sales by month and class as SVG charts drawn here (no chart library, works offline)."""
    filters = stats.Filters(district or None, land_use or None)
    rows = stats.statistics(session, filters)
    query = "&".join(
        f"{k}={escape(v)}" for k, v in (("district", district), ("land_use", land_use)) if v
    )
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>土地成交统计 land sales</title>"
        f'<link rel="stylesheet" href="/static/landgis.css">{PAGE_CSS}</head><body>'
        f"{_bar('土地成交统计 land sales statistics')}<main><h1>土地成交统计 land sales</h1>"
        f"{_filter_form(district, land_use)}"
        f'<p><a href="/api/v1/trading/statistics?format=csv&{query}">CSV</a> · '
        f'<a href="/api/v1/trading/records?format=csv&{query}">成交记录 records CSV</a></p>'
        f"{charts.monthly_chart(rows)}{charts.class_chart(rows)}{charts.table(rows)}</main></body></html>"
    )
    return HTMLResponse(body)
