"""LADM registry tables: parties, BAUnits, RRRs, carries, sources, cases, journal, certificates.

Versioned objects (party, baunit, rrr) carry ``uid`` (the object across versions),
``version`` and ``begin_lifespan``/``end_lifespan``: a change closes the current row
and opens a new one, so the register can be read as of any instant
(``begin_lifespan <= t < coalesce(end_lifespan, infinity)``).
Shares are exact fractions stored as numerator/denominator.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base


class Party(Base):
    """LA_Party: a natural person, a legal person or a group (one version)."""

    __tablename__ = "party"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    uid: Mapped[int] = mapped_column(BigInteger, server_default=text("nextval('party_uid_seq')"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    id_number: Mapped[str] = mapped_column(String(32))
    begin_lifespan: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    end_lifespan: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("kind IN ('natural','legal','group')", name="kind_known"),
        Index("ix_party_uid_version", "uid", "version", unique=True),
        Index("ix_party_id_number", "id_number"),
    )


class PartyMember(Base):
    """LA_PartyMember: a member of a group party with its share of the group."""

    __tablename__ = "party_member"

    group_uid: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_uid: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    share_num: Mapped[int] = mapped_column(Integer)
    share_den: Mapped[int] = mapped_column(Integer)


class Source(Base):
    """LA_Source: the document behind a change, kept in the store named by its SHA-256."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str | None] = mapped_column(Text)  # its key in the store (gis.store)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint(
            "kind IN ('contract','survey_plan','deed','court_order','application','other')",
            name="kind_known",
        ),
    )


class BAUnit(Base):
    """LA_BAUnit: what is registered as one unit, named by its 28-character unit code."""

    __tablename__ = "baunit"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    uid: Mapped[int] = mapped_column(BigInteger, server_default=text("nextval('baunit_uid_seq')"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    unit_code: Mapped[str] = mapped_column(String(28))
    parcel_uid: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="active")
    begin_lifespan: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    end_lifespan: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("status IN ('active','cancelled')", name="status_known"),
        Index(
            "uq_baunit_unit_code_current",
            "unit_code",
            unique=True,
            postgresql_where=text("end_lifespan IS NULL"),
        ),
        Index("ix_baunit_unit_code", "unit_code"),
    )


class RRR(Base):
    """LA_RRR: one holder's share of a right, or a restriction (mortgage, seizure, ...)."""

    __tablename__ = "rrr"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    uid: Mapped[int] = mapped_column(BigInteger, server_default=text("nextval('rrr_uid_seq')"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    unit_code: Mapped[str] = mapped_column(String(28))
    kind: Mapped[str] = mapped_column(String(12))
    rrr_type: Mapped[str] = mapped_column(String(24))
    party_uid: Mapped[int | None] = mapped_column(BigInteger)
    share_num: Mapped[int | None] = mapped_column(Integer)
    share_den: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    creditor: Mapped[str | None] = mapped_column(String(200))
    term_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("reg_case.id"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))
    begin_lifespan: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    end_lifespan: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("kind IN ('right','restriction')", name="kind_known"),
        CheckConstraint(
            "(share_num IS NULL) = (share_den IS NULL) AND "
            "(share_den IS NULL OR (share_num > 0 AND share_den > 0 AND share_num <= share_den))",
            name="share_fraction",
        ),
        Index("ix_rrr_unit_code", "unit_code", "end_lifespan"),
        Index("ix_rrr_party_uid", "party_uid"),
    )


class RRRCarry(Base):
    """An RRR record carried to a successor unit by a parcel edit (split, merge, adjust)."""

    __tablename__ = "rrr_carry"

    from_id: Mapped[int] = mapped_column(ForeignKey("rrr.id"), primary_key=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("rrr.id"), primary_key=True, index=True)
    edit_id: Mapped[int] = mapped_column(ForeignKey("parcel_edit.id"), index=True)


class RegCase(Base):
    """A registration case at the service window (or submitted online)."""

    __tablename__ = "reg_case"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    public_number: Mapped[str] = mapped_column(String(24), unique=True)
    case_type: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    channel: Mapped[str] = mapped_column(String(8), default="window")
    unit_code: Mapped[str | None] = mapped_column(String(28))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_date: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    entered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the rights the case acts on, as accepted: [{uid, version, type}] (cadastre.registry.basis)
    basis: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    basis_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_reg_case_unit_code", "unit_code"),
        Index("ix_reg_case_status_due_date", "status", "due_date"),
    )


class CaseStep(Base):
    """One step of a case: who took it, in which role, when, and why."""

    __tablename__ = "case_step"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("reg_case.id"), index=True)
    step: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)


class CaseDocument(Base):
    """A source document attached to a case (application, contract, court order, ...)."""

    __tablename__ = "case_document"

    case_id: Mapped[int] = mapped_column(ForeignKey("reg_case.id"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"), primary_key=True)


class JournalEntry(Base):
    """One registration event; ``hash`` = SHA-256 of the canonical JSON incl. ``prev_hash``."""

    __tablename__ = "journal"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    event: Mapped[str] = mapped_column(String(40))
    public_number: Mapped[str | None] = mapped_column(String(24))
    unit_code: Mapped[str | None] = mapped_column(String(28))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Certificate(Base):
    """A signed registration certificate issued for an entered case."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("reg_case.id"), unique=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    signature: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CalendarDay(Base):
    """A day an admin set as a holiday or an adjusted working day (wins over the file)."""

    __tablename__ = "work_calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(100), default="")
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("kind IN ('holiday','workday')", name="kind_known"),)


class Notice(Base):
    """A first registration's public notice (首次登记公告), published at review; the case
    is entered only after ``ends_at`` (see :mod:`cadastre.registry.notices`)."""

    __tablename__ = "reg_notice"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("reg_case.id"), unique=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    published_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)


class NoticeObjection(Base):
    """An objection to a notice, lodged while it is in force (kept with the case)."""

    __tablename__ = "reg_notice_objection"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("reg_notice.id"), index=True)
    lodged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lodged_by: Mapped[str] = mapped_column(String(64))
    objector: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text)
