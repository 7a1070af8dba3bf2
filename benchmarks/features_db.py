"""CQL2 filters measured inside the database: landgis vs tipg's SQL vs the raw floor.

For each filter (CQL2 text, ``limit=100``), on one connection with autocommit and the
same settings for all, alternating so machine noise hits all three alike:

- ``landgis``: the statement :func:`gis.ogc.repository.items` runs for the ``parcels``
  collection (filter compiled by :func:`gis.ogc.cql.translate`, Feature JSON built in
  PostGIS; no count above ``CHEAP_COUNT_ROWS``, as the items route does);
- ``tipg``: what tipg 1.6 runs for the same request: ``count(*)`` of the matches, then the
  page ordered by the primary key with ``ST_AsGeoJSON(ST_Transform(geom, 4326))::json``
  (tipg then builds the JSON in Python, not timed here);
- ``floor``: the filter's SQL run directly: the same rows, ordering and limit, the
  properties and ``ST_AsGeoJSON(geom, 7)`` as plain columns.

Prints ms per request (median, mean, p95), the ratios, and with ``--explain`` the plans.

    .venv/bin/python -m benchmarks.features_db [--database landgis_bench_features]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
from sqlalchemy import Connection, create_engine
from sqlalchemy.orm import Session

from benchmarks.common import bench_settings, load_average
from gis.settings import Settings, override_settings

FILTERS = {
    "land_use='0701'": ("land_use", "0701"),  # a quarter of the district
    "land_use='0805'": ("land_use", "0805"),  # under 1 %
}
LIMIT = 100
PROPS = "unit_code, land_use, area_m2, reg_status"


def landgis_runner(session: Session, cql_text: str) -> Callable[[], Any]:
    """The landgis items query for the filter (compiled once, as the memo does)."""
    from cadastre.collections import PARCELS
    from gis.ogc import cql, repository
    from gis.ogc.crs import parse as parse_crs

    crs = parse_crs(None)

    def run() -> Any:
        found = cql.translate(PARCELS, cql_text, "cql2-text", crs)
        q = repository.Query()
        q.add(found.sql, **found.params)
        q.envelopes += found.envelopes
        return repository.items(session, PARCELS, crs, q, LIMIT, 0)

    return run


def tipg_runner(conn: Connection, column: str, value: str) -> Callable[[], Any]:
    """tipg's two statements: the count, then the page (cql2 renders ``"col" = 'v'``)."""
    where = f"WHERE true AND (\"{column}\" = '{value}')"
    count = f"SELECT COUNT(*) FROM public.parcel {where}"
    page = (
        f"SELECT {PROPS}, id AS tipg_id, ST_AsGeoJSON(ST_Transform(geom::geometry, "
        f"4326::int))::json AS tipg_geom FROM public.parcel {where} ORDER BY id "
        f"LIMIT {LIMIT} OFFSET 0"
    )

    def run() -> Any:
        conn.exec_driver_sql(count).scalar_one()
        return conn.exec_driver_sql(page).all()

    return run


def floor_statement(column: str, value: str) -> str:
    return (
        f"SELECT {PROPS}, ST_AsGeoJSON(geom, 7) FROM parcel WHERE end_lifespan IS NULL "
        f"AND {column} = '{value}' ORDER BY unit_code LIMIT {LIMIT}"
    )


def floor_load(settings: Settings, statement: str, n: int, conc: int) -> dict[str, Any]:
    """The floor at concurrency ``conc``: ``statement`` run ``n`` times over ``conc``
    psycopg connections (autocommit, no parallel workers); the figures of bench_features."""
    dsn = settings.sqlalchemy_url().replace("postgresql+psycopg://", "postgresql://")
    opts = "-c max_parallel_workers_per_gather=0"
    conns = [psycopg.connect(dsn, autocommit=True, options=opts) for _ in range(conc)]
    latencies: list[float] = []
    counts: list[int] = []
    counter = iter(range(n))

    def worker(conn: psycopg.Connection[Any]) -> None:
        for _ in counter:
            t0 = time.perf_counter()
            rows = conn.execute(statement).fetchall()
            latencies.append(time.perf_counter() - t0)
            counts.append(len(rows))

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
        "rps": round(n / wall, 2),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1),
        "features": round(statistics.mean(counts), 1),
        "mean_kib": 0.0,
    }


def floor_runner(conn: Connection, statement: str) -> Callable[[], Any]:
    return lambda: conn.exec_driver_sql(statement).all()


def measure(runners: dict[str, Callable[[], Any]], repeats: int) -> dict[str, Any]:
    for fn in runners.values():  # warm
        fn()
    ms: dict[str, list[float]] = {k: [] for k in runners}
    for _ in range(repeats):
        for name, fn in runners.items():
            t0 = time.perf_counter()
            fn()
            ms[name].append((time.perf_counter() - t0) * 1000)
    out: dict[str, Any] = {}
    for name, v in ms.items():
        v.sort()
        out[name] = {
            "median_ms": round(statistics.median(v), 2),
            "mean_ms": round(statistics.mean(v), 2),
            "p95_ms": round(v[int(0.95 * (len(v) - 1))], 2),
        }
    out["tipg_over_landgis_mean"] = round(out["tipg"]["mean_ms"] / out["landgis"]["mean_ms"], 2)
    out["landgis_over_floor_mean"] = round(out["landgis"]["mean_ms"] / out["floor"]["mean_ms"], 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--database", default="landgis_bench_features")
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--explain", action="store_true")
    args = ap.parse_args()
    load_before = load_average()
    settings = bench_settings(args.database)
    override_settings(settings)
    engine = create_engine(
        settings.sqlalchemy_url(),
        isolation_level="AUTOCOMMIT",
        connect_args={"options": "-c max_parallel_workers_per_gather=0"},
    )
    result: dict[str, Any] = {}
    with engine.connect() as conn, Session(bind=conn) as session:
        for cql_text, (column, value) in FILTERS.items():
            floor = floor_statement(column, value)
            runners: dict[str, Callable[[], Any]] = {
                "landgis": landgis_runner(session, cql_text),
                "tipg": tipg_runner(conn, column, value),
                "floor": floor_runner(conn, floor),
            }
            result[cql_text] = measure(runners, args.repeats)
            if args.explain:
                plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + floor).all()
                print(f"--- floor {cql_text}\n" + "\n".join(r[0] for r in plan))
    result["load_before"], result["load_after"] = round(load_before, 2), round(load_average(), 2)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
