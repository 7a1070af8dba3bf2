"""Rendered HTML pages kept per process and revalidated with ETag / 304.

A map page is built once per *version* of what it shows (for the landing map: the
committed change mark of the parcels it is centred on) instead of on every request:
a crowd then costs one build and many memory reads, and a browser that already has the
page gets ``304 Not Modified``. Requests that arrive while a page is being built wait
for that one build (single flight) rather than start their own.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from gis.db import Database, app_database, get_session

HTML_CACHE_CONTROL = "no-cache"  # keep it, but ask us (If-None-Match) before using it


@dataclass(frozen=True)
class Page:
    """One rendered page: its bytes, their strong ETag, the version it was built from."""

    body: bytes
    etag: str
    version: Hashable
    status_code: int = 200

    @classmethod
    def of(cls, html: str, version: Hashable, status_code: int = 200) -> Page:
        body = html.encode()
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        return cls(body, f'"{digest}"', version, status_code)


class PageCache:
    """Pages by key (page name and parameters), each kept for one version at a time: a
    request for a newer version rebuilds it and replaces the old one. At most
    ``max_pages`` keys are kept (least recently used dropped first)."""

    def __init__(self, max_pages: int = 256) -> None:
        self.max_pages = max_pages
        self._pages: OrderedDict[Hashable, Page] = OrderedDict()
        self._building: dict[tuple[Hashable, Hashable], asyncio.Future[Page]] = {}
        self.builds = 0  # pages built since start (for tests and benchmarks)

    def peek(self, key: Hashable) -> Page | None:
        return self._pages.get(key)

    async def get(
        self, key: Hashable, version: Hashable, build: Callable[[], tuple[str, int] | str]
    ) -> Page:
        """The page ``key`` at ``version``; ``build`` (blocking, run in a worker thread)
        returns its HTML, or (HTML, status code), when it is not cached at that version."""
        page = self._pages.get(key)
        if page is not None and page.version == version:
            self._pages.move_to_end(key)
            return page
        flight = (key, version)
        running = self._building.get(flight)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[Page] = asyncio.get_running_loop().create_future()
        self._building[flight] = future
        try:
            made = await run_in_threadpool(build)
            html, status = made if isinstance(made, tuple) else (made, 200)
            page = Page.of(html, version, status)
            self._store(key, page)
            future.set_result(page)
            return page
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody else must
            raise
        finally:
            del self._building[flight]

    def _store(self, key: Hashable, page: Page) -> None:
        self._pages[key] = page
        self._pages.move_to_end(key)
        self.builds += 1
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)


def page_cache(request: Request) -> PageCache:
    """The application's page cache (one per app, made on first use)."""
    state = request.app.state
    cache = getattr(state, "page_cache", None)
    if cache is None:
        cache = PageCache()
        state.page_cache = cache
    return cache


def not_modified(request: Request, etag: str) -> bool:
    """True when the client's ``If-None-Match`` names ``etag`` (or ``*``)."""
    tags = [
        t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")
    ]
    return etag in tags or "*" in tags


def page_response(request: Request, page: Page) -> Response:
    """The page, or ``304 Not Modified`` when the client already holds this version."""
    headers = {"ETag": page.etag, "Cache-Control": HTML_CACHE_CONTROL}
    if page.status_code == 200 and not_modified(request, page.etag):
        return Response(status_code=304, headers=headers)
    return HTMLResponse(page.body, status_code=page.status_code, headers=headers)


Built = tuple[str, int] | str
Builder = Callable[[Session], Built]


def _in_session(factory: Callable[[], Any] | Database, build: Builder) -> Built:
    """Run ``build`` in a new session of the app's database, or in the one that overrides
    ``get_session`` (the tests' rolled-back session)."""
    if isinstance(factory, Database):
        with factory.session() as session:
            return build(session)
    made = factory()
    if isinstance(made, Session):
        return build(made)
    session = next(made)
    try:
        return build(session)
    finally:
        made.close()


async def serve_page(
    request: Request,
    key: Hashable,
    version: Callable[[], Awaitable[Hashable]],
    build: Builder,
) -> Response:
    """The page ``key`` from the app's cache at the data's current ``version()``, built by
    ``build(session)`` in a worker thread when missing; 304 when the client has it.

    An app whose sessions are overridden (tests on a rolled-back session, whose edits no
    version check can see) builds the page on every request instead."""
    override = request.app.dependency_overrides.get(get_session)
    if override is not None:
        made = await run_in_threadpool(_in_session, override, build)
        html, status = made if isinstance(made, tuple) else (made, 200)
        return page_response(request, Page.of(html, None, status))
    database = app_database(request)
    page = await page_cache(request).get(key, await version(), lambda: _in_session(database, build))
    return page_response(request, page)
