"""The JSON documents of OGC API Features: landing page, conformance, collections, queryables."""

from __future__ import annotations

from typing import Any

from gis.collections import Collection
from gis.ogc import crs as crs_mod
from gis.tiles.service import tile_links

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/sortables",
    "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/property-selection",
    "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting",
]
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
SCHEMA_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
}


def link(href: str, rel: str, type_: str, title: str = "", **extra: Any) -> dict[str, Any]:
    out = {"href": href, "rel": rel, "type": type_, **extra}
    if title:
        out["title"] = title
    return out


def landing(base: str) -> dict[str, Any]:
    return {
        "title": "landgis OGC API - 国土资源局开放数据接口",
        "description": "Planning layers, cadastral parcels and land-supply listings "
        "(OGC API Features Parts 1-4). Storage CRS CGCS2000 (EPSG:4490).",
        "links": [
            link(f"{base}/ogc", "self", JSON, "this document"),
            link(f"{base}/ogc?f=html", "alternate", HTML, "this document as HTML"),
            link(
                f"{base}/openapi.json",
                "service-desc",
                "application/vnd.oai.openapi+json;version=3.0",
                "API definition",
            ),
            link(f"{base}/docs", "service-doc", HTML, "API documentation"),
            link(f"{base}/ogc/conformance", "conformance", JSON, "conformance classes"),
            link(f"{base}/ogc/collections", "data", JSON, "feature collections"),
            *tile_links(base),
        ],
    }


def collection(base: str, c: Collection, extent: list[float] | None) -> dict[str, Any]:
    href = f"{base}/ogc/collections/{c.id}"
    doc: dict[str, Any] = {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "crs": crs_mod.CRS_LIST,
        "storageCrs": crs_mod.STORAGE_CRS,
        "links": [
            link(href, "self", JSON, c.title),
            link(f"{href}?f=html", "alternate", HTML, c.title),
            link(f"{href}/items", "items", GEOJSON, "items as GeoJSON"),
            link(f"{href}/items?f=html", "items", HTML, "items as HTML"),
            link(
                f"{href}/queryables",
                "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "application/schema+json",
                "queryables",
            ),
            link(
                f"{href}/sortables",
                "http://www.opengis.net/def/rel/ogc/1.0/sortables",
                "application/schema+json",
                "sortables",
            ),
            *tile_links(base, c.id),
        ],
    }
    if extent:
        doc["extent"] = {"spatial": {"bbox": [extent], "crs": crs_mod.CRS84}}
    if c.datetime_column:
        doc.setdefault("extent", {})["temporal"] = {"interval": [[None, None]]}
    return doc


def _schema(base: str, c: Collection, kind: str, props: dict[str, Any]) -> dict[str, Any]:
    for name, type_ in c.properties.items():
        props[name] = {"title": name, **SCHEMA_TYPES.get(type_, {"type": "string"})}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}/ogc/collections/{c.id}/{kind}",
        "type": "object",
        "title": c.title,
        "properties": props,
        "additionalProperties": False,
    }


def queryables(base: str, c: Collection) -> dict[str, Any]:
    """Part 3: the properties a filter may name, and the geometry."""
    geometry = {
        "$ref": f"https://geojson.org/schema/{c.geometry_type}.json",
        "x-ogc-role": "primary-geometry",
    }
    return _schema(base, c, "queryables", {"geometry": geometry})


def returnables(base: str, c: Collection) -> dict[str, Any]:
    """Part 5: every property a feature carries (a versioned collection's valid_from and
    valid_to too), and the geometry."""
    props: dict[str, Any] = {
        "geometry": {
            "$ref": f"https://geojson.org/schema/{c.geometry_type}.json",
            "x-ogc-role": "primary-geometry",
        }
    }
    doc = _schema(base, c, "schema", props)
    if c.lifespan is not None:
        for name in ("valid_from", "valid_to"):
            doc["properties"][name] = {
                "title": name,
                "type": ["string", "null"],
                "format": "date-time",
            }
    return doc


def sortables(base: str, c: Collection) -> dict[str, Any]:
    """Part 5: the properties ``sortby`` accepts (every published one; not the geometry)."""
    return _schema(base, c, "sortables", {})
