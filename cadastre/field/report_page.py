"""The sync report as a page: tables of applied, conflicting and refused rows, and each
conflict drawn as SVG (field version, server version, checked-out outline and, once
merged by hand, the merged version)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shapely

from cadastre.field.models import FieldConflict
from gis.web.templating import render_template

TEMPLATES = Path(__file__).parent / "templates"
WIDTH, HEIGHT, PAD = 320, 240, 12


def _paths(geoms: list[dict[str, Any] | None]) -> list[str]:
    """SVG path data of GeoJSON geometries fitted together into the drawing (y up)."""
    shapes = [shapely.geometry.shape(g) if g else None for g in geoms]
    present = [s for s in shapes if s is not None]
    if not present:
        return ["" for _ in geoms]
    x0, y0, x1, y1 = shapely.GeometryCollection(present).bounds
    scale = min((WIDTH - 2 * PAD) / max(x1 - x0, 1e-12), (HEIGHT - 2 * PAD) / max(y1 - y0, 1e-12))

    def xy(x: float, y: float) -> str:
        return f"{PAD + (x - x0) * scale:.1f},{HEIGHT - PAD - (y - y0) * scale:.1f}"

    out = []
    for s in shapes:
        if s is None:
            out.append("")
            continue
        rings = [r for p in shapely.get_parts(s) for r in (p.exterior, *p.interiors)]
        out.append(" ".join("M" + " L".join(xy(x, y) for x, y in r.coords) + " Z" for r in rings))
    return out


def conflict_view(c: FieldConflict) -> dict[str, Any]:
    base = (c.mine.get("base") or {}).get("geometry")
    merged = (c.result or {}).get("merged") or {}
    mine_path, theirs_path, base_path, merged_path = _paths(
        [c.mine.get("geometry") or base, c.theirs.get("geometry"), base, merged.get("geometry")]
    )
    names = sorted({*c.mine.get("values", {}), *c.theirs.get("values", {})})
    return {
        "id": c.id,
        "layer": c.layer,
        "key": c.row_key,
        "status": c.status,
        "names": names,
        "mine": {n: c.mine.get("values", {}).get(n, "") for n in names},
        "theirs": {n: c.theirs.get("values", {}).get(n, "—") for n in names}
        if not c.theirs.get("retired")
        else {n: "已注销 retired" for n in names},
        "mine_path": mine_path,
        "theirs_path": theirs_path,
        "base": base_path,
        "merged_path": merged_path,
        "merged": {n: merged["values"].get(n, "") for n in names} if merged else None,
    }


def render(report: dict[str, Any], conflicts: list[FieldConflict]) -> str:
    return render_template(
        "sync_report.html",
        TEMPLATES,
        report=report,
        conflicts=[conflict_view(c) for c in conflicts],
    )
