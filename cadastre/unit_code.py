"""Real-estate unit codes (不动产单元代码, GB/T 37346-2019): 28 characters.

county(6) zone(3) subzone(3) parcel-feature(2) parcel-seq(5) fixture-feature(1) fixture-no(8).
The first 19 characters are the parcel code (宗地代码).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gis.errors import InvalidInput

OWNERSHIP = {
    "G": ("国家土地所有权", "state-owned land"),
    "J": ("集体土地所有权", "collectively owned land"),
    "Z": ("土地所有权未确定", "ownership undetermined"),
}
RIGHT_TYPE = {
    "A": ("集体土地所有权", "collective land ownership"),
    "B": ("建设用地使用权（地表）", "construction-land use right, on the surface"),
    "S": ("建设用地使用权（地上）", "construction-land use right, above the surface"),
    "X": ("建设用地使用权（地下）", "construction-land use right, below the surface"),
    "C": ("宅基地使用权", "homestead use right"),
    "D": ("土地承包经营权（耕地）", "contracted management right, cropland"),
    "E": ("林地使用权", "forest-land use right"),
    "F": ("草原使用权", "grassland use right"),
    "H": ("海域使用权", "sea-area use right"),
    "G": ("无居民海岛使用权", "uninhabited-island use right"),
    "W": ("使用权未确定", "use right undetermined"),
    "Y": ("其他", "other"),
}
FIXTURE = {
    "F": ("房屋等建筑物、构筑物", "building or structure"),
    "L": ("森林或林木", "forest or trees"),
    "Q": ("其他", "other"),
    "W": ("无定着物", "none (land only)"),
}

_PATTERN = re.compile(
    r"^(\d{6})(\d{3})(\d{3})([GJZ])([ABSXCDEFHGWY])(\d{5})([FLQW])(\d{8})$", re.ASCII
)


@dataclass(frozen=True)
class UnitCode:
    """A parsed 28-character unit code."""

    county: str
    zone: str
    subzone: str
    ownership: str
    right_type: str
    seq: int
    fixture: str
    fixture_no: str

    @property
    def parcel_code(self) -> str:
        """The 19-character parcel code (宗地代码)."""
        return f"{self.subzone_code}{self.ownership}{self.right_type}{self.seq:05d}"

    @property
    def subzone_code(self) -> str:
        return f"{self.county}{self.zone}{self.subzone}"

    def __str__(self) -> str:
        return f"{self.parcel_code}{self.fixture}{self.fixture_no}"


def format_unit_code(
    county: str,
    zone: int,
    subzone: int,
    ownership: str,
    right_type: str,
    seq: int,
    fixture: str = "W",
    fixture_no: int = 0,
) -> str:
    """Build and validate a unit code from its parts."""
    code = (
        f"{county}{zone:03d}{subzone:03d}{ownership}{right_type}{seq:05d}{fixture}{fixture_no:08d}"
    )
    return str(parse_unit_code(code))


def parse_unit_code(code: str, field: str = "unit_code") -> UnitCode:
    """Parse a 28-character unit code; raise InvalidInput saying which part is wrong."""
    if not isinstance(code, str) or len(code) != 28:
        raise InvalidInput(f"a unit code has 28 characters, got {len(str(code))}", field=field)
    match = _PATTERN.match(code)
    if match is None:
        raise InvalidInput(_explain(code), field=field)
    county, zone, subzone, own, right, seq, fixture, fixture_no = match.groups()
    if zone == "000" or subzone == "000":
        raise InvalidInput("cadastral zone and subzone numbers start at 001", field=field)
    if int(seq) == 0:
        raise InvalidInput("parcel sequence numbers start at 00001", field=field)
    if fixture == "W" and fixture_no != "00000000":
        raise InvalidInput(
            "fixture code W (land only) requires fixture number 00000000", field=field
        )
    if fixture != "W" and fixture_no == "00000000":
        raise InvalidInput(f"fixture code {fixture} needs a fixture unit number", field=field)
    return UnitCode(county, zone, subzone, own, right, int(seq), fixture, fixture_no)


def _explain(code: str) -> str:
    checks = [
        (code[0:6].isdigit(), "characters 1-6 (county code) must be digits"),
        (code[6:12].isdigit(), "characters 7-12 (zone and subzone) must be digits"),
        (code[12] in OWNERSHIP, "character 13 (ownership) must be G, J or Z"),
        (code[13] in RIGHT_TYPE, f"character 14 (right type) must be one of {''.join(RIGHT_TYPE)}"),
        (code[14:19].isdigit(), "characters 15-19 (parcel sequence) must be digits"),
        (code[19] in FIXTURE, "character 20 (fixture) must be F, L, Q or W"),
        (code[20:28].isdigit(), "characters 21-28 (fixture number) must be digits"),
    ]
    for ok, message in checks:
        if not ok:
            return f"malformed unit code {code!r}: {message}"
    return f"malformed unit code {code!r}"
