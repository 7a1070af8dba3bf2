"""Quality report: overlaps, gaps in blocks, invalid geometries and slivers, found with
locations as JSON, on the /maps/quality page and by `landgis cadastre check`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cadastre.cli import app as cadastre_cli
from cadastre.parcels import quality
from cadastre.parcels.schemas import QualityReport
from tests.cadastre.parcels.conftest import touching_pair

COPY_SQL = """
INSERT INTO parcel (version, unit_code, parcel_code, subzone_code, block_code, land_use, area_m2,
                    reg_status, ref_point, geom)
SELECT 1, left(unit_code, 14) || '99' || substr(unit_code, 17), left(parcel_code, 14) || '99'
       || substr(parcel_code, 17), subzone_code, block_code, land_use, area_m2, reg_status,
       ref_point, {geom}
FROM parcel WHERE unit_code = :c AND end_lifespan IS NULL
"""


def _damage(db: Session) -> dict[str, str]:
    """Make one of each defect in the (rolled-back) register of one zone."""
    over, gap = touching_pair(db, 0)
    bowtie, thin = touching_pair(db, 40)
    assert len({over, gap, bowtie, thin}) == 4
    shift = "ST_Translate(geom, 0.00003, 0)"
    db.execute(text(COPY_SQL.format(geom=shift)), {"c": over})
    db.execute(text("UPDATE parcel SET end_lifespan = now() WHERE unit_code = :c"), {"c": gap})
    db.execute(
        text(
            # a bow-tie lying over a parcel of another subzone: GEOS cannot intersect it
            "UPDATE parcel SET geom = (SELECT ST_Multi(ST_SetSRID(ST_MakePolygon(ST_MakeLine("
            "ARRAY[ST_Translate(c, -d, -d), ST_Translate(c, d, d), ST_Translate(c, d, -d),"
            " ST_Translate(c, -d, d), ST_Translate(c, -d, -d)])), 4490)) FROM (SELECT ref_point"
            " AS c, 0.0001 AS d FROM parcel ORDER BY id DESC LIMIT 1) s) WHERE unit_code = :c"
        ),
        {"c": bowtie},
    )
    db.execute(
        text(
            "UPDATE parcel SET geom = ST_Multi(ST_MakeEnvelope(ST_X(ref_point), ST_Y(ref_point),"
            " ST_X(ref_point) + 0.0003, ST_Y(ref_point) + 0.000003, 4490)) WHERE unit_code = :c"
        ),
        {"c": thin},
    )
    return {"overlap": over, "gap": gap, "invalid": bowtie, "sliver": thin}


def test_clean_zone_then_each_defect_found(db: Session) -> None:
    zone = touching_pair(db, 0)[0][:9]
    clean = quality.run(db, zone)  # the demo district is clean by construction
    assert clean.parcels > 0
    whole_before = quality.run(db).as_dict()["counts"]
    made = _damage(db)
    report = quality.run(db, zone).as_dict()
    found = report["findings"]
    assert any(made["overlap"] in f["unit_codes"] for f in found["overlap"])
    bowtie = [f for f in found["invalid"] if f["unit_codes"] == [made["invalid"]]]
    assert len(bowtie) == 1 and "Self-intersection" in bowtie[0]["reason"]
    assert any(made["sliver"] in f["unit_codes"] for f in found["sliver"])
    assert len(found["gap"]) > len(clean.findings["gap"])
    assert all(f["area_m2"] > 0.05 for f in found["gap"])
    for kind in quality.KINDS:
        assert all(f["location"] and len(f["location"]) == 2 for f in found[kind])
    whole = quality.run(db).as_dict()  # the bow-tie lies over another zone's parcel
    assert whole["counts"]["invalid"] == whole_before["invalid"] + 1
    assert whole["counts"]["overlap"] > whole_before["overlap"]


def test_quality_json_and_page(client: TestClient, db: Session) -> None:
    zone = touching_pair(db, 0)[0][:9]
    _damage(db)
    r = client.get("/api/v1/cadastre/quality", params={"zone": zone})
    assert r.status_code == 200
    assert all(r.json()["counts"][k] >= 1 for k in quality.KINDS)
    report = QualityReport.model_validate(r.json())  # the contract its route declares
    assert set(r.json()["register"]) == {"counts", "kinds", "findings"}
    assert report.findings["overlap"] and report.kinds["overlap"].zh == "重叠"
    kept = client.get("/api/v1/cadastre/quality", params={"zone": zone, "incremental": "true"})
    assert QualityReport.model_validate(kept.json()).counts == report.counts
    bad = client.get("/api/v1/cadastre/quality", params={"zone": "44190"})
    assert bad.status_code == 422 and bad.json()["field"] == "zone"
    page = client.get("/maps/quality", params={"zone": zone})
    assert page.status_code == 200 and "重叠 overlap" in page.text
    assert "https://" not in _script_sources(page.text)
    config = json.loads(re.search(r'id="map-config">(.*?)</script>', page.text, re.S)[1])
    parcels, findings = config["layers"]
    assert parcels["url"].startswith("/ogc/collections/parcels/tiles/")  # parcels under
    counts = r.json()["counts"]
    kinds = [f["properties"]["kind"] for f in findings["data"]["features"]]
    assert {k: kinds.count(k) for k in quality.KINDS} == counts
    for kind, n in counts.items():  # the panel counts each kind
        assert re.search(rf'data-kind="{kind}">.*?class="count">{n}<', page.text, re.S)
    assert f"发现 {sum(counts.values())} 处问题" in page.text


def test_parcel_page_with_neighbours_and_timeline(
    client: TestClient, auth: Any, db: Session
) -> None:
    code, neighbour = touching_pair(db, 2)
    tag = client.get(f"/api/v1/parcels/{code}").headers["ETag"]
    client.patch(
        f"/api/v1/parcels/{code}",
        json={"land_use": "0810"},
        headers={**auth("registrar"), "If-Match": tag},
    )
    page = client.get("/maps/parcels", params={"unit_code": code})
    assert page.status_code == 200
    assert code in page.text and neighbour in page.text and "历史 history" in page.text
    assert "v2" in page.text and "change" in page.text and "test-registrar" not in page.text
    assert "https://" not in _script_sources(page.text)


def test_cli_check(tmp_path: Path, engine: Any, db: Session) -> None:
    zone = touching_pair(db, 0)[0][:9]
    out = tmp_path / "q.json"
    result = CliRunner().invoke(cadastre_cli, ["check", "--zone", zone, "-o", str(out)])
    assert result.exit_code in (0, 2), result.output
    report = json.loads(out.read_text())
    assert report["zone"] == zone and report["parcels_checked"] > 0
    assert result.exit_code == (2 if sum(report["counts"].values()) else 0)


def _script_sources(html: str) -> str:
    return " ".join(re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html))


def test_parallel_report_equals_serial_on_committed_defects(committed: Engine) -> None:
    with Session(committed) as s:
        saved = s.execute(text(SAVE_SQL), {"c": list(touching_pair(s, 40))}).all()
        made = _damage(s)
        s.commit()
    try:
        _compare(committed, made)
    finally:
        with Session(committed) as s:
            for row in saved:
                s.execute(text(RESTORE_SQL), {"id": row.id, "g": row.g})
            s.commit()


SAVE_SQL = "SELECT id, encode(ST_AsEWKB(geom), 'hex') AS g FROM parcel WHERE unit_code = ANY(:c)"
RESTORE_SQL = "UPDATE parcel SET geom = CAST(:g AS geometry) WHERE id = :id"


def _compare(committed: Engine, made: dict[str, str]) -> None:
    parallel = quality.run_parallel(committed, None, workers=3).as_dict()
    with Session(committed) as s:
        serial = quality.run(s, None).as_dict()
    assert parallel["counts"] == serial["counts"]
    assert all(parallel["counts"][k] >= 1 for k in quality.KINDS)
    key = lambda f: str(f)  # noqa: E731
    for kind in quality.KINDS:
        assert sorted(parallel["findings"][kind], key=key) == sorted(
            serial["findings"][kind], key=key
        )
    assert [made["invalid"]] in [f["unit_codes"] for f in parallel["findings"]["invalid"]]


def test_quality_page_tells_nothing_checked_from_nothing_found(
    client: TestClient, db: Session
) -> None:
    zone = touching_pair(db, 0)[0][:9]
    clean = client.get("/maps/quality", params={"zone": zone}).text
    assert "未发现问题" in clean and "nothing found" in clean  # the demo register is clean
    db.execute(
        text(
            "UPDATE parcel SET end_lifespan = now() "
            "WHERE end_lifespan IS NULL AND subzone_code LIKE :z"
        ),
        {"z": f"{zone}%"},
    )
    empty = client.get("/maps/quality", params={"zone": zone}).text
    assert "没有现行宗地" in empty and "nothing was checked" in empty
    assert "未发现问题" not in empty
