"""Identity: a token is only as good as its user is now (exists, active, same role, same
token version, not signed out); malformed tokens are 401 problems, never 500."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.auth import accounts
from gis.auth.identity import AuthCache
from gis.auth.models import AuthEvent, User
from gis.auth.service import add_user, issue_token
from gis.settings import Settings, override_settings

PASSWORD = "correct horse battery"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _forged(key: str, **claims: Any) -> str:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "sub": "1",
        "name": "admin",
        "role": "admin",
        "ver": 0,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, key, algorithm="HS256")


@pytest.fixture
def short_ttl(settings: Settings) -> Iterator[float]:
    """The user cache kept 0.3 s, as another server process would see a change."""
    override_settings(settings.model_copy(update={"identity_cache_seconds": 0.3}))
    try:
        yield 0.3
    finally:
        override_settings(settings)


def _new_user(client: TestClient, admin: dict[str, str], role: str) -> tuple[int, str, str]:
    name = f"id-{role}-{uuid.uuid4().hex[:8]}"
    made = client.post(
        "/api/v1/users", headers=admin, json={"username": name, "password": PASSWORD, "role": role}
    )
    assert made.status_code == 201, made.text
    got = client.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
    assert got.status_code == 200, got.text
    return made.json()["id"], name, got.json()["access_token"]


def test_a_token_for_a_user_that_does_not_exist_cannot_write(
    client: TestClient, db: Session, settings: Settings
) -> None:
    """The finding: a validly signed token naming user 99999999 created an admin."""
    token = _forged(settings.jwt_secret(), sub="99999999", name="ghost")
    body = {"username": "ghost-made", "password": "12345678abc", "role": "admin"}
    r = client.post("/api/v1/users", json=body, headers=_bearer(token))
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == "Authorization"
    assert db.scalar(select(User).where(User.username == "ghost-made")) is None


def test_a_deactivated_users_token_is_refused_at_once(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    admin = auth("admin")
    uid, _, token = _new_user(client, admin, "planner")
    assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 200
    off = client.post(f"/api/v1/users/{uid}/deactivate", headers=admin)
    assert off.status_code == 200 and off.json()["active"] is False
    r = client.get("/api/v1/auth/me", headers=_bearer(token))
    assert r.status_code == 401 and r.json()["field"] == "Authorization"
    again = client.post(
        "/api/v1/auth/token", data={"username": off.json()["username"], "password": PASSWORD}
    )
    assert again.status_code == 401  # cannot sign in either


def test_a_change_made_by_another_process_takes_effect_within_the_ttl(
    client: TestClient, db: Session, short_ttl: float
) -> None:
    """Another process (the CLI, another worker) deactivates: no local cache invalidation,
    the token still passes from the cache, then is refused once the TTL has passed."""
    user = add_user(db, f"id-far-{uuid.uuid4().hex[:6]}", PASSWORD, "surveyor")
    headers = _bearer(issue_token(user))
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    accounts.deactivate(db, user)  # as `landgis user deactivate` would, elsewhere
    time.sleep(short_ttl + 0.1)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_a_role_change_takes_effect(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    admin = auth("admin")
    uid, name, old = _new_user(client, admin, "admin")
    demoted = client.put(f"/api/v1/users/{uid}/role", headers=admin, json={"role": "planner"})
    assert demoted.status_code == 200 and demoted.json()["role"] == "planner"
    body = {"username": f"x-{uuid.uuid4().hex[:6]}", "password": "12345678abc", "role": "admin"}
    assert client.post("/api/v1/users", json=body, headers=_bearer(old)).status_code == 401
    fresh = client.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
    assert fresh.json()["role"] == "planner"
    r = client.post("/api/v1/users", json=body, headers=_bearer(fresh.json()["access_token"]))
    assert r.status_code == 403


def test_a_password_change_ends_the_tokens_issued_before(client: TestClient, db: Session) -> None:
    user = add_user(db, f"id-pw-{uuid.uuid4().hex[:6]}", PASSWORD, "registrar")
    headers = _bearer(issue_token(user))
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    accounts.set_password(db, user, "another long password")
    client.app.state.auth_cache.forget(user.id)  # as the route that changed it would
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    kinds = db.scalars(select(AuthEvent.kind).where(AuthEvent.user_id == user.id)).all()
    assert "password_changed" in kinds


def test_logout_revokes_that_token_only(client: TestClient, db: Session) -> None:
    user = add_user(db, f"id-out-{uuid.uuid4().hex[:6]}", PASSWORD, "inspector")
    first, second = _bearer(issue_token(user)), _bearer(issue_token(user))
    assert client.get("/api/v1/auth/me", headers=first).status_code == 200
    out = client.post("/api/v1/auth/logout", headers=first)
    assert out.status_code == 204
    r = client.get("/api/v1/auth/me", headers=first)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert client.post("/api/v1/auth/logout", headers=first).status_code == 401
    assert client.get("/api/v1/auth/me", headers=second).status_code == 200
    client.app.state.auth_cache.forget()  # not even a fresh read brings the first token back
    assert client.get("/api/v1/auth/me", headers=first).status_code == 401


def test_admins_cannot_lock_themselves_out_and_ids_are_checked(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    admin = auth("admin")
    me = client.get("/api/v1/auth/me", headers=admin).json()["id"]
    assert client.post(f"/api/v1/users/{me}/deactivate", headers=admin).status_code == 409
    role = client.put(f"/api/v1/users/{me}/role", headers=admin, json={"role": "bidder"})
    assert role.status_code == 409
    assert client.post("/api/v1/users/2147483647/deactivate", headers=admin).status_code == 404
    huge = client.post(f"/api/v1/users/{2**63}/deactivate", headers=admin)
    assert huge.status_code == 422
    bidder = auth("bidder")
    assert client.post(f"/api/v1/users/{me}/deactivate", headers=bidder).status_code == 403


@pytest.mark.parametrize(
    "case",
    ["no exp", "no iat", "no sub", "alg none", "wrong key", "garbage", "expired", "huge sub",
     "text sub", "unknown role", "no jti"],
)  # fmt: skip
def test_malformed_tokens_are_401_problems(
    client: TestClient, db: Session, settings: Settings, case: str
) -> None:
    user = add_user(db, f"id-bad-{uuid.uuid4().hex[:6]}", PASSWORD, "admin")
    key, sub = settings.jwt_secret(), str(user.id)
    now = datetime.now(UTC)
    token = {
        "no exp": lambda: _forged(key, sub=sub, exp=None),
        "no iat": lambda: _forged(key, sub=sub, iat=None),
        "no sub": lambda: _forged(key, sub=None),
        "alg none": lambda: jwt.encode(
            {"sub": sub, "name": "a", "role": "admin", "iat": now, "exp": now + timedelta(1)},
            None,
            algorithm="none",
        ),
        "wrong key": lambda: _forged("not-the-key-" * 4, sub=sub),
        "garbage": lambda: "eyJhbGciOiJIUzI1NiJ9.garbage.!!",
        "expired": lambda: _forged(key, sub=sub, exp=now - timedelta(seconds=5)),
        "huge sub": lambda: _forged(key, sub=str(2**63)),
        "text sub": lambda: _forged(key, sub="admin"),
        "unknown role": lambda: _forged(key, sub=sub, role="emperor"),
        "no jti": lambda: _forged(key, sub=sub, jti=None),
    }[case]()
    r = client.get("/api/v1/users", headers=_bearer(token))
    assert r.status_code == 401, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == "Authorization"


def test_the_per_request_check_costs_well_under_a_millisecond(
    client: TestClient, db: Session
) -> None:
    """Measured: the whole check (cached token claims + cached user state) per request."""
    user = add_user(db, f"id-cost-{uuid.uuid4().hex[:6]}", PASSWORD, "planner")
    token = issue_token(user)
    cache: AuthCache = client.app.state.auth_cache
    cache.check(db, cache.claims(token))  # warm both caches
    n = 20_000
    started = time.perf_counter()
    for _ in range(n):
        cache.check(db, cache.claims(token))
    cached_us = (time.perf_counter() - started) / n * 1e6
    reads = []
    for _ in range(50):
        cache.forget(user.id)
        t0 = time.perf_counter()
        cache.check(db, cache.claims(token))
        reads.append(time.perf_counter() - t0)
    miss_ms = sorted(reads)[len(reads) // 2] * 1e3
    print(f"identity check: cached {cached_us:.2f} us/request, cache miss median {miss_ms:.2f} ms")
    assert cached_us < 100  # well under 1 ms
