"""Vector tiles: landgis vs tipg serving the same 200,000-parcel table, z14 MVT.

Builds (or, with ``--reuse``, keeps) a demo register in its own database (default
``landgis_bench_tiles``), installs tipg into ``benchmarks/.peers/tipg`` if missing, and
starts three servers on free ports, each one uvicorn worker:

- ``tipg``: tipg 1.6.1, ``/collections/public.parcel/tiles/WebMercatorQuad/{z}/{x}/{y}``
  with the same four properties (tipg has no tile cache: every tile is made);
- ``landgis-cold``: landgis with ``LANDGIS_TILE_CACHE_ITEMS=0`` (every tile is made);
- ``landgis-warm``: landgis with the cache on, every tile fetched once before timing.

Every z14 tile with parcels is fetched once by each server before timing (database
buffers warm for all). Then, at concurrency 1, 8 and 32, a loopback asyncio client
(raw HTTP/1.1 keep-alive) fetches the tiles round-robin and prints requests/s and
p50/p95 latency, and the ratios landgis/tipg. Goals: cold >= tipg, warm >= 10x tipg.

A third column, ``floor``, is the raw query (:func:`floor_sql`) run directly over
psycopg connections with the tile pool's settings (autocommit, no parallel workers), one
per client: no HTTP, no Python beyond the driver. A fourth, ``floor-best``, is the fastest
the database alone makes the same tile: the raw query with bound parameters, prepared
(psycopg prepares landgis' statement too, after five runs on a connection), reading the
register's stored Web Mercator geometry (``geom_3857``, migration 0062) as landgis does.
Each row prints the mean tile size; the summary says what attributes each tile carries
(``ATTRIBUTES``).

    .venv/bin/python -m benchmarks.bench_tiles [--parcels 200000] [--reuse] [--requests 200]
        [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import text

from benchmarks.common import (
    PEERS,
    bench_settings,
    build_demo_database,
    database_has_parcels,
    free_port,
    landgis_env,
    load_average,
    package_version,
    peer_dsn,
    peer_python,
    save_result,
    start,
)
from gis.db import Database
from gis.settings import Settings, override_settings

TIPG = "tipg==1.6.1"
PROPS = ["unit_code", "land_use", "area_m2", "reg_status"]
ZOOM = 14
ATTRIBUTES = {
    "tipg": "unit_code, land_use, area_m2 (numeric: a string), reg_status; no feature id; "
    "features meeting the tile; buffer 256",
    "landgis": "unit_code, land_use, area_m2 (float8), reg_status; no feature id (unit_code "
    "is the id, as in the public parcels collection); features meeting the tile grown by 24 "
    "units; buffer 64",
    "floor": "unit_code, land_use, area_m2 (numeric), reg_status; no feature id; "
    "features meeting the tile; buffer 64",
    "floor-best": "as floor, from geom_3857, prepared with bound z, x, y",
}


def _floor(geom: str, z: str, x: str, y: str) -> str:
    """One ST_AsMVT over the index-driven rows of the tile, nothing else (``z/x/y``: SQL)."""
    env = f"ST_TileEnvelope({z}, {x}, {y})"
    return (
        f"SELECT ST_AsMVT(q, 'parcels', 4096, 'geom') FROM (SELECT {', '.join(PROPS)}, "
        f"ST_AsMVTGeom({geom}, {env}, 4096, 64, true) AS geom "
        f"FROM parcel WHERE geom && ST_Transform({env}, 4490)) q"
    )


def floor_sql(z: int, x: int, y: int) -> str:
    """The raw floor: the tile's values written into the statement, every row transformed."""
    return _floor("ST_Transform(geom, 3857)", str(int(z)), str(int(x)), str(int(y)))


FLOOR_BEST_SQL = _floor("geom_3857", "%(z)s", "%(x)s", "%(y)s")


def floor_query(best: bool, z: int, x: int, y: int) -> tuple[str, dict[str, int] | None]:
    """The floor's statement and parameters for one tile (``best``: see ``floor-best``)."""
    return (FLOOR_BEST_SQL, {"z": z, "x": x, "y": y}) if best else (floor_sql(z, x, y), None)


def build(settings: Settings, parcels: int, seed: int) -> None:
    """Create the bench database afresh, migrate, load the demo district."""
    build_demo_database(settings, parcels, seed, ())


def data_tiles(settings: Settings) -> list[tuple[int, int, int]]:
    """Every z14 tile holding parcels (x, y from the parcels' reference points)."""
    from gis.tiles.matrix import TMS

    with (
        Database(settings) as database,
        database.engine_for(settings.sqlalchemy_url()).connect() as conn,
    ):
        west, south, east, north = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                "(SELECT ST_Extent(geom) e FROM parcel WHERE end_lifespan IS NULL) s"
            )
        ).one()
    return [(t.z, t.x, t.y) for t in TMS.tiles(west, south, east, north, [ZOOM])]


def ensure_tipg() -> Path:
    """The python of tipg's own venv in ``.peers/tipg``, installed on first use."""
    return peer_python("tipg", [TIPG, "uvicorn"], "tipg")


def start_servers(
    settings: Settings, servers: dict[str, tuple[str, subprocess.Popen[bytes]]]
) -> None:
    """Start tipg, landgis-cold and landgis-warm into ``servers`` (name -> template, process)."""
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("LANDGIS_", "TIPG_"))}
    port = free_port()
    tipg_env = base_env | {
        "DATABASE_URL": peer_dsn(settings),
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": '["public.parcel"]',
        "TIPG_DB_SPATIAL_EXTENT": "false",
        "TIPG_DB_DATETIME_EXTENT": "false",
        "TIPG_MAX_FEATURES_PER_TILE": "100000",
    }
    cmd = [str(ensure_tipg()), "-m", "uvicorn", "tipg.main:app", "--port", str(port)]
    props = ",".join(PROPS)
    tipg_url = (
        f"http://127.0.0.1:{port}/collections/public.parcel/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}"
        f"?geom-column=geom&properties={props}"
    )
    ready = f"http://127.0.0.1:{port}/healthz"
    servers["tipg"] = (tipg_url, start("tipg", cmd + ["--log-level", "warning"], tipg_env, ready))
    for name, items in (("landgis-cold", "0"), ("landgis-warm", "20000")):
        port = free_port()
        env = landgis_env(settings, ("TIPG_",)) | {"LANDGIS_TILE_CACHE_ITEMS": items}
        cmd = [sys.executable, "-m", "uvicorn", "benchmarks.bench_tiles:bench_app", "--factory"]
        cmd += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
        url = f"http://127.0.0.1:{port}/ogc/collections/bench-parcels/tiles/WebMercatorQuad/"
        ready = f"http://127.0.0.1:{port}/ogc/tileMatrixSets"
        servers[name] = (url + "{z}/{y}/{x}", start(name, cmd, env, ready))  # OGC order


def bench_app() -> Any:
    """The landgis app with the bench collection: the public parcels collection at z14 (the
    same table, filter, 4 properties, id, stored Web Mercator geometry and partition
    boxes), without its zoom limits and overviews."""
    from cadastre.collections import PARCELS
    from gis.collections import Collection
    from landgis.app import create_app

    app = create_app()
    app.state.catalog = app.state.catalog.extended(
        [
            Collection(
                id="bench-parcels",
                title="parcels",
                description="bench",
                table="parcel",
                properties={
                    "unit_code": "string",
                    "land_use": "string",
                    "area_m2": "number",
                    "reg_status": "string",
                },
                id_column="unit_code",  # as the public "parcels" collection: no extra fid
                tile_geometry_column="geom_3857",  # as the public "parcels" collection
                extents=PARCELS.extents,  # its tiles planned on the partitions they touch
                where="end_lifespan IS NULL",
            )
        ]
    )
    return app


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one HTTP/1.1 response (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        await reader.readexactly(2)
        return status, body
    return status, b""


async def load(
    template: str, tiles: list[tuple[int, int, int]], n: int, conc: int
) -> dict[str, Any]:
    """Fetch ``n`` tiles round-robin over ``conc`` keep-alive connections (a minimal
    asyncio HTTP/1.1 client: cheaper than httpx, so the servers are what is measured)."""
    url = httpx.URL(template.format(z=0, x=0, y=0))
    paths = [httpx.URL(template.format(z=z, x=x, y=y)).raw_path.decode() for z, x, y in tiles]
    latencies: list[float] = []
    sizes: list[int] = []
    counter = iter(range(n))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(url.host, url.port)
        try:
            for i in counter:
                path = paths[i % len(paths)]
                t0 = time.perf_counter()
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {url.host}\r\n\r\n".encode())
                status, body = await _read_response(reader)
                latencies.append(time.perf_counter() - t0)
                if status not in (200, 204):
                    raise RuntimeError(f"{path} -> {status}: {body[:200]!r}")
                sizes.append(len(body))
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conc)))
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": n,
        "concurrency": conc,
        "rps": round(n / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 2),
        "mean_kib": round(statistics.mean(sizes) / 1024, 1),
    }


def floor_load(
    settings: Settings, tiles: list[tuple[int, int, int]], n: int, conc: int, best: bool = False
) -> dict[str, Any]:
    """The floor at concurrency ``conc``: ``n`` raw tile queries round-robin, one psycopg
    connection (autocommit, no parallel workers) per thread, the same figures as load();
    ``best``: the ``floor-best`` statement, prepared."""
    from concurrent.futures import ThreadPoolExecutor

    dsn = settings.sqlalchemy_url().replace("postgresql+psycopg://", "postgresql://")
    conns = [
        psycopg.connect(dsn, autocommit=True, options="-c max_parallel_workers_per_gather=0")
        for _ in range(conc)
    ]
    latencies: list[float] = []
    sizes: list[int] = []
    counter = iter(range(n))

    def worker(conn: psycopg.Connection[Any]) -> None:
        for i in counter:
            t0 = time.perf_counter()
            sql, params = floor_query(best, *tiles[i % len(tiles)])
            row = conn.execute(sql, params, prepare=best).fetchone()
            latencies.append(time.perf_counter() - t0)
            sizes.append(len(row[0]) if row and row[0] else 0)

    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(conc) as pool:
            list(pool.map(worker, conns))
    finally:
        for conn in conns:
            conn.close()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": n,
        "concurrency": conc,
        "rps": round(n / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 2),
        "mean_kib": round(statistics.mean(sizes) / 1024, 1),
    }


def run(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    tiles = data_tiles(settings)
    print(f"{len(tiles)} z{ZOOM} tiles with parcels", flush=True)
    servers: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}
    try:
        start_servers(settings, servers)
        for _name, (template, _proc) in servers.items():  # warm buffers (and landgis' cache)
            asyncio.run(load(template, tiles, len(tiles), 1))
        rows = []
        for rnd in range(args.rounds):  # alternate servers, so machine noise hits all alike
            for conc in (1, 8, 32):
                n = max(args.requests, conc * 4)
                for name, (template, _proc) in servers.items():
                    result = asyncio.run(load(template, tiles, n, conc))
                    row = {"round": rnd + 1, "server": name, **result}
                    print(json.dumps(row), flush=True)
                    rows.append(row)
                for floor, best in (("floor", False), ("floor-best", True)):
                    made = floor_load(settings, tiles, n, conc, best)
                    row = {"round": rnd + 1, "server": floor, **made}
                    print(json.dumps(row), flush=True)
                    rows.append(row)
        return {"tiles": len(tiles), "rows": rows}
    finally:
        for _template, proc in servers.values():
            proc.terminate()
            proc.wait(timeout=20)


def summarise(result: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Per level and server, the median over rounds of each figure."""
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for r in result["rows"]:
        grouped.setdefault(f"c{r['concurrency']}", {}).setdefault(r["server"], []).append(r)
    table = {
        level: {
            server: {
                k: round(statistics.median(r[k] for r in runs), 2)
                for k in ("rps", "p50_ms", "p95_ms", "mean_kib")
            }
            for server, runs in servers.items()
        }
        for level, servers in grouped.items()
    }
    ratios = {
        c: {
            "cold_over_tipg_rps": round(v["landgis-cold"]["rps"] / v["tipg"]["rps"], 2),
            "warm_over_tipg_rps": round(v["landgis-warm"]["rps"] / v["tipg"]["rps"], 2),
            "floor_over_cold_rps": round(v["floor"]["rps"] / v["landgis-cold"]["rps"], 2),
            "floor_best_over_cold_rps": round(v["floor-best"]["rps"] / v["landgis-cold"]["rps"], 2),
            "floor_over_tipg_rps": round(v["floor"]["rps"] / v["tipg"]["rps"], 2),
        }
        for c, v in table.items()
    }
    return {
        "parcels": args.parcels,
        "zoom": ZOOM,
        "rounds": args.rounds,
        "requests_per_run": args.requests,
        "tiles": result["tiles"],
        "machine": f"{platform.node()} {platform.processor() or platform.machine()}",
        "results": table,
        "ratios": ratios,
        "attributes": ATTRIBUTES,
        "goals": "cold >= 1.5x tipg and floor/cold <= 1.2, warm >= 10x tipg",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parcels", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--database", default="landgis_bench_tiles")
    ap.add_argument("--requests", type=int, default=200, help="requests per server and level")
    ap.add_argument("--rounds", type=int, default=3, help="repetitions; medians are reported")
    ap.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    ap.add_argument("--allow-busy", action="store_true", help="keep a result of a busy machine")
    args = ap.parse_args()
    load_before = load_average()
    settings = bench_settings(args.database)
    override_settings(settings)
    PEERS.mkdir(exist_ok=True)
    if not (args.reuse and database_has_parcels(settings, args.parcels)):
        build(settings, args.parcels, args.seed)
    else:  # an earlier database: bring its schema (indexes) up to this checkout's
        from landgis.setup import migrate

        migrate(settings)
    summary = summarise(run(args, settings), args)
    print(json.dumps(summary, indent=1))
    save_result(
        f"tiles-{args.parcels}",
        {"summary": summary},
        load_before,
        {"tipg": package_version(ensure_tipg(), "tipg")},
        args.allow_busy,
    )


if __name__ == "__main__":
    main()
