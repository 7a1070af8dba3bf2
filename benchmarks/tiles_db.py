"""Cold z14 tiles measured inside the database: landgis vs tipg's SQL vs the raw floor.

A throughput ratio measured on a busy machine is noise; a same-run, same-connection
comparison of the three queries is not. For every z14 tile with parcels this runs, on one
connection with the tile pool's settings (autocommit, no parallel workers), alternating
per tile so machine noise hits all three alike:

- ``landgis``: :func:`gis.tiles.repository.render` for the bench collection (the SQL the
  cold tile path runs, change-log marks and feature counts included, the partitions found
  from boxes kept in memory as the tile pool keeps them);
- ``tipg``: the statement tipg 1.6 renders for
  ``/collections/public.parcel/tiles/WebMercatorQuad/{z}/{x}/{y}?properties=...``
  (ST_Segmentize'd envelopes, buffer 256, clipping, ``LIMIT 100000``);
- ``floor``: ``SELECT ST_AsMVT(q, 'parcels', 4096, 'geom') FROM (SELECT <props>,
  ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(z,x,y), 4096, 64, true) ...
  WHERE geom && ST_Transform(ST_TileEnvelope(z,x,y), 4490)) q`` run directly;
- ``floor-best``: the same from the stored ``geom_3857`` with bound z, x, y (prepared after
  five runs by psycopg, as landgis' statement is).

Prints ms per tile (median, mean, p95), the mean tile size and the attributes each
carries, and ``EXPLAIN (ANALYZE, BUFFERS)`` of one busy tile for each.

Then the city-wide view, ``low_zooms``: every z10, z11 and z12 tile of the district made
cold (no tile cache; :func:`render` on the same connection) for the ``parcels`` tileset as
the server composes it (:mod:`cadastre.overview`: subzone outlines in their main land use
at z10, merged by subzone and land use at z11, by block and land use at z12; brought up to
date first and its refresh timed). Per zoom: what a tile holds, features and KiB per tile,
ms of the first pass (database buffers cold for the overview) and of the timed rounds.
Goal: z10 < 50 ms.

    .venv/bin/python -m benchmarks.tiles_db [--database landgis_bench_tiles] [--rounds 3]
        [--low-zooms-only]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, create_engine, text

from benchmarks.bench_tiles import (
    ATTRIBUTES,
    FLOOR_BEST_SQL,
    PROPS,
    ZOOM,
    data_tiles,
    floor_sql,
)
from benchmarks.common import bench_settings, load_average
from gis.settings import override_settings
from gis.tiles.matrix import TileAddress
from gis.tiles.repository import render
from gis.tiles.tilesets import Tileset

_PROPS = ", ".join(PROPS)


def tipg_sql(conn: Connection, z: int, x: int, y: int) -> str:
    """tipg 1.6's tile statement for this tile (its bounds are literals, as tipg renders)."""
    b = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), ST_XMin(g), ST_YMin(g), "
            "ST_XMax(g), ST_YMax(g) FROM (SELECT ST_TileEnvelope(:z, :x, :y) e, "
            "ST_Transform(ST_TileEnvelope(:z, :x, :y), 4490) g) s"
        ),
        {"z": z, "x": x, "y": y},
    ).one()
    left, bottom, right, top, gl, gb, gr, gt = (float(v) for v in b)
    return (
        f"WITH t AS (SELECT {_PROPS}, ST_AsMVTGeom(ST_Transform(geom::geometry, 3857::int), "
        f"ST_Segmentize(ST_MakeEnvelope({left!r}, {bottom!r}, {right!r}, {top!r}), "
        f"{right - left!r}), 4096, 256, true) AS geom FROM public.parcel WHERE true AND "
        f"ST_Intersects(ST_Segmentize(ST_MakeEnvelope({gl!r}, {gb!r}, {gr!r}, {gt!r}, 4490), "
        f"{gr - gl!r}), geom) LIMIT 100000) SELECT ST_AsMVT(t.*, 'default') FROM t"
    )


def bench_tileset() -> Tileset:
    from benchmarks.bench_tiles import bench_app

    catalog = bench_app().state.catalog  # the app's catalog, with the bench collection
    return Tileset(id="bench-parcels", title="bench", layers=(catalog.get("bench-parcels"),))


def timed(
    fn: Callable[[tuple[int, int, int]], bytes], tile: tuple[int, int, int]
) -> tuple[float, int]:
    t0 = time.perf_counter()
    data = fn(tile)
    return (time.perf_counter() - t0) * 1000, len(data)


def run(conn: Connection, tiles: list[tuple[int, int, int]], rounds: int) -> dict[str, Any]:
    """Alternating per tile: landgis, tipg, floor; ms and bytes per tile."""
    tileset = bench_tileset()
    memo: dict[str, Any] = {}
    tipg = {t: tipg_sql(conn, *t) for t in tiles}
    runners: dict[str, Callable[[tuple[int, int, int]], bytes]] = {
        # the partition boxes kept as the server's tile pool keeps them
        "landgis": lambda t: render(conn, tileset, TileAddress(*t), memo).data,
        "tipg": lambda t: bytes(conn.exec_driver_sql(tipg[t]).scalar_one() or b""),
        "floor": lambda t: bytes(conn.exec_driver_sql(floor_sql(*t)).scalar_one() or b""),
        "floor-best": lambda t: bytes(
            conn.exec_driver_sql(FLOOR_BEST_SQL, dict(zip("zxy", t, strict=True))).scalar_one()
            or b""
        ),
    }
    for t in tiles:  # warm the buffers for all
        for fn in runners.values():
            fn(t)
    ms: dict[str, list[float]] = {k: [] for k in runners}
    size: dict[str, list[int]] = {k: [] for k in runners}
    for _ in range(rounds):
        for t in tiles:
            for name, fn in runners.items():
                took, n = timed(fn, t)
                ms[name].append(took)
                size[name].append(n)
    out: dict[str, Any] = {}
    for name in runners:
        v = sorted(ms[name])
        out[name] = {
            "median_ms": round(statistics.median(v), 2),
            "mean_ms": round(statistics.mean(v), 2),
            "p95_ms": round(v[int(0.95 * (len(v) - 1))], 2),
            "mean_kib": round(statistics.mean(size[name]) / 1024, 1),
        }
    for name in ("landgis", "tipg"):
        out[f"{name}_over_floor_mean"] = round(out[name]["mean_ms"] / out["floor"]["mean_ms"], 2)
    best = out["floor-best"]["mean_ms"]
    out["landgis_over_floor_best_mean"] = round(out["landgis"]["mean_ms"] / best, 2)
    out["tipg_over_landgis_mean"] = round(out["tipg"]["mean_ms"] / out["landgis"]["mean_ms"], 2)
    return out


LOW_ZOOMS = (10, 11, 12)
LOW_ZOOM_GOAL_MS = 50.0  # per z10 tile, cold (issue 16)


def parcels_tileset() -> Tileset:
    """The parcel tiles as served: the overviews below z13, the parcels from z13."""
    from cadastre.collections import COLLECTIONS, PARCELS

    layers = tuple(COLLECTIONS)  # the overviews, finest last, then the parcels
    return Tileset(id=PARCELS.id, title=PARCELS.title, layers=layers)


def refresh_overview(settings: Any) -> float:
    """Bring the parcel overview up to date (committed); returns the seconds it took."""
    from sqlalchemy.orm import Session

    from cadastre import overview
    from gis.db import Database

    started = time.perf_counter()
    with (
        Database(settings) as database,
        Session(database.engine_for(settings.sqlalchemy_url())) as session,
    ):
        overview.refresh(session)
        session.commit()
    return round(time.perf_counter() - started, 2)


def district_tiles(conn: Connection, z: int) -> list[tuple[int, int, int]]:
    """Every tile of zoom ``z`` meeting the current parcels' extent."""
    from gis.tiles.matrix import TMS

    w, s, e, n = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            "(SELECT ST_Extent(geom) e FROM parcel WHERE end_lifespan IS NULL) q"
        )
    ).one()
    return [(t.z, t.x, t.y) for t in TMS.tiles(w, s, e, n, [z])]


def low_zooms(conn: Connection, rounds: int) -> dict[str, Any]:
    """Each z10-z12 tile of the district made cold: what it holds, its size and ms."""
    tileset = parcels_tileset()
    out: dict[str, Any] = {}
    for z in LOW_ZOOMS:
        tiles = district_tiles(conn, z)
        first, ms, kib, features = [], [], [], []
        per_tile: dict[tuple[int, int, int], list[float]] = {t: [] for t in tiles}
        for t in tiles:  # first pass: the overview's pages may not be in the buffers yet
            took, _ = timed(lambda t: render(conn, tileset, TileAddress(*t)).data, t)
            first.append(took)
        for _ in range(rounds):
            for t in tiles:
                t0 = time.perf_counter()
                tile = render(conn, tileset, TileAddress(*t))
                ms.append((time.perf_counter() - t0) * 1000)
                per_tile[t].append(ms[-1])
                kib.append(len(tile.data) / 1024)
                features.append(sum(tile.counts.values()))
        drawn = [c for c in tileset.layers if c.min_zoom <= z <= c.max_zoom]
        v = sorted(ms)
        out[f"z{z}"] = {
            "holds": "; ".join(f"{c.title} ({c.table} WHERE {c.where})" for c in drawn),
            "tiles": len(tiles),
            "features_per_tile": round(statistics.mean(features), 1),
            "mean_kib": round(statistics.mean(kib), 1),
            "first_pass_max_ms": round(max(first), 2),
            "median_ms": round(statistics.median(v), 2),
            "mean_ms": round(statistics.mean(v), 2),
            "max_ms": round(v[-1], 2),
            # the slowest tile, each taken at its median over the rounds (a spike of
            # foreign load in one round is not the tile's cost)
            "slowest_tile_median_ms": round(max(map(statistics.median, per_tile.values())), 2),
        }
    slowest = out["z10"]["slowest_tile_median_ms"]
    out["z10_goal"] = f"every z10 tile < {LOW_ZOOM_GOAL_MS:g} ms cold (median of rounds): " + (
        "met" if slowest < LOW_ZOOM_GOAL_MS else "NOT met"
    )
    return out


def explain(conn: Connection, tile: tuple[int, int, int]) -> dict[str, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the three statements for one tile."""
    from gis.tiles import repository

    tileset = bench_tileset()
    sql, params = repository.statement(conn, tileset, TileAddress(*tile), tileset.layers)
    plans = {"landgis": conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql), params)}
    plans["tipg"] = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + tipg_sql(conn, *tile))
    plans["floor"] = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + floor_sql(*tile))
    return {name: "\n".join(r[0] for r in rows) for name, rows in plans.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database", default="landgis_bench_tiles")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tiles", type=int, default=0, help="only the first N tiles (0 = all)")
    ap.add_argument("--explain", action="store_true")
    ap.add_argument("--low-zooms-only", action="store_true", help="only the z10-z12 part")
    args = ap.parse_args()
    load_before = load_average()
    settings = bench_settings(args.database)
    override_settings(settings)
    from landgis.setup import migrate

    migrate(settings)  # the bench database's schema (indexes, overview levels) as checked out
    refreshed = refresh_overview(settings)
    engine = create_engine(
        settings.sqlalchemy_url(),
        isolation_level="AUTOCOMMIT",
        connect_args={"options": "-c max_parallel_workers_per_gather=0"},
    )
    if args.low_zooms_only:
        with engine.connect() as conn:
            result = {"low_zooms": low_zooms(conn, args.rounds), "overview_refresh_s": refreshed}
        result |= {"load_before": round(load_before, 2), "load_after": round(load_average(), 2)}
        print(json.dumps(result, indent=1, ensure_ascii=False))
        return
    tiles = data_tiles(settings)
    if args.tiles:
        tiles = tiles[len(tiles) // 2 : len(tiles) // 2 + args.tiles]  # middle of the district
    with engine.connect() as conn:
        result = run(conn, tiles, args.rounds)
        result["attributes"] = ATTRIBUTES
        result["low_zooms"] = low_zooms(conn, args.rounds)
        result["overview_refresh_s"] = refreshed
        if args.explain:
            for name, plan in explain(conn, tiles[len(tiles) // 2]).items():
                print(f"--- {name}\n{plan}")
    result |= {"zoom": ZOOM, "tiles": len(tiles), "rounds": args.rounds}
    result["load_before"], result["load_after"] = round(load_before, 2), round(load_average(), 2)
    print(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
