"""The role book of the house: the platform's roles and each domain's own."""

from __future__ import annotations

from gis.auth.roles import PLATFORM_ROLES, RoleBook
from trading.roles import ROLES as TRADING


def build_roles() -> RoleBook:
    """Surveyor, registrar, planner, inspector, admin, then trading's bidder and cashier."""
    return RoleBook([*PLATFORM_ROLES, *TRADING])
