"""Boundary-point accuracy classes (界址点精度), from the cadastral survey rules.

| class | mean square error | largest allowed error |
| 1 | 0.05 m | 0.10 m |
| 2 | 0.075 m | 0.15 m |
| 3 | 0.10 m | 0.20 m |

A point gets the best class whose mean square error its precision meets. The precision
is the σ the file reports (CSV precision, NMEA GST); when there is none but the receiver
reported a dilution of precision, it is estimated as HDOP × UERE (else PDOP × UERE, which
overstates the horizontal error, so is on the safe side), and the point says which was
used. A GNSS point that is not RTK-fixed (NMEA GGA quality 4) is never class 1. A point
with neither σ nor DOP, or one worse than class 3, meets no class and is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

RTK_FIXED = 4


@dataclass(frozen=True)
class AccuracyClass:
    number: int
    mse_m: float
    max_error_m: float
    name_zh: str
    name_en: str


CLASSES = {
    1: AccuracyClass(1, 0.05, 0.10, "一级界址点", "class 1"),
    2: AccuracyClass(2, 0.075, 0.15, "二级界址点", "class 2"),
    3: AccuracyClass(3, 0.10, 0.20, "三级界址点", "class 3"),
}
FIX_NAMES = {
    0: ("无效", "no fix"),
    1: ("单点定位", "GPS single point"),
    2: ("差分定位", "DGPS"),
    3: ("PPS", "PPS"),
    4: ("RTK 固定解", "RTK fixed"),
    5: ("RTK 浮点解", "RTK float"),
    6: ("推算", "dead reckoning"),
}


PRECISION_SOURCES = {
    "reported": ("报告的中误差", "reported σ"),
    "hdop": ("HDOP × UERE 估算", "estimated as HDOP × UERE"),
    "pdop": ("PDOP × UERE 估算", "estimated as PDOP × UERE"),
}


def estimate_precision(
    reported_m: float | None,
    hdop: float | None,
    pdop: float | None,
    fix_quality: int | None,
    uere_m: float,
    uere_rtk_m: float,
) -> tuple[float | None, str | None]:
    """(σ in metres, its source: reported, hdop, pdop or None) for one point.

    ``uere_rtk_m`` applies to RTK fixed points, ``uere_m`` to the others."""
    if reported_m is not None:
        return reported_m, "reported"
    uere = uere_rtk_m if fix_quality == RTK_FIXED else uere_m
    for source, dop in (("hdop", hdop), ("pdop", pdop)):
        if dop is not None and dop > 0:
            return round(dop * uere, 4), source
    return None, None


def classify(
    precision_m: float | None, fix_quality: int | None, declared: int | None = None
) -> tuple[int | None, str | None]:
    """(class or None, flag text or None) for one boundary point."""
    if precision_m is None:
        return None, "未报告精度或 DOP / no precision or DOP reported: meets no accuracy class"
    best = next((c.number for c in CLASSES.values() if precision_m <= c.mse_m), None)
    flags: list[str] = []
    if best == 1 and fix_quality is not None and fix_quality != RTK_FIXED:
        best = 2
        flags.append(f"fix quality {fix_quality} is not RTK fixed: not class 1 (非固定解)")
    if best is None:
        return None, f"precision {precision_m:.3f} m exceeds class 3 (0.10 m): flagged (超限)"
    if declared is not None and declared < best:
        flags.append(f"declared class {declared} not met: precision gives class {best}")
    return best, "; ".join(flags) or None


def tolerance_m(accuracy_class: int | None) -> float:
    """Largest allowed displacement of a point of this class (class 3 for unclassified)."""
    return CLASSES[accuracy_class or 3].max_error_m
