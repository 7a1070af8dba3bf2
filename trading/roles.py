"""Trading's roles: bidders (竞买人) and the trading centre's cashier (出纳). gis knows
neither; the composition root adds them to the app's role book (``landgis.roles``)."""

from __future__ import annotations

from gis.auth.roles import Role, RoleInfo

BIDDER = Role("bidder")
CASHIER = Role("cashier")

ROLES = (
    RoleInfo(BIDDER, "竞买人", "bidder"),
    RoleInfo(CASHIER, "出纳（交易中心财务）", "cashier (trading centre finance)"),
)
