"""The working-day calendar of legal time limits: weekends, PRC public holidays and the
adjusted working days (调休) of the State Council's yearly notice.

The official days are in ``holidays_cn.json`` (with where they come from); an admin adds
or overrides days in the table ``work_calendar_day``. :class:`WorkCalendar` itself is pure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources

KINDS = ("holiday", "workday")


@dataclass(frozen=True)
class WorkCalendar:
    """Days off on weekdays (``holidays``) and worked weekend days (``workdays``)."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        """Mon-Fri unless a holiday; a weekend day only if it is an adjusted working day."""
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def with_days(self, days: dict[date, str]) -> WorkCalendar:
        """This calendar with ``days`` ({day: "holiday"|"workday"}) set, overriding it."""
        holidays = set(self.holidays)
        workdays = set(self.workdays)
        for day, kind in days.items():
            holidays.discard(day)
            workdays.discard(day)
            (holidays if kind == "holiday" else workdays).add(day)
        return WorkCalendar(frozenset(holidays), frozenset(workdays))


WEEKENDS_ONLY = WorkCalendar()


@lru_cache(maxsize=1)
def official_days() -> dict[date, tuple[str, str]]:
    """{day: (kind, name)} from the packaged ``holidays_cn.json``."""
    text = resources.files("cadastre.registry").joinpath("holidays_cn.json").read_text("utf-8")
    return {date.fromisoformat(d["date"]): (d["kind"], d["name"]) for d in json.loads(text)["days"]}


def official_calendar() -> WorkCalendar:
    """The calendar of the packaged file alone (no admin additions)."""
    return WEEKENDS_ONLY.with_days({d: kind for d, (kind, _) in official_days().items()})
