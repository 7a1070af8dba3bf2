"""The OGC API documents as response models (issue 17: typed contracts).

The routes build these documents themselves (JSON or HTML by ``f`` and Accept, GeoJSON
assembled in PostGIS), so the models are the declared contract, not re-validated on the
way out. OGC documents are open: a server may add members, so extra ones are allowed.
A feature's ``properties`` are the collection's public columns (``gis.collections``
chooses them); no person's data is a public collection's column.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gis.contracts import Link


class OgcDocument(BaseModel):
    model_config = ConfigDict(extra="allow")


class Landing(OgcDocument):
    title: str
    description: str | None = None
    links: list[Link]


class Conformance(OgcDocument):
    conformsTo: list[str]


class CollectionDoc(OgcDocument):
    id: str
    title: str | None = None
    description: str | None = None
    links: list[Link]
    extent: dict[str, Any] | None = None
    itemType: str | None = None
    crs: list[str] | None = None


class Collections(OgcDocument):
    links: list[Link]
    collections: list[CollectionDoc]
    crs: list[str] | None = None


class JsonSchemaDoc(OgcDocument):
    """Queryables, sortables or returnables: a JSON Schema of a collection's properties."""

    schema_: str | None = Field(None, alias="$schema")
    id_: str | None = Field(None, alias="$id")
    type: str = "object"
    title: str | None = None
    properties: dict[str, dict[str, Any]]


class Feature(OgcDocument):
    """One feature (GeoJSON, coordinates in the requested CRS; CRS84 by default)."""

    type: str = "Feature"
    id: str | int | None = None
    geometry: dict[str, Any] | None
    properties: dict[str, Any] | None
    links: list[Link] | None = None


class FeatureCollection(OgcDocument):
    type: str = "FeatureCollection"
    features: list[Feature]
    numberMatched: int | None = None
    numberReturned: int | None = None
    timeStamp: str | None = None
    links: list[Link] | None = None
