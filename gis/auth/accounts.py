"""Account changes that end the tokens already issued, sign-out, and the auth journal.

Each change bumps the user's ``token_version`` (tokens carry the version they were issued
with, so older ones are refused), writes an :class:`AuthEvent` and flushes; the caller's
unit of work commits, then calls the app's ``AuthCache.forget`` (gis.auth.identity) so
that app sees the change at once (other apps and processes within
``identity_cache_seconds``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from argon2 import PasswordHasher
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from gis.auth.models import AuthEvent, RevokedToken, User
from gis.auth.service import TokenClaims, parse_role
from gis.errors import Conflict, InvalidInput, NotFound

_hasher = PasswordHasher()


class UnknownUser(NotFound):
    """No user by that id or name."""


def journal(
    session: Session,
    kind: str,
    *,
    username: str = "",
    user_id: int | None = None,
    address: str = "",
    actor_id: int | None = None,
    detail: str = "",
) -> None:
    """Record one auth event (sign-in, failure, lockout, sign-out, account change)."""
    session.add(
        AuthEvent(
            at=datetime.now(UTC),
            kind=kind,
            username=clean_text(username, 64),
            user_id=user_id,
            address=clean_text(address, 64),
            actor_id=actor_id,
            detail=clean_text(detail, 200),
        )
    )


def clean_text(value: str, limit: int) -> str:
    """``value`` as PostgreSQL can store it: no NUL, no lone surrogate, at most ``limit``."""
    safe = value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    return safe[:limit]


def find(session: Session, key: int | str) -> User:
    """The user with id ``key`` (an int) or name ``key`` (a str); 404 otherwise."""
    if isinstance(key, int):
        user = session.get(User, key)
    else:
        user = session.scalar(select(User).where(User.username == clean_text(key, 64)))
    if user is None:
        raise UnknownUser(f"no user {key!r} / 用户不存在", field="user")
    return user


def _bump(user: User) -> None:
    user.token_version = int(user.token_version or 0) + 1


def deactivate(session: Session, user: User, actor_id: int | None = None) -> User:
    """Deactivate ``user``: their tokens stop working, they cannot sign in."""
    if actor_id is not None and actor_id == user.id:
        raise Conflict("you cannot deactivate yourself / 不能停用自己的账户", field="user")
    if user.active:
        user.active = False
        _bump(user)
        journal(session, "deactivated", username=user.username, user_id=user.id, actor_id=actor_id)
        session.flush()
    return user


def activate(session: Session, user: User, actor_id: int | None = None) -> User:
    """Let a deactivated user sign in again (their old tokens stay refused)."""
    if not user.active:
        user.active = True
        _bump(user)
        journal(session, "activated", username=user.username, user_id=user.id, actor_id=actor_id)
        session.flush()
    return user


def set_role(session: Session, user: User, role: str, actor_id: int | None = None) -> User:
    """Give ``user`` another role; tokens issued with the old one are refused."""
    new = parse_role(role).value
    if actor_id is not None and actor_id == user.id and new != user.role:
        raise Conflict("you cannot change your own role / 不能修改自己的角色", field="role")
    if new != user.role:
        old = user.role
        user.role = new
        _bump(user)
        journal(
            session,
            "role_changed",
            username=user.username,
            user_id=user.id,
            actor_id=actor_id,
            detail=f"{old} -> {new}",
        )
        session.flush()
    return user


def set_password(session: Session, user: User, password: str, actor_id: int | None = None) -> User:
    """A new password for ``user``; every token issued before is refused."""
    if len(password) < 8:
        raise InvalidInput(
            "密码至少 8 位 / password must be at least 8 characters", field="password"
        )
    user.password_hash = _hasher.hash(password)
    _bump(user)
    journal(session, "password_changed", username=user.username, user_id=user.id, actor_id=actor_id)
    session.flush()
    return user


def revoke(session: Session, said: TokenClaims, address: str = "") -> None:
    """Sign out the token ``said`` (by its jti) and prune revocations already expired."""
    now = datetime.now(UTC)
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at <= now))
    expires = datetime.fromtimestamp(said.expires, UTC)
    session.execute(
        insert(RevokedToken)
        .values(jti=said.jti, user_id=said.principal.user_id, expires_at=expires)
        .on_conflict_do_nothing(index_elements=["jti"])
    )
    journal(
        session,
        "logout",
        username=said.principal.username,
        user_id=said.principal.user_id,
        address=address,
    )
    session.flush()
