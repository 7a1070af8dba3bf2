"""Import and export jobs of the API: status with progress, run off the request.

The status lives in the durable job store (:mod:`gis.jobs.store`, table ``job``), so every
server process sees it and a restart reports an unfinished job as interrupted; an
interrupted import leaves the register unchanged because it runs in one transaction
(the job row is written in its own short transactions, never in that one). A runner
decides where a job runs: :class:`ThreadRunner` (own session, commits) in service,
:class:`InlineRunner` (the caller's session) in tests. Files stay in the job's folders.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.requests import Request

from gis.auth.service import Principal
from gis.db import Database, app_database
from gis.errors import NotFound
from gis.jobs import store
from gis.jobs.store import Job
from gis.workers import in_daemon_thread

Work = Callable[[Session, Job], dict[str, Any]]
KINDS = ("import", "export")

__all__ = ["InlineRunner", "Job", "NotFound", "ThreadRunner", "get_job", "new_job", "public"]


def new_job(engine: Engine, kind: str, owner: str, workdir: Path | None = None) -> Job:
    """Record a queued ``import`` or ``export`` job of ``owner`` in the database of ``engine``."""
    assert kind in KINDS
    return store.create(engine, f"cadastre.{kind}", owner, workdir=workdir)


def get_job(engine: Engine, job_id: str, kind: str, viewer: Principal) -> Job:
    """The job of that kind, if ``viewer`` started it (or is admin); else NotFound."""
    return store.get(engine, job_id, (f"cadastre.{kind}",), viewer)


def public(job: Job) -> dict[str, Any]:
    """The job as the API shows it."""
    return {
        "id": job.id,
        "kind": job.short_kind,
        "status": job.status,
        "progress": {"done": job.done, "total": job.total, "stage": job.stage},
        "result": job.result,
        "error": job.error,
        "created_at": job.created_at.isoformat() if job.created_at else None,
    }


def run(job: Job, session: Session, work: Work) -> None:
    """Run ``work`` and commit, or roll back and record the error."""
    job.start()
    try:
        result = work(session, job)
        session.commit()
    except Exception as exc:  # noqa: BLE001 - a job must always end with a status
        session.rollback()
        job.fail(store.error_of(exc))
        return
    job.succeed(result)


class ThreadRunner:
    """Runs each job in a thread with its own session of ``database`` (the app's)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def submit(self, job: Job, work: Work) -> None:
        def _target() -> None:
            with self.database.session() as session:
                run(job, session, work)

        # run() records every failure on the job itself; the Future is not waited for
        in_daemon_thread(_target, f"job-{job.id}")


class InlineRunner:
    """Runs the job at once in the given session (tests, and the API's ``wait`` mode)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def submit(self, job: Job, work: Work) -> None:
        run(job, self.session, work)


def get_runner(request: Request) -> ThreadRunner:
    """FastAPI dependency: the job runner on the app's database (tests override it with an
    InlineRunner)."""
    return ThreadRunner(app_database(request))
