"""Identity across server processes: a deactivation made by the CLI reaches a running
server within the cache TTL, and failed sign-ins counted by one process lock out the
account in another (they are kept in the database, not in process memory)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import httpx
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from gis.auth import login
from gis.auth.models import AuthEvent, User
from gis.auth.service import add_user
from gis.db import transaction
from gis.settings import REPO_ROOT, Settings
from tests.conftest import subprocess_env

PASSWORD = "correct horse battery"


def _cleanup(engine: Engine, name: str) -> None:
    with Session(engine) as session, transaction(session):
        session.execute(delete(AuthEvent).where(AuthEvent.username == name))
        session.execute(delete(User).where(User.username == name))


def test_a_cli_deactivation_reaches_the_running_server_within_the_ttl(
    live_server: str, engine: Engine, settings: Settings
) -> None:
    name = f"live-off-{uuid.uuid4().hex[:8]}"
    with Session(engine) as session:
        add_user(session, name, PASSWORD, "planner")  # committed
    try:
        got = httpx.post(
            f"{live_server}/api/v1/auth/token", data={"username": name, "password": PASSWORD}
        )
        headers = {"Authorization": f"Bearer {got.json()['access_token']}"}
        assert httpx.get(f"{live_server}/api/v1/auth/me", headers=headers).status_code == 200
        proc = subprocess.run(
            [sys.executable, "-m", "landgis", "user", "deactivate", name],
            env=subprocess_env(settings),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        done = time.monotonic()
        while httpx.get(f"{live_server}/api/v1/auth/me", headers=headers).status_code == 200:
            assert time.monotonic() - done < settings.identity_cache_seconds + 2
            time.sleep(0.2)
        r = httpx.get(f"{live_server}/api/v1/auth/me", headers=headers)
        assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    finally:
        _cleanup(engine, name)


def test_failures_counted_in_one_process_lock_the_account_in_another(
    live_server: str, engine: Engine, settings: Settings
) -> None:
    name = f"live-lock-{uuid.uuid4().hex[:8]}"
    address = f"10.77.{uuid.uuid4().int % 250}.1"  # uvicorn trusts X-Forwarded-For from loopback
    with Session(engine) as session:
        add_user(session, name, PASSWORD, "planner")
    try:
        half = settings.login_max_failures_per_account // 2
        for i in range(half):  # in the server process
            r = httpx.post(
                f"{live_server}/api/v1/auth/token",
                data={"username": name, "password": f"guess{i}"},
                headers={"X-Forwarded-For": address},
            )
            assert r.status_code == 401
        for i in range(settings.login_max_failures_per_account - half):  # in this process
            with Session(engine) as session, transaction(session):
                outcome = login.attempt(session, name, f"other{i}", "10.78.0.1")
            assert outcome.user is None and outcome.error is not None
        r = httpx.post(
            f"{live_server}/api/v1/auth/token",
            data={"username": name, "password": PASSWORD},
            headers={"X-Forwarded-For": address},
        )
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    finally:
        _cleanup(engine, name)
