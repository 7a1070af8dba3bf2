"""The one table from domain error categories to HTTP statuses, and the problem+json body."""

from __future__ import annotations

import logging
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from gis import errors as e
from gis.edge import is_staff

STATUS: list[tuple[type[e.LandgisError], int]] = [
    (e.InvalidInput, 422),
    (e.NotFound, 404),
    (e.Conflict, 409),
    (e.PreconditionFailed, 412),
    (e.PreconditionRequired, 428),
    (e.NotAuthenticated, 401),
    (e.PermissionDenied, 403),
    (e.PayloadTooLarge, 413),
    (e.UnsupportedFormat, 415),
    (e.TooManyRequests, 429),
    (e.Gone, 410),
    (e.Unavailable, 503),
]
PROBLEM = "application/problem+json"


def status_of(exc: e.LandgisError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


_PATH = re.compile(r"(?:/[\w.@+-]+){2,}/?")


def without_server_paths(detail: str) -> str:
    """``detail`` with absolute file paths under server folders (the data, code, virtual
    environment and temporary folders) cut to their last part."""
    roots = _server_roots()

    def cut(m: re.Match[str]) -> str:
        path = m.group(0)
        if any(path.startswith(root) for root in roots):
            return path.rstrip("/").rsplit("/", 1)[-1]
        return path

    return _PATH.sub(cut, detail)


def _server_roots() -> tuple[str, ...]:
    from gis.settings import REPO_ROOT, get_settings

    s = get_settings()
    folders = {s.data_dir, s.files_dir, REPO_ROOT, Path(tempfile.gettempdir()), Path(sys.prefix)}
    return tuple(str(f) + "/" for f in folders) + ("/tmp/", "/home/", "/root/", "/usr/", "/var/")


TITLES_ZH = {
    400: "请求有误",
    401: "未登录或凭证无效",
    403: "无权进行此操作",
    404: "未找到",
    405: "不支持此方法",
    409: "与当前状态冲突",
    410: "已注销",
    412: "版本已变更",
    413: "内容过大",
    415: "不支持的格式",
    422: "输入无效",
    428: "缺少 If-Match 版本",
    429: "请求过多",
    500: "服务器内部错误",
    503: "服务暂不可用",
}
_CJK = re.compile(r"[\u3400-\u9fff]")


def language(request: Request) -> str | None:
    """``en`` or ``zh`` as the caller's Accept-Language prefers; None without the header
    (the answer then gives both, Chinese first)."""
    if not request.headers.get("accept-language"):
        return None
    ranked = []
    for i, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        if tag:
            ranked.append((-weight, i, tag.lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("en"):
            return "en"
        if tag.startswith("zh") or tag == "*":
            return "zh"
    return "zh"


def split_detail(detail: str) -> tuple[str, str]:
    """(Chinese, English) of a detail written "中文；English" or "中文 / English"; a detail
    in one language only is returned for both."""
    for sep in ("；", " / "):
        zh, found, en = detail.partition(sep)
        if found and _CJK.search(zh) and en.strip() and not _CJK.search(en):
            return zh.strip(), en.strip()
    return detail, detail


def problem(
    status: int,
    title: str,
    detail: str,
    request: Request,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """An ``application/problem+json`` answer in the caller's language (Accept-Language:
    ``zh`` or ``en``; without the header both, Chinese first), with each language beside
    it (``title_zh``/``title_en``, ``detail_zh``/``detail_en``)."""
    lang = language(request)
    full = detail  # server paths are cut by the caller (kept for staff: see _domain)
    detail_zh, detail_en = split_detail(full)
    title_zh = TITLES_ZH.get(status, title)
    body = {
        "type": "about:blank",
        "title": {"zh": title_zh, "en": title}.get(lang or "", title),
        "status": status,
        "detail": {"zh": detail_zh, "en": detail_en}.get(lang or "", full),
        "instance": request.url.path,
        "title_zh": title_zh,
        "title_en": title,
        "detail_zh": detail_zh,
        "detail_en": detail_en,
        **{k: v for k, v in extra.items() if v is not None},
    }
    headers = {**(headers or {}), "Content-Language": lang or "zh, en"}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, e.LandgisError)
    headers = None
    if isinstance(exc, (e.TooManyRequests, e.Unavailable)):
        headers = {"Retry-After": str(exc.retry_after)}
    detail = exc.detail
    if not is_staff(request.headers.get("authorization")):
        detail = without_server_paths(detail)  # staff may need the folder (import root)
    return problem(
        status_of(exc),
        exc.title,
        detail,
        request,
        headers,
        field=exc.field,
        code=type(exc).__name__,
        **exc.extra,
    )


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": ".".join(str(p) for p in err["loc"] if p != "body"), "message": err["msg"]}
        for err in exc.errors()
    ]
    first = errors[0] if errors else {"field": None, "message": "invalid request"}
    return problem(
        422,
        "Invalid input",
        f"{first['field']}: {first['message']}",
        request,
        field=first["field"],
        errors=errors,
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, _TITLES.get(exc.status_code, "Error"), str(exc.detail), request)


_TITLES = {
    404: "Not found",
    405: "Method not allowed",
    401: "Not authenticated",
    403: "Forbidden",
    413: "Payload too large",
    410: "Gone",
    429: "Too many requests",
}


# --- limits: database refusals of bad input, timeouts, and the last-resort 500 ----------
log = logging.getLogger("landgis.errors")
RETRY_AFTER_TIMEOUT_S = 5


def _field_at_fault(request: Request) -> str | None:
    """The path or query parameter most likely at fault: a number past 32 bits or text
    holding a NUL or a lone surrogate (the edge refuses most of these already)."""
    from gis.limits import INT32_MAX, bad_text

    params = [*request.path_params.items(), *request.query_params.items()]
    for name, value in params:
        text = str(value)
        if bad_text(text):
            return str(name)
        digits = text.lstrip("-")
        if digits.isdigit() and int(digits) > INT32_MAX:
            return str(name)
    return None


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    """The database refused a value (number out of range, NUL in text): the input's fault."""
    field = _field_at_fault(request)
    detail = "数值超出范围或文本含有非法字符；a value is out of range or holds a NUL character"
    return problem(422, "Invalid input", detail, request, field=field)


async def _operational(request: Request, exc: Exception) -> JSONResponse:
    """A statement past its time limit is a 503 with Retry-After; anything else a 500."""
    import psycopg.errors

    orig = getattr(exc, "orig", None)
    if isinstance(orig, psycopg.errors.QueryCanceled):
        detail = "请求超时，请缩小范围后重试；the request took too long, try a smaller one"
        headers = {"Retry-After": str(RETRY_AFTER_TIMEOUT_S)}
        return problem(503, "Service unavailable", detail, request, headers)
    return await _internal(request, exc)


async def _unicode(request: Request, exc: Exception) -> JSONResponse:
    """Text that cannot be encoded (a lone surrogate from a JSON escape): 422."""
    if isinstance(exc, UnicodeEncodeError):
        detail = "文本含有非法字符；the text holds a lone surrogate"
        return problem(422, "Invalid input", detail, request)
    return await _internal(request, exc)


async def _internal(request: Request, exc: Exception) -> JSONResponse:
    """Any other error: logged with its traceback, answered as a problem body without
    details (no server paths, no SQL)."""
    log.error("unhandled error on %s %s", request.method, request, exc_info=exc)
    detail = "服务器内部错误；internal server error"
    return problem(500, "Internal server error", detail, request)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into application/problem+json."""
    app.add_exception_handler(e.LandgisError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(sa_exc.DataError, _data_error)
    app.add_exception_handler(sa_exc.OperationalError, _operational)
    app.add_exception_handler(UnicodeError, _unicode)
    app.add_exception_handler(Exception, _internal)
