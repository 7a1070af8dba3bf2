"""Holders of the rights on a unit, with the members of group parties (registrars only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cadastre.registry import repository as repo
from cadastre.registry.rules import RIGHT_TYPES


def rights_with_holders(session: Session, rrrs: list[Any], at: datetime) -> list[dict[str, Any]]:
    """One dict per right row: holder name, kind, ID number, share, and group members."""
    rights = [r for r in rrrs if r.kind == "right"]
    groups = [int(r.party_uid) for r in rights if r.party_kind == "group"]
    members = repo.group_members(session, groups, at)
    out = []
    for r in rights:
        item: dict[str, Any] = {
            "uid": r.uid,
            "type": r.rrr_type,
            "type_name_zh": RIGHT_TYPES[r.rrr_type][0],
            "type_name_en": RIGHT_TYPES[r.rrr_type][1],
            "name": r.party_name,
            "kind": r.party_kind,
            "id_number": r.party_id_number,
            "share": f"{r.share_num}/{r.share_den}",
            "since": r.begin_lifespan.isoformat(),
        }
        if r.party_kind == "group":
            item["members"] = [
                {
                    "name": m.name,
                    "kind": m.kind,
                    "id_number": m.id_number,
                    "share": f"{m.share_num}/{m.share_den}",
                }
                for m in members.get(int(r.party_uid), [])
            ]
        out.append(item)
    return out
