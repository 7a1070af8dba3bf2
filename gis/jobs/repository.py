"""All SQL of the job store; every function takes a connection and never commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Connection, Row, Table, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from gis.jobs.models import JobRow

job = cast(Table, JobRow.__table__)
UNFINISHED = ("queued", "running")


def add(conn: Connection, values: dict[str, Any]) -> Row[Any] | None:
    """Insert a job; None when the id is taken already."""
    stmt = (
        pg_insert(job)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(job.c.created_at, job.c.heartbeat_at)
    )
    return conn.execute(stmt).first()


def change(conn: Connection, job_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(job).where(job.c.id == job_id).values(**values))


def fetch(conn: Connection, job_id: str) -> Row[Any] | None:
    return conn.execute(select(job).where(job.c.id == job_id)).first()


def _stale(timeout_s: int) -> Any:
    """Unfinished and not heard of for ``timeout_s`` seconds (the server clock decides)."""
    ago = func.clock_timestamp() - func.make_interval(0, 0, 0, 0, 0, 0, float(timeout_s))
    return job.c.status.in_(UNFINISHED) & (job.c.heartbeat_at < ago)


def fail_stale(conn: Connection, job_id: str, timeout_s: int, error: dict[str, Any]) -> int:
    """Mark the job failed with ``error`` if its heartbeat stopped; returns rows changed."""
    stmt = (
        update(job)
        .where((job.c.id == job_id) & _stale(timeout_s))
        .values(status="failed", error=error, finished_at=func.clock_timestamp())
    )
    return conn.execute(stmt).rowcount


def fail_ids(conn: Connection, ids: Iterable[str], error: dict[str, Any]) -> int:
    """Mark these unfinished jobs failed with ``error``; returns rows changed."""
    stmt = (
        update(job)
        .where(job.c.id.in_(list(ids)) & job.c.status.in_(UNFINISHED))
        .values(status="failed", error=error, finished_at=func.clock_timestamp())
    )
    return conn.execute(stmt).rowcount


def touch(conn: Connection, ids: Iterable[str]) -> None:
    """Refresh the heartbeat of jobs this process is running."""
    stmt = update(job).where(job.c.id.in_(list(ids))).values(heartbeat_at=func.clock_timestamp())
    conn.execute(stmt)


def newest_running(conn: Connection, kind: str, timeout_s: int) -> Row[Any] | None:
    """The newest unfinished job of ``kind`` whose process still beats, if any."""
    stmt = (
        select(job)
        .where((job.c.kind == kind) & job.c.status.in_(UNFINISHED) & ~_stale(timeout_s))
        .order_by(job.c.created_at.desc())
        .limit(1)
    )
    return conn.execute(stmt).first()


def unfinished_on_host(conn: Connection, host: str) -> list[tuple[str, str]]:
    """(id, worker) of the unfinished jobs run by processes of ``host``."""
    stmt = select(job.c.id, job.c.worker).where(
        job.c.status.in_(UNFINISHED) & job.c.worker.startswith(f"{host}:", autoescape=True)
    )
    return [(r.id, r.worker) for r in conn.execute(stmt)]


def prune(conn: Connection, keep_days: int, timeout_s: int) -> list[Row[Any]]:
    """Delete jobs older than ``keep_days`` that ended (or whose process died); their files."""
    old = job.c.created_at < func.clock_timestamp() - func.make_interval(0, 0, 0, keep_days)
    ended = job.c.status.in_(("done", "failed")) | _stale(timeout_s)
    stmt = delete(job).where(old & ended).returning(job.c.file, job.c.workdir)
    return list(conn.execute(stmt))
