"""A crowd on one landgis server: does it answer everyone, does /health stay fast, does
its memory come back?

Builds (or, with ``--reuse``, keeps) a demo register in its own database (default
``landgis_bench_load``, the default demo size of 5,000 parcels), starts one landgis
server (one uvicorn worker, as ``landgis serve`` does) on a free loopback port, and runs
three scenarios one after the other, each for ``--seconds`` (30):

- ``landing``: ``GET /`` (the home page, as a first-time visitor: no If-None-Match);
- ``tile``: ``GET`` one z14 parcel MVT tile at the middle of the district;
- ``items``: ``GET /ogc/collections/parcels/items?limit=100``.

In each, ``--clients`` (200) loopback clients, each on its own keep-alive connection,
send one request after another (each may take ``--timeout`` s, else it counts as not
answered and the client reconnects), while a prober opens a new connection to
``/health`` every 100 ms (and another keeps one connection for its probes). Reported per
scenario: requests sent and answered (200 or 304)
and the share answered, requests/s, p50/p95 latency, ``/health`` p50/p95 on new
connections (the goal's figure; a probe that fails or times out counts as its time
taken) and on the kept connection, the machine's load average, the server's RSS
(psutil) before, at its peak and ``--settle`` s after. Goals (issue 12): >= 99 %
answered, ``/health`` p95 < 1 s, RSS back within 20 % of its start.

Every request goes to 127.0.0.1 and every loop is bounded by time; the server is stopped
at the end. Results go to ``benchmarks/results/load-<parcels>-<stamp>.json``.

    .venv/bin/python -m benchmarks.bench_load [--parcels 5000] [--reuse] [--seconds 30]
        [--clients 200] [--only landing,tile,items] [--source DIR]

``--source DIR`` runs the server from another checkout of landgis (for a before/after
comparison) against the same database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import text

from benchmarks.common import PEERS, RESULTS, bench_settings, build_demo_database, free_port
from gis.db import Database
from gis.settings import REPO_ROOT, Settings, override_settings

HOST = "127.0.0.1"
PROBE_EVERY_S = 0.1
ZOOM = 14
GOALS = {"answered_pct": 99.0, "health_p95_ms": 1000.0, "rss_back_within_pct": 20.0}


@dataclass
class Tally:
    """What the clients of one scenario saw."""

    latencies: list[float] = field(default_factory=list)  # answered requests, seconds
    statuses: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    answered: int = 0
    bytes: int = 0


async def read_response(reader: asyncio.StreamReader) -> tuple[int, int]:
    """Status and body size of one HTTP/1.1 response (Content-Length, chunked or none)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
    if "content-length" in headers:
        return status, len(await reader.readexactly(int(headers["content-length"])))
    size = 0
    if headers.get("transfer-encoding") == "chunked":
        while chunk := int((await reader.readuntil(b"\r\n")).strip(), 16):
            size += len(await reader.readexactly(chunk))
            await reader.readexactly(2)
        await reader.readexactly(2)
    return status, size


def request(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept: */*\r\n\r\n".encode()


async def client(port: int, path: str, until: float, timeout: float, tally: Tally) -> None:
    """One visitor: requests ``path`` one after another on a keep-alive connection until
    ``until`` (loop time); a failed or late request counts as sent, not answered."""
    loop = asyncio.get_running_loop()
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while loop.time() < until:
        tally.sent += 1
        started = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
            reader, writer = conn
            writer.write(request(path))
            status, size = await asyncio.wait_for(read_response(reader), timeout)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            key = type(exc).__name__
            tally.statuses[key] = tally.statuses.get(key, 0) + 1
            if conn is not None:
                conn[1].close()
            conn = None
            continue
        tally.statuses[str(status)] = tally.statuses.get(str(status), 0) + 1
        if status in (200, 304):
            tally.answered += 1
            tally.latencies.append(time.perf_counter() - started)
            tally.bytes += size
    if conn is not None:
        conn[1].close()


async def probe_health(port: int, until: float, timeout: float) -> tuple[list[float], int]:
    """GET /health on a new connection every 100 ms until ``until``; returns each probe's
    time (a failed or late probe counts as the time it took) and how many failed."""
    loop = asyncio.get_running_loop()
    times: list[float] = []
    failed = 0

    async def once() -> None:
        nonlocal failed
        started = time.perf_counter()
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
            try:
                writer.write(request("/health"))
                status, _ = await asyncio.wait_for(read_response(reader), timeout)
            finally:
                writer.close()
            failed += status != 200
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
            failed += 1
        times.append(time.perf_counter() - started)

    probes = []
    while loop.time() < until:
        probes.append(asyncio.create_task(once()))
        await asyncio.sleep(PROBE_EVERY_S)
    await asyncio.gather(*probes)
    return times, failed


async def probe_health_kept(port: int, until: float, timeout: float) -> list[float]:
    """GET /health every 100 ms on one kept-alive connection (as a load balancer that
    keeps its connection does); returns each probe's time (reconnects after a failure)."""
    loop = asyncio.get_running_loop()
    times: list[float] = []
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while loop.time() < until:
        started = time.perf_counter()
        try:
            if conn is None:
                conn = await asyncio.wait_for(asyncio.open_connection(HOST, port), timeout)
            conn[1].write(request("/health"))
            await asyncio.wait_for(read_response(conn[0]), timeout)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
            if conn is not None:
                conn[1].close()
            conn = None
        times.append(time.perf_counter() - started)
        await asyncio.sleep(max(0.0, PROBE_EVERY_S - (time.perf_counter() - started)))
    if conn is not None:
        conn[1].close()
    return times


def probe_process(
    port: int, seconds: float, timeout: float
) -> tuple[tuple[list[float], int], list[float]]:
    """:func:`probe_health` and :func:`probe_health_kept` in a process of their own, so
    that the clients' event loop does not delay the probes."""

    async def probing() -> tuple[tuple[list[float], int], list[float]]:
        until = asyncio.get_running_loop().time() + seconds
        return await asyncio.gather(
            probe_health(port, until, timeout), probe_health_kept(port, until, timeout)
        )

    return asyncio.run(probing())


def rss_mib(proc: psutil.Process) -> float:
    """Resident memory of the server process and its children, MiB."""
    procs = [proc, *proc.children(recursive=True)]
    return sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20


async def watch_rss(proc: psutil.Process, until: float, peak: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        peak[0] = max(peak[0], rss_mib(proc))
        await asyncio.sleep(0.5)


def pct(values: list[float], q: float) -> float | None:
    """The ``q`` quantile of ``values`` in milliseconds (None when there are none)."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))] * 1000, 1)


async def scenario(
    port: int, path: str, args: argparse.Namespace, proc: psutil.Process
) -> dict[str, Any]:
    """``args.clients`` visitors on ``path`` for ``args.seconds``, the /health prober beside."""
    loop = asyncio.get_running_loop()
    rss_before = rss_mib(proc)
    peak = [rss_before]
    tally = Tally()
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        await loop.run_in_executor(pool, int)  # the prober's process is up before the crowd
        prober = loop.run_in_executor(pool, probe_process, port, args.seconds, args.timeout)
        until = loop.time() + args.seconds
        started = time.perf_counter()
        visitors = (client(port, path, until, args.timeout, tally) for _ in range(args.clients))
        await asyncio.gather(*visitors, watch_rss(proc, until, peak))
        wall = time.perf_counter() - started
        health = await prober
    (probe_times, probe_failed), kept_times = health
    await asyncio.sleep(args.settle)
    rss_after = rss_mib(proc)
    return {
        "path": path,
        "clients": args.clients,
        "seconds": round(wall, 1),
        "sent": tally.sent,
        "answered": tally.answered,
        "answered_pct": round(100 * tally.answered / max(1, tally.sent), 2),
        "statuses": tally.statuses,
        "rps": round(tally.answered / wall, 1),
        "p50_ms": pct(tally.latencies, 0.5),
        "p95_ms": pct(tally.latencies, 0.95),
        "mean_body_kib": round(tally.bytes / max(1, tally.answered) / 1024, 1),
        "health_probes": len(probe_times),
        "health_failed": probe_failed,
        "health_p50_ms": pct(probe_times, 0.5),
        "health_p95_ms": pct(probe_times, 0.95),
        "health_max_ms": pct(probe_times, 1.0),
        "health_kept_conn_p50_ms": pct(kept_times, 0.5),
        "health_kept_conn_p95_ms": pct(kept_times, 0.95),
        "loadavg_1min_after": round(os.getloadavg()[0], 1),
        "rss_before_mib": round(rss_before, 1),
        "rss_peak_mib": round(peak[0], 1),
        "rss_after_mib": round(rss_after, 1),
        "rss_after_vs_before_pct": round(100 * (rss_after - rss_before) / rss_before, 1),
    }


def targets(settings: Settings) -> dict[str, str]:
    """The path of each scenario: the home page, the z14 tile at the middle of the
    parcels (its URL from the tileset metadata), a page of 100 parcels."""
    from gis.tiles.matrix import TMS
    from gis.web.vectorlayers import tile_url

    with (
        Database(settings) as database,
        database.engine_for(settings.sqlalchemy_url()).connect() as conn,
    ):
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(geom)::geometry) c "
                "FROM parcel WHERE end_lifespan IS NULL) s"
            )
        ).one()
    t = TMS.tile(lon, lat, ZOOM)
    return {
        "landing": "/",
        "tile": tile_url("parcels").format(z=t.z, x=t.x, y=t.y),
        "items": "/ogc/collections/parcels/items?limit=100",
    }


def start_server(settings: Settings, source: Path) -> tuple[int, subprocess.Popen[bytes]]:
    """One landgis server (one uvicorn worker) from ``source`` on a free loopback port."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANDGIS_")}
    env["PYTHONPATH"] = str(source)
    if settings.database_url:
        env["LANDGIS_DATABASE_URL"] = settings.sqlalchemy_url()
    else:
        env["LANDGIS_DATABASE_NAME"] = settings.database_name
        env["LANDGIS_DATA_DIR"] = str(settings.data_dir)
        env["LANDGIS_PG_PORT"] = str(settings.pg_port)
    cmd = [sys.executable, "-m", "uvicorn", "landgis.app:create_app", "--factory"]
    cmd += ["--host", HOST, "--port", str(port), "--log-level", "warning", "--no-access-log"]
    log = open(PEERS / "landgis-load.log", "w")  # noqa: SIM115 (kept open for the process)
    # cwd = the checkout served: ``python -m`` puts it first on sys.path
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=source)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited; see {log.name}")
        try:
            if httpx.get(f"http://{HOST}:{port}/health", timeout=10).status_code == 200:
                return port, proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    proc.wait(timeout=30)
    raise RuntimeError(f"the server did not start; see {log.name}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server: politely, then (a server still busy with a crowd) by force."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


def warm(port: int, paths: dict[str, str]) -> None:
    """One request per scenario before measuring (first page build, first tile)."""
    for path in paths.values():
        httpx.get(f"http://{HOST}:{port}{path}", timeout=120).raise_for_status()


def verdict(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, bool]]:
    return {
        name: {
            "answered": r["answered_pct"] >= GOALS["answered_pct"],
            "health_p95": (r["health_p95_ms"] or float("inf")) < GOALS["health_p95_ms"],
            "rss_back": abs(r["rss_after_vs_before_pct"]) <= GOALS["rss_back_within_pct"],
        }
        for name, r in rows.items()
    }


def run(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    paths = targets(settings)
    chosen = {k: v for k, v in paths.items() if k in args.only.split(",")}
    port, proc = start_server(settings, Path(args.source).resolve())
    try:
        server = psutil.Process(proc.pid)
        rss_start = rss_mib(server)
        load_start = os.getloadavg()[0]
        warm(port, chosen)
        rows = {}
        for name, path in chosen.items():
            print(f"{name}: {args.clients} clients on {path} for {args.seconds} s", flush=True)
            rows[name] = asyncio.run(scenario(port, path, args, server))
            print(json.dumps(rows[name]), flush=True)
        rss_end = rss_mib(server)
    finally:
        stop(proc)
    return {
        "parcels": args.parcels,
        "source": str(Path(args.source).resolve()),
        "machine": f"{platform.node()} {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores",
        "server": "one uvicorn worker (landgis.app:create_app)",
        "loadavg_1min_at_start": round(load_start, 1),
        "rss_at_start_mib": round(rss_start, 1),
        "rss_at_end_mib": round(rss_end, 1),
        "goals": GOALS,
        "scenarios": rows,
        "met": verdict(rows),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parcels", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--database", default="landgis_bench_load")
    ap.add_argument("--reuse", action="store_true", help="keep the database of an earlier run")
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each scenario")
    ap.add_argument("--clients", type=int, default=200, help="concurrent clients")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds a request may take")
    ap.add_argument("--settle", type=float, default=5.0, help="idle seconds before RSS after")
    ap.add_argument("--only", default="landing,tile,items", help="scenarios to run")
    ap.add_argument("--source", default=str(REPO_ROOT), help="landgis checkout to serve")
    ap.add_argument("--label", default="", help="added to the result file name")
    args = ap.parse_args()
    if not (1 <= args.clients <= 1000 and 0 < args.seconds <= 300):
        ap.error("--clients 1..1000 and --seconds up to 300 (this is a bounded benchmark)")
    settings = bench_settings(args.database)
    override_settings(settings)
    PEERS.mkdir(exist_ok=True)
    if not args.reuse:
        build_demo_database(settings, args.parcels, args.seed)
    summary = run(args, settings)
    print(json.dumps(summary, indent=1))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M")
    label = f"-{args.label}" if args.label else ""
    out = RESULTS / f"load-{args.parcels}{label}-{stamp}.json"
    out.write_text(json.dumps(summary, indent=1))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
