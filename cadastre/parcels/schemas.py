"""Request bodies of parcel edits and the public GeoJSON view of a parcel version.

The public view holds geometry, unit code, land-use class (code, Chinese and English
names), area in m² (EPSG:4547), registration status and lifespan: no personal data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cadastre.parcels.repository import ParcelRow
from cadastre.parcels.service import EditResult
from gis import landuse
from gis.contracts import Coded, Link

GeoJSON = dict[str, Any]

STATUS_NAMES: dict[str, tuple[str, str]] = {
    "registered": ("已登记", "registered"),
    "unregistered": ("未登记", "not yet registered"),
    "seized": ("查封", "seized by a court"),
    "cancelled": ("已注销", "cancelled"),
}


class SplitRequest(BaseModel):
    """Split by a cutting ``line`` (GeoJSON LineString) or into ``parts`` (Polygons)."""

    line: GeoJSON | None = None
    parts: list[GeoJSON] | None = None
    land_uses: list[str] | None = Field(None, description="one GB/T 21010 code per part")


class MergeRequest(BaseModel):
    unit_codes: list[str] = Field(min_length=2)
    land_use: str | None = None


class AdjustRequest(BaseModel):
    """The parcel takes ``geometry``; ``neighbour`` keeps the rest of the two."""

    neighbour: str
    geometry: GeoJSON


class CreateRequest(BaseModel):
    geometry: GeoJSON
    subzone_code: str
    land_use: str
    ownership: str = "G"
    right_type: str = "B"


class ChangeRequest(BaseModel):
    land_use: str | None = None
    geometry: GeoJSON | None = None


def coded(code: str, names: tuple[str, str]) -> dict[str, str]:
    return {"code": code, "zh": names[0], "en": names[1]}


def status_of(code: str) -> dict[str, str]:
    return coded(code, STATUS_NAMES.get(code, (code, code)))


def parcel_feature(row: ParcelRow) -> dict[str, Any]:
    """A parcel version as a GeoJSON Feature (id = unit code) with public attributes only."""
    return {
        "type": "Feature",
        "id": row.unit_code,
        "geometry": row.geometry,
        "properties": {
            "unit_code": row.unit_code,
            "parcel_code": row.parcel_code,
            "subzone_code": row.subzone_code,
            "block_code": row.block_code,
            "land_use": coded(row.land_use, landuse.names(row.land_use)),
            "area_m2": float(row.area_m2),
            "reg_status": status_of(row.reg_status),
            "version": row.version,
            "begin_lifespan": row.begin_lifespan.isoformat(),
            "end_lifespan": row.end_lifespan.isoformat() if row.end_lifespan else None,
            "retired": row.end_lifespan is not None,
            "ref_point": row.ref_point["coordinates"],
            "etag": row.quoted_etag,
        },
    }


def enrich_collection(fc: dict[str, Any]) -> dict[str, Any]:
    """Add zh/en names to the codes of a FeatureCollection built by PostGIS."""
    for f in fc["features"]:
        p = f["properties"]
        f["id"] = p["unit_code"]
        p["land_use"] = coded(p["land_use"], landuse.names(p["land_use"]))
        p["reg_status"] = status_of(p["reg_status"])
        p["etag"] = f'"{p["etag"]}"'
    return fc


def edit_result(result: EditResult) -> dict[str, Any]:
    return {
        "operation": result.operation,
        "edit_id": result.edit_id,
        "retired": result.retired,
        "created": [parcel_feature(r) for r in result.opened],
    }


def history_view(rows: list[ParcelRow], edits: list[dict[str, Any]]) -> dict[str, Any]:
    """All versions (oldest first) and the edits linking them to parents and children."""
    grouped: dict[int, dict[str, Any]] = {}
    for e in edits:
        g = grouped.setdefault(
            e["edit_id"],
            {
                "edit_id": e["edit_id"],
                "operation": e["operation"],
                "actor": e["actor"],
                "at": e["at"].isoformat(),
                "parents": [],
                "children": [],
            },
        )
        for key, code in (("parents", e["parent_code"]), ("children", e["child_code"])):
            if code and code not in g[key]:
                g[key].append(code)
    return {
        "unit_code": rows[-1].unit_code,
        "versions": [parcel_feature(r) for r in rows],
        "edits": list(grouped.values()),
    }


# --- Responses (issue 17: typed contracts): the public GeoJSON view of a parcel version,
# the answer of an edit and the history; only the history's ``actor`` is for staff.


class ParcelProperties(BaseModel):
    """Public attributes of a parcel version (area in m², EPSG:4547)."""

    unit_code: str
    parcel_code: str | None = None
    subzone_code: str | None = None
    block_code: str | None = None
    land_use: Coded
    area_m2: float
    reg_status: Coded
    version: int
    begin_lifespan: str | None = None
    end_lifespan: str | None = None
    retired: bool | None = None
    ref_point: list[float] | None = None
    etag: str


class ParcelFeature(BaseModel):
    """A parcel version as a GeoJSON Feature (EPSG:4490 lon/lat), id = unit code."""

    type: str = "Feature"
    id: str
    geometry: dict[str, Any]
    properties: ParcelProperties


class ParcelCollection(BaseModel):
    """A page of parcels as a GeoJSON FeatureCollection with paging links."""

    type: str = "FeatureCollection"
    features: list[ParcelFeature]
    # left out when counting would read more than 50,000 parcel versions (at 5M parcels
    # the count of a page took 0.8 s), unless the page is the last; the links say whether
    # more follow, as in OGC API Features
    numberMatched: int | None = None
    numberReturned: int
    links: list[Link]


class ParcelEdit(BaseModel):
    """What an edit did: the unit codes retired, the versions opened."""

    operation: str
    edit_id: int
    retired: list[str]
    created: list[ParcelFeature]


class ParcelEditLink(BaseModel):
    """An edit in a parcel's history; ``actor`` (a registrar's username) only for staff."""

    edit_id: int
    operation: str
    at: str
    parents: list[str]
    children: list[str]
    actor: str | None = None


class ParcelHistory(BaseModel):
    unit_code: str
    versions: list[ParcelFeature]
    edits: list[ParcelEditLink]


class UnitCodeParts(BaseModel):
    """A unit code's parts (GB/T 37346) with zh/en names."""

    unit_code: str
    parcel_code: str
    county: str
    zone: str
    subzone: str
    ownership: Coded
    right_type: Coded
    sequence: int | str
    fixture: Coded
    fixture_no: int | str


class FindingNames(BaseModel):
    """A finding kind's names."""

    zh: str
    en: str


class QualityTolerances(BaseModel):
    """The tolerances the check applied (m², and the sliver's thinness ratio)."""

    overlap_m2: float
    gap_m2: float
    sliver_ratio: float


class RegisterFindings(BaseModel):
    """The register's consistency in the zone: counts, kinds and findings by kind; each
    finding names unit codes, never a holder."""

    counts: dict[str, int]
    kinds: dict[str, FindingNames]
    findings: dict[str, list[dict[str, Any]]]


class QualityReport(BaseModel):
    """The quality report of a zone or the whole register: overlaps, gaps inside street
    blocks, invalid geometries and slivers, each finding with its unit codes and its
    location (lon/lat, EPSG:4490), and the register's own consistency."""

    zone: str | None
    subzones: int
    parcels_checked: int
    seconds: float
    tolerances: QualityTolerances
    counts: dict[str, int]
    kinds: dict[str, FindingNames]
    findings: dict[str, list[dict[str, Any]]]
    # named ``register`` in JSON; BaseModel.register (ABC registration) owns the attribute
    register_findings: RegisterFindings = Field(alias="register")
    # read from the kept state: subzones edited since, still to be checked in the background
    # (0: the findings are current), and when the newest findings were kept
    pending_subzones: int = 0
    checked_at: datetime | None = None
