"""The rules of 批后监管, pure (no database): a scene's status from the built-up change
inside a sold parcel, and the parcel's verdict from its scenes and the contract's dates.

* Status of a scene (against the reference scene, at sale time):
  未开工 ``not_started`` below :data:`START_SHARE` of the parcel changed to built-up cover;
  已开工 ``started`` at or above it; 已竣工 ``completed`` when started on this scene and
  on the one before with the built-up share (within :data:`STABLE_SHARE`) and the footprint
  (overlap :data:`STABLE_OVERLAP` of their union) unchanged: building has stopped.
* Verdict of a parcel on ``as_of``:
  ``before_contract`` construction seen on a scene dated before the sale (a finding);
  ``on_time`` started by the agreed start date + :data:`START_GRACE` (compliant);
  ``late`` started, but after that; ``idle_suspected`` (疑似闲置土地, a finding) nothing
  started on a scene dated a year or more after the agreed start date (闲置土地处置办法
  art. 2: not started one year after the agreed date); ``overdue`` past the grace without
  a start, no such scene yet; ``pending`` the start date + grace not reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import shapely

START_SHARE = 0.10  # share of the parcel built up since the sale: construction started
STABLE_SHARE = 0.05  # largest change of share between two scenes of a finished building
STABLE_OVERLAP = 0.85  # intersection / union of two footprints of a finished building
START_GRACE = timedelta(days=90)  # after the agreed start date, still on time
IDLE_AFTER_YEARS = 1

STATUSES: dict[str, tuple[str, str]] = {
    "not_started": ("未开工", "not started"),
    "started": ("已开工", "started"),
    "completed": ("已竣工", "completed"),
}
VERDICTS: dict[str, tuple[str, str]] = {
    "pending": ("未到开工期", "start date not reached"),
    "on_time": ("按期开工", "started on time (compliant)"),
    "late": ("逾期开工", "started late"),
    "overdue": ("逾期未开工", "not started, past the start date"),
    "idle_suspected": ("疑似闲置土地", "suspected idle land"),
    "before_contract": ("合同前动工", "construction before the contract"),
}
FINDINGS: dict[str, tuple[str, str]] = {
    "idle_suspected": VERDICTS["idle_suspected"],
    "built_before_contract": VERDICTS["before_contract"],
}


@dataclass(frozen=True)
class Seen:
    """One scene's measure over the parcel: date, built-up share, changed footprint."""

    acquired_on: date
    share: float
    footprint: shapely.Geometry | None
    status: str = "not_started"
    scene_id: int | None = None


def _overlap(a: shapely.Geometry | None, b: shapely.Geometry | None) -> float:
    if a is None or b is None or a.is_empty or b.is_empty:
        return 0.0
    union = shapely.area(shapely.union(a, b))
    return float(shapely.area(shapely.intersection(a, b)) / union) if union else 0.0


def scene_status(share: float, footprint: shapely.Geometry | None, before: Seen | None) -> str:
    """未开工 / 已开工 / 已竣工 of one scene, given the parcel's previous scene (or None)."""
    if share < START_SHARE:
        return "not_started"
    if (
        before is not None
        and before.status in ("started", "completed")
        and abs(share - before.share) <= STABLE_SHARE
        and _overlap(footprint, before.footprint) >= STABLE_OVERLAP
    ):
        return "completed"
    return "started"


def idle_deadline(agreed_start: date) -> date:
    """The agreed start date one year on (29 February -> 28 February)."""
    try:
        return agreed_start.replace(year=agreed_start.year + IDLE_AFTER_YEARS)
    except ValueError:
        return agreed_start.replace(year=agreed_start.year + IDLE_AFTER_YEARS, day=28)


def completion_overdue(agreed_completion: date, status: str, as_of: date) -> bool:
    """逾期未竣工: the agreed completion date has passed and the building is not finished."""
    return as_of > agreed_completion and status != "completed"


@dataclass(frozen=True)
class Verdict:
    """A parcel's verdict, the scene that is its evidence (None: no scene) and the date
    construction was first seen after the sale (None: not yet)."""

    code: str
    evidence: Seen | None
    started_on: date | None


def verdict(
    sale: date, agreed_start: date, scenes: list[Seen], as_of: date, before_contract: Seen | None
) -> Verdict:
    """The parcel's verdict on ``as_of`` from its scenes after the sale (oldest first)."""
    after = [s for s in scenes if sale < s.acquired_on <= as_of]
    started = next((s for s in after if s.status != "not_started"), None)
    if before_contract is not None:
        return Verdict("before_contract", before_contract, started.acquired_on if started else None)
    if started is not None:
        code = "on_time" if started.acquired_on <= agreed_start + START_GRACE else "late"
        return Verdict(code, started, started.acquired_on)
    latest = after[-1] if after else None
    if latest is not None and latest.acquired_on >= idle_deadline(agreed_start):
        return Verdict("idle_suspected", latest, None)
    if as_of > agreed_start + START_GRACE:
        return Verdict("overdue", latest, None)
    return Verdict("pending", latest, None)
