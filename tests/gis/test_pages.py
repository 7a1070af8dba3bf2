"""The per-process page cache (gis.web.pages): a crowd costs one build per version."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from gis.web.pages import PageCache

T = TypeVar("T")


def run_async(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(scenario())`` in a thread of its own: the browser tests' Playwright
    keeps an event loop running in the main thread of the test session."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(scenario())).result()


def test_a_crowd_builds_a_page_once_per_version() -> None:
    """50 requests at once for a page not yet built share one build (they do not each
    render it, as the old landing page did); a new version is built once more, and the
    same version again is served from memory."""
    builds: list[int] = []
    lock = threading.Lock()

    def build_for(version: int):  # type: ignore[no-untyped-def]
        def build() -> str:
            time.sleep(0.2)  # a slow page: the others arrive while it is being built
            with lock:
                builds.append(version)
            return f"<p>v{version}</p>"

        return build

    async def crowd(cache: PageCache, version: int, n: int) -> set[str]:
        pages = await asyncio.gather(
            *(cache.get("landing", version, build_for(version)) for _ in range(n))
        )
        return {p.etag for p in pages}

    async def scenario() -> tuple[set[str], set[str], set[str], int]:
        cache = PageCache()
        first = await crowd(cache, 1, 50)
        second = await crowd(cache, 2, 50)
        again = await crowd(cache, 2, 50)
        return first, second, again, cache.builds

    first, second, again, built = run_async(scenario)
    assert builds == [1, 2] and built == 2
    assert len(first) == len(second) == 1 and first != second and again == second


def test_a_failed_build_is_not_kept() -> None:
    calls = 0

    def broken() -> str:
        nonlocal calls
        calls += 1
        raise RuntimeError("database gone")

    async def scenario() -> list[BaseException | object]:
        cache = PageCache()
        results = await asyncio.gather(
            *(cache.get("p", 1, broken) for _ in range(5)), return_exceptions=True
        )
        results.append(await cache.get("p", 1, lambda: "<p>ok</p>"))
        return results

    results = run_async(scenario)
    assert all(isinstance(r, RuntimeError) for r in results[:5])
    assert calls == 1 and getattr(results[5], "body", None) == b"<p>ok</p>"


def test_least_recently_used_pages_are_dropped() -> None:
    async def scenario() -> PageCache:
        cache = PageCache(max_pages=3)
        for key in "abcd":
            await cache.get(key, 1, lambda: "<p></p>")
        return cache

    cache = run_async(scenario)
    assert cache.peek("a") is None and cache.peek("d") is not None
