"""Cold z14 tiles measured inside the database: landgis vs tipg's SQL vs the raw floor.

A throughput ratio measured on a busy machine is noise; a same-run, same-connection
comparison of the three queries is not. For every z14 tile with parcels this runs, on one
connection with the tile pool's settings (autocommit, no parallel workers), alternating
per tile so machine noise hits all three alike:

- ``landgis``: :func:`gis.tiles.repository.render` for the bench collection (the SQL the
  cold tile path runs, change-log marks and feature counts included);
- ``tipg``: the statement tipg 1.6 renders for
  ``/collections/public.parcel/tiles/WebMercatorQuad/{z}/{x}/{y}?properties=...``
  (ST_Segmentize'd envelopes, buffer 256, clipping, ``LIMIT 100000``);
- ``floor``: ``SELECT ST_AsMVT(q, 'parcels', 4096, 'geom') FROM (SELECT <props>,
  ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(z,x,y), 4096, 64, true) ...
  WHERE geom && ST_Transform(ST_TileEnvelope(z,x,y), 4490)) q`` run directly.

Prints ms per tile (median, mean, p95), the mean tile size and the attributes each
carries, and ``EXPLAIN (ANALYZE, BUFFERS)`` of one busy tile for each.

    .venv/bin/python -m benchmarks.tiles_db [--database landgis_bench_tiles] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, create_engine, text

from benchmarks.bench_tiles import ATTRIBUTES, PROPS, ZOOM, data_tiles, floor_sql
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
    tipg = {t: tipg_sql(conn, *t) for t in tiles}
    runners: dict[str, Callable[[tuple[int, int, int]], bytes]] = {
        "landgis": lambda t: render(conn, tileset, TileAddress(*t)).data,
        "tipg": lambda t: bytes(conn.exec_driver_sql(tipg[t]).scalar_one() or b""),
        "floor": lambda t: bytes(conn.exec_driver_sql(floor_sql(*t)).scalar_one() or b""),
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
    out["tipg_over_landgis_mean"] = round(out["tipg"]["mean_ms"] / out["landgis"]["mean_ms"], 2)
    return out


def explain(conn: Connection, tile: tuple[int, int, int]) -> dict[str, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the three statements for one tile."""
    from gis.tiles import repository

    tileset = bench_tileset()
    render(conn, tileset, TileAddress(*tile))
    sql = next(iter(repository._sql_cache.values()))  # the landgis statement just built
    z, x, y = tile
    params = {"z": z, "x": x, "y": y, "margin": 64 / 4096, "tol": 0.0, "tables": ["parcel"]}
    params |= {"name0": "bench-parcels", "lim0": 50_000}
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
    args = ap.parse_args()
    load_before = load_average()
    settings = bench_settings(args.database)
    override_settings(settings)
    tiles = data_tiles(settings)
    if args.tiles:
        tiles = tiles[len(tiles) // 2 : len(tiles) // 2 + args.tiles]  # middle of the district
    engine = create_engine(
        settings.sqlalchemy_url(),
        isolation_level="AUTOCOMMIT",
        connect_args={"options": "-c max_parallel_workers_per_gather=0"},
    )
    with engine.connect() as conn:
        result = run(conn, tiles, args.rounds)
        result["attributes"] = ATTRIBUTES
        if args.explain:
            for name, plan in explain(conn, tiles[len(tiles) // 2]).items():
                print(f"--- {name}\n{plan}")
    result |= {"zoom": ZOOM, "tiles": len(tiles), "rounds": args.rounds}
    result["load_before"], result["load_after"] = round(load_before, 2), round(load_average(), 2)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
