"""The register checks of a bulk load, run on ``parcel`` itself. Never commits.

In a bulk load the file's rows are COPYed straight into ``parcel`` (its secondary
indexes suspended, :func:`gis.bulk.suspend_upkeep`); rows with ``id`` above the
watermark are the file's, the others the register as it was. Codes are checked by hash
joins before the unique indexes are rebuilt, overlaps after (driven by the GiST index
from the register's parcels into the new ones).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.settings import get_settings

Reject = tuple[int, str, str]
RowOf = Callable[[str], int]  # unit code of a file row -> its row number


def watermark(session: Session) -> int:
    return int(session.execute(text("SELECT coalesce(max(id), 0) FROM parcel")).scalar_one())


def code_rejects(
    session: Session, mark: int, row_of: RowOf, seconds: dict[str, float]
) -> list[Reject]:
    """New rows whose unit code, or parcel number in its subzone, is registered already."""
    started = time.perf_counter()
    params = {"mark": mark}
    out: list[Reject] = []
    for code in session.execute(
        text(
            "SELECT n.unit_code FROM parcel n JOIN parcel o ON o.unit_code = n.unit_code "
            "AND o.end_lifespan IS NULL AND o.id <= :mark WHERE n.id > :mark"
        ),
        params,
    ).scalars():
        out.append((row_of(code), code, f"unit code {code} is already registered"))
    for code, taken in session.execute(
        text(
            "SELECT n.unit_code, o.unit_code FROM parcel n JOIN parcel o "
            "ON o.subzone_code = n.subzone_code AND o.end_lifespan IS NULL AND o.id <= :mark "
            "AND substr(o.parcel_code, 15, 5) = substr(n.parcel_code, 15, 5) "
            "AND o.unit_code <> n.unit_code WHERE n.id > :mark"
        ),
        params,
    ):
        out.append(
            (
                row_of(code),
                code,
                f"parcel number {code[14:19]} of subzone {code[:12]} is registered as {taken}",
            )
        )
    seconds["codes_sql"] = round(time.perf_counter() - started, 2)
    return out


def overlap_rejects(
    session: Session, mark: int, row_of: RowOf, seconds: dict[str, float]
) -> list[Reject]:
    """New rows overlapping a registered parcel by more than the tolerance (needs the GiST
    index: run it after the indexes are rebuilt)."""
    started = time.perf_counter()
    rows = session.execute(
        text(
            "SELECT n.unit_code, o.unit_code FROM parcel o JOIN parcel n "
            "ON n.id > :mark AND n.geom && o.geom AND ST_Relate(o.geom, n.geom, 'T********') "
            "AND ST_Area(ST_Transform(ST_Intersection(o.geom, n.geom), 4547)) > :tol "
            "WHERE o.id <= :mark AND o.end_lifespan IS NULL"
        ),
        {"mark": mark, "tol": float(get_settings().overlap_tolerance_m2)},
    )
    out = [(row_of(c), c, f"overlaps registered parcel {pc}") for c, pc in rows]
    seconds["overlaps_register"] = round(time.perf_counter() - started, 2)
    return out


def drop_new(session: Session, mark: int, codes: list[str]) -> int:
    """Remove new rows by unit code (valid-only mode); returns how many went."""
    if not codes:
        return 0
    result = session.execute(
        text("DELETE FROM parcel WHERE id > :mark AND unit_code = ANY(:codes)"),
        {"mark": mark, "codes": codes},
    )
    return int(getattr(result, "rowcount", 0) or 0)
