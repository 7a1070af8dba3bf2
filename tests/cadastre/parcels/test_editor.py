"""ParcelEditor: the OGC Part 4 editing contract goes through the cadastre's rules."""

from __future__ import annotations

import pytest
from shapely.geometry import mapping, shape
from sqlalchemy.orm import Session

from cadastre.editor import PARCEL_EDITOR
from cadastre.parcels import service
from gis.collections import CollectionEditor
from gis.errors import Conflict, InvalidInput, PreconditionFailed, PreconditionRequired
from tests.cadastre.parcels.conftest import snapshot, touching_pair


def test_editor_update_replace_delete(db: Session) -> None:
    editor: CollectionEditor = PARCEL_EDITOR
    code, _ = touching_pair(db, 4)
    tag = editor.etag(db, code)
    assert editor.update(db, code, {"properties": {"land_use": "0805"}}, tag, "ogc") == code
    with pytest.raises(PreconditionFailed):
        editor.update(db, code, {"properties": {"land_use": "0806"}}, tag, "ogc")
    with pytest.raises(PreconditionRequired):
        editor.delete(db, code, None, "ogc")
    row = service.get(db, code)
    assert row.land_use == "0805" and row.version == 2
    shrunk = shape(row.geometry).buffer(-0.00001)
    feature = {"type": "Feature", "geometry": mapping(shrunk), "properties": {"land_use": "0701"}}
    assert editor.replace(db, code, feature, editor.etag(db, code), "ogc") == code
    assert service.get(db, code).area_m2 < row.area_m2
    editor.delete(db, code, editor.etag(db, code), "ogc")
    assert service.get(db, code).end_lifespan is not None
    with pytest.raises(Conflict):
        editor.update(db, code, {"properties": {"land_use": "0701"}}, tag, "ogc")


def test_editor_refuses_bad_features(db: Session) -> None:
    code, _ = touching_pair(db, 4)
    before = snapshot(db)
    with pytest.raises(InvalidInput) as err:
        PARCEL_EDITOR.update(db, code, {"properties": {"unit_code": "x"}}, '"x"', "ogc")
    assert err.value.field == "properties.unit_code"
    with pytest.raises(InvalidInput) as err:
        PARCEL_EDITOR.create(db, {"type": "Feature", "properties": {"land_use": "07"}}, "ogc")
    assert err.value.field == "properties.subzone_code"
    existing = service.get(db, code).geometry
    feature = {"geometry": existing, "properties": {"subzone_code": code[:12], "land_use": "07"}}
    with pytest.raises(InvalidInput) as err:
        PARCEL_EDITOR.create(db, feature, "ogc")
    assert err.value.field == "geometry" and code in err.value.extra["overlaps"]
    assert snapshot(db) == before
