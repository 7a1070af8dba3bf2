"""The planners' Python client for a running landgis server.

    from landgis_client import Client
    c = Client("http://127.0.0.1:8000")            # token=... only for writes
    c.collections()                                 # ids and titles
    gdf = c.items("parcels", filter="land_use LIKE '07%'", bbox=(113.74, 23.0, 113.76, 23.02))
    c.compliance(unit_code="441900001001GB00065W00000000", proposed_land_use="07")
    c.explore(gdf, column="land_use")               # a folium map with no internet access

Items come as a GeoDataFrame in EPSG:4490 (lon/lat; the server's CRS84 output, WGS 84 and
CGCS2000 being taken as equal). Paging follows the ``next`` links.

Offline maps: ``GeoDataFrame.explore()`` loads Leaflet from a CDN by default.
:meth:`Client.explore` points folium at the server's own copies under ``/static/vendor``
as absolute URLs on ``base_url`` and draws no web tiles: the map needs only the server.

This package is its own small distribution (``client/`` in the landgis repository): it
needs httpx, geopandas, pyogrio and folium, never the server's packages.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import folium
import geopandas as gpd
import httpx
import pandas as pd

PAGE = 1000
VENDOR = "/static/vendor"  # the server's own copies of Leaflet and jQuery
OFFLINE_JS = [
    ("leaflet", f"{VENDOR}/leaflet/leaflet.js"),
    ("jquery", f"{VENDOR}/jquery/jquery.min.js"),
]
OFFLINE_CSS = [
    ("leaflet_css", f"{VENDOR}/leaflet/leaflet.css"),
    ("landgis_css", "/static/landgis.css"),
]
__all__ = ["Client", "ClientError"]


class ClientError(RuntimeError):
    """The server answered with a problem (status, field, detail)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        super().__init__(f"{status} {problem.get('field') or ''}: {problem.get('detail')}")


class Client:
    """Talks to the OGC API and the planning API of a landgis server."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 60) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def _get(self, url: str, **params: Any) -> dict[str, Any]:
        """GET as JSON; no params keeps the URL's own query (httpx drops it for ``params={}``)."""
        given = {k: v for k, v in params.items() if v is not None}
        return self._json(self.http.get(url, params=given or None))

    @staticmethod
    def _json(r: httpx.Response) -> dict[str, Any]:
        if r.status_code >= 400:
            try:
                problem = r.json()
            except ValueError:
                problem = {"detail": r.text}
            raise ClientError(r.status_code, problem)
        return dict(r.json())

    def land_use_classes(self) -> pd.DataFrame:
        """GB/T 21010 land-use classes (code, name_zh, name_en, level), as the server has them."""
        doc = self._get("/api/v1/land-use-classes")
        return pd.DataFrame(doc["classes"]).set_index("code")

    def collections(self) -> pd.DataFrame:
        """id, title and description of every collection the caller may read."""
        doc = self._get("/ogc/collections")
        rows = [{k: c.get(k) for k in ("id", "title", "description")} for c in doc["collections"]]
        return pd.DataFrame(rows)

    def items(
        self,
        collection: str,
        bbox: Iterable[float] | None = None,
        filter: str | dict[str, Any] | None = None,  # noqa: A002 - the OGC parameter name
        limit: int | None = None,
        page_size: int = PAGE,
        sortby: str | Iterable[str] | None = None,
        properties: Iterable[str] | None = None,
    ) -> gpd.GeoDataFrame:
        """Features (all pages, or the first ``limit``) as a GeoDataFrame in EPSG:4490.

        ``bbox`` is (min lon, min lat, max lon, max lat); ``filter`` is CQL2 text, or a
        dict of CQL2 JSON; ``sortby`` names properties, ``-`` first for descending
        (``["land_use", "-area_m2"]``); ``properties`` chooses the columns besides the geometry.
        """
        params: dict[str, Any] = {"limit": min(page_size, limit or page_size)}
        if sortby is not None:
            params["sortby"] = sortby if isinstance(sortby, str) else ",".join(sortby)
        if properties is not None:
            params["properties"] = ",".join(properties)
        if bbox is not None:
            params["bbox"] = ",".join(str(v) for v in bbox)
        if isinstance(filter, dict):
            params.update({"filter": json.dumps(filter), "filter-lang": "cql2-json"})
        elif filter:
            params["filter"] = filter
        features: list[dict[str, Any]] = []
        url: str | None = f"/ogc/collections/{collection}/items"
        while url:
            doc = self._get(url, **params)
            params = {}  # the next link carries them
            features += doc["features"]
            if limit is not None and len(features) >= limit:
                features = features[:limit]
                break
            url = next((x["href"] for x in doc["links"] if x["rel"] == "next"), None)
        if not features:
            return self._empty(collection, properties)
        return _frame(features)

    def _empty(self, collection: str, properties: Iterable[str] | None) -> gpd.GeoDataFrame:
        """An empty frame with the columns a non-empty answer would have (the collection's
        schema, or the ``properties`` asked for), so column code still runs."""
        if properties is not None:
            columns = list(properties)
        else:
            schema = self._get(f"/ogc/collections/{collection}/schema")
            columns = [
                name
                for name, spec in schema.get("properties", {}).items()
                if spec.get("x-ogc-role") != "primary-geometry"
            ]
        frame = gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in columns}, geometry=[], crs=4490
        )
        frame.index = pd.Index([], name="id")
        return frame

    def compliance(
        self,
        proposed_land_use: str,
        geometry: Any = None,
        unit_code: str | None = None,
        edition: int | None = None,
    ) -> dict[str, Any]:
        """Verdict, conflicts and zones for one site (shapely geometry, GeoJSON or unit code),
        against the plan edition in force or the ``edition`` chosen; the answer names the
        edition judged against (``edition_id``, ``edition_name``, ``edition_in_force``)."""
        body: dict[str, Any] = {
            "proposed_land_use": proposed_land_use,
            "unit_code": unit_code,
            "edition_id": edition,
        }
        if geometry is not None:
            body["geometry"] = _geojson(geometry)
        return self._json(self.http.post("/api/v1/planning/compliance", json=body))

    def compliance_batch(self, sites: gpd.GeoDataFrame, proposed_column: str) -> pd.DataFrame:
        """One row per site: verdict, conflict codes and conflicting area (m²)."""
        items = [
            {"id": str(idx), "geometry": _geojson(geom), "proposed_land_use": str(use)}
            for idx, geom, use in zip(
                sites.index, sites.geometry, sites[proposed_column], strict=True
            )
        ]
        doc = self._json(self.http.post("/api/v1/planning/compliance/batch", json={"items": items}))
        rows = [
            {
                "id": r["id"],
                "verdict": r["verdict"],
                "conflicts": ",".join(c["code"] for c in r.get("conflicts", [])),
                "conflict_m2": sum(c["area_m2"] for c in r.get("conflicts", [])),
                "area_m2": r.get("area_m2"),
            }
            for r in doc["results"]
        ]
        return pd.DataFrame(rows).set_index("id")

    def explore(self, gdf: gpd.GeoDataFrame, **kwargs: Any) -> folium.Map:
        """``gdf.explore()`` with Leaflet from this server and no web tiles: works offline."""
        folium.Map.default_js = [(n, self.base_url + u) for n, u in OFFLINE_JS]
        folium.Map.default_css = [(n, self.base_url + u) for n, u in OFFLINE_CSS]
        kwargs.setdefault("tiles", None)
        return gdf.explore(**kwargs)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _geojson(geometry: Any) -> dict[str, Any]:
    if isinstance(geometry, dict):
        return geometry
    return dict(geometry.__geo_interface__)


def _frame(features: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame.from_features(features, crs=4490)
    gdf.index = pd.Index([f["id"] for f in features], name="id")
    return gdf
