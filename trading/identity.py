"""The bidder's identity, bound to its account: one ID number per account, one account
per ID number.

A bidder's first registration binds the person or company it names (kind, name, ID
number, already checked by its GB 11643 / GB 32100 check character in
:class:`trading.schemas.RegistrationIn`) to the account. Every later registration must
name the same identity, and no other account may register with that ID number, so one
buyer cannot bid against itself under two accounts, nor an account under two buyers.
Never commits: the entry point's transaction decides.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gis.auth.service import Principal
from trading.errors import IdentityMismatch, IdentityTaken
from trading.models import BidderIdentity
from trading.schemas import RegistrationIn


def masked(number: str) -> str:
    """An ID number as messages show it: the first 4 and last 2 characters."""
    return f"{number[:4]}{'*' * (len(number) - 6)}{number[-2:]}"


def _taken(number: str) -> IdentityTaken:
    return IdentityTaken(
        f"证件号码 {masked(number)} 已绑定其他账户，一个证件号码只能对应一个竞买账户；"
        f"the ID number {masked(number)} is bound to another account (one account per "
        "person or company)",
        field="id_number",
    )


def _check_same(bound: BidderIdentity, party: RegistrationIn) -> None:
    if (bound.party_kind, bound.id_number) != (party.kind, party.id_number):
        raise IdentityMismatch(
            f"本账户已绑定证件号码 {masked(bound.id_number)}，不能以其他身份竞买；"
            f"this account is bound to the ID number {masked(bound.id_number)} and bids as "
            "that person or company only",
            field="id_number",
        )
    if bound.party_name != party.name:
        raise IdentityMismatch(
            f"名称与本账户绑定的「{bound.party_name}」不符；the name differs from the one "
            f"bound to this account ({bound.party_name})",
            field="name",
        )


def bind(session: Session, actor: Principal, party: RegistrationIn, now: datetime) -> None:
    """Bind ``party`` to the account at its first registration, or check it is the same.

    Raises IdentityMismatch (409) when the account is bound to someone else and
    IdentityTaken (409) when another account holds the ID number; the unique index on
    the number settles two accounts binding it at the same instant.
    """
    bound = session.get(BidderIdentity, actor.user_id, with_for_update=True)
    if bound is not None:
        _check_same(bound, party)
        return
    holder = session.scalar(
        select(BidderIdentity.user_id).where(BidderIdentity.id_number == party.id_number)
    )
    if holder is not None:
        raise _taken(party.id_number)
    try:
        with session.begin_nested():
            session.add(
                BidderIdentity(
                    user_id=actor.user_id,
                    party_kind=party.kind,
                    party_name=party.name,
                    id_number=party.id_number,
                    bound_at=now,
                )
            )
    except IntegrityError:
        raise _taken(party.id_number) from None
