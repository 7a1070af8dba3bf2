"""``landgis survey``: the survey commands, reading the register through cadastre's
implementation of the gis.survey ParcelLookup port."""

from __future__ import annotations

from cadastre.survey_port import CadastreParcelLookup
from gis.survey.cli import build_app
from gis.survey.ports import ParcelLookup

LOOKUP: ParcelLookup = CadastreParcelLookup()  # a type check that cadastre fits the port
app = build_app(LOOKUP)
