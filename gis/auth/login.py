"""Sign-in: one answer for every failure, and a limit on failed attempts.

Every failure (unknown user, deactivated user, wrong password) gives the same 401, the
same ``field`` and message, and costs the same: an unknown or deactivated user's password
is verified against a dummy argon2 hash. Failed attempts are journaled in ``auth_event``
(shared by every server process) and limited per account and per client address within
``login_window_minutes``; over the limit the answer is 429 with ``Retry-After``, even for
the right password. Attempts on one account (and from one address) are serialized by
transaction-level advisory locks, so parallel guesses cannot overshoot the limit.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from gis.auth.accounts import clean_text, journal
from gis.auth.models import AuthEvent, User
from gis.auth.service import BadCredentials
from gis.errors import LandgisError, TooManyRequests
from gis.settings import get_settings

_hasher = PasswordHasher()
FAILED, LOCKED, SIGNED_IN = "login_failed", "login_locked", "login"
MESSAGE = "用户名或密码错误 / unknown user or wrong password"


@dataclass(frozen=True)
class Outcome:
    """The user signed in, or the error to raise once the journal is committed."""

    user: User | None
    error: LandgisError | None


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """An argon2 hash of a random password, made with the same parameters as real ones."""
    return _hasher.hash(secrets.token_urlsafe(24))


def _verify(stored: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def _lock(session: Session, key: str) -> None:
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})


def _retry_after(
    session: Session, where: ColumnElement[bool], since: datetime, limit: int, now: datetime
) -> int | None:
    """Seconds until fewer than ``limit`` failures matching ``where`` remain in the window."""
    nth = session.scalar(
        select(AuthEvent.at)
        .where(AuthEvent.kind == FAILED, where, AuthEvent.at > since)
        .order_by(AuthEvent.at.desc())
        .offset(limit - 1)
        .limit(1)
    )
    if nth is None:
        return None
    window = timedelta(minutes=get_settings().login_window_minutes)
    return max(1, math.ceil((nth + window - now).total_seconds()))


def _wait(session: Session, name: str, address: str, now: datetime) -> int | None:
    """Seconds this account or address must wait, or None. A successful sign-in clears the
    account's count (not the address's: one's own account must not reset guessing)."""
    settings = get_settings()
    start = now - timedelta(minutes=settings.login_window_minutes)
    last_ok = session.scalar(
        select(func.max(AuthEvent.at)).where(
            AuthEvent.kind == SIGNED_IN, AuthEvent.username == name, AuthEvent.at > start
        )
    )
    account = _retry_after(
        session,
        AuthEvent.username == name,
        max(start, last_ok or start),
        settings.login_max_failures_per_account,
        now,
    )
    by_address = _retry_after(
        session, AuthEvent.address == address, start, settings.login_max_failures_per_address, now
    )
    waits = [w for w in (account, by_address) if w is not None]
    return max(waits) if waits else None


def _lookup(session: Session, username: str) -> User | None:
    if len(username) > 64 or clean_text(username, 64) != username:
        return None  # no user can have that name (too long, NUL, lone surrogate)
    return session.scalar(select(User).where(User.username == username))


def attempt(session: Session, username: str, password: str, address: str) -> Outcome:
    """One sign-in attempt from ``address``; journaled (flush only). Never raises for bad
    credentials: the caller commits the journal, then raises ``Outcome.error``."""
    name, addr = clean_text(username, 64), clean_text(address, 64)
    _lock(session, f"landgis-login-account:{name}")
    _lock(session, f"landgis-login-address:{addr}")
    now = datetime.now(UTC)
    wait = _wait(session, name, addr, now)
    if wait is not None:
        journal(session, LOCKED, username=name, address=addr, detail=f"retry after {wait} s")
        session.flush()
        detail = (
            f"登录失败次数过多，请 {wait} 秒后再试 / too many failed sign-ins, retry in {wait} s"
        )
        return Outcome(None, TooManyRequests(detail, retry_after=wait, field="password"))
    user = _lookup(session, username)
    usable = user is not None and user.active
    ok = _verify(user.password_hash if usable and user else dummy_hash(), password)
    if not (ok and usable and user):
        journal(session, FAILED, username=name, user_id=None, address=addr)
        session.flush()
        return Outcome(None, BadCredentials(MESSAGE, field="password"))
    journal(session, SIGNED_IN, username=name, user_id=user.id, address=addr)
    session.flush()
    return Outcome(user, None)
