"""What a certificate states besides holders and parcel: 坐落, 权利类型, 权利性质, 使用期限,
共有情况, the registering authority and the public verification URL.

Everything comes from the register: the location from the cadastral zone and subzone of
the parcel, the right type from the unit code, the sharing from the holders. The nature
of a right (出让, 划拨 ...) and its term are stated by a case (``right_terms`` in its
payload, checked by ``schemas.RightTermsIn``); a transfer keeps the terms of the case
that stated them last, so they are looked up along the unit's entered cases.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.unit_code import OWNERSHIP, RIGHT_TYPE, parse_unit_code
from gis.settings import get_settings

RIGHT_NATURES = {
    "grant": ("出让", "granted"),
    "allocation": ("划拨", "allocated"),
    "capital": ("作价出资（入股）", "contributed as capital"),
    "lease": ("国有土地租赁", "leased"),
    "authorised": ("授权经营", "authorised operation"),
    "collective": ("集体土地", "collective land"),
    "homestead": ("批准拨用", "approved allocation"),
}
NOT_RECORDED = ("未记载", "not recorded")

LOCATION_SQL = """
SELECT z.name AS zone, s.name AS subzone, p.parcel_code
FROM parcel p JOIN cadastral_subzone s ON s.code = p.subzone_code
JOIN cadastral_zone z ON z.code = s.zone_code WHERE p.id = :id
"""
TERMS_SQL = """
SELECT c.payload -> 'right_terms' FROM reg_case c
WHERE c.entered_at IS NOT NULL AND c.entered_at <= :at AND c.payload ? 'right_terms'
  AND (c.unit_code = :code OR c.id IN (SELECT r.case_id FROM rrr r WHERE r.unit_code = :code
       AND r.kind = 'right' AND r.begin_lifespan <= :at
       AND (r.end_lifespan IS NULL OR r.end_lifespan > :at)))
ORDER BY c.entered_at DESC, c.id DESC LIMIT 1
"""


def zh_date(value: str | datetime | date | None) -> str:
    """A date as printed on a certificate, 2026年12月3日 (instants in settings.timezone)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(get_settings().timezone)).date()
    return f"{value.year}年{value.month}月{value.day}日"


def verification_url(number: str) -> str:
    """The public page that tells a certificate's current status."""
    s = get_settings()
    base = s.certificate_base_url or s.public_url or f"http://{s.host}:{s.port}"
    return f"{base.rstrip('/')}/verify/{quote(number, safe='')}"


def right_type_names(unit_code: str) -> tuple[str, str]:
    """权利类型 of a unit, from its code (国有建设用地使用权, 宅基地使用权, ...)."""
    code = parse_unit_code(unit_code)
    zh, en = RIGHT_TYPE[code.right_type]
    if code.right_type in "BSX" and code.ownership in "GJ":
        owner_zh = "国有" if code.ownership == "G" else "集体"
        owner_en = "state-owned" if code.ownership == "G" else "collective"
        return owner_zh + zh, f"{owner_en} {en}"
    if code.right_type == "A":
        return zh, en
    return zh, f"{en} ({OWNERSHIP[code.ownership][1]})"


def sharing(holders: list[dict[str, Any]]) -> tuple[str, str]:
    """共有情况: one holder alone, several by shares, or a group jointly."""
    if len(holders) == 1 and holders[0].get("members"):
        return "共同共有", "held jointly by the group's members"
    if len(holders) == 1:
        return "单独所有", "held alone"
    return "按份共有", "held in shares"


def location(session: Session, parcel_id: int) -> str:
    """坐落: the city, cadastral zone and subzone of the parcel and its parcel number."""
    row = session.execute(text(LOCATION_SQL), {"id": parcel_id}).one()
    return f"广东省东莞市{row.zone}{row.subzone}第{row.parcel_code[-5:]}号宗地"


def right_facts(
    session: Session, unit_code: str, holders: list[dict[str, Any]], at: datetime
) -> dict[str, Any]:
    """The right part of a 不动产权 certificate as the register stands at ``at``."""
    terms = session.execute(text(TERMS_SQL), {"code": unit_code, "at": at}).scalar() or {}
    type_zh, type_en = right_type_names(unit_code)
    nature_zh, nature_en = RIGHT_NATURES.get(terms.get("nature", ""), NOT_RECORDED)
    share_zh, share_en = sharing(holders)
    return {
        "type_zh": type_zh,
        "type_en": type_en,
        "nature_zh": nature_zh,
        "nature_en": nature_en,
        "term_start": terms.get("term_start"),
        "term_end": terms.get("term_end"),
        "sharing_zh": share_zh,
        "sharing_en": share_en,
    }
