"""Consistency of the register: the checks ``landgis cadastre check`` and the quality
report run besides the geometric ones.

- ``shares``: a unit whose current shares of an exclusive right (ownership, use right)
  add up to something other than 1 (the ``rrr_one_owner`` trigger forbids committing
  that; this finds what was written with the trigger off, or before it existed);
- ``retired_rights``: a right or restriction still in force on a unit whose parcel was
  retired (split, merged) or whose registration was cancelled;
- ``orphan_restriction``: a mortgage, seizure, objection or advance notice in force on
  a unit that has no current right;
- ``status``: a current parcel whose public status (the map's 已登记 / 未登记 / 已注销)
  contradicts the register (``register_status(unit_code)``, migration 0016).

Each finding names the unit codes (no holders); read-only, one query per kind.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

KINDS = {
    "shares": ("份额之和不为1", "shares of an exclusive right not adding up to 1"),
    "retired_rights": ("已灭失单元上的权利", "rights in force on a retired or cancelled unit"),
    "orphan_restriction": ("无权利的限制", "restriction without a right in force"),
    "status": ("登记状态与登记簿不符", "public status contradicting the register"),
}
# Where a check looks: the register or one 9-digit zone (``:zone``), or one subzone
# (``:sz``, the first 12 characters of a unit code; the range lets the unit-code index find
# its rows, the left() keeps the answer exact under any collation).
IN_ZONE = "(CAST(:zone AS text) IS NULL OR left({col}, 9) = :zone)"
IN_SUBZONE = "({col} >= :sz AND {col} < :sz_end AND left({col}, 12) = :sz)"
# Or a set of subzones (``:szs``), in one pass over the range of their codes (``:lo``, ``:hi``).
IN_SUBZONES = "({col} >= :lo AND {col} < :hi AND left({col}, 12) = ANY(CAST(:szs AS text[])))"
LIVE = "r.end_lifespan IS NULL AND (r.expires_at IS NULL OR r.expires_at > now())"

SHARES_SQL = """
SELECT r.unit_code, r.rrr_type, array_agg(r.share_num || '/' || r.share_den ORDER BY r.uid) AS s
FROM rrr r WHERE r.kind = 'right' AND r.end_lifespan IS NULL
  AND {unit}
GROUP BY r.unit_code, r.rrr_type
HAVING NOT (count(*) = 1 AND bool_and(coalesce(r.share_num = r.share_den, false)))  -- 1/1: fine
ORDER BY r.unit_code
"""
# A join, not NOT EXISTS: with 5M parcels the planner could not hash the subquery's unit
# codes and probed every zone's index once per right (3.3M x 400, hours); joined on the
# partition key too (the subzone is the unit code's first 12 characters), it is one pass.
RETIRED_SQL = f"""
SELECT r.unit_code, array_agg(DISTINCT r.rrr_type) AS types,
       bool_or(b.status = 'cancelled') AS cancelled
FROM rrr r LEFT JOIN baunit b ON b.unit_code = r.unit_code AND b.end_lifespan IS NULL
LEFT JOIN parcel p ON p.subzone_code = left(r.unit_code, 12) AND p.unit_code = r.unit_code
     AND p.end_lifespan IS NULL AND {{parcel}}  -- the scope's partitions only, when planned
WHERE {LIVE} AND {{unit}} AND (b.status = 'cancelled' OR p.unit_code IS NULL)
GROUP BY r.unit_code ORDER BY r.unit_code
"""
ORPHAN_SQL = f"""
SELECT r.unit_code, array_agg(DISTINCT r.rrr_type) AS types FROM rrr r
WHERE r.kind = 'restriction' AND {LIVE} AND {{unit}}
  AND NOT EXISTS (SELECT 1 FROM rrr o WHERE o.unit_code = r.unit_code AND o.kind = 'right'
                  AND o.end_lifespan IS NULL)
GROUP BY r.unit_code ORDER BY r.unit_code
"""
# register_status(unit_code) (migration 0016) written as two joins, so a register of a
# million parcels is compared in one pass instead of two index probes per parcel
STATUS_SQL = """
SELECT unit_code, reg_status, truth, ST_X(ref_point) AS x, ST_Y(ref_point) AS y FROM (
  SELECT p.unit_code, p.reg_status, p.ref_point,
         CASE WHEN c.unit_code IS NOT NULL THEN 'cancelled'
              WHEN r.unit_code IS NOT NULL THEN 'registered'
              ELSE 'unregistered' END AS truth
  FROM parcel p
  LEFT JOIN (SELECT DISTINCT unit_code FROM baunit
             WHERE end_lifespan IS NULL AND status = 'cancelled' AND {unit_b}) c
         ON c.unit_code = p.unit_code
  LEFT JOIN (SELECT DISTINCT unit_code FROM rrr
             WHERE kind = 'right' AND end_lifespan IS NULL AND {unit_b}) r
         ON r.unit_code = p.unit_code
  WHERE p.end_lifespan IS NULL AND {parcel}) s
WHERE CASE truth WHEN 'registered' THEN reg_status NOT IN ('registered', 'seized')
                 ELSE reg_status <> truth END
ORDER BY unit_code
"""


def _queries(scope: str) -> tuple[str, str, str, str]:
    """The four checks' SQL limited by ``scope`` (:data:`IN_ZONE` or :data:`IN_SUBZONE`)."""
    unit, unit_b = scope.format(col="r.unit_code"), scope.format(col="unit_code")
    parcel = scope.format(col="p.subzone_code")
    return (
        SHARES_SQL.format(unit=unit),
        RETIRED_SQL.format(unit=unit, parcel=parcel),
        ORPHAN_SQL.format(unit=unit),
        STATUS_SQL.format(unit_b=unit_b, parcel=parcel),
    )


BY_ZONE, BY_SUBZONE, BY_SUBZONES = _queries(IN_ZONE), _queries(IN_SUBZONE), _queries(IN_SUBZONES)


def _fraction_sum(shares: list[str]) -> tuple[int, int]:
    from fractions import Fraction

    total = sum((Fraction(s) for s in shares if s), Fraction(0))
    return total.numerator, total.denominator


def check(session: Session, zone: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Findings by kind over the register (or the units of one 9-digit zone)."""
    return _check(session, BY_ZONE, {"zone": zone})


def check_subzone(session: Session, subzone: str) -> dict[str, list[dict[str, Any]]]:
    """Findings by kind over the units of one subzone (12 characters): the quality state
    keeps them per subzone (:mod:`cadastre.parcels.quality_state`)."""
    return _check(session, BY_SUBZONE, {"sz": subzone, "sz_end": _after(subzone)})


def check_subzones(session: Session, subzones: list[str]) -> dict[str, dict[str, list[Any]]]:
    """:func:`check_subzone` of each of ``subzones``, in one pass over the range of their
    codes (four queries, not four per subzone: at 1M parcels the register side of every
    subzone took 61 s one by one and 3.3 s in one pass). Worth it when they are most of the
    subzones in that range."""
    lo, hi = min(subzones), _after(max(subzones))
    found = _check(session, BY_SUBZONES, {"lo": lo, "hi": hi, "szs": sorted(subzones)})
    out: dict[str, dict[str, list[Any]]] = {sz: {k: [] for k in KINDS} for sz in subzones}
    for kind, items in found.items():
        for f in items:  # each finding names one unit, of the subzone its code begins with
            out[f["unit_codes"][0][:12]][kind].append(f)
    return out


def _after(subzone: str) -> str:
    """The next prefix: every code beginning with ``subzone`` sorts below it."""
    return subzone[:-1] + chr(ord(subzone[-1]) + 1)


def _check(
    session: Session, queries: tuple[str, str, str, str], p: dict[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    shares_sql, retired_sql, orphan_sql, status_sql = queries
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    for r in session.execute(text(shares_sql), p):
        num, den = _fraction_sum(list(r.s))
        if num != den:
            out["shares"].append(
                {
                    "unit_codes": [r.unit_code],
                    "right": r.rrr_type,
                    "shares": list(r.s),
                    "total": f"{num}/{den}",
                    "location": None,
                }
            )
    for r in session.execute(text(retired_sql), p):
        out["retired_rights"].append(
            {
                "unit_codes": [r.unit_code],
                "types": sorted(r.types),
                "unit": "cancelled" if r.cancelled else "retired",
                "location": None,
            }
        )
    for r in session.execute(text(orphan_sql), p):
        out["orphan_restriction"].append(
            {"unit_codes": [r.unit_code], "types": sorted(r.types), "location": None}
        )
    for r in session.execute(text(status_sql), p):
        out["status"].append(
            {
                "unit_codes": [r.unit_code],
                "shown": r.reg_status,
                "register": r.truth,
                "location": [round(r.x, 8), round(r.y, 8)] if r.x is not None else None,
            }
        )
    return out
