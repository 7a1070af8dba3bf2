"""Compliance of a proposed land use with the plan edition in force.

Contract (other domains call it, e.g. trading before publishing a listing)::

    check(session, geom, proposed_land_use) -> ComplianceResult

``geom`` is a shapely (multi)polygon in EPSG:4490 (lon/lat); areas are m² in EPSG:4547.

Rules (GB/T 21010-2017 first-level classes; 05-10 are construction classes):

* construction overlapping basic farmland (永久基本农田)            -> conflict FARMLAND
* construction outside the urban development boundary (城镇开发边界) -> conflict OUTSIDE_BOUNDARY
* construction inside an ecological protection red line (生态保护红线) -> conflict REDLINE
* zoning class differs from the proposed class:
  - construction proposed on an agricultural zone (01-04)          -> conflict ZONING_AGRICULTURAL
  - any other first-level difference (e.g. 07 on a 06 zone)        -> warning ZONING_DIFFERS
    (a change between construction classes inside the boundary is settled by the
    detailed plan, so it is reported, not refused).

Overlaps under :data:`TOLERANCE_M2` are digitising slivers and ignored.
The verdict is "conflict" if any conflict is found, else "compliant" (warnings allowed).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from shapely import Geometry
from sqlalchemy.orm import Session

from gis import landuse
from gis.errors import InvalidInput
from gis.planning import repository
from gis.planning.models import LAYERS

TOLERANCE_M2 = 1.0

MESSAGES: dict[str, tuple[str, str]] = {
    "FARMLAND": ("建设占用永久基本农田", "construction on basic farmland"),
    "OUTSIDE_BOUNDARY": (
        "建设位于城镇开发边界外",
        "construction outside the urban development boundary",
    ),
    "REDLINE": ("建设位于生态保护红线内", "construction inside an ecological protection red line"),
    "ZONING_AGRICULTURAL": (
        "建设用途与农用地用途分区不符",
        "construction use on a zone planned for agricultural use",
    ),
    "ZONING_DIFFERS": (
        "拟用途与规划用途分区不一致",
        "proposed class differs from the zoning class",
    ),
}


@dataclass(frozen=True)
class ZoneShare:
    """A plan zone the geometry falls in, with the overlap in m² and its share of the geometry."""

    layer: str
    layer_zh: str
    layer_en: str
    code: str
    name: str
    area_m2: float
    share: float
    code_zh: str = ""
    code_en: str = ""


@dataclass(frozen=True)
class Finding:
    """A conflict or a warning: a stable code, Chinese and English messages, the area concerned."""

    code: str
    message_zh: str
    message_en: str
    area_m2: float
    layer: str = ""
    zone_code: str = ""


@dataclass
class ComplianceResult:
    """The verdict ("compliant" | "conflict"), what is wrong, the zones touched, and the
    edition it was judged against (id, name, whether it is the one in force)."""

    verdict: str
    proposed_land_use: str
    proposed_zh: str
    proposed_en: str
    area_m2: float
    edition_id: int
    edition_name: str  # the edition judged against, always named (in force or chosen)
    edition_in_force: bool
    conflicts: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    zones: list[ZoneShare] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _finding(code: str, area: float, layer: str = "", zone_code: str = "") -> Finding:
    zh, en = MESSAGES[code]
    return Finding(code, zh, en, round(area, 2), layer, zone_code)


def validate_geometry(geom: Geometry, field_name: str = "geometry") -> Geometry:
    """A non-empty valid polygon in EPSG:4490 with plausible lon/lat, else InvalidInput."""
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise InvalidInput(
            "the geometry must be a non-empty Polygon or MultiPolygon", field=field_name
        )
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput("coordinates must be lon/lat in EPSG:4490", field=field_name)
    if not geom.is_valid:
        raise InvalidInput("the geometry is not valid (self-intersection?)", field=field_name)
    return geom


def _zone_shares(rows: list[repository.ZoneOverlap], total: float) -> list[ZoneShare]:
    out = []
    for r in rows:
        lzh, len_ = LAYERS.get(r.layer, (r.layer, r.layer))
        czh, cen = landuse.names(r.code) if r.layer == "zoning" and r.code else ("", "")
        share = r.area_m2 / total if total > 0 else 0.0
        out.append(
            ZoneShare(
                r.layer, lzh, len_, r.code, r.name, round(r.area_m2, 2), round(share, 4), czh, cen
            )
        )
    return out


def _layer_area(rows: list[repository.ZoneOverlap], layer: str) -> float:
    return sum(r.area_m2 for r in rows if r.layer == layer)


def _construction_findings(rows: list[repository.ZoneOverlap], total: float) -> list[Finding]:
    found = []
    farmland = _layer_area(rows, "farmland")
    if farmland > TOLERANCE_M2:
        found.append(_finding("FARMLAND", farmland, "farmland"))
    outside = max(0.0, total - _layer_area(rows, "development_boundary"))
    if outside > TOLERANCE_M2:
        found.append(_finding("OUTSIDE_BOUNDARY", outside, "development_boundary"))
    red = _layer_area(rows, "ecological_redline")
    if red > TOLERANCE_M2:
        found.append(_finding("REDLINE", red, "ecological_redline"))
    return found


def _zoning_findings(
    rows: list[repository.ZoneOverlap], proposed: str
) -> tuple[list[Finding], list[Finding]]:
    conflicts, warnings = [], []
    for r in rows:
        if r.layer != "zoning" or not r.code or r.area_m2 <= TOLERANCE_M2:
            continue
        if landuse.first_level(r.code) == landuse.first_level(proposed):
            continue
        if landuse.is_construction(proposed) and r.code[:2] in landuse.AGRICULTURAL_CLASSES:
            conflicts.append(_finding("ZONING_AGRICULTURAL", r.area_m2, "zoning", r.code))
        else:
            warnings.append(_finding("ZONING_DIFFERS", r.area_m2, "zoning", r.code))
    return conflicts, warnings


def check(
    session: Session,
    geom: Geometry,
    proposed_land_use: str,
    edition_id: int | None = None,
) -> ComplianceResult:
    """Check ``geom`` (EPSG:4490) for ``proposed_land_use`` against the edition in force.

    ``edition_id`` checks against an older edition instead. Raises InvalidInput for a bad
    class or geometry, NotFound when no edition is in force. Never writes.
    """
    landuse.check(proposed_land_use, field="proposed_land_use")
    validate_geometry(geom)
    edition = repository.edition_for_check(session, edition_id)
    named = repository.edition_row(session, edition)
    total, rows = repository.zone_overlaps(session, geom.wkb, edition)
    conflicts: list[Finding] = []
    if landuse.is_construction(proposed_land_use):
        conflicts += _construction_findings(rows, total)
    zoning_conflicts, warnings = _zoning_findings(rows, proposed_land_use)
    conflicts += zoning_conflicts
    zh, en = landuse.names(proposed_land_use)
    return ComplianceResult(
        verdict="conflict" if conflicts else "compliant",
        proposed_land_use=proposed_land_use,
        proposed_zh=zh,
        proposed_en=en,
        area_m2=round(total, 2),
        edition_id=edition,
        edition_name=named.name,
        edition_in_force=bool(named.in_force),
        conflicts=conflicts,
        warnings=warnings,
        zones=_zone_shares(rows, total),
    )
