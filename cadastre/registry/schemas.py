"""Request and response bodies of the registry API (pydantic)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CaseTypeCode = Literal[
    "first_registration",
    "transfer",
    "change",
    "cancellation",
    "correction",
    "objection",
    "advance_notice",
    "seizure",
    "seizure_release",
    "mortgage",
    "mortgage_discharge",
]
StepCode = Literal["accept", "review", "enter", "issue", "reject", "withdraw"]


class MemberIn(BaseModel):
    """A member of a group party, with its share of the group."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["natural", "legal"]
    name: str = Field(min_length=1, max_length=200)
    id_number: str = Field(min_length=18, max_length=18)
    share: str | None = Field(None, description="exact fraction like '1/3'", max_length=20)


class HolderIn(BaseModel):
    """A holder of a right: a natural person (ID card), a legal person (credit code) or a
    group (e.g. a household) whose members' shares add up to 1."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["natural", "legal", "group"]
    name: str = Field(min_length=1, max_length=200)
    id_number: str | None = Field(None, min_length=18, max_length=18)
    share: str | None = Field(None, description="exact fraction like '1/3'", max_length=20)
    members: list[MemberIn] | None = Field(None, max_length=100)


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["contract", "survey_plan", "deed", "court_order", "application", "other"]
    title: str = Field(min_length=1, max_length=300)
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")


class MortgageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: str = Field(description="yuan, decimal text like '1200000.00'", max_length=20)
    creditor: str = Field(min_length=1, max_length=200)
    term_end: str = Field(description="YYYY-MM-DD")


class RightTermsIn(BaseModel):
    """权利性质 and 使用期限 of the right a case registers (printed on its certificate)."""

    model_config = ConfigDict(extra="forbid")
    nature: Literal[
        "grant", "allocation", "capital", "lease", "authorised", "collective", "homestead"
    ]
    term_start: str | None = Field(None, description="YYYY-MM-DD")
    term_end: str | None = Field(None, description="YYYY-MM-DD; none for no end")


class CaseCreate(BaseModel):
    """A case entered at the service window by a registrar."""

    model_config = ConfigDict(extra="forbid")
    case_type: CaseTypeCode
    unit_code: str | None = Field(None, max_length=28)
    geometry: dict[str, Any] | None = None
    land_use: str | None = Field(None, max_length=4)
    holders: list[HolderIn] = Field(default_factory=list, max_length=200)
    source: SourceIn | None = None
    mortgage: MortgageIn | None = None
    right_terms: RightTermsIn | None = None
    note: str = Field("", max_length=2000)

    def request(self) -> dict[str, Any]:
        """The request dict the service checks (pydantic models as plain dicts)."""
        data = self.model_dump(exclude={"case_type", "note"})
        return data


class HoldersIn(BaseModel):
    """New holders of an open case (replacing those given at submission)."""

    model_config = ConfigDict(extra="forbid")
    holders: list[HolderIn] = Field(min_length=1, max_length=200)


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    step: StepCode
    reason: str = Field("", max_length=2000)


class CaseStatusPublic(BaseModel):
    """What the public sees of a case: status and dates only."""

    public_number: str
    status: str
    status_name_zh: str
    status_name_en: str
    submitted_at: str
    updated_at: str
    due_date: str
    entered_at: str | None
    steps: list[dict[str, str]]


class CaseSubmitted(BaseModel):
    public_number: str
    status: str
    due_date: str
    documents: int = 0


class ServiceGuide(BaseModel):
    """One entry of the public service guide."""

    case_type: str
    name_zh: str
    name_en: str
    documents: list[dict[str, str]]
    legal_time_limit_working_days: int
    application_form_url: str
    online_submission_url: str
