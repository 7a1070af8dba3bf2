"""Land trading: listings, bidding, records."""

from __future__ import annotations

import typer

app = typer.Typer(help="Land trading: listings, bidding, records.", no_args_is_help=True)
