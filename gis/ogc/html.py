"""HTML views of the OGC API documents, rendered from Jinja2 templates (autoescape on):
``ogc_document.html`` for the landing page, conformance and collections, ``ogc_items.html``
for a page of features (an offline map and an attribute table; no CDN)."""

from __future__ import annotations

import json
from typing import Any

from gis.web import staffmaps
from gis.web.templating import render_template

DEFAULT_CENTRE = (113.75, 23.0)  # lon/lat of the demo district, for an empty page


def document(doc: dict[str, Any]) -> str:
    """A landing page, conformance, collection or collections document as HTML."""
    collections = [
        {
            "href": next(x["href"] for x in c["links"] if x["rel"] == "self"),
            "title": c["title"],
            "description": c["description"],
        }
        for c in doc.get("collections", [])
    ]
    title = str(doc.get("title") or doc.get("id") or "OGC API")
    return render_template("ogc_document.html", title=title, doc=doc, collections=collections)


def items(title: str, fc_text: str) -> str:
    """A page of features: an offline map and an attribute table (features in CRS84)."""
    fc = json.loads(fc_text)
    feats = fc.get("features", [])
    cols = list(feats[0]["properties"]) if feats else []
    rows = [[f["id"], *(f["properties"].get(c) for c in cols)] for f in feats]
    layer = staffmaps.geojson("items", title, fc, {"color": "#3388ff", "weight": 2})
    config = staffmaps.config(DEFAULT_CENTRE, 13, [layer]) | {"fit": "items"}
    return render_template(
        "ogc_items.html",
        title=title,
        columns=["id", *cols],
        rows=rows,
        paging=[x for x in fc.get("links", []) if x["rel"] in ("next", "prev")],
        config=config,
    )
