"""The parcel overview behind the city-wide tiles (z10-z12): built from the register,
kept up to date from the tile change log, equal to a full rebuild after random edits,
and drawn as the layer ``parcels`` of the parcel tiles below z13."""

from __future__ import annotations

import random
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from cadastre import overview
from gis.db import Database
from tests.gis.tiles.conftest import tile_at
from tests.gis.tiles.mvt import decode

ROWS = (
    "SELECT level, subzone_code, block_code, land_use, parcels, area_m2, "
    "round(ST_Area(geom::geography)) AS geo_area FROM parcel_overview "
    "ORDER BY 1, 2, 3, 4"
)


def _rows(db: Session) -> list[tuple[object, ...]]:
    return [tuple(r) for r in db.execute(text(ROWS))]


def test_overview_sums_the_current_register(db: Session) -> None:
    overview.refresh(db)
    for level in ("block", "subzone", "subzone_main"):
        parcels, area = db.execute(
            text("SELECT sum(parcels), sum(area_m2) FROM parcel_overview WHERE level = :l"),
            {"l": level},
        ).one()
        expected = db.execute(
            text("SELECT count(*), sum(area_m2) FROM parcel WHERE end_lifespan IS NULL")
        ).one()
        assert (parcels, area) == tuple(expected)
    valid = db.execute(text("SELECT bool_and(ST_IsValid(geom)) FROM parcel_overview"))
    assert valid.scalar_one()


def test_z10_holds_one_outline_per_subzone_in_its_main_land_use(db: Session) -> None:
    overview.refresh(db)
    outlines = {
        r.subzone_code: r.land_use
        for r in db.execute(
            text("SELECT subzone_code, land_use FROM parcel_overview WHERE level = 'subzone_main'")
        )
    }
    main = {  # the land use of most area in each subzone, from the parcels themselves
        r.subzone_code: r.land_use
        for r in db.execute(
            text(
                "SELECT DISTINCT ON (subzone_code) subzone_code, land_use FROM parcel "
                "WHERE end_lifespan IS NULL GROUP BY subzone_code, land_use "
                "ORDER BY subzone_code, sum(area_m2) DESC, land_use"
            )
        )
    }
    assert outlines == main
    parts = db.execute(
        text(
            "SELECT sum(ST_NumGeometries(geom)) FILTER (WHERE level = 'subzone_main'), "
            "sum(ST_NumGeometries(geom)) FILTER (WHERE level = 'subzone') FROM parcel_overview"
        )
    ).one()
    assert parts[0] < parts[1]  # the blocks closed over the streets: fewer, larger shapes


def test_incremental_refresh_equals_a_full_rebuild_after_random_edits(db: Session) -> None:
    overview.refresh(db)
    rng = random.Random(11)
    ids = list(db.scalars(text("SELECT id FROM parcel WHERE end_lifespan IS NULL ORDER BY id")))
    for parcel_id in rng.sample(ids, 12):  # a new land use for some, retirement for others
        if rng.random() < 0.5:
            db.execute(
                text("UPDATE parcel SET land_use = :u WHERE id = :i"),
                {"u": rng.choice(["0701", "0502", "0601", "0101"]), "i": parcel_id},
            )
        else:
            db.execute(
                text("UPDATE parcel SET end_lifespan = now() WHERE id = :i"), {"i": parcel_id}
            )
    done = overview.refresh(db)
    assert done.blocks is not None and 0 < done.blocks <= 12 * 2  # only the touched blocks
    incremental = _rows(db)
    overview.rebuild(db)
    assert incremental == _rows(db)
    again = overview.refresh(db)
    assert again.blocks == 0  # nothing new in the log: nothing rebuilt


def test_a_whole_table_change_rebuilds_everything(db: Session) -> None:
    overview.refresh(db)
    db.execute(text("INSERT INTO tile_change (table_name) VALUES ('parcel')"))  # as a bulk load
    assert overview.refresh(db).blocks is None


def test_city_wide_tiles_draw_the_overview(client: TestClient, db: Session) -> None:
    overview.refresh(db)
    lon, lat = db.execute(
        text("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(geom)) c FROM parcel) s")
    ).one()
    for z in (10, 11, 12):
        tile = tile_at(lon, lat, z)
        resp = client.get(f"/ogc/collections/parcels/tiles/WebMercatorQuad/{z}/{tile.y}/{tile.x}")
        assert resp.status_code == 200, (z, resp.status_code)
        layer = decode(resp.content)["parcels"]
        assert layer.features and {"land_use", "parcels"} <= set(layer.features[0]["properties"])
    meta = client.get("/ogc/collections/parcels/tiles/WebMercatorQuad").json()
    [layer_meta] = meta["layers"]
    assert layer_meta["minTileMatrix"] == "10" and "z10: " in layer_meta["description"]
    tj = client.get("/ogc/collections/parcels/tiles/WebMercatorQuad/tilejson.json").json()
    assert tj["minzoom"] == 10 and [v["id"] for v in tj["vector_layers"]] == ["parcels"]


def test_each_overviews_extent_is_the_registers_and_covers_its_rows(
    client: TestClient, db: Session
) -> None:
    # at 5M parcels a scan of the overview table took 0.9 s of /ogc/collections: the
    # overviews give the register's extent (read from the subzones' boxes), which holds
    # every overview row, as the scan of each level shows
    overview.refresh(db)
    register = client.get("/ogc/collections/parcels").json()["extent"]["spatial"]["bbox"][0]
    for cid, level in (
        ("parcels-by-block", "block"),
        ("parcels-by-subzone", "subzone"),
        ("parcels-subzone-outlines", "subzone_main"),
    ):
        doc = client.get(f"/ogc/collections/{cid}").json()
        assert doc["extent"]["spatial"]["bbox"][0] == register, cid
        x0, y0, x1, y1 = db.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT "
                "ST_Extent(geom) e FROM parcel_overview WHERE level = :level) s"
            ),
            {"level": level},
        ).one()
        eps = 1e-7  # the extent's rounding
        assert register[0] - eps <= x0 and register[1] - eps <= y0, cid
        assert x1 <= register[2] + eps and y1 <= register[3] + eps, cid


def test_a_self_intersecting_parcel_does_not_stop_the_overview(db: Session) -> None:
    """The demo generator made such parcels; ST_Union over one raised a GEOS topology error
    and every pass failed, so the city-wide view was never built."""
    parcel_id, x0, y0, x1, y1 = db.execute(
        text(
            "SELECT id, ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM parcel "
            "WHERE end_lifespan IS NULL ORDER BY id LIMIT 1"
        )
    ).one()
    bowtie = f"MULTIPOLYGON((({x0} {y0}, {x1} {y1}, {x1} {y0}, {x0} {y1}, {x0} {y0})))"
    db.execute(
        text("UPDATE parcel SET geom = ST_GeomFromText(:g, 4490) WHERE id = :i"),
        {"g": bowtie, "i": parcel_id},
    )
    assert not db.execute(
        text("SELECT ST_IsValid(geom) FROM parcel WHERE id = :i"), {"i": parcel_id}
    ).scalar_one()
    overview.rebuild(db)
    test_overview_sums_the_current_register(db)


def test_a_bulk_loads_rebuild_runs_in_chunks_that_survive_a_stop(
    engine: Engine, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a bulk load the background pass builds the overview a chunk of subzones per
    transaction. Stopped midway (a restart), the chunks built stay, the rest wait, and the
    next pass builds only those: the result equals a rebuild in one go."""
    with engine.begin() as conn:  # committed: the overview is derived, the pass rebuilds it
        conn.execute(text("INSERT INTO tile_change (table_name) VALUES ('parcel')"))
        subzones = conn.execute(text("SELECT count(*) FROM cadastral_subzone")).scalar_one()
    assert subzones >= 3
    monkeypatch.setattr(overview, "CHUNK_SUBZONES", 1)
    real, built = overview._rebuild_touched, []

    def stops_at_the_third(session: Session) -> int:
        built.append(1)
        if len(built) == 3:
            raise KeyboardInterrupt  # the server stopped
        return real(session)

    monkeypatch.setattr(overview, "_rebuild_touched", stops_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        _pass(database)
    with Session(engine) as session:
        waiting = session.execute(text("SELECT count(*) FROM overview_waiting")).scalar_one()
        done = session.execute(
            text("SELECT count(DISTINCT subzone_code) FROM parcel_overview")
        ).scalar_one()
    assert waiting == subzones - 2 and done == 2
    monkeypatch.setattr(overview, "_rebuild_touched", real)
    finished = _pass(database)
    assert finished.waiting == 0 and not finished.skipped
    with Session(engine) as session:
        chunked = _rows(session)
        overview.rebuild(session)  # rolled back when the session closes
        assert chunked == _rows(session) and chunked


def _pass(database: Database) -> overview.Refresh:
    for _ in range(100):  # a live server's own pass may hold the lock for a moment
        done = overview.refresh_pass(database)
        if not done.skipped:
            return done
        time.sleep(0.1)
    raise AssertionError("the overview stayed locked")
