"""Each domain's Typer app, mounted under ``landgis NAME``."""

from __future__ import annotations

import typer

from cadastre.cli import app as cadastre_app
from gis.planning.cli import app as planning_app
from gis.raster.cli import app as raster_app
from gis.survey.cli import app as survey_app
from trading.cli import app as trading_app

DOMAIN_APPS: list[tuple[str, typer.Typer]] = [
    ("cadastre", cadastre_app),
    ("planning", planning_app),
    ("survey", survey_app),
    ("raster", raster_app),
    ("trading", trading_app),
]
