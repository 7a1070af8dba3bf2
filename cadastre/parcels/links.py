"""Links a parcel's popup offers beyond its own page (a listing selling it, ...).

Cadastre knows no domain above it, so other packages provide links through a small
interface: a :data:`ParcelLinkProvider` takes a session and a unit code and returns
:class:`ParcelLink` objects. The composition root puts a :class:`ParcelLinks` holding
the providers on ``app.state.parcel_links``; ``/maps/parcels/links`` answers with them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel
from sqlalchemy.orm import Session


class ParcelLink(BaseModel):
    """A public link shown in a parcel's popup: a page on this server and its labels."""

    href: str
    zh: str
    en: str


ParcelLinkProvider = Callable[[Session, str], list[ParcelLink]]


class ParcelLinks:
    """The registered link providers, asked in order for every popup."""

    def __init__(self, providers: Sequence[ParcelLinkProvider] = ()) -> None:
        self.providers = list(providers)

    def links(self, session: Session, unit_code: str) -> list[ParcelLink]:
        """Every provider's links for ``unit_code`` (current parcels; unknown codes: none)."""
        return [link for provide in self.providers for link in provide(session, unit_code)]
