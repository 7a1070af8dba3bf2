"""Domain errors of the registry (HTTP-free; landgis/errors.py maps their categories)."""

from __future__ import annotations

from gis.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class UnitNotFound(NotFound):
    """No current parcel or registered unit carries this unit code."""


class CaseNotFound(NotFound):
    """No case has this public number."""


class CertificateNotFound(NotFound):
    """The case has no certificate (yet)."""


class CertificateInvalid(InvalidInput):
    """A certificate (PDF or page) that does not verify; ``field`` names what failed."""


class SameOfficer(PermissionDenied):
    """Four eyes: the registrar of the case's earlier step may not take this one."""


class MaterialsMissing(Conflict):
    """A case lacks a document its case type requires before acceptance."""


class NoticeInForce(Conflict):
    """A first registration whose public notice (首次登记公告) has not ended yet."""


class HolderNameMismatch(InvalidInput):
    """A holder's name differs from the registered party with the same ID number."""


class UnitSeized(Conflict):
    """The unit is seized by a court: no transfer or mortgage while in force."""


class UnitCancelled(Conflict):
    """The unit's registration was cancelled: it takes no further registration."""


class AlreadyRegistered(Conflict):
    """A first registration on a unit that already has a registered right."""


class NotRegistered(Conflict):
    """The case needs a registered right on the unit, and there is none."""


class NothingToRelease(Conflict):
    """A release or discharge with no matching restriction in force."""


class HoldersDiffer(Conflict):
    """Parcels to merge whose live rights differ in holders or shares (``unit_codes``)."""


class RightChanged(Conflict):
    """The right a case acts on changed after the case was accepted (``changed_by`` names
    the case that changed it): a stale case never overwrites a newer register."""
