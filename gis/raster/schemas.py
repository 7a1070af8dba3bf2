"""Request bodies and query parsing of the raster endpoints (errors name the field)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gis.errors import InvalidInput


class ChangeCreate(BaseModel):
    """POST /api/v1/changes: compare raster ``before_id`` with raster ``after_id``."""

    before_id: int = Field(ge=1)
    after_id: int = Field(ge=1)
    threshold: float | None = Field(
        None, gt=0, description="|change| that counts (default 0.2 NDVI, 0.25 band difference)"
    )
    min_area_m2: float = Field(200.0, ge=0, description="smallest patch kept, m² (EPSG:4547)")
    job_id: str | None = Field(None, pattern="^[0-9a-f]{32}$")


def parse_date(value: str | None, field: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", field=field) from None


def parse_datetime_range(value: str | None) -> tuple[date | None, date | None]:
    """``YYYY-MM-DD``, ``start/end`` or with ``..`` for an open end (STAC style)."""
    if not value:
        return None, None
    if "/" not in value:
        day = parse_date(value[:10], "datetime")
        return day, day
    start, _, end = value.partition("/")
    return (
        None if start in ("", "..") else parse_date(start[:10], "datetime"),
        None if end in ("", "..") else parse_date(end[:10], "datetime"),
    )


class RasterJob(BaseModel):
    """The public state of a raster import or change-detection job (its owner's view)."""

    id: str
    kind: str
    status: str
    stage: str
    done: int | None
    total: int | None
    result: dict[str, Any]
    error: str | None
    started_at: str | None
    percent: float | None


class StacLink(BaseModel):
    rel: str
    href: str
    type: str | None = None


class StacAsset(BaseModel):
    """A file of the item (the COG); ``file:size`` and ``raster:bands`` beside these."""

    model_config = ConfigDict(extra="allow")

    href: str
    type: str
    roles: list[str]


class StacProperties(BaseModel):
    """An item's properties; the ``landgis:*``, ``proj:*`` and ``eo:bands`` members beside these."""

    model_config = ConfigDict(extra="allow")

    title: str
    datetime: str | None = None
    created: str | None = None
    constellation: str | None = None
    gsd: float | None = None


class StacItem(BaseModel):
    """One catalogued raster as a STAC item: footprint and bbox in EPSG:4490 lon/lat."""

    type: str = Field(description="Feature")
    stac_version: str
    stac_extensions: list[str]
    id: str
    geometry: dict[str, Any]
    bbox: list[float]
    properties: StacProperties
    assets: dict[str, StacAsset]
    links: list[StacLink]


class StacItemCollection(BaseModel):
    """A page of the catalogue (GeoJSON FeatureCollection of STAC items)."""

    type: str = Field(description="FeatureCollection")
    numberMatched: int  # noqa: N815 (the OGC member name)
    numberReturned: int  # noqa: N815
    features: list[StacItem]


class ChangeRunPublic(BaseModel):
    """A change-detection run: the two rasters, the method and threshold, the grid, and
    how many patches it found (``created_by``: the staff account that ran it, empty unless
    the caller is platform staff)."""

    id: int
    before_id: int
    after_id: int
    method: str
    threshold: float
    min_area_m2: float
    grid: dict[str, Any]
    patch_count: int
    created_by: str
    created_at: str | None = None


class PatchProperties(BaseModel):
    """A changed patch (图斑): area (m², a decimal string), the change, its overlay with
    planning zones and approvals, the verdict and the field check (names in zh and en);
    ``checked_by`` (the inspector's account) is empty unless the caller is platform staff."""

    run_id: int
    area_m2: str
    mean_change: float
    direction: str
    direction_zh: str
    direction_en: str
    in_farmland: bool
    approved_ratio: float
    verdict: str
    verdict_zh: str
    verdict_en: str
    status: str
    status_zh: str
    status_en: str
    note: str
    photo: str
    checked_by: str
    checked_at: str | None = None
    zones: list[dict[str, Any]]
    parcels: list[dict[str, Any]]


class PatchFeature(BaseModel):
    """One patch as a GeoJSON Feature (EPSG:4490)."""

    type: str = Field(description="Feature")
    id: int
    geometry: dict[str, Any]
    properties: PatchProperties


class PatchCollection(BaseModel):
    """The enforcement list: a GeoJSON FeatureCollection of patches."""

    type: str = Field(description="FeatureCollection")
    numberMatched: int  # noqa: N815 (the OGC member name)
    numberReturned: int  # noqa: N815
    features: list[PatchFeature]


class ChangeRunWithPatches(ChangeRunPublic):
    """A run and its patches; ``job`` is the job that ran it (a new run only)."""

    job: str | None = None
    patches: PatchCollection
