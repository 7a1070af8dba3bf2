"""The settings of landgis (one environment prefix, ``LANDGIS_``).

Nothing else in the project reads ``os.environ``: the platform's modules ask
:func:`get_settings`, which tests can override with :func:`override_settings`; a domain
keeps its own settings in its package as a :class:`SettingsSection` of the same prefix
(``trading.settings``), and the composition root checks that every ``LANDGIS_`` name
set is read by some model (:func:`check_names`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Generic, Literal, TypeVar

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "LANDGIS_"
S = TypeVar("S", bound=BaseSettings)


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
    # Identity (issue 12, identity): each request's token is checked against its user,
    # cached per process this many seconds (a deactivation elsewhere takes effect within it);
    # failed sign-ins per account and per client address within the window, then 429.
    identity_cache_seconds: float = Field(5, ge=0, le=300)
    login_max_failures_per_account: int = Field(10, ge=1)
    login_max_failures_per_address: int = Field(10, ge=1)
    login_window_minutes: float = Field(15, gt=0)
    # The local cluster's role for requests (not a superuser; its password is generated into
    # data/pg_app_password); migrations and setup use the cluster's superuser over the socket.
    pg_app_user: str = Field("landgis_app", pattern=r"^[a-z_][a-z0-9_]{0,62}$")

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

    # trading's periods, countdown, loops and bank keys: trading.settings (same LANDGIS_ names)
    timezone: str = "Asia/Shanghai"
    # City-wide tiles (z10-z12): each server process brings the parcel overview up to date
    # with the tile change log this often (0: never; then tiles z10-z12 stay as they are)
    overview_refresh_interval_s: float = Field(5, ge=0)
    # The kept quality state (cadastre.parcels.quality_state): each server process checks
    # again what edits touched this often (0: never; then readers check at most 50 subzones
    # themselves and say how many more are due)
    quality_refresh_interval_s: float = Field(30, ge=0)

    # Certificates (registry, issue 11): the registering authority printed on them, the base
    # of their public verification URL (/verify/{number}; default public_url, then
    # http://host:port) and the CJK font their PDF embeds (default: Noto Sans CJK SC).
    registry_authority: str = "东莞市自然资源局"
    certificate_base_url: str | None = None
    certificate_font_file: Path | None = None

    # Request limits (area "limits": gis/limits.py, gis/edge.py, gis/ratelimit.py). Bodies
    # are refused past these sizes before they are read; uploads are streamed to disk.
    limit_anonymous_body_bytes: int = Field(1024 * 1024, ge=1024)
    limit_staff_body_bytes: int = Field(8 * 1024 * 1024, ge=1024)
    limit_online_file_bytes: int = Field(20 * 1024 * 1024, ge=1024)
    limit_online_request_bytes: int = Field(50 * 1024 * 1024, ge=1024)
    limit_online_files: int = Field(10, ge=1)
    # A zip: members, total uncompressed bytes and the whole archive's expansion ratio.
    limit_zip_members: int = Field(1000, ge=1)
    limit_zip_total_bytes: int = Field(2 * 1024**3, ge=1024)
    limit_zip_ratio: int = Field(200, ge=2)
    # Geometries users send: vertices, area, and the district's extent plus a margin (deg).
    limit_geometry_vertices: int = Field(20_000, ge=4)
    limit_geometry_area_km2: float = Field(2_000, gt=0)
    limit_extent_margin_deg: float = Field(0.5, ge=0)
    limit_batch_items: int = Field(200, ge=1)
    # Statement timeouts (ms; 0 = none) for requests without / with a valid staff token.
    limit_anonymous_statement_ms: int = Field(5_000, ge=0)
    limit_staff_statement_ms: int = Field(120_000, ge=0)
    # Per client address, fixed windows of rate_window_s (0 in a count: no limit).
    rate_window_s: int = Field(60, ge=1)
    rate_compliance: int = Field(120, ge=0)
    rate_compliance_batch: int = Field(20, ge=0)
    rate_online_submissions: int = Field(10, ge=0)
    rate_large_pages: int = Field(30, ge=0)
    rate_anonymous_uploads: int = Field(30, ge=0)
    rate_large_page_items: int = Field(1000, ge=1)  # an items page above this is "large"
    # Raster tiles: refused when the scene's coarsest overview is this many zoom levels
    # finer than the tile, and a render longer than raster_tile_timeout_s is a 503.
    raster_tile_overview_gap: int = Field(2, ge=0)
    raster_tile_timeout_s: float = Field(10, gt=0)

    # Registry (cadastre.registry): a one-person office may relax four eyes (the registrar
    # who accepted a case reviews it, the one who reviewed enters it); each relaxed step
    # is journaled. Off by default.
    registry_single_officer: bool = False

    # Surveys (gis.survey). A point with a DOP but no reported σ gets σ = HDOP (else PDOP)
    # × the receiver's UERE (1σ user equivalent range error, metres): survey_uere_rtk_m for
    # RTK fixed points, survey_uere_m for the rest, unless the upload states its own.
    # Points of a survey for a parcel farther than survey_parcel_distance_m from it are a
    # finding; points farther than survey_district_margin_m outside the district's extent
    # (its cadastral zones) are refused unless the upload is forced.
    survey_uere_m: float = Field(3.0, gt=0, le=100)
    survey_uere_rtk_m: float = Field(0.02, gt=0, le=10)
    survey_parcel_distance_m: float = Field(50.0, gt=0)
    survey_district_margin_m: float = Field(5000.0, ge=0)

    # Field packages (issue 18, field: cadastre/field): at most this many parcels in one
    # checked-out package; a photo's GPS position must lie within field_photo_tolerance_m
    # of its change patch or parcel.
    field_max_parcels: int = Field(2000, ge=1)
    field_photo_tolerance_m: float = Field(30.0, gt=0)

    # Scale, services side (issue 15; gis/store.py, gis/tiles/shared.py): where rasters and
    # uploaded files are kept, the data_dir/files folder (default) or S3
    # ("s3://bucket/prefix"; s3_endpoint_url for an S3-compatible store, keys from the
    # usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY); how long a presigned download URL
    # lives; a Redis shared by every server process for tiles, and how long it keeps one.
    store_url: str | None = Field(None, pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    aws_access_key_id: str | None = Field(
        None, validation_alias=AliasChoices("AWS_ACCESS_KEY_ID", "LANDGIS_AWS_ACCESS_KEY_ID")
    )
    aws_secret_access_key: str | None = Field(
        None,
        validation_alias=AliasChoices("AWS_SECRET_ACCESS_KEY", "LANDGIS_AWS_SECRET_ACCESS_KEY"),
    )
    store_presign_seconds: int = Field(300, ge=1, le=7 * 86400)
    redis_url: str | None = None
    redis_tile_ttl_s: int = Field(7 * 86400, ge=1)
    # Behind a balancer (deploy/): on SIGTERM a server keeps serving this long while its
    # /health answers 503, so the balancer stops sending it requests before it closes its
    # connections (gis/health.py: drain_on_sigterm). 0 (the default): stop at once.
    drain_s: float = Field(0.0, ge=0, le=120)

    # Scale, database side (scale-db, issue #15; gis/standby.py, gis/replica.py). Public
    # reads go to database_read_url (set automatically while the local standby runs on
    # standby_port) once the replica has replayed the primary's WAL position of the
    # request's start, waiting at most read_wait_s (else they read the primary).
    # database_pgbouncer: the URL is a PgBouncer in transaction mode (no prepared
    # statements). dask_scheduler: address of a Dask scheduler for planners' analyses.
    database_read_url: str | None = None
    standby_port: int = Field(55433, ge=1024, le=65535)
    read_wait_s: float = Field(2.0, ge=0, le=60)
    database_pgbouncer: bool = False
    dask_scheduler: str | None = None

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
        """The SQLAlchemy URL the app uses: ``LANDGIS_DATABASE_URL`` as given, else the local
        cluster's socket as the app's own role (``pg_app_user``, not a superuser)."""
        if self.database_url is not None:
            url = self.database_url
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://") :]
            if database is not None:
                from sqlalchemy.engine import make_url

                return make_url(url).set(database=database).render_as_string(hide_password=False)
            return url
        return self._socket_url(f"{self.pg_app_user}:{self.app_db_password()}", database)

    def admin_url(self, database: str | None = None) -> str:
        """The URL of migrations and setup: ``LANDGIS_DATABASE_URL`` as given, else the local
        cluster's superuser over its socket (peer authentication: root or its OS user)."""
        if self.database_url is not None:
            return self.sqlalchemy_url(database)
        return self._socket_url(self.pg_os_user, database)

    def _socket_url(self, user: str, database: str | None) -> str:
        name = database or self.database_name
        socket_dir = self.pg_dir / "run"
        return f"postgresql+psycopg://{user}@/{name}?host={socket_dir}&port={self.pg_port}"

    def app_db_password(self) -> str:
        """The local cluster app role's password, generated into ``data/pg_app_password``."""
        return _secret_file(self.data_dir / "pg_app_password")

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


def check_names(models: Iterable[type[BaseSettings]]) -> None:
    """SettingsError naming the first ``LANDGIS_`` variable that no model reads (a typo).
    The composition root calls it with the platform's and every domain's models, since
    each domain keeps its own settings (``trading.settings``) under the same prefix."""
    names = [n for m in models for n in m.model_fields]
    known = {ENV_PREFIX + n.upper() for n in names}
    unknown = sorted(k for k in os.environ if k.startswith(ENV_PREFIX) and k not in known)
    if unknown:
        raise SettingsError(
            f"unknown setting {unknown[0]}; known settings are "
            + ", ".join(ENV_PREFIX + n.upper() for n in names)
        )


def load_model(model: type[S]) -> S:
    """Read one settings model from the environment; SettingsError with a one-line reason
    naming the variable (``LANDGIS_PORT='eighty' is not usable: ...``)."""
    try:
        return model()
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ENV_PREFIX + str(err["loc"][0]).upper() if err["loc"] else ENV_PREFIX
        raise SettingsError(f"{field}={err.get('input')!r} is not usable: {err['msg']}") from None


def load_settings() -> Settings:
    """Read the platform's settings from the environment (SettingsError with a one-line
    reason); unknown names are the composition root's check (:func:`check_names`)."""
    return load_model(Settings)


class SettingsSection(Generic[S]):
    """A domain's own settings model (same ``LANDGIS_`` prefix), kept in the domain's
    package (``trading.settings``): read once, overridable by tests as get_settings is."""

    def __init__(self, model: type[S]) -> None:
        self.model = model
        self._value: S | None = None

    def get(self) -> S:
        """The settings in force (read from the environment on first use)."""
        if self._value is None:
            self._value = load_model(self.model)
        return self._value

    def override(self, value: S | None) -> None:
        """Use ``value`` (``None``: read the environment again on next use)."""
        self._value = value


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
