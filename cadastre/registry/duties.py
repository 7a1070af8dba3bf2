"""Separation of duties (four eyes) and the materials a case needs before acceptance.

Four eyes: the registrar who accepted a case may not review it, and the one who reviewed
it may not enter it (``rules.FOUR_EYES``). A one-person office may relax this with the
setting ``LANDGIS_REGISTRY_SINGLE_OFFICER``; every step taken under the relaxation says so
in the journal. An admin is not a registrar (``rules.STEP_ROLES``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadastre.registry import repository as repo
from cadastre.registry.errors import MaterialsMissing, SameOfficer
from cadastre.registry.models import CaseDocument, RegCase, Source
from cadastre.registry.rules import CASE_TYPES, FOUR_EYES, STEP_NAMES, Material
from gis.settings import get_settings


def check_four_eyes(session: Session, case: RegCase, step: str, actor: str) -> dict[str, Any]:
    """Refuse ``actor`` taking ``step`` if they took the earlier step of four eyes (403
    naming the step and who took it); with the single-officer setting, allow it and
    return what the journal records about the relaxation ({} when nothing was relaxed)."""
    earlier = FOUR_EYES.get(step)
    if earlier is None:
        return {}
    took = [s for s in repo.case_steps(session, case.id) if s.step == earlier]
    if not any(s.actor == actor for s in took):
        return {}
    if get_settings().registry_single_officer:
        return {"four_eyes_relaxed": {"earlier_step": earlier, "by": actor}}
    (e_zh, e_en), (s_zh, s_en) = STEP_NAMES[earlier], STEP_NAMES[step]
    raise SameOfficer(
        f"办件 {case.public_number} 已由 {actor} {e_zh}，同一登记员不能再{s_zh}（四眼原则）；"
        f"the {e_en} of case {case.public_number} was by {actor}: the same registrar "
        f"may not do its {s_en} (four eyes)",
        field="step",
    )


def attached_kinds(session: Session, case_id: int) -> set[str]:
    """Source kinds of the documents attached to a case."""
    rows = session.scalars(
        select(Source.kind)
        .join(CaseDocument, CaseDocument.source_id == Source.id)
        .where(CaseDocument.case_id == case_id)
    )
    return set(rows)


def missing_materials(session: Session, case: RegCase) -> list[Material]:
    """The required materials of the case's type with no document of theirs attached."""
    kinds = attached_kinds(session, case.id)
    return [m for m in CASE_TYPES[case.case_type].required if not m.kinds & kinds]


def check_materials(session: Session, case: RegCase) -> None:
    """Refuse accepting a case that lacks a required document (409 naming each, zh/en)."""
    missing = missing_materials(session, case)
    if missing:
        zh = "、".join(m.name_zh for m in missing)
        en = "; ".join(
            f"{m.name_en} (a document of kind {' or '.join(sorted(m.kinds))})" for m in missing
        )
        raise MaterialsMissing(
            f"办件 {case.public_number} 缺少材料：{zh}，补齐后才能受理；"
            f"case {case.public_number} lacks: {en}; attach it before acceptance",
            field="documents",
        )
