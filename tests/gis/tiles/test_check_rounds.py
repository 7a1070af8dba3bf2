"""Batched freshness checks: a request never relies on a check that began before it came."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from gis.db import Database
from gis.tiles import freshness, repository
from gis.tiles.cache import TileCache
from gis.tiles.repository import Change, Marks, Ranges


def m(seq: int) -> Marks:
    return Marks.of_mapping({"parcel": seq})


T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` in a new event loop of its own thread (Playwright may own this one's)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class NoPruner(freshness.Pruner):
    """A pruner that never starts (these tests watch the checks only)."""

    def maybe_start(self, disk_dir: Path | None) -> threading.Thread | None:
        return None


def test_requests_arriving_during_a_check_wait_for_the_next_one(
    monkeypatch: pytest.MonkeyPatch, database: Database
) -> None:
    loaded: list[Ranges] = []

    def changes(on: Database, ranges: Ranges) -> list[Change]:
        assert on is database  # the checker reads through its app's database
        loaded.append(dict(ranges))
        return []

    monkeypatch.setattr(repository, "changes_since_committed", changes)

    async def scenario() -> tuple[list[Marks], list[int], Marks | None]:
        checker = freshness.Checker(database, NoPruner(database))
        committed = {"seq": 1}
        started: list[int] = []
        release = asyncio.Event()

        async def latest() -> Marks:
            seen = committed["seq"]  # the snapshot is taken when the query starts
            started.append(seen)
            await release.wait()
            return m(seen)

        checker.latest = latest  # type: ignore[method-assign]
        cache = TileCache(10)
        first = asyncio.create_task(checker.sync(cache))
        await asyncio.sleep(0.01)  # round 1 is running (it saw seq 1)
        committed["seq"] = 2  # an edit commits; its response returns
        later = [asyncio.create_task(checker.sync(cache)) for _ in range(5)]
        await asyncio.sleep(0.01)
        release.set()
        results = [await first] + [await t for t in later]
        return results, started, cache.watermark

    results, started, watermark = run(scenario())
    assert results == [m(1), m(2), m(2), m(2), m(2), m(2)]  # all who came after the edit see it
    assert started == [1, 2]  # six requests, two queries
    assert watermark == m(2)
    assert loaded == [{"parcel": (1, 2)}]  # the cache applied the changes between the rounds


def test_a_failed_check_fails_its_round_only(database: Database) -> None:
    async def scenario() -> tuple[str, Marks]:
        checker = freshness.Checker(database, NoPruner(database))
        calls = {"n": 0}

        async def latest() -> Marks:
            calls["n"] += 1
            if calls["n"] == 1:
                raise RuntimeError("database gone")
            return m(7)

        checker.latest = latest  # type: ignore[method-assign]
        cache = TileCache(10)
        try:
            await checker.sync(cache)
            error = ""
        except RuntimeError as exc:
            error = str(exc)
        return error, await checker.sync(cache)

    error, value = run(scenario())
    assert error == "database gone"
    assert value == m(7)
