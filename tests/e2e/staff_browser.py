"""Opening a staff map page in headless Chromium while recording what would prove it
broken: a request to any host but 127.0.0.1, a JavaScript error, a failed request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse


@dataclass
class Watched:
    """The page and what it did: hosts asked, JS errors, responses with status >= 400."""

    page: Any
    hosts: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def check_clean(self) -> None:
        assert self.hosts == {"127.0.0.1"}, self.hosts
        assert self.errors == [], self.errors
        assert self.failed == [], self.failed


def open_page(browser: Any, url: str, width: int = 1200, height: int = 800) -> Watched:
    """``url`` opened in a fresh page, watched from its first request."""
    page = browser.new_page(viewport={"width": width, "height": height})
    seen = Watched(page)
    page.on("request", lambda req: seen.hosts.add(urlparse(req.url).hostname or ""))
    page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
    page.on(
        "response",
        lambda r: seen.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.goto(url)
    page.wait_for_selector(".leaflet-container")
    return seen


def boxes_overlap(page: Any, first: str, second: str) -> bool:
    """Whether the on-screen boxes of two selectors overlap."""
    return bool(
        page.evaluate(
            """([a, b]) => {
              const r = document.querySelector(a).getBoundingClientRect();
              const s = document.querySelector(b).getBoundingClientRect();
              return !(r.right <= s.left || s.right <= r.left || r.bottom <= s.top
                       || s.bottom <= r.top);
            }""",
            [first, second],
        )
    )
