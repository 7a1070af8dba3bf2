"""Import and export jobs of the API: status with progress, run off the request.

Jobs live in this process's memory (one uvicorn worker, the default); a restart
forgets them, and an interrupted import leaves the register unchanged because it
runs in one transaction. A runner decides where a job runs: :class:`ThreadRunner`
(own session, commits) in service, :class:`InlineRunner` (the caller's session) in tests.
"""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gis.db import session_factory
from gis.errors import LandgisError, NotFound

Work = Callable[[Session, "Job"], dict[str, Any]]


@dataclass
class Job:
    id: str
    kind: str
    owner: str
    status: str = "queued"
    done: int = 0
    total: int = 0
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    file: Path | None = None
    workdir: Path | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def progress(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": {"done": self.done, "total": self.total},
            "result": self.result,
            "error": self.error,
            "created_at": self.created_at.isoformat(),
        }


_jobs: dict[str, Job] = {}
_lock = threading.Lock()
KEEP_JOBS = 50  # finished jobs kept (with their files) before the oldest are forgotten


def new_job(kind: str, owner: str) -> Job:
    job = Job(uuid.uuid4().hex, kind, owner)
    with _lock:
        _prune()
        _jobs[job.id] = job
    return job


def _prune() -> None:
    """Forget the oldest finished jobs beyond KEEP_JOBS and delete their files."""
    finished = [j for j in _jobs.values() if j.status in ("done", "failed")]
    for old in sorted(finished, key=lambda j: j.created_at)[: max(len(finished) - KEEP_JOBS, 0)]:
        del _jobs[old.id]
        for folder in {p for p in (old.workdir, old.file.parent if old.file else None) if p}:
            shutil.rmtree(folder, ignore_errors=True)


def get_job(job_id: str, kind: str) -> Job:
    job = _jobs.get(job_id)
    if job is None or job.kind != kind:
        raise NotFound(f"no {kind} job {job_id}", field="job_id")
    return job


def run(job: Job, session: Session, work: Work) -> None:
    """Run ``work`` and commit, or roll back and record the error."""
    job.status = "running"
    try:
        job.result = work(session, job)
        session.commit()
        job.status = "done"
    except LandgisError as exc:
        session.rollback()
        job.status = "failed"
        job.error = {"title": exc.title, "detail": exc.detail, "field": exc.field, **exc.extra}
    except Exception as exc:  # noqa: BLE001 - a job must always end with a status
        session.rollback()
        job.status = "failed"
        job.error = {"title": "Error", "detail": str(exc)}


class ThreadRunner:
    """Runs each job in a thread with its own session."""

    def submit(self, job: Job, work: Work) -> None:
        def _target() -> None:
            with session_factory()() as session:
                run(job, session, work)

        threading.Thread(target=_target, name=f"job-{job.id}", daemon=True).start()


class InlineRunner:
    """Runs the job at once in the given session (tests, and the API's ``wait`` mode)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def submit(self, job: Job, work: Work) -> None:
        run(job, self.session, work)


def get_runner() -> ThreadRunner:
    """FastAPI dependency: the job runner (tests override it with an InlineRunner)."""
    return ThreadRunner()
