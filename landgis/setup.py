"""Bring the database to a usable state: cluster up, database there, migrated, demo loaded.

The functions that query take the run's :class:`gis.db.Database` (the CLI's, made per
command); alembic makes its own short-lived engine."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from gis import cluster
from gis.db import Database
from gis.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings, database: str | None = None) -> Any:
    """Alembic's configuration for this project (alembic is imported here, not at start-up:
    a command whose database is current never needs it)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    url = settings.admin_url(database)  # migrations run as the cluster's superuser
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def start_database(settings: Settings, database: str | None = None, fresh: bool = False) -> None:
    """Start the local cluster (unless a database URL is set) and create the database."""
    if settings.uses_local_cluster:
        cluster.start(settings)
        cluster.ensure_database(settings, database, fresh=fresh)
    elif fresh:
        raise cluster.ClusterError("refusing to drop a database given by LANDGIS_DATABASE_URL")


def migrate(settings: Settings, database: str | None = None) -> None:
    """Apply every migration of every domain (all heads); never drops data. On the local
    cluster the app's own role then owns the project's tables (it is not a superuser)."""
    from alembic import command

    command.upgrade(alembic_config(settings, database), "heads")
    cluster.grant_app(settings, database)


def ensure_ready(database: Database) -> None:
    """Make the database usable for a command: a cheap check first (connect, compare the
    applied revisions with the migration files' heads), the full start and migration
    only when that check fails. A running, migrated database thus costs one query."""
    if database_is_current(database):
        return
    start_database(database.settings)
    migrate(database.settings)


def database_is_current(database: Database) -> bool:
    """True when the database answers and every migration head is applied."""
    try:
        return set(current_revisions(database, timeout_s=2)) == migration_heads()
    except Exception:  # noqa: BLE001 - not running, no database, no alembic table yet
        database.dispose()  # no pooled connection to a database about to be made
        return False


_REVISION = re.compile(r"^revision\s*=\s*[\"']([^\"']+)", re.MULTILINE)
_PARENTS = re.compile(r"^(?:down_revision|depends_on)\s*=\s*(.+)$", re.MULTILINE)


def migration_heads() -> set[str]:
    """The heads of the migration graph, read from the version files' text (importing
    them through alembic costs more than the whole check should)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        for found_parents in _PARENTS.finditer(source):
            # alembic stores neither a revision's parent nor what it depends on as a head
            parents.update(re.findall(r"[\"']([^\"']+)[\"']", found_parents.group(1)))
    return revisions - parents


def current_revisions(
    database: Database, name: str | None = None, timeout_s: float | None = None
) -> list[str]:
    """The applied migrations of the configured database (or of database ``name``)."""
    with database.engine_for(database.settings.sqlalchemy_url(name)).connect() as conn:
        if timeout_s is not None:
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}")
        return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def register_is_empty(database: Database) -> bool:
    """True when the configured database holds no parcel yet."""
    from cadastre.demo import register_is_empty as empty

    with database.session() as session:
        return empty(session)


def parcel_count(database: Database) -> int:
    """How many current parcels (not retired) the configured database holds."""
    with database.session() as session:
        sql = text("SELECT count(*) FROM parcel WHERE end_lifespan IS NULL")
        return int(session.execute(sql).scalar_one())


def load_demo_if_empty(
    database: Database,
    parcels: int | None = None,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Load the demo district into an empty register; returns parcels loaded (0 if not empty)."""
    from cadastre.demo import load_demo, register_is_empty
    from cadastre.demo_history import replay_demo_history
    from cadastre.demo_imagery import load_demo_dem, load_demo_imagery
    from landgis.collections import build_catalog
    from trading.demo import load_demo_listings
    from trading.monitoring.demo import BASELINE, follow_demo, load_demo_sales

    settings = database.settings
    with database.session() as session:
        if not register_is_empty(session):
            return 0
        n = load_demo(
            session,
            parcels or settings.demo_parcels,
            settings.demo_seed if seed is None else seed,
            progress,
        )
        session.commit()
    with database.session() as session:
        replay_demo_history(session, settings.demo_seed if seed is None else seed)
        session.commit()  # the register's past: the time slider and ?datetime= replay it
    with database.session() as session:
        load_demo_listings(session)  # commits through the trading services
    with database.session() as session:
        sold = load_demo_sales(session)  # 批后监管: sold sites the imagery paints
    with database.session() as session:
        load_demo_imagery(
            session,
            settings.demo_seed if seed is None else seed,
            extra=sold,
            baseline=BASELINE,
            approvals=build_catalog().approvals,  # what the change run's verdicts read
        )
    with database.session() as session:
        follow_demo(session)  # each sold parcel's status from the scenes
    with database.session() as session:
        load_demo_dem(session, settings.demo_seed if seed is None else seed)
    return n


def retime_demo(database: Database) -> int:
    """Move the untouched demo market to today (:func:`trading.demo_retime.retime`);
    returns the days moved. One unit of work."""
    from gis.db import transaction
    from trading import clock
    from trading.demo_retime import retime

    with database.session() as session, transaction(session):
        return retime(session, clock.now())


def reset(database: Database) -> None:
    """Drop and recreate the local database, then migrate (the one command that deletes data)."""
    database.dispose()  # no pooled connection may hold the database being dropped
    start_database(database.settings, fresh=True)
    migrate(database.settings)
