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
