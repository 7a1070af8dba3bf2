"""Token endpoint (OAuth2 password flow), sign-out, the caller's own profile, and the
administrators' user management (create, list, deactivate, activate, change role)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.auth import accounts, login
from gis.auth.deps import (
    client_address,
    current_claims,
    current_principal,
    get_auth_cache,
    get_roles,
    require_role,
)
from gis.auth.identity import AuthCache
from gis.auth.models import User
from gis.auth.roles import Role, RoleBook
from gis.auth.service import MAX_USER_ID, Principal, TokenClaims, add_user, issue_token
from gis.db import get_session, transaction

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
users = APIRouter(prefix="/api/v1/users", tags=["auth"])

PROBLEM: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in, or the token is invalid, expired or revoked"},
    403: {"description": "The caller's role may not do this"},
}
UserId = Annotated[int, Path(ge=1, le=MAX_USER_ID)]


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str


class Me(BaseModel):
    id: int
    username: str
    role: str
    role_zh: str
    role_en: str


@router.post(
    "/token",
    response_model=Token,
    responses={
        401: {"description": "Unknown user or wrong password (one answer for both)"},
        429: {"description": "Too many failed sign-ins for this account or address"},
    },
)
def token(
    request: Request,
    form: OAuth2PasswordRequestForm = Depends(),
    session: Session = Depends(get_session),
) -> Token:
    """Exchange a username and password for a signed bearer token."""
    with transaction(session):  # the journal is kept whatever the outcome
        outcome = login.attempt(session, form.username, form.password, client_address(request))
    if outcome.error is not None:
        raise outcome.error
    assert outcome.user is not None
    return Token(access_token=issue_token(outcome.user), role=outcome.user.role)


@router.post("/logout", status_code=204, response_class=Response, responses=PROBLEM)
def logout(
    request: Request,
    said: TokenClaims = Depends(current_claims),
    session: Session = Depends(get_session),
    cache: AuthCache = Depends(get_auth_cache),
) -> Response:
    """Sign out: the token used for this request is refused from now on."""
    with transaction(session):
        accounts.revoke(session, said, client_address(request))
    cache.forget(said.principal.user_id)
    return Response(status_code=204)


@router.get("/me", response_model=Me, responses=PROBLEM)
def me(
    principal: Principal = Depends(current_principal), roles: RoleBook = Depends(get_roles)
) -> Me:
    """Who the token belongs to."""
    zh, en = roles.names(principal.role)
    return Me(
        id=principal.user_id,
        username=principal.username,
        role=principal.role.value,
        role_zh=zh,
        role_en=en,
    )


class UserCreate(BaseModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=8, max_length=200)
    role: Role
    full_name: str = Field("", max_length=200)


class UserPublic(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    active: bool = True


class RoleChange(BaseModel):
    role: Role


def _public(u: User) -> UserPublic:
    return UserPublic(
        id=u.id, username=u.username, full_name=u.full_name, role=u.role, active=u.active
    )


@users.post("", response_model=UserPublic, status_code=201, responses=PROBLEM)
def create_user(
    body: UserCreate,
    session: Session = Depends(get_session),
    _: Principal = Depends(require_role(Role.ADMIN)),
    roles: RoleBook = Depends(get_roles),
) -> UserPublic:
    """Create a user (administrators only)."""
    role = roles.parse(body.role).value
    user = add_user(session, body.username, body.password, role, body.full_name)
    return _public(user)


@users.get("", response_model=list[UserPublic], responses=PROBLEM)
def list_users(
    session: Session = Depends(get_session), _: Principal = Depends(require_role(Role.ADMIN))
) -> list[UserPublic]:
    """All users (administrators only)."""
    return [_public(u) for u in session.scalars(select(User).order_by(User.username))]


@users.post(
    "/{user_id}/deactivate",
    response_model=UserPublic,
    responses={**PROBLEM, 404: {"description": "No such user"}, 409: {"description": "Self"}},
)
def deactivate_user(
    user_id: UserId,
    session: Session = Depends(get_session),
    admin: Principal = Depends(require_role(Role.ADMIN)),
    cache: AuthCache = Depends(get_auth_cache),
) -> UserPublic:
    """Deactivate a user: their tokens are refused at once, they cannot sign in."""
    with transaction(session):
        user = accounts.deactivate(session, accounts.find(session, user_id), admin.user_id)
    cache.forget(user_id)
    return _public(user)


@users.post(
    "/{user_id}/activate",
    response_model=UserPublic,
    responses={**PROBLEM, 404: {"description": "No such user"}},
)
def activate_user(
    user_id: UserId,
    session: Session = Depends(get_session),
    admin: Principal = Depends(require_role(Role.ADMIN)),
    cache: AuthCache = Depends(get_auth_cache),
) -> UserPublic:
    """Let a deactivated user sign in again (tokens issued before stay refused)."""
    with transaction(session):
        user = accounts.activate(session, accounts.find(session, user_id), admin.user_id)
    cache.forget(user_id)
    return _public(user)


@users.put(
    "/{user_id}/role",
    response_model=UserPublic,
    responses={**PROBLEM, 404: {"description": "No such user"}, 409: {"description": "Self"}},
)
def change_role(
    user_id: UserId,
    body: RoleChange,
    session: Session = Depends(get_session),
    admin: Principal = Depends(require_role(Role.ADMIN)),
    roles: RoleBook = Depends(get_roles),
    cache: AuthCache = Depends(get_auth_cache),
) -> UserPublic:
    """Give a user another role; their tokens are refused until they sign in again."""
    role = roles.parse(body.role).value
    with transaction(session):
        user = accounts.find(session, user_id)
        user = accounts.set_role(session, user, role, admin.user_id)
    cache.forget(user_id)
    return _public(user)
