"""Feature collections this package offers to the OGC APIs, tiles and maps.

One collection per planning layer, always the edition in force (older editions are
read through /api/v1/planning/editions). Zones are edited by planners through
:class:`gis.planning.editor.ZoneEditor`. The base roads are listed here too, as the
planning department's reference layer (gis has no other domain package for them).
"""

from __future__ import annotations

from gis.collections import Collection
from gis.planning.editor import ZoneEditor
from gis.planning.models import LAYERS

IN_FORCE = "layer = '{layer}' AND edition_id = (SELECT id FROM plan_edition WHERE in_force)"
DESCRIPTIONS = {
    "zoning": "Land-use zones of the plan in force; code is a GB/T 21010 first-level class.",
    "farmland": "Permanent basic-farmland protection areas (永久基本农田) of the plan in force.",
    "development_boundary": "The urban development boundary (城镇开发边界) of the plan in force.",
    "ecological_redline": "Ecological protection red lines (生态保护红线) of the plan in force.",
}


def _layer(layer: str) -> Collection:
    zh, en = LAYERS[layer]
    return Collection(
        id=f"plan_{layer}",
        title=f"{zh} {en}",
        description=DESCRIPTIONS[layer],
        table="plan_zone",
        properties={"code": "string", "name": "string", "edition_id": "integer"},
        where=IN_FORCE.format(layer=layer),
        edit_roles=frozenset({"planner"}),
        editor=ZoneEditor(layer),
        min_zoom=10,
        extra={"layer": layer},
    )


ROADS = Collection(
    id="roads",
    title="道路 roads",
    description="Road centre lines of the district with class and width in metres.",
    table="road",
    properties={"name": "string", "road_class": "string", "width_m": "number"},
    geometry_type="LineString",
    min_zoom=12,
)

COLLECTIONS: list[Collection] = [*(_layer(layer) for layer in LAYERS), ROADS]
