"""CLI start-up: wall time of read commands against a database that is up and migrated.

Floors beside them, measured in the same run: the bare interpreter (``python -c pass``)
and the database alone (``psql`` reading ``alembic_version``, what the readiness check
asks). The goal (issue #13) is under 1.5 s per command on this machine.

    .venv/bin/python -m benchmarks.bench_cli [--runs 7] [--allow-busy]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from benchmarks.common import load_average, save_result
from gis.db import Database
from gis.settings import REPO_ROOT, get_settings
from landgis import setup

COMMANDS = [
    ["trading", "list"],
    ["trading", "show", "1"],
    ["raster", "list"],
    ["planning", "editions"],
    ["cadastre", "public-key"],
    ["cadastre", "case-status", "NO-SUCH-CASE"],
    ["user", "role", "no-such-user", "registrar"],
    ["db", "status"],
]


def wall(argv: list[str], runs: int) -> float:
    """Median wall-clock seconds of ``argv`` over ``runs`` runs (output discarded)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, cwd=REPO_ROOT, capture_output=True, timeout=120)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def psql_floor(runs: int) -> float:
    url = get_settings().sqlalchemy_url().replace("postgresql+psycopg://", "postgresql://")
    psql = "/usr/lib/postgresql/15/bin/psql"
    return wall([psql, url, "-Atc", "SELECT version_num FROM alembic_version"], runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--allow-busy", action="store_true")
    args = parser.parse_args()
    settings = get_settings()
    with Database(settings) as database:
        setup.ensure_ready(database)
    load_before = load_average()
    floors = {
        "python -c pass": wall([sys.executable, "-c", "pass"], args.runs),
        "psql alembic_version": psql_floor(args.runs),
    }
    rows = {}
    for command in COMMANDS:
        seconds = wall([sys.executable, "-m", "landgis", *command], args.runs)
        rows[" ".join(command)] = round(seconds, 3)
        print(f"landgis {' '.join(command):40s} {seconds:6.2f} s", flush=True)
    for name, seconds in floors.items():
        print(f"floor   {name:40s} {seconds:6.2f} s", flush=True)
    worst = max(rows.values())
    print(f"slowest command {worst:.2f} s (goal < 1.5 s)", flush=True)
    payload = {
        "runs": args.runs,
        "commands_s": rows,
        "floors_s": {k: round(v, 3) for k, v in floors.items()},
        "slowest_s": worst,
        "goal_s": 1.5,
    }
    save_result("cli-startup", payload, load_before, allow_busy=args.allow_busy)


if __name__ == "__main__":
    main()
