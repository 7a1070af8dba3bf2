"""Durable job status: create, report progress, finish, read, prune and recover jobs.

Every write runs in its own short transaction on a pooled connection, never in the
job's work transaction (a bulk import stays all-or-nothing). Progress writes are
throttled to at most one per :data:`PROGRESS_INTERVAL_S`; a heartbeat thread
(:mod:`gis.jobs.heartbeat`) keeps ``heartbeat_at`` fresh while this process runs a job.
An unfinished job whose heartbeat is older than ``job_heartbeat_timeout_s`` is reported
failed with :data:`INTERRUPTED`: its process died, and its transaction with it.

What a job leaves for download is put in the store (:meth:`Job.keep_file`, key
``jobs/<id>/<name>``), so any server process can answer it; its working folder
(``workdir``) stays local scratch. Both go when the job is pruned.
"""

from __future__ import annotations

import logging
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Row, func
from sqlalchemy.exc import SQLAlchemyError

from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.errors import Conflict, LandgisError, NotFound
from gis.jobs import heartbeat
from gis.jobs import repository as repo
from gis.settings import get_settings
from gis.store import discard, get_store

log = logging.getLogger(__name__)
JOB_DIR = "jobs"
PROGRESS_INTERVAL_S = 0.5  # at most two progress writes per second and job
INTERRUPTED: dict[str, Any] = {
    "title": "Interrupted",
    "detail": "interrupted: the server stopped while the job ran; nothing of it was kept",
    "detail_zh": "已中断：任务运行时服务器停止了，任务的结果均未保留",
    "field": None,
}


@dataclass
class Job:
    """One job as its process sees it; ``progress``/``start``/``succeed``/``fail`` persist it
    on ``engine`` (the database of the app or command that started it)."""

    engine: Engine = field(repr=False, compare=False)
    id: str
    kind: str  # "<domain>.<kind>", e.g. "cadastre.import", "raster.changes"
    owner: str | None
    status: str = "queued"
    stage: str | None = None
    done: int = 0
    total: int = 0
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    file: str | None = None  # the store key of what the job leaves for download
    workdir: Path | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    _written: float = field(default=0.0, repr=False, compare=False)

    @property
    def short_kind(self) -> str:
        return self.kind.rsplit(".", 1)[-1]

    def keep_file(self, local: Path) -> None:
        """Move the job's result file into the store (``jobs/<id>/<name>``) for download."""
        key = f"{JOB_DIR}/{self.id}/{local.name}"
        get_store().put_file(local, key)
        self.file = key

    def start(self) -> None:
        """The work begins in this process (status running, heartbeat on)."""
        self.status = "running"
        heartbeat.watch(self.id, self.engine)
        self._write(status="running", started_at=func.clock_timestamp())

    def progress(self, done: int, total: int | None = None, stage: str | None = None) -> None:
        """Record progress; written at most every PROGRESS_INTERVAL_S (the rest in memory)."""
        self.done = done
        if total is not None:
            self.total = total
        if stage is not None:
            self.stage = stage
        if time.monotonic() - self._written >= PROGRESS_INTERVAL_S:
            try:
                self._write(done=self.done, total=self.total, stage=self.stage)
            except SQLAlchemyError:  # a lost progress note must not fail the job's work
                log.warning("job %s: progress not recorded", self.id, exc_info=True)

    def succeed(self, result: dict[str, Any]) -> None:
        self.status, self.result = "done", result
        self._finish()

    def fail(self, error: dict[str, Any]) -> None:
        self.status, self.error = "failed", error
        self._finish()

    def _finish(self) -> None:
        heartbeat.forget(self.id)
        self._write(
            status=self.status,
            stage=self.stage,
            done=self.done,
            total=self.total,
            result=self.result,
            error=self.error,
            file=self.file,
            workdir=str(self.workdir) if self.workdir else None,
            finished_at=func.clock_timestamp(),
        )

    def _write(self, **values: Any) -> None:
        self._written = time.monotonic()
        with self.engine.begin() as conn:
            repo.change(conn, self.id, {**values, "heartbeat_at": func.clock_timestamp()})


def error_of(exc: BaseException) -> dict[str, Any]:
    """The job error of an exception (a domain error keeps its title, field and extras)."""
    if isinstance(exc, LandgisError):
        return {"title": exc.title, "detail": exc.detail, "field": exc.field, **exc.extra}
    return {"title": "Error", "detail": str(exc) or type(exc).__name__}


def create(
    engine: Engine,
    kind: str,
    owner: str | None,
    job_id: str | None = None,
    workdir: Path | None = None,
    status: str = "queued",
) -> Job:
    """Record a new job in the database of ``engine`` (pruning old ones first); Conflict if
    ``job_id`` is taken."""
    prune(engine)
    job = Job(engine, job_id or uuid.uuid4().hex, kind, owner, status=status, workdir=workdir)
    values: dict[str, Any] = {
        "id": job.id,
        "kind": kind,
        "owner": owner,
        "status": status,
        "workdir": str(workdir) if workdir else None,
        "worker": heartbeat.worker_name(),
    }
    if status == "running":
        values["started_at"] = func.clock_timestamp()
    with engine.begin() as conn:
        row = repo.add(conn, values)
    if row is None:
        raise Conflict(f"job {job.id} already exists; choose another id", field="job_id")
    job.created_at, job.heartbeat_at = row.created_at, row.heartbeat_at
    if status == "running":
        heartbeat.watch(job.id, engine)
    return job


def get(engine: Engine, job_id: str, kinds: tuple[str, ...], viewer: Principal) -> Job:
    """The job if it is one of ``kinds`` and ``viewer`` owns it (or is admin); else NotFound.

    A job whose process stopped beating is marked failed (interrupted) on the way.
    """
    timeout = get_settings().job_heartbeat_timeout_s
    with engine.begin() as conn:
        repo.fail_stale(conn, job_id, timeout, INTERRUPTED)
        row = repo.fetch(conn, job_id)
    if row is None or row.kind not in kinds or not _may_see(row.owner, viewer):
        raise NotFound(f"no {' or '.join(kinds)} job {job_id!r}", field="job_id")
    return _from_row(engine, row)


def running(engine: Engine, kind: str) -> Job | None:
    """The newest job of ``kind`` still running in a live process (a background pass that
    belongs to no one: its progress is shown to whoever reads what it makes)."""
    with engine.connect() as conn:
        row = repo.newest_running(conn, kind, get_settings().job_heartbeat_timeout_s)
    return _from_row(engine, row) if row is not None else None


def _may_see(owner: str | None, viewer: Principal) -> bool:
    return viewer.role == Role.ADMIN or (owner is not None and owner == viewer.username)


def _from_row(engine: Engine, row: Row[Any]) -> Job:
    return Job(
        engine=engine,
        id=row.id,
        kind=row.kind,
        owner=row.owner,
        status=row.status,
        stage=row.stage,
        done=row.done,
        total=row.total,
        result=row.result,
        error=row.error,
        file=row.file,
        workdir=Path(row.workdir) if row.workdir else None,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        heartbeat_at=row.heartbeat_at,
    )


def prune(engine: Engine) -> int:
    """Delete jobs older than ``job_keep_days`` that ended, and their folders; returns count."""
    s = get_settings()
    with engine.begin() as conn:
        gone = repo.prune(conn, s.job_keep_days, s.job_heartbeat_timeout_s)
    for row in gone:
        if row.file and Path(row.file).is_absolute():  # written before the store: a folder
            shutil.rmtree(Path(row.file).parent, ignore_errors=True)
        elif row.file:
            discard(row.file)
        if row.workdir:
            shutil.rmtree(row.workdir, ignore_errors=True)
    return len(gone)


def recover_dead(engine: Engine) -> int:
    """At start-up: mark unfinished jobs of dead processes on this host failed (interrupted)."""
    with engine.begin() as conn:
        mine = repo.unfinished_on_host(conn, heartbeat.host_name())
        dead = [job_id for job_id, worker in mine if not heartbeat.process_alive(worker)]
        return repo.fail_ids(conn, dead, INTERRUPTED) if dead else 0
