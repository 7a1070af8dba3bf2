"""Registering transfer cases through the registry service: cases per second.

Builds its own database (default ``landgis_bench_registry``): migrates, loads a demo
district, first-registers ``--cases`` units (set-up, not timed), then times ``--cases``
transfer cases, each submitted, accepted, reviewed and entered in its own transaction
as at the service window (journal appended at every step). Reports cases per second,
per-case latency percentiles, and the time to verify the whole journal afterwards.

    .venv/bin/python -m benchmarks.bench_registry --cases 1000 [--parcels 2000]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import cluster
from gis.db import Database
from gis.settings import Settings, get_settings, override_settings

RESULTS = Path(__file__).parent / "results"
STEPS = ("accept", "review", "enter")


def holder(i: int) -> dict[str, str]:
    """A synthetic natural person with a valid 18-character ID-card number."""
    from cadastre.registry.identity import id_card_check_char

    first17 = f"44190019{i % 10**9:09d}"
    return {
        "kind": "natural",
        "name": f"业主{i}",
        "id_number": first17 + id_card_check_char(first17),
        "share": "1",
    }


def build(settings: Settings, parcels: int, seed: int) -> None:
    from cadastre.demo import load_demo
    from landgis.setup import migrate

    if settings.uses_local_cluster:
        cluster.start(settings)
    cluster.ensure_database(settings, settings.database_name, fresh=True)
    migrate(settings)
    with (
        Database(settings) as database,
        Session(database.engine_for(settings.sqlalchemy_url())) as session,
    ):
        load_demo(session, parcels, seed)
        session.commit()


def run_case(session: Session, case_type: str, code: str, holders: list[dict[str, str]]) -> None:
    from cadastre.registry import service

    contract = {"kind": "contract", "title": f"{case_type} contract {code}"}
    case = service.open_case(
        session,
        case_type_code=case_type,
        submitted_by="bench",
        role="registrar",
        request={"unit_code": code, "holders": holders, "source": contract},
    )
    for step in STEPS:
        if step == "enter" and case_type == "first_registration":  # its public notice ends
            session.execute(
                text(
                    "UPDATE reg_notice SET starts_at = starts_at - interval '40 days', "
                    "ends_at = clock_timestamp() WHERE case_id = :c"
                ),
                {"c": case.id},
            )
        actor = "bench-2" if step == "review" else "bench"  # four eyes
        service.take_step(session, case.public_number, step, actor=actor, role="registrar")
    session.commit()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--parcels", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--database", default="landgis_bench_registry")
    args = ap.parse_args()
    base = get_settings()
    if base.uses_local_cluster:
        settings = base.model_copy(update={"database_name": args.database})
    else:
        settings = base.model_copy(update={"database_url": base.sqlalchemy_url(args.database)})
    override_settings(settings)
    print(f"building {args.database} with {args.parcels} parcels ...", flush=True)
    build(settings, max(args.parcels, args.cases), args.seed)
    database = Database(settings)  # this run's engines, disposed at the end
    engine = database.engine
    with Session(engine) as session:
        codes = list(
            session.execute(
                text(
                    "SELECT unit_code FROM parcel WHERE end_lifespan IS NULL ORDER BY id LIMIT :n"
                ),
                {"n": args.cases},
            ).scalars()
        )
        for i, code in enumerate(codes):
            run_case(session, "first_registration", code, [holder(i)])
        print(f"first-registered {len(codes)} units (set-up)", flush=True)
        latencies = []
        start = time.perf_counter()
        for i, code in enumerate(codes):
            t0 = time.perf_counter()
            run_case(session, "transfer", code, [holder(10**6 + i)])
            latencies.append(time.perf_counter() - t0)
        total = time.perf_counter() - start
        from cadastre.registry.journal import verify

        t0 = time.perf_counter()
        check = verify(session)
        verify_s = time.perf_counter() - t0
    report = summarise(args, len(codes), total, latencies, verify_s, check.entries, check.ok)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"registry-{datetime.now(UTC):%Y%m%d}-{platform.node()}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"written {out}")
    database.dispose()


def summarise(
    args: argparse.Namespace,
    n: int,
    total: float,
    lat: list[float],
    verify_s: float,
    entries: int,
    ok: bool,
) -> dict[str, Any]:
    q = statistics.quantiles(lat, n=100)
    return {
        "benchmark": "registry transfer cases (submit, accept, review, enter; 1 txn each)",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"node": platform.node(), "python": platform.python_version()},
        "cases": n,
        "seconds": round(total, 3),
        "cases_per_second": round(n / total, 1),
        "latency_ms": {
            "p50": round(q[49] * 1000, 2),
            "p95": round(q[94] * 1000, 2),
            "max": round(max(lat) * 1000, 2),
        },
        "journal_entries": entries,
        "journal_verify_seconds": round(verify_s, 3),
        "journal_ok": ok,
    }


if __name__ == "__main__":
    main()
