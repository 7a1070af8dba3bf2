"""Each domain's Typer app, mounted under ``landgis NAME``."""

from __future__ import annotations

import typer

DOMAIN_APPS: list[tuple[str, typer.Typer]] = []
