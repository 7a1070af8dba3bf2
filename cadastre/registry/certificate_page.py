"""The certificate's HTML: a deterministic, printable page (Jinja2 template
``cadastre/templates/certificate.html``) with an inline SVG parcel map and the QR code of
its public verification URL.

No scripts or styles are fetched from anywhere: the page prints and verifies offline.
:func:`view` is what both the page and the PDF (:mod:`cadastre.registry.pdf`) print.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from urllib.parse import unquote

import segno
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from cadastre.registry.certificate_facts import zh_date

SIZE = 320.0
MARGIN = 24.0
VERIFY_QR_PX = 150


@cache
def templates() -> Environment:
    """The cadastre package's Jinja2 templates, HTML and SVG autoescaped."""
    return Environment(
        loader=PackageLoader("cadastre", "templates"),
        autoescape=select_autoescape(["html", "svg"]),
        keep_trailing_newline=True,
    )


def payload(body: dict[str, Any], signature: str, key_id: str) -> str:
    """The signed payload a certificate carries (page script, PDF attachment, QR code)."""
    return json.dumps(
        {"body": body, "signature": signature, "key_id": key_id},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def is_proof(body: dict[str, Any]) -> bool:
    """A 不动产登记证明 (mortgage, objection, notice) rather than a 不动产权证书."""
    return "不动产证明" in str(body.get("certificate_number", "")) or (
        body.get("case_type") in ("mortgage", "objection", "advance_notice", "mortgage_discharge")
    )


def rows(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows of the certificate's facts, Chinese label first."""
    parcel = body.get("parcel") or {}
    right = body.get("right") or {}
    out = [("证书编号 certificate no.", str(body.get("certificate_number", "")))]
    out.append(("不动产单元号 unit code", body["unit_code"]))
    if parcel.get("location_zh"):
        out.append(("坐落 location", parcel["location_zh"]))
    if right:
        out.append(("权利类型 right", f"{right['type_zh']} {right['type_en']}"))
        out.append(("权利性质 nature", f"{right['nature_zh']} {right['nature_en']}"))
    if parcel:
        use = f"{parcel['land_use']} {parcel['land_use_name_zh']} {parcel['land_use_name_en']}"
        out.append(("用途 land use", use))
        out.append(("面积 area", f"{parcel['area_m2']} m²"))
    if right:
        out.append(("使用期限 term", term_text(right)))
        out.append(("共有情况 sharing", f"{right['sharing_zh']} {right['sharing_en']}"))
    registration = f"{body['case_type_name_zh']} {body['case_type_name_en']}"
    out.append(("登记类型 registration", registration))
    out.append(("业务号 case number", body["case_number"]))
    if body.get("authority"):
        out.append(("登记机构 registering authority", body["authority"]))
    out.append(("登簿日期 entered", zh_date(body.get("entered_at"))))
    out.append(("发证日期 issued", zh_date(body["issued_at"])))
    return out


def term_text(right: dict[str, Any]) -> str:
    """使用期限 as printed: 2026年12月3日起 2096年12月2日止 (or what is not recorded)."""
    start, end = right.get("term_start"), right.get("term_end")
    if not start and not end:
        return "未记载 not recorded"
    first = f"{zh_date(start)}起" if start else "起始日未记载"
    last = f"{zh_date(end)}止" if end else "无固定期限 no end"
    return f"{first} {last}"


def restrictions_text(body: dict[str, Any]) -> str:
    return "、".join(r["name_zh"] for r in body["restrictions"])


def view(body: dict[str, Any], signature: str, key_id: str) -> dict[str, Any]:
    """Everything the page and the PDF print, from the signed body alone (deterministic)."""
    proof = is_proof(body)
    return {
        "number": str(body.get("certificate_number", "")),
        "title_zh": "不动产登记证明" if proof else "不动产权证书",
        "title_en": "Real-estate registration proof" if proof else "Real-estate title certificate",
        "rows": rows(body),
        "holders": [{**h, "members": h.get("members", [])} for h in body["holders"]],
        "restrictions": restrictions_text(body),
        "url": body.get("verification_url") or "",
        "url_text": unquote(body.get("verification_url") or ""),
        "key_id": key_id,
        "signature": signature,
    }


def render(body: dict[str, Any], signature: str, key_id: str) -> str:
    """The certificate page for ``body`` signed with ``signature`` by key ``key_id``."""
    c = view(body, signature, key_id)
    c["map"] = svg_map(body.get("parcel") or {})
    c["verify_qr"] = Markup(url_qr_svg(c["url"])) if c["url"] else ""
    embedded = payload(body, signature, key_id).replace("<", "\\u003c")
    c["embedded"] = Markup(embedded)  # JSON in a script element: no '<' left in it
    return templates().get_template("certificate.html").render(c=c)


def url_qr_svg(url: str) -> str:
    """An inline SVG QR code of the verification URL (error level M, quiet zone 4)."""
    qr = segno.make(url, error="M", boost_error=False)
    scale = VERIFY_QR_PX / qr.symbol_size(scale=1)[0]
    return str(qr.svg_inline(scale=round(scale, 3), title="verification URL"))


def rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for poly in geometry["coordinates"] for ring in poly]
    return []


def map_frame(parcel: dict[str, Any]) -> dict[str, Any]:
    """The parcel sketch in a SIZE x SIZE frame, y down: rings of the parcel and its
    neighbours in frame units, and a scale bar (metres and frame units)."""
    w, h = parcel["extent_m"]
    scale = (SIZE - 2 * MARGIN) / max(w, h, 1.0)
    left = (SIZE - w * scale) / 2  # the parcel centred in the frame
    bottom = SIZE - (SIZE - h * scale) / 2

    def frame(geometry: dict[str, Any]) -> list[list[tuple[float, float]]]:
        return [[(left + x * scale, bottom - y * scale) for x, y in r] for r in rings(geometry)]

    bar_m = nice_length(max(w, h) / 3)
    return {
        "outline": frame(parcel["outline_4547"]),
        "neighbours": [frame(g) for g in parcel["neighbours_4547"]],
        "bar_m": bar_m,
        "bar_px": bar_m * scale,
    }


def svg_map(parcel: dict[str, Any]) -> dict[str, Any] | None:
    """The SVG map's data: path strings of the parcel (red) and neighbours (grey)."""
    if not parcel:
        return None
    f = map_frame(parcel)

    def path(rs: list[list[tuple[float, float]]]) -> str:
        return " ".join("M" + " ".join(f"{x:.1f},{y:.1f}" for x, y in r) + "Z" for r in rs)

    return {
        "size": int(SIZE),
        "margin": int(MARGIN),
        "outline": path(f["outline"]),
        "neighbours": [path(n) for n in f["neighbours"]],
        "bar_px": f"{f['bar_px']:.1f}",
        "bar_m": f"{f['bar_m']:g}",
        "bar_label_x": f"{MARGIN + f['bar_px'] + 4:.1f}",
    }


def nice_length(target: float) -> float:
    """The largest 1, 2 or 5 x 10^n not above ``target`` metres (at least 1)."""
    best = 1.0
    for exp in range(0, 6):
        for f in (1, 2, 5):
            v = f * 10.0**exp
            if v <= target:
                best = v
    return best
