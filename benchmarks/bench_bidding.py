"""Concurrent bidding on one listing over loopback: bid decisions per second, latency, and
the check that the accepted sequence is strictly increasing with none lost or doubled.

Builds its own database (default ``landgis_bench_bidding``): migrates, loads a small demo
district, adds ``--bidders`` paid-up bidders. For each worker setup in ``--workers`` it
opens a fresh listing, starts ``landgis serve`` with that many uvicorn workers, and lets
``--bidders`` asynchronous clients, each on its own keep-alive HTTP/1.1 connection, fire
``--bids`` bids in total. A bidder bids the lowest acceptable price it knows of, plus 0-2
increments; the answers (201 accepted, 409 too low) teach it the new price, as the live
page would. Every answer is a decision.

    .venv/bin/python -m benchmarks.bench_bidding --bidders 200 --bids 4000 --workers 1,2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from shapely import wkb
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis import cluster
from gis.db import Database
from gis.settings import REPO_ROOT, Settings, get_settings, override_settings
from trading.roles import BIDDER

RESULTS = Path(__file__).parent / "results"


def build(database: Database, parcels: int) -> Engine:
    from cadastre.demo import load_demo
    from landgis.setup import migrate

    settings = database.settings
    if settings.uses_local_cluster:
        cluster.start(settings)
    cluster.ensure_database(settings, settings.database_name, fresh=True)
    migrate(settings)
    engine = database.engine
    with Session(engine) as session:
        load_demo(session, parcels, 1)
        session.commit()
    return engine


def compliant_parcels(session: Session, wanted: int) -> list[tuple[str, str]]:
    from gis.planning import compliance

    rows = session.execute(
        text(
            "SELECT unit_code, land_use, ST_AsBinary(geom) FROM parcel WHERE end_lifespan IS NULL "
            "AND left(land_use, 2) IN ('05', '06', '07') ORDER BY id"
        )
    ).all()
    found = []
    for code, use, geom in rows:
        if compliance.check(session, wkb.loads(bytes(geom)), use).verdict == "compliant":
            found.append((code, use))
            if len(found) == wanted:
                break
    return found


def make_users(engine: Engine, bidders: int) -> tuple[int, list[tuple[int, str, str]]]:
    """The registrar's id and (id, name, token) of each bidder (one password hash, reused)."""
    from gis.auth.models import User
    from gis.auth.service import add_user, issue_token

    with Session(engine, expire_on_commit=False) as session:
        registrar = add_user(session, "bench-registrar", "correct horse battery", "registrar")
        template = add_user(session, "bench-b0", "correct horse battery", "bidder")
        users = [template]
        for i in range(1, bidders):
            user = User(username=f"bench-b{i}", role="bidder", password_hash=template.password_hash)
            session.add(user)
            users.append(user)
        session.commit()
        return registrar.id, [(u.id, u.username, issue_token(u)) for u in users]


def open_listing(
    engine: Engine, registrar_id: int, parcel: tuple[str, str], bidders: list[tuple[int, str, str]]
) -> int:
    """A published listing open for bids now, with every bidder registered and paid up."""
    from gis.auth.roles import Role
    from gis.auth.service import Principal
    from trading import bidding, clock, service
    from trading.schemas import ListingCreate, RegistrationIn

    now = clock.now()
    start = now - timedelta(hours=1)
    announced = start - timedelta(days=21)
    data = ListingCreate.model_validate(
        {
            "title": "bench",
            "method": "listing",
            "unit_codes": [parcel[0]],
            "land_use": parcel[1],
            "far_min": "1",
            "far_max": "2.5",
            "term_years": 70,
            "start_price": "1000000.00",
            "increment": "1000.00",
            "deposit": "100000.00",
            "reserve_price": "1500000.00",
            "announcement_date": announced.date().isoformat(),
            "bid_start": start.isoformat(),
            "bid_end": (start + timedelta(days=11)).isoformat(),
        }
    )
    from cadastre.registry.identity import credit_code_check_char
    from gis.db import transaction
    from trading import deposits

    with Session(engine, expire_on_commit=False) as session, transaction(session):
        registrar = Principal(registrar_id, "bench-registrar", Role.REGISTRAR)
        cashier = Principal(registrar_id, "bench-registrar", Role.REGISTRAR)  # confirms deposits
        listing = service.create_listing(session, data, registrar)
        service.publish_listing(session, listing.id, now=announced)
        for uid, name, _ in bidders:
            code = f"91441900{uid:09d}"  # one credit code per bidder account
            party = RegistrationIn(
                kind="legal", name=f"竞买公司{uid}", id_number=code + credit_code_check_char(code)
            )
            who = Principal(uid, name, BIDDER)
            reg = bidding.register(session, listing.id, party, who)
            deposits.confirm_by_staff(
                session, listing.id, reg.id, Decimal("100000.00"), f"BENCH-{reg.id}", cashier
            )
        return listing.id


@dataclass
class Load:
    """Shared state of the load clients: the lowest acceptable price they know of."""

    minimum: Decimal
    increment: Decimal
    remaining: int
    latencies: list[float] = field(default_factory=list)
    answers: dict[int, int] = field(default_factory=dict)
    accepted: list[tuple[int, Decimal]] = field(default_factory=list)


class KeepAlive:
    """One persistent HTTP/1.1 connection (keep-alive), as a browser tab keeps one.

    The load client must cost much less than the server it measures: httpx spent about
    4.5 ms of CPU per request at 200 connections on this 2-core machine (more than the
    server's own 1 ms), so the bidders speak plain HTTP/1.1 over asyncio streams.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """Send one request and read the whole answer (Content-Length framed)."""
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body:
            head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readuntil(b"\r\n")
        if not status_line:
            raise ConnectionError("closed by the server")
        status = int(status_line.split()[1])
        length, close = 0, False
        for line in (await self.reader.readuntil(b"\r\n\r\n")).split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"connection" and value.strip().lower() == b"close":
                close = True
        data = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
            self.writer = None


async def bidder(conn: KeepAlive, path: str, token: str, load: Load, seed: int) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    while load.remaining > 0:
        load.remaining -= 1
        amount = load.minimum + load.increment * rng.choice((0, 0, 1, 2))
        payload = json.dumps({"amount": str(amount)}).encode()
        t0 = time.perf_counter()
        try:
            status, data = await conn.request("POST", path, payload, headers)
        except (OSError, asyncio.IncompleteReadError, ConnectionError):
            load.answers[0] = load.answers.get(0, 0) + 1  # no answer: reported, not a decision
            await conn.close()
            continue
        load.latencies.append(time.perf_counter() - t0)
        load.answers[status] = load.answers.get(status, 0) + 1
        body = json.loads(data)
        if status == 201:
            load.accepted.append((int(body["seq"]), Decimal(body["amount"])))
            load.minimum = max(load.minimum, Decimal(body["amount"]) + load.increment)
        elif body.get("minimum"):
            load.minimum = max(load.minimum, Decimal(body["minimum"]))


async def fire(base: str, listing_id: int, tokens: list[str], bids: int) -> tuple[Load, float]:
    """Every bidder on its own keep-alive connection, all at once."""
    host, port = base.removeprefix("http://").split(":")
    path = f"/api/v1/trading/listings/{listing_id}/bids"
    load = Load(Decimal("1000000.00"), Decimal("1000.00"), bids)
    conns = [KeepAlive(host, int(port)) for _ in tokens]
    t0 = time.perf_counter()
    try:
        await asyncio.gather(
            *(
                bidder(c, path, t, load, i)
                for i, (c, t) in enumerate(zip(conns, tokens, strict=True))
            )
        )
        return load, time.perf_counter() - t0
    finally:
        await asyncio.gather(*(c.close() for c in conns))


async def baseline(base: str, requests: int, concurrency: int) -> float:
    """GET /health at the same concurrency: what this server and client manage for a
    trivial request on this machine right now (the ceiling the bids are compared with)."""
    host, port = base.removeprefix("http://").split(":")
    conns = [KeepAlive(host, int(port)) for _ in range(concurrency)]
    left = [requests]

    async def worker(conn: KeepAlive) -> None:
        while left[0] > 0:
            left[0] -= 1
            try:
                await conn.request("GET", "/health")
            except (OSError, asyncio.IncompleteReadError, ConnectionError):
                await conn.close()

    t0 = time.perf_counter()
    try:
        await asyncio.gather(*(worker(c) for c in conns))
        return requests / (time.perf_counter() - t0)
    finally:
        await asyncio.gather(*(c.close() for c in conns))


def serve(settings: Settings, port: int, workers: int, log_level: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANDGIS_")}
    env.update(
        {
            "LANDGIS_PORT": str(port),
            "LANDGIS_WORKERS": str(workers),
            "LANDGIS_LOG_LEVEL": log_level,
            "LANDGIS_DATABASE_NAME": settings.database_name,
            "LANDGIS_DATA_DIR": str(settings.data_dir),
        }
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "landgis", "serve", "--no-demo"],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("server did not start")


def check(engine: Engine, listing_id: int, load: Load) -> dict[str, Any]:
    """The stored sequence against the 201 answers: increasing, none lost, none doubled."""
    with Session(engine) as session:
        rows = session.execute(
            text("SELECT seq, amount FROM trading_bid WHERE listing_id = :id ORDER BY seq"),
            {"id": listing_id},
        ).all()
        inc = Decimal(
            session.execute(
                text("SELECT increment FROM trading_listing WHERE id = :id"), {"id": listing_id}
            ).scalar_one()
        )
    stored = [(int(s), Decimal(a)) for s, a in rows]
    amounts = [a for _, a in stored]
    return {
        "stored": len(stored),
        "seq_contiguous": [s for s, _ in stored] == list(range(1, len(stored) + 1)),
        "answers_match_store": sorted(load.accepted) == stored,
        "violations": sum(1 for a, b in zip(amounts, amounts[1:], strict=False) if b - a < inc),
        "duplicate_prices": len(amounts) - len(set(amounts)),
    }


def run_setup(
    settings: Settings,
    engine: Engine,
    workers: int,
    log_level: str,
    parcel: tuple[str, str],
    users: tuple[int, list[tuple[int, str, str]]],
    bids: int,
    port: int,
) -> dict[str, Any]:
    registrar_id, bidders = users
    listing_id = open_listing(engine, registrar_id, parcel, bidders)
    proc = serve(settings, port, workers, log_level)
    try:
        base = f"http://127.0.0.1:{port}"
        load, seconds = asyncio.run(fire(base, listing_id, [t for _, _, t in bidders], bids))
        health = asyncio.run(baseline(base, bids // 2, len(bidders)))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    head = {
        "setup": f"HTTP, {workers} uvicorn worker(s), log {log_level}",
        "health_req_per_s_same_concurrency": round(health, 1),
    }
    return summary(engine, listing_id, load, seconds, {**head, "bidders": len(bidders)})


def run_direct(
    engine: Engine,
    parcel: tuple[str, str],
    users: tuple[int, list[tuple[int, str, str]]],
    bids: int,
    threads: int,
    autocommit: bool = False,
) -> dict[str, Any]:
    """The same bidding with no HTTP: ``threads`` threads call the bid service directly
    (one session per bid), to show what the database side decides per second.

    ``autocommit`` runs the decision as one self-committing statement (as the server's hot
    path, trading/live_bids.py, does); otherwise each bid is a unit of work (BEGIN,
    statement, COMMIT: the listing row lock is held over the COMMIT round trip)."""
    from concurrent.futures import ThreadPoolExecutor

    from gis.auth.service import Principal
    from gis.db import transaction
    from gis.errors import LandgisError
    from trading import bidding

    def place(session: Session, amount: Decimal, who: Principal) -> dict[str, object]:
        if autocommit:
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            return bidding.place_bid(session, listing_id, amount, who)
        with transaction(session):
            return bidding.place_bid(session, listing_id, amount, who)

    registrar_id, bidders = users
    listing_id = open_listing(engine, registrar_id, parcel, bidders)
    load = Load(Decimal("1000000.00"), Decimal("1000.00"), bids)
    people = [Principal(uid, name, BIDDER) for uid, name, _ in bidders]

    def work(i: int) -> None:
        rng = random.Random(i)
        while load.remaining > 0:
            load.remaining -= 1
            amount = load.minimum + load.increment * rng.choice((0, 0, 1, 2))
            t0 = time.perf_counter()
            with Session(engine) as session:
                try:
                    body = place(session, amount, people[i % len(people)])
                    load.accepted.append((int(str(body["seq"])), amount))
                    load.minimum = max(load.minimum, amount + load.increment)
                    code = 201
                except LandgisError as exc:
                    code = 409
                    if exc.extra.get("minimum"):
                        load.minimum = max(load.minimum, Decimal(exc.extra["minimum"]))
            load.latencies.append(time.perf_counter() - t0)
            load.answers[code] = load.answers.get(code, 0) + 1

    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(threads)))
    seconds = time.perf_counter() - t0
    mode = "one self-committing statement" if autocommit else "transaction per bid"
    head = {"setup": f"direct, {threads} threads, {mode}"}
    return summary(engine, listing_id, load, seconds, head)


def summary(
    engine: Engine, listing_id: int, load: Load, seconds: float, head: dict[str, Any]
) -> dict[str, Any]:
    lat = sorted(load.latencies)
    decisions = sum(n for code, n in load.answers.items() if code in (201, 409))
    return {
        **head,
        "seconds": round(seconds, 2),
        "decisions_per_s": round(decisions / seconds, 1),
        "accepted": len(load.accepted),
        "accepted_per_s": round(len(load.accepted) / seconds, 1),
        "answers": {str(k): v for k, v in sorted(load.answers.items())},
        "p50_ms": round(1000 * statistics.median(lat), 1),
        "p95_ms": round(1000 * lat[int(0.95 * (len(lat) - 1))], 1),
        **check(engine, listing_id, load),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bidders", type=int, default=200)
    ap.add_argument("--bids", type=int, default=4000)
    ap.add_argument("--workers", default="1,2", help="uvicorn worker counts to measure")
    ap.add_argument("--log-level", default="warning", choices=["info", "warning"])
    ap.add_argument("--parcels", type=int, default=600)
    ap.add_argument("--database", default="landgis_bench_bidding")
    ap.add_argument("--port", type=int, default=18765)
    ap.add_argument("--direct-threads", type=int, default=8, help="0 skips the no-HTTP run")
    args = ap.parse_args()
    settings = get_settings().model_copy(update={"database_name": args.database})
    override_settings(settings)
    database = Database(settings)  # this run's engines, disposed at the end
    engine = build(database, args.parcels)
    setups = [int(w) for w in args.workers.split(",") if w]
    with Session(engine) as session:
        parcels = compliant_parcels(session, len(setups) + 2)
    users = make_users(engine, args.bidders)
    runs = []
    for autocommit in (False, True) if args.direct_threads else ():
        result = run_direct(
            engine, parcels.pop(), users, args.bids, args.direct_threads, autocommit
        )
        print(json.dumps(result, ensure_ascii=False))
        runs.append(result)
    for workers, parcel in zip(setups, parcels, strict=False):
        result = run_setup(
            settings, engine, workers, args.log_level, parcel, users, args.bids, args.port
        )
        print(json.dumps(result, ensure_ascii=False))
        runs.append(result)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bidding-{datetime.now(UTC):%Y%m%d-%H%M}.json"
    out.write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "cpus": os.cpu_count(),
                "load_average_at_end": os.getloadavg(),
                "runs": runs,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"written {out}")
    database.dispose()


if __name__ == "__main__":
    main()
