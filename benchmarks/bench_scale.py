"""The scale table of issue #15: what a request, an import and a quality check cost as the
register grows (200k, 1M, 5M parcels), in one run on a cluster of its own.

In a temporary folder (never the shared cluster): the demo district of ``--parcels``
parcels (partitioned by cadastral zone, migration 0050), then, against ``landgis serve``:

- z14 tile p50, cold: distinct z14 parcel tiles inside the district, each fetched once
  from a fresh server (no cache has them);
- items limit=1000 p50: the first ``--pages`` pages of the parcels collection (1000 each);
- 1 km² bbox p50: random boxes of ~1 km² (0.01° x 0.01°) inside the district, limit 100;

in process: the quality check of the whole register (``quality.run_parallel``, 2
connections) and the import of the register's own export (a GeoPackage of every current
parcel, into an empty register in a second database), both given per million parcels;
and the public read throughput (bench_replica's load) with the primary alone and with
the primary + a hot standby (``landgis db standby create``).

Goal (issue #15): per-request latencies flat within 1.5x from 200k to 5M; import and
checks linear (per-million figures flat).

    .venv/bin/python -m benchmarks.bench_scale --parcels 200000 [--allow-busy]

With ``--data-dir DIR`` the cluster stays in DIR after the run, and a later run on DIR
skips the demo load (at 5M it takes 40 minutes) and measures the register found there
(migrated first), so the phases can be run again with new code.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import morecantile
from sqlalchemy import text

from benchmarks.bench_replica import _bounds, _cli, _load, _serve, own_cluster
from benchmarks.common import current_parcels, load_average, save_result
from gis import cluster, standby
from gis.settings import Settings, override_settings

PARCELS = "/ogc/collections/parcels"
TMS = morecantile.tms.get("WebMercatorQuad")
KM = 0.01  # ~1 km in degrees at the district's latitude


def p50_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def timed_get(client: httpx.Client, path: str, params: dict[str, Any] | None = None) -> float:
    """Seconds one GET took; a failed request stops the run (a fast error is no result)."""
    started = time.perf_counter()
    r = client.get(path, params=params)
    took = time.perf_counter() - started
    if r.status_code != 200 or not r.content:
        raise RuntimeError(f"GET {path} {params}: {r.status_code} {r.text[:300]}")
    return took


def parcel_points(settings: Settings, n: int) -> list[tuple[float, float]]:
    """Lon/lat of ``n`` random parcels (so every tile asked for has parcels in it)."""

    from gis.db import Database

    sql = "SELECT ST_X(ref_point), ST_Y(ref_point) FROM parcel ORDER BY random() LIMIT :n"
    with (
        Database(settings) as database,
        database.engine_for(settings.sqlalchemy_url()).connect() as conn,
    ):
        return [(float(x), float(y)) for x, y in conn.execute(text(sql), {"n": n})]


def cold_tiles(client: httpx.Client, points: list[tuple[float, float]], n: int) -> dict[str, Any]:
    """z14 tiles with parcels, never asked for before (each once, from a fresh server)."""
    tiles = list(dict.fromkeys((t.x, t.y) for t in (TMS.tile(x, y, 14) for x, y in points)))
    samples = [
        timed_get(client, f"{PARCELS}/tiles/WebMercatorQuad/14/{y}/{x}") for x, y in tiles[:n]
    ]
    return {"tiles": len(samples), "p50_ms": p50_ms(samples),
            "max_ms": round(max(samples) * 1000, 1)}  # fmt: skip


def item_pages(client: httpx.Client, pages: int) -> dict[str, Any]:
    samples = [
        timed_get(client, f"{PARCELS}/items", {"limit": 1000, "offset": 1000 * k})
        for k in range(pages)
    ]
    return {"pages": pages, "p50_ms": p50_ms(samples)}


def bbox_reads(client: httpx.Client, bounds: list[float], n: int) -> dict[str, Any]:
    """``n`` random 1 km² boxes, then the same boxes again: the first pass reads pages the
    server may never have read (at 5M parcels the register, ~10 GB, is not all in memory),
    the second the same pages from memory, which shows the cost of the reads themselves."""
    w, s, e, nn = bounds
    rng = random.Random(1)
    boxes = []
    for _ in range(n):
        x, y = rng.uniform(w, e - KM), rng.uniform(s, nn - KM)
        boxes.append(f"{x},{y},{x + KM},{y + KM}")
    first = [timed_get(client, f"{PARCELS}/items", {"limit": 100, "bbox": b}) for b in boxes]
    again = [timed_get(client, f"{PARCELS}/items", {"limit": 100, "bbox": b}) for b in boxes]
    return {"requests": n, "p50_ms": p50_ms(first), "again_p50_ms": p50_ms(again)}


def build_overview(settings: Settings) -> float:
    """Seconds to bring the parcel overview (tiles z10-z12) up to date, as a server's
    background pass does after a load (0 when a kept register's is current)."""
    from cadastre import overview
    from gis.db import Database

    started = time.perf_counter()
    with Database(settings) as database:
        overview.refresh_pass(database)
    return round(time.perf_counter() - started, 1)


def requests(
    env: dict[str, str], root: Path, settings: Settings, args: argparse.Namespace
) -> dict[str, Any]:
    """The per-request latencies, from one fresh server."""
    points = parcel_points(settings, args.tiles * 4)
    proc, base = _serve(env, root / "serve-latency.log")
    try:
        bounds = _bounds(base)
        with httpx.Client(base_url=base, timeout=300) as client:
            return {
                "tile_z14_cold": cold_tiles(client, points, args.tiles),
                "items_limit_1000": item_pages(client, args.pages),
                "bbox_1km2": bbox_reads(client, bounds, args.boxes),
            }
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def quality_per_million(settings: Settings, parcels: int) -> dict[str, Any]:
    from cadastre.parcels import quality
    from gis.db import Database

    started = time.perf_counter()
    with Database(settings) as database:
        report = quality.run_parallel(database.engine, None, workers=2)
    seconds = time.perf_counter() - started
    findings = {k: len(v) for k, v in report.findings.items()}
    return {"seconds": round(seconds, 1), "per_million_s": per_million(seconds, parcels),
            "findings": findings}  # fmt: skip


def import_per_million(settings: Settings, root: Path) -> dict[str, Any]:
    """Export the register to a GeoPackage, import it into an empty register."""
    from sqlalchemy.orm import Session

    from cadastre.exchange.exporter import export_parcels
    from cadastre.exchange.importer import ImportOptions, import_parcels
    from gis.db import Database
    from landgis.setup import migrate

    gpkg = root / "register.gpkg"
    with (
        Database(settings) as database,
        Session(database.engine_for(settings.sqlalchemy_url())) as session,
    ):
        rows = export_parcels(session, "gpkg", gpkg)
    target = settings.model_copy(update={"database_name": "landgis_import"})
    cluster.ensure_database(target, "landgis_import", fresh=True)
    migrate(target)
    # the empty register needs the district's zones, subzones and blocks (not its parcels)
    with (
        Database(target) as database,
        Session(database.engine_for(target.sqlalchemy_url())) as session,
    ):
        copy_geography(settings, session)
        session.commit()
        # the demo's few defects (see "quality") are left out, the rest imported and timed
        started = time.perf_counter()
        result = import_parcels(
            session, gpkg, root, ImportOptions(valid_only=True), settings.upload_max_bytes
        )
        session.commit()
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "imported": result.imported,
        "rejected": result.rejected,
        "seconds": round(seconds, 1),
        "per_million_s": per_million(seconds, result.imported),
        "phases": result.seconds,
    }


def copy_geography(settings: Settings, target: Any) -> None:
    """Copy zones, subzones and blocks from the demo database into ``target``'s session."""
    from sqlalchemy.orm import Session

    from gis.db import Database

    with (
        Database(settings) as database,
        Session(database.engine_for(settings.sqlalchemy_url())) as source,
    ):
        for table, cols in (
            ("cadastral_zone", "code, name, geom"),
            ("cadastral_subzone", "code, zone_code, name, geom"),
            ("street_block", "code, subzone_code, geom"),
        ):
            rows = source.execute(text(f"SELECT {cols}, NULL FROM {table}")).all()  # noqa: S608
            names = [c.strip() for c in cols.split(",")]
            marks = ", ".join(f":{c}" for c in names)
            target.execute(
                text(f"INSERT INTO {table} ({cols}) VALUES ({marks})"),  # noqa: S608
                [dict(zip(names, r[: len(names)], strict=True)) for r in rows],
            )


def per_million(seconds: float, rows: int) -> float:
    return round(seconds * 1_000_000 / max(rows, 1), 1)


def throughput(
    env: dict[str, str], root: Path, settings: Settings, args: argparse.Namespace
) -> dict[str, Any]:
    """bench_replica's read load: the primary alone, then the primary + a hot standby."""

    def phase(name: str) -> dict[str, Any]:
        proc, base = _serve(env, root / f"serve-{name}.log")
        try:
            bounds = _bounds(base)
            asyncio.run(_load(base, bounds, args.clients, 3))  # warm up
            return asyncio.run(_load(base, bounds, args.clients, args.seconds))
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    standby_dir = cluster.standby_dir(settings)
    if standby_dir.exists():  # a kept cluster's standby of an earlier run: made again
        standby.stop(settings)
        shutil.rmtree(standby_dir)
    _cli(env, "db", "standby", "create")
    standby.stop(settings)
    alone = phase("primary")
    standby.start(settings)
    standby.wait_caught_up(settings)
    both = phase("standby")
    standby.stop(settings)  # a later phase measures the primary alone
    return {"clients": args.clients, "seconds": args.seconds, "primary_alone": alone,
            "primary_plus_standby": both,
            "ratio": round(both["rps"] / max(alone["rps"], 0.1), 2)}  # fmt: skip


def run(args: argparse.Namespace) -> dict[str, Any]:
    kept = args.data_dir is not None
    if kept:
        args.data_dir.mkdir(parents=True, exist_ok=True)
    root, settings, env = own_cluster("landgis-bench-scale-", args.data_dir)
    # the servers measured here do not run the quality state's background check: after the
    # demo load it is a whole check (a core for 13 minutes at 5M) the requests would share;
    # the quality phase measures that check on its own
    env["LANDGIS_QUALITY_REFRESH_INTERVAL_S"] = "0"
    override_settings(settings)
    out: dict[str, Any] = {"parcels": args.parcels}
    try:
        if kept:  # a kept cluster left running (on other ports) is started on these
            _cli(env, "db", "stop")
        _cli(env, "db", "migrate")  # starts the cluster
        current = current_parcels(settings)
        if kept and current:  # the register a run before loaded (5M: 40 minutes)
            out.update(parcels=current, demo_load_s="kept from an earlier run")
        else:
            started = time.perf_counter()
            _cli(env, "demo", "load", "--parcels", str(args.parcels), "--seed", "1")
            out["demo_load_s"] = round(time.perf_counter() - started, 1)
        # the derived city-wide overview, built before anything is measured: else every
        # server started on a new load builds it while its requests are timed (at 5M the
        # rebuild took a core for 202 s; session 9's 5M latencies were measured beside it)
        out["overview_build_s"] = build_overview(settings)
        phases = {
            "requests": lambda: requests(env, root, settings, args),
            "standby": lambda: throughput(env, root, settings, args),
            "quality": lambda: quality_per_million(settings, args.parcels),
            "import": lambda: import_per_million(settings, root),
        }
        for name in args.phases.split(","):  # in the order asked for
            if name == "standby" and args.no_standby:
                continue
            try:  # one phase failing keeps the others' figures (the load takes long)
                out[name] = phases[name]()
            except Exception as exc:  # noqa: BLE001 - reported in the result
                out[name] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
            print(name, out[name], flush=True)
    finally:
        standby.stop(settings)
        cluster.stop(settings)
        override_settings(None)
        if not kept:
            shutil.rmtree(root, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parcels", type=int, default=200_000)
    ap.add_argument("--tiles", type=int, default=40, help="cold z14 tiles")
    ap.add_argument("--pages", type=int, default=20, help="items pages of 1000")
    ap.add_argument("--boxes", type=int, default=100, help="1 km² bbox reads")
    ap.add_argument("--clients", type=int, default=16, help="throughput clients")
    ap.add_argument("--seconds", type=float, default=20, help="throughput seconds per phase")
    ap.add_argument("--no-standby", action="store_true", help="skip the throughput phases")
    ap.add_argument(
        "--phases", default="requests,standby,quality,import", help="which to run, in order"
    )
    ap.add_argument(
        "--data-dir",
        type=Path,
        help="keep the cluster in this folder; a register already there is used as it is",
    )
    ap.add_argument("--allow-busy", action="store_true", help="keep a result on a busy machine")
    args = ap.parse_args()
    load_before = load_average()
    result = run(args)
    print_table(result)
    save_result(f"scale-{args.parcels}", result, load_before, allow_busy=args.allow_busy)


def print_table(r: dict[str, Any]) -> None:
    def at(*keys: str) -> Any:
        value: Any = r
        for k in keys:
            if not isinstance(value, dict) or k not in value:
                return "-"
            value = value[k]
        return value

    rows = [
        ("parcels", r["parcels"]),
        ("overview build (s)", at("overview_build_s")),
        ("z14 tile p50 cold (ms)", at("requests", "tile_z14_cold", "p50_ms")),
        ("items limit=1000 p50 (ms)", at("requests", "items_limit_1000", "p50_ms")),
        ("1 km² bbox p50 (ms)", at("requests", "bbox_1km2", "p50_ms")),
        ("1 km² bbox again p50 (ms)", at("requests", "bbox_1km2", "again_p50_ms")),
        ("import per million (s)", at("import", "per_million_s")),
        ("quality check per million (s)", at("quality", "per_million_s")),
        ("reads/s primary alone", at("standby", "primary_alone", "rps")),
        ("reads/s primary + standby", at("standby", "primary_plus_standby", "rps")),
    ]
    for name, value in rows:
        print(f"{name:32} {value}")


if __name__ == "__main__":
    main()
