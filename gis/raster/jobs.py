"""Status of long raster jobs (imports, change detection) for ``GET /api/v1/raster-jobs/{id}``.

Kept in the durable job store (:mod:`gis.jobs.store`), so any server process answers and a
job whose process died is reported failed (interrupted). Each job records its stage and
blocks done, and its outcome (a raster or run id, or the error); only its owner (or an
admin) may read it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from gis.auth.service import Principal
from gis.jobs import store

KINDS = ("raster.import", "raster.changes")
STATUS = {"queued": "running", "running": "running", "done": "succeeded", "failed": "failed"}


class Job:
    """A running raster job of this process: progress by stage, then success or failure."""

    def __init__(self, record: store.Job) -> None:
        self.record = record

    @property
    def id(self) -> str:
        return self.record.id

    def progress(self, stage: str, done: int, total: int) -> None:
        self.record.progress(done, total, stage)

    def succeed(self, result: dict[str, Any]) -> None:
        self.record.stage = "done"
        self.record.succeed(result)

    def fail(self, exc: BaseException) -> None:
        self.record.fail(store.error_of(exc))


def start(engine: Engine, kind: str, owner: str, job_id: str | None = None) -> Job:
    """Record a new running job in the database of ``engine`` (``job_id`` lets a client
    poll before the answer comes)."""
    record = store.create(engine, f"raster.{kind}", owner, job_id, status="running")
    record.stage = "queued"
    return Job(record)


def get(engine: Engine, job_id: str, viewer: Principal) -> dict[str, Any]:
    """The public state of a raster job ``viewer`` started (admins see all); else NotFound."""
    job = store.get(engine, job_id, KINDS, viewer)
    return {
        "id": job.id,
        "kind": job.short_kind,
        "status": STATUS[job.status],
        "stage": job.stage or "queued",
        "done": job.done,
        "total": job.total,
        "result": job.result or {},
        "error": job.error["detail"] if job.error else None,
        "started_at": _iso(job.started_at or job.created_at),
        "percent": round(100.0 * job.done / job.total, 1) if job.total else None,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
