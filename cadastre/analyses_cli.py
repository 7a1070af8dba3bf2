"""``landgis cadastre analyse NAME [--dask]``: the planners' analyses (cadastre/analyses.py)."""

from __future__ import annotations

import json
from contextlib import ExitStack

import typer

from cadastre import analyses
from gis.db import Database, cli_database


def register(app: typer.Typer) -> None:
    app.command("analyse")(analyse)


def analyse(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="area-by-use | overlay | farmland-in-boundary"),
    dask: bool = typer.Option(
        False,
        "--dask",
        help="Run on Dask: LANDGIS_DASK_SCHEDULER, or a local in-process cluster if unset.",
    ),
) -> None:
    """Area per district (m², EPSG:4547) by land-use class, zoning overlay or farmland
    inside the development boundary; one JSON line per group, largest first."""
    from gis.cluster import ClusterError
    from gis.settings import get_settings

    if name not in analyses.SQL:
        raise ClusterError(f"unknown analysis {name!r}: one of {', '.join(analyses.SQL)}")
    scheduler = get_settings().dask_scheduler
    if dask or scheduler:
        result = _on_dask(cli_database(ctx), name, scheduler)
    else:  # a read: on the replica when there is one
        from sqlalchemy.orm import Session

        from gis.replica import read_url

        database = cli_database(ctx)
        url = read_url(database) or database.settings.sqlalchemy_url()
        with Session(bind=database.engine_for(url)) as session:
            result = analyses.run(session, name)
    for row in analyses.table(result):
        typer.echo(json.dumps(row, ensure_ascii=False))


def _on_dask(database: Database, name: str, scheduler: str | None) -> analyses.Result:
    from cadastre import analyses_dask

    with ExitStack() as stack:
        if scheduler is None:
            from distributed import LocalCluster

            local = stack.enter_context(
                LocalCluster(
                    processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None
                )
            )
            scheduler = local.scheduler_address
        return analyses_dask.run(database, name, scheduler)
