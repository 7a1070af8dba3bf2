"""The survey map page /maps/surveys/{id}, rendered from a Jinja2 template (autoescape).

The page holds no survey data: its script signs in (OAuth2 password flow, token in
sessionStorage as on the case desk) and fetches the report and the GeoJSON of the survey
with the reader's token, so the API's role checks are the only ones. It fits the view to
the data (a single point gets a close zoom), and draws the district's vector base map
when the survey lies inside the district. Leaflet and VectorGrid come from this server.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape

from gis.auth.roles import Role
from gis.survey.report import READERS
from gis.web.maps import BASEMAP_TILES, VECTORGRID_JS, VENDOR

CLASS_COLOURS = {"1": "#1a9850", "2": "#fdae61", "3": "#f46d43", "null": "#d73027"}
BASEMAP_LAYERS = ("parcels", "roads")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("gis.survey", "templates"),
        autoescape=select_autoescape(default=True),
    )


def survey_page(survey_id: int) -> str:
    """HTML of the map page of survey ``survey_id`` (no survey data in it)."""
    sep = "&" if "?" in BASEMAP_TILES else "?"
    return (
        _environment()
        .get_template("survey_map.html")
        .render(
            survey_id=survey_id,
            readers=[r.value for r in (*READERS, Role.ADMIN)],
            basemap_url=f"{BASEMAP_TILES}{sep}collections={','.join(BASEMAP_LAYERS)}",
            class_colours=CLASS_COLOURS,
            leaflet_js=f"{VENDOR}/leaflet/leaflet.js",
            leaflet_css=f"{VENDOR}/leaflet/leaflet.css",
            vectorgrid_js=VECTORGRID_JS,
        )
    )
