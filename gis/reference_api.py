"""Reference data everyone may read: the GB/T 21010-2017 land-use classes."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from gis.landuse import CONSTRUCTION_CLASSES, FIRST_LEVEL, SECOND_LEVEL

router = APIRouter(prefix="/api/v1", tags=["reference"])


class LandUseClass(BaseModel):
    code: str
    name_zh: str
    name_en: str
    level: int
    construction: bool


class LandUseClasses(BaseModel):
    standard: str = "GB/T 21010-2017"
    classes: list[LandUseClass]


@router.get("/land-use-classes", response_model=LandUseClasses)
def land_use_classes() -> LandUseClasses:
    """Every land-use class with its Chinese and English name (first and second level)."""
    rows = [
        LandUseClass(
            code=code,
            name_zh=zh,
            name_en=en,
            level=1 if len(code) == 2 else 2,
            construction=code[:2] in CONSTRUCTION_CLASSES,
        )
        for table in (FIRST_LEVEL, SECOND_LEVEL)
        for code, (zh, en) in table.items()
    ]
    return LandUseClasses(classes=sorted(rows, key=lambda r: r.code))
