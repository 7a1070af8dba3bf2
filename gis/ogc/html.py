"""HTML views of the OGC API documents (no JavaScript from a CDN; the items page uses folium)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

import folium

from gis.web.maps import offline_map, render


def _links(links: list[dict[str, Any]]) -> str:
    rows = "".join(
        f'<li><a href="{escape(str(x["href"]))}">{escape(x.get("title") or x["rel"])}</a>'
        f" ({escape(x['rel'])}, {escape(x['type'])})</li>"
        for x in links
    )
    return f"<ul>{rows}</ul>"


def page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        '<link rel="stylesheet" href="/static/landgis.css"></head><body>'
        f'<div class="landgis-bar"><a href="/ogc">landgis OGC API</a> · {escape(title)}</div>'
        f'<main style="padding:1em">{body}</main></body></html>'
    )


def document(doc: dict[str, Any]) -> str:
    """A landing page, conformance, collection or collections document as HTML."""
    title = str(doc.get("title") or doc.get("id") or "OGC API")
    parts = [f"<h1>{escape(title)}</h1>", f"<p>{escape(str(doc.get('description', '')))}</p>"]
    for c in doc.get("collections", []):
        href = next(x["href"] for x in c["links"] if x["rel"] == "self")
        parts.append(
            f'<h2><a href="{escape(href)}?f=html">{escape(c["title"])}</a></h2>'
            f"<p>{escape(c['description'])}</p>"
        )
    if "conformsTo" in doc:
        parts.append("<ul>" + "".join(f"<li>{escape(u)}</li>" for u in doc["conformsTo"]) + "</ul>")
    if "links" in doc:
        parts.append(_links(doc["links"]))
    return page(title, "".join(parts))


def items(title: str, fc_text: str) -> str:
    """A page of features: an offline map and an attribute table (features in CRS84)."""
    fc = json.loads(fc_text)
    feats = fc.get("features", [])
    fmap = offline_map((23.0, 113.75), zoom=13)
    if feats:
        layer = folium.GeoJson(fc, name=title)
        layer.add_to(fmap)
        fmap.fit_bounds(layer.get_bounds())  # type: ignore[arg-type]
    cols = list(feats[0]["properties"]) if feats else []
    head = "".join(f"<th>{escape(c)}</th>" for c in ["id", *cols])
    rows = "".join(
        "<tr>"
        + f"<td>{escape(str(f['id']))}</td>"
        + "".join(f"<td>{escape(str(f['properties'].get(c)))}</td>" for c in cols)
        + "</tr>"
        for f in feats
    )
    nav = _links([x for x in fc.get("links", []) if x["rel"] in ("next", "prev")])
    table = f'<div style="padding:1em"><table><tr>{head}</tr>{rows}</table>{nav}</div>'
    fmap.get_root().html.add_child(folium.Element(table))  # type: ignore[attr-defined]
    return render(fmap, title)
