"""Planning layers: import, editions, compliance."""

from __future__ import annotations

import typer

app = typer.Typer(help="Planning layers: import, editions, compliance.", no_args_is_help=True)
