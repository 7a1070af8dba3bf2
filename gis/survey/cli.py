"""Survey imports: landgis survey import FILE.

The register is reached through the ParcelLookup port: the composition root builds this
command group with :func:`build_app` and cadastre's implementation (``landgis.commands``).
User errors print one line (``error (field): message``) and exit 2, never a traceback.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import cli_database, transaction
from gis.errors import InvalidInput, LandgisError
from gis.exchange.read import parse_crs
from gis.survey import service
from gis.survey.ports import ParcelLookup
from gis.survey.report import survey_report

CLI_VIEWER = Principal(user_id=0, username="cli", role=Role.ADMIN)  # the server's own operator


def build_app(lookup: ParcelLookup) -> typer.Typer:
    """The ``landgis survey`` command group, reading the register through ``lookup``."""
    app = typer.Typer(help="Survey imports: landgis survey import FILE.", no_args_is_help=True)

    @app.command("import")
    def import_file(
        ctx: typer.Context,
        file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
        surveyor: str = typer.Option(..., "--surveyor", help="who surveyed (测量员)"),
        instrument: str = typer.Option("", "--instrument", help="receiver or total station"),
        crs: str | None = typer.Option(None, "--crs", help="EPSG code when the file has none"),
        survey_date: str | None = typer.Option(None, "--date", help="YYYY-MM-DD"),
        unit_code: str | None = typer.Option(None, "--unit-code", help="parcel surveyed"),
        boundary_waypoints: bool = typer.Option(False, "--boundary-waypoints"),
        force: bool = typer.Option(False, "--force", help="import even outside the district"),
        uere: float | None = typer.Option(None, "--uere", help="receiver's UERE, metres (1σ)"),
    ) -> None:
        """Import a GPX, NMEA, CSV, GeoJSON, KML, zipped SHP, GPKG or DXF survey file."""
        try:
            meta = service.SurveyMeta(
                surveyor, instrument, _day(survey_date), parse_crs(crs), unit_code,
                boundary_waypoints, force, _uere(uere),
            )  # fmt: skip
            with cli_database(ctx).session() as session:
                with transaction(session):
                    survey = service.import_survey(session, file, file.name, meta, "cli", lookup)
                report = survey_report(session, survey.id, lookup, CLI_VIEWER)
        except LandgisError as exc:
            typer.echo(f"error ({exc.field or 'file'}): {exc.detail}", err=True)
            raise typer.Exit(2) from None
        summary = survey.summary
        typer.echo(
            f"survey {survey.id}: {summary['points']} points, {summary['tracks']} tracks, "
            f"{summary['rejected_count']} rejected lines, source EPSG:{survey.source_srid}"
        )
        for item in (report["boundary_checks"] or {}).get("problems", []) + report["findings"]:
            typer.echo(f"  {item['zh']} / {item['en']}")
        typer.echo(
            json.dumps({"verdict": report["verdict"], "classes": summary["accuracy_classes"]})
        )

    return app


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"日期应为 YYYY-MM-DD / --date {text!r} is not YYYY-MM-DD", field="date"
        ) from None


def _uere(value: float | None) -> float | None:
    if value is not None and not 0 < value <= 100:
        raise InvalidInput("UERE 应在 0–100 米之间 / --uere must lie in (0, 100] m", field="uere")
    return value
