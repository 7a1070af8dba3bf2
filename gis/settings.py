"""The one settings object of landgis (environment prefix ``LANDGIS_``).

Nothing else in the project reads ``os.environ``: every module asks
:func:`get_settings`, which tests can override with :func:`override_settings`.
"""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "LANDGIS_"


class SettingsError(Exception):
    """A setting has an unknown name or a value that cannot be used."""


class Settings(BaseSettings):
    """All configuration; each field is read from ``LANDGIS_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    # Database: when database_url is set, no local cluster is started.
    database_url: str | None = None
    database_name: str = "landgis"
    test_database_name: str = "landgis_test"
    data_dir: Path = REPO_ROOT / "data"
    pg_bin: Path = Path("/usr/lib/postgresql/15/bin")
    pg_port: int = Field(55432, ge=1024, le=65535)
    pg_os_user: str = "postgres"

    # HTTP server
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    # uvicorn's loggers and the app's (gis, cadastre, trading, landgis: see landgis/logs.py)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    public_url: str | None = None

    # Security
    secret_key: str | None = None
    token_ttl_minutes: int = Field(8 * 60, ge=1)
    signing_key_file: Path | None = None

    # Demo district
    demo_parcels: int = Field(5000, ge=10, le=2_000_000)
    demo_seed: int = 20261126

    # Limits and tolerances
    upload_max_bytes: int = Field(512 * 1024 * 1024, ge=1024)
    page_max_limit: int = Field(10_000, ge=1)
    overlap_tolerance_m2: Decimal = Decimal("0.01")
    area_tolerance_m2: Decimal = Decimal("0.05")
    sliver_ratio: float = 0.05
    tile_cache_dir: Path | None = None
    tile_cache_items: int = Field(20_000, ge=0)
    # Pruning, at most every tile_prune_interval_s per server process (0: never): change-log
    # rows older than tile_change_keep_hours (a reader further behind redraws those tables),
    # disk tiles older than tile_cache_disk_max_days, then the oldest above the size limit.
    tile_prune_interval_s: float = Field(600, ge=0)
    tile_change_keep_hours: float = Field(24, gt=0)
    tile_cache_disk_max_days: float = Field(30, gt=0)
    tile_cache_disk_max_bytes: int = Field(2 * 1024**3, ge=0)
    raster_max_pixels: int = Field(400_000_000, ge=1)  # width x height of one raster or grid
    # Rendered raster tiles kept in memory (bytes; 0 turns the memory cache off); on disk
    # too under tile_cache_dir/raster-tiles when tile_cache_dir is set.
    raster_tile_cache_bytes: int = Field(64 * 1024 * 1024, ge=0)
    # ... and at most this many bytes of them on disk (pruned with the vector tiles, oldest
    # first after those older than tile_cache_disk_max_days).
    raster_tile_cache_disk_max_bytes: int = Field(1024**3, ge=0)
    # The only folder whose files a raster import by server path (``path``) may read.
    raster_import_root: Path = REPO_ROOT / "data" / "imports"

    # Long API jobs (table job): a running job whose heartbeat is older than the timeout
    # is reported failed (its process died); finished jobs older than job_keep_days are pruned.
    job_heartbeat_timeout_s: int = Field(60, ge=2)
    job_keep_days: int = Field(7, ge=1)

    # Trading periods (days) and auction countdown (seconds)
    announcement_min_days: int = 20
    listing_min_days: int = 10
    countdown_seconds: int = 300
    timezone: str = "Asia/Shanghai"
    # Each server process closes listings past their deadline this often (0: only by hand)
    trading_close_interval_s: float = Field(15, ge=0)
    # Trading deposits (trading/deposits.py): the HMAC-SHA256 key the bank signs its
    # deposit notices with (unset: notices are refused; staff confirm by hand), and how
    # old a notice may be when it arrives (a stale notice is refused, a replayed one too).
    trading_bank_hmac_key: str | None = None
    trading_bank_notice_max_age_s: int = Field(900, ge=1)

    @property
    def pg_dir(self) -> Path:
        """Folder of the project's own PostgreSQL cluster."""
        return self.data_dir / "pg"

    @property
    def files_dir(self) -> Path:
        """Folder where uploaded sources, surveys and rasters are kept."""
        return self.data_dir / "files"

    @property
    def uses_local_cluster(self) -> bool:
        return self.database_url is None

    def sqlalchemy_url(self, database: str | None = None) -> str:
        """The SQLAlchemy URL of the database (the local cluster's socket unless overridden)."""
        if self.database_url is not None:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://") :]
            if database is not None:
                from sqlalchemy.engine import make_url

                return make_url(url).set(database=database).render_as_string(hide_password=False)
            return url
        name = database or self.database_name
        socket_dir = self.pg_dir / "run"
        return (
            f"postgresql+psycopg://{self.pg_os_user}@/{name}?host={socket_dir}&port={self.pg_port}"
        )

    def jwt_secret(self) -> str:
        """The token-signing secret: the setting, else one kept in ``data/secret_key``."""
        if self.secret_key:
            return self.secret_key
        return _secret_file(self.data_dir / "secret_key")


@lru_cache(maxsize=8)
def _secret_file(path: Path) -> str:
    """Read (creating on first use) a generated secret; read once per process, not per request."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _unknown_names() -> list[str]:
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    return sorted(k for k in os.environ if k.startswith(ENV_PREFIX) and k not in known)


def load_settings() -> Settings:
    """Read the settings from the environment; raise SettingsError with a one-line reason."""
    unknown = _unknown_names()
    if unknown:
        raise SettingsError(
            f"unknown setting {unknown[0]}; known settings are "
            + ", ".join(ENV_PREFIX + n.upper() for n in Settings.model_fields)
        )
    try:
        return Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ENV_PREFIX + str(err["loc"][0]).upper() if err["loc"] else ENV_PREFIX
        raise SettingsError(f"{field}={err.get('input')!r} is not usable: {err['msg']}") from None


_override: Settings | None = None


@lru_cache(maxsize=1)
def _cached() -> Settings:
    return load_settings()


def get_settings() -> Settings:
    """The settings in force (the test override if one is set)."""
    return _override if _override is not None else _cached()


def override_settings(settings: Settings | None) -> None:
    """Make ``get_settings`` return ``settings`` (``None`` restores the environment's)."""
    global _override
    _override = settings
    _cached.cache_clear()
