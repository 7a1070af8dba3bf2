"""Raster benchmarks: tiles vs titiler-core, change detection at 10,000 x 10,000, COG
conversion vs ``rio cogeo create``.

Everything runs in its own database (default ``landgis_bench_raster``, demo district of
5,000 parcels) and its own data folder (``benchmarks/.peers/raster-data``).

- ``tiles``: RGB.byte.tif is imported as a COG; landgis (``/api/v1/rasters/{id}/tiles``)
  and titiler-core 0.24 (``/cog/tiles/WebMercatorQuad``, own venv under
  ``benchmarks/.peers/titiler``) serve that same file, one uvicorn worker each, the same
  bands and rescale; every tile of zooms 8-11 over it is fetched once by both, then
  round-robin at concurrency 1 and 8; p50/p95 latency and requests/s, ratio landgis/titiler.
  landgis runs with its raster tile cache off (render against render) and, as
  ``landgis_cached``, with it on.
- ``cog``: a generated ``--size`` square, 2-band uint8 GeoTIFF (1 m pixels over the demo
  district) converted by ``gis.raster.cog.write_cog`` (COG + validation) and by
  ``rio cogeo create --cog-profile deflate`` on the same file; also the full import
  (every block read, statistics, COG, validation, catalogue row).
- ``changes``: a generated pair (``--size``, red and NIR, ~150 new built-up blocks in the
  after image) imported, then ``changes.run_changes`` in a child process: wall time
  and the child's peak RSS (goal < 2 GB), patches found vs planted.

    .venv/bin/python -m benchmarks.bench_raster all [--size 10000] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import rasterio
from rasterio.transform import from_origin
from rasterio.windows import Window
from sqlalchemy.orm import Session

from benchmarks.common import free_port, start
from gis import cluster
from gis.db import Database
from gis.settings import REPO_ROOT, Settings, get_settings, override_settings

RESULTS = Path(__file__).parent / "results"
PEERS = Path(__file__).parent / ".peers"
DATA = PEERS / "raster-data"
TITILER = "titiler.core==0.24.*"
SAMPLE = Path("/work/shared/data/real/RGB.byte.tif")
ORIGIN = (470_000.0, 2_550_000.0)  # EPSG:4547, north-west of the demo district
BLOCKS = 150


def bench_settings(database: str) -> Settings:
    base = get_settings()
    return base.model_copy(update={"database_url": base.sqlalchemy_url(database), "data_dir": DATA})


def build(settings: Settings, database: str, parcels: int) -> None:
    """A fresh bench database with the demo district (plan zones for the overlay)."""
    from cadastre.demo import load_demo
    from landgis.setup import migrate

    base = get_settings()
    if base.uses_local_cluster:
        cluster.start(base)
    cluster.ensure_database(base, database, fresh=True)
    migrate(settings)
    with (
        Database(settings) as db,
        Session(db.engine_for(settings.sqlalchemy_url())) as session,
    ):
        load_demo(session, parcels, 20261126)
        session.commit()
    shutil.rmtree(DATA / "files", ignore_errors=True)


def import_file(path: Path, **kw: Any) -> tuple[int, float]:
    from gis.raster import service

    started = time.perf_counter()
    with Database() as database, database.session() as session:
        raster = service.import_raster(session, service.ImportRequest(source=path, **kw))
    return raster.id, time.perf_counter() - started


# ---------------------------------------------------------------- tiles


def ensure_titiler() -> Path:
    venv = PEERS / "titiler"
    python = venv / "bin" / "python"
    if not (venv / "bin" / "uvicorn").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", TITILER, "uvicorn"], check=True)
    (PEERS / "titiler_app.py").write_text(
        "from fastapi import FastAPI\n"
        "from titiler.core.errors import DEFAULT_STATUS_CODES, add_exception_handlers\n"
        "from titiler.core.factory import TilerFactory\n"
        "app = FastAPI()\n"
        "app.include_router(TilerFactory().router, prefix='/cog')\n"
        "add_exception_handlers(app, DEFAULT_STATUS_CODES)\n"
        "@app.get('/healthz')\n"
        "def healthz():\n    return {}\n"
    )
    return python


def tile_list(bounds: list[float]) -> list[tuple[int, int, int]]:
    import morecantile

    tms = morecantile.tms.get("WebMercatorQuad")
    west, south, east, north = bounds
    return [(t.z, t.x, t.y) for t in tms.tiles(west, south, east, north, list(range(8, 12)))]


async def load(template: str, tiles: list[tuple[int, int, int]], n: int, conc: int) -> dict:
    """Fetch ``n`` tiles round-robin with ``conc`` concurrent clients."""
    latencies: list[float] = []
    queue = [tiles[i % len(tiles)] for i in range(n)]

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            z, x, y = queue.pop()
            t0 = time.perf_counter()
            r = await client.get(template.format(z=z, x=x, y=y))
            latencies.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise RuntimeError(f"{r.status_code} {r.text[:200]}")

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(conc)))
    wall = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=20)
    return {
        "rps": round(n / wall, 1),
        "p50_ms": round(q[9] * 1000, 1),
        "p95_ms": round(q[18] * 1000, 1),
    }


def bench_tiles(settings: Settings, requests: int) -> dict[str, Any]:
    from gis.raster import service

    raster_id, _ = import_file(SAMPLE, sensor="Landsat-7")
    with Database() as database, database.session() as session:
        raster = service.get_raster(session, raster_id)
        path = service.cog_path(raster)
        bbox = service.item(session, raster_id, "")["bbox"]
    tiles = [t for t in tile_list(bbox) if has_data(t, Path(path))]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANDGIS_")}
    servers: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}
    try:
        port = free_port()
        cmd = [str(ensure_titiler()), "-m", "uvicorn", "titiler_app:app", "--app-dir", str(PEERS)]
        cmd += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
        url = f"http://127.0.0.1:{port}/cog/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}.png"
        url += f"?url={path}&bidx=1&bidx=2&bidx=3" + "&rescale=0,255" * 3
        servers["titiler"] = (url, start("titiler", cmd, env, f"http://127.0.0.1:{port}/healthz"))
        # landgis renders every tile like titiler (tile cache off), and "landgis_cached"
        # shows what its tile cache adds once every tile was asked for once.
        for name, cache_bytes in (("landgis", "0"), ("landgis_cached", str(64 << 20))):
            port = free_port()
            lenv = env | {
                "LANDGIS_DATABASE_URL": settings.sqlalchemy_url(),
                "LANDGIS_DATA_DIR": str(DATA),
                "LANDGIS_RASTER_TILE_CACHE_BYTES": cache_bytes,
            }
            cmd = [sys.executable, "-m", "uvicorn", "landgis.app:create_app", "--factory"]
            cmd += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
            url = f"http://127.0.0.1:{port}/api/v1/rasters/{raster_id}/tiles/{{z}}/{{x}}/{{y}}.png"
            url += "?bands=1,2,3&rescale=0,255"
            ready = f"http://127.0.0.1:{port}/health"
            servers[name] = (url, start(f"{name}-raster", cmd, lenv, ready))
        out: dict[str, Any] = {"tiles": len(tiles)}
        for template, _ in servers.values():
            asyncio.run(load(template, tiles, len(tiles), 4))  # warm: every tile once
        for conc in (1, 8):
            for name, (template, _) in servers.items():
                out[f"{name}_c{conc}"] = asyncio.run(load(template, tiles, requests, conc))
                print(name, conc, out[f"{name}_c{conc}"], flush=True)
            lg, tt = out[f"landgis_c{conc}"], out[f"titiler_c{conc}"]
            out[f"ratio_rps_c{conc}"] = round(lg["rps"] / tt["rps"], 2)
            cached = out[f"landgis_cached_c{conc}"]
            out[f"ratio_cached_rps_c{conc}"] = round(cached["rps"] / tt["rps"], 2)
        return out
    finally:
        for _, proc in servers.values():
            proc.terminate()
            proc.wait(timeout=20)


def has_data(tile: tuple[int, int, int], path: Path) -> bool:
    """The tile is inside the raster (both servers would answer 200)."""
    from rio_tiler.io import Reader

    with Reader(str(path)) as reader:
        return bool(reader.tile_exists(tile[1], tile[2], tile[0]))


# ---------------------------------------------------------------- generated imagery


def write_scene(path: Path, size: int, blocks: list[tuple[int, int, int]]) -> Path:
    """A 2-band (red, nir) uint8 scene of vegetation with built-up ``blocks``, by strips."""
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": 2,
        "dtype": "uint8",
        "crs": "EPSG:4547",
        "transform": from_origin(*ORIGIN, 1.0, 1.0),
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
        "BIGTIFF": "IF_SAFER",
    }
    rng = np.random.default_rng(1)
    texture = rng.integers(-3, 4, size=(512, 512), dtype=np.int16)
    with rasterio.open(path, "w", **profile) as dst:
        for row in range(0, size, 512):
            h = min(512, size - row)
            tex = np.tile(texture, (1, size // 512 + 1))[:h, :size]
            red = 40 + tex
            nir = 160 + tex
            for r, c, s in blocks:
                r0, r1 = max(r, row), min(r + s, row + h)
                if r0 < r1:
                    red[r0 - row : r1 - row, c : c + s] = 150
                    nir[r0 - row : r1 - row, c : c + s] = 170
            data = np.stack([red, nir]).astype("uint8")
            dst.write(data, window=Window(0, row, size, h))
        dst.set_band_description(1, "red")
        dst.set_band_description(2, "nir")
    return path


def planted(size: int) -> list[tuple[int, int, int]]:
    rng = np.random.default_rng(7)
    out: list[tuple[int, int, int]] = []
    grid = size // 12
    cells = rng.choice(144, size=min(BLOCKS, 144), replace=False)
    for cell in cells:
        s = int(rng.integers(20, 60))
        r = int(cell // 12) * grid + int(rng.integers(5, max(6, grid - s - 5)))
        c = int(cell % 12) * grid + int(rng.integers(5, max(6, grid - s - 5)))
        out.append((r, c, s))
    return out


def bench_cog(size: int) -> dict[str, Any]:
    from gis.raster import cog

    src = write_scene(DATA / f"scene_{size}.tif", size, planted(size))
    with rasterio.open(src) as ds:
        t0 = time.perf_counter()
        made = cog.write_cog(ds, DATA / "cog-out")
        ours = time.perf_counter() - t0
    made.unlink()
    rio = shutil.which("rio", path=str(Path(sys.executable).parent)) or "rio"
    dst = DATA / "rio-cogeo.tif"
    t0 = time.perf_counter()
    subprocess.run(
        [rio, "cogeo", "create", str(src), str(dst), "--cog-profile", "deflate", "-q"], check=True
    )
    theirs = time.perf_counter() - t0
    dst.unlink()
    _, full = import_file(src, band_names=["red", "nir"])
    return {
        "size": size,
        "landgis_write_cog_s": round(ours, 1),
        "rio_cogeo_create_s": round(theirs, 1),
        "ratio": round(ours / theirs, 2),
        "landgis_full_import_s": round(full, 1),
    }


def bench_changes(size: int) -> dict[str, Any]:
    blocks = planted(size)
    before = write_scene(DATA / f"before_{size}.tif", size, [])
    after = write_scene(DATA / f"after_{size}.tif", size, blocks)
    a, ta = import_file(before, band_names=["red", "nir"])
    b, tb = import_file(after, band_names=["red", "nir"])
    env = os.environ | {
        "LANDGIS_DATABASE_URL": get_settings().sqlalchemy_url(),
        "LANDGIS_DATA_DIR": str(DATA),
    }
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_raster", "_child-changes", str(a), str(b)],
        env=env,
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    child = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "size": size,
        "import_before_s": round(ta, 1),
        "import_after_s": round(tb, 1),
        "changes_wall_s": round(wall, 1),
        "changes_s": child["seconds"],
        "peak_rss_mb": round(peak_mb),
        "patches": child["patches"],
        "planted": len(blocks),
        "suspected_illegal": child["suspected_illegal"],
    }


def child_changes(a: int, b: int) -> None:
    """Run in a child process so that its peak RSS is measured alone."""
    from gis.raster import changes
    from landgis.collections import build_catalog

    approvals = build_catalog().approvals
    t0 = time.perf_counter()
    with Database() as database, database.session() as session:
        run = changes.run_changes(
            session, changes.ChangeRequest(a, b, min_area_m2=100), approvals=approvals
        )
        listed = changes.list_patches(session, run_id=run.id, verdict="suspected_illegal", limit=1)
    print(
        json.dumps(
            {
                "seconds": round(time.perf_counter() - t0, 1),
                "patches": run.patch_count,
                "suspected_illegal": listed["numberMatched"],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["all", "tiles", "cog", "changes", "_child-changes"])
    parser.add_argument("ids", nargs="*", type=int)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", default="landgis_bench_raster")
    parser.add_argument("--parcels", type=int, default=5000)
    args = parser.parse_args()
    if args.what == "_child-changes":
        child_changes(*args.ids)
        return
    settings = bench_settings(args.database)
    DATA.mkdir(parents=True, exist_ok=True)
    build(settings, args.database, args.parcels)
    override_settings(settings)
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.processor() or platform.machine()} "
        f"{os.cpu_count()} cpu",
    }
    if args.what in ("all", "tiles"):
        result["tiles"] = bench_tiles(settings, args.requests)
    if args.what in ("all", "cog"):
        result["cog"] = bench_cog(args.size)
    if args.what in ("all", "changes"):
        result["changes"] = bench_changes(args.size)
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    (RESULTS / f"raster-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
