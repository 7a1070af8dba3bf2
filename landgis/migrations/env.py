"""Alembic environment: the URL comes from landgis settings, the metadata from all domains."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from landgis.models import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""


def run_migrations() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=metadata, include_object=_skip_postgis_tables
        )
        with context.begin_transaction():
            context.run_migrations()


def _skip_postgis_tables(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    return not (type_ == "table" and name in {"spatial_ref_sys"})


run_migrations()
