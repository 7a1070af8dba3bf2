"""One daemon thread per process that keeps ``heartbeat_at`` fresh for the jobs it runs.

It beats every quarter of ``job_heartbeat_timeout_s`` in its own short transaction, so a
job that reports no progress for minutes (one long SQL statement) still looks alive;
when the process dies the beats stop and readers report the job interrupted.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from sqlalchemy import Engine

from gis.jobs import repository as repo
from gis.settings import get_settings

log = logging.getLogger(__name__)
_lock = threading.Lock()
_ids: dict[str, Engine] = {}  # job id -> the database its status is kept in
_wake = threading.Event()
_thread: threading.Thread | None = None


def host_name() -> str:
    return socket.gethostname()


def worker_name() -> str:
    """``host:pid`` of this process, recorded on the jobs it runs."""
    return f"{host_name()}:{os.getpid()}"


def process_alive(worker: str | None) -> bool:
    """Whether the process named ``host:pid`` (of this host) still exists."""
    try:
        pid = int(str(worker).rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # somebody else's process
    return True


def watch(job_id: str, engine: Engine) -> None:
    """Beat for ``job_id`` (kept in the database of ``engine``) until :func:`forget`; starts
    the thread on first use."""
    global _thread
    with _lock:
        _ids[job_id] = engine
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="job-heartbeat", daemon=True)
            _thread.start()
    _wake.set()  # beat now, then at the interval the settings give now


def forget(job_id: str) -> None:
    with _lock:
        _ids.pop(job_id, None)


def beating() -> set[str]:
    with _lock:
        return set(_ids)


def _run() -> None:
    while True:
        _wake.wait(max(get_settings().job_heartbeat_timeout_s / 4, 0.5))
        _wake.clear()
        with _lock:
            by_engine: dict[Engine, set[str]] = {}
            for job_id, engine in _ids.items():
                by_engine.setdefault(engine, set()).add(job_id)
        for engine, ids in by_engine.items():
            try:
                with engine.begin() as conn:
                    repo.touch(conn, ids)
            except Exception:  # noqa: BLE001 - a missed beat is retried; readers allow 4 misses
                log.warning("job heartbeat failed", exc_info=True)
