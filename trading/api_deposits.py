"""Deposit endpoints: staff confirm a deposit, the bank posts a signed notice, and the
bidder's own "I paid" is refused.

* ``POST /listings/{id}/registrations/{registration_id}/deposit``: a cashier (出纳) or
  the trading centre's registrar confirms a deposit received, with the bank's serial
  number. Not a bidder, and not an admin: confirming money is a duty of the role itself.
* ``GET /listings/{id}/registrations``: the registrations and deposits (same staff).
* ``POST /deposits/bank-notices``: a notice signed by the bank (HMAC-SHA256 of the raw
  body in ``X-Bank-Signature``); no user token involved, the signature is the credential.
* ``POST /listings/{id}/registrations/me/deposit``: the old self-confirmation, now 403.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Request
from sqlalchemy.orm import Session

from gis.auth.deps import require_role
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import get_session, transaction
from trading import deposits, repository, service, views
from trading.errors import SelfConfirmation
from trading.roles import BIDDER, CASHIER
from trading.schemas import DepositConfirmIn, RegistrationView

api = APIRouter()
cashier = require_role(CASHIER, Role.REGISTRAR, admin=False)
bidder = require_role(BIDDER, admin=False)


@api.post("/listings/{listing_id}/registrations/me/deposit", response_model=RegistrationView)
def self_confirmation(listing_id: int, _: Principal = Depends(bidder)) -> dict[str, Any]:
    """Refused (403): a bidder cannot confirm its own deposit. (Declared before the staff
    route, whose ``{registration_id}`` would otherwise match ``me``.)"""
    raise SelfConfirmation(
        "竞买人不能自行确认保证金：保证金由交易中心出纳确认或以银行到账通知为准；"
        "a bidder cannot confirm its own deposit: the centre's cashier or the bank's "
        "notice confirms it",
        field="deposit",
    )


@api.get("/listings/{listing_id}/registrations", response_model=list[RegistrationView])
def registrations(
    listing_id: int, session: Session = Depends(get_session), _: Principal = Depends(cashier)
) -> list[dict[str, Any]]:
    """Every registration of a listing with its deposit (cashier or registrar)."""
    listing = service.get_listing(session, listing_id)
    return [views.registration(r) for r in repository.registrations(session, listing.id)]


@api.post(
    "/listings/{listing_id}/registrations/{registration_id}/deposit",
    response_model=RegistrationView,
)
def confirm_deposit(
    listing_id: int,
    registration_id: int,
    body: DepositConfirmIn,
    session: Session = Depends(get_session),
    actor: Principal = Depends(cashier),
) -> dict[str, Any]:
    """Confirm that the whole deposit reached the centre's account (cashier or registrar)."""
    with transaction(session):
        reg = deposits.confirm_by_staff(
            session, listing_id, registration_id, body.amount, body.reference, actor
        )
    return views.registration(reg)


@api.post("/deposits/bank-notices", response_model=RegistrationView)
async def bank_notice(
    request: Request,
    signature: str | None = Header(None, alias=deposits.SIGNATURE_HEADER),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Apply a deposit notice signed by the bank: verified, matched, applied once."""
    body = await request.body()

    def apply() -> dict[str, Any]:
        with transaction(session):
            reg = deposits.accept_bank_notice(session, body, signature)
        return views.registration(reg)

    return await anyio.to_thread.run_sync(apply)
