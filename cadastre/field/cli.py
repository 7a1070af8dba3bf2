"""``landgis field``: check out an area as a field package (GeoPackage + QGIS project for
QField) and check an edited package in, as the API does, acting as the user ``--as``."""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import typer

app = typer.Typer(help="Field packages for QField: checkout, sync.", no_args_is_help=True)


def _codes(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [c for v in values for c in v.replace(",", " ").split() if c]


def _area(path: Path | None) -> dict | None:  # type: ignore[type-arg]
    """The union of the polygons of a vector file (any CRS; GeoJSON, GPKG, SHP...) as a
    GeoJSON geometry in EPSG:4490."""
    if path is None:
        return None
    import pyogrio
    import shapely

    frame = pyogrio.read_dataframe(path)
    if frame.crs is not None:
        frame = frame.to_crs(4490)
    return dict(shapely.geometry.mapping(frame.geometry.union_all()))


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {getattr(exc, 'detail', exc)}", err=True)
    return typer.Exit(2)


@app.command("checkout")
def checkout(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="folder to write the package folder into"),
    as_user: str = typer.Option(..., "--as", help="the surveyor or inspector checking out"),
    area: Path | None = typer.Option(None, "--area", exists=True, help="polygon file"),
    codes: list[str] | None = typer.Option(None, "--codes", help="unit codes (repeat or comma)"),
    patches: list[int] | None = typer.Option(None, "--patches", help="change patch ids"),
) -> None:
    """Write the package (.gpkg with basemap, .qgs, DCIM/) under ``--out`` as a durable job."""
    from cadastre.exchange.jobs import run
    from cadastre.field import service
    from cadastre.field.api import KIND
    from gis.db import cli_database
    from gis.errors import LandgisError
    from gis.jobs import store
    from gis.store import local_copy

    req = service.CheckoutRequest(_area(area), _codes(codes), patches or None)
    with cli_database(ctx).session() as session:
        try:
            who = service.field_user(session, as_user)
        except LandgisError as exc:
            raise _fail(exc) from None
    job = store.create(cli_database(ctx).engine, KIND, who.username)
    with cli_database(ctx).session() as session:
        run(job, session, service.checkout_work(req, who))
    if job.status != "done" or job.file is None:
        typer.echo(f"error: {(job.error or {}).get('detail')}", err=True)
        raise typer.Exit(2)
    out.mkdir(parents=True, exist_ok=True)
    with local_copy(job.file) as package, zipfile.ZipFile(package) as z:
        z.extractall(out)
    result = job.result or {}
    typer.echo(
        f"package {result['package_id']}: {result['parcels']} parcels, "
        f"{result['change_patches']} patches"
    )
    typer.echo(f"open in QField: {out / result['qgs']}")


@app.command("sync")
def sync_package(
    ctx: typer.Context,
    package_id: str = typer.Argument(..., help="the package id (manifest.package_id)"),
    file: Path = typer.Argument(..., exists=True, help="the edited .gpkg or the folder zipped"),
    as_user: str = typer.Option(..., "--as", help="the user who checked the package out"),
    output: Path | None = typer.Option(None, "--output", "-o", help="write the JSON report"),
) -> None:
    """Check in an edited package in one transaction; print the report (zh / en)."""
    import hashlib

    from cadastre.field import service, sync
    from gis.db import cli_database, transaction
    from gis.errors import LandgisError

    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    workdir = Path(tempfile.mkdtemp(prefix="landgis-field-sync-"))
    try:
        with cli_database(ctx).session() as session, transaction(session):
            who = service.field_user(session, as_user)
            report = sync.sync(session, package_id, who, file, digest, workdir)
    except LandgisError as exc:
        raise _fail(exc) from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    typer.echo(report["summary_zh"])
    typer.echo(report["summary_en"])
    for kind in ("conflicts", "refused"):
        for o in report[kind]:
            typer.echo(f"{kind}: {o['layer']} {o['key']}: {o['zh']} / {o['en']}")
    if output:
        output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
