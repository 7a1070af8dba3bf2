"""One chunk of a bulk import: its rows checked and encoded for COPY, with whole-array work.

The common case, a chunk where every row passes, runs as vectorised operations (shapely,
numpy, Arrow, set algebra) and never loops over rows in Python; a chunk with any doubtful
row is checked row by row with :mod:`validate`, which gives each refused row its reason.
Both ways give the same verdicts. Geometries the file already holds as
two-dimensional EPSG:4490 multipolygons are passed on as the file's own WKB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from cadastre.exchange.overlaps import areas_m2
from cadastre.exchange.validate import (
    as_multipolygons,
    code_problem,
    geometries_ok,
    geometry_problem,
    land_use_problem,
    parcel_number,
)
from gis import copy_binary, landuse
from gis.exchange.read import Batch
from gis.geo import AREA_SRID, STORAGE_SRID, transformer

# A unit code parse_unit_code accepts, as one expression (ASCII digits only).
WELL_FORMED = re.compile(
    r"\d{6}(?!000)\d{3}(?!000)\d{3}[GJZ][ABSXCDEFHGWY](?!00000)\d{5}(?:W0{8}|[FLQ](?!0{8})\d{8})\Z",
    re.ASCII,
)


def _not_all_zero(n: int) -> str:
    """``n`` ASCII digits, not all zero, without look-ahead (RE2, Arrow's regex engine)."""
    return "(?:" + "|".join(f"{'0' * k}[1-9][0-9]{{{n - k - 1}}}" for k in range(n)) + ")"


# The same as WELL_FORMED for Arrow's RE2 (no look-ahead), run over a whole column at once.
WELL_FORMED_RE2 = (
    f"^[0-9]{{6}}{_not_all_zero(3)}{_not_all_zero(3)}[GJZ][ABSXCDEFHGWY]{_not_all_zero(5)}"
    f"(?:W0{{8}}|[FLQ]{_not_all_zero(8)})$"
)
LAND_USES = frozenset(landuse.FIRST_LEVEL) | frozenset(landuse.SECOND_LEVEL)
PARCEL_COLUMNS = [
    "unit_code",
    "parcel_code",
    "subzone_code",
    "block_code",
    "land_use",
    "area_m2",
    "ref_point",
    "geom",
]

Reject = tuple[int, str, str]  # row number in the file, unit code, reason


@dataclass
class Checked:
    """The rows of a chunk that passed, ready for a binary COPY."""

    rows: np.ndarray  # row numbers in the file, from 1
    codes: list[str]
    uses: list[str]
    blocks: list[str | None] | None
    wkb: np.ndarray  # two-dimensional MultiPolygons, EPSG:4490, as WKB (compact to keep)
    bounds: np.ndarray  # (n, 4) bounding boxes
    areas: np.ndarray  # m², EPSG:4547
    ref_wkb: np.ndarray  # (n, 21) uint8: WKB of each reference point (point on surface)

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, positions: np.ndarray) -> Checked:
        """The rows at ``positions`` (ascending)."""
        pos = positions.tolist()
        return Checked(
            rows=self.rows[positions],
            codes=[self.codes[i] for i in pos],
            uses=[self.uses[i] for i in pos],
            blocks=None if self.blocks is None else [self.blocks[i] for i in pos],
            wkb=self.wkb[positions],
            bounds=self.bounds[positions],
            areas=self.areas[positions],
            ref_wkb=self.ref_wkb[positions],
        )

    def copy_rows(self, row_numbers: bool = False) -> bytes:
        """The rows in PostgreSQL's binary COPY format (:mod:`gis.copy_binary`) in the order
        of :data:`PARCEL_COLUMNS` (``row_no`` first with ``row_numbers``); a missing block
        code is NULL; the area rounded to the centiare as ``numeric(14,2)`` keeps it."""
        codes = pa.array(self.codes, pa.string())
        fields = [
            copy_binary.text_field(codes),
            copy_binary.text_field(pc.utf8_slice_codeunits(codes, 0, 19)),
            copy_binary.text_field(pc.utf8_slice_codeunits(codes, 0, 12)),
            copy_binary.text_field(pa.array(self.blocks or [None] * len(self), pa.string())),
            copy_binary.text_field(pa.array(self.uses, pa.string())),
            copy_binary.numeric_field(self.areas, 2),
            copy_binary.fixed_field(self.ref_wkb),
            copy_binary.text_field(pa.array(self.wkb, pa.binary())),
        ]
        if row_numbers:
            fields.insert(0, copy_binary.int4_field(self.rows))
        return copy_binary.rows(fields)


def point_wkb(points: np.ndarray) -> np.ndarray:
    """Little-endian 2D WKB of shapely points, as an (n, 21) uint8 array (what
    ``shapely.to_wkb`` writes, without an object per point)."""
    xy = shapely.get_coordinates(points).astype("<f8")
    out = np.empty((len(points), 21), np.uint8)
    out[:, 0] = 1
    out[:, 1:5] = np.frombuffer(np.array([1], "<u4").tobytes(), np.uint8)
    out[:, 5:] = xy.view(np.uint8).reshape(len(points), 16)
    return out


def texts(column: pa.Array | pa.ChunkedArray) -> list[str]:
    """A column as trimmed text, missing values as ''."""
    return trimmed(column).to_pylist()  # type: ignore[no-any-return]


def trimmed(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A column as trimmed Arrow text, missing values as ''."""
    as_text = column if pa.types.is_string(column.type) else pc.cast(column, pa.string())
    return pc.fill_null(pc.utf8_trim_whitespace(as_text), "")


@dataclass
class CodeFacts:
    """What the fast path needs to know of a chunk's unit codes, found by Arrow kernels
    over the whole column (on the preparing threads, not the one settling in file order)."""

    well_formed: bool  # every code matches WELL_FORMED
    numbers: list[str]  # parcel_number of each code (meaningful when well_formed)
    subzones: set[str]  # the subzone codes met

    @classmethod
    def of(cls, codes: pa.Array | pa.ChunkedArray) -> CodeFacts:
        subzone = pc.utf8_slice_codeunits(codes, 0, 12)
        number = pc.binary_join_element_wise(subzone, pc.utf8_slice_codeunits(codes, 14, 19), "#")
        return cls(
            well_formed=bool(pc.all(pc.match_substring_regex(codes, WELL_FORMED_RE2)).as_py()),
            numbers=number.to_pylist(),
            subzones=set(pc.unique(subzone).to_pylist()),
        )


@dataclass
class Prepared:
    """The order-free work on a chunk (run on several threads): texts, geometry checks, and
    the rows with a usable geometry encoded as if their codes pass."""

    offset: int
    codes: list[str]
    uses: list[str]
    geoms: np.ndarray
    geom_ok: np.ndarray
    encoded: Checked | None
    rows: bytes  # binary COPY rows of ``encoded`` when every row has a usable geometry
    facts: CodeFacts


def prepare(batch: Batch, cols: dict[str, str], offset: int, row_numbers: bool) -> Prepared:
    """Texts, geometry checks, areas, reference points and COPY rows of one chunk."""
    attrs = batch.attributes
    code_column = trimmed(attrs.column(cols["unit_code"]))
    codes = code_column.to_pylist()
    uses = texts(attrs.column(cols["land_use"]))
    blocks = (
        [b or None for b in texts(attrs.column(cols["block_code"]))]
        if "block_code" in cols
        else None
    )
    geom_ok = geometries_ok(batch.geoms)
    picked = np.flatnonzero(geom_ok)
    encoded = None
    if len(picked):
        every = len(picked) == len(codes)
        given = np.asarray(batch.geoms[picked], dtype=object)
        as_is = (  # the file's WKB is what the column takes: 2D MultiPolygons
            batch.wkb is not None
            and bool(np.all(shapely.get_type_id(given) == 6))
            and not bool(np.any(shapely.has_z(given)))
        )
        multi = as_multipolygons(given)
        wkb = batch.wkb[picked] if as_is and batch.wkb is not None else shapely.to_wkb(_flat(multi))
        areas = simple_areas_m2(multi, wkb)
        encoded = Checked(
            rows=picked + offset + 1,
            codes=codes if every else [codes[i] for i in picked],
            uses=uses if every else [uses[i] for i in picked],
            blocks=None if blocks is None else [blocks[i] for i in picked],
            wkb=wkb,
            bounds=shapely.bounds(multi),
            areas=areas if areas is not None else areas_m2(multi),
            ref_wkb=point_wkb(shapely.point_on_surface(multi)),
        )
    rows = encoded.copy_rows(row_numbers) if encoded is not None and geom_ok.all() else b""
    facts = CodeFacts.of(code_column)
    return Prepared(offset, codes, uses, batch.geoms, geom_ok, encoded, rows, facts)


def settle(
    prep: Prepared,
    seen: set[str],
    subzones: set[str],
    rejects: list[Reject],
    row_numbers: bool,
) -> tuple[Checked, bytes] | None:
    """The code checks of a prepared chunk, in file order: its passing rows and their COPY
    rows (None if none pass); rejects appended, passing codes and numbers added to ``seen``."""
    good = _all_pass(prep, seen, subzones)
    if good is not None and prep.encoded is not None:
        return prep.encoded, prep.rows
    good = _row_by_row(
        prep.codes, prep.uses, prep.geoms, prep.geom_ok, prep.offset, seen, subzones, rejects
    )
    if not good or prep.encoded is None:
        return None
    kept = prep.encoded.take(np.searchsorted(prep.encoded.rows, np.asarray(good) + prep.offset + 1))
    return kept, kept.copy_rows(row_numbers)


def _flat(geoms: np.ndarray) -> np.ndarray:
    """Two-dimensional geometries (the column has no Z)."""
    return shapely.force_2d(geoms) if bool(np.any(shapely.has_z(geoms))) else geoms


def _all_pass(prep: Prepared, seen: set[str], subzones: set[str]) -> list[int] | None:
    """All row indexes when every row passes (``seen`` then updated), else None."""
    codes = prep.codes
    if not prep.geom_ok.all() or not LAND_USES.issuperset(prep.uses):
        return None
    if not prep.facts.well_formed or not subzones.issuperset(prep.facts.subzones):
        return None
    numbers = set(prep.facts.numbers)
    unique = set(codes)
    if len(unique) < len(codes) or len(numbers) < len(codes):
        return None
    if not seen.isdisjoint(unique) or not seen.isdisjoint(numbers):
        return None
    seen.update(unique)
    seen.update(numbers)
    return list(range(len(codes)))


def _row_by_row(  # type: ignore[no-untyped-def]
    codes, uses, geoms, geom_ok, offset, seen, subzones, rejects
) -> list[int]:
    good: list[int] = []
    for i, (code, use) in enumerate(zip(codes, uses, strict=True)):
        reason = (
            (None if geom_ok[i] else geometry_problem(geoms[i]))
            or code_problem(code, seen, subzones)
            or land_use_problem(use)
        )
        if reason:
            rejects.append((offset + i + 1, code, reason))
        else:
            seen.update((code, parcel_number(code)))
            good.append(i)
    return good


def simple_areas_m2(geoms: np.ndarray, wkb: np.ndarray) -> np.ndarray | None:
    """Areas (EPSG:4547 m²) when every geometry is a one-part MultiPolygon without holes (as
    their little-endian 2D WKB headers say), else None.

    The coordinates of all rings are projected in one call and each ring's shoelace sum is
    taken about its first vertex (for precision), with no geometry built on the way.
    """
    if len(wkb) == 0:
        return np.zeros(0)
    sizes = np.fromiter(map(len, wkb), np.int64, len(wkb))
    if sizes.min() < 26:
        return None
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    raw = np.frombuffer(b"".join(wkb), np.uint8)

    def u32(at: int) -> np.ndarray:
        idx = starts[:, None] + at + np.arange(4)
        return raw[idx].view("<u4").ravel()

    header_ok = (
        (raw[starts] == 1) & (u32(1) == 6) & (u32(5) == 1)  # LE MultiPolygon, one part
        & (raw[starts + 9] == 1) & (u32(10) == 3) & (u32(14) == 1)  # LE Polygon, one ring
    )  # fmt: skip
    if not header_ok.all():
        return None
    coords = shapely.get_coordinates(geoms)
    counts = shapely.get_num_coordinates(geoms)
    owner = np.repeat(np.arange(len(geoms)), counts)
    first = np.repeat(np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    tr = transformer(STORAGE_SRID, AREA_SRID)
    x, y = (np.asarray(v) for v in tr.transform(coords[:, 0], coords[:, 1]))
    x = x - x[first]
    y = y - y[first]
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    same = owner[:-1] == owner[1:]
    return np.abs(np.bincount(owner[:-1][same], cross[same], len(geoms))) / 2
