"""FastAPI dependencies: who is calling, and whether their role may write."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from gis.auth import tokens
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.errors import NotAuthenticated, PermissionDenied

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def optional_principal(token: str | None = Depends(oauth2_scheme)) -> Principal | None:
    """The caller if a token was sent (an invalid token is refused, not ignored)."""
    return tokens.principal(token) if token else None


def current_principal(principal: Principal | None = Depends(optional_principal)) -> Principal:
    """The signed-in caller; 401 without a token."""
    if principal is None:
        raise NotAuthenticated(
            "sign in first: send 'Authorization: Bearer <token>'", field="Authorization"
        )
    return principal


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
