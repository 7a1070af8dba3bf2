"""Logging of a server process: the app's own loggers log to stderr next to uvicorn's.

uvicorn configures only its own loggers, so without this the INFO lines of the app (the
trading closer's "closed listing ...", job recovery, tile pruning failures) are lost.
:func:`config` adds the ``gis``, ``cadastre``, ``trading`` and ``landgis`` loggers, at
``log_level``, with a timestamp, the level and the logger name, to a logging dict config
(uvicorn's, which every worker process applies again when it starts).
"""

from __future__ import annotations

import copy
import logging.config
from collections.abc import Mapping
from typing import Any

APP_LOGGERS = ("gis", "cadastre", "trading", "landgis")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def config(level: str, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``base`` (a ``logging.config.dictConfig`` dict, left unchanged) plus the app's
    loggers at ``level`` ("debug", "info", ...) writing to stderr."""
    cfg: dict[str, Any] = copy.deepcopy(dict(base or {"version": 1}))
    cfg.setdefault("disable_existing_loggers", False)
    cfg.setdefault("formatters", {})["landgis"] = {"format": FORMAT}
    cfg.setdefault("handlers", {})["landgis"] = {
        "class": "logging.StreamHandler",
        "formatter": "landgis",
        "stream": "ext://sys.stderr",
    }
    loggers = cfg.setdefault("loggers", {})
    for name in APP_LOGGERS:
        loggers[name] = {"handlers": ["landgis"], "level": level.upper(), "propagate": False}
    return cfg


def configure(level: str, base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Apply :func:`config` in this process; returns it (for uvicorn's ``log_config``)."""
    cfg = config(level, base)
    logging.config.dictConfig(cfg)
    return cfg
