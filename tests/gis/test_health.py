"""GET /health reports the database, PostGIS and the applied migrations."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import anyio.to_thread
import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from gis.settings import Settings, override_settings

T = TypeVar("T")


def run_async(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(scenario())`` in a thread of its own: the browser tests' Playwright
    keeps an event loop running in the main thread of the test session."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(scenario())).result()


def test_health(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["postgis"].startswith("3.")
    assert "0001_foundation" in body["migrations"] or body["migrations"]


def test_unknown_path_is_problem_json(client: TestClient) -> None:
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


def test_static_leaflet_served(client: TestClient) -> None:
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/vendor/jquery/jquery.min.js").status_code == 200


def test_health_answers_while_every_worker_thread_is_busy(engine: Engine) -> None:
    """/health needs no worker thread: with every thread of the pool blocked (as pages and
    API calls block them under a crowd) it still answers, and the threads are still busy."""
    from landgis.app import create_app

    app = create_app()
    release = threading.Event()

    def block() -> dict[str, str]:
        release.wait(60)
        return {}

    app.add_api_route("/test-block-a-thread", block)

    async def scenario() -> tuple[int, dict[str, Any], int, int]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            blockers = [
                asyncio.create_task(c.get("/test-block-a-thread"))
                for _ in range(int(limiter.total_tokens) + 5)
            ]
            while limiter.borrowed_tokens < limiter.total_tokens:
                await asyncio.sleep(0.01)
            try:
                r = await asyncio.wait_for(c.get("/health"), 30)
                busy = limiter.borrowed_tokens
            finally:
                release.set()
            await asyncio.gather(*blockers)
            return r.status_code, r.json(), busy, int(limiter.total_tokens)

    status, body, busy, total = run_async(scenario)
    assert status == 200 and body["status"] == "ok"
    assert busy == total  # answered while no thread was free


def test_unreachable_database_is_503_without_server_paths(settings: Settings) -> None:
    from landgis.app import create_app

    override_settings(settings.model_copy(update={"database_name": "landgis_no_such_database"}))
    try:
        with TestClient(create_app()) as c:
            r = c.get("/health")
    finally:
        override_settings(settings)
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable" and body["database"] == "unreachable"
    assert "/" not in json.dumps(body) and "no_such" not in json.dumps(body)
