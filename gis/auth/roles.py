"""The roles of landgis with their Chinese and English names."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a signed-in user is; anonymous callers are the public."""

    SURVEYOR = "surveyor"
    REGISTRAR = "registrar"
    PLANNER = "planner"
    INSPECTOR = "inspector"
    BIDDER = "bidder"
    CASHIER = "cashier"
    ADMIN = "admin"


ROLE_NAMES: dict[str, tuple[str, str]] = {
    "public": ("公众", "public (anonymous)"),
    Role.SURVEYOR: ("测绘员", "surveyor"),
    Role.REGISTRAR: ("登记员", "registrar"),
    Role.PLANNER: ("规划员", "planner"),
    Role.INSPECTOR: ("执法监察员", "land-enforcement inspector"),
    Role.BIDDER: ("竞买人", "bidder"),
    Role.CASHIER: ("出纳（交易中心财务）", "cashier (trading centre finance)"),
    Role.ADMIN: ("管理员", "administrator"),
}
