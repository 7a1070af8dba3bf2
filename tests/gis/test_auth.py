"""Auth: password flow issues tokens; no token is 401, a wrong role 403, bad tokens refused."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.auth.models import User
from gis.auth.service import add_user


def test_password_flow_and_me(client: TestClient, db: Session) -> None:
    add_user(db, "li.wei", "s3cret-password", "registrar", "李伟")
    stored = db.scalar(select(User).where(User.username == "li.wei"))
    assert stored is not None and stored.password_hash.startswith("$argon2")
    r = client.post(
        "/api/v1/auth/token", data={"username": "li.wei", "password": "s3cret-password"}
    )
    assert r.status_code == 200
    token = r.json()["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "registrar" and me.json()["role_zh"] == "登记员"


def test_wrong_password_is_401_problem(client: TestClient, db: Session) -> None:
    add_user(db, "zhang", "right-password", "surveyor")
    r = client.post("/api/v1/auth/token", data={"username": "zhang", "password": "wrong"})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == "password"


def test_no_token_is_401(client: TestClient) -> None:
    r = client.get("/api/v1/users")
    assert r.status_code == 401 and r.json()["field"] == "Authorization"


def test_forged_token_is_401(client: TestClient) -> None:
    r = client.get("/api/v1/users", headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401


def test_wrong_role_is_403_and_nothing_written(
    client: TestClient, db: Session, auth: Callable[[str], dict[str, str]]
) -> None:
    body = {"username": "intruder", "password": "12345678abc", "role": "admin"}
    r = client.post("/api/v1/users", json=body, headers=auth("bidder"))
    assert r.status_code == 403
    assert db.scalar(select(User).where(User.username == "intruder")) is None


def test_admin_creates_user_and_bad_role_names_field(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    ok = client.post(
        "/api/v1/users",
        headers=auth("admin"),
        json={"username": "planner1", "password": "plan-the-city", "role": "planner"},
    )
    assert ok.status_code == 201 and ok.json()["role"] == "planner"
    bad = client.post(
        "/api/v1/users",
        headers=auth("admin"),
        json={"username": "x1", "password": "12345678abc", "role": "emperor"},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "role"


def test_duplicate_user_is_409(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    body = {"username": "dup", "password": "12345678abc", "role": "planner"}
    assert client.post("/api/v1/users", json=body, headers=auth("admin")).status_code == 201
    again = client.post("/api/v1/users", json=body, headers=auth("admin"))
    assert again.status_code == 409 and again.json()["field"] == "username"
