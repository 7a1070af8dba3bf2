"""Incremental quality check (:mod:`cadastre.parcels.quality_state`) against a full check.

In the same run, on the bench database (built as by ``bench_quality``, with its defects):
the full parallel check (what ``landgis cadastre check`` does; the floor the state is
measured against), the first pass that builds the kept state, the bureau-wide report with
nothing changed (a read), and the report after 1 and after 100 parcels were moved. The
goal (issue #16): the report is a read, under 1 s at 1M parcels, after small edits.

    .venv/bin/python -m benchmarks.bench_quality_incremental --parcels 1000000 [--reuse]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from benchmarks.bench_quality import build
from benchmarks.common import bench_settings, database_has_parcels, load_average, save_result
from gis.db import Database, transaction
from gis.settings import override_settings

MOVE_SQL = """
UPDATE parcel SET geom = ST_Translate(geom, 0.00002, 0)
WHERE id IN (SELECT id FROM parcel WHERE end_lifespan IS NULL ORDER BY md5(id::text) LIMIT :n)
"""


def _move(session: Session, n: int) -> None:
    session.execute(text(MOVE_SQL), {"n": n})


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    out = fn()
    return round(time.perf_counter() - started, 3), out


def main() -> None:
    from cadastre.parcels import quality, quality_state

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parcels", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--database", default="landgis_bench")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--allow-busy", action="store_true")
    args = ap.parse_args()
    load_before = load_average()
    settings = bench_settings(args.database)
    override_settings(settings)
    if not (args.reuse and database_has_parcels(settings, args.parcels)):
        build(settings, args.parcels, args.seed)
    database = Database(settings)  # this run's engines
    engine = database.engine
    out: dict[str, Any] = {"parcels": args.parcels}
    out["full_check_s"], _ = timed(lambda: quality.run_parallel(engine, None, workers=2))

    def in_unit(fn: Callable[[Session], Any]) -> Any:
        with Session(engine) as session, transaction(session):
            return fn(session)

    in_unit(lambda s: s.execute(text("DELETE FROM overview_state WHERE name = 'parcel_quality'")))
    out["first_pass_s"], n = timed(lambda: in_unit(quality_state.refresh))
    out["subzones"] = n
    out["report_unchanged_s"], _ = timed(lambda: in_unit(quality_state.report))
    for moved in (1, 100):
        in_unit(partial(_move, n=moved))
        recheck_s, touched = timed(lambda: in_unit(quality_state.refresh))
        read_s, rep = timed(lambda: in_unit(quality_state.report))
        out[f"after_{moved}_moved"] = {
            "subzones_checked_again": touched,
            "recheck_s": recheck_s,
            "report_read_s": read_s,
            "findings": {k: len(v) for k, v in rep.findings.items()},
        }
    one = out["after_1_moved"]
    out["ratio_report_over_full"] = round(
        (one["recheck_s"] + one["report_read_s"]) / out["full_check_s"], 4
    )
    print(json.dumps(out, indent=1), flush=True)
    save_result(f"quality-incremental-{args.parcels}", out, load_before, None, args.allow_busy)


if __name__ == "__main__":
    main()
