"""The staging table of a bulk import and the SQL checks run on it. Never commits.

The table is TEMPORARY ... ON COMMIT DROP: it lives only in the import's transaction.
The checks against the register (codes, overlaps) run here, driven by the register's
indexes; overlaps within the file are found in memory (:mod:`overlaps`), which is
several times faster than a self-join here (the server's GEOS is older). ``ST_Relate``
with ``T********`` (interiors meet) means neighbours sharing an edge cost no intersection.
"""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.exchange.chunks import PARCEL_COLUMNS
from gis.settings import get_settings

TABLE = "parcel_import_stage"
COLUMNS = ["row_no", *PARCEL_COLUMNS]


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


def analyze(session: Session) -> None:
    session.execute(text(f"ANALYZE {TABLE}"))


def code_rejects(
    session: Session, seconds: dict[str, float], published: int = 0
) -> list[tuple[int, str, str]]:
    """Rows whose unit code or parcel number is already registered. Rows up to ``published``
    are this import's own, in the register already (they went in without a code conflict);
    no two rows of a file share a code or number, so they never match another row."""
    started = time.perf_counter()
    out: list[tuple[int, str, str]] = []
    registered = session.execute(
        text(
            f"SELECT s.row_no, s.unit_code FROM {TABLE} s JOIN parcel p "
            "ON p.unit_code = s.unit_code AND p.end_lifespan IS NULL WHERE s.row_no > :published"
        ),
        {"published": published},
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
    _add(seconds, "codes_sql", started)
    return out


def overlap_rejects(
    session: Session, seconds: dict[str, float], after: int = 0, published: int = 0
) -> list[tuple[int, str, str]]:
    """Rows after row ``after`` that overlap a registered parcel. Rows up to ``published`` are
    this import's own: meeting them is an overlap within the file, found in memory."""
    started = time.perf_counter()
    tol = float(get_settings().overlap_tolerance_m2)
    outer = session.execute(
        text(
            f"SELECT s.row_no, s.unit_code, p.unit_code FROM {TABLE} s JOIN parcel p "
            "ON p.end_lifespan IS NULL AND p.geom && s.geom "
            "AND ST_Relate(p.geom, s.geom, 'T********') "
            "AND ST_Area(ST_Transform(ST_Intersection(p.geom, s.geom), 4547)) > :tol "
            f"WHERE s.row_no > :after AND NOT EXISTS (SELECT 1 FROM {TABLE} o "
            "WHERE o.row_no <= :published AND o.unit_code = p.unit_code)"
        ),
        {"after": after, "tol": tol, "published": published},
    )
    out = [(r, c, f"overlaps registered parcel {pc}") for r, c, pc in outer]
    _add(seconds, "overlaps_register", started)
    return out


def _add(seconds: dict[str, float], phase: str, started: float) -> None:
    seconds[phase] = round(seconds.get(phase, 0.0) + time.perf_counter() - started, 2)


def drop_rows(session: Session, rows: list[int]) -> None:
    session.execute(text(f"DELETE FROM {TABLE} WHERE row_no = ANY(:rows)"), {"rows": rows})


def publish(session: Session, after: int = 0, skip_taken: bool = False) -> int:
    """Insert the staged rows after row ``after`` into the register as first versions;
    returns the count. ``skip_taken``: rows whose unit code is registered are left out
    (the caller compares the count) instead of failing on the unique index."""
    result = session.execute(
        text(
            "INSERT INTO parcel (version, unit_code, parcel_code, subzone_code, block_code, "
            "land_use, area_m2, reg_status, ref_point, geom) "
            "SELECT 1, unit_code, parcel_code, subzone_code, block_code, land_use, area_m2, "
            f"'registered', ref_point, geom FROM {TABLE} WHERE row_no > :after ORDER BY row_no"
            + (
                # the current-code index of the zone-partitioned register (migration 0050)
                " ON CONFLICT (unit_code, subzone_code) WHERE end_lifespan IS NULL DO NOTHING"
                if skip_taken
                else ""
            )
        ),
        {"after": after},
    )
    return int(getattr(result, "rowcount", 0) or 0)
