"""Land trading: landgis trading list|show|create|publish|close|result."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.auth.models import User
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import cli_database, transaction
from gis.errors import LandgisError
from trading import clock, closer, repository, service, views
from trading.money import parse_money
from trading.monitoring.cli import monitor
from trading.schemas import ListingCreate

app = typer.Typer(help="Land trading: listings, bidding, records.", no_args_is_help=True)
app.command("monitor")(monitor)  # 批后监管 (trading.monitoring)


@contextmanager
def _session(ctx: typer.Context) -> Iterator[Session]:
    """A session of the command's database (its click context) that turns a domain error
    into one line on stderr."""
    session = cli_database(ctx).session()
    try:
        yield session
    except LandgisError as exc:  # a write's transaction() has rolled back; close() ends reads
        where = f" ({exc.field})" if exc.field else ""
        typer.echo(f"landgis trading: {exc.detail}{where}", err=True)
        raise typer.Exit(1) from None
    finally:
        session.close()


def _actor(session: Session, username: str) -> Principal:
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        typer.echo(f"landgis trading: no active user {username!r} (landgis user add ...)", err=True)
        raise typer.Exit(1)
    role = Role(user.role)
    if role not in (Role.REGISTRAR, Role.ADMIN):
        typer.echo(f"landgis trading: {username} is a {role.value}, not a registrar", err=True)
        raise typer.Exit(1)
    return Principal(user.id, user.username, role)


def _money(name: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        try:
            return str(parse_money(value, allow_zero=name == "deposit"))
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    return check


def _line(item: dict[str, Any]) -> str:
    price = item["current_price"] or "—"
    return (
        f"{item['id']:>5}  {item['code']:<14} {item['method']['zh']}  {item['phase']['en']:<16} "
        f"{item['land_use']['code']:<4} {item['area_m2']:>12} m²  start {item['start_price']:>14}  "
        f"now {price:>14}  deadline {item['deadline'][:16]}"
    )


@app.command("list")
def list_listings(
    ctx: typer.Context, drafts: bool = typer.Option(False, "--drafts", help="Include drafts.")
) -> None:
    """List listings with their phase, start and current price, and deadline."""
    with _session(ctx) as session:
        now = clock.now()
        for listing in repository.all_listings(session, include_drafts=drafts):
            typer.echo(_line(views.listing_public(session, listing, now)))


@app.command("show")
def show(
    ctx: typer.Context,
    listing_id: int,
    staff: bool = typer.Option(False, "--staff", help="Include the reserve."),
) -> None:
    """Print one listing as JSON (public view unless --staff)."""
    with _session(ctx) as session:
        listing = service.get_listing(session, listing_id, drafts=staff)
        body = (
            views.listing_staff(session, listing)
            if staff
            else views.listing_public(session, listing)
        )
        typer.echo(json.dumps(body, ensure_ascii=False, indent=2))


@app.command("create")
def create(
    ctx: typer.Context,
    as_user: str = typer.Option(..., "--as", help="Registrar who drafts the listing."),
    unit_code: list[str] = typer.Option(..., "--unit-code", help="Parcel unit code (repeat)."),
    method: str = typer.Option("listing", help="tender | auction | listing"),
    land_use: str = typer.Option(..., help="GB/T 21010 class, e.g. 0701 (construction 05-10)."),
    title: str = typer.Option("国有建设用地使用权出让", help="Title of the announcement."),
    far_min: str = typer.Option("1.0"),
    far_max: str = typer.Option("2.5"),
    term_years: int = typer.Option(70),
    start_price: str = typer.Option(..., callback=_money("start_price")),
    increment: str = typer.Option(..., callback=_money("increment")),
    deposit: str = typer.Option(..., callback=_money("deposit")),
    reserve_price: str = typer.Option(..., callback=_money("reserve_price")),
    announce: str | None = typer.Option(None, help="Announcement date (default today)."),
    bid_start: datetime = typer.Option(..., help="Bidding opens (Asia/Shanghai)."),
    bid_end: datetime = typer.Option(..., help="Bidding closes (Asia/Shanghai)."),
) -> None:
    """Draft a listing of one or more current parcels; prints its id and code."""
    raw = {
        "title": title,
        "method": method,
        "unit_codes": unit_code,
        "land_use": land_use,
        "far_min": far_min,
        "far_max": far_max,
        "term_years": term_years,
        "start_price": start_price,
        "increment": increment,
        "deposit": deposit,
        "reserve_price": reserve_price,
        "announcement_date": announce or clock.local_date(clock.now()).isoformat(),
        "bid_start": bid_start.isoformat(),
        "bid_end": bid_end.isoformat(),
    }
    from pydantic import ValidationError

    try:
        data = ListingCreate.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        typer.echo(f"landgis trading: {err['loc'][0]}: {err['msg']}", err=True)
        raise typer.Exit(1) from None
    with _session(ctx) as session, transaction(session):
        listing = service.create_listing(session, data, _actor(session, as_user))
        typer.echo(f"draft {listing.id} {listing.code}")


@app.command("publish")
def publish(ctx: typer.Context, listing_id: int) -> None:
    """Announce a draft (periods, seizure and planning checks)."""
    with _session(ctx) as session, transaction(session):
        listing = service.publish_listing(session, listing_id)
        typer.echo(f"published {listing.id} {listing.code}; bidding opens {listing.bid_start}")


@app.command("close")
def close(
    ctx: typer.Context,
    listing_id: int | None = typer.Argument(None),
    due: bool = typer.Option(False, "--due", help="Close every listing past its deadline."),
) -> None:
    """Close bidding after the deadline: sold, no sale, or on to the on-site auction."""
    with _session(ctx) as session:
        failed: list[int] = []
        if due:
            closing = closer.close_due(session)  # one transaction per listing
            done, failed = closing.closed, closing.failed
        elif listing_id is not None:
            with transaction(session):
                done = [service.close_listing(session, listing_id)]
        else:
            raise typer.BadParameter("give a listing id or --due")
        for listing in done:
            typer.echo(f"{listing.id} {listing.code}: {listing.outcome}")
        if failed:
            typer.echo(f"landgis trading: could not close {failed} (see the log)", err=True)
            raise typer.Exit(1)


@app.command("result")
def result(
    ctx: typer.Context,
    listing_id: int,
    as_user: str = typer.Option(..., "--as", help="Registrar publishing it."),
) -> None:
    """Publish the result: deposits settled; a sale makes record, contract and cadastre case."""
    with _session(ctx) as session, transaction(session):
        listing = service.publish_result(session, listing_id, _actor(session, as_user))
        typer.echo(f"result published {listing.id} {listing.code}: {listing.outcome}")
