"""``landgis trading monitor``: the 批后监管 report in the terminal (one line per sold
parcel, then the inspectors' cases), after measuring the scenes not yet seen."""

from __future__ import annotations

import json
from datetime import date

import typer
from sqlalchemy.exc import OperationalError

from gis.db import cli_database, transaction
from gis.errors import LandgisError
from trading import clock
from trading.monitoring.schemas import ParcelMonitorOut, report_out


def _line(p: ParcelMonitorOut) -> str:
    ev = p.evidence
    seen = f"{ev.acquired_on} #{ev.raster_id} {ev.built_share:.0%}" if ev else "无影像 no scene"
    case = f" 案件 {p.finding.case_no} ({p.finding.status})" if p.finding else ""
    return (
        f"{p.unit_code} {p.status.zh}/{p.status.en} · {p.verdict.zh}/{p.verdict.en} · "
        f"开工 start {p.agreed_start_date} · 证据 evidence {seen}{case}"
    )


def monitor(
    ctx: typer.Context,
    as_of: str = typer.Option("", "--as-of", help="Report date YYYY-MM-DD (default: today)."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Judge without storing observations or opening cases."
    ),
    as_json: bool = typer.Option(False, "--json", help="The report as JSON (the API's model)."),
) -> None:
    """批后监管: each sold parcel's status (未开工/已开工/已竣工) and verdict; idle land
    (疑似闲置土地) and construction before the contract open an inspector's case."""
    try:
        when = date.fromisoformat(as_of) if as_of else clock.local_date(clock.now())
    except ValueError:
        typer.echo(f"landgis trading monitor: --as-of {as_of!r} is not YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None
    from trading.monitoring import service  # rasterio and the scenes: only when it runs

    session = cli_database(ctx).session()
    try:
        if dry_run:
            states = service.report(session, when)
        else:
            with transaction(session):
                states = service.update(session, when)
        report = report_out(when, states)
    except (LandgisError, OperationalError) as exc:
        detail = exc.detail if isinstance(exc, LandgisError) else str(exc.orig).splitlines()[0]
        typer.echo(f"landgis trading monitor: {detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        session.close()
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    for p in report.parcels:
        typer.echo(_line(p))
    counts = ", ".join(f"{k}={v}" for k, v in report.by_status.items())
    typer.echo(f"{len(report.parcels)} sold parcels on {when}: {counts}")
    cases = [p.finding for p in report.parcels if p.finding]
    for f in cases:
        typer.echo(f"案件 case {f.case_no} {f.kind.zh}/{f.kind.en} {f.unit_code}: {f.detail}")
