"""The pure rules of 批后监管: a scene's status, the parcel's verdict at the boundaries
(grace, one year, the sale), the idle deadline of 29 February, overdue completion."""

from __future__ import annotations

from datetime import date, timedelta

import shapely
from hypothesis import given
from hypothesis import strategies as st

from trading.monitoring import rules
from trading.monitoring.rules import Seen

SITE = shapely.box(0, 0, 10, 10)
SALE, START = date(2025, 10, 1), date(2026, 3, 1)


def _seen(day: date, share: float, status: str) -> Seen:
    return Seen(day, share, SITE if share else None, status, 1)


def test_scene_status_thresholds_and_stability() -> None:
    assert rules.scene_status(rules.START_SHARE - 0.001, SITE, None) == "not_started"
    assert rules.scene_status(rules.START_SHARE, SITE, None) == "started"
    started = _seen(START, 0.8, "started")
    assert rules.scene_status(0.82, SITE, started) == "completed"  # share and footprint stable
    assert rules.scene_status(0.8 + 2 * rules.STABLE_SHARE, SITE, started) == "started"
    moved = shapely.box(5, 0, 15, 10)  # overlap 1/3 of the union
    assert rules.scene_status(0.8, moved, started) == "started"
    assert rules.scene_status(0.8, SITE, _seen(START, 0.8, "not_started")) == "started"


def test_verdict_boundaries() -> None:
    on_grace = START + rules.START_GRACE
    late_day = on_grace + timedelta(days=1)
    assert (
        rules.verdict(SALE, START, [_seen(on_grace, 0.5, "started")], late_day, None).code
        == "on_time"
    )
    assert (
        rules.verdict(SALE, START, [_seen(late_day, 0.5, "started")], late_day, None).code == "late"
    )
    deadline = rules.idle_deadline(START)
    before = [_seen(deadline - timedelta(days=1), 0.0, "not_started")]
    assert rules.verdict(SALE, START, before, deadline, None).code == "overdue"
    on_deadline = [_seen(deadline, 0.0, "not_started")]
    idle = rules.verdict(SALE, START, on_deadline, deadline, None)
    assert idle.code == "idle_suspected" and idle.evidence == on_deadline[0]
    assert rules.verdict(SALE, START, [], on_grace, None).code == "pending"
    assert rules.verdict(SALE, START, [], late_day, None).code == "overdue"  # no scene yet
    # scenes after the report date and before the sale do not count
    future = [_seen(START, 0.9, "started")]
    assert rules.verdict(SALE, START, future, START - timedelta(days=1), None).code == "pending"
    early = _seen(SALE - timedelta(days=1), 0.9, "started")
    judged = rules.verdict(SALE, START, [early, *future], START, early)
    assert judged.code == "before_contract" and judged.started_on == START


def test_idle_deadline_and_completion() -> None:
    assert rules.idle_deadline(date(2024, 2, 29)) == date(2025, 2, 28)
    assert rules.idle_deadline(date(2025, 3, 1)) == date(2026, 3, 1)
    done = date(2028, 3, 1)
    assert rules.completion_overdue(done, "started", done + timedelta(days=1))
    assert not rules.completion_overdue(done, "completed", done + timedelta(days=1))
    assert not rules.completion_overdue(done, "started", done)


@given(
    share=st.floats(0, 1),
    offset=st.integers(-400, 1200),
    as_of_offset=st.integers(0, 1500),
)
def test_verdict_is_always_one_of_the_codes(share: float, offset: int, as_of_offset: int) -> None:
    """Whatever one scene shows and whenever it is read, the verdict is a known code and
    a parcel that shows construction after the sale is never called idle."""
    day = SALE + timedelta(days=offset)
    status = rules.scene_status(share, SITE, None)
    judged = rules.verdict(
        SALE, START, [_seen(day, share, status)], SALE + timedelta(days=as_of_offset), None
    )
    assert judged.code in rules.VERDICTS
    if status != "not_started" and SALE < day <= SALE + timedelta(days=as_of_offset):
        assert judged.code in ("on_time", "late") and judged.started_on == day
