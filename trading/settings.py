"""Trading's own settings: periods, the auction countdown, the background loops and the
bank's signing key. Same ``LANDGIS_`` environment names as ever (``LANDGIS_COUNTDOWN_SECONDS``
...), read through :func:`get_trading_settings`; tests override with
:func:`override_trading_settings`. gis knows none of them."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from gis.settings import ENV_PREFIX, SettingsSection


class TradingSettings(BaseSettings):
    """Each field is read from ``LANDGIS_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    # Trading periods (days) and auction countdown (seconds)
    announcement_min_days: int = 20
    listing_min_days: int = 10
    countdown_seconds: int = 300
    # Each server process closes listings past their deadline this often (0: only by hand)
    trading_close_interval_s: float = Field(15, ge=0)
    # 批后监管 (trading.monitoring.watch): each server process looks this often for a new
    # imagery scene and then updates the sold parcels' statuses (0: only by hand / CLI)
    trading_monitor_interval_s: float = Field(300, ge=0)
    # Trading deposits (trading/deposits.py): the HMAC-SHA256 key the bank signs its
    # deposit notices with (unset: notices are refused; staff confirm by hand), and how
    # old a notice may be when it arrives (a stale notice is refused, a replayed one too).
    trading_bank_hmac_key: str | None = None
    trading_bank_notice_max_age_s: int = Field(900, ge=1)


SECTION = SettingsSection(TradingSettings)


def get_trading_settings() -> TradingSettings:
    """Trading's settings in force (read from the environment once)."""
    return SECTION.get()


def override_trading_settings(settings: TradingSettings | None) -> None:
    """Tests: use ``settings`` (``None``: read the environment again)."""
    SECTION.override(settings)
