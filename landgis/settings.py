"""Every settings model of the house (the platform's and each domain's own, one prefix
``LANDGIS_``): the entry points check the environment against all of them, so a typo is
one line naming it, while each package reads only its own model."""

from __future__ import annotations

from gis.settings import Settings, check_names
from trading.settings import TradingSettings

MODELS = (Settings, TradingSettings)


def check_environment() -> None:
    """SettingsError naming the first ``LANDGIS_`` variable no model reads."""
    check_names(MODELS)
