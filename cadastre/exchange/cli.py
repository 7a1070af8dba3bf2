"""landgis cadastre import FILE / landgis cadastre export."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from gis.collections import cli_catalog
from gis.db import cli_database
from gis.errors import LandgisError
from gis.settings import get_settings

# The readers and writers (geopandas, pyogrio, ezdxf) are imported by the commands that
# use them, so that every other ``landgis cadastre`` command starts without them.


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )


def import_command(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., exists=True, help="GPKG, SHP (zip or folder), GeoJSON, FGB, CSV"
    ),
    crs: str | None = typer.Option(None, "--crs", help="EPSG code when the file declares none"),
    mapping: Path | None = typer.Option(None, "--mapping", exists=True, help="column mapping JSON"),
    valid_only: bool = typer.Option(False, "--valid-only", help="import the valid rows only"),
    rejected: Path = typer.Option(
        Path("rejected_rows.csv"), "--rejected", help="rejected-rows file"
    ),
    bulk: bool | None = typer.Option(
        None,
        "--bulk/--staged",
        help="bulk: lock the register and rebuild its indexes once (fast for large loads; "
        "readers wait); staged: keep the register readable. Default: bulk when the file "
        "has 50,000+ rows and at least as many as the register",
        show_default=False,
    ),
) -> None:
    """Validate and import parcels into the register in one transaction (all or nothing)."""
    from cadastre.exchange.importer import ImportOptions, import_parcels
    from gis.exchange.read import parse_crs

    try:
        options = ImportOptions(
            parse_crs(crs),
            json.loads(mapping.read_text("utf-8")) if mapping else None,
            valid_only,
            bulk=bulk,
        )
        with tempfile.TemporaryDirectory(prefix="landgis-import-") as work, _progress() as bar:
            task = bar.add_task("importing 导入", total=None)
            session = cli_database(ctx).session()
            try:
                result = import_parcels(
                    session, file, Path(work), options, get_settings().upload_max_bytes,
                    lambda done, total, stage=None: bar.update(
                        task, completed=done, total=total or None,
                        **({"description": stage} if stage else {}),
                    ),
                )  # fmt: skip
                session.commit()
            finally:
                session.close()
                _keep_rejects(Path(work), rejected)
    except KeyboardInterrupt:
        typer.echo("interrupted: the transaction was rolled back, nothing imported", err=True)
        raise typer.Exit(130) from None
    except LandgisError as exc:
        typer.echo(f"refused ({exc.field or 'file'}): {exc.detail}", err=True)
        if rejected.exists():
            typer.echo(f"rejected rows with reasons: {rejected}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"imported {result.imported} of {result.read} parcels; {result.rejected} rejected"
        + (f" (see {rejected})" if result.rejected else "")
    )


def _keep_rejects(work: Path, dest: Path) -> None:
    src = work / "rejected_rows.csv"
    if src.exists():
        dest.write_bytes(src.read_bytes())


def export_command(
    ctx: typer.Context,
    out: Path = typer.Argument(..., help="output file"),
    fmt: str = typer.Option("gpkg", "--format", help="gpkg, shp, geojson, fgb, csv or dxf"),
    crs: str = typer.Option("EPSG:4490", "--crs", help="output CRS"),
    zone: str | None = typer.Option(None, "--zone", help="zone or subzone code prefix"),
    layer: str | None = typer.Option(
        None, "--layer", help="another feature collection (e.g. plan_zoning, roads) instead"
    ),
) -> None:
    """Export the current parcels of the register (or any feature collection with --layer)."""
    from cadastre.exchange.exporter import export_parcels
    from gis.exchange.formats import writable_format
    from gis.exchange.layers import export_collection
    from gis.exchange.read import parse_crs

    try:
        writable_format(fmt)
        srid = parse_crs(crs) or 4490
        with cli_database(ctx).session() as session, _progress() as bar:
            task = bar.add_task("exporting 导出", total=None)
            if layer:
                count = export_collection(session, cli_catalog(ctx).get(layer), fmt, out, srid)
            else:
                count = export_parcels(
                    session, fmt, out, srid, zone, progress=lambda d: bar.update(task, completed=d)
                )
    except LandgisError as exc:
        typer.echo(f"refused ({exc.field or 'format'}): {exc.detail}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"exported {count} parcels to {out} (EPSG:{srid})")


def register(app: typer.Typer) -> None:
    """Add the import and export commands to the cadastre command group."""
    app.command("import")(import_command)
    app.command("export")(export_command)
