"""Fast bulk writes into PostGIS with COPY, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely
from sqlalchemy.orm import Session

from gis.geo import transformer


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY rows into ``table`` through the session's connection; returns the row count.

    Geometry values must be hex EWKB strings; ``None`` becomes NULL. Table and
    column names come from code, never from user input.
    """
    raw = session.connection().connection.driver_connection
    assert raw is not None, "the session has no open DBAPI connection"
    count = 0
    with (
        raw.cursor() as cur,
        cur.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # names from code only
        ) as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def ewkb_hex(geoms: np.ndarray, srid: int) -> np.ndarray:
    """Hex EWKB (with SRID) of an array of shapely geometries."""
    return shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True)


def reproject_rings(rings: Sequence[np.ndarray], src: int, dst: int) -> list[np.ndarray]:
    """Reproject many (k, 2) coordinate arrays with one vectorised call, x/y order."""
    if not rings:
        return []
    sizes = [len(r) for r in rings]
    stacked = np.concatenate(rings)
    x, y = transformer(src, dst).transform(stacked[:, 0], stacked[:, 1])
    out = np.column_stack([x, y])
    return np.split(out, np.cumsum(sizes)[:-1])


def polygons_from_rings(rings: Sequence[np.ndarray]) -> np.ndarray:
    """Shapely polygons from many closed (k, 2) rings of different lengths, vectorised."""
    sizes = np.array([len(r) for r in rings])
    indices = np.repeat(np.arange(len(rings)), sizes)
    return shapely.polygons(shapely.linearrings(np.concatenate(rings), indices=indices))
