"""Accounts and tokens: argon2 password hashes, HS256-signed JWT bearer tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.auth.models import User
from gis.auth.roles import Role
from gis.errors import Conflict, InvalidInput, NotAuthenticated
from gis.settings import get_settings

_hasher = PasswordHasher()
ALGORITHM = "HS256"


class UserExists(Conflict):
    """A user with that name exists already."""


class BadCredentials(NotAuthenticated):
    """Unknown user, wrong password or an invalid token."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: a signed-in user's id, name and role."""

    user_id: int
    username: str
    role: Role


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {value!r}; use one of {allowed}", field="role") from None


def add_user(
    session: Session, username: str, password: str, role: str, full_name: str = ""
) -> User:
    """Create a user with an argon2-hashed password; commits."""
    parsed = parse_role(role)
    if len(password) < 8:
        raise InvalidInput("password must be at least 8 characters", field="password")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise UserExists(f"user {username!r} exists already", field="username")
    user = User(
        username=username,
        full_name=full_name,
        role=parsed.value,
        password_hash=_hasher.hash(password),
    )
    session.add(user)
    session.commit()
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise BadCredentials("unknown user or wrong password", field="username")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise BadCredentials("unknown user or wrong password", field="password") from None
    return user


def issue_token(user: User) -> str:
    """A signed bearer token for ``user``, valid for ``token_ttl_minutes``."""
    settings = get_settings()
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "name": user.username,
        "role": user.role,
        "iat": now,
        "exp": now + timedelta(minutes=settings.token_ttl_minutes),
    }
    return jwt.encode(claims, settings.jwt_secret(), algorithm=ALGORITHM)


def principal_from_token(token: str) -> Principal:
    """Check a token's signature and expiry; return who it names."""
    try:
        claims = jwt.decode(token, get_settings().jwt_secret(), algorithms=[ALGORITHM])
        return Principal(int(claims["sub"]), str(claims["name"]), Role(claims["role"]))
    except (jwt.PyJWTError, KeyError, ValueError):
        raise BadCredentials("invalid or expired token", field="Authorization") from None
