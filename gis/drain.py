"""Lame-duck stop behind a balancer: on SIGTERM keep serving while /health says 503.

A rolling deploy (``systemctl stop``, Kubernetes, a script) sends SIGTERM. uvicorn then
stops accepting and closes the connections that carry no request yet, one of which may
be the one HAProxy has just opened for a POST it will not replay: the client gets no
answer. With ``drain_s`` set, the server first answers ``/health`` with 503 for that
long and serves everything else as before; the balancer (checks every second, two
failures) takes it out of the rotation, then uvicorn's own graceful stop runs. SIGINT
(Ctrl-C at a terminal) still stops at once.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)


def draining(state: Any) -> bool:
    """True while the app whose ``state`` this is drains before its stop."""
    return bool(getattr(state, "draining", False))


def drain_on_sigterm(state: Any, seconds: float) -> Callable[[], None]:
    """Put off the server's SIGTERM handler (uvicorn's, installed before the app's
    lifespan starts) by ``seconds``, setting ``state.draining`` meanwhile; returns the
    function that puts the handler back. Does nothing (and returns a no-op) when
    ``seconds`` is 0 or outside a server's main thread (tests' clients)."""
    state.draining = False
    previous = signal.getsignal(signal.SIGTERM)
    main = threading.current_thread() is threading.main_thread()
    if seconds <= 0 or not main or not callable(previous):
        return lambda: None
    loop = asyncio.get_running_loop()
    handler = previous

    def on_term(sig: int, frame: FrameType | None) -> None:
        if state.draining:  # a second SIGTERM: stop now
            handler(sig, frame)
            return
        state.draining = True
        log.warning("SIGTERM: draining for %.1f s (/health answers 503), then stopping", seconds)
        loop.call_soon_threadsafe(loop.call_later, seconds, handler, sig, frame)

    signal.signal(signal.SIGTERM, on_term)

    def restore() -> None:
        if signal.getsignal(signal.SIGTERM) is on_term:
            signal.signal(signal.SIGTERM, previous)

    return restore
