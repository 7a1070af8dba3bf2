"""Spatial reads of the partitioned register are planned on the partitions they can touch
(migration 0055, ``gis.extents``): a bbox read and a tile name the subzones whose box meets
their envelope, and find every parcel a full read finds, also a parcel written after the
boxes were read (the tile checks again in its own snapshot and is drawn again)."""

from __future__ import annotations

import json
import random
import time
from typing import Any

import morecantile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import bindparam, event, text
from sqlalchemy.orm import Session

from cadastre.collections import PARCELS
from cadastre.parcels import quality
from cadastre.parcels import repository as parcels_repo
from gis import extents
from gis.tiles.matrix import EXTENT, TileAddress
from gis.tiles.repository import _boxes_key, render
from gis.tiles.statement import FEATURE_MARGIN
from gis.tiles.tilesets import Tileset
from tests.cadastre.test_partitions import _zone_with_subzone
from tests.gis.tiles.mvt import decode

ITEMS = "/ogc/collections/parcels/items"
FAR_ZONE = "441900888"
DX = 0.2  # degrees east of the test district: the far zone's parcels lie alone there


@pytest.fixture
def far_parcels(db: Session) -> list[str]:
    """A second zone whose three parcels lie 0.2 degrees east of the district (the test
    district has one zone, so pruning needs a second one somewhere else)."""
    sub = _zone_with_subzone(db, FAR_ZONE)
    codes = [f"{sub}JC{seq:05d}W00000000" for seq in (1, 2, 3)]
    for offset, code in enumerate(codes):
        db.execute(
            text(
                "INSERT INTO parcel (unit_code, parcel_code, subzone_code, land_use, area_m2, "
                "reg_status, ref_point, geom) SELECT :c, :pc, :s, land_use, area_m2, "
                "'unregistered', ST_Translate(ref_point, :dx, 0), ST_Translate(geom, :dx, 0) "
                "FROM parcel WHERE end_lifespan IS NULL ORDER BY id OFFSET :o LIMIT 1"
            ),
            {"c": code, "pc": code[:19], "s": sub, "dx": DX, "o": offset},
        )
    return codes


def _box(db: Session, where: str, params: dict[str, Any]) -> list[float]:
    row = db.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            f"FROM (SELECT ST_Extent(geom) e FROM parcel WHERE {where}) s"  # noqa: S608
        ),
        params,
    ).one()
    return [float(v) for v in row]


def _pages_run(client: TestClient, db: Session, *queries: dict[str, Any]) -> list[Any]:
    """GET the items with each of ``queries``; the responses, each with the page statement
    it ran (SQL and parameters)."""
    seen: list[tuple[str, Any]] = []
    conn = db.connection()

    def capture(_c: Any, _cur: Any, statement: str, params: Any, *_rest: Any) -> None:
        seen.append((statement, params))

    event.listen(conn, "before_cursor_execute", capture)
    try:
        responses = [client.get(ITEMS, params=q) for q in queries]
    finally:
        event.remove(conn, "before_cursor_execute", capture)
    for r in responses:
        assert r.status_code == 200, r.text
    statements = [(s, p) for s, p in seen if "WITH page AS" in s]
    return list(zip(responses, statements, strict=True))


def _statement(client: TestClient, db: Session, bbox: list[float]) -> tuple[set[str], Any]:
    """The unit codes a bbox read returns, and the page statement it ran (with params)."""
    [(r, statement)] = _pages_run(client, db, {"bbox": ",".join(map(str, bbox)), "limit": 1000})
    return {f["id"] for f in r.json()["features"]}, statement


def _scanned(db: Session, statement: str, params: Any) -> set[str]:
    value = db.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", params)
    plan = value.scalar_one()
    found: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        if str(node.get("Relation Name", "")).startswith("parcel_"):
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    return found


def _planned(db: Session, statement: str, params: Any) -> set[str]:
    """The partitions the planner opened for ``statement`` (it locks each one it plans),
    run in a connection of its own (one that planned the far zone's partition, made
    uncommitted by the fixture, would wait for its lock: it gives up after 5 s)."""
    with db.get_bind().engine.connect() as conn:
        conn.exec_driver_sql("SET lock_timeout = '5s'")
        conn.exec_driver_sql(statement, params).all()
        locked = conn.execute(
            text(
                "SELECT relation::regclass::text FROM pg_locks WHERE pid = pg_backend_pid() "
                "AND locktype = 'relation' AND relation::regclass::text LIKE 'parcel\\_%'"
            )
        ).scalars()
        found = {name for name in locked if "_" not in name.removeprefix("parcel_")}
        conn.rollback()
    return found


def _intersecting(db: Session, bbox: list[float]) -> set[str]:
    """What a read of every partition finds (the answer the pruned read must give)."""
    return set(
        db.execute(
            text(
                "SELECT unit_code FROM parcel WHERE end_lifespan IS NULL AND ST_Intersects("
                "geom, ST_MakeEnvelope(:w, :s, :e, :n, 4490))"
            ),
            dict(zip("wsen", bbox, strict=True)),
        ).scalars()
    )


def test_every_parcel_lies_in_its_subzones_box(db: Session, far_parcels: list[str]) -> None:
    outside = db.execute(
        text(
            "SELECT count(*) FROM parcel p WHERE NOT EXISTS (SELECT 1 FROM "
            "parcel_subzone_extent e WHERE e.subzone_code = p.subzone_code AND e.box ~ p.geom)"
        )
    ).scalar_one()
    assert outside == 0
    assert db.execute(text("SELECT count(*) FROM parcel")).scalar_one() > 100


def test_a_bbox_read_plans_only_the_zones_it_touches(
    client: TestClient, db: Session, far_parcels: list[str]
) -> None:
    far = _box(db, "subzone_code = :s", {"s": far_parcels[0][:12]})
    got, (statement, params) = _statement(client, db, far)
    assert got == set(far_parcels) == _intersecting(db, far)
    assert _scanned(db, statement, params) == {f"parcel_{FAR_ZONE}"}
    # a box in the district: its own zone's partition only, and every parcel a full read finds
    home = db.execute(text("SELECT ST_X(ref_point), ST_Y(ref_point) FROM parcel LIMIT 1")).one()
    box = [home[0] - 0.003, home[1] - 0.003, home[0] + 0.003, home[1] + 0.003]
    got, (statement, params) = _statement(client, db, box)
    assert got and got == _intersecting(db, box)
    zone = next(iter(got))[:9]
    assert _scanned(db, statement, params) == {f"parcel_{zone}"}
    # a box where nothing lies plans no partition at all (with ``= ANY('{}')`` alone
    # PostgreSQL planned all of them: ~100 ms at 5M parcels)
    empty = [far[0] + 0.5, far[1], far[2] + 0.5, far[3]]
    got, (statement, params) = _statement(client, db, empty)
    assert got == set() and params["extent_keys"] == []
    assert _scanned(db, statement, params) == set() == _planned(db, statement, params)


def test_a_parcel_moved_out_of_its_box_grows_it(
    client: TestClient, db: Session, far_parcels: list[str]
) -> None:
    moved = far_parcels[0]
    db.execute(
        text("UPDATE parcel SET geom = ST_Translate(geom, 0, 0.05) WHERE unit_code = :c"),
        {"c": moved},
    )
    where = _box(db, "unit_code = :c", {"c": moved})
    got, _ = _statement(client, db, where)
    assert got == {moved} == _intersecting(db, where)


def test_a_tile_drawn_with_stale_partitions_is_drawn_again(
    db: Session, far_parcels: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tile = _far_tile(db, far_parcels[0], 15)
    tileset = Tileset(id=PARCELS.id, title="parcels", layers=(PARCELS,))
    fresh = render(db, tileset, tile)
    # the boxes read before a parcel of the far zone committed: no subzone meets the tile
    looked: list[list[str]] = []
    real = extents.keys

    def stale(*args: Any) -> list[str]:
        looked.append(real(*args))
        return []

    monkeypatch.setattr(extents, "keys", stale)
    again = render(db, tileset, tile)
    assert looked and looked[0] == [far_parcels[0][:12]]
    assert again.counts == fresh.counts and again.counts["parcels"] >= 1
    assert decode(again.data) == decode(fresh.data)


def _far_tile(db: Session, code: str, z: int) -> TileAddress:
    x, y = db.execute(
        text("SELECT ST_X(ref_point), ST_Y(ref_point) FROM parcel WHERE unit_code = :c"),
        {"c": code},
    ).one()
    t = morecantile.tms.get("WebMercatorQuad").tile(x, y, z)
    return TileAddress(z, t.x, t.y)


def test_the_kept_boxes_plan_every_partition_the_database_would(
    db: Session, far_parcels: list[str]
) -> None:
    """The keys found in memory (the boxes kept by the tile pool) for every z12-z16 tile of
    the district and of the far zone include every key the database finds for the tile,
    and the tiles drawn with them are the tiles drawn with the database's keys."""
    from gis.tiles.repository import _keys
    from gis.tiles.statement import ENVELOPE_4490

    tileset = Tileset(id=PARCELS.id, title="parcels", layers=(PARCELS,))
    memo: dict[str, Any] = {}
    w, s, e, n = _box(db, "end_lifespan IS NULL", {})
    tiles = [
        TileAddress(t.z, t.x, t.y)
        for t in morecantile.tms.get("WebMercatorQuad").tiles(w, s, e, n, [12, 13, 14, 15, 16])
    ]
    extra = 0
    for tile in tiles:
        params = {"z": tile.z, "x": tile.x, "y": tile.y, "margin": FEATURE_MARGIN / EXTENT}
        asked = extents.keys(db, PARCELS, params, ENVELOPE_4490)
        kept = _keys(db, PARCELS, tile, params, memo)
        assert set(asked) <= set(kept), tile
        extra += len(set(kept) - set(asked))
        if tile.z >= 15 and asked:
            assert render(db, tileset, tile, memo).data == render(db, tileset, tile).data
    assert any(far_parcels[0][:12] in _keys(db, PARCELS, t, {}, memo) for t in tiles)
    assert extra <= len(tiles) // 20  # a micro-degree wider, not a different envelope


def test_a_tile_drawn_with_boxes_kept_before_a_write_is_drawn_again(
    db: Session, far_parcels: list[str]
) -> None:
    """Boxes kept in memory before the far zone's parcels were written find no partition for
    their tile: the statement sees the far subzone's key, the tile is drawn again with it,
    and the kept boxes are dropped (read again by the next tile)."""
    tile = _far_tile(db, far_parcels[0], 15)
    tileset = Tileset(id=PARCELS.id, title="parcels", layers=(PARCELS,))
    fresh = render(db, tileset, tile)
    far_subzone = far_parcels[0][:12]
    before = [tuple(r) for r in db.execute(text(BOXES_BEFORE), {"s": far_subzone})]
    memo: dict[str, Any] = {KEPT: (time.monotonic(), extents.Boxes(before))}
    assert _keys_for(memo, tile) == []  # stale: the far subzone is not among them
    again = render(db, tileset, tile, memo)
    assert again.counts == fresh.counts and again.counts["parcels"] >= 1
    assert decode(again.data) == decode(fresh.data)
    assert KEPT not in memo


def test_kept_boxes_are_read_again_after_a_minute(db: Session, far_parcels: list[str]) -> None:
    """Boxes kept longer than BOXES_MAX_AGE_S are read again before they plan a tile (boxes
    that shrank would otherwise keep planning partitions no tile needs)."""
    from gis.tiles.repository import BOXES_MAX_AGE_S, _keys

    tile = _far_tile(db, far_parcels[0], 15)
    old = time.monotonic() - BOXES_MAX_AGE_S - 1
    memo: dict[str, Any] = {KEPT: (old, extents.Boxes([]))}
    assert _keys(db, PARCELS, tile, {}, memo) == [far_parcels[0][:12]]
    assert memo[KEPT][0] > old
    young: dict[str, Any] = {KEPT: (time.monotonic(), extents.Boxes([]))}
    assert _keys(db, PARCELS, tile, {}, young) == []  # not yet: kept as they are


KEPT = _boxes_key(PARCELS)  # where the tile pool keeps the register's boxes
# every kept box but the far zone's subzone (as read before its parcels were written)
BOXES_BEFORE = (
    "SELECT subzone_code::text, ST_XMin(box), ST_YMin(box), ST_XMax(box), ST_YMax(box) "
    "FROM parcel_subzone_extent WHERE box IS NOT NULL AND subzone_code <> :s"
)


def _keys_for(memo: dict[str, Any], tile: TileAddress) -> list[str]:
    from gis.tiles.matrix import envelope_lonlat

    boxes: extents.Boxes = memo[KEPT][1]
    return boxes.meeting(*envelope_lonlat(tile, FEATURE_MARGIN / EXTENT))


def test_the_overlap_check_still_finds_an_overlap_across_zones(
    db: Session, far_parcels: list[str]
) -> None:
    # the quality check's overlap join reads only the zones near the subzone: a parcel of
    # the far zone drawn over a parcel of the district is still found, from either side
    over = db.execute(
        text(
            "UPDATE parcel SET geom = (SELECT ST_Translate(geom, 0.0001, 0) FROM parcel "
            "WHERE end_lifespan IS NULL AND left(unit_code, 9) <> :z ORDER BY id LIMIT 1) "
            "WHERE unit_code = :c RETURNING subzone_code"
        ),
        {"z": FAR_ZONE, "c": far_parcels[0]},
    ).scalar_one()
    home = db.execute(
        text("SELECT subzone_code FROM parcel WHERE left(unit_code, 9) <> :z ORDER BY id LIMIT 1"),
        {"z": FAR_ZONE},
    ).scalar_one()
    for subzone in (over, home):
        report = quality.Report(None)
        quality.check_subzone(db, subzone, report, set(), [])
        pairs = [f["unit_codes"] for f in report.findings["overlap"]]
        assert any(far_parcels[0] in p for p in pairs), subzone


def test_paging_through_the_register_reads_only_the_pages_zones(
    client: TestClient, db: Session, far_parcels: list[str]
) -> None:
    # an unfiltered page in unit-code order is read from the subzones holding it (counted
    # a few at a time): every page equals the one a read of every partition gives
    every = list(
        db.execute(
            text("SELECT unit_code FROM parcel WHERE end_lifespan IS NULL ORDER BY unit_code")
        ).scalars()
    )
    home = every[0][:9]
    for limit, offset in ((7, 0), (50, 13), (1000, 0), (3, len(every) - 5), (10, len(every) - 3)):
        r = client.get(ITEMS, params={"limit": limit, "offset": offset})
        assert r.status_code == 200, r.text
        page = r.json()
        assert [f["id"] for f in page["features"]] == every[offset : offset + limit]
        has_next = any(link["rel"] == "next" for link in page["links"])
        assert has_next == (offset + limit < len(every)), (limit, offset)
    past_the_end = client.get(ITEMS, params={"limit": 5, "offset": len(every) + 10}).json()
    assert past_the_end["features"] == [] and past_the_end["numberReturned"] == 0
    # the first page is planned on the district's zone alone, the last on the far zone's
    first, last = (
        statement
        for _, statement in _pages_run(
            client, db, {"limit": 10}, {"limit": 2, "offset": len(every) - 2}
        )
    )
    assert _scanned(db, *first) == {f"parcel_{home}"}
    assert _scanned(db, *last) == {f"parcel_{FAR_ZONE}"}


def test_deleted_rows_no_longer_widen_their_subzones_box(
    db: Session, far_parcels: list[str]
) -> None:
    # an import's refused rows and a test's cleanup are deleted: the box (and the
    # collection's extent, read from the boxes) shrinks back to the rows left
    box = "SELECT ST_AsText(box) FROM parcel_subzone_extent WHERE subzone_code = :s"
    sub = far_parcels[0][:12]
    before = db.execute(text(box), {"s": sub}).scalar_one()
    db.execute(
        text("UPDATE parcel SET geom = ST_Translate(geom, 0.3, 0.3) WHERE unit_code = :c"),
        {"c": far_parcels[0]},
    )
    assert db.execute(text(box), {"s": sub}).scalar_one() != before  # grown
    db.execute(text("DELETE FROM parcel WHERE unit_code = :c"), {"c": far_parcels[0]})
    shrunk = db.execute(text(box), {"s": sub}).scalar_one()
    assert (
        shrunk
        == db.execute(
            text(
                "SELECT ST_AsText(ST_Expand(ST_SetSRID(ST_Extent(geom)::geometry, 4490), 1e-7)) "
                "FROM parcel WHERE subzone_code = :s"
            ),
            {"s": sub},
        ).scalar_one()
    )
    db.execute(text("DELETE FROM parcel WHERE subzone_code = :s"), {"s": sub})
    assert db.execute(text(box), {"s": sub}).first() is None


def _scan_extent(db: Session) -> list[float]:
    """The register's extent as a scan of every current parcel gives it."""
    return _box(db, "end_lifespan IS NULL", {})


def _read_extent(db: Session) -> list[float]:
    return [float(v) for v in db.execute(text(extents.bounds_sql(PARCELS))).one()]


def test_the_registers_extent_is_read_from_the_subzones_boxes_alone(
    client: TestClient, db: Session, far_parcels: list[str]
) -> None:
    # at 5M parcels a scan outlasted the statement timeout (503): the extent reads no
    # partition of the register, and gives the scan's digits
    plan = db.execute(text(f"EXPLAIN (FORMAT JSON) {extents.bounds_sql(PARCELS)}")).scalar_one()
    relations: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        relations.add(str(node.get("Relation Name", "")))
        for child in node.get("Plans", []):
            walk(child)

    walk((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    assert relations - {""} == {"parcel_subzone_extent"}
    assert _read_extent(db) == _scan_extent(db)
    doc = client.get("/ogc/collections/parcels").json()
    assert doc["extent"]["spatial"]["bbox"][0] == [round(v, 7) for v in _scan_extent(db)]


def test_the_registers_extent_follows_every_kind_of_write(
    db: Session, far_parcels: list[str]
) -> None:
    # random writes as the register and its imports make them (insert, move, retire,
    # delete, a row's other columns), many at the box edges: after each the extent read
    # from the boxes is the scan's, to the last digit
    rng = random.Random(15)
    sub = far_parcels[0][:12]
    edge = (
        "SELECT unit_code FROM parcel WHERE end_lifespan IS NULL AND subzone_code = :s "
        "ORDER BY {} LIMIT 1"
    )
    orders = ["ST_XMin(geom)", "ST_YMin(geom)", "ST_XMax(geom) DESC", "ST_YMax(geom) DESC"]
    for step in range(40):
        kind = rng.choice(["insert", "move", "retire", "delete", "status"])
        code = db.execute(text(edge.format(rng.choice(orders))), {"s": sub}).scalar()
        if kind == "insert" or code is None:
            new = f"{sub}JC{100 + step:05d}W00000000"
            db.execute(
                text(
                    "INSERT INTO parcel (unit_code, parcel_code, subzone_code, land_use, "
                    "area_m2, reg_status, ref_point, geom) SELECT :c, :pc, :s, land_use, "
                    "area_m2, 'unregistered', ST_Translate(ref_point, :dx, :dy), "
                    "ST_Translate(geom, :dx, :dy) FROM parcel WHERE unit_code = :from "
                    "AND end_lifespan IS NULL"
                ),
                {"c": new, "pc": new[:19], "s": sub, "from": far_parcels[1],
                 "dx": rng.uniform(-0.02, 0.02), "dy": rng.uniform(-0.02, 0.02)},
            )  # fmt: skip
        elif kind == "move":
            db.execute(
                text("UPDATE parcel SET geom = ST_Translate(geom, :dx, :dy) WHERE unit_code = :c"),
                {"c": code, "dx": rng.uniform(-0.01, 0.01), "dy": rng.uniform(-0.01, 0.01)},
            )
        elif kind == "retire":
            db.execute(
                text("UPDATE parcel SET end_lifespan = now() WHERE unit_code = :c"), {"c": code}
            )
        elif kind == "delete":
            db.execute(text("DELETE FROM parcel WHERE unit_code = :c"), {"c": code})
        else:
            db.execute(
                text("UPDATE parcel SET reg_status = 'registered' WHERE unit_code = :c"),
                {"c": code},
            )
        assert _read_extent(db) == _scan_extent(db), (step, kind)
    # every parcel of the far zone retired: its subzone adds nothing to the extent
    db.execute(text("UPDATE parcel SET end_lifespan = now() WHERE subzone_code = :s"), {"s": sub})
    assert _read_extent(db) == _scan_extent(db)
    current = "SELECT current_box FROM parcel_subzone_extent WHERE subzone_code = :s"
    assert db.execute(text(current), {"s": sub}).scalar_one() is None


def test_the_registers_own_writes_keep_the_extent_exact(db: Session) -> None:
    # the register's own write paths: a merge (two versions retired, one opened) and the
    # retirement of its westernmost parcel, which moves the extent's western edge
    from cadastre.parcels import service
    from tests.cadastre.parcels.conftest import touching_pair

    a, b = touching_pair(db, 0)
    tags = [service.get(db, c).etag for c in (a, b)]
    service.merge(db, [a, b], if_match=tags, actor="extent-test")
    assert _read_extent(db) == _scan_extent(db)
    west = db.execute(
        text(
            "SELECT unit_code FROM parcel WHERE end_lifespan IS NULL ORDER BY ST_XMin(geom) LIMIT 1"
        )
    ).scalar_one()
    before = _read_extent(db)
    service.retire(db, west, if_match=[service.get(db, west).etag], actor="extent-test")
    assert _read_extent(db) == _scan_extent(db) and _read_extent(db)[0] > before[0]


def _polygon(box: list[float]) -> str:
    w, s, e, n = box
    return f"POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))"


def test_a_spatial_filter_plans_only_the_zones_it_touches(
    client: TestClient, db: Session, far_parcels: list[str]
) -> None:
    far = _box(db, "subzone_code = :s", {"s": far_parcels[0][:12]})
    wide = [far[0], far[1], far[2] + 0.01, far[3]]
    runs = _pages_run(
        client,
        db,
        {"filter": f"S_INTERSECTS(geometry, {_polygon(far)})", "limit": 1000},
        {"filter": f"BBOX(geometry, {','.join(map(str, far))}) AND land_use <> 'x'"},
        # a bbox and a filter: the zones meeting both
        {"filter": f"S_WITHIN(geometry, {_polygon(wide)})", "bbox": ",".join(map(str, far))},
    )
    for r, statement in runs:
        assert {f["id"] for f in r.json()["features"]} == set(far_parcels)
        assert _scanned(db, *statement) == {f"parcel_{FAR_ZONE}"}
    # rows outside the literal pass these: every zone is read, and every row found
    home = next(
        iter(_intersecting(db, [far[0] - 0.3, far[1] - 0.3, far[2], far[3]]) - set(far_parcels))
    )
    for text_filter in (
        f"S_INTERSECTS(geometry, {_polygon(far)}) OR unit_code = '{home}'",
        f"NOT S_DISJOINT(geometry, {_polygon(far)}) OR unit_code = '{home}'",
    ):
        [(r, statement)] = _pages_run(client, db, {"filter": text_filter, "limit": 1000})
        assert {f["id"] for f in r.json()["features"]} == {*far_parcels, home}
        assert len(_scanned(db, *statement)) > 1


def _parcels_run(client: TestClient, db: Session, params: dict[str, Any]) -> tuple[set[str], Any]:
    """GET /api/v1/parcels with ``params``: the unit codes and the statement of the rows."""
    seen: list[tuple[str, Any]] = []
    conn = db.connection()

    def capture(_c: Any, _cur: Any, statement: str, p: Any, *_rest: Any) -> None:
        seen.append((statement, p))

    event.listen(conn, "before_cursor_execute", capture)
    try:
        r = client.get("/api/v1/parcels", params={**params, "limit": 1000})
    finally:
        event.remove(conn, "before_cursor_execute", capture)
    assert r.status_code == 200, r.text
    [statement] = [(s, p) for s, p in seen if "ORDER BY p.unit_code" in s]
    return {f["properties"]["unit_code"] for f in r.json()["features"]}, statement


def test_the_parcel_search_plans_only_the_zones_it_touches(
    client: TestClient, db: Session, far_parcels: list[str]
) -> None:
    far = _box(db, "subzone_code = :s", {"s": far_parcels[0][:12]})
    got, statement = _parcels_run(client, db, {"bbox": ",".join(map(str, far))})
    assert got == set(far_parcels)
    assert _scanned(db, *statement) == {f"parcel_{FAR_ZONE}"}
    got, statement = _parcels_run(client, db, {"zone": FAR_ZONE})
    assert got == set(far_parcels)
    assert _scanned(db, *statement) == {f"parcel_{FAR_ZONE}"}
    # a zone that is not digits is still answered (it matches nothing)
    got, _ = _parcels_run(client, db, {"zone": "44190088x"})
    assert got == set()


def test_a_parcel_read_by_id_plans_only_its_zone(db: Session, far_parcels: list[str]) -> None:
    """The edits' and the monitoring map's reads by id name the parcels' subzones: at 5M
    an id alone planned all 401 zones (~20 ms a read, one read per sold parcel)."""
    ids = list(
        db.execute(
            text("SELECT id FROM parcel WHERE unit_code IN :c ORDER BY id").bindparams(
                bindparam("c", expanding=True)
            ),
            {"c": far_parcels},
        ).scalars()
    )
    seen: list[tuple[str, Any]] = []
    conn = db.connection()

    def capture(_c: Any, _cur: Any, statement: str, p: Any, *_rest: Any) -> None:
        seen.append((statement, p))

    event.listen(conn, "before_cursor_execute", capture)
    try:
        rows = parcels_repo.by_ids(db, ids, far_parcels)
    finally:
        event.remove(conn, "before_cursor_execute", capture)
    assert [r.unit_code for r in rows] == far_parcels
    [statement] = seen
    assert _scanned(db, *statement) == {f"parcel_{FAR_ZONE}"}
