"""Every trading route as every role: admin, cashier, registrar, bidder, planner, anonymous
and a forged token (a real bidder's claims signed with another key).

Each route is called by the roles it refuses first (exact 401/403, problem+json), then by
each role it allows, on fresh data, which must succeed with the route's own status.
Registration, deposits and bids are for the bidder role itself (an admin is 403);
deposits are confirmed by a cashier or the centre's registrar, never an admin or a bidder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gis.auth.service import ALGORITHM
from tests.trading.conftest import Person, act, company_code, published, registered, terms
from trading import repository, service
from trading.models import Listing
from trading.schemas import ListingCreate

URL = "/api/v1/trading"
FORGED_KEY = "a forged key that is not the server secret, 32+ bytes"
ROLES = ("admin", "cashier", "registrar", "bidder", "planner", "anonymous", "forged")


@dataclass
class World:
    """The people of one test and the free parcel it offers."""

    db: Session
    people: dict[str, Person]
    parcels: list[tuple[str, str]]

    @property
    def parcel(self) -> tuple[str, str]:
        """A parcel no listing of this test offers yet (a published one holds its parcel)."""
        return self.parcels.pop()

    def headers(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        if role == "forged":
            bidder = self.people["bidder"].principal
            claims = {"sub": str(bidder.user_id), "name": bidder.username, "role": "bidder"}
            claims["exp"] = 4102444800  # 2100: only the signature is wrong
            return {"Authorization": "Bearer " + jwt.encode(claims, FORGED_KEY, ALGORITHM)}
        return self.people[role].headers

    def draft(self, **over: Any) -> Listing:
        code, land_use = self.parcel
        body = terms([code], land_use, **over)
        registrar = self.people["registrar"].principal
        return act(self.db, service.create_listing, ListingCreate.model_validate(body), registrar)

    def open_listing(self, register: bool = False, pay: bool = False) -> Listing:
        code, land_use = self.parcel
        listing = published(self.db, self.people["registrar"].principal, terms([code], land_use))
        if register:
            registered(self.db, listing, self.people["bidder"].principal, pay=pay)
        return listing

    def past_deadline(self, closed: bool = False) -> Listing:
        code, land_use = self.parcel
        body = terms([code], land_use, opens_in=-timedelta(days=12))
        listing = published(self.db, self.people["registrar"].principal, body)
        if closed:
            act(self.db, service.close_listing, listing.id)
        return listing


def _upcoming(w: World) -> dict[str, Any]:
    code, land_use = w.parcel
    return terms([code], land_use, opens_in=timedelta(days=21), announced_days_before=21)


def _etag(w: World, listing: Listing) -> dict[str, str]:
    return {"If-Match": f'"{repository.listing_etag(w.db, listing.id)}"'}


def _reg_id(w: World, listing: Listing) -> int:
    reg = repository.registration(w.db, listing.id, w.people["bidder"].principal.user_id)
    assert reg is not None
    return reg.id


# (name, allowed roles, success status, call(client, world, headers) -> response)
Call = Callable[[TestClient, World, dict[str, str]], Any]
REGISTRAR = ("admin", "registrar")
MONEY = ("cashier", "registrar")
BIDDER = ("bidder",)
PUBLIC = ROLES
ROUTES: list[tuple[str, tuple[str, ...], int, Call]] = [
    ("list", PUBLIC, 200, lambda c, w, h: c.get(f"{URL}/listings", headers=h)),
    ("get", PUBLIC, 200, lambda c, w, h: c.get(f"{URL}/listings/{w.open_listing().id}", headers=h)),
    (
        "live",
        PUBLIC,
        200,
        lambda c, w, h: c.get(f"{URL}/listings/{w.open_listing().id}/live", headers=h),
    ),
    (
        "bids",
        PUBLIC,
        200,
        lambda c, w, h: c.get(f"{URL}/listings/{w.open_listing().id}/bids", headers=h),
    ),
    ("records", PUBLIC, 200, lambda c, w, h: c.get(f"{URL}/records", headers=h)),
    ("statistics", PUBLIC, 200, lambda c, w, h: c.get(f"{URL}/statistics", headers=h)),
    (
        "create",
        REGISTRAR,
        201,
        lambda c, w, h: c.post(f"{URL}/listings", json=_upcoming(w), headers=h),
    ),
    (
        "patch",
        REGISTRAR,
        200,
        lambda c, w, h: (
            lambda d: c.patch(
                f"{URL}/listings/{d.id}", json={"title": "改 edited"}, headers={**h, **_etag(w, d)}
            )
        )(w.draft()),
    ),
    (
        "staff",
        REGISTRAR,
        200,
        lambda c, w, h: c.get(f"{URL}/listings/{w.draft().id}/staff", headers=h),
    ),
    (
        "delete",
        REGISTRAR,
        204,
        lambda c, w, h: c.delete(f"{URL}/listings/{w.draft().id}", headers=h),
    ),
    (
        "publish",
        REGISTRAR,
        200,
        lambda c, w, h: c.post(
            f"{URL}/listings/{w.draft(opens_in=timedelta(days=21), announced_days_before=21).id}"
            "/publish",
            headers=h,
        ),
    ),
    (
        "close",
        REGISTRAR,
        200,
        lambda c, w, h: c.post(f"{URL}/listings/{w.past_deadline().id}/close", headers=h),
    ),
    (
        "result",
        REGISTRAR,
        200,
        lambda c, w, h: c.post(
            f"{URL}/listings/{w.past_deadline(closed=True).id}/result", headers=h
        ),
    ),
    (
        "registrations",
        MONEY,
        200,
        lambda c, w, h: c.get(
            f"{URL}/listings/{w.open_listing(register=True).id}/registrations", headers=h
        ),
    ),
    (
        "confirm deposit",
        MONEY,
        200,
        lambda c, w, h: (
            lambda x: c.post(
                f"{URL}/listings/{x.id}/registrations/{_reg_id(w, x)}/deposit",
                json={"amount": "200000.00", "reference": "BK-20261202-1"},
                headers=h,
            )
        )(w.open_listing(register=True)),
    ),
    (
        "register",
        BIDDER,
        201,
        lambda c, w, h: c.post(
            f"{URL}/listings/{w.open_listing().id}/registrations",
            json={
                "kind": "legal",
                "name": f"{w.people['bidder'].principal.username} 有限公司",
                "id_number": company_code(w.people["bidder"].principal.user_id),
            },
            headers=h,
        ),
    ),
    (
        "my registration",
        BIDDER,
        200,
        lambda c, w, h: c.get(
            f"{URL}/listings/{w.open_listing(register=True).id}/registrations/me", headers=h
        ),
    ),
    (
        "onsite request",
        BIDDER,
        200,
        lambda c, w, h: c.post(
            f"{URL}/listings/{w.open_listing(register=True, pay=True).id}/onsite-requests",
            headers=h,
        ),
    ),
    (
        "bid",
        BIDDER,
        201,
        lambda c, w, h: c.post(
            f"{URL}/listings/{w.open_listing(register=True, pay=True).id}/bids",
            json={"amount": "1000000.00"},
            headers=h,
        ),
    ),
    (
        "self-confirmed deposit",
        (),
        0,
        lambda c, w, h: c.post(
            f"{URL}/listings/{w.open_listing(register=True).id}/registrations/me/deposit",
            json={"amount": "200000.00"},
            headers=h,
        ),
    ),
]


def _refusal(route: str, allowed: tuple[str, ...], role: str) -> int:
    """The status a refused role gets: 401 without a valid token, else 403."""
    if role in ("anonymous", "forged"):
        return 401
    return 403


@pytest.mark.parametrize(("name", "allowed", "status", "call"), ROUTES, ids=[r[0] for r in ROUTES])
def test_each_route_as_each_role(  # type: ignore[no-untyped-def]
    client: TestClient, db: Session, person, free_parcels, name, allowed, status, call
) -> None:
    w = World(db, {r: person(r, f"{r}-m") for r in ROLES[:5]}, list(free_parcels))
    for role in ROLES:
        if role in allowed:
            continue
        resp = call(client, w, w.headers(role))
        assert resp.status_code == _refusal(name, allowed, role), (name, role, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
    for role in allowed:
        resp = call(client, w, w.headers(role))
        assert resp.status_code == status, (name, role, resp.text)


def test_bank_notices_ignore_tokens_and_need_the_signature(  # type: ignore[no-untyped-def]
    client: TestClient, db: Session, person, free_parcels
) -> None:
    """No role, admin included, can post a bank notice without the bank's signature."""
    w = World(db, {r: person(r, f"{r}-n") for r in ROLES[:5]}, list(free_parcels))
    listing = w.open_listing(register=True)
    for role in ROLES:
        resp = client.post(
            f"{URL}/deposits/bank-notices", content=b'{"notice_id": "x"}', headers=w.headers(role)
        )
        assert resp.status_code == 403, (role, resp.text)
        assert resp.json()["field"] == "X-Bank-Signature"
    reg = repository.registration(db, listing.id, w.people["bidder"].principal.user_id)
    assert reg is not None and reg.deposit_status == "unpaid"
