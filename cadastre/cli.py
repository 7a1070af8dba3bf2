"""Cadastre commands: landgis cadastre check|verify|verify-certificate|import|export ..."""

from __future__ import annotations

import typer

from cadastre.exchange.cli import register as register_exchange
from cadastre.parcels.cli import register as register_parcels

app = typer.Typer(help="The cadastral register.", no_args_is_help=True)
register_exchange(app)
register_parcels(app)
