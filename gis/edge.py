"""The request edge: an ASGI middleware that applies :mod:`gis.limits` before any route runs.

For every HTTP request, before its body is read:
- the route class (anonymous or staff: a bearer token whose signature and expiry hold;
  JSON or upload) gives the body limit and the statement timeout;
- path and query strings holding NUL, and integers past 64 bits, are a 422;
- a ``Content-Length`` over the limit is a 413; a body streamed past it is a 413 too;
- anonymous heavy routes are counted per client address (:mod:`gis.ratelimit`): 429;
- JSON and form bodies (bounded, so read whole here) escaping NUL or a lone surrogate
  are a 422.
Every refusal is an ``application/problem+json`` body like the routes' own errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

import jwt
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gis import limits, ratelimit
from gis.settings import get_settings

_BIG_INT = re.compile(r"^-?\d{19,}$")
_BUFFERED = ("application/json", "application/x-www-form-urlencoded", "application/geo+json")


def is_staff(authorization: str | None) -> bool:
    """A bearer token whose signature and expiry hold (no database: roles are checked by
    the routes; this only picks the larger limits of signed-in callers)."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return False
    from gis.auth.service import ALGORITHM

    try:
        jwt.decode(authorization[7:].strip(), get_settings().jwt_secret(), algorithms=[ALGORITHM])
    except jwt.PyJWTError:
        return False
    return True


def too_big_int(value: str) -> bool:
    return bool(_BIG_INT.match(value)) and abs(int(value)) > limits.INT64_MAX


def url_problem(scope: Scope) -> tuple[str, str] | None:
    """(field, detail) when the path or query cannot be used, else None."""
    path: str = scope["path"]
    if limits.bad_text(path):
        return "path", f"路径含有非法字符；the path holds {limits.bad_text(path)}"
    for segment in path.split("/"):
        if too_big_int(segment):
            return "path", "路径中的编号超出范围；a number in the path is out of range"
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    for name, value in query:
        why = limits.bad_text(name) or limits.bad_text(value)
        if why:
            return name, f"查询参数含有非法字符；the query parameter holds {why}"
        if too_big_int(value):
            return name, "数值超出范围；the number is out of range"
    return None


def problem_message(status: int, title: str, detail: str, path: str, **extra: Any) -> bytes:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body["instance"] = path
    body.update({k: v for k, v in extra.items() if v is not None})
    return json.dumps(body, ensure_ascii=False).encode()


async def send_problem(
    send: Send, scope: Scope, status: int, title: str, detail: str, **extra: Any
) -> None:
    headers = [(b"content-type", b"application/problem+json")]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    retry = extra.pop("retry_after", None)
    if retry is not None:
        headers.append((b"retry-after", str(retry).encode()))
        extra["retry_after"] = retry
    body = problem_message(status, title, detail, scope["path"], **extra)
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> str:
    return f"请求体过大；the request body is over the limit of {limit} bytes"


class EdgeMiddleware:
    """Pure ASGI middleware (streams are counted, never buffered unless bounded JSON/form)."""

    def __init__(
        self, app: ASGIApp, token_routes: Sequence[tuple[frozenset[str], re.Pattern[str]]] = ()
    ) -> None:
        self.app = app
        self.token_routes = list(token_routes)  # routes that need a token whatever the body

    def needs_token(self, scope: Scope) -> bool:
        path, method = scope["path"], scope["method"]
        return any(method in m and p.match(path) for m, p in self.token_routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        staff = is_staff(headers.get("authorization"))
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        budget = limits.budget(scope["method"], scope["path"], ctype, staff)
        refused = url_problem(scope)
        if refused:
            await send_problem(send, scope, 422, "Invalid input", refused[1], field=refused[0])
            return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > budget.body_bytes):
            if not staff and self.needs_token(scope):  # the answer it gets with a small body
                detail = "请先登录；sign in first: send 'Authorization: Bearer <token>'"
                await send_problem(
                    send, scope, 401, "Not authenticated", detail, field="Authorization"
                )
                return
            await send_problem(send, scope, 413, "Payload too large", _too_large(budget.body_bytes))
            return
        if not staff and await self._rate_limited(scope, send):
            return
        if ctype in _BUFFERED:
            body = await _read_bounded(receive, budget.body_bytes)
            if body is None:
                detail = _too_large(budget.body_bytes)
                await send_problem(send, scope, 413, "Payload too large", detail)
                return
            bad_field = _bad_form(ctype, body)
            if bad_field is None and limits.bad_json_text(body.decode("utf-8", "replace")):
                bad_field = "body"
            if bad_field is not None:
                detail = "请求体含有非法字符；the body holds a NUL character or a lone surrogate"
                await send_problem(send, scope, 422, "Invalid input", detail, field=bad_field)
                return
            receive = _replay(body, receive)
        else:
            receive = _counting(receive, budget.body_bytes)
        with limits.statement_timeout(budget.statement_ms):
            await self.app(scope, receive, send)

    async def _rate_limited(self, scope: Scope, send: Send) -> bool:
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        found = limits.rate_rule(scope["method"], scope["path"], query)
        if found is None:
            return False
        rule, allowed = found
        client = scope.get("client") or ("unknown", 0)
        key = f"{rule.name}:{client[0]}"
        engine = scope["app"].state.database.engine  # the app's (gis.db.Database)
        window = get_settings().rate_window_s
        wait = await run_in_threadpool(ratelimit.hit, engine, key, allowed, window)
        if not wait:
            return False
        detail = f"请求过于频繁，请 {wait} 秒后再试；too many requests, try again in {wait} s"
        await send_problem(
            send, scope, 429, "Too many requests", detail, retry_after=wait, code="TooManyRequests"
        )
        return True


def _bad_form(ctype: str, body: bytes) -> str | None:
    """The form field holding a NUL or a lone surrogate (its name, or ``body``), else None."""
    if ctype != "application/x-www-form-urlencoded":
        return None
    for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
        if limits.bad_text(value):
            return name if not limits.bad_text(name) else "body"
        if limits.bad_text(name):
            return "body"
    return None


async def _read_bounded(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None once it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the client's own messages (a later disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _counting(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises a 413 once the streamed body passes ``limit`` bytes."""
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise HTTPException(413, _too_large(limit))
        return message

    return counted
