"""Deposits that can be trusted: confirmed by the cashier (or the centre's registrar) or by
a signed bank notice, never by the bidder; an unconfirmed deposit cannot bid; a forged,
altered, stale or replayed bank notice changes nothing; one ID number per account."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.trading.conftest import company_code, id_card, published, registered, terms
from tests.trading.test_listings import count, problem
from trading import clock, deposits, repository
from trading.models import Listing
from trading.roles import BIDDER
from trading.settings import get_trading_settings, override_trading_settings

URL = "/api/v1/trading"


@pytest.fixture
def bank_key() -> Iterator[str]:
    """The bank's HMAC key, set for this test only (trading's own settings)."""
    before = get_trading_settings()
    key = secrets.token_hex(16)
    override_trading_settings(before.model_copy(update={"trading_bank_hmac_key": key}))
    yield key
    override_trading_settings(before)


def _state(db: Session, listing: Listing, user_id: int) -> str:
    db.expire_all()
    reg = repository.registration(db, listing.id, user_id)
    assert reg is not None
    return reg.deposit_status


def _notice(listing: Listing, bidder_no: str, payer: str, **over: Any) -> dict[str, Any]:
    now = clock.now()
    body = {
        "notice_id": f"N{secrets.token_hex(6)}",
        "listing_code": listing.code,
        "bidder_no": bidder_no,
        "payer_id_number": payer,
        "amount": "200000.00",
        "reference": "ICBC-20261202-0001",
        "paid_at": (now - timedelta(minutes=5)).isoformat(),
        "sent_at": now.isoformat(),
    }
    body.update(over)
    return body


def _post(client: TestClient, body: dict[str, Any] | bytes, key: str | None) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers[deposits.SIGNATURE_HEADER] = deposits.sign(raw, key)
    return client.post(f"{URL}/deposits/bank-notices", content=raw, headers=headers)


def test_a_bidder_cannot_confirm_its_own_deposit_nor_bid_unconfirmed(  # type: ignore[no-untyped-def]
    client, db, person, free_parcels
) -> None:
    registrar, bidder = person("registrar", "dr"), person("bidder", "db1")
    code, land_use = free_parcels[16]
    listing = published(db, registrar.principal, terms([code], land_use))
    registered(db, listing, bidder.principal, pay=False)
    base = f"{URL}/listings/{listing.id}"
    reg_id = repository.registration(db, listing.id, bidder.principal.user_id).id  # type: ignore[union-attr]
    attempts = [
        client.post(
            f"{base}/registrations/me/deposit", json={"amount": "200000.00"}, headers=bidder.headers
        ),
        client.post(
            f"{base}/registrations/{reg_id}/deposit",
            json={"amount": "200000.00", "reference": "SELF-1"},
            headers=bidder.headers,
        ),
    ]
    assert problem(attempts[0], 403, "deposit")["code"] == "SelfConfirmation"
    assert attempts[1].status_code == 403
    assert _state(db, listing, bidder.principal.user_id) == "unpaid"
    refused = client.post(f"{base}/bids", json={"amount": "1000000.00"}, headers=bidder.headers)
    problem(refused, 409, "deposit")
    assert count(db, "trading_bid", f"listing_id = {listing.id}") == 0
    cashier = person("cashier", "dc")
    ok = client.post(
        f"{base}/registrations/{reg_id}/deposit",
        json={"amount": "200000.00", "reference": "BK-77"},
        headers=cashier.headers,
    )
    assert ok.status_code == 200 and ok.json()["deposit_source"] == "staff"
    twice = client.post(
        f"{base}/registrations/{reg_id}/deposit",
        json={"amount": "200000.00", "reference": "BK-78"},
        headers=cashier.headers,
    )
    problem(twice, 409, "amount")
    bid = client.post(f"{base}/bids", json={"amount": "1000000.00"}, headers=bidder.headers)
    assert bid.status_code == 201, bid.text


def test_a_signed_bank_notice_confirms_once(  # type: ignore[no-untyped-def]
    client, db, person, free_parcels, bank_key
) -> None:
    registrar, bidder = person("registrar", "br"), person("bidder", "bb1")
    code, land_use = free_parcels[17]
    listing = published(db, registrar.principal, terms([code], land_use))
    registered(db, listing, bidder.principal, pay=False)
    reg = repository.registration(db, listing.id, bidder.principal.user_id)
    assert reg is not None
    body = _notice(listing, reg.bidder_no, reg.id_number)
    ok = _post(client, body, bank_key)
    assert ok.status_code == 200, ok.text
    assert ok.json()["deposit_source"] == "bank" and ok.json()["deposit_status"] == "paid"
    replay = _post(client, body, bank_key)
    assert problem(replay, 409, "notice_id")["code"] == "NoticeReplayed"
    again = _post(client, {**body, "notice_id": "N-other"}, bank_key)  # a second notice
    problem(again, 409, "amount")  # the deposit is paid already: once only
    assert count(db, "trading_bank_notice", f"registration_id = {reg.id}") == 1
    bid = client.post(
        f"{URL}/listings/{listing.id}/bids", json={"amount": "1000000.00"}, headers=bidder.headers
    )
    assert bid.status_code == 201, bid.text


def test_forged_stale_and_mismatched_notices_change_nothing(  # type: ignore[no-untyped-def]
    client, db, person, free_parcels, bank_key
) -> None:
    registrar, bidder = person("registrar", "fr"), person("bidder", "fb1")
    code, land_use = free_parcels[18]
    listing = published(db, registrar.principal, terms([code], land_use))
    registered(db, listing, bidder.principal, pay=False)
    reg = repository.registration(db, listing.id, bidder.principal.user_id)
    assert reg is not None
    good = _notice(listing, reg.bidder_no, reg.id_number)
    raw = json.dumps(good).encode()
    altered = raw.replace(b"200000.00", b"000001.00")
    signed_then_altered = {"Content-Type": "application/json"}
    signed_then_altered[deposits.SIGNATURE_HEADER] = deposits.sign(raw, bank_key)
    old = (clock.now() - timedelta(hours=2)).isoformat()
    cases = [
        (_post(client, good, "a-guessed-key"), 403, "X-Bank-Signature"),  # forged
        (_post(client, good, None), 403, "X-Bank-Signature"),  # unsigned
        (
            client.post(
                f"{URL}/deposits/bank-notices", content=altered, headers=signed_then_altered
            ),
            403,
            "X-Bank-Signature",
        ),  # altered after signing
        (_post(client, {**good, "sent_at": old}, bank_key), 409, "sent_at"),  # stale
        (_post(client, {**good, "amount": "1.00"}, bank_key), 422, "amount"),
        (
            _post(client, {**good, "payer_id_number": company_code(999)}, bank_key),
            422,
            "payer_id_number",
        ),
        (_post(client, {**good, "bidder_no": "0000"}, bank_key), 422, "bidder_no"),
        (_post(client, {**good, "listing_code": "TR-1999-00001"}, bank_key), 422, "listing_code"),
        (_post(client, b"not json", bank_key), 422, None),
    ]
    for resp, status, field in cases:
        assert resp.status_code == status, resp.text
        if field:
            assert resp.json()["field"] == field, resp.json()
    assert _state(db, listing, bidder.principal.user_id) == "unpaid"
    assert count(db, "trading_bank_notice", f"registration_id = {reg.id}") == 0
    keyless = get_trading_settings().model_copy(update={"trading_bank_hmac_key": None})
    override_trading_settings(keyless)
    problem(_post(client, good, bank_key), 403, "X-Bank-Signature")  # no key: no notices


def test_one_id_number_per_account(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar = person("registrar", "ir")
    first, second = person("bidder", "ib1"), person("bidder", "ib2")
    (c1, u1), (c2, u2) = free_parcels[19], free_parcels[20]
    one = published(db, registrar.principal, terms([c1], u1))
    two = published(db, registrar.principal, terms([c2], u2))
    person_id = id_card(42)
    me = {"kind": "natural", "name": "张三", "id_number": person_id}
    url = f"{URL}/listings/{{}}/registrations"
    assert client.post(url.format(one.id), json=me, headers=first.headers).status_code == 201
    again = client.post(url.format(two.id), json=me, headers=first.headers)
    assert again.status_code == 201, again.text  # same account, same identity: fine
    taken = client.post(url.format(two.id), json=me, headers=second.headers)
    assert problem(taken, 409, "id_number")["code"] == "IdentityTaken"
    other = {"kind": "legal", "name": "张三有限公司", "id_number": company_code(42)}
    moved = client.post(url.format(two.id), json=other, headers=first.headers)
    problem(moved, 409, "listing_id")  # registered there already
    three = published(
        db, registrar.principal, terms(list(free_parcels[21][:1]), free_parcels[21][1])
    )
    switched = client.post(url.format(three.id), json=other, headers=first.headers)
    assert problem(switched, 409, "id_number")["code"] == "IdentityMismatch"
    renamed = client.post(url.format(three.id), json={**me, "name": "李四"}, headers=first.headers)
    problem(renamed, 409, "name")
    bad_card = {**me, "id_number": person_id[:17] + ("0" if person_id[17] != "0" else "1")}
    problem(
        client.post(url.format(three.id), json=bad_card, headers=second.headers), 422, "id_number"
    )
    code = company_code(7)
    bad_code = {**other, "id_number": code[:17] + ("A" if code[17] != "A" else "B")}
    problem(
        client.post(url.format(three.id), json=bad_code, headers=second.headers), 422, "id_number"
    )
    assert count(db, "trading_registration", f"listing_id = {three.id}") == 0


def test_two_accounts_binding_one_id_number_at_once_one_wins(engine) -> None:  # type: ignore[no-untyped-def]
    """20 trials: two accounts bind the same credit code at the same instant, each in its
    own transaction; exactly one succeeds, the other gets IdentityTaken (the unique index)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import text as sql

    from gis.auth.models import User
    from gis.auth.service import Principal
    from gis.db import transaction
    from trading import identity
    from trading.errors import IdentityTaken
    from trading.schemas import RegistrationIn

    with Session(engine, expire_on_commit=False) as s:
        users = [User(username=f"bindrace-{i}", role="bidder", password_hash="x") for i in (0, 1)]
        s.add_all(users)
        s.commit()
    people = [Principal(u.id, u.username, BIDDER) for u in users]
    try:
        for trial in range(20):
            party = RegistrationIn(
                kind="legal", name="同一公司", id_number=company_code(900 + trial)
            )
            start = threading.Barrier(2)

            def bind(who: Principal, party: RegistrationIn = party, start=start) -> str:  # type: ignore[no-untyped-def]
                with Session(engine) as s:
                    start.wait()
                    try:
                        with transaction(s):
                            identity.bind(s, who, party, clock.now())
                        return "bound"
                    except IdentityTaken:
                        return "taken"

            with ThreadPoolExecutor(2) as pool:
                outcomes = sorted(pool.map(bind, people))
            assert outcomes == ["bound", "taken"], (trial, outcomes)
            with Session(engine) as s:  # unbind for the next trial
                s.execute(
                    sql("DELETE FROM trading_bidder_identity WHERE user_id = ANY(:ids)"),
                    {"ids": [p.user_id for p in people]},
                )
                s.commit()
    finally:
        with Session(engine) as s:
            s.execute(sql("DELETE FROM app_user WHERE username LIKE 'bindrace-%'"))
            s.commit()
