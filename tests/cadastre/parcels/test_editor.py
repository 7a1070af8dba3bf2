"""ParcelEditor: the OGC Part 4 editing contract goes through the cadastre's rules."""

from __future__ import annotations

import pytest
from shapely.geometry import mapping, shape
from sqlalchemy.orm import Session

from cadastre.editor import PARCEL_EDITOR
from cadastre.parcels import service
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.collections import CollectionEditor
from gis.errors import (
    Conflict,
    InvalidInput,
    PermissionDenied,
    PreconditionFailed,
    PreconditionRequired,
)
from tests.cadastre.parcels.conftest import snapshot, touching_pair

REGISTRAR = Principal(1, "ogc-registrar", Role.REGISTRAR)


def test_editor_update_replace_delete(db: Session) -> None:
    editor: CollectionEditor = PARCEL_EDITOR
    code, _ = touching_pair(db, 4)
    tag = editor.etag(db, code)
    assert editor.update(db, code, {"properties": {"land_use": "0805"}}, tag, REGISTRAR) == code
    with pytest.raises(PreconditionFailed):
        editor.update(db, code, {"properties": {"land_use": "0806"}}, tag, REGISTRAR)
    with pytest.raises(PreconditionRequired):
        editor.delete(db, code, None, REGISTRAR)
    row = service.get(db, code)
    assert row.land_use == "0805" and row.version == 2
    shrunk = shape(row.geometry).buffer(-0.00001)
    feature = {"type": "Feature", "geometry": mapping(shrunk), "properties": {"land_use": "0701"}}
    assert editor.replace(db, code, feature, editor.etag(db, code), REGISTRAR) == code
    assert service.get(db, code).area_m2 < row.area_m2
    editor.delete(db, code, editor.etag(db, code), REGISTRAR)
    assert service.get(db, code).end_lifespan is not None
    with pytest.raises(Conflict):
        editor.update(db, code, {"properties": {"land_use": "0701"}}, tag, REGISTRAR)


def test_editor_refuses_bad_features(db: Session) -> None:
    code, _ = touching_pair(db, 4)
    before = snapshot(db)
    with pytest.raises(InvalidInput) as err:
        PARCEL_EDITOR.update(db, code, {"properties": {"unit_code": "x"}}, '"x"', REGISTRAR)
    assert err.value.field == "properties.unit_code"
    with pytest.raises(InvalidInput) as err:
        PARCEL_EDITOR.create(db, {"type": "Feature", "properties": {"land_use": "07"}}, REGISTRAR)
    assert err.value.field == "properties.subzone_code"
    existing = service.get(db, code).geometry
    feature = {"geometry": existing, "properties": {"subzone_code": code[:12], "land_use": "07"}}
    with pytest.raises(InvalidInput) as err:
        PARCEL_EDITOR.create(db, feature, REGISTRAR)
    assert err.value.field == "geometry" and code in err.value.extra["overlaps"]
    assert snapshot(db) == before


def test_editor_only_for_registrars(db: Session) -> None:
    code, _ = touching_pair(db, 4)
    before = snapshot(db)
    tag = PARCEL_EDITOR.etag(db, code)
    for who in (Principal(2, "s", Role.SURVEYOR), Principal(3, "p", Role.PLANNER), None):
        with pytest.raises(PermissionDenied):
            PARCEL_EDITOR.update(db, code, {"properties": {"land_use": "0701"}}, tag, who)
    assert snapshot(db) == before
