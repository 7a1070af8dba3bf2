"""Planning layers: landgis planning editions|new-edition|activate|import|check."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.auth.models import User
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import cli_database, transaction
from gis.errors import LandgisError, PermissionDenied

app = typer.Typer(help="Planning layers: import, editions, compliance.", no_args_is_help=True)


def _fail(exc: LandgisError) -> typer.Exit:
    typer.echo(f"error ({exc.field or 'input'}): {exc.detail}", err=True)
    return typer.Exit(2)


@app.command("editions")
def editions(ctx: typer.Context) -> None:
    """List plan editions, newest first, with zone counts per layer."""
    from gis.planning import repository

    with cli_database(ctx).session() as session:
        for e in repository.list_editions(session):
            mark = "*" if e.in_force else " "
            typer.echo(f"{mark} {e.id:>4} {e.approved_on} {e.name}  {json.dumps(e.zones)}")


@app.command("new-edition")
def new_edition(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    approved_on: str = typer.Option(..., "--approved-on", help="YYYY-MM-DD"),
    document: str = typer.Option("", "--document", help="approval document number (文号)"),
    authority: str = typer.Option("", "--authority", help="approving authority (批准机关)"),
) -> None:
    """Register a new plan edition (not in force until 'activate')."""
    from gis.planning import service
    from gis.planning.schemas import EditionCreate

    try:
        data = EditionCreate(
            name=name,
            approved_on=date.fromisoformat(approved_on),
            document=document,
            approval_authority=authority,
        )
    except ValueError as exc:
        typer.echo(f"error (approved_on): {exc}", err=True)
        raise typer.Exit(2) from None
    with cli_database(ctx).session() as session, transaction(session):
        typer.echo(service.create_edition(session, data))


@app.command("activate")
def activate(
    ctx: typer.Context,
    edition_id: int,
    as_user: str = typer.Option(..., "--as", help="the planner who puts it in force"),
    reason: str = typer.Option(..., "--reason", help="why (journaled)"),
) -> None:
    """Put a complete, approved edition in force (journaled); the previous stays queryable."""
    from gis.planning import activation

    try:
        with cli_database(ctx).session() as session, transaction(session):
            activation.activate(session, edition_id, _planner(session, as_user), reason)
    except LandgisError as exc:
        raise _fail(exc) from None
    typer.echo(f"edition {edition_id} is in force")


def _planner(session: Session, username: str) -> Principal:
    """The active planner (or admin) named by ``--as``."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None or user.role not in (Role.PLANNER, Role.ADMIN):
        raise PermissionDenied(f"{username!r} is not an active planner", field="as")
    return Principal(user.id, user.username, Role(user.role))


@app.command("import")
def import_layer(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, readable=True),
    edition_id: int = typer.Option(..., "--edition"),
    layer: str = typer.Option(
        ..., "--layer", help="zoning|farmland|development_boundary|ecological_redline"
    ),
    crs: str | None = typer.Option(None, "--crs", help="EPSG code when the file has none"),
    code_field: str = typer.Option("code", "--code-field"),
    name_field: str = typer.Option("name", "--name-field"),
) -> None:
    """Replace one layer of an edition with the polygons of a vector file (all or nothing)."""
    from gis.exchange.read import parse_crs
    from gis.planning import service

    try:
        with cli_database(ctx).session() as session, transaction(session):
            result = service.import_zones(
                session, edition_id, layer, file, parse_crs(crs), code_field, name_field
            )
    except LandgisError as exc:
        raise _fail(exc) from None
    typer.echo(
        f"{result.imported} zones imported into edition {edition_id} ({layer}), "
        f"{result.replaced} replaced"
    )


@app.command("check")
def check(
    ctx: typer.Context,
    unit_code: str = typer.Argument(..., help="28-character unit code of a current parcel"),
    proposed: str = typer.Option(..., "--use", help="proposed GB/T 21010 class, e.g. 07"),
) -> None:
    """Compliance of a parcel with a proposed use against the plan in force (JSON)."""
    from gis.collections import cli_catalog
    from gis.planning import service
    from gis.planning.schemas import ComplianceRequest

    try:
        with cli_database(ctx).session() as session:
            result = service.check(
                session,
                cli_catalog(ctx),
                ComplianceRequest(unit_code=unit_code, proposed_land_use=proposed),
            )
    except LandgisError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=1))
    raise typer.Exit(0 if result.verdict == "compliant" else 1)
