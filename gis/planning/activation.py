"""Putting a plan edition in force, only when it is complete, and journaling who did it and why.

An edition may be activated only when each of its four layers (zoning, basic farmland,
urban development boundary, ecological red line) holds zones, all of them valid
non-empty polygons, the zoning codes are GB/T 21010 classes, and its approval is on file:
the approval number (文号), date and authority, or the uploaded approval document. What is
missing is refused with 409, naming every missing part (zh / en), so an empty edition
can never make farmland "compliant". Each activation is written to ``plan_activation``
with the previous edition, the actor, the reason, the approval and the zone counts.
Never commits: the entry point (router, CLI) owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from gis import landuse
from gis.auth.service import Principal
from gis.errors import Conflict, InvalidInput, LandgisError, NotFound
from gis.planning import repository
from gis.planning.models import LAYERS, PlanActivation


class EditionIncomplete(Conflict):
    """The edition lacks a layer, has invalid zones, or has no approval on file."""


class EditionInForce(Conflict):
    """The edition is in force already."""


@dataclass(frozen=True)
class Missing:
    """One thing an edition lacks before it may be activated."""

    field: str
    zh: str
    en: str


def _layer_gaps(health: dict[str, repository.LayerHealth]) -> list[Missing]:
    gaps = []
    for layer, (zh, en) in LAYERS.items():
        h = health.get(layer)
        if h is None or h.zones == 0:
            gaps.append(
                Missing(f"layers.{layer}", f"「{zh}」图层未导入", f"no {en} layer ({layer})")
            )
        elif h.invalid:
            gaps.append(
                Missing(
                    f"layers.{layer}",
                    f"「{zh}」图层有 {h.invalid} 个无效或空的图斑",
                    f"{h.invalid} invalid or empty zones in the {en} layer ({layer})",
                )
            )
    for code in health["zoning"].codes if "zoning" in health else []:
        try:
            landuse.check(code or "")
        except LandgisError:
            gaps.append(
                Missing(
                    "layers.zoning",
                    f"用途分区代码「{code}」不是 GB/T 21010 地类",
                    f"zoning code {code!r} is not a GB/T 21010 class",
                )
            )
    return gaps


def missing_parts(session: Session, edition: Any) -> list[Missing]:
    """Everything ``edition`` (a row of repository.edition_row) lacks to be activated."""
    gaps = _layer_gaps(repository.layer_health(session, edition.id))
    has_reference = bool(edition.document.strip() and edition.approval_authority.strip())
    if not has_reference and not edition.approval_file_sha256:
        gaps.append(
            Missing(
                "approval",
                "缺少批准文件：请填写批准文号、日期和批准机关，或上传批准文件",
                "no approval document: give its number, date and authority, or upload the file",
            )
        )
    return gaps


def _refusal(edition: Any, gaps: list[Missing]) -> EditionIncomplete:
    zh = "；".join(g.zh for g in gaps)
    en = "; ".join(g.en for g in gaps)
    return EditionIncomplete(
        f"规划版本 {edition.id} 不完整，不能生效：{zh} / edition {edition.id} is incomplete "
        f"and cannot be put in force: {en}",
        field=gaps[0].field,
        missing=[{"field": g.field, "zh": g.zh, "en": g.en} for g in gaps],
    )


def activate(session: Session, edition_id: int, actor: Principal, reason: str) -> PlanActivation:
    """Put a complete edition in force and journal it; the previous one stays queryable."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("请说明生效原因；give the reason for the activation", field="reason")
    previous = repository.lock_in_force(session)  # activations queue behind each other
    edition = repository.edition_row(session, edition_id, lock=True)
    if edition is None:
        raise NotFound(f"no plan edition {edition_id}", field="edition_id")
    if edition.in_force:
        raise EditionInForce(
            f"规划版本 {edition_id} 已生效；edition {edition_id} is in force already",
            field="edition_id",
        )
    gaps = missing_parts(session, edition)
    if gaps:
        raise _refusal(edition, gaps)
    zones = {k: v.zones for k, v in repository.layer_health(session, edition_id).items()}
    repository.put_in_force(session, edition_id)
    entry = PlanActivation(
        edition_id=edition_id,
        previous_edition_id=previous,
        actor_id=actor.user_id,
        actor_name=actor.username,
        reason=reason,
        approval={
            "number": edition.document,
            "date": edition.approved_on.isoformat(),
            "authority": edition.approval_authority,
            "file_name": edition.approval_file_name,
            "file_sha256": edition.approval_file_sha256,
        },
        zones=zones,
    )
    session.add(entry)
    session.flush()
    return entry
