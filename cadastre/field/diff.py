"""Field changes of an upload against the rows checked out (pure; no database).

Each layer's rows are matched to the checkout by key (``unit_code``, ``point_key``,
``patch_id``; a row without one is new and keyed ``new/<fid>``). Parcels and their
boundary points fold into one :class:`UnitEdit` per parcel (the boundary is rebuilt
from the points, holes kept); patches give :class:`PatchEdit`; observations are new rows.
Every row change has a digest, so a change seen before is recognised.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import shapely

Snapshot = dict[str, dict[str, Any]]  # key -> {"version", "values", "geom" (hex WKB)}
EDITABLE = {
    "parcels": ("land_use",),
    "boundary_points": ("accuracy_class", "precision_m"),
    "change_patches": ("status", "note", "photo"),
    "observations": ("patch_id", "unit_code", "note", "photo", "photo_data", "taken_at"),
}
KEYS = {"parcels": "unit_code", "boundary_points": "point_key", "change_patches": "patch_id"}


def wkb_hex(geom: shapely.Geometry | None) -> str | None:
    """A geometry as hex WKB at 1e-9 degree precision (about 0.1 mm), None for none."""
    if geom is None:
        return None
    return str(shapely.to_wkb(shapely.set_precision(geom, 1e-9), hex=True))


def same_shape(a: shapely.Geometry | None, b: shapely.Geometry | None) -> bool:
    """Whether two geometries (EPSG:4490) are the same shape within 1e-8 degrees (about
    1 mm), whatever their vertex order or ring orientation."""
    if a is None or b is None:
        return a is None and b is None
    return bool(shapely.hausdorff_distance(a, b) < 1e-8)


def from_hex(value: str | None) -> shapely.Geometry | None:
    return shapely.from_wkb(value) if value else None


def _norm(value: Any) -> Any:
    """A value as kept in a snapshot: whole floats as ints, None as "", a BLOB (a photo
    stored in the GeoPackage) as its SHA-256, so snapshots and digests stay small."""
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest() if len(value) else ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return "" if value is None else value


def entry(row: dict[str, Any], layer: str, version: str) -> dict[str, Any]:
    """The snapshot entry of a row as it is now (after a sync applied or kept it)."""
    values = {k: _norm(row.get(k)) for k in EDITABLE[layer]}
    return {"version": version, "values": values, "geom": wkb_hex(row.get("geom"))}


def digest(layer: str, key: str, row: dict[str, Any] | None) -> str:
    body = None if row is None else entry(row, layer, "")
    raw = json.dumps([layer, key, body], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class RowChange:
    layer: str
    key: str
    kind: str  # changed | added | deleted
    digest: str
    row: dict[str, Any] | None  # the uploaded row (None when deleted)
    base: dict[str, Any] | None  # the snapshot entry (None when added)


def changes(layer: str, snapshot: Snapshot, uploaded: list[dict[str, Any]]) -> list[RowChange]:
    """Rows added, changed (attributes or geometry) or deleted since checkout."""
    out: list[RowChange] = []
    seen: set[str] = set()
    key_col = KEYS.get(layer)
    for row in uploaded:
        raw = row.get(key_col) if key_col else None
        key = str(_norm(raw)) if raw not in (None, "") else f"new/{row['fid']}"
        if key in seen:  # a duplicated key (a copied row): treat as new
            key = f"new/{row['fid']}"
        seen.add(key)
        base = snapshot.get(key)
        if base is None:
            out.append(RowChange(layer, key, "added", digest(layer, key, row), row, None))
        elif _differs(entry(row, layer, ""), base):
            out.append(RowChange(layer, key, "changed", digest(layer, key, row), row, base))
    for key, base in snapshot.items():
        if key not in seen and not key.startswith("new/"):
            out.append(RowChange(layer, key, "deleted", digest(layer, key, None), None, base))
    return out


def _differs(now: dict[str, Any], base: dict[str, Any]) -> bool:
    if now["values"] != base["values"]:
        return True
    a, b = from_hex(now["geom"]), from_hex(base["geom"])
    if a is None or b is None:
        return (a is None) != (b is None)
    return not same_shape(a, b)


@dataclass
class UnitEdit:
    """Everything the field did to one parcel: land use, boundary (from its points or its
    polygon), deletion; with the row changes it is made of."""

    unit_code: str
    base_version: str
    rows: list[RowChange] = field(default_factory=list)
    land_use: str | None = None
    geometry: shapely.Geometry | None = None
    points: list[dict[str, Any]] = field(default_factory=list)  # name, lon, lat, class, prec
    deleted: bool = False
    note: str = ""


def unit_edits(
    parcels: list[RowChange],
    points: list[RowChange],
    point_rows: list[dict[str, Any]],
    snapshot: dict[str, Snapshot],
) -> tuple[list[UnitEdit], list[tuple[RowChange, str, str]]]:
    """Group parcel and point changes by parcel; also rows refused outright (zh, en)."""
    edits: dict[str, UnitEdit] = {}
    refused: list[tuple[RowChange, str, str]] = []
    base_parcels = snapshot.get("parcels", {})

    def unit(code: str) -> UnitEdit:
        if code not in edits:
            edits[code] = UnitEdit(code, base_parcels[code]["version"])
        return edits[code]

    for ch in parcels:
        if ch.kind == "added":
            refused.append(
                (
                    ch,
                    "新宗地须经测量和首次登记，不能在外业包中新增",
                    "a new parcel needs a survey and a first registration, "
                    "not a row added in a field package",
                )
            )
            continue
        e = unit(ch.key)
        e.rows.append(ch)
        if ch.kind == "deleted":
            e.deleted = True
            continue
        assert ch.row is not None and ch.base is not None
        if _norm(ch.row.get("land_use")) != ch.base["values"]["land_use"]:
            e.land_use = str(ch.row.get("land_use") or "")
        geom = ch.row.get("geom")
        if geom is not None and not same_shape(geom, from_hex(ch.base["geom"])):
            e.geometry = geom
    by_unit: dict[str, list[RowChange]] = {}
    for ch in points:
        code = (ch.row or {}).get("unit_code") or (ch.key.split("/")[0] if ch.base else None)
        if not code or code not in base_parcels:
            refused.append(
                (
                    ch,
                    "界址点须填写所属宗地的单元号",
                    "a boundary point must name its parcel's unit code",
                )
            )
            continue
        by_unit.setdefault(str(code), []).append(ch)
    for code, chs in by_unit.items():
        e = unit(code)
        e.rows += chs
        try:
            e.geometry, e.points = ring_from_points(code, point_rows, base_parcels[code])
        except ValueError as exc:
            zh, en = str(exc).split("|")
            for ch in chs:
                refused.append((ch, zh, en))
            e.rows = [r for r in e.rows if r not in chs]
    return [e for e in edits.values() if e.rows], refused


def ring_from_points(
    code: str, point_rows: list[dict[str, Any]], base: dict[str, Any]
) -> tuple[shapely.Geometry, list[dict[str, Any]]]:
    """The parcel's boundary rebuilt from its uploaded points: kept points in their order,
    added ones inserted at the nearest side; holes of the checked-out shape kept."""
    old = from_hex(base["geom"])
    parts = list(shapely.get_parts(old))
    mine = [r for r in point_rows if r.get("unit_code") == code and r.get("geom") is not None]
    polys, named = [], []
    for i, poly in enumerate(parts):
        kept = sorted(
            (r for r in mine if r.get("part") == i and r.get("seq") is not None),
            key=lambda r: r["seq"],
        )
        ring = [(r["geom"].x, r["geom"].y) for r in kept]
        order = list(kept)
        for r in mine:
            if r.get("seq") is None and (r.get("part") in (None, i)) and len(parts) == 1:
                at = _nearest_side(ring, (r["geom"].x, r["geom"].y))
                ring.insert(at, (r["geom"].x, r["geom"].y))
                order.insert(at, r)
        if len(ring) < 3:
            raise ValueError("宗地边界少于 3 个界址点|fewer than 3 boundary points remain")
        polys.append(shapely.Polygon(ring, [h.coords for h in poly.interiors]))
        named += [
            {
                "name": r.get("point_no") or f"N{r['fid']}",
                "lon": r["geom"].x,
                "lat": r["geom"].y,
                "class": r.get("accuracy_class"),
                "precision": r.get("precision_m"),
            }
            for r in order
        ]
    return shapely.MultiPolygon(polys), named


def _nearest_side(ring: list[tuple[float, float]], xy: tuple[float, float]) -> int:
    """Where to insert a new vertex: after the start of the ring side nearest to it."""
    if len(ring) < 2:
        return len(ring)
    p = shapely.Point(xy)
    sides = [shapely.LineString([ring[i], ring[(i + 1) % len(ring)]]) for i in range(len(ring))]
    best = min(range(len(sides)), key=lambda i: sides[i].distance(p))
    return best + 1
