"""Token endpoint (OAuth2 password flow) and the caller's own profile."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.auth.deps import current_principal, require_role
from gis.auth.models import User
from gis.auth.roles import ROLE_NAMES, Role
from gis.auth.service import Principal, add_user, authenticate, issue_token
from gis.db import get_session

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
users = APIRouter(prefix="/api/v1/users", tags=["auth"])


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


@router.post("/token", response_model=Token)
def token(
    form: OAuth2PasswordRequestForm = Depends(), session: Session = Depends(get_session)
) -> Token:
    """Exchange a username and password for a signed bearer token."""
    user = authenticate(session, form.username, form.password)
    return Token(access_token=issue_token(user), role=user.role)


@router.get("/me", response_model=Me)
def me(principal: Principal = Depends(current_principal)) -> Me:
    """Who the token belongs to."""
    zh, en = ROLE_NAMES[principal.role]
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


@users.post("", response_model=UserPublic, status_code=201)
def create_user(
    body: UserCreate,
    session: Session = Depends(get_session),
    _: Principal = Depends(require_role(Role.ADMIN)),
) -> UserPublic:
    """Create a user (administrators only)."""
    user = add_user(session, body.username, body.password, body.role.value, body.full_name)
    return UserPublic(id=user.id, username=user.username, full_name=user.full_name, role=user.role)


@users.get("", response_model=list[UserPublic])
def list_users(
    session: Session = Depends(get_session), _: Principal = Depends(require_role(Role.ADMIN))
) -> list[UserPublic]:
    """All users (administrators only)."""
    rows = session.scalars(select(User).order_by(User.username))
    return [
        UserPublic(id=u.id, username=u.username, full_name=u.full_name, role=u.role) for u in rows
    ]
