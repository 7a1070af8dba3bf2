"""Answer a file of the store over HTTP: streamed from local disk, or a 307 redirect to a
presigned URL of the object store (so the bytes, and range requests, never pass through
the app servers). Every download of a stored file goes through :func:`stored_file`."""

from __future__ import annotations

from typing import Any

from starlette.responses import FileResponse, RedirectResponse, Response

from gis.contracts import file_answer
from gis.errors import NotFound
from gis.store import get_store, key_of

PRESIGNED: dict[str, Any] = {"description": "a presigned URL of the file in the object store"}


def stored_answer(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route answering a stored file (200 the file, or 307)."""
    return {**file_answer(*media_types), 307: PRESIGNED}


def stored_file(
    key: str, filename: str, media_type: str | None = None, field: str = "id"
) -> Response:
    """The stored file ``key`` (a legacy absolute path under ``files_dir`` also works) as
    a download named ``filename``; NotFound naming ``field`` when it is not in the store.
    Without ``media_type`` the type is guessed from the name and the file shown inline."""
    key = key_of(key)
    if key.startswith("/"):  # a path of a scratch folder written before the store: gone
        raise NotFound(f"文件已不在；the file {filename} is no longer kept", field=field)
    store = get_store()
    url = store.download_url(key, filename)
    if url is not None:
        return RedirectResponse(url, status_code=307)
    path = store.local_path(key)
    if path is None or not path.is_file():
        raise NotFound(f"文件不在存储中；the file {filename} is not in the store", field=field)
    if media_type is None:
        return FileResponse(path)
    return FileResponse(path, media_type=media_type, filename=filename)
