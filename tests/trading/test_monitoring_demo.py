"""The demo district's 批后监管: four sales painted by the change-detection demo's own
generated imagery give a parcel in each status (未开工, 已开工, 已竣工) and each verdict
the issue names (on time, late, idle, built before the contract); and the CLI report."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from cadastre.demo_imagery import load_demo_imagery
from gis.db import transaction
from landgis.collections import build_catalog
from tests.trading.test_monitoring import private_files  # noqa: F401 (fixture)
from trading.monitoring import service as monitoring
from trading.monitoring.demo import BASELINE, SITES, load_demo_sales

AS_OF = date(2026, 12, 2)


@pytest.mark.usefixtures("private_files")
def test_demo_has_a_parcel_in_each_status(db: Session) -> None:
    sold = load_demo_sales(db)
    assert [p.kind for p in sold] == list(SITES)
    made = load_demo_imagery(
        db, seed=3, extra=sold, baseline=BASELINE, approvals=build_catalog().approvals
    )
    assert made.baseline_id is not None
    with transaction(db):
        states = monitoring.update(db, AS_OF)
    assert len(states) == 4
    got = sorted((s.verdict.code, s.status) for s in states)
    assert got == [
        ("before_contract", "started"),
        ("idle_suspected", "not_started"),
        ("late", "started"),
        ("on_time", "completed"),
    ]
    idle = next(s for s in states if s.verdict.code == "idle_suspected")
    assert idle.finding is not None and idle.finding.acquired_on == date(2026, 10, 20)
    for s in states:  # every sold parcel has the baseline and both demo scenes
        assert [p.scene.acquired_on for p in s.timeline][-1] == date(2026, 10, 20)
        assert s.timeline[0].scene.id == made.baseline_id
