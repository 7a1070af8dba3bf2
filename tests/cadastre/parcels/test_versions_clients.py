"""Real clients read a past state of the register: a parcel split at T and its parts
merged at T2 through the real server (committed), then GDAL's OAPIF driver (``ogrinfo``
with ``datetime`` on the collection URL) and OWSLib read before T, between T and T2 and
after T2: the right parcels, whose areas add up. The edits are undone afterwards."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from owslib.ogcapi.features import Features
from shapely.geometry import LineString, mapping, shape
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from cadastre.parcels import repository as repo
from gis.auth.service import add_user, issue_token
from tests.cadastre.parcels.conftest import touching_pair

USER = "t-versions-clients-registrar"


@pytest.fixture
def registrar(committed: Engine) -> Any:
    with Session(committed, expire_on_commit=False) as s:
        user = add_user(s, USER, "correct horse battery", "registrar")
        s.commit()
    yield {"Authorization": f"Bearer {issue_token(user)}"}
    with Session(committed) as s:
        s.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": USER})
        s.commit()


def _clock(engine: Engine) -> datetime:
    with Session(engine) as s:
        return repo.clock(s)


def _edit(
    base: str, headers: dict[str, str], path: str, body: dict[str, Any], codes: list[str]
) -> list[str]:
    tags = [httpx.get(f"{base}/api/v1/parcels/{c}").headers["ETag"] for c in codes]
    r = httpx.post(
        f"{base}{path}", json=body, headers={**headers, "If-Match": ", ".join(tags)}, timeout=60
    )
    assert r.status_code == 200, r.text
    return [f["id"] for f in r.json()["created"]]


def _rfc3339(when: datetime) -> str:
    """UTC with Z (a '+' would be read as a space in a query string)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _gdal(base: str, when: datetime, codes: list[str]) -> dict[str, float]:
    where = " OR ".join(f"unit_code = '{c}'" for c in codes)
    url = f"OAPIF:{base}/ogc/collections/parcels?datetime={_rfc3339(when)}"
    out = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-q", "-where", where, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    found: dict[str, float] = {}
    code = ""
    for line in out.splitlines():
        if "unit_code (String)" in line:
            code = line.split("=")[-1].strip()
        if "area_m2 (Real)" in line:
            found[code] = float(line.split("=")[-1])
    return found


def _owslib(base: str, when: datetime, codes: list[str]) -> dict[str, float]:
    api = Features(f"{base}/ogc")
    where = " OR ".join(f"unit_code = '{c}'" for c in codes)
    page = api.collection_items("parcels", datetime_=_rfc3339(when), filter=where, limit=50)
    return {f["id"]: f["properties"]["area_m2"] for f in page["features"]}


def test_gdal_and_owslib_read_before_between_and_after(
    live_server: str, committed: Engine, registrar: dict[str, str]
) -> None:
    with Session(committed) as s:
        code = touching_pair(s, 3)[0]
    g = shape(httpx.get(f"{live_server}/api/v1/parcels/{code}").json()["geometry"])
    x, (_, miny, _, maxy) = g.centroid.x, g.bounds
    cut = LineString([(x, miny - 0.001), (x, maxy + 0.001)])
    before = _clock(committed)
    parts = _edit(
        live_server, registrar, f"/api/v1/parcels/{code}/split", {"line": mapping(cut)}, [code]
    )
    between = _clock(committed)
    (merged,) = _edit(live_server, registrar, "/api/v1/parcels/merge", {"unit_codes": parts}, parts)
    after = _clock(committed)
    codes = [code, *parts, merged]
    for read in (_gdal, _owslib):
        then, middle, now = (read(live_server, t, codes) for t in (before, between, after))
        assert list(then) == [code], read.__name__
        assert sorted(middle) == sorted(parts), read.__name__
        assert list(now) == [merged], read.__name__
        whole = then[code]
        assert abs(sum(middle.values()) - whole) < 0.05 and abs(now[merged] - whole) < 0.05
