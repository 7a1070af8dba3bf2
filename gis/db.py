"""Database engine, sessions and the declarative base shared by every domain.

One session per request (:func:`get_session`); services own the transaction,
repositories never commit.
"""

from __future__ import annotations

from collections.abc import Iterator

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


def engine_for(url: str) -> Engine:
    """One pooled engine per database URL."""
    if url not in _engines:
        _engines[url] = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
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


def postgis_version(session: Session) -> str:
    return str(session.execute(text("SELECT postgis_lib_version()")).scalar_one())


def dispose_engines() -> None:
    """Close every pooled connection (before dropping a database, at shutdown)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
