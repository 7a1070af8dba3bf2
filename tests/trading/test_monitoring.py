"""批后监管 with generated scenes: four parcels sold through real listings, five scenes
painted from the register (vacant lots as grassland, construction as built-up cover),
imported into the catalogue and followed by the monitor:

- ``on_time``: built by the agreed start date + grace, stable afterwards (已竣工);
- ``late``: built only after the grace (逾期开工);
- ``idle``: never built; a scene a year after the agreed start is the evidence of
  疑似闲置土地 and an inspector's case is opened (once, however often the monitor runs);
- ``early``: built on a scene before the contract: a finding too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import shapely
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gis.db import transaction
from gis.raster.demo import write_scene
from gis.raster.service import ImportRequest, import_raster
from gis.settings import Settings, get_settings, override_settings
from tests.trading.conftest import act
from tests.trading.test_records import sold_listing
from trading import service
from trading.models import TransactionRecord
from trading.monitoring import service as monitoring
from trading.monitoring.models import Finding, Observation

START_AFTER = 180  # days from the sale to the agreed start date
# scene offsets from the sale (days) and which parcels show built-up cover on each
SCENES = {
    -400: set(),
    -30: {"early"},
    200: {"on_time", "early"},
    400: {"on_time", "late", "early"},
    560: {"on_time", "late", "early"},
}
ROLES = ("on_time", "late", "idle", "early")


@pytest.fixture
def private_files(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[Settings]:
    """Imported scenes go to this test's own data folder."""
    current = get_settings()
    private = current.model_copy(
        update={"data_dir": tmp_path / "data", "database_url": current.sqlalchemy_url()}
    )
    override_settings(private)
    yield private
    override_settings(current)


def _sell(db: Session, person: Any, parcels: list[tuple[str, str]]) -> dict[str, TransactionRecord]:
    """Sell each parcel through a real listing and publish the result (record, contract)."""
    records = {}
    for i, (role, parcel) in enumerate(zip(ROLES, parcels, strict=True)):
        listing, registrar, _ = sold_listing_named(db, person, parcel, i)
        act(db, service.publish_result, listing.id, registrar.principal)
        record = db.query(TransactionRecord).filter_by(listing_id=listing.id).one()
        record.agreed_start_date = record.deal_date + timedelta(days=START_AFTER)
        records[role] = record
    db.flush()
    return records


def sold_listing_named(db: Session, person: Any, parcel: tuple[str, str], i: int) -> Any:
    """:func:`sold_listing` with users of their own per sale (names are unique)."""
    named = lambda role, name: person(role, f"{name}{i}")  # noqa: E731
    return sold_listing(db, named, parcel)


def _geometry(db: Session, code: str) -> shapely.Geometry:
    from cadastre.parcels import service as parcels

    return shapely.geometry.shape(parcels.get(db, code).geometry)


def _scenes(db: Session, tmp: Path, sale: date, geoms: dict[str, shapely.Geometry]) -> list[int]:
    ids = []
    for offset, built in SCENES.items():
        when = sale + timedelta(days=offset)
        covers = [(g, "built" if role in built else "grassland") for role, g in geoms.items()]
        path = write_scene(tmp / f"scene-{offset}.tif", covers, [], False, seed=offset + 1000)
        request = ImportRequest(
            source=path,
            name=f"test scene {when}",
            acquired_on=when,
            band_names=["blue", "green", "red", "nir"],
        )
        ids.append(import_raster(db, request).id)
    return ids


def test_on_time_late_idle_and_before_contract(
    db: Session,
    person: Any,
    free_parcels: list[tuple[str, str]],
    private_files: Settings,
    tmp_path: Path,
) -> None:
    records = _sell(db, person, free_parcels[30:34])
    sale = records["on_time"].deal_date
    codes = {role: free_parcels[30 + i][0] for i, role in enumerate(ROLES)}
    geoms = {role: _geometry(db, code) for role, code in codes.items()}
    scene_ids = _scenes(db, tmp_path, sale, geoms)
    as_of = sale + timedelta(days=600)
    with transaction(db):
        states = {s.parcel.unit_code: s for s in monitoring.update(db, as_of)}
    got = {role: states[code] for role, code in codes.items()}
    assert {r: s.verdict.code for r, s in got.items()} == {
        "on_time": "on_time",
        "late": "late",
        "idle": "idle_suspected",
        "early": "before_contract",
    }
    assert {r: s.status for r, s in got.items()} == {
        "on_time": "completed",
        "late": "completed",
        "idle": "not_started",
        "early": "completed",
    }
    on_time = [p.seen.status for p in got["on_time"].timeline if not p.reference]
    assert on_time == ["started", "completed", "completed"]
    assert got["on_time"].verdict.started_on == sale + timedelta(days=200)
    assert got["late"].verdict.started_on == sale + timedelta(days=400)
    # the idle parcel: the evidence is the scene a year after the agreed start
    idle = got["idle"]
    assert idle.finding is not None and idle.finding.kind == "idle_suspected"
    assert idle.finding.raster_id == scene_ids[-1]
    assert idle.finding.acquired_on == sale + timedelta(days=560)
    assert idle.finding.built_share < 0.02 and idle.finding.status == "pending"
    assert idle.finding.case_no.startswith(f"PHJG-{as_of.year}-")
    assert "满一年" in idle.finding.detail and "a year after" in idle.finding.detail
    early = got["early"]
    assert early.finding is not None and early.finding.kind == "built_before_contract"
    assert early.finding.acquired_on == sale - timedelta(days=30)
    assert early.finding.built_share > 0.8
    assert got["on_time"].finding is None and got["late"].finding is None
    # built-up share of a parcel built over is high, of an untouched one about nil
    shares = {r: max((p.seen.share for p in s.timeline), default=0) for r, s in got.items()}
    assert shares["on_time"] > 0.8 and shares["idle"] < 0.02
    # a second run measures nothing again and opens no second case
    observed = db.query(Observation).count()
    with transaction(db):
        again = {s.parcel.unit_code: s for s in monitoring.update(db, as_of)}
    assert db.query(Observation).count() == observed
    assert db.query(Finding).count() == 2
    assert again[codes["idle"]].finding.id == idle.finding.id  # type: ignore[union-attr]


def test_status_as_of_earlier_dates(
    db: Session,
    person: Any,
    free_parcels: list[tuple[str, str]],
    private_files: Settings,
    tmp_path: Path,
) -> None:
    """Read on earlier dates: before the start date nothing is due; past the grace an
    unbuilt parcel is overdue (no idle finding yet: no scene a year after the start)."""
    records = _sell(db, person, free_parcels[30:34])
    sale = records["on_time"].deal_date
    codes = {role: free_parcels[30 + i][0] for i, role in enumerate(ROLES)}
    _scenes(db, tmp_path, sale, {role: _geometry(db, c) for role, c in codes.items()})
    with transaction(db):
        early = {s.parcel.unit_code: s for s in monitoring.update(db, sale + timedelta(days=100))}
    assert early[codes["idle"]].verdict.code == "pending"
    assert early[codes["on_time"]].verdict.code == "pending"
    with transaction(db):
        later = {s.parcel.unit_code: s for s in monitoring.update(db, sale + timedelta(days=450))}
    assert later[codes["idle"]].verdict.code == "overdue"
    assert later[codes["idle"]].finding is None
    assert later[codes["late"]].verdict.code == "late"
    assert later[codes["on_time"]].status == "completed"
