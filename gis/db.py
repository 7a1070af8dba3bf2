"""Database engines, sessions, the unit of work and the declarative base of every domain.

The engines belong to an app or a command, never to a module (house habit 13): a
:class:`Database` made by the composition root (``app.state.database``, or the CLI's
:func:`cli_database`) and disposed when that app or command ends. One session per
request (:func:`get_session`, on the serving app's database). The entry point (router,
CLI command, job runner, background loop) opens ``with transaction(session):``; the
outermost block commits, nested blocks are savepoints, an exception rolls back. Services
and repositories flush and never commit, so composing two services is safe by
construction.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, text
from sqlalchemy.orm import DeclarativeBase, Session
from starlette.requests import Request

from gis.settings import Settings, get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of all landgis tables (one metadata for alembic)."""

    metadata = MetaData(naming_convention=NAMING)


def driver_args(settings: Settings | None = None) -> dict[str, Any]:
    """psycopg connection arguments every connection of the app uses: behind PgBouncer in
    transaction mode (``LANDGIS_DATABASE_PGBOUNCER``) no server-side prepared statements,
    which would outlive the transaction on a server connection another client gets next."""
    return {"prepare_threshold": None} if (settings or get_settings()).database_pgbouncer else {}


class Database:
    """The engines of one app or CLI run (house habit 13: state lives in the app).

    Made by the composition root from the settings (``create_app`` puts one in
    ``app.state.database``, the CLI in its click context), reached by dependency
    (:func:`get_session`, :func:`app_database`), handed to background loops, job threads
    and dask workers by whoever starts them, and disposed when the app or command ends.
    Two apps side by side never share a pool. Engines are made on first use, one per
    (kind, URL): ``session`` (pooled sessions), ``autocommit`` (single statements: tiles,
    change-log checks, replica probes), ``small`` (a dask worker's few connections).
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._engines: dict[tuple[str, str], Engine] = {}
        self._lock = threading.Lock()
        # small answers about this database kept for seconds (gis.replica: the replica's URL)
        self.memo: dict[str, Any] = {}

    def engine_for(self, url: str, kind: str = "session") -> Engine:
        """One pooled engine of ``kind`` per database URL."""
        with self._lock:
            if (kind, url) not in self._engines:
                self._engines[kind, url] = _make_engine(url, kind, driver_args(self.settings))
            return self._engines[kind, url]

    @property
    def engine(self) -> Engine:
        """The engine of the configured (primary) database."""
        return self.engine_for(self.settings.sqlalchemy_url())

    @property
    def autocommit(self) -> Engine:
        """The primary's pool of single autocommit statements (tiles, change-log reads)."""
        return self.engine_for(self.settings.sqlalchemy_url(), "autocommit")

    @property
    def made(self) -> int:
        """How many engines this database holds (0 before first use and after dispose)."""
        return len(self._engines)

    def session(self) -> Session:
        """A new session on the primary (the caller closes it: ``with db.session() as s``)."""
        return Session(bind=self.engine, expire_on_commit=False)

    def dispose(self) -> None:
        """Close every pooled connection and forget what was learnt about the database (at
        shutdown, before dropping a database)."""
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
            self.memo.clear()
        for engine in engines:
            engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()


def _make_engine(url: str, kind: str, args: dict[str, Any]) -> Engine:
    if kind == "session":
        return create_engine(
            url, pool_size=10, max_overflow=20, pool_pre_ping=True, connect_args=args
        )
    if kind == "small":
        return create_engine(url, pool_size=4, connect_args=args)
    # autocommit: one round trip per statement (no ping, BEGIN, SET or ROLLBACK), planned
    # without parallel workers
    return create_engine(
        url,
        isolation_level="AUTOCOMMIT",
        pool_size=8,
        max_overflow=16,
        pool_recycle=600,
        connect_args={"options": "-c max_parallel_workers_per_gather=0", **args},
    )


def app_database(request: Request) -> Database:
    """FastAPI dependency: the database of the app serving the request."""
    return request.app.state.database  # type: ignore[no-any-return]


def app_engine(request: Request) -> Engine:
    """FastAPI dependency: the primary engine of the app serving the request (job status,
    rate counters: short transactions of their own, outside the request's session)."""
    return app_database(request).engine


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: one session per request on the app's database, closed afterwards."""
    session = app_database(request).session()
    try:
        yield session
    finally:
        session.close()


def cli_database(ctx: Any) -> Database:
    """The database of the running CLI command (``ctx``: its ``typer.Context``, whose
    ``meta`` every context of the run shares): the one ``landgis.cli`` put there, else one
    made now and disposed when the command's root context closes."""
    database = ctx.meta.get(CLI_KEY)
    if not isinstance(database, Database):
        database = Database()
        ctx.meta[CLI_KEY] = database
        ctx.find_root().call_on_close(database.dispose)
    return database


CLI_KEY = "landgis.database"


_DEPTH = "landgis.transaction_depth"


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """The unit of work: the outermost block commits, an inner block is a savepoint,
    an exception rolls back (the whole transaction outside, the savepoint inside)."""
    depth = int(session.info.get(_DEPTH, 0))
    session.info[_DEPTH] = depth + 1
    try:
        if depth:
            with session.begin_nested():
                yield session
            return
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        session.info[_DEPTH] = depth


def in_transaction_block(session: Session) -> bool:
    """True inside a :func:`transaction` block (services may assert it)."""
    return int(session.info.get(_DEPTH, 0)) > 0


def postgis_version(session: Session) -> str:
    return str(session.execute(text("SELECT postgis_lib_version()")).scalar_one())


ROWS_ESTIMATE_SQL = """
SELECT coalesce(CASE WHEN bool_and(c.reltuples < 0) THEN -1
                     ELSE sum(greatest(c.reltuples, 0)) END, -1)
FROM pg_partition_tree(CAST(:t AS regclass)) t JOIN pg_class c ON c.oid = t.relid
WHERE t.isleaf
"""


def estimated_rows(session: Session, table: str, max_age_s: float = 0) -> float:
    """The planner's row estimate of ``table`` (pg_class.reltuples), summed over the leaf
    partitions of a partitioned table (its own estimate is never refreshed by autovacuum);
    -1 when unknown (never analysed). With ``max_age_s``, an estimate this connection made
    that long ago at most is reused: the sum over 401 partitions took ~3 ms at 5M parcels,
    a fifth of a bbox read that only asks whether the register is small."""
    kept = session.connection().info.setdefault("estimated_rows", {})
    hit = kept.get(table)
    if hit is not None and time.monotonic() - hit[0] <= max_age_s:
        return float(hit[1])
    value = float(session.execute(text(ROWS_ESTIMATE_SQL), {"t": table}).scalar_one())
    kept[table] = (time.monotonic(), value)
    return value
