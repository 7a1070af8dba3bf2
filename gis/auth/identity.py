"""Is the user a token names still allowed to use it? Asked on every request.

A token is refused when its user does not exist, is deactivated, holds another role than
the token says, has a newer token version (bumped on a password change, deactivation and
a role change), or signed the token out (logout). The user's state is read from the
database at most once per ``identity_cache_seconds`` per app (keyed by user id, in the
app's :class:`AuthCache`), so a request costs a dictionary look-up; a change made through
this app forgets the entry at once, a change made by another process (or another app)
takes effect within that many seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.auth.roles import Role
from gis.auth.service import BadCredentials, Principal, TokenClaims
from gis.auth.tokens import TokenCache
from gis.settings import get_settings


@dataclass(frozen=True)
class UserState:
    """What the token check needs to know of one user."""

    username: str
    role: str
    active: bool
    version: int
    revoked: frozenset[str]  # jti of this user's signed-out tokens not yet expired


MAX_USERS = 50_000
_LOAD = text(
    "SELECT u.username, u.role, u.active, u.token_version, "
    "ARRAY(SELECT r.jti FROM auth_revoked_token r "
    "      WHERE r.user_id = u.id AND r.expires_at > now()) "
    "FROM app_user u WHERE u.id = :id"
)


def load(session: Session, user_id: int) -> UserState | None:
    """Read one user's state (one indexed query); None when there is no such user. A
    transaction begun for it is ended, so the route finds its session as it was (free to
    set its isolation level or run in autocommit)."""
    began = not session.in_transaction()
    row = session.execute(_LOAD, {"id": user_id}).one_or_none()
    if began:
        session.rollback()
    if row is None:
        return None
    name, role, active, version, jtis = row
    return UserState(str(name), str(role), bool(active), int(version), frozenset(jtis or ()))


def verdict(said: TokenClaims, found: UserState | None) -> Principal:
    """The principal when ``found`` still backs the token ``said``; else 401."""
    if (
        found is None
        or not found.active
        or not said.jti
        or found.role != said.principal.role.value
        or found.version != said.version
        or said.jti in found.revoked
    ):
        raise BadCredentials(
            "令牌已失效，请重新登录 / token no longer valid: sign in again", field="Authorization"
        )
    return Principal(said.principal.user_id, found.username, Role(found.role))


class AuthCache:
    """One app's (or one command's) auth caches: decoded tokens (:class:`TokenCache`) and
    user states (user id -> (``time.monotonic()`` when read, state or None for "no such
    user")). ``create_app`` makes ``app.state.auth_cache``; routes reach it through the
    request (``gis.auth.deps.get_auth_cache``), so two apps share nothing and a
    :meth:`forget` acts on its own app's entries only."""

    def __init__(self, max_users: int = MAX_USERS) -> None:
        self.tokens = TokenCache()
        self.max_users = max_users
        self.states: dict[int, tuple[float, UserState | None]] = {}

    def claims(self, token: str) -> TokenClaims:
        """What ``token`` says (signature checked once per token, see :class:`TokenCache`)."""
        return self.tokens.claims(token)

    def state(self, session: Session | None, user_id: int) -> UserState | None:
        """The state of ``user_id``, from the cache while younger than the TTL, else read
        with ``session``; ``session`` None asks the cache only (LookupError on a miss)."""
        ttl = get_settings().identity_cache_seconds
        now = time.monotonic()
        hit = self.states.get(user_id)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
        if session is None:
            raise LookupError(user_id)
        found = load(session, user_id)
        if len(self.states) >= self.max_users:
            self.states.clear()
        self.states[user_id] = (now, found)
        return found

    def check(self, session: Session, said: TokenClaims) -> Principal:
        """Every request's check: the token ``said`` against its user's current state."""
        return verdict(said, self.state(session, said.principal.user_id))

    def cached(self, said: TokenClaims) -> Principal | None:
        """The check from the cache alone (event-loop hot paths); None on a miss."""
        try:
            found = self.state(None, said.principal.user_id)
        except LookupError:
            return None
        return verdict(said, found)

    def forget(self, user_id: int | None = None) -> None:
        """Forget one user's cached state (after changing it), or every user's (tests)."""
        if user_id is None:
            self.states.clear()
        else:
            self.states.pop(user_id, None)
