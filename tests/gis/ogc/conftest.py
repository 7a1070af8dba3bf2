"""Fixtures of the OGC API tests: how many current parcels the test database holds."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

CURRENT = "SELECT count(*) FROM parcel WHERE end_lifespan IS NULL"


@pytest.fixture
def n_parcels(db: Session) -> int:
    """Current parcels as the test's own session sees them (what ``client`` serves)."""
    return int(db.execute(text(CURRENT)).scalar_one())


@pytest.fixture
def live_parcels(engine: Engine) -> int:
    """Current parcels as committed (what ``live_server`` serves)."""
    with engine.connect() as conn:
        return int(conn.execute(text(CURRENT)).scalar_one())
