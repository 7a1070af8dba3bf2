"""A command whose database is up and migrated starts nothing: one query compares the
applied revisions with the migration files' heads, and alembic is never loaded.

The start-up time itself is measured by ``benchmarks/bench_cli.py`` (not asserted here).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from gis.db import Database
from gis.settings import Settings
from landgis import setup
from tests.conftest import REPO_ROOT, subprocess_env

READ_COMMANDS = [
    ["trading", "list"],
    ["raster", "list"],
    ["planning", "editions"],
    ["cadastre", "public-key"],
    ["user", "role", "no-such-user", "registrar"],
]


def test_the_migrated_test_database_is_current(
    settings: Settings, engine: object, database: Database
) -> None:
    """The files' heads (depends_on included) are what alembic stores once migrated."""
    heads = setup.migration_heads()
    stored = set(setup.current_revisions(database, settings.test_database_name))
    assert stored == heads
    assert "0012_tiles_locks" not in heads  # a dependency of 0030, never stored as a head


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_a_current_database_is_neither_started_nor_migrated(
    command: list[str], settings: Settings, engine: object
) -> None:
    env = subprocess_env(settings, LANDGIS_DATABASE_NAME=settings.test_database_name)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "landgis", *command],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    imported = {
        line.split("|")[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    messages = [line for line in done.stderr.splitlines() if not line.startswith("import time:")]
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert not {"alembic", "alembic.command"} & imported, "the command migrated again"
    assert "pypdf" not in imported  # read only when a PDF is checked
    assert not any("PostGIS running" in m or "migrat" in m for m in messages), messages
