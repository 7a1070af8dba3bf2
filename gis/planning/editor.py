"""ZoneEditor: OGC API Features Part 4 writes on the zones of the plan edition in force.

Implements :class:`gis.collections.CollectionEditor` for one layer. The feature id is
the zone id; the ETag is a hash of the zone's code, name and geometry. Replace, update
and delete need ``If-Match`` (428 without it, 412 when stale). The CollectionEditor
contract makes each write its own unit of work, so each runs in ``transaction(session)``:
it commits when the OGC router calls it bare, and is a savepoint of the router's
transaction once the router opens one.
"""

from __future__ import annotations

from typing import Any

from shapely.geometry import shape
from sqlalchemy.orm import Session

from gis import landuse
from gis.db import transaction
from gis.errors import InvalidInput, NotFound, PreconditionFailed, PreconditionRequired
from gis.planning import repository
from gis.planning.compliance import validate_geometry


def _wkb(geometry: Any) -> bytes:
    try:
        geom = shape(geometry)
    except Exception:
        raise InvalidInput("the geometry is not valid GeoJSON", field="geometry") from None
    return bytes(validate_geometry(geom).wkb)


def _zone_id(fid: str) -> int:
    if not fid.isdigit():
        raise NotFound(f"no zone {fid!r}", field="featureId")
    return int(fid)


def _tags(etag: str | None) -> set[str]:
    if etag is None:
        raise PreconditionRequired("send If-Match with the zone's ETag", field="If-Match")
    return {t.strip().removeprefix("W/").strip('"') for t in etag.split(",")}


class ZoneEditor:
    """Edits the zones of one planning layer in the edition in force (planner role)."""

    def __init__(self, layer: str) -> None:
        self.layer = layer

    def _props(self, feature: dict[str, Any], partial: bool) -> tuple[str | None, str | None]:
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise InvalidInput("properties must be an object", field="properties")
        unknown = set(props) - {"code", "name", "edition_id"}
        if unknown:
            name = sorted(unknown)[0]
            raise InvalidInput(f"unknown property {name}", field=f"properties.{name}")
        code = props.get("code")
        if self.layer == "zoning" and (code is not None or not partial):
            landuse.check(str(code or ""), field="properties.code")
        name = props.get("name")
        if not partial:
            return str(code or ""), str(name or "")
        return (None if code is None else str(code)), (None if name is None else str(name))

    def _locked(self, session: Session, fid: str, etag: str | None) -> int:
        zone_id = _zone_id(fid)
        tags = _tags(etag)
        current = repository.zone_etag(session, zone_id, self.layer, lock=True)
        if current is None:
            raise NotFound(f"no zone {fid} in layer {self.layer}", field="featureId")
        if current not in tags and "*" not in tags:
            raise PreconditionFailed("the zone was changed since you read it", field="If-Match")
        return zone_id

    def create(self, session: Session, feature: dict[str, Any], actor: Any) -> str:
        code, name = self._props(feature, partial=False)
        wkb = _wkb(feature.get("geometry"))
        with transaction(session):
            edition = repository.edition_for_check(session, None)
            zone_id = repository.insert_zone(
                session, edition, self.layer, code or "", name or "", wkb
            )
        return str(zone_id)

    def replace(
        self, session: Session, fid: str, feature: dict[str, Any], etag: str | None, actor: Any
    ) -> str:
        code, name = self._props(feature, partial=False)
        wkb = _wkb(feature.get("geometry"))
        with transaction(session):
            zone_id = self._locked(session, fid, etag)
            repository.update_zone(session, zone_id, code, name, wkb)
        return fid

    def update(
        self, session: Session, fid: str, patch: dict[str, Any], etag: str | None, actor: Any
    ) -> str:
        code, name = self._props(patch, partial=True)
        wkb = _wkb(patch["geometry"]) if patch.get("geometry") is not None else None
        with transaction(session):
            zone_id = self._locked(session, fid, etag)
            repository.update_zone(session, zone_id, code, name, wkb)
        return fid

    def delete(self, session: Session, fid: str, etag: str | None, actor: Any) -> None:
        with transaction(session):
            zone_id = self._locked(session, fid, etag)
            repository.delete_zone(session, zone_id)

    def etag(self, session: Session, fid: str) -> str:
        found = repository.zone_etag(session, _zone_id(fid), self.layer)
        if found is None:
            raise NotFound(f"no zone {fid} in layer {self.layer}", field="featureId")
        return found
