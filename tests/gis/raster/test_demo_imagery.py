"""The demo district's imagery: two generated 4-band scenes of the register's land cover
with four planted changes, imported and compared, give exactly those four patches, each
with the verdict an inspector expects (卫片执法 on first start)."""

from __future__ import annotations

import pytest
import rasterio
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre import demo_imagery
from cadastre.demo_imagery import load_demo_imagery
from gis.raster.demo import PIXEL_M
from gis.raster.service import cog_path, get_raster
from landgis.collections import build_catalog

EXPECTED = {  # planted change -> (direction of the NDVI change, verdict, in basic farmland)
    "farmland_building": ("decrease", "suspected_illegal", True),
    "legal_construction": ("decrease", "approved", False),
    "cleared_forest": ("decrease", "suspected_illegal", None),
    "filled_pond": ("increase", "suspected_illegal", None),
}


def test_demo_imagery_finds_each_planted_change(db: Session) -> None:
    # the approval sources (registered construction parcels), as landgis.setup gives them
    made = load_demo_imagery(db, seed=3, approvals=build_catalog().approvals)
    kinds = {p.kind for p in made.plants}  # the 600-parcel test district has no pond
    assert kinds <= set(EXPECTED) and {"farmland_building", "legal_construction"} <= kinds
    assert len(kinds) >= 3
    with rasterio.open(cog_path(get_raster(db, made.after_id))) as scene:
        assert scene.count == 4 and scene.descriptions == ("blue", "green", "red", "nir")
        assert scene.crs.to_epsg() == 4547
    patches = db.execute(
        text(
            "SELECT id, direction, verdict, in_farmland, geom FROM change_patch WHERE run_id = :r"
        ),
        {"r": made.run_id},
    ).all()
    assert len(patches) == len(made.plants)  # no noise patches
    for plant in made.plants:
        direction, verdict, in_farmland = EXPECTED[plant.kind]
        [hit] = [
            p
            for p in patches
            if db.execute(
                text("SELECT ST_Intersects(:g, ST_GeomFromText(:w, 4490))"),
                {"g": p.geom, "w": plant.geom.wkt},
            ).scalar_one()
        ]
        assert (hit.direction, hit.verdict) == (direction, verdict), plant.kind
        if in_farmland is not None:
            assert hit.in_farmland is in_farmland, plant.kind


def test_a_district_wider_than_a_scene_is_painted_in_its_middle(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a province-size demo (a million parcels) painted whole at 4 m pixels needed 35 GB and
    # was killed; its scenes cover SCENE_MAX_M at the centre, and the sites lie inside
    monkeypatch.setattr(demo_imagery, "SCENE_MAX_M", 1200.0)
    window = demo_imagery.scene_window(db)
    assert window is not None
    x0, y0, x1, y1 = window.bounds
    assert x1 - x0 <= 1200.0 and y1 - y0 <= 1200.0
    made = load_demo_imagery(db, seed=3, approvals=build_catalog().approvals)
    outline = shapely.from_wkt(window.outline)
    assert made.plants and all(outline.covers(p.geom.centroid) for p in made.plants)
    with rasterio.open(cog_path(get_raster(db, made.after_id))) as scene:
        assert max(scene.width, scene.height) <= (1200 + 160) / PIXEL_M + 1
    assert demo_imagery.load_demo_dem(db, seed=3) is not None
