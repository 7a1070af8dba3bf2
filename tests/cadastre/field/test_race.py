"""Two check-ins of the same package racing on the real server (``landgis serve``): the
package row is locked and the ledger remembers every change, so each field change is
applied exactly once, never twice, over many trials."""

from __future__ import annotations

import io
import threading
import time
import uuid
import zipfile
from pathlib import Path

import httpx
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis import landuse
from gis.auth.service import add_user, issue_token
from tests.cadastre.field.qfield import edit

TRIALS = 15
RACE_TRIALS = 12  # check-in against a registrar edit
CODES = sorted(landuse.SECOND_LEVEL)  # a fresh land use for each side of each trial


def _cleanup(engine: Engine, user: str) -> None:
    with Session(engine) as session:
        ids = "(SELECT id FROM field_package WHERE owner = :u)"
        for table in ("field_change", "field_conflict", "field_observation", "field_sync"):
            session.execute(text(f"DELETE FROM {table} WHERE package_id IN {ids}"), {"u": user})
        session.execute(text("DELETE FROM field_package WHERE owner = :u"), {"u": user})
        session.execute(text("DELETE FROM job WHERE owner = :u"), {"u": user})
        session.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": user})
        session.commit()


def _checkout(base: str, headers: dict[str, str], code: str, folder: Path) -> tuple[str, Path]:
    r = httpx.post(f"{base}/api/v1/field/packages", json={"unit_codes": [code]},
                   headers=headers, timeout=30)  # fmt: skip
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    for _ in range(200):
        job = httpx.get(f"{base}/api/v1/field/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "done", job
    z = httpx.get(f"{base}/api/v1/field/jobs/{job_id}/file", headers=headers, timeout=30)
    with zipfile.ZipFile(io.BytesIO(z.content)) as archive:
        archive.extractall(folder)
    return job["result"]["package_id"], folder / job["result"]["gpkg"]


def test_racing_check_ins_apply_each_change_once(
    live_server: str, engine: Engine, tmp_path: Path
) -> None:
    user = f"race-{uuid.uuid4().hex[:8]}"
    with Session(engine) as session:
        token = issue_token(add_user(session, user, "correct horse battery", "surveyor"))
        code, x, y = session.execute(text(
            "SELECT unit_code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
            "FROM parcel WHERE end_lifespan IS NULL ORDER BY unit_code LIMIT 1"
        )).one()  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    try:
        package_id, gpkg = _checkout(live_server, headers, code, tmp_path)
        url = f"{live_server}/api/v1/field/packages/{package_id}/sync"
        applied_total = 0
        for trial in range(TRIALS):
            edit(gpkg, [{"op": "add", "layer": "observations", "wkt": f"POINT ({x} {y})",
                         "values": {"unit_code": code, "note": f"trial {trial}"}}])  # fmt: skip
            data = gpkg.read_bytes()
            start = threading.Barrier(2)
            results: list[httpx.Response] = []

            def post(
                data: bytes = data,
                start: threading.Barrier = start,
                results: list[httpx.Response] = results,
            ) -> None:
                start.wait()
                files = {"file": ("p.gpkg", data, "application/octet-stream")}
                results.append(httpx.post(url, files=files, headers=headers, timeout=60))

            threads = [threading.Thread(target=post) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert [r.status_code for r in results] == [200, 200], [r.text for r in results]
            applied = sorted(len(r.json()["applied"]) for r in results)
            assert applied == [0, 1], [r.json() for r in results]  # once, by one of the two
            applied_total += 1
        with Session(engine) as session:
            notes = session.execute(text(
                "SELECT note FROM field_observation WHERE package_id = :p ORDER BY id"
            ), {"p": package_id}).scalars().all()  # fmt: skip
        assert notes == [f"trial {t}" for t in range(TRIALS)] and applied_total == TRIALS
    finally:
        _cleanup(engine, user)


def test_check_in_racing_a_registrar_edit_never_loses_either(
    live_server: str, engine: Engine, tmp_path: Path
) -> None:
    """Per trial a field land-use change is checked in while a registrar PATCHes the same
    parcel: exactly one of them is applied, the other is a conflict (field) or a 412
    (registrar); the register holds the winner's value and one new version."""
    from tests.cadastre.registry.helpers import revert_parcels, untouched_unit

    user, clerk = f"race-{uuid.uuid4().hex[:8]}", f"race-reg-{uuid.uuid4().hex[:8]}"
    with Session(engine) as session:
        field = {
            "Authorization": "Bearer "
            + issue_token(add_user(session, user, "correct horse battery", "surveyor"))
        }
        registrar = {
            "Authorization": "Bearer "
            + issue_token(add_user(session, clerk, "correct horse battery", "registrar"))
        }
        code = untouched_unit(session, 11)
        first = session.execute(text("SELECT land_use FROM parcel WHERE unit_code = :c"),
                                {"c": code}).scalar_one()  # fmt: skip
    codes = [c for c in CODES if c != first]  # every value a change from the last
    base = live_server
    try:
        package_id, gpkg = _checkout(base, field, code, tmp_path)
        for trial in range(RACE_TRIALS):
            etag = httpx.get(f"{base}/api/v1/parcels/{code}").headers["ETag"]
            mine, theirs = codes[2 * trial], codes[2 * trial + 1]
            edit(gpkg, [{"op": "set", "layer": "parcels", "where": f"unit_code = '{code}'",
                         "values": {"land_use": mine}}])  # fmt: skip
            data = gpkg.read_bytes()
            start = threading.Barrier(2)
            out: dict[str, httpx.Response] = {}

            def check_in(start: threading.Barrier = start, data: bytes = data,
                         out: dict[str, httpx.Response] = out) -> None:  # fmt: skip
                start.wait()
                out["sync"] = httpx.post(
                    f"{base}/api/v1/field/packages/{package_id}/sync",
                    headers=field,
                    files={"file": ("p.gpkg", data, "application/octet-stream")},
                    timeout=60,
                )

            def patch(start: threading.Barrier = start, etag: str = etag, theirs: str = theirs,
                      out: dict[str, httpx.Response] = out) -> None:  # fmt: skip
                start.wait()
                out["patch"] = httpx.patch(
                    f"{base}/api/v1/parcels/{code}",
                    json={"land_use": theirs},
                    headers={**registrar, "If-Match": etag},
                    timeout=60,
                )

            threads = [threading.Thread(target=check_in), threading.Thread(target=patch)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            report = out["sync"].json()
            field_won = [o["key"] for o in report["applied"]] == [code]
            kept = [c["conflict_id"] for c in report["conflicts"]]
            now = httpx.get(f"{base}/api/v1/parcels/{code}").json()["properties"]
            if field_won:
                assert out["patch"].status_code == 412 and not kept, (
                    trial,
                    etag,
                    report,
                    out["patch"].headers.get("ETag"),
                    out["patch"].text[-300:],
                )
                assert now["land_use"]["code"] == mine
            else:
                assert out["patch"].status_code == 200 and len(kept) == 1, (trial, report)
                assert now["land_use"]["code"] == theirs
                r = httpx.post(
                    f"{base}/api/v1/field/conflicts/{kept[0]}/resolve",
                    json={"take": "theirs"},
                    headers=registrar,
                )
                assert r.status_code == 200, r.text
        with Session(engine) as session:
            versions = session.execute(
                text("SELECT count(*) FROM parcel WHERE unit_code = :c"), {"c": code}
            ).scalar_one()
        assert versions == 1 + RACE_TRIALS  # one new version per trial, never two
    finally:
        with Session(engine) as session:
            revert_parcels(session, [code])
            session.execute(text("DELETE FROM job WHERE owner = :u"), {"u": clerk})
            session.commit()
        _cleanup(engine, user)
        _cleanup(engine, clerk)
