"""Settings: unknown names and unusable values give one line naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gis.settings import SettingsError, load_model, load_settings
from landgis.settings import check_environment
from trading.settings import TradingSettings


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LANDGIS_")}
    return subprocess.run(
        [sys.executable, "-m", "landgis", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_unknown_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANDGIS_PROT", "8000")
    with pytest.raises(SettingsError, match="unknown setting LANDGIS_PROT"):
        check_environment()


def test_trading_settings_keep_their_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trading's settings live in trading.settings under the same LANDGIS_ names: known
    to the composition root's check, read by trading, absent from the platform's model."""
    monkeypatch.setenv("LANDGIS_COUNTDOWN_SECONDS", "42")
    monkeypatch.setenv("LANDGIS_TRADING_BANK_HMAC_KEY", "k")
    check_environment()  # no "unknown setting"
    trading = load_model(TradingSettings)
    assert (trading.countdown_seconds, trading.trading_bank_hmac_key) == (42, "k")
    assert "countdown_seconds" not in load_settings().model_fields_set
    assert not hasattr(load_settings(), "countdown_seconds")
    monkeypatch.setenv("LANDGIS_COUNTDOWN_SECONDS", "soon")
    with pytest.raises(SettingsError, match="LANDGIS_COUNTDOWN_SECONDS='soon'"):
        load_model(TradingSettings)


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANDGIS_PORT", "eighty")
    with pytest.raises(SettingsError, match="LANDGIS_PORT='eighty'"):
        load_settings()


def test_out_of_range_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANDGIS_PG_PORT", "80")
    with pytest.raises(SettingsError, match="LANDGIS_PG_PORT"):
        load_settings()


def test_cli_prints_one_line_for_bad_settings() -> None:
    proc = run_cli("db", "status", LANDGIS_WORKERS="many")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "LANDGIS_WORKERS" in lines[0]
    assert "Traceback" not in proc.stderr


def test_database_url_is_used_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANDGIS_DATABASE_URL", "postgresql://u:p@db.example:5433/land")
    s = load_settings()
    assert not s.uses_local_cluster
    assert s.sqlalchemy_url() == "postgresql+psycopg://u:p@db.example:5433/land"
    assert s.sqlalchemy_url("other").endswith("/other")
