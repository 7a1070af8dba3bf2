"""A survey as one GeoJSON FeatureCollection (EPSG:4490 lon/lat), for its map page and
for GIS clients: the surveyed boundary, the registered parcel it is compared with, tracks
as lines, and boundary points, waypoints and any track point not on a drawn line (a
one-fix NMEA log is a single point). Each feature's ``role`` says which it is."""

from __future__ import annotations

from typing import Any

import shapely
import shapely.geometry
from sqlalchemy.orm import Session

from gis.auth.service import Principal
from gis.survey import repository as repo
from gis.survey.ports import ParcelLookup
from gis.survey.report import survey_report


def survey_features(
    session: Session, survey_id: int, lookup: ParcelLookup, viewer: Principal
) -> dict[str, Any]:
    report = survey_report(session, survey_id, lookup, viewer)
    features: list[dict[str, Any]] = []
    wkb = repo.boundary_wkb(session, survey_id)
    if wkb is not None:
        features.append(_feature(shapely.geometry.mapping(shapely.from_wkb(wkb)), "boundary"))
    parcel = report["registered_parcel"]
    if parcel is not None:
        features.append(
            _feature(parcel["geometry"], "registered_parcel", unit_code=parcel["unit_code"])
        )
    drawn: set[int] = set()
    for track in repo.survey_tracks_geojson(session, survey_id):
        drawn.add(track["seq"])
        features.append(_feature(track["geometry"], track["kind"], name=track["name"]))
    for p in repo.survey_points(session, survey_id):
        if p["kind"] in ("track", "route") and p["track_seq"] in drawn:
            continue
        features.append(
            _feature(
                {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                p["kind"],
                seq=p["seq"],
                name=p["name"],
                accuracy_class=p["accuracy_class"],
            )
        )
    return {"type": "FeatureCollection", "features": features, "bbox": _bbox(features)}


def _feature(geometry: dict[str, Any], role: str, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": {"role": role, **props}}


def _bbox(features: list[dict[str, Any]]) -> list[float] | None:
    if not features:
        return None
    geoms = [shapely.geometry.shape(f["geometry"]) for f in features]
    return [float(v) for v in shapely.total_bounds(geoms)]
