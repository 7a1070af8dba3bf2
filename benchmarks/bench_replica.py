"""Public read throughput: the primary alone vs the primary + a hot standby (issue #15).

Builds a cluster of its own in a temporary folder (never the shared one): a demo
district of ``--parcels`` parcels, then ``landgis db standby create``. Phase 1 stops
the standby (every read on the primary); phase 2 starts it (public reads routed to it,
each after the LSN wait). Each phase starts ``landgis serve`` and lets ``--clients``
keep-alive clients read OGC item pages (limit 100, random bbox of ~1 km² inside the
district) for ``--seconds``; it reports requests/s, p50/p95 latency and where reads
were served (``X-Landgis-Read``). On one small machine both databases share the same
cores, so the standby adds capacity only where it runs on its own machine.

    .venv/bin/python -m benchmarks.bench_replica --parcels 5000 --clients 16 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from gis import cluster, standby
from gis.settings import REPO_ROOT, Settings, load_settings

RESULTS = Path(__file__).parent / "results"
ITEMS = "/ogc/collections/parcels/items"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def own_cluster(prefix: str, root: Path | None = None) -> tuple[Path, Settings, dict[str, str]]:
    """Settings and child environment of a cluster (and its standby) in a new temporary
    folder (or ``root``, a folder of the benchmark's own) on free ports: a benchmark never
    touches the shared cluster."""
    root = root or Path(tempfile.mkdtemp(prefix=prefix))
    settings: Settings = load_settings().model_copy(
        update={"data_dir": root, "pg_port": _port(), "standby_port": _port(),
                "database_name": "landgis", "database_url": None}
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANDGIS_DATABASE_")}
    env.update(
        LANDGIS_DATA_DIR=str(root),
        LANDGIS_PG_PORT=str(settings.pg_port),
        LANDGIS_STANDBY_PORT=str(settings.standby_port),
        LANDGIS_DATABASE_NAME="landgis",
    )
    return root, settings, env


def _cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "landgis", *args], env=env, cwd=REPO_ROOT, check=True)


def _serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    out = log.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "landgis", "serve", "--no-demo"],
        env={**env, "LANDGIS_PORT": str(port), "LANDGIS_HOST": "127.0.0.1"},
        cwd=REPO_ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit(f"server did not start: {log}")


async def _load(base: str, bounds: list[float], clients: int, seconds: float) -> dict[str, Any]:
    lat: list[float] = []
    where: Counter[str] = Counter()
    errors = 0
    stop = time.monotonic() + seconds
    w, s, e, n = bounds
    d = 0.01  # ~1 km in degrees at this latitude

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            while time.monotonic() < stop:
                x, y = random.uniform(w, max(w, e - d)), random.uniform(s, max(s, n - d))
                t = time.perf_counter()
                r = await c.get(ITEMS, params={"limit": 100, "bbox": f"{x},{y},{x + d},{y + d}"})
                lat.append(time.perf_counter() - t)
                errors += r.status_code != 200
                where[r.headers.get("x-landgis-read", "-")] += 1

    start = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    took = time.monotonic() - start
    lat.sort()
    return {
        "requests": len(lat),
        "rps": round(len(lat) / took, 1),
        "p50_ms": round(statistics.median(lat) * 1000, 1),
        "p95_ms": round(lat[int(len(lat) * 0.95)] * 1000, 1),
        "errors": errors,
        "read_from": dict(where),
    }


def _bounds(base: str) -> list[float]:
    doc = httpx.get(f"{base}/ogc/collections/parcels", timeout=30).json()
    return [float(v) for v in doc["extent"]["spatial"]["bbox"][0][:4]]


def _phase(env: dict[str, str], root: Path, name: str, args: argparse.Namespace) -> dict[str, Any]:
    proc, base = _serve(env, root / f"serve-{name}.log")
    try:
        bounds = _bounds(base)
        asyncio.run(_load(base, bounds, args.clients, 3))  # warm up
        return asyncio.run(_load(base, bounds, args.clients, args.seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parcels", type=int, default=5000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    root, settings, env = own_cluster("landgis-bench-replica-")
    try:
        _cli(env, "demo", "load", "--parcels", str(args.parcels), "--seed", "1")
        _cli(env, "db", "standby", "create")
        standby.stop(settings)
        alone = _phase(env, root, "primary", args)
        standby.start(settings)
        standby.wait_caught_up(settings)
        both = _phase(env, root, "standby", args)
    finally:
        standby.stop(settings)
        cluster.stop(settings)
        shutil.rmtree(root, ignore_errors=True)
    result = {
        "parcels": args.parcels,
        "clients": args.clients,
        "seconds": args.seconds,
        "cpus": os.cpu_count(),
        "primary_alone": alone,
        "primary_plus_standby": both,
    }
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M")
    (RESULTS / f"replica-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
