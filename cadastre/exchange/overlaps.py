"""Overlaps between the parcels of one import file, found in memory with GEOS.

An STRtree gives the pairs whose bounding boxes meet; most of them are neighbours proved
apart by arithmetic (:mod:`separation`: a line through an edge separates them); for the
others ``relate`` with ``T********`` (the interiors meet) keeps the pairs that truly
overlap, so neighbours that only share an edge cost no intersection; only those pairs get
an intersection area, in EPSG:4547 square metres, compared with the tolerance. The GEOS
bundled with shapely (RelateNG, 3.13+) does this about five times faster than the
server's ``ST_Relate`` self-join on the staging table, and in two threads (shapely
releases the GIL) about ten times. The geometries are not prepared: a parcel meets three
or four others, too few to repay preparing it (the prepared relate cost 25% more CPU on
the 1M-parcel bench file, GEOS 3.14).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

from cadastre.exchange.separation import Outlines
from gis.geo import AREA_SRID, STORAGE_SRID, reproject

THREADS = 2
ROWS_PER_STRIP = 100_000  # geometries parsed at once by overlapping_pairs_in_strips
PAIRS_SLICE = 10_000  # left geometries whose pairs one thread takes at a time
INTERIORS_MEET = "T********"


def areas_m2(geoms: np.ndarray) -> np.ndarray:
    """Areas (EPSG:4547 m²) of EPSG:4490 geometries."""
    return np.asarray(shapely.area(reproject(geoms, STORAGE_SRID, AREA_SRID)))


def overlapping_pairs(
    geoms: np.ndarray, tol_m2: float, threads: int = THREADS
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of EPSG:4490 polygons whose common interior exceeds ``tol_m2`` m²."""
    if len(geoms) < 2:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms)
    keep = a < b
    a, b = a[keep], b[keep]
    unsettled = ~Outlines(geoms, tol_m2).apart(a, b)  # most neighbours: plain arithmetic
    a, b = a[unsettled], b[unsettled]
    hit = _relate_in_threads(geoms, a, b, threads)
    a, b = a[hit], b[hit]
    if len(a) == 0:
        return a, b
    big = areas_m2(shapely.intersection(geoms[a], geoms[b])) > tol_m2
    return a[big], b[big]


def overlapping_pairs_in_strips(
    wkb: np.ndarray,
    bounds: np.ndarray,
    tol_m2: float,
    rows: int | None = None,
    threads: int = THREADS,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`overlapping_pairs` of polygons kept as WKB, with their bounds (n, 4), in
    bounded memory: the plane is cut into vertical strips of about ``rows`` bounding
    boxes, and only the polygons whose boxes meet the strips in work (one per thread) are
    parsed at a time.

    A pair is reported by the strip holding the west edge of the two boxes' intersection
    (both boxes reach into it), so once, and every overlapping pair is found.
    """
    n = len(wkb)
    rows = rows or ROWS_PER_STRIP
    if n < 2:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    west, east = bounds[:, 0], bounds[:, 2]
    edges = np.unique(np.quantile(west, np.linspace(0.0, 1.0, -(-n // rows) + 1)))
    edges[-1] = np.inf

    def strip(x0: float, x1: float) -> tuple[np.ndarray, np.ndarray]:
        members = np.flatnonzero((east >= x0) & (west < x1))
        a, b = overlapping_pairs(shapely.from_wkb(wkb[members]), tol_m2, threads=1)
        a, b = members[a], members[b]
        left = np.maximum(west[a], west[b])
        mine = (left >= x0) & (left < x1)
        return a[mine], b[mine]

    # strips side by side on ``threads`` threads (shapely releases the GIL), one strip each
    with ThreadPoolExecutor(threads) as pool:
        found = list(pool.map(strip, edges[:-1], edges[1:]))
    return np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])


def _relate_in_threads(
    geoms: np.ndarray, a: np.ndarray, b: np.ndarray, threads: int = THREADS
) -> np.ndarray:
    """``relate(geoms[a], geoms[b]) ~ T********`` per pair; ``a`` ascending (STRtree order),
    the pairs shared among the threads by slices of their left geometries."""
    starts = range(0, len(geoms), PAIRS_SLICE)

    def work(lo: int) -> np.ndarray:
        first, last = np.searchsorted(a, [lo, lo + PAIRS_SLICE])
        left, right = geoms[a[first:last]], geoms[b[first:last]]
        return np.asarray(shapely.relate_pattern(left, right, INTERIORS_MEET))

    if threads == 1:
        return np.concatenate([np.empty(0, dtype=bool), *map(work, starts)])
    with ThreadPoolExecutor(threads) as pool:
        return np.concatenate([np.empty(0, dtype=bool), *pool.map(work, starts)])
