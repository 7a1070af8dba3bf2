"""Deposits confirmed by the trading centre's staff or by a signed bank notice, never by
the bidder.

* Staff (a cashier, 出纳, or the centre's registrar) confirm a deposit that reached the
  centre's account, naming the bank's serial number: :func:`confirm_by_staff`.
* The bank posts a notice signed with HMAC-SHA256 under the key in the settings
  (``trading_bank_hmac_key``): :func:`accept_bank_notice` verifies the signature over
  the raw body before reading it, refuses a stale notice (``sent_at`` older than
  ``trading_bank_notice_max_age_s``) and a replayed one (its ``notice_id`` is stored),
  and matches the amount, the payer's ID number and the registration.

Only a confirmed deposit lets a registration bid (``deposit_status = 'paid'`` is what the
bid statement checks). Never commits: the entry point's transaction decides.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gis.auth.service import Principal
from gis.errors import InvalidInput
from trading import clock, repository
from trading.errors import (
    AlreadyDone,
    BadSignature,
    BiddingNotOpen,
    ListingNotFound,
    NoticeMismatch,
    NoticeReplayed,
    NotRegistered,
)
from trading.models import BankNotice, Listing, Registration
from trading.money import fmt
from trading.schemas import BankNoticeIn
from trading.settings import get_trading_settings

SIGNATURE_HEADER = "X-Bank-Signature"


def sign(body: bytes, key: str) -> str:
    """The signature header value of ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str | None) -> None:
    """Refuse (403) a body whose signature is missing, malformed or wrong, or any notice
    when no key is configured. Constant-time comparison."""
    key = get_trading_settings().trading_bank_hmac_key
    if not key:
        raise BadSignature(
            "未配置银行通知密钥，保证金请由出纳确认；bank notices are not configured "
            "(trading_bank_hmac_key): deposits are confirmed by the cashier",
            field=SIGNATURE_HEADER,
        )
    if not signature or not hmac.compare_digest(sign(body, key), signature.strip()):
        raise BadSignature(
            "银行通知签名无效；the bank notice's signature does not verify",
            field=SIGNATURE_HEADER,
        )


def _confirm(
    session: Session,
    listing: Listing,
    reg: Registration,
    amount: Decimal,
    source: str,
    reference: str,
    by: int | None,
    now: datetime,
) -> Registration:
    """The rules every confirmation obeys: once, the whole deposit, while bidding is open."""
    if reg.deposit_status != "unpaid":
        raise AlreadyDone(
            f"保证金已是「{reg.deposit_status}」状态；the deposit is {reg.deposit_status} already",
            field="amount",
        )
    if listing.status != "published" or now >= listing.deadline:
        raise BiddingNotOpen(
            "该公告已不再收取保证金；deposits are no longer taken for this listing",
            field="listing_id",
        )
    if amount != listing.deposit:
        cls = NoticeMismatch if source == "bank" else InvalidInput
        raise cls(
            f"保证金应为 {fmt(listing.deposit)} 元；the deposit is {fmt(listing.deposit)} yuan",
            field="amount",
        )
    reg.deposit_status = "paid"
    reg.deposit_amount = listing.deposit
    reg.deposit_paid_at = now
    reg.deposit_source = source
    reg.deposit_reference = reference
    reg.deposit_confirmed_by = by
    session.flush()  # the bid statement reads the row with plain SQL
    return reg


def confirm_by_staff(
    session: Session,
    listing_id: int,
    registration_id: int,
    amount: Decimal,
    reference: str,
    actor: Principal,
    now: datetime | None = None,
) -> Registration:
    """A cashier or the centre's registrar confirms a deposit received (role checked by the
    router: staff only, never a bidder or an admin)."""
    now = now or clock.now()
    listing = repository.listing(session, listing_id, lock=True)
    if listing is None or listing.status == "draft":
        raise ListingNotFound(f"no listing {listing_id}", field="listing_id")
    reg = session.get(Registration, registration_id, with_for_update=True)
    if reg is None or reg.listing_id != listing_id:
        raise NotRegistered(
            f"公告 {listing.code} 没有竞买登记 {registration_id}；no registration "
            f"{registration_id} for listing {listing.code}",
            field="registration_id",
        )
    return _confirm(session, listing, reg, amount, "staff", reference, actor.user_id, now)


def _parse(body: bytes) -> BankNoticeIn:
    try:
        return BankNoticeIn.model_validate_json(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InvalidInput(str(err["msg"]), field=".".join(map(str, err["loc"]))) from None


def _matched(session: Session, notice: BankNoticeIn) -> tuple[Listing, Registration]:
    """The listing and registration a notice names, locked; its payer must be the bidder."""
    listing = session.scalar(
        select(Listing).where(Listing.code == notice.listing_code).with_for_update()
    )
    if listing is None or listing.status == "draft":
        raise NoticeMismatch(f"no listing {notice.listing_code}", field="listing_code")
    reg = session.scalar(
        select(Registration)
        .where(Registration.listing_id == listing.id, Registration.bidder_no == notice.bidder_no)
        .with_for_update()
    )
    if reg is None:
        raise NoticeMismatch(
            f"公告 {listing.code} 没有竞买号 {notice.bidder_no}；no bidder {notice.bidder_no} "
            f"on listing {listing.code}",
            field="bidder_no",
        )
    if not hmac.compare_digest(reg.id_number, notice.payer_id_number):
        raise NoticeMismatch(
            "付款人与竞买人不符；the payer is not the registered bidder",
            field="payer_id_number",
        )
    return listing, reg


def accept_bank_notice(
    session: Session, body: bytes, signature: str | None, now: datetime | None = None
) -> Registration:
    """Verify, check and apply one signed bank notice (the raw request body)."""
    now = now or clock.now()
    verify(body, signature)
    notice = _parse(body)
    max_age = timedelta(seconds=get_trading_settings().trading_bank_notice_max_age_s)
    if not now - max_age <= notice.sent_at <= now + timedelta(minutes=1):
        raise NoticeReplayed(
            f"银行通知已过期（发送于 {notice.sent_at.isoformat()}）；the notice is stale "
            f"(sent {notice.sent_at.isoformat()}, older than {max_age.seconds} s)",
            field="sent_at",
        )
    if session.get(BankNotice, notice.notice_id) is not None:
        raise _replayed(notice.notice_id)
    listing, reg = _matched(session, notice)
    _confirm(session, listing, reg, notice.amount, "bank", notice.reference, None, now)
    reg.deposit_paid_at = notice.paid_at
    try:
        with session.begin_nested():
            session.add(
                BankNotice(
                    notice_id=notice.notice_id,
                    registration_id=reg.id,
                    amount=notice.amount,
                    paid_at=notice.paid_at,
                    sent_at=notice.sent_at,
                    received_at=now,
                    body_sha256=hashlib.sha256(body).hexdigest(),
                )
            )
    except IntegrityError:
        raise _replayed(notice.notice_id) from None
    session.flush()
    return reg


def _replayed(notice_id: str) -> NoticeReplayed:
    return NoticeReplayed(
        f"银行通知 {notice_id} 已处理过；the bank notice {notice_id} was applied already",
        field="notice_id",
    )
