"""Public answers about certificates (pydantic): status and file checks.

Public models: no field may carry a holder's name or ID number. What they say is what
the certificate's own number, unit code and dates say, and the types of restrictions
now on the unit.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class RestrictionNow(BaseModel):
    """A restriction in force on the unit now: its type and the day it began."""

    type: Literal["mortgage", "seizure", "objection", "advance_notice"]
    name_zh: str
    name_en: str
    since: str


class CertificateStatusPublic(BaseModel):
    """Whether a certificate is genuine and what it is worth now."""

    certificate_number: str
    genuine: bool = Field(description="issued by this register and unaltered")
    current: bool = Field(description="genuine and still describes the register")
    status: Literal["current", "superseded", "cancelled", "unknown"]
    status_name_zh: str
    status_name_en: str
    verdict_zh: str
    verdict_en: str
    unit_code: str | None
    kind: Literal["right", "proof"] | None
    issued_on: str | None
    superseded_on: str | None
    cancelled_on: str | None
    superseded_by: str | None = Field(description="the certificate that replaced it")
    superseded_by_case: str | None = Field(description="the case that replaced it")
    successor_units: list[str] = Field(description="units its retired unit became")
    restrictions: list[RestrictionNow]
    checked_at: str


class CertificateFileChecked(BaseModel):
    """A saved certificate file checked: signature valid, and its status in the register."""

    valid: bool = Field(description="signature valid and the file unaltered")
    reason: str
    certificate_number: str | None
    unit_code: str | None
    genuine: bool
    current: bool
    status: Literal["current", "superseded", "cancelled", "unknown"]
    verdict_zh: str
    verdict_en: str
    superseded_by: str | None
    superseded_on: str | None
    cancelled_on: str | None
    restrictions: list[RestrictionNow]
