"""`landgis serve` logs the app's own loggers (not only uvicorn's): the start-up summary
line from ``landgis.cli`` reaches the server's log with a timestamp, level and name."""

from __future__ import annotations

import copy
import logging
import re
from pathlib import Path

import httpx
import uvicorn.config

from gis.settings import Settings
from landgis import logs

LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO landgis\.cli: starting on (\S+): "
    r"database (\S+) on [^,]+, (\d+) worker\(s\), (\d+) parcels in the register$",
    re.MULTILINE,
)


def test_the_server_log_has_the_apps_start_up_line(
    live_server: str, live_server_log: Path, settings: Settings
) -> None:
    assert httpx.get(f"{live_server}/health", timeout=10).status_code == 200
    log = live_server_log.read_text(encoding="utf-8", errors="replace")
    found = LINE.search(log)
    assert found is not None, log[-2000:]
    base, database, workers, parcels = found.groups()
    assert base == live_server
    assert database == settings.database_name
    assert int(workers) == settings.workers
    assert int(parcels) > 0  # the demo district is there


def test_the_log_config_adds_the_app_loggers_to_uvicorns() -> None:
    before = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    cfg = logs.config("warning", uvicorn.config.LOGGING_CONFIG)
    assert before == uvicorn.config.LOGGING_CONFIG  # uvicorn's own dict is left alone
    assert {"uvicorn", "uvicorn.access"} <= set(cfg["loggers"])
    for name in ("gis", "cadastre", "trading", "landgis"):
        assert cfg["loggers"][name] == {
            "handlers": ["landgis"],
            "level": "WARNING",
            "propagate": False,
        }
    assert cfg["handlers"]["landgis"]["stream"] == "ext://sys.stderr"
    record = logging.LogRecord("trading.closer", logging.INFO, "", 0, "closed %s", ("L1",), None)
    line = logging.Formatter(cfg["formatters"]["landgis"]["format"]).format(record)
    assert re.fullmatch(r"\S+ \S+ INFO trading\.closer: closed L1", line)
