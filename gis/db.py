"""Database engine, sessions, the unit of work and the declarative base shared by every domain.

One session per request (:func:`get_session`). The entry point (router, CLI command,
job runner, background loop) opens ``with transaction(session):``; the outermost block
commits, nested blocks are savepoints, an exception rolls back. Services and
repositories flush and never commit, so composing two services is safe by construction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from gis.settings import get_settings

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


_engines: dict[str, Engine] = {}


def driver_args() -> dict[str, Any]:
    """psycopg connection arguments every connection of the app uses: behind PgBouncer in
    transaction mode (``LANDGIS_DATABASE_PGBOUNCER``) no server-side prepared statements,
    which would outlive the transaction on a server connection another client gets next."""
    return {"prepare_threshold": None} if get_settings().database_pgbouncer else {}


def engine_for(url: str) -> Engine:
    """One pooled engine per database URL."""
    if url not in _engines:
        _engines[url] = create_engine(
            url, pool_size=10, max_overflow=20, pool_pre_ping=True, connect_args=driver_args()
        )
    return _engines[url]


def get_engine() -> Engine:
    """The engine of the configured database."""
    return engine_for(get_settings().sqlalchemy_url())


def session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


def get_session() -> Iterator[Session]:
    """FastAPI dependency: one session per request, closed afterwards."""
    session = session_factory()()
    try:
        yield session
    finally:
        session.close()


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


def dispose_engines() -> None:
    """Close every pooled connection (before dropping a database, at shutdown)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


ROWS_ESTIMATE_SQL = """
SELECT coalesce(CASE WHEN bool_and(c.reltuples < 0) THEN -1
                     ELSE sum(greatest(c.reltuples, 0)) END, -1)
FROM pg_partition_tree(CAST(:t AS regclass)) t JOIN pg_class c ON c.oid = t.relid
WHERE t.isleaf
"""


def estimated_rows(session: Session, table: str) -> float:
    """The planner's row estimate of ``table`` (pg_class.reltuples), summed over the leaf
    partitions of a partitioned table (its own estimate is never refreshed by autovacuum);
    -1 when unknown (never analysed)."""
    return float(session.execute(text(ROWS_ESTIMATE_SQL), {"t": table}).scalar_one())
