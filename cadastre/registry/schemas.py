"""Request bodies of the registry API and the answers to them (pydantic); the bodies of
its reads are in ``responses.py``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from cadastre.registry.identity import check_text, valid_party_number
from cadastre.registry.rules import parse_share
from gis.errors import InvalidInput

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
# a name or title as people read it: no control characters, NUL, lone surrogates or bidi
# overrides (they would make the register show one thing and hold another); stripped
SafeName = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(check_text)]
SafeTitle = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(check_text)]
MAX_AMOUNT = Decimal(10) ** 14  # the register keeps amounts as NUMERIC(16, 2)
ShareText = Annotated[str, Field(description="exact fraction like '1/3'", max_length=20)]


def _party_number(value: str | None, info: ValidationInfo) -> str | None:
    """An ID-card number (natural) or unified social credit code (legal), check character
    included (GB 11643 / GB 32100); a group has none (its identifier is derived)."""
    kind = info.data.get("kind")
    if kind == "group":
        if value is not None:
            raise ValueError("a group has no id_number (its members have)")
        return None
    if value is None:
        raise ValueError("证件号码必填；an 18-character id_number is required")
    number = value.strip().upper()
    if not valid_party_number(str(kind), number):
        what = "身份证号码 ID-card number" if kind == "natural" else "统一社会信用代码 credit code"
        raise ValueError(f"{number!r} 不是有效的{what} (check character included)")
    return number


def _share(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(parse_share(value, "share"))
    except InvalidInput as exc:
        raise ValueError(exc.detail) from None


class MemberIn(BaseModel):
    """A member of a group party, with its share of the group."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["natural", "legal"]
    name: SafeName
    id_number: str = Field(min_length=18, max_length=18)
    share: ShareText | None = None

    _number = field_validator("id_number")(_party_number)
    _share = field_validator("share")(_share)


class HolderIn(BaseModel):
    """A holder of a right: a natural person (ID card), a legal person (credit code) or a
    group (e.g. a household) whose members' shares add up to 1."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["natural", "legal", "group"]
    name: SafeName
    id_number: str | None = Field(None, min_length=18, max_length=18, validate_default=True)
    share: ShareText | None = None
    members: list[MemberIn] | None = Field(
        None, min_length=2, max_length=100, validate_default=True
    )

    _number = field_validator("id_number")(_party_number)
    _share = field_validator("share")(_share)

    @field_validator("members")
    @classmethod
    def _members_of_groups(cls, value: list[MemberIn] | None, info: ValidationInfo) -> Any:
        if (info.data.get("kind") == "group") != (value is not None):
            raise ValueError("a group, and only a group, has members (at least two)")
        return value


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["contract", "survey_plan", "deed", "court_order", "application", "other"]
    title: SafeTitle
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")


class StoredSourceIn(SourceIn):
    """A source as services pass it (a survey plan, an online upload): a SourceIn plus
    the server-side file it was streamed to. Never a request body: HTTP sends SourceIn."""

    path: str | None = None


class MortgageIn(BaseModel):
    """A mortgage: the secured amount (yuan, exact to the fen), the creditor, the term end."""

    model_config = ConfigDict(extra="forbid")
    amount: str = Field(description="yuan, decimal text like '1200000.00'", max_length=20)
    creditor: SafeName
    term_end: str = Field(description="YYYY-MM-DD")

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> str:
        try:
            amount = Decimal(str(value))
            if not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
                raise ValueError(f"amount must be more than 0 and less than {MAX_AMOUNT}")
            return str(amount.quantize(Decimal("0.01")))
        except InvalidOperation:
            raise ValueError("amount must be a decimal number of yuan") from None

    @field_validator("term_end", mode="before")
    @classmethod
    def _term_end(cls, value: Any) -> str:
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError("term_end must be a date YYYY-MM-DD") from None


class RightTermsIn(BaseModel):
    """权利性质 and 使用期限 of the right a case registers (printed on its certificate)."""

    model_config = ConfigDict(extra="forbid")
    nature: Literal[
        "grant", "allocation", "capital", "lease", "authorised", "collective", "homestead"
    ]
    term_start: str | None = Field(None, description="YYYY-MM-DD")
    term_end: str | None = Field(None, description="YYYY-MM-DD; none for no end")

    @field_validator("term_start", "term_end", mode="before")
    @classmethod
    def _day(cls, value: Any, info: ValidationInfo) -> str | None:
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(f"{info.field_name} must be a date YYYY-MM-DD") from None

    @field_validator("term_end")
    @classmethod
    def _ends_after_start(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and value <= (info.data.get("term_start") or "0000"):
            raise ValueError("the term must end after it starts")
        return value


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


class GuideDocument(BaseModel):
    """A document to bring; ``required_at_acceptance``: the case is accepted only with a
    document of one of ``document_kinds`` attached."""

    name_zh: str
    name_en: str
    required_at_acceptance: bool
    document_kinds: list[str]


class ServiceGuide(BaseModel):
    """One entry of the public service guide."""

    case_type: str
    name_zh: str
    name_en: str
    documents: list[GuideDocument]
    legal_time_limit_working_days: int
    application_form_url: str
    online_submission_url: str


class NoticePublic(BaseModel):
    """A public notice in force (首次登记公告): what the notice shows, no names or ID
    numbers (the unit, its land use and area, the case type and the notice's dates)."""

    public_number: str
    case_type: str
    case_type_name_zh: str
    case_type_name_en: str
    unit_code: str | None = Field(description="none yet for a new parcel (coded at entry)")
    location: str | None = Field(description="坐落, when the case gives one")
    land_use: str | None
    land_use_name_zh: str
    land_use_name_en: str
    area_m2: str | None
    starts_on: str = Field(description="first day (local date)")
    ends_on: str = Field(description="last day of the notice, included (local date)")
    objection_url: str


class ObjectionIn(BaseModel):
    """An objection to a notice in force: who objects, how to reach them, and why."""

    model_config = ConfigDict(extra="forbid")
    objector: SafeName
    contact: str = Field("", max_length=100)
    reason: str = Field(min_length=1, max_length=2000)

    _contact = field_validator("contact")(lambda v: check_text(v) if v.strip() else "")
    _reason = field_validator("reason")(check_text)


class ObjectionLodged(BaseModel):
    public_number: str
    objection_id: int
    lodged_at: str
