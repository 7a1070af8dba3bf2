"""Rules of the OGC API that are not HTTP: who may read or edit a collection, CRS of input."""

from __future__ import annotations

from typing import Any

from shapely.geometry import mapping, shape
from shapely.ops import transform as shp_transform

from gis.auth.service import Principal
from gis.collections import Catalog, Collection
from gis.errors import InvalidInput, NotAuthenticated, PermissionDenied
from gis.geo import reproject
from gis.ogc.crs import OutputCrs
from gis.ogc.errors import MethodNotAllowed


def may_read(c: Collection, who: Principal | None) -> bool:
    if c.public:
        return True
    if who is None:
        return False
    return who.role.value == "admin" or who.role.value in c.read_roles


def readable(catalog: Catalog, collection_id: str, who: Principal | None) -> Collection:
    """The collection if the caller may read it (401/403 for restricted ones)."""
    c = catalog.get(collection_id)
    if not may_read(c, who):
        if who is None:
            raise NotAuthenticated(f"collection {c.id!r} needs a token", field="Authorization")
        raise PermissionDenied(f"role {who.role.value!r} may not read {c.id!r}")
    return c


def visible(catalog: Catalog, who: Principal | None) -> list[Collection]:
    return [c for c in catalog.all() if may_read(c, who)]


def editable(catalog: Catalog, collection_id: str, who: Principal | None) -> Collection:
    """The collection if it takes writes and the caller's role may edit it."""
    c = catalog.get(collection_id)
    if c.editor is None or not c.edit_roles:
        raise MethodNotAllowed(f"collection {c.id!r} is read-only", field="collectionId")
    if who is None:
        raise NotAuthenticated("sign in to edit: send a bearer token", field="Authorization")
    if who.role.value != "admin" and who.role.value not in c.edit_roles:
        roles = ", ".join(sorted(c.edit_roles))
        raise PermissionDenied(f"role {who.role.value!r} may not edit {c.id!r}; needs {roles}")
    return c


def to_storage(feature: dict[str, Any], crs: OutputCrs, partial: bool = False) -> dict[str, Any]:
    """A GeoJSON Feature (or merge patch) with its geometry turned into EPSG:4490 lon/lat."""
    if not isinstance(feature, dict):
        raise InvalidInput("the body must be a GeoJSON Feature object", field="body")
    if not partial and feature.get("type") != "Feature":
        raise InvalidInput("the body must be a GeoJSON Feature", field="type")
    out = dict(feature)
    geo = feature.get("geometry")
    if geo is None:
        if not partial:
            raise InvalidInput("a feature needs a geometry", field="geometry")
        return out
    try:
        geom = shape(geo)
    except Exception:
        raise InvalidInput("the geometry is not valid GeoJSON", field="geometry") from None
    if crs.flip:
        geom = shp_transform(lambda x, y, z=None: (y, x), geom)
    out["geometry"] = mapping(reproject(geom, crs.srid, 4490))
    return out
