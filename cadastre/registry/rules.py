"""Pure registry rules: case types, statuses, steps and roles, shares as exact fractions.

No database here, so these get plain unit and property tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from cadastre.registry.workdays import WEEKENDS_ONLY, WorkCalendar
from gis.errors import Conflict, InvalidInput, PermissionDenied

OBJECTION_LAPSE_DAYS = 15
ADVANCE_NOTICE_LAPSE_DAYS = 90
# 不动产登记暂行条例实施细则 第17条: a notice of at least 15 working days before entry
NOTICE_WORKING_DAYS = 15


@dataclass(frozen=True)
class Material:
    """One document the applicant brings. ``kinds`` (source kinds) non-empty: the case must
    hold a document of one of these kinds before it is accepted. The form and the identity
    document are checked in person at the window and are not kept as typed sources."""

    name_zh: str
    name_en: str
    kinds: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CaseType:
    """One kind of registration case with what the applicant must bring."""

    code: str
    name_zh: str
    name_en: str
    documents: tuple[Material, ...]
    time_limit_days: int
    needs_holders: bool = False
    needs_unit: bool = True

    @property
    def required(self) -> tuple[Material, ...]:
        """The materials accept checks for (a document of one of their kinds attached)."""
        return tuple(m for m in self.documents if m.kinds)


def _doc(zh: str, en: str, *kinds: str) -> Material:
    return Material(zh, en, frozenset(kinds))


_ID = _doc("申请人身份证明", "applicant's identity document")
_FORM = _doc("不动产登记申请书", "application form for real-estate registration")
_CERT = _doc("不动产权属证书", "the current real-estate certificate")
# proofs of a fact may come as a deed, contract, court ruling or another official paper
_PROOF = ("deed", "contract", "court_order", "other")

CASE_TYPES: dict[str, CaseType] = {
    c.code: c
    for c in (
        CaseType(
            "first_registration",
            "首次登记",
            "first registration",
            (
                _FORM,
                _ID,
                _doc(
                    "土地出让合同或权属来源证明",
                    "land-transfer contract or title source",
                    "contract",
                    "deed",
                    "court_order",
                ),
                _doc("地籍调查表、宗地图", "cadastral survey sheet and parcel plan"),
            ),
            30,
            needs_holders=True,
            needs_unit=False,
        ),
        CaseType(
            "transfer",
            "转移登记",
            "transfer",
            (
                _FORM,
                _ID,
                _CERT,
                _doc(
                    "买卖、赠与等转移合同或契据",
                    "sale, gift or other transfer contract or deed",
                    "contract",
                    "deed",
                ),
            ),
            5,
            needs_holders=True,
        ),
        CaseType(
            "change",
            "变更登记",
            "change",
            (
                _FORM,
                _ID,
                _CERT,
                _doc("变更事实证明", "proof of the changed facts", *_PROOF, "survey_plan"),
            ),
            5,
        ),
        CaseType(
            "cancellation",
            "注销登记",
            "cancellation",
            (_FORM, _ID, _CERT, _doc("权利消灭的证明", "proof that the right has ended", *_PROOF)),
            5,
        ),
        CaseType(
            "correction",
            "更正登记",
            "correction",
            (
                _FORM,
                _ID,
                _CERT,
                _doc(
                    "登记错误的证明（界址错误可为测量成果）",
                    "proof of the registration error (a survey for a boundary)",
                    *_PROOF,
                    "survey_plan",
                ),
            ),
            30,
        ),
        CaseType(
            "objection",
            "异议登记",
            "objection",
            (_FORM, _ID, _doc("利害关系证明", "proof of an interest in the unit", *_PROOF)),
            1,
            needs_holders=True,
        ),
        CaseType(
            "advance_notice",
            "预告登记",
            "advance notice",
            (_FORM, _ID, _doc("预售或买卖合同", "pre-sale or sale contract", "contract")),
            5,
            needs_holders=True,
        ),
        CaseType(
            "seizure",
            "查封登记",
            "seizure",
            (
                _doc(
                    "人民法院协助执行通知书",
                    "court's notice of assistance in enforcement",
                    "court_order",
                ),
                _doc("查封裁定书", "court's seizure ruling"),
            ),
            1,
        ),
        CaseType(
            "seizure_release",
            "解除查封",
            "release of seizure",
            (
                _doc(
                    "人民法院解除查封裁定书", "court's ruling releasing the seizure", "court_order"
                ),
            ),
            1,
        ),
        CaseType(
            "mortgage",
            "抵押权登记",
            "mortgage",
            (
                _FORM,
                _ID,
                _CERT,
                _doc("抵押合同与主债权合同", "mortgage and principal loan contracts", "contract"),
            ),
            5,
        ),
        CaseType(
            "mortgage_discharge",
            "抵押权注销",
            "mortgage discharge",
            (
                _FORM,
                _ID,
                _doc("债权消灭或抵押权人同意注销证明", "proof the debt is settled", *_PROOF),
            ),
            5,
        ),
    )
}

RIGHT_TYPES = {
    "ownership": ("所有权", "ownership"),
    "use_right": ("使用权", "use right"),
}
RESTRICTION_TYPES = {
    "mortgage": ("抵押", "mortgage"),
    "seizure": ("查封", "seizure"),
    "objection": ("异议", "objection"),
    "advance_notice": ("预告", "advance notice"),
}

STATUSES = {
    "submitted": ("已申请", "submitted"),
    "accepted": ("已受理", "accepted"),
    "reviewed": ("已审核", "reviewed"),
    "entered": ("已登簿", "entered in the register"),
    "certificate_issued": ("已发证", "certificate issued"),
    "rejected": ("不予登记", "rejected"),
    "withdrawn": ("已撤回", "withdrawn"),
}

# step -> (statuses it may start from, status it leads to)
STEPS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({"submitted"}), "accepted"),
    "review": (frozenset({"accepted"}), "reviewed"),
    "enter": (frozenset({"reviewed"}), "entered"),
    "issue": (frozenset({"entered"}), "certificate_issued"),
    "reject": (frozenset({"submitted", "accepted", "reviewed"}), "rejected"),
    "withdraw": (frozenset({"submitted", "accepted", "reviewed"}), "withdrawn"),
}

# an admin is not a registrar (separation of duties): only the registrar role takes steps
STEP_ROLES: dict[str, frozenset[str]] = {
    "submit": frozenset({"registrar", "surveyor", "public", "system"}),
    "accept": frozenset({"registrar"}),
    "review": frozenset({"registrar"}),
    "enter": frozenset({"registrar"}),
    "issue": frozenset({"registrar"}),
    "reject": frozenset({"registrar"}),
    "withdraw": frozenset({"registrar"}),
}
# four eyes: the registrar of the earlier step may not take the later one on the same case
FOUR_EYES: dict[str, str] = {"review": "accept", "enter": "review"}
STEP_NAMES = {
    "submit": ("申请", "submission"),
    "accept": ("受理", "acceptance"),
    "review": ("审核", "review"),
    "enter": ("登簿", "entry"),
    "issue": ("发证", "issue"),
    "reject": ("不予登记", "rejection"),
    "withdraw": ("撤回", "withdrawal"),
}

BLOCKED_WHILE_SEIZED = frozenset({"transfer", "mortgage"})
# parcel edits a court's seizure (查封) stops; a split is allowed: the seizure, like every
# other live right and restriction, is carried to each part (see cadastre.registry.carry)
EDITS_BLOCKED_WHILE_SEIZED = frozenset({"merge", "adjust", "change", "retire"})
PARTY_KINDS = ("natural", "legal")
SOURCE_KINDS = ("contract", "survey_plan", "deed", "court_order", "application", "other")


def case_type(code: str, field: str = "case_type") -> CaseType:
    """The case type named ``code``; InvalidInput listing the known ones otherwise."""
    if code not in CASE_TYPES:
        raise InvalidInput(
            f"unknown case type {code!r}; known: {', '.join(CASE_TYPES)}", field=field
        )
    return CASE_TYPES[code]


def check_step(step: str, status: str, role: str) -> str:
    """The status that ``step`` leads to from ``status``, if ``role`` may take it."""
    if role not in STEP_ROLES.get(step, frozenset()):
        allowed = ", ".join(sorted(STEP_ROLES.get(step, ())))
        raise PermissionDenied(
            f"role {role!r} may not {step} a case; needs {allowed}", field="role"
        )
    if step not in STEPS:
        raise InvalidInput(f"unknown step {step!r}; known: {', '.join(STEPS)}", field="step")
    sources, target = STEPS[step]
    if status not in sources:
        raise Conflict(f"a {status} case cannot be {step}ed", field="step")
    return target


def parse_share(value: object, field: str) -> Fraction:
    """A share like "1/2", "1" or "0.25" as an exact fraction in (0, 1]."""
    if isinstance(value, float):
        raise InvalidInput("give shares as text like '1/3', not as floats", field=field)
    try:
        share = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(f"share {value!r} is not a fraction like '1/3'", field=field) from None
    if not 0 < share <= 1:
        raise InvalidInput(f"share {value!r} must be more than 0 and at most 1", field=field)
    return share


def check_shares(shares: list[Fraction], field: str = "holders") -> None:
    """Shares of one right must add up to exactly 1."""
    total = sum(shares, Fraction(0))
    if total != 1:
        raise InvalidInput(f"shares add up to {total}, not to 1", field=field)


def add_working_days(start: datetime, days: int, calendar: WorkCalendar = WEEKENDS_ONLY) -> date:
    """The date ``days`` working days after ``start`` (its own day not counted).

    Working days are those of ``calendar``: Mon-Fri by default; with the PRC calendar,
    public holidays are skipped and adjusted working weekend days (调休) count.
    """
    day = start.date()
    left = days
    while left > 0:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    return day
