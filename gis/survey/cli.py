"""Survey imports: landgis survey import FILE."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from gis.db import session_factory
from gis.errors import LandgisError
from gis.exchange.read import parse_crs
from gis.survey import service

app = typer.Typer(help="Survey imports: landgis survey import FILE.", no_args_is_help=True)


@app.command("import")
def import_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    surveyor: str = typer.Option(..., "--surveyor", help="who surveyed (测量员)"),
    instrument: str = typer.Option("", "--instrument", help="receiver or total station"),
    crs: str | None = typer.Option(None, "--crs", help="EPSG code when the file has none"),
    survey_date: str | None = typer.Option(None, "--date", help="YYYY-MM-DD"),
    unit_code: str | None = typer.Option(None, "--unit-code", help="parcel the survey is for"),
    boundary_waypoints: bool = typer.Option(False, "--boundary-waypoints"),
) -> None:
    """Import a GPX, NMEA, CSV, GeoJSON, KML, zipped SHP, GPKG or DXF survey file."""
    try:
        meta = service.SurveyMeta(
            surveyor,
            instrument,
            date.fromisoformat(survey_date) if survey_date else None,
            parse_crs(crs),
            unit_code,
            boundary_waypoints,
        )
        with session_factory()() as session:
            survey = service.import_survey(session, file, file.name, meta, "cli")
            report = service.survey_report(session, survey.id)
    except LandgisError as exc:
        typer.echo(f"error ({exc.field or 'file'}): {exc.detail}", err=True)
        raise typer.Exit(2) from None
    summary = survey.summary
    typer.echo(
        f"survey {survey.id}: {summary['points']} points, {summary['tracks']} tracks, "
        f"{summary['rejected_count']} rejected lines, source EPSG:{survey.source_srid}"
    )
    typer.echo(
        json.dumps({"verdict": report.get("verdict"), "classes": summary["accuracy_classes"]})
    )
