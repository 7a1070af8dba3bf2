"""Where rasters and uploaded files are kept: one interface, two stores (issue 15).

- :class:`LocalStore` (the default): files under ``files_dir`` (``data/files``), as
  before; downloads are streamed by the app.
- :class:`S3Store` (``store_url = s3://bucket/prefix``, ``s3_endpoint_url`` for an
  S3-compatible store such as SeaweedFS or MinIO, keys from ``AWS_ACCESS_KEY_ID`` /
  ``AWS_SECRET_ACCESS_KEY``): objects under the prefix, written with obstore; GDAL reads
  them in place through ``/vsis3/`` (range requests, so a tile reads only its blocks);
  downloads are presigned GET URLs (``store_presign_seconds``), so the bytes never pass
  through the app servers.

A *key* is a path relative to the store's root, e.g. ``rasters/<uuid>.tif`` (the value
kept in the catalogue): the same row works with either store. Objects are written once
under a fresh name and never rewritten, so every server process can cache what it read.
Files are made locally first (:meth:`Store.staging`), then :meth:`Store.put_file` moves
them into the store: a rename for the local store, an upload for S3.

What is in the store (another request, on any server process, may read it later):

- ``rasters/<uuid>.tif``: catalogued COGs (tiles, downloads, change detection);
- ``change_photos/<uuid>.<ext>``: field photos of change patches;
- ``surveys/<ab>/<sha256>.<ext>``: original survey files, named by content;
- ``planning/<sha256>.<ext>``: approval documents of plan editions;
- ``sources/<ab>/<sha256>``: documents of registration cases (LA_Source);
- ``jobs/<job id>/<name>``: what a job leaves for download (an export, the rejected
  rows of an import, a field package), deleted when the job is pruned.

What stays local to the process that makes it (scratch, gone when the work ends): an
upload being received and read (``rasters/.incoming``, the temporary folders of survey,
planning and parcel imports), a job's working folder (``workdir``), and the staging
files on their way into the store. Nothing another request reads is kept there.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from gis.errors import Unavailable
from gis.settings import Settings, get_settings

log = logging.getLogger(__name__)
RETRY_AFTER_S = 30
# an unreachable store fails a request within seconds (retried, then a 503), not minutes
S3_RETRY = {"max_retries": 3, "retry_timeout": timedelta(seconds=10)}
S3_CONNECT_TIMEOUT = "3s"


class StoreUnavailable(Unavailable):
    """The object store does not answer (or refuses the configured keys)."""


@contextlib.contextmanager
def _answered(what: str, key: str) -> Iterator[None]:
    """Turn an object-store failure (other than a missing key) into a 503."""
    import obstore.exceptions

    try:
        yield
    except FileNotFoundError:
        raise
    except (obstore.exceptions.BaseError, OSError) as exc:
        log.warning("object store: %s %s failed: %s", what, key, exc)
        raise StoreUnavailable(
            "文件存储暂不可用，请稍后再试；the file store does not answer, try again later",
            retry_after=RETRY_AFTER_S,
        ) from exc


class Store(Protocol):
    """What the raster catalogue and the uploads need of a store."""

    def staging(self, folder: str) -> Path:
        """A local folder to make files for ``folder`` in (then :meth:`put_file` them)."""
        ...

    def put_file(self, local: Path, key: str) -> None:
        """Move the local file into the store under ``key`` (``local`` is gone after)."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; a missing key is no error."""
        ...

    def exists(self, key: str) -> bool: ...

    def fetch(self, key: str, dest: Path) -> None:
        """Copy ``key`` to the local file ``dest`` (FileNotFoundError when missing)."""
        ...

    def gdal_path(self, key: str) -> str:
        """The path GDAL/rasterio opens ``key`` with."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The file of ``key`` on this machine's disk (local store), else None."""
        ...

    def download_url(self, key: str, filename: str) -> str | None:
        """A presigned URL to GET ``key`` from the store itself, or None (the app streams
        :meth:`local_path`)."""
        ...


class LocalStore:
    """Files under one folder of this machine (``files_dir``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"store key {key!r} leaves the store")
        return path

    def staging(self, folder: str) -> Path:
        return self.root / folder  # on the store's file system: put_file is a rename

    def put_file(self, local: Path, key: str) -> None:
        target = self._path(key)
        if local.resolve() != target:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(local, target)
            except OSError as exc:  # from another file system (a job's scratch under /tmp)
                if exc.errno != errno.EXDEV:
                    raise
                part = target.with_name(f".{target.name}.{os.getpid()}.part")
                shutil.copyfile(local, part)
                os.replace(part, target)  # readers never see half a file
                local.unlink()

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def fetch(self, key: str, dest: Path) -> None:
        shutil.copyfile(self._path(key), dest)

    def gdal_path(self, key: str) -> str:
        return str(self._path(key))

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def download_url(self, key: str, filename: str) -> str | None:
        return None


class S3Store:
    """Objects under ``s3://bucket/prefix`` of an S3 (or S3-compatible) endpoint."""

    def __init__(self, settings: Settings) -> None:
        from obstore.store import S3Store as ObjectStore  # only when configured

        assert settings.store_url is not None
        parts = urlsplit(settings.store_url)
        self.bucket, self.prefix = parts.netloc, parts.path.strip("/")
        self.endpoint = settings.s3_endpoint_url
        self.settings = settings
        options: dict[str, Any] = {"region": settings.s3_region, "retry_config": S3_RETRY}
        client: dict[str, Any] = {"connect_timeout": S3_CONNECT_TIMEOUT}
        if self.endpoint:
            options |= {"endpoint": self.endpoint, "virtual_hosted_style_request": False}
            client["allow_http"] = self.endpoint.startswith("http://")
        options["client_options"] = client
        if settings.aws_access_key_id:
            options["access_key_id"] = settings.aws_access_key_id
            options["secret_access_key"] = settings.aws_secret_access_key
        self._store = ObjectStore(self.bucket, prefix=self.prefix or None, **options)
        configure_gdal(settings)

    def staging(self, folder: str) -> Path:
        return self.settings.files_dir / ".staging" / folder

    def put_file(self, local: Path, key: str) -> None:
        import obstore

        with _answered("put", key):
            obstore.put(self._store, key, local)  # multipart for big files
        local.unlink()

    def delete(self, key: str) -> None:
        import obstore

        with _answered("delete", key):
            obstore.delete(self._store, key)  # S3 answers a missing key with success

    def exists(self, key: str) -> bool:
        import obstore

        try:
            with _answered("head", key):
                obstore.head(self._store, key)
        except FileNotFoundError:
            return False
        return True

    def fetch(self, key: str, dest: Path) -> None:
        import obstore

        with _answered("get", key), dest.open("wb") as out:
            for chunk in obstore.get(self._store, key).stream():
                out.write(chunk)

    def gdal_path(self, key: str) -> str:
        return "/vsis3/" + "/".join(p for p in (self.bucket, self.prefix, key) if p)

    def local_path(self, key: str) -> Path | None:
        return None

    def download_url(self, key: str, filename: str) -> str | None:
        import obstore

        ttl = timedelta(seconds=self.settings.store_presign_seconds)
        return str(obstore.sign(self._store, "GET", key, ttl))


def configure_gdal(settings: Settings) -> None:
    """Point GDAL's ``/vsis3/`` at the configured endpoint, for every thread of the process.

    Set as environment variables, which GDAL reads when no config option overrides them:
    rasterio's config options are thread-local, and tiles, imports and change detection
    run in worker threads whose readers outlive any ``rasterio.Env``. (Written here, read
    only by GDAL: the settings still come from :mod:`gis.settings` alone.)
    """
    config: dict[str, str] = {"AWS_REGION": settings.s3_region}
    if settings.s3_endpoint_url:
        endpoint = urlsplit(settings.s3_endpoint_url)
        config |= {
            "AWS_S3_ENDPOINT": endpoint.netloc,
            "AWS_VIRTUAL_HOSTING": "FALSE",
            "AWS_HTTPS": "YES" if endpoint.scheme == "https" else "NO",
        }
    if settings.aws_access_key_id:
        config["AWS_ACCESS_KEY_ID"] = settings.aws_access_key_id
        config["AWS_SECRET_ACCESS_KEY"] = settings.aws_secret_access_key or ""
    os.environ.update(config)


_lock = threading.Lock()
_stores: dict[tuple[str | None, str | None, Path], Store] = {}


def get_store() -> Store:
    """The store of the settings in force (made once per process and configuration)."""
    s = get_settings()
    ident = (s.store_url, s.s3_endpoint_url, s.files_dir)
    with _lock:
        store = _stores.get(ident)
        if store is None:
            store = S3Store(s) if s.store_url else LocalStore(s.files_dir)
            _stores[ident] = store
    return store


def discard(key: str) -> None:
    """Delete ``key`` when cleaning up (a failed import, a deleted row): an error is logged,
    never raised, so it neither hides the error being handled nor fails a committed
    delete; the object left behind only costs storage."""
    try:
        get_store().delete(key)
    except Exception:
        log.exception("could not delete %s from the store", key)


def key_of(stored: str) -> str:
    """The store key of a value kept in a row: rows written before the store kept the
    absolute path of a file under ``files_dir``, which is the key under that folder."""
    path = Path(stored)
    root = get_settings().files_dir
    if path.is_absolute() and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return stored


def keep_copy(src: Path, key: str) -> bool:
    """Put a copy of the local file ``src`` into the store under ``key`` (``src`` stays),
    unless ``key`` is there already (content-addressed keys: same key, same bytes).
    Returns whether it was written (so a caller that fails later may remove it)."""
    return _keep(key, lambda staged: shutil.copyfile(src, staged))


def keep_bytes(data: bytes, key: str) -> bool:
    """:func:`keep_copy` of bytes in memory."""
    return _keep(key, lambda staged: staged.write_bytes(data))


def _keep(key: str, write: Callable[[Path], object]) -> bool:
    store = get_store()
    if store.exists(key):
        return False
    folder = store.staging(".incoming")
    folder.mkdir(parents=True, exist_ok=True)
    staged = folder / f"{os.getpid()}-{threading.get_ident()}-{Path(key).name}"
    try:
        write(staged)
        store.put_file(staged, key)
    finally:
        staged.unlink(missing_ok=True)
    return True


@contextlib.contextmanager
def local_copy(key: str) -> Iterator[Path]:
    """A local file with the bytes of ``key`` for as long as the block runs: the file
    itself for the local store, a downloaded temporary copy for S3."""
    store = get_store()
    path = store.local_path(key)
    if path is not None:
        if not path.is_file():
            raise FileNotFoundError(key)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="landgis-store-") as tmp:
        dest = Path(tmp) / Path(key).name
        store.fetch(key, dest)
        yield dest
