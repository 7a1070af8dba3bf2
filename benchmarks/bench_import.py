"""Bulk parcel import and export: landgis (cadastre.exchange) vs ``ogr2ogr``, same run, same data.

Builds a demo register of N parcels in its own database (default ``landgis_bench_import``),
exports it to a GeoPackage with landgis (the "file from the demo generator"), empties the
register, then times, alternately:

- import: ``landgis cadastre import FILE`` (validation on: geometry, unit codes, land use,
  overlaps within the file and with the register; one transaction; into the emptied
  register, so a bulk load that rebuilds the register's six indexes and its foreign key) vs
  ``ogr2ogr -f PostgreSQL`` loading the same file into a new table of the same database
  (GiST index included, no validation);
- export: landgis export of the register to GeoPackage vs ``ogr2ogr -f GPKG`` from a
  ``SELECT`` of the current parcels.

Each side runs as a child process; wall time and the child's peak resident memory
(``wait4`` rusage) are reported, with the ratio ogr2ogr / landgis (>= 1.0: landgis faster).

The import is also compared with the database alone (the floor: the server's COPY of the
rows as the import encodes them, in PostgreSQL's binary format since the import sends that,
into the emptied register with its upkeep suspended, then the indexes rebuilt; timed in
this process, without start-up or connection). ``ratio_over_database_alone`` gives two
figures: ``landgis_wall`` (the child's wall time, its interpreter start-up and imports, about
1-2 s, included) and ``landgis_work`` (the child's own timing of the import, connection and
commit included, start-up not), the one that compares like with like.

    .venv/bin/python -m benchmarks.bench_import --parcels 200000 [--rounds 1] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from benchmarks.common import bench_settings, landgis_env, save_result, settled_load
from gis import cluster
from gis.db import Database
from gis.settings import Settings, override_settings

OGR_SQL = (
    "SELECT unit_code, parcel_code, subzone_code, block_code, land_use, area_m2, geom "
    "FROM parcel WHERE end_lifespan IS NULL"
)


def build(settings: Settings, parcels: int, seed: int, gpkg: Path) -> None:
    """Fresh database with the demo district; its parcels exported to ``gpkg``, then removed."""
    from cadastre.demo import load_demo
    from cadastre.exchange.exporter import export_parcels
    from landgis.setup import migrate

    cluster.ensure_database(settings, settings.database_name, fresh=True)
    migrate(settings)
    with (
        Database(settings) as database,
        Session(database.engine_for(settings.sqlalchemy_url())) as session,
    ):
        load_demo(session, parcels, seed, lambda n: print(f"  loaded {n} parcels", flush=True))
        session.commit()
        export_parcels(session, "gpkg", gpkg)
    empty_register(settings)
    accepted_only(settings, gpkg)
    print(f"file {gpkg} ({gpkg.stat().st_size / 2**20:.0f} MiB)", flush=True)


def accepted_only(settings: Settings, gpkg: Path) -> None:
    """Leave out of ``gpkg`` the rows the import refuses, so that the timed imports load the
    whole file: the demo generator makes a few self-intersecting parcels per million (and
    they overlap a neighbour). A valid-only import into the emptied register, an export of
    what it kept, and the register emptied again."""
    from cadastre.exchange.exporter import export_parcels
    from cadastre.exchange.importer import ImportOptions, import_parcels

    with (
        Database(settings) as database,
        Session(database.engine_for(settings.sqlalchemy_url())) as session,
    ):
        with tempfile.TemporaryDirectory() as tmp:
            options = ImportOptions(valid_only=True)
            result = import_parcels(session, gpkg, Path(tmp), options, settings.upload_max_bytes)
        if not result.rejected:
            session.rollback()
            return
        session.commit()
        gpkg.unlink()
        (gpkg.parent / "encoded.bin").unlink(missing_ok=True)  # database_alone's rows
        export_parcels(session, "gpkg", gpkg)
    empty_register(settings)
    print(f"left out {result.rejected} rows the import refuses: {result.reasons}", flush=True)


def empty_register(settings: Settings) -> None:
    """The register emptied and ogr2ogr's table dropped (as the admin: ogr2ogr, signed in as
    the cluster's superuser, owns it and the app's role may not drop it)."""
    with (
        Database(settings) as database,
        Session(database.engine_for(settings.admin_url())) as session,
    ):
        session.execute(text("TRUNCATE parcel CASCADE"))
        session.execute(text("DROP TABLE IF EXISTS parcel_ogr"))
        session.commit()
    vacuum(settings)


def vacuum(settings: Settings) -> None:
    with Database(settings) as database, database.autocommit.connect() as conn:
        conn.execute(text("VACUUM ANALYZE parcel"))


def timed(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a child under GNU time: wall seconds, its own peak resident memory (MiB) and its
    CPU seconds (user + system, all threads: what it costs the machine's cores, which a
    busy machine does not change as it changes the wall time)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        started = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%M %U %S", "-o", report.name, *cmd],
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {(proc.stdout + proc.stderr)[-2000:]}")
        peak_kib, user, system = report.read().split()[-3:]
    out = {
        "seconds": round(seconds, 2),
        "peak_rss_mib": round(int(peak_kib) / 1024, 1),
        "cpu_seconds": round(float(user) + float(system), 2),
    }
    if '"work_seconds"' in proc.stdout:
        out.update(json.loads(proc.stdout.strip().splitlines()[-1]))
    return out


def landgis_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "landgis", "cadastre", *args]


def child_cmd(database: str, work: str, path: Path) -> list[str]:
    """This module as a child doing only the work (no CLI start-up of every domain)."""
    return [sys.executable, "-m", "benchmarks.bench_import", "--database", database,
            "--child", work, str(path)]  # fmt: skip


def run_child(settings: Settings, work: str, path: Path) -> None:
    """In the child: import or export once in one transaction, print the work's seconds."""
    from cadastre.exchange.exporter import export_parcels
    from cadastre.exchange.importer import ImportOptions, import_parcels

    phases: dict[str, float] = {}  # import: seconds per phase (threads overlap; see importer)
    started = time.perf_counter()
    with (
        Database(settings) as database,
        Session(database.engine_for(settings.sqlalchemy_url())) as session,
    ):
        if work == "import":
            with tempfile.TemporaryDirectory() as tmp:
                result = import_parcels(
                    session, path, Path(tmp), ImportOptions(), settings.upload_max_bytes
                )
            session.commit()
            count = result.imported
            phases = result.seconds
        else:
            count = export_parcels(session, "gpkg", path)
    seconds = round(time.perf_counter() - started, 2)
    print(json.dumps({"work_seconds": seconds, "rows": count, "phases": phases}))


def round_trip(settings: Settings, gpkg: Path, work: Path, n: int) -> list[dict[str, Any]]:
    env = landgis_env(settings)
    rows = [{"round": n, "work": "startup", "side": "landgis", **timed(landgis_cmd("--help"), env)}]
    empty_register(settings)
    imp = timed(landgis_cmd("import", str(gpkg), "--rejected", str(work / "rej.csv")), env)
    rows.append({"round": n, "work": "import", "side": "landgis-cli", **imp})
    rows.append({"round": n, "work": "import", "side": "database-alone",
                 **database_alone(settings, gpkg, work)})  # fmt: skip
    empty_register(settings)
    imp = timed(child_cmd(settings.database_name, "import", gpkg), env)
    rows.append({"round": n, "work": "import", "side": "landgis", **imp})
    pg = cluster.gdal_source(settings)
    ogr = timed(
        ["ogr2ogr", "-f", "PostgreSQL", pg, str(gpkg), "-nln", "parcel_ogr",
         "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST", "--config", "PG_USE_COPY",
         "YES"],
    )  # fmt: skip
    rows.append({"round": n, "work": "import", "side": "ogr2ogr", **ogr})
    vacuum(settings)
    out = work / "landgis_export.gpkg"
    out.unlink(missing_ok=True)
    rows.append(
        {"round": n, "work": "export", "side": "landgis-cli",
         **timed(landgis_cmd("export", str(out), "--format", "gpkg"), env)}
    )  # fmt: skip
    out.unlink(missing_ok=True)
    rows.append(
        {"round": n, "work": "export", "side": "landgis",
         **timed(child_cmd(settings.database_name, "export", out), env)}
    )  # fmt: skip
    ogr_out = work / "ogr_export.gpkg"
    ogr_out.unlink(missing_ok=True)
    rows.append(
        {"round": n, "work": "export", "side": "ogr2ogr",
         **timed(["ogr2ogr", "-f", "GPKG", str(ogr_out), pg, "-sql", OGR_SQL,
                  "-nln", "parcel"])}
    )  # fmt: skip
    for row in rows:
        print(json.dumps(row), flush=True)
    return rows


def database_alone(settings: Settings, gpkg: Path, work: Path) -> dict[str, Any]:
    """The server's share of a bulk load, nothing else: COPY of the rows as the import encodes
    them (encoded beforehand, not timed) into the emptied register with its upkeep suspended,
    then the indexes and foreign key rebuilt; rolled back. No reading, no checks."""
    from cadastre.exchange.chunks import PARCEL_COLUMNS, prepare, settle
    from cadastre.exchange.validate import resolve_mapping
    from gis.bulk import copy_binary, restore_upkeep, suspend_upkeep
    from gis.exchange.read import iter_batches, open_source

    encoded = work / "encoded.bin"
    if not encoded.exists():
        seen: set[str] = set()
        with (
            Database(settings) as database,
            Session(database.engine_for(settings.sqlalchemy_url())) as session,
        ):
            subzones = set(session.execute(text("SELECT code FROM cadastral_subzone")).scalars())
        with encoded.open("wb") as out:
            offset = 0
            for batch in iter_batches(open_source(gpkg), 25_000):
                cols = resolve_mapping(batch.attributes.schema.names, None)
                settled = settle(prepare(batch, cols, offset, False), seen, subzones, [], False)
                out.write(settled[1] if settled else b"")
                offset += len(batch)
    empty_register(settings)
    data = encoded.read_bytes()
    with (
        Database(settings) as database,
        Session(database.engine_for(settings.sqlalchemy_url())) as session,
    ):
        started = time.perf_counter()
        upkeep = suspend_upkeep(session, "parcel")
        copy_binary(session, "parcel", PARCEL_COLUMNS, data)
        copied = time.perf_counter()
        restore_upkeep(session, upkeep)
        done = time.perf_counter()
        session.rollback()
    return {
        "seconds": round(done - started, 2),
        "peak_rss_mib": 0.0,
        "phases": {"copy": round(copied - started, 2), "indexes": round(done - copied, 2)},
    }


def summarise(rows: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    def best(work: str, side: str) -> float:
        return min(r["seconds"] for r in rows if r["work"] == work and r["side"] == side)

    def peak(work: str, side: str) -> float:
        return max(r["peak_rss_mib"] for r in rows if r["work"] == work and r["side"] == side)

    sides = ("landgis", "landgis-cli", "ogr2ogr")
    return {
        "parcels": args.parcels,
        "machine": f"{platform.node()} {platform.processor() or platform.machine()}",
        "best_seconds": {w: {s: best(w, s) for s in sides} for w in ("import", "export")},
        "peak_rss_mib": {w: {s: peak(w, s) for s in sides} for w in ("import", "export")},
        "landgis_work_seconds": {
            w: min(
                r.get("work_seconds", 0) for r in rows if r["work"] == w and r["side"] == "landgis"
            )
            for w in ("import", "export")
        },
        "ratio_ogr2ogr_over_landgis": {
            w: round(best(w, "ogr2ogr") / best(w, "landgis"), 3) for w in ("import", "export")
        },
        "landgis_cli_startup_seconds": min(r["seconds"] for r in rows if r["work"] == "startup"),
        "database_alone_seconds": best("import", "database-alone"),
        "ratio_over_database_alone": {  # like with like: see the module's docstring
            "landgis_wall": round(best("import", "landgis") / best("import", "database-alone"), 2),
            "landgis_work": round(
                min(
                    r.get("work_seconds", 0)
                    for r in rows
                    if r["side"] == "landgis" and r["work"] == "import"
                )
                / best("import", "database-alone"),
                2,
            ),
        },
        "note": "landgis = a child process doing the work; landgis-cli = `landgis cadastre "
        "import|export` including the CLI start-up of every domain; landgis import validates "
        "(geometry, codes, land use, overlaps) and rebuilds the register's indexes (bulk load; "
        "phases: copy = the server's COPY time within read_check_copy); ogr2ogr loads a new "
        "table with one GiST index and checks nothing",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--parcels", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--database", default="landgis_bench_import")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--reuse", action="store_true", help="reuse database and file of a run")
    ap.add_argument("--allow-busy", action="store_true", help="write the result under load")
    ap.add_argument("--clean", action="store_true", help="with --reuse: drop refused rows")
    ap.add_argument("--child", nargs=2, metavar=("WORK", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    settings = bench_settings(args.database)
    override_settings(settings)
    if args.child:
        run_child(settings, args.child[0], Path(args.child[1]))
        return
    work = Path(tempfile.gettempdir()) / f"landgis-bench-import-{args.parcels}"
    work.mkdir(exist_ok=True)
    gpkg = work / "parcels.gpkg"
    if not (args.reuse and gpkg.exists()):
        gpkg.unlink(missing_ok=True)
        build(settings, args.parcels, args.seed, gpkg)
    elif args.clean:
        accepted_only(settings, gpkg)
    load_before = settled_load()  # after the build, which loads the machine itself
    rows = []
    for n in range(1, args.rounds + 1):
        rows += round_trip(settings, gpkg, work, n)
    summary = summarise(rows, args)
    print(json.dumps(summary, indent=1))
    payload = {"summary": summary, "runs": rows}
    save_result(f"import-{args.parcels}", payload, load_before, allow_busy=args.allow_busy)


if __name__ == "__main__":
    main()
