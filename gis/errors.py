"""The error categories of landgis, free of HTTP.

Every domain error subclasses one of these; the composition root maps each
category to an HTTP status and an ``application/problem+json`` body.
"""

from __future__ import annotations

from typing import Any


class LandgisError(Exception):
    """Base of all domain errors. ``field`` names the input at fault, if any."""

    title = "Error"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class InvalidInput(LandgisError):
    """The input breaks a rule (bad value, invalid geometry, shares not summing to 1)."""

    title = "Invalid input"


class NotFound(LandgisError):
    """The thing asked for does not exist."""

    title = "Not found"


class Conflict(LandgisError):
    """The request conflicts with the current state (seized unit, closed auction)."""

    title = "Conflict"


class PreconditionFailed(LandgisError):
    """An ``If-Match`` version is stale: somebody else changed it first."""

    title = "Precondition failed"


class PreconditionRequired(LandgisError):
    """An edit arrived without the ``If-Match`` version it must carry."""

    title = "Precondition required"


class NotAuthenticated(LandgisError):
    """No valid credentials were given."""

    title = "Not authenticated"


class PermissionDenied(LandgisError):
    """The caller's role may not do this."""

    title = "Forbidden"


class PayloadTooLarge(LandgisError):
    """An upload is over the size limit."""

    title = "Payload too large"


class UnsupportedFormat(LandgisError):
    """A file format that cannot be read."""

    title = "Unsupported media type"


class TooManyRequests(LandgisError):
    """Too many attempts or requests from one account or client address; ``retry_after``
    (seconds) says when to try again."""

    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(detail, field=field, retry_after=retry_after)
        self.retry_after = retry_after


class Gone(LandgisError):
    """The thing asked for existed and was retired (a parcel split or merged away);
    ``links`` in ``extra`` name what replaced it."""

    title = "Gone"


class Unavailable(LandgisError):
    """A service the request needs (the object store) does not answer now; ``retry_after``
    (seconds) says when to try again."""

    title = "Service unavailable"

    def __init__(self, detail: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(detail, field=field, retry_after=retry_after)
        self.retry_after = retry_after
