"""Domain errors of land trading (no HTTP here; landgis/errors.py maps the categories)."""

from __future__ import annotations

from gis.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class ListingNotFound(NotFound):
    """No listing with that id (drafts are invisible to the public)."""


class ListingStateError(Conflict):
    """The listing is not in the state this step needs (e.g. publishing twice)."""


class ParcelUnavailable(Conflict):
    """A parcel is unknown, retired, seized, or already offered by another listing."""


class PlanConflict(Conflict):
    """A parcel fails the planning compliance check for the listing's land use."""


class PeriodTooShort(InvalidInput):
    """Announcement or listing period shorter than the settings allow."""


class BiddingNotOpen(Conflict):
    """Outside the bidding window (before the start, after the deadline, or closed)."""


class NotRegistered(PermissionDenied):
    """The caller has not registered as a bidder for this listing."""


class DepositUnpaid(Conflict):
    """The bidder's deposit has not been paid."""


class BidTooLow(Conflict):
    """The bid does not reach the start price or beat the current price by the increment."""


class AlreadyDone(Conflict):
    """Registered, paid, or sealed-bid already."""


class IdentityMismatch(Conflict):
    """The account is bound to another person or company than the one it registers as."""


class IdentityTaken(Conflict):
    """The ID number is bound to another account (one account per person or company)."""


class SelfConfirmation(PermissionDenied):
    """A bidder tried to confirm its own deposit: staff or the bank confirm deposits."""


class BadSignature(PermissionDenied):
    """A bank notice whose signature does not verify (forged, altered, or no key set)."""


class NoticeReplayed(Conflict):
    """A bank notice that was applied already, or too old to be applied."""


class NoticeMismatch(InvalidInput):
    """A bank notice whose amount, payer or bidder does not match the registration."""
