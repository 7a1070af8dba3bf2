"""Fixtures of the exchange tests: jobs run inline in the test's rolled-back session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from cadastre.exchange import jobs
from cadastre.exchange.exporter import export_parcels


@pytest.fixture
def inline_client(client, db) -> Iterator:
    client.app.dependency_overrides[jobs.get_runner] = lambda: jobs.InlineRunner(db)
    yield client


@pytest.fixture
def subzone(db) -> str:
    return db.execute(
        text("SELECT subzone_code FROM parcel WHERE end_lifespan IS NULL ORDER BY id LIMIT 1")
    ).scalar_one()


@pytest.fixture
def exported(db, subzone, tmp_path) -> Path:
    """The current parcels of one subzone as a GeoPackage."""
    dest = tmp_path / "sub.gpkg"
    export_parcels(db, "gpkg", dest, zone=subzone)
    return dest


def current_count(db) -> int:
    return db.execute(text("SELECT count(*) FROM parcel WHERE end_lifespan IS NULL")).scalar_one()


def retire(db, subzone: str) -> int:
    """Close the current versions of a subzone's parcels, so their codes and land are free."""
    return db.execute(
        text(
            "UPDATE parcel SET end_lifespan = now() WHERE subzone_code = :s "
            "AND end_lifespan IS NULL"
        ),
        {"s": subzone},
    ).rowcount
