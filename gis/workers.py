"""Threads with one error rule (issue 17): work runs on ``concurrent.futures`` and its
error comes back through ``Future.result()``, raised in the caller's thread, never lost
in a worker and never printed by a thread's default hook.

``run_all`` is for a fixed batch (every worker is done when it returns; the first error
in item order is raised); ``in_daemon_thread`` is for one piece of side work that must not
hold up Ctrl-C or the interpreter's exit (a daemon thread, which an executor's threads are
not), its outcome still a ``Future``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")


def run_all(fn: Callable[[T], U], items: Iterable[T], workers: int, name: str) -> list[U]:
    """``fn`` of each item on ``workers`` threads; their results in item order. Waits for
    every item (no worker outlives the call), then raises the first error, if any."""
    with ThreadPoolExecutor(max(1, workers), thread_name_prefix=name) as pool:
        futures = [pool.submit(fn, item) for item in items]
        wait(futures)
    return [f.result() for f in futures]


def in_daemon_thread(fn: Callable[[], T], name: str) -> Future[T]:
    """Start ``fn`` in a daemon thread; its result or error through the returned Future."""
    future: Future[T] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(fn())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            future.set_exception(exc)

    threading.Thread(target=run, daemon=True, name=name).start()
    return future
