"""Quality check of the register: landgis (cadastre.parcels.quality) vs plain PostGIS SQL.

Builds a big demo register in its own database (default ``landgis_bench``), puts a few
known defects in it, then times in the same run, alternately:

- ``landgis``: :func:`cadastre.parcels.quality.run_parallel` (per-subzone SQL on 2
  connections sharing one snapshot, findings as dicts), as ``landgis cadastre check`` runs;
- ``sql``: the same four checks as four whole-scope statements through psycopg, rows
  fetched, with PostgreSQL's default parallel plans (2 workers per gather);

and reports wall time, Python peak memory (tracemalloc), finding counts (which must agree)
and the ratio landgis / sql (goal: within 1.5x).

    .venv/bin/python -m benchmarks.bench_quality --parcels 200000 [--zone 441900001] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from typing import Any

from benchmarks.common import (
    bench_settings,
    build_demo_database,
    database_has_parcels,
    load_average,
    save_result,
)
from gis.db import Database
from gis.settings import Settings, override_settings

SCOPE = (
    "(CAST(%(zone)s AS text) IS NULL"
    " OR {t}.subzone_code BETWEEN %(zone)s || '000' AND %(zone)s || '999')"
)
PLAIN_SQL = {
    "invalid": f"""
SELECT p.unit_code, d.reason, ST_X(d.location), ST_Y(d.location)
FROM parcel p CROSS JOIN LATERAL ST_IsValidDetail(p.geom) d
WHERE p.end_lifespan IS NULL AND {SCOPE.format(t="p")} AND NOT ST_IsValid(p.geom)""",
    "overlap": f"""
SELECT a.unit_code, b.unit_code, ST_Area(ST_Transform(i.g, 4547)),
       ST_AsText(ST_PointOnSurface(i.g))
FROM parcel a JOIN parcel b ON a.id + 0 < b.id + 0 AND ST_Intersects(a.geom, b.geom)
CROSS JOIN LATERAL (SELECT ST_Intersection(a.geom, b.geom) AS g) i
WHERE a.end_lifespan IS NULL AND b.end_lifespan IS NULL AND {SCOPE.format(t="a")}
  AND ST_IsValid(a.geom) AND ST_IsValid(b.geom) AND ST_Area(ST_Transform(i.g, 4547)) > %(otol)s""",
    "gap": f"""
SELECT b.code, ST_Area(ST_Transform(d.geom, 4547)), ST_AsText(ST_PointOnSurface(d.geom))
FROM street_block b
JOIN (SELECT block_code, ST_Union(geom) AS g FROM parcel p
      WHERE end_lifespan IS NULL AND {SCOPE.format(t="p")} AND ST_IsValid(geom)
      GROUP BY block_code) u ON u.block_code = b.code
CROSS JOIN LATERAL ST_Dump(ST_Difference(b.geom, u.g)) d
WHERE ST_Area(ST_Transform(d.geom, 4547)) > %(gtol)s""",
    "sliver": f"""
SELECT unit_code, a, r FROM (
  SELECT p.unit_code, ST_Area(t.g) AS a,
         4 * pi() * ST_Area(t.g) / nullif(ST_Perimeter(t.g) ^ 2, 0) AS r
  FROM parcel p CROSS JOIN LATERAL (SELECT ST_Transform(p.geom, 4547) AS g) t
  WHERE p.end_lifespan IS NULL AND {SCOPE.format(t="p")} AND ST_IsValid(p.geom)) s
WHERE r < %(ratio)s""",
}
DEFECTS_SQL = [
    # an overlap: a copy of a parcel shifted by ~3 m, with an unused unit code
    """INSERT INTO parcel (version, unit_code, parcel_code, subzone_code, block_code, land_use,
       area_m2, reg_status, ref_point, geom)
       SELECT 1, left(unit_code, 14) || '99999W00000000', left(unit_code, 14) || '99999',
       subzone_code, block_code, land_use, area_m2, reg_status, ref_point,
       ST_Translate(geom, 0.00003, 0) FROM parcel WHERE id = (SELECT min(id) FROM parcel)""",
    # a gap: one parcel retired
    "UPDATE parcel SET end_lifespan = now() WHERE id = (SELECT min(id) + 100 FROM parcel)",
    # an invalid geometry (bow-tie) and a sliver
    """UPDATE parcel SET geom = ST_Multi(ST_GeomFromText('POLYGON((113.7 23, 113.701 23.001,
       113.701 23, 113.7 23.001, 113.7 23))', 4490))
       WHERE id = (SELECT min(id) + 200 FROM parcel)""",
    """UPDATE parcel SET geom = ST_Multi(ST_MakeEnvelope(ST_X(ref_point), ST_Y(ref_point),
       ST_X(ref_point) + 0.0003, ST_Y(ref_point) + 0.000003, 4490))
       WHERE id = (SELECT min(id) + 300 FROM parcel)""",
]


def build(settings: Settings, parcels: int, seed: int) -> None:
    """Create the bench database afresh, migrate, load the demo and add the defects."""
    build_demo_database(settings, parcels, seed, DEFECTS_SQL)


def measure(fn: Callable[[], dict[str, int]]) -> dict[str, Any]:
    tracemalloc.start()
    started = time.perf_counter()
    counts = fn()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": round(seconds, 3), "peak_mib": round(peak / 2**20, 2), "counts": counts}


def run_landgis(settings: Settings, zone: str | None) -> dict[str, int]:
    from cadastre.parcels import quality

    with Database(settings) as database:
        report = quality.run_parallel(database.engine, zone, workers=2)
    return {k: len(v) for k, v in report.findings.items()}


def run_plain(settings: Settings, zone: str | None) -> dict[str, int]:
    import psycopg

    url = settings.sqlalchemy_url().replace("postgresql+psycopg://", "postgresql://")
    params = {
        "zone": zone,
        "otol": settings.overlap_tolerance_m2,
        "gtol": settings.area_tolerance_m2,
        "ratio": settings.sliver_ratio,
    }
    counts = {}
    with psycopg.connect(url) as conn:
        for kind, sql in PLAIN_SQL.items():
            counts[kind] = len(conn.execute(sql, params).fetchall())  # type: ignore[arg-type]
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parcels", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--database", default="landgis_bench")
    ap.add_argument("--zone", default=None, help="9-digit zone; default: the whole register")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    ap.add_argument("--allow-busy", action="store_true", help="keep a result of a busy machine")
    args = ap.parse_args()
    load_before = load_average()
    settings = bench_settings(args.database)
    override_settings(settings)
    if not (args.reuse and database_has_parcels(settings, args.parcels)):
        build(settings, args.parcels, args.seed)
    rows = []
    for i in range(args.rounds):  # alternate, so caches favour neither side
        for name, fn in (("sql", run_plain), ("landgis", run_landgis)):
            result = {
                "round": i + 1,
                "side": name,
                **measure(partial(fn, settings, args.zone)),
            }
            print(json.dumps(result), flush=True)
            rows.append(result)
    summary = summarise(rows, args)
    print(json.dumps(summary, indent=1))
    save_result(
        f"quality-{args.parcels}",
        {"summary": summary, "runs": rows},
        load_before,
        None,
        args.allow_busy,
    )


def summarise(rows: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    best = {s: min(r["seconds"] for r in rows if r["side"] == s) for s in ("sql", "landgis")}
    peak = {s: max(r["peak_mib"] for r in rows if r["side"] == s) for s in ("sql", "landgis")}
    counts = {s: next(r["counts"] for r in rows if r["side"] == s) for s in ("sql", "landgis")}
    return {
        "parcels": args.parcels,
        "zone": args.zone or "whole register",
        "machine": f"{platform.node()} {platform.processor() or platform.machine()}",
        "best_seconds": best,
        "peak_python_mib": peak,
        "ratio_landgis_over_sql": round(best["landgis"] / best["sql"], 3),
        "counts_agree": counts["sql"] == counts["landgis"],
        "counts": counts,
    }


if __name__ == "__main__":
    main()
