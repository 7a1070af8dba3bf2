"""The certificate's HTML: a deterministic, printable page with an inline SVG parcel map.

No scripts or styles are fetched from anywhere: the page prints and verifies offline.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

SIZE = 320.0
MARGIN = 24.0

STYLE = """
body{font-family:"Noto Serif CJK SC","Noto Sans CJK SC",serif;margin:2em;color:#222}
.cert{max-width:760px;margin:auto;border:6px double #b22;padding:1.5em 2em}
h1{text-align:center;color:#b22;letter-spacing:.3em}
table{border-collapse:collapse;width:100%;margin:.8em 0}
td,th{border:1px solid #999;padding:.35em .5em;text-align:left;font-size:.95em}
th{background:#f6eeee;width:30%}
.sig{font-family:monospace;font-size:.7em;word-break:break-all;color:#555}
svg{border:1px solid #999;background:#fafafa}
@media print{body{margin:0}.noprint{display:none}}
"""


def payload(body: dict[str, Any], signature: str, key_id: str) -> str:
    """The signed payload a certificate carries (page script, PDF attachment, QR code)."""
    return json.dumps(
        {"body": body, "signature": signature, "key_id": key_id},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def render(body: dict[str, Any], signature: str, key_id: str, qr_svg: str = "") -> str:
    """The certificate page for ``body`` signed with ``signature`` by key ``key_id``.

    ``qr_svg`` (the printed PDF's QR code of the payload) goes above the signature line."""
    e = escape
    parcel = body.get("parcel") or {}
    rows = [
        ("证书编号 certificate no.", body.get("certificate_number", "")),
        ("登记类型 registration", f"{body['case_type_name_zh']} {body['case_type_name_en']}"),
        ("不动产单元号 unit code", body["unit_code"]),
        ("业务号 case number", body["case_number"]),
        ("登簿时间 entered", body.get("entered_at") or ""),
        ("发证时间 issued", body["issued_at"]),
    ]
    if parcel:
        rows.append(("面积 area", f"{parcel['area_m2']} m²"))
        rows.append(
            (
                "用途 land use",
                f"{parcel['land_use']} {parcel['land_use_name_zh']} {parcel['land_use_name_en']}",
            )
        )
    info = "".join(f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in rows)
    holders = "".join(_holder_rows(h) for h in body["holders"])
    restr = "、".join(e(r["name_zh"]) for r in body["restrictions"]) or "无 none"
    embedded = payload(body, signature, key_id).replace("</", "<\\/")
    return (
        '<!DOCTYPE html>\n<html lang="zh"><head><meta charset="utf-8">'
        f"<title>{e(body.get('certificate_number', ''))}</title><style>{STYLE}</style></head>"
        '<body><div class="cert"><h1>不动产登记证</h1>'
        "<p style='text-align:center'>Real-estate registration certificate</p>"
        f"<table>{info}</table>"
        "<table><tr><th>权利人 holder</th><th>证件号 ID number</th><th>份额 share</th></tr>"
        f"{holders}</table>"
        f"<p>权利限制 restrictions: {restr}</p>"
        f"{_figures(_svg(parcel), qr_svg)}"
        f'<p class="sig">Ed25519 key {e(key_id)} · signature {e(signature)}</p>'
        '<p class="noprint">Verify offline: '
        "<code>landgis cadastre verify-certificate FILE</code></p>"
        f'<script type="application/json" id="landgis-certificate">{embedded}</script>'
        "</div></body></html>\n"
    )


def _figures(map_svg: str, qr_svg: str) -> str:
    """The parcel map, with the QR code beside it when there is one (the printed PDF)."""
    if not qr_svg:
        return map_svg
    return (
        '<div style="display:flex;justify-content:space-around;align-items:center">'
        f"{map_svg}{qr_svg}</div>"
    )


def _holder_rows(h: dict[str, Any]) -> str:
    """A holder's table row; a group's members follow, indented, with their shares of it."""
    e = escape
    row = (
        f"<tr><td>{e(h['name'] or '')}</td><td>{e(h['id_number'] or '')}</td>"
        f"<td>{e(h['share'])}</td></tr>"
    )
    for m in h.get("members", []):
        row += (
            f"<tr><td>　└ {e(m['name'])}</td><td>{e(m['id_number'])}</td>"
            f"<td>{e(m['share'])} (共有成员 member)</td></tr>"
        )
    return row


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for poly in geometry["coordinates"] for ring in poly]
    return []


def _svg(parcel: dict[str, Any]) -> str:
    """An SVG sketch of the parcel (red) among its neighbours (grey), north up, scale bar."""
    if not parcel:
        return ""
    w, h = parcel["extent_m"]
    scale = (SIZE - 2 * MARGIN) / max(w, h, 1.0)
    left = (SIZE - w * scale) / 2  # the parcel centred in the frame
    bottom = SIZE - (SIZE - h * scale) / 2

    def path(geometry: dict[str, Any]) -> str:
        parts = []
        for ring in _rings(geometry):
            pts = " ".join(f"{left + x * scale:.1f},{bottom - y * scale:.1f}" for x, y in ring)
            parts.append(f"M{pts}Z")
        return " ".join(parts)

    nbrs = "".join(
        f'<path d="{path(g)}" fill="#e4e4e4" stroke="#888" stroke-width="0.8"/>'
        for g in parcel["neighbours_4547"]
    )
    bar_m = _nice_length(max(w, h) / 3)
    bar_px = bar_m * scale
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE:.0f}" height="{SIZE:.0f}" '
        f'viewBox="0 0 {SIZE:.0f} {SIZE:.0f}" role="img" aria-label="宗地图 parcel map">'
        f"{nbrs}"
        f'<path d="{path(parcel["outline_4547"])}" fill="#f4b6b6" stroke="#b22" '
        'stroke-width="2"/>'
        f'<text x="{SIZE - 18:.0f}" y="20" font-size="14">N</text>'
        f'<path d="M{SIZE - 14:.0f},24 l-5,14 l5,-4 l5,4 z" fill="#222"/>'
        f'<rect x="{MARGIN:.0f}" y="{SIZE - 12:.0f}" width="{bar_px:.1f}" height="4" fill="#222"/>'
        f'<text x="{MARGIN + bar_px + 4:.1f}" y="{SIZE - 7:.0f}" font-size="10">{bar_m:g} m</text>'
        "</svg>"
    )


def _nice_length(target: float) -> float:
    """The largest 1, 2 or 5 x 10^n not above ``target`` metres (at least 1)."""
    best = 1.0
    for exp in range(0, 6):
        for f in (1, 2, 5):
            v = f * 10.0**exp
            if v <= target:
                best = v
    return best
