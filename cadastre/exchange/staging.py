"""The staging table of a bulk import and the SQL checks run on it. Never commits.

The table is TEMPORARY ... ON COMMIT DROP: it lives only in the import's transaction.
Overlap joins use ``a.row_no + 0 < b.row_no + 0`` so the planner drives them from the
GiST index (a plain ``a.row_no < b.row_no`` made PostgreSQL combine the index with a
key range scan, 20 times slower; see ../shared/docs/anchors.md), and ``ST_Relate``
with ``T********`` (interiors meet) so neighbours sharing an edge cost no intersection.
"""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.settings import get_settings

TABLE = "parcel_import_stage"
COLUMNS = [
    "row_no",
    "unit_code",
    "parcel_code",
    "subzone_code",
    "block_code",
    "land_use",
    "area_m2",
    "ref_point",
    "geom",
]


def create(session: Session) -> None:
    session.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
    session.execute(
        text(
            f"CREATE TEMP TABLE {TABLE} (row_no integer PRIMARY KEY, unit_code text NOT NULL, "
            "parcel_code text, subzone_code text, block_code text, land_use text, "
            "area_m2 numeric(14,2), ref_point geometry(Point,4490), "
            "geom geometry(MultiPolygon,4490)) ON COMMIT DROP"
        )
    )


def subzone_codes(session: Session) -> set[str]:
    return set(session.execute(text("SELECT code FROM cadastral_subzone")).scalars())


def sql_rejects(session: Session, seconds: dict[str, float]) -> list[tuple[int, str, str]]:
    """Rows whose unit code is already registered or that overlap another row or the register."""
    started = time.perf_counter()
    session.execute(text(f"CREATE INDEX ON {TABLE} USING gist (geom)"))
    session.execute(text(f"ANALYZE {TABLE}"))
    seconds["index"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    tol = float(get_settings().overlap_tolerance_m2)
    out: list[tuple[int, str, str]] = []
    registered = session.execute(
        text(
            f"SELECT s.row_no, s.unit_code FROM {TABLE} s JOIN parcel p "
            "ON p.unit_code = s.unit_code AND p.end_lifespan IS NULL"
        )
    )
    out += [(r, c, f"unit code {c} is already registered") for r, c in registered]
    numbered = session.execute(
        text(
            f"SELECT s.row_no, s.unit_code, p.unit_code FROM {TABLE} s JOIN parcel p "
            "ON p.subzone_code = s.subzone_code AND p.end_lifespan IS NULL "
            "AND substr(p.parcel_code, 15, 5) = substr(s.parcel_code, 15, 5) "
            "AND p.unit_code <> s.unit_code"
        )
    )
    out += [
        (r, c, f"parcel number {c[14:19]} of subzone {c[:12]} is registered as {pc}")
        for r, c, pc in numbered
    ]
    seconds["codes_sql"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    inner = session.execute(
        text(
            f"SELECT a.row_no, a.unit_code, b.row_no, b.unit_code FROM {TABLE} a JOIN {TABLE} b "
            "ON a.row_no + 0 < b.row_no + 0 AND a.geom && b.geom "
            "AND ST_Relate(a.geom, b.geom, 'T********') "
            "AND ST_Area(ST_Transform(ST_Intersection(a.geom, b.geom), 4547)) > :tol"
        ),
        {"tol": tol},
    )
    for ra, ca, rb, cb in inner:
        out.append((ra, ca, f"overlaps row {rb} ({cb}) of the file"))
        out.append((rb, cb, f"overlaps row {ra} ({ca}) of the file"))
    seconds["overlaps_in_file"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    outer = session.execute(
        text(
            f"SELECT s.row_no, s.unit_code, p.unit_code FROM {TABLE} s JOIN parcel p "
            "ON p.end_lifespan IS NULL AND p.geom && s.geom "
            "AND ST_Relate(p.geom, s.geom, 'T********') "
            "AND ST_Area(ST_Transform(ST_Intersection(p.geom, s.geom), 4547)) > :tol"
        ),
        {"tol": tol},
    )
    out += [(r, c, f"overlaps registered parcel {pc}") for r, c, pc in outer]
    seconds["overlaps_register"] = round(time.perf_counter() - started, 2)
    return out


def drop_rows(session: Session, rows: list[int]) -> None:
    session.execute(text(f"DELETE FROM {TABLE} WHERE row_no = ANY(:rows)"), {"rows": rows})


def publish(session: Session) -> int:
    """Insert the staged rows into the register as first versions; returns the count."""
    result = session.execute(
        text(
            "INSERT INTO parcel (version, unit_code, parcel_code, subzone_code, block_code, "
            "land_use, area_m2, reg_status, ref_point, geom) "
            "SELECT 1, unit_code, parcel_code, subzone_code, block_code, land_use, area_m2, "
            f"'registered', ref_point, geom FROM {TABLE} ORDER BY row_no"
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
