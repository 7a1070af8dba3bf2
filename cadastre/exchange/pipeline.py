"""Threads of a bulk import: the file is read and checked one chunk ahead of the database.

Both run in daemon threads, so Ctrl-C (which lands in the main thread, the one talking
to the database) never waits for them, and the transaction is rolled back as before.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from gis.workers import in_daemon_thread

T = TypeVar("T")
U = TypeVar("U")
_DONE = object()


def prefetched(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """The items of ``items``, each computed in a daemon thread while the caller uses the last."""
    slots: queue.Queue[tuple[BaseException | None, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                slots.put((None, item))
                if stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            slots.put((exc, None))
            return
        slots.put((None, _DONE))

    threading.Thread(target=produce, daemon=True, name="import-reader").start()
    try:
        while True:
            error, item = slots.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while not slots.empty():  # unblock a producer waiting to put, so it sees ``stop``
            slots.get_nowait()


def mapped_ahead(items: Iterable[T], fn: Callable[[T], U], workers: int = 2) -> Iterator[U]:
    """``fn`` of each item, in order, computed on ``workers`` threads at most ``workers``
    items ahead of the consumer (so memory stays bounded). Worth it when ``fn`` spends its
    time in code that releases the GIL (shapely, pyarrow)."""
    with ThreadPoolExecutor(workers, thread_name_prefix="import-prepare") as pool:
        pending: deque[Future[U]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) > workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


class Background(Generic[T]):
    """Run a function in a daemon thread (``gis.workers.in_daemon_thread``: Ctrl-C is not
    held up by it); ``result()`` waits and re-raises its error in the caller's thread."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._future = in_daemon_thread(fn, "import-check")

    def result(self) -> T:
        return self._future.result()
