"""Every page and API a visitor can open without parameters, fetched once from a running
server, with the slow and failed ones listed: the check to run on a large register
(``bench_scale --data-dir``) before trusting it, since a query that reads every parcel
answers in milliseconds at 5,000 parcels and times out (503) at 5 million.

The paths are the OpenAPI document's GET paths without parameters and the pages of the
navigation bar (``NavEntry``), each fetched twice (a cold page, then the cached one).

    .venv/bin/python -m benchmarks.scale_crawl --base-url http://127.0.0.1:8765
"""

from __future__ import annotations

import argparse
import time

import httpx

from gis.web import nav
from landgis.navigation import register_navigation

SLOW_S = 0.5


def paths(client: httpx.Client) -> list[str]:
    """The GET paths without parameters, and the navigation's pages."""
    register_navigation()
    doc = client.get("/openapi.json").json()
    api = [p for p, ops in doc["paths"].items() if "get" in ops and "{" not in p]
    return sorted({"/", *api, *(e.href for e in nav.entries())})


def crawl(base_url: str, rounds: int = 2) -> list[tuple[int, str, int | str, float]]:
    """(round, path, status or error, seconds) of every fetch slower than SLOW_S or 5xx."""
    flagged: list[tuple[int, str, int | str, float]] = []
    with httpx.Client(base_url=base_url, timeout=120) as client:
        every = paths(client)
        for n in range(1, rounds + 1):
            for path in every:
                started = time.perf_counter()
                try:
                    status: int | str = client.get(path).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                took = time.perf_counter() - started
                if took > SLOW_S or not isinstance(status, int) or status >= 500:
                    flagged.append((n, path, status, took))
        print(f"{len(every)} paths, {rounds} rounds", flush=True)
    return flagged


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url", default="http://127.0.0.1:8000")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    flagged = crawl(args.base_url, args.rounds)
    for n, path, status, took in flagged:
        print(f"round {n}  {status}  {took:6.2f} s  {path}")
    print(f"{len(flagged)} slow (> {SLOW_S} s) or failed")


if __name__ == "__main__":
    main()
