"""Each domain's Typer app, mounted under ``landgis NAME``.

Only the domain named on the command line is imported, so ``landgis trading list``
does not pay for loading rasterio, geopandas and the rest of the house.
"""

from __future__ import annotations

import importlib

import typer

DOMAINS: dict[str, tuple[str, str]] = {
    "cadastre": (
        "cadastre.cli",
        "The cadastral register: check, verify, certificates, import, export.",
    ),
    "planning": ("gis.planning.cli", "Planning layers: editions, import, compliance."),
    "survey": ("landgis.survey_cli", "Surveys: import GNSS, GPX, NMEA, CSV and vector files."),
    "raster": ("gis.raster.cli", "Rasters: import, list, change detection, patches."),
    "trading": ("trading.cli", "Land trading: listings, bidding, results."),
    "field": ("cadastre.field.cli", "Field packages: check out an area for QField, check in."),
}


def domain_app(name: str) -> typer.Typer:
    """The Typer app of one domain (imports its CLI module)."""
    module = importlib.import_module(DOMAINS[name][0])
    return module.app  # type: ignore[no-any-return]


def placeholder(name: str) -> typer.Typer:
    """A light stand-in that lists the domain under ``landgis --help``."""
    return typer.Typer(help=DOMAINS[name][1])
