"""landgis cadastre import FILE / landgis cadastre export."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the import and export commands to the cadastre command group."""
