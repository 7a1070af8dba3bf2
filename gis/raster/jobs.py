"""Status of long raster jobs (imports, change detection) for ``GET /api/v1/raster-jobs/{id}``.

Kept in the process's memory: enough for the default single worker; each job records
its stage and blocks done, and its outcome (a raster or run id, or the error).
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from gis.errors import Conflict, NotFound

_LOCK = threading.Lock()
_JOBS: dict[str, Job] = {}
_KEEP = 500


@dataclass
class Job:
    """One job's public state."""

    id: str
    kind: str
    status: str = "running"  # running | succeeded | failed
    stage: str = "queued"
    done: int = 0
    total: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def progress(self, stage: str, done: int, total: int) -> None:
        self.stage, self.done, self.total = stage, done, total

    def succeed(self, result: dict[str, Any]) -> None:
        self.status, self.stage, self.result = "succeeded", "done", result

    def fail(self, exc: BaseException) -> None:
        self.status, self.error = "failed", str(exc) or type(exc).__name__

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["percent"] = round(100.0 * self.done / self.total, 1) if self.total else None
        return out


def start(kind: str, job_id: str | None = None) -> Job:
    """Record a new running job (``job_id`` lets a client poll before the answer comes)."""
    job = Job(id=job_id or uuid.uuid4().hex, kind=kind)
    with _LOCK:
        if job.id in _JOBS:
            raise Conflict(f"job {job.id} already exists; choose another id", field="job_id")
        _JOBS[job.id] = job
        while len(_JOBS) > _KEEP:
            _JOBS.pop(next(iter(_JOBS)))
    return job


def get(job_id: str) -> Job:
    with _LOCK:
        job = _JOBS.get(job_id)
    if job is None:
        raise NotFound(f"no raster job {job_id!r}", field="job_id")
    return job
