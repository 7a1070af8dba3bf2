"""GET /health: database reachable, PostGIS version, migration revisions.

Answered on the event loop, never through the worker-thread pool that pages and API
calls queue for, from a database connection of its own (one per event loop, autocommit,
short connect and statement timeouts). One check runs at a time and its answer serves
every probe for :data:`FRESH_S` (and, while the next check runs, a little longer), so a
crowd of probes costs at most one query a second and no probe waits for the database
while the server is busy.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from contextlib import suppress
from typing import Any

import psycopg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gis import replica
from gis.db import Database, driver_args
from gis.drain import draining

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])
FRESH_S = 1.0  # an answer is reused this long
TIMEOUT_S = 2.0  # a check that takes longer reports the database unavailable
CHECK_SQL = (
    "SELECT postgis_lib_version(), "
    "(SELECT coalesce(array_agg(version_num ORDER BY version_num), '{}') FROM alembic_version), "
    "CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END"
)


class HealthReport(BaseModel):
    """Whether the service can do its work (no server paths, no credentials)."""

    status: str
    database: str
    postgis: str | None = None
    migrations: list[str] = []
    detail: str | None = None
    # the read replica (gis/replica.py, issue #15): "ok" or "unreachable", and its lag
    replica: str | None = None
    replica_lag_bytes: int | None = None
    replica_lag_s: float | None = None


class Probe:
    """The health checks of one app on one event loop: its own connection to the app's
    database, one check at a time, each answer reused for :data:`FRESH_S` seconds."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._answer: tuple[float, HealthReport, int] | None = None
        self._running: asyncio.Task[tuple[HealthReport, int]] | None = None

    async def report(self) -> tuple[HealthReport, int]:
        """The latest answer if fresh; past :data:`FRESH_S` a new check starts, and until
        it ends the latest answer still serves (it is then at most ``FRESH_S`` plus one
        check old, and a check ends within :data:`TIMEOUT_S`); with no answer yet, the
        check's own."""
        answer = self._answer
        age = time.monotonic() - answer[0] if answer is not None else None
        if answer is not None and age is not None and age < FRESH_S:
            return answer[1], answer[2]
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._check())
        if answer is not None and age is not None and age < FRESH_S + TIMEOUT_S + 1:
            return answer[1], answer[2]
        return await asyncio.shield(self._running)

    async def _check(self) -> tuple[HealthReport, int]:
        try:
            postgis, revisions, lsn = await asyncio.wait_for(self._query(), TIMEOUT_S)
            lag = await replica.lag_report(self.database, lsn)  # bounded, never fails the check
            answer = (
                HealthReport(
                    status="ok", database="ok", postgis=postgis, migrations=list(revisions), **lag
                ),
                200,
            )
        except (psycopg.Error, OSError, TimeoutError) as exc:
            log.warning("health check failed: %s", str(exc).splitlines()[0] if str(exc) else exc)
            await self._drop()
            reason = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
            answer = HealthReport(status="unavailable", database="unreachable", detail=reason), 503
        self._answer = (time.monotonic(), *answer)
        return answer

    async def _query(self) -> tuple[str, list[str], str | None]:
        if self._conn is None or self._conn.closed:
            url = self.database.settings.sqlalchemy_url()
            self._conn = await psycopg.AsyncConnection.connect(
                url.replace("postgresql+psycopg://", "postgresql://", 1),
                autocommit=True,
                connect_timeout=max(1, int(TIMEOUT_S)),
                **driver_args(self.database.settings),
                options=f"-c statement_timeout={int(TIMEOUT_S * 1000)}",
                application_name="landgis-health",
            )
        cur = await self._conn.execute(CHECK_SQL)
        row = await cur.fetchone()
        assert row is not None
        return str(row[0]), list(row[1]), row[2]

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            with suppress(psycopg.Error, OSError, TimeoutError):
                await asyncio.wait_for(conn.close(), 1)


class Probes:
    """The health probes of one app (``app.state.health``): one per event loop, since a
    connection belongs to the loop that opened it."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Probe] = (
            weakref.WeakKeyDictionary()
        )

    def probe(self) -> Probe:
        """The probe of the running event loop."""
        loop = asyncio.get_running_loop()
        if loop not in self._by_loop:
            self._by_loop[loop] = Probe(self.database)
        return self._by_loop[loop]


DRAINING = HealthReport(
    status="draining",
    database="not checked",
    detail="服务正在停止，不再接收新请求；the server is stopping and takes no new requests",
)


@router.get("/health", response_model=HealthReport, responses={503: {"model": HealthReport}})
async def health(request: Request) -> JSONResponse:
    """Report whether the service can do its work; 503 when the database is not usable or
    the server drains before a stop (gis/drain.py)."""
    if draining(request.app.state):
        return JSONResponse(DRAINING.model_dump(exclude_none=True), status_code=503)
    probes: Probes = request.app.state.health
    report, status = await probes.probe().report()
    return JSONResponse(report.model_dump(exclude_none=True), status_code=status)
