"""Accounts and tokens: argon2 password hashes, HS256-signed JWT bearer tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.auth.models import User
from gis.auth.roles import Role
from gis.db import transaction
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
    """A role name's form (InvalidInput naming ``role``); whether the house knows the role
    is the entry point's check against its role book (``RoleBook.parse``), and the
    database's (``app_user.role``)."""
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput(f"not a role name: {value!r}", field="role") from None


def add_user(
    session: Session, username: str, password: str, role: str, full_name: str = ""
) -> User:
    """Create a user with an argon2-hashed password, in the caller's unit of work or, when
    none is open, in its own (committed: scripts and tests rely on that)."""
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
    with transaction(session):
        session.add(user)
    return user


def issue_token(user: User) -> str:
    """A signed bearer token for ``user``, valid for ``token_ttl_minutes``; ``jti`` names it
    (logout revokes it), ``ver`` is the user's token version when it was issued."""
    settings = get_settings()
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "name": user.username,
        "role": user.role,
        "ver": int(user.token_version or 0),
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + timedelta(minutes=settings.token_ttl_minutes),
    }
    return jwt.encode(claims, settings.jwt_secret(), algorithm=ALGORITHM)


@dataclass(frozen=True)
class TokenClaims:
    """What a validly signed, unexpired token says."""

    principal: Principal
    jti: str  # "" when the token names none (then it cannot be used: see gis.auth.identity)
    version: int
    expires: float  # POSIX seconds


MAX_USER_ID = 2**31 - 1  # app_user.id is an integer column


def claims_from_token(token: str) -> TokenClaims:
    """Check a token's signature (HS256 only), expiry and required claims (``exp``, ``iat``,
    ``sub``); return what it says. Anything else is 401, never 500."""
    try:
        claims = jwt.decode(
            token,
            get_settings().jwt_secret(),
            algorithms=[ALGORITHM],
            options={"require": ["exp", "iat", "sub"]},
        )
        user_id = int(claims["sub"])
        if not 0 < user_id <= MAX_USER_ID:
            raise ValueError("user id out of range")
        who = Principal(user_id, str(claims["name"]), Role(claims["role"]))
        return TokenClaims(
            who, str(claims.get("jti") or ""), int(claims.get("ver", 0)), float(claims["exp"])
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError, OverflowError):
        raise BadCredentials("invalid or expired token", field="Authorization") from None


def principal_from_token(token: str) -> Principal:
    """Who a token names, by its signature alone (no check against the user table)."""
    return claims_from_token(token).principal
