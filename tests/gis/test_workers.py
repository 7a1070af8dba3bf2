"""The one error rule of the thread pools (gis.workers): an error in a worker is raised in
the caller's thread, after every worker of the batch has ended."""

from __future__ import annotations

import threading
import time

import pytest

from gis.workers import in_daemon_thread, run_all


def test_run_all_returns_results_in_item_order() -> None:
    assert run_all(lambda n: n * n, range(8), 3, "t") == [n * n for n in range(8)]


def test_run_all_raises_the_first_error_after_every_worker_ended() -> None:
    ended: list[int] = []

    def work(n: int) -> int:
        if n in (1, 4):
            raise ValueError(f"bad {n}")
        time.sleep(0.05)
        ended.append(n)
        return n

    with pytest.raises(ValueError, match="bad 1"):
        run_all(work, range(6), 3, "t")
    assert sorted(ended) == [0, 2, 3, 5]  # none left running behind the error


def test_in_daemon_thread_hands_back_result_and_error() -> None:
    names: list[tuple[str, bool]] = []

    def who() -> str:
        t = threading.current_thread()
        names.append((t.name, t.daemon))
        return "ok"

    assert in_daemon_thread(who, "side").result(timeout=5) == "ok"
    assert names == [("side", True)]
    with pytest.raises(KeyError):
        in_daemon_thread(lambda: {}["missing"], "side").result(timeout=5)
