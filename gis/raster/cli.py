"""Rasters: import, list, change detection, the enforcement list.

``landgis raster import FILE``, ``landgis raster list``, ``landgis raster changes A B``,
``landgis raster patches``. Long steps show a progress bar; Ctrl-C leaves no half import.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeElapsedColumn
from rich.table import Table

from gis.db import cli_database
from gis.errors import InvalidInput
from gis.limits import lonlat_bbox
from gis.raster import service
from gis.raster.schemas import parse_date

app = typer.Typer(help="Rasters: import, list, change detection.", no_args_is_help=True)
console = Console(stderr=True)
out = Console()


class _Bar:
    """A rich progress bar fed by (stage, done, total) callbacks."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total or 1)
        self.progress.update(self.tasks[stage], completed=done, total=total or 1)


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="GeoTIFF, JPEG 2000, .hgt.zip, any GDAL raster")],
    name: Annotated[str, typer.Option(help="title in the catalogue")] = "",
    sensor: Annotated[str, typer.Option(help="e.g. Landsat-7, GF-2, SRTM")] = "",
    acquired: Annotated[str | None, typer.Option("--date", help="acquisition date")] = None,
    bands: Annotated[str | None, typer.Option(help="band names, e.g. red,green,blue,nir")] = None,
) -> None:
    """Import a raster as a validated COG and add it to the catalogue."""
    if not file.is_file():
        raise InvalidInput(f"{file} is not a readable file", field="file")
    req = service.ImportRequest(
        source=file,
        name=name,
        sensor=sensor,
        acquired_on=parse_date(acquired, "date"),
        band_names=bands.split(",") if bands else None,
        actor="cli",
    )
    with cli_database(ctx).session() as session, _progress() as progress:
        raster = service.import_raster(session, req, _Bar(progress))
    out.print(
        f"raster {raster.id}: {raster.name} {raster.width}x{raster.height}x{raster.band_count} "
        f"{raster.dtype}, EPSG:{raster.epsg} -> {raster.path}"
    )


@app.command("list")
def list_command(
    ctx: typer.Context,
    bbox: Annotated[str | None, typer.Option(help="minlon,minlat,maxlon,maxlat")] = None,
    sensor: str | None = None,
    start: Annotated[str | None, typer.Option("--from")] = None,
    end: Annotated[str | None, typer.Option("--to")] = None,
) -> None:
    """List catalogued rasters."""
    with cli_database(ctx).session() as session:
        found = service.search(
            session, "", lonlat_bbox(bbox), _day(start, "from"), _day(end, "to"), sensor, 1000
        )
    table = Table("id", "name", "sensor", "date", "size", "bands", "bbox (lon/lat)")
    for item in found["features"]:
        p = item["properties"]
        shape_ = p["proj:shape"]
        table.add_row(
            item["id"],
            p["title"],
            p["landgis:sensor"],
            (p["datetime"] or "")[:10],
            f"{shape_[1]}x{shape_[0]}",
            ",".join(b["name"] for b in p["eo:bands"]),
            ", ".join(f"{v:.4f}" for v in item["bbox"]),
        )
    out.print(table)


def _day(value: str | None, field: str) -> date | None:
    return parse_date(value, field)


@app.command("changes")
def changes_command(
    ctx: typer.Context,
    before: Annotated[int, typer.Argument(help="raster id of the earlier image")],
    after: Annotated[int, typer.Argument(help="raster id of the later image")],
    threshold: Annotated[float | None, typer.Option(help="|change| that counts")] = None,
    min_area: Annotated[float, typer.Option(help="smallest patch, m²")] = 200.0,
    export_to: Annotated[Path | None, typer.Option("--export", help=".gpkg or .csv")] = None,
) -> None:
    """Detect changed patches between two rasters and print the enforcement list."""
    from gis.collections import cli_catalog
    from gis.raster import changes  # geopandas and the overlay load only for this command

    req = changes.ChangeRequest(before, after, threshold, min_area, "cli")
    with cli_database(ctx).session() as session:
        with _progress() as progress:
            run = changes.run_changes(
                session, req, _Bar(progress), approvals=cli_catalog(ctx).approvals
            )
        collection = changes.list_patches(session, run_id=run.id, limit=1_000_000)
    out.print(
        f"change run {run.id} ({run.method}, threshold {run.threshold}): {run.patch_count} patches"
    )
    _print_patches(collection)
    if export_to is not None:
        _export(collection, export_to)


@app.command("patches")
def patches_command(
    ctx: typer.Context,
    run: Annotated[int | None, typer.Option(help="only this change run")] = None,
    verdict: Annotated[str | None, typer.Option(help="approved | suspected_illegal")] = None,
    status: Annotated[str | None, typer.Option(help="pending | confirmed | dismissed")] = None,
    export_to: Annotated[Path | None, typer.Option("--export", help=".gpkg or .csv")] = None,
) -> None:
    """Print (and optionally export) the enforcement list."""
    from gis.raster import changes

    with cli_database(ctx).session() as session:
        collection = changes.list_patches(session, run, verdict, status, limit=1_000_000)
    _print_patches(collection)
    if export_to is not None:
        _export(collection, export_to)


def _print_patches(collection: dict) -> None:
    table = Table("id", "area m²", "change", "farmland", "verdict", "status", "zones", "parcels")
    for f in collection["features"]:
        p = f["properties"]
        table.add_row(
            str(f["id"]),
            p["area_m2"],
            f"{p['mean_change']:+.3f}",
            "yes" if p["in_farmland"] else "",
            f"{p['verdict_zh']} {p['verdict']}",
            p["status"],
            ", ".join(sorted({z["layer"] for z in p["zones"]})),
            str(len(p["parcels"])),
        )
    out.print(table)


def _export(collection: dict, path: Path) -> None:
    from gis.raster import export

    suffix = path.suffix.lower()
    if suffix == ".csv":
        path.write_text(export.to_csv(collection), encoding="utf-8-sig")
    elif suffix == ".gpkg":
        path.write_bytes(export.to_geopackage(collection))
    else:
        raise InvalidInput("export to a .gpkg or .csv file", field="export")
    out.print(f"wrote {path}")
