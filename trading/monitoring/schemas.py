"""Request and response models of the 批后监管 API (staff only: buyers' names are not in
them, parcels are named by unit code, scenes by catalogue id and date)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trading.monitoring import rules
from trading.monitoring.models import Finding

if TYPE_CHECKING:  # the service brings rasterio; the schemas only name its results
    from trading.monitoring.service import ParcelState, ScenePoint


class Label(BaseModel):
    """A coded value with its Chinese and English names."""

    code: str
    zh: str
    en: str


def label(code: str, table: dict[str, tuple[str, str]]) -> Label:
    zh, en = table[code]
    return Label(code=code, zh=zh, en=en)


class SceneOut(BaseModel):
    """One scene of a parcel's timeline: built-up share against the reference scene."""

    raster_id: int
    name: str
    acquired_on: date
    built_share: float = Field(ge=0, le=1)
    status: Label
    reference: bool


class FindingOut(BaseModel):
    """An inspector's case: 疑似闲置土地 or construction before the contract."""

    case_no: str
    kind: Label
    record_id: int
    unit_code: str
    raster_id: int | None
    acquired_on: date
    built_share: float
    detail: str
    status: str


class ParcelMonitorOut(BaseModel):
    """A sold parcel on the report date: status, verdict, evidence and timeline."""

    record_id: int
    listing_id: int
    unit_code: str
    land_use: str
    contract_no: str | None
    sale_date: date
    agreed_start_date: date
    agreed_completion_date: date
    status: Label
    verdict: Label
    started_on: date | None
    completion_overdue: bool  # 逾期未竣工: past the agreed completion date, not finished
    evidence: SceneOut | None
    timeline: list[SceneOut]
    finding: FindingOut | None


class MonitoringReport(BaseModel):
    """Every sold parcel on ``as_of``, with counts by status and by verdict."""

    as_of: date
    parcels: list[ParcelMonitorOut]
    by_status: dict[str, int]
    by_verdict: dict[str, int]


class UpdateIn(BaseModel):
    """Measure the new scenes and judge on ``as_of`` (default: today)."""

    model_config = ConfigDict(extra="forbid")
    as_of: date | None = None


class ScheduleIn(BaseModel):
    """The contract's 约定开工日期 and 约定竣工日期."""

    model_config = ConfigDict(extra="forbid")
    agreed_start_date: date
    agreed_completion_date: date

    @model_validator(mode="after")
    def _order(self) -> ScheduleIn:
        if self.agreed_completion_date < self.agreed_start_date:
            raise ValueError("约定竣工日期早于约定开工日期 / completion before the start date")
        return self


class ScheduleOut(ScheduleIn):
    record_id: int


class FindingCheck(BaseModel):
    """The inspector's field check of a finding."""

    model_config = ConfigDict(extra="forbid")
    status: str = Field(pattern="^(confirmed|dismissed)$")


def scene_out(point: ScenePoint) -> SceneOut:
    return SceneOut(
        raster_id=point.scene.id,
        name=point.scene.name,
        acquired_on=point.scene.acquired_on,
        built_share=round(min(1.0, max(0.0, point.seen.share)), 4),
        status=label(point.seen.status, rules.STATUSES),
        reference=point.reference,
    )


def finding_out(f: Finding) -> FindingOut:
    return FindingOut(
        case_no=f.case_no,
        kind=label(f.kind, rules.FINDINGS),
        record_id=f.record_id,
        unit_code=f.unit_code,
        raster_id=f.raster_id,
        acquired_on=f.acquired_on,
        built_share=f.built_share,
        detail=f.detail,
        status=f.status,
    )


def parcel_out(state: ParcelState, as_of: date) -> ParcelMonitorOut:
    p, v = state.parcel, state.verdict
    evidence = None
    if v.evidence is not None:
        evidence = next(
            (scene_out(t) for t in state.timeline if t.scene.id == v.evidence.scene_id), None
        )
    return ParcelMonitorOut(
        record_id=p.record_id,
        listing_id=p.listing_id,
        unit_code=p.unit_code,
        land_use=p.land_use,
        contract_no=p.contract_no,
        sale_date=p.sale_date,
        agreed_start_date=state.agreed_start,
        agreed_completion_date=state.agreed_completion,
        status=label(state.status, rules.STATUSES),
        verdict=label(v.code, rules.VERDICTS),
        started_on=v.started_on,
        completion_overdue=rules.completion_overdue(state.agreed_completion, state.status, as_of),
        evidence=evidence,
        timeline=[scene_out(t) for t in state.timeline],
        finding=None if state.finding is None else finding_out(state.finding),
    )


def report_out(as_of: date, states: list[ParcelState]) -> MonitoringReport:
    by_status = {code: 0 for code in rules.STATUSES}
    by_verdict = {code: 0 for code in rules.VERDICTS}
    for s in states:
        by_status[s.status] += 1
        by_verdict[s.verdict.code] += 1
    return MonitoringReport(
        as_of=as_of,
        parcels=[parcel_out(s, as_of) for s in states],
        by_status=by_status,
        by_verdict=by_verdict,
    )
