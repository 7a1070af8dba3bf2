"""FastAPI dependencies: who is calling, and whether their role may write.

A token is checked twice: its signature and claims (cached per token, see
:mod:`gis.auth.tokens`), then against its user's current state (cached per user for a
few seconds, see :mod:`gis.auth.identity`). Both caches are the app's
(``app.state.auth_cache``, reached with :func:`get_auth_cache`).
"""

from __future__ import annotations

from collections.abc import Callable

import anyio
from fastapi import Depends, Request
from fastapi.requests import HTTPConnection
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from gis.auth.identity import AuthCache
from gis.auth.roles import Role, RoleBook
from gis.auth.service import Principal, TokenClaims
from gis.db import app_database, get_session
from gis.errors import NotAuthenticated, PermissionDenied

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_auth_cache(connection: HTTPConnection) -> AuthCache:
    """FastAPI dependency: the auth caches (tokens, user states) of the app serving this
    request or websocket (``create_app`` makes ``app.state.auth_cache``)."""
    cache: AuthCache = connection.app.state.auth_cache
    return cache


def optional_principal(
    token: str | None = Depends(oauth2_scheme),
    session: Session = Depends(get_session),
    cache: AuthCache = Depends(get_auth_cache),
) -> Principal | None:
    """The caller if a token was sent (an invalid or revoked token is refused, not ignored)."""
    return cache.check(session, cache.claims(token)) if token else None


def current_principal(principal: Principal | None = Depends(optional_principal)) -> Principal:
    """The signed-in caller; 401 without a token."""
    if principal is None:
        raise NotAuthenticated(
            "sign in first: send 'Authorization: Bearer <token>'", field="Authorization"
        )
    return principal


def current_claims(
    token: str | None = Depends(oauth2_scheme),
    session: Session = Depends(get_session),
    cache: AuthCache = Depends(get_auth_cache),
) -> TokenClaims:
    """The signed-in caller's token claims (checked like :func:`current_principal`)."""
    if not token:
        raise NotAuthenticated(
            "sign in first: send 'Authorization: Bearer <token>'", field="Authorization"
        )
    said = cache.claims(token)
    cache.check(session, said)
    return said


async def principal_on_loop(request: Request, token: str | None) -> Principal | None:
    """:func:`optional_principal` for async hot paths: from the caches on the event loop,
    and only on a miss in a worker thread (on the app's overridden session, if any)."""
    if not token:
        return None
    cache = get_auth_cache(request)
    said = cache.claims(token)
    hit = cache.cached(said)
    if hit is not None:
        return hit
    override = request.app.dependency_overrides.get(get_session)

    def read() -> Principal:
        if override is not None:
            made = override()
            if isinstance(made, Session):
                return cache.check(made, said)
            try:
                return cache.check(next(made), said)
            finally:
                made.close()
        with app_database(request).session() as session:
            return cache.check(session, said)

    return await anyio.to_thread.run_sync(read)


def client_address(request: Request) -> str:
    """The caller's address as the server saw it (uvicorn honours X-Forwarded-For only
    from the proxies it trusts: loopback by default)."""
    return request.client.host if request.client else "unknown"


def require_role(*roles: Role, admin: bool = True) -> Callable[..., Principal]:
    """Dependency factory: the caller must hold one of ``roles``. An admin passes too
    unless ``admin=False`` (acts that need the role itself: a registrar's steps under
    separation of duties, a bidder's bids; an admin is not a registrar or a bidder)."""
    allowed = {*roles, Role.ADMIN} if admin else set(roles)

    def _check(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise PermissionDenied(f"role {principal.role.value!r} may not do this; needs {names}")
        return principal

    return _check


def get_roles(request: Request) -> RoleBook:
    """FastAPI dependency: the role book of the app serving this request (gis.auth.roles
    itself stays free of FastAPI, so a command line naming a role does not load it)."""
    book: RoleBook = request.app.state.roles
    return book
