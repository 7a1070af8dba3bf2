"""OGC API errors: a bad query parameter is HTTP 400 (OGC API Features Part 1, 7.6)."""

from __future__ import annotations

from gis.errors import LandgisError


class InvalidParameter(LandgisError):
    """A query parameter the OGC API cannot use (bad bbox, unknown CRS, malformed CQL2).

    Deliberately not an ``InvalidInput`` (422): the error table maps other categories
    to 400, the status the OGC specifications require for invalid parameters.
    """

    title = "Bad request"


class MethodNotAllowed(LandgisError):
    """The collection is read-only."""

    title = "Method not allowed"
