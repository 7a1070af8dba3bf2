"""Rasters: import, list, change detection."""

from __future__ import annotations

import typer

app = typer.Typer(help="Rasters: import, list, change detection.", no_args_is_help=True)
