"""The register's zone partitions (migration 0050): what they hold, and the split of the
DEFAULT partition. Repository functions never commit; ``landgis cadastre partitions`` is
the command (one transaction)."""

from __future__ import annotations

from dataclasses import dataclass

import typer
from sqlalchemy import text
from sqlalchemy.orm import Session

PARTITIONS_SQL = """
SELECT c.relname AS name, coalesce(pg_get_expr(c.relpartbound, c.oid), '') AS bound,
       coalesce(s.n_live_tup, 0) AS rows_estimate
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE i.inhparent = 'parcel'::regclass ORDER BY c.relname
"""
# zones with parcel versions waiting in the DEFAULT partition, or with no partition at all
WAITING_SQL = """
SELECT DISTINCT z FROM (
  SELECT left(subzone_code, 9) AS z FROM parcel_default
  UNION SELECT code FROM cadastral_zone) w
WHERE to_regclass('parcel_' || z) IS NULL ORDER BY z
"""


@dataclass(frozen=True)
class Partition:
    name: str
    bound: str
    rows_estimate: int


def partitions(session: Session) -> list[Partition]:
    """Every partition of ``parcel`` with its bound and estimated row count."""
    return [Partition(**r._mapping) for r in session.execute(text(PARTITIONS_SQL))]


def split_default(session: Session) -> list[str]:
    """Give every zone without a partition its own (rows move out of DEFAULT); the zones."""
    zones = list(session.execute(text(WAITING_SQL)).scalars())
    for zone in zones:
        session.execute(text("SELECT parcel_zone_partition(:z)"), {"z": zone})
    return zones


def register(app: typer.Typer) -> None:
    """Add the ``partitions`` command to the cadastre command group."""
    app.command("partitions")(partitions_command)


def partitions_command(
    ctx: typer.Context,
    split: bool = typer.Option(
        False, "--split", help="give zones without a partition their own (from DEFAULT)"
    ),
) -> None:
    """List the register's zone partitions; --split moves DEFAULT's rows to new ones.
    按地籍区分区列表；--split 为尚无分区的地籍区建分区。"""
    from gis.db import cli_database, transaction

    with cli_database(ctx).session() as session, transaction(session):
        made = split_default(session) if split else []
        found = partitions(session)
    for zone in made:
        typer.echo(f"新建分区 made partition parcel_{zone}")
    for p in found:
        typer.echo(f"{p.name:20} {p.bound:45} ~{p.rows_estimate}")
