"""Row checks of a bulk parcel import that need no database: geometry, unit code, land use.

Each check returns the reason a row is refused (None when it passes); the SQL checks
(overlaps, codes already registered) run afterwards on the staging table.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from shapely.validation import explain_validity

from cadastre.unit_code import parse_unit_code
from gis import landuse
from gis.errors import InvalidInput

DEFAULT_MAPPING: dict[str, tuple[str, ...]] = {
    "unit_code": ("unit_code", "bdcdyh", "不动产单元代码", "不动产单元号", "unitcode"),
    "land_use": ("land_use", "dlbm", "地类编码", "landuse", "land_use_c"),
    "block_code": ("block_code", "jfh", "街坊号", "block", "block_code"),
}


def resolve_mapping(columns: list[str], mapping: dict[str, str] | None) -> dict[str, str]:
    """Target field -> source column, from the mapping file or by well-known names."""
    lower = {c.lower(): c for c in columns}
    out: dict[str, str] = {}
    for target, aliases in DEFAULT_MAPPING.items():
        wanted = (mapping or {}).get(target)
        if wanted is not None:
            if wanted not in columns:
                raise InvalidInput(
                    f"mapping names column {wanted!r} for {target}, but the file has "
                    f"{', '.join(columns)}",
                    field="mapping",
                )
            out[target] = wanted
            continue
        found = next((lower[a] for a in aliases if a in lower), None)
        if found is not None:
            out[target] = found
    for required in ("unit_code", "land_use"):
        if required not in out:
            raise InvalidInput(
                f"no column for {required}: name it in the mapping file (columns: "
                f"{', '.join(columns)})",
                field="mapping",
            )
    return out


def text_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def geometries_ok(geoms: np.ndarray) -> np.ndarray:
    """Vectorised: present, non-empty, valid Polygon or MultiPolygon (shapely type ids 3, 6)."""
    present = ~shapely.is_missing(geoms)
    ok = present.copy()
    ok[present] = (
        ~shapely.is_empty(geoms[present])
        & np.isin(shapely.get_type_id(geoms[present]), (3, 6))
        & shapely.is_valid(geoms[present])
    )
    return ok


def geometry_problem(geom: Any) -> str | None:
    if geom is None or shapely.is_empty(geom):
        return "no geometry"
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return f"geometry is a {geom.geom_type}, not a polygon"
    if not geom.is_valid:
        return f"invalid geometry: {explain_validity(geom)}"
    return None


def code_problem(code: str, seen: set[str], subzones: set[str]) -> str | None:
    """Why a unit code is refused: malformed, repeated in the file, unknown subzone, or a
    parcel sequence number (unique within a subzone, GB/T 37346) used twice."""
    try:
        parsed = parse_unit_code(code)
    except InvalidInput as exc:
        return exc.detail
    if code in seen:
        return f"duplicate unit code {code} in the file"
    if parsed.subzone_code not in subzones:
        return f"cadastral subzone {parsed.subzone_code} is not in the register"
    if parcel_number(code) in seen:
        return f"parcel number {parsed.seq:05d} is used twice in subzone {parsed.subzone_code}"
    return None


def parcel_number(code: str) -> str:
    """Subzone and parcel sequence of a well-formed unit code (unique in the register)."""
    return f"{code[:12]}#{code[14:19]}"


def land_use_problem(code: str) -> str | None:
    return None if landuse.is_valid(code) else f"unknown land-use class {code!r} (GB/T 21010)"


def as_multipolygons(geoms: np.ndarray) -> np.ndarray:
    """Polygons become one-part MultiPolygons (the parcel column type)."""
    out = np.asarray(geoms, dtype=object).copy()
    single = np.flatnonzero(shapely.get_type_id(out) == 3)
    if len(single):
        out[single] = shapely.multipolygons(out[single], indices=np.arange(len(single)))
    return out
