"""OGC API Features: landgis vs tipg vs pygeoapi serving the same 200,000-parcel table.

Builds (or, with ``--reuse``, keeps) a demo register in its own database (default
``landgis_bench_features``), installs the peers into their own venvs under
``benchmarks/.peers/`` when missing (tipg 1.6.1; pygeoapi 0.21 with its PostgreSQL
provider) and starts three servers with the same worker count (``--workers``, default 1):
landgis (uvicorn), tipg (uvicorn) and pygeoapi (gunicorn).

Three workloads, each at concurrency 1, 8 and 32 with a loopback asyncio client (httpx):

- ``items``: ``limit=1000`` GeoJSON pages, offsets rotating over the first 20 pages;
- ``bbox``: 1 km² boxes (CRS84) rotating over the district, ``limit=1000``;
- ``cql2``: ``land_use='0701'`` (CQL2 text), ``limit=100``.

A fourth column for ``cql2``, ``floor``, is the filter's SQL run directly
(:func:`benchmarks.features_db.floor_statement`) over psycopg connections, one per client.
Prints requests/s, p50/p95 latency, the mean body size and the mean number of features
returned (``ATTRIBUTES`` says what each Feature carries) (a server
that finds nothing is fast for the wrong reason: pygeoapi 0.21 swaps the axes of a CRS84
bbox on an EPSG:4490 table, see anchors.md, so it is sent the same box with
``bbox-crs`` EPSG:4490), and the ratios landgis/tipg and landgis/pygeoapi.
All demo parcels are current, so tipg and pygeoapi (which cannot add landgis'
``end_lifespan IS NULL`` condition) see the same rows.

    .venv/bin/python -m benchmarks.bench_features [--parcels 200000] [--reuse] [--requests 100]
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
from benchmarks.features_db import floor_load, floor_statement
from gis import cluster
from gis.db import Database
from gis.settings import Settings, override_settings

TIPG = "tipg==1.6.1"
CRS_4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
PYGEOAPI = ["pygeoapi==0.21.*", "gunicorn", "psycopg2-binary", "geoalchemy2"]
PROPS = ["unit_code", "land_use", "area_m2", "reg_status"]
ATTRIBUTES = {
    "landgis": "id (unit_code), geometry (7 decimals), unit_code, land_use, area_m2, "
    "reg_status, valid_from, valid_to",
    "tipg": "id (parcel.id), geometry, unit_code, land_use, area_m2, reg_status",
    "pygeoapi": "id (unit_code), geometry, unit_code, land_use, area_m2, reg_status",
    "floor": "unit_code, land_use, area_m2, reg_status, ST_AsGeoJSON(geom, 7) as rows",
}
KM_LON, KM_LAT = 1000 / 102_470, 1000 / 110_760  # degrees per km at 23° N


def build(settings: Settings, parcels: int, seed: int) -> None:
    """Create the bench database afresh, migrate, load the demo district."""
    build_demo_database(settings, parcels, seed, ())


def extent(settings: Settings) -> tuple[float, float, float, float]:
    with (
        Database(settings) as database,
        database.engine_for(settings.sqlalchemy_url()).connect() as conn,
    ):
        row = conn.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                "FROM (SELECT ST_Extent(geom) e FROM parcel) s"
            )
        ).one()
    return float(row[0]), float(row[1]), float(row[2]), float(row[3])


def boxes(ext: tuple[float, float, float, float], n: int = 25) -> list[str]:
    """``n`` 1 km² boxes (lon/lat) on a grid inside the district."""
    x0, y0, x1, y1 = ext
    side = max(1, int(n**0.5))
    out = []
    for i in range(side):
        for j in range(side):
            x = x0 + (x1 - x0 - KM_LON) * (i + 0.5) / side
            y = y0 + (y1 - y0 - KM_LAT) * (j + 0.5) / side
            out.append(f"{x:.6f},{y:.6f},{x + KM_LON:.6f},{y + KM_LAT:.6f}")
    return out


def venv(name: str, packages: list[str]) -> Path:
    """The python of a peer's own venv (tipg or pygeoapi), installed on first use."""
    return peer_python(name, packages, name)


def socket_dir(settings: Settings) -> str:
    return str(settings.pg_dir / "run")


def pygeoapi_config(settings: Settings, port: int) -> Path:
    """pygeoapi's YAML (JSON is valid YAML) for the parcel table, and its OpenAPI document."""
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "language": "en-US",
            "limits": {"default_items": 10, "max_items": 10000},
            "map": {"url": "http://127.0.0.1/{z}/{x}/{y}.png", "attribution": "none"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "bench",
                "description": "bench",
                "keywords": ["bench"],
                "keywords_type": "theme",
                "terms_of_service": "none",
                "url": "http://127.0.0.1",
            },
            "license": {"name": "none", "url": "http://127.0.0.1"},
            "provider": {"name": "bench", "url": "http://127.0.0.1"},
            "contact": {"name": "bench"},
        },
        "resources": {
            "parcels": {
                "type": "collection",
                "title": "parcels",
                "description": "parcels",
                "keywords": ["parcels"],
                "extents": {
                    "spatial": {
                        "bbox": [113, 22, 115, 24],
                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                    }
                },
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "data": {
                            "host": socket_dir(settings),
                            "port": settings.pg_port,
                            "dbname": settings.database_name,
                            "user": settings.pg_os_user,
                            "search_path": ["public"],
                        },
                        "id_field": "unit_code",
                        "table": "parcel",
                        "geom_field": "geom",
                        "storage_crs": CRS_4490,
                        "crs": [CRS_4490, "http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
                        "properties": PROPS,
                    }
                ],
            }
        },
    }
    path = PEERS / "pygeoapi-features.yml"
    path.write_text(json.dumps(config, indent=1))
    return path


def start_servers(
    settings: Settings, workers: int
) -> dict[str, tuple[dict[str, str], subprocess.Popen[bytes]]]:
    """landgis, tipg and pygeoapi -> (url per workload, process)."""
    base_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("LANDGIS_", "TIPG_", "PYGEOAPI_"))
    }
    servers: dict[str, tuple[dict[str, str], subprocess.Popen[bytes]]] = {}
    try:
        port = free_port()
        env = landgis_env(settings, ("TIPG_", "PYGEOAPI_")) | {}
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "landgis.app:create_app",
            "--factory",
            "--port",
            str(port),
        ]
        cmd += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
        url = f"http://127.0.0.1:{port}/ogc/collections/parcels/items"
        servers["landgis"] = (
            {"items": url, "bbox": url, "cql2": url},
            start("features-landgis", cmd, env, url + "?limit=1"),
        )

        port = free_port()
        env = base_env | {
            "DATABASE_URL": peer_dsn(settings),
            "TIPG_DB_SCHEMAS": '["public"]',
            "TIPG_DB_TABLES": '["public.parcel"]',
            "TIPG_DB_SPATIAL_EXTENT": "false",
            "TIPG_DB_DATETIME_EXTENT": "false",
            "TIPG_MAX_FEATURES_PER_QUERY": "10000",
        }
        cmd = [
            str(venv("tipg", [TIPG, "uvicorn"])),
            "-m",
            "uvicorn",
            "tipg.main:app",
            "--port",
            str(port),
        ]
        cmd += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
        url = f"http://127.0.0.1:{port}/collections/public.parcel/items"
        servers["tipg"] = (
            {"items": url, "bbox": url, "cql2": url},
            start("features-tipg", cmd, env, f"http://127.0.0.1:{port}/healthz"),
        )

        port = free_port()
        python = venv("pygeoapi", PYGEOAPI)
        config = pygeoapi_config(settings, port)
        openapi = PEERS / "pygeoapi-features-openapi.yml"
        env = base_env | {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
        subprocess.run(
            [
                str(python.parent / "pygeoapi"),
                "openapi",
                "generate",
                str(config),
                "--output-file",
                str(openapi),
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        cmd = [str(python.parent / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}"]
        cmd += ["--log-level", "warning", "pygeoapi.flask_app:APP"]
        url = f"http://127.0.0.1:{port}/collections/parcels/items"
        servers["pygeoapi"] = (
            {"items": url, "bbox": url, "cql2": url},
            start("features-pygeoapi", cmd, env, url + "?limit=1&f=json"),
        )
    except Exception:
        stop(servers)
        raise
    return servers


def stop(servers: dict[str, tuple[dict[str, str], subprocess.Popen[bytes]]]) -> None:
    for _urls, proc in servers.values():
        proc.terminate()
        proc.wait(timeout=30)


def requests_for(
    server: str, workload: str, base: str, bbox_list: list[str]
) -> list[tuple[str, dict[str, str]]]:
    """The (url, params) cycle of one workload on one server."""
    extra: dict[str, str] = {"f": "json"} if server == "pygeoapi" else {}
    if server == "tipg":
        extra = {"properties": ",".join(PROPS), "geom-column": "geom"}
    if workload == "items":
        return [(base, {"limit": "1000", "offset": str(1000 * i), **extra}) for i in range(20)]
    if workload == "bbox":
        if server == "pygeoapi":  # with a CRS84 box 0.21 swaps its axes for an EPSG:4490
            # table and finds nothing (anchors.md); the same box in the storage CRS, which
            # it leaves alone, finds the same parcels as the others
            extra = extra | {"bbox-crs": CRS_4490}
        return [(base, {"limit": "1000", "bbox": b, **extra}) for b in bbox_list]
    cql = {"filter": "land_use='0701'", "filter-lang": "cql2-text"}
    if server == "pygeoapi":  # 0.21 accepts only cql-text / cql-json (text is the default)
        cql = {"filter": "land_use='0701'"}
    return [(base, {"limit": "100", **cql, **extra})]


async def load(reqs: list[tuple[str, dict[str, str]]], n: int, conc: int) -> dict[str, Any]:
    """``n`` requests round-robin over ``reqs`` with ``conc`` clients: latency and rate."""
    latencies: list[float] = []
    counts: list[int] = []
    sizes: list[int] = []
    counter = iter(range(n))
    limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)

    async def worker(client: httpx.AsyncClient) -> None:
        for i in counter:
            url, params = reqs[i % len(reqs)]
            t0 = time.perf_counter()
            r = await client.get(url, params=params, headers={"Accept": "application/geo+json"})
            body = r.content
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise RuntimeError(f"{r.url} -> {r.status_code}: {r.text[:300]}")
            counts.append(len(json.loads(body)["features"]))
            sizes.append(len(body))

    async with httpx.AsyncClient(limits=limits, timeout=300) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(conc)))
        wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": n,
        "concurrency": conc,
        "rps": round(n / wall, 2),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1),
        "features": round(statistics.mean(counts), 1),
        "mean_kib": round(statistics.mean(sizes) / 1024, 1),
    }


def run(args: argparse.Namespace, settings: Settings) -> list[dict[str, Any]]:
    bbox_list = boxes(extent(settings))
    servers = start_servers(settings, args.workers)
    rows = []
    try:
        for workload in ("items", "bbox", "cql2"):
            cycles = {
                s: requests_for(s, workload, urls[workload], bbox_list)
                for s, (urls, _p) in servers.items()
            }
            for reqs in cycles.values():  # warm-up: every distinct request once
                asyncio.run(load(reqs, len(reqs), 1))
            for conc in args.concurrency:
                for name, reqs in cycles.items():
                    n = args.requests if name != "pygeoapi" else max(conc * 2, args.requests // 4)
                    row = {
                        "workload": workload,
                        "server": name,
                        **asyncio.run(load(reqs, max(n, conc * 2), conc)),
                    }
                    print(json.dumps(row), flush=True)
                    rows.append(row)
                if workload == "cql2":
                    floor = floor_load(settings, floor_statement("land_use", "0701"), n, conc)
                    row = {"workload": workload, "server": "floor", **floor}
                    print(json.dumps(row), flush=True)
                    rows.append(row)
    finally:
        stop(servers)
    return rows


def summarise(rows: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    table: dict[str, dict[str, Any]] = {}
    for r in rows:
        key = f"{r['workload']} c{r['concurrency']}"
        table.setdefault(key, {})[r["server"]] = {
            k: r[k] for k in ("rps", "p50_ms", "p95_ms", "features", "mean_kib")
        }
    ratios = {
        key: {
            "landgis_over_tipg_rps": round(v["landgis"]["rps"] / v["tipg"]["rps"], 2),
            "landgis_over_pygeoapi_rps": round(v["landgis"]["rps"] / v["pygeoapi"]["rps"], 2),
        }
        | (
            {"floor_over_landgis_rps": round(v["floor"]["rps"] / v["landgis"]["rps"], 2)}
            if "floor" in v
            else {}
        )
        for key, v in table.items()
    }
    return {
        "parcels": args.parcels,
        "workers": args.workers,
        "machine": f"{platform.node()} {platform.machine()} cpus={os.cpu_count()}",
        "results": table,
        "ratios": ratios,
        "attributes": ATTRIBUTES,
        "goals": "items at least as fast as tipg and at least 3x pygeoapi; cql2 >= 3x tipg",
    }


def print_table(summary: dict[str, Any]) -> None:
    print(f"{'workload':<12}{'server':<10}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'features':>10}")
    for key, servers in summary["results"].items():
        for name, r in servers.items():
            print(
                f"{key:<12}{name:<10}{r['rps']:>8}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['features']:>10}"
                f"{r['mean_kib']:>8} KiB"
            )
        ratio = summary["ratios"][key]
        floor = ratio.get("floor_over_landgis_rps")
        print(
            f"{'':<12}landgis/tipg {ratio['landgis_over_tipg_rps']}x, "
            f"landgis/pygeoapi {ratio['landgis_over_pygeoapi_rps']}x"
            + (f", floor/landgis {floor}x" if floor else "")
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--parcels", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--database", default="landgis_bench_features")
    ap.add_argument(
        "--requests", type=int, default=100, help="requests per server, workload and level"
    )
    ap.add_argument("--workers", type=int, default=1, help="worker processes of every server")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    ap.add_argument("--allow-busy", action="store_true", help="keep a result of a busy machine")
    args = ap.parse_args()
    load_before = load_average()
    settings = bench_settings(args.database)
    override_settings(settings)
    PEERS.mkdir(exist_ok=True)
    if settings.uses_local_cluster:
        cluster.start(settings)
    if not (args.reuse and database_has_parcels(settings, args.parcels)):
        build(settings, args.parcels, args.seed)
    else:  # an earlier database: bring its schema (indexes) up to this checkout's
        from landgis.setup import migrate

        migrate(settings)
    summary = summarise(run(args, settings), args)
    print_table(summary)
    peers = {
        "tipg": package_version(venv("tipg", [TIPG, "uvicorn"]), "tipg"),
        "pygeoapi": package_version(venv("pygeoapi", PYGEOAPI), "pygeoapi"),
    }
    save_result(
        f"features-{args.parcels}", {"summary": summary}, load_before, peers, args.allow_busy
    )


if __name__ == "__main__":
    main()
