"""批后监管 with committed data: the CLI report (``landgis trading monitor``) and the page
/maps/monitoring of the real server in Chromium (sold parcels coloured by status, each
with its timeline; nothing requested beyond 127.0.0.1, no script error).

The four sales are committed (listings closed by the trading service, the transaction
record made by ``trading.records.make_record``, no contract: no cadastre case to undo)
with five generated scenes; everything made here is deleted afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from gis.auth.models import User
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import Database, transaction
from gis.raster.parcel_change import newest_scene_id
from gis.settings import get_settings
from tests.trading.conftest import published, registered, terms
from tests.trading.test_monitoring import ROLES, START_AFTER, _geometry, _scenes
from trading import bidding, records, service
from trading.cli import app
from trading.models import Registration
from trading.monitoring.watch import watch_pass

TAG = "t-mon-live"
_ENGINE: list[Engine] = []  # the committed fixture's engine, for counting rows


@dataclass
class Committed:
    codes: dict[str, str]
    sale: date
    as_of: date


def _user(session: Session, name: str, role: str) -> Principal:
    user = User(username=f"{TAG}-{name}", role=role, password_hash="x", full_name=name)
    session.add(user)
    session.flush()
    return Principal(user.id, user.username, Role(role))


def _sell(session: Session, parcel: tuple[str, str], i: int, registrar: Principal) -> None:
    listing = published(session, registrar, terms([parcel[0]], parcel[1]))
    bidder = _user(session, f"b{i}", "bidder")
    cashier = _user(session, f"c{i}", "cashier")
    registered(session, listing, bidder, cashier=cashier)
    with transaction(session):
        bidding.place_bid(session, listing.id, Decimal("1250000.00"), bidder)
        done = service.close_listing(
            session, listing.id, now=listing.deadline + timedelta(seconds=1)
        )
        winner = session.get(Registration, done.winner_registration_id)
        assert winner is not None
        record = records.make_record(session, done, winner, done.closed_at)
        record.agreed_start_date = record.deal_date + timedelta(days=START_AFTER)


def _remove(engine: Engine, raster_ids: list[int]) -> None:
    root = get_settings().files_dir
    with Session(engine) as s:
        paths = s.execute(
            text("SELECT path FROM raster WHERE id = ANY(:i)"), {"i": raster_ids}
        ).scalars()
        for path in paths:
            (root / path).unlink(missing_ok=True)
        users = f"(SELECT id FROM app_user WHERE username LIKE '{TAG}-%')"
        s.execute(
            text(
                "DELETE FROM trading_record WHERE listing_id IN "
                f"(SELECT id FROM trading_listing WHERE created_by IN {users})"
            )
        )
        s.execute(text(f"DELETE FROM trading_listing WHERE created_by IN {users}"))
        s.execute(text("DELETE FROM raster WHERE id = ANY(:i)"), {"i": raster_ids})
        s.execute(text(f"DELETE FROM app_user WHERE id IN {users}"))
        s.commit()


@pytest.fixture(scope="module")
def committed(
    engine: Engine, free_parcels: list[tuple[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Committed]:
    parcels = free_parcels[30:34]
    raster_ids: list[int] = []
    _ENGINE[:] = [engine]
    try:
        with Session(engine, expire_on_commit=False) as s:
            registrar = _user(s, "reg", "registrar")
            for i, parcel in enumerate(parcels):
                _sell(s, parcel, i, registrar)
            s.commit()
            sale = s.execute(
                text(
                    "SELECT min(r.deal_date) FROM trading_record r JOIN trading_listing l "
                    "ON l.id = r.listing_id WHERE l.created_by = :u"
                ),
                {"u": registrar.user_id},
            ).scalar_one()
            codes = {role: parcels[i][0] for i, role in enumerate(ROLES)}
            geoms = {role: _geometry(s, code) for role, code in codes.items()}
            raster_ids = _scenes(s, tmp_path_factory.mktemp("scenes"), sale, geoms)
            s.commit()
        yield Committed(codes, sale, sale + timedelta(days=600))
    finally:
        _remove(engine, raster_ids)


def test_cli_report_then_update(committed: Committed) -> None:
    runner = CliRunner()
    as_of = committed.as_of.isoformat()
    dry = runner.invoke(app, ["monitor", "--as-of", as_of, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    lines = {
        code: next(x for x in dry.output.splitlines() if x.startswith(code))
        for code in committed.codes.values()
    }
    assert "已竣工/completed" in lines[committed.codes["on_time"]]
    assert "按期开工" in lines[committed.codes["on_time"]]
    assert "逾期开工" in lines[committed.codes["late"]]
    assert "未开工/not started" in lines[committed.codes["idle"]]
    assert "疑似闲置土地" in lines[committed.codes["idle"]] and "案件" not in dry.output
    assert _count(committed, "trading_monitor_observation") == 0  # a dry run stores nothing
    run = runner.invoke(app, ["monitor", "--as-of", as_of])
    assert run.exit_code == 0, run.output
    assert run.output.count("案件 case PHJG-") == 2  # idle land, built before the contract
    assert "有限公司" not in run.output  # no buyer names
    as_json = runner.invoke(app, ["monitor", "--as-of", as_of, "--json"])
    assert as_json.exit_code == 0 and '"by_verdict"' in as_json.output
    bad = runner.invoke(app, ["monitor", "--as-of", "last year"])
    assert bad.exit_code == 2
    assert len(bad.output.strip().splitlines()) == 1 and "--as-of" in bad.output


def _count(committed: Committed, table: str) -> int:
    codes = list(committed.codes.values())
    with Session(_ENGINE[0]) as s:
        sql = text(f"SELECT count(*) FROM {table} WHERE unit_code = ANY(:c)")
        return int(s.execute(sql, {"c": codes}).scalar_one())


def test_monitoring_page_in_chromium(live_server: str, browser, committed: Committed) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    hosts: set[str] = set()
    errors: list[str] = []
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
    page.goto(f"{live_server}/maps/monitoring?as_of={committed.as_of.isoformat()}")
    page.wait_for_function("window.landgisSold && window.landgisSold.getLayers().length >= 4")
    for role, code in committed.codes.items():
        item = page.locator(f'li[data-unit-code="{code}"]')
        assert item.count() == 1, role
        assert item.locator("table.timeline tr").count() == 6  # header + 5 scenes
    idle = page.locator(f'li[data-unit-code="{committed.codes["idle"]}"]')
    assert idle.get_attribute("data-status") == "not_started"
    assert "疑似闲置土地" in idle.inner_text()
    done = page.locator(f'li[data-unit-code="{committed.codes["on_time"]}"]')
    assert done.get_attribute("data-status") == "completed"
    fills = page.evaluate("() => window.landgisSold.getLayers().map(l => l.options.fillColor)")
    assert {"#d7191c", "#1a9641"} <= set(fills)  # 未开工 red, 已竣工 green
    page.locator("path.leaflet-interactive[fill='#d7191c']").first.click(force=True)
    page.wait_for_selector(".leaflet-popup-content")
    assert "未开工" in page.locator(".leaflet-popup-content").inner_text()
    assert hosts == {"127.0.0.1"}, hosts
    assert not errors, errors
    page.close()


def test_watcher_updates_on_a_new_scene(committed: Committed, database: Database) -> None:
    """The background watcher's pass: nothing when no scene is new; an update when the
    catalogue's newest scene is one it has not seen (as of today: the pre-sale scenes)."""
    with Session(_ENGINE[0]) as s:
        s.execute(
            text("DELETE FROM trading_monitor_observation WHERE unit_code = ANY(:c)"),
            {"c": list(committed.codes.values())},
        )
        s.commit()
        newest = newest_scene_id(s)
    assert newest is not None
    assert watch_pass(database, newest) == newest  # nothing new: no update
    assert _count(committed, "trading_monitor_observation") == 0
    assert watch_pass(database, newest - 1) == newest  # a scene not seen yet: the update runs
    assert _count(committed, "trading_monitor_observation") >= 1
