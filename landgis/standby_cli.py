"""``landgis db standby create|start|stop|status``: the local hot standby (gis/standby.py)."""

from __future__ import annotations

import typer

from gis import standby
from gis.cluster import ClusterError
from gis.settings import get_settings

app = typer.Typer(
    help="A hot standby of the local cluster (read replica): create, start, stop, status.",
    no_args_is_help=True,
)


def _local() -> None:
    if not get_settings().uses_local_cluster:
        raise ClusterError(
            "LANDGIS_DATABASE_URL is set: make the replica where that server runs and set "
            "LANDGIS_DATABASE_READ_URL"
        )


@app.command("create")
def create(start: bool = typer.Option(True, help="Start it once made.")) -> None:
    """Copy the running primary with pg_basebackup -R into data/pg-standby."""
    _local()
    settings = get_settings()
    state = standby.create(settings)
    if start:
        state = standby.start(settings)
    typer.echo(state.describe())


@app.command("start")
def start() -> None:
    """Start the standby; public reads of servers started afterwards go to it."""
    _local()
    typer.echo(standby.start(get_settings()).describe())


@app.command("stop")
def stop() -> None:
    """Stop the standby (servers fall back to the primary)."""
    _local()
    typer.echo(standby.stop(get_settings()).describe())


@app.command("status")
def status() -> None:
    """Whether the standby runs, and its replay lag behind the primary."""
    _local()
    state = standby.status(get_settings())
    typer.echo(state.describe())
    if not state.running:
        raise typer.Exit(3)
