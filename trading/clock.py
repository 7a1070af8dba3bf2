"""Server time decides: the current instant in the bureau's time zone (settings.timezone)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from gis.settings import get_settings


def zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def now() -> datetime:
    """Now, timezone-aware, in Asia/Shanghai unless the settings say otherwise."""
    return datetime.now(zone())


def local_date(instant: datetime) -> date:
    """The calendar date of ``instant`` in the bureau's time zone."""
    return instant.astimezone(zone()).date()
