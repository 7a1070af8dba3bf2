"""Survey imports: landgis survey import FILE."""

from __future__ import annotations

import typer

app = typer.Typer(help="Survey imports: landgis survey import FILE.", no_args_is_help=True)
